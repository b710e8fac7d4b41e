"""Validate many files: paths, directories and globs; in parallel processes; never stopped by one file."""

from __future__ import annotations

import glob
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path, PurePath

from .validation.catalog import make
from .validation.result import FileResult, SkippedFile

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".json")
LOCK_PREFIXES = ("~$", ".~lock.")  # Excel/WPS and LibreOffice lock files beside an open workbook
MAX_NAME_BYTES = 200  # an annotated copy's file name longer than this is shortened (filesystems allow 255)


@dataclass(frozen=True)
class Source:
    """A file to validate and its name relative to what the user named (a directory or the file itself)."""

    path: Path
    rel: PurePath


@dataclass
class Expansion:
    files: list[Source] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # names that matched nothing
    skipped: list[SkippedFile] = field(default_factory=list)  # files found but not validated, with the reason


def _skip_reason(path: Path) -> str | None:
    """Why a file found in a directory or by a glob is not validated (None: validate it)."""
    name = path.name
    if name != name.rstrip():
        return "文件名末尾有空格，未审核：请改名后再提交"
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return None
    kind = suffix or "（无扩展名）"
    return f"文件类型 {kind} 不是 Excel 工作簿（.xlsx）或 JSON 报告，未审核：单位是否交错了文件？"


def expand_paths(paths: Sequence[str | os.PathLike[str]], exclude: Iterable[str | os.PathLike[str]] = ()) -> Expansion:
    """Files named, found under directories (recursively) or matched by globs, each once.

    Office lock files, hidden files and the run's own outputs (``exclude``: the summary, the annotate
    folder) are passed over; other files found that are not workbooks or reports are listed as skipped
    with the reason. A file named explicitly is always validated."""
    out = Expansion()
    named = [Path(os.path.realpath(p)) for p in paths]
    # an output folder that is (or holds) a folder the user named is not passed over: its files are the inputs
    own = [o for o in (Path(os.path.realpath(e)) for e in exclude) if not any(o == n or o in n.parents for n in named)]

    def ours(path: Path) -> bool:
        real = Path(os.path.realpath(path))
        return path.name.startswith(LOCK_PREFIXES) or any(real == o or o in real.parents for o in own)

    def found(path: Path, rel: PurePath) -> None:
        if ours(path) or any(part.startswith(".") for part in rel.parts):
            return
        reason = _skip_reason(path)
        if reason is None:
            out.files.append(Source(path, rel))
        else:
            out.skipped.append(SkippedFile(path=str(path), reason=reason))

    for raw in paths:
        text = str(raw)
        p = Path(text)
        if p.is_dir():
            for x in sorted(p.rglob("*")):
                if x.is_file():
                    found(x, x.relative_to(p))
        elif p.exists():
            out.files.append(Source(p, PurePath(p.name)))
        elif any(ch in text for ch in "*?["):
            matched = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            for m in matched:
                found(m, PurePath(m.name))
            if not matched:
                out.missing.append(text)
        else:
            out.missing.append(text)
    seen: set[str] = set()
    unique = []
    for src in out.files:  # the same file reached twice (a folder and a path into it) is validated once
        real = os.path.realpath(src.path)
        if real not in seen:
            seen.add(real)
            unique.append(src)
    out.files = unique
    return out


