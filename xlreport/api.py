"""The Python API: load a report from JSON or a dict, and check it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .editions import available_editions, load_edition, unknown_edition
from .errors import ReportInputError
from .model.report import Report, report_model
from .validation.engine import check_report
from .validation.findings import Finding
from .validation.labels import describe_loc


@dataclass(frozen=True)
class InputIssue:
    """One place where the input is not a valid report."""

    where: str  # Chinese: table, row, column
    message: str  # Chinese
    loc: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


@dataclass
class CheckResult:
    """Findings of one report; ``valid`` when none is an error."""

    report: Report
    findings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]


def _read_source(source: str | PathLike[str] | bytes | dict[str, Any]) -> tuple[str, Any]:
    if isinstance(source, dict):
        return "<dict>", source
    if isinstance(source, bytes):
        name, text = "<bytes>", source.decode("utf-8-sig", errors="strict")
    else:
        path = Path(source)
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ReportInputError(name, [InputIssue("", f"无法读取文件：{exc.strerror or exc}")]) from None
        except UnicodeDecodeError:
            raise ReportInputError(name, [InputIssue("", "文件不是UTF-8编码的JSON")]) from None
    try:
        return name, json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ReportInputError(
            name, [InputIssue("", f"不是有效的JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）")]
        ) from None


def load_report(source: str | PathLike[str] | bytes | dict[str, Any]) -> Report:
    """A report from a JSON file path, JSON bytes or a dict; raises :class:`ReportInputError`."""
    name, data = _read_source(source)
    if not isinstance(data, dict):
        raise ReportInputError(name, [InputIssue("", "顶层应为JSON对象")])
    meta = data.get("meta")
    edition_id = meta.get("edition") if isinstance(meta, dict) else None
    if not isinstance(edition_id, str) or edition_id not in available_editions():
        raise ReportInputError(name, [InputIssue("meta.edition", str(unknown_edition(edition_id)))])
    model = report_model(edition_id)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ReportInputError(name, [_issue(edition_id, e, data) for e in exc.errors()]) from None


def _issue(edition_id: str, error: Any, data: dict[str, Any]) -> InputIssue:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    msg = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        msg = "不是此表样的行或栏（未知字段）"
    elif error["type"] == "missing":
        msg = "缺少必填项"
    return InputIssue(describe_loc(load_edition(edition_id), loc, data), msg, loc)


def check(source: str | PathLike[str] | bytes | dict[str, Any] | Report) -> CheckResult:
    """Load (unless given a report) and run every rule of its edition."""
    report = source if isinstance(source, Report) else load_report(source)
    return CheckResult(report, check_report(report))
