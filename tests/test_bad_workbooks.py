"""Workbooks that are not what they should be: one clear file-level finding, no traceback, input unchanged."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from openpyxl.packaging.custom import CustomPropertyList

from xlreport import available_editions, load_edition
from xlreport.excel.writer import write_report
from xlreport.synthetic import random_report
from xlreport.validation.workbook import validate_workbook

from .bad_corpus import KINDS, make, run_cli_measured


@pytest.fixture(scope="module", params=available_editions())
def good(request, tmp_path_factory):
    """A filled workbook of each edition."""
    path = tmp_path_factory.mktemp("bad") / f"good-{request.param}.xlsx"
    write_report(path, random_report(load_edition(request.param), seed=11))
    return path


@pytest.mark.parametrize(("kind", "code"), KINDS.items())
def test_unreadable_files_give_one_clear_finding(tmp_path, good, kind, code):
    path = make(kind, tmp_path, good)
    before = path.read_bytes()
    result = validate_workbook(path)
    assert not result.readable and not result.valid
    assert [(f.code, f.severity) for f in result.findings] == [(code, "error")]
    assert path.name in result.findings[0].message
    assert path.read_bytes() == before


def test_the_command_line_refuses_each_in_its_own_process_within_200_mib(tmp_path, good):
    """The corpus through ``xlreport validate`` as a bureau runs it: exit 2, one finding, no traceback,
    a peak of well under 200 MiB (the time each takes is measured by benchmarks/bad_inputs.py)."""
    import json

    for kind, code in KINDS.items():
        path = make(kind, tmp_path, good)
        before = path.read_bytes()
        run = run_cli_measured("validate", "--format", "json", str(path))
        assert run.returncode == 2, (kind, run.stderr)
        assert "Traceback" not in run.stderr
        (outcome,) = json.loads(run.stdout)["files"]
        assert [f["code"] for f in outcome["findings"]] == [code], kind
        assert run.peak_rss_mib < 200, (kind, run.peak_rss_mib)
        assert path.read_bytes() == before


def test_a_workbook_of_another_edition(tmp_path, good):
    """A bureau that expects its own edition gets one clear finding for a workbook of another one."""
    own = read_edition(good)
    other = next(e for e in available_editions() if e != own)
    assert validate_workbook(good, expect=own).findings == []
    result = validate_workbook(good, expect=other)
    assert not result.readable
    assert [f.code for f in result.findings] == ["edition-mismatch"]
    assert own in result.findings[0].message and other in result.findings[0].message
    run = run_cli_measured("validate", "--edition", other, "--format", "json", str(good))
    assert run.returncode == 2
    assert "edition-mismatch" in run.stdout


def test_a_workbook_without_identity_of_another_edition(tmp_path, good):
    """Read by layout, the edition its sheets match is still compared with the one expected."""
    wb = load_workbook(good)
    wb.custom_doc_props = CustomPropertyList()
    stripped = tmp_path / "stripped.xlsx"
    wb.save(stripped)
    own = read_edition(good)
    other = next(e for e in available_editions() if e != own)
    assert [f.code for f in validate_workbook(stripped, expect=other).findings] == ["edition-mismatch"]


def read_edition(path) -> str:
    from xlreport.excel.reader import read_workbook

    return read_workbook(path).edition.id


def test_missing_or_renamed_table_sheet(tmp_path, good):
    wb = load_workbook(good)
    sheet = wb.sheetnames[5]  # the fifth table (after 填表说明)
    wb[sheet].title = "表五"
    renamed = tmp_path / "renamed.xlsx"
    wb.save(renamed)
    result = validate_workbook(renamed)
    assert [f.code for f in result.findings] == ["missing-sheet"]
    assert sheet in result.findings[0].message


def test_unknown_edition(tmp_path, good):
    wb = load_workbook(good)
    for prop in wb.custom_doc_props.props:
        if prop.name == "xlreport.edition":
            prop.value = "guangdong-2031"
    other = tmp_path / "other.xlsx"
    wb.save(other)
    result = validate_workbook(other)
    assert [f.code for f in result.findings] == ["unknown-edition"]
    assert "guangdong-2031" in result.findings[0].message


def test_a_workbook_without_identity_is_read_by_layout_with_a_warning(tmp_path, good):
    wb = load_workbook(good)
    wb.custom_doc_props = CustomPropertyList()
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    stripped = tmp_path / "stripped.xlsx"
    wb.save(stripped)
    result = validate_workbook(stripped)
    assert result.readable
    assert [(f.code, f.severity) for f in result.findings] == [("no-identity", "warning")]
    assert result.report is not None and result.report.tables.T03.rows


def test_text_where_a_number_belongs_is_an_error_at_that_cell(tmp_path, good):
    wb = load_workbook(good)
    sheet, coord = next(iter(wb.defined_names["xr.T07.main.budget_abroad"].destinations))
    wb[sheet][coord.replace("$", "")].value = "约五千元"
    edited = tmp_path / "text.xlsx"
    wb.save(edited)
    result = validate_workbook(edited)
    errors = [(f.code, f.sheet, f.cell) for f in result.findings if f.severity == "error"]
    assert errors == [("not-a-number", sheet, coord.replace("$", ""))]
