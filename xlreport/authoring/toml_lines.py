"""Where a key of a TOML file is written: lines for the problems ``xlreport edition check`` reports.

tomllib returns values without positions; the edition files are written one table header or one
inline table per line, so a few searches in the text find the line of an element and of a key in it.
"""

from __future__ import annotations

import re
from pathlib import Path


class TomlLines:
    """The lines of one TOML file (1-based line numbers)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    @property
    def end(self) -> int:
        return len(self.lines) + 1

    def find(self, pattern: str, start: int = 1, end: int | None = None) -> int | None:
        """The first line in [start, end) matching the regular expression ``pattern``."""
        rx = re.compile(pattern)
        for n in range(max(start, 1), min(end or self.end, self.end)):
            if rx.search(self.lines[n - 1]):
                return n
        return None

    def headers(self, name: str, start: int = 1, end: int | None = None) -> list[int]:
        """Lines of ``[[name]]`` (array of tables) or ``[name]`` headers in [start, end)."""
        rx = re.compile(r"^\s*\[\[?\s*" + re.escape(name) + r"\s*\]\]?\s*(#.*)?$")
        return [n for n in range(max(start, 1), min(end or self.end, self.end)) if rx.match(self.lines[n - 1])]

    def element(self, name: str, index: int, start: int = 1, end: int | None = None) -> tuple[int, int]:
        """The span [first, next) of the ``index``-th ``[[name]]`` element in [start, end)."""
        heads = self.headers(name, start, end)
        if index >= len(heads):
            return start, end or self.end
        first = heads[index]
        others = [n for n in self.headers_any(first + 1, end) if n > first]
        return first, (others[0] if others else end or self.end)

    def headers_any(self, start: int = 1, end: int | None = None) -> list[int]:
        """Lines of any table header in [start, end)."""
        rx = re.compile(r"^\s*\[")
        return [
            n
            for n in range(max(start, 1), min(end or self.end, self.end))
            if rx.match(self.lines[n - 1]) and not self.lines[n - 1].lstrip().startswith("[[tables.panels]]")
        ]

    def key(self, key: str, start: int = 1, end: int | None = None) -> int | None:
        """The line where ``key = …`` is written (as a line of its own or inside an inline table)."""
        quoted = re.escape(key) if re.fullmatch(r"[A-Za-z0-9_-]+", key) else '"' + re.escape(key) + '"'
        return self.find(r"(^|[\s{,])" + quoted + r"\s*=", start, end)

    def value(self, key: str, value: str, start: int = 1, end: int | None = None) -> int | None:
        """The line where ``key = "value"`` is written."""
        return self.find(r"(^|[\s{,])" + re.escape(key) + r'\s*=\s*"' + re.escape(value) + '"', start, end)
