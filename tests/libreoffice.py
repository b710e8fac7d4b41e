"""LibreOffice as a real spreadsheet client for tests: recalculate workbooks and compare with caches.

LibreOffice trusts cached formula values unless told otherwise; a fresh user profile whose
registrymodifications.xcu sets OOXMLRecalcMode = 0 makes it recalculate every formula on load.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from xlreport.authoring.office import CHUNK, compare, convert, formula_cells, soffice

__all__ = ["CHUNK", "compare", "convert", "formula_cells", "parity_problems", "recalculation_problems", "soffice"]


def parity_problems(pairs: Iterable[tuple[Path, Path]], limit: int = 5) -> dict[str, list[str]]:
    """The first ``limit`` differences of each (original, recalculated) pair that has any, by file name."""
    found = {original.name: compare(original, fresh)[:limit] for original, fresh in pairs}
    return {name: problems for name, problems in found.items() if problems}


def recalculation_problems(files: list[Path], outdir: Path, limit: int = 5) -> dict[str, list[str]]:
    """``files`` recalculated in one LibreOffice run: the first differences of each that has any."""
    return parity_problems(zip(files, convert(files, outdir), strict=True), limit)
