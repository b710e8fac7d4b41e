"""The description of an edition: its tables (layout), its scorecard layout and its rules.

An edition is data (``editions/data/<id>/*.toml``); these classes are what that data loads into.
Writer, reader, validator and JSON Schema all read an :class:`Edition`; none of them knows any
edition by name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ColumnRole = Literal["label", "line", "code", "name", "amount", "count", "text", "rate", "score"]
VALUE_ROLES: frozenset[str] = frozenset({"amount", "count", "text", "rate", "score"})


Severity = Literal["error", "warning", "info"]
SEVERITY_LABEL: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSpec(_Frozen):
    """One printed column. ``key`` is the data key of value columns (shared by lanes of one table)."""

    key: str
    role: ColumnRole
    header: tuple[str, ...]
    seq: str | None = None  # 栏次 as printed
    width: float | None = None
    name: str | None = None  # how messages name a column printed without a header
    # header text → other texts published reports print there (a workbook read by layout is still read;
    # messages name the header as the edition prints it)
    # (written in TOML as a table: {"合计" = ["小计"]}; kept as pairs so the spec stays hashable)
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _alias_pairs(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("aliases"), dict):
            data = {**data, "aliases": tuple(data["aliases"].items())}
        return data

    def header_aliases(self, text: str) -> tuple[str, ...]:
        """The other texts published reports print where this column's header prints ``text``."""
        return next((alts for printed, alts in self.aliases if printed == text), ())

    @property
    def is_value(self) -> bool:
        return self.role in VALUE_ROLES

    @property
    def label(self) -> str:
        parts = [h for h in self.header if h and h not in ("项目",)]
        return "·".join(parts) if parts else (self.name or self.key)


class RowSpec(_Frozen):
    """One printed row of a fixed panel. ``key`` None: a blank padding row (it may carry a 行次)."""

    key: str | None = None
    label: str = ""
    name: str | None = None  # how messages name a row printed without a label
    line: int | None = None
    code: str | None = None
    kind: Literal["amount", "count"] = "amount"
    groups: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()  # columns printed as ──── (no value possible)
    inputs: tuple[str, ...] | None = None  # value columns of this row (default: all of the panel)
    bottom: bool = False  # footer row, aligned with the last printed line of the table
    optional: bool = False  # printed only when the report has data in it (e.g. 类 rows some reports add)
    aliases: tuple[str, ...] = ()  # other labels published reports print for this row
    bold: bool = False
    indent: int = 0

    @property
    def title(self) -> str:
        return self.name or self.label or (self.key or "")


_ROW_INDEX: dict[int, tuple[TableSpec, dict[str, tuple[PanelSpec, RowSpec]]]] = {}


class CodedSpec(_Frozen):
    """A panel whose rows are 功能分类 codes (类/款/项) the data supply, plus a 合计 row."""

    scheme: Literal["function", "economic"] = "function"
    total_key: str = "total"
    total_label: str = "合计"
    total_position: Literal["top", "bottom"] = "top"
    # value columns the 合计 row prints nothing in (its line carries sub-headers): a relation that
    # reads such a cell reads the sum of the 类 rows instead, and no cell is written or read there
    total_blank: tuple[str, ...] = ()


class PanelSpec(_Frozen):
    id: str
    title: str | None = None  # a section title above the panel (vertical arrangement)
    columns: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...] = ()
    coded: CodedSpec | None = None

    def value_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.is_value)


class PageSpec(_Frozen):
    """How a sheet prints (issue 13 item 6): paper, orientation, fit, margins, footer. Fit to ``fit_width``
    pages across and ``fit_height`` down (0: as many as needed), never smaller than ``min_scale`` percent:
    a table that would shrink below it prints at that scale across pages (its row titles repeated)."""

    orientation: Literal["portrait", "landscape"] = "landscape"
    paper: Literal["A4", "A3"] = "A4"
    fit_width: int = Field(1, ge=0)
    fit_height: int = Field(0, ge=0)
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.6, 0.6)  # left, right, top, bottom (inches)
    footer: str = "&C第 &P 页 共 &N 页"
    min_scale: int = Field(60, ge=10, le=100)


