"""The Python API: load a report from JSON or a dict, and check it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from os import PathLike
from pathlib import Path, PurePath
from typing import Any

from pydantic import ValidationError

from .editions import available_editions, load_edition, unknown_edition
from .errors import ReportInputError
from .model.report import Report, report_model
from .validation.catalog import make
from .validation.engine import check_report
from .validation.labels import describe_loc
from .validation.result import FileResult, ValidationResult


@dataclass(frozen=True)
class InputIssue:
    """One place where the input is not a valid report."""

    where: str  # Chinese: table, row, column
    message: str  # Chinese
    loc: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


CheckResult = FileResult  # the name of the result of ``check`` before there was one result type


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


def read_report(source: str | PathLike[str] | bytes | dict[str, Any] | Report) -> Report:
    """A report from any source: a workbook (read by its defined names, derived cells recomputed), a JSON
    report path, JSON bytes, a dict or a Report. Raises :class:`ReportInputError` for JSON that is not a
    report, :class:`WorkbookError` (its one finding says why) for a workbook that cannot be read."""
    if isinstance(source, Report):
        return source
    if isinstance(source, (str, PathLike)) and not str(source).lower().endswith(".json"):
        from .errors import WorkbookError
        from .validation.workbook import validate_workbook

        result = validate_workbook(source)
        if result.report is None:
            unknown = make("unreadable-workbook", {"file": str(source), "reason": "未知原因"})
            raise WorkbookError(result.findings[0] if result.findings else unknown)
        return result.report  # type: ignore[no-any-return]
    return load_report(source)


def check(source: str | PathLike[str] | bytes | dict[str, Any] | Report) -> FileResult:
    """Load (unless given a report) and run every rule of its edition; raises :class:`ReportInputError`."""
    report = source if isinstance(source, Report) else load_report(source)
    findings = check_report(report, _name(source))
    if report.narrative_text:  # the Part 3 text the JSON carries: checked against its tables
        from .validation.narrative import check_narrative

        findings += check_narrative(report, report.narrative_text)
    return FileResult(
        path=_name(source),
        findings=findings,
        report=report,
        edition=report.meta.edition,
        unit_name=report.meta.unit_name,
        year=report.meta.year,
    )


def _name(source: object) -> str:
    if isinstance(source, (str, PathLike)):
        return str(source)
    return "<bytes>" if isinstance(source, bytes) else ("<report>" if isinstance(source, Report) else "<dict>")


def validate_file(
    source: str | PathLike[str] | bytes | dict[str, Any] | Report,
    expect: str | None = None,
    annotate_to: str | PathLike[str] | None = None,
) -> FileResult:
    """One source (workbook path, JSON report path, bytes or dict, or a Report) validated; a source that
    cannot be read is an unreadable result with one file-level finding. ``expect``: the edition it must be;
    ``annotate_to``: the path of a workbook's annotated copy."""
    name = _name(source)
    is_workbook = isinstance(source, (str, PathLike)) and not str(source).lower().endswith(".json")
    if is_workbook:
        from .validation.workbook import validate_workbook

        result = validate_workbook(source, expect)  # type: ignore[arg-type]
        if annotate_to is not None and result.readable:
            result = _annotated(result, annotate_to)
        return result
    try:
        result = check(source)
    except ReportInputError as exc:
        return FileResult(path=name, readable=False, findings=[make("invalid-report-json", {"detail": str(exc)})])
    if expect is not None and result.edition != expect:
        args = {"file": name, "edition": result.edition, "kind": "报告", "expected": expect}
        return FileResult(path=name, readable=False, findings=[make("edition-mismatch", args)])
    return result


ANNOTATE_BEYOND_LIMIT = 100_000  # stray cells beyond which no copy is made (openpyxl would hold every one)


def _annotated(result: FileResult, target: str | PathLike[str]) -> FileResult:
    from .errors import os_reason
    from .validation.annotate import annotate

    stray = sum(int(f.args.get("cells", "0").replace(",", "")) for f in result.findings if f.code == "cells-beyond")
    try:  # openpyxl may refuse what the reader read: the findings stand without the copy
        if stray > ANNOTATE_BEYOND_LIMIT:
            raise _NoCopy(f"表格以外有 {stray:,} 个单元格，副本会过大；请删除这些单元格后重新审核")
        copy = str(annotate(result.path, result.findings, target))
    except Exception as exc:
        reason = (
            str(exc)
            if isinstance(exc, _NoCopy)
            else os_reason(exc)
            if isinstance(exc, OSError)
            else "内存不足"
            if isinstance(exc, MemoryError)
            else "文件的某些部分无法复制"
        )
        failed = make("annotation-failed", {"file": result.path, "reason": reason})
        return result.model_copy(update={"findings": [*result.findings, failed]})
    return result.model_copy(update={"annotated": copy})


class _NoCopy(Exception):
    """Why no annotated copy is made, in Chinese."""


def validate(
    *sources: str | PathLike[str] | bytes | dict[str, Any] | Report,
    expect: str | None = None,
    annotate_dir: str | PathLike[str] | None = None,
) -> ValidationResult:
    """Validate workbooks, JSON reports (paths, bytes or dicts) or Reports: the one result type.

    ``result.valid``, ``result.findings`` (every file's), ``result.files[i]`` (path, status, counts,
    findings, and the ``report`` read). Files that cannot be read are unreadable results, never exceptions."""
    targets: dict[str, Any] = {}
    if annotate_dir is not None:
        from .batch import Source, annotation_targets

        books = [Source(Path(s), PurePath(Path(s).name)) for s in sources if isinstance(s, (str, PathLike))]
        targets = annotation_targets(books, annotate_dir)
    files = [validate_file(s, expect, targets.get(str(s))) for s in sources]
    return ValidationResult(files=files)
