"""汇总: a department's consolidated report from its units' returns (its own 本级 and its subordinate units).

Every return (a workbook or a JSON report) is validated first, through the validate API. Returns of one
edition, year and amount unit are then added up cell by cell: fixed rows by their row key (the
部门预算支出经济分类 rows of 公开06 by their economic code), coded tables by 功能分类 code (the union of
the returns' codes, in code order, each named as most returns name it; names that disagree are reported),
counts (vehicles …) summed like amounts, the 情况说明 inputs summed, and every project's scorecard kept
as it was returned. Printed totals are summed as returned, not recomputed, so a unit merged with
``force`` passes its inconsistencies on to the department's report, where validation reports them.

Rounding (DOMAIN.md §3). Returns in 元 are summed exactly. When the edition prints 万元 and the returns
carry 元 values, every cell is summed in 元 and then divided by 10,000 and rounded half up to two
decimals once, at the end (the way the official software consolidates): a total may then differ from
the sum of its printed parts by a few cents, which the validator's interval rule reports as a rounding
note. Returns in 万元 are summed as printed, without any rounding: their rounding differences add up,
and a relation whose accumulated difference exceeds the interval rule's bound is an error of the
consolidated report (the validator decides; nothing is adjusted).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from .editions.spec import Edition
from .errors import MergeError, UnitsInvalidError
from .gc_policy import fewer_full_collections
from .model.assemble import assemble
from .model.report import Report, report_model
from .model.units import to_wanyuan
from .model.values import CellRef, Value, code_order
from .validation.engine import check_report
from .validation.findings import Finding
from .validation.result import FileResult

Source = str | os.PathLike[str] | bytes | dict[str, Any] | Report

_LISTED = 3  # files named per group in a refusal


@dataclass(frozen=True)
class UnitReturn:
    """One return taking part in the consolidation: where it came from, its validation and its report."""

    source: str
    result: FileResult
    report: Report
    is_self: bool = False  # the department's own 本级 return

    @property
    def unit_name(self) -> str:
        return self.report.meta.unit_name

    @property
    def errors(self) -> int:
        return self.result.counts.error

    @cached_property
    def cells(self) -> dict[CellRef, Value]:
        """The return's table cells (scorecards excluded)."""
        return self.report.table_cells()


@dataclass(frozen=True)
class NameConflict:
    """One 功能分类 code that the returns name differently."""

    table: str
    code: str
    chosen: str
    names: tuple[tuple[str, tuple[str, ...]], ...]  # (name, the units that give it), most common first

    def message(self, edition: Edition) -> str:
        sheet = edition.table(self.table).sheet
        each = "；".join(f"“{name}”（{'、'.join(_few(units))}）" for name, units in self.names)
        return f"{sheet} 科目{self.code}的名称不一致：{each}；汇总表用“{self.chosen}”"


