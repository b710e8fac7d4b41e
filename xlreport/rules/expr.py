"""The one expression form for every relation xlreport knows.

An expression is a small immutable tree. The same tree is

* evaluated over a report in exact ``Decimal`` arithmetic (:meth:`Expr.evaluate`), and
* rendered as an Excel formula once the writer knows where each cell is (:meth:`Expr.render`).

Neither the writer nor the validator writes a relation of its own: both walk these trees.
Rendered formulas use only SUM, IF, ROUND, ABS, MIN, MAX, AND, OR and arithmetic, so that
Excel, WPS and LibreOffice compute them alike.

Blank semantics follow the spreadsheet: a blank cell (``None``) counts as 0 in arithmetic and
compares equal to 0 and to "". A division by zero is undefined (:class:`Undefined`), as in Excel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..model.values import CellRef, Value, is_class_code

Env = Callable[[CellRef], Value]
Locate = Callable[[CellRef], str]


class Undefined(Exception):
    """The expression has no value for these data (a division by zero)."""


def _num(v: Value) -> Decimal:
    if v is None:
        return Decimal(0)
    if isinstance(v, Decimal):
        return v
    try:  # numeric text inside a formula, as the spreadsheet would coerce it
        return Decimal(v.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise Undefined(f"text {v!r} in arithmetic") from None


class Expr:
    """Base of the expression tree."""

    __slots__ = ()

    def evaluate(self, env: Env) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, locate: Locate) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def children(self) -> tuple[Expr, ...]:
        return ()

    def refs(self) -> Iterator[CellRef]:
        """Every cell the expression reads, in order (with repeats)."""
        for child in self.children():
            yield from child.refs()

    def number(self, env: Env) -> Decimal:
        return _num(self.evaluate(env))


@dataclass(frozen=True, slots=True)
class Ref(Expr):
    cell: CellRef

    def evaluate(self, env: Env) -> Value:
        return env(self.cell)

    def render(self, locate: Locate) -> str:
        return locate(self.cell)

    def refs(self) -> Iterator[CellRef]:
        yield self.cell


@dataclass(frozen=True, slots=True)
class Num(Expr):
    value: Decimal

    def evaluate(self, env: Env) -> Value:
        return self.value

    def render(self, locate: Locate) -> str:
        text = format(self.value.normalize(), "f")
        return text if self.value >= 0 else f"({text})"


@dataclass(frozen=True, slots=True)
class Text(Expr):
    value: str

    def evaluate(self, env: Env) -> Value:
        return self.value

    def render(self, locate: Locate) -> str:
        return '"' + self.value.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Linear(Expr):
    """Σ wᵢ·eᵢ with integer weights (+1/−1 in practice): sums, differences, subtotals."""

    terms: tuple[tuple[int, Expr], ...]

    def children(self) -> tuple[Expr, ...]:
        return tuple(e for _, e in self.terms)

    def evaluate(self, env: Env) -> Value:
        total = Decimal(0)
        for w, e in self.terms:
            total += w * e.number(env)
        return total

    def render(self, locate: Locate) -> str:
        if not self.terms:
            return "0"
        # Runs of positive plain references become SUM(...) of their addresses; the writer's
        # ``locate`` may merge contiguous addresses into ranges (see render_sum_args).
        parts: list[str] = []
        positives = [e for w, e in self.terms if w == 1 and isinstance(e, Ref)]
        others = [(w, e) for w, e in self.terms if not (w == 1 and isinstance(e, Ref))]
        if len(positives) >= 2:
            parts.append("SUM(" + render_sum_args([e.cell for e in positives], locate) + ")")
        elif positives:
            parts.append(positives[0].render(locate))
        for w, e in others:
            inner = e.render(locate)
            if isinstance(e, Linear) and len(e.terms) > 1:
                inner = f"({inner})"
            sign = "+" if w > 0 else "-"
            factor = "" if abs(w) == 1 else f"{abs(w)}*"
            parts.append(f"{sign}{factor}{inner}")
        text = "".join(parts)
        return text[1:] if text.startswith("+") else (text if not text.startswith("-") else "0" + text)


def map_cells(expr: Expr, move: Callable[[CellRef], CellRef]) -> Expr:
    """``expr`` with every cell it reads replaced by ``move(cell)``; subtrees whose cells all stay are
    shared, not copied. (A copy is made field by field, without ``__init__``: only cells change, and the
    tree was checked when it was built; a department's 2,000 scorecards rename some 800,000 nodes.)"""
    kind = type(expr)
    if kind is Ref:
        cell = move(expr.cell)  # type: ignore[attr-defined]
        return expr if cell is expr.cell else Ref(cell)  # type: ignore[attr-defined]
    if kind is Num or kind is Text:
        return expr
    if kind is Linear:
        terms = expr.terms  # type: ignore[attr-defined]
        moved_terms = tuple((w, map_cells(e, move)) for w, e in terms)
        same = all(a[1] is b[1] for a, b in zip(moved_terms, terms, strict=True))
        return expr if same else Linear(moved_terms)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in fields(expr))  # type: ignore[arg-type]
    changed = None
    for name in names:
        value = getattr(expr, name)
        moved = _moved(value, move)
        if moved is not value:
            if changed is None:
                changed = object.__new__(kind)
                for n in names:
                    object.__setattr__(changed, n, getattr(expr, n))
            object.__setattr__(changed, name, moved)
    return expr if changed is None else changed


