"""``xlreport edition new ID --from BASE``: a copy of an edition's files, renamed, ready to edit."""

from __future__ import annotations

import re
import sys
from os import PathLike
from pathlib import Path

from ..editions.loader import data_file, locate
from ..errors import EditionError
from ..fileio import write_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
EDITION_FILES = ("edition.toml", "tables.toml", "rules.toml", "narrative.toml", "scorecard.toml")


def _renamed(text: str, base: str, new_id: str) -> str:
    """edition.toml with [edition] id and name changed (comments and layout kept)."""
    head = f"# Edition {new_id}: copied from {base} by `xlreport edition new`; edit the tables, rules and\n"
    head += "# 类 list to match the published report, then run `xlreport edition check` on this folder.\n"
    section = re.search(r"^\[edition\][^\n]*\n(?P<body>(?:(?!^\[).*\n?)*)", text, re.M)
    if section is None:
        raise EditionError(f"表样版本“{base}”的 edition.toml 没有 [edition] 表", base)
    body = section.group("body")
    body = re.sub(r'^(id\s*=\s*)"[^"]*"', lambda m: f'{m.group(1)}"{new_id}"', body, count=1, flags=re.M)
    body = re.sub(
        r'^(name\s*=\s*)"([^"]*)"',
        lambda m: f'{m.group(1)}"{m.group(2)}（{new_id}，由 {base} 复制）"',
        body,
        count=1,
        flags=re.M,
    )
    return head + text[: section.start("body")] + body + text[section.end("body") :]


def new_edition(new_id: str, base: str, directory: str | PathLike[str] = ".") -> Path:
    """Copy edition ``base`` (shipped or on the edition path) to ``directory/new_id``; the folder made.

    Rule files the base includes from the shipped ``common/`` stay included (they resolve to the
    shipped files); files it includes from its own directory are copied beside the new edition."""
    if not ID_PATTERN.match(new_id):
        raise EditionError(f"表样版本编号“{new_id}”只能由小写字母、数字、点、下划线和连字符组成", new_id)
    source = locate(base)
    target = Path(directory) / new_id
    if target.exists() and any(target.iterdir()):
        raise EditionError(f"{target} 已存在且不是空文件夹", new_id)
    for name in EDITION_FILES:
        f = source.folder.joinpath(name)
        if not f.is_file():
            continue
        text = f.read_text(encoding="utf-8")
        if name == "edition.toml":
            text = _renamed(text, source.id, new_id)
        write_text(target / name, text)
        if name == "rules.toml" and not source.shipped:
            for include in tomllib.loads(text).get("include", []):
                found = data_file(include, source)
                shipped = data_file(include)
                if found is not None and (shipped is None or str(found) != str(shipped)):
                    write_text(Path(directory) / include, found.read_text(encoding="utf-8"))
    return target
