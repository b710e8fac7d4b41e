"""Workbooks a finance officer can fill and print (issue 15): the blank form shows no result, the scorecard
is the official form, wrapped text gets its height, every sheet has its print setup.

The LibreOffice renders (PDF, checked with pdftotext) are slow: marked ``sweep``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlreport import load_edition, load_report
from xlreport.examples import path as example_path
from xlreport.layout.plan import CHECK_SHEET, GUIDE_SHEET, LISTS_SHEET
from xlreport.write.formats import AMOUNT_FORMULA, FORM_WHOLE
from xlreport.write.narrative import NARRATIVE_SHEET
from xlreport.write.rowfit import height, lines
from xlreport.write.sheets import HEAD_ROW, NOT_FILLED
from xlreport.write.writer import write_report, write_template

from .conftest import EXAMPLE
from .libreoffice import convert, soffice

CARD = "绩效自评1"
SHANGHAI = example_path("shanghai-district-2024")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("print")
    return {
        "template": write_template(out / "template.xlsx", load_edition("shanxi-2022"), "测试单位", 2022).path,
        "reference": write_report(out / "reference.xlsx", load_report(EXAMPLE)).path,
        "for_print": write_report(out / "for-print.xlsx", load_report(EXAMPLE), for_print=True).path,
        "as_published": write_report(out / "as-published.xlsx", load_report(EXAMPLE), as_published=True).path,
        "shanghai_template": write_template(
            out / "shanghai-template.xlsx", load_edition("shanghai-2024"), "测试单位", 2024
        ).path,
        "unshaded": write_template(
            out / "unshaded.xlsx", load_edition("shanxi-2022"), "测试单位", 2022, shading=False
        ).path,
    }


def _filled(ws) -> list[str]:
    return [c.coordinate for row in ws.iter_rows() for c in row if c.fill is not None and c.fill.fill_type]


def test_wrapped_text_estimates():
    assert lines("一般公共服务支出", 20) == 1
    assert lines("一般公共服务支出" * 3, 20) == 3  # 24 CJK characters ≈ 43.6 units in 19.4 usable
    assert lines("ABCDEFGHIJ", 12) == 1 and lines("ABCDEFGHIJ" * 3, 12) == 3
    assert lines("第一行\n第二行", 30) == 2
    assert height(3) > 3 * 13 > height(1)


def test_a_blank_scorecard_shows_no_result_and_its_audit_says_not_filled(written):
    wb = load_workbook(written["template"], data_only=True)
    card = wb[CARD]
    guarded = load_workbook(written["template"])[CARD]
    formulas = [c for row in guarded.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] == "="]
    assert len(formulas) > 15
    for cell in formulas:  # every result blank until a number is typed, cached blank
        assert cell.value.startswith("=IF(COUNT("), cell.value
        assert card[cell.coordinate].value in (None, ""), cell.coordinate
    audit = wb[CHECK_SHEET]
    assert NOT_FILLED in audit.cell(row=1, column=1).value
    verdicts = {r[9] for r in audit.iter_rows(min_row=HEAD_ROW + 2, values_only=True)}
    assert verdicts == {NOT_FILLED}


def test_the_reference_scorecard_is_the_official_form(written):
    wb = load_workbook(written["reference"])
    ws = wb[CARD]
    assert ws.print_area == f"'{CARD}'!$A$1:$I${ws.max_row + 0}" or ws.print_area.startswith(f"'{CARD}'!$A$1:$I$")
    merged = [str(r) for r in ws.merged_cells.ranges]
    down = [r for r in merged if re.fullmatch(r"([AB])(\d+):\1(\d+)", r)]
    assert any(r.startswith("A") for r in down) and any(r.startswith("B") for r in down)  # 一级, 二级 merged
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "填报日期" not in texts and "执行率(%)" not in texts and "执行率" in texts
    whole = {
        c.number_format
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, (int, float)) and c.value == int(c.value)
    }
    assert whole == {"#,##0"}  # 600,000 / 100 / 10 as the form prints them, not 600,000.00
    assert ws.print_title_rows is not None  # the indicators' header repeats on every page
    header = int(ws.print_title_rows.split(":")[0].lstrip("$"))
    assert "一级指标" in [ws.cell(row=header, column=1).value, ws.cell(row=header + 1, column=1).value]


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def _overlaps(pdf: Path) -> list[tuple[int, str, str]]:
    """Lines on the same page whose boxes intersect (pdftotext -bbox-layout)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    out = []
    for n, page in enumerate(xml.stdout.split("<page ")[1:], 1):
        boxes = []
        for m in re.finditer(
            r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', page, re.S
        ):
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            words = "".join(re.findall(r">([^<]*)</word>", m.group(5)))
            boxes.append((x0, y0, x1, y1, words))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                dx = min(a[2], b[2]) - max(a[0], b[0])
                dy = min(a[3], b[3]) - max(a[1], b[1])
                if dx > 1 and dy > 1.5:
                    out.append((n, a[4], b[4]))
    return out