def _moved(value: object, move: Callable[[CellRef], CellRef]) -> object:
    if isinstance(value, Expr):
        return map_cells(value, move)
    if isinstance(value, CellRef):
        return move(value)
    if isinstance(value, tuple):
        items = tuple(_moved(v, move) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}  # an expression class's fields, in order (dataclasses.fields is slow)


def render_sum_args(cells: list[CellRef], locate: Locate) -> str:
    """Addresses for SUM(): the locator may offer ``locate.range`` to merge contiguous cells."""
    merge = getattr(locate, "ranges", None)
    if merge is not None:
        return ",".join(merge(cells))
    return ",".join(locate(c) for c in cells)


@dataclass(frozen=True, slots=True)
class Mul(Expr):
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def evaluate(self, env: Env) -> Value:
        return self.left.number(env) * self.right.number(env)

    def render(self, locate: Locate) -> str:
        return f"{_paren(self.left, locate)}*{_paren(self.right, locate)}"


@dataclass(frozen=True, slots=True)
class Div(Expr):
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def evaluate(self, env: Env) -> Value:
        den = self.right.number(env)
        if den == 0:
            raise Undefined("division by zero")
        return self.left.number(env) / den

    def render(self, locate: Locate) -> str:
        return f"{_paren(self.left, locate)}/{_paren(self.right, locate)}"


def _paren(e: Expr, locate: Locate) -> str:
    text = e.render(locate)
    if isinstance(e, (Linear, Mul, Div)) and not (isinstance(e, Linear) and len(e.terms) == 1 and e.terms[0][0] == 1):
        return f"({text})"
    return text


_FUNCS = {"MIN", "MAX", "ABS", "ROUND"}


@dataclass(frozen=True, slots=True)
class Func(Expr):
    name: str  # MIN, MAX, ABS, ROUND
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.name not in _FUNCS:
            raise ValueError(f"unknown function {self.name}")
        if self.name == "ABS" and len(self.args) != 1:
            raise ValueError("ABS takes one argument")
        if self.name == "ROUND" and len(self.args) != 2:
            raise ValueError("ROUND takes two arguments")
        if self.name in ("MIN", "MAX") and not self.args:
            raise ValueError(f"{self.name} needs arguments")

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def evaluate(self, env: Env) -> Value:
        nums = [a.number(env) for a in self.args]
        if self.name == "MIN":
            return min(nums)
        if self.name == "MAX":
            return max(nums)
        if self.name == "ABS":
            return abs(nums[0])
        digits = int(nums[1])
        return nums[0].quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)

    def render(self, locate: Locate) -> str:
        return f"{self.name}(" + ",".join(a.render(locate) for a in self.args) + ")"


