"""The writer's supporting sheets (填表说明, 审核, hidden lists) and per-sheet setup (print, protection,
data validation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ..editions.spec import Edition, PageSpec
from ..layout.plan import CHECK_SHEET, LISTS_SHEET, DataCell, SheetPlan
from ..rules.expr import CellRef, Value
from ..rules.instantiate import Check
from ..rules.tolerance import FAIL_LABELS, PASS_LABEL, RELATION_LABELS, ROUNDING_LABEL, RoundingRule, RowCells
from ..validation.labels import Labeler
from .formats import Formats
from .rowfit import RowFit, text_units


@dataclass
class Lists:
    level1: str  # =_lists!$A$1:$A$3
    level2: str
    ops: str


def add_lists_sheet(wb: xlsxwriter.Workbook, edition: Edition) -> Lists:
    ws = wb.add_worksheet(LISTS_SHEET)
    level1 = list(edition.scorecard.level1)
    level2 = [name for names in edition.scorecard.level1.values() for name in names]
    for i, name in enumerate(level1):
        ws.write_string(i, 0, name)
    for i, name in enumerate(level2):
        ws.write_string(i, 1, name)
    for i, op in enumerate(("≥", "≤", "=")):
        ws.write_string(i, 2, op)
    ws.hide()
    sheet = quote_sheetname(LISTS_SHEET)
    return Lists(
        level1=f"={sheet}!$A$1:$A${max(1, len(level1))}",
        level2=f"={sheet}!$B$1:$B${max(1, len(level2))}",
        ops=f"={sheet}!$C$1:$C$3",
    )


def validation_kind(dc: DataCell) -> str | None:
    """Which data validation an input cell gets (None: free text)."""
    if dc.ref.col in ("level1", "level2", "target_op"):
        return dc.ref.col
    return dc.kind if dc.kind in ("amount", "count", "rate", "score") else None


def apply_validation(ws: Worksheet, pending: dict[str, list[str]], lists: Lists | None) -> None:
    """One data validation per kind of input cell, over all such cells of the sheet."""
    for kind, cells in pending.items():
        rule: dict[str, object]
        if kind == "count":
            rule = {
                "validate": "integer",
                "criteria": ">=",
                "value": 0,
                "error_title": "数量",
                "error_message": "请填写非负整数。",
            }
        elif kind in ("amount", "rate", "score"):
            rule = {
                "validate": "decimal",
                "criteria": "between",
                "minimum": -1e15,
                "maximum": 1e15,
                "error_title": "金额",
                "error_message": "请填写数字（不要填写文字或单位）。",
            }
        else:
            if lists is None:  # a publication copy has no lists sheet: its 指标 cells are free text
                continue
            source = {"level1": lists.level1, "level2": lists.level2, "target_op": lists.ops}[kind]
            rule = {
                "validate": "list",
                "source": source,
                "error_type": "warning",
                "error_title": "指标",
                "error_message": "请从下拉列表中选择。",
            }
        for start in range(0, len(cells), 2000):  # keep each sqref list of a sane length
            chunk = cells[start : start + 2000]
            ws.data_validation(chunk[0], {**rule, "multi_range": " ".join(chunk)})


PAPER = {"A4": (9, 8.27, 11.69), "A3": (8, 11.69, 16.54)}  # xlsxwriter paper index, width, height (inches)


def fit_scale(widths: list[float], page: PageSpec) -> float:
    """The percentage at which columns of ``widths`` (Excel units) fit the page's printable width."""
    _, short, long = PAPER[page.paper]
    across = (long if page.orientation == "landscape" else short) - page.margins[0] - page.margins[1]
    inches = sum(7 * w + 5 for w in widths) / 96
    return 100 * across / inches if inches else 100


def print_setup(ws: Worksheet, page: PageSpec, widths: list[float], repeat_cols: int = 0) -> None:
    """Paper, orientation, fit, margins and footer of a sheet from its edition's page spec: fitted to
    ``fit_width`` pages across unless that prints below ``min_scale`` %, then at ``min_scale`` across
    pages, the first ``repeat_cols`` columns (the row titles) repeated on each."""
    if page.orientation == "landscape":
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(PAPER[page.paper][0])
    left, right, top, bottom = page.margins
    ws.set_margins(left=left, right=right, top=top, bottom=bottom)
    ws.set_footer(page.footer)
    ws.center_horizontally()
    if page.fit_width and fit_scale(widths, page) / max(1, page.fit_width) < page.min_scale:
        ws.set_print_scale(page.min_scale)
        if repeat_cols:
            ws.repeat_columns(0, repeat_cols - 1)
        return
    ws.fit_to_pages(page.fit_width, page.fit_height)


