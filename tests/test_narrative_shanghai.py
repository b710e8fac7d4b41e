"""Real Shanghai Part 3 texts (三份普陀区2024年度部门决算, tests/data/narrative/putuo-*.txt) checked against
their own tables (tests/field/shanghai/*.json, transcribed from the same PDFs): exactly the findings a careful
reader makes, each justified below, and no false error from number extraction (lines broken inside numbers
and headings, "307.82\\n万元", "（一）" alone on its line, headings ending in "。", "0 万元" beside "0.00万元")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import xlreport
from xlreport.validation.narrative import check_narrative, check_narrative_text

DATA = Path(__file__).parent / "data" / "narrative"
FIELD = Path(__file__).parent / "field" / "shanghai"
# The text layer (pdftotext 22.12, no layout) of 第三部分 of the PDFs whose tables are in tests/field/shanghai
# (their sources and sha256 are in the *.findings.toml beside each JSON).
NAMES = ("putuo-finance-bureau-2024", "putuo-social-work-department-2024", "putuo-planning-and-natural-resources-2024")

EXPECTED = {
    "putuo-finance-bureau-2024": [
        ("N15", "narrative-decimals", "warning", "二", "6.2万元"),  # 其他收入 printed 6.2 beside 2 decimals
        ("N4", "narrative-amount", "error", "四", "0.3万元"),  # 财政拨款收入支出总计: 公开04 prints 2961.68
        ("N15", "narrative-decimals", "warning", "四", "0.3万元"),
        ("N6", "narrative-percent", "error", "五（二）", "71.73%"),  # 2106.66 / 2940.05 = 71.65%
        ("N6", "narrative-share-sum", "error", "五（二）", "71.73%"),  # 71.73+11.11+2.07+15.16 = 100.07%
        # 完成预算的0% where 公开07 leaves the 因公出国（境）费 and 公务用车 budgets blank (0 ÷ 0)
        ("N16", "narrative-zero-base-rate", "warning", "七（一）", "0%"),
        ("N16", "narrative-zero-base-rate", "warning", "七（一）", "0%"),
        ("N8", "narrative-list-extra", "error", "六", "个人农业生产补贴"),  # 公开06 30305 blank
        ("N8", "narrative-list-missing", "error", "六", "基本工资"),  # 奖励金 30309 = 0.31 not listed
    ],
    "putuo-social-work-department-2024": [
        # a unit set up in 2024: 增加307.82万元 of a total of 307.82万元 is the whole, last year was 0 —
        # "增长100.00%" on a zero base (一, 四, 五（一）, and 机关运行经费 10.23 in 十一（一）)
        ("N16", "narrative-zero-base", "error", "一", "100.00%"),
        ("N16", "narrative-zero-base", "error", "四", "100.00%"),
        ("N16", "narrative-zero-base", "error", "五（一）", "100.00%"),
        ("N6", "narrative-percent", "error", "五（二）", "9.55%"),  # 29.42 / 307.82 = 9.5575% → 9.56%
        # 年初预算为 0 万元 … 完成年初预算的 95.89% (95.89% is of the 全年预算 321.02)
        ("N16", "narrative-zero-base-rate", "error", "五（三）", "95.89%"),
        ("N8", "narrative-list-extra", "error", "六", "邮电费"),  # 公开06 30207 邮电费 0.00
        ("N16", "narrative-zero-base", "error", "十一（一）", "100.00%"),
    ],
    "putuo-planning-and-natural-resources-2024": [
        ("N5", "narrative-percent", "error", "五（一）", "99.86%"),  # 9746.50 / 9759.38 = 99.868% → 99.87%
        ("N15", "narrative-missing-percent", "error", "五（一）", "13.95"),  # "增长 13.95。"
        ("N6", "narrative-amount", "error", "五（二）", "236.63 万元"),  # 卫生健康支出: 公开05 210 = 236.64
        ("N15", "narrative-decimals", "warning", "五（三）", "92%"),  # beside 95.45%, 98.61% …
        # 六 states the all-funds figures of 公开03 (基本支出 5377.64, 人员经费 4896.98), not 公开05/06's
        # 一般公共预算财政拨款 5364.75 and 4884.09; its item lists name rows 公开06 leaves 0.00
        ("N8", "narrative-amount", "error", "六", "5377.64 万元"),
        ("N8", "narrative-amount", "error", "六", "4896.98 万元"),
        ("N8", "narrative-list-extra", "error", "六", "奖金"),
        ("N8", "narrative-list-extra", "error", "六", "奖励金"),
        ("N8", "narrative-list-extra", "error", "六", "其他对个人和家庭的补助"),
        ("N8", "narrative-list-extra", "error", "六", "税金及附加费用"),
        # 完成预算的 0.00% of budgets 公开07 prints 0.00 (因公出国（境）费, 公务用车购置及运行维护费)
        ("N16", "narrative-zero-base-rate", "warning", "七（一）", "0.00%"),
        ("N16", "narrative-zero-base-rate", "warning", "七（一）", "0.00%"),
        ("N15", "narrative-unit", "warning", "七（二）", "0.39"),  # "国内公务接待支出 0.39 万（含…"
    ],
}
# What a careful reader also notes and the checker leaves to the reader (words, not numbers): 财政局 四 says
# 持平 and explains a fall; 规划和自然资源局 writes "下降（增长）27.78%" (the template's alternative left in) and
# names itself 规划与自然资源局 in 七（二）, 八 and 九; 社会工作部 gives 住房公积金 the use 事业单位医疗保险支出.


def _read(name: str) -> str:
    return (DATA / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_a_real_shanghai_part3_gives_exactly_the_findings_a_careful_reader_expects(name: str):
    report = xlreport.load_report(FIELD / f"{name}.json")
    found = check_narrative(report, _read(name))
    got = sorted((f.rule_id, f.code, f.severity, f.narrative.section, f.narrative.text) for f in found)
    assert got == sorted(EXPECTED[name])
    for f in found:  # every placeholder filled, no expression of the edition data in a message
        text = f.message.split("]", 1)[1]
        assert not any(c in text for c in "{}@[]"), f.message


def test_the_finance_bureaus_total_names_its_cell_and_the_zero_base_its_budget():
    name = "putuo-finance-bureau-2024"
    found = check_narrative(xlreport.load_report(FIELD / f"{name}.json"), _read(name))
    total = next(f for f in found if f.code == "narrative-amount")
    assert total.table == "T04" and str(total.expected) == "2961.68" and total.narrative.sentence == 1
    assert "0.3万元" in total.message and "2961.68万元" in total.message
    zero = [f for f in found if f.code == "narrative-zero-base-rate"]
    assert [f.table for f in zero] == ["T07", "T07"]
    assert "因公出国（境）费" in zero[0].message and "公务用车购置及运行维护费" in zero[1].message


def test_validate_narrative_on_the_cli_gives_the_same_findings(tmp_path):
    from click.testing import CliRunner

    from xlreport.cli import main

    name = "putuo-social-work-department-2024"
    text = tmp_path / "情况说明.txt"
    text.write_text(_read(name), encoding="utf-8")
    out = CliRunner().invoke(
        main, ["validate", str(FIELD / f"{name}.json"), "--narrative", str(text), "--format", "json"]
    )
    assert out.exit_code == 1, out.output
    findings = json.loads(out.output)["files"][0]["findings"]
    codes = [f["code"] for f in findings if f["family"] == "N"]
    assert sorted(codes) == sorted(c for _, c, *_ in EXPECTED[name])


def test_the_texts_read_alone_find_what_their_own_numbers_show():
    """Without the tables: the shares of 五（二） against the total the sentence names, rates on a zero base."""
    brief = {
        n: sorted((f.code, f.narrative.section, f.narrative.text) for f in check_narrative_text(_read(n)))
        for n in NAMES
    }
    assert ("narrative-percent", "五（二）", "71.73%") in brief["putuo-finance-bureau-2024"]
    assert ("narrative-share-sum", "五（二）", "71.73%") in brief["putuo-finance-bureau-2024"]
    social = brief["putuo-social-work-department-2024"]
    assert [c for c, *_ in social].count("narrative-zero-base") == 4
    assert ("narrative-zero-base-rate", "五（三）", "95.89%") in social and (
        "narrative-percent",
        "五（二）",
        "9.55%",
    ) in social
    assert ("narrative-missing-percent", "五（一）", "13.95") in brief["putuo-planning-and-natural-resources-2024"]
