"""Command line: a thin layer over the Python API. Heavy modules are imported by the command that needs them."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class Context:
    debug = False


def _fail(message: str, exc: BaseException | None = None) -> NoReturn:
    """One clear line on stderr and exit 2; the traceback only with --debug."""
    if Context.debug and exc is not None:
        raise exc
    click.echo(f"错误：{message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="xlreport", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="出错时显示完整的错误堆栈。")
def main(debug: bool) -> None:
    """xlreport：部门决算公开表的模板生成、填报读取与审核。

    \b
    示例：
      xlreport demo -o out
      xlreport template --dept 某某局 --year 2023 -o 模板.xlsx
      xlreport validate 回收/ --jobs 2 --summary 汇总.csv
    """
    Context.debug = debug


def _output_dir(default: Path) -> Any:
    return click.option(
        "-o",
        "--output",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=True,
        help="输出目录。",
    )


def _edition(edition_id: str | None) -> Any:
    from .editions import available_editions, default_edition, load_edition

    edition_id = edition_id or default_edition()
    if edition_id not in available_editions():
        _fail(f"未知的表样版本“{edition_id}”（可用：{'、'.join(available_editions())}）")
    return load_edition(edition_id)


@main.command()
@click.option("--edition", "edition_id", default=None, help="表样版本（默认见 editions/data/DEFAULT）。")
@click.option("--dept", required=True, help="部门（单位）名称。")
@click.option("--year", required=True, type=int, help="年度。")
@click.option("--codes", default=None, help="预置的功能分类项级科目编码，逗号分隔。")
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="从上年的工作簿或 JSON 报告取科目编码。",
)
@click.option("--unit-type", type=click.Choice(["行政", "参公", "事业"]), default=None, help="单位类型。")
@click.option(
    "--scorecards", type=click.IntRange(0, 200), default=1, show_default=True, help="项目支出绩效自评表的张数。"
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出文件。")
def template(
    edition_id: str | None,
    dept: str,
    year: int,
    codes: str | None,
    from_file: Path | None,
    unit_type: str | None,
    scorecards: int,
    output: Path,
) -> None:
    """生成空白填报模板。

    \b
    示例：xlreport template --dept 某某局 --year 2023 \\
            --codes 2010306,2080505 -o 模板.xlsx
    """
    from .excel.writer import write_template

    edition = _edition(edition_id)
    code_list = [c.strip() for c in codes.split(",") if c.strip()] if codes else []
    bad = [c for c in code_list if not (c.isascii() and c.isdigit() and len(c) in (3, 5, 7))]
    if bad:
        _fail(f"科目编码应为3、5或7位数字：{'、'.join(bad)}")
    if from_file is not None:
        code_list += _codes_from(from_file)
    try:
        result = write_template(output, edition, dept, year, code_list or None, unit_type, scorecards)
    except OSError as exc:
        _fail(f"无法写入 {output}：{exc.strerror or exc}", exc)
    click.echo(f"已生成 {result.path}（填报单元格 {result.inputs} 个，公式 {result.formulas} 个）", err=True)


def _codes_from(path: Path) -> list[str]:
    if path.suffix.lower() == ".json":
        from .api import ReportInputError, load_report

        try:
            report = load_report(path)
        except ReportInputError as exc:
            _fail(str(exc).splitlines()[0], exc)
        return sorted({c for t in report.edition.tables if t.coded for c, _ in report.codes(t.id) if len(c) == 7})
    from .validation.workbook import validate_workbook

    result = validate_workbook(path)
    if result.report is None:
        _fail(f"无法从 {path} 读取科目编码：{result.findings[0].message if result.findings else '未知原因'}")
    report = result.report
    return sorted({c for t in report.edition.tables if t.coded for c, _ in report.codes(t.id) if len(c) == 7})


@main.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-published", is_flag=True, help="与关系矛盾的印刷数按原样写为常数（橙色），不写公式。")
def fill(data: Path, output: Path, as_published: bool) -> None:
    """由 JSON 报告生成已填报的工作簿。

    \b
    示例：xlreport fill out/jincheng-2022.json -o 晋城.xlsx --as-published
    """
    from .api import ReportInputError, load_report
    from .excel.writer import write_report

    try:
        report = load_report(data)
    except ReportInputError as exc:
        _fail(str(exc), exc)
    result = write_report(output, report, as_published=as_published)
    for f in result.contradictions:
        if f.severity == "error":
            how = "已按原数写为常数" if as_published else "已写为公式"
            click.echo(f"注意：{f.message}（{how}）", err=True)
    click.echo(f"已生成 {result.path}", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="把标注了问题的副本写到此目录（原文件不变）。",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="并行进程数（默认：CPU 核数）。")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True)
@click.option(
    "--summary",
    "summary_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="每个文件一行的汇总表（.csv 或 .xlsx）。",
)
@click.option(
    "--edition",
    "expect",
    default=None,
    help="要求的表样版本：其他版本的文件判为无法审核（默认：按文件自带的版本标识）。",
)
def validate(
    paths: tuple[str, ...],
    fmt: str,
    annotate_dir: Path | None,
    jobs: int | None,
    fail_on: str,
    summary_file: Path | None,
    expect: str | None,
) -> None:
    """审核工作簿（.xlsx）或 JSON 报告；PATH 可以是文件、目录或通配符。

    \b
    示例：xlreport validate 回收/*.xlsx --jobs 2 --format json > 结果.json
         xlreport validate 回收/ --edition 本省表样版本   # 其他版本的文件判为无法审核
         xlreport validate out/jincheng-2022.json   # xlreport demo -o out 复制的参考报告
    退出码：0 全部通过；1 有错误（--fail-on warning 时含警告）；2 用法错误或有文件无法读取。
    """
    from .batch import expand_paths, iter_rows, run_batch, summarize

    if expect is not None:
        _edition(expect)  # an unknown edition is a usage error before any file is read
    files, missing = expand_paths(paths)
    for m in missing:
        click.echo(f"错误：找不到 {m}", err=True)
    if not files:
        _fail("没有可审核的文件")
    workers = jobs or min(len(files), os.cpu_count() or 1)
    bar = _progress(len(files))
    started = time.perf_counter()
    outcomes = run_batch(files, workers, str(annotate_dir) if annotate_dir else None, bar, expect)
    if bar is not None:
        bar.close()
    _emit(outcomes, fmt)
    summary = summarize(outcomes)
    summary["seconds"] = round(time.perf_counter() - started, 3)
    if len(outcomes) > 1 or summary_file:
        rules = "，".join(f"{k} {v}" for k, v in summary["findings_by_rule"].items()) or "无"
        click.echo(
            f"共 {summary['files']} 个文件：通过 {summary['valid']}，不通过 {summary['invalid']}，"
            f"无法读取 {summary['unreadable']}；用时 {summary['seconds']} 秒；问题按规则：{rules}",
            err=True,
        )
    if summary_file:
        _write_summary(summary_file, list(iter_rows(outcomes)))
    failing = {"error"} if fail_on == "error" else {"error", "warning"}
    if missing or summary["unreadable"]:
        sys.exit(EXIT_USAGE)
    if any(f["severity"] in failing for o in outcomes for f in o.findings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


class _Bar:
    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0

    def __call__(self, _outcome: object) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // self.total
        sys.stderr.write(f"\r审核中 [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def _progress(total: int) -> _Bar | None:
    return _Bar(total) if total > 1 and sys.stderr.isatty() else None


def _emit(outcomes: list[Any], fmt: str) -> None:
    from .validation.output import CSV_COLUMNS, SEVERITY_LABEL

    if fmt == "json":
        doc = {
            "files": [
                {
                    "path": o.path,
                    "status": o.status,
                    "valid": o.status == "valid",
                    "annotated": o.annotated,
                    "counts": {s: o.count(s) for s in ("error", "warning", "info")},
                    "findings": o.findings,
                }
                for o in outcomes
            ]
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for o in outcomes:
            for f in o.findings:
                row, col = f.get("row") or {}, f.get("column") or {}
                writer.writerow(
                    [
                        o.path,
                        f["severity"],
                        f["rule_id"],
                        f["code"],
                        f.get("sheet") or "",
                        f.get("cell") or "",
                        f.get("table") or "",
                        row.get("line") or "",
                        row.get("code") or "",
                        row.get("label") or "",
                        col.get("seq") or "",
                        col.get("label") or "",
                        *(
                            f.get(k) if f.get(k) is not None else ""
                            for k in ("expected", "actual", "difference", "tolerance")
                        ),
                        f["message"],
                    ]
                )
        return
    label = {"valid": "通过", "invalid": "不通过", "unreadable": "无法读取"}
    for o in outcomes:
        counts = f"错误{o.count('error')}，警告{o.count('warning')}，提示{o.count('info')}"
        click.echo(f"{o.path} {label[o.status]}：{counts}")
        by_sheet: dict[str, list[dict[str, Any]]] = {}
        for f in o.findings:
            by_sheet.setdefault(f.get("sheet") or "（文件）", []).append(f)
        for sheet, items in by_sheet.items():
            click.echo(f"  【{sheet}】")
            for f in items:
                at = f" {f['cell']}" if f.get("cell") else ""
                click.echo(f"    {SEVERITY_LABEL[f['severity']]}{at} {f['message']}")
        if o.annotated:
            click.echo(f"  标注副本：{o.annotated}")


def _write_summary(path: Path, rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.lower() == ".xlsx":
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False})
        ws = wb.add_worksheet("汇总")
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, str(v))
        wb.close()
    else:
        import csv

        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    os.replace(tmp, path)


@main.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def export(workbook: Path, output: Path, fmt: str) -> None:
    """导出工作簿读取的结果：JSON（与示例报告同格式）或长表 CSV（表、行、栏、值）。

    \b
    示例：xlreport export 回收.xlsx -o 回收.json
         xlreport export 回收.xlsx -o 回收.csv --format csv
    """
    from .export import report_to_csv, report_to_json
    from .validation.workbook import validate_workbook

    result = validate_workbook(workbook)
    if result.report is None:
        reason = result.findings[0].message if result.findings else "未知原因"
        _fail(f"无法读取 {workbook}：{reason}")
    text = report_to_json(result.report) if fmt == "json" else report_to_csv(result.report)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(text, encoding="utf-8" if fmt == "json" else "utf-8-sig")
    os.replace(tmp, output)
    click.echo(f"已导出 {output}", err=True)


@main.command()
@_output_dir(Path("schemas"))
def schema(directory: Path) -> None:
    """写出输入格式（及审核结果）的 JSON Schema。

    \b
    示例：xlreport schema -o schemas
    """
    from .schemas import write_schemas

    for path in write_schemas(directory):
        click.echo(str(path))


@main.command()
@click.option("--edition", "edition_id", default=None, help="表样版本（默认见 editions/data/DEFAULT）。")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
def rules(edition_id: str | None, fmt: str) -> None:
    """列出表样版本的全部审核规则：编号、涉及的表、级别、说明和对应的公式。

    \b
    示例：xlreport rules --format markdown > RULES.md
    """
    from .rules.catalog import rules_json, rules_markdown

    edition = _edition(edition_id)
    click.echo(rules_markdown(edition) if fmt == "markdown" else rules_json(edition), nl=False)


@main.command()
@_output_dir(Path("out"))
def demo(directory: Path) -> None:
    """演示：生成空白模板和参考报告（晋城市政务服务中心 2022）的工作簿，并审核参考报告。

    \b
    示例：xlreport demo -o out
    """
    from .demo import run_demo

    sys.exit(run_demo(directory))


if __name__ == "__main__":  # pragma: no cover
    main()
