"""The narrative mutation matrix: every figure of a generated Part 3 perturbed, every direction word flipped,
every % dropped — each gives its finding at that sentence; the text as generated gives none."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal

import pytest

import xlreport
from xlreport import examples
from xlreport.narrative.generate import Slot, amount_text, generate, percent_text
from xlreport.validation.narrative import check_narrative

from .conftest import spread

FIGURE_CODES = {"narrative-amount", "narrative-percent", "narrative-count"}
HEADINGS = (*(f"{n}、" for n in "一二三四五六七八九十"), "十一、", *(f"（{n}）" for n in "一二三四五六七八九十"))
FLIP = {"增加": "减少", "减少": "增加", "增长": "下降", "下降": "增长"}


def _consistent_reference() -> xlreport.model.report.Report:
    """The reference with its 公开10 政府采购 合计 equal to 货物+工程+服务 (it prints 75,425.00: R10-1, N13)."""
    data = json.loads(examples.path("jincheng-2022").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["tables"]["T10"]["procurement_total"] = {"amount": "130652.46"}
    return xlreport.load_report(data)


def _shanghai() -> tuple[xlreport.model.report.Report, dict[str, Decimal]]:
    """The synthetic Shanghai district report with every input of its text filled: last year's figures
    (some above, some below this year's), 年初预算, counts, 机关运行经费, 政府采购, 国有资产, 预算绩效."""
    report = examples.load("shanghai-district-2024")
    spec = report.edition.narrative_text
    assert spec is not None
    report = report.model_copy(update={"reasons": {k: "主要是工作安排有所调整。" for k in spec.reasons}})
    counts = {m for t in spec.sentences for m in re.findall(r"\{count:@(\w+)\}", t.text)}
    inputs: dict[str, Decimal] = {}
    for n, item in enumerate(i for i in report.edition.narrative if i.kind == "input"):
        inputs[item.id] = Decimal(3 + n % 7) if item.id in counts else Decimal(f"{n + 1}.25")
    inputs.update(
        last_grand_total=Decimal("520.00"),  # a fall
        last_fiscal_grand_total=Decimal("450.10"),  # a rise
        last_general_expense=Decimal("481.05"),  # 持平
        initial_budget=Decimal("500.00"),
        last_sangong_total=Decimal("15.00"),
        last_sangong_abroad=Decimal("0"),  # zero base: no rate
        last_sangong_car=Decimal("9.10"),
        last_sangong_reception=Decimal("5.00"),
        running_costs=Decimal("88.60"),
        last_running_costs=Decimal("90.00"),
        procurement_goods=Decimal("10.00"),
        procurement_works=Decimal("0.00"),
        procurement_services=Decimal("25.50"),
        procurement_total=Decimal("35.50"),
    )
    return report, inputs


def _reference() -> tuple[xlreport.model.report.Report, dict[str, Decimal]]:
    return _consistent_reference(), {}


REPORTS = {"jincheng-2022": _reference, "shanghai-district-2024": _shanghai}


@pytest.fixture(scope="module", params=sorted(REPORTS))
def case(request) -> tuple[object, dict, str, list]:
    report, inputs = REPORTS[request.param]()
    doc = generate(report, inputs)
    text, spans = doc.layout()
    assert "【" not in text  # every input filled
    return report, inputs, text, spans


def _sentence_of(text: str, start: int) -> int:
    """The 1-based sentence (。；) of position ``start`` within its section, as the checker counts."""
    # the body of a section is its lines joined: count terminators since the section's heading
    heading_end = max(text.rfind("\n" + h, 0, start) for h in HEADINGS)
    line_end = text.find("\n", heading_end + 1)
    body = text[line_end + 1 : start]
    return body.count("。") + body.count("；") + 1


def test_unperturbed_text_has_no_finding(case):
    report, inputs, text, spans = case
    assert len(spans) > 100
    assert check_narrative(report, text, inputs) == []


def _perturbed(slot: Slot, report) -> str:
    spec = report.edition.narrative_text
    if slot.kind == "percent":
        # beyond rounding: +0.10 percentage points of exact 元 amounts, +1 of amounts printed to 0.01万元
        return percent_text(slot.value + (Decimal("0.001") if spec.unit == "元" else Decimal("0.01")))
    if slot.kind == "count":
        return f"{slot.value + 1:f}"
    return amount_text(slot.value + 1, spec, report.edition.info.decimals)


def test_every_figure_perturbed_is_found_at_its_sentence(case, scope):
    """Every figure in the sweep; a spread of 60 by default."""
    report, inputs, text, spans = case
    missed = []
    checked = 0
    figures = [(sec, slot, a, b) for sec, slot, a, b in spans if slot.value is not None and slot.kind != "word"]
    assert len(figures) > 100
    for section, slot, start, end in spread(figures, scope, 60):
        mutated = text[:start] + _perturbed(slot, report) + text[end:]
        found = check_narrative(report, mutated, inputs)
        sentence = _sentence_of(text, start)
        hits = [
            f
            for f in found
            if f.code in FIGURE_CODES | {"narrative-relation", "narrative-share-sum"}
            and f.narrative.section == section.number
        ]
        exact = [f for f in hits if f.code in FIGURE_CODES and f.narrative.sentence == sentence]
        if not exact:
            missed.append((section.number, slot.label, slot.text, [f.message for f in found]))
        checked += 1
    assert checked >= min(60, len(figures))
    assert missed == []


def test_every_direction_word_flipped_is_found(case):
    report, inputs, text, spans = case
    flipped = 0
    for section, slot, start, _ in spans:
        if slot.sign not in (1, -1):
            continue
        word = text[start - 2 : start]
        assert word in FLIP, (section.number, text[start - 10 : start])
        mutated = text[: start - 2] + FLIP[word] + text[start:]
        found = [f for f in check_narrative(report, mutated, inputs) if f.code == "narrative-direction"]
        assert len(found) == 1, (section.number, slot.label)
        f = found[0]
        assert f.narrative.section == section.number and f.actual == FLIP[word] and f.expected in (word,)
        assert f.narrative.sentence == _sentence_of(text, start)
        flipped += 1
    assert flipped >= 10


def test_every_percent_sign_dropped_is_found(case):
    report, inputs, text, spans = case
    dropped = 0
    for section, slot, start, end in spans:
        if slot.kind != "percent" or slot.value is None:
            continue
        assert text[end - 1] == "%"
        mutated = text[: end - 1] + text[end:]
        found = [f for f in check_narrative(report, mutated, inputs) if f.code == "narrative-missing-percent"]
        assert [f.narrative.section for f in found] == [section.number], (section.number, slot.label)
        assert found[0].narrative.sentence == _sentence_of(text, start)
        assert found[0].severity == "error" and found[0].rule_id == "N15"
        dropped += 1
    assert dropped >= 20
