"""Part 3 情况说明 generated from a report, placeholder by placeholder, from the edition's ``[text]``.

Every number of the text is a :class:`Slot`: what it is, the value it must have, the cells it comes from
and how it was printed. The checker aligns a text a person wrote with these slots; the renderers join
the parts into .txt, .md or .docx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..editions.spec import Edition, NarrativeList, NarrativeText
from ..model.report import Report
from ..model.values import CellRef, Value
from ..rules.expr import Div, Expr, If, Undefined
from ..rules.parser import parse_expr
from ..rules.shape import NARRATIVE, ShapeResolver

INPUT_ROW = "input"
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)?):([^{}]*)\}")
_FIGURE = re.compile(r"@([a-z_0-9]+)")


def expand_figures(text: str, figures: Mapping[str, Any]) -> str:
    """``@id`` → the figure's expression in parentheses (an input: its cell in the 情况说明 sheet's input row)."""

    def one(m: re.Match[str]) -> str:
        item = figures.get(m.group(1))
        if item is None:
            raise KeyError(f"narrative.toml: no figure @{m.group(1)}")
        if item.kind == "input" or item.expr is None:
            return f"{NARRATIVE}[{INPUT_ROW}].{item.id}"
        return f"({item.expr})"

    return _FIGURE.sub(one, text)


_NUMBERING = re.compile(r"^[一二三四五六七八九十]+、")
UNKNOWN = "【未填】"


@dataclass(frozen=True)
class Slot:
    """One number of the text."""

    kind: str  # amount | percent | count | word
    value: Decimal | None  # None: an input that is not filled
    text: str  # as printed
    label: str  # what the number is, in words (收入总计, 一般公共服务支出(类)占比 …)
    cells: tuple[CellRef, ...] = ()  # the cells it comes from (numerator first for a percent)
    base: tuple[CellRef, ...] = ()  # a percent's base
    sign: int | None = None  # a change: +1 增加/增长, -1 减少/下降, 0 持平
    zero_base: bool = False  # a change whose last year is zero: no rate may be stated (N16)
    rate: bool = False  # the rate of a change (增长/下降 …%)
    figure: str | None = None  # the narrative.toml figure ("@id") the number is
    base_value: Decimal | None = None  # a percent's base (for the rounding bound of 万元 amounts)


@dataclass(frozen=True)
class ListNames:
    """The rows a list names (``when`` holds) and every row it could name (N8)."""

    expected: tuple[str, ...]
    candidates: tuple[str, ...]


@dataclass
class Paragraph:
    parts: list[str | Slot] = field(default_factory=list)
    lists: list[ListNames] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    def slots(self) -> Iterator[Slot]:
        return (p for p in self.parts if isinstance(p, Slot))


@dataclass
class Section:
    number: str  # 一, 五（二）
    title: str
    rule: str
    shares_sum: bool = False
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def heading(self) -> str:
        if "（" in self.number:
            return "（" + self.number.split("（", 1)[1] + self.title
        return f"{self.number}、{self.title}"

    def slots(self) -> Iterator[Slot]:
        for p in self.paragraphs:
            yield from p.slots()


@dataclass
class Document:
    title: str
    sections: list[Section]

    def section(self, number: str) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)

    @property
    def text(self) -> str:
        """Plain text: the title, each heading and each paragraph on its own line."""
        return self.layout()[0]

    def layout(self) -> tuple[str, list[tuple[Section, Slot, int, int]]]:
        """The plain text and where each slot of each section is in it (start, end)."""
        out = [self.title, "\n"]
        pos = len(self.title) + 1
        spans: list[tuple[Section, Slot, int, int]] = []
        for s in self.sections:
            out.append(s.heading + "\n")
            pos += len(s.heading) + 1
            for p in s.paragraphs:
                for part in p.parts:
                    piece = part if isinstance(part, str) else part.text
                    if isinstance(part, Slot):
                        spans.append((s, part, pos, pos + len(piece)))
                    out.append(piece)
                    pos += len(piece)
                out.append("\n")
                pos += 1
        return "".join(out), spans


# ---------------------------------------------------------------- formatting (the edition's print style)
def percent_text(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}%"


def count_text(value: Decimal) -> str:
    """A whole number as TEXT(x, "0") prints it (half away from zero)."""
    return f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):f}"


def amount_text(value: Decimal, spec: NarrativeText, decimals: int) -> str:
    q = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    body = f"{q:,.{decimals}f}" if spec.separators else f"{q:.{decimals}f}"
    return body + spec.unit


class _Context:
    """One report's values and the edition's text data, shared while a document is generated."""

    def __init__(self, report: Report, edition: Edition, spec: NarrativeText, inputs: Mapping[str, Decimal]) -> None:
        from ..validation.engine import shape_of  # the report's shape (codes, scorecards)

        self.report = report
        self.edition = edition
        self.spec = spec
        self.values: dict[CellRef, Value] = report.cells()
        for key, value in inputs.items():
            self.values[CellRef(NARRATIVE, INPUT_ROW, key)] = Decimal(value)
        self.shape = shape_of(report)
        self.resolver = ShapeResolver(self.shape)
        self.figures = {i.id: i for i in edition.narrative}
        self.decimals = edition.info.decimals
        self.names = dict(
            (code, name) for t in edition.tables if t.coded is not None for code, name in report.codes(t.id)
        )

    def env(self, cell: CellRef) -> Value:
        return self.values.get(cell)

    def missing(self, expr: Expr) -> bool:
        """An input the expression reads is not filled."""
        return any(c.table == NARRATIVE and c not in self.values for c in expr.refs())

    def expand(self, text: str) -> str:
        return expand_figures(text, self.figures)

    def parse(self, text: str) -> Expr:
        return parse_expr(self.expand(text), self.resolver)

    def label(self, text: str) -> str:
        item = self.figures.get(text.strip().removeprefix("@"))
        return item.label if item is not None else text.strip()

    def holds(self, condition: str | None) -> bool:
        if condition is None:
            return True
        expr = parse_expr(f"if({self.expand(condition)}, 1, 0)", self.resolver)
        try:
            return expr.number(self.env) != 0
        except Undefined:
            return False

    def number(self, expr: Expr) -> Decimal | None:
        if self.missing(expr):
            return None
        try:
            return expr.number(self.env)
        except Undefined:
            return None

    def row_name(self, table: str, row: str) -> str:
        if row in self.names:
            return self.names[row]
        if row in self.edition.economic:
            return self.edition.economic[row]
        found = self.edition.table(table).row(row)
        label = found[1].label if found is not None and found[1].label else row
        return _NUMBERING.sub("", label)


def _ratio(expr: Expr) -> Div | None:
    """The division of a share or rate (a guarded ``if(b = 0, 0, a / b)`` included)."""
    if isinstance(expr, Div):
        return expr
    if isinstance(expr, If):
        return _ratio(expr.other)
    return None


def _parts(ctx: _Context, text: str, paragraph: Paragraph) -> list[str | Slot]:
    out: list[str | Slot] = []
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            out.append(text[pos : m.start()])
        out.extend(_placeholder(ctx, m.group(1), m.group(2), paragraph))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def _placeholder(ctx: _Context, kind: str, arg: str, paragraph: Paragraph) -> list[str | Slot]:
    report = ctx.report
    if kind == "meta":
        year = report.meta.year or ctx.edition.info.year
        value = {
            "year": str(year),
            "last_year": str(year - 1),
            "unit_name": report.meta.unit_name or "",
            "scorecards": str(len(report.scorecards)),  # 项目支出绩效自评表 (二级项目) reported
        }
        if arg == "scorecards":
            n = Decimal(len(report.scorecards))
            return [Slot("count", n, value[arg], "绩效自评的项目数", ())]
        return [value[arg]]
    if kind == "text":
        expr = ctx.parse(arg)
        try:
            text = expr.evaluate(ctx.env)
        except Undefined:
            text = None
        return ["" if text is None else str(text)]
    if kind == "reason":
        return [report.reasons.get(arg) or f"【{ctx.spec.reasons.get(arg, arg)}】"]
    if kind == "list":
        return _list(ctx, ctx.spec.list(arg), paragraph)
    if kind.startswith("change."):
        return _change(ctx, ctx.spec.changes[kind.split(".", 1)[1]], arg)
    expr = ctx.parse(arg)
    cells = tuple(c for c in expr.refs())
    label = ctx.label(arg)
    figure = arg.strip()[1:] if re.fullmatch(r"@[a-z_0-9]+", arg.strip()) else None
    if kind == "percent":
        div = _ratio(expr)
        if div is None:
            raise ValueError(f"narrative.toml: {{percent:{arg}}} is not a division")
        num, den = ctx.number(div.left), ctx.number(div.right)
        value: Decimal | None
        if num is None or den is None:
            value = None
        elif den == 0:
            value = None  # no rate on a zero base (N16): the edition's words instead
        else:
            value = num / den
        if value is None:
            shown = ctx.spec.zero_rate if den == 0 and num is not None else UNKNOWN
        else:
            shown = percent_text(value)
        return [
            Slot(
                "percent",
                value,
                shown,
                label,
                tuple(div.left.refs()),
                tuple(div.right.refs()),
                figure=figure,
                base_value=den,
            )
        ]
    value = ctx.number(expr)
    if kind == "count":
        shown = UNKNOWN if value is None else count_text(value)
        return [Slot("count", value, shown, label, cells, figure=figure)]
    if kind == "amount":
        shown = UNKNOWN if value is None else amount_text(value, ctx.spec, ctx.decimals)
        return [Slot("amount", value, shown, label, cells, figure=figure)]
    raise ValueError(f"narrative.toml: unknown placeholder kind {kind!r}")


def _change(ctx: _Context, wording: object, arg: str) -> list[str | Slot]:
    from ..editions.spec import ChangeWording

    assert isinstance(wording, ChangeWording)
    this_text, _, last_text = arg.partition("|")
    this_e, last_e = ctx.parse(this_text), ctx.parse(last_text)
    this, last = ctx.number(this_e), ctx.number(last_e)
    label = ctx.label(this_text)
    cells = (*this_e.refs(), *last_e.refs())
    year = ctx.report.meta.year or ctx.edition.info.year
    if this is None or last is None:
        template, sign, diff, rate = wording.up, None, None, None
    else:
        diff = this - last
        sign = (diff > 0) - (diff < 0)
        rate = abs(diff) / abs(last) if last != 0 else None
        if sign == 0:
            template = wording.same
        elif last == 0:
            template = wording.new
        else:
            template = wording.up if sign > 0 else wording.down
    template = template.replace("{last_year}", str(year - 1))
    zero = last is not None and last == 0
    out: list[str | Slot] = []
    pos = 0
    for m in re.finditer(r"\{(amount|rate)\}", template):
        if m.start() > pos:
            out.append(template[pos : m.start()])
        if m.group(1) == "amount":
            shown = UNKNOWN if diff is None else amount_text(abs(diff), ctx.spec, ctx.decimals)
            out.append(
                Slot(
                    "amount",
                    None if diff is None else abs(diff),
                    shown,
                    f"{label}比上年增减额",
                    cells,
                    sign=sign,
                    zero_base=zero,
                )
            )
        else:
            shown = UNKNOWN if rate is None else percent_text(rate)
            out.append(
                Slot("percent", rate, shown, f"{label}比上年增减率", cells, tuple(last_e.refs()), sign=sign, rate=True)
            )
        pos = m.end()
    if pos < len(template):
        out.append(template[pos:])
    if sign == 0:
        out = [Slot("word", Decimal(0), template, f"{label}比上年增减", cells, sign=0)]
    return out


def _list(ctx: _Context, spec: NarrativeList, paragraph: Paragraph) -> list[str | Slot]:
    rows: list[tuple[str, str]] = [("", key) for key in spec.items]
    for token in spec.foreach.split():
        if token == "S*":  # one item per 项目支出绩效自评表: "S" in its expressions is that scorecard
            rows.extend(("S", card.sid) for card in ctx.shape.scorecards)
            continue
        m = re.fullmatch(r"([A-Z][A-Z0-9]*)(?:@(\w+)|\[([\w:]+)\])", token)
        if m is None:
            raise ValueError(f"narrative.toml: bad foreach {token!r}")
        table = m.group(1)
        wanted = "@" + m.group(2) if m.group(2) else m.group(3)
        for row in ctx.resolver.rows(table, wanted):
            if spec.digits is None or (row.isdigit() and len(row) == spec.digits):
                rows.append((table, row))
    items: list[list[str | Slot]] = []
    expected: list[str] = []
    candidates: list[str] = []
    outer = ctx.resolver
    for table, row in rows:
        if table == "S":
            ctx.resolver = ShapeResolver(ctx.shape, row)
            card = ctx.report.scorecards[int(row[1:]) - 1]
            name = card.project_name or row
        else:
            ctx.resolver = outer
            name = spec.items[row] if not table else ctx.row_name(table, row)
        candidates.append(name)
        when = spec.when.replace("{row}", row) if spec.when else None
        if not ctx.holds(when):
            continue
        expected.append(name)
        text = spec.item.replace("{row}", row).replace("{name}", name).replace("{index}", str(len(items) + 1))
        items.append(_parts(ctx, text, paragraph))
    ctx.resolver = outer
    if spec.names:
        paragraph.lists.append(ListNames(tuple(expected), tuple(candidates)))
    if not items:
        return [spec.empty]
    out: list[str | Slot] = []
    for i, item in enumerate(items):
        if i:
            out.append(spec.join)
        out.extend(item)
    return out


def previous_inputs(report: Report, last: Report) -> dict[str, Decimal]:
    """The inputs of ``report`` that last year's report gives (each input's ``previous`` expression)."""
    edition = last.edition
    spec = edition.narrative_text or NarrativeText()
    ctx = _Context(last, edition, spec, {k: Decimal(v) for k, v in last.narrative.items()})
    out: dict[str, Decimal] = {}
    for item in report.edition.narrative:
        if item.kind == "input" and item.previous:
            value = ctx.number(ctx.parse(item.previous))
            if value is not None:
                out[item.id] = value
    return out


def generate(report: Report, inputs: Mapping[str, Decimal] | None = None, *, every_variant: bool = False) -> Document:
    """Part 3 of ``report``: its edition's headings and paragraphs with every number filled.

    ``inputs`` (last year's totals, 年初预算, counts …) override the report's own ``narrative`` inputs.
    ``every_variant``: every sentence of a section, whatever its ``when`` (the checker's view: a text may
    write the sentence of figures where the tables call for "无…支出", and its numbers are still checked)."""
    edition = report.edition
    spec = edition.narrative_text
    if spec is None:
        raise ValueError(f"表样 {edition.id} 没有情况说明的文字模板")
    given = {k: Decimal(v) for k, v in report.narrative.items()}
    given.update(inputs or {})
    ctx = _Context(report, edition, spec, given)
    sections: list[Section] = []
    for s in spec.sections:
        section = Section(s.number, s.title, s.rule, s.shares_sum)
        for sentence in spec.sentences:
            if sentence.section != s.number or not (every_variant or ctx.holds(sentence.when)):
                continue
            paragraph = Paragraph()
            paragraph.parts = _merge(_parts(ctx, sentence.text, paragraph))
            section.paragraphs.append(paragraph)
        sections.append(section)
    return Document(spec.title, sections)


def _merge(parts: list[str | Slot]) -> list[str | Slot]:
    out: list[str | Slot] = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] += p
        elif p != "":
            out.append(p)
    return out
