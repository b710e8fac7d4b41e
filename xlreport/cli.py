"""Command line: a thin layer over the Python API. Heavy modules are imported by the command that needs them."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .errors import XlreportError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class Context:
    debug = False


def _fail(message: str, exc: BaseException | None = None) -> NoReturn:
    """One clear line on stderr and exit 2; the traceback only with --debug."""
    if Context.debug and exc is not None:
        raise exc
    click.echo(f"错误：{message}", err=True)
    sys.exit(EXIT_USAGE)


class _Main(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        """Anything xlreport refuses (:class:`XlreportError`) is one line of Chinese and exit 2."""
        try:
            return super().invoke(ctx)
        except XlreportError as exc:
            _fail(str(exc), exc)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
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
    for stream in (sys.stdout, sys.stderr):  # a GBK console prints what it can and replaces the rest
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(errors="replace")


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
    from .editions import default_edition, load_edition

    return load_edition(edition_id or default_edition())  # EditionError: one line, exit 2


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
    from .model.values import is_function_code
    from .write.writer import write_template

    edition = _edition(edition_id)
    code_list = [c.strip() for c in codes.split(",") if c.strip()] if codes else []
    bad = [c for c in code_list if not is_function_code(c)]
    if bad:
        _fail(f"科目编码应为3、5或7位数字：{'、'.join(bad)}")
    if from_file is not None:
        code_list += _codes_from(from_file)
    result = write_template(output, edition, dept, year, code_list or None, unit_type, scorecards)
    click.echo(f"已生成 {result.path}（填报单元格 {result.inputs} 个，公式 {result.formulas} 个）", err=True)


def _codes_from(path: Path) -> list[str]:
    """The 项 codes of last year's JSON report or workbook."""
    from .model.values import code_level

    if path.suffix.lower() == ".json":
        from .api import ReportInputError, load_report

        try:
            report = load_report(path)
        except ReportInputError as exc:
            _fail(str(exc).splitlines()[0], exc)
    else:
        from .validation.workbook import validate_workbook

        result = validate_workbook(path)
        if result.report is None:
            _fail(f"无法从 {path} 读取科目编码：{result.findings[0].message if result.findings else '未知原因'}")
        report = result.report
    return sorted({c for t in report.edition.tables if t.coded for c, _ in report.codes(t.id) if code_level(c) == 3})


@main.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-published", is_flag=True, help="与关系矛盾的印刷数按原样写为常数（橙色），不写公式。")
def fill(data: Path, output: Path, as_published: bool) -> None:
    """由 JSON 报告生成已填报的工作簿。

    \b
    示例：xlreport fill out/jincheng-2022.json -o 晋城.xlsx --as-published
    """
    from .api import load_report
    from .write.writer import write_report

    report = load_report(data)
    result = write_report(output, report, as_published=as_published)
    for f in result.contradictions:
        if f.severity == "error":
            how = "已按原数写为常数" if as_published else "已写为公式"
            click.echo(f"注意：{f.message}（{how}）", err=True)
    click.echo(f"已生成 {result.path}", err=True)


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(path_type=Path),  # not click's own checks: an unwritable output is one Chinese line
    default=None,
    help="把标注了问题的副本写到此目录（原文件不变）。",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="并行进程数（默认：CPU 核数）。")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True)
