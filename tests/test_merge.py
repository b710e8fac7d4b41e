"""汇总: consolidating generated unit returns, checked against sums computed here from the returns' JSON."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import xlreport
from xlreport.cli import main
from xlreport.errors import MergeError, UnitsInvalidError
from xlreport.export import report_to_json
from xlreport.merge import consolidate, merge_returns, table_totals, write_consolidation
from xlreport.model.report import Report, report_model
from xlreport.rules.instantiate import instantiate
from xlreport.synthetic import random_report
from xlreport.validation.engine import shape_of

from .conftest import EXAMPLE, flat_tables

UNITS = 5


def _units(edition_id: str, n: int = UNITS, first_seed: int = 100, **kw: Any) -> list[Report]:
    edition = xlreport.load_edition(edition_id)
    return [random_report(edition, seed=first_seed + i, items=4 + i, **kw) for i in range(n)]


def _data(report: Report) -> dict[str, Any]:
    return json.loads(report_to_json(report), parse_float=Decimal)


def _expected_sum(reports: list[Report]) -> dict[tuple[str, str, str], Decimal]:
    total: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for r in reports:
        for key, v in flat_tables(_data(r)).items():
            total[key] += v
    return dict(total)


def _code_key(code: str) -> tuple[str, str, int, str]:  # 类, then each 款 followed by its 项
    return code[:3], code[:5], len(code), code


@pytest.mark.parametrize("edition_id", ["shanxi-2022", "shanghai-2024"])
def test_merge_of_synthetic_units_is_their_sum_cell_by_cell_and_code_by_code(edition_id: str) -> None:
    units = _units(edition_id)
    result = consolidate(units, "某某局")
    merged = _data(result.report)
    assert flat_tables(merged) == _expected_sum(units)
    for table, body in merged["tables"].items():
        if "rows" in body:
            codes = [row["code"] for row in body["rows"]]
            union = {row["code"] for u in units for row in _data(u)["tables"][table].get("rows", [])}
            assert set(codes) == union
            assert codes == sorted(codes, key=_code_key)
    assert result.report.meta.unit_name == "某某局"
    assert len(result.report.scorecards) == sum(len(u.scorecards) for u in units)
    assert [c.project_name for c in result.report.scorecards] == [c.project_name for u in units for c in u.scorecards]
    vehicles = sum(u.tables.T10.vehicles_total.count for u in units) if edition_id == "shanxi-2022" else None
    if vehicles is not None:
        assert result.report.tables.T10.vehicles_total.count == vehicles  # type: ignore[attr-defined]
    assert result.valid, [f.message for f in result.findings if f.severity == "error"]
    assert xlreport.check(result.report).valid


def test_the_narrative_inputs_are_summed() -> None:
    units = _units("shanxi-2022", 3)
    inputs = [{"last_income_grand_total": Decimal(100 * (i + 1)), "initial_budget": Decimal(7)} for i in range(3)]
    units = [u.model_copy(update={"narrative": given}) for u, given in zip(units, inputs, strict=True)]
    units[2] = units[2].model_copy(update={"narrative": {"last_income_grand_total": Decimal("0.05")}})
    result = consolidate(units, "某某局")
    assert result.report.narrative == {"last_income_grand_total": Decimal("300.05"), "initial_budget": Decimal(14)}
    partial = [n for n in result.notes if "只有部分单位填写" in n]
    assert len(partial) == 1 and "（共3个单位）" in partial[0] and "“财政拨款支出年初预算数”（2个）" in partial[0]


def test_percentages_and_scores_are_not_summed_and_counts_not_converted() -> None:
    """A unit's 绩效自评 coverage (%) or score is not the department's: left for it to fill, and said so;
    a count (vehicles, 人次) stays a count when 元 returns make a 万元 report."""
    shanxi = _units("shanxi-2022", 2)
    given = [
        {"perf_coverage": Decimal(100), "perf_whole_score": Decimal(s), "perf_level1_projects": Decimal(3)}
        for s in (92, 88)
    ]
    units = [u.model_copy(update={"narrative": g}) for u, g in zip(shanxi, given, strict=True)]
    result = consolidate(units, "某某局")
    assert result.report.narrative == {"perf_level1_projects": Decimal(6)}
    note = next(n for n in result.notes if "不能相加" in n)
    assert "“绩效自评项目资金占项目支出总额的比例（%）”" in note and "“整体绩效自评得分（分）”" in note
    in_yuan = _in_yuan("shanghai-2024", 2)
    given = [{"vehicles_fiscal": Decimal(7), "running_costs": Decimal("123456.78")} for _ in in_yuan]
    units = [u.model_copy(update={"narrative": g}) for u, g in zip(in_yuan, given, strict=True)]
    result = consolidate(units, "某某局")
    assert result.converted
    assert result.report.narrative == {"vehicles_fiscal": Decimal(14), "running_costs": Decimal("24.69")}


def _in_yuan(edition_id: str, n: int = UNITS) -> list[Report]:
    """Returns of a 万元 edition that carry 元 values (amount_unit 元)."""
    edition = xlreport.load_edition(edition_id)
    out = []
    for i in range(n):
        r = random_report(edition, seed=300 + i, items=5, in_yuan=True)
        out.append(r.model_copy(update={"meta": r.meta.model_copy(update={"amount_unit": "元"})}))
    return out


def test_yuan_returns_of_a_wanyuan_edition_are_summed_in_yuan_and_rounded_once() -> None:
    units = _in_yuan("shanghai-2024")
    result = consolidate(units, "某某局")
    assert result.converted and result.report.meta.amount_unit == "万元"
    expected = {
        k: (v / 10_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for k, v in _expected_sum(units).items()
    }
    assert flat_tables(_data(result.report)) == expected
    assert result.valid, [f.message for f in result.findings if f.severity == "error"]
    # adding the rounded parts instead would be another number somewhere: the cents are not lost
    rounded_parts = defaultdict(Decimal)
    for u in units:
        for k, v in flat_tables(_data(u)).items():
            rounded_parts[k] += (v / 10_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert any(rounded_parts[k] != v for k, v in expected.items())


def test_the_same_unit_twice_is_refused() -> None:
    a, b = _units("shanxi-2022", 2)
    with pytest.raises(MergeError, match="重复") as caught:
        consolidate([a, b, a], "某某局")
    assert "单位名称（测试单位100）相同" in str(caught.value)
    renamed = a.model_copy(update={"meta": a.meta.model_copy(update={"unit_name": "另一个名字"})})
    with pytest.raises(MergeError, match="内容完全相同"):
        consolidate([a, b, renamed], "某某局")
    spaced = b.model_copy(update={"meta": b.meta.model_copy(update={"unit_name": " 测试 单位101"})})
    with pytest.raises(MergeError, match="重复"):
        merge_returns([a, b, spaced], "某某局")


def test_different_years_editions_or_amount_units_are_refused() -> None:
    a, b = _units("shanxi-2022", 2)
    last_year = b.model_copy(update={"meta": b.meta.model_copy(update={"year": 2021})})
    with pytest.raises(MergeError, match="年度不同") as caught:
        consolidate([a, last_year], "某某局")
    assert "2022" in str(caught.value) and "2021" in str(caught.value)
    (other,) = _units("shanghai-2024", 1)
    with pytest.raises(MergeError, match="表样版本不同"):
        consolidate([a, other], "某某局")
    w1, w2 = _units("shanghai-2024", 2, first_seed=400)
    in_yuan = _in_yuan("shanghai-2024", 1)[0]
    with pytest.raises(MergeError, match="金额单位不同"):
        consolidate([w1, w2, in_yuan], "某某局")


def test_units_with_errors_are_named_and_need_force() -> None:
    units = _units("shanxi-2022", 2)
    with pytest.raises(UnitsInvalidError, match="晋城市政务服务中心") as caught:
        consolidate([*units, EXAMPLE], "某某局")
    assert "--force" in str(caught.value) and len(caught.value.invalid) == 1
    forced = consolidate([*units, EXAMPLE], "某某局", force=True)
    assert [u.unit_name for u in forced.forced] == ["晋城市政务服务中心"]
    reference = xlreport.load_report(EXAMPLE)
    given = [r.tables.T10.procurement_total for r in [*units, reference]]  # type: ignore[attr-defined]
    expected = sum((row.amount for row in given if row is not None and row.amount is not None), Decimal(0))
    assert forced.report.tables.T10.procurement_total.amount == expected  # type: ignore[attr-defined]
    assert not forced.valid  # the reference's 公开10 合计 error is passed on, not hidden
    assert any("R10" in f.rule_id for f in forced.findings if f.severity == "error")


def test_unreadable_returns_are_refused_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "坏.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(MergeError, match=r"坏\.json"):
        consolidate([*_units("shanxi-2022", 1), bad], "某某局")


def test_conflicting_code_names_are_reported_and_the_majority_name_kept() -> None:
    units = _units("shanxi-2022", 3)
    code = units[0].tables.T03.rows[0].code  # type: ignore[attr-defined]  # a 类: a row of its own is valid
    renamed = []
    for i, u in enumerate(units):
        data = _data(u)
        for table in ("T02", "T03", "T05"):
            rows = data["tables"][table]["rows"]
            if not any(r["code"] == code for r in rows):
                rows.append({"code": code, "name": ""})
            for r in rows:
                if r["code"] == code:
                    r["name"] = "少数的名称" if i == 2 else "多数的名称"
        renamed.append(report_model("shanxi-2022").model_validate(data))
    result = consolidate(renamed, "某某局")
    assert dict(result.report.codes("T03"))[code] == "多数的名称"
    conflicts = [c for c in result.name_conflicts if c.table == "T03" and c.code == code]
    assert len(conflicts) == 1
    message = conflicts[0].message(result.report.edition)
    assert "少数的名称" in message and "多数的名称" in message and "测试单位102" in message


def test_the_workbook_validates_and_its_detail_sheet_shows_each_units_contribution(tmp_path: Path) -> None:
    units = _units("shanxi-2022", 3)
    evil = units[1].model_copy(update={"meta": units[1].meta.model_copy(update={"unit_name": '=HYPERLINK("x")'})})
    units[1] = evil
    result = consolidate(units[1:], "某某局", self_return=units[0])
    path = write_consolidation(tmp_path / "部门汇总.xlsx", result)
    checked = xlreport.validate(path)
    assert checked.valid, [f.message for f in checked.findings]
    assert checked.files[0].report.tables.T01.income_grand_total.amount == (  # type: ignore[union-attr]
        result.report.tables.T01.income_grand_total.amount  # type: ignore[attr-defined]
    )
    wb = load_workbook(path)
    ws = wb["汇总明细"]
    assert ws["B5"].value == "测试单位100（本级）" and ws["B6"].value == '=HYPERLINK("x")'
    assert ws["B6"].data_type == "s"  # text, not a formula
    totals = table_totals(result.report.edition)
    headers = [(ws.cell(2, c).value, ws.cell(3, c).value) for c in range(5, 5 + len(totals))]
    assert headers[0][0] == "公开01"
    values = load_workbook(path, data_only=True)["汇总明细"]
    grand = totals.index(xlreport.model.values.CellRef("T01", "income_grand_total", "amount"))
    column = 5 + grand
    for n, unit in enumerate(result.units):
        assert Decimal(str(values.cell(5 + n, column).value)) == unit.report.tables.T01.income_grand_total.amount  # type: ignore[attr-defined]
    assert ws.cell(8, column).value.startswith("=SUM(")
    assert ws.cell(9, 2).value == "汇总表数" and ws.cell(9, column).value == "=xr.T01.income_grand_total.amount"
    assert values.cell(10, column).value == 0  # 差额
    notes = [str(c.value) for row in ws.iter_rows() for c in row if c.value and "照各单位报送保留" in str(c.value)]
    assert len(notes) == 1 and f"（{len(result.report.scorecards)}张）" in notes[0]
    sources = list(wb["绩效自评来源"].iter_rows(min_row=3, values_only=True))  # which unit returned each
    expected = [
        (f"绩效自评{n + 1}", name, project, source)
        for n, (name, project, source) in enumerate(
            (u.unit_name + ("（本级）" if u.is_self else ""), c.project_name, u.source)
            for u in result.units
            for c in u.report.scorecards
        )
    ]
    assert [tuple(r[1:]) for r in sources] == expected and sources[1][2] == "测试单位100（本级）"
    assert wb["绩效自评来源"]["C5"].data_type == "s" and wb["绩效自评来源"]["C5"].value == '=HYPERLINK("x")'
    # 审核: every relation of the summed tables, none of the units' scorecard relations (all hold)
    audited = [r[0] for r in wb["审核"].iter_rows(min_row=3, max_col=1, values_only=True) if r[0]]
    assert not [rid for rid in audited if rid.startswith("K")]
    table_checks = [c for c in instantiate(shape_of(result.report)) if c.scorecard is None]
    assert len(audited) == len(table_checks) and len(result.report.scorecards) == 6


def test_a_forced_units_failing_scorecard_check_stays_on_the_audit_sheet(tmp_path: Path) -> None:
    forced = consolidate([*_units("shanxi-2022", 2), EXAMPLE], "某某局", force=True)
    path = write_consolidation(tmp_path / "部门汇总.xlsx", forced)
    ws = load_workbook(path, data_only=True)["审核"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    scorecard_rows = [(r[0], r[9]) for r in rows if r[0].startswith("K")]
    assert scorecard_rows == [("K4", "警告")]  # the reference's one scorecard warning, S5 of the department
    assert str(ws["A1"].value).startswith("审核结论：不通过")  # R10-1 of the reference, passed on


def test_cli_merge(tmp_path: Path) -> None:
    files = []
    for u in _units("shanxi-2022", 3):
        p = tmp_path / f"{u.meta.unit_name}.json"
        p.write_text(report_to_json(u), encoding="utf-8")
        files.append(str(p))
    runner = CliRunner()
    out = tmp_path / "部门汇总.xlsx"
    done = runner.invoke(main, ["merge", *files[1:], "--self", files[0], "--dept", "某某局", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "已汇总 3 份报表（本级 1 份）" in done.output and out.exists()
    as_json = tmp_path / "部门汇总.json"
    assert runner.invoke(main, ["merge", str(tmp_path), "--dept", "某某局", "-o", str(as_json)]).exit_code == 0
    assert xlreport.load_report(as_json).meta.unit_name == "某某局"
    twice = runner.invoke(main, ["merge", files[0], files[0], "--dept", "某某局", "-o", str(out)])
    assert twice.exit_code == 2 and "重复" in twice.output
    invalid = runner.invoke(main, ["merge", files[0], str(EXAMPLE), "--dept", "某某局", "-o", str(out)])
    assert invalid.exit_code == 1 and "R10-1" in invalid.output
    forced = runner.invoke(main, ["merge", files[0], str(EXAMPLE), "--dept", "某某局", "-o", str(out), "--force"])
    assert forced.exit_code == 1 and "按 --force 照原数汇总" in forced.output  # the merged report has the error
    data = json.loads(Path(files[1]).read_text(encoding="utf-8"))
    data["meta"]["year"] = 2021
    (tmp_path / "old.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    mixed = runner.invoke(main, ["merge", files[0], str(tmp_path / "old.json"), "--dept", "某某局", "-o", str(out)])
    assert mixed.exit_code == 2
    assert [line for line in mixed.output.splitlines() if line.startswith("错误")] == [
        line for line in mixed.output.splitlines() if "年度不同" in line
    ]


def test_wanyuan_returns_are_summed_as_printed_and_the_interval_rule_judges() -> None:
    from xlreport.synthetic import rounded_report
    from xlreport.validation.engine import check_report

    edition = xlreport.load_edition("shanghai-2024")
    units = []
    for i in range(4):  # each cell rounded to 万元 on its own, as a published 万元 table prints it
        exact = random_report(edition, seed=700 + i, items=5, in_yuan=True)
        units.append(rounded_report(exact))
    result = consolidate(units, "某某区")
    assert not result.converted and result.report.meta.amount_unit == "万元"
    assert flat_tables(_data(result.report)) == _expected_sum(units)  # no rounding: the printed figures added
    assert result.findings == check_report(result.report)
    assert any(f.severity == "info" for f in result.findings)  # tails of the units' rounding: notes
    assert any("不再舍入" in note for note in result.notes)


def test_cli_merge_of_the_self_return_alone(tmp_path: Path) -> None:
    """A department without subordinate units: its 本级 return, an empty directory of units."""
    own = tmp_path / "本级.json"
    own.write_text(report_to_json(_units("shanxi-2022", 1)[0]), encoding="utf-8")
    (tmp_path / "units").mkdir()
    out = tmp_path / "部门汇总.json"
    done = CliRunner().invoke(
        main, ["merge", str(tmp_path / "units"), "--self", str(own), "--dept", "某某局", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "已汇总 1 份报表（本级 1 份）" in done.output and xlreport.load_report(out).meta.unit_name == "某某局"
