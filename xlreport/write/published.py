"""Which derived cells of a filled report keep the printed number instead of a formula.

A workbook never changes a published figure. A derived cell gets its formula only where the formula
prints exactly what the report printed (a blank where the report is blank). Everywhere else — a total
that differs from its printed parts by rounding, one that contradicts them, a blank printed where a
formula would print a number — the printed number (or
the blank) is written as a *reported* cell: a constant the file records as the writer's own (the
validator reports no formula-replaced there), whose relations the 审核 sheet checks with the rounding
rule. ``as_published`` writes every derived cell so: the tables exactly as printed, no formula. A
formula whose printed number is 0.00 keeps a format that prints it (a computed 0 otherwise prints blank).

A formula also widens the rounding bound of every check that reads it (a total computed from rounded
parts carries all their rounding, ``rules.tolerance``); where that would give a check another verdict
(pass, rounding note, failure and its severity) than the printed report gets, the formula cells it reads
keep their printed numbers too. So the findings of the written workbook are the findings of the report,
cell for cell: the same codes, cells, severities, values and differences (a rounding note may name a
wider tolerance, the one of the cells the workbook computes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model.values import CellRef, Value
from ..rules.compute import derived_of
from ..rules.expr import Undefined
from ..rules.instantiate import Check
from ..rules.tolerance import RoundingRule, Verdict


@dataclass(frozen=True)
class Placement:
    values: dict[CellRef, Value]  # every cell as the workbook holds it (= the printed report)
    reported: dict[CellRef, Value]  # derived cells written as their printed constant (None: blank)
    zeros: frozenset[CellRef] = frozenset()  # formula cells whose printed 0.00 must print (not blank)


def _formula_value(check: Check, values: Mapping[CellRef, Value]) -> Value:
    """What the formula of ``check`` computes over ``values`` (None over blank cells only, as
    :func:`rules.compute.recompute` has it)."""
    if all(values.get(r) is None for r in check.rhs.refs()):
        return None
    try:
        return check.rhs.evaluate(values.get)
    except Undefined:
        return None


def _prints_the_same(printed: Value, computed: Value) -> bool:
    """Whether a formula computing ``computed`` prints ``printed`` (a printed 0.00 in a format that shows
    it, see ``Placement.zeros``); a blank is not 0."""
    if printed is None or computed is None:
        return printed is None and computed is None
    return type(printed) is type(computed) and printed == computed


def _outcome(verdict: Verdict) -> tuple[str, str | None]:
    """What a finding is made of: pass, a rounding note or a failure of some severity (its bound, the
    tolerance a rounding note names, is the workbook's own: a formula carries its parts' rounding)."""
    return verdict.status, verdict.severity


def place_published(
    checks: list[Check],
    order: list[Check],
    printed: Mapping[CellRef, Value],
    amount_unit: str,
    decimals: int,
    *,
    as_published: bool = False,
) -> Placement:
    """The cells of a filled workbook of the report ``printed``: formulas where they print the
    published number and change no verdict, the printed number (or blank) everywhere else."""
    defined = {c.defines for c in order}
    values: dict[CellRef, Value] = {k: v for k, v in printed.items() if k not in defined}
    reported: dict[CellRef, Value] = {}
    for check in order:  # every cell after the cells it reads: a formula reads what the workbook holds
        cell = check.defines
        assert cell is not None
        value = printed.get(cell)
        if as_published or not _prints_the_same(value, _formula_value(check, values)):
            reported[cell] = value
        if value is not None:
            values[cell] = value
    zeros = frozenset(c for c, v in printed.items() if c in defined and c not in reported and v == 0)
    if as_published:
        return Placement(values, reported, zeros)
    env = values.get
    judged = [r for r in (RoundingRule(c, amount_unit, decimals) for c in checks) if r.kind == "interval"]
    as_printed = {id(r): _outcome(r.evaluate(env)) for r in judged}  # the verdicts the printed report gets
    while True:
        derived = derived_of(order, reported)
        widened: set[CellRef] = set()
        for plain in judged:
            check = plain.check
            read = [r for r in (*check.lhs.refs(), *check.rhs.refs()) if r in derived]
            outcome = _outcome(RoundingRule(check, amount_unit, decimals, derived).evaluate(env)) if read else None
            if read and outcome != as_printed[id(plain)]:
                widening = [r for r in read if values.get(r) is not None]  # a blank formula adds no rounding
                widened.update(widening or read)
        if not widened:
            return Placement(values, reported, zeros - reported.keys())
        for cell in widened:
            reported[cell] = printed.get(cell)
