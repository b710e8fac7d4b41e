"""The golden test: the published 2022 report of 晋城市政务服务中心 (xlreport/examples/jincheng-2022.json)."""

from __future__ import annotations

from decimal import Decimal

import xlreport

from .conftest import EXAMPLE


def test_reference_has_exactly_the_two_known_problems():
    result = xlreport.check(EXAMPLE)
    got = [
        (f.rule_id, f.severity, f.table, f.row.key, f.row.line, f.row.label, f.column.key, f.expected, f.actual)
        for f in result.findings
    ]
    assert got == [
        ("R10-1", "error", "T10", "procurement_total", 1, "合计", "amount", Decimal("130652.46"), Decimal("75425.00")),
        ("K4", "warning", "S1", "i9", None, "运行经费所需成本总额", "score", Decimal("1.45"), Decimal("2")),
    ]
    r10, k4 = result.findings
    assert r10.difference == Decimal("-55227.46") and r10.tolerance == 0
    assert "75,425.00" in r10.message and "130,652.46" in r10.message and "公开10" in r10.message
    assert r10.sheet == "公开10"
    assert k4.table_label == "绩效自评1（政务服务中心窗口运行经费）"
    assert k4.difference == Decimal("0.55")
    assert not result.valid


def test_reference_transcription_totals(reference):
    report = xlreport.load_report(reference)
    t = report.tables
    assert t.T01.income_grand_total.amount == Decimal("4777056.13")
    assert [r.code for r in t.T03.rows] == [
        "201",
        "20103",
        "2010306",
        "208",
        "20805",
        "2080505",
        "210",
        "21011",
        "2101101",
        "2101103",
        "221",
        "22102",
        "2210201",
    ]
    assert t.T08.rows == [] and t.T08.total is None and t.T09.rows == []
    assert t.T10.procurement_total.amount == Decimal("75425.00")
    assert t.T10.goods is None and t.T10.works is None  # printed blank, not 0
    assert t.T10.vehicles_other.count == 1
    assert [c.total_score for c in report.scorecards] == [84, 95, 75]
    assert [c.grade for c in report.scorecards] == ["良", "优", "中"]
    assert sum(c.budget[0].executed for c in report.scorecards) == t.T03.total.project == Decimal("684707.00")


def test_corrected_reference_is_clean(reference):
    reference["tables"]["T10"]["procurement_total"]["amount"] = "130652.46"
    reference["scorecards"][0]["indicators"][8]["score"] = "1.45"
    reference["scorecards"][0]["indicator_score"] = "73.45"
    reference["scorecards"][0]["total_score"] = "83.45"
    assert xlreport.check(reference).findings == []
