"""Read a returned workbook into cell values, the report model and reading findings.

Cells are found by their defined names (they follow rows a person inserts), falling back to the
edition's layout when names are gone. Rows a person inserted in coded tables and scorecards are
found by scanning the body. Cached formula values are never read: only constants and formula text.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

from ..editions import available_editions, load_edition
from ..editions.loader import on_editions_changed
from ..editions.spec import ColumnSpec, Edition, TableSpec
from ..errors import EditionError, WorkbookError
from ..layout.a1 import column_index as col_index
from ..layout.a1 import column_letter as get_column_letter
from ..layout.a1 import range_bounds
from ..layout.plan import (
    NAME_PREFIX,
    PRINTED_PREFIX,
    PROPERTY_PREFIX,
    REPORTED_PREFIX,
    Address,
    SheetPlan,
    Text,
    entry_sheet,
    parse_defined_name,
    plan_table,
)
from ..model.report import AmountUnit, UnitType, code_rows_valid
from ..model.scorecard import budget_row_key, indicator_row_key
from ..model.values import CellRef, Value, is_function_code, level_name, parent_code
from ..validation.catalog import make
from ..validation.findings import ColumnLocation, Finding, RowLocation
from .extent import DEFAULT, cut_beyond, extents
from .fastread import FastSheet


def file_finding(code: str, sheet: str | None = None, **args: object) -> Finding:
    """A finding about the file or a whole sheet (no cell): its text is the catalogue's template of ``code``."""
    return make(code, args, sheet=sheet)


@dataclass
class CellContent:
    value: Value  # the parsed constant (None for formulas and blanks)
    formula: str | None  # formula text without "=" when the cell holds a formula
    raw: Any
    cached: Value = None  # a formula's last computed value, where the file keeps one (never trusted for totals)
    error: str | None = None  # the error value (#REF!, #DIV/0!…) a formula printed, where the file keeps one


@dataclass
class WorkbookRead:
    path: str
    edition: Edition
    identity: dict[str, str]
    cells: dict[CellRef, CellContent] = field(default_factory=dict)
    addresses: dict[CellRef, Address] = field(default_factory=dict)
    codes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # coded table → (code, name)
    scorecards: list[dict[str, Any]] = field(default_factory=list)  # rows read per scorecard sheet
    findings: list[Finding] = field(default_factory=list)
    amounts_typed: int = 0  # amount cells holding a number (typed as a number or as text)
    outside: dict[Address, Decimal | None] = field(default_factory=dict)  # numbers outside the data cells
    by_layout: bool = False
    names: dict[CellRef, Address] = field(default_factory=dict)  # cells as the writer named them
    ref_at: dict[Address, CellRef] = field(default_factory=dict)  # the data cell read at an address
    narrative: dict[str, Decimal] = field(default_factory=dict)  # 情况说明 inputs
    reported: set[Address] = field(default_factory=set)  # derived cells the writer gave the printed number
    printed: dict[CellRef, CellContent] = field(default_factory=dict)  # an entry workbook's printed cells
    printed_at: dict[Address, CellRef] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # 情况说明 text inputs (变动原因 …)
    pasted_text: str | None = None  # a Part 3 text pasted into the 情况说明 sheet (checked like --narrative)

    def a1(self, ref: CellRef) -> str | None:
        found = self.addresses.get(ref)
        return None if found is None else f"{get_column_letter(found[2] + 1)}{found[1] + 1}"


# ---------------------------------------------------------------------- numbers typed as text
_FLOAT_NOISE = Decimal("1e-9")  # 0.30000000000000004 pasted as a value is 0.30, not a third decimal


