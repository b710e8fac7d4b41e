"""Layers a reader can see: validating a workbook never loads the writer or a writing library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from xlreport.layout.a1 import cell_name, quote_sheet
from xlreport.write.writer import write_template

ROOT = Path(__file__).resolve().parent.parent
WRITING = ("xlsxwriter", "xlreport.write.writer", "xlreport.write.sheets", "xlreport.write.narrative")


def _loaded_after(code: str) -> dict[str, bool]:
    probe = f"import json, sys\n{code}\nprint(json.dumps({{m: m in sys.modules for m in {WRITING!r}}}))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.splitlines()[-1])


def test_importing_the_validator_loads_no_writer():
    assert _loaded_after("import xlreport.validation.workbook") == dict.fromkeys(WRITING, False)


def test_validating_a_workbook_loads_no_writer(tmp_path, edition):
    path = write_template(tmp_path / "t.xlsx", edition, "某局", 2023).path
    code = f"from xlreport.validation.workbook import validate_workbook\nassert validate_workbook({str(path)!r}).valid"
    assert _loaded_after(code) == dict.fromkeys(WRITING, False)


@pytest.mark.parametrize(
    "name",
    [
        "公开01",
        "绩效自评1",
        "审核",
        "_lists",
        "Sheet1",
        "Sheet 1",
        "it's",
        "1abc",
        ".x",
        "a.b",
        "A1",
        "XFD1048576",
        "XFE1",
        "A0",
        "R1",
        "R0",
        "RC",
        "R",
        "C",
        "rc3x",
        "C5",
        "ZZZ1",
    ],
)
def test_a1_helpers_address_as_xlsxwriter_does(name):
    assert quote_sheet(name) == quote_sheetname(name)


def test_cell_names_as_xlsxwriter_gives_them():
    cases = [
        (r, c, ra, ca) for r in (0, 9, 1_048_575) for c in (0, 25, 26, 701, 16_383) for ra in (0, 1) for ca in (0, 1)
    ]
    assert [cell_name(*x) for x in cases] == [xl_rowcol_to_cell(*x) for x in cases]
