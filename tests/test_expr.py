from __future__ import annotations

from decimal import Decimal

import pytest

from xlreport.model.values import CellRef
from xlreport.rules.expr import Undefined
from xlreport.rules.parser import RuleSyntaxError, parse_expr, parse_relation
from xlreport.rules.shape import Shape, ShapeResolver

A = CellRef("T01", "general_budget", "amount")
B = CellRef("T01", "gov_fund", "amount")


@pytest.fixture()
def resolver(edition):
    return ShapeResolver(Shape(edition, codes={"T02": ["201", "20103", "2010306"]}))


def env_of(values):
    return lambda c: values.get(c)


def test_relation_parses_ranges_in_layout_order(resolver):
    lhs, op, rhs = parse_relation("T01[income_total].amount = sum(T01[general_budget:other].amount)", resolver)
    assert op == "="
    assert [c.row for c in rhs.refs()] == [
        "general_budget",
        "gov_fund",
        "state_capital",
        "superior_subsidy",
        "business",
        "operating",
        "affiliate",
        "other",
    ]
    assert list(lhs.refs()) == [CellRef("T01", "income_total", "amount")]


def test_column_range_skips_nothing_and_groups_expand(resolver):
    expr = parse_expr("sum(T02[@all].fiscal:other)", resolver)
    refs = list(expr.refs())
    assert len(refs) == 4 * 6  # total + 3 codes, six columns
    assert refs[0] == CellRef("T02", "total", "fiscal")


def test_blank_is_zero_in_arithmetic_and_decimal_exact(resolver):
    expr = parse_expr("T01[general_budget].amount + T01[gov_fund].amount - 0.1", resolver)
    assert expr.evaluate(env_of({A: Decimal("0.3")})) == Decimal("0.2")


def test_division_by_zero_is_undefined(resolver):
    expr = parse_expr("T01[general_budget].amount / T01[gov_fund].amount", resolver)
    with pytest.raises(Undefined):
        expr.evaluate(env_of({A: Decimal(1)}))


def test_render_uses_only_allowed_functions(resolver):
    expr = parse_expr(
        'if(T01[general_budget].amount >= 90, "优", '
        "round(min(T01[general_budget].amount / T01[gov_fund].amount, 1) * 10, 2))",
        resolver,
    )
    text = expr.render(lambda c: {A: "C5", B: "C6"}[c])
    assert text == 'IF(C5>=90,"优",ROUND(MIN(C5/C6,1)*10,2))'


def test_render_of_a_sum_and_difference(resolver):
    expr = parse_expr("T01[general_budget].amount + T01[gov_fund].amount - T01[state_capital].amount", resolver)
    locate = {A: "C5", B: "C6", CellRef("T01", "state_capital", "amount"): "C7"}
    assert expr.render(lambda c: locate[c]) == "SUM(C5,C6)-C7"


def test_round_half_away_from_zero_like_excel(resolver):
    expr = parse_expr("round(T01[general_budget].amount, 2)", resolver)
    assert expr.evaluate(env_of({A: Decimal("1.445")})) == Decimal("1.45")
    assert expr.evaluate(env_of({A: Decimal("-1.445")})) == Decimal("-1.45")


def test_sumif_over_text_conditions(edition):
    from xlreport.rules.shape import ScorecardShape

    shape = Shape(edition, scorecards=[ScorecardShape("S1", ("total",), ("i1", "i2"), ())])
    expr = parse_expr('sumif(S[@indicators].level1, "产出指标", S[@indicators].weight)', ShapeResolver(shape, "S1"))
    values = {
        CellRef("S1", "i1", "level1"): "产出指标",
        CellRef("S1", "i1", "weight"): Decimal(20),
        CellRef("S1", "i2", "level1"): "效益指标",
        CellRef("S1", "i2", "weight"): Decimal(30),
    }
    assert expr.evaluate(env_of(values)) == Decimal(20)
    assert "IF(" in expr.render(str)


@pytest.mark.parametrize(
    "text",
    [
        "T01[nope].amount",
        "T01[general_budget].nope",
        "T99[a].b",
        "sum(",
        "T01[general_budget].amount ==",
        "__import__('os')",
    ],
)
def test_bad_rule_text_is_a_syntax_error(resolver, text):
    with pytest.raises(RuleSyntaxError):
        parse_relation(text, resolver)
