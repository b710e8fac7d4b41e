"""Published reports from the field, transcribed exactly (tests/field/<region>/*.json), each beside the
findings a careful reader expects (*.findings.toml: source, what the report prints, every finding with the
arithmetic behind it). validate must give exactly those findings: no false error, none missed."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

import xlreport

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FIELD = Path(__file__).parent / "field"
REPORTS = sorted(FIELD.glob("*/*.json"))


def expected_of(report: Path) -> dict:
    return tomllib.loads(report.with_suffix(".findings.toml").read_text(encoding="utf-8"))


def test_there_are_at_least_three_real_shanghai_reports():
    shanghai = [p for p in REPORTS if p.parent.name == "shanghai"]
    assert len(shanghai) >= 3
    for p in shanghai:
        spec = expected_of(p)
        assert spec["source"].startswith("https://") and len(spec["sha256"]) == 64


@pytest.mark.parametrize("path", REPORTS, ids=[p.stem for p in REPORTS])
def test_a_field_report_gives_exactly_the_findings_a_careful_reader_expects(path: Path):
    spec = expected_of(path)
    result = xlreport.check(path)
    got = sorted(
        (f.rule_id, f.severity, f"{f.table}[{f.row.key}].{f.column.key}", f.difference) for f in result.findings
    )
    want = sorted((e["rule_id"], e["severity"], e["cell"], Decimal(e["difference"])) for e in spec.get("finding", []))
    assert got == want
    errors = [e for e in spec.get("finding", []) if e["severity"] == "error"]
    assert result.valid == (not errors)


@pytest.mark.parametrize("path", REPORTS, ids=[p.stem for p in REPORTS])
def test_a_field_report_reads_as_printed(path: Path):
    """Every message is whole (no {placeholder}) and a rounding note names the rule instance."""
    for f in xlreport.check(path).findings:
        assert "{" not in f.message and "}" not in f.message
        if f.code == "rounding-difference":
            assert f.message.endswith(f"（{f.rule_id}）") or f.rule_id.startswith(("H", "R06-"))
