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
    return InputIssue(describe_loc(edition_id, loc, data), msg, loc)


def describe_loc(edition_id: str, loc: tuple[str | int, ...], data: dict[str, Any]) -> str:
    """('tables','T02','rows',0,'total') → 公开02 第1行（科目编码2010306）·本年收入合计（栏次1）."""
    edition = load_edition(edition_id)
    if len(loc) >= 2 and loc[0] == "tables" and isinstance(loc[1], str):
        try:
            table = edition.table(loc[1])
        except KeyError:
            return f"tables.{loc[1]}（未知的表）"
        parts = [f"{table.sheet} {table.title}"]
        rest = loc[2:]
        row_key: str | None = None
        if table.coded is not None and rest[:1] == ("rows",) and len(rest) >= 2 and isinstance(rest[1], int):
            try:
                code = data["tables"][loc[1]]["rows"][rest[1]].get("code")
            except (KeyError, IndexError, TypeError, AttributeError):
                code = None
            parts.append(f"第{rest[1] + 1}行" + (f"（科目编码{code}）" if code else ""))
            rest = rest[2:]
        elif rest and isinstance(rest[0], str):
            row_key = rest[0]
            found = table.row(row_key) if table.coded is None else None
            if found is not None:
                _, spec = found
                parts.append((f"行次{spec.line} " if spec.line else "") + spec.title)
            elif table.coded is not None and row_key == table.coded.total_key:
                parts.append(table.coded.total_label)
            else:
                parts.append(f"行“{row_key}”")
            rest = rest[1:]
        if rest and isinstance(rest[0], str):
            col = table.column(row_key or "", rest[0]) if row_key else None
            if col is None:
                col = next((c for c in table.panels[0].columns if c.key == rest[0]), None)
            if col is not None:
                parts.append(col.label + (f"（栏次{col.seq}）" if col.seq else ""))
            else:
                parts.append(f"栏“{rest[0]}”")
        return " ".join(parts[:1]) + (" " + "·".join(parts[1:]) if len(parts) > 1 else "")
    if len(loc) >= 2 and loc[0] == "scorecards" and isinstance(loc[1], int):
        where = f"{edition.scorecard.sheet_prefix}{loc[1] + 1}"
        tail = ".".join(str(x + 1) if isinstance(x, int) else x for x in loc[2:])
        return f"{where} {tail}".strip()
    return ".".join(str(x) for x in loc)


def check(source: str | PathLike[str] | bytes | dict[str, Any] | Report) -> CheckResult:
    """Load (unless given a report) and run every rule of its edition."""
    report = source if isinstance(source, Report) else load_report(source)
    return CheckResult(report, check_report(report))
