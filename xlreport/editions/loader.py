"""Load an edition description (TOML files under ``editions/data/<id>/``) into an :class:`Edition`."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from os import PathLike
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import EditionError
from .spec import Edition, ScorecardForm, ScorecardSpec

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable

    import tomllib
else:  # pragma: no cover - Python 3.10
    from importlib.abc import Traversable

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
            indent = int(entry.pop("indent", 0))  # of each 款 under its 类, as the table prints them
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
                        **({"indent": indent} if indent and len(code) == 5 else {}),  # (the layout hash
                    }  # of an edition without it stays as it was)
                )
        else:
            out.append(entry)
    return out


def _read(edition_id: str, name: str) -> dict[str, Any]:
    """A TOML file of an edition's folder ({} when the edition has no such file)."""
    return _read_file(locate(edition_id).folder.joinpath(name))


def _read_file(path: Traversable) -> dict[str, Any]:
    if not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _read_rules(location: EditionLocation) -> dict[str, Any]:
    """rules.toml, with the rule files it includes (``<folder>/<file>``, see :func:`data_file`) first, in order.

    ``exclude`` lists ids of included rules the edition leaves out: relations over rows its tables
    do not print (its own rules.toml may then state the relation over the rows it does print)."""
    own = _read_file(location.folder.joinpath("rules.toml"))
    excluded = set(own.get("exclude", []))
    rules: list[Any] = []
    included: set[Any] = set()
    for include in own.get("include", []):
        for rule in _read_path(include, location).get("rules", []):
            included.add(rule.get("id"))
            if rule.get("id") not in excluded:
                rules.append(rule)
    unknown = excluded - included
    if unknown:
        raise ValueError(f"{location.id}/rules.toml excludes rules no included file has: {sorted(unknown)}")
    rules.extend(own.get("rules", []))
    return {"rules": rules}


DEFAULT_FORM = "common/scorecard.toml"
FORM_FILE = "scorecard.toml"  # an edition's own scorecard form, beside its edition.toml


def data_file(path: str, location: EditionLocation | None = None) -> Traversable | None:
    """A data file named ``<folder>/<name>`` (``common/rules.toml``): beside the edition's folder
    (an edition directory may bring its own ``common``), else under the shipped editions/data."""
    parts = [p for p in path.split("/") if p]
    roots = ([location.root] if location is not None and location.root is not None else []) + [_shipped_root()]
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.is_file():
            return candidate
    return None


def _read_path(path: str, location: EditionLocation | None = None) -> dict[str, Any]:
    """A TOML file named ``<folder>/<name>`` (see :func:`data_file`); a missing file is an error."""
    found = data_file(path, location)
    data = _read_file(found) if found is not None else {}
    if not data:
        raise ValueError(f"no edition data file {path}")
    return data


def form_source(raw: dict[str, Any], location: EditionLocation | None) -> str | None:
    """Where an edition's scorecard form comes from: its own scorecard.toml (beside edition.toml) when it
    has one, else ``form = "<folder>/scorecard.toml"`` of its [scorecard] table, else the common form
    (None: a form given as a table)."""
    if location is not None and location.folder.joinpath(FORM_FILE).is_file():
        return FORM_FILE
    form = raw.get("scorecard", {}).get("form", DEFAULT_FORM)
    return form if isinstance(form, str) else None


def _scorecard(raw: dict[str, Any], location: EditionLocation | None = None) -> dict[str, Any]:
    """The [scorecard] table of edition.toml with its form read in (:func:`form_source`; a form given
    as a table is taken as it is)."""
    spec = dict(raw.get("scorecard", {}))
    source = form_source(raw, location)
    if source == FORM_FILE and location is not None:
        spec["form"] = _read_file(location.folder.joinpath(FORM_FILE))
    elif source is not None:
        spec["form"] = _read_path(source, location)
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


_TABLE_WORD = re.compile(r"\{(T\d\d)(?:\.([a-z_]+))?\}")


