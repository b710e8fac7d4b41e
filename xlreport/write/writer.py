"""Write official-looking workbooks with live formulas: blank templates and filled reports.

Every formula is an expression of a rule rendered with the cell addresses of the layout; the writer
composes none of its own. Every formula cell carries its correct cached value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from .. import __version__
from ..editions.spec import Edition, PageSpec
from ..fileio import atomic_write
from ..gc_policy import fewer_full_collections
from ..layout.plan import (
    CHECK_SHEET,
    GUIDE_SHEET,
    PRINTED_PREFIX,
    PROPERTY_PREFIX,
    REPORTED_PREFIX,
    DataCell,
    Locator,
    SheetPlan,
    defined_name,
    entry_plan,
    entry_sheet,
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
from ..rules.tolerance import RoundingRule, UnitRounding
from ..validation.engine import Evaluator, labeler_of, shape_of
from ..validation.findings import Finding
from ..validation.labels import Labeler
from . import sheets
from .cached import formula_result, stored
from .formats import FORM_BLANK, Formats, form_number, whole_numbers
from .narrative import write_narrative_sheet
from .published import place_published
from .rowfit import RowFit
from .xlsx import new_workbook

TEMPLATE_SLOTS = 8  # empty code rows per coded table in a template without a code list
TEMPLATE_INDICATORS = 12
LEGEND = {  # the fills of printed numbers kept as printed (formats.REPORTED_FILL, PUBLISHED_FILL)
    "reported": "浅蓝色单元格为印刷的合计数，与公式算出的数只差四舍五入尾差（或印为0.00、空白），按印刷数保留",
    "as_published": "浅蓝色单元格为印刷的合计数，按印刷数写为常数，不写公式",
    "published": "橙色单元格为与勾稽关系矛盾的印刷数，按原样保留",
}
WRAPPED = {"label", "label_bold", "name", "header", "footnote", "text"}  # styles that wrap their text


ExtraSheet = Callable[[xlsxwriter.Workbook, Formats, "WorkbookWriter"], None]
"""A sheet a caller adds to a written workbook: called with the workbook, its formats and the writer
(whose ``addresses`` and ``shown`` values place and cache formulas over the report's cells)."""


@dataclass
class WriteResult:
    path: Path
    contradictions: list[Finding] = field(default_factory=list)
    formulas: int = 0
    inputs: int = 0  # cells to type (a filled report's reported totals included)
    reported: int = 0  # derived cells holding the printed number instead of a formula


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
        extra_sheets: Sequence[ExtraSheet] = (),
        entry_unit: str | None = None,
        reasons: dict[str, str] | None = None,
        for_print: bool = False,
        shading: bool = True,
        audit_scorecards: bool = True,
    ) -> None:
        # the publication style: no shading, no helper sheets (填表说明, 审核, lists); a scorecard's helper
        # columns stay outside the print area, not hidden (the validator warns of numbers in hidden columns, F03)
        self.for_print = for_print
        # the 审核 rows of scorecard checks: every one (live), or only those that do not hold (a
        # consolidated report: its scorecards are the units' own, audited in their returns)
        self.audit_scorecards = audit_scorecards
        self.as_published = as_published
        self.shading = shading and not for_print
        self.extra_sheets = tuple(extra_sheets)  # sheets added after the writer's own (汇总明细 …)
        self.narrative_inputs = narrative_inputs  # 情况说明: last year's totals, 年初预算 …
        self.reasons = reasons or {}  # 情况说明: the text a person writes
        self.edition = edition
        self.shape = shape
        self.unit_name = unit_name
        self.year = year
        self.kind = kind
        self.amount_unit = entry_unit or amount_unit or edition.info.amount_unit
        # typed in one unit, printed in the edition's (a 万元 table typed in 元): the figures live on
        # entry sheets, each printed cell is the rounding of its entry cell
        printed_unit = edition.info.amount_unit
        self.rounding = (
            UnitRounding(self.amount_unit, printed_unit, edition.info.decimals)
            if entry_unit is not None and entry_unit != printed_unit
            else None
        )
        self.labeler = labeler or Labeler(edition)
        self.checks = instantiate(shape)
        self.order = formula_order(self.checks)
        self.defs = {c.defines: c for c in self.order}
        given = values or {}
        self.contradictions = Evaluator(edition, given, self.labeler, self.amount_unit).run(self.order)
        self.contradicted = {
            ref for f in self.contradictions if f.severity == "error" and (ref := _ref_of(f)) in self.defs
        }
        self.inputs = inputs_of(self.checks, given)
        if kind == "report":  # a published report: every printed number where it was printed
            placed = place_published(
                self.checks, self.order, given, self.amount_unit, edition.info.decimals, as_published=as_published
            )
            self.frozen, self.values, self.zeros = placed.reported, placed.values, placed.zeros
        else:
            self.frozen, self.zeros = {}, frozenset()
            self.values = recompute(self.checks, self.inputs, self.frozen, self.order)
        self.shown = self._as_shown()
        form = edition.scorecard.form
        for check in self.checks:  # the 建议得分 display cells of scorecards: K4's right-hand side
            if check.rule.family == "K4" and check.scorecard:
                cell = check.anchor
                shown_at = None if cell is None else suggested_ref(form, cell.table, cell.row)
                if shown_at is not None:
                    self.defs.setdefault(shown_at, check)
        self.plans = self._plans()
        self.printed_plans: list[SheetPlan] = []  # the printed tables of an entry workbook, in edition order
        if self.rounding is not None:
            unit = self.rounding.entry
            self.printed_plans = [p for p in self.plans if p.table_id in {t.id for t in edition.tables}]
            entry = {
                p.table_id: entry_plan(p, entry_sheet(edition.table(p.table_id), unit)) for p in self.printed_plans
            }
            self.plans = [entry.get(p.table_id, p) for p in self.plans]
        self.addresses = {ref: (plan.name, dc.row, dc.col) for plan in self.plans for ref, dc in plan.cells.items()}

    def _plans(self) -> list[SheetPlan]:
        plans = []
        classes = {c.code for c in self.edition.classes}
        # a 类 with money anywhere is printed in every table that lists 类 rows (01 and 04 alike)
        in_report = {ref.row for ref, v in self.values.items() if v is not None and ref.row in classes}
        for table in self.edition.tables:
            codes = self.shape.codes_of(table.id) if table.coded is not None else None
            present = {ref.row for ref, v in self.values.items() if ref.table == table.id and v is not None}
            present |= in_report
            plans.append(plan_table(self.edition, table, codes, self.shape.slots_of(table.id), present))
        for card in self.shape.scorecards:
            plans.append(plan_scorecard(self.edition, card))
        return plans

    # ------------------------------------------------------------------ writing
    def write(self, path: str | os.PathLike[str]) -> WriteResult:
        """Write the workbook to ``path`` (whole or not at all); raises :class:`OutputError`."""
        with atomic_write(path) as tmp:
            stats = self._write_to(tmp)
        return WriteResult(Path(path), self.contradictions, *stats, reported=len(self.frozen))

    def _write_to(self, filename: str) -> tuple[int, int]:
        wb = new_workbook(filename)
        fmt = Formats(wb, shading=self.shading)
        self._properties(wb)
        guide = None if self.for_print else wb.add_worksheet(GUIDE_SHEET)
        worksheets = [wb.add_worksheet(plan.name) for plan in self.plans]
        printed = [wb.add_worksheet(plan.name) for plan in self.printed_plans]
        lists = None if self.for_print else sheets.add_lists_sheet(wb, self.edition)
        summaries = [
            self._write_plan(wb, ws, plan, fmt, lists) for ws, plan in zip(worksheets, self.plans, strict=True)
        ]
        for ws, plan in zip(printed, self.printed_plans, strict=True):
            self._write_printed(wb, ws, plan, fmt)
        if guide is not None:
            sheets.write_guide(
                guide,
                fmt,
                self.edition,
                summaries,
                reported=bool(self.frozen),
                entry=self._entry_line(),
                has_scorecards=bool(self.shape.scorecards),
            )
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
        if not self.for_print:
            self._write_checks(wb, fmt)
        for add_sheet in self.extra_sheets:
            add_sheet(wb, fmt, self)
        wb.close()
        return formulas, inputs

    def _write_checks(self, wb: xlsxwriter.Workbook, fmt: Formats) -> None:
        """The 审核 sheet: every check the validator evaluates, live."""
        derived = derived_of(self.order, self.frozen)
        decimals = self.edition.info.decimals

        def rule_of(check: Check) -> RoundingRule:  # the validator's view of the written workbook
            return RoundingRule(check, self.amount_unit, decimals, derived)

        checks = self.checks
        if not self.audit_scorecards:
            checks = [
                c
                for c in checks
                if c.scorecard is None or rule_of(c).evaluate(self.values.get).status not in ("pass", "n/a")
            ]
        sheets.write_checks_sheet(
            wb,
            fmt,
            checks,
            self.values,
            self.shown,
            self.labeler,
            self._locator,
            rule_of,
            *self._typed_numbers(),
            filled=any(isinstance(v, Decimal) for ref, v in self.values.items() if ref not in self.defs),
        )

    def _typed_numbers(self) -> tuple[list[str], int]:
        """The number cells a person types, as ranges seen from the 审核 sheet (a blank workbook: 未填报),
        and how many of them hold a number."""
        order = {plan.name: i for i, plan in enumerate(self.plans)}
        typed = [
            ref
            for plan in self.plans
            for ref, dc in plan.cells.items()
            if dc.kind in ("amount", "count", "rate", "score") and ref not in self.defs
        ]
        typed.sort(key=lambda ref: (order[self.addresses[ref][0]], self.addresses[ref][2], self.addresses[ref][1]))
        held = sum(isinstance(self.values.get(ref), Decimal) for ref in typed)
        return self._locator(CHECK_SHEET).ranges(typed), held

    def _page(self, plan: SheetPlan) -> PageSpec:
        """How the sheet of ``plan`` prints: its table's page spec, or the scorecard's."""
        if plan.table_id in {t.id for t in self.edition.tables}:
            return self.edition.table(plan.table_id).page
        return self.edition.scorecard.page

    def _locator(self, sheet: str) -> Locator:
        return Locator(self.addresses, sheet)

    def _properties(self, wb: xlsxwriter.Workbook) -> None:
        wb.set_properties(
            {
                "title": f"{self.unit_name} {self.year}年度部门决算公开表",
                "subject": self.edition.info.name,
                "author": "xlreport",
                "comments": "由 xlreport 生成；"
                + ("黄色单元格为填报项" if self.shading else "未锁定的单元格为填报项")
                + "，其余由公式计算。",
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
        if self.rounding is not None:  # typed in amount_unit, printed in this one
            props["printed_unit"] = self.rounding.printed
        for key, value in props.items():
            wb.set_custom_property(PROPERTY_PREFIX + key, value)

    def _entry_line(self) -> str | None:
        """The guide's line on an entry workbook: where to type, in which unit, and what prints."""
        if self.rounding is None:
            return None
        r = self.rounding
        return (
            f"按{r.entry}填报：在各“（{r.entry}）”工作表中填写{r.entry}数（保留两位小数），合计等按{r.entry}计算；"
            f"与之同名、不带“（{r.entry}）”的工作表是印出的{r.printed}表，每个单元格是对应{r.entry}数单独四舍五入"
            f"到{r.decimals}位小数的结果（与决算软件印出的相同），不必填写。"
        )

    def _write_frame(self, ws: Worksheet, plan: SheetPlan, fmt: Formats, fit: RowFit, unit: str | None = None) -> bool:
        """Column widths, texts, the ruled box and the title and meta lines; whether ``plan`` is a table
        (``unit``: the amount unit its meta line names, when not the edition's)."""
        for i, width in enumerate(plan.widths):
            ws.set_column(i, i, width)
        is_table = plan.table_id in {t.id for t in self.edition.tables}
        covered: set[tuple[int, int]] = {
            (dc.row, c) for dc in plan.cells.values() for c in range(dc.col, (dc.last_col or dc.col) + 1)
        }
        for text in plan.texts:
            for r in range(text.row, (text.last_row or text.row) + 1):
                for c in range(text.col, (text.last_col or text.col) + 1):
                    covered.add((r, c))
        for r in range(plan.border_rows[0], plan.border_rows[1] + 1):  # the box is ruled everywhere
            for c in range(plan.print_cols or plan.ncols):
                if (r, c) not in covered:
                    ws.write_blank(r, c, None, fmt.get("cell"))
        for r in range(plan.header_rows[0], plan.header_rows[1] + 1):
            fit.at_least(r, 27)
        for text in plan.texts:
            style = fmt.get(text.style, text.indent)
            if text.style in WRAPPED and (text.last_row or text.row) == text.row:
                fit.text(text.row, text.col, text.text, text.last_col)
            if text.merged:
                ws.merge_range(text.row, text.col, text.last_row or text.row, text.last_col or text.col, "", style)
            ws.write_string(text.row, text.col, text.text, style)
        if is_table:
            table = self.edition.table(plan.table_id)
            left, center, right = meta_line(table, self.unit_name, self.year, unit)
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
            fit.at_least(plan.frame["title"], 30)
        return is_table

    def _write_plan(
        self, wb: xlsxwriter.Workbook, ws: Worksheet, plan: SheetPlan, fmt: Formats, lists: sheets.Lists | None
    ) -> sheets.SheetSummary:
        fit = RowFit(plan.widths)
        is_table = self._write_frame(ws, plan, fmt, fit, self.rounding.entry if self.rounding is not None else None)
        locate = self._locator(plan.name)
        formulas = inputs = 0
        text_cols: set[int] = set()
        pending: dict[str, list[str]] = {}
        depends_on: set[str] = set()
        form = self.edition.scorecard.form
        display = None if is_table else form.indicators.display()
        blank_numbers: list[tuple[int, int]] = []  # a form's number cells still blank (FORM_BLANK)
        sheet = quote_sheetname(plan.name)  # as the defined names name it
        coloured: set[str] = set()  # the fills of printed numbers kept on this sheet: their legend
        for ref, dc in plan.cells.items():
            check = self.defs.get(ref)
            shown_only = ref.col == display  # 建议得分: no defined name, never read back
            number = (
                None if is_table or dc.kind not in ("amount", "rate", "score") else form_number(self.shown.get(ref))
            )
            if number == FORM_BLANK:
                blank_numbers.append((dc.row, dc.col))
            bare = ref.row == "info" and (item := form.field("info", ref.col)) is not None and item.bare
            plain = fmt.get("bare_value") if bare and self.kind == "report" else None  # the date: unboxed
            if dc.last_col is not None:  # a field spanning columns: merged across, its value in the first
                ws.merge_range(dc.row, dc.col, dc.row, dc.last_col, "", plain or fmt.value(dc.kind))
            if shown_only and check is None:  # a qualitative indicator has no 建议得分
                ws.write_blank(dc.row, dc.col, None, fmt.value(dc.kind, formula=True))
                continue
            if not shown_only:
                wb.define_name(defined_name(ref), f"={sheet}!{_abs(dc)}")
            if ref in self.frozen:  # the validator's mark: the writer put the printed number here
                wb.define_name(defined_name(ref, REPORTED_PREFIX), f"={sheet}!{_abs(dc)}")
            if check is not None and ref not in self.frozen:
                formula = "=" + check.formula(locate)
                # a printed 0.00 prints; a scorecard's computed 0 (a 结余 of 0) prints as the form does
                zeros = ref in self.zeros or check.blank_until_filled
                style = fmt.value(dc.kind, formula=True, zeros=zeros, number=number)
                cached = "" if check.shows_blank(self.shown.get) else formula_result(check.rhs, self.shown.get)
                ws.write_formula(dc.row, dc.col, formula, style, cached)
                depends_on.update(self.addresses[c][0] for c in check.rhs.refs() if c in self.addresses)
                formulas += 1
                continue
            inputs += 1
            value = self.values.get(ref)
            reported = ref in self.frozen
            published = reported and ref in self.contradicted
            style = fmt.value(dc.kind, published=published, reported=reported, number=number)
            if reported:
                coloured.add("published" if published else "reported")
            style = plain or style
            if dc.kind in ("code", "name", "text"):
                if dc.kind == "code":
                    text_cols.add(dc.col)
                elif value is not None and not bare:
                    fit.text(dc.row, dc.col, str(value), dc.last_col)
                ws.write_string(dc.row, dc.col, "" if value is None else str(value), style)
            elif value is None:
                ws.write_blank(dc.row, dc.col, None, style)
            else:
                ws.write_number(dc.row, dc.col, stored(value), style)  # type: ignore[arg-type]
            kind = sheets.validation_kind(dc)
            if kind is not None:
                pending.setdefault(kind, []).append(xl_rowcol_to_cell(dc.row, dc.col))
        if plan.merge_cols and self.kind == "report":
            self._merge_down(ws, plan, fmt)
        sheets.apply_validation(ws, pending, lists)
        whole_numbers(ws, fmt, blank_numbers)
        if text_cols:
            ranges = " ".join(f"{xl_col_to_name(c)}1:{xl_col_to_name(c)}1048576" for c in sorted(text_cols))
            ws.ignore_errors({"number_stored_as_text": ranges})
        if is_table:
            self._table_notes(ws, plan, fmt)
        legend = self._legend(ws, plan, fmt, fit, coloured) if fmt.shading else None
        fit.apply(ws)
        sheets.page_setup(ws, plan, self._page(plan), legend)
        title = next((t.text for t in plan.texts if t.style in ("title", "title_under_line")), plan.name)
        return sheets.SheetSummary(plan.name, title, formulas, inputs, depends_on)

    def _legend(self, ws: Worksheet, plan: SheetPlan, fmt: Formats, fit: RowFit, coloured: set[str]) -> int | None:
        """One line under the sheet's notes saying what its coloured cells are (the printed numbers kept
        as printed); the row written, None when the sheet has no coloured cell."""
        if not coloured:
            return None
        parts = [LEGEND[kind] for kind in ("reported", "published") if kind in coloured]
        if self.as_published and "reported" in coloured:
            parts[0] = LEGEND["as_published"]
        text = "图例：" + "；".join(parts) + f"。关系在“{CHECK_SHEET}”工作表中核对。"
        notes = len(self.edition.table(plan.table_id).footnotes) if plan.print_cols is None else 0
        row = plan.footnote_row + notes + 1
        last = (plan.print_cols or plan.ncols) - 1
        ws.merge_range(row, 0, row, last, text, fmt.get("footnote"))
        fit.text(row, 0, text, last)
        return row

    def _merge_down(self, ws: Worksheet, plan: SheetPlan, fmt: Formats) -> None:
        """一级/二级指标 as the form prints them: equal values on consecutive lines merged into one cell
        (a column's runs nest inside those of the columns before it). Each merged cell keeps its value
        underneath, so SUMIF over the column and the reader see every line's (reader: ``merge`` fields)."""
        by_pos = {(dc.row, dc.col): (ref, dc) for ref, dc in plan.cells.items()}
        first, last = plan.body_rows
        bounds: set[int] = {first, last + 1}
        for col in plan.merge_cols:
            run_start = first
            for r in range(first, last + 2):
                here = by_pos.get((r, col)) if r <= last else None
                start = by_pos.get((run_start, col))
                same = (
                    here is not None
                    and start is not None
                    and r not in bounds
                    and self.values.get(here[0]) not in (None, "")
                    and self.values.get(here[0]) == self.values.get(start[0])
                )
                if same:
                    continue
                if start is not None and r - 1 > run_start:
                    ref, dc = start
                    text = str(self.values.get(ref))
                    style = fmt.value(dc.kind, reported=False)
                    ws.merge_range(run_start, col, r - 1, col, text, style)
                    for k in range(run_start + 1, r):  # kept underneath: every line's value
                        ws.write_string(k, col, text, style)
                bounds.add(r)
                run_start = r

    def _write_printed(self, wb: xlsxwriter.Workbook, ws: Worksheet, plan: SheetPlan, fmt: Formats) -> None:
        """A printed table of an entry workbook: every cell a formula over its entry cell — an amount its
        rounding in the printed unit, codes, names and counts as typed."""
        rounding = self.rounding
        assert rounding is not None
        fit = RowFit(plan.widths)
        self._write_frame(ws, plan, fmt, fit)
        locate = self._locator(plan.name)
        derived = derived_of(self.order, self.frozen)
        for ref, dc in plan.cells.items():
            wb.define_name(defined_name(ref, PRINTED_PREFIX), f"={quote_sheetname(plan.name)}!{_abs(dc)}")
            if dc.kind == "amount":
                formula, cached = rounding.render(ref, locate, derived), rounding.evaluate(self.values.get(ref))
            else:
                source = locate(ref)
                formula, cached = f'=IF({source}="","",{source})', self.shown.get(ref)
            ws.write_formula(dc.row, dc.col, formula, fmt.value(dc.kind, formula=True, zeros=True), stored(cached))
            if dc.kind in ("name", "text") and cached:
                fit.text(dc.row, dc.col, str(cached), dc.last_col)
        fit.apply(ws)
        sheets.page_setup(ws, plan, self._page(plan))

    def _as_shown(self) -> dict[CellRef, Value]:
        """Every cell as a spreadsheet shows it: a formula over blank cells gives 0 (or text), not blank."""
        shown = dict(self.values)
        for check in self.order:
            cell = check.defines
            if cell is None or cell in self.frozen:
                continue
            try:
                shown[cell] = None if check.shows_blank(shown.get) else check.rhs.evaluate(shown.get)
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


@fewer_full_collections()
def write_template(
    path: str | os.PathLike[str],
    edition: Edition,
    unit_name: str,
    year: int | str,
    codes: Iterable[str] | None = None,
    unit_type: str | None = None,
    scorecards: int = 1,
    entry_unit: str | None = None,
    *,
    shading: bool = True,
) -> WriteResult:
    """A blank template: inputs shaded, every derived number a formula; ``scorecards`` 项目支出绩效自评表
    sheets (where the edition has them). ``entry_unit`` 元 for an edition printed in 万元: figures are
    typed and computed in 元 on entry sheets, each printed 万元 cell is its 元 cell rounded on its own
    (default: typed in the edition's unit). ``shading`` False: input cells white, for a printer that
    would print the shading (the cells to type in stay the unlocked ones)."""
    shape = template_shape(edition, codes, unit_type, scorecards)
    values: dict[CellRef, Value] = {}
    for table in edition.tables:
        for code in shape.codes_of(table.id):
            values[CellRef(table.id, code, "code")] = code
            name = next((c.name for c in edition.classes if c.code == code), None) or edition.functions.get(code)
            if name:
                values[CellRef(table.id, code, "name")] = name
    writer = WorkbookWriter(
        edition,
        shape,
        unit_name=unit_name,
        year=year,
        values=values,
        kind="template",
        entry_unit=entry_unit,
        shading=shading,
    )
    return writer.write(path)


@fewer_full_collections()
def write_report(
    path: str | os.PathLike[str],
    report: Report,
    *,
    as_published: bool = False,
    for_print: bool = False,
    narrative_inputs: dict[str, Decimal] | None = None,
    extra_sheets: Sequence[ExtraSheet] = (),
    audit_scorecards: bool = True,
) -> WriteResult:
    """A filled workbook of ``report`` that changes no published figure (:mod:`xlreport.write.published`):
    a derived cell holds its formula where that prints the printed number, else the printed number
    (``as_published``: everywhere). Printed totals that contradict their relations are listed in
    ``contradictions``. ``narrative_inputs`` fill the 情况说明 sheet's inputs (last year's totals,
    年初预算 …) by id; ``extra_sheets`` add sheets after the writer's own (the 汇总明细 of a
    consolidated report). ``for_print``: the publication style — no shading, no 填表说明, 审核 or lists
    sheet: the 公开 tables, scorecards and 情况说明 as they print (a scorecard's helper columns stand
    outside its print area, as in every workbook). ``audit_scorecards=False``: the 审核 sheet lists a
    scorecard's checks only where they do not hold (a consolidated report's scorecards, each audited in
    its unit's return: 2,000 scorecards would add 50,000 rows)."""
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
        extra_sheets=extra_sheets,
        reasons=dict(report.reasons),
        for_print=for_print,
        audit_scorecards=audit_scorecards,
    )
    return writer.write(path)
