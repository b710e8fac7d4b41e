"""`xlreport demo`: the blank template, the filled reference, and the reference's findings.

The reference JSON ships inside the package; the demo copies it into the output directory, so the demo runs
the same from a checkout or an installed wheel, and the user is left with a report to try every command on."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import examples
from .api import check
from .validation.output import file_text
from .validation.workbook import validate_workbook
from .write.writer import write_report, write_template


def run_demo(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    name = examples.REFERENCE
    source = directory / f"{name}.json"
    source.write_bytes(examples.read_bytes(name))
    click.echo(f"参考报告（JSON）：{source}")
    result = check(source)
    edition = result.report.edition
    blank = write_template(directory / f"template-{edition.id}.xlsx", edition, result.report.meta.unit_name, 2023)
    click.echo(f"空白模板：{blank.path}（填报单元格 {blank.inputs} 个，公式 {blank.formulas} 个）")
    filled = write_report(directory / f"{name}.xlsx", result.report)
    click.echo(f"参考报告工作簿：{filled.path}（公式 {filled.formulas} 个）")
    published = write_report(directory / f"{name}-as-published.xlsx", result.report, as_published=True)
    click.echo(f"按原样印刷数的工作簿：{published.path}")
    click.echo("")
    click.echo("审核参考报告（JSON）：")
    sys.stdout.write(file_text(result))
    wres = validate_workbook(published.path)
    click.echo("审核按原样工作簿：")
    sys.stdout.write(file_text(wres))
    return 0
