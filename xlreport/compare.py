"""同比: this year's report against last year's, cell by cell, the way Part 3 of a report states a change.

For every table cell that has a value in either year (fixed rows by row key, coded tables by 功能分类
code): both values, the change Δ = this − last and the rate Δ / last as a percentage with two decimals
(Decimal, half away from zero, as the published texts print it: 38.83%). A zero or blank base has no
rate (上年无此项). Rows present in one year only are marked 新增 (new) or 本年无此项 (gone). A change is
flagged as needing an explanation in Part 3 when its rate exceeds the edition's threshold (``[compare]``
in edition.toml: ±10% by default) — or it has no rate — and the amount changed is at least the
edition's minimum; counts (vehicles) are flagged by the rate alone.

:func:`read_previous` is the one reading of last year's report (a workbook or a JSON report), for this
command and for anything else that needs last year's figures (the narrative's ``--previous``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from .editions.spec import CompareSpec, Edition
from .errors import CompareError
from .model.report import Report
from .model.units import per_yuan, to_wanyuan
from .model.values import CellRef, code_order
from .validation.labels import Labeler

Status = Literal["changed", "same", "new", "gone"]
STATUS_LABEL: dict[str, str] = {"changed": "变动", "same": "持平", "new": "新增", "gone": "本年无此项"}
NO_BASE = "上年无此项"
PERCENT = Decimal("0.01")

Source = str | os.PathLike[str] | bytes | dict[str, Any] | Report


def read_previous(source: Source) -> Report:
    """Last year's report from a workbook, a JSON report (path or bytes), a dict or a Report."""
    from .api import read_report

    return read_report(source)


_CHANGE = re.compile(r"^(?P<this>.+?)\s*-\s*N\[input\]\.(?P<input>\w+)\s*$")


def previous_inputs(last: Report, edition: Edition | None = None) -> dict[str, Decimal]:
    """The 情况说明 inputs that last year's report answers (上年收入总计 …), by input id, computed from it.

    Read from the narrative data itself: an item ``<this year's figure> - N[input].<id>`` (a 同比 change)
    says the input is that figure in last year's report, so nothing is written twice. ``edition``: this
    year's (default: last year's). Inputs of other kinds (年初预算) are not last year's figures: absent."""
    from .rules.expr import Undefined
    from .rules.parser import RuleSyntaxError, parse_expr
    from .rules.shape import ShapeResolver
    from .validation.engine import shape_of

    resolver = ShapeResolver(shape_of(last))
    cells = last.cells()
    out: dict[str, Decimal] = {}
    for item in (edition or last.edition).narrative:
        found = _CHANGE.match(item.expr or "") if item.foreach_row is None else None
        if found is None or found["input"] in out:
            continue
        try:
            value = parse_expr(found["this"], resolver).evaluate(cells.get)
        except (RuleSyntaxError, Undefined, KeyError):
            continue  # a figure last year's edition does not have
        if isinstance(value, Decimal):
            out[found["input"]] = value
    return out


