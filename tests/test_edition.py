"""The edition description: loaded as data, complete, and consistent with its rules."""

from __future__ import annotations

from xlreport.editions import available_editions, chinese_ordinal
from xlreport.rules.compute import formula_order
from xlreport.rules.instantiate import instantiate
from xlreport.rules.shape import Shape


def lines(table, panel_id):
    panel = next(p for p in table.panels if p.id == panel_id)
    return [r.line for r in panel.rows]


def test_editions_are_listed(edition):
    assert "shanxi-2022" in available_editions()
    assert edition.info.amount_unit == "元"
    assert [t.sheet for t in edition.tables] == [f"公开{n:02d}" for n in range(1, 11)]


def test_t01_lines_as_printed(edition):
    t01 = edition.table("T01")
    assert lines(t01, "income") == list(range(1, 32))
    assert lines(t01, "expense") == list(range(32, 63))
    expense = next(p for p in t01.panels if p.id == "expense")
    assert expense.rows[0].label == "一、一般公共服务支出"
    assert expense.rows[25].label == "二十六、抗疫特别国债安排的支出"
    assert t01.row("income_total")[1].line == 27
    assert t01.row("expense_total")[1].line == 58


def test_t04_lines_as_printed(edition):
    t04 = edition.table("T04")
    assert lines(t04, "income") == list(range(1, 33))
    assert lines(t04, "expense") == list(range(33, 65))
    assert [c.seq for p in t04.panels for c in p.value_columns()] == ["1", "2", "3", "4", "5"]


def test_t10_has_no_line_16(edition):
    t10 = edition.table("T10")
    printed = [r.line for p in t10.panels for r in p.rows]
    assert printed == [*range(1, 16), 17]
    assert t10.meta_label == "单位名称"


def test_t06_lanes_hold_every_economic_code_once(edition):
    t06 = edition.table("T06")
    codes = [r.code for p in t06.panels for r in p.rows if r.code]
    assert sorted(codes) == sorted(edition.economic)
    assert len(codes) == len(set(codes))
    no_basic = {r.code for p in t06.panels for r in p.rows if "basic" in r.disabled}
    assert {"309", "30913", "311", "313", "31304"} <= no_basic
    assert not {c for c in no_basic if c[:3] not in ("309", "311", "313")}


def test_t07_has_twelve_columns(edition):
    t07 = edition.table("T07")
    assert [c.seq for c in t07.panels[0].value_columns()] == [str(n) for n in range(1, 13)]


def test_every_domain_rule_family_is_present(edition):
    families = {r.family for r in edition.rules}
    expected = (
        {f"R{n:02d}" for n in range(1, 11)}
        | {"H02", "H03", "H05", "H08", "H09"}
        | {f"X{n:02d}" for n in range(1, 15)}
        | {f"K{n}" for n in range(1, 6)}
    )
    assert expected <= families
    for rule in edition.rules:
        assert rule.id.startswith(rule.family)
        assert rule.code == rule.code.lower() and " " not in rule.code


def test_defining_relations_have_no_cycle_and_one_definition_per_cell(edition):
    shape = Shape(edition, codes={t: ["201", "20103", "2010306"] for t in ("T02", "T03", "T05", "T08", "T09")})
    checks = instantiate(shape)
    defined = [c.defines for c in checks if c.defines is not None]
    assert len(defined) == len(set(defined))
    assert len(formula_order(checks)) == len(defined)


def test_chinese_ordinals():
    assert [chinese_ordinal(n) for n in (1, 10, 11, 20, 26)] == ["一", "十", "十一", "二十", "二十六"]
