"""同比: the reference against a generated previous year, checked against changes and rates computed here."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import xlreport
from xlreport.cli import main
from xlreport.compare import compare, compare_reports, read_previous
from xlreport.export import report_to_json
from xlreport.model.report import Report, report_model
from xlreport.synthetic import random_report

from .conftest import EXAMPLE, flat_tables, reference_data


def previous_year() -> dict[str, Any]:
    """A generated 2021 report of the reference's unit whose grand totals are the ones the reference's
    Part 3 compares with (its ``narrative`` block: 7,809,627.19 for 2021)."""
    edition = xlreport.load_edition("shanxi-2022")
    data = json.loads(report_to_json(random_report(edition, seed=2021, items=5)), parse_float=Decimal)
    data["meta"].update(year=2021, unit_name="晋城市政务服务中心")
    last = reference_data()["narrative"]
    t01, t04 = data["tables"]["T01"], data["tables"]["T04"]
    t01["income_grand_total"] = {"amount": last["last_income_grand_total"]}
    t01["expense_grand_total"] = {"amount": last["last_expense_grand_total"]}
    t04["income_grand_total"] = {"amount": last["last_fiscal_grand_total"]}
    t04["expense_grand_total"] = dict(t04.get("expense_grand_total", {}), total=last["last_fiscal_grand_total"])
    return data


def _rate(this: Decimal, last: Decimal) -> Decimal | None:
    """Part 3's method: (this − last) / last, in percent with two decimals; none on a zero base."""
    if last == 0:
        return None
    return ((this - last) / last * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_compare_on_the_reference_gives_the_changes_and_rates_of_part_3() -> None:
    last_data = previous_year()
    result = compare(EXAMPLE, last_data)
    this, last = flat_tables(reference_data()), flat_tables(last_data)
    assert {line.ref for line in result.lines} == {
        xlreport.model.values.CellRef(*k) for k in set(this) | set(last) if k[0] != "narrative"
    }
    for line in result.lines:
        a, b = this.get(line.ref), last.get(line.ref)
        assert (line.this, line.last) == (a, b)
        assert line.delta == (a or 0) - (b or 0)
        assert line.rate == _rate(a or Decimal(0), b or Decimal(0))
    # the reference's Part 3: 收入总计减少3,032,571.06元，下降38.83% (the same for 支出总计 and 财政拨款收支总计)
    for table, row, col in (
        ("T01", "income_grand_total", "amount"),
        ("T01", "expense_grand_total", "amount"),
        ("T04", "income_grand_total", "amount"),
        ("T04", "expense_grand_total", "total"),
    ):
        line = result.line(table, row, col)
        assert line is not None
        assert line.delta == Decimal("-3032571.06") and line.rate == Decimal("-38.83")
        assert line.status == "changed" and line.flagged
    assert result.last_value("T01", "income_grand_total", "amount") == Decimal("7809627.19")


def test_rows_new_or_gone_are_marked_and_a_zero_base_has_no_rate() -> None:
    last_data = previous_year()
    result = compare(EXAMPLE, last_data)
    this_codes = {row["code"] for row in reference_data()["tables"]["T03"]["rows"]}
    last_codes = {row["code"] for row in last_data["tables"]["T03"]["rows"]}
    for line in result.lines:
        if line.table == "T03" and line.row != "total":
            expected = "new" if line.row not in last_codes else "gone" if line.row not in this_codes else None
            if expected:
                assert line.status == expected
            if expected == "new":
                assert line.rate is None and line.last is None
            if expected == "gone":
                assert line.this is None and line.rate == Decimal("-100.00")
    assert any(line.status == "new" for line in result.lines) and any(line.status == "gone" for line in result.lines)
    text = xlreport.compare.to_text(result)
    assert "上年无此项" in text and "〔新增〕" in text and "〔本年无此项〕" in text


def _edited(report: Report, changes: dict[tuple[str, str, str], str]) -> Report:
    data = json.loads(report_to_json(report))
    for (table, row, col), value in changes.items():
        data["tables"][table].setdefault(row, {})[col] = value
    return report_model(report.meta.edition).model_validate(data)


def test_the_threshold_is_the_editions_rate_and_minimum_amount() -> None:
    edition = xlreport.load_edition("shanxi-2022")
    spec = edition.compare
    base = Decimal(1_000_000)
    small_base = spec.min_amount * 2  # a 20% change of it is less than the minimum amount
    last = _edited(
        random_report(edition, seed=7),
        {
            ("T10", "goods", "amount"): str(base),
            ("T10", "works", "amount"): str(base),
            ("T10", "services", "amount"): str(small_base),
            ("T10", "vehicles_leaders", "count"): "2",
        },
    )
    above = base * (1 + spec.rate) + 1  # beyond ±rate
    within = base * (1 + spec.rate)  # exactly ±rate: not beyond
    this = _edited(
        last,
        {
            ("T10", "goods", "amount"): str(above),
            ("T10", "works", "amount"): str(within),
            ("T10", "services", "amount"): str(small_base * Decimal("1.2")),
            ("T10", "vehicles_leaders", "count"): "3",
        },
    )
    this = this.model_copy(update={"meta": this.meta.model_copy(update={"year": 2023})})
    result = compare_reports(this, last)
    flagged = {(line.row, line.column) for line in result.flagged}
    assert ("goods", "amount") in flagged
    assert ("works", "amount") not in flagged
    assert ("services", "amount") not in flagged  # the rate is beyond, the amount below the minimum
    assert ("vehicles_leaders", "count") in flagged  # counts: the rate alone
    line = result.line("T10", "goods", "amount")
    assert line is not None and line.rate == _rate(above, base)


def test_last_year_in_another_amount_unit_is_converted() -> None:
    edition = xlreport.load_edition("shanghai-2024")
    exact = random_report(edition, seed=11, in_yuan=True)
    last = exact.model_copy(update={"meta": exact.meta.model_copy(update={"amount_unit": "元", "year": 2023})})
    this = random_report(edition, seed=12)
    result = compare_reports(this, last)
    assert any("已换算为万元" in n for n in result.notes)
    line = result.line("T01", "income_grand_total", "amount")
    assert line is not None
    yuan = last.tables.T01.income_grand_total.amount  # type: ignore[attr-defined]
    assert line.last == (yuan / 10_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_read_previous_reads_a_workbook_as_the_json(tmp_path: Path) -> None:
    from xlreport.write.writer import write_report

    report = xlreport.load_report(EXAMPLE)
    path = tmp_path / "上年.xlsx"
    write_report(path, report)
    from_book = read_previous(path)
    read, given = flat_tables(json.loads(report_to_json(from_book))), flat_tables(json.loads(report_to_json(report)))
    procurement = ("T10", "procurement_total", "amount")
    assert read[procurement] == Decimal("75425.00")  # fill keeps the published figure, formula or not
    assert all(read[k] == v for k, v in given.items())
    assert all(v == 0 for k, v in read.items() if k not in given)  # formulas over blank cells: 0
    with pytest.raises(xlreport.WorkbookError):
        bad = tmp_path / "坏.xlsx"
        bad.write_bytes(b"not a workbook")
        read_previous(bad)


def _written(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def test_cli_compare(tmp_path: Path) -> None:
    last = _written(tmp_path / "2021.json", previous_year())
    data = reference_data()
    data["meta"]["unit_name"] = "=cmd|' /C calc'!A0"
    this = _written(tmp_path / "2022.json", data)
    runner = CliRunner()
    out = tmp_path / "同比.xlsx"
    done = runner.invoke(main, ["compare", str(this), str(last), "-o", str(out), "--format", "json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output[: done.output.rindex("}") + 1])
    grand = next(x for x in doc["lines"] if x["table"] == "T01" and x["row"] == "income_grand_total")
    assert (grand["delta"], grand["rate"], grand["flagged"]) == ("-3032571.06", "-38.83", True)
    wb = load_workbook(out)
    ws = wb["同比"]
    assert ws["A1"].data_type == "s" and ws["A1"].value.startswith("=cmd")  # the name is text, not a formula
    rows = {(ws.cell(r, 1).value, ws.cell(r, 4).value): r for r in range(5, ws.max_row + 1)}
    r = rows[("公开01", "总计")]
    assert ws.cell(r, 8).value.startswith("=N(")
    cached = load_workbook(out, data_only=True)["同比"]
    assert cached.cell(r, 8).value == pytest.approx(-3032571.06)
    assert cached.cell(r, 9).value == pytest.approx(-0.3883)
    csv_out = runner.invoke(main, ["compare", str(this), str(last), "--format", "csv"])
    assert csv_out.exit_code == 0 and csv_out.output.splitlines()[0].startswith("table,sheet,row")
    missing = runner.invoke(main, ["compare", str(EXAMPLE), str(tmp_path / "无.json")])
    assert missing.exit_code == 2 and "找不到" in missing.output


def test_previous_inputs_are_last_years_figures_named_by_the_narrative_data() -> None:
    from xlreport.compare import previous_inputs

    last = report_model("shanxi-2022").model_validate(previous_year())
    inputs = previous_inputs(last)
    given = reference_data()["narrative"]
    for key in ("last_income_grand_total", "last_expense_grand_total", "last_fiscal_grand_total"):
        assert inputs[key] == Decimal(str(given[key]))  # what the reference's Part 3 compared with
    assert inputs["last_general_budget_expense"] == last.tables.T05.total.total  # type: ignore[attr-defined]
    assert "initial_budget" not in inputs  # 年初预算 is this year's input, not last year's figure
    # the narrative of this year's report filled from last year's: the 情况说明 computes Part 3's change
    this = xlreport.load_report(EXAMPLE)
    result = compare_reports(this, last)
    line = result.line("T01", "income_grand_total", "amount")
    assert line is not None and line.last == inputs["last_income_grand_total"]


def test_cli_compare_writes_the_file_its_name_asks_for_and_says_what_differs(tmp_path: Path) -> None:
    data = previous_year()
    data["meta"]["unit_name"] = "另一个单位"
    last = _written(tmp_path / "2021.json", data)
    runner = CliRunner()
    as_csv = tmp_path / "同比.csv"
    done = runner.invoke(main, ["compare", str(EXAMPLE), str(last), "-o", str(as_csv)])
    assert done.exit_code == 0, done.output
    assert as_csv.read_bytes().startswith(b"\xef\xbb\xbftable,sheet,row")  # CSV (with a BOM, for Excel)
    assert "总计" not in done.stdout  # the lines went to the file, not to the screen
    assert "单位名称不同（本年：晋城市政务服务中心；上年：另一个单位）" in done.output
    odd = runner.invoke(main, ["compare", str(EXAMPLE), str(last), "-o", str(tmp_path / "同比.pdf")])
    assert odd.exit_code == 2 and ".xlsx、.csv、.json 或 .txt" in odd.output and not (tmp_path / "同比.pdf").exists()


def test_reports_of_different_regions_are_not_compared() -> None:
    from xlreport.errors import CompareError

    shanghai = xlreport.examples.load("shanghai-district-2024")
    with pytest.raises(CompareError, match="不同地区"):
        compare_reports(shanghai, xlreport.load_report(EXAMPLE))
