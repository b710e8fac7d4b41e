"""The structural edits of a clerk, over every formula and data cell of a filled workbook (issue 12):
a formula narrowed, an input changed with calculation left on manual, a cell's name moved. Each edit
is made alone in the workbook's XML, as a spreadsheet saves it, and must give its finding at the cell
that prints wrong — and no error elsewhere.

By default a spread of each kind (``SAMPLE`` edits a kind and workbook); ``-m sweep`` runs
``SWEEP_SAMPLE``, and ``XLREPORT_SWEEP_ALL=1`` every one (some 2,800 edits).
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from xlreport import available_editions, load_edition, load_report
from xlreport.layout.a1 import column_letter, range_bounds
from xlreport.layout.plan import defined_name
from xlreport.read.reader import read_workbook
from xlreport.synthetic import random_report
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report

from .conftest import spread

_REF = re.compile(  # [sheet!]A1[:B2]: groups quoted sheet, plain sheet, column, row, last column, last row
    r"(?:'((?:[^']|'')+)'|([^\s'!(),:=+\-*/&<>^]+))?!?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"
)


@pytest.fixture(scope="module", params=["reference", *available_editions()])
def workbook(request, tmp_path_factory):
    if request.param == "reference":
        from .test_rules import corrected

        report = load_report(corrected())
    else:
        report = random_report(load_edition(request.param), seed=3)
    path = tmp_path_factory.mktemp("structural") / f"{request.param}.xlsx"
    write_report(path, report)
    read = read_workbook(path)
    assert "printed-differs" not in {f.code for f in validate_workbook(path).findings}
    return path, read


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _parts(members: dict[str, bytes]) -> dict[str, str]:
    """sheet name → its worksheet part (the writer numbers them in order)."""
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', members["xl/workbook.xml"].decode())
    return {n: f"xl/worksheets/sheet{i + 1}.xml" for i, n in enumerate(names)}


def _save(members: dict[str, bytes], dst: Path) -> Path:
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return dst


def _value_at(read, sheet: str, r: int, c: int) -> Decimal:
    ref = read.ref_at.get((sheet, r, c))
    content = read.cells.get(ref) if ref is not None else None
    if content is None:
        return Decimal(0)
    value = content.value if content.formula is None else content.cached
    return value if isinstance(value, Decimal) else Decimal(0)


def _narrowable(read) -> list[tuple]:
    """Formula cells with a range over 2+ cells whose last cell prints a number that is not 0: the
    formula narrowed by that cell prints less."""
    out = []
    for ref, content in sorted(read.cells.items(), key=lambda kv: str(kv[0])):
        if content.formula is None:
            continue
        sheet, r, c = read.addresses[ref]
        for m in _REF.finditer(content.formula):
            if not m.group(5) or (m.group(1) or m.group(2)):
                continue  # a single cell, or a range on another sheet
            before = content.formula[: m.start()]
            if before.rfind("COUNT(") > before.rfind(")"):
                continue  # a blank form's guard (IF(COUNT(range)=0,"",…)): narrowed, it prints the same
            r1, c1, r2, c2 = range_bounds(f"{m.group(3)}{m.group(4)}:{m.group(5)}{m.group(6)}")
            if (r1, c1) == (r2, c2) or _value_at(read, sheet, r2, c2) == 0:
                continue
            narrower = (
                f"{m.group(3)}{m.group(4)}:{column_letter(c2 + 1)}{r2}"
                if r2 > r1
                else f"{m.group(3)}{m.group(4)}:{column_letter(c2)}{r2 + 1}"
            )
            formula = content.formula[: m.start()] + narrower + content.formula[m.end() :]
            out.append((ref, f"{column_letter(c + 1)}{r + 1}", sheet, formula))
            break
    return out


def test_every_narrowed_formula_prints_wrong_at_its_cell(workbook, tmp_path, scope):
    """SUM(D8:D12) narrowed to SUM(D8:D11) where D12 holds a number, the spreadsheet showing the narrowed
    result: printed-differs (error) and formula-modified (warning) at that cell, no other error."""
    path, read = workbook
    members = _members(path)
    parts = _parts(members)
    cases = spread(_narrowable(read), scope)
    assert cases
    for n, (ref, a1, sheet, formula) in enumerate(cases):
        edited = dict(members)
        xml = edited[parts[sheet]].decode()
        cell = re.compile(rf'<c r="{a1}"([^>]*?)><f>[^<]*</f><v>[^<]*</v></c>')
        assert cell.search(xml), (str(ref), a1)
        xml = cell.sub(lambda m: f'<c r="{a1}"{m.group(1)}><f>{formula}</f></c>', xml, count=1)  # noqa: B023
        edited[parts[sheet]] = xml.encode()
        findings = validate_workbook(_save(edited, tmp_path / f"n{n}.xlsx")).findings
        at = {(f.code, f.severity) for f in findings if f.sheet == sheet and f.cell == a1}
        assert ("printed-differs", "error") in at, (str(ref), formula, [f.message for f in findings][:5])
        assert ("formula-modified", "warning") in at, (str(ref), formula)
        errors = {(f.code, f.cell) for f in findings if f.severity == "error"}
        assert errors == {("printed-differs", a1)}, (str(ref), errors)


def _readers(read) -> dict[tuple[str, int, int], set[tuple[str, int, int]]]:
    """Each cell → the formula cells whose formula reads it (a range read whole)."""
    out: dict[tuple[str, int, int], set[tuple[str, int, int]]] = {}
    for ref, content in read.cells.items():
        if content.formula is None:
            continue
        here = read.addresses[ref]
        for m in _REF.finditer(content.formula):
            quoted, plain = m.group(1), m.group(2)
            sheet = quoted.replace("''", "'") if quoted else plain if plain else here[0]
            end = f":{m.group(5)}{m.group(6)}" if m.group(5) else ""
            r1, c1, r2, c2 = range_bounds(f"{m.group(3)}{m.group(4)}{end}")
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    out.setdefault((sheet, r, c), set()).add(here)
    return out


def test_every_input_changed_under_manual_calculation(workbook, tmp_path, scope):
    """An input changed (+1) in a workbook left in manual calculation, every formula keeping its old
    value: printed-differs errors only at formulas that read the input (directly or through others),
    and at least one."""
    path, read = workbook
    members = _members(path)
    parts = _parts(members)
    readers = _readers(read)
    inputs = [
        (ref, read.addresses[ref])
        for ref, c in sorted(read.cells.items(), key=lambda kv: str(kv[0]))
        if c.formula is None and isinstance(c.value, Decimal) and read.addresses[ref] in readers
    ]
    cases = spread(inputs, scope)
    assert cases
    for n, (ref, (sheet, r, c)) in enumerate(cases):
        reach, stack = set(), [(sheet, r, c)]
        while stack:
            for y in readers.get(stack.pop(), ()):
                if y not in reach:
                    reach.add(y)
                    stack.append(y)
        a1 = f"{column_letter(c + 1)}{r + 1}"
        edited = dict(members)
        xml = edited[parts[sheet]].decode()
        cell = re.compile(rf'(<c r="{a1}"[^>]*?>)<v>([^<]*)</v>')
        m = cell.search(xml)
        assert m, (str(ref), a1)
        new = Decimal(m.group(2)) + 1
        edited[parts[sheet]] = (xml[: m.start()] + f"{m.group(1)}<v>{new}</v>" + xml[m.end() :]).encode()
        findings = validate_workbook(_save(edited, tmp_path / f"m{n}.xlsx")).findings
        printed = {(f.sheet, f.cell) for f in findings if f.code == "printed-differs"}
        allowed = {(s, f"{column_letter(cc + 1)}{rr + 1}") for s, rr, cc in reach}
        assert printed and printed <= allowed, (str(ref), printed - allowed)
        assert all(f.severity == "error" for f in findings if f.code == "printed-differs")


def _fixed_cells(read) -> list:
    """Data cells of the tables without codes (rows found by their labels), a spread over every table."""
    coded = {t.id for t in read.edition.tables if t.coded is not None}
    return [
        (ref, read.addresses[ref])
        for ref in sorted(read.cells, key=str)
        if ref.table in {t.id for t in read.edition.tables} and ref.table not in coded
    ]


@pytest.mark.parametrize("where", ["row", "column"])
def test_every_name_moved_away_from_its_printed_cell(workbook, tmp_path, scope, where):
    """A data cell's defined name pointed 40 rows below or 10 columns right, away from the cell the
    table prints: the printed cell is read (no other finding) and name-moved (error) names it."""
    path, read = workbook
    members = _members(path)
    cases = spread(_fixed_cells(read), scope)
    assert cases
    book = members["xl/workbook.xml"].decode()
    for n, (ref, (sheet, r, c)) in enumerate(cases):
        a1 = f"{column_letter(c + 1)}{r + 1}"
        far = (r + 40, c) if where == "row" else (r, c + 10)
        far_a1 = f"{column_letter(far[1] + 1)}{far[0] + 1}"
        name = defined_name(ref)
        target = re.compile(rf'(<definedName name="{re.escape(name)}"[^>]*>)([^<]*)(</definedName>)')
        assert target.search(book), name
        quoted = "'" + sheet.replace("'", "''") + "'"
        edited = dict(members)
        edited["xl/workbook.xml"] = target.sub(
            lambda m: f"{m.group(1)}{quoted}!${column_letter(far[1] + 1)}${far[0] + 1}{m.group(3)}",  # noqa: B023
            book,
            count=1,
        ).encode()
        findings = validate_workbook(_save(edited, tmp_path / f"{where}{n}.xlsx")).findings
        moved = [(f.code, f.severity, f.cell) for f in findings if f.code == "name-moved"]
        assert moved == [("name-moved", "error", a1)], (str(ref), far_a1, moved)
        assert all(f.cell != far_a1 for f in findings)
