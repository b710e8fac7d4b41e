"""Turn the rule specs of an edition into concrete relations over cells (:class:`Check`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from typing import TypeVar

from ..editions.spec import Edition, RuleSpec
from ..model.values import CellRef, is_class_code
from .expr import Env, Expr, Linear, Locate, Ref, map_cells, render_sum_args, single_ref, sum_of
from .parser import RuleSyntaxError, parse_expr, parse_relation
from .shape import Read, ScorecardShape, Shape, ShapeResolver, children_of, read_of


@dataclass(frozen=True)
class Check:
    """One relation ``lhs op rhs`` between cells, from one rule."""

    rule: RuleSpec
    id: str
    lhs: Expr
    op: str  # "=", "<=", ">=", or "empty" (lhs all blank ⇒ rhs all blank)
    rhs: Expr
    defines: CellRef | None = None  # the writer computes this cell as a formula of rhs
    scorecard: str | None = None

    @property
    def anchor(self) -> CellRef | None:
        """The cell a finding is reported at: the left cell, else the first cell read."""
        cell = single_ref(self.lhs)
        if cell is not None:
            return cell
        for c in self.lhs.refs():
            return c
        for c in self.rhs.refs():
            return c
        return None

    @property
    def blank_until_filled(self) -> bool:
        """Whether the cell it defines shows nothing until a cell it reads holds a number: a scorecard's
        results (结余, 执行率, 得分, 等级) are blank on a blank form, not 0 or 差."""
        return self.scorecard is not None

    def formula(self, locate: Locate) -> str:
        """The formula (without "=") the writer writes for the cell this check defines, and the validator
        expects there: the right-hand side, guarded by :attr:`blank_until_filled`."""
        text = self.rhs.render(locate)
        if not self.blank_until_filled:
            return text
        reads = render_sum_args(list(dict.fromkeys(self.rhs.refs())), locate)
        return f'IF(COUNT({reads})=0,"",{text})'

    def shows_blank(self, env: Env) -> bool:
        """Whether the guarded formula shows nothing over ``env`` (no cell it reads holds a number)."""
        return self.blank_until_filled and not any(isinstance(env(c), Decimal) for c in self.rhs.refs())

    def cells(self) -> list[CellRef]:
        seen: dict[CellRef, None] = {}
        for c in self.lhs.refs():
            seen[c] = None
        for c in self.rhs.refs():
            seen[c] = None
        return list(seen)


def _foreach_rows(rule: RuleSpec, resolver: ShapeResolver) -> list[str | None]:
    if rule.foreach_row is None:
        return [None]
    table, _, group = rule.foreach_row.partition("@")
    tables = resolver.tables(table)
    return [r for t in tables for r in resolver.rows(t, "@" + group)]


def _sub(text: str, row: str | None, col: str | None) -> str:
    if row is not None:
        text = text.replace("{row}", row)
    if col is not None:
        text = text.replace("{col}", col)
    return text


def _hierarchy(rule: RuleSpec, shape: Shape) -> list[Check]:
    edition = shape.edition
    assert rule.table is not None
    table = edition.table(rule.table)
    if table.coded is not None:
        codes = shape.codes_of(table.id)
        disabled: dict[str, tuple[str, ...]] = {}
    else:
        rows = [r for _, r in table.fixed_rows() if r.code]
        codes = [r.code for r in rows if r.code]
        disabled = {r.code: r.disabled for r in rows if r.code}
    out: list[Check] = []
    kids_of = children_of(codes)
    for code in codes:
        kids = kids_of.get(code)
        if not kids:
            continue
        for col in rule.columns:
            if col in disabled.get(code, ()):
                continue
            parts = [CellRef(table.id, k, col) for k in kids if col not in disabled.get(k, ())]
            out.append(Check(rule, f"{rule.family}-{code}", Ref(CellRef(table.id, code, col)), "=", sum_of(parts)))
    if table.coded is not None:
        classes = [c for c in codes if is_class_code(c)]
        for col in rule.columns:
            if col in table.coded.total_blank:  # the 合计 row prints none: relations read Σ类 there
                continue
            total = CellRef(table.id, table.coded.total_key, col)
            rhs: Expr = sum_of([CellRef(table.id, c, col) for c in classes])
            lookup = shape.slot_lookup(table.id, col, None)
            if lookup is not None:  # a template's empty code rows count when a 类 code is typed there
                rhs = Linear((*rhs.terms, (1, lookup))) if isinstance(rhs, Linear) else rhs
            out.append(Check(rule, f"{rule.family}-total", Ref(total), "=", rhs))
    return out


def instantiate(shape: Shape, rules: tuple[RuleSpec, ...] | None = None) -> list[Check]:
    """Every relation of the edition's rules over the rows of ``shape``, in rule order.

    A rule instance with ``define`` defines its left cell unless an earlier instance already did.
    Results are cached per shape (batches validate many workbooks of the same shape).
    """
    if rules is None:
        return list(_cached(shape.signature(), shape))
    return _instantiate(shape, rules)


_CACHE: dict[tuple[object, ...], tuple[Check, ...]] = {}


def _cached(key: tuple[object, ...], shape: Shape) -> tuple[Check, ...]:
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= 64:
            _CACHE.pop(next(iter(_CACHE)))
        found = _CACHE[key] = tuple(_instantiate(shape, shape.edition.rules))
    return found


def forget_instances() -> None:
    """Empty the per-shape cache and the parses (see :func:`xlreport.rules.compute.forget_shapes`)."""
    _CACHE.clear()
    _DONE.clear()


Parsed = tuple[Expr, str | None, Expr | None]
Item = tuple[str, Expr, str, Expr, bool]  # one instance of a rule: id, lhs, op, rhs, whether it defines lhs
T = TypeVar("T")


@dataclass(frozen=True)
class _Done:
    """Work done over one shape (a rule text's parse, a rule's instances), with what it read of the shape
    and what it found there."""

    rule: RuleSpec  # kept, with the edition, so that the id()s in the key are not reused while it lives
    edition: Edition  # a rule's parse depends on its edition's tables and scoring parameters too
    sid: str | None
    reads: tuple[tuple[Read, object], ...]
    result: object


_DONE: dict[tuple[object, ...], list[_Done]] = {}
_DONE_LIMIT = 200_000  # entries before the memo starts again (a worker validating returns of many shapes)
_PER_KEY = 4  # shapes remembered per key (the units of a department mostly share one or two)


class _Reuse:
    """Instantiation work reused across shapes, at two levels: a rule's instances (over a scorecard, or
    the whole report) and, below it, one rule text's parse. Work done over one shape holds for another
    shape that reads the same of it (the same codes of the tables it names, the same slots, the same
    scorecard layout). Work that read only its own scorecard serves every scorecard of that layout, its
    cells renamed (S1 → S7): a department's 2,000 scorecards are parsed for a few layouts, not 2,000
    times. Each shape is read afresh, so reused work is always the work over this shape."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self._seen: dict[Read, object] = {}
        self._layouts: dict[str, ScorecardShape] = {}

    def _read(self, read: Read) -> object:
        if read not in self._seen:
            self._seen[read] = read_of(self.shape, read)
        return self._seen[read]

    def _layout(self, sid: str) -> ScorecardShape:
        found = self._layouts.get(sid)
        if found is None:
            found = self._layouts[sid] = replace(self.shape.scorecard(sid), sid="")
        return found

    def _holds(self, entry: _Done) -> bool:
        return all(self._read(read) == value for read, value in entry.reads)

    def get(
        self,
        rule: RuleSpec,
        key: tuple[object, ...],
        resolver: ShapeResolver,
        build: Callable[[], T],
        rename: Callable[[T, str, str], T],
    ) -> T:
        """``build()``'s result over this shape: reused when work under ``key`` read the same, else built
        while ``resolver`` notes what it reads. The reads are passed on to an enclosing recording."""
        sid = resolver.scorecard
        outer = resolver.reads
        edition = self.shape.edition
        base = (id(rule), id(edition), *key)
        if sid is None:
            keys: tuple[tuple[object, ...], ...] = (base,)
        else:  # work that read nothing of its scorecard, work that read its layout, work tied to it
            keys = ((*base, None), (*base, self._layout(sid)), (*base, sid))
        for where in keys:
            for entry in _DONE.get(where, ()):
                if entry.rule is rule and entry.edition is edition and self._holds(entry):
                    if outer is not None:
                        outer.extend(r for r, _ in entry.reads)
                        if sid is not None and where is keys[1]:
                            outer.append(("card", sid))  # type: ignore[arg-type]
                    result: T = entry.result  # type: ignore[assignment]
                    return result if entry.sid == sid or entry.sid is None else rename(result, entry.sid, sid)
        resolver.reads = []
        try:
            built = build()
            reads = resolver.reads
        finally:
            resolver.reads = outer
        if outer is not None:
            outer.extend(reads)
        if sid is None:
            where = base
        elif any(r != ("card", sid) and r[0] not in ("codes", "slots") for r in reads):
            where = keys[2]  # it read another scorecard, or the list of them: for this sid only
        else:
            where = keys[1] if ("card", sid) in reads else keys[0]
        own = sid is not None and where is not keys[2]
        kept = tuple((r, self._read(r)) for r in dict.fromkeys(reads) if not (own and r == ("card", sid)))
        if len(_DONE) >= _DONE_LIMIT:
            _DONE.clear()
        entries = _DONE.setdefault(where, [])
        if len(entries) >= _PER_KEY:
            entries.pop(0)
        entries.append(_Done(rule, edition, sid, kept, built))
        return built


