"""The shape of a report: which dynamic rows exist (codes, scorecard rows), and how rule text names them.

Rules are instantiated against a shape, not against values: the validator takes the shape of the
data it read, the writer the shape of the workbook it writes (a code list or a report). Both then
get the same relations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..editions.spec import Edition, PanelSpec, RowSpec, TableSpec
from ..model.values import CellRef, is_class_code, parent_code
from .expr import CodeLookup, Expr, Linear, Ref
from .parser import RuleSyntaxError

NARRATIVE = "N"  # the 情况说明 sheet's own input cells: N[input].<id>


@dataclass(frozen=True)
class ScorecardShape:
    sid: str  # S1 …
    budget: tuple[str, ...]  # total, src1 …
    indicators: tuple[str, ...]  # i1 …
    quantitative: tuple[str, ...]  # indicators with a numeric target and a numeric actual value


@dataclass
class Shape:
    edition: Edition
    codes: dict[str, list[str]] = field(default_factory=dict)  # coded table id → codes in order
    scorecards: list[ScorecardShape] = field(default_factory=list)
    unit_type: str | None = None
    slots: dict[str, int] = field(default_factory=dict)  # coded table id → empty code rows (templates)

    def signature(self) -> tuple[object, ...]:
        """Everything instantiation depends on, hashable."""
        return (
            self.edition.id,
            id(self.edition),
            tuple(sorted((t, tuple(c)) for t, c in self.codes.items())),
            tuple(self.scorecards),
            self.unit_type,
            tuple(sorted(self.slots.items())),
        )

    def codes_of(self, table_id: str) -> list[str]:
        return self.codes.get(table_id, [])

    def slots_of(self, table_id: str) -> list[str]:
        """Row keys of a template's empty code rows: s1, s2, … (a person types their codes)."""
        return [f"s{n + 1}" for n in range(self.slots.get(table_id, 0))]

    def slot_lookup(self, table_id: str, col: str, code: str | None) -> CodeLookup | None:
        """What the empty code rows of ``table_id`` hold for ``code`` (None: any 类), if it has any."""
        slots = self.slots_of(table_id)
        if not slots:
            return None
        return CodeLookup(code, tuple((CellRef(table_id, s, "code"), CellRef(table_id, s, col)) for s in slots))

    def scorecard(self, sid: str) -> ScorecardShape:
        """The scorecard ``sid`` (an index kept by the list's identity and length: a consolidated report
        has thousands, each looked up by every reference of its rules)."""
        key = (id(self.scorecards), len(self.scorecards))
        index = self.__dict__.get("_scorecard_index")
        if index is None or index[0] != key:
            index = (key, {s.sid: s for s in reversed(self.scorecards)})  # the first of a sid, as a scan finds
            self.__dict__["_scorecard_index"] = index
        found = index[1].get(sid)
        if found is None:
            raise RuleSyntaxError(f"no scorecard {sid}")
        return found


def children_of(codes: list[str]) -> dict[str, list[str]]:
    """Every code's child rows (款 of a 类, 项 of a 款), in the order of ``codes``.

    One pass: looking the children of each code up by a scan of all codes is quadratic (2,000 项
    rows cost tens of millions of ``parent_code`` calls)."""
    kids: dict[str, list[str]] = {}
    for c in codes:
        parent = parent_code(c)
        if parent is not None:
            kids.setdefault(parent, []).append(c)
    return kids


Read = tuple[str, str]
"""One thing rule text read of a shape: ("codes", table), ("slots", table), ("card", sid) or ("sids", "")."""


def read_of(shape: Shape, read: Read) -> object:
    """What ``read`` finds in ``shape`` (compared to tell whether a parse made over another shape holds)."""
    kind, arg = read
    if kind == "codes":
        return tuple(shape.codes_of(arg))
    if kind == "slots":
        return shape.slots.get(arg, 0)
    if kind == "card":
        try:
            return shape.scorecard(arg)
        except RuleSyntaxError:
            return None
    return tuple(s.sid for s in shape.scorecards)


