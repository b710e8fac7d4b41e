"""LibreOffice, a real spreadsheet client, recalculates what the writer wrote and gets the same numbers.

Skipped, with a message, only where LibreOffice is not installed (.ci/run installs it).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook

import xlreport
from xlreport.excel.writer import write_report, write_template
from xlreport.synthetic import random_report

from .conftest import EXAMPLE
from .excel_ops import fill_template_like_a_person
from .libreoffice import compare, convert, soffice

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")

RANDOM_REPORTS = 50


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, edition):
    """All workbooks under test, converted (and so recalculated) in one LibreOffice run."""
    out = tmp_path_factory.mktemp("lo")
    reference = xlreport.load_report(EXAMPLE)
    files = [
        write_template(out / "template.xlsx", edition, "晋城市政务服务中心", 2023).path,
        write_template(out / "template-codes.xlsx", edition, "某局", 2023, codes=["2010306", "2080505"]).path,
        write_report(out / "reference.xlsx", reference).path,
        write_report(out / "reference-as-published.xlsx", reference, as_published=True).path,
    ]
    for seed in range(RANDOM_REPORTS):
        report = random_report(edition, seed=1000 + seed, items=3 + seed % 9, scorecards=seed % 4)
        files.append(write_report(out / f"random-{seed}.xlsx", report).path)
    converted = convert(files, out / "recalculated")
    return dict(zip(files, converted, strict=True))


def test_every_formula_recalculates_to_its_cached_value(recalculated):
    assert len(recalculated) == 4 + RANDOM_REPORTS
    problems = {}
    for original, fresh in recalculated.items():
        found = compare(original, fresh)
        if found:
            problems[original.name] = found[:5]
    assert problems == {}


def test_the_as_published_constant_stays_and_the_formula_version_computes(recalculated):
    by_name = {p.name: q for p, q in recalculated.items()}
    pub = load_workbook(by_name["reference-as-published.xlsx"], data_only=True)
    live = load_workbook(by_name["reference.xlsx"], data_only=True)
    # 公开10 行次1 合计 is the row under the section title and header: C6
    assert pub["公开10"]["A6"].value == "合计"
    assert pub["公开10"]["C6"].value == pytest.approx(75425.00)
    assert live["公开10"]["C6"].value == pytest.approx(130652.46)


def test_workbooks_saved_by_libreoffice_validate_as_the_originals(recalculated):
    """A workbook a person opened and saved in LibreOffice (its own XML: shared strings, rewritten
    formulas, its own defined names and properties) gives exactly the findings of the original."""
    from xlreport.validation.workbook import validate_workbook

    def findings(path):
        result = validate_workbook(path)
        assert result.readable, path
        return [(f.rule_id, f.code, f.sheet, f.cell) for f in result.findings]

    by_name = {p.name: q for p, q in recalculated.items()}
    assert findings(by_name["reference.xlsx"]) == [("K4", "suggested-score", "绩效自评1", "H22")]
    assert [f[:2] for f in findings(by_name["reference-as-published.xlsx"])] == [
        ("F05", "formula-replaced"),
        ("R10-1", "procurement-total"),
        ("K4", "suggested-score"),
    ]
    for original, fresh in recalculated.items():
        assert findings(fresh) == findings(original), original.name


def test_typing_the_reference_inputs_into_the_template_gives_its_totals(tmp_path, edition):
    """A person fills the blank template (with the reference's 项 codes) cell by cell; LibreOffice
    recalculates; every total equals the reference's — 政府采购合计 the sum of its parts."""
    reference = xlreport.load_report(EXAMPLE)
    filled, cell_of, defined = fill_template_like_a_person(tmp_path, edition, reference)
    assert sum(1 for r in reference.cells() if r not in defined and r in cell_of and not r.table.startswith("S")) > 40
    (fresh,) = convert([filled], tmp_path / "recalculated")
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


def test_a_formula_typed_into_an_input_cell(tmp_path):
    """=100000+30652.46 typed where a number belongs: a file no spreadsheet saved has no result for
    it (an error, the cell left out); once LibreOffice has saved it, its result is audited (a warning)."""
    from xlreport.validation.workbook import validate_workbook

    path = write_report(tmp_path / "ref.xlsx", xlreport.load_report(EXAMPLE)).path
    wb = load_workbook(path)
    assert wb["公开10"]["A9"].value == "服务"
    wb["公开10"]["C9"] = "=100000+30652.46"
    typed = tmp_path / "typed.xlsx"
    wb.save(typed)
    at = [(f.code, f.severity) for f in validate_workbook(typed).findings if f.cell == "C9"]
    assert at == [("formula-in-input", "error")]
    (saved,) = convert([typed], tmp_path / "saved")
    result = validate_workbook(saved)
    assert [(f.code, f.severity, f.cell) for f in result.findings] == [
        ("formula-in-input", "warning", "C9"),
        ("suggested-score", "warning", "H22"),
    ]
    assert result.report.tables.T10.services.amount == Decimal("130652.46")