needs_office = pytest.mark.skipif(
    soffice() is None or shutil.which("pdftotext") is None, reason="LibreOffice and pdftotext are needed"
)


@pytest.mark.sweep
@needs_office
def test_rendered_reference_and_blank_template(written, tmp_path):
    ref_pdf, blank_pdf = convert([written["reference"], written["template"]], tmp_path / "pdf", target="pdf")
    pages = _pdf_pages(ref_pdf)
    cards = [i for i, p in enumerate(pages) if "项目支出绩效自评表" in p and "二、绩效指标完成情况" in p]
    assert len(cards) == 3
    for i in cards:  # one page each: the next page is another sheet (no repeated indicator header alone)
        nxt = pages[i + 1] if i + 1 < len(pages) else ""
        assert "一级指标" not in nxt or "项目支出绩效自评表" in nxt
    assert "600,000" in pages[cards[0]] and "600,000.00" not in pages[cards[0]]
    blank = _pdf_pages(blank_pdf)
    card = next(p for p in blank if "二、绩效指标完成情况" in p)
    assert "差" not in card.split("等级")[-1][:40]
    assert any(f"审核结论：{NOT_FILLED}" in p for p in blank)
    assert _overlaps(ref_pdf) == []
    assert _overlaps(blank_pdf) == []
    for pdf, edition in ((ref_pdf, "shanxi-2022"), (blank_pdf, "shanxi-2022")):
        assert _tables_in_order(pages if pdf == ref_pdf else blank, load_edition(edition)) == []
    _keep(ref_pdf, blank_pdf)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _tables_in_order(pages: list[str], edition) -> list[str]:
    """Each table's first page holds its title and its first row labels, in order (cells that wrap are
    read without their line breaks); the problems found."""
    problems = []
    for table in edition.tables:
        title = _flat(table.title)
        first = next((_flat(p) for p in pages if title in _flat(p) and not _helper_page(p)), None)
        if first is None:
            problems.append(f"{table.sheet}: no page prints {table.title}")
            continue
        at = first.index(title)
        for _, row in table.fixed_rows()[:4]:
            label = _flat(row.label)
            if not label or len(label) > 12:
                continue
            found = first.find(label, at)
            if found < 0:
                problems.append(f"{table.sheet}: {row.label} not after {table.title} on its first page")
                break
            at = found + len(label)
    return problems


def _helper_page(page: str) -> bool:
    """A page of 填表说明 or 审核, which name the tables and rows too."""
    flat = _flat(page)
    return "填表说明" in flat or "规则编号" in flat


