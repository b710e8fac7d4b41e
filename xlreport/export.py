"""A report as JSON (the examples' format) or as a long CSV table (table, row, column, value)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from .model.report import Report
from .model.values import CellRef
from .validation.labels import Labeler


def report_to_json(report: Report) -> str:
    data = report.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


LONG_COLUMNS = ["table", "sheet", "row", "line", "code", "row_label", "column", "seq", "column_label", "value"]


def report_to_csv(report: Report) -> str:
    """One line per non-blank cell; values as exact decimal text, so pandas reads them as numbers."""
    edition = report.edition
    labeler = Labeler(edition, {t.id: dict(report.codes(t.id)) for t in edition.tables if t.coded}, report.scorecards)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(LONG_COLUMNS)
    for ref, value in report.cells().items():
        ref = CellRef(ref.table, ref.row, ref.col)
        row, col = labeler.row(ref), labeler.column(ref)
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        writer.writerow(
            [
                ref.table,
                labeler.sheet(ref.table),
                ref.row,
                row.line or "",
                row.code or "",
                row.label,
                ref.col,
                col.seq or "",
                col.label,
                text,
            ]
        )
    return buf.getvalue()