def change_rate(this: Decimal | None, last: Decimal | None) -> Decimal | None:
    """(this − last) / last as a percentage with two decimals (−38.83 for −38.83%); None on a zero or blank
    base. The one computation of a 同比 rate."""
    if last is None or last == 0:
        return None
    delta = (this or Decimal(0)) - last
    return (delta * 100 / last).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ComparisonLine:
    """One cell in both years."""

    table: str
    sheet: str
    row: str  # row key or 功能分类 code
    line: int | None  # 行次
    code: str | None
    row_label: str
    column: str
    seq: str | None  # 栏次
    column_label: str
    kind: Literal["amount", "count"]
    this: Decimal | None
    last: Decimal | None
    status: Status
    flagged: bool  # Part 3 should explain this change

    @property
    def ref(self) -> CellRef:
        return CellRef(self.table, self.row, self.column)

    @property
    def delta(self) -> Decimal:
        return (self.this or Decimal(0)) - (self.last or Decimal(0))

    @property
    def rate(self) -> Decimal | None:
        """The rate in percent, two decimals; None on a zero or blank base (上年无此项)."""
        return change_rate(self.this, self.last)

    @property
    def where(self) -> str:
        """公开01 行次31 总计·决算数（栏次1）."""
        parts = [self.sheet]
        if self.line is not None:
            parts.append(f"行次{self.line}")
        if self.code and self.code != self.row_label:
            parts.append(self.code)
        parts.append(self.row_label)
        return " ".join(p for p in parts if p) + "·" + self.column_label + (f"（栏次{self.seq}）" if self.seq else "")

    def as_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "table": self.table,
            "sheet": self.sheet,
            "row": self.row,
            "line": self.line,
            "code": self.code,
            "row_label": self.row_label,
            "column": self.column,
            "seq": self.seq,
            "column_label": self.column_label,
            "kind": self.kind,
            "this": _text(self.this),
            "last": _text(self.last),
            "delta": _text(self.delta),
            "rate": _text(rate),
            "rate_note": NO_BASE if rate is None and self.delta != 0 else "",
            "status": self.status,
            "flagged": self.flagged,
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


@dataclass
class Comparison:
    """This year against last year: one line per cell, in printed order."""

    unit_name: str
    this_year: int
    last_year: int
    amount_unit: str
    threshold: CompareSpec
    lines: list[ComparisonLine]
    notes: list[str] = field(default_factory=list)
    _index: dict[CellRef, ComparisonLine] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {line.ref: line for line in self.lines}

    def line(self, table: str, row: str, column: str) -> ComparisonLine | None:
        return self._index.get(CellRef(table, row, column))

    def last_value(self, table: str, row: str, column: str) -> Decimal | None:
        """Last year's value of a cell (in this year's amount unit); None when blank."""
        found = self.line(table, row, column)
        return None if found is None else found.last

    @property
    def flagged(self) -> list[ComparisonLine]:
        return [line for line in self.lines if line.flagged]

    def threshold_text(self) -> str:
        rate = (self.threshold.rate * 100).normalize()
        least = f"{self.threshold.min_amount:,.2f}{self.amount_unit}"
        return f"增减率超过±{format(rate, 'f')}%（或上年无此项）且增减额不少于{least}的变动需在情况说明中解释"


def _numbers(report: Report, factor: Decimal | None, edition: Edition) -> dict[CellRef, Decimal]:
    """Table cells with a number, converted into the other year's unit when ``factor`` says so."""
    tables = {t.id for t in edition.tables}
    out: dict[CellRef, Decimal] = {}
    for ref, v in report.cells().items():
        if ref.table in tables and isinstance(v, Decimal):
            out[ref] = v if factor is None or _kind(edition, ref) == "count" else _convert(v, factor)
    return out


def _convert(value: Decimal, factor: Decimal) -> Decimal:
    return to_wanyuan(value) if factor < 1 else value * factor


def _kind(edition: Edition, ref: CellRef) -> Literal["amount", "count"]:
    table = edition.table(ref.table)
    if table.coded is None:
        found = table.row(ref.row)
        column = table.column(ref.row, ref.col)
        if (found is not None and found[1].kind == "count") or (column is not None and column.role == "count"):
            return "count"
    return "amount"


