"""A bureau's batch: nothing lost, nothing of the user's overwritten, who sent what."""

from __future__ import annotations

import csv
import io
import json
import shutil
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path, PurePath
from typing import Any

import pytest
from click.testing import CliRunner

from xlreport import load_report
from xlreport.batch import Source, annotation_targets, cross_check, expand_paths, run_batch
from xlreport.cli import main
from xlreport.synthetic import random_report
from xlreport.validation.output import printable, safe_field, to_csv
from xlreport.validation.result import FileResult, ValidationResult
from xlreport.write.writer import write_report

from .conftest import EXAMPLE, SYNTHETIC


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def book(tmp_path_factory, edition) -> Path:
    return write_report(tmp_path_factory.mktemp("batch") / "book.xlsx", random_report(edition, seed=5)).path


def _json_report(path: Path, unit: str | None = None, year: int | None = None) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    if unit is not None:
        data["meta"]["unit_name"] = unit
    if year is not None:
        data["meta"]["year"] = year
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_expansion_skips_lock_files_and_own_outputs_and_lists_wrong_types(tmp_path: Path) -> None:
    d = tmp_path / "回收"
    _json_report(d / "局A.json")
    for name in ("~$局A.xlsx", ".~lock.局A.xlsx#", "汇总.csv"):
        (d / name).write_text("x")
    (d / "标注").mkdir()
    (d / "标注" / "局A.审核.xlsx").write_text("x")
    for name in ("a.pdf", "b.docx", "c.ods", "d.et", "e.zip", "f.xlsx "):
        (d / name).write_text("x")
    found = expand_paths([d, str(d / "*")], exclude=[d / "汇总.csv", d / "标注"])
    assert [s.path.name for s in found.files] == ["局A.json"]  # reached by the folder and the glob: once
    skipped = {Path(s.path).name: s.reason for s in found.skipped}
    assert set(skipped) == {"a.pdf", "b.docx", "c.ods", "d.et", "e.zip", "f.xlsx "}
    assert ".pdf" in skipped["a.pdf"] and "空格" in skipped["f.xlsx "]


def test_the_same_file_by_a_folder_and_an_absolute_path_is_validated_once(tmp_path: Path) -> None:
    report = _json_report(tmp_path / "d" / "局.json")
    found = expand_paths([tmp_path / "d", str(report.resolve())])
    assert len(found.files) == 1


def test_annotated_copies_keep_relative_paths_and_never_replace_an_input(tmp_path: Path) -> None:
    sources = [
        Source(tmp_path / "局A" / "决算公开表.xlsx", PurePath("局A/决算公开表.xlsx")),
        Source(tmp_path / "局B" / "决算公开表.xlsx", PurePath("局B/决算公开表.xlsx")),
        Source(tmp_path / "局.xlsx", PurePath("局.xlsx")),
        Source(tmp_path / "局.xlsm", PurePath("局.xlsm")),
        Source(tmp_path / "局A.xlsx", PurePath("局A.xlsx")),
        Source(tmp_path / "局A.审核.xlsx", PurePath("局A.审核.xlsx")),
        Source(tmp_path / ("长" * 120 + ".xlsx"), PurePath("长" * 120 + ".xlsx")),
    ]
    targets = annotation_targets(sources, tmp_path)  # the annotate folder is the input folder
    paths = list(targets.values())
    assert len(set(paths)) == len(sources)
    inputs = {s.path for s in sources}
    assert not inputs & set(paths)
    assert targets[str(tmp_path / "局A" / "决算公开表.xlsx")] == tmp_path / "局A" / "决算公开表.审核.xlsx"
    assert targets[str(tmp_path / "局.xlsx")].name == "局.xlsx.审核.xlsx"
    assert targets[str(tmp_path / "局.xlsm")].name == "局.xlsm.审核.xlsx"
    assert targets[str(tmp_path / "局A.xlsx")].name == "局A.1.审核.xlsx"  # 局A.审核.xlsx is an input
    long = targets[str(tmp_path / ("长" * 120 + ".xlsx"))].name
    assert len(long.encode()) <= 200 and long.startswith("长") and long.endswith(".审核.xlsx")


