"""Validate a returned workbook: read it, recompute every derived cell, check formulas and rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..editions.spec import Edition
from ..layout.plan import Address, Locator
from ..model.assemble import assemble
from ..model.report import Report, report_model
from ..model.scorecard import parse_actual, parse_target
from ..model.values import CellRef, Value
from ..read.reader import CellContent, WorkbookError, WorkbookRead, cell_finding, read_workbook
from ..rules.compute import checks_and_order, derived_of, recompute
from ..rules.expr import Expr
from ..rules.shape import ScorecardShape, Shape
from ..rules.tolerance import UnitRounding
from .catalog import make
from .engine import Evaluator, year_findings
from .findings import Finding, format_amount
from .labels import Labeler, describe_loc
from .printed import Unsupported, evaluate
from .result import FileResult

_QUOTED_SHEET = re.compile(r"'([^']+)'!")


def _norm_formula(text: str) -> str:
    text = text.lstrip("=").replace("$", "").replace(" ", "").upper()
    return _QUOTED_SHEET.sub(r"\1!", text) if "'" in text else text


def _scorecard_shapes(read: WorkbookRead, values: dict[CellRef, Value]) -> list[ScorecardShape]:
    shapes = []
    for card in read.scorecards:
        sid = card["sid"]
        quantitative = []
        for key in card["indicators"]:
            target = parse_target(_s(values.get(CellRef(sid, key, "target")))) or parse_target(
                _s(values.get(CellRef(sid, key, "initial_target")))
            )
            if values.get(CellRef(sid, key, "target_op")) is None and target is not None:
                values[CellRef(sid, key, "target_op")] = target[0]
            if values.get(CellRef(sid, key, "target_value")) is None and target is not None:
                values[CellRef(sid, key, "target_value")] = target[1]
            if values.get(CellRef(sid, key, "actual_value")) is None:
                actual = parse_actual(_s(values.get(CellRef(sid, key, "actual"))))
                if actual is not None:
                    values[CellRef(sid, key, "actual_value")] = actual
            if isinstance(values.get(CellRef(sid, key, "target_value")), Decimal) and isinstance(
                values.get(CellRef(sid, key, "actual_value")), Decimal
            ):
                quantitative.append(key)
        shapes.append(ScorecardShape(sid, tuple(card["budget"]), tuple(card["indicators"]), tuple(quantitative)))
    return shapes


def data_shape(read: WorkbookRead, values: dict[CellRef, Value]) -> Shape:
    """The shape of the data read (its codes; quantitative indicators by their contents, whose targets
    parsed from text are added to ``values``): the rule instances the validator evaluates."""
    return Shape(
        read.edition,
        codes={t: [c for c, _ in codes] for t, codes in read.codes.items()},
        scorecards=_scorecard_shapes(read, values),
        unit_type=read.identity.get("unit_type") or None,
    )


def _s(v: Value) -> str | None:
    return None if v is None else str(v)


_CARD_ROW_COLUMNS = ("annual_budget", "level1")  # one named cell per budget line, per indicator


def written_shape(read: WorkbookRead, data: Shape | None = None) -> Shape:
    """The shape the writer wrote, from the defined names (rows keep their names when rows move).

    Which indicators are quantitative is a matter of their contents, not of the writing; it is taken
    from ``data`` so that an untouched workbook has one shape (and one set of checks) only.
    """
    edition = read.edition
    codes: dict[str, list[str]] = {}
    slots: dict[str, int] = {}
    cards: dict[str, dict[str, list[tuple[int, str]]]] = {}
    tables = {t.id: t for t in edition.tables}
    coded = {t.id for t in edition.tables if t.coded is not None}
    wanted = [  # code cells of coded tables and the scorecards' rows: in sheet order
        (ref, address)
        for ref, address in read.names.items()
        if (ref.col == "code" and ref.table in coded) or (ref.table not in tables and ref.col in _CARD_ROW_COLUMNS)
    ]
    for ref, (_, row, _) in sorted(wanted, key=lambda kv: kv[1][1]):
        table = tables.get(ref.table)
        if table is not None and table.coded is not None and ref.col == "code":
            if ref.row.startswith("s") and ref.row[1:].isdigit():
                slots[ref.table] = slots.get(ref.table, 0) + 1
            else:
                codes.setdefault(ref.table, []).append(ref.row)
        elif table is None and ref.table[:1] == "S" and ref.table[1:].isascii() and ref.table[1:].isdigit():
            card = cards.setdefault(ref.table, {"budget": [], "indicators": []})
            if ref.col == _CARD_ROW_COLUMNS[0]:
                card["budget"].append((row, ref.row))
            elif ref.col == _CARD_ROW_COLUMNS[1]:
                card["indicators"].append((row, ref.row))
    shapes = []
    for sid in sorted(cards, key=lambda s: int(s[1:])):
        budget = tuple(k for _, k in sorted(cards[sid]["budget"]))
        indicators = tuple(k for _, k in sorted(cards[sid]["indicators"]))
        same = next((c for c in (data.scorecards if data else []) if c.sid == sid), None)
        quantitative = tuple(k for k in same.quantitative if k in indicators) if same else ()
        shapes.append(ScorecardShape(sid, budget, indicators, quantitative))
    for table in edition.tables:
        if table.coded is not None:
            codes.setdefault(table.id, [])
    return Shape(edition, codes=codes, scorecards=shapes, unit_type=read.identity.get("unit_type") or None, slots=slots)


def validate_workbook(path: str | Path, expect: str | None = None) -> FileResult:
    """Every finding for one workbook; an unreadable file gives one file-level finding.

    A cell holding a constant is taken as typed; a cell holding a formula is recomputed from the
    rule that defines it (cached values are never read). A formula the writer wrote that is now a
    constant (formula-replaced) or different text (formula-modified) is reported at its cell.
    ``expect``: the edition id the workbook must be; another edition gives one edition-mismatch finding.
    """
    name = str(path)
    try:
        read = read_workbook(path, expect=expect)
    except WorkbookError as exc:
        return FileResult(path=name, findings=[exc.finding], readable=False)
    return validate_read(read)


def validate_read(read: WorkbookRead) -> FileResult:
    """The findings of a workbook already read (tests mutate a read to probe every cell cheaply)."""
    name = read.path
    edition = read.edition
    findings = list(read.findings)
    values: dict[CellRef, Value] = {ref: c.value for ref, c in read.cells.items() if c.value is not None}
    shape = data_shape(read, values)
    checks, order = checks_and_order(shape)
    data_defs = {c.defines: c for c in order}
    # 1. formula integrity: the formula the writer wrote, or the one the rows now present call for
    #    (a range that grew over an inserted row is right, not modified)
    if read.names and not read.by_layout:
        written, where = written_shape(read, shape), read.names
    else:
        written, where = shape, read.addresses
    reshaped = written.signature() != shape.signature()  # rows were inserted or deleted
    written_order = checks_and_order(written)[1]
    as_written = {where.get(c.defines) for c in written_order}  # addresses of the template's own formulas
    for check in written_order:
        cell = check.defines
        assert cell is not None
        address = where.get(cell)
        data_ref = read.ref_at.get(address) if address else None
        content = read.cells.get(data_ref) if data_ref else None
        if content is None or data_ref is None:
            continue
        if content.formula is None:
            if address not in read.reported:  # the printed number the writer itself put there is no finding
                findings.append(_formula_finding(read, data_ref, "formula-replaced", content.raw, check.id))
        else:
            expected = check.formula(Locator(where, address[0]))  # type: ignore[index]
            found = _norm_formula(content.formula)
            if found != _norm_formula(expected) and data_ref in data_defs:  # rows now present may call for more
                expected_now = data_defs[data_ref].formula(Locator(read.addresses, address[0]))  # type: ignore[index]
                if found == _norm_formula(expected_now):
                    continue
            if found != _norm_formula(expected):
                raw = "=" + content.formula
                findings.append(_formula_finding(read, data_ref, "formula-modified", raw, check.id, expected))
            elif reshaped and data_ref in data_defs and not written.slots:
                # as written, but the rows now present call for more (a template's code slots sum
                # whatever is typed in them: nothing to compare)
                expected_now = data_defs[data_ref].formula(Locator(read.addresses, address[0]))  # type: ignore[index]
                if found != _norm_formula(expected_now):
                    raw = "=" + content.formula
                    findings.append(_formula_finding(read, data_ref, "formula-outdated", raw, check.id, expected_now))
    # 2. values: constants as typed, formulas recomputed through the rules of the data's shape
    defined = {c.defines for c in order}
    for ref, content in read.cells.items():  # a formula a person typed into an input cell
        own = read.addresses.get(ref) in as_written  # a formula the writer put there (a blank scorecard's)
        if content.formula is not None and ref not in defined and not own and ref.col not in ("code", "name"):
            value, finding = _typed_formula(read, ref, content)
            findings.append(finding)
            if value is not None:
                values[ref] = value
    frozen = {ref: c.value for ref, c in read.cells.items() if ref in defined and c.formula is None}
    inputs = {ref: v for ref, v in values.items() if ref not in defined}
    if not any(isinstance(v, Decimal) for v in inputs.values()):  # a template returned as it was sent
        findings.append(make("not-filled", {"file": name}))
    computed = recompute(checks, inputs, frozen, order)
    findings.extend(_printed_findings(read, defined, computed))
    writer_formulas = (derived_of(written_order, frozen), where)  # the writer's formulas (a template's slots too)
    findings.extend(_rounded_findings(read, computed, [writer_formulas, (derived_of(order, frozen), read.addresses)]))
    report, model_findings = build_report(read, computed)
    findings.extend(model_findings)
    labeler = Labeler(
        edition, {t: dict(c) for t, c in read.codes.items()}, report.scorecards if report else [], computed
    )
    unit = read.identity.get("amount_unit") or edition.info.amount_unit
    formulas = derived_of(order, frozen)
    findings = [labeler.locate(f) for f in findings]
    if report is not None:
        findings.extend(year_findings(edition, report.meta.year, name))
    for f in Evaluator(edition, computed, labeler, unit, formulas).run(checks):
        findings.append(_place(read, f))
    if report is not None and report.narrative_text:  # a Part 3 pasted into the 情况说明 sheet
        from .narrative import check_narrative

        findings.extend(check_narrative(report, report.narrative_text))
    return FileResult(
        path=name,
        findings=findings,
        report=report,
        edition=edition.id,
        unit_name=read.identity.get("unit_name") or None,
        year=report.meta.year if report else None,
    )


def _place(read: WorkbookRead, f: Finding) -> Finding:
    if f.table is None or f.row is None or f.column is None:
        return f
    ref = CellRef(f.table, f.row.key, f.column.key)
    found = read.addresses.get(ref)
    if found is None:
        return f
    return f.model_copy(update={"sheet": found[0], "cell": read.a1(ref)})


def _printed_findings(read: WorkbookRead, defined: set[CellRef], computed: dict[CellRef, Value]) -> list[Finding]:
    """What prints is what counts: every derived cell's printed value — the value the file keeps (any
    file a spreadsheet saved), else its formula as written evaluated over the cells as they are — is
    compared with the value its inputs give. A formula that missed inserted rows, a narrowed range, a
    workbook left in manual calculation, a #REF!: the printed table is wrong even where the inputs are right."""
    out = []
    half = Decimal(5).scaleb(-(read.edition.info.decimals + 1))
    printed_of = _printed_values(read, defined)
    for ref in sorted(defined, key=str):
        content = read.cells.get(ref)
        if content is None or content.formula is None:
            continue
        printed, expected = printed_of(ref), computed.get(ref)
        if printed is None:
            continue
        if isinstance(printed, Decimal) and (expected is None or isinstance(expected, Decimal)):
            diff = printed - (expected or Decimal(0))  # a formula over blank cells prints 0
            if abs(diff) <= half:
                continue
            args = {"printed": format_amount(printed), "expected": format_amount(expected or Decimal(0))}
            out.append(cell_finding(read, ref, "printed-differs", str(printed), **args))
        elif printed != expected and not (printed == "" and expected is None):
            args = {"printed": printed, "expected": "空白" if expected is None else format_amount(expected)}
            out.append(cell_finding(read, ref, "printed-differs", str(printed), **args))
    return out