@dataclass
class Consolidation:
    """A consolidated report and how it was made."""

    report: Report
    units: list[UnitReturn]
    findings: list[Finding]  # the consolidated report's validation
    name_conflicts: list[NameConflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Chinese sentences: rounding, forced units, partial inputs
    source_unit: str = "元"  # the amount unit of the returns
    converted: bool = False  # 元 returns consolidated into a 万元 report
    _unit_cells: list[dict[CellRef, Value]] = field(init=False, repr=False, default_factory=list)

    @property
    def forced(self) -> list[UnitReturn]:
        """Units merged although their returns have errors."""
        return [u for u in self.units if u.errors]

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def total_cells(self) -> list[CellRef]:
        return table_totals(self.report.edition)

    def contributions(self, ref: CellRef) -> list[Value]:
        """Each unit's value of ``ref`` as returned (in :attr:`source_unit`), in unit order."""
        return [cells.get(ref) for cells in self._unit_cells]

    def __post_init__(self) -> None:
        self._unit_cells = [u.cells for u in self.units]


def table_totals(edition: Edition) -> list[CellRef]:
    """The total cells of every table, in table order: a coded table's 合计 row; the printed total rows
    (bold, not an economic code) of a fixed table; every cell of a table of one row (公开07)."""
    out: list[CellRef] = []
    for table in edition.tables:
        if table.coded is not None:
            out += [CellRef(table.id, table.coded.total_key, c.key) for c in table.panels[0].value_columns()]
            continue
        rows = table.fixed_rows()
        chosen = rows if len(rows) == 1 else [(p, r) for p, r in rows if r.bold and "econ" not in r.groups]
        for panel, row in chosen:
            assert row.key is not None
            out += [CellRef(table.id, row.key, c.key) for c in table.value_columns_of(panel, row)]
    return out


# ---------------------------------------------------------------------- reading the returns
def _label(source: Source, n: int) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return f"<{type(source).__name__} {n + 1}>"


def _read_path(path: str) -> tuple[FileResult, dict[str, Any] | None]:
    """Worker: one file validated; the report as JSON data (a generated model class does not pickle)."""
    from .api import validate_file

    result = validate_file(path)
    report = result.report
    data = report.model_dump(mode="json", by_alias=True, exclude_none=True) if report is not None else None
    return result.without_report(), data


def read_returns(sources: Sequence[Source], jobs: int = 1) -> list[FileResult]:
    """Every source validated (the validate API), its report attached; files in ``jobs`` processes."""
    from .api import validate_file

    paths = [str(s) for s in sources if isinstance(s, (str, os.PathLike))]
    done: dict[str, FileResult] = {}
    if jobs > 1 and len(paths) >= 4:  # below that, starting processes costs more than it saves
        from concurrent.futures import ProcessPoolExecutor

        chunk = max(1, min(16, len(paths) // (jobs * 4) or 1))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for path, (result, data) in zip(paths, pool.map(_read_path, paths, chunksize=chunk), strict=True):
                if data is not None and result.edition is not None:
                    result = result.model_copy(update={"report": report_model(result.edition).model_validate(data)})
                done[path] = result
    out = []
    for s in sources:
        key = str(s) if isinstance(s, (str, os.PathLike)) else None
        out.append(done[key] if key in done else validate_file(s))
    return out


# ---------------------------------------------------------------------- refusals
def _few(items: Sequence[str]) -> list[str]:
    shown = list(items[:_LISTED])
    if len(items) > _LISTED:
        shown[-1] += f" 等{len(items)}个"
    return shown


def _refuse_mixed(units: list[UnitReturn], what: str, key: Any) -> None:
    groups: dict[str, list[str]] = {}
    for u in units:
        groups.setdefault(str(key(u)), []).append(u.source)
    if len(groups) > 1:
        each = "；".join(f"{value}：{'、'.join(_few(files))}" for value, files in groups.items())
        raise MergeError(f"不能汇总：报表的{what}不同（{each}），只能汇总同一{what}的报表")


def _normal_name(name: str) -> str:
    return "".join(name.split())


def content_digest(report: Report) -> str | None:
    """The SHA-256 of a report's data (tables, scorecards, 情况说明 inputs; not its meta); None when it is
    blank (two blank returns are not one return sent twice)."""
    if not report.table_cells():
        return None
    text = report.model_dump_json(include={"tables", "scorecards", "narrative"})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _refuse_duplicates(units: list[UnitReturn]) -> None:
    by_name: dict[str, UnitReturn] = {}
    by_content: dict[str, UnitReturn] = {}
    found = []
    for u in units:
        name = _normal_name(u.unit_name)
        digest = content_digest(u.report)
        if name in by_name:
            found.append(f"{u.source} 与 {by_name[name].source} 的单位名称（{u.unit_name}）相同")
        elif digest is not None and digest in by_content:
            found.append(f"{u.source} 与 {by_content[digest].source} 的内容完全相同")
        by_name.setdefault(name, u)
        if digest is not None:
            by_content.setdefault(digest, u)
    if found:
        raise MergeError(f"不能汇总：同一单位的报表重复报送（{'；'.join(found)}），每个单位只能计入一次")


def _refuse_invalid(units: list[UnitReturn]) -> None:
    invalid = [u for u in units if u.errors]
    if invalid:
        each = "；".join(f"{u.unit_name}（{u.source}：错误{u.errors}个）" for u in invalid)
        raise UnitsInvalidError(
            f"有{len(invalid)}个单位的报表审核有错误，不能汇总（改正后重新报送，或用 --force 强制汇总）：{each}",
            [u.result for u in invalid],
        )


# ---------------------------------------------------------------------- adding up
def _is_count(edition: Edition, ref: CellRef) -> bool:
    table = edition.table(ref.table)
    if table.coded is not None:
        return False
    found = table.row(ref.row)
    if found is None:
        return False
    column = table.column(ref.row, ref.col)
    return found[1].kind == "count" or (column is not None and column.role == "count")


def _sum_cells(edition: Edition, cells: list[dict[CellRef, Value]]) -> tuple[dict[CellRef, Value], list[str]]:
    """Cell-wise sums (a blank stays blank unless some unit has a value); texts that differ are noted."""
    total: dict[CellRef, Value] = {}
    notes = []
    for unit in cells:
        for ref, v in unit.items():
            prev = total.get(ref)
            if isinstance(v, Decimal):
                total[ref] = v if prev is None else prev + v  # type: ignore[operator]
            elif prev is None:
                total[ref] = v
            elif prev != v:
                notes.append(f"{ref}：各单位填写的文字不同，汇总表用“{prev}”")
    return total, notes


def _codes(units: list[UnitReturn], edition: Edition) -> tuple[dict[str, list[tuple[str, str]]], list[NameConflict]]:
    """The union of each coded table's codes, in code order, each with the name most returns give it."""
    codes: dict[str, list[tuple[str, str]]] = {}
    conflicts = []
    for table in edition.tables:
        if table.coded is None:
            continue
        names: dict[str, dict[str, list[str]]] = {}
        for u in units:
            for code, name in u.report.codes(table.id):
                names.setdefault(code, {}).setdefault(name, []).append(u.unit_name)
        rows = []
        for code in sorted(names, key=code_order):
            given = names[code]
            ranked = sorted(given.items(), key=lambda kv: -len(kv[1]))  # stable: ties keep the first seen
            chosen = ranked[0][0]
            named = [(n, units) for n, units in ranked if n]
            if len(named) > 1:
                conflicts.append(NameConflict(table.id, code, chosen, tuple((n, tuple(us)) for n, us in named)))
            rows.append((code, chosen))
        codes[table.id] = rows
    return codes, conflicts


def _narrative(units: list[UnitReturn], edition: Edition, convert: bool) -> tuple[dict[str, Decimal], list[str]]:
    """The 情况说明 inputs summed: amounts (converted to 万元 with the tables) and counts; a percentage or a
    score of the units is not a figure of the department, so it is left for the department to fill."""
    sums: dict[str, Decimal] = {}
    given: Counter[str] = Counter()
    for u in units:
        for key, v in u.report.narrative.items():
            if v is not None:
                sums[key] = sums.get(key, Decimal(0)) + v
                given[key] += 1
    items = {n.id: n for n in edition.narrative}
    label = {key: items[key].label if key in items else key for key in sums}
    measure = {key: items[key].measure if key in items else "amount" for key in sums}
    unsummed = sorted((key for key in sums if measure[key] in ("percent", "score")), key=list(items).index)
    notes = []
    if unsummed:
        names = "、".join(f"“{label[k]}”" for k in unsummed)
        notes.append(f"情况说明的输入{names}是比例或得分，不能相加，汇总表留空，请部门填写")
    partial = [key for key, count in given.items() if count < len(units) and key not in unsummed]
    if partial:
        each = "、".join(f"“{label[k]}”（{given[k]}个）" for k in partial)
        notes.append(f"情况说明的输入只有部分单位填写（共{len(units)}个单位），汇总数只含填写的单位：{each}")
    sums = {k: to_wanyuan(v) if convert and measure[k] == "amount" else v for k, v in sums.items() if k not in unsummed}
    return sums, notes


def _unit_type(units: list[UnitReturn]) -> str | None:
    """The units' type when they all share it (the rules that depend on it, X12, then hold for the sum)."""
    kinds = {u.report.meta.unit_type for u in units}
    return kinds.pop() if len(kinds) == 1 else None


def amount_unit_of(report: Report) -> str:
    return report.meta.amount_unit or report.edition.info.amount_unit


@fewer_full_collections()
def consolidate_units(units: list[UnitReturn], dept: str, *, force: bool = False) -> Consolidation:
    """Add up ``units`` (already read and validated) into ``dept``'s report; raises :class:`MergeError`."""
    if not units:
        raise MergeError("不能汇总：没有报表")
    if not dept.strip():
        raise MergeError("不能汇总：没有给出部门名称")
    _refuse_mixed(units, "表样版本", lambda u: u.report.meta.edition)
    _refuse_mixed(units, "年度", lambda u: u.report.meta.year)
    _refuse_mixed(units, "金额单位", lambda u: amount_unit_of(u.report))
    _refuse_duplicates(units)
    if not force:
        _refuse_invalid(units)
    edition = units[0].report.edition
    source_unit = amount_unit_of(units[0].report)
    convert = edition.info.amount_unit == "万元" and source_unit == "元"
    values, notes = _sum_cells(edition, [u.cells for u in units])
    if convert:
        values = {
            ref: to_wanyuan(v) if isinstance(v, Decimal) and not _is_count(edition, ref) else v
            for ref, v in values.items()
        }
    codes, conflicts = _codes(units, edition)
    narrative, partial = _narrative(units, edition, convert)
    meta = {
        "unit_name": dept.strip(),
        "year": units[0].report.meta.year,
        "edition": edition.id,
        "amount_unit": edition.info.amount_unit if convert else source_unit,
        "unit_type": _unit_type(units),
    }
    data = assemble(edition, meta, codes, values)
    data["narrative"] = {k: format(v, "f") for k, v in narrative.items()}
    try:
        report = report_model(edition.id).model_validate(data)
    except ValueError as exc:  # pragma: no cover - sums of valid returns are valid; say so if not
        raise MergeError(f"不能汇总：汇总结果不是有效的报告（{exc}）") from None
    report = report.model_copy(update={"scorecards": [card for u in units for card in u.report.scorecards]})
    notes += partial
    notes += [
        f"{u.unit_name}（{u.source}）的报表审核有错误{u.errors}个，按 --force 照原数汇总" for u in units if u.errors
    ]
    notes.append(rounding_note(source_unit, convert))
    return Consolidation(
        report=report,
        units=units,
        findings=check_report(report),
        name_conflicts=conflicts,
        notes=notes,
        source_unit=source_unit,
        converted=convert,
    )


def rounding_note(source_unit: str, converted: bool) -> str:
    """How the amounts were added, in the words the 汇总明细 sheet and the command print."""
    if converted:
        return (
            "各单位报送数以元为单位：先按元逐格相加，汇总后每个数除以10000、四舍五入到两位小数（只舍入一次）；"
            "合计与其各项之和可能相差几分，由审核的尾差规则判断"
        )
    if source_unit == "万元":
        return "各单位报送数以万元为单位：按报送数直接相加，不再舍入；各单位的尾差会累积，超出尾差范围的关系由审核判断"
    return f"各单位报送数以{source_unit}为单位：按报送数逐格相加，不舍入"


@fewer_full_collections()
def consolidate(
    returns: Sequence[Source],
    dept: str,
    *,
    self_return: Source | None = None,
    force: bool = False,
    jobs: int = 1,
) -> Consolidation:
    """The consolidated (汇总) report of ``dept`` from its units' ``returns`` (workbook or JSON report paths,
    JSON bytes, dicts or Reports) and its own ``self_return`` (本级), with how it was made.

    Raises :class:`MergeError` (one Chinese sentence naming the files) when a return cannot be read, when
    returns differ in edition, year or amount unit, or when a unit is there twice (the same 单位名称, or
    the same data); :class:`UnitsInvalidError` when returns have errors, unless ``force``."""
    sources: list[Source] = ([self_return] if self_return is not None else []) + list(returns)
    results = read_returns(sources, jobs)
    unreadable = [(s, r) for s, r in zip(sources, results, strict=True) if r.report is None]
    if unreadable:
        each = "；".join(
            f"{_label(s, i)}（{r.findings[0].message if r.findings else '无法读取'}）"
            for i, (s, r) in enumerate(unreadable)
        )
        raise MergeError(f"不能汇总：有{len(unreadable)}个文件无法读取：{each}")
    units = [
        UnitReturn(_label(s, i), r, r.report, is_self=self_return is not None and i == 0)
        for i, (s, r) in enumerate(zip(sources, results, strict=True))
    ]
    return consolidate_units(units, dept, force=force)


def merge_returns(
    returns: Sequence[Source], dept: str, *, self_return: Source | None = None, force: bool = False
) -> Report:
    """The consolidated report of ``dept`` (see :func:`consolidate`)."""
    return consolidate(returns, dept, self_return=self_return, force=force).report


@fewer_full_collections()
def write_consolidation(path: str | os.PathLike[str], result: Consolidation) -> Path:
    """The consolidated workbook (live formulas, 审核 sheet, 情况说明) with its 汇总明细 sheet."""
    from .write.consolidation import ConsolidationDetail, DetailUnit, detail_sheet, sources_sheet
    from .write.writer import write_report

    edition = result.report.edition
    totals = result.total_cells()
    detail = ConsolidationDetail(
        units=[
            DetailUnit(
                u.unit_name,
                u.source,
                "通过" if not u.errors else f"错误{u.errors}个（强制汇总）",
                u.is_self,
                tuple(card.project_name for card in u.report.scorecards),
            )
            for u in result.units
        ],
        totals=totals,
        contributions={ref: result.contributions(ref) for ref in totals},
        counts=frozenset(ref for ref in totals if _is_count(edition, ref)),
        source_unit=result.source_unit,
        converted=result.converted,
        notes=[*(c.message(edition) for c in result.name_conflicts), *result.notes, *_scorecard_note(result)],
    )
    sheets = [detail_sheet(detail), sources_sheet(detail)]
    return write_report(path, result.report, extra_sheets=sheets, audit_scorecards=False).path


def _scorecard_note(result: Consolidation) -> list[str]:
    """What the 审核 sheet of the consolidated workbook leaves out: the scorecards' checks that hold."""
    cards = len(result.report.scorecards)
    if not cards:
        return []
    return [
        f"各项目绩效自评表（{cards}张）照各单位报送保留，已随各单位报表逐表审核；“审核”表列出汇总各表的全部勾稽关系，"
        "绩效自评表的关系只列出未通过的。在本工作簿中改动绩效自评表后，请用 xlreport validate 重新审核"
    ]


__all__ = [
    "Consolidation",
    "NameConflict",
    "UnitReturn",
    "consolidate",
    "consolidate_units",
    "content_digest",
    "merge_returns",
    "read_returns",
    "table_totals",
    "write_consolidation",
]