def _parse(reuse: _Reuse, rule: RuleSpec, kind: str, text: str, resolver: ShapeResolver) -> Parsed:
    def build() -> Parsed:
        return parse_relation(text, resolver) if kind == "relation" else (parse_expr(text, resolver), None, None)

    return reuse.get(rule, (kind, text), resolver, build, _renamed)


def _mover(old: str, new: str) -> Callable[[CellRef], CellRef]:
    moved: dict[CellRef, CellRef] = {}  # a scorecard's cells recur in many of its relations

    def move(cell: CellRef) -> CellRef:
        if cell.table != old:
            return cell
        found = moved.get(cell)
        if found is None:
            found = moved[cell] = CellRef(new, cell.row, cell.col)
        return found

    return move


def _renamed(parsed: Parsed, old: str, new: str) -> Parsed:
    """``parsed`` with the cells of scorecard ``old`` moved to scorecard ``new``."""
    move = _mover(old, new)
    lhs, op, rhs = parsed
    return map_cells(lhs, move), op, (map_cells(rhs, move) if rhs is not None else None)


def _items_renamed(items: tuple[Item, ...], old: str, new: str) -> tuple[Item, ...]:
    move = _mover(old, new)
    return tuple((rid, map_cells(lhs, move), op, map_cells(rhs, move), define) for rid, lhs, op, rhs, define in items)


