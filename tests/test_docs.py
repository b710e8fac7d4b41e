"""docs/ is generated from the rule catalogue and must be current; the README links it."""

from __future__ import annotations

import pytest

from tools.gen_docs import DOCS, expected

from .conftest import ROOT

GENERATED = expected()


@pytest.mark.parametrize("path", sorted(GENERATED), ids=lambda p: p.name)
def test_docs_file_is_up_to_date(path):
    assert path.exists(), f"{path} missing: run `python3 tools/gen_docs.py`"
    assert path.read_text(encoding="utf-8") == GENERATED[path], "run `python3 tools/gen_docs.py`"


def test_every_edition_has_its_rules_reference_linked():
    from xlreport import available_editions

    index = (DOCS / "rules.md").read_text(encoding="utf-8")
    for edition_id in available_editions():
        assert f"(rules-{edition_id}.md)" in index
    assert "(docs/rules.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(CHANGELOG.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
