"""Parse the relation language of the rule files into :mod:`xlreport.rules.expr` trees (no ``eval``).

Grammar (whitespace is free)::

    relation := expr [("=" | "<=" | ">=") expr]
    expr     := term (("+" | "-") term)*
    term     := unary (("*" | "/") unary)*
    unary    := "-" unary | primary
    primary  := NUMBER | STRING | "(" expr ")" | call | ref
    call     := NAME "(" [arg ("," arg)*] ")"      sum min max abs round if and or sumif countif scorecard grade band
    cond     := expr CMP expr | and(...) | or(...)  (inside if/and/or; CMP is = <> < <= > >=)
    ref      := TABLE "[" rows "]" "." cols
    rows     := KEY [":" KEY] | "@" NAME            a row, a range in layout order, or a named group
    cols     := KEY [":" KEY]                       a column or a range in layout order
    TABLE    := NAME ["*"]                          ``S*`` means every scorecard

``scorecard("execution_weight")`` and ``scorecard("weights", "产出指标")`` are the edition's scoring
parameters, ``grade(x)`` the grade of score ``x`` by the edition's grade bounds (nested ifs, high to
low), ``band("low", x)`` / ``band("high", x)`` the bounds (percent of the weight) of the qualitative
band whose name text ``x`` is (0 / 100 for any other text); the resolver supplies them, so that a rule
file never repeats a number of the edition.

A reference that names several cells (a range or a group) stands for their sum, except as an
argument of min/max/sumif, where it gives one argument per cell. Ranges and groups are expanded
when the rule is instantiated against a layout, through a :class:`Resolver`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from ..errors import EditionError
from ..model.values import CellRef
from .expr import BoolOp, Compare, Div, Expr, Func, If, Linear, Mul, Num, Ref, Text


class RuleSyntaxError(EditionError, ValueError):
    """A relation in a rule file that does not parse (an invalid edition)."""


class Resolver(Protocol):
    def tables(self, name: str) -> list[str]: ...

    def ref(self, cell: CellRef) -> Expr: ...

    def rows(self, table: str, spec: str) -> list[str]: ...

    def cols(self, table: str, row: str, spec: str) -> list[str]: ...

    def parameter(self, name: str, key: str | None) -> Decimal: ...

    def grades(self) -> tuple[tuple[Decimal, str], ...]: ...

    def bands(self) -> dict[str, tuple[Decimal, Decimal]]: ...


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*\*?)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<op><=|>=|<>|[-+*/()\[\].,:@=<>])
)""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int


@lru_cache(maxsize=8192)
def _tokenize(text: str) -> tuple[_Tok, ...]:
    """The tokens of a rule text; cached: every shape instantiates the same texts (a batch of returns, the
    units of a consolidation), and tokens are immutable."""
    out: list[_Tok] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise RuleSyntaxError(f"unexpected character at {pos}: {text[pos : pos + 10]!r} in {text!r}")
        kind = m.lastgroup or "op"
        out.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return tuple(out)


class _Many:
    """Several cells named by one reference (range, group or S*)."""

    def __init__(self, refs: list[Expr]) -> None:
        self.refs = refs

    def as_expr(self) -> Expr:
        if len(self.refs) == 1:
            return self.refs[0]
        return Linear(tuple((1, r) for r in self.refs))


class _Parser:
    def __init__(self, text: str, resolver: Resolver) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.resolver = resolver

    # -- token helpers
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, text: str | None = None, kind: str | None = None) -> _Tok:
        tok = self.toks[self.i]
        if (text is not None and tok.text != text) or (kind is not None and tok.kind != kind):
            want = text or kind
            raise RuleSyntaxError(f"expected {want!r} at {tok.pos}, found {tok.text!r} in {self.text!r}")
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        if self.peek().text == text and self.peek().kind in ("op", "name"):
            self.i += 1
            return True
        return False

    # -- grammar
    def relation(self) -> tuple[Expr, str | None, Expr | None]:
        left = self.expr()
        tok = self.peek()
        if tok.text in ("=", "<=", ">="):
            self.i += 1
            right = self.expr()
            self.take(kind="end")
            return left, tok.text, right
        self.take(kind="end")
        return left, None, None

    def expr(self) -> Expr:
        terms: list[tuple[int, Expr]] = [(1, self.term())]
        while self.peek().text in ("+", "-"):
            sign = 1 if self.take().text == "+" else -1
            terms.append((sign, self.term()))
        if len(terms) == 1 and terms[0][0] == 1:
            return terms[0][1]
        flat: list[tuple[int, Expr]] = []
        for w, e in terms:  # a+b+c is one Linear, not nested pairs
            if isinstance(e, Linear) and w == 1 and all(isinstance(x, Ref) for _, x in e.terms):
                flat.extend(e.terms)
            else:
                flat.append((w, e))
        return Linear(tuple(flat))

    def term(self) -> Expr:
        left = self.unary()
        while self.peek().text in ("*", "/"):
            op = self.take().text
            right = self.unary()
            left = Mul(left, right) if op == "*" else Div(left, right)
        return left

    def unary(self) -> Expr:
        if self.peek().text == "-" and self.peek().kind == "op":
            self.i += 1
            inner = self.unary()
            if isinstance(inner, Num):
                return Num(-inner.value)
            return Linear(((-1, inner),))
        return self.value(self.primary())

    def value(self, p: Expr | _Many) -> Expr:
        return p.as_expr() if isinstance(p, _Many) else p

    def primary(self) -> Expr | _Many:
        tok = self.peek()
        if tok.kind == "num":
            self.i += 1
            return Num(Decimal(tok.text))
        if tok.kind == "str":
            self.i += 1
            return Text(tok.text[1:-1].replace('""', '"'))
        if tok.text == "(":
            self.i += 1
            inner = self.expr()
            self.take(")")
            return inner
        if tok.kind == "name":
            nxt = self.toks[self.i + 1]
            if nxt.text == "(":
                return self.call()
            if nxt.text == "[":
                return self.ref()
        raise RuleSyntaxError(f"unexpected {tok.text!r} at {tok.pos} in {self.text!r}")

    def args(self) -> list[Expr | _Many]:
        self.take("(")
        out: list[Expr | _Many] = []
        if self.peek().text != ")":
            out.append(self.arg())
            while self.accept(","):
                out.append(self.arg())
        self.take(")")
        return out

    def arg(self) -> Expr | _Many:
        start = self.i
        tok = self.peek()
        # a bare multi-cell reference keeps its cells apart (for min/max/sumif)
        if tok.kind == "name" and self.toks[self.i + 1].text == "[":
            p = self.ref()
            if self.peek().text in (",", ")"):
                return p
            self.i = start
        left = self.expr()
        if self.peek().text in ("=", "<>", "<", "<=", ">", ">="):
            op = self.take().text
            return Compare(op, left, self.expr())
        return left

    def call(self) -> Expr | _Many:
        name = self.take(kind="name").text.lower()
        args = self.args()

        def flat() -> list[Expr]:
            out: list[Expr] = []
            for a in args:
                out.extend(a.refs if isinstance(a, _Many) else [a])
            return out

        if name == "sum":
            terms: list[tuple[int, Expr]] = []
            for e in flat():
                terms.extend(e.terms if isinstance(e, Linear) and all(w == 1 for w, _ in e.terms) else [(1, e)])
            return Linear(tuple(terms))
        if name in ("min", "max", "abs", "round"):
            return Func(name.upper(), tuple(flat()))
        if name == "if":
            if len(args) != 3:
                raise RuleSyntaxError(f"if() takes 3 arguments in {self.text!r}")
            c, a, b = (self.value(x) for x in args)
            return If(c, a, b)
        if name in ("and", "or"):
            return BoolOp(name.upper(), tuple(flat()))
        if name == "countif":
            if len(args) != 2 or not isinstance(args[0], _Many):
                raise RuleSyntaxError(f"countif(cells, value) in {self.text!r}")
            wanted = self.value(args[1])
            one, zero = Num(Decimal(1)), Num(Decimal(0))
            return Linear(tuple((1, If(Compare("=", k, wanted), one, zero)) for k in args[0].refs))
        if name == "sumif":
            if len(args) != 3 or not isinstance(args[0], _Many) or not isinstance(args[2], _Many):
                raise RuleSyntaxError(f"sumif(cells, value, cells) in {self.text!r}")
            keys, wanted, values = args[0].refs, self.value(args[1]), args[2].refs
            if len(keys) != len(values):
                raise RuleSyntaxError(f"sumif ranges differ in length in {self.text!r}")
            zero = Num(Decimal(0))
            return Linear(tuple((1, If(Compare("=", k, wanted), v, zero)) for k, v in zip(keys, values, strict=True)))
        if name == "scorecard":
            return Num(self.resolver.parameter(*self._words(args, 1, 2)))
        if name == "grade":
            if len(args) != 1:
                raise RuleSyntaxError(f"grade(score) in {self.text!r}")
            return self._grade(self.value(args[0]))
        if name == "band":
            if len(args) != 2 or not isinstance(args[0], Text) or args[0].value not in ("low", "high"):
                raise RuleSyntaxError(f'band("low" | "high", text) in {self.text!r}')
            return self._band(args[0].value == "high", self.value(args[1]))
        raise RuleSyntaxError(f"unknown function {name!r} in {self.text!r}")

    def _band(self, high: bool, text: Expr) -> Expr:
        out: Expr = Num(Decimal(100 if high else 0))
        for band, (low, top) in reversed(self.resolver.bands().items()):
            out = If(Compare("=", text, Text(band)), Num(top if high else low), out)
        return out

    def _words(self, args: list[Expr | _Many], least: int, most: int) -> tuple[str, str | None]:
        """The string arguments of scorecard(name[, key])."""
        if not least <= len(args) <= most or not all(isinstance(a, Text) for a in args):
            raise RuleSyntaxError(f'scorecard("name"[, "key"]) in {self.text!r}')
        words = [a.value for a in args if isinstance(a, Text)]
        return words[0], (words[1] if len(words) > 1 else None)

    def _grade(self, score: Expr) -> Expr:
        grades = self.resolver.grades()
        if not grades:
            raise RuleSyntaxError(f"grade() without grades in the edition, in {self.text!r}")
        out: Expr = Text(grades[-1][1])
        for bound, grade in reversed(grades[:-1]):
            out = If(Compare(">=", score, Num(bound)), Text(grade), out)
        return out

    def key(self) -> str:
        tok = self.peek()
        if tok.kind not in ("name", "num"):
            raise RuleSyntaxError(f"expected a key at {tok.pos} in {self.text!r}")
        self.i += 1
        return tok.text

    def ref(self) -> _Many:
        table = self.take(kind="name").text
        self.take("[")
        if self.accept("@"):
            row_spec = "@" + self.key()
        else:
            row_spec = self.key()
            if self.accept(":"):
                row_spec += ":" + self.key()
        self.take("]")
        self.take(".")
        col_spec = self.key()
        if self.accept(":"):
            col_spec += ":" + self.key()
        refs: list[Expr] = []
        for t in self.resolver.tables(table):
            for r in self.resolver.rows(t, row_spec):
                for c in self.resolver.cols(t, r, col_spec):
                    refs.append(self.resolver.ref(CellRef(t, r, c)))
        return _Many(refs)


def parse_relation(text: str, resolver: Resolver) -> tuple[Expr, str | None, Expr | None]:
    """``lhs op rhs`` → (lhs, op, rhs); a bare expression gives (expr, None, None)."""
    return _Parser(text, resolver).relation()


def parse_expr(text: str, resolver: Resolver) -> Expr:
    expr, op, _ = parse_relation(text, resolver)
    if op is not None:
        raise RuleSyntaxError(f"expected an expression, got a relation: {text!r}")
    return expr
