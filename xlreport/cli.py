"""Command line: a thin layer over the Python API."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xlreport")
def main() -> None:
    """xlreport：部门决算公开表的模板、读取与审核。"""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True)
def validate(paths: tuple[Path, ...], fmt: str, fail_on: str) -> None:
    """审核报告。PATH 为 .json 报告（与 examples/ 同格式）。

    \b
    示例：xlreport validate examples/jincheng-2022.json
    """
    from .api import ReportInputError, check
    from .validation.output import to_csv, to_json, to_text

    status = 0
    for path in paths:
        try:
            result = check(path)
        except ReportInputError as exc:
            click.echo(str(exc), err=True)
            status = 2
            continue
        if fmt == "json":
            click.echo(to_json(result.findings, str(path)), nl=False)
        elif fmt == "csv":
            click.echo(to_csv(result.findings, str(path)), nl=False)
        else:
            click.echo(to_text(result.findings, str(path)), nl=False)
        failing = {"error"} if fail_on == "error" else {"error", "warning"}
        if any(f.severity in failing for f in result.findings):
            status = max(status, 1)
    sys.exit(status)


@main.command()
@click.option(
    "-o", "--output", "directory", type=click.Path(path_type=Path), default=Path("schemas"), show_default=True
)
def schema(directory: Path) -> None:
    """写出输入格式的 JSON Schema。

    \b
    示例：xlreport schema -o schemas
    """
    from .schemas import write_schemas

    for path in write_schemas(directory):
        click.echo(str(path))


if __name__ == "__main__":  # pragma: no cover
    main()
