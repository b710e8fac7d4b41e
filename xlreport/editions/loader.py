"""Load an edition description (TOML files under ``editions/data/<id>/``) into an :class:`Edition`."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from ..errors import EditionError
from .spec import Edition, ScorecardForm, ScorecardSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_NUMERALS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 26 → 二十六 (as the tables number their 类 rows)."""
    if n < 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else _NUMERALS[tens] + "十"
    return head + (_NUMERALS[ones] if ones else "")


def _expand_rows(
    rows: list[dict[str, Any]], classes: list[list[str]], economic: dict[str, str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in rows:
        entry = dict(entry)
        if entry.pop("classes", False):
            line = entry.pop("line", None)
            numbered = entry.pop("numbered", True)
            n = 0
            for i, (code, name, *flags) in enumerate(classes):
                optional = "optional" in flags
                if not optional:
                    n += 1
                label = f"{chinese_ordinal(n)}、{name}" if numbered and not optional else name
                out.append(
                    {
                        "key": code,
                        "code": code,
                        "label": label,
                        "name": name,
                        "line": None if line is None else line + i,
                        "groups": ["classes"],
                        "optional": optional,
                    }
                )
        elif "blank" in entry:
            count = int(entry.pop("blank"))
            line = entry.pop("line", None)
            for i in range(count):
                out.append({"line": None if line is None else line + i})
        elif "econ" in entry:
            codes = entry.pop("econ").split()
            disabled = entry.pop("disabled", [])
            for code in codes:
                if code not in economic:
                    raise ValueError(f"economic code {code} has no name in [economic]")
                groups = ["econ", "no_basic" if disabled else "with_basic"]
                if len(code) == 3:
                    groups.append("econ_classes")
                out.append(
                    {
                        "key": code,
                        "code": code,
                        "label": economic[code],
                        "disabled": disabled,
                        "groups": groups,
                        "bold": len(code) == 3,
                    }
                )
        else:
            out.append(entry)
    return out


def _read(edition_id: str, name: str) -> dict[str, Any]:
    path = resources.files("xlreport.editions").joinpath("data", edition_id, name)
    if not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _read_rules(edition_id: str) -> dict[str, Any]:
    """rules.toml, with the rule files it includes (paths under editions/data) first, in order."""
    own = _read(edition_id, "rules.toml")
    rules: list[Any] = []
    for include in own.get("include", []):
        folder, _, name = include.partition("/")
        rules.extend(_read(folder, name).get("rules", []))
    rules.extend(own.get("rules", []))
    return {"rules": rules}


DEFAULT_FORM = "common/scorecard.toml"


def _read_path(path: str) -> dict[str, Any]:
    """A TOML file named ``<folder>/<name>`` under editions/data; a missing file is an error."""
    folder, _, name = path.partition("/")
    data = _read(folder, name)
    if not data:
        raise ValueError(f"no edition data file {path}")
    return data


def _scorecard(raw: dict[str, Any]) -> dict[str, Any]:
    """The [scorecard] table of edition.toml with its form (``form = "<folder>/scorecard.toml"``) read in
    (a form given as a table is taken as it is)."""
    spec = dict(raw.get("scorecard", {}))
    form = spec.get("form", DEFAULT_FORM)
    spec["form"] = _read_path(form) if isinstance(form, str) else form
    return spec


_PARAMETER = re.compile(r"\{scorecard\.([a-z_]+)(?:\.([^{}]+))?\}")


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def grade_bands(spec: ScorecardSpec) -> str:
    """The grades as a description says them: 优≥90，良80–<90，中60–<80，差<60."""
    parts = []
    above: Decimal | None = None
    for i, (bound, grade) in enumerate(spec.grades):
        if above is None:
            parts.append(f"{grade}≥{_number(bound)}")
        elif i == len(spec.grades) - 1:
            parts.append(f"{grade}<{_number(above)}")
        else:
            parts.append(f"{grade}{_number(bound)}–<{_number(above)}")
        above = bound
    return "，".join(parts)


def fill_parameters(text: str, spec: ScorecardSpec) -> str:
    """``{scorecard.weights.产出指标}``, ``{scorecard.execution_weight}``, ``{scorecard.grades}`` and
    ``{scorecard.qualitative_bands}`` in a rule's words → the edition's numbers (the relation itself
    reads them through ``scorecard(…)``, ``grade(…)`` and ``band(…)``)."""

    def one(m: re.Match[str]) -> str:
        name, key = m.group(1), m.group(2)
        if name == "grades" and key is None:
            return grade_bands(spec)
        if name == "qualitative_bands" and key is None:
            bands = spec.qualitative_bands.items()
            return "，".join(f"{band}{_number(lo)}%–{_number(hi)}%" for band, (lo, hi) in bands)
        try:
            return _number(spec.parameter(name, key))
        except KeyError:
            raise ValueError(f"unknown scorecard parameter {m.group(0)}") from None

    return _PARAMETER.sub(one, text)


def build_edition(
    raw: dict[str, Any], tables: dict[str, Any], rules: dict[str, Any], narrative: dict[str, Any] | None = None
) -> Edition:
    info = raw["edition"]
    classes = raw.get("classes") or info.pop("classes", [])
    economic = raw.get("economic", {})
    table_list = []
    for t in tables.get("tables", []):
        t = dict(t)
        panels = []
        for p in t.get("panels", []):
            p = dict(p)
            p["rows"] = _expand_rows(p.get("rows", []), classes, economic)
            panels.append(p)
        t["panels"] = panels
        table_list.append(t)
    layout_hash = hashlib.sha256(
        json.dumps({"tables": table_list, "classes": classes}, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:16]
    data = {
        "info": info,
        "classes": [{"code": c[0], "name": c[1], "optional": "optional" in c[2:]} for c in classes],
        "economic": economic,
        "tables": table_list,
        "scorecard": _scorecard(raw),
        "rules": rules.get("rules", []),
        "narrative": (narrative or {}).get("narrative", []),
        "narrative_text": (narrative or {}).get("text"),
        "layout_hash": layout_hash,
    }
    edition = Edition.model_validate(data)
    card = edition.scorecard
    worded = [
        r.model_copy(
            update={k: fill_parameters(getattr(r, k), card) for k in ("description", "message") if getattr(r, k)}
        )
        for r in edition.rules
    ]
    edition = edition.model_copy(update={"rules": tuple(worded)})
    _check_unique([r.id for r in edition.rules if "{" not in r.id], "rule id")
    _check_unique([t.id for t in edition.tables], "table id")
    return edition


def _check_unique(items: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in items:
        if i in seen:
            raise ValueError(f"duplicate {what} {i}")
        seen.add(i)


def unknown_edition(edition_id: object) -> EditionError:
    """The error (one message, everywhere) for an edition id that names no edition."""
    known = "、".join(available_editions())
    return EditionError(f"未知的表样版本“{edition_id}”（可用：{known}）", str(edition_id))


def edition_sources(edition_id: str) -> dict[str, dict[str, Any]]:
    """The parsed data files of an edition, as :func:`build_edition` takes them (to build a variant)."""
    return {
        "raw": _read(edition_id, "edition.toml"),
        "tables": _read(edition_id, "tables.toml"),
        "rules": _read_rules(edition_id),
        "narrative": _read(edition_id, "narrative.toml"),
    }


@cache
def load_edition(edition_id: str) -> Edition:
    """The edition named ``edition_id`` (a folder under editions/data); raises :class:`EditionError`
    (a ``KeyError``) when unknown."""
    if edition_id not in available_editions():
        raise unknown_edition(edition_id)
    return build_edition(**edition_sources(edition_id))


@cache
def scorecard_form(path: str = DEFAULT_FORM) -> ScorecardForm:
    """A scorecard form by its file (the default: the one the Scorecard model describes)."""
    return ScorecardForm.model_validate(_read_path(path))


@cache
def default_edition() -> str:
    """The edition used when none is named (editions/data/DEFAULT)."""
    path = resources.files("xlreport.editions").joinpath("data", "DEFAULT")
    return path.read_text(encoding="utf-8").strip()


@cache
def available_editions() -> tuple[str, ...]:
    root = resources.files("xlreport.editions").joinpath("data")
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and p.joinpath("edition.toml").is_file()))
