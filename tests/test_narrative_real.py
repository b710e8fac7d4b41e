"""Real Part 3 texts as published, checked as a careful reader would: the defects they hold are found, and
number extraction makes no false error of what they print (separators, "A,B" pairs, broken lines, "3.8 %",
traditional characters, page numbers)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xlreport import examples
from xlreport.validation.narrative import check_narrative, check_narrative_text

DATA = Path(__file__).parent / "data" / "narrative"
# each transcribed exactly as the search corpus holds it (the part it holds), from:
SOURCES = {
    # 天水市幼儿园 2017年度部门决算 (甘肃), a page served in traditional characters
    "tianshui-kindergarten-2017": "http://www.kmxxf.com/jyj/info/1217/105784.htm",
    # a 2022 单位决算 of a 四川 unit (天府旅游名县创建), 万元, "A,B" pairs of totals
    "sichuan-dyrmt-2022": "https://dyrmt.com/article-133619-2.html",
    # a 2021 部门决算 of a 广西 军休 unit (PDF text: lines broken inside numbers, "—5—" page numbers)
    "guangxi-veterans-2021": (
        "http://117.141.250.58:10060/wzyjsgkpt/uploadFile/upload1201/upload20220906/"
        "BA376D4490B297975A1E469C1A381661.html"
    ),
}


def _read(name: str) -> str:
    return (DATA / f"{name}.txt").read_text(encoding="utf-8")


def _brief(findings) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.code, f.narrative.text) for f in findings]


def test_tianshui_completion_of_100_percent_beside_a_final_above_its_budget():
    found = check_narrative_text(_read("tianshui-kindergarten-2017"))
    assert _brief(found) == [
        ("N15", "narrative-decimals", "30万元"),  # beside amounts with two decimals
        ("N15", "narrative-decimals", "53.7万元"),
        ("N15", "narrative-decimals", "100%"),  # beside 89.88%, 3.71% …
        ("N7", "narrative-percent", "100%"),  # 1741.75 ÷ (1741.75 − 55.93) = 103.32%
        ("N15", "narrative-decimals", "100%"),
    ]
    completion = found[3]
    assert completion.severity == "error" and completion.expected == Decimal("103.32")
    assert "103.32%" in completion.message and "决算数大于预算数55.93万元" in completion.message


def test_sichuan_text_is_clean_and_its_shares_and_rates_are_checked():
    text = _read("sichuan-dyrmt-2022")
    assert check_narrative_text(text) == []  # 4125.49,4143.91 read as two numbers; 23.51% is 1267.86 / 5393.35
    wrong = text.replace("占93.54%", "占93.61%")  # four shares that add up to 100.07%
    assert sorted(f.code for f in check_narrative_text(wrong)) == ["narrative-percent", "narrative-share-sum"]
    no_sign = text.replace("占27.52%", "占 27.52")
    assert [f.code for f in check_narrative_text(no_sign)] == ["narrative-missing-percent"]


def test_guangxi_rates_of_change_recomputed_across_broken_lines():
    text = _read("guangxi-veterans-2021")
    assert _brief(check_narrative_text(text)) == [("N15", "narrative-decimals", "31%")]  # beside 29.2%, 67.5% …
    for before, after, code in [
        ("下降\n29.2%", "下降\n39.2%", "narrative-percent"),  # 157.86 / (382.17 + 157.86) = 29.23%
        ("减少17.40万元,下降67.5%", "增加17.40万元,下降67.5%", "narrative-direction"),  # "减增加"
        ("减少7.63万元,下降3.8 %", "减少7.63万元,增长100%", "narrative-direction"),
    ]:
        assert before in text
        codes = {f.code for f in check_narrative_text(text.replace(before, after))}
        assert code in codes, (after, codes)


def test_zero_base_rate_is_found():
    text = "一、收入支出决算总体情况说明\n2022年度收入总计15.00万元,与2021年相比增加15.00万元,增长100%。"
    assert [(f.rule_id, f.code) for f in check_narrative_text(text)] == [("N16", "narrative-zero-base")]


def test_the_published_reference_text_against_its_tables():
    """The seed's own Part 3 against the reference: what it finds and why each is right."""
    report = examples.load("jincheng-2022")
    found = check_narrative(report, (DATA / "jincheng-2022-part3.txt").read_text(encoding="utf-8"))
    assert [(f.rule_id, f.code, f.narrative.section, f.narrative.text) for f in found] == [
        # 六 printed under 五's title (一般公共预算财政拨款支出决算情况说明), not 基本支出
        ("N15", "narrative-heading", "六", ""),
        ("N15", "narrative-unit", "六", "6880"),  # 对个人和家庭的补助 without 元 (公开06 303 = 6,880.00)
        ("N15", "narrative-separators", "六", "3624055.89元"),
        ("N15", "narrative-separators", "六", "461413.24元"),
        # 完成全年预算的0.00% where 公开07 leaves the budget blank: 因公出国（境）费, 公务用车购置费, 公务接待费
        ("N16", "narrative-zero-base-rate", "九（一）", "0.00%"),
        ("N16", "narrative-zero-base-rate", "九（一）", "0.00%"),
        ("N16", "narrative-zero-base-rate", "九（一）", "0.00%"),
        ("N15", "narrative-decimals", "十（二）", "75,425元"),
        ("N15", "narrative-decimals", "十（二）", "75,425元"),
        # 政府采购支出总额 75,425.00 beside 货物 0.00 + 工程 0.00 + 服务 130,652.46 (the table's R10-1 too)
        ("N13", "narrative-relation", "十（二）", "75,425.00元"),
        ("N16", "narrative-zero-base-rate", "十（四）", "0%"),  # 全年预算数为0元 … 执行率为0%
        ("N15", "narrative-decimals", "十（四）", "100%"),  # 项目支出总额的100% beside 100.00% elsewhere
    ]
    unit = found[1]
    assert unit.table == "T06" and unit.expected == "6,880.00元"
    zero = [f for f in found if f.code == "narrative-zero-base-rate"]
    assert {f.severity for f in zero} == {"warning"}  # 0 ÷ 0 printed 0.00%: says nothing false
    assert zero[0].table == "T07" and "因公出国（境）费" in zero[0].message
