"""`xlreport narrative` writes Part 3 (.txt, .md, .docx); `xlreport validate --narrative` and the JSON's
``narrative_text`` check one against the tables."""

from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner

from xlreport import examples
from xlreport.api import check
from xlreport.cli import main
from xlreport.narrative.generate import generate
from xlreport.narrative.textfile import read_text

from .test_narrative_text import SEED


@pytest.mark.parametrize("suffix", [".txt", ".md", ".docx"])
def test_narrative_command_writes_a_text_that_reads_back_and_checks_clean(tmp_path, suffix):
    out = tmp_path / f"情况说明{suffix}"
    run = CliRunner().invoke(main, ["narrative", str(examples.path("jincheng-2022")), "-o", str(out)])
    assert run.exit_code == 0, run.output
    text = read_text(out)
    assert "一般公共服务支出(类)3,970,402.21元，占比83.11%" in text
    assert "收入总计减少3,032,571.06元，下降38.83%" in text
    if suffix == ".docx":
        with zipfile.ZipFile(out) as z:
            assert z.namelist() == ["[Content_Types].xml", "_rels/.rels", "word/document.xml"]
    if suffix == ".md":
        assert text.startswith("# 第三部分 情况说明") and "\n### （二）财政拨款支出决算结构情况\n" in text
    checked = CliRunner().invoke(
        main, ["validate", str(examples.path("jincheng-2022")), "--narrative", str(out), "--format", "json"]
    )
    codes = [f["code"] for f in json.loads(checked.output)["files"][0]["findings"] if f["family"] == "N"]
    assert codes == ["narrative-relation"]  # 总额 75,425.00 beside parts adding to 130,652.46 (the table's R10-1)


def test_previous_fills_last_years_figures(tmp_path):
    data = json.loads(examples.path("jincheng-2022").read_text(encoding="utf-8"))
    this = dict(data, narrative={})  # no inputs of its own
    (tmp_path / "this.json").write_text(json.dumps(this, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "p.txt"
    args = ["narrative", str(tmp_path / "this.json"), "-o", str(out)]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0 and "处待填写" in run.output
    assert "收入总计【未填】" not in out.read_text(encoding="utf-8")  # the change placeholder says so instead
    assert "【未填】" in out.read_text(encoding="utf-8")
    run = CliRunner().invoke(main, [*args, "--previous", str(examples.path("jincheng-2022"))])
    assert run.exit_code == 0, run.output
    text = out.read_text(encoding="utf-8")
    assert "与2021年相比，收入总计持平，支出总计持平。" in text  # last year's report is this one
    assert "公务用车运行维护费支出15,847.59元，完成全年预算的100.00%，与上年相同" in text


def test_validate_narrative_on_the_published_text(tmp_path):
    run = CliRunner().invoke(main, ["validate", str(examples.path("jincheng-2022")), "--narrative", str(SEED)])
    assert run.exit_code == 1
    assert "【情况说明】" in run.output and "金额6880没有写单位（应为6,880.00元）" in run.output
    two = CliRunner().invoke(
        main, ["validate", str(examples.path("jincheng-2022")), str(SEED), "--narrative", str(SEED)]
    )
    assert two.exit_code == 2 and "只能与一个" in two.output


def test_json_narrative_text_is_checked():
    data = json.loads(examples.path("jincheng-2022").read_text(encoding="utf-8"))
    text = generate(examples.load("jincheng-2022")).text.replace("下降38.83%", "增长38.83%", 1)
    found = [f for f in check(dict(data, narrative_text=text)).findings if f.family == "N"]
    assert sorted(f.code for f in found) == ["narrative-direction", "narrative-relation"]
    direction = next(f for f in found if f.code == "narrative-direction")
    assert direction.narrative.section == "一" and direction.narrative.sentence == 2
    assert direction.actual == "增长" and direction.expected == "下降" and direction.rule_id == "N1"
    assert "公开01" in direction.message
    assert not [f for f in check(data).findings if f.family == "N"]


def test_docx_reader_takes_paragraphs_and_refuses_what_is_not_a_docx(tmp_path):
    doc = tmp_path / "a.docx"
    with zipfile.ZipFile(doc, "w") as z:
        z.writestr(
            "word/document.xml",
            '<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>一、标题</w:t></w:r></w:p>'
            '<w:p><w:r><w:t xml:space="preserve">收入总计4,777,</w:t></w:r><w:r><w:t>056.13元&amp;</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    assert read_text(doc) == "一、标题\n收入总计4,777,056.13元&"
    bad = tmp_path / "b.docx"
    bad.write_text("not a zip", encoding="utf-8")
    run = CliRunner().invoke(main, ["validate", str(examples.path("jincheng-2022")), "--narrative", str(bad)])
    assert run.exit_code == 2 and "不是 Word 文档" in run.output
    gbk = tmp_path / "c.txt"
    gbk.write_bytes("一、收入支出决算总体情况说明\n收入总计１００元".encode("gb18030"))
    assert "收入总计１００元" in read_text(gbk)


def test_validate_a_text_alone():
    from .test_narrative_real import DATA

    run = CliRunner().invoke(main, ["validate", "--narrative", str(DATA / "tianshui-kindergarten-2017.txt")])
    assert run.exit_code == 1 and "应为103.32%" in run.output
    clean = CliRunner().invoke(main, ["validate", "--narrative", str(DATA / "sichuan-dyrmt-2022.txt")])
    assert clean.exit_code == 0 and "通过" in clean.output
    assert CliRunner().invoke(main, ["validate"]).exit_code == 2


def test_reasons_typed_in_the_workbook_reach_the_generated_text(tmp_path):
    from openpyxl import load_workbook

    from xlreport.write.writer import write_report

    path = tmp_path / "ref.xlsx"
    write_report(path, examples.load("jincheng-2022"))
    wb = load_workbook(path)
    sheet, coord = next(iter(wb.defined_names["xr.N.reason.reason_running_costs"].destinations))
    wb[sheet][coord.replace("$", "")].value = "新设机关运行经费科目"
    wb.save(path)
    out = tmp_path / "p.txt"
    run = CliRunner().invoke(main, ["narrative", str(path), "-o", str(out)])
    assert run.exit_code == 0, run.output
    text = out.read_text(encoding="utf-8")
    assert "主要原因是：新设机关运行经费科目。" in text
    assert "收入总计减少3,032,571.06元，下降38.83%" in text  # the inputs read back from the sheet
