"""What a check reports: a :class:`Finding`, located by table, row, column (and sheet/cell in a workbook)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, computed_field

from ..editions.spec import Severity

# Decimals travel as exact decimal text in JSON; the schema says so itself (not pydantic's version-dependent form)
DecimalOrText = Annotated[
    Decimal | str | None, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]})
]
DecimalValue = Annotated[
    Decimal | None, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]})
]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class RowLocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str = Field(description="行的键（行标识或科目编码）")
    line: int | None = Field(None, description="行次")
    code: str | None = Field(None, description="科目编码")
    label: str = Field("", description="行标签（项目或科目名称）")


class ColumnLocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str = Field(description="栏的键")
    seq: str | None = Field(None, description="栏次")
    label: str = Field("", description="栏标签")


class NarrativeLocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    section: str = Field(description="情况说明的部分，如 五（二）")
    sentence: int | None = Field(None, description="该部分中的第几句（以。；分句）")
    quote: str = Field("", description="原文（所在句）")
    text: str = Field("", description="原文中的数字或词语")


class Finding(BaseModel):
    """One problem (or note) found in a report."""

    model_config = ConfigDict(frozen=True)

    rule_id: str = Field(description="规则编号，如 R10-1、X03-201、K4")
    family: str = Field(description="规则族，如 R10")
    code: str = Field(description="稳定的英文代码（kebab-case）")
    severity: Severity
    template: str | None = Field(None, description="消息模板（发现目录 catalog.toml 中的名称；缺省为 code）")
    args: dict[str, str] = Field(default_factory=dict, description="消息模板的参数")
    table: str | None = Field(None, description="表的键，如 T10；绩效自评表为 S1…")
    table_label: str | None = Field(None, description="表名，如 公开10 或 绩效自评1（项目名称）")
    sheet: str | None = Field(None, description="工作表名")
    cell: str | None = Field(None, description="单元格（A1），仅对工作簿")
    row: RowLocation | None = None
    column: ColumnLocation | None = None
    expected: DecimalOrText = Field(None, description="按规则应有的值")
    actual: DecimalOrText = Field(None, description="实际填报的值")
    difference: DecimalValue = Field(None, description="实际 − 应有")
    tolerance: DecimalValue = Field(None, description="允许的误差")
    cells: tuple[str, ...] = Field((), description="规则涉及的单元格（表[行].栏）")
    narrative: NarrativeLocation | None = Field(None, description="情况说明中的位置（规则族 N）")

    @computed_field(description="中文说明：由发现目录的模板和参数生成")  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        from .catalog import render

        return render(self)

    def sort_key(self) -> tuple[int, str, str]:
        return (SEVERITY_ORDER[self.severity], self.table or "", self.rule_id)


def format_amount(value: Decimal | str | None) -> str:
    """4777056.13 → 4,777,056.13 (the Part 3 convention); text as is; a blank as 空白 (never 0)."""
    if value is None:
        return "空白"
    if isinstance(value, str):
        return value
    if not value.is_finite():  # NaN or infinity typed over a formula: shown as it is
        return str(value)
    if value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return f"{value:,}"
    return f"{value:,.2f}" if abs(value.as_tuple().exponent) <= 2 else f"{value:,}"  # type: ignore[arg-type]
