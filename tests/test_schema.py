"""schemas/ is generated from the models and must be current."""

from __future__ import annotations

import json

import pytest

from xlreport.schemas import all_schemas, render

from .conftest import ROOT


@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_schema_file_is_up_to_date(name):
    path = ROOT / "schemas" / name
    assert path.exists(), f"{path} missing: run `xlreport schema -o schemas`"
    assert path.read_text(encoding="utf-8") == render(all_schemas()[name]), "run `xlreport schema -o schemas`"


def test_schema_names_tables_rows_and_columns():
    schema = all_schemas()["report-shanxi-2022.schema.json"]
    text = json.dumps(schema, ensure_ascii=False)
    assert "公开10 部门决算公开相关信息统计表" in text
    assert "行次27 本年收入合计" in text
    tables = schema["$defs"]["shanxi_2022_Tables"]["properties"]
    assert sorted(tables) == [f"T{n:02d}" for n in range(1, 11)]
