"""How exactly a relation must hold (DOMAIN.md §3, rounding), decided and rendered by one object.

A value printed with d decimals stands for [v − ½·10⁻ᵈ, v + ½·10⁻ᵈ]. A linear relation
T = Σ wᵢvᵢ between printed values holds when some true values inside those intervals satisfy it:
|Σ wᵢvᵢ − T| ≤ ½·10^-d_T + Σ |wᵢ|·½·10^-dᵢ. Blank cells are exact zeros and add nothing.
Data in 元, typed to the cent, are exact: the bound is 0.

:class:`RoundingRule` is the one place a check's verdict is decided: the validator calls
:meth:`RoundingRule.evaluate` on ``Decimal`` values, the writer's 审核 sheet shows the formula
:meth:`RoundingRule.render` makes of the same decision. Both sides compare the difference rounded
to ``decimals + 2`` places (a spreadsheet's sum of cents carries binary noise far below that)
with a bound that is exact at that precision, so the spreadsheet's verdict equals the validator's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from ..editions.spec import SEVERITY_LABEL, Tolerance
from .expr import CellRef, Env, Expr, Locate, Ref, Text, Undefined, Value, _num, linear_terms, single_ref

if TYPE_CHECKING:
    from .instantiate import Check

Status = Literal["pass", "rounding", "fail", "n/a"]

PASS_LABEL, ROUNDING_LABEL = "通过", "尾差"
FAIL_LABELS = SEVERITY_LABEL  # a failed check shows its rule's severity, in the words every output uses
RELATION_LABELS = {"=": "=", "<=": "≤", ">=": "≥", "empty": "空⇒空"}


def half_unit(decimals: int) -> Decimal:
    return Decimal(5).scaleb(-(decimals + 1))


def _leaf_weights(lhs: Expr, rhs: Expr, derived: Mapping[CellRef, Expr] | None) -> dict[CellRef, int] | None:
    """Every printed cell of ``lhs = rhs`` with its weight Σ|wᵢ| (None when the relation is not linear).

    A cell in ``derived`` was not printed but computed by a formula from other cells: its uncertainty
    is that of the cells it sums, so it is expanded into them (a total recomputed from rounded parts
    carries all their rounding).
    """
    weights: dict[CellRef, int] = {}

    def add(expr: Expr, factor: int, depth: int = 0) -> bool:
        terms = linear_terms(expr)
        if terms is None or depth > 50:
            return False
        for w, term in terms:
            if not isinstance(term, Ref):
                continue
            sub = derived.get(term.cell) if derived is not None else None
            if sub is not None:
                if not add(sub, factor * w, depth + 1):
                    return False
            else:
                weights[term.cell] = weights.get(term.cell, 0) + abs(factor * w)
        return True

    if not (add(lhs, 1) and add(rhs, 1)):
        return None
    return weights


def interval_bound(
    lhs: Expr, rhs: Expr, env: Env, decimals: int, derived: Mapping[CellRef, Expr] | None = None
) -> Decimal | None:
    """The interval-rule bound of ``lhs = rhs`` (None when the relation is not linear): blank cells
    add nothing."""
    weights = _leaf_weights(lhs, rhs, derived)
    if weights is None:
        return None
    return sum((w * half_unit(decimals) for c, w in weights.items() if env(c) is not None), Decimal(0))


def printed_decimals(value: Decimal, limit: int) -> int:
    """The fewest decimals (at most ``limit``) that print ``value`` exactly, by its value: a
    spreadsheet holds 98.50 as 98.5, so trailing zeros cannot count."""
    for d in range(limit):
        if _round(value, d) == value:
            return d
    return limit


def _round(value: Decimal, places: int) -> Decimal:
    """Excel's ROUND: half away from zero."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _nonzero(v: Value) -> bool:
    if v is None:
        return False
    if isinstance(v, str):
        return v.strip() != ""
    return v != 0


