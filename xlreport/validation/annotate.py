"""An annotated copy of a validated workbook: cells with findings highlighted and noted, plus a 审核结果 sheet."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..editions.spec import SEVERITY_LABEL
from ..fileio import atomic_write
from .findings import Finding

FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "info": PatternFill("solid", fgColor="DDEBF7"),
}
RESULT_SHEET = "审核结果"


def annotate(source: str | Path, findings: list[Finding], target: str | Path) -> Path:
    """Write the annotated copy to ``target`` (``batch.annotation_targets`` names it); the source is only read."""
    source, target = Path(source), Path(target)
    if target.exists() and target.samefile(source):
        raise ValueError(f"标注副本不能覆盖原文件 {source}")
    out = target.parent
    out.mkdir(parents=True, exist_ok=True)
    wb = load_workbook(source)
    per_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            per_cell[(f.sheet, f.cell)].append(f)
    stray_sheets = {f.sheet for f in findings if f.code == "cells-beyond" and f.sheet in wb.sheetnames}
    if stray_sheets:  # formulas far outside the tables (counted, not read): never live in the copy
        from ..read.extent import DEFAULT, extents

        reach = extents(wb.defined_names.values())
        for sheet in stray_sheets:
            extent = reach.get(sheet, DEFAULT)
            for (r, c), cell in wb[sheet]._cells.items():
                if cell.data_type == "f" and not extent.holds(r, c):
                    cell.data_type = "s"
    for (sheet, cell), items in per_cell.items():
        ws = wb[sheet]
        if any(f.code == "stray-formula" for f in items) and ws[cell].data_type == "f":
            ws[cell].data_type = "s"  # a link or DDE command typed outside the tables never runs in the copy
        worst = min(items, key=lambda f: ("error", "warning", "info").index(f.severity))
        target_cell = ws[cell]
        try:
            target_cell.fill = FILLS[worst.severity]
        except AttributeError:  # a merged cell: note it on its anchor only
            continue
        text = "\n".join(f"{SEVERITY_LABEL[f.severity]} {f.message}" for f in items)
        comment = Comment(text[:30000], "xlreport")
        comment.width, comment.height = 420, 160
        target_cell.comment = comment
    if RESULT_SHEET in wb.sheetnames:
        del wb[RESULT_SHEET]
    ws = wb.create_sheet(RESULT_SHEET, 0)
    headers = ["级别", "规则", "代码", "工作表", "单元格", "行", "栏", "应为", "实为", "差额", "说明"]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row, f in enumerate(findings, start=2):  # (ws.max_row per row would rescan the sheet each time)
        ws.append(
            [
                SEVERITY_LABEL[f.severity],
                f.rule_id,
                f.code,
                f.sheet or "",
                f.cell or "",
                (f"行次{f.row.line} " if f.row and f.row.line else "") + (f.row.label if f.row else ""),
                (f.column.label if f.column else ""),
                _plain(f.expected),
                _plain(f.actual),
                _plain(f.difference),
                f.message,
            ]
        )
        for column in range(1, len(headers) + 1):  # a name or typed text beginning with "=" stays text
            cell = ws.cell(row=row, column=column)
            if cell.data_type == "f":
                cell.data_type = "s"
        ws.cell(row=row, column=1).fill = FILLS[f.severity]
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            link = ws.cell(row=row, column=5)
            link.hyperlink = f"#'{f.sheet}'!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    for i, width in enumerate([6, 10, 22, 10, 8, 30, 24, 16, 16, 14, 90], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    wb.active = 0
    with atomic_write(target) as tmp:
        wb.save(tmp)
    return target


def _plain(value: object) -> object:
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)  # display only
    return str(value)