def _rounded_findings(
    read: WorkbookRead,
    computed: dict[CellRef, Value],
    formulas: list[tuple[dict[CellRef, Expr], dict[CellRef, Address]]],
) -> list[Finding]:
    """A workbook typed in 元 that prints 万元: each printed cell must be its entry cell's value rounded on
    its own. Its formula as written is that rounding (a formula changed: formula-modified); a number
    typed over it must equal it (else printed-rounding, an error at the printed cell; equal: the
    formula-replaced note); a kept result that is not the rounding of the figures is printed-differs."""
    if not read.printed:
        return []
    entry = read.identity["amount_unit"]
    rounding = UnitRounding(entry, read.identity["printed_unit"], read.edition.info.decimals)
    out = []
    where = {ref: address for address, ref in read.printed_at.items()}
    for ref, content in read.printed.items():
        at = where[ref]
        value = computed.get(ref)
        expected = rounding.evaluate(value)
        if content.formula is not None:
            wanted = [rounding.render(ref, Locator(places, at[0]), derived) for derived, places in formulas]
            want = wanted[0]
            if _norm_formula(content.formula) not in {_norm_formula(w) for w in wanted}:
                raw = "=" + content.formula
                out.append(cell_finding(read, ref, "formula-modified", raw, at=at, formula=raw, expected_formula=want))
            elif isinstance(content.cached, Decimal) and content.cached != (expected or Decimal(0)):
                args = {"printed": format_amount(content.cached), "expected": format_amount(expected)}
                out.append(cell_finding(read, ref, "printed-differs", str(content.cached), at=at, **args))
            continue
        if content.value == expected:
            shown = "空白" if expected is None else f"常数 {format_amount(expected)}"
            how = f"{entry}数四舍五入为{rounding.printed}"
            out.append(cell_finding(read, ref, "formula-replaced", str(content.raw), at=at, rule=how, shown=shown))
            continue
        args = {
            "printed": "空白" if content.value is None else format_amount(content.value),
            "expected": "空白" if expected is None else format_amount(expected),
            "value": "空白" if value is None else format_amount(value),
            "unit": rounding.printed,
            "entry_unit": entry,
        }
        out.append(cell_finding(read, ref, "printed-rounding", str(content.raw), at=at, **args))
    return out


