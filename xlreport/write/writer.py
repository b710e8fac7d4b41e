"""Write official-looking workbooks with live formulas: blank templates and filled reports.

Every formula is an expression of a rule rendered with the cell addresses of the layout; the writer
composes none of its own. Every formula cell carries its correct cached value.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from .. import __version__
from ..editions.spec import Edition
from ..fileio import atomic_write
from ..layout.plan import (
    GUIDE_SHEET,
    PROPERTY_PREFIX,
    DataCell,
    Locator,
    SheetPlan,
    defined_name,
    meta_line,
    plan_table,
    title_line,
)
from ..layout.scorecard import plan_scorecard, suggested_ref
from ..model.report import SCHEMA_VERSION, Report
from ..model.scorecard import budget_row_key, indicator_row_key
from ..model.values import CellRef, Value, code_order, parent_code
from ..rules.compute import derived_of, formula_order, inputs_of, recompute
from ..rules.expr import Undefined
from ..rules.instantiate import Check, instantiate
from ..rules.shape import ScorecardShape, Shape
from ..rules.tolerance import RoundingRule
from ..validation.engine import Evaluator, labeler_of, shape_of
from ..validation.findings import Finding
from ..validation.labels import Labeler
from . import sheets
from .cached import formula_result, stored
from .formats import Formats
from .narrative import write_narrative_sheet

TEMPLATE_SLOTS = 8  # empty code rows per coded table in a template without a code list
TEMPLATE_INDICATORS = 12


@dataclass
class WriteResult:
    path: Path
    contradictions: list[Finding] = field(default_factory=list)
    formulas: int = 0
    inputs: int = 0


def expand_codes(codes: Iterable[str]) -> list[str]:
    """项 codes with their 款 and 类 rows added, in code order (2010306 → 201, 20103, 2010306)."""
    out: set[str] = set()
    for code in codes:
        code = code.strip()
        while code:
            out.add(code)
            code = parent_code(code) or ""
    return sorted(out, key=code_order)


class WorkbookWriter:
    def __init__(
        self,
        edition: Edition,
        shape: Shape,
        *,
        unit_name: str,
        year: int | str,
        values: dict[CellRef, Value] | None = None,
        labeler: Labeler | None = None,
        amount_unit: str | None = None,
        as_published: bool = False,
        kind: str = "template",
        narrative_inputs: dict[str, Decimal] | None = None,
        reasons: dict[str, str] | None = None,
    ) -> None:
        self.narrative_inputs = narrative_inputs  # 情况说明: last year's totals, 年初预算 …
        self.reasons = reasons or {}  # 情况说明: the text a person writes
        self.edition = edition
        self.shape = shape
        self.unit_name = unit_name
        self.year = year
        self.kind = kind
        self.amount_unit = amount_unit or edition.info.amount_unit
        self.labeler = labeler or Labeler(edition)
        self.checks = instantiate(shape)
        self.order = formula_order(self.checks)
        self.defs = {c.defines: c for c in self.order}
        given = values or {}
        self.contradictions = Evaluator(edition, given, self.labeler, self.amount_unit).run(self.order)
        frozen: dict[CellRef, Value] = {}
        if as_published:
            for f in self.contradictions:
                if f.severity == "error" and f.table:
                    ref = _ref_of(f)
                    if ref in self.defs:
                        frozen[ref] = given.get(ref)
        self.frozen = frozen
        self.inputs = inputs_of(self.checks, given)
        self.values = recompute(self.checks, self.inputs, frozen, self.order)
        self.shown = self._as_shown()
        form = edition.scorecard.form
        for check in self.checks:  # the 建议得分 display cells of scorecards: K4's right-hand side
            if check.rule.family == "K4" and check.scorecard:
                cell = check.anchor
                shown_at = None if cell is None else suggested_ref(form, cell.table, cell.row)
                if shown_at is not None:
                    self.defs.setdefault(shown_at, check)
        self.plans = self._plans()
        self.addresses = {ref: (plan.name, dc.row, dc.col) for plan in self.plans for ref, dc in plan.cells.items()}

    def _plans(self) -> list[SheetPlan]:
        plans = []
        for table in self.edition.tables:
            codes = self.shape.codes_of(table.id) if table.coded is not None else None
            present = {ref.row for ref, v in self.values.items() if ref.table == table.id and v is not None}
            plans.append(plan_table(self.edition, table, codes, self.shape.slots_of(table.id), present))
        for card in self.shape.scorecards:
            plans.append(plan_scorecard(self.edition, card))
        return plans

    # ------------------------------------------------------------------ writing
    def write(self, path: str | os.PathLike[str]) -> WriteResult:
        """Write the workbook to ``path`` (whole or not at all); raises :class:`OutputError`."""
        with atomic_write(path) as tmp:
            stats = self._write_to(tmp)
        return WriteResult(Path(path), self.contradictions, *stats)

    def _write_to(self, filename: str) -> tuple[int, int]:
        wb = xlsxwriter.Workbook(
            filename,
            {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
        )
        fmt = Formats(wb)
        self._properties(wb)
        guide = wb.add_worksheet(GUIDE_SHEET)
        worksheets = [wb.add_worksheet(plan.name) for plan in self.plans]
        lists = sheets.add_lists_sheet(wb, self.edition)
        summaries = [
            self._write_plan(wb, ws, plan, fmt, lists) for ws, plan in zip(worksheets, self.plans, strict=True)
        ]
        sheets.write_guide(guide, fmt, self.edition, summaries)
        formulas = sum(s.formulas for s in summaries)
        inputs = sum(s.inputs for s in summaries)
        write_narrative_sheet(
            wb,
            fmt,
            self.edition,
            self.shape,
            self.shown,
            self.addresses,
            self.narrative_inputs,
            self.reasons,
            self.unit_name,
            self.year,
        )
        derived = derived_of(self.order, self.frozen)
        decimals = self.edition.info.decimals

        def rule_of(check: Check) -> RoundingRule:  # the validator's view of the written workbook
            return RoundingRule(check, self.amount_unit, decimals, derived)

        sheets.write_checks_sheet(wb, fmt, self.checks, self.values, self.shown, self.labeler, self._locator, rule_of)
        wb.close()
        return formulas, inputs

    def _locator(self, sheet: str) -> Locator:
        return Locator(self.addresses, sheet)

    def _properties(self, wb: xlsxwriter.Workbook) -> None:
        wb.set_properties(
            {
                "title": f"{self.unit_name} {self.year}年度部门决算公开表",
                "subject": self.edition.info.name,
                "author": "xlreport",
                "comments": "由 xlreport 生成；黄色单元格为填报项，其余由公式计算。",
            }
        )
        props = {
            "edition": self.edition.id,
            "schema_version": SCHEMA_VERSION,
            "layout_hash": self.edition.layout_hash,
            "version": __version__,
            "kind": self.kind,
            "unit_name": self.unit_name,
            "year": str(self.year),
            "amount_unit": self.amount_unit,
            "unit_type": self.shape.unit_type or "",
        }
        for key, value in props.items():
            wb.set_custom_property(PROPERTY_PREFIX + key, value)

    def _write_plan(
        self, wb: xlsxwriter.Workbook, ws: Worksheet, plan: SheetPlan, fmt: Formats, lists: sheets.Lists
    ) -> sheets.SheetSummary:
        for i, width in enumerate(plan.widths):
            ws.set_column(i, i, width)
        is_table = plan.table_id in {t.id for t in self.edition.tables}
        covered: set[tuple[int, int]] = {(dc.row, dc.col) for dc in plan.cells.values()}
        for text in plan.texts:
            for r in range(text.row, (text.last_row or text.row) + 1):
                for c in range(text.col, (text.last_col or text.col) + 1):
                    covered.add((r, c))
        for r in range(plan.border_rows[0], plan.border_rows[1] + 1):  # the box is ruled everywhere
            for c in range(plan.ncols):
                if (r, c) not in covered:
                    ws.write_blank(r, c, None, fmt.get("cell"))
        for r in range(plan.header_rows[0], plan.header_rows[1] + 1):
            ws.set_row(r, 27)
        for text in plan.texts:
            style = fmt.get(text.style, text.indent)
            if text.merged:
                ws.merge_range(text.row, text.col, text.last_row or text.row, text.last_col or text.col, "", style)
            ws.write_string(text.row, text.col, text.text, style)
        if is_table:
            table = self.edition.table(plan.table_id)
            left, center, right = meta_line(table, self.unit_name, self.year)
            meta_row = plan.frame["meta"]
            half = max(0, plan.ncols // 2 - 1)
            if left:
                if half:
                    ws.merge_range(meta_row, 0, meta_row, half, left, fmt.get("meta_left"))
                else:
                    ws.write_string(meta_row, 0, left, fmt.get("meta_left"))
            if center:
                ws.write_string(meta_row, half + 1, center, fmt.get("meta_center"))
            ws.write_string(meta_row, plan.ncols - 1, right, fmt.get("meta_right"))
            line = title_line(table, self.unit_name, self.year)
            if line:
                row = plan.frame["title_line"]
                ws.merge_range(row, 0, row, plan.ncols - 1, line, fmt.get("title_line"))
            ws.set_row(plan.frame["title"], 30)
        locate = self._locator(plan.name)
        formulas = inputs = 0
        text_cols: set[int] = set()
        pending: dict[str, list[str]] = {}
        depends_on: set[str] = set()
        display = None if is_table else self.edition.scorecard.form.indicators.display()
        for ref, dc in plan.cells.items():
            check = self.defs.get(ref)
            shown_only = ref.col == display  # 建议得分: no defined name, never read back
            if shown_only and check is None:  # a qualitative indicator has no 建议得分
                ws.write_blank(dc.row, dc.col, None, fmt.value(dc.kind, formula=True))
                continue
            if not shown_only:
                wb.define_name(defined_name(ref), f"={quote_sheetname(plan.name)}!{_abs(dc)}")
            if check is not None and ref not in self.frozen:
                formula = "=" + check.rhs.render(locate)
                ws.write_formula(
                    dc.row, dc.col, formula, fmt.value(dc.kind, formula=True), formula_result(check.rhs, self.shown.get)
                )
                depends_on.update(self.addresses[c][0] for c in check.rhs.refs() if c in self.addresses)
                formulas += 1
                continue
            inputs += 1
            value = self.values.get(ref)
            published = ref in self.frozen
            style = fmt.value(dc.kind, published=published)
            if dc.kind in ("code", "name", "text"):
                if dc.kind == "code":
                    text_cols.add(dc.col)
                ws.write_string(dc.row, dc.col, "" if value is None else str(value), style)
            elif value is None:
                ws.write_blank(dc.row, dc.col, None, style)
            else:
                ws.write_number(dc.row, dc.col, stored(value), style)  # type: ignore[arg-type]
            kind = sheets.validation_kind(dc)
            if kind is not None:
                pending.setdefault(kind, []).append(xl_rowcol_to_cell(dc.row, dc.col))
        sheets.apply_validation(ws, pending, lists)
        if text_cols:
            ranges = " ".join(f"{xl_col_to_name(c)}1:{xl_col_to_name(c)}1048576" for c in sorted(text_cols))
            ws.ignore_errors({"number_stored_as_text": ranges})
        if is_table:
            self._table_notes(ws, plan, fmt)
        sheets.page_setup(ws, plan)
        title = next((t.text for t in plan.texts if t.style == "title"), plan.name)
        return sheets.SheetSummary(plan.name, title, formulas, inputs, depends_on)

    def _as_shown(self) -> dict[CellRef, Value]:
        """Every cell as a spreadsheet shows it: a formula over blank cells gives 0 (or text), not blank."""
        shown = dict(self.values)
        for check in self.order:
            cell = check.defines
            if cell is None or cell in self.frozen:
                continue
            try:
                shown[cell] = check.rhs.evaluate(shown.get)
            except Undefined:
                shown[cell] = None
        return shown

    def _table_notes(self, ws: Worksheet, plan: SheetPlan, fmt: Formats) -> None:
        if self.kind != "report":
            return
        has_data = any(self.values.get(ref) is not None for ref in plan.cells if ref.col not in ("code", "name"))
        if not has_data:
            table = self.edition.table(plan.table_id)
            row = plan.footnote_row + len(table.footnotes) + 1
            ws.write_string(row, 0, table.empty_note.format(unit=self.unit_name), fmt.get("note"))


def _abs(dc: DataCell) -> str:
    return xl_rowcol_to_cell(dc.row, dc.col, row_abs=True, col_abs=True)


def _ref_of(f: Finding) -> CellRef | None:
    if f.table is None or f.row is None or f.column is None:
        return None
    return CellRef(f.table, f.row.key, f.column.key)


# ---------------------------------------------------------------------- entry points
def template_shape(
    edition: Edition, codes: Iterable[str] | None = None, unit_type: str | None = None, scorecards: int = 1
) -> Shape:
    listed = expand_codes(codes or [])
    tables = [t for t in edition.tables if t.coded is not None]
    indicators = tuple(indicator_row_key(i) for i in range(TEMPLATE_INDICATORS))
    cards = [
        ScorecardShape(f"S{n + 1}", (budget_row_key(0), budget_row_key(1)), indicators, indicators)
        for n in range(scorecards)
    ]
    shape = Shape(
        edition,
        codes={t.id: list(listed) for t in tables},
        scorecards=cards if edition.scorecard.enabled else [],
        unit_type=unit_type,
        slots={t.id: (2 if listed else TEMPLATE_SLOTS) for t in tables},
    )
    return shape


def write_template(
    path: str | os.PathLike[str],
    edition: Edition,
    unit_name: str,
    year: int | str,
    codes: Iterable[str] | None = None,
    unit_type: str | None = None,
    scorecards: int = 1,
) -> WriteResult:
    """A blank template: inputs shaded, every derived number a formula; ``scorecards`` 项目支出绩效自评表
    sheets (where the edition has them)."""
    shape = template_shape(edition, codes, unit_type, scorecards)
    values: dict[CellRef, Value] = {}
    for table in edition.tables:
        for code in shape.codes_of(table.id):
            values[CellRef(table.id, code, "code")] = code
            name = next((c.name for c in edition.classes if c.code == code), None)
            if name:
                values[CellRef(table.id, code, "name")] = name
    writer = WorkbookWriter(edition, shape, unit_name=unit_name, year=year, values=values, kind="template")
    return writer.write(path)


def write_report(
    path: str | os.PathLike[str],
    report: Report,
    *,
    as_published: bool = False,
    narrative_inputs: dict[str, Decimal] | None = None,
) -> WriteResult:
    """A filled workbook of ``report``. Printed totals that contradict their relations are reported
    in ``contradictions``; by default the formula is written, with ``as_published`` the printed number.
    ``narrative_inputs`` fill the 情况说明 sheet's inputs (last year's totals, 年初预算 …) by id."""
    edition = report.edition
    shape = shape_of(report)
    values = report.cells()
    for table in edition.tables:
        for code, name in report.codes(table.id) if table.coded is not None else []:
            values[CellRef(table.id, code, "code")] = code
            values[CellRef(table.id, code, "name")] = name
    # every indicator row shows its 建议得分 when it is quantitative
    writer = WorkbookWriter(
        edition,
        shape,
        unit_name=report.meta.unit_name,
        year=report.meta.year,
        values=values,
        labeler=labeler_of(report),
        amount_unit=report.meta.amount_unit,
        as_published=as_published,
        kind="report",
        narrative_inputs=narrative_inputs if narrative_inputs is not None else dict(report.narrative),
        reasons=dict(report.reasons),
    )
    return writer.write(path)
