"""``xlreport edition check DIR``: lint an edition's files before any workbook exists.

Each problem names the file, the line and the key, in Chinese. The checks, in order (a later one runs
only when the files parse and the edition builds):

- every file is TOML, and every key is one the edition format knows (the description classes'
  fields, plus the row shortcuts ``classes``/``blank``/``econ``);
- the 类 list: 3-digit codes, each once, each named; economic codes under their 类; 行次 not repeated;
- every row and column key that rows (``inputs``, ``disabled``), rules and narrative name exists;
- every relation parses and has the right shape (a defining rule: one cell = …);
- no cell defined twice (two rules, two rows, two columns) and no defining cycle;
- every table lays out (the template's plan);
- the scorecard form has exactly the fields of the Scorecard model;
- the template written from the edition recalculates in LibreOffice to its cached values.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..editions.loader import (
    DEFAULT_FORM,
    FORM_FILE,
    EditionLocation,
    build_location,
    data_file,
    edition_folder,
    form_source,
    scorecard_form,
)
from ..editions.spec import (
    CardBlock,
    CardField,
    CodedSpec,
    ColumnSpec,
    Edition,
    EditionInfo,
    NarrativeItem,
    PanelSpec,
    RowSpec,
    RuleSpec,
    ScorecardForm,
    ScorecardSpec,
    TableSpec,
    Tolerance,
)
from ..errors import XlreportError
from .toml_lines import TomlLines

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KINDS: dict[str, str] = {
    "missing-file": "缺少文件",
    "toml-syntax": "TOML 语法错误",
    "unknown-key": "未知的键",
    "invalid-value": "取值不对",
    "classes": "类与编码不一致",
    "line-numbers": "行次不对",
    "unknown-ref": "引用的行或栏不存在",
    "bad-relation": "关系式不对",
    "defined-twice": "重复定义",
    "cycle": "循环定义",
    "layout": "表无法排版",
    "scorecard-form": "绩效自评表样式不对",
    "libreoffice": "LibreOffice 重算结果不同",
}

ROW_SHORTCUTS = frozenset({"classes", "numbered", "blank", "econ"})


EDITION_TABLES = frozenset({"edition", "classes", "economic", "scorecard", "compare", "functions"})


@dataclass(frozen=True)
class Problem:
    """One problem of an edition's files: where (file, line, key) and what, in Chinese."""

    kind: str  # a key of KINDS
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.kind}] {KINDS[self.kind]}：{self.key}：{self.message}"


def _fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(model.model_fields)


class _Files:
    """The edition's TOML files: parsed data and their lines."""

    def __init__(self, location: EditionLocation) -> None:
        self.location = location
        self.data: dict[str, dict[str, Any]] = {}
        self.lines: dict[str, TomlLines] = {}
        self.problems: list[Problem] = []

    def path(self, name: str) -> str:
        return str(self.location.folder.joinpath(name))

    def load(self, name: str, required: bool, path: Any = None) -> None:
        f = path if path is not None else self.location.folder.joinpath(name)
        if not f.is_file():
            if required:
                self.problems.append(Problem("missing-file", str(f), None, name, "表样版本必须有这个文件"))
            return
        try:
            text = f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            reason = "不是 UTF-8 编码的文本" if isinstance(exc, UnicodeDecodeError) else f"无法读取：{exc}"
            self.problems.append(Problem("toml-syntax", str(f), None, name, reason))
            return
        self.lines[name] = TomlLines(Path(str(f)), text)
        try:
            self.data[name] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            self.problems.append(
                Problem("toml-syntax", str(f), int(m.group(1)) if m else None, name, f"无法解析：{exc}")
            )


def check_edition(path: str | Path, libreoffice: bool = True) -> list[Problem]:
    """Every problem of the edition in folder ``path`` (empty: the edition is ready to use)."""
    return _Checker(edition_folder(path), libreoffice).run()


