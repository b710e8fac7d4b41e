from __future__ import annotations

import json
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
