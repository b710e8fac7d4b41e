"""Where the cells of a 项目支出绩效自评表 go on its sheet."""

from __future__ import annotations

from ..editions.spec import Edition
from ..rules.expr import CellRef
from ..rules.shape import ScorecardShape
from .layout import DataCell, SheetPlan, Text

NCOLS = 13
# indicator block columns
IND_COLS = {
    "level1": 0,
    "level2": 1,
    "name": 2,
    "initial_target": 3,
    "target": 4,
    "actual": 5,
    "weight": 6,
    "score": 7,
    "suggested": 8,
    "reason": 9,
    "target_op": 10,
    "target_value": 11,
    "actual_value": 12,
}
IND_KINDS = {
    "level1": "text",
    "level2": "text",
    "name": "text",
    "initial_target": "text",
    "target": "text",
    "actual": "text",
    "weight": "score",
    "score": "score",
    "reason": "text",
    "target_op": "text",
    "target_value": "rate",
    "actual_value": "rate",
}
BUDGET_COLS = {
    "source": 0,
    "declared": 1,
    "compiled": 2,
    "annual_budget": 3,
    "executed": 4,
    "balance": 5,
    "rate": 6,
    "score": 7,
}
INFO_ROWS = (
    ("project_name", "项目名称"),
    ("project_unit", "项目单位"),
    ("department", "主管部门"),
    ("date", "填报日期"),
)
SUMMARY_ROWS = (("indicator_score", "指标完成情况得分"), ("total_score", "总得分"), ("grade", "等级"))
WIDTHS = [10, 14, 22, 10, 14, 14, 8, 8, 9, 30, 9, 10, 10]


def suggested_ref(sid: str, row: str) -> CellRef:
    """The 建议得分 display cell of an indicator row (K4's right-hand side, not part of the model)."""
    return CellRef(sid, row, "suggested")


def plan_scorecard(edition: Edition, card: ScorecardShape) -> SheetPlan:
    sid = card.sid
    spec = edition.scorecard
    plan = SheetPlan(f"{spec.sheet_prefix}{sid[1:]}", sid, NCOLS, list(WIDTHS))
    texts, cells = plan.texts, plan.cells

    def cell(row_key: str, col: str, r: int, c: int, kind: str) -> None:
        ref = CellRef(sid, row_key, col)
        cells[ref] = DataCell(ref, r, c, kind)

    texts.append(Text(0, 0, spec.title, "title", 0, 9))
    r = 1
    for col, label in INFO_ROWS:
        texts.append(Text(r, 0, label, "label_bold", r, 1))
        texts.append(Text(r, 2, "", "text", r, 9))
        cell("info", col, r, 2, "text")
        r += 1
    texts.append(Text(r, 0, "一、预算执行情况", "section", r, 9))
    r += 1
    head = r
    texts += [
        Text(head, 0, "资金来源", "header", head + 1, 0),
        Text(head, 1, "年初预算数", "header", head, 2),
        Text(head + 1, 1, "目标申报(元)", "header"),
        Text(head + 1, 2, "预算编制(元)", "header"),
        Text(head, 3, "全年预算数(元)", "header", head + 1, 3),
        Text(head, 4, "全年执行数(元)", "header", head + 1, 4),
        Text(head, 5, "资金结(转)余(元)", "header", head + 1, 5),
        Text(head, 6, "执行率(%)", "header", head + 1, 6),
        Text(head, 7, "得分", "header", head + 1, 7),
    ]
    plan.header_rows = (head, head + 1)
    r = head + 2
    for key in card.budget:
        for col, c in BUDGET_COLS.items():
            kind = "text" if col == "source" else ("rate" if col in ("rate", "score") else "amount")
            cell(key, col, r, c, kind)
        r += 1
    texts.append(Text(r, 0, "二、绩效指标完成情况", "section", r, 9))
    r += 1
    head = r
    texts += [
        Text(head, 0, "一级指标", "header", head + 1, 0),
        Text(head, 1, "二级指标", "header", head + 1, 1),
        Text(head, 2, "指标名称", "header", head + 1, 2),
        Text(head, 3, "年度指标", "header", head, 4),
        Text(head + 1, 3, "年初指标", "header"),
        Text(head + 1, 4, "调整后指标", "header"),
        Text(head, 5, "实际完成值", "header", head + 1, 5),
        Text(head, 6, "权重", "header", head + 1, 6),
        Text(head, 7, "得分", "header", head + 1, 7),
        Text(head, 8, "建议得分", "header", head + 1, 8),
        Text(head, 9, "偏差原因分析及改进措施", "header", head + 1, 9),
        Text(head, 10, "定量指标（计算建议得分用）", "header", head, 12),
        Text(head + 1, 10, "方向", "header"),
        Text(head + 1, 11, "目标值", "header"),
        Text(head + 1, 12, "完成值", "header"),
    ]
    r = head + 2
    first_indicator = r
    for key in card.indicators:
        for col, c in IND_COLS.items():
            if col == "suggested":
                cells[suggested_ref(sid, key)] = DataCell(suggested_ref(sid, key), r, c, "score")
            else:
                cell(key, col, r, c, IND_KINDS[col])
        r += 1
    plan.body_rows = (first_indicator, r - 1)
    for col, label in SUMMARY_ROWS:
        texts.append(Text(r, 0, label, "label_bold", r, 6))
        cell("summary", col, r, 7, "text" if col == "grade" else "score")
        r += 1
    plan.border_rows = (1, r - 1)
    plan.footnote_row = r
    return plan
