"""The 情况说明 sheet: the figures of Part 3 of the report (shares, rates, 同比) as live formulas.

Every figure is an expression of the edition's ``narrative`` entries (narrative.toml), parsed with the
relation language and rendered with the writer's addresses; this module composes no formula of its own.
Input cells (last year's totals, 年初预算 …) are named ``N[input].<id>`` in the expressions, get the
defined name ``xr.N.input.<id>`` and are the only unlocked cells of the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from ..editions.spec import Edition, NarrativeItem
from ..layout.plan import Locator, defined_name
from ..model.values import CellRef, Value
from ..rules.expr import Expr
from ..rules.parser import parse_expr
from ..rules.shape import NARRATIVE, Shape, ShapeResolver
from .cached import formula_result, stored
from .formats import Formats
from .narrative_text import REASON_ROW, LiveText
from .sheets import apply_validation

NARRATIVE_SHEET = "情况说明"
INPUT_ROW = "input"
PERCENT = "0.00%"
MAX_FORMULA = 8000  # Excel's limit is 8,192 characters
_HEAD_ROW = 3  # title, note, blank, then the column headers
_COLUMNS = (("部分", 30), ("项目", 40), ("金额或比例", 20), ("说明", 52))


@dataclass(frozen=True)
class NarrativeLine:
    """One line of the sheet: an item with {row}/{name} substituted and its expression parsed."""

    id: str
    section: str
    label: str
    kind: str
    expr: Expr | None
    measure: str = "amount"  # an input's: amount, count, percent (95 = 95%), score

    @property
    def ref(self) -> CellRef:
        return input_ref(self.id)


def input_ref(item_id: str) -> CellRef:
    return CellRef(NARRATIVE, INPUT_ROW, item_id)


def _class_name(edition: Edition, values: dict[CellRef, Value], table: str, code: str) -> str:
    name = values.get(CellRef(table, code, "name"))
    if name:
        return str(name)
    return next((c.name for c in edition.classes if c.code == code), code)


def narrative_lines(edition: Edition, shape: Shape, values: dict[CellRef, Value]) -> list[NarrativeLine]:
    """The edition's narrative items expanded (foreach_row) and parsed against ``shape``."""
    resolver = ShapeResolver(shape)
    out: list[NarrativeLine] = []
    for item in edition.narrative:
        out.extend(_expand(item, edition, resolver, values))
    return out


def _expand(
    item: NarrativeItem, edition: Edition, resolver: ShapeResolver, values: dict[CellRef, Value]
) -> list[NarrativeLine]:
    if item.foreach_row is None:
        rows: list[tuple[str | None, str | None]] = [(None, None)]
    else:
        table, _, group = item.foreach_row.partition("@")
        rows = [
            (row, _class_name(edition, values, t, row))
            for t in resolver.tables(table)
            for row in resolver.rows(t, "@" + group)
        ]
    out = []
    for row, name in rows:
        item_id, label, text = item.id, item.label, item.expr
        if row is not None:
            item_id = item_id.replace("{row}", row) if "{row}" in item_id else f"{item_id}_{row}"
            label = label.replace("{row}", row).replace("{name}", name or row)
            text = text.replace("{row}", row) if text is not None else None
        expr = None if item.kind == "input" or text is None else parse_expr(text, resolver)
        out.append(NarrativeLine(item_id, item.section, label, item.kind, expr, item.measure))
    return out


_TYPED = {"count": "个数，整数", "percent": "百分比的数，如95表示95%", "score": "分"}  # what an input's cell takes


def _note(line: NarrativeLine, addresses: dict[CellRef, tuple[str, int, int]], amount_unit: str) -> str:
    if line.expr is None:
        return f"填报：请在浅黄色单元格填写（{_TYPED.get(line.measure, amount_unit)}）"
    refs = list(line.expr.refs())
    sheets = sorted({addresses[c][0] for c in refs if c.table != NARRATIVE and c in addresses})
    parts = ["自动计算"]
    if sheets:
        parts.append("取自" + "、".join(sheets))
    if any(c.table == NARRATIVE for c in refs):
        parts.append("引用本表填报数")
    note = "，".join(parts)
    if line.kind == "percent":
        note += "；分母为0时显示0.00%"
    return note


