"""A province's returns: N generated workbooks (valid, with planted errors, unreadable), validated by the
CLI with --jobs 1 and --jobs 2. Checks every file is reported correctly and prints both wall times.

    python benchmarks/batch_validate.py [N]        (default 200)
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from xlreport import load_edition
from xlreport.synthetic import random_report
from xlreport.write.writer import write_report


def build(directory: Path, n: int) -> dict[str, str]:
    """Files and the status each must get."""
    edition = load_edition("shanxi-2022")
    rng = random.Random(7)
    expected: dict[str, str] = {}
    base = []
    for seed in range(8):
        path = directory / f"base-{seed}.xlsx"
        write_report(path, random_report(edition, seed=seed))
        base.append(path)
    for i in range(n):
        kind = "valid" if i % 10 < 6 else ("invalid" if i % 10 < 9 else "unreadable")
        path = directory / f"unit-{i:04d}.xlsx"
        if kind == "unreadable":
            path.write_bytes(rng.randbytes(2048) if i % 20 else b"")
        else:
            shutil.copy(base[i % len(base)], path)
            if kind == "invalid":
                wb = load_workbook(path)
                sheet, coord = next(iter(wb.defined_names["xr.T10.goods.amount"].destinations))
                wb[sheet][coord.replace("$", "")].value = "一百"  # text in an amount cell
                wb.save(path)
        expected[path.name] = kind
    return expected


def run(directory: Path, jobs: int) -> tuple[float, dict[str, str], int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "xlreport.cli", "validate", str(directory), "--format", "json", "--jobs", str(jobs)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    doc = json.loads(proc.stdout)
    return wall, {Path(f["path"]).name: f["status"] for f in doc["files"]}, proc.returncode


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "returns"
        d.mkdir()
        expected = build(d, n)
        for name in [p.name for p in d.glob("base-*.xlsx")]:
            (d / name).unlink()
        results = {}
        for jobs in (1, 2):
            wall, statuses, code = run(d, jobs)
            wrong = {k: (v, statuses.get(k)) for k, v in expected.items() if statuses.get(k) != v}
            results[jobs] = wall
            print(f"--jobs {jobs}: {wall:.2f} s for {n} files, exit {code}, misreported {len(wrong)}")
            assert not wrong, list(wrong.items())[:5]
            assert code == 2
        print(f"speed-up --jobs 2 vs 1: {results[1] / results[2]:.2f}×")


if __name__ == "__main__":
    main()