def _places(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


_UNIT_SUFFIX = re.compile(r"(万元|元|%|％)$")
_UNIT_FACTOR = {"元": Decimal(1), "万元": Decimal(10000)}


def typed_unit(raw: Any) -> str | None:
    """The amount unit typed after a number ("1.58万元" → 万元), if any."""
    if not isinstance(raw, str):
        return None
    m = _UNIT_SUFFIX.search(unicodedata.normalize("NFKC", raw).strip())
    return m.group(1) if m and m.group(1) in _UNIT_FACTOR else None


_HUGE = Decimal("1e15")  # beyond Excel's 15 significant digits: no amount, count or score is this large


def parse_number(raw: Any) -> tuple[Decimal | None, str | None]:
    """A cell's content as a number: (value, note). note "text" when it was a number typed as text,
    "bad" when it is text that is not a number (or NaN/infinity), "huge" when it is 10^15 or more."""
    value, note = _number_of(raw)
    if value is not None and not value.is_finite():
        return None, "bad"
    if value is not None and abs(value) >= _HUGE:
        return None, "huge"
    return value, note


def _number_of(raw: Any) -> tuple[Decimal | None, str | None]:
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, "bad"
    if isinstance(raw, int):
        return Decimal(raw), None
    if isinstance(raw, float):
        return Decimal(repr(raw)), None
    if isinstance(raw, Decimal):
        return raw, None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if text == "":
        return None, None
    cleaned = _UNIT_SUFFIX.sub("", text).replace(",", "").replace(" ", "").strip()
    if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        try:
            return Decimal(cleaned), "text"
        except InvalidOperation:  # pragma: no cover
            pass
    return None, "bad"


def cached_value(cached: Any) -> Value:
    """A formula's last computed value as the file keeps it (a number, text, an error such as
    #DIV/0!, a boolean, or nothing) as a cell value: a Decimal, text, or None (nothing kept, an
    error value or a boolean)."""
    if isinstance(cached, str):
        if cached.startswith("#"):
            return None
        parsed, note = parse_number(cached)
        return parsed if note in (None, "text") and parsed is not None else cached
    if isinstance(cached, (int, float)) and not isinstance(cached, bool):
        return parse_number(cached)[0]
    return None


# ---------------------------------------------------------------------- identity
# identity properties whose value must be one of the model's: a value edited by hand is not known
_CHOICES = {
    "amount_unit": get_args(AmountUnit),
    "printed_unit": get_args(AmountUnit),  # a workbook typed in amount_unit whose tables print in this one
    "unit_type": get_args(UnitType),
}


def identify(wb: Any) -> dict[str, str]:
    props: dict[str, str] = {}
    try:
        for prop in wb.custom_doc_props.props:
            if prop.name.startswith(PROPERTY_PREFIX) and prop.value not in (None, ""):
                props[prop.name[len(PROPERTY_PREFIX) :]] = str(prop.value)
    except AttributeError:  # pragma: no cover - very old openpyxl
        pass
    for key, allowed in _CHOICES.items():
        if key in props and props[key] not in allowed:
            del props[key]
    return props


_YEAR = re.compile(r"(\d{4})\s*年度")


def edition_by_sheets(wb: Any) -> Edition | None:
    """An edition whose table sheets are all present, title included (for workbooks not made by xlreport);
    of editions that print alike (one region's editions of two years), the one for the year the title line names."""
    names = set(wb.sheetnames)
    matching: list[tuple[Edition, set[str]]] = []
    for edition_id in available_editions():
        try:
            edition = load_edition(edition_id)
        except EditionError:  # a user's edition that does not load cannot be this workbook's
            continue
        if all(t.sheet in names for t in edition.tables):
            first = edition.tables[0]
            ws = wb[first.sheet]
            texts = {str(c.value).strip() for row in ws.iter_rows(max_row=3) for c in row if c.value}
            if first.title in texts:
                matching.append((edition, texts))
    if not matching:
        return None
    years = {int(m.group(1)) for text in matching[0][1] for m in _YEAR.finditer(text)}
    return next((e for e, _ in matching if years & set(e.info.years)), matching[0][0])


# ---------------------------------------------------------------------- reading
def read_workbook(path: str | Path, engine: str = "fast", expect: str | None = None) -> WorkbookRead:
    """Read ``path``; raises :class:`WorkbookError` (one file-level finding) when it cannot be read.

    ``engine``: "fast" (one streaming pass over the sheets' XML) or "openpyxl" (the reference reader).
    ``expect``: the edition id the workbook must be (a bureau checking returns against its own
    edition); a workbook of another edition is refused with one finding.
    """
    from .preflight import preflight

    name = str(path)
    members: dict[str, bytes] = {}  # the XML preflight decompressed, read from memory below
    problem = preflight(path, keep=members if engine == "fast" else None)
    if problem is not None:
        raise WorkbookError(file_finding(problem.code, detail=problem.message))
    try:
        if engine == "fast":
            from ..layout.plan import CHECK_SHEET, GUIDE_SHEET, LISTS_SHEET
            from .fastread import load

            wb: Any = load(name, skip=frozenset({CHECK_SHEET, GUIDE_SHEET, LISTS_SHEET}), members=members)
        else:
            from openpyxl import load_workbook

            wb = load_workbook(name, data_only=False, read_only=False, keep_links=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, SyntaxError) as exc:
        raise WorkbookError(file_finding("unreadable-workbook", file=name, reason=_reason(exc))) from None
    reach = extents(wb.defined_names.values())
    outside = {  # each sheet's cells beyond its extent: counted (the streaming reader never read them)
        ws.title: ws.beyond if isinstance(ws, FastSheet) else cut_beyond(ws, reach.get(ws.title, DEFAULT))
        for ws in wb.worksheets
    }
    findings: list[Finding] = []
    identity = identify(wb)
    edition_id = identity.get("edition")
    by_layout = False
    if edition_id is None:
        edition = edition_by_sheets(wb)
        if edition is None:
            raise WorkbookError(file_finding("not-an-xlreport-workbook", file=name))
        by_layout = True
        findings.append(file_finding("no-identity", file=name, edition=edition.id))
    elif edition_id not in available_editions():
        raise WorkbookError(file_finding("unknown-edition", file=name, edition=edition_id))
    else:
        edition = load_edition(edition_id)
        if identity.get("layout_hash") and identity["layout_hash"] != edition.layout_hash:
            findings.append(file_finding("layout-changed", file=name, edition=edition.id))
    if expect is not None and edition.id != expect:
        how = "按版式判断" if by_layout else "其版本标识"
        raise WorkbookError(
            file_finding("edition-mismatch", file=name, edition=edition.id, kind=f"工作簿（{how}）", expected=expect)
        )
    entry = entry_sheets(edition, identity)
    missing = [s for t in edition.tables for s in (t.sheet, entry.get(t.id)) if s and s not in wb.sheetnames]
    if missing:
        raise WorkbookError(file_finding("missing-sheet", file=name, sheets="、".join(missing)))
    names = _names(wb)
    read = WorkbookRead(name, edition, identity, findings=findings, by_layout=by_layout, names=names)
    read.reported = set(_names(wb, REPORTED_PREFIX).values())
    rows_named: dict[str, set[str]] = {}
    for ref in names:
        rows_named.setdefault(ref.table, set()).add(ref.row)
    for table in edition.tables:
        _read_table(read, wb[entry.get(table.id, table.sheet)], table, names, rows_named.get(table.id, set()))
    if entry:
        _read_printed(read, wb, _names(wb, PRINTED_PREFIX))
    prefix = edition.scorecard.sheet_prefix
    cards = sorted(
        (
            s
            for s in wb.sheetnames
            if s.startswith(prefix) and s[len(prefix) :].isascii() and s[len(prefix) :].isdigit()
        ),
        key=lambda s: int(s[len(prefix) :]),
    )
    for sheet in wb.sheetnames:  # a copy Excel or WPS named "绩效自评1 (2)" is not read: say so
        if sheet.startswith(prefix) and sheet not in cards:
            suggested = f"{prefix}{len(cards) + 1}"
            read.findings.append(file_finding("scorecard-sheet-name", sheet, prefix=prefix, suggested=suggested))
    for n, sheet in enumerate(cards):
        _read_scorecard(read, wb[sheet], f"S{n + 1}")
    for ref, (sheet, r, c) in names.items():  # 情况说明 inputs (last year's totals, 年初预算 …) and reasons
        if ref.table == "N" and sheet in wb.sheetnames:
            raw = wb[sheet].cell(row=r + 1, column=c + 1).value
            if ref.row == "reason":  # text a person wrote for the Part 3 text
                if isinstance(raw, str) and raw.strip():
                    read.reasons[ref.col] = raw.strip()
                continue
            value, _ = parse_number(raw)
            if value is not None:
                read.narrative[ref.col] = value
    read.pasted_text = _pasted_text(wb, names)
    _one_unit_finding(read)
    tables = [t.sheet for t in edition.tables] + list(entry.values())
    for sheet in tables + cards:
        _merged_inputs(read, wb[sheet])
        _hidden_inputs(read, wb[sheet])
    for sheet in tables:
        _stray_formulas(read, wb[sheet], any_formula=True)
    for sheet in cards:  # a scorecard's helper columns compute the suggested score: only links are stray
        _stray_formulas(read, wb[sheet], any_formula=False)
    for sheet in tables + cards:
        ws = wb[sheet]
        beyond = outside[sheet]
        if beyond:
            extent = reach.get(sheet, DEFAULT)
            read.findings.append(
                file_finding(
                    "cells-beyond",
                    sheet,
                    cells=f"{beyond.cells:,}",
                    formulas=f"{beyond.formulas:,}",
                    first=beyond.first or "（位置不明）",
                    rows=f"{extent.rows:,}",
                    cols=extent.cols,
                )
            )
        if not by_layout and not ws.protection.sheet:
            read.findings.append(file_finding("protection-removed", sheet))
    return read


NARRATIVE_SHEET = "情况说明"
_PASTED_MIN = 30  # characters: a pasted Part 3 is paragraphs long; a stray note is not


def _pasted_text(wb: Any, names: dict[CellRef, Address]) -> str | None:
    """The text a person pasted into the 情况说明 sheet: the text cells below the writer's live sentences
    (its last formula) that are not input cells, in reading order, one line each — a Part 3 pasted from
    Word lands one paragraph per row. None when there is none (or only a short note)."""
    if NARRATIVE_SHEET not in wb.sheetnames:
        return None
    ws = wb[NARRATIVE_SHEET]
    own = {(r + 1, c + 1) for sheet, r, c in names.values() if sheet == NARRATIVE_SHEET}
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]

    def formula(c: Any) -> bool:
        return c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("="))

    last = max((c.row for c in cells if formula(c)), default=0)
    lines = [
        c.value.strip()
        for c in cells
        if c.row > last and (c.row, c.column) not in own and isinstance(c.value, str) and not formula(c)
    ]
    text = "\n".join(line for line in lines if line)
    return text if len(text) >= _PASTED_MIN and re.search(r"\d", text) else None


