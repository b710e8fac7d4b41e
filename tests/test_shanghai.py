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
from .excel_ops import without_identity
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
    printed_classes = [x for x in labels if x.endswith("支出") and "、" in x]
    # a report with an optional 类 prints both (blank 232 too) and numbers them, as published reports do
    assert "二十四、债务还本支出" in labels and "二十五、债务付息支出" in labels
    assert len(printed_classes) == 26 and printed_classes[-1] == "二十六、抗疫特别国债安排的支出"
    ws04 = load_workbook(path)["财政拨款收入支出决算总表"]
    assert "二十六、抗疫特别国债安排的支出" in [c.value for c in ws04["C"] if isinstance(c.value, str)]
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


@pytest.mark.sweep  # LibreOffice: .ci/run's sweep
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_parity(tmp_path: Path, sh: Edition) -> None:
    files = [
        write_template(tmp_path / "template.xlsx", sh, "上海市XX局", 2024).path,
        write_report(tmp_path / "example.xlsx", xlreport.load_report(SYNTHETIC)).path,
        *(shanghai_random(tmp_path, sh, seed) for seed in (0, 1)),
    ]
    assert recalculation_problems(files, tmp_path / "re") == {}


# ---------------------------------------------------------------------- as real reports print them
FIELD_REPORT = ROOT / "tests" / "field" / "shanghai" / "putuo-finance-bureau-2024.json"


def _with_gov_fund() -> dict:
    """The 普陀区财政局 report with 100.00 of 政府性基金 added (80.00 spent on 2120801, 20.00 carried over),
    every table kept consistent; 08's 合计 prints 本年收入 and 年末 but, as published, no 本年支出."""
    d = json.loads(FIELD_REPORT.read_text(encoding="utf-8"))
    t = d["tables"]
    t["T01"]["gov_fund"] = {"amount": "100.00"}
    t["T01"]["212"] = {"amount": "80.00"}
    t["T01"]["income_total"]["amount"] = "3046.25"
    t["T01"]["income_grand_total"]["amount"] = t["T01"]["expense_grand_total"]["amount"] = "3095.39"
    t["T01"]["expense_total"]["amount"] = "3020.05"
    t["T01"]["end_balance"]["amount"] = "75.34"
    t["T02"]["total"].update(total="3046.25", fiscal="3040.05")
    t["T03"]["total"].update(total="3020.05", project="683.14")
    rows = (
        ("212", "城乡社区支出"),
        ("21208", "国有土地使用权出让收入安排的支出"),
        ("2120899", "其他国有土地使用权出让收入安排的支出"),
    )
    for code, name in rows:
        t["T02"]["rows"].append({"code": code, "name": name, "total": "100.00", "fiscal": "100.00"})
        t["T03"]["rows"].append({"code": code, "name": name, "total": "80.00", "project": "80.00"})
        t["T08"]["rows"].append(
            {"code": code, "name": name, "income": "100.00", "expense": "80.00", "project": "80.00", "end": "20.00"}
        )
    t["T08"]["total"] = {"income": "100.00", "end": "20.00"}
    t["T04"]["gov_fund"] = {"amount": "100.00"}
    t["T04"]["income_total"]["amount"] = "3040.05"
    t["T04"]["income_grand_total"]["amount"] = "3061.68"
    t["T04"]["212"] = {"total": "80.00", "fund": "80.00"}
    t["T04"]["expense_total"].update(total="3020.05", fund="80.00")
    t["T04"]["end_balance"].update(total="41.63", fund="20.00")
    t["T04"]["expense_grand_total"].update(total="3061.68", fund="100.00")
    return d


def test_04_end_row_holds_the_fund_split_and_08_total_has_no_expense():
    field = {(f.rule_id, f.row.key, f.column.key) for f in xlreport.check(FIELD_REPORT).findings}
    result = xlreport.check(_with_gov_fund())
    assert [f for f in result.findings if f.severity != "info"] == []
    assert {(f.rule_id, f.row.key, f.column.key) for f in result.findings} == field


def test_08_relations_read_the_class_rows_where_the_total_prints_no_expense():
    d = _with_gov_fund()
    for row in d["tables"]["T08"]["rows"]:
        if row["code"] == "212":
            row.update(expense="85.00", project="85.00")  # the 类 row disagrees with 04 and with its own roll
    errors = {(f.rule_id, f.row.key, f.column.key) for f in xlreport.check(d).findings if f.severity == "error"}
    assert ("R08-1", "total", "end") in errors  # 20.00 ≠ 0 + 100.00 − Σ类 85.00
    assert ("X08-total", "expense_total", "fund") in errors and ("X08-212", "212", "fund") in errors
    assert not any(col in ("expense", "basic", "project") for _, row, col in errors if row == "total")


