"""An amount typed with the other unit ("1.58万元" in a 元 workbook): an error at that cell, checked as meant."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from xlreport import load_report
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report

from .conftest import EXAMPLE, SYNTHETIC


def _cell(wb, name: str):
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][coord.replace("$", "")]


def test_wan_yuan_typed_in_a_yuan_workbook(tmp_path: Path) -> None:
    path = write_report(tmp_path / "ref.xlsx", load_report(EXAMPLE)).path
    wb = load_workbook(path)
    cell = _cell(wb, "xr.T10.services.amount")  # 130,652.46 元
    cell.value = "13.065246万元"
    wb.save(tmp_path / "typed.xlsx")
    result = validate_workbook(tmp_path / "typed.xlsx")
    at = [f for f in result.findings if f.cell == cell.coordinate and f.family == "F"]
    assert [(f.code, f.severity) for f in at] == [("unit-mismatch", "error")]
    assert "万元" in at[0].message and "元" in at[0].message and "130,652.46" in at[0].message
    assert result.report is not None
    assert result.report.tables.T10.services.amount == Decimal("130652.46")  # checked as meant: no cascade
    assert {f.rule_id for f in result.findings if f.severity == "error"} == {"F03", "R10-1"}  # R10-1: as published


def test_yuan_typed_in_a_wan_yuan_workbook(tmp_path: Path) -> None:
    report = load_report(SYNTHETIC)
    path = write_report(tmp_path / "sh.xlsx", report).path
    wb = load_workbook(path)
    name = next(n for n in wb.defined_names if n.startswith("xr.T07.") and _cell(wb, n).data_type == "n")
    cell = _cell(wb, name)
    if cell.value is None:
        cell.value = 1.0
    typed = Decimal(str(cell.value)) * 10000
    cell.value = f"{typed:,.2f}元"
    wb.save(tmp_path / "typed.xlsx")
    at = [f for f in validate_workbook(tmp_path / "typed.xlsx").findings if f.cell == cell.coordinate]
    assert [f.code for f in at] == ["unit-mismatch"]


def test_a_whole_workbook_typed_in_the_other_unit_is_one_finding(tmp_path: Path) -> None:
    path = write_report(tmp_path / "ref.xlsx", load_report(EXAMPLE)).path
    wb = load_workbook(path)
    typed = 0
    for name in wb.defined_names:
        cell = _cell(wb, name) if name.startswith("xr.") else None
        if (
            cell is not None
            and cell.data_type == "n"
            and isinstance(cell.value, (int, float))
            and not cell.protection.locked
        ):
            if name.startswith(("xr.T10.", "xr.S")):  # counts and scores are not amounts
                continue
            cell.value = f"{Decimal(str(cell.value)) / 10000}万元"
            typed += 1
    assert typed > 10
    wb.save(tmp_path / "typed.xlsx")
    result = validate_workbook(tmp_path / "typed.xlsx")
    codes = [f.code for f in result.findings if f.family == "F"]
    assert codes.count("workbook-unit") == 1 and "unit-mismatch" not in codes
