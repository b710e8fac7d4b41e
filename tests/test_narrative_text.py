"""Part 3 generated from the tables: the reference's text states every number the published text states."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import xlreport
from xlreport import examples
from xlreport.narrative.generate import generate
from xlreport.narrative.numbers import split_sections, tokens

DATA = Path(__file__).parent / "data" / "narrative"
SEED = DATA / "jincheng-2022-part3.txt"

NOT_GENERATED: set[str] = set()


def test_generated_reference_states_every_number_of_the_published_part3():
    doc = generate(examples.load("jincheng-2022"))
    published = split_sections(SEED.read_text(encoding="utf-8"))
    numbers = [s.number for s in published if s.number]
    assert numbers[:4] == ["一", "二", "三", "四"] and "九（二）" in numbers and len(numbers) == 19
    checked = 0
    for section in published:
        if not section.number or section.number in NOT_GENERATED:
            continue
        ours = doc.section(section.number)
        assert ours is not None, section.number
        generated = Counter(t.value for p in ours.paragraphs for t in tokens(p.text))
        for token in section.tokens:
            assert generated[token.value] > 0, (section.number, token.quote, token.text)
            checked += 1
        # sentence for sentence: the generated section states no figure more often than the tables give it
        assert sum(generated.values()) >= len({t.value for t in section.tokens})
    assert checked == 166  # every number of the published text, 十（四） included


def test_headings_are_the_editions_and_every_section_has_text():
    doc = generate(examples.load("jincheng-2022"))
    spec = xlreport.load_edition("shanxi-2022").narrative_text
    assert spec is not None
    assert [s.number for s in doc.sections] == [s.number for s in spec.sections]
    text = doc.text
    assert "五、一般公共预算财政拨款支出决算情况说明\n（一）财政拨款支出决算总体情况\n" in text
    for s in doc.sections:
        if s.number not in ("五", "九", "十"):
            assert s.paragraphs and all(p.text for p in s.paragraphs), s.number
    assert "【" not in text  # every input and reason of the reference is given
