"""Amount units: the one conversion between 元 and 万元 (DOMAIN.md §3: a 万元 figure is rounded on its own)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

YUAN_PER_WANYUAN = Decimal(10_000)
CENT = Decimal("0.01")


def to_wanyuan(value: Decimal) -> Decimal:
    """An amount in 元 as a 万元 table prints it: divided by 10,000 and rounded half away from zero to two
    decimals (as Excel's ROUND does, so a written ROUND(x/10000, 2) caches the same number)."""
    return (value / YUAN_PER_WANYUAN).quantize(CENT, rounding=ROUND_HALF_UP)


def per_yuan(unit: str) -> Decimal:
    """How many 元 one ``unit`` (元 or 万元) is."""
    return YUAN_PER_WANYUAN if unit == "万元" else Decimal(1)
