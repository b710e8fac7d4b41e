"""The consolidated workbook (with its 汇总明细 sheet) and the 同比 workbook recalculated by LibreOffice:
every formula gives its cached value."""

from __future__ import annotations

from pathlib import Path

import pytest

import xlreport
from xlreport.compare import compare_reports
from xlreport.merge import consolidate, write_consolidation
from xlreport.synthetic import random_report
from xlreport.write.comparison import write_comparison

from .libreoffice import recalculation_problems, soffice

pytestmark = [
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
    pytest.mark.xdist_group("libreoffice"),
    pytest.mark.sweep,  # LibreOffice: .ci/run's sweep
]


def test_merged_and_comparison_workbooks_recalculate_to_their_cached_values(tmp_path: Path) -> None:
    shanxi = xlreport.load_edition("shanxi-2022")
    shanghai = xlreport.load_edition("shanghai-2024")
    units = [random_report(shanxi, seed=500 + i, items=4, scorecards=1) for i in range(3)]
    merged = write_consolidation(tmp_path / "汇总.xlsx", consolidate(units, "某某局"))
    in_yuan = []
    for i in range(3):  # 元 returns of a 万元 edition: the 合计折合万元 row
        r = random_report(shanghai, seed=600 + i, items=4, in_yuan=True)
        in_yuan.append(r.model_copy(update={"meta": r.meta.model_copy(update={"amount_unit": "元"})}))
    converted = write_consolidation(tmp_path / "汇总万元.xlsx", consolidate(in_yuan, "某某区"))
    last = units[0].model_copy(update={"meta": units[0].meta.model_copy(update={"year": 2021})})
    compared = write_comparison(tmp_path / "同比.xlsx", compare_reports(units[1], last))
    assert recalculation_problems([merged, converted, compared], tmp_path / "lo") == {}
