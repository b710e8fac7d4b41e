"""Where the cells of a 项目支出绩效自评表 go on its sheet: the edition's form (ScorecardForm), placed.

The reader reads a scorecard back by the same form (reader._read_scorecard); nothing here knows a
label, a column or an offset of its own.
"""

from __future__ import annotations

from ..editions.spec import CardBlock, Edition, ScorecardForm
from ..rules.expr import CellRef
from ..rules.shape import ScorecardShape
from .plan import DataCell, SheetPlan, Text


def suggested_ref(form: ScorecardForm, sid: str, row: str) -> CellRef | None:
    """The 建议得分 display cell of an indicator row (K4's right-hand side, not part of the model)."""
    key = form.indicators.display()
    return None if key is None else CellRef(sid, row, key)


def block_headings(block: CardBlock, head: int) -> list[Text]:
    """The header rows of a block from row ``head``: a one-line header spans all header rows, a
    ``(group, line)`` header stands under its group's heading, merged over the group's columns; each
    across the sheet columns its field spans."""
    out: list[Text] = []
    cols = block.columns
    starts = block.starts
    last_row = head + block.depth - 1
    c = 0
    while c < len(cols):
        first, last = starts[c], starts[c] + cols[c].span - 1
        if len(cols[c].header) == 1:
            out.append(Text(head, first, cols[c].printed, "header", last_row, last))
            c += 1
            continue
        group = cols[c].header[0]
        end = c
        while end + 1 < len(cols) and len(cols[end + 1].header) == 2 and cols[end + 1].header[0] == group:
            end += 1
        out.append(Text(head, first, group, "header", head, starts[end] + cols[end].span - 1))
        out += [
            Text(head + 1, starts[k], cols[k].printed, "header", head + 1, starts[k] + cols[k].span - 1)
            for k in range(c, end + 1)
        ]
        c = end + 1
    return out


def plan_scorecard(edition: Edition, card: ScorecardShape) -> SheetPlan:
    """The sheet of one scorecard: the printed form over columns 0 … span-1, the suggested score and its
    inputs beside it; print titles are the indicators' header rows."""
    sid = card.sid
    spec = edition.scorecard
    form = spec.form
    last = form.span - 1
    plan = SheetPlan(f"{spec.sheet_prefix}{sid[1:]}", sid, len(form.widths), list(form.widths), print_cols=form.span)
    texts, cells = plan.texts, plan.cells

    def cell(row_key: str, col: str, r: int, c: int, kind: str, span: int = 1) -> None:
        ref = CellRef(sid, row_key, col)
        cells[ref] = DataCell(ref, r, c, kind, c + span - 1 if span > 1 else None)

    texts.append(Text(0, 0, spec.title, "title", 0, last))
    for i, item in enumerate(form.header):
        r = form.header_row(i)
        if item.bare:  # the value alone, centred over the form
            cell("info", item.key, r, 0, item.kind, form.span)
            continue
        texts.append(Text(r, 0, item.label, "label_bold", r, form.value_column - 1))
        texts.append(Text(r, form.value_column, "", "text", r, last))
        cell("info", item.key, r, form.value_column, item.kind)
    r = form.header_row(len(form.header))
    for block, keys in ((form.budget, card.budget), (form.indicators, card.indicators)):
        texts.append(Text(r, 0, block.title, "section", r, last))
        texts += block_headings(block, r + 1)
        plan.header_rows = (r + 1, r + block.depth)  # the indicators' header, in the end: repeated on print
        r += block.body_offset
        first = r
        for key in keys:
            for start, col in zip(block.starts, block.columns, strict=True):
                cell(key, col.key, r, start, col.kind, col.span)
            r += 1
        plan.body_rows = (first, r - 1)  # the indicators' lines, in the end
    plan.merge_cols = tuple(s for s, c in zip(form.indicators.starts, form.indicators.columns, strict=True) if c.merge)
    value_col = form.indicators.index(form.summary_column)
    for item in form.summary:
        texts.append(Text(r, 0, item.label, "label_bold", r, value_col - 1))
        cell("summary", item.key, r, value_col, item.kind)
        r += 1
    plan.border_rows = (1, r - 1)
    plan.footnote_row = r
    return plan
