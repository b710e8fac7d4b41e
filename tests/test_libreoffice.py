"""LibreOffice, a real spreadsheet client, recalculates what the writer wrote and gets the same numbers.

Skipped, with a message, only where LibreOffice is not installed (.ci/run installs it). By default a
small fixed set; the sweep over many random workbooks is in test_sweeps.py (``pytest -m sweep``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell import Cell

import xlreport
from xlreport.editions.spec import Edition
from xlreport.rules.expr import CellRef
from xlreport.synthetic import random_report
from xlreport.write.writer import write_report, write_template

from .conftest import EXAMPLE, SYNTHETIC
from .excel_ops import fill_template_like_a_person
from .libreoffice import convert, parity_problems, soffice

pytestmark = [
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
    pytest.mark.xdist_group("libreoffice"),  # one worker makes the module's LibreOffice run, once
]

RANDOM_REPORTS = 50  # the sweep (test_sweeps.py, pytest -m sweep): this many random reports
FIXED = (3,)  # by default one of them: 6 项 and three scorecards


def synthetic(directory: Path, edition: Edition, index: int) -> Path:
    """The ``index``-th random report of the sweep, written to ``directory``."""
    report = random_report(edition, seed=1000 + index, items=3 + index % 9, scorecards=index % 4)
    return write_report(directory / f"random-{index}.xlsx", report).path


def cell_findings(path: Path) -> list[tuple[str, str, str | None, str | None]]:
    from xlreport.validation.workbook import validate_workbook

    result = validate_workbook(path)
    assert result.readable, path
    return [(f.rule_id, f.code, f.sheet, f.cell) for f in result.findings]


@dataclass
class Recalculated:
    written: dict[Path, Path]  # workbooks the writer wrote → the same recalculated by LibreOffice
    by_name: dict[str, Path]  # every recalculated workbook by its original's name
    person: tuple[Path, dict[CellRef, Cell], set[CellRef]]  # the blank template a person filled
    typed: Path  # the reference with =100000+30652.46 typed where a number belongs


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory, edition: Edition) -> Recalculated:
    """The fixed set, and the workbooks edited as a person would, converted (and so recalculated) in
    one LibreOffice run: each run costs seconds of start-up before its first file."""
    out = tmp_path_factory.mktemp("lo")
    reference = xlreport.load_report(EXAMPLE)
    written = [
        write_template(out / "template.xlsx", edition, "晋城市政务服务中心", 2023).path,
        write_template(out / "template-codes.xlsx", edition, "某局", 2023, codes=["2010306", "2080505"]).path,
        write_report(out / "reference.xlsx", reference).path,
        write_report(out / "reference-as-published.xlsx", reference, as_published=True).path,
        *(synthetic(out, edition, index) for index in FIXED),
        write_report(out / "shanghai.xlsx", xlreport.load_report(SYNTHETIC)).path,
    ]
    (out / "person").mkdir()
    person = fill_template_like_a_person(out / "person", edition, reference)
    wb = load_workbook(written[2])
    assert wb["公开10"]["A9"].value == "服务"
    wb["公开10"]["C9"] = "=100000+30652.46"
    typed = out / "typed.xlsx"
    wb.save(typed)
    files = [*written, person[0], typed]
    by_name = dict(zip((f.name for f in files), convert(files, out / "recalculated"), strict=True))
    return Recalculated({f: by_name[f.name] for f in written}, by_name, person, typed)


def test_every_formula_recalculates_to_its_cached_value(recalculated: Recalculated) -> None:
    assert len(recalculated.written) == 5 + len(FIXED)
    assert parity_problems(recalculated.written.items()) == {}


def test_the_printed_total_stays_in_both_workbooks(recalculated: Recalculated) -> None:
    """The published 政府采购合计 75,425.00 contradicts its parts: recalculated, both workbooks still print it
    (a workbook never changes a published figure); the default one keeps formulas elsewhere."""
    by_name = recalculated.by_name
    pub = load_workbook(by_name["reference-as-published.xlsx"], data_only=True)
    live = load_workbook(by_name["reference.xlsx"], data_only=True)
    # 公开10 行次1 合计 is the row under the section title and header: C6
    assert pub["公开10"]["A6"].value == "合计"
    assert pub["公开10"]["C6"].value == pytest.approx(75425.00)
    assert live["公开10"]["C6"].value == pytest.approx(75425.00)
    formulas = load_workbook(by_name["reference.xlsx"])
    assert isinstance(formulas["公开01"]["C7"].value, str) and formulas["公开01"]["C7"].value.startswith("=")
    assert not str(load_workbook(by_name["reference-as-published.xlsx"])["公开01"]["C7"].value).startswith("=")


def test_the_shanghai_example_prints_its_published_numbers_once_recalculated(recalculated: Recalculated) -> None:
    """Recalculated by a spreadsheet, the 万元 example still prints every published number and blank (its
    totals off by rounding hold the printed number, not a formula over the rounded parts)."""
    from .test_fill_published import _same, shown

    report = xlreport.load_report(SYNTHETIC)
    cells, _ = shown(recalculated.by_name["shanghai.xlsx"])
    printed = report.cells()
    wrong = {r: v[2] for r, v in cells.items() if r.col not in ("code", "name") and not _same(v[2], printed.get(r))}
    assert wrong == {}
    assert sum(1 for r in cells if r in printed) > 100


def test_workbooks_saved_by_libreoffice_validate_as_the_originals(recalculated: Recalculated) -> None:
    """A workbook a person opened and saved in LibreOffice (its own XML: shared strings, rewritten
    formulas, its own defined names and properties) gives exactly the findings of the original."""
    by_name = recalculated.by_name
    for name in ("reference.xlsx", "reference-as-published.xlsx"):  # the JSON's findings
        assert cell_findings(by_name[name]) == [
            ("R10-1", "procurement-total", "公开10", "C6"),
            ("K4", "suggested-score", "绩效自评1", "H22"),
        ]
    for original, fresh in recalculated.written.items():
        assert cell_findings(fresh) == cell_findings(original), original.name


def test_typing_the_reference_inputs_into_the_template_gives_its_totals(recalculated: Recalculated) -> None:
    """A person fills the blank template (with the reference's 项 codes) cell by cell; LibreOffice
    recalculates; every total equals the reference's — 政府采购合计 the sum of its parts."""
    reference = xlreport.load_report(EXAMPLE)
    filled, cell_of, defined = recalculated.person
    assert sum(1 for r in reference.cells() if r not in defined and r in cell_of and not r.table.startswith("S")) > 40
    fresh = recalculated.by_name[filled.name]
    values = load_workbook(fresh, data_only=True)
    expected = dict(reference.cells())
    expected[next(r for r in expected if str(r) == "T10[procurement_total].amount")] = Decimal("130652.46")
    compared = 0
    for ref in defined:
        if ref.table.startswith("S") or ref not in cell_of:
            continue
        cell = cell_of[ref]
        got = values[cell.parent.title][cell.coordinate].value
        want = expected.get(ref)
        assert Decimal(repr(got or 0)) == (want or 0), (str(ref), got, want)
        compared += 1
    assert compared > 100
    from xlreport.validation.workbook import validate_workbook

    assert [(f.rule_id, f.cell) for f in validate_workbook(fresh).findings] == [("K4", "H22")]


def test_a_formula_typed_into_an_input_cell(recalculated: Recalculated) -> None:
    """=100000+30652.46 typed where a number belongs: a file no spreadsheet saved has no result for
    it (an error, the cell left out); once LibreOffice has saved it, its result is audited (a warning)."""
    from xlreport.validation.workbook import validate_workbook

    typed = recalculated.typed
    at = [(f.code, f.severity) for f in validate_workbook(typed).findings if f.cell == "C9"]
    assert at == [("formula-in-input", "error")]
    result = validate_workbook(recalculated.by_name[typed.name])
    assert [(f.code, f.severity, f.cell) for f in result.findings] == [
        ("formula-in-input", "warning", "C9"),
        ("procurement-total", "error", "C6"),  # the printed 合计 stays
        ("suggested-score", "warning", "H22"),
    ]
    assert result.report.tables.T10.services.amount == Decimal("130652.46")
