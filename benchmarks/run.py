"""The performance targets of xlreport, measured side by side (standard-library timing, medians).

    python -m pip install -e '.[bench]'      # python-calamine, the read-speed yardstick
    python benchmarks/run.py [--files 1000] [--out benchmarks/results.json] [--linear]

Prints every figure with its target and writes them to a JSON file. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import xlsxwriter

import xlreport
from xlreport import examples, load_edition
from xlreport.read.reader import read_workbook
from xlreport.rules.compute import forget_shapes
from xlreport.synthetic import random_report
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = examples.path(examples.REFERENCE)


def median_time(
    fn: Callable[[], object], repeat: int = 7, warmup: int = 1, clock: Callable[[], float] = time.perf_counter
) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


def calamine_read_all(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    n = 0
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            n += len(row)
    return n


def plain_write(path: Path, source: Path) -> None:
    """xlsxwriter writing the same cells (values and formula text) with no formatting at all."""
    from xlreport.read.fastread import load

    cells = load(str(source))
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    for sheet in cells.worksheets:
        ws = wb.add_worksheet(sheet.title)
        for (r, c), cell in sheet.cells.items():
            if cell.data_type == "f":
                ws.write_formula(r - 1, c - 1, cell.value, None, 0)
            elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                ws.write_number(r - 1, c - 1, cell.value)
            else:
                ws.write_string(r - 1, c - 1, str(cell.value))
    wb.close()


def big_workbook(directory: Path) -> Path:
    """A valid workbook with 2,000 项 rows in each of 公开02/03/05 (3,412 code rows each) and 3 scorecards."""
    report = random_report(load_edition("shanxi-2022"), seed=99, items=2000, scorecards=3)
    return write_report(directory / "big.xlsx", report).path


def data_cells(path: Path) -> int:
    """The cells validation works on: every data cell of the tables and scorecards the reader reads
    (inputs and formulas, blank ones included), not the headings and labels around them."""
    return len(read_workbook(path).cells)


def first_of_shape(path: Path) -> None:
    """``validate_workbook`` as ``xlreport validate FILE`` runs it: the rules instantiated afresh."""
    forget_shapes()
    validate_workbook(path)


PER_CELL_TARGET = 1.5  # time per cell of the 2,000-项 workbook / time per cell of the reference


def linear(report: Callable[..., None], results: dict[str, Any], reference: Path, big: Path) -> None:
    """Cells, time and time per cell of both workbooks, in two cases: the first workbook of its shape
    (rules instantiated, what one ``xlreport validate FILE`` does) and a repeat (rules cached, what a
    batch of same-shaped returns does); then the 2,000-项 workbook's time per cell over the reference's.
    Times are this process's CPU time (validation runs on one thread): a ratio of two wall-clock
    figures taken minutes apart on a busy machine says more about the machine than the code."""
    rows: dict[str, dict[str, float]] = {}
    for name, path, repeat in (("reference", reference, 15), ("2,000-项", big, 5)):
        cells = data_cells(path)
        first = median_time(partial(first_of_shape, path), repeat=repeat, clock=time.process_time)
        again = median_time(partial(validate_workbook, path), repeat=repeat, clock=time.process_time)
        rows[name] = {"cells": cells, "first_s": first, "repeat_s": again}
        for case, seconds in (("first", first), ("repeat", again)):
            per = seconds / cells * 1e6
            rows[name][f"{case}_us_per_cell"] = per
            print(f"{name:<10} {cells:7d} cells  {case:<6} {seconds:8.4f} s  {per:7.1f} µs per cell")
    ref, row = rows["reference"], rows["2,000-项"]
    for case in ("first", "repeat"):
        ratio = row[f"{case}_us_per_cell"] / ref[f"{case}_us_per_cell"]
        report(
            f"2,000-项 / reference, time per cell ({case})",
            ratio,
            PER_CELL_TARGET,
            "×",
            ratio <= PER_CELL_TARGET,
            f"{row['cells'] / ref['cells']:.0f}× the cells, {row[f'{case}_s'] / ref[f'{case}_s']:.0f}× the time",
        )
    results["per-cell"] = {
        "cells": "data cells validation reads (WorkbookRead.cells: inputs and formulas, blanks included)",
        "time": "median CPU seconds of validate_workbook (first: rule caches emptied before each run)",
        **{name: {k: round(v, 4) for k, v in r.items()} for name, r in rows.items()},
    }


def write_results(out: Path, results: dict[str, Any]) -> None:
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--linear", action="store_true", help="only the time per cell (section 5)")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    edition = load_edition("shanxi-2022")
    reference = xlreport.load_report(EXAMPLE)

    def report(name: str, value: float, target: float, unit: str, ok: bool, note: str = "") -> None:
        results[name] = {"value": round(value, 4), "target": target, "unit": unit, "met": ok, "note": note}
        mark = "met" if ok else "NOT met"
        print(f"{name:<46} {value:10.4f} {unit:<3} target {target:<8} {mark} {note}")

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        filled = write_report(d / "reference.xlsx", reference).path
        if args.linear:
            linear(report, results, filled, big_workbook(d))
            write_results(args.out, results)
            return

        # 1. one workbook in-process vs python-calamine reading every value
        try:
            cal = median_time(lambda: calamine_read_all(filled), repeat=15)
        except ImportError:
            cal = float("nan")
            print("python-calamine is not installed: pip install -e '.[bench]'")
        val = median_time(lambda: validate_workbook(filled), repeat=15)
        ratio = val / cal if cal == cal else float("nan")
        report("calamine read (s)", cal, 0, "s", True)
        report("validate one workbook in-process (s)", val, 0, "s", True)
        report("validate / calamine read (ratio)", ratio, 4, "×", ratio <= 4)

        # 2. the whole command
        def cli() -> None:
            subprocess.run(
                [sys.executable, "-m", "xlreport.cli", "validate", str(filled)], capture_output=True, check=False
            )

        report(
            "xlreport validate FILE as a process (s)",
            median_time(cli, repeat=5),
            0.5,
            "s",
            median_time(cli, repeat=3) <= 0.5,
        )

        # 3. a province's returns
        batch = d / "returns"
        batch.mkdir()
        bases = [write_report(d / f"b{s}.xlsx", random_report(edition, seed=s)).path for s in range(10)]
        for i in range(args.files):
            shutil.copy(bases[i % len(bases)], batch / f"unit-{i:04d}.xlsx")
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "xlreport.cli", "validate", str(batch), "--jobs", "2", "--format", "csv"],
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - start
        report(
            f"validate {args.files} workbooks --jobs 2 (s)",
            wall,
            60,
            "s",
            wall <= 60 and proc.returncode == 0,
            f"exit {proc.returncode}, {os.cpu_count()} cores",
        )

        # 4. writing
        w = median_time(lambda: write_report(d / "w.xlsx", reference), repeat=7)
        p = median_time(lambda: plain_write(d / "p.xlsx", filled), repeat=7)
        report("write the filled reference (s)", w, 0, "s", True)
        report("plain xlsxwriter, same cells (s)", p, 0, "s", True)
        report("write / plain write (ratio)", w / p, 2, "×", w / p <= 2)

        # 5. linear growth: time per cell of a 2,000-项 workbook against the reference's
        linear(report, results, filled, big_workbook(d))

    write_results(args.out, results)


if __name__ == "__main__":
    main()
