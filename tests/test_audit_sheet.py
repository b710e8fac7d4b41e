"""The 审核 sheet and the validator give the same verdict for every rule instance.

Workbooks are written (the filled reference, the reference as published, the shanghai-district example,
and the workbooks of the mutation matrix of test_workbook_validation), recalculated by LibreOffice in one
run per batch, and each 审核 row's live verdict (通过 / 尾差 / 警告 / 错误) is compared with what
``validate_workbook`` reports for that rule instance on the same file.
"""

from __future__ import annotations

import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlreport import load_edition, load_report
from xlreport.read.reader import read_workbook
from xlreport.rules.expr import CellRef
from xlreport.rules.instantiate import Check, instantiate
from xlreport.rules.tolerance import FAIL_LABELS, PASS_LABEL, ROUNDING_LABEL
from xlreport.synthetic import random_report
from xlreport.validation.engine import check_report
from xlreport.validation.workbook import data_shape, validate_read
from xlreport.write.sheets import CHECK_COLUMNS, CHECK_SHEET, HEAD_ROW, audit_order
from xlreport.write.writer import write_report

from .conftest import EXAMPLE, SYNTHETIC
from .libreoffice import convert, soffice

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")

SHANGHAI = SYNTHETIC
VERDICT = len(CHECK_COLUMNS) - 1


def sheet_rows(path: Path) -> list[tuple]:
    ws = load_workbook(path, data_only=True, read_only=True)[CHECK_SHEET]
    return [tuple(r) for r in ws.iter_rows(min_row=HEAD_ROW + 2, values_only=True)]


def _leaves(cell: CellRef, defs: dict[CellRef, Check]) -> set[CellRef]:
    """The printed cells a derived cell is computed from (itself when printed)."""
    out, stack, seen = set(), [cell], set()
    while stack:
        c = stack.pop()
        if c in seen:
            continue
        seen.add(c)
        if c in defs:
            stack.extend(defs[c].rhs.refs())
        else:
            out.add(c)
    return out


def validator_labels(path: Path) -> list[tuple[str, set[str]]]:
    """Per rule instance, in the 审核 sheet's order (errors first, else the validator's): its id and the
    verdicts its findings allow on the sheet (a finding's severity, 尾差 for a rounding note; 通过 without
    a finding, or blank when the rule skips a blank anchor)."""
    read = read_workbook(path)
    result = validate_read(read)  # validate_workbook(path) is read_workbook + validate_read: read once
    checks = instantiate(data_shape(read, {ref: c.value for ref, c in read.cells.items() if c.value is not None}))
    defs = {c.defines: c for c in checks if c.defines is not None}
    found: dict[tuple[str, tuple[str, ...]], str] = {}
    for f in result.findings:
        if f.family == "F":
            continue  # file and cell findings (F01…F06), not rule instances
        label = ROUNDING_LABEL if f.code == "rounding-difference" else FAIL_LABELS[f.severity]
        found[(f.rule_id, f.cells)] = label
    out = []
    for check in audit_order(checks):
        key = (check.id, tuple(str(c) for c in check.cells()))
        if key in found:
            out.append((check.id, {found.pop(key)}))
            continue
        anchor = check.anchor
        blank = (
            check.rule.skip_blank
            and anchor is not None
            and all(read.cells.get(c) is None or read.cells[c].value is None for c in _leaves(anchor, defs))
        )
        out.append((check.id, {""} if blank else {PASS_LABEL}))
    assert found == {}, f"findings of no rule instance: {found}"
    return out


def assert_agree(original: Path, recalculated: Path) -> int:
    rows = sheet_rows(recalculated)
    expected = validator_labels(original)
    assert len(rows) == len(expected), original.name
    for n, (row, (rule_id, allowed)) in enumerate(zip(rows, expected, strict=True)):
        assert row[0] == rule_id, (original.name, n, row[0], rule_id)
        assert (row[VERDICT] or "") in allowed, (original.name, row, allowed)
    return len(rows)


# ---------------------------------------------------------------------- the examples
@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("audit")
    reference = load_report(EXAMPLE)
    files = {
        "reference": write_report(out / "reference.xlsx", reference).path,
        "published": write_report(out / "published.xlsx", reference, as_published=True).path,
        "shanghai": write_report(out / "shanghai.xlsx", load_report(SHANGHAI)).path,
    }
    converted = convert(list(files.values()), out / "recalculated")
    return {k: (p, q) for (k, p), q in zip(files.items(), converted, strict=True)}


def test_the_examples_audit_sheets_agree_with_the_validator(examples):
    compared = sum(assert_agree(original, fresh) for original, fresh in examples.values())
    assert compared > 1500


