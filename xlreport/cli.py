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


def _add_paths(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]) -> None:
    from .editions.loader import add_edition_path

    for path in value:
        add_edition_path(path)


def _set_override(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        from .editions.loader import configure_editions, editions_config

        configure_editions(editions_config()[0], override=True)


def edition_path_options(f: Any) -> Any:
    """``--edition-path DIR`` (repeatable) and ``--override-edition``: on the group and on every command
    that takes an edition or reads files."""
    f = click.option(
        "--override-edition",
        is_flag=True,
        expose_value=False,
        callback=_set_override,
        help="允许 --edition-path 等处的表样版本替换同名的内置版本（默认同名为错误）。",
    )(f)
    return click.option(
        "--edition-path",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        multiple=True,
        expose_value=False,
        callback=_add_paths,
        help="表样版本所在的目录（一个版本的文件夹，或存放多个版本的文件夹；可重复；另见环境变量 XLREPORT_EDITIONS）。",
    )(f)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="xlreport", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="出错时显示完整的错误堆栈。")
@edition_path_options
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
@edition_path_options
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
@click.option(
    "--entry-unit",
    type=click.Choice(["元", "万元"]),
    default=None,
    help="填报的金额单位（默认：表样印出的单位）。万元表样选“元”：在“（元）”工作表中按元填写、按元计算，"
    "印出的万元表每格是其元数单独四舍五入的结果。",
)
@click.option(
    "--no-shading",
    is_flag=True,
    help="填报单元格不加浅黄色底色（打印时不出现底色；填报单元格仍是未锁定的单元格）。",
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
    entry_unit: str | None,
    no_shading: bool,
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
    if entry_unit not in (None, edition.info.amount_unit) and entry_unit != "元":
        _fail(f"表样 {edition.id} 印出{edition.info.amount_unit}，不能按{entry_unit}填报")
    result = write_template(
        output, edition, dept, year, code_list or None, unit_type, scorecards, entry_unit, shading=not no_shading
    )
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
@edition_path_options
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--as-published",
    is_flag=True,
    help="每个合计数都按印刷数写为常数、不写公式：各表与公开的完全一致，勾稽关系只在“审核”表中核对。",
)
@click.option(
    "--for-print",
    is_flag=True,
    help="出版样式：不加底色，不含“填表说明”“审核”等辅助工作表，只留印出的各表（绩效自评表的辅助列在打印区域之外）。",
)
def fill(data: Path, output: Path, as_published: bool, for_print: bool) -> None:
    """由 JSON 报告生成已填报的工作簿。

    每个印刷的数都原样留在原处，空白仍为空白。公式算出的正是印刷数时写公式；与各项之和只差四舍五入
    尾差的合计数按印刷数保留（浅蓝色），与关系矛盾的按印刷数保留（橙色），均在“审核”表中核对。

    \b
    示例：xlreport fill out/jincheng-2022.json -o 晋城.xlsx --as-published
          xlreport fill out/jincheng-2022.json -o 晋城-印刷.xlsx --for-print
    """
    from .api import load_report
    from .write.writer import write_report

    report = load_report(data)
    result = write_report(output, report, as_published=as_published, for_print=for_print)
    for f in result.contradictions:
        if f.severity == "error":
            click.echo(f"注意：{f.message}（已按印刷数保留）", err=True)
    click.echo(
        f"已生成 {result.path}（公式 {result.formulas} 个，按印刷数保留的合计数 {result.reported} 个）", err=True
    )


@main.command()
@edition_path_options
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
@edition_path_options
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
@edition_path_options
@_output_dir(Path("schemas"))
@click.option("--edition", "edition_ids", multiple=True, help="只写这些表样版本的输入格式（可重复；默认：全部版本）。")
def schema(directory: Path, edition_ids: tuple[str, ...]) -> None:
    """写出输入格式（及审核结果）的 JSON Schema。

    \b
    示例：xlreport schema -o schemas
         xlreport schema --edition-path 我省表样 --edition hubei-2023 -o schemas
    """
    from .schemas import write_schemas

    for edition_id in edition_ids:
        _edition(edition_id)  # an unknown edition: one line, exit 2
    for path in write_schemas(directory, edition_ids or None):
        click.echo(str(path))


@main.command()
@edition_path_options
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


@main.group()
def edition() -> None:
    """表样版本：列出、查看、复制出新版本、检查版本文件。

    \b
    示例：xlreport edition list
         xlreport edition new hubei-2023 --from 相近的内置版本 -o 我省表样
         xlreport edition check 我省表样/hubei-2023
         xlreport template --edition-path 我省表样 --edition hubei-2023 --dept 某某局 --year 2023 -o 模板.xlsx
    """


@edition.command("list")
@edition_path_options
def edition_list() -> None:
    """列出全部表样版本（内置的和 --edition-path 等处找到的）。"""
    from .editions.loader import default_edition, edition_locations, load_edition

    default = default_edition()
    for loc in edition_locations():
        info = load_edition(loc.id).info
        mark = "（默认）" if loc.id == default else ""
        click.echo(
            f"{loc.id}{mark}\t{info.name}\t{info.region}\t{info.year}\t{info.amount_unit}\t{loc.origin}\t{loc.folder}"
        )


