"""Row heights that fit wrapped text, for every sheet the writer draws.

Excel does not fit row heights when it opens a written file (and LibreOffice fits only rows without a
height), so wrapped text in a row of default height prints over the rows below. The writer estimates
how many lines a text wraps to in its column and sets each row to that many lines.

Widths are in Excel's column units (the width of a digit of the default 11-point font). At ``size``
points a CJK character takes about 2 units × size/11, any other character about 1.1 units × size/11.
"""

from __future__ import annotations

import math
from functools import lru_cache

from xlsxwriter.worksheet import Worksheet

CJK_UNITS = 2.0
LATIN_UNITS = 1.1
BASE_SIZE = 11.0
PADDING = 0.6  # a cell's inner margins, in column units
LINE_POINTS = 1.35  # a line's height per point of font size (10-point 宋体: 13.5 pt)
DEFAULT_SIZE = 10.0


def is_wide(ch: str) -> bool:
    """A character printed at full width (CJK ideographs, kana, hangul, full-width forms and punctuation)."""
    o = ord(ch)
    return o >= 0x2E80 and not (0xFF61 <= o <= 0xFFDC)


def text_units(text: str, size: float = DEFAULT_SIZE) -> float:
    """The printed width of one line of ``text`` in column units."""
    scale = size / BASE_SIZE
    return sum(CJK_UNITS if is_wide(ch) else LATIN_UNITS for ch in text) * scale


@lru_cache(maxsize=16_384)
def lines(text: str, width: float, size: float = DEFAULT_SIZE) -> int:
    """How many lines ``text`` wraps to in a cell ``width`` column units wide (explicit line breaks kept;
    remembered: a workbook wraps the same labels on every sheet)."""
    usable = max(1.0, width - PADDING)
    total = 0
    for part in str(text).split("\n"):
        total += max(1, math.ceil(text_units(part, size) / usable - 1e-9))
    return total


def height(n: int, size: float = DEFAULT_SIZE) -> float:
    """The row height (points) of ``n`` lines at ``size`` points."""
    return round(n * size * LINE_POINTS + 1.5, 1) if n > 1 else round(size * LINE_POINTS + 0.0, 1)


class RowFit:
    """Collects, per row, the height its wrapped texts need and the heights set on purpose; writes them once."""

    def __init__(self, widths: list[float] | None = None) -> None:
        self.widths = list(widths or [])
        self.need: dict[int, float] = {}

    def width(self, first: int, last: int | None = None) -> float:
        last = first if last is None else last
        return sum(self.widths[c] if c < len(self.widths) else 8.43 for c in range(first, last + 1))

    def at_least(self, row: int, points: float) -> None:
        self.need[row] = max(self.need.get(row, 0.0), points)

    def text(
        self, row: int, col: int, text: str | None, last_col: int | None = None, size: float = DEFAULT_SIZE
    ) -> None:
        """A wrapped text at ``row``, ``col`` (merged across to ``last_col``)."""
        if not text:
            return
        n = lines(text, self.width(col, last_col), size)
        if n > 1:
            self.at_least(row, height(n, size))

    def apply(self, ws: Worksheet) -> None:
        for row, points in sorted(self.need.items()):
            ws.set_row(row, points)