def _keep(*pdfs: Path) -> None:
    """The rendered PDFs kept for a person to look at (CI artefacts, never in git): XLREPORT_ARTEFACTS."""
    import os

    folder = os.environ.get("XLREPORT_ARTEFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for pdf in pdfs:
            shutil.copy(pdf, Path(folder) / pdf.name)


@pytest.mark.sweep
@needs_office
def test_a_long_scorecard_repeats_the_indicator_header_on_every_page(tmp_path):
    """A 48-indicator scorecard runs to several pages; each page after the first starts with the
    indicators' header (一级指标 … 得分), not with the budget block."""
    import json
    from decimal import Decimal

    data = json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    card = data["scorecards"][0]
    base = card["indicators"]
    card["indicators"] = [{**base[i % len(base)], "name": f"{base[i % len(base)]['name']}{i + 1}"} for i in range(48)]
    data["scorecards"] = [card]
    path = write_report(tmp_path / "long.xlsx", load_report(data)).path
    (pdf,) = convert([path], tmp_path / "pdf", target="pdf")
    names = [_flat(i["name"]) for i in card["indicators"]]
    card_pages = [_flat(p) for p in _pdf_pages(pdf) if any(n in _flat(p) for n in names) and not _helper_page(p)]
    assert len(card_pages) >= 2
    for page in card_pages[1:]:
        top = page[: page.find(next(n for n in names if n in page))]  # what prints above its first indicator
        assert "一级指标" in top and "二级指标" in top, top[:120]
        assert "预算执行情况" not in top and "全年预算数" not in top, top[:120]  # not the budget header
    _keep(pdf)


def test_for_print_has_no_shading_and_no_helper_sheets(written):
    shaded = load_workbook(written["reference"])
    assert {GUIDE_SHEET, CHECK_SHEET, LISTS_SHEET} <= set(shaded.sheetnames)
    assert _filled(shaded["公开02"]) and _filled(shaded[CARD])  # the working copy is shaded: the test can fail
    wb = load_workbook(written["for_print"])
    assert not {GUIDE_SHEET, CHECK_SHEET, LISTS_SHEET} & set(wb.sheetnames)
    edition = load_edition("shanxi-2022")
    printed = [t.sheet for t in edition.tables] + ["绩效自评1", "绩效自评2", "绩效自评3", NARRATIVE_SHEET]
    assert wb.sheetnames == printed
    for ws in wb:
        assert _filled(ws) == [], ws.title
    card = wb[CARD]  # the official form still prints A:I; the helper inputs are kept, outside it
    assert card.print_area.startswith(f"'{CARD}'!$A$1:$I$")
    assert not any(d.hidden for d in card.column_dimensions.values())


def test_a_template_without_shading(written):
    assert _filled(load_workbook(written["template"])["公开02"])
    wb = load_workbook(written["unshaded"])
    for name in ("公开02", CARD, NARRATIVE_SHEET):
        assert _filled(wb[name]) == [], name
    assert "未锁定的单元格" in " ".join(str(c.value) for c in wb[GUIDE_SHEET]["A"] if c.value)


def _guide_text(path: Path) -> tuple[str, list[tuple]]:
    ws = load_workbook(path)[GUIDE_SHEET]
    rows = [tuple(v for v in row if v is not None) for row in ws.iter_rows(values_only=True)]
    return "\n".join(" ".join(str(v) for v in row) for row in rows), rows


def test_shanghai_guide_speaks_only_of_its_own_tables(written):
    edition = load_edition("shanghai-2024")
    assert not edition.scorecard.enabled and all(t.sheet == t.title for t in edition.tables)
    text, rows = _guide_text(written["shanghai_template"])
    for absent in ("公开01", "公开03", "车辆", "绩效自评", "项目支出绩效"):
        assert absent not in text, absent
    head = next(i for i, row in enumerate(rows) if row and row[0] == "工作表")
    assert "表名" not in rows[head]  # sheet and title are the same: one column
    listed = [row[0] for row in rows[head + 1 :] if row]
    assert sorted(listed) == sorted(t.sheet for t in edition.tables)
    shanxi, _ = _guide_text(written["template"])  # the edition that has them is told of them
    assert "车辆" in shanxi and "项目支出绩效自评表" in shanxi and "表名" in shanxi


def test_the_guide_is_fitted_and_has_a_print_setup(written):
    for key in ("template", "shanghai_template"):
        ws = load_workbook(written[key])[GUIDE_SHEET]
        assert ws.print_area is not None and ws.print_area.startswith(f"'{GUIDE_SHEET}'!$A$1:")
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.page_setup.orientation == "portrait"
        assert ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide (fitToWidth's default 1)
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        names = [c.value for c in ws["A"] if isinstance(c.value, str)]
        longest = max(names[names.index("工作表") + 1 :], key=len)
        assert ws.column_dimensions["A"].width >= min(36, 1.8 * len(longest))  # the names are not squeezed
        wrapped = [r for r, d in ws.row_dimensions.items() if d.height and d.height > 14]
        assert wrapped  # long lines get their height


def test_a_blank_scorecard_amount_prints_with_separators(written):
    ws = load_workbook(written["template"])[CARD]
    budget = next(
        c
        for row in ws.iter_rows()
        for c in row
        if c.value is None and c.protection.locked is False and c.number_format.startswith("#,##0")
    )
    assert budget.number_format == "#,##0.##"
    rules = [r for cf in ws.conditional_formatting for r in cf.rules if r.dxf and r.dxf.numFmt]
    assert any(r.dxf.numFmt.formatCode == FORM_WHOLE for r in rules)  # a typed whole number prints 600,000
    covered = {str(cell) for cf in ws.conditional_formatting for cell in cf.sqref.ranges}
    assert budget.coordinate in covered


def test_narrative_zeros_print_as_ratios_do(written):
    ws = load_workbook(written["reference"])[NARRATIVE_SHEET]
    formats = {c.number_format for c in ws["C"] if isinstance(c.value, str) and c.value.startswith("=")}
    assert "0.00%" in formats and AMOUNT_FORMULA not in formats  # a computed 0 prints 0.00 beside 0.00%


def test_coloured_cells_have_a_legend_on_their_sheet(written):
    wb = load_workbook(written["as_published"])
    seen = 0
    for ws in wb:
        if ws.title in (CHECK_SHEET, GUIDE_SHEET, NARRATIVE_SHEET):
            continue
        colours = {ws[c].fill.fgColor.rgb for c in _filled(ws)} - {"FFF2F2F2", "FFFFF8DC"}
        legend = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("图例")]
        assert bool(colours) == bool(legend), ws.title
        if legend:
            seen += 1
            assert ("浅蓝色" in legend[0].value) == ("FFDDEBF7" in colours)
            assert ("橙色" in legend[0].value) == ("FFF8CBAD" in colours)
            last = int(ws.print_area.rsplit("$", 1)[1])
            assert legend[0].row <= last  # it prints with the colours
    assert seen >= 10


@pytest.mark.sweep
@needs_office
def test_rendered_shanghai_template_and_example(tmp_path):
    template = write_template(tmp_path / "sh-template.xlsx", load_edition("shanghai-2024"), "测试单位", 2024).path
    filled = write_report(tmp_path / "sh-example.xlsx", load_report(SHANGHAI)).path
    for pdf in convert([template, filled], tmp_path / "pdf", target="pdf"):
        pages = _pdf_pages(pdf)
        guide = next(p for p in pages if "填表说明" in p)
        assert "公开01" not in guide and "车辆" not in guide and "绩效自评" not in guide
        assert _overlaps(pdf) == [], pdf.name
        assert _tables_in_order(pages, load_edition("shanghai-2024")) == [], pdf.name
        _keep(pdf)


def test_the_command_line_writes_the_publication_style(tmp_path):
    from click.testing import CliRunner

    from xlreport.cli import main

    runner = CliRunner()
    printed, plain = tmp_path / "print.xlsx", tmp_path / "plain.xlsx"
    result = runner.invoke(main, ["fill", str(SHANGHAI), "-o", str(printed), "--for-print"])
    assert result.exit_code == 0, result.output
    wb = load_workbook(printed)
    assert CHECK_SHEET not in wb.sheetnames and GUIDE_SHEET not in wb.sheetnames
    assert all(_filled(ws) == [] for ws in wb)
    args = ["template", "--edition", "shanghai-2024", "--dept", "某某局", "--year", "2024", "--no-shading"]
    result = runner.invoke(main, [*args, "-o", str(plain)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(plain)
    assert CHECK_SHEET in wb.sheetnames and all(_filled(ws) == [] for ws in wb if ws.title != CHECK_SHEET)