def page_setup(ws: Worksheet, plan: SheetPlan, page: PageSpec, last_row: int | None = None) -> None:
    """The sheet's print setup; ``last_row``: a row below the notes the print area must include (a legend)."""
    cols = plan.print_cols or plan.ncols
    repeat = plan.slots[0].name_col + 1 if plan.slots else 0
    print_setup(ws, page, plan.widths[:cols], repeat)
    ws.repeat_rows(plan.header_rows[0], plan.header_rows[1])
    if plan.print_cols is None:  # a table: its header stays in view (a scorecard's header is far down)
        first_body = plan.body_rows[0] if plan.body_rows[0] > 0 else plan.header_rows[1] + 1
        ws.freeze_panes(first_body, 0)
    ws.print_area(0, 0, max(plan.footnote_row + 3, last_row or 0), cols - 1)
    ws.protect(
        "",
        {
            "format_columns": True,
            "format_rows": True,
            "insert_rows": True,
            "delete_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )


@dataclass
class SheetSummary:
    name: str
    title: str
    formulas: int
    inputs: int
    depends_on: set[str]


GUIDE_PAGE = PageSpec(orientation="portrait")  # 填表说明 prints portrait, one page wide, pages numbered
GUIDE_WIDTHS = {"name": (10, 36), "title": (10, 36), "number": (8, 8), "note": (16, 36)}  # (least, most) units


def guide_lines(
    edition: Edition,
    summaries: list[SheetSummary],
    *,
    reported: bool = False,
    entry: str | None = None,
    has_scorecards: bool = True,
    shading: bool = True,
) -> list[str]:
    """The numbered lines of 填表说明, each said only of what this edition has: its coded tables, its
    count rows, the sheets one reads from another, its scorecard's helper columns."""
    tables = edition.tables
    counts = [
        row.label or row.name or "" for t in tables for panel in t.panels for row in panel.rows if row.kind == "count"
    ] + [c.name or c.label for t in tables for panel in t.panels for c in panel.columns if c.role == "count"]
    count_line = ""
    if counts:
        count_line = "车辆数等数量填写整数。" if any("车辆" in c for c in counts) else "数量填写整数。"
    where = "浅黄色单元格" if shading else "未锁定的单元格（填报单元格未加底色）"
    out = [
        f"只填写{where}；其余的合计、小计、总计等单元格由公式自动计算，已锁定（工作表保护无密码）。",
        f"金额单位：{edition.info.amount_unit}，保留{edition.info.decimals}位小数；空白表示无数据，与 0 不同。"
        + count_line,
    ]
    if entry:
        out[1] = f"{entry}空白表示无数据，与 0 不同。" + count_line
    coded = [t.sheet for t in tables if t.coded is not None]
    if coded:
        out.append(
            f"{'、'.join(coded)}的科目编码按文本填写（类3位、款5位、项7位）；类、款行由其下级项自动汇总。"
            "增加科目时可在表内插入行。"
        )
    names = {s.name for s in summaries}
    reader = next((s for s in summaries if (s.depends_on - {s.name}) & names), None)
    if reader is not None:
        source = sorted((reader.depends_on - {reader.name}) & names)[0]
        out.append(f"按下表顺序填写：前面的表为后面的表提供数据（例如{reader.name}的数字取自{source}）。")
    else:
        out.append("按下表顺序填写。")
    out.append(
        f"填完后查看“{CHECK_SHEET}”工作表：顶行是审核结论；每条勾稽关系显示“通过”、“尾差”（四舍五入误差以内）、"
        "“提示”、“警告”或“错误”，错误排在最前。"
    )
    helpers = [c.header[-1] for c in edition.scorecard.form.indicators.columns if c.role == "helper"]
    if has_scorecards and edition.scorecard.enabled:
        line = f"{edition.scorecard.title}：填写预算执行情况、年度目标和各项绩效指标"
        if helpers:
            line += f"；定量指标请在表格右侧“{'/'.join(helpers)}”填写数值，以便计算建议得分（这些列不打印）"
        out.append(line + "。")
    if reported:
        out.append(
            "浅蓝色单元格：公开表印刷的合计数，公式算出的数与之不同（四舍五入尾差，或印为0.00、空白），按印刷数"
            "保留，不写公式；橙色单元格：与勾稽关系矛盾的印刷数，按原样保留。两者均可修改，关系在"
            f"“{CHECK_SHEET}”工作表中核对。"
        )
    return [f"{i}. {line}" for i, line in enumerate(out, 1)]


def _fitted(texts: list[str], least: float, most: float) -> float:
    """A column width (units) that holds the longest of ``texts`` on one line, within ``least``…``most``."""
    longest = max((text_units(t) for t in texts), default=0.0)
    return round(min(most, max(least, longest + 1.5)), 1)


def write_guide(
    ws: Worksheet,
    fmt: Formats,
    edition: Edition,
    summaries: list[SheetSummary],
    reported: bool = False,
    entry: str | None = None,
    has_scorecards: bool = True,
) -> None:
    """填表说明: which sheets and cells to fill, in what order, and which compute themselves (``reported``:
    some derived cells hold the printed number, and the colours that mark them are explained; ``entry``: the
    line on typing in another unit than the tables print). Said from the edition's own tables; a 表名
    column only where some sheet's name is not its title; widths from the content, rows fitted, a print
    setup (portrait, one page wide, numbered)."""
    ordered = fill_order(summaries)
    notes = []
    for summary in ordered:
        reads = "、".join(sorted(summary.depends_on - {summary.name}))
        note = "全部自动计算，无需填写" if summary.inputs == 0 else ""
        if reads:
            note = (note + "；" if note else "") + f"引用：{reads}"
        notes.append(note)
    with_title = any(s.title != s.name for s in ordered)
    columns: list[tuple[str, float]] = [("工作表", _fitted([s.name for s in ordered], *GUIDE_WIDTHS["name"]))]
    if with_title:
        columns.append(("表名", _fitted([s.title for s in ordered], *GUIDE_WIDTHS["title"])))
    columns += [("填报顺序", 8), ("需填写", 8), ("自动计算", 8)]
    columns.append(("说明", _fitted(notes, *GUIDE_WIDTHS["note"])))
    widths = [w for _, w in columns]
    last_col = len(columns) - 1
    if sum(widths) < 80:  # the lines above the table need room to read: widen the 说明 column
        widths[-1] += 80 - sum(widths)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    fit = RowFit(widths)
    ws.merge_range(0, 0, 0, last_col, f"填表说明（{edition.info.name}）", fmt.get("title"))
    fit.at_least(0, 30)
    lines = guide_lines(
        edition, summaries, reported=reported, entry=entry, has_scorecards=has_scorecards, shading=fmt.shading
    )
    for i, line in enumerate(lines):
        ws.merge_range(2 + i, 0, 2 + i, last_col, line, fmt.get("footnote"))
        fit.text(2 + i, 0, line, last_col)
    head = 3 + len(lines)
    for c, (title, _) in enumerate(columns):
        ws.write_string(head, c, title, fmt.get("header"))
        fit.text(head, c, title)
    for i, (summary, note) in enumerate(zip(ordered, notes, strict=True)):
        r = head + 1 + i
        cells: list[str | int] = [summary.name] + ([summary.title] if with_title else [])
        cells += [i + 1, summary.inputs, summary.formulas, note]
        for c, value in enumerate(cells):
            if isinstance(value, int):
                ws.write_number(r, c, value, fmt.get("line"))
            else:
                ws.write_string(r, c, value, fmt.get("label"))
                fit.text(r, c, value)
    last_row = head + len(ordered)
    fit.apply(ws)
    print_setup(ws, GUIDE_PAGE, widths)
    ws.repeat_rows(head)
    ws.print_area(0, 0, last_row, last_col)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    ws.activate()


def fill_order(summaries: list[SheetSummary]) -> list[SheetSummary]:
    """Sheets that others read from come first; edition order among equals."""
    done: list[SheetSummary] = []
    remaining = list(summaries)
    while remaining:
        names = {s.name for s in remaining}
        ready = next((s for s in remaining if not (s.depends_on - {s.name}) & names), remaining[0])
        done.append(ready)
        remaining.remove(ready)
    return done


NOT_FILLED = "未填报"
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
FILLED_CELL = (0, 11)  # where the 审核 sheet counts the numbers typed (L1)
HEAD_ROW = 1  # the column titles; the verdict line stands above them


def audit_order(checks: list[Check]) -> list[Check]:
    """The 审核 sheet's rows: errors first, then warnings, then notes; the validator's order within each."""
    return sorted(checks, key=lambda c: SEVERITY_ORDER.get(c.rule.severity, 3))


def write_checks_sheet(
    wb: xlsxwriter.Workbook,
    fmt: Formats,
    checks: list[Check],
    values: dict[CellRef, Value],
    shown: dict[CellRef, Value],
    labeler: Labeler,
    locator: Callable[[str], Callable[[CellRef], str]],
    rule_of: Callable[[Check], RoundingRule],
    inputs: list[str] | None = None,
    held: int = 0,
    filled: bool = True,
) -> None:
    """审核: a one-line verdict, then one row per rule instance (every check the validator evaluates),
    errors first, with its two sides, the difference, the allowed bound and a live verdict 通过 / 尾差 /
    警告 / 错误 that ``rule_of(check)`` both renders and decides: the cached verdict is the validator's on
    ``values`` (derived cells over blank cells blank), the sides are cached as a spreadsheet shows them
    (``shown``). Until a number is typed in one of ``inputs`` (COUNT arguments; ``filled``: whether one
    is) every verdict reads 未填报, as the validator reports a workbook with nothing filled in."""
    ws = wb.add_worksheet(CHECK_SHEET)
    locate = locator(CHECK_SHEET)
    fit = RowFit([w for _, w in CHECK_COLUMNS])
    for c, (title, width) in enumerate(CHECK_COLUMNS):
        ws.write_string(HEAD_ROW, c, title, fmt.get("header"))
        ws.set_column(c, c, width)
    fit.at_least(HEAD_ROW, 24)
    num = fmt.raw("check_num", {"num_format": "#,##0.00", "border": 1, "valign": "vcenter"})
    count = fmt.raw("check_count", {"num_format": "0", "border": 1, "valign": "vcenter"})
    bound_fmt = fmt.raw("check_bound", {"num_format": "0.00###", "border": 1, "valign": "vcenter"})
    text = fmt.get("label")
    line = fmt.get("line")
    counted = _count_formula(inputs or [])
    fr, fc = FILLED_CELL
    ws.write_string(fr, fc - 1, "已填数字", fmt.get("meta_right"))
    ws.write_formula(fr, fc, "=" + counted, fmt.get("meta_left"), held)
    is_filled = xl_rowcol_to_cell(fr, fc, row_abs=True, col_abs=True)
    filled = filled and held > 0
    row = HEAD_ROW + 1
    tally: dict[str, int] = {}
    for check in audit_order(checks):
        rule = rule_of(check)
        anchor = check.anchor
        cells = RowCells(*(xl_rowcol_to_cell(row, c) for c in (3, 5, 6, 7)))
        formulas = rule.render(locate, cells)
        left, right, diff = rule.side_values(shown.get)
        side = count if check.op == "empty" else num
        where = labeler.describe(anchor) if anchor else ""
        fit.text(row, 1, check.rule.description)
        fit.text(row, 2, where)
        ws.write_string(row, 0, check.id, text)
        ws.write_string(row, 1, check.rule.description, text)
        ws.write_string(row, 2, where, text)
        ws.write_formula(row, 3, formulas.left, side, _cache(left))
        ws.write_string(row, 4, RELATION_LABELS[check.op], line)
        ws.write_formula(row, 5, formulas.right, side, _cache(right))
        ws.write_formula(row, 6, formulas.difference, num, _cache(diff))
        ws.write_formula(row, 7, formulas.bound, bound_fmt, _cache(rule.bound_value(shown.get)))
        ws.write_string(row, 8, FAIL_LABELS[check.rule.severity], line)
        label = rule.evaluate(values.get).label if filled else NOT_FILLED
        tally[label] = tally.get(label, 0) + 1
        verdict = f'=IF({is_filled}=0,"{NOT_FILLED}",{formulas.verdict[1:]})'
        ws.write_formula(row, 9, verdict, line, label)
        row += 1
    last = max(row - 1, HEAD_ROW + 1)
    verdict_col = len(CHECK_COLUMNS) - 1
    column = f"{xl_rowcol_to_cell(HEAD_ROW + 1, verdict_col, row_abs=True, col_abs=True)}:" + xl_rowcol_to_cell(
        last, verdict_col, row_abs=True, col_abs=True
    )
    summary, cached = _verdict_line(is_filled, column, tally, filled)
    ws.merge_range(0, 0, 0, verdict_col, "", fmt.get("verdict_line"))
    ws.write_formula(0, 0, summary, fmt.get("verdict_line"), cached)
    fit.at_least(0, 22)
    for label, style in VERDICT_STYLES.items():
        ws.conditional_format(
            HEAD_ROW + 1,
            verdict_col,
            last,
            verdict_col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{label}"',
                "format": fmt.raw(style, _FILLS[style], keep_fill=True),
            },
        )
    fit.apply(ws)
    ws.autofilter(HEAD_ROW, 0, last, verdict_col)
    ws.freeze_panes(HEAD_ROW + 1, 3)
    print_setup(ws, PageSpec(), [w for _, w in CHECK_COLUMNS])
    ws.repeat_rows(HEAD_ROW)
    ws.print_area(0, 0, last, verdict_col)
    ws.protect("", {"autofilter": True, "sort": True, "select_locked_cells": True, "select_unlocked_cells": True})


def _count_formula(args: list[str]) -> str:
    """How many numbers ``args`` (cells and ranges) hold: COUNT in pieces of at most 250 arguments."""
    if not args:
        return "0"
    pieces = [args[i : i + 250] for i in range(0, len(args), 250)]
    return "+".join(f"COUNT({','.join(p)})" for p in pieces)


def _verdict_line(filled_cell: str, column: str, tally: dict[str, int], filled: bool) -> tuple[str, str]:
    """The one-line verdict over the 审核 rows and the text it shows now."""
    err, warn = FAIL_LABELS["error"], FAIL_LABELS["warning"]
    n_err, n_warn = (f'COUNTIF({column},"{label}")' for label in (err, warn))
    formula = (
        f'=IF({filled_cell}=0,"审核结论：{NOT_FILLED}（尚未填写任何数字）",'
        f'IF({n_err}>0,"审核结论：不通过，"&{n_err}&" 项{err}、"&{n_warn}&" 项{warn}",'
        f'IF({n_warn}>0,"审核结论：通过，另有 "&{n_warn}&" 项{warn}","审核结论：通过")))'
    )
    if not filled:
        cached = f"审核结论：{NOT_FILLED}（尚未填写任何数字）"
    elif tally.get(err):
        cached = f"审核结论：不通过，{tally[err]} 项{err}、{tally.get(warn, 0)} 项{warn}"
    elif tally.get(warn):
        cached = f"审核结论：通过，另有 {tally[warn]} 项{warn}"
    else:
        cached = "审核结论：通过"
    return formula, cached


CHECK_COLUMNS = [
    ("规则编号", 11),
    ("说明", 46),
    ("位置", 36),
    ("左边", 15),
    ("关系", 6),
    ("右边", 15),
    ("差额", 12),
    ("允许差额", 9),
    ("不通过时", 8),
    ("结果", 7),
]
VERDICT_STYLES = {
    PASS_LABEL: "verdict_pass",
    ROUNDING_LABEL: "verdict_rounding",
    FAIL_LABELS["info"]: "verdict_info",
    FAIL_LABELS["warning"]: "verdict_warning",
    FAIL_LABELS["error"]: "verdict_error",
}
_FILLS: dict[str, dict[str, object]] = {
    "verdict_pass": {"font_color": "#006100", "bg_color": "#C6EFCE"},
    "verdict_rounding": {"font_color": "#1F4E78", "bg_color": "#DDEBF7"},
    "verdict_info": {"font_color": "#3F3151", "bg_color": "#E4DFEC"},
    "verdict_warning": {"font_color": "#9C5700", "bg_color": "#FFEB9C"},
    "verdict_error": {"font_color": "#9C0006", "bg_color": "#FFC7CE", "bold": True},
}


def _cache(value: Value | Decimal) -> float | str:
    if value is None:
        return 0.0
    if isinstance(value, Decimal):
        return float(value)
    return value