def _order(edition: Edition, refs: set[CellRef]) -> list[CellRef]:
    """Cells in printed order: tables in order; fixed rows as printed, coded tables 合计 then codes."""
    tables = {t.id: i for i, t in enumerate(edition.tables)}
    position: dict[tuple[str, str], int] = {}
    columns: dict[tuple[str, str], int] = {}
    for table in edition.tables:
        for i, (panel, row) in enumerate(table.fixed_rows()):
            position[(table.id, row.key or "")] = i
            for j, c in enumerate(panel.value_columns()):
                columns[(table.id, c.key)] = min(j, columns.get((table.id, c.key), j))
        if table.coded is not None:
            for j, c in enumerate(table.panels[0].value_columns()):
                columns[(table.id, c.key)] = j

    def key(ref: CellRef) -> tuple[Any, ...]:
        table = edition.table(ref.table) if ref.table in tables else None
        coded = table is not None and table.coded is not None
        if coded and table is not None and ref.row != table.coded.total_key:  # type: ignore[union-attr]
            row_key: tuple[Any, ...] = (1, code_order(ref.row))
        elif coded:
            row_key = (0, ())
        else:
            row_key = (0, (position.get((ref.table, ref.row), 10**6),))
        return (tables.get(ref.table, 99), row_key, columns.get((ref.table, ref.col), 99), ref.col)

    return sorted(refs, key=key)


def _rows_present(report: Report, edition: Edition, numbers: dict[CellRef, Decimal]) -> set[tuple[str, str]]:
    """(table, row) of the rows a report has: coded rows by their code (a row with a code is there even
    when blank), fixed rows when any cell has a value."""
    rows = {(ref.table, ref.row) for ref in numbers}
    for table in edition.tables:
        if table.coded is not None:
            rows |= {(table.id, code) for code, _ in report.codes(table.id)}
    return rows


def compare_reports(this: Report, last: Report) -> Comparison:
    """Every table cell of ``this`` year's report against ``last`` year's (rows matched by key and code)."""
    edition = this.edition
    unit = this.meta.amount_unit or edition.info.amount_unit
    last_unit = last.meta.amount_unit or last.edition.info.amount_unit
    notes = []
    factor = None
    if last_unit != unit:
        factor = per_yuan(last_unit) / per_yuan(unit)
        notes.append(f"上年报表的金额单位为{last_unit}，已换算为{unit}后比较")
    if last.meta.year >= this.meta.year:
        notes.append(f"上年报表的年度为{last.meta.year}，不早于本年报表的{this.meta.year}年度")
    if last.edition.info.region != edition.info.region:
        raise CompareError(
            f"不能比较：两份报表的表样版本属于不同地区（{this.meta.edition}：{edition.info.region}；"
            f"{last.meta.edition}：{last.edition.info.region}），各表的行和栏不对应"
        )
    if last.meta.edition != this.meta.edition:
        notes.append(f"两年的表样版本不同（{this.meta.edition}、{last.meta.edition}），按相同的行、栏和科目编码比较")
    if "".join(last.meta.unit_name.split()) != "".join(this.meta.unit_name.split()):
        notes.append(
            f"两份报表的单位名称不同（本年：{this.meta.unit_name}；上年：{last.meta.unit_name}），请核对是否同一单位"
        )
    now = _numbers(this, None, edition)
    before = _numbers(last, factor, last.edition)
    rows_now = _rows_present(this, edition, now)
    rows_before = _rows_present(last, last.edition, before)
    names = {t.id: {**dict(last.codes(t.id)), **dict(this.codes(t.id))} for t in edition.tables if t.coded}
    labeler = Labeler(edition, names)
    known = {t.id for t in edition.tables}
    spec = edition.compare
    lines = []
    for ref in _order(edition, {r for r in (*now, *before) if r.table in known}):
        a, b = now.get(ref), before.get(ref)
        if (ref.table, ref.row) not in rows_before:
            status: Status = "new"
        elif (ref.table, ref.row) not in rows_now:
            status = "gone"
        else:
            status = "same" if (a or 0) == (b or 0) else "changed"
        kind = _kind(edition, ref)
        delta = (a or Decimal(0)) - (b or Decimal(0))
        beyond = b is None or b == 0 or abs(delta) > spec.rate * abs(b)  # exact, not the printed rate
        flagged = delta != 0 and beyond and (kind == "count" or abs(delta) >= spec.min_amount)
        row, col = labeler.row(ref), labeler.column(ref)
        lines.append(
            ComparisonLine(
                table=ref.table,
                sheet=labeler.sheet(ref.table),
                row=ref.row,
                line=row.line,
                code=row.code,
                row_label=row.label,
                column=ref.col,
                seq=col.seq,
                column_label=col.label,
                kind=kind,
                this=a,
                last=b,
                status=status,
                flagged=flagged,
            )
        )
    return Comparison(
        unit_name=this.meta.unit_name,
        this_year=this.meta.year,
        last_year=last.meta.year,
        amount_unit=unit,
        threshold=spec,
        lines=lines,
        notes=notes,
    )


