"""Validation work grows in proportion to the rows, checked without a clock.

Timed tests are not allowed (benchmarks/run.py times a 2,000-项 workbook against the reference).
Instead these count Python function calls: four times the 项 rows may cost at most four times the
calls (about three: some work does not grow with the rows), where a lookup that scans every code
for every code (as finding a code's children once did) costs more than five times as many.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from functools import partial
from types import FrameType
from typing import Any

import pytest

import xlreport.rules.shape as shape_module
from xlreport.editions.spec import Edition
from xlreport.rules.compute import forget_shapes
from xlreport.rules.instantiate import instantiate
from xlreport.rules.shape import Shape, children_of
from xlreport.synthetic import random_codes, random_report
from xlreport.validation.engine import check_report

SMALL, LARGE = 50, 200  # 项 rows (100 and 421 code rows a table)


def python_calls(fn: Callable[[], object]) -> int:
    """How many Python functions ``fn`` calls (a profile hook counts them; no time is taken)."""
    count = 0

    def hook(_frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(hook)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def coded_shape(edition: Edition, items: int) -> Shape:
    codes = [c for c, _ in random_codes(edition, random.Random(5), items)]
    return Shape(edition, codes={t.id: list(codes) for t in edition.tables if t.coded is not None})


def test_children_of_is_the_children_of_every_code(edition: Edition) -> None:
    codes = coded_shape(edition, 40).codes["T05"]
    kids = children_of(codes)
    for code in codes:
        assert kids.get(code, []) == [c for c in codes if c != code and c.startswith(code) and len(c) == len(code) + 2]
    assert sum(len(k) for k in kids.values()) == len([c for c in codes if len(c) > 3])


def test_hierarchy_looks_at_each_code_once_per_rule(edition: Edition, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    parent_code = shape_module.parent_code

    def counted(code: str) -> str | None:
        nonlocal calls
        calls += 1
        return parent_code(code)

    monkeypatch.setattr(shape_module, "parent_code", counted)
    shape = coded_shape(edition, LARGE)
    hierarchy = tuple(r for r in edition.rules if r.kind == "hierarchy")
    instantiate(shape, hierarchy)
    codes = len(shape.codes["T05"])
    assert codes > LARGE
    assert 0 < calls <= len(hierarchy) * codes


def test_calls_grow_with_the_rows(edition: Edition) -> None:
    """Every rule instantiated for the report's rows, then every check evaluated."""
    counts = []
    for items in (SMALL, LARGE):
        report = random_report(edition, seed=3, items=items, scorecards=1)
        forget_shapes()  # the rules of this shape are instantiated inside the count
        counts.append(python_calls(partial(check_report, report)))
    small, large = counts
    assert large > small  # the larger report does more work …
    assert large <= LARGE / SMALL * small  # … in proportion (a quadratic lookup gives over 5×)
