"""A1 addresses without importing a spreadsheet library (the reader's hot path, the validator's
formula comparison and start-up). Rows and columns are 0-based in :func:`cell_name`, as in xlsxwriter."""

from __future__ import annotations

import re

_COORD = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_letter(index: int) -> str:
    """1 → A, 27 → AA (the first columns from a table: formulas name them hundreds of thousands of times)."""
    if 0 < index < len(_LETTERS):
        return _LETTERS[index]
    return _letters(index)


def _letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTERS = tuple(_letters(i) for i in range(703))  # "" and A … ZZ


_INDEX: dict[str, int] = {}


def column_index(letters: str) -> int:
    """A → 1, AA → 27 (remembered: a workbook names the same few columns thousands of times)."""
    found = _INDEX.get(letters)
    if found is None:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
        found = n
        if len(_INDEX) < 20_000:
            _INDEX[letters] = n
    return found


def cell_name(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    """(0, 0) → A1; with ``row_abs``/``col_abs`` → $A$1 (xlsxwriter's ``xl_rowcol_to_cell``)."""
    if not (row_abs or col_abs):
        return f"{column_letter(col + 1)}{row + 1}"
    return f"{'$' if col_abs else ''}{column_letter(col + 1)}{'$' if row_abs else ''}{row + 1}"


_NEEDS_QUOTES = re.compile(r"[^\w.]|^[\d.]")
_LIKE_A1 = re.compile(r"^([A-Z]{1,3})(\d+)$")
_LIKE_R1 = re.compile(r"^R(\d+)")
_LIKE_C1 = re.compile(r"^R?C(\d+)")
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384  # a worksheet's limits (Excel, WPS, LibreOffice)


def quote_sheet(name: str) -> str:
    """A sheet name as a formula names it: quoted ('it''s') when it holds anything but word
    characters and dots, starts with a digit or dot, or reads as an A1 or R1C1 reference
    (the rules of Excel, as xlsxwriter's ``quote_sheetname`` applies them)."""
    if name.startswith("'"):
        return name
    upper = name.upper()
    a1, r1, c1 = _LIKE_A1.match(upper), _LIKE_R1.match(upper), _LIKE_C1.match(upper)
    if (
        _NEEDS_QUOTES.search(name)
        or (a1 is not None and column_index(a1.group(1)) <= MAX_COLUMN and 0 < int(a1.group(2)) <= MAX_ROW)
        or (a1 is None and r1 is not None and 0 < int(r1.group(1)) <= MAX_ROW)
        or (a1 is None and r1 is None and c1 is not None and 0 < int(c1.group(1)) <= MAX_COLUMN)
        or upper in ("R", "C", "RC")
    ):
        return "'" + name.replace("'", "''") + "'"
    return name


def split_coordinate(coord: str) -> tuple[str, int]:
    """ "$C$5" → ("C", 5); ValueError when it is not a cell address."""
    m = _COORD.match(coord.strip())
    if not m:
        raise ValueError(f"not a cell address: {coord!r}")
    return m.group(1).upper(), int(m.group(2))


def range_bounds(text: str) -> tuple[int, int, int, int]:
    """ "B5:$C$7" (or one cell) → 0-based (first row, first column, last row, last column), in order;
    ValueError when it is not a range of cells."""
    first, _, last = text.partition(":")
    (l1, n1), (l2, n2) = split_coordinate(first), split_coordinate(last or first)
    r1, r2 = sorted((n1 - 1, n2 - 1))
    c1, c2 = sorted((column_index(l1) - 1, column_index(l2) - 1))
    return r1, c1, r2, c2
