"""Batch validation where worker processes start by spawning, as on Windows and macOS."""

from __future__ import annotations

import multiprocessing

from xlreport import load_report
from xlreport.batch import FileOutcome, run_batch
from xlreport.excel.writer import write_report

from .conftest import EXAMPLE, SYNTHETIC


def test_run_batch_under_the_spawn_start_method(tmp_path):
    written = write_report(tmp_path / "sh.xlsx", load_report(SYNTHETIC)).path
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook")
    files = [EXAMPLE, written, garbage]
    done: list[FileOutcome] = []

    spawned = run_batch(files, jobs=2, on_done=done.append, mp_context=multiprocessing.get_context("spawn"))

    assert [o.status for o in spawned] == ["invalid", "valid", "unreadable"]
    assert [o.path for o in done] == [str(f) for f in files]
    serial = run_batch(files, jobs=1)
    assert [[f["rule_id"] for f in o.findings] for o in spawned] == [[f["rule_id"] for f in o.findings] for o in serial]
    assert "R10-1" in [f["rule_id"] for f in spawned[0].findings]