def _printed_values(read: WorkbookRead, defined: set[CellRef]) -> Callable[[CellRef], Value]:
    """ref → what the cell prints (None: not known): its kept value, else its formula evaluated."""
    memo: dict[CellRef, tuple[bool, Value]] = {}

    def at(sheet: str, r: int, c: int) -> Decimal | None:
        ref = read.ref_at.get((sheet, r, c))
        if ref is None:
            return read.outside.get((sheet, r, c), Decimal(0))  # a blank cell counts 0 in a formula
        known, value = shown(ref) if ref in defined else (True, read.cells[ref].value if ref in read.cells else None)
        if not known or isinstance(value, str):
            return None
        return value if value is not None else Decimal(0)

    def shown(ref: CellRef) -> tuple[bool, Value]:
        if ref in memo:
            return memo[ref]
        memo[ref] = (False, None)  # a formula that reads itself prints nothing known
        content = read.cells.get(ref)
        result: tuple[bool, Value] = (False, None)
        if content is not None and content.formula is None:
            result = (True, content.value)  # a constant typed over the formula prints as typed
        elif content is not None and content.error is not None:
            result = (True, content.error)  # an error value prints as itself
        elif content is not None and content.cached is not None:
            result = (True, content.cached)
        elif content is not None:
            try:
                value = evaluate(content.formula or "", read.addresses[ref][0], at)
                result = (value is not None, value)
            except Unsupported:
                pass
        memo[ref] = result
        return result

    return lambda ref: shown(ref)[1]


