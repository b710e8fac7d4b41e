"""Every rule, broken on purpose.

Base: the reference report with its two published errors corrected (so it is clean). Each case changes
one cell the way a person would in the workbook — the cell becomes a typed value and every formula
that reads it recomputes — and asserts the complete list of findings: rule id, severity and location
(table, row, column).

Most rules break alone. Some cannot: the rule set is linearly dependent (e.g. R01-1 follows from
X01, X02 and R02, so a wrong 本年收入合计 also fails X01 and the grand-total balance R01-5). There the
case lists exactly the companions that logic forces, and nothing else may appear.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import xlreport
from xlreport.model.assemble import assemble
from xlreport.model.values import CellRef
from xlreport.rules.compute import formula_order, inputs_of, recompute
from xlreport.rules.instantiate import instantiate
from xlreport.validation.engine import shape_of

from .conftest import reference_data


def corrected() -> dict:
    data = reference_data()
    data["tables"]["T10"]["procurement_total"]["amount"] = "130652.46"
    data["scorecards"][0]["indicators"][8]["score"] = "1.45"
    data["scorecards"][0]["indicator_score"] = "73.45"
    data["scorecards"][0]["total_score"] = "83.45"
    return data


def parse_ref(text: str) -> CellRef:
    table, rest = text.split("[", 1)
    row, col = rest.split("].", 1)
    return CellRef(table, row, col)


def changed(cell: str, value: str) -> xlreport.Report:
    """The corrected reference with ``cell`` typed as ``value`` and every formula recomputed."""
    report = xlreport.load_report(corrected())
    shape = shape_of(report)
    checks = instantiate(shape)
    order = formula_order(checks)
    ref = parse_ref(cell)
    new = value if not value.lstrip("-").replace(".", "").isdigit() else Decimal(value)
    inputs = inputs_of(checks, report.cells())
    if ref in {c.defines for c in order}:
        values = recompute(checks, inputs, {ref: new}, order)
    else:
        values = recompute(checks, {**inputs, ref: new}, None, order)
    codes = {t.id: report.codes(t.id) for t in report.edition.tables if t.coded}
    cards = [(c.sid, list(c.budget), list(c.indicators)) for c in shape.scorecards]
    meta = report.meta.model_dump()
    return xlreport.load_report(assemble(report.edition, meta, codes, values, cards))


CASES = [
    (
        "R01-1",
        "T01[income_total].amount",
        "-5",
        [
            ("R01-1", "error", "T01", "income_total", "amount"),
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("X01", "error", "T01", "income_total", "amount"),
        ],
    ),
    (
        "R01-2",
        "T01[expense_total].amount",
        "-5",
        [
            ("R01-2", "error", "T01", "expense_total", "amount"),
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("X03-total", "error", "T01", "expense_total", "amount"),
        ],
    ),
    (
        "R01-3",
        "T01[income_grand_total].amount",
        "-5",
        [
            ("R01-3", "error", "T01", "income_grand_total", "amount"),
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
        ],
    ),
    (
        "R01-4",
        "T01[expense_grand_total].amount",
        "-5",
        [
            ("R01-4", "error", "T01", "expense_grand_total", "amount"),
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
        ],
    ),
    (
        "R01-5",
        "T01[expense_grand_total].amount",
        "-5",
        [
            ("R01-4", "error", "T01", "expense_grand_total", "amount"),
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
        ],
    ),
    (
        "R02",
        "T02[2010306].total",
        "-5",
        [
            ("R02", "error", "T02", "2010306", "total"),
            ("H02-20103", "error", "T02", "20103", "total"),
        ],
    ),
    (
        "H02",
        "T02[2010306].total",
        "-5",
        [
            ("R02", "error", "T02", "2010306", "total"),
            ("H02-20103", "error", "T02", "20103", "total"),
        ],
    ),
    (
        "R03",
        "T03[2010306].total",
        "-5",
        [
            ("R03", "error", "T03", "2010306", "total"),
            ("H03-20103", "error", "T03", "20103", "total"),
        ],
    ),
    (
        "H03",
        "T03[2010306].total",
        "-5",
        [
            ("R03", "error", "T03", "2010306", "total"),
            ("H03-20103", "error", "T03", "20103", "total"),
        ],
    ),
    (
        "R04-1",
        "T04[income_total].amount",
        "-5",
        [
            ("R04-1", "error", "T04", "income_total", "amount"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
        ],
    ),
    (
        "R04-2",
        "T04[begin_balance].amount",
        "-5",
        [
            ("R04-2", "error", "T04", "begin_balance", "amount"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
        ],
    ),
    (
        "R04-3",
        "T04[income_grand_total].amount",
        "-5",
        [
            ("R04-3", "error", "T04", "income_grand_total", "amount"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
        ],
    ),
    (
        "R04-4",
        "T04[201].total",
        "-5",
        [
            ("R04-4", "error", "T04", "201", "total"),
            ("R04-5", "error", "T04", "expense_total", "total"),
        ],
    ),
    (
        "R04-5",
        "T04[201].total",
        "-5",
        [
            ("R04-4", "error", "T04", "201", "total"),
            ("R04-5", "error", "T04", "expense_total", "total"),
        ],
    ),
    (
        "R04-6",
        "T04[end_capital].total",
        "-5",
        [
            ("R04-4", "error", "T04", "end_capital", "total"),
            ("R04-6", "error", "T04", "end_balance", "total"),
        ],
    ),
    (
        "R04-7",
        "T04[end_balance].general",
        "-5",
        [
            ("R04-6", "error", "T04", "end_balance", "total"),
            ("R04-7", "error", "T04", "end_balance", "general"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
        ],
    ),
    (
        "R04-8",
        "T04[end_balance].fund",
        "-5",
        [
            ("R04-6", "error", "T04", "end_balance", "total"),
            ("R04-8", "error", "T04", "end_balance", "fund"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
        ],
    ),
    (
        "R04-9",
        "T04[end_balance].capital",
        "-5",
        [
            ("R04-6", "error", "T04", "end_balance", "total"),
            ("R04-9", "error", "T04", "end_balance", "capital"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
        ],
    ),
    (
        "R04-10",
        "T04[end_balance].total",
        "-5",
        [
            ("R04-4", "error", "T04", "end_balance", "total"),
            ("R04-6", "error", "T04", "end_balance", "total"),
            ("R04-10", "error", "T04", "expense_grand_total", "total"),
        ],
    ),
    (
        "R04-11",
        "T04[income_grand_total].amount",
        "-5",
        [
            ("R04-3", "error", "T04", "income_grand_total", "amount"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
        ],
    ),
    (
        "R04-12",
        "T04[end_general].general",
        "-5",
        [
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-12", "error", "T04", "end_general", "general"),
        ],
    ),
    (
        "R04-13",
        "T04[begin_fund].amount",
        "-5",
        [
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-13", "error", "T04", "end_fund", "fund"),
            ("X08-begin", "error", "T04", "begin_fund", "amount"),
        ],
    ),
    (
        "R04-14",
        "T04[end_capital].capital",
        "-5",
        [
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-14", "error", "T04", "end_capital", "capital"),
        ],
    ),
    (
        "R05",
        "T05[2010306].total",
        "-5",
        [
            ("R05", "error", "T05", "2010306", "total"),
            ("H05-20103", "error", "T05", "20103", "total"),
        ],
    ),
    (
        "H05",
        "T05[2010306].total",
        "-5",
        [
            ("R05", "error", "T05", "2010306", "total"),
            ("H05-20103", "error", "T05", "20103", "total"),
        ],
    ),
    (
        "R06-1",
        "T06[301].amount",
        "3625055.89",
        [
            ("R06-301", "error", "T06", "301", "amount"),
            ("X10-1", "error", "T06", "personnel_total", "amount"),
        ],
    ),
    (
        "R06-2",
        "T06[personnel_total].amount",
        "-5",
        [
            ("R06-2", "error", "T06", "personnel_total", "amount"),
            ("X10-1", "error", "T06", "personnel_total", "amount"),
        ],
    ),
    (
        "R06-3",
        "T06[public_total].amount",
        "-5",
        [
            ("R06-3", "error", "T06", "public_total", "amount"),
            ("X10-1", "error", "T06", "personnel_total", "amount"),
        ],
    ),
    (
        "R06-6",
        "T06[public_total].basic",
        "462413.24",
        [
            ("R06-6", "error", "T06", "public_total", "basic"),
            ("X10-2", "error", "T06", "personnel_total", "basic"),
            ("X12-2", "error", "T10", "admin_units", "amount"),
        ],
    ),
    (
        "R06-4",
        "T06[301].amount",
        "-5",
        [
            ("R06-301", "error", "T06", "301", "amount"),
            ("R06-4", "error", "T06", "301", "basic"),
            ("X10-1", "error", "T06", "personnel_total", "amount"),
        ],
    ),
    (
        "R06-5",
        "T06[309].basic",
        "-5",
        [
            ("R06-5", "error", "T06", "309", "basic"),
        ],
    ),
    (
        "R07-1",
        "T07[main].budget_total",
        "-5",
        [
            ("R07-1", "error", "T07", "main", "budget_total"),
        ],
    ),
    (
        "R07-2",
        "T07[main].budget_car",
        "-5",
        [
            ("R07-2", "error", "T07", "main", "budget_car"),
        ],
    ),
    (
        "R08-1",
        "T08[total].end",
        "-5",
        [
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-13", "error", "T04", "end_fund", "fund"),
            ("R08-1", "error", "T08", "total", "end"),
            ("H08-total", "error", "T08", "total", "end"),
        ],
    ),
    (
        "R08-2",
        "T08[total].expense",
        "-5",
        [
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-13", "error", "T04", "end_fund", "fund"),
            ("R08-2", "error", "T08", "total", "expense"),
            ("H08-total", "error", "T08", "total", "expense"),
            ("H08-total", "error", "T08", "total", "end"),
            ("X08-total", "error", "T04", "expense_total", "fund"),
        ],
    ),
    (
        "H08",
        "T08[total].begin",
        "-5",
        [
            ("H08-total", "error", "T08", "total", "begin"),
            ("H08-total", "error", "T08", "total", "end"),
        ],
    ),
    (
        "R09",
        "T09[total].total",
        "-5",
        [
            ("R09", "error", "T09", "total", "total"),
            ("H09-total", "error", "T09", "total", "total"),
            ("X09-total", "error", "T04", "expense_total", "capital"),
            ("X13-2", "error", "T09", "total", "total"),
        ],
    ),
    (
        "H09",
        "T09[total].total",
        "-5",
        [
            ("R09", "error", "T09", "total", "total"),
            ("H09-total", "error", "T09", "total", "total"),
            ("X09-total", "error", "T04", "expense_total", "capital"),
            ("X13-2", "error", "T09", "total", "total"),
        ],
    ),
    (
        "R10-1",
        "T10[procurement_total].amount",
        "-5",
        [
            ("R10-1", "error", "T10", "procurement_total", "amount"),
        ],
    ),
    (
        "R10-2",
        "T10[vehicles_total].count",
        "3",
        [
            ("R10-2", "error", "T10", "vehicles_total", "count"),
        ],
    ),
    (
        "X01",
        "T01[income_total].amount",
        "-5",
        [
            ("R01-1", "error", "T01", "income_total", "amount"),
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("X01", "error", "T01", "income_total", "amount"),
        ],
    ),
    (
        "X02-1",
        "T01[general_budget].amount",
        "-5",
        [
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("X01", "error", "T01", "income_total", "amount"),
            ("X02-1", "error", "T01", "general_budget", "amount"),
            ("X04-general_budget", "error", "T01", "general_budget", "amount"),
        ],
    ),
    (
        "X02-{col}",
        "T01[superior_subsidy].amount",
        "-5",
        [
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("X01", "error", "T01", "income_total", "amount"),
            ("X02-superior_subsidy", "error", "T01", "superior_subsidy", "amount"),
        ],
    ),
    (
        "X03-total",
        "T01[expense_total].amount",
        "-5",
        [
            ("R01-2", "error", "T01", "expense_total", "amount"),
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("X03-total", "error", "T01", "expense_total", "amount"),
        ],
    ),
    (
        "X03-{row}",
        "T01[201].amount",
        "3971402.21",
        [
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("X03-total", "error", "T01", "expense_total", "amount"),
            ("X03-201", "error", "T01", "201", "amount"),
        ],
    ),
    (
        "X04-{col}",
        "T01[general_budget].amount",
        "-5",
        [
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("X01", "error", "T01", "income_total", "amount"),
            ("X02-1", "error", "T01", "general_budget", "amount"),
            ("X04-general_budget", "error", "T01", "general_budget", "amount"),
        ],
    ),
    (
        "X05-{row}",
        "T04[201].total",
        "3971402.21",
        [
            ("R04-4", "error", "T04", "201", "total"),
            ("R04-5", "error", "T04", "expense_total", "total"),
            ("X05-201", "error", "T04", "201", "total"),
        ],
    ),
    (
        "X06-total",
        "T04[expense_total].general",
        "-5",
        [
            ("R04-5", "error", "T04", "expense_total", "total"),
            ("R04-5", "error", "T04", "expense_total", "general"),
            ("X06-total", "error", "T04", "expense_total", "general"),
        ],
    ),
    (
        "X06-{row}",
        "T04[201].general",
        "-5",
        [
            ("X06-total", "error", "T04", "expense_total", "general"),
            ("X06-201", "error", "T04", "201", "general"),
        ],
    ),
    (
        "X07-{row}",
        "T03[201].basic",
        "-5",
        [
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("H03-201", "error", "T03", "201", "total"),
            ("H03-201", "error", "T03", "201", "basic"),
            ("X05-201", "error", "T04", "201", "total"),
            ("X07-201", "error", "T05", "201", "basic"),
        ],
    ),
    (
        "X08-{row}",
        "T04[201].fund",
        "-5",
        [
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-13", "error", "T04", "end_fund", "fund"),
            ("X08-201", "error", "T04", "201", "fund"),
            ("X08-total", "error", "T04", "expense_total", "fund"),
        ],
    ),
    (
        "X08-total",
        "T04[expense_total].fund",
        "-5",
        [
            ("R04-5", "error", "T04", "expense_total", "total"),
            ("R04-5", "error", "T04", "expense_total", "fund"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-13", "error", "T04", "end_fund", "fund"),
            ("X08-total", "error", "T04", "expense_total", "fund"),
        ],
    ),
    (
        "X08-income",
        "T04[gov_fund].amount",
        "-5",
        [
            ("R01-5", "error", "T01", "income_grand_total", "amount"),
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-13", "error", "T04", "end_fund", "fund"),
            ("X01", "error", "T01", "income_total", "amount"),
            ("X02-1", "error", "T01", "general_budget", "amount"),
            ("X08-income", "error", "T04", "gov_fund", "amount"),
        ],
    ),
    (
        "X08-begin",
        "T04[begin_fund].amount",
        "-5",
        [
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-13", "error", "T04", "end_fund", "fund"),
            ("X08-begin", "error", "T04", "begin_fund", "amount"),
        ],
    ),
    (
        "X08-end",
        "T04[end_fund].fund",
        "-5",
        [
            ("R04-11", "error", "T04", "income_grand_total", "amount"),
            ("R04-13", "error", "T04", "end_fund", "fund"),
            ("X08-end", "error", "T04", "end_fund", "fund"),
        ],
    ),
    (
        "X09-{row}",
        "T04[201].capital",
        "-5",
        [
            ("X09-201", "error", "T04", "201", "capital"),
            ("X09-total", "error", "T04", "expense_total", "capital"),
        ],
    ),
    (
        "X09-total",
        "T04[expense_total].capital",
        "-5",
        [
            ("R04-5", "error", "T04", "expense_total", "total"),
            ("R04-5", "error", "T04", "expense_total", "capital"),
            ("X09-total", "error", "T04", "expense_total", "capital"),
        ],
    ),
    (
        "X10-1",
        "T06[personnel_total].amount",
        "-5",
        [
            ("R06-2", "error", "T06", "personnel_total", "amount"),
            ("X10-1", "error", "T06", "personnel_total", "amount"),
        ],
    ),
    (
        "X10-2",
        "T06[personnel_total].basic",
        "-5",
        [
            ("R06-2", "error", "T06", "personnel_total", "basic"),
            ("X10-2", "error", "T06", "personnel_total", "basic"),
        ],
    ),
    (
        "X11-1",
        "T07[main].final_abroad",
        "-5",
        [
            ("X11-1", "error", "T07", "main", "final_abroad"),
        ],
    ),
    (
        "X11-2",
        "T07[main].final_reception",
        "-5",
        [
            ("X11-2", "error", "T07", "main", "final_reception"),
        ],
    ),
    (
        "X11-3",
        "T07[main].final_car_running",
        "-5",
        [
            ("X11-3", "error", "T07", "main", "final_car_running"),
        ],
    ),
    (
        "X11-4",
        "T07[main].final_car_purchase",
        "-5",
        [
            ("X11-4", "error", "T07", "main", "final_car_purchase"),
        ],
    ),
    (
        "X12-1",
        "T10[admin_units].amount",
        "1000",
        [
            ("X12-1", "error", "T10", "admin_units", "amount"),
            ("X12-2", "error", "T10", "admin_units", "amount"),
        ],
    ),
    (
        "X12-2",
        "T10[admin_units].amount",
        "-5",
        [
            ("X12-2", "error", "T10", "admin_units", "amount"),
        ],
    ),
    (
        "X13-2",
        "T09[total].basic",
        "-5",
        [
            ("H09-total", "error", "T09", "total", "total"),
            ("H09-total", "error", "T09", "total", "basic"),
            ("X09-total", "error", "T04", "expense_total", "capital"),
            ("X13-2", "error", "T09", "total", "total"),
        ],
    ),
    (
        "X14",
        "S1[total].executed",
        "-5",
        [
            ("X14", "warning", "T03", "total", "project"),
        ],
    ),
    (
        "K1-1",
        "S1[total].balance",
        "-5",
        [
            ("K1-1", "error", "S1", "total", "balance"),
        ],
    ),
    (
        "K1-2",
        "S1[total].rate",
        "-5",
        [
            ("K1-2", "error", "S1", "total", "rate"),
        ],
    ),
    (
        "K1-3",
        "S1[total].score",
        "-5",
        [
            ("K1-3", "error", "S1", "total", "score"),
        ],
    ),
    (
        "K2-1",
        "S1[i1].level1",
        "差",
        [
            ("K2-1", "warning", "S1", "i1", "level1"),
        ],
    ),
    (
        "K2-2",
        "S1[i10].level1",
        "差",
        [
            ("K2-2", "warning", "S1", "i1", "level1"),
        ],
    ),
    (
        "K2-3",
        "S1[i12].level1",
        "差",
        [
            ("K2-3", "warning", "S1", "i1", "level1"),
        ],
    ),
    (
        "K3-1",
        "S1[i8].score",
        "-1",
        [
            ("K3-1", "error", "S1", "i8", "score"),
            ("K3-3", "warning", "S1", "i8", "score"),  # 维修及时性 达成预期指标: also below its band
        ],
    ),
    (
        "K3-2",
        "S1[i8].score",
        "1000",
        [
            ("K3-2", "error", "S1", "i8", "score"),
        ],
    ),
    (
        "K3-3",
        "S1[i8].score",
        "3",
        [
            ("K3-3", "warning", "S1", "i8", "score"),
        ],
    ),
    (
        "K4",
        "S1[i1].score",
        "3",
        [("K4", "warning", "S1", "i1", "score")],
    ),
    (
        "K5-1",
        "S1[summary].total_score",
        "-5",
        [
            ("K5-1", "error", "S1", "summary", "total_score"),
        ],
    ),
    (
        "K5-2",
        "S1[summary].indicator_score",
        "-5",
        [
            ("K5-2", "error", "S1", "summary", "indicator_score"),
        ],
    ),
    (
        "K5-3",
        "S1[summary].grade",
        "差",
        [
            ("K5-3", "error", "S1", "summary", "grade"),
        ],
    ),
]


def test_the_base_is_clean():
    assert xlreport.check(corrected()).findings == []


@pytest.mark.parametrize(("rule", "cell", "value", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_is_found_where_it_is_broken(rule, cell, value, expected):
    findings = xlreport.check(changed(cell, value)).findings
    got = [(f.rule_id, f.severity, f.table, f.row.key, f.column.key) for f in findings]
    assert got == expected
    family = rule.split("-")[0]
    assert any(f.family == family for f in findings)
    for f in findings:
        assert f.message.startswith(f"[{f.rule_id}]") and f.sheet


def test_every_rule_of_the_edition_has_a_case(edition):
    covered = {c[0] for c in CASES} | {"X13-1"}
    assert {r.id for r in edition.rules} == covered


def test_x13_gov_fund_table_must_be_empty_without_gov_fund_spending():
    """公开08 reports a 政府性基金 balance that 公开04 does not show at all. In a workbook 公开04's
    政府性基金 cells are formulas over 公开08, so X13 can only fail together with the X08 relations."""
    data = corrected()
    data["tables"]["T08"] = {
        "total": {"begin": "100.00", "end": "100.00"},
        "rows": [{"code": "201", "name": "一般公共服务支出", "begin": "100.00", "end": "100.00"}],
    }
    findings = xlreport.check(data).findings
    assert [(f.rule_id, f.severity, f.table, f.row.key, f.column.key) for f in findings] == [
        ("X08-begin", "error", "T04", "begin_fund", "amount"),
        ("X08-end", "error", "T04", "end_fund", "fund"),
        ("X13-1", "error", "T08", "total", "begin"),
    ]
