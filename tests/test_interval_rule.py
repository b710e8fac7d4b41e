"""DOMAIN.md §3 rounding: values printed in 万元 stand for intervals; differences inside the bound are notes."""

from __future__ import annotations

from decimal import Decimal

import pytest

import xlreport
from xlreport.editions.spec import Tolerance
from xlreport.model.values import CellRef
from xlreport.rules.expr import Ref, sum_of
from xlreport.rules.tolerance import bound_for, interval_bound


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
