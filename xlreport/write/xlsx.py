"""xlsxwriter's workbook, with worksheets that skip its future-function rewriting for the formulas
xlreport writes.

xlsxwriter passes every formula through some thirty regular expressions that prefix Excel 365's
functions (``_xlfn.XLOOKUP``); a filled workbook holds thousands of formulas, and that pass was about a
third of the time spent writing one. The writer emits only classic functions (tests/test_writer.py holds
it to a portable list), so a formula whose functions are all classic is written as it is; any other goes
through xlsxwriter's own rewriting, unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

# Functions of Excel 2007 and before, none of which xlsxwriter rewrites.
_CLASSIC_NAMES = (
    "ABS AND AVERAGE COUNT COUNTA COUNTBLANK COUNTIF IF IFERROR INDEX ISBLANK ISERROR ISNUMBER ISTEXT LEFT LEN "
    "MATCH MAX MID MIN N NOT OR RIGHT ROUND ROUNDDOWN ROUNDUP SUM SUMIF SUMPRODUCT TEXT TRIM VALUE"
)
CLASSIC = frozenset(_CLASSIC_NAMES.split())
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")
_STRING = re.compile(r'"(?:[^"]|"")*"')


class ClassicWorksheet(Worksheet):
    """A worksheet that writes formulas of classic functions as they are."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if formula.startswith("{"):  # as xlsxwriter: array braces and the leading = removed
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        if all(name.upper() in CLASSIC for name in _FUNCTION.findall(_without_strings(formula))):
            return formula
        return super()._prepare_formula(formula, expand_future_functions)


def _without_strings(formula: str) -> str:
    """The formula with its string literals emptied (a sentence's text may hold "(")."""
    return _STRING.sub('""', formula)


_OPTIONS = {
    # typed text never becomes a formula, a number or a link
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    # each sheet's XML assembled in memory, not in a temporary file of its own: a consolidated workbook
    # of 2,000 scorecard sheets spent 2.5 of its 17 seconds creating and removing them
    "in_memory": True,
}


def new_workbook(filename: Any, options: dict[str, Any] | None = None) -> Workbook:
    """An xlsxwriter workbook whose sheets are :class:`ClassicWorksheet` (see :data:`_OPTIONS`)."""
    wb = Workbook(filename, {**_OPTIONS, **(options or {})})
    wb.worksheet_class = ClassicWorksheet
    return wb


__all__ = ["CLASSIC", "ClassicWorksheet", "new_workbook"]
