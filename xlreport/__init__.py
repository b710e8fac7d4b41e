"""xlreport: 部门决算公开 workbooks — models, editions, rules, writer, reader and validator."""

from .api import CheckResult, InputIssue, check, load_report, validate
from .editions import available_editions, load_edition
from .errors import EditionError, OutputError, ReportInputError, WorkbookError, XlreportError
from .model.report import Report, ReportMeta, report_model
from .model.scorecard import BudgetLine, Indicator, Scorecard
from .validation.engine import check_report
from .validation.findings import Finding
from .validation.result import FileResult, ValidationResult

__version__ = "0.1.0"

__all__ = [
    "BudgetLine",
    "CheckResult",
    "EditionError",
    "FileResult",
    "Finding",
    "Indicator",
    "InputIssue",
    "OutputError",
    "Report",
    "ReportInputError",
    "ReportMeta",
    "Scorecard",
    "ValidationResult",
    "WorkbookError",
    "XlreportError",
    "__version__",
    "available_editions",
    "check",
    "check_report",
    "load_edition",
    "load_report",
    "report_model",
    "validate",
]
