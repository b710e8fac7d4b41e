"""Cell formats of the workbooks xlreport writes (one place for fonts, borders, fills, number formats)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

FONT = "宋体"
INPUT_FILL = "#FFF8DC"  # light yellow: a person types here
PUBLISHED_FILL = "#F8CBAD"  # orange: a printed total that contradicts its relation, kept as printed
REPORTED_FILL = "#DDEBF7"  # light blue: a printed total kept as printed (its relation holds within rounding)
AMOUNT = "#,##0.00"
AMOUNT_FORMULA = '#,##0.00;-#,##0.00;""'  # a computed 0 prints blank, as the published tables do
COUNT = "0"
RATE = "0.00"
FORM_WHOLE = "#,##0"  # a form's whole number: 600,000 / 100 / 10
FORM_BLANK = "#,##0.##"  # a form's cell still blank: what is typed prints with separators, up to 2 decimals

_BASE: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"},
    "title_line": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"},
    "title_under_line": {"font_size": 12, "align": "center", "valign": "vcenter"},
    "verdict_line": {"bold": True, "font_size": 12, "align": "center", "valign": "vcenter"},
    "number": {"align": "right", "valign": "vcenter"},
    "meta_left": {"align": "left", "valign": "vcenter"},
    "meta_center": {"align": "center", "valign": "vcenter"},
    "meta_right": {"align": "right", "valign": "vcenter"},
    "bare_value": {"align": "center", "valign": "vcenter", "locked": False, "bg_color": INPUT_FILL},  # the date
    "header": {
        "bold": True,
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
        "border": 1,
        "bg_color": "#F2F2F2",
    },
    "seq": {"align": "center", "valign": "vcenter", "border": 1, "bg_color": "#F2F2F2"},
    "section": {"bold": True, "align": "left", "valign": "vcenter", "border": 1},
    "label": {"align": "left", "valign": "vcenter", "text_wrap": True, "border": 1},
    "label_bold": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1},
    "line": {"align": "center", "valign": "vcenter", "border": 1},
    "code": {"align": "left", "valign": "vcenter", "border": 1, "num_format": "@"},
    "name": {"align": "left", "valign": "vcenter", "text_wrap": True, "border": 1},
    "disabled": {"align": "center", "valign": "vcenter", "border": 1},
    "footnote": {"align": "left", "valign": "top", "text_wrap": True},
    "note": {"align": "left", "valign": "top", "bold": True},
    "cell": {"border": 1, "valign": "vcenter"},
    "text": {"border": 1, "valign": "vcenter", "text_wrap": True},
    "pass": {"font_color": "#006100", "bg_color": "#C6EFCE", "border": 1, "valign": "vcenter"},
    "fail": {"font_color": "#9C0006", "bg_color": "#FFC7CE", "border": 1, "valign": "vcenter"},
}

_VALUE: dict[str, dict[str, Any]] = {
    "amount": {"num_format": AMOUNT, "align": "right"},
    "count": {"num_format": COUNT, "align": "right"},
    "rate": {"num_format": RATE, "align": "right"},
    "score": {"num_format": "0.##", "align": "right"},
    "text": {"text_wrap": True, "align": "left"},
    "code": {"num_format": "@", "align": "left"},
    "name": {"text_wrap": True, "align": "left"},
}


class Formats:
    """Lazily created xlsxwriter formats, keyed by a style name.

    ``shading`` False (the publication style, ``fill --for-print``, ``template --no-shading``): no cell
    of a sheet is filled — inputs, printed totals and headers print white, as the published tables do.
    Conditional formats (the 审核 verdicts) keep their colours: they are made with :meth:`raw` and
    ``keep_fill``."""

    def __init__(self, workbook: Workbook, *, shading: bool = True) -> None:
        self.workbook = workbook
        self.shading = shading
        self._cache: dict[tuple[str, ...], Format] = {}

    def _make(self, props: dict[str, Any], keep_fill: bool = False) -> Format:
        if not self.shading and not keep_fill:
            props = {k: v for k, v in props.items() if k not in ("bg_color", "fg_color", "pattern")}
        return self.workbook.add_format({"font_name": FONT, "font_size": 10, **props})

    def get(self, style: str, indent: int = 0) -> Format:
        key = (style, str(indent))
        if key not in self._cache:
            props = dict(_BASE[style])
            if indent:
                props["indent"] = indent
            self._cache[key] = self._make(props)
        return self._cache[key]

    def value(
        self,
        kind: str,
        *,
        formula: bool = False,
        published: bool = False,
        reported: bool = False,
        zeros: bool = False,
        number: str | None = None,
    ) -> Format:
        """Input cells are unlocked and shaded; formula cells locked. A derived cell holding the printed
        number is input-like (unlocked): light blue (``reported``), orange where it contradicts its
        relation (``published``). A formula's 0 prints blank unless ``zeros`` (a printed copy of a typed cell).
        ``number``: the number format, where it is not the kind's (a scorecard's, :func:`form_number`)."""
        key = ("value", kind, str(formula), str(published), str(reported), str(zeros), number or "")
        if key not in self._cache:
            props: dict[str, Any] = {"border": 1, "valign": "vcenter", **_VALUE.get(kind, {})}
            if formula and kind == "amount" and not zeros:
                props["num_format"] = AMOUNT_FORMULA
            if number is not None:
                props["num_format"] = number
            if published or reported:
                props["bg_color"] = PUBLISHED_FILL if published else REPORTED_FILL
                props["locked"] = False
            elif not formula:
                props["bg_color"] = INPUT_FILL
                props["locked"] = False
            self._cache[key] = self._make(props)
        return self._cache[key]

    def raw(self, name: str, props: dict[str, Any], keep_fill: bool = False) -> Format:
        """A named format of the caller's own properties (``keep_fill``: coloured even unshaded — a
        conditional format that marks a verdict, not a cell to type in)."""
        key = ("raw", name)
        if key not in self._cache:
            self._cache[key] = self._make(props, keep_fill)
        return self._cache[key]


def form_number(value: object, limit: int = 4) -> str:
    """The number format a form prints ``value`` with, as the 项目支出绩效自评表 does: 600,000 / 100 /
    13.44 — thousands separated, as many decimals as the value has (none when whole); :data:`FORM_BLANK`
    for a cell still blank (a template's), which a conditional format turns into :data:`FORM_WHOLE` when
    the number typed is whole (:func:`whole_numbers`), so a typed 600000 prints 600,000 as a filled one."""
    if not isinstance(value, Decimal):
        return FORM_BLANK
    places = 0
    while places < limit and value != value.quantize(Decimal(1).scaleb(-places)):
        places += 1
    return "#,##0" + ("." + "0" * places if places else "")


def whole_numbers(ws: Worksheet, fmt: Formats, cells: list[tuple[int, int]]) -> None:
    """A whole number in any of ``cells`` (formatted :data:`FORM_BLANK`) prints without a decimal point."""
    if not cells:
        return
    row, col = cells[0]
    first = xl_rowcol_to_cell(row, col)
    ws.conditional_format(
        row,
        col,
        row,
        col,
        {
            "type": "formula",
            "criteria": f"=AND(ISNUMBER({first}),{first}=INT({first}))",
            "format": fmt.raw("form_whole", {"num_format": FORM_WHOLE}),
            "multi_range": " ".join(xl_rowcol_to_cell(r, c) for r, c in cells),
        },
    )
