"""Compute derived cells from input cells through the defining relations (what the formulas compute).

The writer uses it for the cached values of its formulas, the reader to recompute every derived
cell instead of trusting cached values, and tests to build consistent reports.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ..errors import EditionError
from ..model.values import CellRef, Value
from .expr import Expr, Undefined
from .instantiate import Check, forget_instances, instantiate
from .shape import Shape


class DefinitionCycle(EditionError, ValueError):
    """Defining relations that refer to each other in a circle (an invalid edition)."""


def formula_order(checks: list[Check]) -> list[Check]:
    """Defining checks in an order where every cell is computed after the cells it reads."""
    defs = {c.defines: c for c in checks if c.defines is not None}
    order: list[Check] = []
    state: dict[CellRef, int] = {}  # 1 visiting, 2 done

    for start in defs:
        if state.get(start) == 2:
            continue
        stack: list[tuple[CellRef, list[CellRef]]] = [(start, [r for r in defs[start].rhs.refs() if r in defs])]
        state[start] = 1
        while stack:
            cell, pending = stack[-1]
            if pending:
                nxt = pending.pop()
                mark = state.get(nxt)
                if mark == 1:
                    raise DefinitionCycle(f"{nxt} is defined in terms of itself (via {cell})")
                if mark is None:
                    state[nxt] = 1
                    stack.append((nxt, [r for r in defs[nxt].rhs.refs() if r in defs]))
                continue
            stack.pop()
            state[cell] = 2
            order.append(defs[cell])
    return order


def recompute(
    checks: list[Check],
    inputs: Mapping[CellRef, Value],
    frozen: Mapping[CellRef, Value] | None = None,
    order: list[Check] | None = None,
) -> dict[CellRef, Value]:
    """Input values plus every derived cell computed from them.

    A derived cell whose referenced cells are all blank stays blank (as the published tables print
    it). Cells in ``frozen`` keep the given value instead of their formula (a constant typed over it).
    """
    values: dict[CellRef, Value] = {k: v for k, v in inputs.items()}
    for check in order if order is not None else formula_order(checks):
        cell = check.defines
        assert cell is not None
        if frozen is not None and cell in frozen:
            values[cell] = frozen[cell]
            continue
        refs = list(check.rhs.refs())
        if all(values.get(r) is None for r in refs):
            values.pop(cell, None)
            continue
        try:
            values[cell] = check.rhs.evaluate(values.get)
        except Undefined:
            values.pop(cell, None)
    return values


def derived_of(order: list[Check], frozen: Collection[CellRef]) -> dict[CellRef, Expr]:
    """The cells a workbook computes by formula, with the formula: every defined cell but those
    ``frozen`` to a typed constant (what the rounding bound expands into the printed cells)."""
    return {c.defines: c.rhs for c in order if c.defines is not None and c.defines not in frozen}


def inputs_of(checks: list[Check], values: Mapping[CellRef, Value]) -> dict[CellRef, Value]:
    """The values of cells no relation defines."""
    defined = {c.defines for c in checks if c.defines is not None}
    return {k: v for k, v in values.items() if k not in defined}


_ORDERS: dict[tuple[object, ...], tuple[list[Check], list[Check]]] = {}


def forget_shapes() -> None:
    """Empty the per-shape caches of checks and computing orders: the next workbook of any shape is
    instantiated afresh, as the first one of a process is (benchmarks time that case)."""
    _ORDERS.clear()
    forget_instances()


def checks_and_order(shape: Shape) -> tuple[list[Check], list[Check]]:
    """The checks of ``shape`` and its defining checks in computing order, cached per shape."""
    key = shape.signature()
    found = _ORDERS.get(key)
    if found is None:
        if len(_ORDERS) >= 64:
            _ORDERS.pop(next(iter(_ORDERS)))
        checks = instantiate(shape)
        found = _ORDERS[key] = (checks, formula_order(checks))
    return list(found[0]), list(found[1])
