"""Part 3 情况说明 checked against the tables (rules N1–N17 of DOMAIN.md §6).

The text a person wrote is split into sections by its headings and read into numbers
(:mod:`xlreport.narrative.numbers`). The text the tables give (:func:`xlreport.narrative.generate.generate`)
is a list of slots per section, each with the words before it. A section's numbers are aligned with its
slots in order, by those words (and by value, where the words differ), and each aligned number is compared
with its slot: amounts within half of the last printed digit, shares and rates recomputed on their base,
the direction word against the sign of the change. Checks that need no slot — % after 占比, decimals, a rate
on a zero base, shares that add up to 100%, item lists, 类 names — run over every number of the text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..model.report import Report
from ..model.values import CellRef
from ..narrative.generate import Document, Section, Slot, amount_text, generate
from ..narrative.numbers import TextSection, Token, split_sections
from ..rules.shape import NARRATIVE
from .catalog import catalog
from .engine import labeler_of
from .findings import Finding, NarrativeLocation, format_amount
from .labels import Labeler

_SHARE_CUE = re.compile(r"(占比为?|占|比重为?|比例为?|(?:占|完成)[^，。；]{0,20}的|执行率为?|增长|下降|上升|降低)\s*$")
_AMOUNT_UNITS = {"元", "万元", ""}
_COUNT_UNITS = {"个", "辆", "人次", "批次", "台", "套", "分", ""}
_NOT_A_FIGURE = re.compile(r"^\s*(以上|以下|（含）|\(含\))")
_CLASS_NAME = re.compile(r"([\u4e00-\u9fff、和及与]{2,20}?)[（(]类[）)]")
_LEADING_UNIT = re.compile(r"^(万元|元|%|个|辆|人次|批次|台|套|分)")
_WORDS = {1: ("增加", "增长"), -1: ("减少", "下降"), 0: ("持平",)}


@dataclass
class _Expected:
    slot: Slot
    context: str
    paragraph: int
    unit: str = ""  # the unit printed after the number (元, %, 个, 人次 …)


def _contexts(section: Section) -> list[_Expected]:
    out: list[_Expected] = []
    for n, p in enumerate(section.paragraphs):
        before = ""
        after_slot = False
        for part in p.parts:
            if isinstance(part, str):
                if after_slot and out and out[-1].slot.kind == "count":
                    lead = _LEADING_UNIT.match(part)
                    out[-1].unit = lead.group(1) if lead else ""
                # a number's context starts after the previous number's unit, as in a read text
                before += _LEADING_UNIT.sub("", part) if after_slot else part
                after_slot = False
                continue
            if part.kind != "word":
                unit = (
                    "%" if part.text.endswith("%") else next((u for u in ("万元", "元") if part.text.endswith(u)), "")
                )
                out.append(_Expected(part, before[-16:], n, unit))
            before = ""
            after_slot = True
            continue
    return out


def _norm(text: str) -> str:
    text = re.sub(r"[\s\d,.%]", "", text)
    return text.replace("(", "（").replace(")", "）").replace("“", "").replace("”", "")


def _compatible(slot: Slot, token: Token) -> bool:
    if slot.kind == "amount":
        return token.unit in _AMOUNT_UNITS and not token.percent
    if slot.kind == "percent":
        return token.percent or (token.unit == "" and bool(_SHARE_CUE.search(token.context)))
    if slot.kind == "count":
        return token.unit in _COUNT_UNITS
    return False


def _similarity(a: str, b: str) -> int:
    a, b = _norm(a), _norm(b)
    suffix = 0
    while suffix < min(len(a), len(b)) and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    return 2 * min(suffix, 6) + len(grams_a & grams_b)


class _Compare:
    """What a printed number means in the edition's unit, and how far it may be from its slot."""

    def __init__(self, unit: str, decimals: int) -> None:
        self.unit = unit
        self.decimals = decimals

    def amount(self, token: Token) -> Decimal:
        if token.unit == "万元" and self.unit == "元":
            return token.value * 10000
        if token.unit == "元" and self.unit == "万元":
            return token.value / 10000
        return token.value

    def half(self, token: Token) -> Decimal:
        scale = Decimal(10000) if token.unit == "万元" and self.unit == "元" else Decimal(1)
        return Decimal("0.5").scaleb(-token.decimals) * scale

    def percent_bound(self, token: Token, slot: Slot) -> Decimal:
        bound = Decimal("0.5").scaleb(-token.decimals)
        if self.unit == "万元" and slot.base_value:  # shares of amounts printed to 0.01万元
            base = abs(slot.base_value)
            part = abs((slot.value or Decimal(0)) * base)
            bound += Decimal("0.005") * (1 / base + part / base / base) * 100
        return bound

    def close(self, slot: Slot, token: Token) -> bool:
        if slot.value is None:
            return False
        if slot.kind == "percent":
            return abs(token.value - slot.value * 100) <= self.percent_bound(token, slot)
        if slot.kind == "count":
            return token.value == slot.value
        return abs(self.amount(token) - slot.value) <= self.half(token)