_NAME_TARGET = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")


def _reason(exc: BaseException) -> str:
    """Why a workbook could not be read, in words a clerk reads (the readers' own texts are Chinese;
    library exceptions are named by what they mean, never by their Python names)."""
    if isinstance(exc, zipfile.BadZipFile):
        return "压缩包已损坏"
    if isinstance(exc, KeyError):
        return f"缺少必需的部件 {exc.args[0] if exc.args else ''}".strip()
    if isinstance(exc, EOFError):
        return "文件不完整"
    if isinstance(exc, OSError):
        return "无法读取文件" + (f"（{exc.strerror}）" if exc.strerror else "")
    text = str(exc)
    if re.search(r"[\u4e00-\u9fff]", text):
        return text
    return "文件结构不符合 Excel 工作簿格式"


_LINKED = re.compile(r"\||\[|\b(?:WEBSERVICE|HYPERLINK|CALL|REGISTER|EXEC|RTD|DDE)\s*\(", re.I)


def _stray_formulas(read: WorkbookRead, ws: Any, any_formula: bool) -> None:
    """A formula typed outside the table cells (a note, a link, a DDE command): it takes no part in the
    report, and a spreadsheet would run it: a warning at the cell."""
    title = ws.title
    named = set(read.names.values())  # the template's own cells (a code slot left empty keeps its SUM)
    for row in ws.iter_rows():
        for cell in row:
            if (title, cell.row - 1, cell.column - 1) in read.ref_at or (
                title,
                cell.row - 1,
                cell.column - 1,
            ) in read.printed_at:
                continue
            if cell.data_type != "f":  # a number typed beside the tables: a formula may still read it
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    read.outside[(title, cell.row - 1, cell.column - 1)] = parse_number(cell.value)[0]
                continue
            formula = str(cell.value)
            linked = _LINKED.search(formula) is not None
            if not linked and (not any_formula or (title, cell.row - 1, cell.column - 1) in named):
                continue
            where = f"{title}!{get_column_letter(cell.column)}{cell.row}"
            finding = make("stray-formula", {"where": where, "formula": formula}, sheet=title, actual=formula)
            read.findings.append(finding.model_copy(update={"cell": where.split("!")[1]}))


