"""A template returned as it was sent is 未填报 (one warning), and its own formulas are no finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlreport import load_edition
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_template


@pytest.mark.parametrize("edition_id", ["shanxi-2022", "shanghai-2024"])
def test_an_untouched_template_is_one_not_filled_warning(tmp_path: Path, edition_id: str) -> None:
    path = write_template(tmp_path / "t.xlsx", load_edition(edition_id), "某局", 2024).path
    assert [(f.code, f.severity) for f in validate_workbook(path).findings] == [("not-filled", "warning")]
    resaved = tmp_path / "resaved.xlsx"  # saved by a script: no kept values for the formulas
    load_workbook(path).save(resaved)
    assert [f.code for f in validate_workbook(resaved).findings] == ["not-filled"]


def test_a_template_with_codes_only_is_not_filled(tmp_path: Path) -> None:
    edition = load_edition("shanxi-2022")
    path = write_template(tmp_path / "t.xlsx", edition, "某局", 2024, codes=["2010306", "2080505"], scorecards=2).path
    assert [f.code for f in validate_workbook(path).findings] == ["not-filled"]


def test_unused_scorecard_sheets_give_no_finding(tmp_path: Path) -> None:
    edition = load_edition("shanxi-2022")
    path = write_template(tmp_path / "t.xlsx", edition, "某局", 2024, scorecards=2).path
    wb = load_workbook(path)
    sheet, coord = next(iter(wb.defined_names["xr.T10.goods.amount"].destinations))
    wb[sheet][coord.replace("$", "")].value = 100.0  # the tables are being filled, the scorecards not yet
    wb.save(tmp_path / "some.xlsx")
    findings = validate_workbook(tmp_path / "some.xlsx").findings
    assert not [f for f in findings if f.sheet and f.sheet.startswith("绩效自评")]
    assert "not-filled" not in {f.code for f in findings}
