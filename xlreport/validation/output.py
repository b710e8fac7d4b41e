"""Findings as text (grouped by sheet), JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .findings import SEVERITY_LABEL, Finding


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def finding_dict(f: Finding) -> dict[str, Any]:
    data = f.model_dump(mode="python")
    return json.loads(json.dumps(data, default=_plain, ensure_ascii=False))


def to_json(findings: Iterable[Finding], source: str | None = None, **extra: Any) -> str:
    items = [finding_dict(f) for f in findings]
    counts = {s: sum(1 for f in items if f["severity"] == s) for s in ("error", "warning", "info")}
    doc = {"source": source, "valid": counts["error"] == 0, "counts": counts, **extra, "findings": items}
    return json.dumps(doc, ensure_ascii=False, indent=2)


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


def to_csv(findings: Iterable[Finding], source: str | None = None, header: bool = True) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(findings, source))
    return buf.getvalue()


def to_text(findings: list[Finding], source: str | None = None) -> str:
    lines: list[str] = []
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    infos = len(findings) - errors - warnings
    verdict = "通过" if errors == 0 else "不通过"
    lines.append(f"{source or ''} {verdict}：错误{errors}，警告{warnings}，提示{infos}".strip())
    by_sheet: dict[str, list[Finding]] = {}
    for f in findings:
        by_sheet.setdefault(f.sheet or "（文件）", []).append(f)
    for sheet, items in by_sheet.items():
        lines.append(f"【{sheet}】")
        for f in items:
            at = f" {f.cell}" if f.cell else ""
            lines.append(f"  {SEVERITY_LABEL[f.severity]}{at} {f.message}")
    return "\n".join(lines) + "\n"


class FileResult(BaseModel):
    """One file in the output of `xlreport validate --format json`."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="文件路径")
    status: Literal["valid", "invalid", "unreadable"] = Field(description="通过 / 不通过 / 无法读取")
    valid: bool
    annotated: str | None = Field(None, description="标注副本的路径（--annotate）")
    counts: dict[Literal["error", "warning", "info"], int]
    findings: list[Finding]


class ValidationOutput(BaseModel):
    """The document `xlreport validate --format json` prints."""

    model_config = ConfigDict(extra="forbid")

    files: list[FileResult]