def _has_text(expr: Expr) -> bool:
    return isinstance(expr, Text) or any(_has_text(c) for c in expr.children())


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: pass, a rounding difference inside the bound, a failure (with the
    rule's severity) or not applicable (its anchor is blank and the rule skips blanks, or a side has
    no value)."""

    status: Status
    severity: str | None = None  # the rule's severity, for a failure
    actual: Value = None
    expected: Value = None
    difference: Decimal | None = None
    bound: Decimal | None = None
    at: CellRef | None = None  # an empty-implies-empty failure: the first filled cell

    @property
    def label(self) -> str:
        """What the 审核 sheet shows: 通过 / 尾差 / 错误 / 警告 / 提示, blank when not applicable."""
        if self.status == "pass":
            return PASS_LABEL
        if self.status == "rounding":
            return ROUNDING_LABEL
        if self.status == "fail":
            return FAIL_LABELS[self.severity or "error"]
        return ""


@dataclass(frozen=True)
class RowCells:
    """The 审核 sheet cells a rendered verdict reads: left side, right side, difference, bound."""

    left: str
    right: str
    difference: str
    bound: str


@dataclass(frozen=True)
class RenderedCheck:
    """Formulas (each starting with =) of one 审核 row, and the values a spreadsheet computes for them."""

    left: str
    right: str
    difference: str
    bound: str
    verdict: str


class RoundingRule:
    """The verdict of one check: how closely it must hold (the edition's tolerance for the amount unit,
    with derived cells expanded into the printed cells they sum) and what holds means for its kind
    (a relation, a text comparison, empty-implies-empty, a skipped blank anchor)."""

    def __init__(
        self,
        check: Check,
        amount_unit: str,
        decimals: int,
        derived: Mapping[CellRef, Expr] | None = None,
    ) -> None:
        self.check = check
        self.derived = derived
        self.decimals = decimals
        self.precision = decimals + 2  # differences are compared rounded to this many places
        self.severity = check.rule.severity
        self.tolerance: Tolerance = check.rule.tolerance
        kind = self.tolerance.kind
        if kind == "auto":
            kind = "interval" if amount_unit == "万元" else "exact"
        self.kind = kind

    # ------------------------------------------------------------------ deciding
    def evaluate(self, env: Env) -> Verdict:
        check = self.check
        if check.op == "empty":
            return self._empty(env)
        anchor = check.anchor
        if check.rule.skip_blank and anchor is not None and env(anchor) is None:
            return Verdict("n/a")
        try:
            actual = check.lhs.evaluate(env)
            expected = check.rhs.evaluate(env)
        except Undefined:
            return Verdict("n/a")
        if isinstance(actual, str) or isinstance(expected, str):
            same = (actual or "") == (expected or "")
            return Verdict("pass" if same else "fail", None if same else self.severity, actual, expected)
        try:
            a, e = _num(actual), _num(expected)
        except Undefined:
            return Verdict("n/a")
        diff = a - e
        excess = _round(self._excess(diff), self.precision)
        if excess <= 0:
            return Verdict("pass", None, a, e, diff)
        bound = self.bound(env, a)
        within = excess < bound if self.kind == "below" else excess <= bound
        if within:
            return Verdict("rounding" if self.kind == "interval" else "pass", None, a, e, diff, bound)
        return Verdict("fail", self.severity, a, e, diff, bound)

    def _excess(self, diff: Decimal) -> Decimal:
        op = self.check.op
        return diff if op == "<=" else (-diff if op == ">=" else abs(diff))

    def bound(self, env: Env, actual: Decimal) -> Decimal:
        """The largest difference allowed: 0 (exact), the interval rule's, half a unit of the
        actual value's last decimal (printed), or the rule's value (below, strict)."""
        if self.kind == "exact":
            return Decimal(0)
        if self.kind == "interval":
            weights = self.weights
            if weights is None:
                return Decimal(0)
            half = half_unit(self.decimals)
            return sum((w * half for c, w in weights.items() if env(c) is not None), Decimal(0))
        if self.kind == "printed":
            return half_unit(printed_decimals(actual, self.precision))
        assert self.tolerance.value is not None
        return Decimal(self.tolerance.value)

    @cached_property
    def weights(self) -> dict[CellRef, int] | None:
        return _leaf_weights(self.check.lhs, self.check.rhs, self.derived)

    def _empty(self, env: Env) -> Verdict:
        check = self.check
        if any(_nonzero(env(c)) for c in check.lhs.refs()):
            return Verdict("pass")
        for cell in check.rhs.refs():
            value = env(cell)
            if _nonzero(value):
                return Verdict("fail", self.severity, value, at=cell)
        return Verdict("pass")

    def side_values(self, env: Env) -> tuple[Value, Value, Value]:
        """(left, right, difference) as the 审核 sheet computes them (a spreadsheet's blank is 0; an
        empty-implies-empty check counts the filled cells of each side)."""
        check = self.check
        if check.op == "empty":
            left = Decimal(sum(_nonzero(env(c)) for c in dict.fromkeys(check.lhs.refs())))
            right = Decimal(sum(_nonzero(env(c)) for c in dict.fromkeys(check.rhs.refs())))
            return left, right, ""
        left, right = _value(check.lhs, env), _value(check.rhs, env)
        if isinstance(left, str) or isinstance(right, str):
            if self.may_be_text and check.defines is not None and check.shows_blank(env):
                right = ""  # as rendered: the cell's own guarded formula
            return left, right, ""
        try:
            return left, right, _num(left) - _num(right)
        except Undefined:
            return left, right, None

    # ------------------------------------------------------------------ rendering
    def render(self, locate: Locate, row: RowCells) -> RenderedCheck:
        """The same decision as Excel formulas over the cells ``locate`` places, for one 审核 row."""
        check = self.check
        fail = f'"{FAIL_LABELS[self.severity]}"'
        pas, rounding = f'"{PASS_LABEL}"', f'"{ROUNDING_LABEL}"'
        if check.op == "empty":
            left = "=" + _filled(list(dict.fromkeys(check.lhs.refs())), locate)
            right = "=" + _filled(list(dict.fromkeys(check.rhs.refs())), locate)
            verdict = f'=IFERROR(IF({row.left}>0,{pas},IF({row.right}>0,{fail},{pas})),"")'
            return RenderedCheck(left, right, '=""', '=""', verdict)
        d, f, g, h = row.left, row.right, row.difference, row.bound
        text = self.may_be_text
        p = self.precision
        excess = {"=": f"ABS({g})", "<=": g, ">=": f"-{g}"}[check.op]
        x = f"ROUND({excess},{p})"
        within = f"{x}<{h}" if self.kind == "below" else f"{x}<={h}"
        numeric = f"IF({x}<=0,{pas},IF({within},{rounding if self.kind == 'interval' else pas},{fail}))"
        core = f"IF(OR(ISTEXT({d}),ISTEXT({f})),IF({d}={f},{pas},{fail}),{numeric})" if text else numeric
        anchor = check.anchor
        if check.rule.skip_blank and anchor is not None:
            core = f'IF({_counta(self._leaves(anchor), locate)}=0,"",{core})'
        is_text = f"OR(ISTEXT({d}),ISTEXT({f}))"
        difference = f'=IF({is_text},"",{d}-{f})' if text else f"={d}-{f}"
        bound = self._render_bound(locate, d)
        bound = f'=IF({is_text},"",{bound})' if text else "=" + bound
        right = self._side(check.rhs, locate, text)
        if text and check.defines is not None and check.blank_until_filled:
            right = check.formula(locate)  # a text result (等级): blank on a blank form, as its cell
        return RenderedCheck(
            "=" + self._side(check.lhs, locate, text),
            "=" + right,
            difference,
            bound,
            f'=IFERROR({core},"")',
        )

    def _side(self, side: Expr, locate: Locate, text: bool) -> str:
        """A side's formula; a scorecard's single cell through N(): a blank form's result cell shows "",
        which the sheet's arithmetic takes as 0, as a spreadsheet's blank."""
        rendered = side.render(locate)
        if self.check.scorecard is not None and not text and single_ref(side) is not None:
            return f"N({rendered})"
        return rendered

    def bound_value(self, env: Env) -> Value:
        """The bound the 审核 sheet shows (blank for text and empty-implies-empty checks)."""
        if self.check.op == "empty":
            return ""
        left, _, diff = self.side_values(env)
        if not isinstance(diff, Decimal):
            return "" if diff == "" else None
        return self.bound(env, _num(left))

    @property
    def may_be_text(self) -> bool:
        """Whether either side can hold text (then the sheet compares texts where they are)."""
        return _has_text(self.check.lhs) or _has_text(self.check.rhs)

    def _render_bound(self, locate: Locate, actual: str) -> str:
        if self.kind == "exact":
            return "0"
        if self.kind == "interval":
            weights = self.weights
            if weights is None:
                return "0"
            by_weight: dict[int, list[CellRef]] = {}
            for cell, w in weights.items():
                by_weight.setdefault(w, []).append(cell)
            parts = []
            for w, cells in sorted(by_weight.items()):
                count = _counta(cells, locate)
                if count != "0":
                    parts.append(count if w == 1 else f"{w}*({count})")
            if not parts:  # no cell of the relation is in the workbook
                return "0"
            return f"ROUND({_literal(half_unit(self.decimals))}*({'+'.join(parts)}),{self.precision})"
        if self.kind == "printed":
            text = _literal(half_unit(self.precision))
            for d in reversed(range(self.precision)):
                text = f"IF(ROUND({actual},{d})={actual},{_literal(half_unit(d))},{text})"
            return text
        assert self.tolerance.value is not None
        return _literal(Decimal(self.tolerance.value))

    def _leaves(self, cell: CellRef) -> list[CellRef]:
        return leaves(cell, self.derived)


def leaves(cell: CellRef, derived: Mapping[CellRef, Expr] | None) -> list[CellRef]:
    """The cells a derived cell is computed from, through other derived cells (itself when printed):
    a derived cell is blank exactly when all of them are."""
    out: dict[CellRef, None] = {}
    seen: set[CellRef] = set()
    stack = [cell]
    while stack:
        c = stack.pop()
        if c in seen:
            continue
        seen.add(c)
        sub = derived.get(c) if derived is not None else None
        if sub is None:
            out[c] = None
        else:
            stack.extend(reversed(list(sub.refs())))
    return list(out)


def _value(expr: Expr, env: Env) -> Value:
    try:
        return expr.evaluate(env)
    except Undefined:
        return None


def _literal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _ranges(cells: list[CellRef], locate: Locate) -> list[str]:
    """Addresses of the cells the workbook has (a cell it lacks is blank), contiguous ones merged."""
    placed = [c for c in cells if locate(c) != "0"]
    if not placed:
        return []
    merge: Callable[[list[CellRef]], list[str]] | None = getattr(locate, "ranges", None)
    return merge(placed) if merge is not None else [locate(c) for c in placed]


def _counta(cells: list[CellRef], locate: Locate) -> str:
    """How many of ``cells`` hold something (a blank cell is a value nobody printed)."""
    ranges = _ranges(cells, locate)
    if not ranges:
        return "0"
    chunks = [ranges[i : i + 200] for i in range(0, len(ranges), 200)]  # COUNTA takes 255 arguments
    return "+".join(f"COUNTA({','.join(chunk)})" for chunk in chunks)


def _filled(cells: list[CellRef], locate: Locate) -> str:
    """How many of ``cells`` are filled: a nonzero number or some text (0 and blank are empty)."""
    parts = [f'COUNTIF({r},"<0")+COUNTIF({r},">0")+COUNTA({r})-COUNT({r})' for r in _ranges(cells, locate)]
    return "+".join(parts) if parts else "0"


def bound_for(
    tolerance: Tolerance,
    lhs: Expr,
    rhs: Expr,
    env: Env,
    actual: Decimal,
    amount_unit: str,
    decimals: int,
    derived: Mapping[CellRef, Expr] | None = None,
) -> tuple[Decimal, bool, bool]:
    """(bound, strict, rounding) of a relation ``lhs = rhs`` with ``tolerance``, as :class:`RoundingRule`
    decides it: pass when |diff| ≤ bound (< bound when strict); ``rounding``: a nonzero difference
    inside the bound is a rounding note."""
    from ..editions.spec import RuleSpec
    from .instantiate import Check

    spec = RuleSpec(id="?", family="?", code="?", tables=(), description="", tolerance=tolerance)
    rule = RoundingRule(Check(spec, "?", lhs, "=", rhs), amount_unit, decimals, derived)
    return rule.bound(env, actual), rule.kind == "below", rule.kind == "interval"


UNIT_FACTOR = {"元": 1, "万元": 10_000}  # 元 per unit


@dataclass(frozen=True)
class UnitRounding:
    """A figure printed in ``printed`` unit from its value typed in ``entry`` unit, each cell rounded on
    its own to ``decimals`` places (half away from zero), as the official software prints 万元 tables
    from 元 accounts. One object computes it (the validator) and renders it (the printed cell's formula)."""

    entry: str
    printed: str
    decimals: int

    @property
    def divisor(self) -> int:
        return UNIT_FACTOR[self.printed] // UNIT_FACTOR[self.entry]

    def evaluate(self, value: Value) -> Value:
        """The printed figure of ``value`` (blank stays blank; text prints as blank)."""
        if not isinstance(value, Decimal):
            return None
        return _round(value / self.divisor, self.decimals)

    def render(self, cell: CellRef, locate: Locate, derived: Mapping[CellRef, Expr] | None = None) -> str:
        """The formula of ``cell``'s printed copy: its rounding; blank where the entry cell is, or — for a
        cell computed by formula (``derived``) — where every cell it is computed from is blank (a
        computed 0 over figures prints 0.00, a total of nothing prints blank)."""
        address = locate(cell)
        core = f'IF(ISNUMBER({address}),ROUND({address}/{self.divisor},{self.decimals}),"")'
        if derived is not None and cell in derived:
            count = _counta(leaves(cell, derived), locate)
            core = f'IF({count}=0,"",{core})' if count != "0" else '""'
        return "=" + core
