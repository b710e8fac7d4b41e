"""A worksheet's XML trimmed to its extent before the streaming reader's parser sees it.

The streaming reader calls Python for every element; a sheet of five million stray cells would cost
tens of seconds and gigabytes. ``SheetTrim`` passes the sheet's bytes through in chunks and hands on
only the rows and columns inside the sheet's extent (``extent.py``): rows are ascending in a
worksheet and cells ascending within a row, so the first row below the extent ends the read rows, and
the first cell right of it ends its row. What is cut is only counted, with ``bytes.count`` (C speed):
cells holding a value, formulas, and the first such cell. Python-level work is bounded by the
extent, whatever the size of the sheet.

Markup the trim does not expect (a row or cell start inside CDATA or a comment) at worst cuts in the
wrong place; the parser then refuses the XML, and the file is reported unreadable — never misread
silently beyond that, and never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..layout.a1 import MAX_ROW, column_index
from .extent import Beyond, Extent

_ROW_START = re.compile(rb"<((?:[A-Za-z_][\w.\-]*:)?)row[\s/>]")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)(\d+)["']""")
_PASS, _IN_ROW, _SKIP_ROW, _SKIP_ALL, _DONE = range(5)


class SheetTrim:
    """Feed a worksheet's XML in chunks; get back the XML of its extent, and ``beyond``: the count."""

    def __init__(self, extent: Extent) -> None:
        self.extent = extent
        self.beyond = Beyond()
        self.state = _PASS
        self.row = 0  # the current (or last) row's number
        self.col = 0  # the current (or last) cell's column
        self.buf = b""
        self.prefix: bytes | None = None  # the document's namespace prefix of row/c ("x:" or "")
        self._cell = re.compile(rb"<c[\s/>]")
        self._row_end = b"</row>"
        self._data_end = b"</sheetData>"
        self._values = (b"</c>",)  # a cell that closes apart holds something (a value, a formula, text)
        self._formulas = (b"<f",)  # (the only element of a row's cells whose name starts with f)
        self._last_cell: bytes | None = None  # the start tag of the last cell seen in a cut region

    def _learn_prefix(self, prefix: bytes) -> None:
        if self.prefix is not None:
            return
        self.prefix = p = prefix
        self._cell = re.compile(b"<" + re.escape(p) + rb"c[\s/>]")
        self._row_end, self._data_end = b"</" + p + b"row>", b"</" + p + b"sheetData>"
        self._values = (b"</" + p + b"c>",)
        self._formulas = (b"<" + p + b"f",)

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        """The part of ``self.buf + chunk`` that can be handed on now; the rest waits for the next chunk."""
        buf = self.buf + chunk if self.buf else chunk
        out: list[bytes] = []
        p = 0
        end = len(buf)
        while p < end:
            if self.state == _DONE:
                out.append(buf[p:])
                p = end
                break
            if self.state == _PASS:
                m = _ROW_START.search(buf, p)
                if m is None:
                    safe = _safe(buf, p, final)
                    out.append(buf[p:safe])
                    p = safe
                    break
                tag = _start_tag(buf, m.start(), final)
                if tag is None:
                    out.append(buf[p : m.start()])
                    p = m.start()
                    break
                self._learn_prefix(m.group(1))
                r = _R_ATTR.search(tag)
                self.row, self.col = (int(r.group(2)) if r else self.row + 1), 0
                if self.row > MAX_ROW:
                    raise ValueError(f"第 {self.row} 行超出了工作表的 {MAX_ROW} 行")
                if self.row > self.extent.rows:
                    out.append(buf[p : m.start()])
                    p, self.state = m.start(), _SKIP_ALL
                    continue
                stop = m.start() + len(tag)
                out.append(buf[p:stop])
                p = stop
                if not tag.rstrip().endswith(b"/>"):
                    self.state = _IN_ROW
                continue
            if self.state == _IN_ROW:
                row_end = buf.find(self._row_end, p)
                m = self._cell.search(buf, p, row_end if row_end >= 0 else end)
                if m is None:
                    if row_end >= 0:
                        stop = row_end + len(self._row_end)
                        out.append(buf[p:stop])
                        p, self.state = stop, _PASS
                        continue
                    safe = _safe(buf, p, final)
                    out.append(buf[p:safe])
                    p = safe
                    break
                tag = _start_tag(buf, m.start(), final)
                if tag is None:
                    out.append(buf[p : m.start()])
                    p = m.start()
                    break
                r = _R_ATTR.search(tag)
                self.col = column_index(r.group(1).decode()) if r and r.group(1) else self.col + 1
                if self.col > self.extent.cols:
                    out.append(buf[p : m.start()])
                    p, self.state = m.start(), _SKIP_ROW
                    continue
                stop = m.start() + len(tag)
                out.append(buf[p:stop])
                p = stop
                continue
            # _SKIP_ROW or _SKIP_ALL: count up to the row's (or the sheet data's) end, then hand that on
            closing = self._row_end if self.state == _SKIP_ROW else self._data_end
            e = buf.find(closing, p)
            if e < 0:
                safe = _safe(buf, p, final)
                self._count(buf, p, safe)
                p = safe
                break
            self._count(buf, p, e)
            if self.state == _SKIP_ROW:
                stop = e + len(closing)
                out.append(buf[e:stop])
                p, self.state = stop, _PASS
            else:
                p, self.state = e, _DONE
        self.buf = buf[p:] if p < end else b""
        return b"".join(out)

    def _count(self, buf: bytes, start: int, stop: int) -> None:
        if stop <= start:
            return
        b = self.beyond
        values = sum(buf.count(v, start, stop) for v in self._values)
        # an "f" byte is rare in cells of numbers (references are upper case): counting one byte is
        # several times quicker than counting "<f", which is only needed where an "f" is
        formulas = sum(buf.count(f, start, stop) for f in self._formulas) if buf.count(b"f", start, stop) else 0
        b.cells += values
        b.formulas += formulas
        if b.first is not None:
            return
        if values:  # the cell that holds the first value or formula
            at = buf.find(self._values[0], start, stop)
            b.first = self._coordinate(self._cell_before(buf, start, at) or self._last_cell)
        else:  # a region of empty cells: remember the last, in case its value comes in the next chunk
            self._last_cell = self._cell_before(buf, start, stop) or self._last_cell

    def _cell_before(self, buf: bytes, start: int, stop: int, tries: int = 64) -> bytes | None:
        """The start tag of the last cell opening in buf[start:stop] (looked for among its last tags)."""
        i = stop
        for _ in range(tries):
            i = buf.rfind(b"<", start, i)
            if i < 0:
                return None
            if self._cell.match(buf, i):
                gt = buf.find(b">", i)
                return buf[i : gt + 1 if gt >= 0 else len(buf)]
        return None

    def _coordinate(self, tag: bytes | None) -> str | None:
        r = _R_ATTR.search(tag) if tag else None
        if r is None or not r.group(1):
            return None
        return r.group(1).decode().upper() + r.group(2).decode()


def _start_tag(buf: bytes, start: int, final: bool) -> bytes | None:
    """The start tag opening at ``start`` (to the buffer's end when it is the last piece), or None while
    its end is still to come."""
    gt = buf.find(b">", start)
    if gt < 0:
        return buf[start:] if final else None
    return buf[start : gt + 1]


def _safe(buf: bytes, p: int, final: bool) -> int:
    """How far from ``p`` the buffer can be handed on or counted: to its end in the last piece, else to
    its last "<" (an element there may be incomplete)."""
    return len(buf) if final else max(p, buf.rfind(b"<", p))


def trimmed(chunks: Iterable[bytes], extent: Extent, beyond: Beyond) -> Iterator[bytes]:
    """The XML of ``chunks`` within ``extent``; what is cut is added to ``beyond``."""
    trim = SheetTrim(extent)
    trim.beyond = beyond
    for chunk in chunks:
        piece = trim.feed(chunk)
        if piece:
            yield piece
    piece = trim.feed(b"", final=True)
    if piece:
        yield piece


__all__ = ["SheetTrim", "trimmed"]