class TableSpec(_Frozen):
    id: str  # T01 …
    sheet: str  # 公开01
    number: str | None = None  # 公开01表
    title: str
    title_line: str | None = None  # a line above the title ("上海市 {unit} {year} 年度部门决算表")
    meta_label: str | None = "部门名称"  # None: the line under the title shows only the unit
    unit_label: str = "金额单位：元"
    arrangement: Literal["horizontal", "vertical"] = "horizontal"
    panels: tuple[PanelSpec, ...]
    footnotes: tuple[str, ...] = ()
    empty_note: str = "说明：本表无数据"
    page: PageSpec = PageSpec()  # how the sheet prints

    @property
    def coded(self) -> CodedSpec | None:
        return self.panels[0].coded if len(self.panels) == 1 else None

    def fixed_rows(self) -> list[tuple[PanelSpec, RowSpec]]:
        return [(p, r) for p in self.panels for r in p.rows if r.key is not None]

    def row(self, key: str) -> tuple[PanelSpec, RowSpec] | None:
        index = _ROW_INDEX.get(id(self))
        if index is None or index[0] is not self:
            index = (self, {r.key: (p, r) for p, r in self.fixed_rows() if r.key is not None})
            _ROW_INDEX[id(self)] = index
        return index[1].get(key)

    def value_columns_of(self, panel: PanelSpec, row: RowSpec | None) -> tuple[ColumnSpec, ...]:
        cols = panel.value_columns()
        if row is None:
            return cols
        if row.inputs is not None:
            cols = tuple(c for c in cols if c.key in row.inputs)
        return tuple(c for c in cols if c.key not in row.disabled)

    def column(self, row_key: str, col_key: str) -> ColumnSpec | None:
        found = self.row(row_key)
        panel = found[0] if found else self.panels[0]
        for c in panel.columns:
            if c.key == col_key:
                return c
        return None


CardKind = Literal["text", "amount", "rate", "score"]
CardRole = Literal["field", "note", "helper", "display"]


class CardField(_Frozen):
    """One field of the 项目支出绩效自评表 form: a header line, a block column or a summary line.

    ``header`` is what the sheet prints: one line, or ``(group, line)`` under a group heading shared
    with the neighbouring columns of the same group. ``role``: ``field`` and ``note`` are fields of
    the Scorecard model (a note alone does not make an indicator row); ``helper`` is an input the
    suggested score is computed from; ``display`` is shown only (建议得分, K4's right-hand side).
    """

    key: str
    header: tuple[str, ...] = Field(min_length=1, max_length=2)
    kind: CardKind = "text"
    unit: str | None = None  # printed as 全年预算数(元)
    hint: str | None = None  # a word for people filling in the data (JSON Schema)
    role: CardRole = "field"
    span: int = Field(1, ge=1)  # sheet columns the field's cells cover (merged across)
    merge: bool = False  # equal values on consecutive lines print as one cell merged down (一级/二级指标)
    bare: bool = False  # a header line printed as its value alone, centred, without its label (the date)

    @property
    def label(self) -> str:
        """How messages name the field: 年初预算数·目标申报."""
        return "·".join(self.header)

    @property
    def printed(self) -> str:
        """The header line under its group (or the whole header): 目标申报(元)."""
        return self.header[-1] + (f"({self.unit})" if self.unit else "")

    @property
    def description(self) -> str:
        """The model's description of the field: 年初预算数·目标申报（元）."""
        notes = [n for n in (self.unit, self.hint) if n]
        return self.label + (f"（{'，'.join(notes)}）" if notes else "")


