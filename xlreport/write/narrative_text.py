"""The Part 3 text on the 情况说明 sheet as live formulas: each paragraph of the edition's ``[text]`` becomes
one formula that joins its literal words with the figures (TEXT of the cell expressions), so that a change in
a table changes the sentence. Inputs the text needs (last year's figures …) are the sheet's input cells;
the reasons a person writes are text input cells (``N[reason].<id>``), never formulas.

This walks the same templates as :mod:`xlreport.narrative.generate` — the one evaluates them to text, this
renders them as formulas and computes each formula's cached text with the same formatting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..editions.spec import ChangeWording, Edition, NarrativeList, NarrativeText
from ..model.values import CellRef, Value, is_class_code
from ..narrative.generate import PLACEHOLDER, UNKNOWN, amount_text, count_text, expand_figures, percent_text
from ..rules.expr import Expr, Undefined, single_ref
from ..rules.parser import parse_expr
from ..rules.shape import NARRATIVE, Shape, ShapeResolver

REASON_ROW = "reason"
_NUMBERING = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass(frozen=True)
class Piece:
    formula: str  # an Excel expression giving text
    value: str  # its value for the values given (the cached result)


def _lit(text: str) -> Piece:
    return Piece('"' + text.replace('"', '""') + '"', text)


def _join(pieces: list[Piece]) -> Piece:
    pieces = [p for p in pieces if p.formula != '""']
    if not pieces:
        return _lit("")
    return Piece("&".join(p.formula for p in pieces), "".join(p.value for p in pieces))


class LiveText:
    """Formulas for the paragraphs of an edition's Part 3, over one workbook's cells."""

    def __init__(
        self,
        edition: Edition,
        shape: Shape,
        locate: Callable[[CellRef], str],
        env: Callable[[CellRef], Value],
        unit_name: str,
        year: int,
        unit_cell: str | None = None,
        placed: Callable[[CellRef], bool] = lambda _: False,
    ) -> None:
        """``unit_cell``: the cell holding the unit's name; ``placed``: whether a cell is in the workbook.
        Text a person typed (the unit's name, 类 and project names, reasons) enters a formula only as a
        reference to its cell, never as a literal."""
        assert edition.narrative_text is not None
        self.unit_cell, self.placed = unit_cell, placed
        self.edition, self.shape, self.locate, self.env = edition, shape, locate, env
        self.spec: NarrativeText = edition.narrative_text
        self.unit_name, self.year = unit_name, year
        self.figures = {i.id: i for i in edition.narrative}
        self.resolver = ShapeResolver(shape)
        self._scorecards = {s.sid for s in shape.scorecards}
        fmt = "#,##0" if self.spec.separators else "0"
        decimals = edition.info.decimals
        self.amount_format = fmt + ("." + "0" * decimals if decimals else "")

    # -- expressions
    def parse(self, text: str) -> Expr:
        return parse_expr(expand_figures(text, self.figures), self.resolver)

    def _inputs(self, expr: Expr) -> list[CellRef]:
        return [c for c in expr.refs() if c.table == NARRATIVE]

    def _number(self, expr: Expr) -> Decimal | None:
        if any(self.env(c) is None for c in self._inputs(expr)):
            return None
        try:
            return expr.number(self.env)
        except Undefined:
            return None

    def _guard(self, exprs: list[Expr], body: Piece) -> Piece:
        """【未填】 while an input the figure reads is blank (the generator's wording)."""
        cells = list(dict.fromkeys(c for e in exprs for c in self._inputs(e)))
        if not cells:
            return body
        test = ",".join(f'{self.locate(c)}=""' for c in cells)
        cond = test if len(cells) == 1 else f"OR({test})"
        blank = any(self.env(c) is None for c in cells)
        return Piece(f'IF({cond},"{UNKNOWN}",{body.formula})', UNKNOWN if blank else body.value)

    def _amount(self, expr: Expr, value: Decimal | None) -> Piece:
        shown = amount_text(value, self.spec, self.edition.info.decimals) if value is not None else UNKNOWN
        return Piece(f'TEXT({expr.render(self.locate)},"{self.amount_format}")&"{self.spec.unit}"', shown)

    # -- placeholders
    def paragraph(self, text: str) -> Piece:
        pieces: list[Piece] = []
        pos = 0
        for m in PLACEHOLDER.finditer(text):
            if m.start() > pos:
                pieces.append(_lit(text[pos : m.start()]))
            pieces.append(self._placeholder(m.group(1), m.group(2)))
            pos = m.end()
        if pos < len(text):
            pieces.append(_lit(text[pos:]))
        return _join(pieces)

    def _placeholder(self, kind: str, arg: str) -> Piece:
        if kind == "meta":
            if arg == "unit_name" and self.unit_cell is not None:
                return Piece(f'{self.unit_cell}&""', self.unit_name)
            values = {
                "year": str(self.year),
                "last_year": str(self.year - 1),
                "unit_name": self.unit_name,
                "scorecards": str(len(self.shape.scorecards)),
            }
            return _lit(values[arg])
        if kind == "reason":
            cell = CellRef(NARRATIVE, REASON_ROW, arg)
            label = f"【{self.spec.reasons.get(arg, arg)}】"
            given = self.env(cell)
            return Piece(f'IF({self.locate(cell)}="","{label}",{self.locate(cell)})', str(given) if given else label)
        if kind == "list":
            return self._list(self.spec.list(arg))
        if kind.startswith("change."):
            return self._change(self.spec.changes[kind.split(".", 1)[1]], arg)
        expr = self.parse(arg)
        if kind == "text":
            try:
                value = expr.evaluate(self.env)
            except Undefined:
                value = None
            return Piece(f'{expr.render(self.locate)}&""', "" if value is None else str(value))
        if kind == "percent":
            from ..narrative.generate import _ratio

            div = _ratio(expr)
            assert div is not None
            num, den = self._number(div.left), self._number(div.right)
            n, d = div.left.render(self.locate), div.right.render(self.locate)
            if num is None or den is None:
                shown = UNKNOWN
            else:
                shown = self.spec.zero_rate if den == 0 else percent_text(num / den)
            zero = self.spec.zero_rate.replace('"', '""')
            body = Piece(f'IF({d}=0,"{zero}",TEXT({n}/({d}),"0.00%"))', shown)
            return self._guard([div.left, div.right], body)
        value = self._number(expr)
        if kind == "count":
            shown = UNKNOWN if value is None else count_text(value)
            ref = single_ref(expr)
            if ref is not None and ref.table in self._scorecards:  # a blank form's score shows nothing
                rendered = expr.render(self.locate)
                shown = "" if self.env(ref) is None else shown
                return Piece(f'IF({rendered}="","",TEXT({rendered},"0"))', shown)
            return self._guard([expr], Piece(f'TEXT({expr.render(self.locate)},"0")', shown))
        return self._guard([expr], self._amount(expr, value))

    def _change(self, wording: ChangeWording, arg: str) -> Piece:
        this_text, _, last_text = arg.partition("|")
        this_e, last_e = self.parse(this_text), self.parse(last_text)
        this, last = self._number(this_e), self._number(last_e)
        t, la = this_e.render(self.locate), last_e.render(self.locate)
        diff = f"({t})-({la})"
        amount = f'TEXT(ABS({diff}),"{self.amount_format}")&"{self.spec.unit}"'
        rate = f'TEXT(ABS({diff})/ABS({la}),"0.00%")'

        def words(template: str, d: Decimal | None, r: Decimal | None) -> Piece:
            template = template.replace("{last_year}", str(self.year - 1))
            parts: list[Piece] = []
            pos = 0
            for m in re.finditer(r"\{(amount|rate)\}", template):
                if m.start() > pos:
                    parts.append(_lit(template[pos : m.start()]))
                if m.group(1) == "amount":
                    shown = amount_text(abs(d), self.spec, self.edition.info.decimals) if d is not None else ""
                    parts.append(Piece(amount, shown))
                else:
                    parts.append(Piece(rate, percent_text(r) if r is not None else ""))
                pos = m.end()
            if pos < len(template):
                parts.append(_lit(template[pos:]))
            return _join(parts)

        d = None if this is None or last is None else this - last
        r = abs(d) / abs(last) if d is not None and last else None
        up, down, same, new = (words(w, d, r) for w in (wording.up, wording.down, wording.same, wording.new))
        formula = f"IF({diff}=0,{same.formula},IF({la}=0,{new.formula},IF({diff}>0,{up.formula},{down.formula})))"
        if d is None:
            value = ""
        elif d == 0:
            value = same.value
        elif last == 0:
            value = new.value
        else:
            value = up.value if d > 0 else down.value
        return self._guard([this_e, last_e], Piece(formula, value))

    def _list(self, spec: NarrativeList) -> Piece:
        rows: list[tuple[str, str]] = [("", k) for k in spec.items]
        for token in spec.foreach.split():
            if token == "S*":
                rows.extend(("S", c.sid) for c in self.shape.scorecards)
                continue
            m = re.fullmatch(r"([A-Z][A-Z0-9]*)(?:@(\w+)|\[([\w:]+)\])", token)
            assert m is not None
            table = m.group(1)
            for row in self.resolver.rows(table, "@" + m.group(2) if m.group(2) else m.group(3)):
                if spec.digits is None or (row.isdigit() and len(row) == spec.digits):
                    rows.append((table, row))
        items: list[tuple[Piece, Piece]] = []  # (condition, item with its joiner in front)
        outer = self.resolver
        for table, row in rows:
            self.resolver = ShapeResolver(self.shape, row) if table == "S" else outer
            name = self._name(table, row, spec)
            cell = CellRef(row, "info", "project_name") if table == "S" else CellRef(table, row, "name")
            typed = bool(table) and self.placed(cell) and self.env(cell) is not None
            text = spec.item.replace("{row}", row).replace("{index}", "")
            if typed:  # a name typed in the workbook: referenced, never written into the formula
                head, _, tail = text.partition("{name}")
                item = _join([self.paragraph(head), Piece(f'{self.locate(cell)}&""', name), self.paragraph(tail)])
            else:
                item = self.paragraph(text.replace("{name}", name))
            if spec.when:
                cond = self.parse(f"if({spec.when.replace('{row}', row)}, 1, 0)")
                try:
                    holds = cond.number(self.env) != 0
                except Undefined:
                    holds = False
                items.append((Piece(cond.render(self.locate), "1" if holds else ""), item))
            else:
                items.append((Piece("1", "1"), item))
        self.resolver = outer
        join = spec.join.replace("\n", "")
        parts = [
            Piece(f'IF({c.formula},"{join}"&{i.formula},"")', (join + i.value) if c.value else "") for c, i in items
        ]
        if not parts:
            return _lit(spec.empty)
        whole = _join(parts)  # each item with its joiner in front: the first joiner cut off
        return Piece(f"MID({whole.formula},{len(join) + 1},32767)", whole.value[len(join) :])

    def _name(self, table: str, row: str, spec: NarrativeList) -> str:
        if not table:
            return spec.items[row]
        if table == "S":
            value = self.env(CellRef(row, "info", "project_name"))
            return str(value) if value else row
        value = self.env(CellRef(table, row, "name"))
        if value:
            return str(value)
        if is_class_code(row):
            found = next((c.name for c in self.edition.classes if c.code == row), None)
            if found:
                return found
        if row in self.edition.economic:
            return self.edition.economic[row]
        located = self.edition.table(table).row(row)
        label = located[1].label if located is not None and located[1].label else row
        return _NUMBERING.sub("", label)