def _moved_name(read: WorkbookRead, ref: CellRef, named: Address, printed: Address) -> None:
    """A data cell's defined name points away from the cell the table prints there: the printed cell is
    read (what prints is what counts), and the move is an error naming both cells."""
    there = f"{named[0]}!{get_column_letter(named[2] + 1)}{named[1] + 1}"
    read.addresses[ref] = read.names[ref] = printed  # the name's formula check also looks at what prints
    read.findings.append(cell_finding(read, ref, "name-moved", there, name=ref, target=there))


def _merged_ranges(ws: Any) -> list[str]:
    merged = getattr(ws, "merged", None)  # the streaming reader
    if merged is None:
        merged = [str(r) for r in ws.merged_cells.ranges]  # openpyxl
    return merged


def _merged_inputs(read: WorkbookRead, ws: Any) -> None:
    """Data cells merged with others: a warning at the merge; the cells it hides read as blank, as every
    spreadsheet shows them (and as openpyxl reads them), whatever value the file still keeps there."""
    title = ws.title
    for text in _merged_ranges(ws):
        try:
            r1, c1, r2, c2 = range_bounds(text)
        except ValueError:
            continue
        first = text.partition(":")[0]
        covered = (
            [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (title, r, c) in read.ref_at]
            if (r2 - r1 + 1) * (c2 - c1 + 1) <= 10_000
            else []
        )
        hidden = [(r, c) for r, c in covered if (r, c) != (r1, c1)]  # a merge over a label or title hides none
        if not hidden:
            continue
        top = read.ref_at.get((title, r1, c1))
        if c1 == c2 and top is not None and _merges_down(read, top):  # 一级/二级指标 as the form prints them
            for r, c in hidden:
                read.cells[read.ref_at[(title, r, c)]] = read.cells[top]
            continue
        for r, c in hidden:
            read.cells[read.ref_at[(title, r, c)]] = CellContent(None, None, None)
        finding = make("merged-cells", {"where": f"{title}!{text}", "range": text}, sheet=title)
        read.findings.append(finding.model_copy(update={"cell": first}))


def _merges_down(read: WorkbookRead, ref: CellRef) -> bool:
    """Whether a scorecard field prints merged down over lines of equal value (its value is every line's)."""
    if not (ref.table[:1] == "S" and ref.table[1:].isdigit()):
        return False
    field = read.edition.scorecard.form.field(ref.row, ref.col)
    return field is not None and field.merge


def _hidden(ws: Any) -> tuple[set[int], set[int]]:
    """The 1-based rows and columns a spreadsheet hides, from either reader."""
    if isinstance(ws, FastSheet):
        return ws.hidden_rows, ws.hidden_cols
    rows = {r for r, d in ws.row_dimensions.items() if d.hidden}
    cols: set[int] = set()
    for letter, d in ws.column_dimensions.items():
        if d.hidden:
            lo, hi = d.min or col_index(letter), d.max or col_index(letter)
            cols.update(range(lo, min(hi, 16384) + 1))
    return rows, cols


def _hidden_inputs(read: WorkbookRead, ws: Any) -> None:
    """A data cell holding a number in a hidden row or column: it counts in every total, but the printed
    table does not show it (a warning at the cell)."""
    rows, cols = _hidden(ws)
    if not rows and not cols:
        return
    title = ws.title
    for (sheet, r, c), ref in read.ref_at.items():
        if sheet != title or (r + 1 not in rows and c + 1 not in cols):
            continue
        content = read.cells.get(ref)
        shown = None if content is None else content.value if content.formula is None else content.cached
        if shown is None or shown == 0:  # an empty or zero row hidden: nothing the printed table misses
            continue
        what = "行" if r + 1 in rows else "列"
        read.findings.append(cell_finding(read, ref, "hidden-cells", str(shown), line=what, value=shown))


def _one_unit_finding(read: WorkbookRead) -> None:
    """A workbook typed throughout in the other unit gets one finding, not one per cell."""
    wrong = [f for f in read.findings if f.code == "unit-mismatch"]
    if len(wrong) < 3 or len(wrong) * 2 < read.amounts_typed:
        return
    first = wrong[0].args
    read.findings = [f for f in read.findings if f.code != "unit-mismatch"]
    args = {"file": read.path, "count": len(wrong), "typed": first["typed"], "unit": first["unit"]}
    read.findings.append(make("workbook-unit", args))