class CardBlock(_Frozen):
    """A section of the form: its title row, a header of one or two rows, then one row per line."""

    title: str
    columns: tuple[CardField, ...]

    @property
    def depth(self) -> int:
        """Header rows under the title."""
        return max(len(c.header) for c in self.columns)

    @property
    def body_offset(self) -> int:
        """Rows from the section title to the first line."""
        return 1 + self.depth

    @property
    def starts(self) -> tuple[int, ...]:
        """The sheet column (0-based) each column starts at: columns stand side by side, each ``span`` wide."""
        out, c = [], 0
        for col in self.columns:
            out.append(c)
            c += col.span
        return tuple(out)

    @property
    def width(self) -> int:
        """Sheet columns the block covers."""
        return sum(c.span for c in self.columns)

    def index(self, key: str) -> int:
        """The sheet column of the column ``key``."""
        for start, c in zip(self.starts, self.columns, strict=True):
            if c.key == key:
                return start
        raise KeyError(key)

    def column(self, key: str) -> CardField | None:
        return next((c for c in self.columns if c.key == key), None)

    def row_columns(self) -> tuple[int, ...]:
        """The columns whose content makes a row a line of the block (not notes, helpers or displays)."""
        return tuple(start for start, c in zip(self.starts, self.columns, strict=True) if c.role == "field")

    def display(self) -> str | None:
        """The key of the block's display column (建议得分), if it has one."""
        return next((c.key for c in self.columns if c.role == "display"), None)


class ScorecardForm(_Frozen):
    """Where everything of a 项目支出绩效自评表 stands: the writer places by it, the reader reads by it,
    messages and the Scorecard model name fields by it (editions/data/common/scorecard.toml)."""

    widths: tuple[float, ...]
    span: int  # the printed form: the title, header lines, section titles and print area cover columns 0 … span-1
    value_column: int  # a header line: its label before this column, its value from it to the span
    header: tuple[CardField, ...]  # one row each, under the title
    budget: CardBlock
    indicators: CardBlock
    summary: tuple[CardField, ...]  # one row each, under the indicators
    summary_column: str  # the indicator column the summary values stand in (得分)

    @model_validator(mode="after")
    def _fits(self) -> ScorecardForm:
        for block in (self.budget, self.indicators):
            keys = [c.key for c in block.columns]
            if len(set(keys)) != len(keys) or block.width > len(self.widths):
                raise ValueError(f"scorecard block {block.title}: keys repeat or columns exceed the widths")
        if self.indicators.column(self.summary_column) is None or not 0 < self.value_column < self.span:
            raise ValueError("scorecard form: summary_column or value_column out of place")
        return self

    def header_row(self, i: int) -> int:
        """The row of header line ``i``: the title takes row 0."""
        return 1 + i

    def field(self, row: str, col: str) -> CardField | None:
        """The field of a scorecard cell, by its row key (info, total/src…, i…, summary)."""
        if row == "info":
            return next((f for f in self.header if f.key == col), None)
        if row == "summary":
            return next((f for f in self.summary if f.key == col), None)
        block = self.indicators if row[:1] == "i" and row[1:].isdigit() else self.budget
        return block.column(col)


