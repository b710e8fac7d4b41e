"""One 科目编码 check: the model, the reader, the rules and the command line agree on what a code is."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xlreport.cli import main
from xlreport.model.values import CellRef, code_order, function_code, is_class_code, is_function_code, level_name
from xlreport.rules.expr import CodeLookup
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import expand_codes, write_template


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("201", True),
        ("20103", True),
        ("2010306", True),
        ("2010", False),
        ("20", False),
        ("", False),
        ("20a", False),
        ("２０１", False),
        ("201030601", False),
    ],
)
def test_what_a_function_code_is(text, valid):
    assert is_function_code(text) is valid
    if valid:
        assert function_code(f" {text} ") == text
    else:
        with pytest.raises(ValueError, match="应为3位（类）、5位（款）或7位（项）数字"):
            function_code(text)


def test_levels_and_order():
    assert [level_name(c) for c in ("201", "20103", "2010306")] == ["类", "款", "项"]
    assert [is_class_code(c) for c in ("201", "20103", "２０１")] == [True, False, False]
    assert sorted(["20805", "2010306", "208", "201", "20103"], key=code_order) == [
        "201",
        "20103",
        "2010306",
        "208",
        "20805",
    ]
    assert expand_codes(["2080505"]) == ["208", "20805", "2080505"]


def test_a_template_slot_counts_a_typed_class_code_only():
    code, value = CellRef("T03", "slot1", "code"), CellRef("T03", "slot1", "total")
    lookup = CodeLookup(None, ((code, value),))
    for typed, counted in (("201", 5), ("20103", 0), ("２０１", 0), ("abc", 0)):
        assert lookup.evaluate({code: typed, value: Decimal(5)}.get) == counted


def test_the_command_line_refuses_a_bad_code_in_its_words(tmp_path):
    result = CliRunner().invoke(
        main,
        ["template", "--dept", "某局", "--year", "2023", "--codes", "2010306,2010", "-o", str(tmp_path / "t.xlsx")],
    )
    assert result.exit_code == 2 and "科目编码应为3、5或7位数字：2010" in result.stderr
    assert not (tmp_path / "t.xlsx").exists()


def test_the_reader_names_a_bad_code_and_the_row_it_orphans(tmp_path, edition):
    path = write_template(tmp_path / "t.xlsx", edition, "某局", 2023, ["2010306"]).path
    wb = load_workbook(path)
    sheet, coord = next(iter(wb.defined_names["xr.T03.c20103.code"].destinations))
    wb[sheet][coord.replace("$", "")].value = "2010"
    wb.save(path)
    messages = {f.code: f.message for f in validate_workbook(path).findings if f.table == "T03"}
    assert "功能分类科目编码“2010”应为3位、5位或7位数字，此行未计入审核" in messages["bad-code"]
    assert "科目2010306缺少其款级科目20103的行" in messages["orphan-code"]
