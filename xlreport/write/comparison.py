"""The 同比 workbook (``xlreport compare -o 同比.xlsx``): one row per cell of either year, the change and
the rate as live formulas (with their cached values), rows new or gone and changes Part 3 must explain
marked. Labels are written as strings, never as formulas."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_rowcol_to_cell

from ..fileio import atomic_write
from .cached import stored
from .formats import AMOUNT, COUNT, FONT
from .xlsx import new_workbook

if TYPE_CHECKING:  # pragma: no cover
    from ..compare import Comparison

SHEET = "同比"
HEADERS = ("表", "行次", "科目编码", "项目", "栏", "本年数", "上年数", "增减额", "增减率", "情况", "需说明")
WIDTHS = (8, 6, 10, 30, 26, 16, 16, 16, 12, 12, 8)
_FIRST = 4  # title, meta line, notes line, header


def write_comparison(path: str | os.PathLike[str], result: Comparison) -> Path:
    """Write the comparison to ``path`` (whole or not at all); raises :class:`OutputError`."""
    from ..compare import NO_BASE, STATUS_LABEL, rate_text

    with atomic_write(path) as tmp:
        wb = new_workbook(tmp)
        base = {"font_name": FONT, "font_size": 10, "border": 1, "valign": "vcenter"}
        text = wb.add_format({**base, "text_wrap": True})
        amount = wb.add_format({**base, "num_format": AMOUNT})
        count = wb.add_format({**base, "num_format": COUNT})
        rate = wb.add_format({**base, "num_format": "0.00%", "align": "right"})
        header = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#F2F2F2", "text_wrap": True})
        flag = wb.add_format({**base, "bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE", "align": "center"})
        plain = wb.add_format({"font_name": FONT, "font_size": 10})
        title = wb.add_format({"font_name": FONT, "font_size": 16, "bold": True, "align": "center"})
        ws = wb.add_worksheet(SHEET)
        ws.merge_range(0, 0, 0, len(HEADERS) - 1, f"{result.unit_name} 收支同比变动表", title)
        ws.write_string(
            1,
            0,
            f"{result.this_year}年度对比{result.last_year}年度    金额单位：{result.amount_unit}    "
            f"增减额 = 本年数 − 上年数；增减率 = 增减额 ÷ 上年数",
            plain,
        )
        ws.write_string(2, 0, "；".join([result.threshold_text(), *result.notes]), plain)
        for c, (head, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
            ws.write_string(_FIRST - 1, c, head, header)
            ws.set_column(c, c, width)
        for n, line in enumerate(result.lines):
            r = _FIRST + n
            style = count if line.kind == "count" else amount
            ws.write_string(r, 0, line.sheet, text)
            ws.write_string(r, 1, "" if line.line is None else str(line.line), text)
            ws.write_string(r, 2, line.code or "", text)
            ws.write_string(r, 3, line.row_label, text)
            ws.write_string(r, 4, line.column_label + (f"（栏次{line.seq}）" if line.seq else ""), text)
            for c, value in ((5, line.this), (6, line.last)):
                if value is None:
                    ws.write_blank(r, c, None, style)
                else:
                    ws.write_number(r, c, stored(value), style)  # type: ignore[arg-type]
            this, last = xl_rowcol_to_cell(r, 5), xl_rowcol_to_cell(r, 6)
            ws.write_formula(r, 7, f"=N({this})-N({last})", style, stored(line.delta))
            shown = rate_text(line)
            cached: float | str = shown if line.rate is None or line.delta == 0 else float(line.rate / 100)
            formula = (
                f'=IF(N({this})-N({last})=0,"持平",IF(N({last})=0,"{NO_BASE}",'
                f"ROUND((N({this})-N({last}))/N({last}),4)))"
            )
            ws.write_formula(r, 8, formula, rate, cached)
            ws.write_string(r, 9, STATUS_LABEL[line.status], text)
            if line.flagged:
                ws.write_string(r, 10, "是", flag)
            else:
                ws.write_blank(r, 10, None, text)
        last_row = _FIRST + len(result.lines)
        ws.write_string(last_row + 1, 0, f"注：{_summary(result)}", plain)
        ws.freeze_panes(_FIRST, 0)
        ws.autofilter(_FIRST - 1, 0, max(_FIRST - 1, last_row - 1), len(HEADERS) - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.repeat_rows(_FIRST - 1)
        ws.fit_to_pages(1, 0)
        wb.close()
    return Path(path)


def _summary(result: Comparison) -> str:
    from ..compare import summary_line

    return summary_line(result)


__all__ = ["write_comparison"]
