"""汇总 at scale: `xlreport merge` of N unit returns (the issue's target: 1,000 returns in ≤ 30 s, 2 cores).

    python benchmarks/merge_returns.py [N] [--jobs J] [--scenario distinct|department|both] [--no-workbook]

The returns are JSON reports of shanxi-2022, generated once and kept in the temporary directory:

- ``distinct``: N random returns, each with its own 功能分类 codes (6 项) and 2 scorecards — every return is
  a new shape, so validation instantiates the rule set for each (the worst case);
- ``department``: N returns made from 20 random ones (each scaled by a whole factor: every relation still
  holds) — units of one department sharing their code lists and scorecard layouts, as they mostly do.

Each is consolidated twice by the command, in a subprocess: to ``汇总.json`` (read and validate every
return, add them up, validate the consolidated report) and to ``汇总.xlsx`` (the same, then the workbook
with 2·N 绩效自评 sheets, the 审核 sheet and 汇总明细). Wall time and the CPU time of the command (its
worker processes included) are printed: the machine may be shared, and the CPU time says what the work
costs whatever the load. The consolidated 公开01 总计 is checked against the sum of the files.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlreport import load_edition
from xlreport.export import report_to_json
from xlreport.synthetic import random_report

TARGET_SECONDS = 30.0
BASES = 20


def _scaled(data: dict[str, Any], factor: int) -> dict[str, Any]:
    """Every amount of a report times ``factor`` (table cells, budget amounts, 情况说明 inputs; counts and
    rates and scores unchanged): a consistent report of another size."""

    def times(v: Any) -> str:
        return format(Decimal(str(v)) * factor, "f")

    for body in data["tables"].values():
        coded = "rows" in body
        rows = ([body["total"]] if body.get("total") else []) + body["rows"] if coded else list(body.values())
        for row in rows:
            for key, v in row.items():
                if key not in ("code", "name", "count"):
                    row[key] = times(v)
    for card in data.get("scorecards", []):
        for line in card.get("budget", []):
            for key in ("declared", "compiled", "annual_budget", "executed", "balance"):
                if line.get(key) is not None:
                    line[key] = times(line[key])
    data["narrative"] = {k: times(v) for k, v in data.get("narrative", {}).items()}
    return data


def build(n: int, scenario: str) -> Path:
    directory = Path(tempfile.gettempdir()) / f"xlreport-merge-bench-{scenario}-{n}"
    directory.mkdir(exist_ok=True)
    edition = load_edition("shanxi-2022")
    bases: list[dict[str, Any]] = []
    made = 0
    for i in range(n):
        path = directory / f"unit-{i:04d}.json"
        if path.exists():
            continue
        if scenario == "distinct":
            text = report_to_json(random_report(edition, seed=10_000 + i))
        else:
            if not bases:
                bases = [json.loads(report_to_json(random_report(edition, seed=20_000 + b))) for b in range(BASES)]
            data = _scaled(json.loads(json.dumps(bases[i % BASES])), 1 + i // BASES)
            data["meta"]["unit_name"] = f"单位{i:04d}"
            text = json.dumps(data, ensure_ascii=False, indent=1)
        path.write_text(text, encoding="utf-8")
        made += 1
    if made:
        print(f"generated {made} returns in {directory}", file=sys.stderr)
    return directory


def expected_total(directory: Path) -> Decimal:
    total = Decimal(0)
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        total += Decimal(str(data["tables"]["T01"]["income_grand_total"]["amount"]))
    return total


def run(directory: Path, out: Path, jobs: int | None) -> tuple[float, float, int, str]:
    command = [sys.executable, "-m", "xlreport", "merge", str(directory), "--dept", "基准部门", "-o", str(out)]
    if jobs:
        command += ["--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=None, help="default: the command's (CPU cores)")
    parser.add_argument("--scenario", choices=["distinct", "department", "both"], default="both")
    parser.add_argument("--no-workbook", action="store_true", help="only the consolidation to JSON")
    args = parser.parse_args()
    scenarios = ["distinct", "department"] if args.scenario == "both" else [args.scenario]
    with open("/proc/loadavg", encoding="ascii") as fh:
        print(f"load average before: {fh.read().split()[:3]}")
    for scenario in scenarios:
        directory = build(args.n, scenario)
        summed = expected_total(directory)
        with tempfile.TemporaryDirectory() as tmp:
            for suffix in (".json",) if args.no_workbook else (".json", ".xlsx"):
                out = Path(tmp) / f"汇总{suffix}"
                wall, cpu, code, last = run(directory, out, args.jobs)
                met = "met" if wall <= TARGET_SECONDS else "NOT met"
                print(
                    f"{scenario:<10} {args.n} returns → 汇总{suffix:<5}  {wall:7.1f} s wall  {cpu:7.1f} s CPU  "
                    f"exit {code}  (target {TARGET_SECONDS:.0f} s: {met})"
                )
                print(f"    {last}")
                if suffix == ".json" and code in (0, 1):
                    merged = json.loads(out.read_text(encoding="utf-8"))
                    total = Decimal(str(merged["tables"]["T01"]["income_grand_total"]["amount"]))
                    same = "equal" if total == summed else "DIFFERENT"
                    print(f"    公开01 总计 {total:,.2f}, the files' sum {summed:,.2f}: {same}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
