"""A one-pass streaming reader of .xlsx values and formulas (zip + expat), shaped like the part of
openpyxl's API the reader uses.

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
from xml.etree.ElementTree import iterparse

from .a1 import column_index as column_index_from_string
from .a1 import column_letter as get_column_letter

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_NS_VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
_CELL = re.compile(r"([A-Z]+)(\d+)")


@dataclass(slots=True)
class FastCell:
    value: Any
    data_type: str  # n, s, b, e, f (formula), as openpyxl reports it
    row: int
    column: int

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


def _strings(z: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    out: list[str] = []
    with z.open("xl/sharedStrings.xml") as fh:
        for _, el in iterparse(fh, events=("end",)):
            if el.tag == f"{_NS_MAIN}si":
                out.append("".join(t.text or "" for t in el.iter(f"{_NS_MAIN}t")))
                el.clear()
    return out


def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return base + target


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def load(path: str, skip: frozenset[str] = frozenset()) -> FastWorkbook:
    """Read ``path`` (already preflighted: a sane zip whose XML declares no entities); the sheets
    named in ``skip`` are listed but their cells are not read."""
    wb = FastWorkbook()
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        rels: dict[str, str] = {}
        with z.open("xl/_rels/workbook.xml.rels") as fh:
            for _, el in iterparse(fh):
                if el.tag == f"{_NS_PKG_REL}Relationship":
                    rels[el.get("Id", "")] = _target("xl/", el.get("Target", ""))
        sheets: list[tuple[str, str]] = []
        with z.open("xl/workbook.xml") as fh:
            for _, el in iterparse(fh):
                if el.tag == f"{_NS_MAIN}sheet":
                    sheets.append((el.get("name", ""), rels.get(el.get(f"{_NS_REL}id", ""), "")))
                elif el.tag == f"{_NS_MAIN}definedName" and el.get("localSheetId") is None:
                    wb.defined_names[el.get("name", "")] = _DefinedName(el.text or "")
        if "docProps/custom.xml" in names:
            with z.open("docProps/custom.xml") as fh:
                for _, el in iterparse(fh):
                    if el.tag == f"{_NS_CUSTOM}property":
                        value = next((c.text for c in el), None)
                        wb.custom_doc_props.props.append(_Property(el.get("name", ""), value))
        strings = _strings(z)
        for title, part in sheets:
            if title in skip:
                wb.sheets[title] = FastSheet(title)
            elif part in names:
                wb.sheets[title] = _sheet(z, title, part, strings)
    return wb


def _sheet(z: zipfile.ZipFile, title: str, part: str, strings: list[str]) -> FastSheet:
    sheet = FastSheet(title)
    shared: dict[str, tuple[str, str]] = {}  # si → (master formula, master coordinate)
    c_tag, v_tag, f_tag, is_tag = f"{_NS_MAIN}c", f"{_NS_MAIN}v", f"{_NS_MAIN}f", f"{_NS_MAIN}is"
    max_row = 1
    with z.open(part) as fh:
        for _, el in iterparse(fh):
            tag = el.tag
            if tag == c_tag:
                ref = el.get("r", "")
                m = _CELL.match(ref)
                if not m:
                    continue
                row, col = int(m.group(2)), column_index_from_string(m.group(1))
                kind = el.get("t", "n")
                formula = value_text = None
                inline = None
                for child in el:
                    if child.tag == f_tag:
                        formula = child
                    elif child.tag == v_tag:
                        value_text = child.text
                    elif child.tag == is_tag:
                        inline = "".join(t.text or "" for t in child.iter(f"{_NS_MAIN}t"))
                if formula is not None:
                    text = formula.text
                    if formula.get("t") == "shared":
                        si = formula.get("si", "")
                        if text:
                            shared[si] = (text, ref)
                        elif si in shared:
                            from openpyxl.formula.translate import Translator

                            master, origin = shared[si]
                            text = Translator("=" + master, origin=origin).translate_formula(ref)[1:]
                    if text is not None:
                        sheet.cells[(row, col)] = FastCell("=" + text, "f", row, col)
                        max_row = max(max_row, row)
                    el.clear()
                    continue
                value: Any
                if kind == "s":
                    value, dtype = (strings[int(value_text)] if value_text is not None else None), "s"
                elif kind == "inlineStr":
                    value, dtype = inline, "s"
                elif kind == "str":
                    value, dtype = value_text, "s"
                elif kind == "b":
                    value, dtype = (value_text == "1") if value_text is not None else None, "b"
                elif kind == "e":
                    value, dtype = value_text, "e"
                else:
                    value, dtype = (_number(value_text) if value_text else None), "n"
                if value is not None:
                    sheet.cells[(row, col)] = FastCell(value, dtype, row, col)
                    max_row = max(max_row, row)
                el.clear()
            elif tag == f"{_NS_MAIN}sheetProtection":
                sheet.protection.sheet = el.get("sheet") in ("1", "true")
            elif tag == f"{_NS_MAIN}row":
                el.clear()
    sheet.max_row = max_row
    return sheet


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
