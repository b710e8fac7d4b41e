"""A1 addresses without importing a spreadsheet library (the reader's hot path and start-up)."""

from __future__ import annotations

import re

_COORD = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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


def split_coordinate(coord: str) -> tuple[str, int]:
    """ "$C$5" → ("C", 5); ValueError when it is not a cell address."""
    m = _COORD.match(coord.strip())
    if not m:
        raise ValueError(f"not a cell address: {coord!r}")
    return m.group(1).upper(), int(m.group(2))