_CMP = {"=", "<>", "<", "<=", ">", ">="}


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in _CMP:
            raise ValueError(f"unknown comparison {self.op}")

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def truth(self, env: Env) -> bool:
        a, b = self.left.evaluate(env), self.right.evaluate(env)
        if isinstance(a, str) or isinstance(b, str):
            sa, sb = ("" if a is None else str(a)), ("" if b is None else str(b))
            return _apply(self.op, sa, sb)
        return _apply(self.op, _num(a), _num(b))

    def evaluate(self, env: Env) -> Value:
        return Decimal(1) if self.truth(env) else Decimal(0)

    def render(self, locate: Locate) -> str:
        return f"{self.left.render(locate)}{self.op}{self.right.render(locate)}"


def _apply(op: str, a: object, b: object) -> bool:
    if op == "=":
        return a == b
    if op == "<>":
        return a != b
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class BoolOp(Expr):
    op: str  # AND, OR
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def truth(self, env: Env) -> bool:
        values = (_truth(a, env) for a in self.args)
        return all(values) if self.op == "AND" else any(values)

    def evaluate(self, env: Env) -> Value:
        return Decimal(1) if self.truth(env) else Decimal(0)

    def render(self, locate: Locate) -> str:
        return f"{self.op}(" + ",".join(a.render(locate) for a in self.args) + ")"


def _truth(e: Expr, env: Env) -> bool:
    if isinstance(e, (Compare, BoolOp)):
        return e.truth(env)
    return _num(e.evaluate(env)) != 0


@dataclass(frozen=True, slots=True)
class If(Expr):
    cond: Expr
    then: Expr
    other: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.cond, self.then, self.other)

    def evaluate(self, env: Env) -> Value:
        return self.then.evaluate(env) if _truth(self.cond, env) else self.other.evaluate(env)

    def render(self, locate: Locate) -> str:
        return f"IF({self.cond.render(locate)},{self.then.render(locate)},{self.other.render(locate)})"


def sum_of(cells: list[CellRef]) -> Linear:
    return Linear(tuple((1, Ref(c)) for c in cells))


def single_ref(e: Expr) -> CellRef | None:
    """The cell when ``e`` is exactly one reference (possibly wrapped in a one-term sum)."""
    if isinstance(e, Ref):
        return e.cell
    if isinstance(e, Linear) and len(e.terms) == 1 and e.terms[0][0] == 1 and isinstance(e.terms[0][1], Ref):
        return e.terms[0][1].cell
    return None


def linear_terms(e: Expr) -> list[tuple[int, Expr]] | None:
    """The flattened weighted terms of a purely linear expression, else None (for the interval bound)."""
    if isinstance(e, (Ref, Num)):
        return [(1, e)]
    if isinstance(e, Linear):
        out: list[tuple[int, Expr]] = []
        for w, sub in e.terms:
            inner = linear_terms(sub)
            if inner is None:
                return None
            out.extend((w * w2, s) for w2, s in inner)
        return out
    return None


@dataclass(frozen=True, slots=True)
class CodeLookup(Expr):
    """Σ of the value cells of rows whose code cell holds ``code`` (``None``: any 3-digit 类 code).

    What a template's empty code rows contribute to a total, whatever code a person types there.
    Renders as IF(code="201",value,0)+… (or IF(LEN(code)=3,value,0)+…).
    """

    code: str | None
    rows: tuple[tuple[CellRef, CellRef], ...]  # (code cell, value cell)

    def refs(self) -> Iterator[CellRef]:
        for code_cell, value_cell in self.rows:
            yield code_cell
            yield value_cell

    def _matches(self, text: Value) -> bool:
        code = "" if text is None else str(text).strip()
        if self.code is None:
            return is_class_code(code)
        return code == self.code

    def evaluate(self, env: Env) -> Value:
        total = Decimal(0)
        for code_cell, value_cell in self.rows:
            if self._matches(env(code_cell)):
                total += _num(env(value_cell))
        return total

    def render(self, locate: Locate) -> str:
        if not self.rows:
            return "0"
        parts = []
        for code_cell, value_cell in self.rows:
            c, v = locate(code_cell), locate(value_cell)
            cond = f"LEN({c})=3" if self.code is None else f'{c}="{self.code}"'
            parts.append(f"IF({cond},{v},0)")
        return "(" + "+".join(parts) + ")"
