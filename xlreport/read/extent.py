"""How much of a returned sheet is read: the cells its defined names point at, and a margin.

A returned sheet may hold millions of cells beyond its tables (a column filled down to row 1,048,576,
a pasted block of data). Reading them would make the time and memory of validation depend on them.
Both readers read a sheet up to its extent — the furthest cell any defined name points at, plus a
margin wide enough for every row a person inserts and every note typed beside a table — and only
count what lies beyond: the number of cells holding a value or a formula, and where the first is.
That count becomes one warning (``cells-beyond``); the cells themselves never enter the read model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..layout.a1 import range_bounds

ROW_MARGIN = 200  # rows read below the last named cell: appended rows, footnotes, signatures
COL_MARGIN = 20  # columns read right of the last named cell: notes typed beside a table


@dataclass(frozen=True, slots=True)
class Extent:
    """The 1-based last row and column read of one sheet."""

    rows: int
    cols: int

    def holds(self, row: int, col: int) -> bool:
        return row <= self.rows and col <= self.cols


DEFAULT = Extent(ROW_MARGIN, COL_MARGIN)  # a sheet no name points into


@dataclass(slots=True)
class Beyond:
    """What lies outside a sheet's extent, counted, never read."""

    cells: int = 0  # cells holding anything: a number, text or a formula
    formulas: int = 0
    first: str | None = None  # the first such cell (A1), in row order

    def __bool__(self) -> bool:
        return bool(self.cells or self.formulas)


def extents(defined_names: Iterable[Any]) -> dict[str, Extent]:
    """Each sheet's extent from the workbook's defined names (openpyxl's or the streaming reader's:
    anything with ``destinations`` of (sheet, A1 or range))."""
    last: dict[str, tuple[int, int]] = {}
    for name in defined_names:
        try:
            destinations = list(name.destinations)
        except Exception:  # a name openpyxl cannot resolve (#REF!, a formula): no cell of a table
            continue
        for sheet, coord in destinations:
            try:
                _, _, max_row, max_col = range_bounds(str(coord))
            except ValueError:
                continue
            row, col = last.get(sheet, (0, 0))
            last[sheet] = (max(row, max_row + 1), max(col, max_col + 1))
    return {sheet: Extent(row + ROW_MARGIN, col + COL_MARGIN) for sheet, (row, col) in last.items()}


def cut_beyond(ws: Any, extent: Extent) -> Beyond:
    """Count and drop the cells of an openpyxl worksheet outside ``extent`` (the reference reader
    materialises every cell; after this it holds what the streaming reader holds)."""
    beyond = Beyond()
    cells = ws._cells  # openpyxl's own map (row, column) → cell
    outside = sorted(k for k in cells if not extent.holds(*k))
    for key in outside:
        cell = cells.pop(key)
        if cell.value is None:
            continue
        beyond.cells += 1
        if cell.data_type == "f":
            beyond.formulas += 1
        if beyond.first is None:
            beyond.first = cell.coordinate
    return beyond


__all__ = ["COL_MARGIN", "DEFAULT", "ROW_MARGIN", "Beyond", "Extent", "cut_beyond", "extents"]
