"""Human names of cells: sheet, row (行次, code, label) and column (栏次, label).

The one labeller: :class:`Labeler` names a cell of a report or workbook; :func:`describe_loc` names
a place in JSON input (a pydantic error location) in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..editions.spec import Edition
from ..model.scorecard import Scorecard, budget_row_key, indicator_row_key
from ..model.values import CellRef, Value
from .findings import ColumnLocation, Finding, RowLocation


class Labeler:
    def __init__(
        self,
        edition: Edition,
        code_names: dict[str, dict[str, str]] | None = None,
        scorecards: list[Scorecard] | None = None,
        values: Mapping[CellRef, Value] | None = None,
    ) -> None:
        """``values``: the cells read, for scorecard names when ``scorecards`` could not be built
        (a workbook whose report model has an invalid value)."""
        self.edition = edition
        self.code_names = code_names or {}
        self.scorecards = scorecards or []
        self.values = values or {}
        self._tables = {t.id: t for t in edition.tables}
        self._class_names = {c.code: c.name for c in edition.classes}

    def scorecard_sheet(self, sid: str) -> str:
        return f"{self.edition.scorecard.sheet_prefix}{sid[1:]}"

    def table_label(self, table: str) -> str:
        if table in self._tables:
            t = self._tables[table]
            return f"{t.sheet} {t.title}"
        card = self._card(table)
        name = card.project_name if card else self._text(CellRef(table, "info", "project_name"))
        return f"{self.scorecard_sheet(table)}（{name}）" if name else self.scorecard_sheet(table)

    def sheet(self, table: str) -> str:
        return self._tables[table].sheet if table in self._tables else self.scorecard_sheet(table)

    def _card(self, sid: str) -> Scorecard | None:
        try:
            return self.scorecards[int(sid[1:]) - 1]
        except (ValueError, IndexError):
            return None

    def row(self, cell: CellRef) -> RowLocation:
        t = self._tables.get(cell.table)
        if t is None:
            return RowLocation(key=cell.row, label=self._scorecard_row_label(cell))
        if t.coded is not None:
            if cell.row == t.coded.total_key:
                return RowLocation(key=cell.row, label=t.coded.total_label)
            name = (
                self.code_names.get(t.id, {}).get(cell.row)
                or self._class_names.get(cell.row)
                or self.edition.functions.get(cell.row, "")
            )
            return RowLocation(key=cell.row, code=cell.row, label=name)
        found = t.row(cell.row)
        if found is None:
            return RowLocation(key=cell.row, label=cell.row)
        _, spec = found
        return RowLocation(key=cell.row, line=spec.line, code=spec.code, label=spec.title)

    def _scorecard_row_label(self, cell: CellRef) -> str:
        card = self._card(cell.table)
        if card is None:
            if cell.row.startswith("i"):
                return self._text(CellRef(cell.table, cell.row, "name")) or cell.row
            source = self._text(CellRef(cell.table, cell.row, "source"))
            if cell.row == "total" or source:
                return f"预算执行情况·{source or '合计'}"
            return "项目自评结果" if cell.row == "summary" else cell.row
        for i, line in enumerate(card.budget):
            if budget_row_key(i) == cell.row:
                return f"预算执行情况·{line.source}"
        for i, ind in enumerate(card.indicators):
            if indicator_row_key(i) == cell.row:
                return ind.name
        return "项目自评结果" if cell.row == "summary" else cell.row

    def _text(self, cell: CellRef) -> str:
        value = self.values.get(cell)
        return "" if value is None else str(value)

    def column(self, cell: CellRef) -> ColumnLocation:
        t = self._tables.get(cell.table)
        if t is None:
            field = self.edition.scorecard.form.field(cell.row, cell.col)
            return ColumnLocation(key=cell.col, label=cell.col if field is None else field.label)
        spec = t.column(cell.row, cell.col)
        if spec is None:
            return ColumnLocation(key=cell.col, label=cell.col)
        return ColumnLocation(key=cell.col, seq=spec.seq, label=spec.label)

    def describe(self, cell: CellRef) -> str:
        """公开10 第1行 合计·采购金额 — the words a message uses for one cell."""
        row, col = self.row(cell), self.column(cell)
        where = [self.table_label(cell.table) if cell.table not in self._tables else self.sheet(cell.table)]
        if row.line is not None:
            where.append(f"行次{row.line}")
        if row.code and row.code != row.label:
            where.append(row.code)
        if row.label:
            where.append(row.label)
        col_text = _column_text(col)
        return " ".join(where) + ("·" + col_text if col_text else "")

    def locate(self, f: Finding) -> Finding:
        """A cell finding made by the reader (sheet!cell only) given its table, row and column labels; its
        message names them through the ``where`` argument, rendered with the rest at the end."""
        if f.table is None or f.row is None or f.column is None or f.row.label:
            return f
        cell = CellRef(f.table, f.row.key, f.column.key)
        row = f.row if f.row.key.startswith("row") else self.row(cell)  # a row without a code: no label to give
        where = f"{f.sheet}!{f.cell} {self.describe(cell)}" if f.cell else self.describe(cell)
        return f.model_copy(
            update={
                "table_label": self.table_label(f.table),
                "row": row,
                "column": self.column(cell),
                "args": {**f.args, "where": where},
                "cells": (str(cell),),
            }
        )


def _column_text(col: ColumnLocation) -> str:
    return col.label + (f"（栏次{col.seq}）" if col.seq else "")


def describe_loc(edition: Edition, loc: tuple[str | int, ...], data: Mapping[str, Any]) -> str:
    """A place in JSON input, by its pydantic error location, in the labeller's words:
    ('tables','T02','rows',0,'total') → 公开02 收入支出决算总表 第1行（科目编码2010306）·本年收入合计（栏次1）.
    ``data``: the input (for the code of a coded row given by its index)."""
    labeler = Labeler(edition)
    if len(loc) >= 2 and loc[0] == "tables" and isinstance(loc[1], str):
        table_id = loc[1]
        try:
            table = edition.table(table_id)
        except KeyError:
            return f"tables.{table_id}（未知的表）"
        parts = [labeler.table_label(table_id)]
        rest = loc[2:]
        row_key = ""
        if table.coded is not None and rest[:1] == ("rows",) and len(rest) >= 2 and isinstance(rest[1], int):
            try:
                code = data["tables"][table_id]["rows"][rest[1]].get("code")
            except (KeyError, IndexError, TypeError, AttributeError):
                code = None
            parts.append(f"第{rest[1] + 1}行" + (f"（科目编码{code}）" if code else ""))
            rest = rest[2:]
        elif rest and isinstance(rest[0], str):
            row_key = rest[0]
            total = table.coded is not None and row_key == table.coded.total_key
            if table.row(row_key) is not None or total:
                row = labeler.row(CellRef(table_id, row_key, ""))
                parts.append((f"行次{row.line} " if row.line else "") + row.label)
            else:
                parts.append(f"行“{row_key}”")
            rest = rest[1:]
        if rest and isinstance(rest[0], str):
            # a column the row does not have is named as the first panel names it, if it can be
            rows = [r for r in (row_key, "") if table.column(r, rest[0]) is not None]
            cell = CellRef(table_id, rows[0], rest[0]) if rows else None
            parts.append(_column_text(labeler.column(cell)) if cell else f"栏“{rest[0]}”")
        return " ".join(parts[:1]) + (" " + "·".join(parts[1:]) if len(parts) > 1 else "")
    if len(loc) >= 2 and loc[0] == "scorecards" and isinstance(loc[1], int):
        tail = ".".join(str(x + 1) if isinstance(x, int) else x for x in loc[2:])
        return f"{labeler.scorecard_sheet(f'S{loc[1] + 1}')} {tail}".strip()
    return ".".join(str(x) for x in loc)