def compare(this: Source, last: Source) -> Comparison:
    """This year's report (workbook, JSON report, dict or Report) against last year's."""
    from .api import read_report

    return compare_reports(read_report(this), read_previous(last))


# ---------------------------------------------------------------------- outputs
def _amount(value: Decimal | None, kind: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if kind == "count" else f"{value:,.2f}"


def rate_text(line: ComparisonLine) -> str:
    """The rate as Part 3 prints it: −38.83%, 持平, or 上年无此项 on a zero or blank base."""
    rate = line.rate
    if line.delta == 0:
        return "持平"
    return NO_BASE if rate is None else f"{rate:+.2f}%"


def to_text(result: Comparison) -> str:
    out = [
        f"同比：{result.unit_name} {result.this_year}年度 对比 {result.last_year}年度"
        f"（金额单位：{result.amount_unit}）",
        f"标准：{result.threshold_text()}",
    ]
    out += [f"说明：{note}" for note in result.notes]
    for line in result.lines:
        mark = "" if line.status in ("changed", "same") else f"〔{STATUS_LABEL[line.status]}〕"
        flag = "  ※需说明" if line.flagged else ""
        out.append(
            f"{line.where}{mark}：本年 {_amount(line.this, line.kind)}，上年 {_amount(line.last, line.kind)}，"
            f"增减 {_amount(line.delta, line.kind)}，{rate_text(line)}{flag}"
        )
    out.append(summary_line(result))
    return "\n".join(out) + "\n"


def summary_line(result: Comparison) -> str:
    counts = {s: sum(line.status == s for line in result.lines) for s in STATUS_LABEL}
    return (
        f"共 {len(result.lines)} 项：变动 {counts['changed']}，持平 {counts['same']}，新增 {counts['new']}，"
        f"本年无此项 {counts['gone']}；需在情况说明中解释 {len(result.flagged)} 项"
    )


def to_json(result: Comparison) -> str:
    doc = {
        "unit_name": result.unit_name,
        "this_year": result.this_year,
        "last_year": result.last_year,
        "amount_unit": result.amount_unit,
        "threshold": {
            "rate": format(result.threshold.rate, "f"),
            "min_amount": format(result.threshold.min_amount, "f"),
        },
        "notes": result.notes,
        "lines": [line.as_dict() for line in result.lines],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = [
    "table",
    "sheet",
    "row",
    "line",
    "code",
    "row_label",
    "column",
    "seq",
    "column_label",
    "kind",
    "this",
    "last",
    "delta",
    "rate",
    "rate_note",
    "status",
    "flagged",
]


def csv_rows(result: Comparison) -> Iterator[list[Any]]:
    yield CSV_COLUMNS
    for line in result.lines:
        d = line.as_dict()
        yield ["" if d[k] is None else d[k] for k in CSV_COLUMNS]


def to_csv(result: Comparison) -> str:
    from .validation.output import safe_field

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([safe_field(v) for v in row] for row in csv_rows(result))
    return buf.getvalue()


__all__ = [
    "Comparison",
    "ComparisonLine",
    "change_rate",
    "compare",
    "compare_reports",
    "previous_inputs",
    "rate_text",
    "read_previous",
    "to_csv",
    "to_json",
    "to_text",
]
