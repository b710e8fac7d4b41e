"""N16 on both editions: a share or rate whose base is zero or blank is printed as the edition's zero_rate
words, never as a % — and a text that prints a % there ("0.00%", "95.89%") is a finding."""

from __future__ import annotations

from decimal import Decimal

from xlreport import examples
from xlreport.narrative.generate import generate
from xlreport.validation.narrative import check_narrative


def _codes(found) -> list[tuple[str, str]]:
    return [(f.code, f.severity) for f in found]


def test_shanxi_completion_rates_of_blank_budgets():
    report = examples.load("jincheng-2022")  # 公开07 leaves the 因公出国（境）费 … budgets blank
    spec = report.edition.narrative_text
    assert spec is not None
    text = generate(report).text
    assert text.count(spec.zero_rate) >= 3 and "完成全年预算的0.00%" not in text
    assert not [f for f in check_narrative(report, text) if f.code == "narrative-zero-base-rate"]
    printed = text.replace(spec.zero_rate, "0.00%")
    zero = [f for f in check_narrative(report, printed) if f.code == "narrative-zero-base-rate"]
    assert len(zero) == 4 and {f.severity for f in zero} == {"warning"}  # 0 ÷ 0
    assert [f.table for f in zero] == ["T07", "T07", "T07", None]  # and 执行率 of a 全年预算数 input of 0


def test_shanghai_completion_of_a_zero_initial_budget():
    report = examples.load("shanghai-district-2024")
    spec = report.edition.narrative_text
    assert spec is not None
    inputs = {"initial_budget": Decimal("0")}
    text = generate(report, inputs).text
    assert f"完成年初预算的{spec.zero_rate}" in text
    assert not [f for f in check_narrative(report, text, inputs) if f.code.startswith("narrative-zero-base")]
    for printed, severity in (("95.89%", "error"), ("0.00%", "warning")):
        found = check_narrative(
            report, text.replace(f"完成年初预算的{spec.zero_rate}", f"完成年初预算的{printed}"), inputs
        )
        zero = [f for f in found if f.code == "narrative-zero-base-rate"]
        assert _codes(zero) == [("narrative-zero-base-rate", severity)], printed
        assert zero[0].narrative.section == "五（三）" and "年初预算" in zero[0].message
