"""Human names of cells: sheet, row (行次, code, label) and column (栏次, label)."""

from __future__ import annotations

from collections.abc import Mapping

from ..editions.spec import Edition
from ..model.scorecard import Scorecard, budget_row_key, indicator_row_key
from ..rules.expr import CellRef, Value
from .findings import ColumnLocation, RowLocation


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
            name = self.code_names.get(t.id, {}).get(cell.row) or self._class_names.get(cell.row, "")
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
        col_text = col.label + (f"（栏次{col.seq}）" if col.seq else "")
        return " ".join(where) + ("·" + col_text if col_text else "")
