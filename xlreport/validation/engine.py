"""Run an edition's rules over cell values and report findings."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ..editions.spec import Edition
from ..model.report import Report
from ..model.scorecard import indicator_row_key
from ..model.values import CellRef, Value
from ..rules.expr import Expr, Linear, Ref
from ..rules.instantiate import Check, instantiate
from ..rules.shape import ScorecardShape, Shape
from ..rules.tolerance import RoundingRule
from .catalog import RULE_OWN, make
from .findings import Finding, format_amount
from .labels import Labeler


def shape_of(report: Report) -> Shape:
    edition = report.edition
    codes = {t.id: [c for c, _ in report.codes(t.id)] for t in edition.tables if t.coded is not None}
    cards = []
    for n, card in enumerate(report.scorecards):
        sid = f"S{n + 1}"
        cards.append(
            ScorecardShape(
                sid=sid,
                budget=tuple("total" if i == 0 else f"src{i}" for i in range(len(card.budget))),
                indicators=tuple(indicator_row_key(i) for i in range(len(card.indicators))),
                quantitative=tuple(indicator_row_key(i) for i, ind in enumerate(card.indicators) if ind.quantitative),
            )
        )
    return Shape(edition=edition, codes=codes, scorecards=cards, unit_type=report.meta.unit_type)


def labeler_of(report: Report) -> Labeler:
    edition = report.edition
    names = {t.id: dict(report.codes(t.id)) for t in edition.tables if t.coded is not None}
    return Labeler(edition, names, report.scorecards)


class Evaluator:
    """Evaluates checks over one set of values and turns failures into findings."""

    def __init__(
        self,
        edition: Edition,
        values: Mapping[CellRef, Value],
        labeler: Labeler,
        amount_unit: str,
        derived: Mapping[CellRef, Expr] | None = None,
    ) -> None:
        self.derived = derived  # cells computed by formulas (workbooks), for the rounding bound
        self.edition = edition
        self.values = values
        self.labeler = labeler
        self.amount_unit = amount_unit
        self.decimals = edition.info.decimals

    def env(self, cell: CellRef) -> Value:
        return self.values.get(cell)

    def run(self, checks: list[Check]) -> list[Finding]:
        out: list[Finding] = []
        for check in checks:
            finding = self.evaluate(check)
            if finding is not None:
                out.append(finding)
        return out

    def rule(self, check: Check) -> RoundingRule:
        """The object that decides ``check`` (and renders the same decision in the 审核 sheet)."""
        return RoundingRule(check, self.amount_unit, self.decimals, self.derived)

    def evaluate(self, check: Check) -> Finding | None:
        verdict = self.rule(check).evaluate(self.env)
        if verdict.status in ("pass", "n/a"):
            return None
        a, e, diff, bound = verdict.actual, verdict.expected, verdict.difference, verdict.bound
        if check.op == "empty":
            return self._finding(check, check.rule.severity, a, None, None, None, at=verdict.at)
        # a side whose cells are all blank is reported as blank (空白), not as the 0 it counts as
        shown_a, shown_e = (None if self._blank(side) else v for side, v in ((check.lhs, a), (check.rhs, e)))
        if verdict.status == "rounding":
            return self._finding(check, "info", shown_a, shown_e, diff, bound, rounding_note=True)
        if diff is None:  # a text comparison
            return self._finding(check, check.rule.severity, shown_a, shown_e, None, None)
        assert isinstance(a, Decimal) and isinstance(e, Decimal)
        hint = self._typed_in_yuan(a, e)
        return self._finding(check, check.rule.severity, shown_a, shown_e, diff, bound, yuan_hint=hint)

    def _blank(self, expr: Expr) -> bool:
        """Every leaf of ``expr`` is a cell and every one of them is blank."""
        leaves: list[Expr] = []
        stack = [expr]
        while stack:
            node = stack.pop()
            kids = node.children()
            if kids:
                stack.extend(kids)
            else:
                leaves.append(node)
        return all(
            (isinstance(x, Ref) and self.env(x.cell) is None) or (isinstance(x, Linear) and not x.terms) for x in leaves
        )

    def _typed_in_yuan(self, actual: Decimal, expected: Decimal) -> bool:
        """In a 万元 table, a value about 10,000 times what it should be was typed in 元."""
        if self.amount_unit != "万元" or expected == 0 or actual == 0:
            return False
        ratio = abs(actual / expected)
        return Decimal("9000") <= ratio <= Decimal("11000") or Decimal("0.00009") <= ratio <= Decimal("0.00011")

    def _finding(
        self,
        check: Check,
        severity: str,
        actual: Value,
        expected: Value,
        diff: Decimal | None,
        bound: Decimal | None,
        *,
        rounding_note: bool = False,
        yuan_hint: bool = False,
        at: CellRef | None = None,
    ) -> Finding:
        rule = check.rule
        cell = at or check.anchor
        labeler = self.labeler
        args = {
            "where": labeler.describe(cell) if cell else "",
            "description": rule.description,
            "expected": format_amount(expected),
            "actual": format_amount(actual),
            "difference": format_amount(diff),
            "tolerance": format_amount(bound),
            "rule": check.id if "{" in rule.id else rule.id,  # X03-{row} → X03-210
        }
        if rule.message:
            template, args["rule_message"] = RULE_OWN, rule.message
        elif rounding_note:
            template = "rounding-difference"
        elif yuan_hint:
            template = "amount-in-yuan"
        elif check.op == "empty":
            template = "relation-empty"
        elif diff is None:
            template = "relation-text"
        else:
            template = {"=": "relation-eq", "<=": "relation-le", ">=": "relation-ge"}[check.op]
        return Finding(
            rule_id=check.id,
            family=rule.family,
            code="rounding-difference" if rounding_note else ("amount-in-yuan" if yuan_hint else rule.code),
            severity=severity,  # type: ignore[arg-type]
            template=template,
            args=args,
            table=cell.table if cell else None,
            table_label=labeler.table_label(cell.table) if cell else None,
            sheet=labeler.sheet(cell.table) if cell else None,
            row=labeler.row(cell) if cell else None,
            column=labeler.column(cell) if cell else None,
            expected=expected,
            actual=actual,
            difference=diff,
            tolerance=bound,
            cells=tuple(str(c) for c in check.cells()),
        )


def edition_for(edition: Edition, year: int) -> str | None:
    """The edition of the same region whose years include ``year`` (the one a report of that year uses)."""
    from ..editions import available_editions, load_edition

    for other in available_editions():
        info = load_edition(other).info
        if info.region == edition.info.region and year in info.years:
            return other
    return None


def year_findings(edition: Edition, year: int | None, file: str) -> list[Finding]:
    """A warning (edition-year) when ``year`` lies outside the years ``edition`` is for, naming the
    edition to use when there is one."""
    years = edition.info.years
    if year is None or not years or year in years:
        return []
    suggested = edition_for(edition, year)
    advice = f"；请改用表样版本{suggested}" if suggested else f"；没有适用于{year}年度的表样版本，请核对新增科目"
    span = "、".join(str(y) for y in years)
    args = {"file": file, "year": str(year), "edition": edition.id, "years": span, "advice": advice}
    return [make("edition-year", args)]


def check_report(report: Report, file: str = "报告") -> list[Finding]:
    """Every finding of the edition's rules on ``report`` (values as given, totals included), after a
    warning when the report's year is not one its edition is for."""
    edition = report.edition
    checks = instantiate(shape_of(report))
    unit = report.meta.amount_unit or edition.info.amount_unit
    found = year_findings(edition, report.meta.year, file)
    return found + Evaluator(edition, report.cells(), labeler_of(report), unit).run(checks)