class ScorecardSpec(_Frozen):
    """The 项目支出绩效自评表 of this edition: its form and its scoring parameters (DOMAIN.md §4).

    The scoring parameters reach the K rules through the relation language (``scorecard("weights",
    "产出指标")``, ``scorecard("execution_weight")``, ``grade(x)``, ``band("low", x)``) and their
    descriptions through ``{scorecard.…}`` placeholders (editions/loader.py).
    """

    enabled: bool = True  # the edition includes 项目支出绩效自评表
    sheet_prefix: str = "绩效自评"
    title: str = "项目支出绩效自评表"
    form: ScorecardForm
    page: PageSpec = PageSpec(orientation="portrait")  # the official form prints portrait, one page wide
    level1: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # 一级 → its 二级 指标
    weights: dict[str, Decimal] = Field(default_factory=dict)  # 一级 → weight "in principle"
    execution_weight: Decimal = Decimal(10)  # 预算执行率: the score of a fully executed budget
    grades: tuple[tuple[Decimal, str], ...] = ()  # (lower bound, grade), high to low; the last takes the rest
    qualitative_bands: dict[str, tuple[Decimal, Decimal]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _grades_descend(self) -> ScorecardSpec:
        bounds = [b for b, _ in self.grades]
        if bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
            raise ValueError("scorecard grades must be listed from the highest bound down")
        return self

    def parameter(self, name: str, key: str | None = None) -> Decimal:
        """A scoring parameter by name: ``execution_weight``, or ``weights`` with a 一级指标."""
        if name == "execution_weight" and key is None:
            return self.execution_weight
        if name == "weights" and key is not None and key in self.weights:
            return self.weights[key]
        raise KeyError(f"{name}.{key}" if key else name)


class Tolerance(_Frozen):
    """How exactly a relation must hold.

    kind: ``auto`` (exact for 元 data, the interval rule for 万元), ``exact``, ``interval``,
    ``printed`` (half a unit of the reported value's last printed decimal), ``below`` (|difference| < value).
    """

    kind: Literal["auto", "exact", "interval", "printed", "below"] = "auto"
    value: str | None = None


class RuleSpec(_Frozen):
    """One rule of DOMAIN.md §3/§4 as data; instantiated against a report or a layout."""

    id: str  # may contain {row} / {col} / {code}
    family: str
    code: str  # stable kebab-case code
    tables: tuple[str, ...]
    severity: Severity = "error"
    description: str  # Chinese
    message: str | None = None  # Chinese template; default built from description
    kind: Literal["relation", "hierarchy", "empty-implies-empty"] = "relation"
    relation: str | None = None
    define: bool = False  # the writer computes the left cell from the right side
    foreach_row: str | None = None  # "T02@all", "S@indicators", …
    foreach_col: tuple[str, ...] = ()
    scope: Literal["report", "scorecard"] = "report"
    tolerance: Tolerance = Tolerance()
    skip_blank: bool = False  # no finding when the left cell is blank
    when_unit_type: tuple[str, ...] = ()
    requires_scorecards: bool = False
    # hierarchy
    table: str | None = None
    columns: tuple[str, ...] = ()
    # empty-implies-empty
    if_empty: str | None = None
    then_empty: str | None = None


class NarrativeItem(_Frozen):
    """One figure of the Part 3 情况说明, computed live on the 情况说明 sheet.

    ``expr`` is an expression of the relation language; it may name the sheet's own inputs as
    ``N[input].<id>`` (last year's totals, 年初预算 …, declared with kind = "input").
    """

    id: str
    section: str
    label: str
    kind: Literal["amount", "percent", "input", "count"] = "amount"
    # what an input holds: an amount (in the edition's unit), a count (个, 辆, 人次), a percentage typed as a
    # number (95 = 95%) or a score; a consolidation adds up amounts and counts, never percentages or scores
    measure: Literal["amount", "count", "percent", "score"] = "amount"
    expr: str | None = None
    foreach_row: str | None = None  # e.g. "T05@classes": one line per row, {row} substituted
    previous: str | None = None  # an input: the expression giving it from last year's report ("@income_grand_total")


class ChangeWording(_Frozen):
    """How a change on last year is worded: ``{amount}`` and ``{rate}`` are filled, the words are the edition's."""

    up: str  # e.g. "增加{amount}，增长{rate}"
    down: str  # e.g. "减少{amount}，下降{rate}"
    same: str  # e.g. "持平"
    new: str  # last year zero: the amount only, never a rate (N16)


class NarrativeSection(_Frozen):
    """A heading of Part 3 as printed: ``number`` is 一 … 十 or 五（二）; ``rule`` the N rule of its figures."""

    number: str
    title: str
    rule: str = "N15"
    shares_sum: bool = False  # the 占比 of the section's list add up to 100% (N6)


class NarrativeSentence(_Frozen):
    """One paragraph of Part 3: literal text with ``{kind:args}`` placeholders (see narrative.toml)."""

    section: str
    text: str
    when: str | None = None  # a condition of the relation language: the paragraph is written only when it holds


class NarrativeList(_Frozen):
    """A list over table rows, ``{list:id}`` in a sentence: ``item`` per row of ``foreach`` where ``when`` holds."""

    id: str
    foreach: str = ""  # space-separated: "T05@classes", "T06@lane2 T06@lane3", "T01[superior_subsidy:other]"
    items: dict[str, str] = Field(default_factory=dict)  # instead of rows: key → name ({row}, {name})
    digits: int | None = None  # only codes of this many digits (economic 类: 3)
    item: str  # {row} and {name} substituted, then placeholders
    when: str | None = None
    join: str = "；"
    empty: str = "无"
    names: bool = False  # the checker compares the row names a text lists with the rows where ``when`` holds (N8)


class NarrativeRelation(_Frozen):
    """A relation between figures as a text states them ("@total = @a + @b"): checked on the stated numbers."""

    section: str
    relation: str
    rule: str
    description: str


class NarrativeText(_Frozen):
    """Part 3 as edition data: headings, paragraph templates, lists, change wording, text inputs."""

    title: str = "第三部分 情况说明"
    separators: bool = True  # amounts printed with thousands separators
    unit: str = "元"  # the unit after amounts
    # printed for a share or rate whose base is zero or blank (N16: no % may be stated on a zero base)
    zero_rate: str = "—（基数为零，不计比例）"
    sections: tuple[NarrativeSection, ...] = ()
    sentences: tuple[NarrativeSentence, ...] = ()
    lists: tuple[NarrativeList, ...] = ()
    changes: dict[str, ChangeWording] = Field(default_factory=dict)
    relations: tuple[NarrativeRelation, ...] = ()
    reasons: dict[str, str] = Field(default_factory=dict)  # id → label of the text a person writes

    def section(self, number: str) -> NarrativeSection | None:
        return next((s for s in self.sections if s.number == number), None)

    def list(self, list_id: str) -> NarrativeList:
        for item in self.lists:
            if item.id == list_id:
                return item
        raise KeyError(list_id)


class CompareSpec(_Frozen):
    """同比 (this year against last): which changes Part 3 must explain. A change is flagged when its rate
    exceeds ``rate`` (a fraction: 0.10 is ±10%) — or it has no rate (a zero or blank base, a row new or
    gone) — and the amount changed is at least ``min_amount`` (in the edition's unit)."""

    rate: Decimal = Decimal("0.10")
    min_amount: Decimal = Decimal(0)


class EditionInfo(_Frozen):
    id: str
    name: str
    region: str = ""
    year: int
    # the report years the edition is for (empty: not bound to a year); a report of another year
    # is told which edition to use (edition-year)
    years: tuple[int, ...] = ()
    amount_unit: Literal["元", "万元"] = "元"
    decimals: int = 2
    line_numbers: bool = True
    default_unit_type: str | None = None
    # the optional 类 rows print (blank when the report has none) in every report of the edition's year,
    # numbered as printed; False: printed only in a report that has one of them
    print_optional: bool = False


class FunctionClass(_Frozen):
    code: str
    name: str
    optional: bool = False  # not printed by the template; published reports may add it


class Edition(_Frozen):
    info: EditionInfo
    classes: tuple[FunctionClass, ...]
    economic: dict[str, str] = Field(default_factory=dict)  # code → name (3 and 5 digits)
    # 支出功能分类 款/项 codes the edition's year adds (code → name): templates name them, messages too
    functions: dict[str, str] = Field(default_factory=dict)
    tables: tuple[TableSpec, ...]
    scorecard: ScorecardSpec
    rules: tuple[RuleSpec, ...] = ()
    narrative: tuple[NarrativeItem, ...] = ()
    compare: CompareSpec = CompareSpec()
    narrative_text: NarrativeText | None = None
    layout_hash: str = ""

    @property
    def id(self) -> str:
        return self.info.id

    def table(self, table_id: str) -> TableSpec:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    def table_ids(self) -> list[str]:
        return [t.id for t in self.tables]
