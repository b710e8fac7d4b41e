"""What a person does to a workbook in Excel, done with openpyxl for tests.

openpyxl's insert_rows moves cells but not the references to them; Excel also shifts every
formula reference and defined name at or below the inserted row. ``insert_row`` does both.
"""

from __future__ import annotations

import re

from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.workbook.workbook import Workbook

_REF = re.compile(r"^(?:(?P<sheet>'[^']+'|[^!]+)!)?(?P<a>\$?[A-Z]{1,3}\$?\d+)(?::(?P<b>\$?[A-Z]{1,3}\$?\d+))?$")
_CELL = re.compile(r"(\$?[A-Z]{1,3})(\$?)(\d+)")


def _shift(cell: str, at: int) -> str:
    m = _CELL.fullmatch(cell)
    assert m, cell
    col, dollar, row = m.group(1), m.group(2), int(m.group(3))
    return f"{col}{dollar}{row + 1 if row >= at else row}"


def _shift_ref(text: str, home: str, sheet: str, at: int) -> str:
    m = _REF.match(text)
    if not m:
        return text
    target = (m.group("sheet") or home).strip("'")
    if target != sheet:
        return text
    a, b = m.group("a"), m.group("b")
    prefix = f"{m.group('sheet')}!" if m.group("sheet") else ""
    return prefix + _shift(a, at) + (f":{_shift(b, at)}" if b else "")


def shift_formula(formula: str, home: str, sheet: str, at: int) -> str:
    tok = Tokenizer(formula)
    out = []
    for t in tok.items:
        if t.type == Token.OPERAND and t.subtype == Token.RANGE:
            out.append(_shift_ref(t.value, home, sheet, at))
        else:
            out.append(t.value)
    return "=" + "".join(out)


def insert_row(wb: Workbook, sheet: str, at: int) -> None:
    """Insert an empty row before 1-based row ``at`` of ``sheet``, as Excel does."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.value = shift_formula(cell.value, ws.title, sheet, at)
    ws = wb[sheet]
    merged = [str(r) for r in ws.merged_cells.ranges]
    for r in merged:
        ws.unmerge_cells(r)
    ws.insert_rows(at)
    for r in merged:
        ws.merge_cells(_shift_ref(r, sheet, sheet, at))
    for _name, dn in list(wb.defined_names.items()):
        dests = list(dn.destinations)
        if len(dests) == 1 and dests[0][0] == sheet:
            dn.attr_text = "'" + sheet + "'!" + _shift(dests[0][1], at)


def fill_template_like_a_person(directory, edition, report, *, printed_total: bool = False, entry_unit=None):
    """Type every input number of ``report`` into a blank template (with its 项 codes and scorecards),
    cell by cell, checking each is an unlocked input; with ``printed_total`` also type the published
    政府采购合计 over its formula (``entry_unit``: the template's, ``report`` is in that unit). Returns the
    saved path and the cell of every named data cell."""
    from decimal import Decimal

    from openpyxl import load_workbook

    from xlreport.layout.plan import parse_defined_name
    from xlreport.rules.instantiate import instantiate
    from xlreport.validation.engine import shape_of
    from xlreport.write.writer import write_template

    leaves = sorted({c for t in ("T02", "T03", "T05") for c, _ in report.codes(t) if len(c) == 7})
    path = write_template(
        directory / "blank.xlsx",
        edition,
        report.meta.unit_name,
        report.meta.year,
        codes=leaves,
        unit_type=report.meta.unit_type,
        scorecards=len(report.scorecards),
        entry_unit=entry_unit,
    ).path
    wb = load_workbook(path)
    cell_of = {}
    for name, dn in wb.defined_names.items():
        ref = parse_defined_name(name)
        if ref is not None:
            sheet, coord = next(iter(dn.destinations))
            cell_of[ref] = wb[sheet][coord.replace("$", "")]
    defined = {c.defines for c in instantiate(shape_of(report)) if c.defines is not None}
    for ref, value in report.cells().items():
        if ref in defined or ref not in cell_of:
            continue
        assert not cell_of[ref].protection.locked, f"{ref} should be an input cell"
        cell_of[ref].value = float(value) if isinstance(value, Decimal) else value
    if printed_total:
        cell_of[next(r for r in cell_of if str(r) == "T10[procurement_total].amount")].value = 75425.0
    out = directory / "filled-by-hand.xlsx"
    wb.save(out)
    return out, cell_of, defined


def without_identity(path, out, edit=None, *, keep_names: bool = False):
    """``path`` saved to ``out`` as a person's copy that lost xlreport's identity (the custom properties) and,
    unless ``keep_names``, its defined names too — a workbook read by layout; ``edit(wb)`` first, if given."""
    from openpyxl import load_workbook
    from openpyxl.packaging.custom import CustomPropertyList

    wb = load_workbook(path)
    wb.custom_doc_props = CustomPropertyList()
    if not keep_names:
        for name in list(wb.defined_names):
            del wb.defined_names[name]
    if edit is not None:
        edit(wb)
    wb.save(out)
    return out
