"""Validate many files: paths, directories and globs; in parallel processes; never stopped by one file."""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .validation.catalog import make
from .validation.result import FileResult

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".json")


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


def validate_path(path: str, annotate_dir: str | None = None, expect: str | None = None) -> FileResult:
    """Validate one file (workbook or JSON report); every failure becomes an unreadable result.

    ``expect``: the edition id every file must be; a file of another edition is unreadable. The result
    carries no report model (it crosses a process boundary)."""
    from .api import validate_file

    start = time.perf_counter()
    try:
        result = validate_file(path, expect, annotate_dir).without_report()
    except Exception as exc:  # one file never stops the batch
        reason = f"{type(exc).__name__}: {exc}"
        result = FileResult(
            path=path, readable=False, findings=[make("internal-error", {"file": path, "reason": reason})]
        )
    return result.model_copy(update={"seconds": time.perf_counter() - start})


def _job(args: tuple[str, str | None, str | None]) -> FileResult:
    return validate_path(*args)


def run_batch(
    files: list[Path],
    jobs: int = 1,
    annotate_dir: str | None = None,
    on_done: Callable[[FileResult], None] | None = None,
    expect: str | None = None,
) -> list[FileResult]:
    """Validate ``files`` with ``jobs`` processes; results in input order."""
    args = [(str(f), annotate_dir, expect) for f in files]
    results: list[FileResult] = []
    if jobs <= 1 or len(files) <= 1:
        for a in args:
            outcome = _job(a)
            results.append(outcome)
            if on_done:
                on_done(outcome)
        return results
    chunk = max(1, min(16, len(files) // (jobs * 4) or 1))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for outcome in pool.map(_job, args, chunksize=chunk):
            results.append(outcome)
            if on_done:
                on_done(outcome)
    return results
