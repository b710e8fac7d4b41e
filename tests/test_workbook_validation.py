"""Reading and validating returned workbooks: round trip, mutation matrix, formulas, inserted rows."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from xlreport import available_editions, load_edition, load_report
from xlreport.export import report_to_json
from xlreport.read.reader import CellContent, read_workbook
from xlreport.rules.instantiate import instantiate
from xlreport.synthetic import random_report
from xlreport.validation.workbook import validate_read, validate_workbook, written_shape
from xlreport.write.writer import write_report

from .conftest import spread, sweep_beyond
from .excel_ops import fill_template_like_a_person, insert_row

EDITIONS = list(available_editions())


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def filled(tmp_path_factory, edition):
    report = random_report(edition, seed=0)
    path = tmp_path_factory.mktemp("v") / "filled.xlsx"
    write_report(path, report)
    return report, path


@pytest.fixture(scope="module", params=["reference", *sweep_beyond(EDITIONS)])
def filled_any(request, tmp_path_factory):
    """The filled reference (its two published errors corrected) and a filled workbook of each edition."""
    if request.param == "reference":
        from .test_rules import corrected

        report = load_report(corrected())
    else:
        report = random_report(load_edition(request.param), seed=0)
    path = tmp_path_factory.mktemp("v") / f"{request.param}.xlsx"
    write_report(path, report)
    return report, path


@pytest.mark.parametrize("edition_id", sweep_beyond(EDITIONS))
@pytest.mark.parametrize("seed", sweep_beyond(range(6), keep=range(3)))
def test_round_trip_is_clean_and_exports_the_same_report(tmp_path, edition_id, seed):
    report = random_report(load_edition(edition_id), seed=seed, items=4 + seed, scorecards=seed % 3)
    path = tmp_path / "r.xlsx"
    write_report(path, report)
    before = sha(path)
    result = validate_workbook(path)
    assert result.findings == []
    assert result.valid
    assert result.report is not None
    assert result.report.cells() == report.cells()
    assert load_report(report_to_json(result.report).encode()).cells() == report.cells()
    assert sha(path) == before  # the input is never modified


def _closures(read):
    checks = instantiate(written_shape(read))
    defs = {c.defines: c for c in checks if c.defines}
    users: dict = {}
    for cell, c in defs.items():
        for r in c.rhs.refs():
            users.setdefault(r, set()).add(cell)

    def closure(ref):
        out, stack = {ref}, [ref]
        while stack:
            for y in users.get(stack.pop(), ()):
                if y not in out:
                    out.add(y)
                    stack.append(y)
        return out

    return checks, defs, closure


def _balance(check, values):
    """lhs − rhs of a relation (0 when it holds exactly)."""
    from xlreport.rules.expr import _num

    return _num(check.lhs.evaluate(values.get)) - _num(check.rhs.evaluate(values.get))


def _checked_inputs(read, checks, defs, closure):
    """Input cells that some relation really depends on (its balance moves when the cell moves),
    with the relations that do and whether they are all inequalities."""
    from xlreport.rules.compute import recompute

    order = [c for c in checks if c.defines is not None]
    relations = [c for c in checks if c.defines is None and c.op in ("=", "<=", ">=")]
    base = {ref: c.value for ref, c in read.cells.items() if c.value is not None and ref not in defs}
    still = recompute(order, base)
    for ref, content in list(read.cells.items()):
        if ref in defs or content.formula or ref.col in ("code", "name") or isinstance(content.value, str):
            continue
        moved = recompute(order, {**base, ref: (content.value or Decimal(0)) + 1})
        depends = [c for c in relations if _balance(c, moved) != _balance(c, still)]
        if depends:  # else a free input: only formulas read it, and they follow it
            yield ref, content, depends


def test_mutation_matrix_every_checked_input(filled_any, scope):
    """Each input cell that some relation depends on: +0.01, +1, ×10 and a negative value each give a
    finding of a rule over that cell (directly or through the formulas that read it), with that rule's
    code, at that rule's cell — and no finding of any other rule. In 万元 editions a change inside the
    rounding bound is an info note. A spread of the inputs by default, every one in the sweep."""
    _, path = filled_any
    read = read_workbook(path)
    assert validate_read(read).findings == []
    checks, defs, closure = _closures(read)
    a1_of = {str(r): read.a1(r) for r in read.cells}
    inputs = list(_checked_inputs(read, checks, defs, closure))
    assert len(inputs) > 100
    cases = spread(inputs, scope, 15)
    tested = 0
    for ref, content, depends in cases:
        reach = closure(ref)
        reach_names = {str(x) for x in reach}
        over: dict[str, set[tuple[str, str]]] = {}
        for c in checks:
            if reach & set(c.cells()):
                over.setdefault(c.id, set()).add((c.rule.code, read.a1(c.anchor)))
        v = content.value or Decimal(0)
        hits = {}
        for kind, new in (("+0.01", v + Decimal("0.01")), ("+1", v + 1), ("x10", v * 10), ("neg", -v or Decimal(-1))):
            if new == v:
                continue
            read.cells[ref] = CellContent(new, None, new)
            findings = validate_read(read).findings
            for f in findings:
                if f.rule_id in over:
                    code = f.code
                    if code == "rounding-difference":  # inside a 万元 rounding bound: the rule's note
                        assert f.severity == "info"
                        code = next(c for c, cell in over[f.rule_id] if cell == f.cell)
                    assert (code, f.cell) in over[f.rule_id], (str(ref), kind, f.code, f.cell, over[f.rule_id])
                else:  # a rule evaluated outside the relation language (K4's suggested score): by its cells
                    assert reach_names & set(f.cells), (str(ref), kind, f.message)
                    assert f.cell in {a1_of[c] for c in f.cells if c in a1_of}, (str(ref), kind, f.message)
            hits[kind] = findings
        read.cells[ref] = content
        if all(c.op != "=" for c in depends):  # only inequalities: the direction that crosses the bound
            assert any(hits.values()), str(ref)
        else:
            assert all(hits.values()), (str(ref), {k: bool(v) for k, v in hits.items()})
        tested += 1
    assert tested == len(cases)


def test_mutation_to_text_every_checked_input(filled_any, tmp_path):
    """Every such cell turned into text in the workbook itself (openpyxl, as a person types): one
    not-a-number error at each of those cells, with its row and column labels."""
    _, path = filled_any
    read = read_workbook(path)
    checks, defs, closure = _closures(read)
    inputs = _checked_inputs(read, checks, defs, closure)
    targets = {(read.addresses[ref][0], read.a1(ref)): ref for ref, _, _ in inputs}
    assert len(targets) > 100
    wb = load_workbook(path)
    for sheet, a1 in targets:
        wb[sheet][a1].value = "见附件"
    edited = tmp_path / "text.xlsx"
    wb.save(edited)
    findings = validate_workbook(edited).findings
    not_numbers = {(f.sheet, f.cell): f for f in findings if f.code == "not-a-number"}
    assert set(not_numbers) == set(targets)
    for where, f in not_numbers.items():
        assert f.severity == "error" and f.cells == (str(targets[where]),)
        assert f.row is not None and f.row.label and f.column is not None and f.column.label, f.message
        assert "见附件" in f.message


def test_every_formula_replaced_by_a_constant_is_named(filled_any, scope):
    """A spread of the formula cells by default, every one in the sweep."""
    _, path = filled_any
    read = read_workbook(path)
    formula_cells = [ref for ref, c in read.cells.items() if c.formula is not None]
    assert len(formula_cells) > 200
    for ref in spread(formula_cells, scope, 20):
        content = read.cells[ref]
        read.cells[ref] = CellContent(Decimal("12345.67"), None, 12345.67)
        findings = validate_read(read).findings
        read.cells[ref] = content
        replaced = [f for f in findings if f.code == "formula-replaced"]
        assert [f.cell for f in replaced] == [read.a1(ref)], str(ref)
        assert replaced[0].severity == "warning"


def _cell_of(wb, name):
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][coord.replace("$", "")]


def test_a_total_typed_over_its_formula_fails_its_rule(tmp_path, filled):
    _, path = filled
    wb = load_workbook(path)
    cell = _cell_of(wb, "xr.T10.procurement_total.amount")
    cell.value = 1.0
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    findings = validate_workbook(edited).findings
    codes = {(f.code, f.cell, f.severity) for f in findings}
    assert ("formula-replaced", cell.coordinate, "warning") in codes
    assert ("procurement-total", cell.coordinate, "error") in codes


@pytest.mark.parametrize(
    ("typed", "code", "severity", "value"),
    [
        ("1,234.50", "number-as-text", "info", Decimal("1234.50")),
        ("１２３４", "number-as-text", "info", Decimal("1234")),
        (" 12.5 ", "number-as-text", "info", Decimal("12.5")),
        ("12.50元", "number-as-text", "info", Decimal("12.50")),
        ("abc", "not-a-number", "error", None),
    ],
)
def test_numbers_typed_as_text(tmp_path, filled, typed, code, severity, value):
    _, path = filled
    wb = load_workbook(path)
    cell = _cell_of(wb, "xr.T10.goods.amount")
    cell.value = typed
    edited = tmp_path / "text.xlsx"
    wb.save(edited)
    read = read_workbook(edited)
    found = [f for f in read.findings if f.cell == cell.coordinate]
    assert [(f.code, f.severity) for f in found] == [(code, severity)]
    ref = next(r for r in read.cells if str(r) == "T10[goods].amount")
    assert read.cells[ref].value == value


def test_inserted_item_rows_with_consistent_numbers_give_no_error(tmp_path, filled):
    """A person inserts the same new 项 in 公开02 and 公开03 (经营收入 = 经营支出), as Excel would."""
    report, path = filled
    wb = load_workbook(path)
    t03 = wb["公开03"]
    codes = [t03.cell(row=r, column=1).value for r in range(1, t03.max_row + 1)]
    leaf = next(c for c in codes if isinstance(c, str) and len(c) == 7)
    new_code = leaf[:5] + ("98" if leaf[5:] != "98" else "97")
    for sheet, column in (("公开02", 7), ("公开03", 7)):  # G: 经营收入 in 02, 经营支出 in 03
        ws = wb[sheet]
        at = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == leaf) + 1
        insert_row(wb, sheet, at)
        ws.cell(row=at, column=1).value = new_code
        ws.cell(row=at, column=2).value = "新增项目"
        ws.cell(row=at, column=column).value = 500.25
        ws.cell(row=at, column=3).value = 500.25  # the row total (本年收入/支出合计), typed too
    edited = tmp_path / "inserted.xlsx"
    wb.save(edited)
    result = validate_workbook(edited)
    assert [f for f in result.findings if f.severity == "error"] == []
    assert result.report is not None
    assert new_code in [c for c, _ in result.report.codes("T03")]
    t01 = result.report.tables.T01
    before = report.tables.T01
    assert t01.operating.amount == (before.operating.amount if before.operating else 0) + Decimal("500.25")


def test_an_indicator_row_inserted_in_a_scorecard_is_read(tmp_path):
    """A person inserts a 三级指标 inside the indicator block of a scorecard (Excel widens the SUM over
    it) and moves 5 points of weight to it: the new indicator is read and scored, nothing is modified."""
    from .conftest import EXAMPLE

    reference = load_report(EXAMPLE)
    path = write_report(tmp_path / "ref.xlsx", reference).path
    wb = load_workbook(path)
    ws = wb["绩效自评1"]
    rows = {ws.cell(row=r, column=3).value: r for r in range(1, ws.max_row + 1)}
    at = rows["长效进建设度"]  # before the last 效益指标
    above = at - 1
    insert_row(wb, "绩效自评1", at)
    values = ["效益指标", "社会效益指标", "群众办事等候时间", "缩短", "缩短", "达成预期指标", 5, 4]
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=at, column=col)
        if not isinstance(cell, MergedCell):  # inside a merged 一级/二级指标: the merge's value is the row's
            cell.value = value
    ws.cell(row=above, column=7).value -= 5  # weights still total 90 (+10 for the budget)
    ws.cell(row=above, column=8).value -= 5
    edited = tmp_path / "inserted.xlsx"
    wb.save(edited)
    result = validate_workbook(edited)
    assert [(f.rule_id, f.cell) for f in result.findings] == [("R10-1", "C6"), ("K4", "H22")]  # the JSON's
    card = result.report.scorecards[0]
    before = reference.scorecards[0]
    assert len(card.indicators) == len(before.indicators) + 1
    new = next(i for i in card.indicators if i.name == "群众办事等候时间")
    assert (new.weight, new.score) == (Decimal(5), Decimal(4))
    assert card.total_score == before.total_score - 1


def test_protection_removed_is_an_info_finding(tmp_path, filled):
    _, path = filled
    wb = load_workbook(path)
    wb["公开05"].protection.sheet = False
    edited = tmp_path / "unprotected.xlsx"
    wb.save(edited)
    findings = validate_workbook(edited).findings
    assert [(f.code, f.severity, f.sheet) for f in findings] == [("protection-removed", "info", "公开05")]


def test_the_reference_typed_into_the_blank_template(tmp_path, edition):
    """Typing the published inputs gives the reference's numbers: the only finding left is K4 — the
    政府采购合计 is a formula there, so the published 75,425.00 cannot disagree with its parts. Typing
    the published 合计 over that formula too gives R10-1 at that cell, with the formula-replaced note."""
    from .conftest import EXAMPLE

    reference = load_report(EXAMPLE)
    path, _, _ = fill_template_like_a_person(tmp_path, edition, reference)
    result = validate_workbook(path)
    assert [(f.rule_id, f.severity) for f in result.findings] == [("K4", "warning")]
    t10 = result.report.tables.T10
    assert t10.procurement_total.amount == Decimal("130652.46")
    assert result.report.tables.T01.income_grand_total.amount == Decimal("4777056.13")

    path, cell_of, _ = fill_template_like_a_person(tmp_path, edition, reference, printed_total=True)
    result = validate_workbook(path)
    c6 = cell_of[next(r for r in cell_of if str(r) == "T10[procurement_total].amount")].coordinate
    assert sorted((f.rule_id, f.severity, f.cell) for f in result.findings) == sorted(
        [("F05", "warning", c6), ("R10-1", "error", c6), ("K4", "warning", "H22")]
    )


@pytest.mark.parametrize("as_published", [False, True])
def test_the_reference_written_as_published(tmp_path, as_published):
    """The printed 政府采购合计 kept as printed (by default too): R10-1 at that cell and K4, the JSON's
    findings; no formula-replaced note on the number the writer itself put there."""
    from .conftest import EXAMPLE

    path = write_report(tmp_path / "pub.xlsx", load_report(EXAMPLE), as_published=as_published).path
    findings = validate_workbook(path).findings
    assert [(f.rule_id, f.severity, f.sheet, f.cell) for f in findings] == [
        ("R10-1", "error", "公开10", "C6"),
        ("K4", "warning", "绩效自评1", "H22"),
    ]
    assert "75,425" in findings[0].message


def test_the_annotated_copy_never_turns_typed_text_into_a_formula(tmp_path, filled):
    """A 项 name and an amount typed as text that begin with "=" are listed in 审核结果 as text."""
    from xlreport.validation.annotate import RESULT_SHEET, annotate

    _, path = filled
    wb = load_workbook(path)
    cell = _cell_of(wb, "xr.T10.goods.amount")
    cell.value = "=1+1"  # text: openpyxl writes a str starting with "=" as a formula unless told
    cell.data_type = "s"
    edited = tmp_path / "typed.xlsx"
    wb.save(edited)
    findings = validate_workbook(edited).findings
    assert ("not-a-number", cell.coordinate) in {(f.code, f.cell) for f in findings}
    copy = annotate(edited, findings, tmp_path / "out" / "typed.审核.xlsx")
    listed = load_workbook(copy)[RESULT_SHEET]
    texts = [c for row in listed.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert any(c.value == "=1+1" for c in texts)
    assert all(c.data_type == "s" for c in texts)
    assert load_workbook(copy)["公开10"][cell.coordinate].comment is not None


@pytest.mark.parametrize(
    ("typed", "findings", "value"),
    [
        (12.345, [("too-many-decimals", "error")], Decimal("12.35")),
        ("12.345", [("number-as-text", "info"), ("too-many-decimals", "error")], Decimal("12.35")),
        (0.1 + 0.2, [], Decimal("0.30")),  # 0.30000000000000004 pasted as a value: float noise, not a decimal
        (1234.5, [], Decimal("1234.50")),
    ],
)
def test_decimals_of_an_amount(tmp_path, filled, typed, findings, value):
    """An amount with a third decimal is an error at its cell, audited at 2 decimals (the report
    still builds); float noise of a pasted value is not a decimal."""
    _, path = filled
    wb = load_workbook(path)
    cell = _cell_of(wb, "xr.T10.goods.amount")
    cell.value = typed
    edited = tmp_path / "decimals.xlsx"
    wb.save(edited)
    result = validate_workbook(edited)
    at_cell = [(f.code, f.severity) for f in result.findings if f.cell == cell.coordinate and f.rule_id == "F03"]
    assert at_cell == findings
    assert result.report is not None
    assert result.report.tables.T10.goods.amount == value


def test_a_count_cell_is_named_by_its_column(tmp_path):
    """公开10's vehicle counts print no column header: messages call the column 数量."""
    from .conftest import EXAMPLE

    report = load_report(EXAMPLE)
    path = write_report(tmp_path / "ref.xlsx", report).path
    wb = load_workbook(path)
    cell = _cell_of(wb, "xr.T10.vehicles_other.count")
    cell.value = 1.5
    edited = tmp_path / "count.xlsx"
    wb.save(edited)
    (found,) = [f for f in validate_workbook(edited).findings if f.code == "bad-count"]
    assert found.cell == cell.coordinate
    assert found.column is not None and found.column.label == "数量"
    assert "8.其他用车·数量" in found.message


