"""Where every cell of a table goes on its sheet: the cell map shared by the writer and the reader.

A :class:`SheetPlan` is computed from a table description and the shape of the report (which codes
a coded table lists). The writer draws it; the reader uses its cell map when defined names are gone.
Rows and columns are 0-based here, as in xlsxwriter. This module (and what it imports) is what the
writer, the reader and the validator share: no spreadsheet library is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..editions.loader import chinese_ordinal
from ..editions.spec import ColumnSpec, Edition, PanelSpec, RowSpec, TableSpec
from ..model.values import CellRef
from .a1 import cell_name, quote_sheet

PROPERTY_PREFIX = "xlreport."  # custom document properties: xlreport.edition, xlreport.year …
GUIDE_SHEET = "填表说明"
CHECK_SHEET = "审核"
LISTS_SHEET = "_lists"

Address = tuple[str, int, int]  # sheet, 0-based row, 0-based col


class Locator:
    """CellRef → A1 address as seen from one sheet; contiguous cells merge into ranges inside SUM().

    The writer renders its formulas with it; the validator renders the formulas it expects."""

    def __init__(self, addresses: dict[CellRef, Address], sheet: str) -> None:
        self.addresses = addresses
        self.sheet = sheet
        self._quoted: dict[str, str] = {}

    def _address(self, sheet: str, row: int, col: int) -> str:
        a1 = cell_name(row, col)
        if sheet == self.sheet:
            return a1
        quoted = self._quoted.get(sheet)
        if quoted is None:
            quoted = self._quoted[sheet] = quote_sheet(sheet)
        return f"{quoted}!{a1}"

    def __call__(self, cell: CellRef) -> str:
        found = self.addresses.get(cell)
        if found is None:
            return "0"  # a row the workbook does not have: nothing is there
        return self._address(*found)

    def ranges(self, cells: list[CellRef]) -> list[str]:
        placed = [self.addresses[c] for c in cells if c in self.addresses]
        if not placed:
            return ["0"]
        out: list[str] = []
        i = 0
        while i < len(placed):
            sheet, r0, c0 = placed[i]
            j = i
            while j + 1 < len(placed) and placed[j + 1] == (sheet, placed[j][1] + 1, c0):
                j += 1
            if j == i:
                while j + 1 < len(placed) and placed[j + 1] == (sheet, r0, placed[j][2] + 1):
                    j += 1
            last = placed[j]
            a = self._address(sheet, r0, c0)
            out.append(a if j == i else f"{a}:{cell_name(last[1], last[2])}")
            i = j + 1
        return out


def frame_rows(table: TableSpec) -> dict[str, int]:
    """Rows of the frame above the header: [title line], title, [表号], meta line; then the header."""
    rows: dict[str, int] = {}
    n = 0
    for key, present in (
        ("title_line", bool(table.title_line)),
        ("title", True),
        ("number", bool(table.number)),
        ("meta", True),
    ):
        if present:
            rows[key] = n
            n += 1
    rows["header"] = n
    return rows


@dataclass(frozen=True)
class Text:
    row: int
    col: int
    text: str
    style: str  # title, number, meta_left, meta_center, meta_right, header, label, label_bold, line, code, name,
    # seq, section, footnote, note, disabled
    last_row: int | None = None  # merged range end (inclusive), when merged
    last_col: int | None = None
    indent: int = 0

    @property
    def merged(self) -> bool:
        return (self.last_row is not None and self.last_row != self.row) or (
            self.last_col is not None and self.last_col != self.col
        )


@dataclass(frozen=True)
class DataCell:
    ref: CellRef
    row: int
    col: int
    kind: str  # amount, count, text, rate, score
    last_col: int | None = None  # merged across to this column (a scorecard field spanning columns)


@dataclass(frozen=True)
class CodeSlot:
    """A row of a coded table: its code and name cells (the data cells are in ``cells``)."""

    key: str  # code, or the 合计 key
    row: int
    code_col: int
    name_col: int


@dataclass
class SheetPlan:
    name: str
    table_id: str
    ncols: int
    widths: list[float]
    texts: list[Text] = field(default_factory=list)
    cells: dict[CellRef, DataCell] = field(default_factory=dict)
    slots: list[CodeSlot] = field(default_factory=list)
    header_rows: tuple[int, int] = (3, 3)  # first, last (inclusive) — repeated on print
    body_rows: tuple[int, int] = (0, -1)  # first, last data row (inclusive)
    footnote_row: int = 0
    border_rows: tuple[int, int] = (3, 3)  # the boxed table area
    frame: dict[str, int] = field(default_factory=dict)  # title_line, title, number, meta, header rows
    print_cols: int | None = None  # columns printed and ruled (None: all ncols); helper columns stand beyond
    merge_cols: tuple[int, ...] = ()  # columns whose equal values on consecutive body rows print merged down

    def at(self, ref: CellRef) -> DataCell | None:
        return self.cells.get(ref)


def _header_depth(columns: list[ColumnSpec]) -> int:
    return max((len(c.header) for c in columns), default=0)


def _header_texts(columns: list[ColumnSpec], first_col: int, top: int, depth: int) -> list[Text]:
    """Merged multi-level headers: equal path prefixes merge across, short paths merge down."""
    out: list[Text] = []
    for level in range(depth):
        c = 0
        while c < len(columns):
            path = columns[c].header
            if len(path) <= level:
                c += 1
                continue
            prefix = path[: level + 1]
            end = c
            while (
                end + 1 < len(columns)
                and columns[end + 1].header[: level + 1] == prefix
                and len(columns[end + 1].header) > level
            ):
                end += 1
            # a leaf fills down to the bottom header row
            last_row = top + depth - 1 if level == len(path) - 1 else top + level
            out.append(Text(top + level, first_col + c, path[level], "header", last_row, first_col + end))
            c = end + 1
    return out


def _seq_texts(panel_cols: list[tuple[int, ColumnSpec]], row: int) -> list[Text]:
    """The 栏次 row of one panel: "栏次" over its label columns, the numbers over its value columns."""
    out: list[Text] = []
    labels = [i for i, c in panel_cols if not c.is_value]
    if labels:
        out.append(Text(row, labels[0], "栏次", "seq", row, labels[-1]))
    for i, c in panel_cols:
        if c.is_value:
            out.append(Text(row, i, c.seq or "", "seq"))
    return out


def _row_texts(panel_cols: list[tuple[int, ColumnSpec]], row: int, spec: RowSpec) -> list[Text]:
    out: list[Text] = []
    label_cols = [i for i, c in panel_cols if c.role == "label"]
    for i, c in panel_cols:
        if c.role == "label":
            continue
        if c.role == "line":
            out.append(Text(row, i, "" if spec.line is None else str(spec.line), "line"))
        elif c.role == "code":
            if spec.bottom:  # a footer row: its label spans the code and name columns
                names = [j for j, cc in panel_cols if cc.role == "name"]
                out.append(Text(row, i, spec.label, "label_bold", row, names[-1] if names else i))
            else:
                out.append(Text(row, i, spec.code or "", "code"))
        elif c.role == "name" and not spec.bottom:
            out.append(Text(row, i, spec.label, "label_bold" if spec.bold else "name", indent=spec.indent))
    for i in label_cols:
        out.append(Text(row, i, spec.label, "label_bold" if spec.bold else "label", indent=spec.indent))
    return out


def _value_kind(col: ColumnSpec, row: RowSpec | None) -> str:
    if row is not None and row.kind == "count":
        return "count"
    return col.role


def plan_table(
    edition: Edition,
    table: TableSpec,
    codes: list[str] | None = None,
    slots: list[str] | None = None,
    present: set[str] | frozenset[str] = frozenset(),
    print_optional: bool | None = None,
) -> SheetPlan:
    """The layout of one table; ``codes`` lists the rows of a coded table (its 合计 row is added),
    ``slots`` the keys of empty code rows after them (a template's rows for codes a person types);
    optional rows are printed when their key is in ``present``, or always when ``print_optional``
    (default: the edition's ``print_optional``, its year printing them in every report; a reader
    passes False and names what the sheet prints)."""
    if any(r.optional for p in table.panels for r in p.rows):
        always = edition.info.print_optional if print_optional is None else print_optional
        table = _without_absent(table, present, always)
    if table.arrangement == "vertical":
        return _plan_vertical(edition, table)
    columns: list[tuple[int, ColumnSpec, PanelSpec]] = []
    for panel in table.panels:
        for col in panel.columns:
            columns.append((len(columns), col, panel))
    ncols = len(columns)
    plan = SheetPlan(table.sheet, table.id, ncols, [c.width or 12 for _, c, _ in columns], frame=frame_rows(table))
    top = plan.frame["header"]
    depth = _header_depth([c for _, c, _ in columns])
    plan.texts.extend(_header_texts([c for _, c, _ in columns], 0, top, depth))
    row = top + depth
    if edition.info.line_numbers and any(c.seq for _, c, _ in columns):
        for panel in table.panels:
            plan.texts.extend(_seq_texts([(i, c) for i, c, p in columns if p is panel], row))
        row += 1
    plan.header_rows = (top, row - 1)
    body_top = row
    coded = table.coded
    if coded is not None:
        panel = table.panels[0]
        keys = [*(codes or []), *(slots or [])]
        ordered = [coded.total_key, *keys] if coded.total_position == "top" else [*keys, coded.total_key]
        code_col = next(i for i, c, _ in columns if c.role == "code")
        name_col = next(i for i, c, _ in columns if c.role == "name")
        for n, key in enumerate(ordered):
            r = body_top + n
            plan.slots.append(CodeSlot(key, r, code_col, name_col))
            if key == coded.total_key:
                plan.texts.append(Text(r, code_col, coded.total_label, "label_bold", r, name_col))
            else:
                for col_key, i, kind in (("code", code_col, "code"), ("name", name_col, "name")):
                    ref = CellRef(table.id, key, col_key)
                    plan.cells[ref] = DataCell(ref, r, i, kind)
            for i, col, _ in columns:
                if col.is_value and not (key == coded.total_key and col.key in coded.total_blank):
                    plan.cells[CellRef(table.id, key, col.key)] = DataCell(
                        CellRef(table.id, key, col.key), r, i, col.role
                    )
        last = body_top + len(ordered) - 1
    else:
        heights = [sum(1 for r in p.rows if not r.bottom) for p in table.panels]
        body_height = max(heights, default=0)
        footer_height = max((sum(1 for r in p.rows if r.bottom) for p in table.panels), default=0)
        for panel in table.panels:
            panel_cols = [(i, c) for i, c, p in columns if p is panel]
            r_body, r_foot = body_top, body_top + body_height
            for spec in panel.rows:
                if spec.bottom:
                    r = r_foot
                    r_foot += 1
                else:
                    r = r_body
                    r_body += 1
                plan.texts.extend(_row_texts(panel_cols, r, spec))
                if spec.key is None:
                    continue
                allowed = {c.key for c in table.value_columns_of(panel, spec)}
                for i, col in panel_cols:
                    if not col.is_value:
                        continue
                    if col.key in spec.disabled:
                        plan.texts.append(Text(r, i, "────", "disabled"))
                    elif col.key in allowed:
                        ref = CellRef(table.id, spec.key, col.key)
                        plan.cells[ref] = DataCell(ref, r, i, _value_kind(col, spec))
        last = body_top + body_height + footer_height - 1
    plan.body_rows = (body_top, last)
    plan.border_rows = (top, last)
    plan.footnote_row = last + 1
    _frame(plan, table, edition)
    return plan


def _without_absent(table: TableSpec, present: set[str] | frozenset[str], always: bool = False) -> TableSpec:
    """The table as printed: optional rows all printed (blank ones too, as published reports print
    231 and 232) when ``always`` or the report has any of them, else none; numbered rows numbered as
    printed (抗疫特别国债安排的支出 is 二十四 among 24 类 rows, 二十六 among 26)."""
    panels = []
    for p in table.panels:
        shown = any(r.optional and (always or r.key in present) for r in p.rows)
        rows = [r for r in p.rows if not r.optional or shown]
        classes = [r for r in rows if "classes" in r.groups and r.name]
        if shown and any(r.label == f"{chinese_ordinal(1)}、{r.name}" for r in classes[:1]):  # numbered 类 rows
            n = 0
            for i, r in enumerate(rows):
                if "classes" in r.groups and r.name:
                    n += 1
                    rows[i] = r.model_copy(update={"label": f"{chinese_ordinal(n)}、{r.name}"})
        panels.append(p.model_copy(update={"rows": tuple(rows)}))
    return table.model_copy(update={"panels": tuple(panels)})


def _plan_vertical(edition: Edition, table: TableSpec) -> SheetPlan:
    ncols = max(len(p.columns) for p in table.panels)
    widths = [max((p.columns[i].width or 12) for p in table.panels if i < len(p.columns)) for i in range(ncols)]
    plan = SheetPlan(table.sheet, table.id, ncols, widths, frame=frame_rows(table))
    top = row = plan.frame["header"]
    first_header: tuple[int, int] | None = None
    for panel in table.panels:
        if panel.title:
            plan.texts.append(Text(row, 0, panel.title, "section", row, ncols - 1))
            row += 1
        depth = _header_depth(list(panel.columns))
        if depth:
            plan.texts.extend(_header_texts(list(panel.columns), 0, row, depth))
            if first_header is None:
                first_header = (top, row + depth - 1)
            row += depth
        panel_cols = list(enumerate(panel.columns))
        for spec in panel.rows:
            plan.texts.extend(_row_texts(panel_cols, row, spec))
            if spec.key is not None:
                for i, col in panel_cols:
                    if col.is_value and col.key not in spec.disabled:
                        ref = CellRef(table.id, spec.key, col.key)
                        plan.cells[ref] = DataCell(ref, row, i, _value_kind(col, spec))
            row += 1
    plan.header_rows = first_header or (top, top)
    plan.body_rows = (plan.header_rows[1] + 1, row - 1)
    plan.border_rows = (top, row - 1)
    plan.footnote_row = row
    _frame(plan, table, edition)
    return plan


def _frame(plan: SheetPlan, table: TableSpec, edition: Edition) -> None:
    """Title, 表号 and the 部门名称/年度/金额单位 line (their texts are filled in by the writer)."""
    last = plan.ncols - 1
    frame = plan.frame
    # under a title line (上海市XX局2024年度部门决算表, large, once), the table's title prints plain
    style = "title_under_line" if table.title_line else "title"
    plan.texts.append(Text(frame["title"], 0, table.title, style, frame["title"], last))
    if table.number:
        plan.texts.append(Text(frame["number"], last, table.number, "number"))
    for i, note in enumerate(table.footnotes):
        plan.texts.append(Text(plan.footnote_row + i, 0, note, "footnote", plan.footnote_row + i, last))


def meta_line(table: TableSpec, unit_name: str, year: int | str, unit: str | None = None) -> tuple[str, str, str]:
    """The three parts of the line under the title: 部门名称：…, YYYY年度, 金额单位：元 (parts an edition
    does not print are empty); ``unit``: the amount unit of an entry sheet, when not the edition's."""
    label = table.unit_label if unit is None else f"{table.unit_label.partition('：')[0]}：{unit}"
    if not table.meta_label:
        return "", "", label
    return f"{table.meta_label}：{unit_name}", f"{year}年度", label


SHEET_NAME_LIMIT = 31  # Excel's


def entry_sheet(table: TableSpec, unit: str) -> str:
    """The sheet where a table's figures are typed in ``unit`` when its printed sheet shows another
    unit (a 万元 table typed in 元): 收入决算表（元）."""
    name = f"{table.sheet}（{unit}）"
    return name if len(name) <= SHEET_NAME_LIMIT else f"{table.id}（{unit}）"


def entry_plan(plan: SheetPlan, sheet: str) -> SheetPlan:
    """The entry sheet of a printed table: the same cells at the same places, on ``sheet``."""
    return replace(plan, name=sheet)


def title_line(table: TableSpec, unit_name: str, year: int | str) -> str | None:
    """The line above the title, for editions that print one (e.g. "上海市XX局2024年度部门决算表")."""
    if not table.title_line:
        return None
    return table.title_line.format(unit=unit_name, year=year)


NAME_PREFIX = "xr"  # xr.T01.general_budget.amount: where a data cell is
REPORTED_PREFIX = "xrp"  # xrp.T01.income_total.amount: a derived cell holding the printed number, not a formula
PRINTED_PREFIX = "xrw"  # xrw.T01.income_total.amount: the printed cell of a data cell typed in another unit


def defined_name(ref: CellRef, prefix: str = NAME_PREFIX) -> str:
    """The workbook-level name of a data cell: xr.T01.general_budget.amount, xr.T02.c2010306.total
    (``prefix`` REPORTED_PREFIX: the second name of a derived cell that holds a reported number)."""
    row = ref.row if ref.row[:1].isalpha() else f"c{ref.row}"
    return f"{prefix}.{ref.table}.{row}.{ref.col}"


def parse_defined_name(name: str, prefix: str = NAME_PREFIX) -> CellRef | None:
    parts = name.split(".")
    if len(parts) != 4 or parts[0] != prefix:
        return None
    row = parts[2][1:] if parts[2][:1] == "c" and parts[2][1:].isdigit() else parts[2]
    return CellRef(parts[1], row, parts[3])
