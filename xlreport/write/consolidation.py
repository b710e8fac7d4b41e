"""The 汇总明细 sheet of a consolidated (汇总) workbook: for every table total, each unit's contribution.

One row per unit (本级 first), one column per total cell of the tables; below the units, the column's
合计 (a live SUM), for 元 returns consolidated into 万元 the 合计 in 万元 (ROUND(合计/10000, 2)), the number
the consolidated table shows (a formula naming the table's cell) and the difference. Text the users
supplied (unit names, file names) is always written as a string, never as a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from ..layout.plan import defined_name
from ..model.units import to_wanyuan
from ..model.values import CellRef, Value
from .cached import stored
from .formats import AMOUNT, COUNT, Formats
from .rowfit import RowFit

if TYPE_CHECKING:  # pragma: no cover
    from .writer import ExtraSheet, WorkbookWriter

DETAIL_SHEET = "汇总明细"
SOURCES_SHEET = "绩效自评来源"
_WIDTHS = (6, 24, 20, 18)  # 序号, 单位名称, 报送文件, 审核结果 (错误12个（强制汇总）)
_TOTAL_WIDTH = 15  # each total's column
_PAGE_TOTALS = 2  # the fixed columns and this many totals fill the first landscape page (title, notes: 98 units)
_FIRST = 4  # the three header rows below the title and the meta line
_FIXED = ("序号", "单位名称", "报送文件", "审核结果")


@dataclass(frozen=True)
class DetailUnit:
    name: str
    source: str
    status: str  # 通过 / 有错误（强制汇总）
    is_self: bool = False
    projects: tuple[str, ...] = ()  # the project names of its scorecards, in order

    @property
    def label(self) -> str:
        """The unit's name as the sheets show it (本级 marked)."""
        return self.name + ("（本级）" if self.is_self else "")


@dataclass(frozen=True)
class ConsolidationDetail:
    """What the sheet shows: the units, the total cells and each unit's value of them (in ``source_unit``)."""

    units: Sequence[DetailUnit]
    totals: Sequence[CellRef]
    contributions: dict[CellRef, list[Value]]
    counts: frozenset[CellRef]  # the total cells that are counts (vehicles), never converted
    source_unit: str
    converted: bool  # 元 returns, a 万元 report
    notes: Sequence[str] = ()


def detail_sheet(detail: ConsolidationDetail) -> ExtraSheet:
    """The sheet as an extra sheet of :func:`xlreport.write.writer.write_report`."""

    def add(wb: xlsxwriter.Workbook, fmt: Formats, writer: WorkbookWriter) -> None:
        _write(wb, fmt, writer, detail)

    return add


def _sum(values: list[Value]) -> Decimal | None:
    numbers = [v for v in values if isinstance(v, Decimal)]
    return sum(numbers, Decimal(0)) if numbers else None


