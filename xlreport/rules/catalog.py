"""The rule catalogue of an edition, for `xlreport rules` and the README."""

from __future__ import annotations

import json

from ..editions.spec import SEVERITY_LABEL, Edition, RuleSpec
from .instantiate import instantiate
from .shape import ScorecardShape, Shape


def example_shape(edition: Edition) -> Shape:
    """A small shape (one code chain per coded table, one scorecard) to show each rule as a formula."""
    codes = {t.id: ["201", "20103", "2010306"] for t in edition.tables if t.coded is not None}
    card = ScorecardShape("S1", ("total", "src1"), ("i1", "i2"), ("i1",))
    return Shape(edition, codes=codes, scorecards=[card], unit_type="行政")


def _formula(rule: RuleSpec, edition: Edition) -> str:
    if rule.kind == "hierarchy":
        return f"上级科目 = Σ 下级科目（{rule.table}：{'、'.join(rule.columns)}）"
    if rule.kind == "empty-implies-empty":
        return f"若 {rule.if_empty} 全为空，则 {rule.then_empty} 全为空"
    return (rule.relation or "").replace("\n", " ")


def rule_rows(edition: Edition) -> list[dict[str, object]]:
    instances = instantiate(example_shape(edition))
    rows = []
    for rule in edition.rules:
        count = sum(1 for c in instances if c.rule is rule)
        rows.append(
            {
                "id": rule.id,
                "family": rule.family,
                "code": rule.code,
                "tables": list(rule.tables) or (["绩效自评"] if rule.scope == "scorecard" else []),
                "severity": rule.severity,
                "description": rule.description,
                "relation": _formula(rule, edition),
                "defines_formula": rule.define,
                "tolerance": rule.tolerance.kind + (f" {rule.tolerance.value}" if rule.tolerance.value else ""),
                "example_instances": count,
            }
        )
    return rows


def rules_json(edition: Edition) -> str:
    return json.dumps({"edition": edition.id, "rules": rule_rows(edition)}, ensure_ascii=False, indent=2) + "\n"


def rules_markdown(edition: Edition) -> str:
    lines = [
        f"# 审核规则：{edition.info.name}（{edition.id}）",
        "",
        "| 编号 | 表 | 级别 | 说明 | 关系 | 公式 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rule_rows(edition):
        relation = str(row["relation"]).replace("|", "\\|")
        lines.append(
            f"| {row['id']} | {'、'.join(row['tables'])} | {SEVERITY_LABEL[str(row['severity'])]} | "  # type: ignore[arg-type]
            f"{row['description']} | `{relation}` | {'写为公式' if row['defines_formula'] else '审核'} |"
        )
    return "\n".join(lines) + "\n"
