"""What prints is what counts: a derived cell whose kept value differs from what its inputs give is an error."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlreport import load_report
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """The reference with its published 政府采购合计 corrected: every total a formula (a published figure
    that contradicts its parts stays as printed, a constant)."""
    from .test_rules import corrected

    return write_report(tmp_path_factory.mktemp("printed") / "ref.xlsx", load_report(corrected())).path


def _edit_kept_value(src: Path, dst: Path, name: str, value: str, cell_type: str | None = None) -> str:
    """A copy of ``src`` in which the cell of defined name ``name`` keeps ``<v>value</v>`` (its formula, if
    any, untouched; ``cell_type`` "e" for an error value): what a spreadsheet in manual calculation, or one
    whose formula missed rows, saves."""
    wb = load_workbook(src)
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    coord = coord.replace("$", "")
    part = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    with zipfile.ZipFile(src) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = members[part].decode()
    cell = re.compile(rf'<c r="{coord}"([^>]*?)>((?:<f>[^<]*</f>)?)<v>[^<]*</v>')
    assert cell.search(xml), coord

    def kept(m: re.Match[str]) -> str:
        attrs = re.sub(r'\s+t="[^"]*"', "", m.group(1)) + (f' t="{cell_type}"' if cell_type else "")
        return f'<c r="{coord}"{attrs}>{m.group(2)}<v>{value}</v>'

    members[part] = cell.sub(kept, xml, count=1).encode()
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
    coord = _edit_kept_value(filled, edited, "xr.T05.total.total", "#REF!", "e")
    found = [f for f in validate_workbook(edited).findings if f.code == "printed-differs"]
    assert [f.cell for f in found] == [coord] and "#REF!" in found[0].message


def _named_cell(wb, name: str):
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][coord.replace("$", "")]


def test_a_narrowed_formula_in_a_file_without_kept_values(filled: Path, tmp_path: Path) -> None:
    """Saved by a script (no kept values): the formula as written is evaluated over the cells as they are."""
    wb = load_workbook(filled)
    total = _named_cell(wb, "xr.T10.procurement_total.amount")
    goods = _named_cell(wb, "xr.T10.goods.amount")
    total.value = f"={goods.coordinate}"  # narrowed to one part
    wb.save(tmp_path / "narrow.xlsx")
    found = [f for f in validate_workbook(tmp_path / "narrow.xlsx").findings if f.code == "printed-differs"]
    assert [(f.cell, f.severity) for f in found] == [(total.coordinate, "error")]


def test_a_number_typed_beside_the_table_that_a_formula_reads(filled: Path, tmp_path: Path) -> None:
    """An extra line '其他 100' below the procurement block, and the 合计 widened to take it in."""
    wb = load_workbook(filled)
    total = _named_cell(wb, "xr.T10.procurement_total.amount")
    services = _named_cell(wb, "xr.T10.services.amount")
    ws = total.parent
    extra = ws.cell(row=services.row, column=services.column + 3)
    extra.value = 100
    total.value = f"={total.value[1:]}+{extra.coordinate}"
    wb.save(tmp_path / "other.xlsx")
    findings = validate_workbook(tmp_path / "other.xlsx").findings
    found = [f for f in findings if f.code == "printed-differs"]
    assert [f.cell for f in found] == [total.coordinate]
    assert "130,752.46" in found[0].message


def test_the_reference_saved_by_a_script_prints_what_its_inputs_give(filled: Path, tmp_path: Path) -> None:
    load_workbook(filled).save(tmp_path / "resaved.xlsx")  # every formula kept, no value kept
    assert "printed-differs" not in {f.code for f in validate_workbook(tmp_path / "resaved.xlsx").findings}


def test_the_formula_evaluator() -> None:
    from decimal import Decimal

    from xlreport.validation.printed import Unsupported, evaluate

    grid = {("S", 0, 0): Decimal("1.10"), ("S", 1, 0): Decimal(2), ("公开 01", 0, 1): Decimal(5)}

    def at(sheet, r, c):
        return grid.get((sheet, r, c), Decimal(0))

    assert evaluate("SUM(A1:A3)+B1", "S", at) == Decimal("3.10")
    assert evaluate("-A1+'公开 01'!$B$1*2-(A2/4)", "S", at) == Decimal("8.40")
    assert evaluate("SUM(A1,A2,1)", "S", at) == Decimal("4.10")
    assert evaluate("A1+A2", "S", lambda *_: None) is None  # a cell nobody can tell: nothing known
    with pytest.raises(Unsupported):
        evaluate('IF(A1>0,"x",1)', "S", at)


def test_a_name_moved_to_a_hidden_cell_reads_the_printed_cell(filled: Path, tmp_path: Path) -> None:
    """The 合计's name moved to a hidden column that computes the right total, 75,425 typed in the printed
    cell: the validator reads what prints and names the move."""
    wb = load_workbook(filled)
    total = _named_cell(wb, "xr.T10.procurement_total.amount")
    ws = total.parent
    hidden = ws.cell(row=total.row, column=26)
    hidden.value = total.value
    ws.column_dimensions["Z"].hidden = True
    dn = wb.defined_names["xr.T10.procurement_total.amount"]
    dn.attr_text = f"'{ws.title}'!$Z${total.row}"
    total.value = 75425
    wb.save(tmp_path / "moved.xlsx")
    findings = validate_workbook(tmp_path / "moved.xlsx").findings
    at = {(f.code, f.severity) for f in findings if f.cell == total.coordinate}
    assert ("name-moved", "error") in at and ("formula-replaced", "warning") in at
    assert any(f.rule_id == "R10-1" and f.severity == "error" for f in findings)


@pytest.mark.parametrize(("where", "inside"), [("just below the 款's SUM range", False), ("inside it", True)])
def test_a_row_inserted_by_a_clerk(filled: Path, tmp_path: Path, where: str, inside: bool) -> None:
    """A 项 row inserted just below 21011's range (=SUM(D16:D17)) is left out of what the 款, 类 and 合计
    print: errors at those cells. Inserted inside the range, the SUM grows with it: nothing prints wrong."""
    from .excel_ops import insert_row

    wb = load_workbook(filled)
    ws = wb["公开03"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "2101103")
    at = row + 1 if not inside else row
    insert_row(wb, "公开03", at)
    ws.cell(at, 1).value, ws.cell(at, 2).value = "2101199", "其他行政事业单位医疗支出"
    ws.cell(at, 3).value = f"=SUM(D{at}:H{at})"
    ws.cell(at, 4).value = 1000.0
    wb.save(tmp_path / "inserted.xlsx")
    findings = validate_workbook(tmp_path / "inserted.xlsx").findings
    printed = {(f.cell, f.severity) for f in findings if f.code == "printed-differs"}
    kuan = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "21011")
    if inside:
        assert printed == set()
    else:
        assert (f"D{kuan}", "error") in printed and ("D7", "error") in printed  # 款 基本支出 and 合计
        assert "formula-outdated" in {f.code for f in findings}


def test_a_name_moved_to_a_hidden_row_reads_the_printed_row(filled: Path, tmp_path: Path) -> None:
    """The 合计's name moved to a hidden row far below that holds the right total, 75,425 typed in the
    printed row: the printed row (the one that carries the row's label) is read, the move is an error
    and the hidden number a warning."""
    wb = load_workbook(filled)
    total = _named_cell(wb, "xr.T10.procurement_total.amount")
    ws = total.parent
    hidden = ws.cell(row=total.row + 40, column=total.column)
    hidden.value = total.value
    ws.row_dimensions[hidden.row].hidden = True
    wb.defined_names["xr.T10.procurement_total.amount"].attr_text = f"'{ws.title}'!${hidden.column_letter}${hidden.row}"
    total.value = 75425
    wb.save(tmp_path / "moved.xlsx")
    findings = validate_workbook(tmp_path / "moved.xlsx").findings
    at = {(f.code, f.severity) for f in findings if f.cell == total.coordinate}
    assert ("name-moved", "error") in at and ("formula-replaced", "warning") in at
    assert any(f.rule_id == "R10-1" and f.severity == "error" for f in findings)


def test_a_number_in_a_hidden_row_is_a_warning_there(filled: Path, tmp_path: Path) -> None:
    """A row with a number hidden by a clerk counts in the totals but does not print: a warning at each
    of its data cells that holds a number; a hidden row that is empty or zero is nothing."""
    wb = load_workbook(filled)
    cell = _named_cell(wb, "xr.T10.services.amount")
    ws = cell.parent
    ws.row_dimensions[cell.row].hidden = True
    empty = _named_cell(wb, "xr.T10.works.amount")
    empty.value = None
    ws.row_dimensions[empty.row].hidden = True
    wb.save(tmp_path / "hidden.xlsx")
    for engine in ("fast", "openpyxl"):
        from xlreport.read.reader import read_workbook

        hidden = [f for f in read_workbook(tmp_path / "hidden.xlsx", engine).findings if f.code == "hidden-cells"]
        assert [(f.cell, f.severity) for f in hidden] == [(cell.coordinate, "warning")], engine
