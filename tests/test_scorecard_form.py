"""The 项目支出绩效自评表 is edition data: its form (where each cell stands, what it is called) and its
scoring parameters (weights, execution weight, grades). Writer, reader, messages, the model and the K
rules all follow the edition: changing the data changes all of them together."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import xlreport
from xlreport.editions.loader import build_edition, edition_sources, scorecard_form
from xlreport.editions.spec import Edition
from xlreport.model.scorecard import BudgetLine, Indicator, Scorecard
from xlreport.rules.expr import CellRef, Num
from xlreport.rules.parser import RuleSyntaxError, parse_expr
from xlreport.rules.shape import Shape, ShapeResolver
from xlreport.validation.labels import Labeler
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report, write_template

from .conftest import EXAMPLE


def variant(edit: Callable[[dict[str, Any]], None]) -> Edition:
    """shanxi-2022 with its [scorecard] table (form read in) edited by ``edit``."""
    sources = copy.deepcopy(edition_sources("shanxi-2022"))
    card = sources["raw"]["scorecard"]
    card["form"] = scorecard_form().model_dump(mode="json")
    edit(card)
    return build_edition(**sources)


@pytest.fixture()
def use_edition(monkeypatch: pytest.MonkeyPatch) -> Callable[[Edition], None]:
    """Make the report model and the workbook reader load ``edition`` for shanxi-2022."""

    def use(edition: Edition) -> None:
        monkeypatch.setattr("xlreport.editions.load_edition", lambda _id: edition)
        monkeypatch.setattr("xlreport.read.reader.load_edition", lambda _id: edition)

    return use


def scorecard_formulas(path: Path, sheet: str = "绩效自评1") -> list[str]:
    ws = load_workbook(path)[sheet]
    return [str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] == "="]


# ------------------------------------------------------------------ the form


def test_the_model_has_exactly_the_fields_of_the_form():
    form = scorecard_form()
    model = ("field", "note")
    assert [c.key for c in form.budget.columns if c.role in model] == list(BudgetLine.model_fields)
    assert [c.key for c in form.indicators.columns if c.role in model] == list(Indicator.model_fields)
    header, summary = [f.key for f in form.header], [f.key for f in form.summary]
    assert [*header, "budget", "indicators", *summary] == list(Scorecard.model_fields)
    assert BudgetLine.model_fields["declared"].description == "年初预算数·目标申报（元）"
    assert BudgetLine.model_fields["rate"].description == "执行率（百分数，100表示100%）"
    assert Scorecard.model_fields["project_unit"].description == "项目单位（如 062002-晋城市政务服务中心）"


def test_messages_name_scorecard_cells_as_the_form_does(edition):
    labels = Labeler(edition)
    assert labels.column(CellRef("S1", "total", "declared")).label == "年初预算数·目标申报"
    assert labels.column(CellRef("S1", "i3", "initial_target")).label == "年度指标·年初指标"
    assert labels.column(CellRef("S1", "info", "project_name")).label == "项目名称"
    assert labels.column(CellRef("S1", "summary", "grade")).label == "等级"
    renamed = variant(lambda card: card["form"]["indicators"]["columns"][3].update(header=["目标", "年初"]))
    assert Labeler(renamed).column(CellRef("S1", "i3", "initial_target")).label == "目标·年初"


def test_writer_and_reader_follow_a_changed_form(use_edition, tmp_path):
    """Another section title, another header and 偏差原因 moved before 权重: the writer places the
    cells there, the reader finds them there, and the reference reads back with its one K4 warning,
    now in column I (得分 moved right by one)."""

    def edit(card: dict[str, Any]) -> None:
        form = card["form"]
        form["indicators"]["title"] = "二、绩效目标完成情况"
        columns = form["indicators"]["columns"]
        reason = next(c for c in columns if c["key"] == "reason")
        columns.remove(reason)
        columns.insert(6, reason)
        form["budget"]["columns"][6]["header"] = ["预算执行率"]

    use_edition(variant(edit))
    report = xlreport.load_report(EXAMPLE)
    path = write_report(tmp_path / "moved.xlsx", report).path
    ws = load_workbook(path)["绩效自评1"]
    column_a = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    assert "二、绩效目标完成情况" in column_a and "二、绩效指标完成情况" not in column_a
    head = column_a.index("二、绩效目标完成情况") + 2  # 1-based row of the header under the title
    assert [ws.cell(row=head, column=c).value for c in (7, 8, 9)] == ["偏差原因分析及改进措施", "权重", "得分"]
    budget_head = column_a.index("一、预算执行情况") + 2
    assert ws.cell(row=budget_head, column=8).value == "预算执行率"  # 资金来源 spans A:B
    result = validate_workbook(path)
    assert [(f.rule_id, f.cell) for f in result.findings] == [("R10-1", "C6"), ("K4", "I22")]  # the JSON's
    assert result.report is not None
    assert result.report.scorecards == report.scorecards


# ------------------------------------------------------------------ the scoring parameters


def stricter(card: dict[str, Any]) -> None:
    card["weights"] = {"产出指标": "60", "效益指标": "20", "满意度指标": "10"}
    card["execution_weight"] = "20"
    card["grades"] = [["95", "优"], ["85", "良"], ["60", "中"], ["0", "差"]]


def test_rules_read_the_edition_weights_and_grades(use_edition):
    """The reference follows 50/30/10, ×10 and 优≥90/良≥80: under other parameters its scorecards
    miss every weight, every execution score, and S1's 84 is a 中, not a 良."""
    assert {f.family for f in xlreport.check(EXAMPLE).findings} == {"R10", "K4"}
    use_edition(variant(stricter))
    findings = xlreport.check(EXAMPLE).findings
    cards = {"S1", "S2", "S3"}
    got = {(f.rule_id, f.table) for f in findings if f.family in ("K1", "K2", "K5")}
    assert got == {(r, s) for r in ("K1-3", "K2-1", "K2-2") for s in cards} | {("K5-3", "S1")}
    k21 = next(f for f in findings if f.rule_id == "K2-1")
    assert "产出指标权重合计原则上应为60" in k21.message and (k21.expected, k21.actual) == (60, 50)
    grade = next(f for f in findings if f.rule_id == "K5-3")
    assert (grade.expected, grade.actual) == ("中", "良")
    assert "优≥95，良85–<95，中60–<85，差<60" in grade.message
    executed = next(f for f in findings if f.rule_id == "K1-3" and f.table == "S1")
    assert executed.expected == 2 * executed.actual  # a fully executed budget: 20, reported 10


