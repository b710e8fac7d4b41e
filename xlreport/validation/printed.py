"""What a derived cell prints: its kept value, or — in a file that kept none — its formula as written,
evaluated over the cells as they are (an inserted row, a narrowed range, a number typed beside the table).

Only the arithmetic the writer emits and a clerk's edits of it are understood (+ − × ÷, SUM over cells and
ranges, numbers, parentheses, and the blank form's guard ``IF(COUNT(cells)=0,"",…)``); any other formula prints
what nobody here can tell (None).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from ..layout.a1 import range_bounds

Lookup = Callable[[str, int, int], Decimal | None]  # (sheet, 0-based row, 0-based col) → value (None: unknown)

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)"
    r"|(?P<ref>(?:(?:'(?:[^']|'')+'|[^\s'!:(),+\-*/]+)!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)"
    r"|(?P<fn>SUM)\s*\(|(?P<op>[-+*/(),]))",
    re.I,
)


# A blank form's guard: blank until one of the cells holds a number. Where it prints blank, the arithmetic
# inside prints 0 over the same blank cells, which compares alike with an expected blank; so the guard is
# evaluated as what it guards.
_GUARD = re.compile(r'^\s*IF\(COUNT\([^()]*\)\s*=\s*0\s*,\s*""\s*,(?P<body>.*)\)\s*$', re.I | re.S)


class Unsupported(Exception):
    """A formula this evaluator does not understand."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise Unsupported(text)
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind) if kind != "fn" else "SUM"))
        pos = m.end()
    return out


def evaluate(formula: str, home: str, lookup: Lookup) -> Decimal | None:
    """The value of ``formula`` (without "=") on sheet ``home``; None when some cell it reads is unknown."""
    guarded = _GUARD.match(formula)
    tokens = _tokens(guarded.group("body") if guarded else formula)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise Unsupported(formula)
        pos += 1
        return tokens[pos - 1]

    def cells(ref: str) -> list[Decimal | None]:
        sheet, _, area = ref.rpartition("!")
        sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else (sheet or home)
        try:
            r1, c1, r2, c2 = range_bounds(area)
        except ValueError:
            raise Unsupported(ref) from None
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 100_000:
            raise Unsupported(ref)
        return [lookup(sheet, r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    def total(values: list[Decimal | None]) -> Decimal | None:
        return None if any(v is None for v in values) else sum(values, Decimal(0))  # type: ignore[arg-type]

    def factor() -> Decimal | None:
        kind, text = take()
        if kind == "num":
            return Decimal(text)
        if kind == "ref":
            found = cells(text)
            if len(found) != 1:
                raise Unsupported(text)
            return found[0]
        if kind == "fn":
            parts: list[Decimal | None] = []
            while True:
                nxt = peek()
                if nxt == ("op", ")"):
                    take()
                    break
                if nxt is not None and nxt[0] == "ref" and pos + 1 < len(tokens) and tokens[pos + 1][1] in ",)":
                    parts.append(total(cells(take()[1])))
                else:
                    parts.append(expr())
                if peek() == ("op", ","):
                    take()
            return total(parts)
        if (kind, text) == ("op", "("):
            value = expr()
            if take() != ("op", ")"):
                raise Unsupported(formula)
            return value
        if (kind, text) == ("op", "-"):
            value = factor()
            return None if value is None else -value
        if (kind, text) == ("op", "+"):
            return factor()
        raise Unsupported(formula)

    def term() -> Decimal | None:
        value = factor()
        while peek() in (("op", "*"), ("op", "/")):
            op = take()[1]
            right = factor()
            if value is None or right is None:
                value = None
            elif op == "*":
                value = value * right
            else:
                try:
                    value = value / right
                except (ZeroDivisionError, InvalidOperation):
                    raise Unsupported(formula) from None
        return value

    def expr() -> Decimal | None:
        value = term()
        while peek() in (("op", "+"), ("op", "-")):
            op = take()[1]
            right = term()
            value = None if value is None or right is None else (value + right if op == "+" else value - right)
        return value

    result = expr()
    if pos != len(tokens):
        raise Unsupported(formula)
    return result