@click.option(
    "--summary",
    "summary_file",
    type=click.Path(path_type=Path),
    default=None,
    help="每个文件一行的汇总表（.csv 或 .xlsx）。",
)
@click.option(
    "--edition",
    "expect",
    default=None,
    help="要求的表样版本：其他版本的文件判为无法审核（默认：按文件自带的版本标识）。",
)
@click.option(
    "--year",
    type=click.IntRange(1900, 2200),
    default=None,
    help="要求的年度：其他年度的文件给出警告（默认：与同批多数文件比较）。",
)
@click.option(
    "--narrative",
    "narrative_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="第三部分情况说明（.txt、.md 或 .docx）：逐句核对其中的数字与表（规则族 N；只能审核一个文件）。",
)
def validate(
    paths: tuple[str, ...],
    fmt: str,
    annotate_dir: Path | None,
    jobs: int | None,
    fail_on: str,
    summary_file: Path | None,
    expect: str | None,
    year: int | None,
    narrative_file: Path | None,
) -> None:
    """审核工作簿（.xlsx）或 JSON 报告；PATH 可以是文件、目录或通配符。

    \b
    示例：xlreport validate 回收/*.xlsx --jobs 2 --format json > 结果.json
         xlreport validate 回收/ --edition 本省表样版本   # 其他版本的文件判为无法审核
         xlreport validate out/jincheng-2022.json   # xlreport demo -o out 复制的参考报告
         xlreport validate 报告.xlsx --narrative 情况说明.docx   # 核对情况说明中的数字
         xlreport validate --narrative 情况说明.txt   # 没有表时：核对文中数字之间的关系
    退出码：0 全部通过；1 有错误（--fail-on warning 时含警告）；2 用法错误或有文件无法读取。
    """
    from .batch import cross_check, expand_paths, run_batch
    from .validation import output
    from .validation.result import ValidationResult

    if expect is not None:
        _edition(expect)  # an unknown edition is a usage error before any file is read
    own = [p for p in (annotate_dir, summary_file) if p is not None]
    for target in own:  # an output that cannot be written stops the run before any file is read
        problem = output.unwritable(target, directory=target == annotate_dir)
        if problem:
            _fail(problem)
    if not paths and narrative_file is None:
        _fail("请给出要审核的文件（或只用 --narrative 审核一篇情况说明）")
    if not paths:  # a Part 3 text alone: its numbers against each other
        _text_only(narrative_file, fmt, fail_on)
    found = expand_paths(paths, exclude=own)
    for m in found.missing:
        click.echo(f"错误：找不到 {output.printable(m)}", err=True)
    for skipped in found.skipped:
        click.echo(f"跳过 {output.printable(skipped.path)}：{skipped.reason}", err=True)
    if not found.files:
        _fail("没有可审核的文件")
    narrative_text = None
    if narrative_file is not None:
        from .narrative.textfile import read_text

        if len(found.files) != 1:
            _fail("--narrative 只能与一个工作簿或 JSON 报告一起使用")
        narrative_text = read_text(narrative_file)  # ReportInputError: one line, exit 2
    workers = jobs or min(len(found.files), os.cpu_count() or 1)
    bar = _progress(len(found.files))
    started = time.perf_counter()
    annotate_to = str(annotate_dir) if annotate_dir else None
    if narrative_text is not None:
        results = [_with_narrative(found.files[0].path, narrative_text, expect, annotate_dir)]
    else:
        results = cross_check(run_batch(found.files, workers, annotate_to, bar, expect), year)
    result = ValidationResult(files=results, skipped=found.skipped)
    if bar is not None:
        bar.close()
    render = {"json": output.to_json, "csv": output.to_csv, "text": output.to_text}[fmt]
    click.echo(render(result), nl=False)
    if len(result.files) > 1 or summary_file:
        click.echo(output.stats_line(result, time.perf_counter() - started), err=True)
    if summary_file:
        output.write_summary(summary_file, result)  # an OutputError is one line, as every XlreportError
    if found.missing or result.stats.unreadable:
        sys.exit(EXIT_USAGE)
    if any(f.fails({"error"} if fail_on == "error" else {"error", "warning"}) for f in result.files):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _text_only(narrative_file: Path | None, fmt: str, fail_on: str) -> NoReturn:
    from .narrative.textfile import read_text
    from .validation import output
    from .validation.narrative import check_narrative_text
    from .validation.result import FileResult, ValidationResult

    assert narrative_file is not None
    findings = check_narrative_text(read_text(narrative_file))
    result = ValidationResult(files=[FileResult(path=str(narrative_file), findings=findings)])
    render = {"json": output.to_json, "csv": output.to_csv, "text": output.to_text}[fmt]
    click.echo(render(result), nl=False)
    failing = {"error"} if fail_on == "error" else {"error", "warning"}
    sys.exit(EXIT_FINDINGS if result.files[0].fails(failing) else EXIT_OK)


def _with_narrative(path: Path, text: str, expect: str | None, annotate_dir: Path | None) -> Any:
    """One file validated in this process, with the findings of its Part 3 text."""
    from .api import validate_file
    from .validation.narrative import check_narrative

    target = annotate_dir / path.name if annotate_dir is not None else None
    result = validate_file(path, expect, target)
    if result.report is None:
        return result
    findings = [*result.findings, *check_narrative(result.report, text)]
    return result.model_copy(update={"findings": findings})


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
    from .fileio import write_text
    from .validation.workbook import validate_workbook

    result = validate_workbook(workbook)
    if result.report is None:
        reason = result.findings[0].message if result.findings else "未知原因"
        _fail(f"无法读取 {workbook}：{reason}")
    text = report_to_json(result.report) if fmt == "json" else report_to_csv(result.report)
    write_text(output, text, encoding="utf-8" if fmt == "json" else "utf-8-sig")
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
    import json

    from .rules.catalog import rules_json, rules_markdown
    from .validation.catalog import catalog_json, catalog_markdown

    edition = _edition(edition_id)
    if fmt == "markdown":
        click.echo(rules_markdown(edition) + "\n" + catalog_markdown(), nl=False)
    else:
        doc = {**json.loads(rules_json(edition)), **catalog_json()}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


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


@main.command()
@click.argument("report_path", metavar="REPORT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出文件：.docx、.md 或 .txt。",
)
@click.option(
    "--previous",
    "previous_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="上年的工作簿或 JSON 报告：填入上年数（收入支出总计、“三公”经费、机关运行经费等）。",
)
def narrative(report_path: Path, output: Path, previous_path: Path | None) -> None:
    """由表生成第三部分情况说明（每个数字都取自表或填报的上年数、年初预算）。

    \b
    示例：xlreport narrative 报告.xlsx -o 情况说明.docx --previous 上年.xlsx
         xlreport narrative out/jincheng-2022.json -o 情况说明.md
    未填写的上年数、原因等显示为【…】，请补写后再发布。
    """
    from .narrative.generate import generate, previous_inputs
    from .narrative.textfile import write_document

    if output.suffix.lower() not in (".docx", ".md", ".txt"):
        _fail(f"输出文件应为 .docx、.md 或 .txt：{output}")
    report = _report_of(report_path)
    inputs = previous_inputs(report, _report_of(previous_path)) if previous_path is not None else {}
    doc = generate(report, inputs)  # last year's report, when given, over the inputs the report carries
    write_document(doc, output)
    missing = doc.text.count("【")
    note = f"，{missing} 处待填写（【…】）" if missing else ""
    click.echo(f"已生成 {output}{note}", err=True)


def _report_of(path: Path) -> Any:
    """The report of a JSON file or a workbook (its 情况说明 inputs included); a usage error otherwise."""
    if path.suffix.lower() == ".json":
        from .api import load_report

        return load_report(path)  # ReportInputError: one line, exit 2
    from .validation.workbook import validate_workbook

    result = validate_workbook(path)
    if result.report is None:
        reason = result.findings[0].message if result.findings else "未知原因"
        _fail(f"无法从 {path} 读取报告：{reason}")
    return result.report