def test_08_total_row_takes_no_expense_amounts():
    d = _with_gov_fund()
    d["tables"]["T08"]["total"]["expense"] = "80.00"
    with pytest.raises(xlreport.ReportInputError):
        xlreport.load_report(d)


def test_a_blank_reads_blank_and_columns_read_as_the_edition_prints_them(sh):
    d = json.loads(FIELD_REPORT.read_text(encoding="utf-8"))
    del d["tables"]["T04"]["end_balance"]["general"]
    found = [f for f in xlreport.check(d).findings if f.rule_id == "R04-12"]
    assert len(found) == 1 and found[0].actual is None and found[0].expected == Decimal("21.63")
    assert "实为空白" in found[0].message and "实为0" not in found[0].message
    x08 = next(r for r in sh.rules if r.id == "X08-total")
    assert "本年支出合计" in x08.description and "小计" not in x08.description and "公开" not in x08.description
    assert all("{T" not in r.description for r in sh.rules)


# ---------------------------------------------------------------------- years
YICHUAN_2025 = ROOT / "tests" / "field" / "shanghai" / "putuo-yichuan-road-subdistrict-2025.json"


def test_a_2025_edition_is_the_2024_template_with_the_years_codes(sh):
    sh25 = load_edition("shanghai-2025")
    assert sh25.info.years == (2025,) and sh.info.years == (2024,)
    assert sh25.tables == sh.tables and [r.id for r in sh25.rules] == [r.id for r in sh.rules]
    # what differs is the years' printing of 231/232: 2024 reports print them blank, the 2025 one does not
    assert sh.info.print_optional and not sh25.info.print_optional and sh25.layout_hash != sh.layout_hash
    assert sh25.functions["22198"] == "超长期特别国债安排的支出" and "22198" not in sh.functions


def test_a_report_outside_its_editions_years_is_told_which_edition_to_use():
    d = json.loads(YICHUAN_2025.read_text(encoding="utf-8"))
    assert not [f for f in xlreport.check(d).findings if f.code == "edition-year"]
    d["meta"]["edition"] = "shanghai-2024"  # a 2025 report checked against the 2024 edition
    warned = [f for f in xlreport.check(d).findings if f.code == "edition-year"]
    assert len(warned) == 1 and warned[0].severity == "warning" and warned[0].rule_id == "F10"
    assert "2025年" in warned[0].message and "shanghai-2025" in warned[0].message
    d["meta"]["year"] = 2031
    (warned,) = [f for f in xlreport.check(d).findings if f.code == "edition-year"]
    assert "没有适用于2031年度的表样版本" in warned.message


def test_a_workbook_of_another_year_is_warned_too(tmp_path):
    path = write_template(tmp_path / "t.xlsx", load_edition("shanghai-2024"), "上海市XX局", 2025).path
    codes = {f.code for f in validate_workbook(path).findings}
    assert "edition-year" in codes


def test_a_template_names_the_codes_its_year_adds(tmp_path):
    path = write_template(tmp_path / "t.xlsx", load_edition("shanghai-2025"), "上海市XX局", 2025, ["2219899"]).path
    ws = load_workbook(path)["支出决算表"]
    names = {r[0]: r[1] for r in ws.iter_rows(values_only=True, max_col=2) if r[0]}
    assert names["22198"] == "超长期特别国债安排的支出" and names["2219899"] == "其他超长期特别国债安排的支出"


def test_a_26_class_workbook_without_identity_is_read_by_its_printed_labels(tmp_path):
    report = xlreport.load_report(data())
    path = write_report(tmp_path / "sh.xlsx", report, as_published=True).path
    stripped = without_identity(path, tmp_path / "stripped.xlsx")
    result = validate_workbook(stripped)
    assert "no-identity" in {f.code for f in result.findings}
    assert [f for f in result.findings if f.severity == "error"] == []
    back, sent = result.report.cells(), report.cells()
    derived = {c.defines for c in instantiate(shape_of(report)) if c.defines is not None}
    for key in ("231", "begin_balance", "end_balance"):  # a 类 row, and inputs on the footer lines below them
        for table in ("T01", "T04"):
            ref = next((r for r in sent if r.table == table and r.row == key), None)
            if ref is not None and ref not in derived:
                assert back.get(ref) == sent[ref], ref