def test_the_writer_renders_the_edition_weights_and_grades(use_edition, tmp_path):
    # templates: every scored cell a formula (a filled report keeps the scores it printed)
    report = xlreport.load_report(EXAMPLE)
    usual = scorecard_formulas(write_template(tmp_path / "usual.xlsx", report.edition, "x", 2022).path)
    assert any(f.endswith("*10))") and "MIN(" in f for f in usual)  # guarded: blank until filled
    assert any('>=90,"优"' in f and '>=80,"良"' in f for f in usual)
    use_edition(variant(stricter))
    report = xlreport.load_report(EXAMPLE)
    changed = scorecard_formulas(write_template(tmp_path / "stricter.xlsx", report.edition, "x", 2022).path)
    assert any(f.endswith("*20))") and "MIN(" in f for f in changed)
    assert not any(f.endswith("*10))") and "MIN(" in f for f in changed)
    assert any('>=95,"优"' in f and '>=85,"良"' in f and '>=60,"中"' in f for f in changed)
    assert len(changed) == len(usual)


def test_parameters_in_the_relation_language(edition):
    resolver = ShapeResolver(Shape(edition))
    assert parse_expr('scorecard("weights", "效益指标")', resolver) == Num(Decimal(30))
    assert parse_expr('scorecard("execution_weight")', resolver) == Num(Decimal(10))
    graded = parse_expr("grade(T01[income_total].amount)", resolver)
    assert graded.render(lambda cell: "C5") == 'IF(C5>=90,"优",IF(C5>=80,"良",IF(C5>=60,"中","差")))'
    assert graded.evaluate(lambda cell: Decimal("79.99")) == "中"
    with pytest.raises(RuleSyntaxError, match="no scorecard parameter"):
        parse_expr('scorecard("weights", "成本指标")', resolver)
    with pytest.raises(RuleSyntaxError):
        parse_expr("scorecard(weights)", resolver)


def test_an_edition_names_only_parameters_it_has():
    def unknown(card: dict[str, Any]) -> None:
        del card["weights"]["满意度指标"]

    with pytest.raises(ValueError, match=r"scorecard\.weights\.满意度指标"):
        variant(unknown)
    with pytest.raises(ValueError, match="highest bound down"):
        variant(lambda card: card.update(grades=[["60", "中"], ["90", "优"]]))


def test_qualitative_bands_come_from_the_edition(use_edition):
    """The reference scores every 达成预期指标 at its full weight: inside 80–100 %, outside 80–90 %."""
    use_edition(variant(lambda card: card["qualitative_bands"].update({"达成预期指标": ["80", "90"]})))
    findings = [f for f in xlreport.check(EXAMPLE).findings if f.rule_id == "K3-3"]
    assert len(findings) == 8  # every qualitative indicator of the three scorecards
    first = findings[0]
    assert (first.row.label, first.expected, first.actual) == ("维修及时性", Decimal("4.5"), Decimal(5))
    assert "达成预期指标80%–90%" in first.message