class _Checker:
    def __init__(self, location: EditionLocation, libreoffice: bool) -> None:
        self.loc = location
        self.libreoffice = libreoffice
        self.files = _Files(location)
        self.problems = self.files.problems

    # -------------------------------------------------------------- helpers
    def add(self, kind: str, file: str, line: int | None, key: str, message: str) -> None:
        self.problems.append(Problem(kind, self.files.path(file) if "/" not in file else file, line, key, message))

    def run(self) -> list[Problem]:
        f = self.files
        for name, required in (("edition.toml", True), ("tables.toml", True), ("rules.toml", False)):
            f.load(name, required)
        f.load("narrative.toml", False)
        f.load(FORM_FILE, False)
        self._includes()
        if self.problems:
            return self.problems
        self._unknown_keys()
        self._duplicates()
        self._classes()
        if self.problems:
            return self.problems
        try:
            edition = build_location(self.loc)
        except ValidationError as exc:
            for err in exc.errors():
                self._invalid(err)
            return self.problems
        except (ValueError, KeyError, TypeError, XlreportError) as exc:
            self.add("invalid-value", "edition.toml", None, "edition", str(exc).splitlines()[0])
            return self.problems
        self._layout(edition)
        self._rules(edition)
        self._narrative(edition)
        self._plans(edition)
        self._form(edition)
        if self.libreoffice and not self.problems:
            self._recalculate(edition)
        return list(dict.fromkeys(self.problems))  # one problem once (rules instantiate per unit type)

    # -------------------------------------------------------------- included rule files
    def _includes(self) -> None:
        self.rule_files: list[tuple[str, TomlLines | None, int]] = []  # per rule: file, lines, index in file
        own = self.files.data.get("rules.toml", {})
        for include in own.get("include", []) if isinstance(own.get("include"), list) else []:
            found = data_file(include, self.loc) if isinstance(include, str) else None
            if found is None:
                line = self.files.lines["rules.toml"].find(re.escape(str(include)))
                self.add("missing-file", "rules.toml", line, "include", f"找不到包含的规则文件“{include}”")
                continue
            self.files.load(include, True, path=found)
            excluded = set(own.get("exclude", [])) if isinstance(own.get("exclude"), list) else set()
            for i, rule in enumerate(self.files.data.get(include, {}).get("rules", [])):
                if not (isinstance(rule, dict) and rule.get("id") in excluded):  # as the loader leaves it out
                    self.rule_files.append((include, self.files.lines.get(include), i))
        for i, _ in enumerate(own.get("rules", [])):
            self.rule_files.append(("rules.toml", self.files.lines.get("rules.toml"), i))

    def _file_of(self, name: str) -> str:
        lines = self.files.lines.get(name)
        return str(lines.path) if lines is not None else self.files.path(name)

    # -------------------------------------------------------------- unknown keys
    def _unknown(self, data: Any, allowed: frozenset[str], file: str, where: str, span: tuple[int, int]) -> None:
        if not isinstance(data, dict):
            return
        lines = self.files.lines[file]
        for key in data:
            if key not in allowed:
                line = lines.key(key, *span) or span[0]
                known = "、".join(sorted(allowed))
                self.add("unknown-key", self._file_of(file), line, f"{where}.{key}", f"未知的键（可用：{known}）")

    def _unknown_keys(self) -> None:
        d = self.files.data
        lines = self.files.lines
        ed = d.get("edition.toml", {})
        el = lines["edition.toml"]
        self._unknown(ed, EDITION_TABLES, "edition.toml", "", (1, el.end))
        for section, allowed in (
            ("edition", _fields(EditionInfo) | {"classes"}),
            ("scorecard", _fields(ScorecardSpec)),
        ):
            heads = el.headers(section)
            start = heads[0] if heads else 1
            nxt = [n for n in el.headers_any(start + 1) if not el.lines[n - 1].strip().startswith(f"[{section}.")]
            self._unknown(ed.get(section), allowed, "edition.toml", section, (start, nxt[0] if nxt else el.end))
        tl = lines["tables.toml"]
        tables = d.get("tables.toml", {})
        self._unknown(tables, frozenset({"tables"}), "tables.toml", "", (1, tl.end))
        for ti, table in enumerate(tables.get("tables", [])):
            span = tl.element("tables", ti)
            head = self._table_head(span)
            tkey = f"tables[{ti}]（{table.get('id', '?')}）" if isinstance(table, dict) else f"tables[{ti}]"
            self._unknown(table, _fields(TableSpec), "tables.toml", tkey, head)
            for pi, panel in enumerate(table.get("panels", []) if isinstance(table, dict) else []):
                pspan = tl.element("tables.panels", pi, *span)
                pkey = f"{tkey}.panels[{pi}]"
                self._unknown(panel, _fields(PanelSpec), "tables.toml", pkey, pspan)
                if not isinstance(panel, dict):
                    continue
                self._unknown(panel.get("coded"), _fields(CodedSpec), "tables.toml", f"{pkey}.coded", pspan)
                for ci, col in enumerate(panel.get("columns", [])):
                    line = self._element_line(tl, col, pspan)
                    self._unknown(col, _fields(ColumnSpec), "tables.toml", f"{pkey}.columns[{ci}]", (line, pspan[1]))
                    self._column_aliases(col, line, f"{pkey}.columns[{ci}]")
                for ri, row in enumerate(panel.get("rows", [])):
                    line = self._element_line(tl, row, pspan)
                    self._unknown(
                        row, _fields(RowSpec) | ROW_SHORTCUTS, "tables.toml", f"{pkey}.rows[{ri}]", (line, pspan[1])
                    )
        for name, lines_of in self._rule_sources():
            data = d.get(name, {})
            self._unknown(data, frozenset({"include", "exclude", "rules"}), name, "", (1, lines_of.end))
            for ri, rule in enumerate(data.get("rules", [])):
                span = lines_of.element("rules", ri)
                rkey = f"rules[{ri}]（{rule.get('id', '?')}）" if isinstance(rule, dict) else f"rules[{ri}]"
                self._unknown(rule, _fields(RuleSpec), name, rkey, span)
                if isinstance(rule, dict):
                    self._unknown(rule.get("tolerance"), _fields(Tolerance), name, f"{rkey}.tolerance", span)
        if "narrative.toml" in d:
            nl = lines["narrative.toml"]
            self._unknown(d["narrative.toml"], frozenset({"narrative", "text"}), "narrative.toml", "", (1, nl.end))
            for i, item in enumerate(d["narrative.toml"].get("narrative", [])):
                self._unknown(
                    item, _fields(NarrativeItem), "narrative.toml", f"narrative[{i}]", nl.element("narrative", i)
                )
        if FORM_FILE in d:
            self._form_keys(d[FORM_FILE], lines[FORM_FILE])

    def _form_keys(self, form: dict[str, Any], fl: TomlLines) -> None:
        self._unknown(form, _fields(ScorecardForm), FORM_FILE, "", (1, fl.end))
        for part in ("budget", "indicators"):
            block = form.get(part)
            heads = fl.headers(part)
            span = (heads[0], fl.end) if heads else (1, fl.end)
            self._unknown(block, _fields(CardBlock), FORM_FILE, part, span)
            for i, col in enumerate(block.get("columns", []) if isinstance(block, dict) else []):
                line = self._element_line(fl, col, span)
                self._unknown(col, _fields(CardField), FORM_FILE, f"{part}.columns[{i}]", (line, span[1]))
        for part in ("header", "summary"):
            for i, item in enumerate(form.get(part, []) if isinstance(form.get(part), list) else []):
                line = self._element_line(fl, item, (1, fl.end))
                self._unknown(item, _fields(CardField), FORM_FILE, f"{part}[{i}]", (line, fl.end))

    def _rule_sources(self) -> Iterator[tuple[str, TomlLines]]:
        for name, lines in self.files.lines.items():
            if name == "rules.toml" or name not in ("edition.toml", "tables.toml", "narrative.toml", FORM_FILE):
                yield name, lines

    @staticmethod
    def _table_head(span: tuple[int, int]) -> tuple[int, int]:
        return span

    @staticmethod
    def _element_line(lines: TomlLines, element: Any, span: tuple[int, int]) -> int:
        """The line of an inline table in an array: by its key, else by its first key."""
        if isinstance(element, dict):
            if isinstance(element.get("key"), str):
                found = lines.value("key", element["key"], *span)
                if found:
                    return found
            for k in element:
                found = lines.key(k, *span)
                if found:
                    return found
        return span[0]

    # -------------------------------------------------------------- ids given twice
    def _duplicates(self) -> None:
        seen: dict[str, tuple[str, int]] = {}
        for name, lines, index in self.rule_files:
            rule = self.files.data.get(name, {}).get("rules", [])[index]
            rid = rule.get("id") if isinstance(rule, dict) else None
            if not isinstance(rid, str) or "{" in rid:
                continue
            if rid in seen:
                line = lines.value("id", rid, *lines.element("rules", index)) if lines else None
                other = seen[rid]
                self.add(
                    "defined-twice",
                    self._file_of(name),
                    line,
                    f"{rid}.id",
                    f"规则编号 {rid} 已在 {other[0]} 第{other[1]}条使用",
                )
            seen.setdefault(rid, (name, index + 1))
        tl = self.files.lines["tables.toml"]
        for field_name in ("id", "sheet"):
            first: dict[str, int] = {}
            for ti, table in enumerate(self.files.data.get("tables.toml", {}).get("tables", [])):
                value = table.get(field_name) if isinstance(table, dict) else None
                if not isinstance(value, str):
                    continue
                if value in first:
                    line = tl.value(field_name, value, *tl.element("tables", ti))
                    self.add(
                        "defined-twice",
                        "tables.toml",
                        line,
                        f"tables[{ti}].{field_name}",
                        f"“{value}”与第{first[value] + 1}张表相同",
                    )
                first.setdefault(value, ti)
        nl = self.files.lines.get("narrative.toml")
        ids: set[str] = set()
        for i, item in enumerate(self.files.data.get("narrative.toml", {}).get("narrative", [])):
            nid = item.get("id") if isinstance(item, dict) else None
            if isinstance(nid, str) and nid in ids and nl is not None:
                line = nl.value("id", nid, *nl.element("narrative", i))
                self.add("defined-twice", "narrative.toml", line, f"narrative[{i}].id", f"情况说明项目 {nid} 出现两次")
            if isinstance(nid, str):
                ids.add(nid)

    # -------------------------------------------------------------- invalid values
    def _invalid(self, err: Any) -> None:
        loc = [str(x) for x in err["loc"]]
        key = ".".join(loc)
        msg = str(err["msg"]).removeprefix("Value error, ")
        file, line = "edition.toml", None
        if loc and loc[0] == "tables":
            file = "tables.toml"
            tl = self.files.lines[file]
            if len(loc) > 1 and loc[1].isdigit():
                span = tl.element("tables", int(loc[1]))
                line = span[0]
                if len(loc) > 3 and loc[2] == "panels" and loc[3].isdigit():
                    pspan = tl.element("tables.panels", int(loc[3]), *span)
                    line = tl.key(loc[-1], *pspan) or pspan[0]
        elif loc and loc[0] == "rules" and len(loc) > 1 and loc[1].isdigit() and int(loc[1]) < len(self.rule_files):
            file, lines, index = self.rule_files[int(loc[1])]
            if lines is not None:
                span = lines.element("rules", index)
                line = lines.key(loc[2], *span) if len(loc) > 2 else span[0]
                line = line or span[0]
        elif loc and loc[0] == "narrative":
            file = "narrative.toml"
            if len(loc) > 1 and loc[1].isdigit() and file in self.files.lines:
                line = self.files.lines[file].element("narrative", int(loc[1]))[0]
        elif loc and loc[0] in ("info", "classes", "economic", "scorecard"):
            el = self.files.lines["edition.toml"]
            if loc[:2] == ["scorecard", "form"] and FORM_FILE in self.files.lines:
                file, line = FORM_FILE, self.files.lines[FORM_FILE].key(loc[-1])
            else:
                section = {"info": "edition"}.get(loc[0], loc[0])
                line = el.key(loc[1]) if loc[0] == "info" and len(loc) > 1 else None
                line = line or (el.headers(section) or [None])[0] or el.key(section)
        self.add("invalid-value", self._file_of(file), line, key, msg)

    def _column_aliases(self, col: Any, line: int | None, key: str) -> None:
        """A column's ``aliases`` name texts its own header prints (an alias of another text is never used)."""
        aliases = col.get("aliases") if isinstance(col, dict) else None
        if aliases is None:
            return
        header = col.get("header", [])
        if not isinstance(aliases, dict):
            self.add("invalid-value", "tables.toml", line, f"{key}.aliases", '应写成 {"表头文字" = ["其他写法", …]}')
            return
        where = f"{key}.aliases"
        for text, alts in aliases.items():
            if not (isinstance(header, list) and text in header):
                self.add("invalid-value", "tables.toml", line, where, f"“{text}”不是本栏的表头文字")
            elif not (isinstance(alts, list) and alts and all(isinstance(a, str) and a.strip() for a in alts)):
                self.add("invalid-value", "tables.toml", line, where, f"“{text}”的其他写法应为非空文字的列表")
            elif text in alts:
                self.add("invalid-value", "tables.toml", line, where, f"“{text}”不必列为自己的其他写法")

    # -------------------------------------------------------------- 类 and codes
    def _classes(self) -> None:
        ed = self.files.data.get("edition.toml", {})
        el = self.files.lines["edition.toml"]
        info = ed.get("edition", {}) if isinstance(ed.get("edition"), dict) else {}
        classes = ed.get("classes", info.get("classes", []))
        seen: dict[str, int] = {}
        after = el.key("classes") or 1
        for i, entry in enumerate(classes if isinstance(classes, list) else []):
            code = entry[0] if isinstance(entry, list) and entry else None
            line = el.find(r'\[\s*"' + re.escape(str(code)) + r'"', after) if code is not None else None
            after = line or after  # the next entry is at or after this one
            key = f"classes[{i}]"
            if not (isinstance(entry, list) and len(entry) >= 2 and all(isinstance(x, str) for x in entry)):
                self.add("classes", "edition.toml", line, key, '每个类应写成 ["编码", "名称"]（可加 "optional"）')
                continue
            if not re.fullmatch(r"\d{3}", entry[0]):
                self.add("classes", "edition.toml", line, key, f"类的编码“{entry[0]}”应为3位数字")
            if not entry[1].strip():
                self.add("classes", "edition.toml", line, key, f"类 {entry[0]} 没有名称")
            if any(flag != "optional" for flag in entry[2:]):
                self.add("classes", "edition.toml", line, key, f'类 {entry[0]} 的标记只能是 "optional"')
            if entry[0] in seen:
                self.add(
                    "classes", "edition.toml", line, key, f"类 {entry[0]} 在类表中出现两次（第{seen[entry[0]]}项）"
                )
            seen.setdefault(entry[0], i)
        flag = info.get("print_optional")
        if flag is not None:
            line = el.key("print_optional")
            if not isinstance(flag, bool):
                self.add("invalid-value", "edition.toml", line, "edition.print_optional", "应为 true 或 false")
            elif flag and not any(isinstance(e, list) and "optional" in e[2:] for e in classes or []):
                self.add("classes", "edition.toml", line, "edition.print_optional", '类表中没有标为 "optional" 的类')
        economic = ed.get("economic", {})
        for code, name in economic.items() if isinstance(economic, dict) else []:
            line = el.key(code)
            if not re.fullmatch(r"\d{3}|\d{5}", code):
                self.add(
                    "classes", "edition.toml", line, f"economic.{code}", "经济分类编码应为3位（类）或5位（款）数字"
                )
            elif len(code) == 5 and code[:3] not in economic:
                self.add(
                    "classes", "edition.toml", line, f"economic.{code}", f"款 {code} 的类 {code[:3]} 不在 [economic] 中"
                )
            if not isinstance(name, str) or not name.strip():
                self.add("classes", "edition.toml", line, f"economic.{code}", "经济分类科目没有名称")
        tl = self.files.lines["tables.toml"]
        for ti, table in enumerate(self.files.data.get("tables.toml", {}).get("tables", [])):
            span = tl.element("tables", ti)
            placed: set[str] = set()  # a 类's 款 may continue in the next panel (lanes of one table)
            for pi, panel in enumerate(table.get("panels", []) if isinstance(table, dict) else []):
                pspan = tl.element("tables.panels", pi, *span)
                for row in panel.get("rows", []) if isinstance(panel, dict) else []:
                    if not (isinstance(row, dict) and isinstance(row.get("econ"), str)):
                        continue
                    for code in row["econ"].split():
                        line = tl.find(r"econ\s*=.*\b" + re.escape(code) + r"\b", *pspan)
                        where = f"tables[{ti}]（{table.get('id', '?')}）.econ.{code}"
                        if code not in economic:
                            self.add(
                                "classes",
                                "tables.toml",
                                line,
                                where,
                                f"经济分类编码 {code} 不在 edition.toml 的 [economic] 中",
                            )
                        elif len(code) == 5 and code[:3] not in placed:
                            self.add(
                                "classes",
                                "tables.toml",
                                line,
                                where,
                                f"款 {code} 排在其类 {code[:3]} 之前或其类不在本表",
                            )
                        placed.add(code)

    # -------------------------------------------------------------- rows and columns
    def _row_line(self, table_index: int, panel_index: int, row: RowSpec) -> int:
        tl = self.files.lines["tables.toml"]
        span = tl.element("tables", table_index)
        pspan = tl.element("tables.panels", panel_index, *span)
        if row.key is not None:
            found = tl.value("key", row.key, *pspan)
            if found:
                return found
            if "classes" in row.groups:
                return tl.key("classes", *pspan) or pspan[0]
            if "econ" in row.groups:
                return tl.find(r"econ\s*=.*\b" + re.escape(row.key) + r"\b", *pspan) or pspan[0]
        return pspan[0]

    def _layout(self, edition: Edition) -> None:
        tl = self.files.lines["tables.toml"]
        for ti, table in enumerate(edition.tables):
            where = f"{table.id}（{table.sheet}）"
            rows_seen: dict[str, str] = {}
            lines_seen: dict[int, str] = {}
            named: set[tuple[int, str, str]] = set()
            for pi, panel in enumerate(table.panels):
                keys = [c.key for c in panel.columns]
                for k in {k for k in keys if keys.count(k) > 1}:
                    line = tl.value("key", k, *tl.element("tables.panels", pi, *tl.element("tables", ti)))
                    self.add(
                        "defined-twice", "tables.toml", line, f"{where}.{panel.id}.columns.{k}", "同一栏的键出现两次"
                    )
                values = {c.key for c in panel.value_columns()}
                for row in panel.rows:
                    label = row.key or "（空行）"
                    if row.line is not None:
                        if row.line in lines_seen:
                            self.add(
                                "line-numbers",
                                "tables.toml",
                                self._row_line(ti, pi, row),
                                f"{where}.{label}.line",
                                f"行次 {row.line} 与“{lines_seen[row.line]}”重复（类表的长度与行次不符？）",
                            )
                        lines_seen[row.line] = label
                    if row.key is None:
                        continue
                    if row.key in rows_seen:
                        self.add(
                            "defined-twice",
                            "tables.toml",
                            self._row_line(ti, pi, row),
                            f"{where}.{row.key}",
                            f"行的键“{row.key}”在本表出现两次（{rows_seen[row.key]}、{panel.id}）",
                        )
                    rows_seen[row.key] = panel.id
                    for field_name in ("inputs", "disabled"):
                        for col in getattr(row, field_name) or ():
                            line = self._row_line(ti, pi, row)
                            if col not in values and (line, field_name, col) not in named:
                                named.add((line, field_name, col))  # once for an econ line of many rows
                                self.add(
                                    "unknown-ref",
                                    "tables.toml",
                                    line,
                                    f"{where}.{row.key}.{field_name}",
                                    f"栏“{col}”不是本栏组的金额栏（可用：{'、'.join(sorted(values))}）",
                                )

    # -------------------------------------------------------------- rules
    def _rule_place(self, index: int, key: str = "relation") -> tuple[str, int | None]:
        if index >= len(self.rule_files):
            return self.files.path("rules.toml"), None
        name, lines, i = self.rule_files[index]
        if lines is None:
            return self._file_of(name), None
        span = lines.element("rules", i)
        return str(lines.path), lines.key(key, *span) or span[0]

    def _sample_shape(self, edition: Edition, unit_type: str | None) -> Any:
        from ..write.writer import template_shape

        codes = [c.code for c in edition.classes]
        if codes:
            codes += [codes[0] + "01", codes[0] + "0101"]
        return template_shape(edition, codes, unit_type)

    def _rules(self, edition: Edition) -> None:
        from ..rules.expr import single_ref
        from ..rules.instantiate import instantiate
        from ..rules.parser import RuleSyntaxError

        table_ids = set(edition.table_ids())
        shapes: dict[str | None, Any] = {}
        good: list[RuleSpec] = []
        index_of: dict[int, int] = {}
        for i, rule in enumerate(edition.rules):
            rid = rule.id
            bad = [t for t in rule.tables if t not in table_ids]
            if bad:
                file, line = self._rule_place(i, "tables")
                self.add("unknown-ref", file, line, f"{rid}.tables", f"没有表 {'、'.join(bad)}")
                continue
            if rule.kind == "hierarchy":
                if not self._hierarchy_ok(i, rule, edition):
                    continue
            elif rule.kind == "relation" and not rule.relation:
                file, line = self._rule_place(i, "id")
                self.add("bad-relation", file, line, f"{rid}.relation", "关系规则缺少 relation")
                continue
            elif rule.kind == "empty-implies-empty" and not (rule.if_empty and rule.then_empty):
                file, line = self._rule_place(i, "id")
                self.add("bad-relation", file, line, f"{rid}", "“空则空”规则需要 if_empty 和 then_empty")
                continue
            unit_type = rule.when_unit_type[0] if rule.when_unit_type else None
            shape = shapes.get(unit_type)
            if shape is None:
                shape = shapes[unit_type] = self._sample_shape(edition, unit_type)
            try:
                checks = instantiate(shape, (rule,))
            except (RuleSyntaxError, KeyError, ValueError) as exc:
                file, line = self._rule_place(i, "relation" if rule.relation else "foreach_row")
                text = str(exc).removeprefix(f"rule {rid}: ")
                kind = (
                    "unknown-ref"
                    if re.search(r"no (row|column)|unknown table|not in|is empty|unknown row", text)
                    else "bad-relation"
                )
                self.add(kind, file, line, f"{rid}.relation", f"{text}（{rule.relation or rule.foreach_row}）")
                continue
            if rule.define and rule.kind == "relation":
                # (an instance over a row the table leaves blank checks the sum it prints instead: no cell)
                wrong = [c for c in checks if c.op != "="] or not any(single_ref(c.lhs) for c in checks)
                if wrong:
                    file, line = self._rule_place(i)
                    self.add(
                        "bad-relation", file, line, f"{rid}.relation", "define = true 的规则应写成“一个单元格 = 表达式”"
                    )
                    continue
            if not self._scorecard_cols(i, rule, checks, edition):
                continue
            index_of[id(rule)] = i
            good.append(rule)
        # ids given twice and cycles: over the rules that instantiate (several rules may state a relation
        # of one cell: the first defines it, the others check it; one id must name one relation)
        for unit_type, shape in shapes.items() if shapes else [(None, self._sample_shape(edition, None))]:
            rules = tuple(r for r in good if not r.when_unit_type or unit_type in r.when_unit_type)
            checks = instantiate(shape, rules)
            first: dict[str, Any] = {}
            for c in checks:
                earlier = first.setdefault(c.id, c)
                if earlier.rule is not c.rule and index_of[id(earlier.rule)] != index_of[id(c.rule)]:
                    file, line = self._rule_place(index_of[id(c.rule)], "id")
                    self.add(
                        "defined-twice",
                        file,
                        line,
                        f"{c.id}.id",
                        f"规则编号 {c.id} 已由另一条规则（{earlier.rule.id}）使用：一个编号只能指一条关系",
                    )
            cycle = _cycle(checks)
            if cycle:
                culprit = max(cycle, key=lambda c: index_of[id(c.rule)])  # the rule written last closes it
                file, line = self._rule_place(index_of[id(culprit.rule)])
                path = " → ".join(str(c.defines) for c in cycle)
                self.add(
                    "cycle", file, line, f"{culprit.id}.relation", f"定义规则循环引用：{path} → {cycle[0].defines}"
                )

    def _hierarchy_ok(self, index: int, rule: RuleSpec, edition: Edition) -> bool:
        if rule.table is None or rule.table not in edition.table_ids():
            file, line = self._rule_place(index, "table")
            self.add("unknown-ref", file, line, f"{rule.id}.table", f"层级规则的表“{rule.table}”不存在")
            return False
        table = edition.table(rule.table)
        values = {c.key for p in table.panels for c in p.value_columns()}
        bad = [c for c in rule.columns if c not in values]
        if bad:
            file, line = self._rule_place(index, "columns")
            self.add("unknown-ref", file, line, f"{rule.id}.columns", f"{rule.table} 没有栏 {'、'.join(bad)}")
            return False
        return True

    def _scorecard_cols(self, index: int, rule: RuleSpec, checks: list[Any], edition: Edition) -> bool:
        form = edition.scorecard.form
        for c in checks:
            for cell in c.cells():
                if cell.table.startswith("S") and cell.table[1:].isdigit() and form.field(cell.row, cell.col) is None:
                    file, line = self._rule_place(index)
                    self.add(
                        "unknown-ref", file, line, f"{rule.id}.relation", f"绩效自评表没有栏“{cell.col}”（{cell}）"
                    )
                    return False
        return True

    # -------------------------------------------------------------- narrative
    def _narrative(self, edition: Edition) -> None:
        if not edition.narrative:
            return
        from ..rules.parser import RuleSyntaxError
        from ..rules.shape import NARRATIVE
        from ..write.narrative import narrative_lines

        shape = self._sample_shape(edition, None)
        inputs = {n.id for n in edition.narrative if n.kind == "input"}
        nl = self.files.lines.get("narrative.toml")
        for i, item in enumerate(edition.narrative):
            line = None
            if nl is not None:
                span = nl.element("narrative", i)
                line = nl.key("expr", *span) or span[0]
            single = edition.model_copy(update={"narrative": (item,)})
            try:
                parsed = narrative_lines(single, shape, {})
            except (RuleSyntaxError, KeyError, ValueError) as exc:
                self.add("unknown-ref", "narrative.toml", line, f"narrative.{item.id}.expr", f"{exc}（{item.expr}）")
                continue
            for p in parsed:
                for cell in p.expr.refs() if p.expr is not None else ():
                    if cell.table == NARRATIVE and cell.col not in inputs:
                        self.add(
                            "unknown-ref",
                            "narrative.toml",
                            line,
                            f"narrative.{item.id}.expr",
                            f"情况说明没有填报项“{cell.col}”",
                        )

    # -------------------------------------------------------------- layout of every table
    def _plans(self, edition: Edition) -> None:
        from ..layout.plan import plan_table

        tl = self.files.lines["tables.toml"]
        shape = self._sample_shape(edition, None)
        for ti, table in enumerate(edition.tables):
            span = tl.element("tables", ti)
            line = tl.value("id", table.id, *span) or span[0]
            where = f"{table.id}（{table.sheet}）"
            if table.coded is not None:
                roles = {c.role for c in table.panels[0].columns}
                lacking = [r for r in ("code", "name") if r not in roles]
                if lacking:
                    need = "、".join(f'role = "{r}"' for r in lacking)
                    self.add("layout", "tables.toml", line, where, f"按科目编码填列的表缺少编码或名称栏（{need}）")
                    continue
            try:
                plan_table(edition, table, [])
                if table.coded is not None:
                    plan_table(edition, table, shape.codes_of(table.id))
            except Exception as exc:  # whatever the plan trips on is the edition's problem, reported
                self.add("layout", "tables.toml", line, where, f"无法排版：{type(exc).__name__} {exc}".strip())

    # -------------------------------------------------------------- the scorecard form
    def _form(self, edition: Edition) -> None:
        if not edition.scorecard.enabled:
            return
        raw = self.files.data.get("edition.toml", {})
        source = form_source(raw, self.loc)
        if source == FORM_FILE and isinstance(raw.get("scorecard", {}).get("form"), str):
            el = self.files.lines["edition.toml"]
            self.add(
                "scorecard-form",
                "edition.toml",
                el.key("form"),
                "scorecard.form",
                f"本版本自带 {FORM_FILE}，form = “{raw['scorecard']['form']}”不起作用：删去这一行",
            )
        model = scorecard_form(DEFAULT_FORM)
        form = edition.scorecard.form
        file = FORM_FILE if source == FORM_FILE else (source or "edition.toml")
        lines = self.files.lines.get(FORM_FILE) if source == FORM_FILE else None
        for part in ("header", "budget", "indicators", "summary"):
            want = self._keys(model, part)
            have = self._keys(form, part)
            for k in have - want:
                line = lines.value("key", k) if lines else None
                self.add(
                    "scorecard-form",
                    self._path_of(file),
                    line,
                    f"{part}.{k}",
                    "绩效自评表没有这个字段（字段须与报告模型一致）",
                )
            for k in want - have:
                line = lines.headers(part)[0] if lines and lines.headers(part) else None
                self.add("scorecard-form", self._path_of(file), line, f"{part}.{k}", "缺少绩效自评表的这个字段")

    def _path_of(self, file: str) -> str:
        if file == FORM_FILE:
            return self.files.path(FORM_FILE)
        found = data_file(file, self.loc) if "/" in file else None
        return str(found) if found is not None else self.files.path(file)

    @staticmethod
    def _keys(form: ScorecardForm, part: str) -> set[str]:
        items = getattr(form, part)
        fields = items.columns if isinstance(items, CardBlock) else items
        return {f.key for f in fields}

    # -------------------------------------------------------------- LibreOffice
    def _recalculate(self, edition: Edition) -> None:
        from ..write.writer import write_template
        from .office import differences, soffice

        if soffice() is None:
            return
        tl = self.files.lines["tables.toml"]
        sheets = {t.sheet: i for i, t in enumerate(edition.tables)}
        with tempfile.TemporaryDirectory(prefix="xlreport-check-") as tmp:
            path = Path(tmp) / "template.xlsx"
            write_template(path, edition, "某某单位", edition.info.year)
            try:
                from .office import convert

                (fresh,) = convert([path], Path(tmp) / "lo", timeout=300)
            except (RuntimeError, OSError) as exc:
                self.add("libreoffice", "tables.toml", None, "template", f"LibreOffice 无法重算模板：{exc}")
                return
            for sheet, cell, what in differences(path, fresh)[:20]:
                ti = sheets.get(sheet)
                line = tl.element("tables", ti)[0] if ti is not None else None
                self.add("libreoffice", "tables.toml", line, f"{sheet}!{cell}", f"模板重算后与缓存值不同：{what}")


def _cycle(checks: list[Any]) -> list[Any]:
    """The defining checks of one cycle (each cell computed from the next), or [] when there is none."""
    defs = {c.defines: c for c in checks if c.defines is not None}
    state: dict[Any, int] = {}
    for start in defs:
        if state.get(start):
            continue
        path: list[Any] = []
        stack: list[tuple[Any, list[Any]]] = [(start, [r for r in defs[start].rhs.refs() if r in defs])]
        state[start] = 1
        path.append(start)
        while stack:
            cell, pending = stack[-1]
            if pending:
                nxt = pending.pop()
                if state.get(nxt) == 1:
                    return [defs[c] for c in path[path.index(nxt) :]]
                if not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, [r for r in defs[nxt].rhs.refs() if r in defs]))
                continue
            stack.pop()
            path.pop()
            state[cell] = 2
    return []


def render(problems: list[Problem]) -> str:
    """The problems, one a line, and a closing count."""
    out = [str(p) for p in problems]
    out.append(f"发现 {len(problems)} 个问题" if problems else "未发现问题")
    return "\n".join(out) + "\n"


__all__ = ["KINDS", "Problem", "check_edition", "render"]
