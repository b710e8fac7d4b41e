"""Instantiation reuses a rule text's parse across shapes (rules/instantiate.py `_Parses`): over every
shape, the relations must be exactly those a fresh parse gives — codes added and removed, template
slots, scorecards renamed from one sid to another, layouts that differ."""

from __future__ import annotations

import pytest

import xlreport
from xlreport.model.values import CellRef
from xlreport.rules.expr import Linear, Ref, map_cells
from xlreport.rules.instantiate import _DONE, Check, _instantiate, forget_instances, instantiate
from xlreport.rules.shape import ScorecardShape, Shape
from xlreport.synthetic import random_report
from xlreport.validation.engine import shape_of
from xlreport.write.writer import template_shape

from .conftest import DEFAULT_EDITIONS


def _fresh(shape: Shape) -> list[Check]:
    forget_instances()
    try:
        return _instantiate(shape, shape.edition.rules)
    finally:
        forget_instances()


def _shapes(edition_id: str) -> list[Shape]:
    edition = xlreport.load_edition(edition_id)
    reports = [random_report(edition, seed=s, items=3 + s % 5, scorecards=s % 4) for s in range(6)]
    shapes = [shape_of(r) for r in reports]
    # a scorecard list in another order: S1's layout is now S3's (a renamed parse must be moved)
    turned = Shape(edition, dict(shapes[3].codes), list(reversed(shapes[3].scorecards)), shapes[3].unit_type)
    for n, card in enumerate(turned.scorecards):
        turned.scorecards[n] = ScorecardShape(f"S{n + 1}", card.budget, card.indicators, card.quantitative)
    return [*shapes, turned, template_shape(edition), template_shape(edition, ["2010301", "2130101"]), shapes[0]]


@pytest.mark.parametrize("edition_id", DEFAULT_EDITIONS)
def test_reused_parses_give_the_relations_a_fresh_parse_gives(edition_id: str) -> None:
    shapes = _shapes(edition_id)
    expected = [_fresh(shape) for shape in shapes]
    forget_instances()
    for shape, fresh in zip(shapes, expected, strict=True):
        got = _instantiate(shape, shape.edition.rules)  # the memo is warm from the shapes before
        assert len(got) == len(fresh)
        differ = [(a.id, a.scorecard) for a, b in zip(got, fresh, strict=True) if a != b]
        assert not differ, differ[:5]
    assert any(s.slots for s in shapes)
    assert any(s.scorecards for s in shapes) == shapes[0].edition.scorecard.enabled
    parsed = sum(len(entries) for entries in _DONE.values())
    assert 0 < parsed < sum(len(checks) for checks in expected) / 3  # reused, not parsed again for each shape


def test_a_scorecard_parse_is_moved_to_the_scorecard_that_reuses_it() -> None:
    edition = xlreport.load_edition("shanxi-2022")
    report = random_report(edition, seed=3, scorecards=3)
    shape = shape_of(report)
    forget_instances()
    checks = instantiate(shape)
    for sid in ("S1", "S2", "S3"):
        own = [c for c in checks if c.scorecard == sid]
        assert own and all(cell.table in (sid, *{t.id for t in edition.tables}) for c in own for cell in c.cells())
    forget_instances()


def test_map_cells_moves_only_the_cells_it_is_asked_to_and_shares_the_rest() -> None:
    a, b, c = CellRef("S1", "total", "executed"), CellRef("S1", "total", "budget"), CellRef("T01", "x", "amount")
    expr = Linear(((1, Ref(a)), (-1, Linear(((1, Ref(b)),))), (1, Ref(c))))
    moved = map_cells(expr, lambda cell: CellRef("S9", cell.row, cell.col) if cell.table == "S1" else cell)
    assert list(moved.refs()) == [CellRef("S9", "total", "executed"), CellRef("S9", "total", "budget"), c]
    assert moved.terms[2][1] is expr.terms[2][1]  # type: ignore[attr-defined]
    assert map_cells(expr, lambda cell: cell) is expr


def test_a_parse_is_not_reused_over_another_edition_that_shares_its_rules() -> None:
    edition = xlreport.load_edition("shanxi-2022")
    shifted = tuple((bound + 1, grade) for bound, grade in edition.scorecard.grades)
    other = edition.model_copy(update={"scorecard": edition.scorecard.model_copy(update={"grades": shifted})})
    assert other.rules[0] is edition.rules[0]  # the same rule objects, other scoring parameters
    card = [ScorecardShape("S1", ("total",), ("i1",), ())]
    fresh = _fresh(Shape(other, {}, card))
    forget_instances()
    _instantiate(Shape(edition, {}, card), edition.rules)
    assert _instantiate(Shape(other, {}, card), other.rules) == fresh
    forget_instances()


def test_a_row_range_of_a_scorecard_is_refused_as_before() -> None:
    from xlreport.rules.parser import RuleSyntaxError, parse_relation
    from xlreport.rules.shape import ShapeResolver

    edition = xlreport.load_edition("shanxi-2022")
    shape = Shape(edition, {}, [ScorecardShape("S1", ("total",), ("i1", "i2"), ())])
    with pytest.raises(RuleSyntaxError, match="unknown scorecard rows"):
        parse_relation("S[i1:i2].score >= 0", ShapeResolver(shape, "S1"))