def test_a_row_inserted_outside_a_single_cell_formula_is_named(tmp_path):
    """公开03's 款 20103 has one 项, so its formula is =D10. A 项 inserted below it is not in that
    formula: the table as the spreadsheet shows it does not add up, and the 款 cell says so."""
    from .conftest import EXAMPLE

    path = write_report(tmp_path / "ref.xlsx", load_report(EXAMPLE)).path
    wb = load_workbook(path)
    ws = wb["公开03"]
    assert ws["A9"].value == "20103" and ws["D9"].value == "=D10"
    insert_row(wb, "公开03", 11)
    ws["A11"], ws["B11"], ws["D11"] = "2010399", "其他政府办公厅（室）及相关机构事务支出", 100
    edited = tmp_path / "inserted.xlsx"
    wb.save(edited)
    found = {(f.code, f.cell) for f in validate_workbook(edited).findings}
    assert ("formula-outdated", "D9") in found
    assert ("formula-modified", "D9") not in found


def test_a_copied_scorecard_sheet_is_said_to_be_unread(tmp_path, filled):
    _, path = filled
    wb = load_workbook(path)
    prefix = load_edition(wb.custom_doc_props["xlreport.edition"].value).scorecard.sheet_prefix
    first = next((s for s in wb.sheetnames if s.startswith(prefix)), None)
    if first is None:
        pytest.skip("this edition has no scorecards")
    wb.copy_worksheet(wb[first]).title = f"{first} (2)"  # Excel's name for a copy
    edited = tmp_path / "copy.xlsx"
    wb.save(edited)
    found = [(f.code, f.severity, f.sheet) for f in validate_workbook(edited).findings]
    assert ("scorecard-sheet-name", "warning", f"{first} (2)") in found
