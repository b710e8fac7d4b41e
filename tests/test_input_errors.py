"""Invalid input gives a validation error naming where it is, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import xlreport
from xlreport.cli import main


def base(**tables) -> dict:
    return {"meta": {"unit_name": "测试单位", "year": 2022, "edition": "shanxi-2022"}, "tables": tables}


def issues_of(data) -> list[str]:
    with pytest.raises(xlreport.ReportInputError) as info:
        xlreport.load_report(data)
    return [str(i) for i in info.value.issues]


def test_letter_in_an_amount_names_table_row_and_column():
    (issue,) = issues_of(base(T01={"general_budget": {"amount": "47770a6.13"}}))
    assert "公开01" in issue and "行次1" in issue and "一般公共预算财政拨款收入" in issue
    assert "决算数（栏次1）" in issue and "“47770a6.13”不是有效的金额" in issue


def test_four_digit_function_code():
    (issue,) = issues_of(base(T03={"rows": [{"code": "2010", "name": "x", "total": "1"}]}))
    assert "公开03" in issue and "第1行（科目编码2010）" in issue and "3位（类）、5位（款）或7位（项）" in issue


def test_item_without_its_kuan():
    (issue,) = issues_of(base(T02={"rows": [{"code": "201", "total": "1"}, {"code": "2010306", "total": "1"}]}))
    assert "公开02" in issue and "项2010306缺少其款级科目20103" in issue


def test_negative_vehicle_count():
    (issue,) = issues_of(base(T10={"vehicles_other": {"count": -1}}))
    assert "公开10" in issue and "行次15" in issue and "8.其他用车" in issue and "不能为负数" in issue


def test_unknown_row_and_column_are_named():
    issues = issues_of(base(T01={"nonsense": {"amount": "1"}, "general_budget": {"amountx": "1"}}))
    assert any("行“nonsense”" in i and "未知字段" in i for i in issues)
    assert any("栏“amountx”" in i for i in issues)


def test_too_many_decimals_and_fractional_count():
    issues = issues_of(base(T01={"general_budget": {"amount": "1.234"}}, T10={"vehicles_other": {"count": "1.5"}}))
    assert any("超过两位小数" in i for i in issues)
    assert any("必须是整数" in i for i in issues)


def test_unknown_edition_and_broken_json(tmp_path):
    (issue,) = issues_of({"meta": {"edition": "nowhere-1999"}})
    assert "未知的表样版本" in issue
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(xlreport.ReportInputError) as info:
        xlreport.load_report(bad)
    assert str(bad) in str(info.value) and "不是有效的JSON" in str(info.value)


def test_blank_is_not_zero():
    report = xlreport.load_report(base(T01={"general_budget": {"amount": "0"}, "gov_fund": {"amount": ""}}))
    assert report.tables.T01.general_budget.amount == 0
    assert report.tables.T01.gov_fund.amount is None


def test_cli_prints_one_clear_error_and_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"meta": {"unit_name": "x", "year": 2022, "edition": "shanxi-2022"}, '
        '"tables": {"T10": {"vehicles_other": {"count": -1}}}}',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "不能为负数" in result.output
