"""`fill` never changes a published figure: every printed number and every blank comes back where it was
printed, and validating the workbook gives the findings of validating its JSON (same codes, cells,
severities, values) — for the 元 reference, the 万元 example and generated 万元 reports, by default and
with --as-published."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

import xlreport
from xlreport import examples, load_edition
from xlreport.export import report_to_json
from xlreport.layout.plan import REPORTED_PREFIX, parse_defined_name
from xlreport.model.report import Report
from xlreport.model.values import CellRef, Value
from xlreport.synthetic import random_report, rounded_report
from xlreport.validation.engine import check_report
from xlreport.validation.findings import Finding
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report

from .conftest import sweep_beyond

Shown = dict[CellRef, tuple[str, str, Value, bool]]  # ref → sheet, A1, what prints, holds a formula


def _with_errors(report: Report, seed: int) -> Report:
    """``report`` with three printed amounts moved by a cent to a yuan (rounding notes and errors)."""
    rng = random.Random(seed)
    data = json.loads(report_to_json(report))
    for table in ("T02", "T03", "T05"):
        rows = [data["tables"][table]["total"], *data["tables"][table]["rows"]]
        row = rng.choice(rows)
        key = rng.choice([k for k in row if k not in ("code", "name")])
        row[key] = format(Decimal(row[key]) + Decimal(rng.choice(["0.01", "0.02", "0.03", "1"])), "f")
    return xlreport.load_report(data)


def _reports() -> dict[str, Report]:
    sh = load_edition("shanghai-2024")
    return {
        "jincheng-2022": examples.load("jincheng-2022"),
        "shanghai-district-2024": examples.load("shanghai-district-2024"),
        "rounded-7": rounded_report(random_report(sh, seed=7, items=8, in_yuan=True)),
        "rounded-errors-3": _with_errors(rounded_report(random_report(sh, seed=3, items=5, in_yuan=True)), 3),
        "wan-5": random_report(sh, seed=5, items=4),
    }


REPORTS = _reports()
DEFAULT_REPORTS = ("jincheng-2022", "shanghai-district-2024")  # the rest: the sweep


def shown(path: Path) -> tuple[Shown, set[CellRef]]:
    """Every named data cell as a spreadsheet prints it (a formula's cached value; a computed 0 in a
    format that hides zeros prints blank), and the cells named as reported."""
    formulas = load_workbook(path)
    cached = load_workbook(path, data_only=True)
    out: Shown = {}
    reported: set[CellRef] = set()
    for key, dn in formulas.defined_names.items():
        ref, mark = parse_defined_name(key), parse_defined_name(key, REPORTED_PREFIX)
        if ref is None and mark is None:
            continue
        sheet, coord = next(dn.destinations)
        coord = coord.replace("$", "")
        if mark is not None:
            reported.add(mark)
            continue
        assert ref is not None
        cell = formulas[sheet][coord]
        value = cached[sheet][_anchor(cached[sheet], coord)].value  # under a merge, the merge's value prints
        is_formula = cell.data_type == "f"
        if value == "" or (is_formula and value == 0 and cell.number_format.endswith(';""')):
            value = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = Decimal(repr(value))
        out[ref] = (sheet, coord, value, is_formula)
    return out, reported


def _anchor(ws, coord: str) -> str:
    """The cell whose value prints at ``coord``: the top-left cell of a merge that covers it."""
    for merged in ws.merged_cells.ranges:
        if coord in merged:
            return merged.start_cell.coordinate
    return coord


def _same(printed: Value, expected: Value) -> bool:
    if isinstance(expected, Decimal) and isinstance(printed, Decimal):
        return printed.quantize(Decimal("0.0001")) == expected.quantize(Decimal("0.0001"))
    return printed == expected


def _json_key(f: Finding, cells: Shown) -> tuple:
    ref = CellRef(f.table or "", f.row.key if f.row else "", f.column.key if f.column else "")
    sheet, a1 = cells[ref][:2] if ref in cells else (f.sheet, None)
    return (f.code, f.rule_id, f.severity, sheet, a1, f.expected, f.actual, f.difference)


def _workbook_key(f: Finding) -> tuple:
    return (f.code, f.rule_id, f.severity, f.sheet, f.cell, f.expected, f.actual, f.difference)


@pytest.fixture(
    scope="module", params=[False, pytest.param(True, marks=pytest.mark.sweep)], ids=["default", "as-published"]
)
def written(request, tmp_path_factory) -> dict[str, tuple[Report, Path, bool]]:
    out = tmp_path_factory.mktemp("fill")
    ap = request.param
    return {name: (r, write_report(out / f"{name}.xlsx", r, as_published=ap).path, ap) for name, r in REPORTS.items()}


@pytest.mark.parametrize("name", sweep_beyond(REPORTS, keep=DEFAULT_REPORTS))
def test_every_printed_number_and_every_blank_survives_fill(written, name):
    report, path, as_published = written[name]
    cells, reported = shown(path)
    printed = report.cells()
    printed.update({CellRef("N", "input", k): v for k, v in report.narrative.items()})  # 情况说明's inputs
    printed.update({CellRef("N", "reason", k): v for k, v in report.reasons.items()})  # and its reasons
    wrong = {
        str(ref): (value, printed.get(ref))
        for ref, (_, _, value, _) in cells.items()
        if ref.col not in ("code", "name") and not _same(value, printed.get(ref))
    }
    assert wrong == {}
    assert sum(1 for ref in printed if ref in cells) > 100  # the comparison covered the tables
    # the cells the file marks as reported are exactly its derived cells that hold no formula
    from xlreport.rules.compute import checks_and_order
    from xlreport.validation.engine import shape_of

    defined = {c.defines for c in checks_and_order(shape_of(report))[1]}
    constants = {ref for ref, (_, _, _, is_formula) in cells.items() if ref in defined and not is_formula}
    assert reported == constants
    if as_published:  # the tables exactly as printed: no formula among them
        assert constants == {ref for ref in defined if ref in cells}
    else:  # formulas wherever they print the printed number
        assert sum(1 for ref, c in cells.items() if ref in defined and c[3]) > len(constants)


@pytest.mark.parametrize("name", sweep_beyond(REPORTS, keep=DEFAULT_REPORTS))
def test_the_workbook_gives_the_findings_of_its_json(written, name):
    report, path, _ = written[name]
    cells, _ = shown(path)
    from_json = sorted((_json_key(f, cells) for f in check_report(report)), key=str)
    from_workbook = validate_workbook(path).findings
    assert not {f.code for f in from_workbook} & {"formula-replaced", "formula-modified", "printed-differs"}
    assert sorted(map(_workbook_key, from_workbook), key=str) == from_json
    assert all(key[4] is not None for key in from_json)  # every finding names its cell


def test_the_shanghai_totals_the_issue_names_are_kept(written):
    """01 总计 493.28, 02 合计 492.59 (= 01 本年收入合计), 05 合计 481.05 and 04 年末 0.00 print as published."""
    _, path, _ = written["shanghai-district-2024"]
    cells, _ = shown(path)
    assert cells[CellRef("T01", "income_grand_total", "amount")][2] == Decimal("493.28")
    assert cells[CellRef("T02", "total", "total")][2] == Decimal("492.59")
    assert cells[CellRef("T05", "total", "total")][2] == Decimal("481.05")
    assert cells[CellRef("T04", "end_balance", "total")][2] == Decimal("0.00")
    assert cells[CellRef("T04", "end_balance", "general")][2] == Decimal("0.00")
    result = validate_workbook(path)
    assert {f.severity for f in result.findings} == {"info"}  # rounding notes only, as the JSON's


def test_a_person_correcting_a_reported_total_gets_no_formula_finding(written, tmp_path):
    """A reported cell is input-like: a person may type over it; the relation, not the writer's choice,
    decides what is said."""
    _, path, _ = written["jincheng-2022"]
    cells, reported = shown(path)
    total = CellRef("T10", "procurement_total", "amount")
    assert total in reported
    sheet, a1, value, _ = cells[total]
    assert value == Decimal("75425.00")
    wb = load_workbook(path)
    wb[sheet][a1] = 130652.46  # 货物 + 工程 + 服务
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    findings = validate_workbook(edited).findings
    assert [(f.rule_id, f.severity) for f in findings] == [("K4", "warning")]