@edition.command("show")
@click.argument("edition_id")
@edition_path_options
def edition_show(edition_id: str) -> None:
    """显示一个表样版本：来源、表、行、栏和规则数。"""
    from .authoring.describe import describe
    from .editions.loader import locate

    click.echo(describe(_edition(edition_id), locate(edition_id)), nl=False)


@edition.command("new")
@click.argument("edition_id")
@click.option("--from", "base", required=True, help="作为起点的表样版本（内置的或 --edition-path 上的）。")
@click.option(
    "-o",
    "--output",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="存放新版本文件夹的目录（新版本在其下的 EDITION_ID 文件夹；此目录可交给 --edition-path）。",
)
@edition_path_options
def edition_new(edition_id: str, base: str, directory: Path) -> None:
    """复制一个表样版本为新版本（改名，其余照抄），以便修改。

    \b
    示例：xlreport edition new hubei-2023 --from 相近的内置版本 -o 我省表样
    """
    from .authoring.scaffold import new_edition

    folder = new_edition(edition_id, base, directory)
    click.echo(f"已生成 {folder}：修改其中的 TOML 文件后运行 xlreport edition check {folder}", err=True)


@edition.command("check")
@click.argument("target")
@click.option("--no-libreoffice", is_flag=True, help="不用 LibreOffice 重算模板（未安装时自动跳过）。")
@edition_path_options
def edition_check(target: str, no_libreoffice: bool) -> None:
    """检查表样版本的文件（TARGET：版本文件夹，或已找到的版本编号）。

    \b
    检查：TOML 语法和未知的键；类表与编码；规则、行的 inputs/disabled 和情况说明引用的行、栏是否存在；
    关系式能否解析、形式是否正确；重复定义和循环定义；每张表能否排版；绩效自评表样式；
    用模板在 LibreOffice 中重算是否与缓存值一致。每个问题给出文件、行号和键。
    退出码：0 未发现问题；1 有问题；2 用法错误。
    """
    from .authoring.check import check_edition, render
    from .authoring.office import soffice

    folder = Path(target)
    if not folder.is_dir():
        from .editions.loader import locate

        folder = Path(str(locate(target).folder))  # an edition id; EditionError when unknown
    if not (folder / "edition.toml").is_file():
        _fail(f"{folder} 不是表样版本文件夹（没有 edition.toml）")
    problems = check_edition(folder, libreoffice=not no_libreoffice)
    click.echo(render(problems), nl=False)
    if not no_libreoffice and soffice() is None:
        click.echo("注意：没有安装 LibreOffice，未做模板重算检查", err=True)
    sys.exit(EXIT_FINDINGS if problems else EXIT_OK)


@main.command()
@_output_dir(Path("out"))
def demo(directory: Path) -> None:
    """演示：生成空白模板和参考报告（晋城市政务服务中心 2022）的工作簿，并审核参考报告。

    \b
    示例：xlreport demo -o out
    """
    from .demo import run_demo

    sys.exit(run_demo(directory))


