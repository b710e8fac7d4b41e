"""What prints is what counts: a derived cell whose kept value differs from what its inputs give is an error."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlreport import load_report
from xlreport.excel.writer import write_report
from xlreport.validation.workbook import validate_workbook

from .conftest import EXAMPLE


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    return write_report(tmp_path_factory.mktemp("printed") / "ref.xlsx", load_report(EXAMPLE)).path


def _edit_kept_value(src: Path, dst: Path, name: str, value: str) -> str:
    """A copy of ``src`` in which the cell of defined name ``name`` keeps ``<v>value</v>`` (its formula, if
    any, untouched): what a spreadsheet in manual calculation, or one whose formula missed rows, saves."""
    wb = load_workbook(src)
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    coord = coord.replace("$", "")
    part = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    with zipfile.ZipFile(src) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = members[part].decode()
    cell = re.compile(rf'(<c r="{coord}"[^>]*?>(?:<f>[^<]*</f>)?)<v>[^<]*</v>')
    assert cell.search(xml), coord
    members[part] = cell.sub(rf"\g<1><v>{value}</v>", xml, count=1).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)
    return coord


def test_the_filled_reference_prints_what_its_inputs_give(filled: Path) -> None:
    assert "printed-differs" not in {f.code for f in validate_workbook(filled).findings}


def test_a_total_left_uncalculated_is_an_error_at_its_cell(filled: Path, tmp_path: Path) -> None:
    edited = tmp_path / "manual.xlsx"
    coord = _edit_kept_value(filled, edited, "xr.T01.income_total.amount", "4572603.55")
    found = [f for f in validate_workbook(edited).findings if f.code == "printed-differs"]
    assert [(f.cell, f.severity) for f in found] == [(coord, "error")]
    assert "4,572,603.55" in found[0].message and "4,777,056.13" in found[0].message
    assert found[0].row is not None and found[0].row.label  # labelled like every cell finding


def test_an_input_changed_without_recalculation_flags_the_totals_that_print_wrong(filled: Path, tmp_path: Path) -> None:
    edited = tmp_path / "input.xlsx"
    _edit_kept_value(filled, edited, "xr.T10.services.amount", "1000")
    cells = {f.cell for f in validate_workbook(edited).findings if f.code == "printed-differs"}
    wb = load_workbook(edited)
    _sheet, coord = next(iter(wb.defined_names["xr.T10.procurement_total.amount"].destinations))
    assert coord.replace("$", "") in cells


def test_a_total_that_prints_an_error_value(filled: Path, tmp_path: Path) -> None:
    edited = tmp_path / "ref-error.xlsx"
    text = '<c r="{c}" t="e"><v>#REF!</v></c>'
    wb = load_workbook(filled)
    sheet, coord = next(iter(wb.defined_names["xr.T05.total.total"].destinations))
    coord = coord.replace("$", "")
    part = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    with zipfile.ZipFile(filled) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = members[part].decode()
    cell = re.compile(rf'<c r="{coord}"[^>]*?>(<f>[^<]*</f>)<v>[^<]*</v></c>')
    m = cell.search(xml)
    assert m, coord
    members[part] = xml.replace(m.group(0), text.format(c=coord).replace("<v>", m.group(1) + "<v>")).encode()
    with zipfile.ZipFile(edited, "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
    found = [f for f in validate_workbook(edited).findings if f.code == "printed-differs"]
    assert [f.cell for f in found] == [coord] and "#REF!" in found[0].message