class ShapeResolver:
    """Expands table names, row specs and column specs of rule text against a shape.

    Every read of the shape is noted in :attr:`reads` when it is a list (see :func:`read_of`): what a
    parse depends on, so that it may be reused over another shape that reads the same."""

    def __init__(self, shape: Shape, scorecard: str | None = None) -> None:
        self.shape = shape
        self.edition = shape.edition
        self.scorecard = scorecard
        self.reads: list[Read] | None = None
        self._tables = {t.id: t for t in shape.edition.tables}
        self._known: dict[str, set[str]] = {}  # a slotted table's codes, gathered when first needed
        self._cols: dict[tuple[str, str | None, str], tuple[str, ...]] = {}  # see cols()

    def _codes(self, table: str) -> list[str]:
        if self.reads is not None:
            self.reads.append(("codes", table))
        return self.shape.codes_of(table)

    def _slots(self, table: str) -> int:
        if self.reads is not None:
            self.reads.append(("slots", table))
        return self.shape.slots.get(table, 0)

    def _slot_lookup(self, table: str, col: str, code: str | None) -> CodeLookup | None:
        return self.shape.slot_lookup(table, col, code) if self._slots(table) else None

    def ref(self, cell: CellRef) -> Expr:
        """A cell; a code row the shape lacks becomes a lookup over the empty code rows, when there are any;
        a column the 合计 row does not print becomes the sum of the 类 rows."""
        table = self._tables.get(cell.table)
        coded = table.coded if table is not None else None
        if coded is None:
            return Ref(cell)
        if cell.row == coded.total_key and cell.col in coded.total_blank:
            classes = [c for c in self._codes(cell.table) if is_class_code(c)]
            parts: list[Expr] = [self.ref(CellRef(cell.table, c, cell.col)) for c in classes]
            lookup = self._slot_lookup(cell.table, cell.col, None)
            if lookup is not None:
                parts.append(lookup)
            return Linear(tuple((1, p) for p in parts))
        # a template's empty code rows (slots): a code the shape lacks may be typed there
        if cell.row == coded.total_key or cell.row.startswith("s") or not self._slots(cell.table):
            return Ref(cell)
        known = self._known.get(cell.table)
        if known is None:
            known = self._known[cell.table] = set(self._codes(cell.table))
        elif self.reads is not None:
            self.reads.append(("codes", cell.table))
        if cell.row in known:
            return Ref(cell)
        return self._slot_lookup(cell.table, cell.col, cell.row) or Ref(cell)

    def parameter(self, name: str, key: str | None) -> Decimal:
        """A scoring parameter of the edition's scorecard (``scorecard("weights", "产出指标")`` in a rule)."""
        try:
            return self.edition.scorecard.parameter(name, key)
        except KeyError as exc:
            raise RuleSyntaxError(f"no scorecard parameter {exc.args[0]}") from None

    def grades(self) -> tuple[tuple[Decimal, str], ...]:
        return self.edition.scorecard.grades

    def bands(self) -> dict[str, tuple[Decimal, Decimal]]:
        return self.edition.scorecard.qualitative_bands

    def _table(self, table: str) -> TableSpec:
        try:
            return self._tables[table]
        except KeyError:
            raise RuleSyntaxError(f"unknown table {table}") from None

    def tables(self, name: str) -> list[str]:
        if name == "S":
            if self.scorecard is None:
                raise RuleSyntaxError("S outside a scorecard rule")
            return [self.scorecard]
        if name == "S*":
            if self.reads is not None:
                self.reads.append(("sids", ""))
            return [s.sid for s in self.shape.scorecards]
        if name == NARRATIVE:
            return [name]
        self._table(name)
        return [name]

    def rows(self, table: str, spec: str) -> list[str]:
        if table == NARRATIVE:
            return [spec]
        if table.startswith("S"):
            return self._scorecard_rows(table, spec)
        t = self._table(table)
        if spec.startswith("@"):
            group = spec[1:]
            if t.coded is not None:
                codes = self._codes(table)
                if group == "all":
                    self._slots(table)
                    return [t.coded.total_key, *codes, *self.shape.slots_of(table)]
                if group == "codes":
                    return list(codes)
                if group == "classes":
                    return [c for c in codes if is_class_code(c)]
                raise RuleSyntaxError(f"unknown row group {spec} of coded table {table}")
            keys = [r.key for p, r in t.fixed_rows() if group in r.groups or p.id == group]
            if not keys:
                raise RuleSyntaxError(f"row group {spec} of {table} is empty")
            return [k for k in keys if k is not None]
        if ":" in spec:
            first, last = spec.split(":")
            order = [r.key for _, r in t.fixed_rows()]
            try:
                i, j = order.index(first), order.index(last)
            except ValueError:
                raise RuleSyntaxError(f"row range {spec} not in {table}") from None
            return [k for k in order[i : j + 1] if k is not None]
        if t.coded is None and t.row(spec) is None:
            raise RuleSyntaxError(f"no row {spec} in {table}")
        return [spec]

    def _scorecard_rows(self, sid: str, spec: str) -> list[str]:
        if sid == self.scorecard and not spec.startswith("@") and ":" not in spec:  # one row of its own: any layout
            return [spec]
        if self.reads is not None:
            self.reads.append(("card", sid))
        card = self.shape.scorecard(sid)
        if spec == "@budget":
            return list(card.budget)
        if spec == "@indicators":
            return list(card.indicators)
        if spec == "@quantitative":
            return list(card.quantitative)
        if spec == "@qualitative":
            return [k for k in card.indicators if k not in card.quantitative]
        if spec.startswith("@") or ":" in spec:
            raise RuleSyntaxError(f"unknown scorecard rows {spec}")
        return [spec]

    def cols(self, table: str, row: str, spec: str) -> list[str]:
        if table == NARRATIVE:
            return [spec]
        if table.startswith("S"):
            if ":" in spec:
                raise RuleSyntaxError("column ranges are not available in scorecards")
            return [spec]
        t = self._table(table)
        found = t.row(row)
        # the columns depend on the row only through its spec: every code row of a coded table
        # shares one answer (rules name them once per row, thousands of times in a large report)
        key = (table, row if found else None, spec)
        known = self._cols.get(key)
        if known is None:
            known = self._cols[key] = tuple(self._columns(t, found, table, row, spec))
        return list(known)

    def _columns(
        self, t: TableSpec, found: tuple[PanelSpec, RowSpec] | None, table: str, row: str, spec: str
    ) -> list[str]:
        panel, row_spec = (found[0], found[1]) if found else (t.panels[0], None)
        if ":" not in spec:
            if spec not in {c.key for c in panel.value_columns()}:
                raise RuleSyntaxError(f"no column {spec} in {table}[{row}]")
            return [spec]
        first, last = spec.split(":")
        order = [c.key for c in panel.value_columns()]
        try:
            i, j = order.index(first), order.index(last)
        except ValueError:
            raise RuleSyntaxError(f"column range {spec} not in {table}") from None
        allowed = {c.key for c in t.value_columns_of(panel, row_spec)}
        return [k for k in order[i : j + 1] if k in allowed]
