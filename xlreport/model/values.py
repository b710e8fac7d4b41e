"""Value types of the report model: amounts, counts, scores, codes.

An amount is a ``Decimal`` or ``None``: a blank cell is kept distinct from 0 everywhere.
Errors are Chinese sentences; pydantic adds where they happened (table, row, column).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema


class CellRef(NamedTuple):
    """One data cell of a report: table id (``T01`` … or scorecard id ``S1`` …), row key, column key.

    A named tuple: validating a 2,000-项 workbook hashes cell references millions of times, and a
    tuple's hash and equality run in C (a frozen dataclass's run in Python)."""

    table: str
    row: str
    col: str

    def __str__(self) -> str:
        return f"{self.table}[{self.row}].{self.col}"


Value = Decimal | str | None  # a cell's value: a number, text, or blank (None, never 0)

_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")

AMOUNT_PATTERN = r"^\s*[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s*$"


def to_decimal(value: Any, what: str = "金额") -> Decimal | None:
    """Strict conversion for JSON/Python input: numbers and numeric strings; "" and None are blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what}不能是布尔值")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what}必须是有限数值")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{what}必须是有限数值")
        return Decimal(repr(value))  # the shortest text that reads back as this float: what was typed
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if _PLAIN.match(text) or _GROUPED.match(text):
            try:
                return Decimal(text.replace(",", ""))
            except InvalidOperation:  # pragma: no cover - the patterns exclude it
                pass
        raise ValueError(f"“{value}”不是有效的{what}")
    raise ValueError(f"{what}应为数字或数字文本，而不是{type(value).__name__}")


def _amount(value: Any) -> Decimal | None:
    return to_decimal(value, "金额")


def _two_places(value: Decimal | None) -> Decimal | None:
    if value is not None and value != value.quantize(Decimal("0.01")):
        raise ValueError(f"金额{value}超过两位小数")
    return value


def _count(value: Any) -> int | None:
    number = to_decimal(value, "数量")
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"数量{number}必须是整数")
    if number < 0:
        raise ValueError(f"数量{number}不能为负数")
    return int(number)


def _number(value: Any) -> Decimal | None:
    return to_decimal(value, "数值")


_NUMBER_SCHEMA = {
    "anyOf": [{"type": "string", "pattern": AMOUNT_PATTERN}, {"type": "number"}, {"type": "null"}],
}

Amount = Annotated[
    Decimal | None,
    BeforeValidator(_amount),
    AfterValidator(_two_places),
    WithJsonSchema({**_NUMBER_SCHEMA, "description": "金额（两位小数；空白与0不同）"}),
]
Count = Annotated[
    int | None,
    BeforeValidator(_count),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}], "description": "数量（非负整数）"}),
]
Number = Annotated[
    Decimal | None,
    BeforeValidator(_number),
    WithJsonSchema({**_NUMBER_SCHEMA, "description": "数值"}),
]

# 功能分类科目编码: the one place that knows a code's form (3, 5 or 7 digits) and its levels.
FUNCTION_CODE_LENGTHS = (3, 5, 7)
ECONOMIC_CODE_LENGTHS = (3, 5)
_LEVELS = {3: 1, 5: 2, 7: 3}
LEVEL_NAMES = {1: "类", 2: "款", 3: "项"}


def is_function_code(text: str) -> bool:
    """Whether ``text`` (already stripped) is a 功能分类科目编码: 3 (类), 5 (款) or 7 (项) ASCII digits."""
    return len(text) in _LEVELS and text.isascii() and text.isdigit()


def is_class_code(text: str) -> bool:
    """A 类 code (3 digits): the rows a coded table's 合计 adds up."""
    return len(text) == 3 and is_function_code(text)


def function_code(value: Any) -> str:
    """The code as text; ValueError (a Chinese sentence) when it is not 3, 5 or 7 digits."""
    text = str(value).strip() if value is not None else ""
    if not is_function_code(text):
        raise ValueError(f"功能分类科目编码“{value}”应为3位（类）、5位（款）或7位（项）数字")
    return text


FunctionCode = Annotated[
    str,
    BeforeValidator(function_code),
    WithJsonSchema({"type": "string", "pattern": r"^(\d{3}|\d{5}|\d{7})$", "description": "功能分类科目编码"}),
]


def code_level(code: str) -> int:
    """类 = 1, 款 = 2, 项 = 3 (function codes); economic 类 = 1, 款 = 2."""
    return _LEVELS[len(code)]


def level_name(code: str) -> str:
    """类, 款 or 项."""
    return LEVEL_NAMES[code_level(code)]


def parent_code(code: str) -> str | None:
    """The 款 of a 项, the 类 of a 款; None for a 类."""
    return {5: code[:3], 7: code[:5]}.get(len(code))


def code_order(code: str) -> tuple[str, str, int, str]:
    """Sort key of the printed order: each 类, then its 款 each followed by its 项 (201, 20103, 2010306)."""
    return code[:3], code[:5], len(code), code