def annotation_targets(sources: list[Source], out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Where each source's annotated copy goes: its relative path kept, ``<stem>.审核.xlsx`` (with the
    extension kept where two sources share a stem), never the path of an input, names too long shortened."""
    root = Path(out_dir)
    stems = Counter(str(s.rel.with_suffix("")) for s in sources)
    inputs = {os.path.realpath(s.path) for s in sources}
    taken: set[str] = set()
    targets: dict[str, Path] = {}
    for src in sources:
        stem = src.rel.stem if stems[str(src.rel.with_suffix(""))] == 1 else src.rel.name
        name = _short(f"{stem}.审核.xlsx")
        target = root / src.rel.parent / name
        n = 1
        while os.path.realpath(target) in inputs or str(target) in taken:
            target = root / src.rel.parent / _short(f"{stem}.{n}.审核.xlsx")
            n += 1
        taken.add(str(target))
        targets[str(src.path)] = target
    return targets


def _short(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    head = name.encode("utf-8")[: MAX_NAME_BYTES - 30].decode("utf-8", errors="ignore")
    return f"{head}~{digest}.审核.xlsx"


def validate_path(path: str, annotate_to: str | None = None, expect: str | None = None) -> FileResult:
    """Validate one file (workbook or JSON report); every failure becomes an unreadable result.

    ``expect``: the edition id every file must be; a file of another edition is unreadable. The result
    carries no report model (it crosses a process boundary)."""
    from .api import validate_file

    start = time.perf_counter()
    try:
        result = validate_file(path, expect, annotate_to=annotate_to).without_report()
        result = result.model_copy(update={"sha256": _digest(path)})
    except Exception as exc:  # one file never stops the batch
        reason = f"{type(exc).__name__}: {exc}"
        result = FileResult(
            path=path, readable=False, findings=[make("internal-error", {"file": path, "reason": reason})]
        )
    return result.model_copy(update={"seconds": time.perf_counter() - start})


def _digest(path: str) -> str | None:
    """The file's SHA-256 (two returns with the same bytes are one return sent twice)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _job(args: tuple[str, str | None, str | None]) -> FileResult:
    """The worker: a top-level function of an importable module, so processes started by spawning
    (Windows, macOS) find it by name; it needs nothing from the parent but its arguments."""
    return validate_path(*args)


def run_batch(
    files: list[Source] | list[Path],
    jobs: int = 1,
    annotate_dir: str | None = None,
    on_done: Callable[[FileResult], None] | None = None,
    expect: str | None = None,
    mp_context: BaseContext | None = None,
) -> list[FileResult]:
    """Validate ``files`` with ``jobs`` processes; results in input order.

    ``mp_context``: how worker processes start (``multiprocessing.get_context("spawn")``, …); the platform's
    default when None."""
    sources = [f if isinstance(f, Source) else Source(Path(f), PurePath(Path(f).name)) for f in files]
    targets = annotation_targets(sources, annotate_dir) if annotate_dir else {}
    args = [(str(s.path), str(targets[str(s.path)]) if targets else None, expect) for s in sources]
    results: list[FileResult] = []
    if jobs <= 1 or len(sources) <= 1:
        for a in args:
            outcome = _job(a)
            results.append(outcome)
            if on_done:
                on_done(outcome)
        return results
    chunk = max(1, min(16, len(sources) // (jobs * 4) or 1))
    from .editions.loader import configure_editions, editions_config

    # workers find the editions this process finds (--edition-path is not in their environment)
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=mp_context, initializer=configure_editions, initargs=editions_config()
    ) as pool:
        for outcome in pool.map(_job, args, chunksize=chunk):
            results.append(outcome)
            if on_done:
                on_done(outcome)
    return results


def cross_check(results: list[FileResult], year: int | None = None) -> list[FileResult]:
    """Findings between the files of one batch: a year other than ``year`` (or than most files'), and the
    same return sent twice (the same bytes, or the same 单位名称 and year)."""
    years = Counter(r.year for r in results if r.readable and r.year is not None)
    expected, why = year, f"不是要求的{year}年度"
    if expected is None and years:
        common, count = years.most_common(1)[0]
        if count * 2 > sum(years.values()) and len(years) > 1:
            expected, why = common, f"而同批其他文件多为{common}年度"
    by_digest: dict[str, str] = {}
    by_unit: dict[tuple[str, int], str] = {}
    out = []
    for r in results:
        extra = []
        if expected is not None and r.readable and r.year is not None and r.year != expected:
            extra.append(make("year-mismatch", {"file": r.path, "year": r.year, "reason": why}))
        if r.sha256 and r.sha256 in by_digest:
            extra.append(
                make("duplicate-return", {"file": r.path, "other": by_digest[r.sha256], "how": "内容完全相同"})
            )
        elif r.readable and r.unit_name and r.year is not None and (r.unit_name, r.year) in by_unit:
            how = f"的单位名称（{r.unit_name}）和年度（{r.year}）相同"
            extra.append(
                make("duplicate-return", {"file": r.path, "other": by_unit[(r.unit_name, r.year)], "how": how})
            )
        if r.sha256:
            by_digest.setdefault(r.sha256, r.path)
        if r.readable and r.unit_name and r.year is not None:
            by_unit.setdefault((r.unit_name, r.year), r.path)
        out.append(r.model_copy(update={"findings": [*r.findings, *extra]}) if extra else r)
    return out
