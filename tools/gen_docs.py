"""Regenerate docs/: the rules reference of every shipped edition, as `xlreport rules --format markdown` prints it.

    python3 tools/gen_docs.py

tests/test_docs.py fails when a file under docs/ generated here is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def rules_markdown(edition_id: str) -> str:
    """Exactly what `xlreport rules --format markdown --edition <edition_id>` prints."""
    from xlreport.cli import main

    result = CliRunner().invoke(main, ["rules", "--format", "markdown", "--edition", edition_id])
    if result.exit_code != 0:
        raise RuntimeError(f"xlreport rules --edition {edition_id} failed: {result.output}")
    return result.output


def expected() -> dict[Path, str]:
    """Every generated file under docs/ with its content."""
    from xlreport import available_editions, load_edition

    editions = available_editions()
    index = [
        "# Rules reference",
        "",
        "Every rule xlreport checks, per edition: id, tables, severity, description, the relation in the rule",
        "language and whether the writer renders it as a live formula. Generated from the rule catalogue",
        "(`xlreport rules --format markdown --edition <edition>`); regenerate with `python3 tools/gen_docs.py`.",
        "",
    ]
    files: dict[Path, str] = {}
    for edition_id in editions:
        name = f"rules-{edition_id}.md"
        files[DOCS / name] = rules_markdown(edition_id)
        index.append(f"- [{load_edition(edition_id).info.name}（{edition_id}）]({name})")
    files[DOCS / "rules.md"] = "\n".join(index) + "\n"
    return files


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    for path, text in expected().items():
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(ROOT), file=sys.stderr)


if __name__ == "__main__":
    main()
