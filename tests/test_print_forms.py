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
from xlreport.layout.plan import CHECK_SHEET
from xlreport.write.rowfit import height, lines
from xlreport.write.sheets import HEAD_ROW, NOT_FILLED
from xlreport.write.writer import write_report, write_template

from .conftest import EXAMPLE
from .libreoffice import convert, soffice

CARD = "绩效自评1"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("print")
    return {
        "template": write_template(out / "template.xlsx", load_edition("shanxi-2022"), "测试单位", 2022).path,
        "reference": write_report(out / "reference.xlsx", load_report(EXAMPLE)).path,
    }


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
