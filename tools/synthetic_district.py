"""Write xlreport/examples/shanghai-district-2024.json: a made-up but realistic report in edition shanghai-2024.

SYNTHETIC: the unit and every number are invented (xlreport.synthetic). Amounts are in 万元 and every
cell is rounded on its own, as published tables are, so some totals differ from the sum of their printed
parts by a cent or two: the validator reports those as rounding notes (info), not errors.

    python3 tools/synthetic_district.py
"""

from __future__ import annotations

from pathlib import Path

from xlreport import load_edition
from xlreport.export import report_to_json
from xlreport.synthetic import random_report, rounded_report


def main() -> None:
    edition = load_edition("shanghai-2024")
    report = random_report(edition, seed=2024, items=9, unit_type="行政", in_yuan=True)
    report = report.model_copy(
        update={"meta": report.meta.model_copy(update={"unit_name": "上海市示例区文化和旅游局", "year": 2024})}
    )
    printed = rounded_report(report)
    out = Path(__file__).resolve().parent.parent / "xlreport" / "examples" / "shanghai-district-2024.json"
    out.write_text(report_to_json(printed), encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main()
