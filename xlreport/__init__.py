"""xlreport: 部门决算公开 workbooks — models, editions, rules, writer, reader and validator."""

from .api import CheckResult, InputIssue, check, load_report, read_report, validate
from .compare import Comparison, compare_reports
from .editions import available_editions, load_edition
from .errors import (
    EditionError,
    MergeError,
    OutputError,
    ReportInputError,
    UnitsInvalidError,
    WorkbookError,
    XlreportError,
)
from .merge import Consolidation, consolidate, merge_returns
from .model.report import Report, ReportMeta, report_model
from .model.scorecard import BudgetLine, Indicator, Scorecard
from .validation.engine import check_report
from .validation.findings import Finding
from .validation.result import FileResult, ValidationResult

__version__ = "0.1.0"

__all__ = [
    "BudgetLine",
    "CheckResult",
    "Comparison",
    "Consolidation",
    "EditionError",
    "FileResult",
    "Finding",
    "Indicator",
    "InputIssue",
    "MergeError",
    "OutputError",
    "Report",
    "ReportInputError",
    "ReportMeta",
    "Scorecard",
    "UnitsInvalidError",
    "ValidationResult",
    "WorkbookError",
    "XlreportError",
    "__version__",
    "available_editions",
    "check",
    "check_report",
    "compare_reports",
    "consolidate",
    "load_edition",
    "load_report",
    "merge_returns",
    "read_report",
    "report_model",
    "validate",
]