def entry_sheets(edition: Edition, identity: dict[str, str]) -> dict[str, str]:
    """table id → the sheet its figures are typed on, for a workbook typed in another unit than its
    tables print (identity amount_unit 元, printed_unit 万元); empty for any other workbook."""
    unit, printed = identity.get("amount_unit"), identity.get("printed_unit")
    if unit is None or printed is None or unit == printed or printed != edition.info.amount_unit:
        return {}
    return {t.id: entry_sheet(t, unit) for t in edition.tables}


def _read_printed(read: WorkbookRead, wb: Any, names: dict[CellRef, Address]) -> None:
    """The printed cells of an entry workbook (each the rounding of its entry cell): their content as is."""
    for ref, (sheet, r, c) in names.items():
        read.printed_at[(sheet, r, c)] = ref
        if ref not in read.cells or not _is_amount(read.edition, ref) or sheet not in wb.sheetnames:
            continue  # codes, names and counts print as typed: only amounts are rounded
        cell = wb[sheet].cell(row=r + 1, column=c + 1)
        raw = cell.value
        if cell.data_type == "f":
            kept = getattr(cell, "cached", None)
            error = kept if isinstance(kept, str) and kept.startswith("#") else None
            read.printed[ref] = CellContent(None, raw[1:], raw, cached_value(kept), error)
        else:
            read.printed[ref] = CellContent(parse_number(raw)[0], None, raw)


def _is_amount(edition: Edition, ref: CellRef) -> bool:
    table = next((t for t in edition.tables if t.id == ref.table), None)
    if table is None or ref.col in ("code", "name"):
        return False
    found = table.row(ref.row) if table.coded is None else None
    return found is None or found[1].kind != "count"


def _names(wb: Any, prefix: str = NAME_PREFIX) -> dict[CellRef, Address]:
    """The data cells the writer named (xr.<table>.<row>.<col>) and where they are now; with
    ``prefix`` REPORTED_PREFIX the derived cells where it wrote the printed number, not a formula."""
    out: dict[CellRef, Address] = {}
    match = _NAME_TARGET.match
    for key, dn in wb.defined_names.items():
        if not key.startswith(prefix + "."):
            continue
        ref = parse_defined_name(key, prefix)
        m = match(dn.attr_text.strip()) if ref is not None and dn.attr_text else None
        if ref is None or m is None:  # another name, or one whose target was deleted (#REF!)
            continue
        quoted, plain, letters, number = m.groups()
        sheet = quoted.replace("''", "'") if quoted is not None else plain
        out[ref] = (sheet, int(number) - 1, col_index(letters) - 1)
    return out


def _content(read: WorkbookRead, ws: Any, ref: CellRef, r: int, c: int, kind: str) -> None:
    cell = ws.cell(row=r + 1, column=c + 1)
    raw = cell.value
    read.addresses[ref] = (ws.title, r, c)
    read.ref_at[(ws.title, r, c)] = ref
    if cell.data_type == "f":  # a formula (a text cell may well start with "=", e.g. a target "＝100%")
        kept = getattr(cell, "cached", None)
        error = kept if isinstance(kept, str) and kept.startswith("#") else None
        read.cells[ref] = CellContent(None, raw[1:], raw, cached_value(kept), error)
        return
    if kind in ("code", "name", "text"):
        text = None if raw is None else str(raw).strip()
        if kind == "code" and isinstance(raw, float) and raw.is_integer():
            text = str(int(raw))
        read.cells[ref] = CellContent(text or None, None, raw)
        return
    value, note = parse_number(raw)
    typed = typed_unit(raw) if note == "text" and kind == "amount" else None
    unit = read.identity.get("amount_unit") or read.edition.info.amount_unit
    if typed is not None and value is not None and typed != unit:
        converted = value * _UNIT_FACTOR[typed] / _UNIT_FACTOR[unit]
        args = {"text": raw, "typed": typed, "unit": unit, "converted": f"{converted:,.{read.edition.info.decimals}f}"}
        read.findings.append(cell_finding(read, ref, "unit-mismatch", str(raw), **args))
        value = converted.quantize(_places(read.edition.info.decimals), ROUND_HALF_UP)  # what was meant
    elif note == "text":
        read.findings.append(cell_finding(read, ref, "number-as-text", str(raw), text=raw, value=value))
    elif note == "huge":
        read.findings.append(cell_finding(read, ref, "number-too-large", str(raw), text=raw))
    elif note == "bad":
        read.findings.append(cell_finding(read, ref, "not-a-number", str(raw), text=raw))
    if value is not None and kind == "amount":  # typed as a number or as text alike
        read.amounts_typed += 1
        places = _places(read.edition.info.decimals)
        rounded = value.quantize(places, ROUND_HALF_UP)
        if value != rounded and abs(value - rounded) > _FLOAT_NOISE * max(1, abs(value)):
            decimals = read.edition.info.decimals
            finding = cell_finding(
                read, ref, "too-many-decimals", str(value), decimals=decimals, value=value, rounded=rounded
            )
            read.findings.append(finding)
        value = rounded  # a float read back as 113569.8 was typed as 113,569.80
    elif value is not None and kind == "count" and (value != value.to_integral_value() or value < 0):
        read.findings.append(cell_finding(read, ref, "bad-count", value=value))
        value = None
    read.cells[ref] = CellContent(value, None, raw)


