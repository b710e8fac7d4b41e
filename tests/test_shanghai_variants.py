"""Shanghai as real reports print it (issue 13 item 3): the year's 26 类 rows (231/232 blank, 抗疫特别国债
安排的支出 numbered 二十六) from the edition's ``print_optional``, and header and row label variants
(aliases) recognised in a workbook read by layout and named in no message. Fast: no LibreOffice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

import xlreport
from xlreport import load_edition
from xlreport.authoring.check import check_edition
from xlreport.layout.plan import plan_table
from xlreport.rules.instantiate import instantiate
from xlreport.validation.engine import shape_of
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report

from .conftest import ROOT, SYNTHETIC, sweep_beyond
from .excel_ops import without_identity

FIELD = ROOT / "tests" / "field" / "shanghai"
FINANCE_2024 = FIELD / "putuo-finance-bureau-2024.json"  # no 231/232 amounts; printed with 26 类 rows
OPTIONAL = ("231", "232")


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _class_labels(path: Path, sheet: str) -> list[str]:
    ws = load_workbook(path)[sheet]
    return [
        c.value
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.endswith("支出") and "、" in c.value
    ]


def _key(result) -> list[tuple]:
    return sorted((f.code, f.rule_id, f.severity, f.sheet, f.cell) for f in result.findings)


def _messages(result, path: Path) -> list[str]:
    return sorted(f.message.replace(str(path), "<file>") for f in result.findings)


# ---------------------------------------------------------------------- the year's 类 rows
def test_the_2024_edition_prints_231_and_232_in_every_report_and_2025_does_not():
    sh24, sh25 = load_edition("shanghai-2024"), load_edition("shanghai-2025")
    assert sh24.info.print_optional and not sh25.info.print_optional
    for edition, count, last in ((sh24, 26, "二十六"), (sh25, 24, "二十四")):
        plan = plan_table(edition, edition.table("T01"), [])  # a report with neither 231 nor 232
        labels = [t.text for t in plan.texts if t.style in ("label", "label_bold") and "、" in t.text]
        classes = [x for x in labels if x.split("、", 1)[1] in {c.name for c in edition.classes}]
        assert len(classes) == count and classes[-1] == f"{last}、抗疫特别国债安排的支出"
        assert ("二十四、债务还本支出" in classes) == (count == 26)
        assert ("二十五、债务付息支出" in classes) == (count == 26)
    # a reader names what the sheet prints: without print_optional the 24 rows of the template stand
    plan = plan_table(sh24, sh24.table("T01"), [], print_optional=False)
    assert not any("债务" in t.text for t in plan.texts)


def test_a_2024_report_without_231_prints_them_blank_and_validates_as_its_json(tmp_path):
    d = _json(FINANCE_2024)
    assert not any(k in d["tables"]["T01"] for k in OPTIONAL)  # the report has no amount in them
    report = xlreport.load_report(d)
    path = write_report(tmp_path / "fin.xlsx", report, as_published=True).path
    for sheet in ("收入支出决算总表", "财政拨款收入支出决算总表"):  # 01 and 04 list the 类 rows
        classes = _class_labels(path, sheet)
        assert len(classes) == 26 and classes[-1] == "二十六、抗疫特别国债安排的支出"
        assert classes[23:25] == ["二十四、债务还本支出", "二十五、债务付息支出"]
    ws = load_workbook(path)["收入支出决算总表"]
    row = next(r for r in ws.iter_rows() if any(c.value == "二十四、债务还本支出" for c in r))
    at = next(i for i, c in enumerate(row) if c.value == "二十四、债务还本支出")
    assert row[at + 1].value in (None, "")  # printed blank, not 0
    result = validate_workbook(path)
    json_result = xlreport.check(d)
    assert [f for f in result.findings if f.severity == "error"] == []
    assert sorted((f.rule_id, f.severity) for f in result.findings if f.rule_id[:1] in "RHX") == sorted(
        (f.rule_id, f.severity) for f in json_result.findings if f.rule_id[:1] in "RHX"
    )
    back = result.report.cells()
    assert not any(ref.row in OPTIONAL and v is not None for ref, v in back.items())


def test_a_2025_report_prints_the_templates_24_rows(tmp_path):
    d = _json(FIELD / "putuo-yichuan-road-subdistrict-2025.json")
    assert d["meta"]["edition"] == "shanghai-2025"
    path = write_report(tmp_path / "yc.xlsx", xlreport.load_report(d), as_published=True).path
    classes = _class_labels(path, "收入支出决算总表")
    assert len(classes) == 24 and classes[-1] == "二十四、抗疫特别国债安排的支出"


def test_a_24_row_workbook_of_a_26_row_year_is_read_as_it_prints(tmp_path):
    """A department's own 2024 workbook may print the template's 24 rows (规划资源局 does): read by layout,
    its rows are where its labels print, not where the edition's 26 would be."""
    d = _json(FINANCE_2024)
    d["meta"]["edition"] = "shanghai-2025"  # the 24-row print, titled 2024: read by layout as shanghai-2024
    report = xlreport.load_report(d)
    path = write_report(tmp_path / "fin24.xlsx", report, as_published=True).path
    assert len(_class_labels(path, "收入支出决算总表")) == 24
    result = validate_workbook(without_identity(path, tmp_path / "fin24-layout.xlsx"))
    assert result.report is not None and result.report.meta.edition == "shanghai-2024"
    assert [f for f in result.findings if f.severity == "error"] == []
    back, sent = result.report.cells(), report.cells()
    derived = {c.defines for c in instantiate(shape_of(report)) if c.defines is not None}
    for ref, value in sent.items():
        if ref.table in ("T01", "T04") and ref not in derived:
            assert back.get(ref) == value, ref


