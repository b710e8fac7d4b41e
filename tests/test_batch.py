"""Batch validation where worker processes start by spawning, as on Windows and macOS."""

from __future__ import annotations

from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any

from xlreport import load_report
from xlreport.batch import FileOutcome, run_batch
from xlreport.excel.writer import write_report

from .conftest import EXAMPLE, SYNTHETIC


class RecordingSpawn(SpawnContext):
    """The spawn start method, keeping every worker process it starts."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[SpawnProcess] = []

    def Process(self, *args: Any, **kwargs: Any) -> SpawnProcess:  # the name multiprocessing calls
        process = SpawnProcess(*args, **kwargs)
        self.started.append(process)
        return process


def test_run_batch_under_the_spawn_start_method(tmp_path):
    written = write_report(tmp_path / "sh.xlsx", load_report(SYNTHETIC)).path
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook")
    files = [EXAMPLE, written, garbage]
    done: list[FileOutcome] = []

    spawn = RecordingSpawn()
    spawned = run_batch(files, jobs=2, on_done=done.append, mp_context=spawn)

    assert spawn.started, "the workers were started by spawning"

    assert [o.status for o in spawned] == ["invalid", "valid", "unreadable"]
    assert [o.path for o in done] == [str(f) for f in files]
    serial = run_batch(files, jobs=1)
    assert [[f["rule_id"] for f in o.findings] for o in spawned] == [[f["rule_id"] for f in o.findings] for o in serial]
    assert "R10-1" in [f["rule_id"] for f in spawned[0].findings]