def cell_finding(
    read: WorkbookRead,
    ref: CellRef,
    kind: str,
    actual: str | None = None,
    *,
    severity: str | None = None,
    at: Address | None = None,
    **args: object,
) -> Finding:
    """A finding about one cell of the workbook, by its address (``at``: another cell showing ``ref``, a
    printed copy): the validator's labeller adds the row and column labels (``Labeler.locate``); the text
    is the catalogue's template of ``kind``."""
    sheet, r, c = at or read.addresses[ref]
    a1 = f"{get_column_letter(c + 1)}{r + 1}"
    return make(
        kind,
        {**args, "where": f"{sheet}!{a1}"},
        severity=severity,
        table=ref.table,
        sheet=sheet,
        cell=a1,
        row=RowLocation(key=ref.row),
        column=ColumnLocation(key=ref.col),
        actual=actual,
    )


@lru_cache(maxsize=256)
def _plan(edition_id: str, table_id: str, present: frozenset[str]) -> SheetPlan:
    """The layout of a table without codes (shared by every workbook of the edition: never mutated)."""
    edition = load_edition(edition_id)
    table = next(t for t in edition.tables if t.id == table_id)
    return plan_table(edition, table, [], present=present, print_optional=False)


on_editions_changed(_plan.cache_clear)


def _read_table(read: WorkbookRead, ws: Any, table: TableSpec, names: dict[CellRef, Address], rows: set[str]) -> None:
    """``rows``: the row keys of ``table`` among the names (optional rows are printed when named, or,
    in a workbook read by layout, when the sheet prints their label)."""
    if table.coded is None:
        if read.by_layout:
            rows = rows | _printed_optional(ws, table)
        plan = _plan(read.edition.id, table.id, frozenset(rows))
        if read.by_layout:  # a vertical table's lower headers stand below the rows printed above them
            _check_headers(read, ws, table, plan)
        printed_rows = _printed_rows(read, ws, table, plan, names, frozenset(rows))
        for ref, dc in plan.cells.items():
            _, r, c = names.get(ref, (ws.title, dc.row, dc.col))
            printed_row = printed_rows.get(dc.row, r)
            if c != dc.col or printed_row != r:  # columns are never inserted; a row prints where its row is
                _moved_name(read, ref, (ws.title, r, c), (ws.title, printed_row, dc.col))
                r, c = printed_row, dc.col
            _content(read, ws, ref, r, c, dc.kind)
        return
    if read.by_layout:
        _check_headers(read, ws, table, _plan(read.edition.id, table.id, frozenset()))
    _read_coded(read, ws, table, names)


def _check_headers(read: WorkbookRead, ws: Any, table: TableSpec, plan: SheetPlan) -> None:
    """A workbook read by layout: its columns are read where the edition prints them, so its header should
    print the edition's texts there — or a variant published reports print (a column's ``aliases``). The
    first header cell that prints anything else is reported, named by the edition's text (an alias is
    never shown: it is not a difference)."""
    columns: dict[int, list[ColumnSpec]] = {}
    for panel in table.panels:  # side by side (horizontal) or one above the other (vertical)
        start = sum(len(p.columns) for p in table.panels[: table.panels.index(panel)])
        for i, col in enumerate(panel.columns):
            columns.setdefault(start + i if table.arrangement == "horizontal" else i, []).append(col)
    for t in plan.texts:
        if t.style != "header":
            continue
        expected = _plain_label(t.text)
        printed = _plain_label(_text(ws, t.row, t.col))
        if printed == expected:
            continue
        spanned = range(t.col, (t.last_col if t.last_col is not None else t.col) + 1)
        variants = {_plain_label(a) for c in spanned for col in columns.get(c, []) for a in col.header_aliases(t.text)}
        if printed in variants:
            continue
        a1 = f"{get_column_letter(t.col + 1)}{t.row + 1}"
        read.findings.append(
            file_finding("header-changed", ws.title, cell=a1, expected=t.text, actual=printed or "空白")
        )
        return


def _label_variants(table: TableSpec) -> dict[str, frozenset[str]]:
    """Each row label of ``table`` (as compared: see :func:`_plain_label`) → the labels published reports
    print for it instead (the row's ``aliases``)."""
    return {
        _plain_label(spec.label): frozenset(_plain_label(a) for a in spec.aliases)
        for _, spec in table.fixed_rows()
        if spec.aliases and spec.label
    }


