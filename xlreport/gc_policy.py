"""Fewer full garbage collections while xlreport builds large structures.

CPython collects its oldest generation each time enough objects have outlived the younger ones, and a
full collection walks every live object. Consolidating 1,000 returns and writing their workbook keeps
some 800 MB of objects alive and adds to them steadily: with the default thresholds the full collections
took 6 to 8 of its 24 seconds (measured with benchmarks/merge_returns.py). xlreport builds trees and
tables, not reference cycles, so young collections still run as usual and only the full ones are spaced
out; the thresholds are restored on leaving (they are process-wide: concurrent threads share them).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FULL_EVERY = 1000  # young-generation collections between full ones (CPython's default: 10)


@contextmanager
def fewer_full_collections() -> Iterator[None]:
    """Within the block, a full collection at most every :data:`FULL_EVERY` middle-generation ones."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], max(before[2], FULL_EVERY))
    try:
        yield
    finally:
        gc.set_threshold(*before)


__all__ = ["FULL_EVERY", "fewer_full_collections"]
