"""DOMAIN.md §3 rounding: values printed in 万元 stand for intervals; differences inside the bound are notes."""

from __future__ import annotations

from decimal import Decimal

import pytest

import xlreport
from xlreport.editions.spec import Tolerance
from xlreport.model.values import CellRef
from xlreport.rules.expr import Linear, Ref, sum_of
from xlreport.rules.tolerance import RowCells, bound_for, interval_bound


def report(unit: str, parts: list[str], total: str) -> dict:
    """公开10 政府采购: 合计 against 货物/工程/服务, in the given unit."""
    keys = ["goods", "works", "services"]
    t10 = {"procurement_total": {"amount": total}}
    for key, value in zip(keys, parts, strict=False):
        t10[key] = {"amount": value}
    return {
        "meta": {"unit_name": "测试单位", "year": 2022, "edition": "shanxi-2022", "amount_unit": unit},
        "tables": {"T10": t10},
    }


def r10_findings(data: dict) -> list[xlreport.Finding]:
    return [f for f in xlreport.check(data).findings if f.family == "R10"]


@pytest.mark.parametrize(
    ("parts", "total", "difference"),
    [
        (["1.01", "2.01", "3.01"], "6.02", Decimal("-0.01")),  # rounded parts sum to 6.03
        (["1.01", "2.01", "3.01"], "6.01", Decimal("-0.02")),  # bound is 4 × 0.005 = 0.02
        (["0.33", "0.33", "0.33"], "1.00", Decimal("0.01")),
    ],
)
def test_inside_the_bound_is_an_info_note(parts, total, difference):
    findings = r10_findings(report("万元", parts, total))
    assert [(f.rule_id, f.severity, f.code) for f in findings] == [("R10-1", "info", "rounding-difference")]
    assert findings[0].difference == difference
    assert findings[0].tolerance == Decimal("0.020")
    assert findings[0].row.line == 1


def test_outside_the_bound_is_an_error():
    findings = r10_findings(report("万元", ["1.01", "2.01", "3.01"], "6.00"))
    assert [(f.rule_id, f.severity) for f in findings] == [("R10-1", "error")]
    assert findings[0].difference == Decimal("-0.03")
    assert findings[0].expected == Decimal("6.03")


def test_blank_parts_are_exact_and_add_nothing_to_the_bound():
    # one part only: bound = 0.005 (total) + 0.005 (goods) = 0.01
    assert [f.severity for f in r10_findings(report("万元", ["1.00"], "1.01"))] == ["info"]
    assert [f.severity for f in r10_findings(report("万元", ["1.00"], "1.02"))] == ["error"]


def test_yuan_data_are_exact():
    assert [f.severity for f in r10_findings(report("元", ["1.01", "2.01", "3.01"], "6.02"))] == ["error"]
    assert r10_findings(report("元", ["1.01", "2.01", "3.01"], "6.03")) == []


def test_bound_formula_counts_weights():
    a, b, c = (CellRef("T", k, "v") for k in "abc")
    values = {a: Decimal(1), b: Decimal(2), c: Decimal(3)}
    assert interval_bound(Ref(a), sum_of([b, c]), values.get, 2) == Decimal("0.015")
    bound, strict, rounding = bound_for(
        Tolerance(kind="auto"), Ref(a), sum_of([b, c]), values.get, Decimal(1), "万元", 2
    )
    assert (bound, strict, rounding) == (Decimal("0.015"), False, True)
    assert bound_for(Tolerance(kind="auto"), Ref(a), sum_of([b, c]), values.get, Decimal(1), "元", 2)[0] == 0


def test_inequalities_get_the_bound_too():
    # X12-1: 机关运行经费 ≤ 公用经费合计(基本支出): 0.01 over, inside the bound → note, not error
    data = {
        "meta": {"unit_name": "测试单位", "year": 2022, "edition": "shanxi-2022", "amount_unit": "万元"},
        "tables": {
            "T10": {"admin_units": {"amount": "10.01"}},
            "T06": {
                "302": {"amount": "10.00", "basic": "10.00"},
                "30201": {"amount": "10.00", "basic": "10.00"},
                "public_total": {"amount": "10.00", "basic": "10.00"},
                "personnel_total": {},
            },
            "T05": {"total": {"total": "10.00", "basic": "10.00"}},
        },
    }
    findings = [f for f in xlreport.check(data).findings if f.rule_id == "X12-1"]
    assert [(f.severity, f.code) for f in findings] == [("info", "rounding-difference")]


