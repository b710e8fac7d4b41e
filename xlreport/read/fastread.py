"""A one-pass streaming reader of .xlsx values and formulas (zip + expat callbacks, no element
objects), shaped like the part of openpyxl's API the reader uses.

openpyxl builds a full object model (styles, every cell object) and is the reference reader; this
one reads only what validation needs — cell values, formula text (shared formulas expanded), sheet
names, defined names, custom document properties and sheet protection — several times faster.
A test checks that both readers give identical cells on every test workbook.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from ..layout.a1 import MAX_COLUMN, MAX_ROW, range_bounds
from ..layout.a1 import column_index as column_index_from_string
from ..layout.a1 import column_letter as get_column_letter
from .extent import DEFAULT, Beyond, Extent, extents
from .preflight import refusing_parser
from .trim import trimmed

_CELL = re.compile(r"([A-Z]+)(\d+)")


@dataclass(slots=True)
class FastCell:
    value: Any
    data_type: str  # n, s, b, e, f (formula), as openpyxl reports it
    row: int
    column: int
    cached: Any = None  # a formula's value as the spreadsheet last computed it (number or text)

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


_BLANK = FastCell(None, "n", 0, 0)


@dataclass
class _Protection:
    sheet: bool = False


@dataclass
class FastSheet:
    title: str
    cells: dict[tuple[int, int], FastCell] = field(default_factory=dict)
    protection: _Protection = field(default_factory=_Protection)
    max_row: int = 1
    merged: list[str] = field(default_factory=list)  # merged ranges ("B5:C5"), as openpyxl's merged_cells
    beyond: Beyond = field(default_factory=Beyond)  # what lies outside the sheet's extent: counted, not read
    hidden_rows: set[int] = field(default_factory=set)  # 1-based rows a spreadsheet hides (<row hidden="1">)
    hidden_cols: set[int] = field(default_factory=set)  # 1-based columns hidden (<col min max hidden="1">)

    def cell(self, row: int, column: int) -> FastCell:
        """The cell at (row, column); an empty cell is one shared blank (read its value, not its place)."""
        return self.cells.get((row, column), _BLANK)

    def iter_rows(self, min_row: int = 1, max_row: int | None = None) -> Iterator[tuple[FastCell, ...]]:
        """Rows of the cells that hold something (openpyxl yields every cell; empty ones are None-valued)."""
        last = self.max_row if max_row is None else max_row
        by_row: dict[int, list[FastCell]] = {}
        for (r, _), c in self.cells.items():
            if min_row <= r <= last:
                by_row.setdefault(r, []).append(c)
        for r in range(min_row, last + 1):
            yield tuple(sorted(by_row.get(r, []), key=lambda c: c.column))


@dataclass
class _DefinedName:
    attr_text: str

    @property
    def destinations(self) -> Iterator[tuple[str, str]]:
        text = self.attr_text
        if "!" not in text or "#REF" in text:
            return iter(())
        sheet, coord = text.rsplit("!", 1)
        return iter([(sheet.strip("'").replace("''", "'"), coord)])


@dataclass
class _Property:
    name: str
    value: Any


@dataclass
class _Properties:
    props: list[_Property] = field(default_factory=list)


class FastWorkbook:
    def __init__(self) -> None:
        self.sheets: dict[str, FastSheet] = {}
        self.defined_names: dict[str, _DefinedName] = {}
        self.custom_doc_props = _Properties()

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    @property
    def worksheets(self) -> list[FastSheet]:
        return list(self.sheets.values())

    def __getitem__(self, name: str) -> FastSheet:
        return self.sheets[name]


def _parser() -> Any:
    """An expat parser that names elements ``<namespace>}<local>``, gathers text into one call, and
    refuses any DTD or entity declaration (preflight's refusals: ValueErrors)."""
    parser = refusing_parser(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    return parser


class _Parts:
    """The package's members: those preflight already decompressed (each handed over once), else
    read from the zip."""

    def __init__(self, z: zipfile.ZipFile, members: dict[str, bytes] | None) -> None:
        self.z, self.members = z, members or {}
        self.names = set(z.namelist())

    def read(self, part: str) -> bytes:
        kept = self.members.pop(part, None)
        return kept if kept is not None else self.z.read(part)

    def chunks(self, part: str, size: int = 1 << 20) -> Iterator[bytes]:
        """The part in pieces of ``size`` bytes, decompressed as they are read (never whole in memory)."""
        kept = self.members.pop(part, None)
        if kept is not None:
            yield kept
            return
        with self.z.open(part) as member:
            while piece := member.read(size):
                yield piece


def _parse(parts: _Parts, part: str, start: Any, end: Any = None, data: Any = None) -> None:
    parser = _parser()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if data is not None:
        parser.CharacterDataHandler = data
    try:
        parser.Parse(parts.read(part), True)
    except expat.ExpatError as exc:
        raise ValueError(f"{part} 不是有效的XML（第 {exc.lineno} 行第 {exc.offset + 1} 列出错）") from None


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships}"
_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_C, _V, _F, _IS, _T, _ROW = (_MAIN + t for t in ("c", "v", "f", "is", "t", "row"))
_SI, _RPH, _PROTECTION = _MAIN + "si", _MAIN + "rPh", _MAIN + "sheetProtection"
_MERGE, _COL = _MAIN + "mergeCell", _MAIN + "col"
_TRUE = ("1", "true")


# The shared strings as spreadsheet programs write them — UTF-8, unprefixed elements in the main
# namespace, no comments or CDATA — are split with regular expressions (a few times faster than
# expat callbacks); any other form goes through expat. Tests read workbooks both ways.
REGULAR_STRINGS = True
_SST_ROOT = re.compile(r'<sst\b[^>]*\bxmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
_SI_ELEMENT = re.compile(r"<si>(.*?)</si>|<si/>", re.S)
_T_TEXT = re.compile(r"<t(?:\s[^>]*)?>(.*?)</t>|<t(?:\s[^>]*)?/>", re.S)
_RPH_RUN = re.compile(r"<rPh\b.*?</rPh>", re.S)
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name[0] == "#":
        point = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        if not _xml_char(point):
            raise ValueError(f"sharedStrings.xml 中的字符引用 &{name}; 不是合法的XML字符")
        return chr(point)
    return _NAMED[name]


def _xml_char(point: int) -> bool:
    """Whether XML 1.0 allows the character (expat refuses the others too)."""
    return (
        point in (0x9, 0xA, 0xD) or 0x20 <= point <= 0xD7FF or 0xE000 <= point <= 0xFFFD or 0x10000 <= point <= 0x10FFFF
    )


def _si_text(inner: str | None) -> str:
    """The text of one regular <si>'s inside: its <t> runs, phonetic runs left out, entities resolved."""
    if not inner:
        return ""
    if inner.startswith("<t>") and inner.endswith("</t>") and "<" not in inner[3:-4]:
        value = inner[3:-4]  # the common case: one plain <t>
    else:
        if "<rPh" in inner:
            inner = _RPH_RUN.sub("", inner)
        value = "".join(t.group(1) or "" for t in _T_TEXT.finditer(inner))
    return _ENTITY.sub(_entity, value) if "&" in value else value


_BALANCED = (  # (start tags, end tags) that pair up in a regular piece of whole <si> elements
    ((b"<si>",), (b"</si>",)),
    ((b"<t>", b"<t "), (b"</t>", b"<t/>")),
    ((b"<rPh",), (b"</rPh>",)),
)
WELL_FORMED_CHECK = 8 << 20  # shared strings up to this size are checked well-formed whole (C speed)


class _Irregular(Exception):
    """sharedStrings.xml is not in the regular form: expat reads it."""


def _regular_strings(chunks: Iterator[bytes], needed: set[int]) -> dict[int, str]:
    """The strings of ``needed`` indices of a regular sharedStrings.xml, read in pieces: each piece's
    <si> elements are counted (C speed) and only a piece holding a needed one is split into strings;
    reading stops after the last needed one. A table references a few hundred strings; a file may hold
    millions (text pasted far from the tables), which are never built. Raises _Irregular."""
    out: dict[int, str] = {}
    last_needed = max(needed)
    index = 0  # <si> elements before ``carry``
    carry = b""
    first = True
    for chunk in chunks:
        buf = carry + chunk if carry else chunk
        if first:
            head = buf[:400]
            if b"encoding=" in head[:200] and not re.search(rb"""encoding=["'](?i:utf-?8)["']""", head[:200]):
                raise _Irregular
            if not _SST_ROOT.search(head.decode("utf-8", "replace")):
                raise _Irregular
            first = False
        if b"<!" in buf or b"\r" in buf:
            raise _Irregular
        cut = buf.rfind(b"<si")  # the last element may be incomplete: it waits for the next piece
        if cut <= 0:
            carry = buf
            continue
        index = _take(buf[:cut], index, needed, out)
        carry = buf[cut:]
        if index > last_needed:
            return out
    if carry:
        _take(carry, index, needed, out)
    return out


def _take(piece: bytes, index: int, needed: set[int], out: dict[int, str]) -> int:
    """Strings of ``needed`` among the <si> elements of ``piece`` (the first is number ``index``);
    the index after them."""
    n = piece.count(b"<si")
    if not any(index <= k < index + n for k in needed):
        return index + n
    for opened, closed in _BALANCED:  # an unclosed element would make the lazy expressions quadratic
        if sum(piece.count(o) for o in opened) != sum(piece.count(c) for c in closed):
            raise _Irregular
    try:
        text = piece.decode("utf-8")
    except UnicodeDecodeError:
        raise _Irregular from None
    found = 0
    for m in _SI_ELEMENT.finditer(text):
        if index + found in needed:
            out[index + found] = _si_text(m.group(1))
        found += 1
    if found != n:  # an <si> with attributes, or split oddly: not the regular form
        raise _Irregular
    return index + n


def _strings(parts: _Parts, needed: set[int]) -> dict[int, str]:
    """The shared strings of ``needed`` indices: the text of every <t> of an <si>, phonetic runs (<rPh>)
    left out."""
    if not needed or "xl/sharedStrings.xml" not in parts.names:
        return {}
    part = "xl/sharedStrings.xml"
    if REGULAR_STRINGS:
        data = parts.members.get(part)
        size = len(data) if data is not None else parts.z.getinfo(part).file_size
        try:
            if size <= WELL_FORMED_CHECK:  # small: refused when malformed anywhere, as openpyxl does
                data = data if data is not None else parts.read(part)
                parts.members[part] = data
                try:
                    _parser().Parse(data, True)
                except (expat.ExpatError, ValueError):
                    raise _Irregular from None  # expat, below, says what is wrong
            return _regular_strings(iter([data]) if data is not None else parts.chunks(part), needed)
        except _Irregular:
            pass
    out: dict[int, str] = {}
    count = [0]
    pieces: list[str] = []
    state = {"text": False, "phonetic": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        if name == _T:
            state["text"] = not state["phonetic"]
        elif name == _SI:
            pieces.clear()
        elif name == _RPH:
            state["phonetic"] += 1

    def end(name: str) -> None:
        if name == _T:
            state["text"] = False
        elif name == _SI:
            if count[0] in needed:
                out[count[0]] = "".join(pieces)
            count[0] += 1
        elif name == _RPH:
            state["phonetic"] -= 1

    def data(text: str) -> None:
        if state["text"]:
            pieces.append(text)

    _parse(parts, part, start, end, data)
    return out


def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return base + target


def _number(text: str) -> int | float | str:
    """A numeric cell's value; text that is no number (a file written by hand) stays text, for the
    reader to report at its cell."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def load(path: str, skip: frozenset[str] = frozenset(), members: dict[str, bytes] | None = None) -> FastWorkbook:
    """Read ``path`` (already preflighted: a sane zip whose XML declares no entities); the sheets
    named in ``skip`` are listed but their cells are not read. ``members``: XML parts already
    decompressed (by preflight), taken from there instead of the zip."""
    wb = FastWorkbook()
    with zipfile.ZipFile(path) as z:
        parts = _Parts(z, members)
        names = parts.names
        rels: dict[str, str] = {}

        def relationship(name: str, attrs: dict[str, str]) -> None:
            if name == _PKG_REL + "Relationship":
                rels[attrs.get("Id", "")] = _target("xl/", attrs.get("Target", ""))

        _parse(parts, "xl/_rels/workbook.xml.rels", relationship)
        sheets: list[tuple[str, str]] = []
        defined: list[str | None] = [None]  # the name whose text is being read
        text: list[str] = []

        def book_start(name: str, attrs: dict[str, str]) -> None:
            if name == _MAIN + "definedName":
                defined[0] = attrs.get("name", "") if attrs.get("localSheetId") is None else None
                text.clear()
            elif name == _MAIN + "sheet":
                sheets.append((attrs.get("name", ""), rels.get(attrs.get(_REL + "id", ""), "")))

        def book_end(name: str) -> None:
            if name == _MAIN + "definedName" and defined[0] is not None:
                wb.defined_names[defined[0]] = _DefinedName("".join(text))
                defined[0] = None

        def book_data(chunk: str) -> None:
            if defined[0] is not None:
                text.append(chunk)

        _parse(parts, "xl/workbook.xml", book_start, book_end, book_data)
        if "docProps/custom.xml" in names:
            prop: list[Any] = [None, 0]  # the property being read, element depth inside it
            values: list[str] = []

            def prop_start(name: str, attrs: dict[str, str]) -> None:
                if name == _CUSTOM + "property":
                    prop[0], prop[1] = attrs.get("name", ""), 0
                    values.clear()
                elif prop[0] is not None:
                    prop[1] += 1

            def prop_end(name: str) -> None:
                if name == _CUSTOM + "property" and prop[0] is not None:
                    wb.custom_doc_props.props.append(_Property(prop[0], "".join(values) if values else None))
                    prop[0] = None

            def prop_data(chunk: str) -> None:
                if prop[0] is not None and prop[1]:
                    values.append(chunk)

            _parse(parts, "docProps/custom.xml", prop_start, prop_end, prop_data)
        reach = extents(wb.defined_names.values())
        shared: list[tuple[FastCell, int]] = []  # cells of shared strings: their text is read after the sheets
        for title, part in sheets:
            if title in skip:
                wb.sheets[title] = FastSheet(title)
            elif part in names:
                wb.sheets[title] = _sheet(parts, title, part, shared, reach.get(title, DEFAULT))
        strings = _strings(parts, {i for _, i in shared})
        for cell, i in shared:  # the cells of shared strings get their text
            if i not in strings:
                raise ValueError(f"单元格 {cell.coordinate} 引用的共享字符串第 {i} 个不存在")
            cell.value = strings[i]
    return wb


class _SheetReader:
    """expat handlers that turn one worksheet's XML into cells (values, formulas, types).

    Most elements are formatted blank cells (<c r="B7" s="3"/>): their handlers only note the
    reference; it is parsed only for a cell that holds something."""

    def __init__(self, sheet: FastSheet, shared: list[tuple[FastCell, int]]) -> None:
        self.sheet, self.string_cells = sheet, shared
        self.cells = sheet.cells
        self.row = 0
        self.col = 0
        self.ref: str | None = None  # the current cell's r (None until resolved when it is absent)
        self.resolved = True  # row/col hold the current (or, when not, the last) cell's position
        self.kind = "n"
        self.value: str | None = None
        self.formula: str | None = None
        self.formula_attrs: dict[str, str] | None = None
        self.inline: list[str] | None = None
        self.buf: list[str] | None = None  # text being gathered (of a <v>, <f> or inline <t>)
        self.shared: dict[str, tuple[str, str]] = {}  # si → (master formula, master coordinate)
        self.max_row = 1

    def _resolve(self) -> None:
        """Parse the current cell's r into row/col."""
        m = _CELL.fullmatch(self.ref or "")
        if m:
            self.row, self.col = int(m.group(2)), column_index_from_string(m.group(1))
        self.resolved = True
        if self.row > MAX_ROW or self.col > MAX_COLUMN:
            raise ValueError(f"单元格 {self.ref} 超出了工作表的 {MAX_ROW} 行、{MAX_COLUMN} 列")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _C:
            ref = attrs.get("r")
            if ref is None:  # r is optional: the cell after the previous one
                if not self.resolved:
                    self._resolve()
                self.col += 1
                self.ref = f"{get_column_letter(self.col)}{self.row}"
                self.resolved = True
            else:
                self.ref, self.resolved = ref, False
            self.kind = attrs.get("t", "n")
            self.value = self.formula = None
            self.formula_attrs = self.inline = None
        elif name == _V:
            self.buf = []
        elif name == _F:
            self.buf = []
            self.formula_attrs = attrs
        elif name == _ROW:
            if not self.resolved:
                self._resolve()
            r = attrs.get("r")
            self.row = int(r) if r and r.isascii() and r.isdigit() else self.row + 1
            self.col = 0
            if attrs.get("hidden") in _TRUE:
                self.sheet.hidden_rows.add(self.row)
        elif name == _IS:
            self.inline = []
        elif name == _T and self.inline is not None:
            self.buf = []
        elif name == _PROTECTION:
            self.sheet.protection.sheet = attrs.get("sheet") in ("1", "true")
        elif name == _MERGE and attrs.get("ref"):
            self.sheet.merged.append(attrs["ref"])
        elif name == _COL and attrs.get("hidden") in _TRUE:
            lo, hi = attrs.get("min", ""), attrs.get("max", "")
            if lo.isascii() and lo.isdigit() and hi.isascii() and hi.isdigit():
                self.sheet.hidden_cols.update(range(int(lo), min(int(hi), MAX_COLUMN) + 1))

    def data(self, text: str) -> None:
        if self.buf is not None:
            self.buf.append(text)

    def end(self, name: str) -> None:
        if name == _C:
            if self.value is not None or self.formula_attrs is not None or self.inline is not None:
                self.cell()
        elif name == _V:
            self.value = "".join(self.buf or ())
            self.buf = None
        elif name == _F:
            self.formula = "".join(self.buf or ())
            self.buf = None
        elif name == _T and self.inline is not None and self.buf is not None:
            self.inline.append("".join(self.buf))
            self.buf = None

    def cell(self) -> None:
        if not self.resolved:
            self._resolve()
        row, col, ref = self.row, self.col, self.ref or ""
        if self.formula_attrs is not None:
            text: str | None = self.formula or None
            if self.formula_attrs.get("t") == "shared":
                si = self.formula_attrs.get("si", "")
                if text:
                    self.shared[si] = (text, ref)
                elif si in self.shared:
                    from openpyxl.formula.translate import Translator

                    master, origin = self.shared[si]
                    text = Translator("=" + master, origin=origin).translate_formula(ref)[1:]
            if text is not None:
                cached: Any = None
                if self.value:
                    kind = self.kind
                    cached = self.value if kind in ("str", "e", "d") else (None if kind == "b" else _number(self.value))
                self.cells[(row, col)] = FastCell("=" + text, "f", row, col, cached)
                if row > self.max_row:
                    self.max_row = row
            return
        kind, raw = self.kind, self.value
        value: Any
        if kind == "s":
            if raw:
                if not (raw.isascii() and raw.isdigit()):
                    raise ValueError(f"单元格 {ref} 引用的共享字符串 {raw!r} 不存在")
                cell = FastCell("", "s", row, col)
                self.string_cells.append((cell, int(raw)))
                self.cells[(row, col)] = cell
                if row > self.max_row:
                    self.max_row = row
                return
            value, dtype = None, "s"
        elif kind == "inlineStr":
            value, dtype = ("".join(self.inline) if self.inline is not None else None), "s"
        elif kind == "str":
            value, dtype = raw, "s"
        elif kind == "b":
            value, dtype = (raw == "1") if raw is not None else None, "b"
        elif kind == "e":
            value, dtype = raw, "e"
        elif kind == "d":  # an ISO 8601 date cell: text where a number belongs, reported at the cell
            value, dtype = raw, "s"
        else:
            value, dtype = (_number(raw) if raw else None), "n"
        if value is not None:
            self.cells[(row, col)] = FastCell(value, dtype, row, col)
            if row > self.max_row:
                self.max_row = row


def _sheet(parts: _Parts, title: str, part: str, shared: list[tuple[FastCell, int]], extent: Extent) -> FastSheet:
    """One worksheet, read within its extent (what lies beyond is counted in ``sheet.beyond``)."""
    sheet = FastSheet(title)
    reader = _SheetReader(sheet, shared)
    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler = reader.data
    try:
        for piece in trimmed(parts.chunks(part), extent, sheet.beyond):
            parser.Parse(piece, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise ValueError(f"{part} 不是有效的XML（第 {exc.lineno} 行第 {exc.offset + 1} 列出错）") from None
    sheet.max_row = reader.max_row
    _drop_hidden(sheet)
    return sheet


def _drop_hidden(sheet: FastSheet) -> None:
    """The cells a merged range hides read as empty, as openpyxl reads them (a file may keep values there)."""
    for text in sheet.merged:
        try:
            r1, c1, r2, c2 = range_bounds(text)
        except ValueError:
            continue
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:
            continue
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    sheet.cells.pop((r + 1, c + 1), None)


def cells_of(wb: Any) -> dict[tuple[str, str], tuple[Any, str]]:
    """Every non-empty cell as (sheet, A1) → (value, data_type): to compare readers."""
    out = {}
    for ws in wb.worksheets:
        if isinstance(ws, FastSheet):
            items = [(c.coordinate, c.value, c.data_type) for c in ws.cells.values()]
        else:
            items = [(c.coordinate, c.value, c.data_type) for row in ws.iter_rows() for c in row if c.value is not None]
        for coord, value, dtype in items:
            out[(ws.title, coord)] = (value, dtype)
    return out


__all__ = ["FastWorkbook", "cells_of", "load"]