def fill_table_words(text: str, edition: Edition) -> str:
    """``{T08}`` in a rule's words → the table as the edition names it (its sheet: 公开08, or the title
    where sheets carry titles); ``{T08.expense}`` → that column's own heading, under its group (小计 in
    one edition, 合计 in another), so a shared rule reads as each edition prints its tables."""

    def one(m: re.Match[str]) -> str:
        try:
            table = edition.table(m.group(1))
        except KeyError:
            raise ValueError(f"unknown table {m.group(0)} in a rule's words") from None
        if m.group(2) is None:
            return table.sheet
        for panel in table.panels:
            for col in panel.columns:
                if col.key == m.group(2):
                    return col.header[-1]
        raise ValueError(f"unknown column {m.group(0)} in a rule's words")

    return _TABLE_WORD.sub(one, text)


def build_edition(
    raw: dict[str, Any],
    tables: dict[str, Any],
    rules: dict[str, Any],
    narrative: dict[str, Any] | None = None,
    location: EditionLocation | None = None,
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
    printed: dict[str, Any] = {"tables": table_list, "classes": classes}
    if info.get("print_optional"):  # the optional 类 rows print in every report (other editions' hashes stand)
        printed["print_optional"] = True
    layout_hash = hashlib.sha256(json.dumps(printed, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]
    data = {
        "functions": raw.get("functions", {}),
        "info": info,
        "classes": [{"code": c[0], "name": c[1], "optional": "optional" in c[2:]} for c in classes],
        "economic": economic,
        "tables": table_list,
        "scorecard": _scorecard(raw, location),
        "rules": rules.get("rules", []),
        "narrative": (narrative or {}).get("narrative", []),
        "compare": raw.get("compare", {}),
        "narrative_text": (narrative or {}).get("text"),
        "layout_hash": layout_hash,
    }
    edition = Edition.model_validate(data)
    card = edition.scorecard
    worded = [
        r.model_copy(
            update={
                k: fill_table_words(fill_parameters(getattr(r, k), card), edition)
                for k in ("description", "message")
                if getattr(r, k)
            }
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


# ---------------------------------------------------------------------- where editions are found
ENV_VAR = "XLREPORT_EDITIONS"  # directories (os.pathsep between them) holding editions
ENTRY_POINT_GROUP = "xlreport.editions"  # packages that bring editions: the entry point names a package or a path
SHIPPED = "内置"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class EditionLocation:
    """Where an edition's files are: its folder, the directory holding it (whose ``common/`` its
    includes may name), and how it was found (内置, --edition-path, XLREPORT_EDITIONS, 入口点 …)."""

    id: str
    folder: Traversable
    root: Traversable | None
    origin: str

    @property
    def shipped(self) -> bool:
        return self.origin == SHIPPED


@dataclass
class _Config:
    paths: list[Path] = field(default_factory=list)  # given by --edition-path or add_edition_path, in order
    override: bool = False  # a user's edition may replace a shipped one with the same id


_CONFIG = _Config()
_FORGET: list[Callable[[], None]] = []


def on_editions_changed(forget: Callable[[], None]) -> None:
    """Register a cache to empty when the editions found change (:func:`configure_editions`)."""
    _FORGET.append(forget)


def configure_editions(paths: Iterable[str | PathLike[str]] = (), override: bool = False) -> None:
    """Directories of user editions (besides XLREPORT_EDITIONS, entry points and the shipped ones);
    ``override``: a user edition may replace a shipped edition of the same id (else that is an error).
    Replaces an earlier configuration; every cache of editions is emptied."""
    _CONFIG.paths = [Path(p) for p in paths]
    _CONFIG.override = override
    forget_editions()


def add_edition_path(path: str | PathLike[str], override: bool | None = None) -> None:
    """Add one directory of editions (an edition folder, or a folder of edition folders)."""
    if Path(path) not in _CONFIG.paths:
        _CONFIG.paths.append(Path(path))
    if override is not None:
        _CONFIG.override = override
    forget_editions()


def editions_config() -> tuple[tuple[str, ...], bool]:
    """The configuration, to hand to worker processes (:func:`configure_editions` takes it back)."""
    return tuple(str(p) for p in _CONFIG.paths), _CONFIG.override


def forget_editions() -> None:
    for f in (load_edition, available_editions, _locations, _entry_point_roots):
        f.cache_clear()
    for forget in _FORGET:
        forget()


def _shipped_root() -> Traversable:
    return resources.files("xlreport.editions").joinpath("data")


def _edition_id(folder: Traversable) -> str:
    """The id an edition folder declares ([edition] id), else the folder's name."""
    try:
        declared = tomllib.loads(folder.joinpath("edition.toml").read_text(encoding="utf-8")).get("edition", {})
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        declared = {}
    value = declared.get("id") if isinstance(declared, dict) else None
    return value if isinstance(value, str) and value else folder.name


def editions_in(directory: Traversable, origin: str) -> list[EditionLocation]:
    """The editions of a directory: the directory itself when it holds edition.toml, else each of its
    folders that does (a folder of editions, as editions/data)."""
    if directory.joinpath("edition.toml").is_file():
        parent = Path(str(directory)).parent if isinstance(directory, Path) else None
        return [EditionLocation(_edition_id(directory), directory, parent, origin)]
    folders = sorted((p for p in directory.iterdir() if p.is_dir()), key=lambda p: p.name)
    return [
        EditionLocation(_edition_id(p), p, directory, origin) for p in folders if p.joinpath("edition.toml").is_file()
    ]


@cache
def _entry_point_roots() -> tuple[tuple[Traversable, str], ...]:
    """Directories that installed packages declare (entry point group ``xlreport.editions``): the value
    names a package (its folder holds editions), a path, or a function returning either."""
    from importlib.metadata import entry_points

    out: list[tuple[Traversable, str]] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"入口点 {ep.name}（{ep.value}）"
        try:
            target: Any = ep.load()
            if callable(target) and not isinstance(target, type):
                target = target()
            if isinstance(target, ModuleType):
                root: Traversable = resources.files(target)
            elif isinstance(target, (str, PathLike)):
                root = Path(target)
            else:
                raise TypeError(type(target).__name__)
        except Exception as exc:  # a broken plugin is the user's to fix: one clear line
            raise EditionError(f"表样版本入口点 {ep.name}（{ep.value}）无法加载：{exc}", ep.name) from None
        out.append((root, origin))
    return tuple(out)


def _user_roots() -> list[tuple[Traversable, str]]:
    roots: list[tuple[Traversable, str]] = [(p, "--edition-path") for p in _CONFIG.paths]
    env = os.environ.get(ENV_VAR, "")
    roots += [(Path(p), ENV_VAR) for p in env.split(os.pathsep) if p.strip()]
    roots += list(_entry_point_roots())
    return roots


@cache
def _locations() -> dict[str, EditionLocation]:
    """Every edition found: shipped, then --edition-path, XLREPORT_EDITIONS and entry points.

    A user edition with a shipped edition's id is an error unless overriding is asked for; two user
    editions with one id are an error (which one is meant cannot be told)."""
    found = {loc.id: loc for loc in editions_in(_shipped_root(), SHIPPED)}
    seen_dirs: set[str] = set()
    for root, origin in _user_roots():
        if not root.is_dir():
            raise EditionError(f"表样版本目录不存在或不是文件夹：{root}（{origin}）", str(root))
        for loc in editions_in(root, origin):
            where = str(Path(str(loc.folder)).resolve()) if isinstance(loc.folder, Path) else str(loc.folder)
            if where in seen_dirs:  # the same folder named twice (--edition-path and XLREPORT_EDITIONS)
                continue
            seen_dirs.add(where)
            if not _ID.match(loc.id):
                raise EditionError(
                    f"表样版本编号“{loc.id}”只能由字母、数字、点、下划线和连字符组成（{loc.folder}）", loc.id
                )
            earlier = found.get(loc.id)
            if earlier is not None and not (earlier.shipped and _CONFIG.override):
                if earlier.shipped:
                    raise EditionError(
                        f"{loc.folder} 的表样版本“{loc.id}”与内置版本同名：请改用新的编号"
                        f"（xlreport edition new 新编号 --from {loc.id}），或加 --override-edition 用它替换内置版本",
                        loc.id,
                    )
                raise EditionError(
                    f"表样版本“{loc.id}”出现两次：{earlier.folder}（{earlier.origin}）与 {loc.folder}（{loc.origin}）",
                    loc.id,
                )
            found[loc.id] = loc
    return found


def locate(edition_id: str) -> EditionLocation:
    """Where edition ``edition_id`` is; :class:`EditionError` when no edition has that id."""
    found = _locations().get(edition_id)
    if found is None:
        raise unknown_edition(edition_id)
    return found


def edition_locations() -> list[EditionLocation]:
    """Every edition found, by id."""
    return [loc for _, loc in sorted(_locations().items())]


def unknown_edition(edition_id: object) -> EditionError:
    """The error (one message, everywhere) for an edition id that names no edition."""
    known = "、".join(available_editions())
    return EditionError(
        f"未知的表样版本“{edition_id}”（可用：{known}；其他目录的表样版本用 --edition-path 或环境变量 {ENV_VAR} 指定）",
        str(edition_id),
    )


def edition_sources(edition_id: str) -> dict[str, dict[str, Any]]:
    """The parsed data files of an edition, as :func:`build_edition` takes them (to build a variant)."""
    return folder_sources(locate(edition_id))


def folder_sources(location: EditionLocation) -> dict[str, dict[str, Any]]:
    """The parsed data files of the edition in ``location``.

    An edition whose ``[edition]`` names a ``base`` is that edition with its own changes: the files it
    lacks (tables.toml, rules.toml, narrative.toml) are the base's, the tables of its edition.toml
    replace the base's ([edition] keys one by one), and its ``[functions]`` codes add to the base's."""
    folder, edition_id = location.folder, location.id
    raw = _read_file(folder.joinpath("edition.toml"))
    own = {
        "raw": raw,
        "tables": _read_file(folder.joinpath("tables.toml")),
        "rules": _read_rules(location),
        "narrative": _read_file(folder.joinpath("narrative.toml")),
    }
    base_id = raw.get("edition", {}).get("base")
    if base_id is None:
        return own
    if base_id == edition_id or base_id not in available_editions():
        raise ValueError(f"edition {edition_id}: base {base_id} is not another edition")
    base = edition_sources(base_id)
    merged: dict[str, Any] = {**base["raw"], **{k: v for k, v in raw.items() if k not in ("edition", "functions")}}
    merged["edition"] = {**base["raw"]["edition"], **{k: v for k, v in raw["edition"].items() if k != "base"}}
    merged["functions"] = {**base["raw"].get("functions", {}), **raw.get("functions", {})}
    if "years" not in raw["edition"]:
        merged["edition"].pop("years", None)
    return {
        "raw": merged,
        "tables": own["tables"] or base["tables"],
        "rules": own["rules"] if own["rules"]["rules"] else base["rules"],
        "narrative": own["narrative"] or base["narrative"],
    }


def build_location(location: EditionLocation) -> Edition:
    """The edition in ``location``'s folder (raises ``ValueError``/``KeyError`` on invalid data)."""
    return build_edition(**folder_sources(location), location=location)


def edition_folder(path: str | PathLike[str]) -> EditionLocation:
    """An edition folder on disk (registered or not), as ``xlreport edition check DIR`` reads it."""
    folder = Path(path)
    return EditionLocation(_edition_id(folder), folder, folder.parent, str(folder))


@cache
def load_edition(edition_id: str) -> Edition:
    """The edition named ``edition_id`` (shipped under editions/data, or found on the edition path);
    raises :class:`EditionError` (a ``KeyError``) when unknown or invalid."""
    location = locate(edition_id)
    try:
        return build_location(location)
    except (ValueError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        if location.shipped:
            raise
        raise EditionError(
            f"表样版本“{edition_id}”（{location.folder}）有误：{str(exc).splitlines()[0]}"
            f"（xlreport edition check {location.folder} 列出全部问题）",
            edition_id,
        ) from None


@cache
def scorecard_form(path: str = DEFAULT_FORM) -> ScorecardForm:
    """A scorecard form by its file (the default: the one the Scorecard model describes)."""
    return ScorecardForm.model_validate(_read_path(path))


@cache
def default_edition() -> str:
    """The edition used when none is named (editions/data/DEFAULT)."""
    path = _shipped_root().joinpath("DEFAULT")
    return path.read_text(encoding="utf-8").strip()


@cache
def available_editions() -> tuple[str, ...]:
    """The ids of every edition found (shipped and on the edition path)."""
    return tuple(sorted(_locations()))
