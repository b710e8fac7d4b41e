"""The finding catalogue (``catalog.toml``): every code with its id, severity, title, template and description.

A finding carries a code, a template name and its arguments; :func:`render` makes its message from the
catalogue, once, when the message is asked for. Nothing else in xlreport writes a finding's sentence.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..editions.spec import SEVERITY_LABEL

if TYPE_CHECKING:
    from .findings import Finding

RULE_OWN = "rule-own"  # a rule whose rules.toml entry has its own message template


@dataclass(frozen=True)
class Entry:
    """One file-level or cell-level code."""

    code: str
    id: str
    severity: str
    title: str
    template: str
    description: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    prefix: str
    title: str
    description: str


@dataclass(frozen=True)
class Catalog:
    codes: dict[str, Entry]
    families: dict[str, Family]
    narrative: dict[str, Entry]  # family N: Part 3 checked against the tables
    templates: dict[str, str]  # relation templates of rule findings

    def entry(self, code: str) -> Entry:
        try:
            return self.codes[code]
        except KeyError:
            raise KeyError(f"finding code {code!r} is not in catalog.toml") from None


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    data = tomllib.loads(resources.files("xlreport.validation").joinpath("catalog.toml").read_text(encoding="utf-8"))
    codes = {
        code: Entry(
            code=code,
            id=spec["id"],
            severity=spec.get("severity", "error"),
            title=spec["title"],
            template=spec["template"],
            description=spec["description"],
            args=tuple(spec.get("args", ())),
        )
        for code, spec in data["codes"].items()
    }
    families = {p: Family(p, spec["title"], spec["description"]) for p, spec in data["families"].items()}
    narrative = {
        code: Entry(
            code=code,
            id="N",
            severity=spec.get("severity", "error"),
            title=spec["title"],
            template=spec["template"],
            description=spec["description"],
            args=tuple(spec.get("args", ())),
        )
        for code, spec in data.get("narrative", {}).items()
    }
    return Catalog(codes, families, narrative, dict(data["templates"]))


class _Args(dict[str, str]):
    def __missing__(self, key: str) -> str:  # a missing argument shows as itself, never raises
        return "{" + key + "}"


def template_of(finding: Finding) -> str:
    cat = catalog()
    name = finding.template or finding.code
    if name == RULE_OWN:
        return finding.args.get("rule_message", "")
    if name in cat.templates:
        return cat.templates[name]
    if name in cat.narrative:
        return cat.narrative[name].template
    return cat.entry(name).template


def render(finding: Finding) -> str:
    """``[rule id] sentence``: the template filled with the finding's arguments."""
    where = {"sheet": finding.sheet or "", "cell": finding.cell or ""}  # a sheet's finding names its sheet
    text = template_of(finding).format_map(_Args({**{k: v for k, v in where.items() if v}, **finding.args}))
    return f"[{finding.rule_id}] {text}"


def make(
    code: str,
    args: Mapping[str, object] | None = None,
    *,
    severity: str | None = None,
    **location: Any,
) -> Finding:
    """A file- or cell-level finding of ``code``: id, family and default severity from the catalogue."""
    from .findings import Finding

    entry = catalog().entry(code)
    return Finding(
        rule_id=entry.id,
        family="F",
        code=code,
        severity=severity or entry.severity,  # type: ignore[arg-type]
        args={k: "" if v is None else str(v) for k, v in (args or {}).items()},
        **location,
    )


def file_codes_markdown() -> str:
    """The file- and cell-level codes as a Markdown table (for `xlreport rules` and the README)."""
    lines = ["| 编号 | 代码 | 级别 | 标题 | 说明 |", "| --- | --- | --- | --- | --- |"]
    for e in sorted(catalog().codes.values(), key=lambda e: (e.id, e.code)):
        lines.append(f"| {e.id} | `{e.code}` | {SEVERITY_LABEL[e.severity]} | {e.title} | {e.description} |")
    return "\n".join(lines) + "\n"


def narrative_codes_markdown() -> str:
    """The Part 3 codes (family N) as a Markdown table."""
    lines = ["| 代码 | 级别 | 标题 | 说明 |", "| --- | --- | --- | --- |"]
    for e in catalog().narrative.values():
        lines.append(f"| `{e.code}` | {SEVERITY_LABEL[e.severity]} | {e.title} | {e.description} |")
    return "\n".join(lines) + "\n"


def families_markdown() -> str:
    lines = ["| 规则族 | 标题 | 说明 |", "| --- | --- | --- |"]
    for f in catalog().families.values():
        lines.append(f"| {f.prefix} | {f.title} | {f.description} |")
    return "\n".join(lines) + "\n"


def catalog_markdown() -> str:
    """The families and every file- and cell-level code, for `xlreport rules` and the README."""
    return (
        "## 规则族\n\n"
        + families_markdown()
        + "\n## 文件与单元格的发现（F）\n\n"
        + "读取工作簿或 JSON 报告时的发现；代码（code）稳定，可在程序中使用。\n\n"
        + file_codes_markdown()
        + "\n## 情况说明的发现（N）\n\n"
        + "第三部分情况说明与表核对的发现；编号为所违反的 N 规则（DOMAIN.md §6）。\n\n"
        + narrative_codes_markdown()
    )


def catalog_json() -> dict[str, object]:
    cat = catalog()
    return {
        "families": [
            {"prefix": f.prefix, "title": f.title, "description": f.description} for f in cat.families.values()
        ],
        "file_codes": [
            {
                "id": e.id,
                "code": e.code,
                "severity": e.severity,
                "title": e.title,
                "template": e.template,
                "description": e.description,
            }
            for e in sorted(cat.codes.values(), key=lambda e: (e.id, e.code))
        ],
    }


README_START, README_END = "<!-- catalog:start -->", "<!-- catalog:end -->"


def with_readme_block(text: str) -> str:
    """``text`` (the README) with the block between the catalogue markers regenerated."""
    head, _, rest = text.partition(README_START)
    _, _, tail = rest.partition(README_END)
    narrative = "\nPart 3 情况说明 (`validate --narrative`), family N:\n\n" + narrative_codes_markdown()
    block = file_codes_markdown() + narrative
    return f"{head}{README_START}\n{block}{README_END}{tail}"


if __name__ == "__main__":  # python3 -m xlreport.validation.catalog README.md
    from pathlib import Path

    readme = Path(sys.argv[1])
    readme.write_text(with_readme_block(readme.read_text(encoding="utf-8")), encoding="utf-8")