# ---------------------------------------------------------------------- header and row aliases
def _header_cell(wb, sheet: str, text: str, below: str | None = None):
    """The header cell of ``sheet`` printing ``text`` (the one under ``below``'s column when given)."""
    ws = wb[sheet]
    cells = [c for row in ws.iter_rows(max_row=12) for c in row if c.value == text]
    if below is not None:
        over = next(c for row in ws.iter_rows(max_row=12) for c in row if c.value == below)
        cells = [c for c in cells if c.row > over.row and c.column == over.column]
    assert cells, (sheet, text)
    return cells[0]


T07 = "财政拨款“三公”经费支出决算表"
T08 = "政府性基金预算财政拨款收入支出决算表"
T09 = "国有资本经营预算财政拨款收入支出决算表"
VARIANTS = [  # (sheet, edition's text, printed variant, the header cell it sits under)
    (T07, "公务用车购置及运行维护费", "公务用车购置及运行费", None),
    (T07, "公务用车运行维护费", "公务用车运行费", None),
    (T08, "合计", "本年支出小计", "本年支出"),
    (T09, "合计", "小计", "本年支出"),
]


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("district")
    path = write_report(tmp / "district.xlsx", xlreport.load_report(_json(SYNTHETIC))).path
    plain = without_identity(path, tmp / "plain.xlsx")
    return tmp, path, plain, validate_workbook(plain)


@pytest.mark.parametrize(("sheet", "text", "variant", "below"), sweep_beyond(VARIANTS, keep=VARIANTS[::3]))
def test_a_printed_header_variant_reads_as_the_editions_header(district, sheet, text, variant, below):
    tmp, path, _, plain = district
    assert "header-changed" not in {f.code for f in plain.findings}

    def edit(wb):
        _header_cell(wb, sheet, text, below).value = variant

    n = [v[2] for v in VARIANTS].index(variant)
    result = validate_workbook(without_identity(path, tmp / f"variant-{n}.xlsx", edit))  # a name without the variant
    assert _key(result) == _key(plain)
    assert result.report is not None and result.report.cells() == plain.report.cells()
    # the messages are those of the workbook as the edition prints it: no alias shows
    assert _messages(result, tmp / f"variant-{n}.xlsx") == _messages(plain, tmp / "plain.xlsx")
    if not any(variant in m for m in _messages(plain, tmp / "plain.xlsx")):
        assert not [f for f in result.findings if variant in f.message]


def test_a_header_that_is_no_variant_is_reported_by_the_editions_text(district):
    tmp, path, _, plain = district

    def edit(wb):
        _header_cell(wb, T07, "公务用车运行维护费").value = "公务用车保险费"

    result = validate_workbook(without_identity(path, tmp / "other-header.xlsx", edit))
    (changed,) = [f for f in result.findings if f.code == "header-changed"]
    assert changed.severity == "warning" and changed.sheet == T07
    assert "公务用车运行维护费" in changed.message and "公务用车保险费" in changed.message
    assert _key(result) == sorted([*_key(plain), (changed.code, changed.rule_id, "warning", T07, None)])


def test_a_row_label_variant_places_the_row(district):
    """使用非财政拨款结余（含专用结余） printed where the template prints 使用非财政拨款结余 names that row (a
    workbook read by layout places a row by its label) and shows in no message."""
    from xlreport.read.reader import _label_variants

    variants = _label_variants(load_edition("shanghai-2024").table("T01"))
    assert variants["使用非财政拨款结余"] == {"使用非财政拨款结余(含专用结余)"}  # compared NFKC, as printed labels are
    tmp, path, _, plain = district
    sheet = "收入支出决算总表"

    def edit(wb):
        ws = wb[sheet]
        cell = next(c for row in ws.iter_rows() for c in row if c.value == "使用非财政拨款结余")
        cell.value = "使用非财政拨款结余（含专用结余）"

    result = validate_workbook(without_identity(path, tmp / "row-variant.xlsx", edit))
    assert _key(result) == _key(plain)
    assert _messages(result, tmp / "row-variant.xlsx") == _messages(plain, tmp / "plain.xlsx")
    assert not [f for f in result.findings if "含专用结余" in f.message]


