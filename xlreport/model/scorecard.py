"""项目支出绩效自评表 (project KPI scorecard): the data model and the parsing of its targets."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .values import Amount, Number

_TARGET = re.compile(
    r"^\s*(?P<op>≥|≤|＝|=|>=|<=|>|<|＞|＜|≧|≦)?\s*(?P<num>[0-9０-９]+(?:[.．][0-9０-９]+)?)\s*(?P<unit>.*?)\s*$"
)
_OPS = {"≥": "≥", ">=": "≥", ">": "≥", "＞": "≥", "≧": "≥", "≤": "≤", "<=": "≤", "<": "≤", "＜": "≤", "≦": "≤"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


def parse_target(text: str | None) -> tuple[str, Decimal, str] | None:
    """ "≥95%" → ("≥", 95, "%"); "＝98.5 万元" → ("=", 98.5, "万元"); qualitative "及时" → None."""
    if not text:
        return None
    m = _TARGET.match(text)
    if not m:
        return None
    op = _OPS.get(m.group("op") or "", "=")
    number = Decimal(m.group("num").translate(_FULLWIDTH))
    return op, number, m.group("unit")


def parse_actual(text: str | None) -> Decimal | None:
    """ "13.44" → 13.44; "95%" → 95; "达成预期指标" → None."""
    if text is None:
        return None
    m = _TARGET.match(str(text))
    if not m or m.group("op"):
        return None
    return Decimal(m.group("num").translate(_FULLWIDTH))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BudgetLine(_Model):
    """One line of the 预算执行情况 block (合计, then one per 资金来源)."""

    source: str = Field(description="资金来源（合计、市县区财政资金…）")
    declared: Amount = Field(None, description="年初预算数·目标申报（元）")
    compiled: Amount = Field(None, description="年初预算数·预算编制（元）")
    annual_budget: Amount = Field(None, description="全年预算数（元）")
    executed: Amount = Field(None, description="全年执行数（元）")
    balance: Amount = Field(None, description="资金结(转)余（元）")
    rate: Number = Field(None, description="执行率（%，100表示100%）")
    score: Number = Field(None, description="得分")


class Indicator(_Model):
    """One 绩效指标 row."""

    level1: str = Field(description="一级指标")
    level2: str = Field(description="二级指标")
    name: str = Field(description="指标名称")
    initial_target: str | None = Field(None, description="年度指标·年初指标")
    target: str | None = Field(None, description="年度指标·调整后指标（如 ≥95%、＝98.5万元、及时）")
    actual: str | None = Field(None, description="实际完成值（数值或“达成预期指标”等）")
    weight: Number = Field(None, description="权重")
    score: Number = Field(None, description="得分")
    reason: str | None = Field(None, description="偏差原因分析及改进措施")

    @field_validator("level1", "level2", "name")
    @classmethod
    def _squeeze(cls, v: str) -> str:
        squeezed = re.sub(r"\s+", "", v)
        if not squeezed:
            raise ValueError("不能为空")
        return squeezed

    @field_validator("initial_target", "target", "actual", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
            return str(v)
        if isinstance(v, float):
            return repr(v)
        return v

    @property
    def parsed_target(self) -> tuple[str, Decimal, str] | None:
        return parse_target(self.target) or parse_target(self.initial_target)

    @property
    def actual_value(self) -> Decimal | None:
        return parse_actual(self.actual)

    @property
    def quantitative(self) -> bool:
        return self.parsed_target is not None and self.actual_value is not None


class Scorecard(_Model):
    """项目支出绩效自评表."""

    project_name: str = Field(description="项目名称")
    project_unit: str | None = Field(None, description="项目单位（如 062002-晋城市政务服务中心）")
    department: str | None = Field(None, description="主管部门")
    date: str | None = Field(None, description="填报日期（如 2022 年 12 月）")
    budget: list[BudgetLine] = Field(default_factory=list, description="预算执行情况：第一行为合计")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标完成情况")
    indicator_score: Number = Field(None, description="指标完成情况得分")
    total_score: Number = Field(None, description="总得分")
    grade: Literal["优", "良", "中", "差"] | None = Field(None, description="等级")

    @model_validator(mode="after")
    def _total_first(self) -> Scorecard:
        if self.budget and self.budget[0].source.replace(" ", "") != "合计":
            raise ValueError("预算执行情况的第一行应为“合计”")
        return self


def budget_row_key(index: int) -> str:
    return "total" if index == 0 else f"src{index}"


def indicator_row_key(index: int) -> str:
    return f"i{index + 1}"
