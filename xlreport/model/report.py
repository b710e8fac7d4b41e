"""The report model: generated per edition from its table descriptions.

``report_model(edition)`` builds pydantic classes whose fields are exactly the edition's rows and
columns, so that the JSON Schema of the input format, the validation of input and the error
locations all come from the one description. A :class:`Report` holds meta, tables and scorecards.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from ..editions.loader import on_editions_changed
from ..editions.spec import Edition, PanelSpec, RowSpec, TableSpec
from .scorecard import HEADER_FIELDS, SUMMARY_FIELDS, Scorecard, budget_row_key, indicator_row_key
from .values import Amount, CellRef, Count, FunctionCode, Number, Value, code_level, level_name, parent_code

SCHEMA_VERSION = "1"

UnitType = Literal["行政", "参公", "事业"]
AmountUnit = Literal["元", "万元"]


class ReportMeta(BaseModel):
    """部门/单位名称, 年度, edition, 金额单位, unit type."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit_name: str = Field(min_length=1, description="部门（单位）名称")
    year: int = Field(ge=1990, le=2100, description="年度")
    edition: str = Field(description="表样版本（editions/data 下的目录名）")
    amount_unit: AmountUnit | None = Field(None, description="金额单位；缺省时取表样版本的单位")
    unit_type: UnitType | None = Field(None, description="单位类型：行政 / 参公（参照公务员法管理事业单位）/ 事业")


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


def field_name(key: str) -> str:
    return key if key.isidentifier() else f"k_{key}"


def _row_model(
    table: TableSpec, panel: PanelSpec, row: RowSpec | None, name: str, skip: tuple[str, ...] = ()
) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for col in panel.value_columns():
        if (row is not None and row.inputs is not None and col.key not in row.inputs) or col.key in skip:
            continue
        kind = "count" if (row is not None and row.kind == "count") or col.role == "count" else "amount"
        typ = Count if kind == "count" else Amount
        fields[field_name(col.key)] = (typ, Field(None, alias=col.key, description=col.label))
    return create_model(name, __base__=_Table, **fields)


class CodedRowBase(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True, defer_build=True)

    code: FunctionCode = Field(description="功能分类科目编码（类3位、款5位、项7位）")
    name: str = Field("", description="科目名称")