def _write(wb: xlsxwriter.Workbook, fmt: Formats, writer: WorkbookWriter, detail: ConsolidationDetail) -> None:
    ws = wb.add_worksheet(DETAIL_SHEET)
    labeler = writer.labeler
    border = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
    amount = fmt.raw("detail_amount", {**border, "num_format": AMOUNT})
    count = fmt.raw("detail_count", {**border, "num_format": COUNT})
    text = fmt.raw("detail_text", {**border, "text_wrap": True})
    bold = fmt.raw("detail_bold", {**border, "bold": True})
    last_col = len(_FIXED) + len(detail.totals) - 1
    ws.merge_range(
        0,
        0,
        0,
        min(last_col, len(_FIXED) + _PAGE_TOTALS - 1),
        f"{writer.unit_name} 汇总明细：各表合计数的单位构成",
        fmt.get("title"),
    )
    ws.set_row(0, 30)
    unit_word = f"金额单位：{detail.source_unit}（各单位报送数）"
    if detail.converted:
        unit_word += f"；汇总表为{writer.amount_unit}"
    ws.write_string(1, 0, f"部门名称：{writer.unit_name}    {writer.year}年度    {unit_word}", fmt.get("meta_left"))
    for c, head in enumerate(_FIXED):
        for r in range(_FIRST - 3, _FIRST):
            ws.write_string(r, c, head if r == _FIRST - 1 else "", fmt.get("header"))
    for i, ref in enumerate(detail.totals):
        c = len(_FIXED) + i
        row, col = labeler.row(ref), labeler.column(ref)
        ws.write_string(_FIRST - 3, c, labeler.sheet(ref.table), fmt.get("header"))
        ws.write_string(_FIRST - 2, c, (f"行次{row.line} " if row.line else "") + row.label, fmt.get("header"))
        ws.write_string(_FIRST - 1, c, col.label + (f"（栏次{col.seq}）" if col.seq else ""), fmt.get("header"))
    ws.set_row(_FIRST - 2, 27)
    ws.set_row(_FIRST - 1, 40)
    widths = [*_WIDTHS, *([_TOTAL_WIDTH] * len(detail.totals))]
    fit = RowFit(widths)  # a long unit or file name wraps: its row as high as its lines
    for n, unit in enumerate(detail.units):
        r = _FIRST + n
        name = unit.label
        ws.write_number(r, 0, n + 1, count)
        ws.write_string(r, 1, name, text)
        ws.write_string(r, 2, unit.source, text)
        fit.text(r, 1, name)
        fit.text(r, 2, unit.source)
        ws.write_string(r, 3, unit.status, fmt.get("pass" if unit.status == "通过" else "fail"))
        for i, ref in enumerate(detail.totals):
            value = detail.contributions[ref][n]
            style = count if ref in detail.counts else amount
            if isinstance(value, Decimal):
                ws.write_number(r, len(_FIXED) + i, stored(value), style)  # type: ignore[arg-type]
            else:
                ws.write_blank(r, len(_FIXED) + i, None, style)
    first, last = _FIRST, _FIRST + len(detail.units) - 1
    r = last + 1
    summary = [("合计", "sum")]
    if detail.converted:
        summary.append((f"合计折合{writer.amount_unit}", "converted"))
    summary += [("汇总表数", "table"), ("差额（汇总表数−合计）", "difference")]
    rows = {kind: r + k for k, (_, kind) in enumerate(summary)}
    for label, kind in summary:
        ws.write_string(rows[kind], 1, label, bold)
        for c in (0, 2, 3):
            ws.write_blank(rows[kind], c, None, bold)
    for i, ref in enumerate(detail.totals):
        c = len(_FIXED) + i
        style = count if ref in detail.counts else amount
        total = _sum(detail.contributions[ref])
        top, bottom = xl_rowcol_to_cell(first, c), xl_rowcol_to_cell(last, c)
        ws.write_formula(rows["sum"], c, f"=SUM({top}:{bottom})", style, stored(total, 0))
        compared, compared_at = total, xl_rowcol_to_cell(rows["sum"], c)
        if detail.converted:
            converted = None if total is None or ref in detail.counts else to_wanyuan(total)
            if ref in detail.counts:
                converted = total
                formula = f"={compared_at}"
            else:
                formula = f"=ROUND({compared_at}/10000,2)"
            ws.write_formula(rows["converted"], c, formula, style, stored(converted, 0))
            compared, compared_at = converted, xl_rowcol_to_cell(rows["converted"], c)
        shown = writer.shown.get(ref)
        if ref in writer.addresses:
            ws.write_formula(rows["table"], c, f"={defined_name(ref)}", style, stored(shown, 0))
            shown_number = shown if isinstance(shown, Decimal) else Decimal(0)
            difference = shown_number - (compared or Decimal(0))
            at = xl_rowcol_to_cell(rows["table"], c)
            ws.write_formula(rows["difference"], c, f"={at}-{compared_at}", style, stored(difference))
        else:
            ws.write_blank(rows["table"], c, None, style)
            ws.write_blank(rows["difference"], c, None, style)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    # each note wraps within the first printed page's width, under the units (a long note would run
    # off to the right across the pages of totals)
    note_row = rows["difference"] + 2
    note_last = min(last_col, len(_FIXED) + _PAGE_TOTALS - 1)
    note_style = fmt.raw("detail_note", {"font_name": "宋体", "font_size": 10, "text_wrap": True, "valign": "top"})
    for k, note in enumerate(detail.notes):
        text = f"注{k + 1}：{note}" if len(detail.notes) > 1 else f"注：{note}"
        ws.merge_range(note_row + k, 0, note_row + k, note_last, "", note_style)
        ws.write_string(note_row + k, 0, text, note_style)
        fit.text(note_row + k, 0, text, note_last)
    fit.apply(ws)
    ws.freeze_panes(_FIRST, 2)
    ws.autofilter(_FIRST - 1, 0, max(last, _FIRST - 1), last_col)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(_FIRST - 3, _FIRST - 1)
    ws.repeat_columns(0, 1)


_SOURCE_COLUMNS = (("序号", 5), ("工作表", 11), ("单位名称", 24), ("项目名称", 30), ("报送文件", 28))  # one page wide


def sources_sheet(detail: ConsolidationDetail) -> ExtraSheet:
    """绩效自评来源: which unit returned each 绩效自评 sheet of the consolidated workbook (sheet, unit,
    project, file; names as returned, written as text), as an extra sheet; nothing when there is none."""

    def add(wb: xlsxwriter.Workbook, fmt: Formats, writer: WorkbookWriter) -> None:
        cards = [(unit, project) for unit in detail.units for project in unit.projects]
        if not cards:
            return
        ws = wb.add_worksheet(SOURCES_SHEET)
        text = fmt.raw(
            "source_text", {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
        )
        widths = [w for _, w in _SOURCE_COLUMNS]
        last = len(_SOURCE_COLUMNS) - 1
        ws.merge_range(0, 0, 0, last, f"{writer.unit_name} 各项目绩效自评表的报送单位", fmt.get("title"))
        ws.set_row(0, 30)
        for c, (head, width) in enumerate(_SOURCE_COLUMNS):
            ws.set_column(c, c, width)
            ws.write_string(1, c, head, fmt.get("header"))
        fit = RowFit(widths)
        for n, (unit, project) in enumerate(cards):
            r = 2 + n
            name = unit.label
            ws.write_number(r, 0, n + 1, text)
            for c, value in (
                (1, writer.labeler.scorecard_sheet(f"S{n + 1}")),
                (2, name),
                (3, project),
                (4, unit.source),
            ):
                ws.write_string(r, c, value, text)
                fit.text(r, c, value)
        fit.apply(ws)
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, 1 + len(cards), last)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)  # every column on the page, as many pages down as it takes
        ws.repeat_rows(1)

    return add
