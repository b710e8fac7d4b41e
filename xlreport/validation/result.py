"""The one result of validation: a run of files, each with its place, stats and findings.

Every face of xlreport returns or renders this: the Python API (``xlreport.validate``), the CLI's text,
JSON and CSV, the batch workers (the same model pickled across processes), the annotated copy and the
summary. ``schemas/validation-result.schema.json`` is generated from :class:`ValidationResult`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field
from pydantic.json_schema import SkipJsonSchema

from .findings import Finding, Severity

Status = Literal["valid", "invalid", "unreadable"]
STATUS_LABEL: dict[str, str] = {"valid": "通过", "invalid": "不通过", "unreadable": "无法读取"}
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


class Counts(BaseModel):
    model_config = ConfigDict(frozen=True)

    error: int = 0
    warning: int = 0
    info: int = 0


class FileResult(BaseModel):
    """One file (workbook or JSON report) and what validating it found."""

    model_config = ConfigDict(extra="ignore")

    path: str = Field(description="文件路径（JSON 报告或字典为 <dict>、<bytes>）")
    readable: bool = Field(True, description="是否能读取为报告；否则只有一条文件级发现")
    edition: str | None = Field(None, description="表样版本")
    unit_name: str | None = Field(None, description="单位名称")
    year: int | None = Field(None, description="年度")
    annotated: str | None = Field(None, description="标注副本的路径（--annotate）")
    seconds: float = Field(0.0, description="用时（秒）")
    sha256: str | None = Field(None, description="文件内容的 SHA-256（批量审核时用于发现重复提交）")
    findings: list[Finding] = Field(default_factory=list)
    report: SkipJsonSchema[Any] = Field(None, exclude=True, repr=False)  # the Report read, for library users

    @computed_field(description="valid 通过 / invalid 不通过（有错误） / unreadable 无法读取")  # type: ignore[prop-decorator]
    @property
    def status(self) -> Status:
        if not self.readable:
            return "unreadable"
        return "invalid" if any(f.severity == "error" for f in self.findings) else "valid"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> Counts:
        c = Counter(f.severity for f in self.findings)
        return Counts(error=c["error"], warning=c["warning"], info=c["info"])

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    def fails(self, severities: set[str]) -> bool:
        return any(f.severity in severities for f in self.findings)

    def without_report(self) -> FileResult:
        """The same result without the report model (what crosses a process boundary)."""
        return self.model_copy(update={"report": None})


class SkippedFile(BaseModel):
    """A file found in a directory or by a glob and not validated (a PDF, a .docx, a name ending in a space)."""

    path: str
    reason: str = Field(description="未审核的原因")


class Stats(BaseModel):
    files: int
    valid: int
    invalid: int
    unreadable: int
    findings_by_rule: dict[str, int] = Field(description="按规则族（R01、X03…）或文件级代码计数")


class ValidationResult(BaseModel):
    """The document `xlreport validate --format json` prints: every file in input order."""

    model_config = ConfigDict(extra="ignore")

    files: list[FileResult]
    skipped: list[SkippedFile] = Field(default_factory=list, description="找到但未审核的文件及原因")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stats(self) -> Stats:
        by_rule: Counter[str] = Counter()
        for file in self.files:
            for f in file.findings:
                by_rule[f.rule_id.split("-")[0] if f.family != "F" else f.code] += 1
        status = Counter(f.status for f in self.files)
        return Stats(
            files=len(self.files),
            valid=status["valid"],
            invalid=status["invalid"],
            unreadable=status["unreadable"],
            findings_by_rule=dict(sorted(by_rule.items())),
        )

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every file."""
        return [f for file in self.files for f in file.findings]

    @property
    def report(self) -> Any:
        """The report of a single-file result (None when unreadable or for several files)."""
        return self.files[0].report if len(self.files) == 1 else None
