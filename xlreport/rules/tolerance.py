"""How exactly a relation must hold (DOMAIN.md §3, rounding).

A value printed with d decimals stands for [v − ½·10⁻ᵈ, v + ½·10⁻ᵈ]. A linear relation
T = Σ wᵢvᵢ between printed values holds when some true values inside those intervals satisfy it:
|Σ wᵢvᵢ − T| ≤ ½·10^-d_T + Σ |wᵢ|·½·10^-dᵢ. Blank cells are exact zeros and add nothing.
Data in 元, typed to the cent, are exact: the bound is 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ..editions.spec import Tolerance
from .expr import CellRef, Env, Expr, Ref, linear_terms


def half_unit(decimals: int) -> Decimal:
    return Decimal(5).scaleb(-(decimals + 1))


def interval_bound(
    lhs: Expr, rhs: Expr, env: Env, decimals: int, derived: Mapping[CellRef, Expr] | None = None
) -> Decimal | None:
    """The interval-rule bound of ``lhs = rhs`` (None when the relation is not linear).

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
            elif env(term.cell) is not None:
                weights[term.cell] = weights.get(term.cell, 0) + abs(factor * w)
        return True

    if not (add(lhs, 1) and add(rhs, 1)):
        return None
    return sum((w * half_unit(decimals) for w in weights.values()), Decimal(0))


def printed_decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


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
    """(bound, strict, rounding): pass when |diff| ≤ bound (< bound when strict).

    ``rounding`` says a nonzero difference inside the bound is a rounding note worth reporting.
    """
    kind = tolerance.kind
    if kind == "auto":
        kind = "interval" if amount_unit == "万元" else "exact"
    if kind == "exact":
        return Decimal(0), False, False
    if kind == "interval":
        bound = interval_bound(lhs, rhs, env, decimals, derived)
        return (bound if bound is not None else Decimal(0)), False, True
    if kind == "printed":
        return half_unit(printed_decimals(actual)), False, False
    assert tolerance.value is not None
    return Decimal(tolerance.value), True, False