def _printed_rows(
    read: WorkbookRead, ws: Any, table: TableSpec, plan: SheetPlan, names: dict[CellRef, Address], rows: frozenset[str]
) -> dict[int, int]:
    """Each plan row of a fixed table → the row where the sheet prints it (rows may have been inserted
    above it). A row is where its label is (a label or code naming one row of its column); a row without
    such a label is where most of its cells' names point (two or more agreeing); a row with a single
    unlabelled cell lies as far from the plan as its neighbours above and below, when they agree. A
    name pointing elsewhere has moved away from what prints."""
    labels = _row_labels_cached(read.edition.id, table.id, rows)
    variants = _label_variants(table)

    def names_row(printed: str, text: str) -> bool:
        return printed == text or printed in variants.get(text, ())

    votes: dict[int, Counter[int]] = {}
    row_label: dict[int, tuple[int, str]] = {}
    for ref, dc in plan.cells.items():
        votes.setdefault(dc.row, Counter())[names.get(ref, (ws.title, dc.row, dc.col))[1]] += 1
        if (dc.row, dc.col) in labels:
            row_label.setdefault(dc.row, labels[(dc.row, dc.col)])
    out: dict[int, int] = {}
    column_rows: dict[int, list[int]] = {}
    for plan_row, counted in votes.items():
        candidate, agreeing = counted.most_common(1)[0]
        label = row_label.get(plan_row)
        if label is not None:
            col, text = label
            if names_row(_plain_label(_text(ws, candidate, col)), text):
                out[plan_row] = candidate
                continue
            if col not in column_rows:
                column_rows[col] = _filled_rows(ws, 0)
            found = [x for x in column_rows[col] if names_row(_plain_label(_text(ws, x, col)), text)]
            if len(found) == 1:
                out[plan_row] = found[0]
                continue
        if agreeing >= 2 and agreeing * 2 > sum(counted.values()):
            out[plan_row] = candidate
    known = sorted(out)
    for plan_row in votes:
        if plan_row in out:
            continue
        above = [k for k in known if k < plan_row]
        below = [k for k in known if k > plan_row]
        if above and below and out[above[-1]] - above[-1] == out[below[0]] - below[0]:
            out[plan_row] = plan_row + out[above[-1]] - above[-1]
    return out


