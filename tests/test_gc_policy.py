"""The garbage-collection policy of large work: full collections spaced out inside, thresholds restored."""

from __future__ import annotations

import gc

import pytest

import xlreport
from xlreport.gc_policy import FULL_EVERY, fewer_full_collections
from xlreport.merge import consolidate
from xlreport.synthetic import random_report


def test_full_collections_are_spaced_out_inside_and_the_thresholds_restored_after() -> None:
    before = gc.get_threshold()
    with fewer_full_collections():
        inside = gc.get_threshold()
        with fewer_full_collections():  # nested: the outer setting stays
            assert gc.get_threshold() == inside
        assert gc.get_threshold() == inside
    assert inside == (before[0], before[1], max(before[2], FULL_EVERY)) and inside[2] > 10
    assert gc.get_threshold() == before
    with pytest.raises(ValueError), fewer_full_collections():
        raise ValueError("restored on the way out too")
    assert gc.get_threshold() == before


def test_a_consolidation_leaves_the_thresholds_as_it_found_them() -> None:
    seen: list[tuple[int, int, int]] = []
    before = gc.get_threshold()
    edition = xlreport.load_edition("shanxi-2022")
    units = [random_report(edition, seed=s) for s in (1, 2)]
    gc.callbacks.append(lambda phase, info: seen.append(gc.get_threshold()) if phase == "start" else None)
    try:
        consolidate(units, "某某局")
    finally:
        gc.callbacks.pop()
    assert gc.get_threshold() == before
    assert seen and all(t[2] >= FULL_EVERY for t in seen)  # every collection during it ran under the policy