def _typed_formula(read: WorkbookRead, ref: CellRef, content: CellContent) -> tuple[Value, Finding]:
    """An input cell holding a formula: its last computed value is taken (a warning: it no longer
    follows what it reads); without one (a file no spreadsheet saved) it is left out (an error)."""
    value = content.cached
    formula = "=" + (content.formula or "")
    if value is not None:
        shown = format_amount(value) if isinstance(value, Decimal) else value
        outcome, severity = f"按其计算结果 {shown} 审核", "warning"
    else:
        outcome, severity = "文件中没有其计算结果，未计入审核", "error"
    finding = cell_finding(read, ref, "formula-in-input", formula, severity=severity, formula=formula, outcome=outcome)
    return value, finding


def _formula_finding(
    read: WorkbookRead, cell: CellRef, code: str, raw: Any, rule_id: str, expected: str | None = None
) -> Finding:
    actual = str(raw) if raw is not None else None
    if code == "formula-replaced":
        number = Decimal(repr(raw)) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else raw
        shown = "空白" if raw in (None, "") else f"常数 {format_amount(number)}"
        return cell_finding(read, cell, code, actual, rule=rule_id, shown=shown)
    return cell_finding(read, cell, code, actual, formula=raw, expected_formula=expected)


def _year(identity: str | None, default: int) -> int:
    """The year of the identity properties (written by xlreport; anything else: the edition's)."""
    try:
        year = int(Decimal(identity)) if identity else default
    except (ArithmeticError, ValueError):
        return default
    return year if 1900 <= year <= 2200 else default


def build_report(read: WorkbookRead, values: dict[CellRef, Value]) -> tuple[Report | None, list[Finding]]:
    """The report model of what was read (derived cells as recomputed); problems become findings."""
    edition: Edition = read.edition
    meta = {
        "unit_name": read.identity.get("unit_name") or "（未知单位）",
        "year": _year(read.identity.get("year"), edition.info.year),
        "edition": edition.id,
        "amount_unit": read.identity.get("amount_unit"),
        "unit_type": read.identity.get("unit_type"),
    }
    cards = [(c["sid"], c["budget"], c["indicators"]) for c in read.scorecards]
    data = assemble(edition, meta, read.codes, values, cards)
    data["narrative"] = {k: format(v, "f") for k, v in read.narrative.items()}
    known = edition.narrative_text.reasons if edition.narrative_text is not None else {}
    data["reasons"] = {k: v for k, v in read.reasons.items() if k in known}
    if read.pasted_text and edition.narrative_text is not None:
        data["narrative_text"] = read.pasted_text  # checked against the tables like --narrative
    try:
        return report_model(edition.id).model_validate(data), []
    except ValidationError as exc:
        findings = [
            make(
                "invalid-value",
                {
                    "where": describe_loc(edition, tuple(e["loc"]), data),
                    "detail": str(e["msg"]).removeprefix("Value error, "),
                },
            )
            for e in exc.errors()
        ]
        return None, findings
