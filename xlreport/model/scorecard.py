"""项目支出绩效自评表 (project KPI scorecard): the data model and the parsing of its targets."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..editions.loader import scorecard_form
from .values import Amount, Number

# The model is the same in every edition; its fields are described by the default form, which
# also places them on the sheet and names them in messages (editions/data/common/scorecard.toml).
_FORM = scorecard_form()


def _about(part: str, key: str) -> str:
    """The description of field ``key`` of a part of the form: header, budget, indicators, summary."""
    fields = {
        "header": _FORM.header,
        "budget": _FORM.budget.columns,
        "indicators": _FORM.indicators.columns,
        "summary": _FORM.summary,
    }[part]
    for field in fields:
        if field.key == key:
            return field.description
    raise KeyError(f"the scorecard form has no {part} field {key}")


HEADER_FIELDS = tuple(f.key for f in _FORM.header)  # the Scorecard fields above the budget block
SUMMARY_FIELDS = tuple(f.key for f in _FORM.summary)  # the Scorecard fields under the indicators


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

    source: str = Field(description=_about("budget", "source"))
    declared: Amount = Field(None, description=_about("budget", "declared"))
    compiled: Amount = Field(None, description=_about("budget", "compiled"))
    annual_budget: Amount = Field(None, description=_about("budget", "annual_budget"))
    executed: Amount = Field(None, description=_about("budget", "executed"))
    balance: Amount = Field(None, description=_about("budget", "balance"))
    rate: Number = Field(None, description=_about("budget", "rate"))
    score: Number = Field(None, description=_about("budget", "score"))


class Indicator(_Model):
    """One 绩效指标 row."""

    level1: str = Field(description=_about("indicators", "level1"))
    level2: str = Field(description=_about("indicators", "level2"))
    name: str = Field(description=_about("indicators", "name"))
    initial_target: str | None = Field(None, description=_about("indicators", "initial_target"))
    target: str | None = Field(None, description=_about("indicators", "target"))
    actual: str | None = Field(None, description=_about("indicators", "actual"))
    weight: Number = Field(None, description=_about("indicators", "weight"))
    score: Number = Field(None, description=_about("indicators", "score"))
    reason: str | None = Field(None, description=_about("indicators", "reason"))

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

    project_name: str = Field(description=_about("header", "project_name"))
    project_unit: str | None = Field(None, description=_about("header", "project_unit"))
    department: str | None = Field(None, description=_about("header", "department"))
    date: str | None = Field(None, description=_about("header", "date"))
    budget: list[BudgetLine] = Field(default_factory=list, description="预算执行情况：第一行为合计")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标完成情况")
    indicator_score: Number = Field(None, description=_about("summary", "indicator_score"))
    total_score: Number = Field(None, description=_about("summary", "total_score"))
    grade: Literal["优", "良", "中", "差"] | None = Field(None, description=_about("summary", "grade"))

    @model_validator(mode="after")
    def _total_first(self) -> Scorecard:
        if self.budget and self.budget[0].source.replace(" ", "") != "合计":
            raise ValueError("预算执行情况的第一行应为“合计”")
        return self


def budget_row_key(index: int) -> str:
    return "total" if index == 0 else f"src{index}"


def indicator_row_key(index: int) -> str:
    return f"i{index + 1}"
