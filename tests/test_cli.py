"""The command line, through click's CliRunner: every command, every exit code, the JSON output."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xlreport.cli import main
from xlreport.synthetic import random_report
from xlreport.validation.result import FileResult, ValidationResult
from xlreport.write.writer import write_report

from .conftest import EXAMPLE, SYNTHETIC

FINDING_KEYS = {
    "rule_id",
    "family",
    "code",
    "severity",
    "message",
    "table",
    "sheet",
    "cell",
    "row",
    "column",
    "expected",
    "actual",
    "difference",
    "tolerance",
    "cells",
}


@pytest.fixture()
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory, edition):
    d = tmp_path_factory.mktemp("cli")
    good = write_report(d / "good.xlsx", random_report(edition, seed=3)).path
    bad = d / "bad.xlsx"
    shutil.copy(good, bad)
    wb = load_workbook(bad)
    sheet, coord = next(iter(wb.defined_names["xr.T10.procurement_total.amount"].destinations))
    wb[sheet][coord.replace("$", "")].value = 1
    wb.save(bad)
    broken = d / "broken.xlsx"
    broken.write_bytes(b"not a workbook at all")
    return d, good, bad, broken


def test_help_everywhere_with_an_example(run):
    for command in ("template", "fill", "validate", "export", "schema", "rules", "demo"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "示例" in result.output


def test_template_and_fill(run, tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "--dept", "某某局", "--year", "2023", "--codes", "2010306,2080505", "-o", str(out))
    assert result.exit_code == 0 and out.exists()
    assert "已生成" in result.stderr
    assert run("template", "--dept", "x", "--year", "2023", "--codes", "20103x", "-o", str(out)).exit_code == 2
    assert run("template", "--edition", "nowhere", "--dept", "x", "--year", "1", "-o", str(out)).exit_code == 2
    entry = tmp_path / "entry.xlsx"
    args = ("template", "--edition", "shanghai-2024", "--dept", "x", "--year", "2024")
    assert run(*args, "--entry-unit", "元", "-o", str(entry)).exit_code == 0
    assert "收入决算表（元）" in load_workbook(entry).sheetnames
    assert run("template", "--dept", "x", "--year", "2023", "--entry-unit", "万元", "-o", str(out)).exit_code == 2
    filled = tmp_path / "f.xlsx"
    result = run("fill", str(EXAMPLE), "-o", str(filled), "--as-published")
    assert result.exit_code == 0 and filled.exists()
    assert "R10-1" in result.stderr and "按印刷数保留" in result.stderr
    from_last = tmp_path / "from.xlsx"
    assert run("template", "--dept", "x", "--year", "2024", "--from", str(filled), "-o", str(from_last)).exit_code == 0
    codes = [c.value for c in load_workbook(from_last)["公开03"]["A"] if c.value]
    assert "2210201" in codes


def test_validate_exit_codes(run, workbooks):
    d, good, bad, broken = workbooks
    assert run("validate", str(good)).exit_code == 0
    result = run("validate", str(bad))
    assert result.exit_code == 1
    assert "R10-1" in result.output and "F05" in result.output
    assert run("validate", str(good), str(broken)).exit_code == 2
    assert run("validate", str(d / "missing.xlsx")).exit_code == 2
    assert run("validate", str(EXAMPLE)).exit_code == 1  # the published reference has an error
    assert run("validate", str(EXAMPLE), "--fail-on", "warning").exit_code == 1
    assert run("validate", str(good), "--fail-on", "warning").exit_code == 0


def test_validate_json_output_and_schema(run, workbooks):
    _d, good, bad, broken = workbooks
    result = run("validate", str(good), str(bad), str(broken), "--format", "json", "--jobs", "2")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    model = ValidationResult.model_validate(doc)  # the model schemas/validation-result.schema.json is made from
    assert json.loads(model.model_dump_json()) == doc  # the output is the serialised model, nothing added by hand
    assert doc["valid"] is False and doc["stats"]["unreadable"] == 1
    statuses = {f["path"].split("/")[-1]: f["status"] for f in doc["files"]}
    assert statuses == {"good.xlsx": "valid", "bad.xlsx": "invalid", "broken.xlsx": "unreadable"}
    for f in doc["files"]:
        assert set(f) == set(FileResult.model_json_schema(mode="serialization")["properties"])
        assert {"path", "status", "valid", "annotated", "counts", "findings", "unit_name", "year"} <= set(f)
        for finding in f["findings"]:
            assert set(finding) >= FINDING_KEYS
    bad_findings = next(f for f in doc["files"] if f["path"].endswith("bad.xlsx"))["findings"]
    assert {(x["rule_id"], x["cell"]) for x in bad_findings} >= {("R10-1", "C6"), ("F05", "C6")}
    assert "共 3 个文件" in result.stderr


def test_validate_directory_csv_summary_and_annotate(run, workbooks, tmp_path):
    d, _good, bad, _broken = workbooks
    summary = tmp_path / "summary.csv"
    annotated = tmp_path / "annotated"
    before = bad.read_bytes()
    result = run("validate", str(d), "--format", "csv", "--summary", str(summary), "--annotate", str(annotated))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0].startswith("source,severity,rule_id")
    rows = summary.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 4 and rows[0].startswith("文件,单位名称,年度,表样版本,结果")
    copy = annotated / "bad.审核.xlsx"
    wb = load_workbook(copy)
    assert wb.sheetnames[0] == "审核结果"
    assert wb["公开10"]["C6"].comment is not None
    assert bad.read_bytes() == before


def test_export_json_and_csv(run, workbooks, tmp_path):
    _, good, _, broken = workbooks
    out = tmp_path / "good.json"
    assert run("export", str(good), "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["edition"] == "shanxi-2022" and "T03" in data["tables"]
    csv_out = tmp_path / "good.csv"
    assert run("export", str(good), "-o", str(csv_out), "--format", "csv").exit_code == 0
    header = csv_out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "table,sheet,row,line,code,row_label,column,seq,column_label,value"
    assert run("export", str(broken), "-o", str(tmp_path / "x.json")).exit_code == 2


def test_schema_and_rules(run, tmp_path):
    result = run("schema", "-o", str(tmp_path))
    assert result.exit_code == 0
    assert (tmp_path / "report-shanxi-2022.schema.json").exists()
    md = run("rules")
    assert md.exit_code == 0 and "| R10-1 |" in md.output and "| K4 |" in md.output
    doc = json.loads(run("rules", "--format", "json").output)
    assert {r["id"] for r in doc["rules"]} >= {"R01-1", "H02", "X14", "K5-3"}


def test_second_edition_through_the_same_commands(run, tmp_path):
    out = tmp_path / "sh.xlsx"
    result = run("template", "--edition", "shanghai-2024", "--dept", "上海市XX局", "--year", "2024", "-o", str(out))
    assert result.exit_code == 0
    assert run("validate", str(out)).exit_code == 0
    assert run("validate", str(SYNTHETIC)).exit_code == 0  # rounding notes are info
    filled = tmp_path / "sh-filled.xlsx"
    assert run("fill", str(SYNTHETIC), "-o", str(filled)).exit_code == 0
    assert run("validate", str(filled)).exit_code == 0
    assert "| X10 |" in run("rules", "--edition", "shanghai-2024").output


def test_demo(run, tmp_path):
    result = run("demo", "-o", str(tmp_path))
    assert result.exit_code == 0
    assert "R10-1" in result.output and "K4" in result.output
    assert (tmp_path / "template-shanxi-2022.xlsx").exists() and (tmp_path / "jincheng-2022.xlsx").exists()


def test_errors_are_one_line_without_traceback(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = run("fill", str(bad), "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "不是有效的JSON" in result.stderr
