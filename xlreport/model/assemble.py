"""Build the report input format (a dict) from flat cell values: for readers and generators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..editions.spec import Edition
from .scorecard import HEADER_FIELDS, SUMMARY_FIELDS, BudgetLine, Indicator
from .values import CellRef, Value

BUDGET_FIELDS = tuple(k for k in BudgetLine.model_fields if k != "source")
INDICATOR_FIELDS = tuple(Indicator.model_fields)


def _out(v: Value) -> Any:
    return format(v, "f") if isinstance(v, Decimal) else v


def assemble(
    edition: Edition,
    meta: dict[str, Any],
    codes: dict[str, list[tuple[str, str]]],
    values: dict[CellRef, Value],
    scorecards: list[tuple[str, list[str], list[str]]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """The input-format dict of a report whose cells are ``values`` (blank cells absent or None)."""
    by_row: dict[tuple[str, str], dict[str, Any]] = {}
    for ref, v in values.items():
        if v is not None:
            by_row.setdefault((ref.table, ref.row), {})[ref.col] = _out(v)
    tables: dict[str, Any] = {}
    for table in edition.tables:
        if table.coded is not None:
            keys = {c.key for c in table.panels[0].value_columns()}
            total = {k: v for k, v in by_row.get((table.id, table.coded.total_key), {}).items() if k in keys}
            rows = []
            for code, name in codes.get(table.id, []):
                cells = {k: v for k, v in by_row.get((table.id, code), {}).items() if k in keys}
                rows.append({"code": code, "name": name or "", **cells})
            tables[table.id] = {"total": total or None, "rows": rows}
        else:
            data = {}
            for _, spec in table.fixed_rows():
                assert spec.key is not None
                cells = by_row.get((table.id, spec.key))
                if cells:
                    data[spec.key] = dict(cells)
            tables[table.id] = data
    cards = []
    for sid, budget_keys, indicator_keys in scorecards:
        info = by_row.get((sid, "info"), {})
        card: dict[str, Any] = {k: info[k] for k in HEADER_FIELDS if info.get(k) is not None}
        card.setdefault("project_name", "")
        budget = []
        for i, key in enumerate(budget_keys):
            row = by_row.get((sid, key), {})
            line = {k: row[k] for k in BUDGET_FIELDS if row.get(k) is not None}
            line["source"] = row.get("source") or ("合计" if i == 0 else "")
            budget.append(line)
        indicators = []
        for key in indicator_keys:
            row = by_row.get((sid, key), {})
            ind = {k: row[k] for k in INDICATOR_FIELDS if row.get(k) is not None}
            for k in ("initial_target", "target", "actual"):
                if k in ind:
                    ind[k] = str(ind[k])
            indicators.append(ind)
        card.update(budget=budget, indicators=indicators)
        summary = by_row.get((sid, "summary"), {})
        card.update({k: summary[k] for k in SUMMARY_FIELDS if summary.get(k) is not None})
        cards.append(card)
    return {"meta": meta, "tables": tables, "scorecards": cards}
