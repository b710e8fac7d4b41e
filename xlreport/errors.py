"""The exceptions xlreport raises: one base class, :class:`XlreportError`, and a few precise kinds.

Catch ``XlreportError`` for anything xlreport refuses (its message is one Chinese sentence naming
the file or edition); the subclasses also derive from the built-in exception each replaced
(``ValueError``, ``KeyError``, ``OSError``), so older ``except`` clauses keep working.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .api import InputIssue
    from .validation.findings import Finding


class XlreportError(Exception):
    """Base class of every exception xlreport raises on purpose."""


class ReportInputError(XlreportError, ValueError):
    """The input is not a report of a known edition; ``issues`` says where and why."""

    def __init__(self, source: str, issues: list[InputIssue]) -> None:
        self.source = source
        self.issues = issues
        lines = "\n".join(f"  - {i}" for i in issues[:50])
        more = f"\n  …另有{len(issues) - 50}处" if len(issues) > 50 else ""
        super().__init__(f"{source}：输入数据有{len(issues)}处错误\n{lines}{more}")


class EditionError(XlreportError, KeyError):
    """An edition that is not known (``edition_id``), or whose description is invalid."""

    def __init__(self, message: str, edition_id: str | None = None) -> None:
        super().__init__(message)
        self.edition_id = edition_id

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class WorkbookError(XlreportError):
    """The file is not a workbook xlreport can read; ``finding`` says why (one file-level finding)."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


_OS_REASONS = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOENT: "路径不存在",
    errno.ENOTDIR: "上级路径中有一个是文件而不是文件夹",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "只读文件系统",
    errno.EEXIST: "已有同名的文件",
    errno.ENAMETOOLONG: "文件名过长",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in Chinese (the system's own words are English)."""
    return _OS_REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)


class OutputError(XlreportError, OSError):
    """An output file (workbook, JSON, CSV, schema, summary) could not be written."""

    def __init__(self, path: object, reason: BaseException | str) -> None:
        why = reason if isinstance(reason, str) else os_reason(reason) if isinstance(reason, OSError) else str(reason)
        super().__init__(f"无法写入 {path}：{why}")
        self.path = str(path)

    def __str__(self) -> str:  # OSError would format (errno, strerror)
        return str(self.args[0])


class MergeError(XlreportError, ValueError):
    """Returns that cannot be consolidated (汇总): unreadable, of different editions, years or amount units,
    or the same unit twice. The message names the files."""


class CompareError(XlreportError, ValueError):
    """Two reports that cannot be compared (tables of different regions' editions)."""


class UnitsInvalidError(MergeError):
    """Some returns to consolidate have error findings; ``invalid`` holds their validation results
    (merging them anyway needs ``force``)."""

    def __init__(self, message: str, invalid: list[object]) -> None:
        super().__init__(message)
        self.invalid = invalid


__all__ = [
    "CompareError",
    "EditionError",
    "MergeError",
    "OutputError",
    "ReportInputError",
    "UnitsInvalidError",
    "WorkbookError",
    "XlreportError",
]
