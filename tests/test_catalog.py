"""The finding catalogue: every code xlreport can report is in it, with a template its arguments fill."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from xlreport.read.preflight import CODES as PREFLIGHT_CODES
from xlreport.validation.catalog import RULE_OWN, catalog, make, render, with_readme_block
from xlreport.validation.findings import Finding

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "xlreport").rglob("*.py"))
# the ways code names a catalogue entry: make("code", …), file_finding("code", …), cell_finding(read, ref, "code", …)
USES = re.compile(
    r"""(?:\bmake|file_finding)\(\s*"([a-z0-9-]+)"|cell_finding\(\s*\w+,\s*[^,]+?,\s*"([a-z0-9-]+)"|_formula_finding\([^)]*"([a-z-]+)\""""
)
GLOBAL_ARGS = {"where", "file", "detail"}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_code_the_code_uses_is_catalogued() -> None:
    used: set[str] = set()
    for path in SOURCES:
        for groups in USES.findall(path.read_text(encoding="utf-8")):
            used.update(g for g in groups if g)
    used |= set(PREFLIGHT_CODES)
    assert len(used) > 30, used  # the scan itself works
    missing = used - set(catalog().codes)
    assert not missing, f"codes used but not in catalog.toml: {sorted(missing)}"


def test_file_level_ids_appear_only_in_the_catalogue() -> None:
    f_id = re.compile(r"""["'\[]F\d\d\b""")
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in SOURCES
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if f_id.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize("code", sorted(catalog().codes))
def test_each_template_is_filled_by_its_declared_arguments(code: str) -> None:
    entry = catalog().entry(code)
    assert re.fullmatch(r"F\d\d", entry.id) and entry.severity in ("error", "warning", "info")
    assert entry.title and entry.description and re.search(r"[\u4e00-\u9fff]", entry.template + entry.description)
    assert _placeholders(entry.template) <= set(entry.args) | GLOBAL_ARGS
    args = {name: f"«{name}»" for name in _placeholders(entry.template)}
    message = make(code, args).message
    assert message.startswith(f"[{entry.id}] ") and "{" not in message
    assert all(v in message for v in args.values())


def test_relation_templates_name_the_place_and_both_values() -> None:
    for name, template in catalog().templates.items():
        assert "where" in _placeholders(template), name
    finding = Finding(
        rule_id="R10-1",
        family="R10",
        code="procurement-total",
        severity="error",
        template="relation-eq",
        args={
            "where": "公开10 行次1",
            "description": "合计=Σ",
            "expected": "1.00",
            "actual": "2.00",
            "difference": "1",
        },
    )
    assert finding.message == "[R10-1] 公开10 行次1：合计=Σ。应为1.00，实为2.00，相差1"
    own = finding.model_copy(update={"template": RULE_OWN, "args": {**finding.args, "rule_message": "{where}有误"}})
    assert render(own) == "[R10-1] 公开10 行次1有误"


def test_a_finding_round_trips_through_json_with_its_message() -> None:
    f = make("not-a-number", {"where": "公开05!E8", "text": "约五千"}, sheet="公开05", cell="E8")
    again = Finding.model_validate_json(f.model_dump_json())
    assert again == f and again.message == f.message == "[F03] 公开05!E8：应填写数字，实为文本“约五千”"


def test_readme_lists_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == with_readme_block(readme), "run `python3 -m xlreport.validation.catalog README.md`"
    for code in catalog().codes:
        assert f"`{code}`" in readme
