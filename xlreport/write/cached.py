"""What the writer stores as a cell's number and as a formula's cached result (one rule for every sheet).

A spreadsheet shows a formula's cached result until it recalculates; xlreport writes the exact result
of the same expression, so a file opened without recalculation shows the right numbers.
"""

from __future__ import annotations

from decimal import Decimal

from ..model.values import Value
from ..rules.expr import Env, Expr, Undefined

DIV0 = "#DIV/0!"


def stored(value: Value, blank: float | str = "") -> float | str:
    """A value as the file stores it: a Decimal as a double (serialisation only: Excel holds
    doubles), text as is, a blank as ``blank``."""
    if isinstance(value, Decimal):
        return float(value)
    return blank if value is None else value


def formula_result(expr: Expr, env: Env, blank: float | str = "") -> float | str:
    """The cached result of the formula ``expr`` renders: what it computes from ``env``, #DIV/0!
    where it divides by zero."""
    try:
        return stored(expr.evaluate(env), blank)
    except Undefined:
        return DIV0
