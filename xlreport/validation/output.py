"""Rendering the one result (:class:`~xlreport.validation.result.ValidationResult`): text grouped by sheet,
JSON (the serialised model), CSV (one row per finding) and the summary (one row per file, .csv or .xlsx)."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..editions.spec import SEVERITY_LABEL
from ..errors import os_reason
from ..fileio import atomic_write
from .findings import Finding
from .result import STATUS_LABEL, FileResult, ValidationResult

CSV_COLUMNS = [
    "source",
    "severity",
    "rule_id",
    "code",
    "sheet",
    "cell",
    "table",
    "row_line",
    "row_code",
    "row_label",
    "column_seq",
    "column_label",
    "expected",
    "actual",
    "difference",
    "tolerance",
    "message",
]


def csv_rows(findings: Iterable[Finding], source: str | None = None) -> Iterable[list[str]]:
    for f in findings:
        row, col = f.row, f.column
        yield [
            source or "",
            f.severity,
            f.rule_id,
            f.code,
            f.sheet or "",
            f.cell or "",
            f.table or "",
            str(row.line) if row and row.line is not None else "",
            (row.code or "") if row else "",
            row.label if row else "",
            (col.seq or "") if col else "",
            col.label if col else "",
            *("" if v is None else str(v) for v in (f.expected, f.actual, f.difference, f.tolerance)),
            f.message,
        ]


def printable(text: str) -> str:
    """Control characters (a file name may hold them) escaped, so a terminal shows them instead of obeying."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in text)


def file_text(result: FileResult) -> str:
    """One file: its verdict and counts, then its findings grouped by sheet."""
    c = result.counts
    head = f"{printable(result.path)} {STATUS_LABEL[result.status]}：错误{c.error}，警告{c.warning}，提示{c.info}"
    lines = [head]
    by_sheet: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_sheet.setdefault("情况说明" if f.narrative is not None else (f.sheet or "（文件）"), []).append(f)
    for sheet, items in by_sheet.items():
        lines.append(f"  【{sheet}】")
        for f in items:
            at = f" {f.cell}" if f.cell else ""
            lines.append(f"    {SEVERITY_LABEL[f.severity]}{at} {printable(f.message)}")
    if result.annotated:
        lines.append(f"  标注副本：{printable(result.annotated)}")
    return "\n".join(lines) + "\n"


def to_text(result: ValidationResult) -> str:
    return "".join(file_text(f) for f in result.files)


def to_json(result: ValidationResult) -> str:
    """The serialised result model (schemas/validation-result.schema.json)."""
    return result.model_dump_json(indent=2) + "\n"


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_field(value: object) -> object:
    """A CSV field a spreadsheet will not run: text starting with = + - @, tab or CR gets a leading '
    (OWASP CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(value):
        return "'" + value
    return value


def to_csv(result: ValidationResult, header: bool = True) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for file in result.files:
        writer.writerows([safe_field(v) for v in row] for row in csv_rows(file.findings, file.path))
    return buf.getvalue()


def stats_line(result: ValidationResult, seconds: float) -> str:
    s = result.stats
    rules = "，".join(f"{k} {v}" for k, v in s.findings_by_rule.items()) or "无"
    return (
        f"共 {s.files} 个文件：通过 {s.valid}，不通过 {s.invalid}，无法读取 {s.unreadable}；"
        f"用时 {round(seconds, 3)} 秒；问题按规则：{rules}"
    )


SUMMARY_COLUMNS = ["文件", "单位名称", "年度", "表样版本", "结果", "错误", "警告", "提示", "用时(秒)", "首个错误或说明"]


def summary_rows(result: ValidationResult) -> Iterator[list[Any]]:
    """One row per file, the header first."""
    yield SUMMARY_COLUMNS
    for o in result.files:
        first = next((f.message for f in o.findings if f.severity == "error"), "")
        yield [
            o.path,
            o.unit_name or "",
            o.year if o.year is not None else "",
            o.edition or "",
            STATUS_LABEL[o.status],
            o.counts.error,
            o.counts.warning,
            o.counts.info,
            round(o.seconds, 3),
            first,
        ]
    for skipped in result.skipped:
        yield [skipped.path, "", "", "", "跳过", "", "", "", "", skipped.reason]


def write_summary(path: Path, result: ValidationResult) -> None:
    """The summary as .xlsx (text cells stay text) or CSV (UTF-8 with BOM, for Excel)."""
    rows = list(summary_rows(result))
    with atomic_write(path) as tmp:
        if path.suffix.lower() == ".xlsx":
            import xlsxwriter

            wb = xlsxwriter.Workbook(tmp, {"strings_to_formulas": False, "strings_to_numbers": False})
            ws = wb.add_worksheet("汇总")
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if isinstance(v, (int, float)):
                        ws.write_number(r, c, v)
                    else:
                        ws.write_string(r, c, str(v))
            wb.close()
        else:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                csv.writer(fh).writerows([safe_field(v) for v in row] for row in rows)


def unwritable(path: Path, directory: bool) -> str | None:
    """Why the run could not write ``path`` (a folder when ``directory``), in Chinese; None when it can."""
    folder = path if directory else path.parent
    what = "标注副本目录" if directory else "汇总表"
    if not directory and path.is_dir():
        return f"无法写入{what} {printable(str(path))}：这是一个文件夹"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".xlreport-probe-"):
            pass
    except OSError as exc:
        return f"无法写入{what} {printable(str(path))}：{os_reason(exc)}"
    return None
