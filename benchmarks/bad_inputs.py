"""The bad-input corpus through ``xlreport validate``, each file in its own process: wall time and peak
memory against the targets (2 s and 200 MB a file). The tests check the findings and the memory; the
time is measured here, on demand.

    python benchmarks/bad_inputs.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bad_corpus import KINDS, make, run_cli_measured, stray_cells  # noqa: E402
from xlreport import examples  # noqa: E402
from xlreport.write.writer import write_report  # noqa: E402

SECONDS, MIB = 2.0, 200.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        good = write_report(d / "good.xlsx", examples.load(examples.REFERENCE)).path
        stray = {  # readable files with millions of cells outside the tables: counted, not read
            "stray-5m-below": lambda: stray_cells(good, d / "below.xlsx", 5_000_000, "below"),
            "stray-4m-right": lambda: stray_cells(good, d / "right.xlsx", 4_000_000, "right"),
        }
        for kind, code in {**KINDS, "good": None, **dict.fromkeys(stray, "")}.items():
            path = good if code is None else stray[kind]() if kind in stray else make(kind, d, good)
            runs = [run_cli_measured("validate", "--format", "json", str(path)) for _ in range(args.repeat)]
            found = [f["code"] for f in json.loads(runs[0].stdout)["files"][0]["findings"]]
            seconds = statistics.median(r.seconds for r in runs)
            peak = max(r.peak_rss_mib for r in runs)
            ok = seconds <= SECONDS and peak <= MIB
            results[kind] = {"seconds": round(seconds, 3), "peak_mib": round(peak, 1), "findings": found}
            size = path.stat().st_size
            print(
                f"{kind:<14} {size:>9} B  {seconds:6.3f} s  {peak:6.1f} MiB  "
                f"{'met' if ok else 'NOT met'}  {','.join(found[:3]) or '-'}"
            )
    worst = max(r["seconds"] for r in results.values()), max(r["peak_mib"] for r in results.values())
    print(f"worst: {worst[0]:.3f} s (target {SECONDS} s), {worst[1]:.1f} MiB (target {MIB} MiB)")


if __name__ == "__main__":
    main()