def test_the_cached_verdicts_are_what_libreoffice_computes(examples):
    for original, fresh in examples.values():
        cached = [(r[0], r[VERDICT]) for r in sheet_rows(original)]
        assert cached == [(r[0], r[VERDICT]) for r in sheet_rows(fresh)], original.name


def _non_passing(path: Path) -> list[tuple]:
    return [(r[0], r[6], r[7], r[VERDICT]) for r in sheet_rows(path) if r[VERDICT] != PASS_LABEL]


def test_shanghai_rounding_differences_are_tail_differences_not_failures(examples):
    rows = _non_passing(examples["shanghai"][1])
    notes = check_report(load_report(SHANGHAI))  # the printed numbers stand: the JSON's rounding notes
    assert len(rows) == len(notes) > 10
    assert [(r[0], r[3]) for r in rows] == [(f.rule_id, "尾差") for f in notes]
    for _, diff, bound, _ in rows:
        assert 0 < abs(diff) <= bound


def test_reference_k4_rows_follow_the_half_point_rule(examples):
    rows = [r for r in sheet_rows(examples["reference"][1]) if r[0] == "K4"]
    by_diff = {round(abs(r[6]), 2): r[VERDICT] for r in rows if r[6]}
    assert by_diff[0.55] == "警告"  # 1.45 suggested, 2 reported
    assert by_diff[0.12] == by_diff[0.15] == "通过"  # inside 0.5
    assert [r[0] for r in _non_passing(examples["reference"][1])] == ["R10-1", "K4"]
    assert {(r[0], r[3]) for r in _non_passing(examples["published"][1])} == {("R10-1", "错误"), ("K4", "警告")}


# ---------------------------------------------------------------------- the mutation matrix
MUTATIONS = ("+0.01", "+1", "x10", "neg")
# workbooks per case in .ci/run's sweep (inputs spread evenly over the matrix); XLREPORT_SWEEP_ALL=1 takes every one
SAMPLE = 20


def _mutated(v: Decimal, kind: str) -> Decimal:
    return {"+0.01": v + Decimal("0.01"), "+1": v + 1, "x10": v * 10, "neg": -v or Decimal(-1)}[kind]


def _with_number(src: Path, dst: Path, sheet_index: int, a1: str, value: Decimal) -> Path:
    """A copy of ``src`` whose cell ``a1`` (of the sheet at ``sheet_index``) holds ``value``, its format kept."""
    part = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    cell = re.compile(rf'<c r="{a1}"( s="\d+")?[^>]*?(?:/>|>.*?</c>)', re.S)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == part:
                xml = data.decode()
                assert cell.search(xml), (part, a1)
                data = cell.sub(lambda m: f'<c r="{a1}"{m.group(1) or ""}><v>{value}</v></c>', xml, count=1).encode()
            zout.writestr(item, data)
    return dst


@pytest.mark.sweep
@pytest.mark.parametrize("kind", MUTATIONS)
@pytest.mark.parametrize("base", ["reference", "shanxi-2022", "shanghai-2024"])
def test_every_mutation_matrix_workbook_audits_as_the_validator(tmp_path, base, kind):
    """Each workbook of test_workbook_validation's mutation matrix (every checked input +0.01, +1, ×10 or
    negated), written as a file and recalculated by LibreOffice: its 审核 sheet agrees with the validator."""
    from .test_rules import corrected
    from .test_workbook_validation import _checked_inputs, _closures

    report = load_report(corrected()) if base == "reference" else random_report(load_edition(base), seed=0)
    good = write_report(tmp_path / "base.xlsx", report).path
    read = read_workbook(good)
    sheets = load_workbook(good, read_only=True).sheetnames
    checks, defs, closure = _closures(read)
    mutated = [
        (ref, _mutated(content.value or Decimal(0), kind))
        for ref, content, _ in _checked_inputs(read, checks, defs, closure)
    ]
    mutated = [(ref, new) for ref, new in mutated if new != (read.cells[ref].value or Decimal(0))]
    assert len(mutated) > 20
    if not os.environ.get("XLREPORT_SWEEP_ALL"):  # a spread of the matrix; every workbook takes an hour
        mutated = mutated[:: max(1, len(mutated) // SAMPLE)]
    files = []
    for ref, new in mutated:
        sheet, _, _ = read.addresses[ref]
        path = tmp_path / f"m{len(files)}.xlsx"
        files.append(_with_number(good, path, sheets.index(sheet), read.a1(ref), new))
    assert len(files) >= SAMPLE - 2
    converted = convert(files, tmp_path / "recalculated", timeout=3600)
    compared = sum(assert_agree(original, fresh) for original, fresh in zip(files, converted, strict=True))
    assert compared > len(files) * len(checks) // 2
