"""A Part 3 text pasted into the workbook's 情况说明 sheet (below the writer's live sentences, one paragraph
per row, as Excel takes a paste from Word) is read and checked against the tables like --narrative."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

import xlreport
from xlreport.api import validate_file
from xlreport.validation.narrative import check_narrative
from xlreport.write.narrative import NARRATIVE_SHEET
from xlreport.write.writer import write_report

DATA = Path(__file__).parent / "data" / "narrative"
FIELD = Path(__file__).parent / "field" / "shanghai"
NAME = "putuo-finance-bureau-2024"


def _brief(findings) -> list[tuple[str, str, str, str]]:
    return sorted((f.rule_id, f.code, f.narrative.section, f.narrative.text) for f in findings if f.family == "N")


def _written(tmp_path: Path, text: str | None) -> Path:
    path = tmp_path / "report.xlsx"
    write_report(path, xlreport.load_report(FIELD / f"{NAME}.json"))
    if text is not None:
        wb = load_workbook(path)
        ws = wb[NARRATIVE_SHEET]
        start = ws.max_row + 2
        for i, line in enumerate(line for line in text.splitlines() if line.strip()):
            ws.cell(row=start + i, column=1, value=line)
        wb.save(path)
    return path


def test_pasted_part3_gives_the_findings_of_validate_narrative(tmp_path):
    text = (DATA / f"{NAME}.txt").read_text(encoding="utf-8")
    result = validate_file(_written(tmp_path, text))
    assert result.readable and result.report is not None
    want = _brief(check_narrative(xlreport.load_report(FIELD / f"{NAME}.json"), text))
    assert ("N4", "narrative-amount", "四", "0.3万元") in want and len(want) == 9
    assert _brief(result.findings) == want
    assert result.report.narrative_text is not None and "2961.68" not in result.report.narrative_text


def test_no_pasted_text_no_narrative_finding(tmp_path):
    result = validate_file(_written(tmp_path, None))
    assert result.report is not None and result.report.narrative_text is None
    assert _brief(result.findings) == []