def _align(expected: list[_Expected], found: list[Token], cmp: _Compare) -> list[tuple[_Expected, Token]]:
    """The order-preserving pairing of slots and numbers with the greatest total likeness."""
    n, m = len(expected), len(found)
    score = [[0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        e = expected[i - 1]
        for j in range(1, m + 1):
            t = found[j - 1]
            best, how = score[i - 1][j], 1
            if score[i][j - 1] > best:
                best, how = score[i][j - 1], 2
            if _compatible(e.slot, t):
                s = _similarity(e.context, t.context) + (4 if cmp.close(e.slot, t) else 0)
                s += 2 if e.unit and t.unit == e.unit else 0
                if s >= 4 and score[i - 1][j - 1] + s > best:
                    best, how = score[i - 1][j - 1] + s, 3
            score[i][j], move[i][j] = best, how
    pairs: list[tuple[_Expected, Token]] = []
    i, j = n, m
    while i and j:
        how = move[i][j]
        if how == 3:
            pairs.append((expected[i - 1], found[j - 1]))
            i, j = i - 1, j - 1
        elif how == 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def narrative_finding(
    code: str,
    rule: str,
    section: str,
    token: Token | None,
    args: dict[str, str],
    *,
    expected: object = None,
    actual: object = None,
    severity: str | None = None,
    cells: tuple[str, ...] = (),
    **at_cell: Any,
) -> Finding:
    """A finding of a Part 3 text at ``token`` (the sentence it quotes, at most 80 characters in the
    message), in section ``section``; the checker against the tables adds the table cell it names
    (``at_cell``: table, table_label, sheet, row, column) and the cells the figure comes from."""
    sentence = token.sentence if token else None
    quote = token.quote if token else ""
    return Finding(
        rule_id=rule,
        family="N",
        code=code,
        severity=severity or catalog().narrative[code].severity,  # type: ignore[arg-type]
        template=code,
        args={
            "where": f"情况说明{section}" + (f"第{sentence}句" if sentence else ""),
            "quote": quote if len(quote) <= 80 else quote[:78] + "…",
            **args,
        },
        expected=expected,  # type: ignore[arg-type]
        actual=actual,  # type: ignore[arg-type]
        cells=cells,
        narrative=NarrativeLocation(section=section, sentence=sentence, quote=quote, text=token.text if token else ""),
        **at_cell,
    )


class NarrativeChecker:
    def __init__(self, report: Report, inputs: Mapping[str, Decimal] | None = None) -> None:
        self.report = report
        self.edition = report.edition
        spec = self.edition.narrative_text
        if spec is None:
            raise ValueError(f"表样 {self.edition.id} 没有情况说明的文字模板")
        self.spec = spec
        self.doc: Document = generate(report, inputs, every_variant=True)
        self.labeler: Labeler = labeler_of(report)
        self.cmp = _Compare(spec.unit, self.edition.info.decimals)
        self.decimals = self.edition.info.decimals
        self.out: list[Finding] = []
        self._seen: set[tuple[str, int, str]] = set()

    # -- findings
    def _cell_text(self, cells: tuple[CellRef, ...]) -> str:
        named = []
        for c in cells:
            if c.table == NARRATIVE:
                item = next((i for i in self.edition.narrative if i.id == c.col), None)
                named.append(f"情况说明填报数“{item.label if item else c.col}”")
            else:
                try:
                    named.append(self.labeler.describe(c))
                except (KeyError, ValueError):
                    named.append(str(c))
        return "、".join(dict.fromkeys(named)) or "表中的数"

    def _add(
        self,
        code: str,
        rule: str,
        section: str,
        token: Token | None,
        args: dict[str, str],
        cells=(),
        *,
        expected: object = None,
        actual: object = None,
        severity: str | None = None,
    ) -> None:
        key = (code, token.start if token else -1, section)
        if key in self._seen:
            return
        self._seen.add(key)
        first = next((c for c in cells if c.table != NARRATIVE), None)
        at_cell = (
            {
                "table": first.table,
                "table_label": self.labeler.table_label(first.table),
                "sheet": self.labeler.sheet(first.table),
                "row": self.labeler.row(first),
                "column": self.labeler.column(first),
            }
            if first is not None
            else {}
        )
        self.out.append(
            narrative_finding(
                code,
                rule,
                section,
                token,
                args,
                expected=expected,
                actual=actual,
                severity=severity,
                cells=tuple(str(c) for c in cells),
                **at_cell,
            )
        )

    # -- the run
    def check(self, text: str) -> list[Finding]:
        sections = split_sections(text)
        numbered = [s for s in sections if s.number]
        by_number: dict[str, list[TextSection]] = {}
        for s in numbered:
            by_number.setdefault(s.number, []).append(s)
        for ours in self.doc.sections:
            for theirs in by_number.get(ours.number, []):
                self._heading(ours, theirs)
                self._section(ours, theirs)
        if not numbered:  # no headings: the whole text against every slot
            whole = Section("全文", "", "N15", False, [p for s in self.doc.sections for p in s.paragraphs])
            for theirs in sections:
                self._section(whole, theirs)
        return self.out

    def _heading(self, ours: Section, theirs: TextSection) -> None:
        numbering = re.compile(r"^[（(]?[一二三四五六七八九十]+[）)、.．]\s*")
        line = theirs.heading.replace(" ", "")
        mark = numbering.match(line)
        heading = line[mark.end() :] if mark else line
        if mark and mark.group(0) in heading:  # printed twice on one line (PDF text): one heading
            heading = heading.split(mark.group(0), 1)[0]
        if _norm(heading.rstrip("。.：:")) == _norm(ours.title):
            return
        self._add(
            "narrative-heading",
            "N15",
            ours.number,
            None,
            {"actual": heading, "expected": ours.title},
            actual=heading,
            expected=ours.title,
        )

    def _section(self, ours: Section, theirs: TextSection) -> None:
        expected = _contexts(ours)
        pairs = _align(expected, theirs.tokens, self.cmp)
        aligned: dict[int, _Expected] = {t.start: e for e, t in pairs}
        # the amounts the text states for a figure (an input not given: the text's own number)
        self._stated = {e.slot.cells: t for e, t in pairs if e.slot.kind == "amount" and e.slot.sign is None}
        for e, t in pairs:
            self._compare(ours, e.slot, t)
        self._generic(ours, theirs, aligned)
        self._relations(ours, pairs)
        self._lists(ours, theirs)

    def _compare(self, ours: Section, slot: Slot, t: Token) -> None:
        cells = self._cell_text(slot.cells)
        sec, rule = ours.number, ours.rule
        if slot.kind == "percent" and not slot.rate and t.percent and self._zero_base(slot):
            base = self._cell_text(slot.base) if slot.base else "其基数"
            self._add(
                "narrative-zero-base-rate",
                "N16",
                sec,
                t,
                {"label": self._label(slot), "base": base, "actual": t.text},
                slot.cells,
                actual=t.text,
                severity="warning" if t.value == 0 else None,  # 0.00% of 0 ÷ 0 says nothing false
            )
        elif slot.kind == "percent":
            if not t.percent:
                self._add("narrative-missing-percent", "N15", sec, t, {"actual": t.text}, slot.cells, actual=t.text)
            if slot.value is not None and not self.cmp.close(slot, t):
                want = (slot.value * 100).quantize(Decimal("0.01"))
                self._add(
                    "narrative-percent",
                    rule,
                    sec,
                    t,
                    {
                        "label": self._label(slot),
                        "actual": t.text,
                        "cell": cells,
                        "base": self._cell_text(slot.base) if slot.base else "其基数",
                        "expected": f"{want}%",
                    },
                    slot.cells,
                    expected=want,
                    actual=t.value,
                )
        elif slot.kind == "count":
            if slot.value is not None and t.value != slot.value:
                self._add(
                    "narrative-count",
                    rule,
                    sec,
                    t,
                    {"label": self._label(slot), "actual": t.text, "cell": cells, "expected": f"{slot.value:f}"},
                    slot.cells,
                    expected=slot.value,
                    actual=t.value,
                )
        else:
            if t.unit == "":
                shown = amount_text(slot.value, self.spec, self.decimals) if slot.value is not None else ""
                self._add(
                    "narrative-unit",
                    "N15",
                    sec,
                    t,
                    {"actual": t.text, "expected": shown},
                    slot.cells,
                    actual=t.text,
                    expected=shown,
                )
            if slot.value is not None and not self.cmp.close(slot, t):
                shown = amount_text(slot.value, self.spec, self.decimals)
                self._add(
                    "narrative-amount",
                    rule,
                    sec,
                    t,
                    {"label": self._label(slot), "actual": t.text, "cell": cells, "expected": shown},
                    slot.cells,
                    expected=slot.value,
                    actual=self.cmp.amount(t),
                )
        if slot.sign in (1, -1) and t.sign is not None and t.sign != slot.sign:
            words = _WORDS[slot.sign]
            right = "增加" if slot.sign > 0 else "减少"
            want = words[1] if t.word in ("增长", "下降", "上升", "降低") else words[0]
            self._add(
                "narrative-direction",
                rule,
                sec,
                t,
                {"label": slot.label, "word": t.word or "", "right": right, "cell": cells, "expected_word": want},
                slot.cells,
                expected=want,
                actual=t.word,
            )

    @staticmethod
    def _label(slot: Slot) -> str:
        """What the number is, in words: a percent the edition writes as an expression is "比例"."""
        if not re.search(r"[\[@/]", slot.label):
            return slot.label
        return {"percent": "比例", "count": "数量"}.get(slot.kind, "金额")

    def _zero_base(self, slot: Slot) -> bool:
        """The base of a share or rate is zero or blank in the tables, or an input not given that the
        text itself states as 0 (年初预算为0万元 … 完成年初预算的95.89%)."""
        if slot.value is not None:
            return False
        if slot.base_value is not None:
            return slot.base_value == 0
        stated = self._stated.get(slot.base) if slot.base else None
        return stated is not None and stated.value == 0

    def _implied_zero_base(self, theirs: TextSection, i: int) -> bool:
        """A rate of increase whose change, as the text states it, is the whole of the figure it changes
        ("总计307.82万元 … 增加307.82万元，增长100.00%"): last year was zero by the text's own numbers."""
        found = theirs.tokens
        rate = found[i]
        if i < 1 or rate.sign != 1:
            return False
        change = found[i - 1]
        if change.unit not in ("元", "万元") or change.sign != 1 or change.sentence != rate.sentence:
            return False
        now = next(
            (
                t
                for t in reversed(found[: i - 1])
                if t.unit in ("元", "万元") and t.sign is None and rate.sentence - 1 <= t.sentence
            ),
            None,
        )
        if now is None:
            return False
        return abs(self.cmp.amount(now) - self.cmp.amount(change)) <= self.cmp.half(now) + self.cmp.half(change)

    def _generic(self, ours: Section, theirs: TextSection, aligned: dict[int, _Expected]) -> None:
        sec = ours.number
        previous: _Expected | None = None
        shares: list[Token] = []
        for i, t in enumerate(theirs.tokens):
            e = aligned.get(t.start)
            after = theirs.body[t.end : t.end + 4]
            figure = not _NOT_A_FIGURE.match(after)
            # N15: a share without %
            if e is None and t.unit == "" and _SHARE_CUE.search(t.context) and figure:
                self._add("narrative-missing-percent", "N15", sec, t, {"actual": t.text}, actual=t.text)
            # N15: decimals and separators as the edition prints
            amount_or_share = t.percent or t.unit == self.spec.unit
            if figure and t.value != 0 and amount_or_share and t.decimals != self.decimals:
                self._add(
                    "narrative-decimals",
                    "N15",
                    sec,
                    t,
                    {"actual": t.text, "decimals": str(t.decimals), "want": str(self.decimals)},
                    actual=t.text,
                )
            if (
                figure
                and self.spec.separators
                and t.unit == self.spec.unit
                and not t.separators
                and abs(t.value) >= 1000
            ):
                shown = amount_text(t.value, self.spec, max(t.decimals, self.decimals))
                self._add(
                    "narrative-separators",
                    "N15",
                    sec,
                    t,
                    {"actual": t.text, "expected": shown},
                    actual=t.text,
                    expected=shown,
                )
            # N16: a rate on a zero base
            unknown = e is not None and e.slot.rate and e.slot.value is None  # last year not given
            if t.percent and unknown and self._implied_zero_base(theirs, i):
                self._add(
                    "narrative-zero-base",
                    "N16",
                    sec,
                    t,
                    {"label": e.slot.label.removesuffix("比上年增减率") if e else "该项", "actual": t.text},
                    e.slot.cells if e else (),
                    actual=t.text,
                )
            elif t.percent and e is None and t.sign == 1:
                if previous is not None and previous.slot.zero_base:
                    self._add(
                        "narrative-zero-base",
                        "N16",
                        sec,
                        t,
                        {"label": previous.slot.label, "actual": t.text},
                        previous.slot.cells,
                        actual=t.text,
                    )
                elif t.value == 100:
                    self._add(
                        "narrative-zero-base",
                        "N16",
                        sec,
                        t,
                        {"label": "该项", "actual": t.text},
                        actual=t.text,
                        severity="warning",
                    )
            if e is not None:
                previous = e
            if t.percent and re.search(r"占比?\s*$", t.context) and not (e is not None and e.slot.rate):
                shares.append(t)
        if ours.shares_sum and len(shares) >= 2:
            total = sum((s.value for s in shares), Decimal(0))
            bound = sum((Decimal("0.5").scaleb(-s.decimals) for s in shares if s.value), Decimal(0))  # 0% is exact
            if abs(total - 100) > bound:
                first = shares[0]
                self._add(
                    "narrative-share-sum",
                    "N6",
                    sec,
                    first,
                    {"actual": f"{total}%", "tolerance": f"{bound}"},
                    actual=total,
                    expected=Decimal(100),
                )
        # N17: 类 names
        names = {name for _, name in self.report.codes("T05")} | {c.name for c in self.edition.classes}
        for m in _CLASS_NAME.finditer(theirs.body):
            name = re.sub(r"^(其中|主要|用于|包括|以及)", "", m.group(1).lstrip("：:，、；"))
            if name and name not in names and not any(n.endswith(name) or name.endswith(n) for n in names):
                fake = Token(
                    Decimal(0),
                    m.group(0),
                    m.start(),
                    m.end(),
                    "",
                    0,
                    False,
                    None,
                    "",
                    theirs.body.count("。", 0, m.start()) + theirs.body.count("；", 0, m.start()) + 1,
                    _sentence(theirs.body, m.start()),
                )
                self._add(
                    "narrative-name",
                    "N17",
                    sec,
                    fake,
                    {"name": name, "names": "、".join(sorted(n for _, n in self.report.codes("T05") if len(_) == 3))},
                )

    def _relations(self, ours: Section, pairs: list[tuple[_Expected, Token]]) -> None:
        stated: dict[str, Token] = {}
        for e, t in pairs:
            if e.slot.figure and e.slot.figure not in stated:
                stated[e.slot.figure] = t
        for rel in self.spec.relations:
            if rel.section != ours.number:
                continue
            left, _, right = rel.relation.partition("=")
            lhs = [x.strip().lstrip("@") for x in left.split("+")]
            rhs = [x.strip().lstrip("@") for x in right.split("+")]
            if not all(x in stated for x in lhs + rhs):
                continue
            a = sum((self.cmp.amount(stated[x]) for x in lhs), Decimal(0))
            b = sum((self.cmp.amount(stated[x]) for x in rhs), Decimal(0))
            bound = sum((self.cmp.half(stated[x]) for x in lhs + rhs), Decimal(0))
            if abs(a - b) > bound:
                t = stated[lhs[0]]
                self._add(
                    "narrative-relation",
                    rel.rule,
                    ours.number,
                    t,
                    {"description": rel.description, "expected": format_amount(b), "actual": t.text},
                    expected=b,
                    actual=a,
                )

    def _lists(self, ours: Section, theirs: TextSection) -> None:
        body = theirs.body
        for p in ours.paragraphs:
            for names in p.lists:
                present = _named(body, names.candidates)
                if not present:
                    continue  # the text does not list these items at all
                for name in present:
                    if name not in names.expected:
                        at = body.find(name)
                        self._add(
                            "narrative-list-extra",
                            "N8",
                            ours.number,
                            _at(body, at, name),
                            {"name": name, "cell": f"公开06 {name}"},
                        )
                for name in names.expected:
                    if name not in present:
                        at = body.find(present[0])
                        self._add(
                            "narrative-list-missing",
                            "N8",
                            ours.number,
                            _at(body, at, present[0]),
                            {"name": name, "cell": f"公开06 {name}", "expected": "非零"},
                        )


def _named(body: str, names: tuple[str, ...]) -> list[str]:
    """The names the text mentions, longest first, each occurrence used once ("电费" is not in "邮电费")."""
    taken = [False] * len(body)
    found: set[str] = set()
    for name in sorted(set(names), key=len, reverse=True):
        start = body.find(name)
        while start >= 0:
            if not any(taken[start : start + len(name)]):
                found.add(name)
                taken[start : start + len(name)] = [True] * len(name)
            start = body.find(name, start + 1)
    return [n for n in names if n in found]


def _sentence(body: str, at: int) -> str:
    start = max(body.rfind(c, 0, at) for c in "。；") + 1
    ends = [e for e in (body.find(c, at) for c in "。；") if e >= 0]
    return body[start : (min(ends) + 1 if ends else len(body))]


def _at(body: str, at: int, text: str) -> Token:
    return Token(
        Decimal(0),
        text,
        at,
        at + len(text),
        "",
        0,
        False,
        None,
        "",
        body.count("。", 0, at) + body.count("；", 0, at) + 1,
        _sentence(body, at),
    )


def check_narrative(report: Report, text: str, inputs: Mapping[str, Decimal] | None = None) -> list[Finding]:
    """The N findings of a Part 3 ``text`` checked against ``report`` (and its last-year inputs)."""
    if report.edition.narrative_text is None:
        return []
    return NarrativeChecker(report, inputs).check(text)


def iter_codes() -> Iterator[str]:
    yield from catalog().narrative


# ---------------------------------------------------------------- a text without its tables
_BASE_FOLLOWS = re.compile(r"^[，,。：:；\s]*(其中|主要用于)")
_COMPLETION = re.compile(r"完成[^，。；]{0,12}预算[^，。；]{0,4}$")
_BUDGET_CUE = re.compile(r"预算(数)?(为|是)?\s*$")
_BUDGET_GAP = re.compile(r"决算数?(大于|小于)预算数?$")


class TextChecker:
    """The checks a careful reader makes of a Part 3 text alone: each share against its amount and the total
    the sentence names, each rate of change against its amount and the figure it changes, each completion
    rate against the 预算 and 决算 it states, and the form checks (%, decimals, rate on a zero base)."""

    def __init__(self, unit: str | None = None, decimals: int = 2) -> None:
        self.unit = unit
        self.decimals = decimals
        self.out: list[Finding] = []
        self._seen: set[tuple[str, int, str]] = set()

    def _add(
        self,
        code: str,
        rule: str,
        section: str,
        token: Token,
        args: dict[str, str],
        *,
        expected: object = None,
        actual: object = None,
        severity: str | None = None,
    ) -> None:
        key = (code, token.start, section)
        if key in self._seen:
            return
        self._seen.add(key)
        self.out.append(
            narrative_finding(code, rule, section, token, args, expected=expected, actual=actual, severity=severity)
        )

    def check(self, text: str) -> list[Finding]:
        sections = split_sections(text)
        if self.unit is None:  # the text's own habit: the decimals most of its amounts and shares have
            self.majority = {
                kind: Counter(t.decimals for s in sections for t in s.tokens if t.value and pick(t)).most_common(1)
                for kind, pick in (("%", lambda t: t.percent), ("amount", lambda t: t.unit in ("元", "万元")))
            }
        for section in sections:
            self._section(section.number or "全文", section)
        return self.out

    def _want(self, t: Token) -> int:
        common = getattr(self, "majority", {}).get("%" if t.percent else "amount")
        return common[0][0] if common else self.decimals

    def _bound(self, share: Token, part: Token, whole: Token) -> Decimal:
        """Half of the share's last digit, plus what the rounding of the two amounts printed moves it."""
        bound = Decimal("0.5").scaleb(-share.decimals)
        if whole.value:
            da, db = Decimal("0.5").scaleb(-part.decimals), Decimal("0.5").scaleb(-whole.decimals)
            bound += (da / abs(whole.value) + abs(part.value) * db / whole.value**2) * 100
        return bound

    def _section(self, sec: str, section: TextSection) -> None:
        body, found = section.body, section.tokens
        period = [body.count("。", 0, t.start) for t in found]
        amounts = [i for i, t in enumerate(found) if t.unit in ("元", "万元")]
        base: int | None = None
        shares: list[Token] = []
        for i, t in enumerate(found):
            after = body[t.end : t.end + 8]
            if t.unit in ("元", "万元") and _BASE_FOLLOWS.match(after):
                self._share_sum(sec, shares)
                base, shares = i, []
                continue
            if base is not None and period[i] > period[base] + 1:
                self._share_sum(sec, shares)
                base, shares = None, []
            # form: % after 占, decimals
            unsigned = t.unit == "" and bool(_SHARE_CUE.search(t.context)) and not _NOT_A_FIGURE.match(after)
            if unsigned:
                self._add("narrative-missing-percent", "N15", sec, t, {"actual": t.text}, actual=t.text)
            shown = t.percent or t.unit in ("元", "万元")
            if t.value != 0 and shown and t.decimals != self._want(t) and not _NOT_A_FIGURE.match(after):
                self._add(
                    "narrative-decimals",
                    "N15",
                    sec,
                    t,
                    {"actual": t.text, "decimals": str(t.decimals), "want": str(self._want(t))},
                    actual=t.text,
                )
            if not (t.percent or unsigned):
                continue
            # a share of the total the sentence names
            if base is not None and re.search(r"占比?为?\s*$", t.context):
                part = next((found[j] for j in reversed(amounts) if base < j < i), None)
                whole = found[base]
                if part is not None and whole.value:
                    want = part.value / whole.value * 100
                    shares.append(t)
                    if abs(t.value - want) > self._bound(t, part, whole):
                        self._add(
                            "narrative-percent",
                            "N2",
                            sec,
                            t,
                            {
                                "label": "占比",
                                "actual": t.text,
                                "cell": part.text,
                                "base": whole.text,
                                "expected": f"{want.quantize(Decimal('0.01'))}%",
                            },
                            expected=want.quantize(Decimal("0.01")),
                            actual=t.value,
                        )
                continue
            # a rate of change: the amount of the change just before it, the figure it changes before that
            if t.sign is not None and t.percent:
                self._rate(sec, found, period, amounts, i)
                continue
            if _COMPLETION.search(t.context):
                self._completion(sec, body, found, period, amounts, i)
        self._share_sum(sec, shares)

    def _share_sum(self, sec: str, shares: list[Token]) -> None:
        if len(shares) < 2:
            return
        total = sum((s.value for s in shares), Decimal(0))
        bound = sum((Decimal("0.5").scaleb(-s.decimals) for s in shares if s.value), Decimal(0))  # 0% is exact
        if abs(total - 100) > bound:
            self._add(
                "narrative-share-sum",
                "N6",
                sec,
                shares[0],
                {"actual": f"{total}%", "tolerance": f"{bound}"},
                actual=total,
                expected=Decimal(100),
            )

    def _rate(self, sec: str, found: list[Token], period: list[int], amounts: list[int], i: int) -> None:
        rate = found[i]
        j = i - 1
        if j < 0 or found[j].unit not in ("元", "万元") or found[j].sign is None or period[j] != period[i]:
            return
        change = found[j]
        if change.sign != rate.sign:
            self._add(
                "narrative-direction",
                "N1",
                sec,
                rate,
                {
                    "label": "增减率",
                    "word": rate.word or "",
                    "right": change.word or "",
                    "cell": change.text,
                    "expected_word": "增长" if change.sign > 0 else "下降",
                },
                expected="增长" if change.sign > 0 else "下降",
                actual=rate.word,
            )
            return
        now = next(
            (found[k] for k in reversed(amounts) if k < j and period[i] - 1 <= period[k] and found[k].sign is None),
            None,
        )
        if now is None:
            return
        last = now.value - change.sign * change.value
        if last <= 0:
            self._add("narrative-zero-base", "N16", sec, rate, {"label": "该项", "actual": rate.text}, actual=rate.text)
            return
        want = change.value / last * 100
        if abs(rate.value - want) > self._bound(rate, change, now) + self._bound(rate, now, now) - Decimal(
            "0.5"
        ).scaleb(-rate.decimals):
            self._add(
                "narrative-percent",
                "N1",
                sec,
                rate,
                {
                    "label": "增减率",
                    "actual": rate.text,
                    "cell": change.text,
                    "base": f"上年数{last}",
                    "expected": f"{want.quantize(Decimal('0.01'))}%",
                },
                expected=want.quantize(Decimal("0.01")),
                actual=rate.value,
            )

    def _completion(
        self, sec: str, body: str, found: list[Token], period: list[int], amounts: list[int], i: int
    ) -> None:
        rate = found[i]
        same = [k for k in amounts if period[k] == period[i]]
        budget = next((found[k] for k in same if k < i and _BUDGET_CUE.search(found[k].context)), None)
        final = next(
            (found[k] for k in reversed(same) if k < i and found[k] is not budget and found[k].sign is None), None
        )
        if final is None:
            return
        gap = next((found[k] for k in same if k > i and _BUDGET_GAP.search(found[k].context)), None)
        if budget is None and gap is not None:
            more = _BUDGET_GAP.search(gap.context)
            assert more is not None
            planned = final.value - gap.value if more.group(1) == "大于" else final.value + gap.value
            base = f"预算{planned}{gap.unit}（{more.group(0)}{gap.text}）"
        elif budget is not None:
            planned, base = budget.value, f"预算{budget.text}"
        else:
            return
        if planned <= 0:
            self._add(
                "narrative-zero-base-rate",
                "N16",
                sec,
                rate,
                {"label": "完成预算的比例", "base": base, "actual": rate.text},
                actual=rate.text,
                severity="warning" if rate.value == 0 else None,
            )
            return
        want = final.value / planned * 100
        if abs(rate.value - want) > Decimal("0.5").scaleb(-rate.decimals) + Decimal("0.01"):
            self._add(
                "narrative-percent",
                "N7",
                sec,
                rate,
                {
                    "label": "完成预算的比例",
                    "actual": rate.text,
                    "cell": f"决算{final.text}",
                    "base": base,
                    "expected": f"{want.quantize(Decimal('0.01'))}%",
                },
                expected=want.quantize(Decimal("0.01")),
                actual=rate.value,
            )


def check_narrative_text(text: str) -> list[Finding]:
    """The N findings of a Part 3 ``text`` read alone (no tables): its numbers against each other, and
    decimals against the text's own habit (what most of its amounts and shares print)."""
    return TextChecker().check(text)
