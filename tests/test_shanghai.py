"""Edition shanghai-2024, added as data: 9 tables, 万元, no 行次/栏次, rounding notes, 26-类 variants."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

import xlreport
from xlreport import load_edition
from xlreport.editions.spec import Edition
from xlreport.rules.instantiate import instantiate
from xlreport.synthetic import random_report, rounded_report
from xlreport.validation.engine import shape_of
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report, write_template

from .conftest import ROOT, SYNTHETIC
from .libreoffice import recalculation_problems, soffice


@pytest.fixture(scope="module")
def sh():
    return load_edition("shanghai-2024")


def data() -> dict:
    return json.loads(SYNTHETIC.read_text(encoding="utf-8"))


def test_edition_shape(sh):
    assert len(sh.tables) == 9 and sh.info.amount_unit == "万元" and not sh.info.line_numbers
    t01 = sh.table("T01")
    printed = [r for r in next(p for p in t01.panels if p.id == "expense").rows if r.code and not r.optional]
    assert len(printed) == 24 and printed[-1].label == "二十四、抗疫特别国债安排的支出"
    assert t01.row("use_nonfiscal_balance")[1].aliases == ("使用非财政拨款结余（含专用结余）",)
    assert sh.table("T05").coded.total_position == "bottom"
    assert [c.key for c in sh.table("T06").panels[0].value_columns()] == ["amount"]
    assert not sh.scorecard.enabled
    assert not {r.family for r in sh.rules} & {"R10", "X12", "X14", "K1", "K2", "K3", "K4", "K5"}


def test_the_synthetic_example_has_rounding_notes_only():
    result = xlreport.check(SYNTHETIC)
    assert result.valid
    assert result.findings and {f.severity for f in result.findings} == {"info"}
    assert {f.code for f in result.findings} == {"rounding-difference"}
    diffs = {abs(f.difference) for f in result.findings}
    assert diffs <= {Decimal("0.01"), Decimal("0.02")}
    assert all(abs(f.difference) <= f.tolerance for f in result.findings)


def test_a_total_off_by_more_than_the_bound_is_an_error_at_that_cell(tmp_path):
    d = data()
    total = d["tables"]["T02"]["total"]
    total["business"] = format(Decimal(total.get("business", "0")) + Decimal("0.05"), "f")
    total["total"] = format(Decimal(total["total"]) + Decimal("0.05"), "f")
    findings = xlreport.check(d).findings
    errors = [(f.rule_id, f.table, f.row.key, f.column.key) for f in findings if f.severity == "error"]
    assert ("H02-total", "T02", "total", "business") in errors
    # and in a workbook the finding names the cell
    report = xlreport.load_report(d)
    path = write_report(tmp_path / "wrong.xlsx", report, as_published=True).path
    wfind = [f for f in validate_workbook(path).findings if f.severity == "error" and f.rule_id == "H02-total"]
    assert wfind and all(f.sheet == "收入决算表" and re.fullmatch(r"[A-Z]+\d+", f.cell) for f in wfind)


def test_a_total_typed_in_yuan_is_called_out():
    d = data()
    row = d["tables"]["T01"]["income_total"]
    row["amount"] = format(Decimal(row["amount"]) * 10000, "f")
    findings = [f for f in xlreport.check(d).findings if f.severity == "error"]
    hinted = [f for f in findings if f.code == "amount-in-yuan"]
    assert hinted and "疑似按元而非万元填报" in hinted[0].message
    assert hinted[0].row.key == "income_total"


def test_26_class_reports_and_label_variants_are_read_and_checked(tmp_path, sh):
    report = xlreport.load_report(data())
    assert report.tables.T01.k_231 is not None or report.tables.T03.rows  # 231 rows are accepted
    path = write_report(tmp_path / "sh.xlsx", report).path
    ws = load_workbook(path)["收入支出决算总表"]
    labels = [c.value for c in ws["C"] if isinstance(c.value, str)]
    printed_classes = [x for x in labels if (x.endswith("支出") and "、" in x) or x in ("债务还本支出", "债务付息支出")]
    assert "债务还本支出" in labels  # an optional 类 row is printed when the report has it
    assert len(printed_classes) >= 24
    result = validate_workbook(path)
    assert [f for f in result.findings if f.severity != "info"] == []
    # inputs come back as typed; totals are the formulas' (within the rounding of their parts)
    checks = instantiate(shape_of(report))
    derived = {c.defines for c in checks if c.defines is not None}
    back = result.report.cells()
    assert {k: v for k, v in back.items() if k not in derived} == {
        k: v for k, v in report.cells().items() if k not in derived
    }


def test_template_looks_like_the_template(tmp_path, sh):
    path = write_template(tmp_path / "t.xlsx", sh, "上海市XX局", 2024).path
    wb = load_workbook(path)
    assert [s for s in wb.sheetnames if s not in ("填表说明", "审核", "_lists")][:9] == [t.sheet for t in sh.tables]
    ws = wb["收入支出决算总表"]
    assert ws["A1"].value == "上海市XX局2024年度部门决算表"
    assert ws["A2"].value == "收入支出决算总表"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "单位：万元" in texts and "栏次" not in texts and not any(t.startswith("部门名称") for t in texts)
    assert not any(s.startswith("绩效自评") for s in wb.sheetnames)
    result = validate_workbook(path)
    assert [f.code for f in result.findings] == ["not-filled"]  # returned as sent: 未填报, nothing else


def test_no_edition_name_in_writer_reader_or_validator_code():
    hits = []
    for path in (ROOT / "xlreport").rglob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        if "shanghai" in text or "shanxi" in text:
            hits.append(str(path.relative_to(ROOT)))
    assert hits == []


def shanghai_random(directory: Path, sh: Edition, seed: int) -> Path:
    """The ``seed``-th random report of the parity sweep: odd seeds in 元, rounded to 万元 as published."""
    report = random_report(sh, seed=500 + seed, items=3 + seed, in_yuan=seed % 2 == 1)
    if seed % 2:
        report = rounded_report(report)
    return write_report(directory / f"r{seed}.xlsx", report).path


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_parity(tmp_path: Path, sh: Edition) -> None:
    files = [
        write_template(tmp_path / "template.xlsx", sh, "上海市XX局", 2024).path,
        write_report(tmp_path / "example.xlsx", xlreport.load_report(SYNTHETIC)).path,
        *(shanghai_random(tmp_path, sh, seed) for seed in (0, 1)),
    ]
    assert recalculation_problems(files, tmp_path / "re") == {}