def _plain_label(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


Labels = dict[tuple[int, int], tuple[int, str]]


@lru_cache(maxsize=256)
def _row_labels_cached(edition_id: str, table_id: str, present: frozenset[str]) -> Labels:
    return _row_labels(_plan(edition_id, table_id, present))


def _row_labels(plan: SheetPlan) -> Labels:
    """(row, column) of each data cell → (column, text) of the label that names its row: the nearest
    label (or code) to its left on its row whose text labels one row only in its column (an
    unambiguous mark of where the row prints)."""
    by_row: dict[int, list[Text]] = {}
    for t in plan.texts:
        if t.style in ("label", "label_bold", "code", "name") and _plain_label(t.text):
            by_row.setdefault(t.row, []).append(t)
    count: dict[tuple[int, str], int] = {}
    for items in by_row.values():
        for t in items:
            count[(t.col, _plain_label(t.text))] = count.get((t.col, _plain_label(t.text)), 0) + 1
    out: dict[tuple[int, int], tuple[int, str]] = {}
    for dc in plan.cells.values():
        left = sorted((t for t in by_row.get(dc.row, []) if t.col < dc.col), key=lambda t: -t.col)
        for t in left:
            text = _plain_label(t.text)
            if count[(t.col, text)] == 1:
                out[(dc.row, dc.col)] = (t.col, text)
                break
    return out


_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")


def _printed_optional(ws: Any, table: TableSpec) -> set[str]:
    """The optional rows of ``table`` whose label (numbered or not, or one of its aliases) the sheet prints:
    a department's own workbook of the 26-类 variant prints 债务还本支出 and 债务付息支出."""
    wanted: dict[str, str] = {}
    for _, spec in table.fixed_rows():
        if spec.optional and spec.key is not None:
            for text in (spec.name, spec.label, *spec.aliases):
                if text:
                    wanted[_ORDINAL.sub("", text.replace(" ", ""))] = spec.key
    if not wanted:
        return set()
    width = sum(len(p.columns) for p in table.panels)
    found: set[str] = set()
    for r in _filled_rows(ws, 0):
        for c in range(width):
            key = wanted.get(_ORDINAL.sub("", _text(ws, r, c).replace(" ", "")))
            if key is not None:
                found.add(key)
    return found


def _read_coded(read: WorkbookRead, ws: Any, table: TableSpec, names: dict[CellRef, Address]) -> None:
    """A coded table: the 合计 row by name (or layout), then every row of the body, inserted ones too."""
    assert table.coded is not None
    edition = read.edition
    plan = _plan(edition.id, table.id, frozenset())
    total = table.coded.total_key
    value_cols = [c for c in table.panels[0].value_columns()]
    # column of each value key and the total row, from the names of the total row when present
    cols: dict[str, int] = {}
    total_row = None
    printed_at = {c.key: i for i, c in enumerate(table.panels[0].columns)}  # the plan's columns
    for col in value_cols:
        ref = CellRef(table.id, total, col.key)
        cols[col.key] = printed_at[col.key]  # columns are never inserted: the printed column is the layout's
        if ref not in plan.cells:  # a column the 合计 row prints nothing in
            continue
        if ref in names and names[ref][0] == ws.title:
            total_row = names[ref][1]
            if names[ref][2] != cols[col.key]:
                _moved_name(read, ref, names[ref], (ws.title, total_row, cols[col.key]))
    if total_row is None:
        total_row = plan.cells[CellRef(table.id, total, value_cols[0].key)].row
    slot = plan.slots[0]
    code_col, name_col = slot.code_col, slot.name_col
    named_total = total_row is not None and CellRef(table.id, total, value_cols[0].key) in names
    if not named_total:  # by layout: the 合计 row is the one labelled so (first or last, by edition)
        for r in _filled_rows(ws, plan.body_rows[0]):
            if _text(ws, r, code_col).replace(" ", "") == table.coded.total_label:
                total_row = r
                break
    for key, c in cols.items():
        if CellRef(table.id, total, key) in plan.cells:
            _content(read, ws, CellRef(table.id, total, key), total_row, c, "amount")
    start = plan.body_rows[0]
    seen: dict[str, int] = {}
    rows: list[tuple[str, str]] = []
    for r in _filled_rows(ws, start):
        if r == total_row:
            continue
        first = ws.cell(row=r + 1, column=1).value
        if isinstance(first, str) and first.strip().startswith(("注", "说明")):
            break
        raw_code = ws.cell(row=r + 1, column=code_col + 1).value
        raw_name = ws.cell(row=r + 1, column=name_col + 1).value
        cells = [ws.cell(row=r + 1, column=c + 1) for c in cols.values()]
        has_values = any(c.value not in (None, "") and c.data_type != "f" for c in cells)
        if isinstance(raw_code, float) and raw_code.is_integer():
            raw_code = int(raw_code)  # a code typed as a number
        code = "" if raw_code is None else str(raw_code).strip()
        code = unicodedata.normalize("NFKC", code)
        if not code:
            if has_values:
                read.addresses[CellRef(table.id, f"row{r + 1}", "code")] = (ws.title, r, code_col)
                read.findings.append(cell_finding(read, CellRef(table.id, f"row{r + 1}", "code"), "missing-code"))
            continue
        ref = CellRef(table.id, code, "code")
        read.addresses[ref] = (ws.title, r, code_col)
        read.ref_at[(ws.title, r, code_col)] = ref
        if not is_function_code(code):
            read.findings.append(
                cell_finding(read, ref, "bad-code", code, detail=f"功能分类科目编码“{code}”应为3位、5位或7位数字")
            )
            continue
        if code in seen:
            read.findings.append(cell_finding(read, ref, "duplicate-code", code, code=code, line=seen[code] + 1))
            continue
        seen[code] = r
        name = "" if raw_name is None else str(raw_name).strip()
        read.cells[ref] = CellContent(code, None, raw_code)
        _content(read, ws, CellRef(table.id, code, "name"), r, name_col, "name")
        for key, c in cols.items():
            _content(read, ws, CellRef(table.id, code, key), r, c, "amount")
        rows.append((code, name))
    for code in code_rows_valid([c for c, _ in rows]):  # a 项 without its 款 row, a 款 without its 类
        parent = parent_code(code) or ""
        read.findings.append(
            cell_finding(
                read, CellRef(table.id, code, "code"), "orphan-code", code=code, level=level_name(parent), parent=parent
            )
        )
    read.codes[table.id] = rows


def _text(ws: Any, r: int, c: int) -> str:
    v = ws.cell(row=r + 1, column=c + 1).value
    return "" if v is None else str(v).strip()


def _filled_rows(ws: Any, start: int) -> list[int]:
    """The 0-based indices, from ``start``, of the rows that hold any cell: a sheet may claim a
    million rows (one stray value at the bottom) and only the filled ones need a look."""
    cells = getattr(ws, "cells", None)  # the streaming reader's sheet
    if cells is None:
        cells = getattr(ws, "_cells", {})  # openpyxl's own map of the cells it holds
    return sorted({r - 1 for (r, _) in cells if r - 1 >= start})


def _find_row(ws: Any, text: str, start: int = 0) -> int | None:
    for r in _filled_rows(ws, start):
        if _text(ws, r, 0).replace(" ", "") == text:
            return r
    return None


def _read_scorecard(read: WorkbookRead, ws: Any, sid: str) -> None:
    """A scorecard sheet, read by the edition's form: blocks found by their section titles and the
    summary by its first label (so inserted indicator rows are read)."""
    form = read.edition.scorecard.form
    card: dict[str, Any] = {"sid": sid, "budget": [], "indicators": []}
    for i, item in enumerate(form.header):
        col = 0 if item.bare else form.value_column
        _content(read, ws, CellRef(sid, "info", item.key), form.header_row(i), col, item.kind)
    budget_top = _find_row(ws, form.budget.title)
    ind_top = _find_row(ws, form.indicators.title)
    summary_top = _find_row(ws, form.summary[0].label)
    if budget_top is None or ind_top is None or summary_top is None:
        read.findings.append(file_finding("scorecard-layout", ws.title))
        return
    blocks = (
        (form.budget, budget_top, ind_top, "budget", budget_row_key),
        (form.indicators, ind_top, summary_top, "indicators", indicator_row_key),
    )
    for block, top, end, lines, row_key in blocks:
        marks = block.row_columns()
        for r in range(top + block.body_offset, end):
            if not any(_text(ws, r, c) for c in marks):
                continue
            key = row_key(len(card[lines]))
            for c, item in zip(block.starts, block.columns, strict=True):
                if item.role != "display":
                    _content(read, ws, CellRef(sid, key, item.key), r, c, item.kind)
            card[lines].append(key)
    value_col = form.indicators.index(form.summary_column)
    for i, item in enumerate(form.summary):
        _content(read, ws, CellRef(sid, "summary", item.key), summary_top + i, value_col, item.kind)
    name = read.cells.get(CellRef(sid, "info", "project_name"))
    if card["indicators"] or (name is not None and name.value):
        read.scorecards.append(card)  # an untouched scorecard of a template is not a scorecard