class CodedTableBase(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    @model_validator(mode="after")
    def _hierarchy(self) -> CodedTableBase:
        rows = getattr(self, "rows", [])
        seen: dict[str, int] = {}
        errors: list[str] = []
        for i, row in enumerate(rows):
            if row.code in seen:
                errors.append(f"第{i + 1}行科目编码{row.code}与第{seen[row.code] + 1}行重复")
            seen[row.code] = i
        for i, row in enumerate(rows):
            parent = parent_code(row.code)
            if parent is not None and parent not in seen:
                level, above = level_name(row.code), level_name(parent)
                errors.append(f"第{i + 1}行{level}{row.code}缺少其{above}级科目{parent}")
        if errors:
            raise ValueError("；".join(errors))
        return self


def _table_model(edition: Edition, table: TableSpec) -> type[BaseModel]:
    prefix = f"{edition.id.replace('-', '_')}_{table.id}"
    coded = table.coded
    if coded is not None:
        panel = table.panels[0]
        values = _row_model(table, panel, None, f"{prefix}_Values", skip=coded.total_blank)
        row_fields = {
            field_name(c.key): (Amount, Field(None, alias=c.key, description=c.label)) for c in panel.value_columns()
        }
        row_model = create_model(f"{prefix}_Row", __base__=CodedRowBase, **row_fields)
        return create_model(
            prefix,
            __base__=CodedTableBase,
            __doc__=f"{table.sheet} {table.title}",
            total=(values | None, Field(None, description=coded.total_label)),
            rows=(list[row_model], Field(default_factory=list, description="类/款/项科目行，按打印顺序")),  # type: ignore[valid-type]
        )
    fields: dict[str, Any] = {}
    shared: dict[tuple[tuple[str, str], ...], type[BaseModel]] = {}  # one model per column signature
    for panel, row in table.fixed_rows():
        assert row.key is not None
        signature = tuple(
            (c.key, "count" if row.kind == "count" or c.role == "count" else "amount")
            for c in panel.value_columns()
            if row.inputs is None or c.key in row.inputs
        )
        if signature not in shared:
            shared[signature] = _row_model(table, panel, row, f"{prefix}_Row{len(shared) + 1}")
        model = shared[signature]
        desc = " ".join(x for x in (f"行次{row.line}" if row.line else "", row.title) if x)
        fields[field_name(row.key)] = (model | None, Field(None, alias=row.key, description=desc))
    return create_model(prefix, __base__=_Table, __doc__=f"{table.sheet} {table.title}", **fields)


class Report(BaseModel):
    """A whole 部门决算公开 report of one edition (subclassed per edition by :func:`report_model`)."""

    model_config = ConfigDict(extra="forbid")

    meta: ReportMeta
    scorecards: list[Scorecard] = Field(default_factory=list, description="项目支出绩效自评表")
    narrative: dict[str, Number] = Field(
        default_factory=dict,
        description="情况说明的输入：上年数、年初预算等（键为表样 narrative 中 kind = input 的 id）",
    )

    reasons: dict[str, str] = Field(
        default_factory=dict,
        description="情况说明中由人填写的文字：变动原因、用途等（键为表样 narrative.toml [text.reasons] 的 id）",
    )
    narrative_text: str | None = Field(
        None, description="已写好的第三部分情况说明全文：审核时逐句核对其中的数字（规则族 N）"
    )

    @model_validator(mode="after")
    def _narrative_inputs(self) -> Report:
        if self.narrative:
            known = {n.id for n in self.edition.narrative if n.kind == "input"}
            unknown = sorted(set(self.narrative) - known)
            if unknown:
                raise ValueError(f"情况说明没有这些输入项：{'、'.join(unknown)}")
        if self.reasons:
            text = self.edition.narrative_text
            known_reasons = set(text.reasons) if text is not None else set()
            unknown = sorted(set(self.reasons) - known_reasons)
            if unknown:
                raise ValueError(f"情况说明没有这些文字项：{'、'.join(unknown)}")
        return self

    @property
    def edition(self) -> Edition:
        from ..editions import load_edition

        return load_edition(self.meta.edition)

    # -- the flat view every consumer uses
    def table_data(self, table_id: str) -> BaseModel:
        return getattr(self.tables, table_id)  # type: ignore[attr-defined]

    def codes(self, table_id: str) -> list[tuple[str, str]]:
        """(code, name) of a coded table's rows, in order."""
        data = self.table_data(table_id)
        return [(r.code, r.name) for r in getattr(data, "rows", [])]

    def cells(self) -> dict[CellRef, Value]:
        """Every non-blank cell of the report as ``CellRef → value`` (blank cells are absent)."""
        return dict(_iter_cells(self))

    def table_cells(self) -> dict[CellRef, Value]:
        """The non-blank cells of the report's tables (:meth:`cells` without the scorecards)."""
        return dict(_iter_table_cells(self))


def _iter_cells(report: Report) -> Iterator[tuple[CellRef, Value]]:
    yield from _iter_table_cells(report)
    for n, card in enumerate(report.scorecards):
        yield from scorecard_cells(f"S{n + 1}", card)


def _iter_table_cells(report: Report) -> Iterator[tuple[CellRef, Value]]:
    edition = report.edition
    for table in edition.tables:
        data = report.table_data(table.id)
        if table.coded is not None:
            total = getattr(data, "total", None)
            if total is not None:
                for key, v in total.model_dump(by_alias=True).items():
                    if v is not None:
                        yield CellRef(table.id, table.coded.total_key, key), _as_value(v)
            for row in getattr(data, "rows", []):
                for key, v in row.model_dump(by_alias=True).items():
                    if key not in ("code", "name") and v is not None:
                        yield CellRef(table.id, row.code, key), _as_value(v)
        else:
            for _, row in table.fixed_rows():
                assert row.key is not None
                values = getattr(data, field_name(row.key), None)
                if values is None:
                    continue
                for key, v in values.model_dump(by_alias=True).items():
                    if v is not None:
                        yield CellRef(table.id, row.key, key), _as_value(v)


def _as_value(v: object) -> Value:
    if isinstance(v, int) and not isinstance(v, bool):
        return Decimal(v)
    return v  # type: ignore[return-value]


def scorecard_cells(sid: str, card: Scorecard) -> Iterator[tuple[CellRef, Value]]:
    for col in HEADER_FIELDS:
        v = getattr(card, col)
        if v is not None:
            yield CellRef(sid, "info", col), v
    for i, line in enumerate(card.budget):
        key = budget_row_key(i)
        for col, v in line.model_dump().items():
            if v is not None and col != "source":
                yield CellRef(sid, key, col), v
        yield CellRef(sid, key, "source"), line.source
    for i, ind in enumerate(card.indicators):
        key = indicator_row_key(i)
        for col, v in ind.model_dump().items():
            if v is not None:
                yield CellRef(sid, key, col), v
        parsed = ind.parsed_target
        if parsed is not None:
            yield CellRef(sid, key, "target_op"), parsed[0]
            yield CellRef(sid, key, "target_value"), parsed[1]
        if ind.actual_value is not None:
            yield CellRef(sid, key, "actual_value"), ind.actual_value
    for col in SUMMARY_FIELDS:
        v = getattr(card, col)
        if v is not None:
            yield CellRef(sid, "summary", col), v


@cache
def report_model(edition_id: str) -> type[Report]:
    """The pydantic model of a whole report in edition ``edition_id``."""
    from ..editions import load_edition

    edition = load_edition(edition_id)
    prefix = edition.id.replace("-", "_")
    table_fields: dict[str, Any] = {
        t.id: (_table_model(edition, t), Field(default_factory=dict, description=f"{t.sheet} {t.title}"))
        for t in edition.tables
    }
    tables = create_model(f"{prefix}_Tables", __base__=_Table, **table_fields)
    return create_model(
        f"Report_{prefix}",
        __base__=Report,
        __doc__=f"部门决算公开报告（{edition.info.name}）",
        tables=(tables, Field(default_factory=dict, description="各张公开表")),
    )


on_editions_changed(report_model.cache_clear)  # an edition found anew is a new model


def code_rows_valid(codes: list[str]) -> list[str]:
    """Codes whose parent row is missing (for readers that build rows before the model)."""
    present = set(codes)
    return [c for c in codes if (p := parent_code(c)) is not None and p not in present]


__all__ = [
    "SCHEMA_VERSION",
    "Report",
    "ReportMeta",
    "code_level",
    "code_rows_valid",
    "field_name",
    "report_model",
    "scorecard_cells",
]