def test_annotating_into_the_input_folder_loses_no_file(tmp_path: Path, book: Path) -> None:
    d = tmp_path / "回收"
    d.mkdir()
    shutil.copy(book, d / "局A.xlsx")
    shutil.copy(book, d / "局A.审核.xlsx")  # a department's file that happens to carry this name
    before = (d / "局A.审核.xlsx").read_bytes()
    result = _cli("validate", str(d), "--annotate", str(d), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert (d / "局A.审核.xlsx").read_bytes() == before
    assert (d / "局A.1.审核.xlsx").exists() and (d / "局A.审核.审核.xlsx").exists()


def test_year_and_duplicates_across_a_batch(tmp_path: Path) -> None:
    files = [
        _json_report(tmp_path / "a.json", "甲局", 2022),
        _json_report(tmp_path / "b.json", "乙局", 2022),
        _json_report(tmp_path / "c.json", "丙局", 2021),  # last year's file sent again
        _json_report(tmp_path / "d.json", "甲局", 2022),  # the same unit twice
    ]
    shutil.copy(files[1], tmp_path / "e.json")  # the same bytes twice
    result = _cli("validate", str(tmp_path), "--format", "json", "--jobs", "1")
    doc = json.loads(result.stdout)
    codes = {Path(f["path"]).name: [x["code"] for x in f["findings"] if x["family"] == "F"] for f in doc["files"]}
    assert codes == {
        "a.json": [],
        "b.json": [],
        "c.json": ["year-mismatch"],
        "d.json": ["duplicate-return"],
        "e.json": ["duplicate-return"],
    }
    forced = json.loads(_cli("validate", str(tmp_path / "a.json"), "--year", "2023", "--format", "json").stdout)
    assert [x["code"] for x in forced["files"][0]["findings"] if x["family"] == "F"] == ["year-mismatch"]


def test_cross_check_leaves_a_consistent_batch_alone() -> None:
    results = [FileResult(path=f"{i}.json", unit_name=f"单位{i}", year=2022, sha256=str(i)) for i in range(3)]
    assert cross_check(results) == results


def test_summary_lists_unit_year_edition_and_skipped_files(tmp_path: Path) -> None:
    d = tmp_path / "回收"
    _json_report(d / "a.json", "甲局", 2022)
    (d / "说明.pdf").write_text("x")
    summary = tmp_path / "汇总.csv"
    _cli("validate", str(d), "--summary", str(summary))
    rows = list(csv.reader(io.StringIO(summary.read_text(encoding="utf-8-sig"))))
    assert rows[0][:5] == ["文件", "单位名称", "年度", "表样版本", "结果"]
    assert rows[1][1:5] == ["甲局", "2022", "shanxi-2022", "不通过"]
    assert rows[2][0].endswith("说明.pdf") and rows[2][4] == "跳过" and ".pdf" in rows[2][-1]


def test_an_output_that_cannot_be_written_is_one_chinese_line_and_exit_2(tmp_path: Path) -> None:
    report = _json_report(tmp_path / "a.json")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for option, target in (
        ("--summary", blocker / "汇总.csv"),
        ("--annotate", blocker / "标注"),
        ("--summary", tmp_path),
    ):
        result = _cli("validate", str(report), option, str(target))
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("错误：无法写入") and "Traceback" not in result.output


def test_csv_fields_a_spreadsheet_would_run_are_neutralised() -> None:
    assert safe_field("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_field("@SUM(A1)") == "'@SUM(A1)" and safe_field("+1+cmd") == "'+1+cmd" and safe_field("\tx") == "'\tx"
    assert safe_field("-55227.46") == "-55227.46" and safe_field("公开10") == "公开10"
    evil = FileResult(path="=cmd|'/C calc'!A0.xlsx", readable=False)
    text = to_csv(ValidationResult(files=[evil.model_copy(update={"findings": []})]))
    assert "=cmd" not in text.replace("'=cmd", "")


def test_control_characters_in_names_are_escaped_for_the_terminal() -> None:
    assert printable("a\x1b[31mb.xlsx") == "a\\x1b[31mb.xlsx"
    assert printable("局 A.xlsx") == "局 A.xlsx"


def test_a_gbk_console_prints_what_it_can(tmp_path: Path) -> None:
    import subprocess
    import sys

    report = _json_report(tmp_path / "a\u2003€.json")  # characters GBK cannot encode
    run = subprocess.run(
        [sys.executable, "-m", "xlreport", "validate", str(report)],
        capture_output=True,
        env={**__import__("os").environ, "PYTHONIOENCODING": "gbk"},
        timeout=120,
    )
    assert run.returncode == 1 and b"Traceback" not in run.stderr
    assert "不通过".encode("gbk") in run.stdout


def test_a_dde_formula_outside_the_tables_is_a_warning_and_text_in_the_copy(tmp_path: Path, book: Path) -> None:
    from openpyxl import load_workbook

    from xlreport.validation.annotate import annotate
    from xlreport.validation.workbook import validate_workbook

    wb = load_workbook(book)
    ws = wb["公开10"]
    ws["H40"] = "=cmd|'/C calc'!A0"
    wb.save(tmp_path / "dde.xlsx")
    findings = validate_workbook(tmp_path / "dde.xlsx").findings
    stray = [f for f in findings if f.code == "stray-formula"]
    assert [(f.sheet, f.cell, f.severity) for f in stray] == [("公开10", "H40", "warning")]
    copy = annotate(tmp_path / "dde.xlsx", findings, tmp_path / "out" / "dde.审核.xlsx")
    assert load_workbook(copy)["公开10"]["H40"].data_type == "s"


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
    done: list[FileResult] = []

    spawn = RecordingSpawn()
    spawned = run_batch(files, jobs=2, on_done=done.append, mp_context=spawn)

    assert spawn.started, "the workers were started by spawning"

    assert [o.status for o in spawned] == ["invalid", "valid", "unreadable"]
    assert [o.path for o in done] == [str(f) for f in files]
    serial = run_batch(files, jobs=1)
    assert [[f.rule_id for f in o.findings] for o in spawned] == [[f.rule_id for f in o.findings] for o in serial]
    assert "R10-1" in [f.rule_id for f in spawned[0].findings]
