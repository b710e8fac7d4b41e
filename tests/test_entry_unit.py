"""A template of a 万元 edition typed in 元: figures are typed and computed in 元 on the entry sheets, each
printed 万元 cell is its 元 cell rounded on its own (as the official software prints), and the validator
checks the 元 layer exactly and every printed cell against its 元 value."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlreport import load_edition
from xlreport.layout.plan import PRINTED_PREFIX, entry_sheet, parse_defined_name
from xlreport.model.report import Report
from xlreport.model.values import CellRef
from xlreport.synthetic import random_report
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_template

from .excel_ops import fill_template_like_a_person
from .libreoffice import convert, soffice

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def sh():
    return load_edition("shanghai-2024")


@pytest.fixture(scope="module")
def yuan(sh) -> Report:
    """A consistent report of the 万元 edition in exact 元 (what a department's accounts hold)."""
    report = random_report(sh, seed=11, items=6, in_yuan=True)
    return report.model_copy(update={"meta": report.meta.model_copy(update={"amount_unit": "元"})})


def _cells(path: Path, prefix: str = "xr") -> dict[CellRef, tuple[str, str]]:
    wb = load_workbook(path)
    out = {}
    for key, dn in wb.defined_names.items():
        ref = parse_defined_name(key, prefix)
        if ref is not None:
            sheet, coord = next(dn.destinations)
            out[ref] = (sheet, coord.replace("$", ""))
    return out


@pytest.fixture(scope="module")
def typed(tmp_path_factory, sh, yuan) -> dict[str, Path]:
    """The 元-entry template filled cell by cell, and a copy with one 元 input changed by 1 元."""
    out = tmp_path_factory.mktemp("entry")
    path, cell_of, _ = fill_template_like_a_person(out, sh, yuan, entry_unit="元")
    wb = load_workbook(path)
    ref = next(r for r in sorted(cell_of, key=str) if r.table == "T05" and r.col == "basic" and len(r.row) == 7)
    cell = wb[cell_of[ref].parent.title][cell_of[ref].coordinate]
    cell.value = float(Decimal(repr(cell.value)) + 1)
    changed = out / "changed.xlsx"
    wb.save(changed)
    return {"filled": path, "changed": changed}


def test_the_template_types_in_yuan_and_prints_wan(tmp_path, sh):
    path = write_template(tmp_path / "t.xlsx", sh, "上海市XX局", 2024, codes=["2010101"], entry_unit="元").path
    wb = load_workbook(path)
    for table in sh.tables:
        assert wb.sheetnames.index(entry_sheet(table, "元")) < wb.sheetnames.index(table.sheet)
        texts = [c.value for row in wb[entry_sheet(table, "元")].iter_rows(max_row=4) for c in row]
        assert "单位：元" in texts
    names, printed = _cells(path), _cells(path, PRINTED_PREFIX)
    assert {ref for ref in printed} == {ref for ref in names if not ref.table.startswith(("S", "N"))}
    sheet, a1 = printed[CellRef("T02", "total", "fiscal")]
    formula = wb[sheet][a1].value
    source = f"'{names[CellRef('T02', 'total', 'fiscal')][0]}'!{names[CellRef('T02', 'total', 'fiscal')][1]}"
    assert sheet == "收入决算表" and f"ROUND({source}/10000,2)" in formula and "COUNTA(" in formula
    assert wb[sheet].protection.sheet  # the printed tables are protected, every cell a formula
    assert validate_workbook(path).findings[-1].code == "not-filled"


@pytest.mark.sweep  # LibreOffice: .ci/run's sweep
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_prints_each_wan_cell_as_the_rounding_of_its_yuan_cell(typed, yuan, tmp_path):
    filled, changed = convert([typed["filled"], typed["changed"]], tmp_path / "lo")
    values = load_workbook(filled, data_only=True)
    formats = load_workbook(filled)
    cells = yuan.cells()
    compared = 0
    for ref, (sheet, a1) in _cells(filled, PRINTED_PREFIX).items():
        if ref.col in ("code", "name"):
            continue
        shown = values[sheet][a1].value
        yuan_value = cells.get(ref)
        expected = None if yuan_value is None else (yuan_value / 10000).quantize(CENT, ROUND_HALF_UP)
        assert formats[sheet][a1].number_format == "#,##0.00"  # 0.00 prints as 0.00; a blank as blank
        printed = None if shown in (None, "") else Decimal(repr(shown)).quantize(CENT)
        assert printed == expected, (ref, yuan_value, shown)
        compared += expected is not None
    assert compared > 150
    assert validate_workbook(filled).findings == []
    # one 元 input off by 1 元: errors in 元 at 元 cells, and nothing about the printed 万元 tables
    findings = validate_workbook(changed).findings
    entry_sheets = {entry_sheet(t, "元") for t in yuan.edition.tables}
    assert findings and {f.severity for f in findings} == {"error"}
    assert all(f.sheet in entry_sheets for f in findings)
    assert {f.difference.copy_abs() for f in findings} == {Decimal("1.00")}
    assert len(findings) < 5  # the relations that read the input, not a cascade over the printed cells


def test_a_number_typed_over_a_printed_cell_is_checked_against_its_yuan_value(typed, yuan, tmp_path):
    printed = _cells(typed["filled"], PRINTED_PREFIX)
    ref = CellRef("T02", "total", "fiscal")
    rounded = (yuan.cells()[ref] / 10000).quantize(CENT, ROUND_HALF_UP)
    sheet, a1 = printed[ref]
    for typed_value, code, severity in (
        (rounded, "formula-replaced", "warning"),
        (rounded + CENT, "printed-rounding", "error"),
    ):
        wb = load_workbook(typed["filled"])
        wb[sheet][a1] = float(typed_value)
        out = tmp_path / f"{code}.xlsx"
        wb.save(out)
        findings = [(f.code, f.severity, f.sheet, f.cell) for f in validate_workbook(out).findings]
        assert findings == [(code, severity, sheet, a1)]
    message = next(f.message for f in validate_workbook(out).findings)
    assert f"应为 {rounded:,}万元" in message and "元" in message