def _items(reuse: _Reuse, rule: RuleSpec, resolver: ShapeResolver) -> tuple[Item, ...]:
    """Every instance of ``rule`` over the resolver's shape (and scorecard)."""
    out: list[Item] = []
    for row in _foreach_rows(rule, resolver):
        for col in rule.foreach_col or (None,):
            rid = _sub(rule.id, row, col)
            try:
                if rule.kind == "empty-implies-empty":
                    assert rule.if_empty and rule.then_empty
                    lhs = _parse(reuse, rule, "expr", _sub(rule.if_empty, row, col), resolver)[0]
                    rhs = _parse(reuse, rule, "expr", _sub(rule.then_empty, row, col), resolver)[0]
                    out.append((rid, lhs, "empty", rhs, False))
                    continue
                assert rule.relation is not None
                lhs, op, parsed_rhs = _parse(reuse, rule, "relation", _sub(rule.relation, row, col), resolver)
            except RuleSyntaxError as exc:
                raise RuleSyntaxError(f"rule {rid}: {exc}") from None
            if op is None or parsed_rhs is None:
                raise RuleSyntaxError(f"rule {rid}: not a relation")
            out.append((rid, lhs, op, parsed_rhs, rule.define and op == "="))
    return tuple(out)


def _instantiate(shape: Shape, rules: tuple[RuleSpec, ...]) -> list[Check]:
    checks: list[Check] = []
    defined: set[CellRef] = set()
    reuse = _Reuse(shape)

    def add(check: Check, define: bool) -> None:
        cell = single_ref(check.lhs)
        if define and cell is not None and cell not in defined:
            defined.add(cell)
            check = Check(check.rule, check.id, check.lhs, check.op, check.rhs, cell, check.scorecard)
        checks.append(check)

    for rule in rules:
        if rule.when_unit_type and shape.unit_type not in rule.when_unit_type:
            continue
        if rule.requires_scorecards and not shape.scorecards:
            continue
        if rule.kind == "hierarchy":
            for check in _hierarchy(rule, shape):
                add(check, rule.define)
            continue
        scopes: list[str | None] = [s.sid for s in shape.scorecards] if rule.scope == "scorecard" else [None]
        for sid in scopes:
            resolver = ShapeResolver(shape, sid)
            items = reuse.get(rule, ("rule",), resolver, partial(_items, reuse, rule, resolver), _items_renamed)
            for rid, lhs, op, rhs, define in items:
                add(Check(rule, rid, lhs, op, rhs, scorecard=sid), define)
    return checks


def definitions(checks: list[Check]) -> dict[CellRef, Check]:
    """The defining check of every derived cell (what the writer turns into formulas)."""
    return {c.defines: c for c in checks if c.defines is not None}


__all__ = ["Check", "definitions", "forget_instances", "instantiate"]
