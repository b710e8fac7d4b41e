"""Validate many files: paths, directories and globs; in parallel processes; never stopped by one file."""

from __future__ import annotations

import glob
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".json")


@dataclass
class FileOutcome:
    """What one file gave. ``status``: valid, invalid (an error finding) or unreadable."""

    path: str
    status: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    annotated: str | None = None

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f["severity"] == severity)


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[str]]:
    """Files named, found under directories (recursively) or matched by globs; and the names that matched nothing."""
    files: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        text = str(raw)
        p = Path(text)
        if p.is_dir():
            found = sorted(
                x
                for x in p.rglob("*")
                if x.is_file() and x.suffix.lower() in SUFFIXES and not x.name.startswith(("~$", "."))
            )
            files.extend(found)
        elif p.exists():
            files.append(p)
        elif any(ch in text for ch in "*?["):
            matched = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            if matched:
                files.extend(matched)
            else:
                missing.append(text)
        else:
            missing.append(text)
    seen: set[Path] = set()
    unique = [f for f in files if not (f in seen or seen.add(f))]  # type: ignore[func-returns-value]
    return unique, missing


def validate_path(path: str, annotate_dir: str | None = None, expect: str | None = None) -> FileOutcome:
    """Validate one file (workbook or JSON report); every failure becomes an unreadable outcome.

    ``expect``: the edition id every file must be; a file of another edition is unreadable."""
    from .validation.output import finding_dict

    start = time.perf_counter()
    try:
        if path.lower().endswith(".json"):
            from .api import ReportInputError, check

            try:
                result = check(path)
            except ReportInputError as exc:
                finding = {
                    "rule_id": "F08",
                    "code": "invalid-report-json",
                    "severity": "error",
                    "message": str(exc),
                    "sheet": None,
                    "cell": None,
                }
                return FileOutcome(path, "unreadable", [finding], time.perf_counter() - start)
            if expect is not None and result.report.meta.edition != expect:
                finding = {
                    "rule_id": "F01",
                    "code": "edition-mismatch",
                    "severity": "error",
                    "message": f"[edition-mismatch] 文件 {path} 是表样版本“{result.report.meta.edition}”的报告，"
                    f"不是要求的“{expect}”，未审核",
                    "sheet": None,
                    "cell": None,
                }
                return FileOutcome(path, "unreadable", [finding], time.perf_counter() - start)
            status = "valid" if result.valid else "invalid"
            annotated = None
            rows = [finding_dict(f) for f in result.findings]
        else:
            from .validation.workbook import validate_workbook

            wres = validate_workbook(path, expect)
            status = "unreadable" if not wres.readable else ("valid" if wres.valid else "invalid")
            annotated = None
            rows = [finding_dict(f) for f in wres.findings]
            if annotate_dir and wres.readable:
                from .validation.annotate import annotate

                try:  # openpyxl may refuse what the reader read: the findings stand without the copy
                    annotated = str(annotate(path, wres.findings, annotate_dir))
                except Exception as exc:
                    rows.append(
                        {
                            "rule_id": "F09",
                            "code": "annotation-failed",
                            "severity": "warning",
                            "message": f"[F09] 文件 {path} 的标注副本未能生成（{type(exc).__name__}），"
                            "审核结果不受影响",
                            "sheet": None,
                            "cell": None,
                        }
                    )
        return FileOutcome(path, status, rows, time.perf_counter() - start, annotated)
    except Exception as exc:  # one file never stops the batch
        finding = {
            "rule_id": "F99",
            "code": "internal-error",
            "severity": "error",
            "message": f"[F99] 文件 {path} 处理失败：{type(exc).__name__}: {exc}",
            "sheet": None,
            "cell": None,
        }
        return FileOutcome(path, "unreadable", [finding], time.perf_counter() - start)


def _job(args: tuple[str, str | None, str | None]) -> FileOutcome:
    """The worker: a top-level function of an importable module, so processes started by spawning
    (Windows, macOS) find it by name; it needs nothing from the parent but its arguments."""
    return validate_path(*args)


def run_batch(
    files: list[Path],
    jobs: int = 1,
    annotate_dir: str | None = None,
    on_done: Callable[[FileOutcome], None] | None = None,
    expect: str | None = None,
    mp_context: BaseContext | None = None,
) -> list[FileOutcome]:
    """Validate ``files`` with ``jobs`` processes; results in input order.

    ``mp_context``: how worker processes start (``multiprocessing.get_context("spawn")``, …); the platform's
    default when None."""
    args = [(str(f), annotate_dir, expect) for f in files]
    results: list[FileOutcome] = []
    if jobs <= 1 or len(files) <= 1:
        for a in args:
            outcome = _job(a)
            results.append(outcome)
            if on_done:
                on_done(outcome)
        return results
    chunk = max(1, min(16, len(files) // (jobs * 4) or 1))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp_context) as pool:
        for outcome in pool.map(_job, args, chunksize=chunk):
            results.append(outcome)
            if on_done:
                on_done(outcome)
    return results


def summarize(outcomes: list[FileOutcome]) -> dict[str, Any]:
    by_rule: Counter[str] = Counter()
    for o in outcomes:
        for f in o.findings:
            by_rule[f["rule_id"].split("-")[0] if f["rule_id"][0] in "RHXK" else f["code"]] += 1
    return {
        "files": len(outcomes),
        "valid": sum(1 for o in outcomes if o.status == "valid"),
        "invalid": sum(1 for o in outcomes if o.status == "invalid"),
        "unreadable": sum(1 for o in outcomes if o.status == "unreadable"),
        "findings_by_rule": dict(sorted(by_rule.items())),
    }


def iter_rows(outcomes: list[FileOutcome]) -> Iterator[list[Any]]:
    yield ["文件", "结果", "错误", "警告", "提示", "用时(秒)", "首个错误"]
    label = {"valid": "通过", "invalid": "不通过", "unreadable": "无法读取"}
    for o in outcomes:
        first = next((f["message"] for f in o.findings if f["severity"] == "error"), "")
        yield [
            o.path,
            label[o.status],
            o.count("error"),
            o.count("warning"),
            o.count("info"),
            round(o.seconds, 3),
            first,
        ]
