from __future__ import annotations

import json
import os
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xlreport import examples, load_edition
from xlreport.editions.spec import Edition

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = examples.path(examples.REFERENCE)
SYNTHETIC = examples.path("shanghai-district-2024")


@pytest.fixture(scope="session")
def edition() -> Edition:
    return load_edition("shanxi-2022")


def reference_data() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)


@pytest.fixture()
def reference() -> dict[str, Any]:
    """The published reference report as a dict (a fresh copy per test)."""
    return reference_data()


# Matrices of edits: a spread of SAMPLE edits per kind and workbook by default, SWEEP_SAMPLE in the sweep
# (`-m sweep`), every one with XLREPORT_SWEEP_ALL=1.
SAMPLE, SWEEP_SAMPLE = 6, 60


@pytest.fixture(params=["spread", pytest.param("all", marks=pytest.mark.sweep)])
def scope(request) -> str:
    """A spread of each kind of edit by default; more in the sweep."""
    return request.param


def spread(items: list, scope: str, sample: int = SAMPLE) -> list:
    """Edits spread evenly over ``items``: ``sample`` by default, SWEEP_SAMPLE in the sweep, all of them
    with XLREPORT_SWEEP_ALL=1."""
    if scope == "spread":
        size = sample
    else:
        size = len(items) if os.environ.get("XLREPORT_SWEEP_ALL") else max(SWEEP_SAMPLE, sample * 5)
    if len(items) <= size:
        return items
    step = len(items) / size
    return [items[int(i * step)] for i in range(size)]


# Editions of the default run; the others (shanghai-2025 is shanghai-2024 with a year's codes added) only
# in the sweep, where a test runs over every edition.
DEFAULT_EDITIONS = ("shanxi-2022", "shanghai-2024")


def sweep_beyond(items: Iterable[Any], keep: Iterable[Any] = DEFAULT_EDITIONS) -> list[Any]:
    """``items`` as parameters: those in ``keep`` run by default, the rest only in the sweep."""
    kept = set(keep)
    sweep = pytest.mark.sweep
    return [
        i if i in kept else pytest.param(*i, marks=sweep) if isinstance(i, tuple) else pytest.param(i, marks=sweep)
        for i in items
    ]


def flat_tables(data: dict[str, Any]) -> dict[tuple[str, str, str], Decimal]:
    """Every table number of a report's JSON as (table, row or code, column) → Decimal, read from the JSON."""
    out: dict[tuple[str, str, str], Decimal] = {}
    for table, body in data["tables"].items():
        if "rows" in body or "total" in body:
            for col, v in (body.get("total") or {}).items():
                out[(table, "total", col)] = Decimal(str(v))
            for row in body.get("rows", []):
                for col, v in row.items():
                    if col not in ("code", "name"):
                        out[(table, row["code"], col)] = Decimal(str(v))
        else:
            for key, cols in body.items():
                for col, v in cols.items():
                    out[(table, key, col)] = Decimal(str(v))
    return out