def write_narrative_sheet(
    wb: xlsxwriter.Workbook,
    fmt: Formats,
    edition: Edition,
    shape: Shape,
    values: dict[CellRef, Value],
    addresses: dict[CellRef, tuple[str, int, int]],
    narrative_inputs: dict[str, Decimal] | None = None,
    reasons: dict[str, str] | None = None,
    unit_name: str = "",
    year: int | None = None,
) -> None:
    """Add the 情况说明 sheet: input cells for last year's figures, every other figure a live formula; below
    them the text a person writes (input cells) and the Part 3 text itself, one live formula a paragraph."""
    lines = narrative_lines(edition, shape, values)
    ws = wb.add_worksheet(NARRATIVE_SHEET)
    for c, (_, width) in enumerate(_COLUMNS):
        ws.set_column(c, c, width)
    last_col = len(_COLUMNS) - 1
    ws.merge_range(0, 0, 0, last_col, f"{edition.info.year}年度部门决算情况说明数据表", fmt.get("title"))
    ws.set_row(0, 30)
    ws.merge_range(
        1,
        0,
        1,
        last_col,
        ("浅黄色" if fmt.shading else "未锁定的")
        + "单元格填写上年数和年初预算数；其余数字由公式自动计算（比例为小数，按百分比显示），"
        "可直接用于第三部分情况说明的文字。",
        fmt.get("footnote"),
    )
    for c, (title, _) in enumerate(_COLUMNS):
        ws.write_string(_HEAD_ROW, c, title, fmt.get("header"))

    # where every line goes, and the input cells as addresses the locator can render
    first = _HEAD_ROW + 1
    placed = {line.id: first + i for i, line in enumerate(lines)}
    local = {line.ref: (NARRATIVE_SHEET, placed[line.id], 2) for line in lines if line.kind == "input"}
    locate = Locator({**addresses, **local}, NARRATIVE_SHEET)
    given = narrative_inputs or {}
    inputs: dict[CellRef, Value] = {
        line.ref: given.get(line.id) for line in lines if line.kind == "input" and given.get(line.id) is not None
    }

    def env(cell: CellRef) -> Value:
        return inputs.get(cell) if cell.table == NARRATIVE else values.get(cell)

    label_fmt = note_fmt = fmt.get("label")
    percent_fmt = fmt.raw(
        "narrative_percent",
        {
            "num_format": PERCENT,
            "border": 1,
            "valign": "vcenter",
            "align": "right",
            "font_name": "宋体",
            "font_size": 10,
        },
    )
    input_cells: list[str] = []
    start = 0
    for i, line in enumerate(lines):
        row = first + i
        ws.write_string(row, 1, line.label, label_fmt)
        ws.write_string(row, 3, _note(line, addresses, edition.info.amount_unit), note_fmt)
        if line.expr is None:
            value = inputs.get(line.ref)
            style = fmt.value("count" if line.measure == "count" else "amount")
            if value is None:
                ws.write_blank(row, 2, None, style)
            else:
                ws.write_number(row, 2, stored(value), style)  # type: ignore[arg-type]
            wb.define_name(
                defined_name(line.ref),
                f"={quote_sheetname(NARRATIVE_SHEET)}!{xl_rowcol_to_cell(row, 2, row_abs=True, col_abs=True)}",
            )
            input_cells.append(xl_rowcol_to_cell(row, 2))
        else:
            if line.kind == "percent":
                style = percent_fmt
            else:
                # a computed 0 prints 0.00, as a ratio's 0 prints 0.00% (the text says 0.00万元)
                style = fmt.value("count" if line.kind == "count" else "amount", formula=True, zeros=True)
            ws.write_formula(row, 2, "=" + line.expr.render(locate), style, formula_result(line.expr, env, blank=0.0))
        # section column: one merged cell over the lines of a section
        if i + 1 == len(lines) or lines[i + 1].section != line.section:
            top = first + start
            if row > top:
                ws.merge_range(top, 0, row, 0, line.section, fmt.get("section"))
            else:
                ws.write_string(top, 0, line.section, fmt.get("section"))
            start = i + 1
    if input_cells:
        apply_validation(ws, {"amount": input_cells}, None)
    last_row = first + max(len(lines), 1) - 1
    if edition.narrative_text is not None:
        last_row = _write_text(
            ws,
            wb,
            fmt,
            edition,
            shape,
            values,
            addresses,
            {**local},
            inputs,
            reasons or {},
            last_row + 2,
            unit_name,
            year or edition.info.year,
        )
    ws.freeze_panes(first, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(_HEAD_ROW)
    ws.print_area(0, 0, last_row, last_col)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.center_horizontally()
    ws.protect(
        "",
        {"format_columns": True, "format_rows": True, "select_locked_cells": True, "select_unlocked_cells": True},
    )


def _write_text(
    ws: xlsxwriter.worksheet.Worksheet,
    wb: xlsxwriter.Workbook,
    fmt: Formats,
    edition: Edition,
    shape: Shape,
    values: dict[CellRef, Value],
    addresses: dict[CellRef, tuple[str, int, int]],
    local: dict[CellRef, tuple[str, int, int]],
    inputs: dict[CellRef, Value],
    reasons: dict[str, str],
    row: int,
    unit_name: str,
    year: int,
) -> int:
    """The reasons' input cells, then Part 3 as live text; returns the last row written."""
    spec = edition.narrative_text
    assert spec is not None
    last_col = len(_COLUMNS) - 1
    ws.merge_range(row, 0, row, last_col, "文字说明（由填报人填写，自动进入下方情况说明）", fmt.get("header"))
    row += 1
    text_fmt = fmt.raw(
        "narrative_reason",
        {
            "border": 1,
            "text_wrap": True,
            "valign": "top",
            "locked": False,
            "bg_color": "#FFF8DC",
            "font_name": "宋体",
            "font_size": 10,
        },
    )
    given: dict[CellRef, Value] = {}
    for key, label in spec.reasons.items():
        ref = CellRef(NARRATIVE, REASON_ROW, key)
        ws.merge_range(row, 0, row, 1, label, fmt.get("label"))
        ws.merge_range(row, 2, row, last_col, "", text_fmt)
        ws.write_string(row, 2, reasons.get(key, ""), text_fmt)  # a person's text: never a formula
        if reasons.get(key):
            given[ref] = reasons[key]
        local[ref] = (NARRATIVE_SHEET, row, 2)
        wb.define_name(
            defined_name(ref),
            f"={quote_sheetname(NARRATIVE_SHEET)}!{xl_rowcol_to_cell(row, 2, row_abs=True, col_abs=True)}",
        )
        ws.set_row(row, 30)
        row += 1
    locate = Locator({**addresses, **local}, NARRATIVE_SHEET)

    def env(cell: CellRef) -> Value:
        if cell.table == NARRATIVE:
            return given.get(cell) if cell.row == REASON_ROW else inputs.get(cell)
        return values.get(cell)

    row += 1
    ws.merge_range(row, 0, row, 1, "单位名称", fmt.get("label"))
    ws.merge_range(row, 2, row, last_col, "", fmt.get("label"))
    ws.write_string(row, 2, unit_name, fmt.get("label"))
    unit_cell = xl_rowcol_to_cell(row, 2, row_abs=True, col_abs=True)
    everywhere = {**addresses, **local}
    live = LiveText(edition, shape, locate, env, unit_name, year, unit_cell, lambda c: c in everywhere)
    row += 1
    ws.merge_range(row, 0, row, last_col, f"{spec.title}（随表自动更新，可复制到公开文本）", fmt.get("header"))
    para_fmt = fmt.raw(
        "narrative_paragraph", {"border": 1, "text_wrap": True, "valign": "top", "font_name": "宋体", "font_size": 11}
    )
    heading_fmt = fmt.raw("narrative_heading", {"bold": True, "font_name": "宋体", "font_size": 11})
    for section in spec.sections:
        row += 1
        number, title = section.number, section.title
        heading = ("（" + number.split("（", 1)[1] + title) if "（" in number else f"{number}、{title}"
        ws.merge_range(row, 0, row, last_col, heading, heading_fmt)
        for sentence in spec.sentences:
            if sentence.section != number:
                continue
            piece = live.paragraph(sentence.text.replace("\n", ""))
            formula, value = piece.formula, piece.value
            if sentence.when:
                cond = live.parse(f"if({sentence.when}, 1, 0)")
                holds = cond.number(env) != 0
                formula, value = f'IF({cond.render(locate)},{formula},"")', value if holds else ""
            row += 1
            ws.merge_range(row, 0, row, last_col, "", para_fmt)
            if len(formula) < MAX_FORMULA:
                ws.write_formula(row, 0, "=" + formula, para_fmt, value)
            else:  # longer than a spreadsheet formula may be (a list of many 项): the text as written
                ws.write_string(row, 0, value, para_fmt)
                ws.write_comment(row, 0, "此段超过公式长度上限，为生成时的文字，表中数字改动后请重新生成。")
            ws.set_row(row, 15 * max(1, -(-len(value) // 80)))  # about 80 characters a line at this width
    return row
