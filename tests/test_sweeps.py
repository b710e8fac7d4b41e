"""The long random sweeps, left out of the default run: ``python3 -m pytest -m sweep`` (.ci/run runs them).

LibreOffice recalculates many random workbooks of each edition; every formula must give its cached
value, and the copy LibreOffice saved the findings of the original. The default run checks a fixed
few of the same kind (test_libreoffice.py, test_shanghai.py). The big sweep is cut into batches, one
LibreOffice run each, so that the test workers (pytest-xdist) run them side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xlreport import load_edition
from xlreport.editions.spec import Edition

from .libreoffice import convert, parity_problems, recalculation_problems, soffice
from .test_libreoffice import RANDOM_REPORTS, cell_findings, synthetic
from .test_shanghai import shanghai_random

pytestmark = [
    pytest.mark.sweep,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
]

BATCHES = 2


@pytest.mark.parametrize("batch", range(BATCHES))
def test_random_workbooks_recalculate_and_validate_as_the_originals(
    tmp_path: Path, edition: Edition, batch: int
) -> None:
    files = [synthetic(tmp_path, edition, index) for index in range(batch, RANDOM_REPORTS, BATCHES)]
    assert len(files) == RANDOM_REPORTS // BATCHES
    pairs = list(zip(files, convert(files, tmp_path / "recalculated"), strict=True))
    assert parity_problems(pairs) == {}
    for original, fresh in pairs:
        assert cell_findings(fresh) == cell_findings(original), original.name


def test_shanghai_random_workbooks_recalculate(tmp_path: Path) -> None:
    sh = load_edition("shanghai-2024")
    files = [shanghai_random(tmp_path, sh, seed) for seed in range(10)]
    assert recalculation_problems(files, tmp_path / "re", limit=3) == {}