def test_messages_name_columns_as_the_edition_prints_them():
    edition = load_edition("shanghai-2024")
    for table in ("T07", "T08", "T09"):
        for panel in edition.table(table).panels:
            for col in panel.columns:
                for _, alts in col.aliases:
                    assert not any(a in col.label for a in alts), (table, col.key)
    expense = edition.table("T08").panels[0].columns[4]
    assert expense.label == "本年支出·合计" and expense.header_aliases("合计") == ("小计", "本年支出小计")


# ---------------------------------------------------------------------- edition check
def test_edition_check_knows_print_optional_and_column_aliases(tmp_path):
    from shutil import copytree

    from xlreport.editions.loader import locate

    folder = copytree(str(locate("shanghai-2024").folder), tmp_path / "sh")
    assert check_edition(folder, libreoffice=False) == []
    edition = (folder / "edition.toml").read_text(encoding="utf-8")
    (folder / "edition.toml").write_text(edition.replace("print_optional = true", 'print_optional = "yes"'), "utf-8")
    assert [p.key for p in check_edition(folder, libreoffice=False)] == ["edition.print_optional"]
    (folder / "edition.toml").write_text(edition.replace(', "optional"]', "]"), "utf-8")
    (problem,) = check_edition(folder, libreoffice=False)
    assert problem.key == "edition.print_optional" and problem.kind == "classes" and problem.line
    (folder / "edition.toml").write_text(edition, "utf-8")
    tables = (folder / "tables.toml").read_text(encoding="utf-8")
    wrong = tables.replace('aliases = {"合计" = ["小计"', 'aliases = {"总计" = ["小计"', 1)  # not 08's header text
    (folder / "tables.toml").write_text(wrong, "utf-8")
    (problem,) = check_edition(folder, libreoffice=False)
    assert problem.kind == "invalid-value" and problem.key.endswith("columns[4].aliases") and "总计" in problem.message


def _aliases(edition) -> set[str]:
    out: set[str] = set()
    for table in edition.tables:
        for panel in table.panels:
            out.update(a for col in panel.columns for _, alts in col.aliases for a in alts)
            out.update(a for row in panel.rows for a in row.aliases)
    return out


@pytest.mark.parametrize("path", sorted(FIELD.glob("*.json")), ids=lambda p: p.stem)
def test_no_message_of_a_real_report_shows_an_alias(path):
    d = _json(path)
    aliases = _aliases(load_edition(d["meta"]["edition"])) - {"小计"}  # 小计 is 07's own header text
    assert "本年支出小计" in aliases and "公务用车运行费" in aliases
    findings = xlreport.check(d).findings
    assert findings  # every real report has its rounding notes
    assert not [f.message for f in findings if any(a in f.message for a in aliases)]


def test_the_finance_bureaus_workbook_as_printed_reads_as_the_edition_prints_it(tmp_path):
    """putuo-finance-bureau-2024 prints every variant at once: its workbook, read by layout, gives the findings
    of the workbook headed as the edition heads it."""
    path = write_report(tmp_path / "fin.xlsx", xlreport.load_report(_json(FINANCE_2024)), as_published=True).path
    plain = validate_workbook(without_identity(path, tmp_path / "plain.xlsx"))

    def edit(wb):
        for sheet, text, variant, below in VARIANTS:
            _header_cell(wb, sheet, text, below).value = variant
        ws = wb["收入支出决算总表"]
        cell = next(c for row in ws.iter_rows() for c in row if c.value == "使用非财政拨款结余")
        cell.value = "使用非财政拨款结余（含专用结余）"

    printed = validate_workbook(without_identity(path, tmp_path / "printed.xlsx", edit))
    assert _key(printed) == _key(plain) and printed.report.cells() == plain.report.cells()
    assert _messages(printed, tmp_path / "printed.xlsx") == _messages(plain, tmp_path / "plain.xlsx")
    assert "header-changed" not in {f.code for f in printed.findings}


def test_06_indents_each_kuan_under_its_lei(tmp_path):
    """The official 06 prints each 款 (30101 基本工资) indented under its 类 (301 工资福利支出)."""
    from openpyxl import load_workbook

    from xlreport import examples
    from xlreport.write.writer import write_report

    report = examples.load("shanghai-district-2024")
    path = write_report(tmp_path / "sh.xlsx", report).path
    ws = load_workbook(path)[load_edition("shanghai-2024").table("T06").sheet]
    names = {  # code → the name cell beside it, in either panel
        str(c.value): ws.cell(c.row, c.column + 1) for row in ws.iter_rows() for c in row if c.value is not None
    }
    assert names["301"].alignment.indent == 0 and names["302"].alignment.indent == 0
    assert names["30101"].alignment.indent == 1 and names["30201"].alignment.indent == 1
