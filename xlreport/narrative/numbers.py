"""Reading a Part 3 text as people publish it: sections by their headings, numbers with their units.

Texts come from Word, web pages or PDFs: digits may be full-width, amounts may or may not carry
thousands separators, a number may be broken across lines, a heading may be printed twice on one line
("一、收入支出决算总体情况说明一、收入支出决算总体情况说明"), "(类)" may be "（类）". Body lines of a
section are joined without a separator (Chinese has no spaces between words), which mends the
numbers a PDF broke across lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

_FULLWIDTH = str.maketrans("０１２３４５６７８９．％　", "0123456789.% ")
# pages some sites serve in traditional characters: the characters of the words the checks look for
_TRADITIONAL = str.maketrans(
    "萬預決減長數於總計為與撥較項類資費經務開業產運維護購車輛個臺況說額門單財計劃幣員報據採",
    "万预决减长数于总计为与拨较项类资费经务开业产运维护购车辆个台况说额门单财计划币员报据采",
)
_CN = "一二三四五六七八九十"
_HEADING = re.compile(rf"^([{_CN}]+)\s*[、.．]\s*(.*)$")
_SUB = re.compile(rf"^[（(]([{_CN}]+)[）)]\s*(.*)$")
_MARKDOWN = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\*\*)")
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?![\d])|\d+)(\.\d+)?")
_UNIT = re.compile(r"\s*(万元|元|%|个|辆|人次|批次|台|套|分|年|月|日|、|\.(?!\d)|）|\))?")
_WORD = re.compile(r"(增加|减少|增长|下降|上升|降低|减|增)\s*$")
_SENTENCE_END = "。；;！？"
SIGN = {"增加": 1, "增长": 1, "上升": 1, "增": 1, "减少": -1, "下降": -1, "降低": -1, "减": -1}
SKIP_UNITS = {"年", "月", "日", "、", ".", "）", ")"}  # years, dates, list numbering: not figures


def normalise(text: str) -> str:
    """Full-width digits, % and spaces to ASCII; (类) and （类） alike; markdown markers gone."""
    text = text.translate(_FULLWIDTH).translate(_TRADITIONAL).replace("\u00a0", " ")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_MARKDOWN.sub("", line).replace("**", "") for line in text.split("\n"))


@dataclass
class Token:
    """One number of a text, with what surrounds it."""

    value: Decimal
    text: str  # as printed, unit included
    start: int
    end: int
    unit: str  # 元, 万元, %, 个, 辆 … or ""
    decimals: int
    separators: bool
    word: str | None  # 增加/减少/增长/下降 … just before the number
    context: str  # the text before the number, back to the previous number (at most 16 characters)
    sentence: int  # 1-based, within its section
    quote: str  # the sentence

    @property
    def percent(self) -> bool:
        return self.unit == "%"

    @property
    def sign(self) -> int | None:
        return SIGN.get(self.word) if self.word else None


@dataclass
class TextSection:
    number: str  # 一, 五（二）; "" before the first heading
    heading: str
    body: str = ""
    tokens: list[Token] = field(default_factory=list)


def part3(text: str) -> str:
    """The 第三部分 of a whole report (after the line naming it, before 第四部分), or the text itself."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if "第三部分" in line), None)
    if start is None:
        return text
    end = next((i for i in range(start + 1, len(lines)) if "第四部分" in lines[i]), len(lines))
    return "\n".join(lines[start + 1 : end])


def _is_heading(rest: str) -> bool:
    rest = rest.rstrip("。.：:")  # "（一）…总体情况说明。" as some texts print it
    return bool(rest) and len(rest) <= 80 and "。" not in rest and not re.search(r"\d", rest)


def _lines(text: str) -> list[str]:
    """The text's non-empty lines, a numbering left alone on its line ("（一）" then the heading on the
    next, as a PDF's text layer gives it) joined with the line after it."""
    out: list[str] = []
    pending = ""
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if re.fullmatch(rf"[（(][{_CN}]+[）)]|[{_CN}]+\s*[、.．]", line):
            pending += line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return out


def split_sections(text: str) -> list[TextSection]:
    """The sections of a Part 3 text by their headings 一、… and （一）…, each with its body joined."""
    sections: list[TextSection] = [TextSection("", "")]
    main = ""
    bodies: list[list[str]] = [[]]
    for line in _lines(part3(normalise(text))):
        m = _HEADING.match(line)
        if m and _is_heading(m.group(2)):
            main = m.group(1)
            sections.append(TextSection(main, line))
            bodies.append([])
            continue
        m = _SUB.match(line)
        if m and main and _is_heading(m.group(2)):
            sections.append(TextSection(f"{main}（{m.group(1)}）", line))
            bodies.append([])
            continue
        bodies[-1].append(line)
    out = []
    for section, lines in zip(sections, bodies, strict=True):
        section.body = "".join(lines)
        section.tokens = tokens(section.body)
        if section.number or section.body:
            out.append(section)
    return out


def tokens(body: str) -> list[Token]:
    """The figures of a section's body: numbers with units; years, dates and list numbers left out."""
    out: list[Token] = []
    prev_end = 0
    for m in _NUMBER.finditer(body):
        whole, frac = m.group(1), m.group(2) or ""
        unit_m = _UNIT.match(body, m.end())
        unit = (unit_m.group(1) or "") if unit_m else ""
        end = unit_m.end() if unit_m and unit_m.group(1) else m.end()
        if unit in SKIP_UNITS or (unit == "" and m.start() > 0 and body[m.start() - 1] in "（("):
            continue
        if unit in ("年", "月", "日"):
            continue
        before = body[: m.start()]
        word_m = _WORD.search(before[-4:])
        start_ctx = max(prev_end, m.start() - 16)
        sentence_start = max(before.rfind(c) for c in _SENTENCE_END) + 1
        after = [body.find(c, m.end()) for c in _SENTENCE_END]
        sentence_end = min([a for a in after if a >= 0], default=len(body))
        out.append(
            Token(
                value=Decimal(whole.replace(",", "") + frac),
                text=body[m.start() : end],
                start=m.start(),
                end=end,
                unit=unit,
                decimals=len(frac) - 1 if frac else 0,
                separators="," in whole,
                word=word_m.group(1) if word_m else None,
                context=body[start_ctx : m.start()],
                sentence=sum(body.count(c, 0, m.start()) for c in _SENTENCE_END) + 1,
                quote=body[sentence_start : sentence_end + 1].strip(),
            )
        )
        prev_end = end
    return out
