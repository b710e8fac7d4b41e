"""How exactly a relation must hold (DOMAIN.md §3, rounding).

A value printed with d decimals stands for [v − ½·10⁻ᵈ, v + ½·10⁻ᵈ]. A linear relation
T = Σ wᵢvᵢ between printed values holds when some true values inside those intervals satisfy it:
|Σ wᵢvᵢ − T| ≤ ½·10^-d_T + Σ |wᵢ|·½·10^-dᵢ. Blank cells are exact zeros and add nothing.
Data typed in whole 元 (the shanxi-2022 edition) are exact: the bound is 0.
"""

from __future__ import annotations

from decimal import Decimal

from ..editions.spec import Tolerance
from .expr import Env, Expr, Ref, linear_terms


def half_unit(decimals: int) -> Decimal:
    return Decimal(5).scaleb(-(decimals + 1))


def interval_bound(lhs: Expr, rhs: Expr, env: Env, decimals: int) -> Decimal | None:
    """The interval-rule bound of ``lhs = rhs`` (None when the relation is not linear)."""
    terms_l, terms_r = linear_terms(lhs), linear_terms(rhs)
    if terms_l is None or terms_r is None:
        return None
    bound = Decimal(0)
    for w, term in [*terms_l, *terms_r]:
        if isinstance(term, Ref) and env(term.cell) is not None:
            bound += abs(w) * half_unit(decimals)
    return bound


def printed_decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def bound_for(
    tolerance: Tolerance, lhs: Expr, rhs: Expr, env: Env, actual: Decimal, amount_unit: str, decimals: int
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
        bound = interval_bound(lhs, rhs, env, decimals)
        return (bound if bound is not None else Decimal(0)), False, True
    if kind == "printed":
        return half_unit(printed_decimals(actual)), False, False
    assert tolerance.value is not None
    return Decimal(tolerance.value), True, False
