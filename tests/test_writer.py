"""The writer: live formulas from the rules, correct caches, protection, identity, safe text."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

import xlreport
from xlreport.layout.plan import REPORTED_PREFIX, parse_defined_name
from xlreport.rules.instantiate import instantiate
from xlreport.synthetic import random_report
from xlreport.validation.engine import shape_of
from xlreport.write.sheets import CHECK_SHEET
from xlreport.write.writer import expand_codes, write_report, write_template

# TEXT, MID: live Part 3; COUNT: a blank scorecard shows no result
ALLOWED = {"SUM", "IF", "ROUND", "ABS", "MIN", "MAX", "AND", "OR", "LEN", "TEXT", "MID", "COUNT"}
AUDIT_ALLOWED = {"COUNT", "COUNTA", "COUNTIF", "ISTEXT", "IFERROR", "N"}  # Excel 2007, WPS and LibreOffice alike


def formulas(path):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    yield ws, cell


@pytest.fixture(scope="module")
def report(edition):
    return random_report(edition, seed=7)


@pytest.fixture(scope="module")
def filled(tmp_path_factory, report):
    path = tmp_path_factory.mktemp("w") / "filled.xlsx"
    write_report(path, report)
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory, edition):
    path = tmp_path_factory.mktemp("w") / "template.xlsx"
    write_template(path, edition, "测试局", 2023)
    return path


def test_formulas_use_only_portable_functions(filled, template):
    for path in (filled, template):
        names = {m for ws, c in formulas(path) if ws.title != CHECK_SHEET for m in re.findall(r"([A-Z]+)\(", c.value)}
        assert names <= ALLOWED, names - ALLOWED
        # the 审核 sheet counts filled cells (the rounding bound, blank anchors) and tells text from numbers
        audit = {m for ws, c in formulas(path) if ws.title == CHECK_SHEET for m in re.findall(r"([A-Z]+)\(", c.value)}
        assert {"COUNTA", "ROUND", "IF"} <= audit <= ALLOWED | AUDIT_ALLOWED, audit - ALLOWED - AUDIT_ALLOWED
        # LEN appears only in templates, for empty code rows (a 类 typed there counts in 合计)
    assert "LEN" not in {m for _, c in formulas(filled) for m in re.findall(r"([A-Z]+)\(", c.value)}


def test_every_derived_cell_is_a_locked_formula_and_inputs_are_unlocked(filled, report):
    wb = load_workbook(filled)
    names = {parse_defined_name(k): next(iter(v.destinations)) for k, v in wb.defined_names.items()}
    reported = {parse_defined_name(k, REPORTED_PREFIX) for k in wb.defined_names} - {None}
    checks = instantiate(shape_of(report))
    defined = {c.defines for c in checks if c.defines is not None}
    assert defined, "the rule set defines cells"
    seen_inputs = 0
    for ref, (sheet, coord) in names.items():
        if ref is None:
            continue
        cell = wb[sheet][coord.replace("$", "")]
        if isinstance(cell, MergedCell):  # 一级/二级指标 merged down: the first line's cell is the input
            continue
        if ref in reported:  # a printed total kept as printed: input-like
            assert ref in defined and not str(cell.value).startswith("=") and not cell.protection.locked
        elif ref in defined:
            assert isinstance(cell.value, str) and cell.value.startswith("="), (ref, cell.value)
            assert cell.protection.locked
        elif ref.col not in ("target_op", "target_value", "actual_value"):
            assert not cell.protection.locked, ref
            assert cell.fill.fgColor.rgb.endswith("FFF8DC"), ref
            seen_inputs += 1
    assert seen_inputs > 50
    for sheet in ("公开01", "公开03", "公开06", "绩效自评1"):
        assert wb[sheet].protection.sheet


def test_cached_values_equal_python(filled, report):
    """Each formula's cached value is what the rule computes (read back without recalculation)."""
    cached = load_workbook(filled, data_only=True)
    wb = load_workbook(filled)
    names = {parse_defined_name(k): next(iter(v.destinations)) for k, v in wb.defined_names.items()}
    values = report.cells()
    checked = 0
    for ref, (sheet, coord) in names.items():
        if ref is None or ref.table.startswith("S") or ref.col in ("code", "name"):
            continue
        got = cached[sheet][coord.replace("$", "")].value
        want = values.get(ref)
        if isinstance(wb[sheet][coord.replace("$", "")].value, str):  # a formula
            assert Decimal(repr(got or 0)) == (want or 0), (ref, got, want)
            checked += 1
    assert checked > 100


def test_identity_and_names(filled, edition):
    wb = load_workbook(filled)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["xlreport.edition"] == "shanxi-2022"
    assert props["xlreport.layout_hash"] == edition.layout_hash
    assert props["xlreport.schema_version"] == "1"
    assert "xr.T01.income_total.amount" in wb.defined_names
    assert wb.sheetnames[0] == "填表说明"
    assert [s for s in wb.sheetnames if s.startswith("公开")] == [f"公开{n:02d}" for n in range(1, 11)]
    assert "审核" in wb.sheetnames


def test_titles_meta_line_and_footnotes(filled):
    wb = load_workbook(filled)
    ws = wb["公开01"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "收入支出决算总表" in texts and "公开01表" in texts
    assert any(t.startswith("部门名称：测试单位7") for t in texts)
    assert "金额单位：元" in texts and "2022年度" in texts
    assert any(t.startswith("注：本表反映部门本年度的总收支") for t in texts)
    t10 = [c.value for row in wb["公开10"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("单位名称：") for t in t10)


def test_empty_tables_say_so(filled):
    wb = load_workbook(filled)
    for sheet in ("公开08", "公开09"):
        texts = [c.value for row in wb[sheet].iter_rows() for c in row if isinstance(c.value, str)]
        assert "说明：本表无数据" in texts


def test_user_text_is_never_a_formula(tmp_path, report):
    data = report.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["meta"]["unit_name"] = '=HYPERLINK("http://x")'
    data["scorecards"][0]["project_name"] = "+SUM(1,2)"
    data["scorecards"][0]["indicators"][0]["reason"] = "@cmd|' /C calc'!A0"
    path = tmp_path / "evil.xlsx"
    write_report(path, xlreport.load_report(data))
    wb = load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    evil = [
        c
        for c in cells
        if isinstance(c.value, str) and ("HYPERLINK" in c.value or "SUM(1,2)" in c.value or "calc" in c.value)
    ]
    assert evil and all(c.data_type == "s" for c in evil)
    formulas_ = [c.value for c in cells if c.data_type == "f"]
    assert not [f for f in formulas_ if "HYPERLINK" in f or "SUM(1,2)" in f]  # referenced, never in a formula


def test_template_with_codes_adds_their_parents(tmp_path, edition):
    assert expand_codes(["2010306", "2080505"]) == ["201", "20103", "2010306", "208", "20805", "2080505"]
    path = tmp_path / "codes.xlsx"
    write_template(path, edition, "测试局", 2023, codes=["2010306", "2080505"])
    wb = load_workbook(path)
    ws = wb["公开03"]
    codes = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    assert codes[codes.index("201") : codes.index("201") + 6] == ["201", "20103", "2010306", "208", "20805", "2080505"]
    r201 = codes.index("201") + 1
    assert ws.cell(row=r201, column=4).value.startswith("=")  # 类 basic = Σ 款
    assert ws.cell(row=r201 + 2, column=4).value is None  # 项 basic is an input


def test_writing_is_atomic_and_leaves_no_temp_files(tmp_path, report):
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old")
    write_report(path, report)
    assert path.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]