def _rule(relation_lhs, relation_rhs, unit: str, derived=None, op: str = "=", tolerance: Tolerance | None = None):
    from xlreport.editions.spec import RuleSpec
    from xlreport.rules.instantiate import Check
    from xlreport.rules.tolerance import RoundingRule

    spec = RuleSpec(id="T", family="T", code="t", tables=(), description="", tolerance=tolerance or Tolerance())
    return RoundingRule(Check(spec, "T", relation_lhs, op, relation_rhs), unit, 2, derived)


def test_one_rule_decides_and_renders_the_interval_bound_through_derived_cells():
    """A derived part is expanded into the printed cells it sums (a cell reached twice weighs 2), and the
    rendered bound counts exactly those cells, by weight."""
    a, b, c, d = (CellRef("T", k, "v") for k in "abcd")
    derived = {b: sum_of([c, d])}
    rule = _rule(Ref(a), Linear(((1, Ref(b)), (1, Ref(c)))), "万元", derived)
    assert rule.weights == {a: 1, c: 2, d: 1}
    values = {a: Decimal("3.01"), c: Decimal(1), d: Decimal(1)}
    assert rule.bound(values.get, Decimal("3.01")) == Decimal("0.020")
    verdict = rule.evaluate({**values, b: Decimal(2)}.get)
    assert (verdict.status, verdict.label, verdict.difference) == ("rounding", "尾差", Decimal("0.01"))
    places = {a: "A1", c: "C1", d: "D1"}
    rendered = rule.render(lambda cell: places.get(cell, "0"), RowCells("D9", "F9", "G9", "H9"))
    assert rendered.bound == "=ROUND(0.005*(COUNTA(A1,D1)+2*(COUNTA(C1))),4)"
    assert '"尾差"' in rendered.verdict and "ROUND(ABS(G9),4)" in rendered.verdict


def test_a_difference_equal_to_the_bound_is_inside_it_whatever_binary_noise_says():
    """492.59 − 492.58 is 0.0100000000000477 in a spreadsheet's doubles: both sides round the difference
    to decimals + 2 places, so a difference of exactly the bound is a tail difference on both."""
    a, b = CellRef("T", "a", "v"), CellRef("T", "b", "v")
    rule = _rule(Ref(a), Ref(b), "万元")
    verdict = rule.evaluate({a: Decimal("492.59"), b: Decimal("492.58")}.get)
    assert (verdict.status, verdict.bound) == ("rounding", Decimal("0.010"))
    assert rule.evaluate({a: Decimal("492.60"), b: Decimal("492.58")}.get).label == "错误"
    assert _rule(Ref(a), Ref(b), "元").evaluate({a: Decimal("492.59"), b: Decimal("492.58")}.get).label == "错误"


def test_printed_decimals_count_by_value_and_below_is_strict():
    a, b = CellRef("T", "a", "v"), CellRef("T", "b", "v")
    printed = _rule(Ref(a), Ref(b), "元", tolerance=Tolerance(kind="printed"))
    assert printed.bound({}.get, Decimal("98.50")) == Decimal("0.05")  # a spreadsheet holds 98.5
    assert printed.evaluate({a: Decimal("98.5"), b: Decimal("98.54")}.get).label == "通过"
    assert printed.evaluate({a: Decimal("98.5"), b: Decimal("98.56")}.get).label == "错误"
    below = _rule(Ref(a), Ref(b), "元", tolerance=Tolerance(kind="below", value="0.5"))
    assert below.evaluate({a: Decimal("2"), b: Decimal("1.55")}.get).label == "通过"
    assert below.evaluate({a: Decimal("2"), b: Decimal("1.5")}.get).label == "错误"