@main.command(name="merge")
@click.argument("returns", nargs=-1, required=True)
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="汇总表：.xlsx 工作簿或 .json 报告。"
)
@click.option("--dept", required=True, help="部门名称（汇总表的部门名称）。")
@click.option(
    "--self",
    "self_file",
    type=click.Path(path_type=Path),
    default=None,
    help="部门本级的报表（工作簿或 JSON），排在各单位之前。",
)
@click.option("--force", is_flag=True, help="有审核错误的单位也照原数汇总（汇总明细中注明）。")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="读取和审核报表的进程数（默认：CPU 核数）。")
def merge_command(
    returns: tuple[str, ...], output: Path, dept: str, self_file: Path | None, force: bool, jobs: int | None
) -> None:
    """汇总：把部门本级和所属单位的报表汇总为部门决算公开表。

    \b
    同一表样版本、年度和金额单位的报表逐格相加：固定行按行，公开02/03/05/08/09 按功能分类科目编码
    （各单位编码的并集，按编码排序），车辆数等统计数相加，情况说明的输入相加，项目绩效自评表逐张保留。
    工作簿带公式和审核表，另加“汇总明细”表：每个合计数由哪些单位构成。
    \b
    示例：xlreport merge 回收/ --self 本级.xlsx --dept 某某局 -o 部门汇总.xlsx
         xlreport merge a.json b.json --dept 某某局 -o 部门汇总.json
    退出码：0 汇总表审核通过；1 汇总表有错误，或有单位的报表有错误（未用 --force）；
    2 用法错误、文件无法读取、版本/年度/金额单位不同或同一单位重复。
    """
    from .batch import expand_paths
    from .errors import UnitsInvalidError
    from .merge import consolidate, write_consolidation
    from .validation import output as out

    if self_file is not None and not self_file.is_file():
        _fail(f"找不到本级报表 {out.printable(str(self_file))}")
    problem = out.unwritable(output, directory=False)
    if problem:
        _fail(problem)
    named: dict[Path, str] = {}
    for given in returns:  # a file named twice would be read once: say so rather than merge it once silently
        path = Path(given)
        if path.is_file():
            key = path.resolve()
            if key in named:
                _fail(f"不能汇总：同一单位的报表重复报送（{given} 与 {named[key]} 是同一个文件），每个单位只能计入一次")
            named[key] = given
    exclude = [output] + ([self_file] if self_file is not None else [])
    found = expand_paths(returns, exclude=exclude)
    for m in found.missing:
        click.echo(f"错误：找不到 {out.printable(m)}", err=True)
    for skipped in found.skipped:
        click.echo(f"跳过 {out.printable(skipped.path)}：{skipped.reason}", err=True)
    if found.missing:
        sys.exit(EXIT_USAGE)
    if not found.files and self_file is None:  # 本级 alone is a department without subordinate units
        _fail("没有可汇总的报表")
    try:
        workers = jobs or min(len(found.files), os.cpu_count() or 1)
        files = [str(f.path) for f in found.files]
        result = consolidate(files, dept, self_return=self_file, force=force, jobs=workers)
    except UnitsInvalidError as exc:
        click.echo(f"错误：{exc}", err=True)
        for unit in exc.invalid:
            for f in [f for f in unit.findings if f.severity == "error"][:5]:  # type: ignore[attr-defined]
                click.echo(f"  {out.printable(unit.path)}：{f.message}", err=True)  # type: ignore[attr-defined]
        sys.exit(EXIT_FINDINGS)
    edition = result.report.edition
    for conflict in result.name_conflicts:
        click.echo(f"注意：{conflict.message(edition)}", err=True)
    for note in result.notes:
        click.echo(f"说明：{note}", err=True)
    if output.suffix.lower() == ".json":
        from .export import report_to_json
        from .fileio import write_text

        write_text(output, report_to_json(result.report))
    else:
        write_consolidation(output, result)
    own = sum(u.is_self for u in result.units)
    counts = {s: sum(f.severity == s for f in result.findings) for s in ("error", "warning", "info")}
    click.echo(
        f"已汇总 {len(result.units)} 份报表（本级 {own} 份）为 {output}；汇总表审核：错误 {counts['error']}，"
        f"警告 {counts['warning']}，提示 {counts['info']}",
        err=True,
    )
    for f in result.findings:
        if f.severity == "error":
            click.echo(f"  {f.message}", err=True)
    sys.exit(EXIT_FINDINGS if counts["error"] else EXIT_OK)


@main.command(name="compare")
@click.argument("this", type=click.Path(path_type=Path))
@click.argument("last", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None, help="同比表：.xlsx，或 .csv、.json、.txt。"
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def compare_command(this: Path, last: Path, output: Path | None, fmt: str) -> None:
    """同比：本年报表对比上年报表（工作簿或 JSON 报告）。

    \b
    每张表每一行（任一年度有数的）列出本年数、上年数、增减额（本年−上年）和增减率（增减额÷上年，
    两位小数；上年为零或空白时不计增减率，注明“上年无此项”）；标出新增和本年没有的行；增减超过
    表样版本规定的幅度（默认±10%）和金额的，标为需在情况说明中解释。
    \b
    示例：xlreport compare 2023.xlsx 2022.xlsx -o 同比.xlsx
         xlreport compare 2023.json 2022.json --format csv > 同比.csv
    退出码：0 完成；2 用法错误或文件无法读取。
    """
    from .compare import compare, to_csv, to_json, to_text
    from .validation import output as out

    for path in (this, last):
        if not path.is_file():
            _fail(f"找不到 {out.printable(str(path))}")
    renders = {"json": to_json, "csv": to_csv, "text": to_text}
    as_text = {".csv": "csv", ".json": "json", ".txt": "text"}
    if output is not None:
        problem = out.unwritable(output, directory=False)
        if problem:
            _fail(problem)
        if output.suffix.lower() not in (".xlsx", *as_text):
            _fail(f"同比表的文件类型只能是 .xlsx、.csv、.json 或 .txt：{out.printable(str(output))}")
    result = compare(this, last)  # ReportInputError / WorkbookError / CompareError: one line, exit 2
    asked = click.get_current_context().get_parameter_source("fmt") is not click.core.ParameterSource.DEFAULT
    if output is None or asked:  # with -o, the lines go to standard output only when --format asks for them
        click.echo(renders[fmt](result), nl=False)
    if output is None:
        sys.exit(EXIT_OK)
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        from .write.comparison import write_comparison

        write_comparison(output, result)
    else:
        from .fileio import write_text

        write_text(output, renders[as_text[suffix]](result), encoding="utf-8-sig" if suffix == ".csv" else "utf-8")
    if not asked:  # the lines on standard output carry the notes; with a file alone, say them here
        for note in result.notes:
            click.echo(f"说明：{note}", err=True)
    click.echo(f"已生成 {output}", err=True)
    sys.exit(EXIT_OK)


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


if __name__ == "__main__":  # pragma: no cover
    main()
