"""`xlreport edition check`: every shipped edition passes; one planted error of each kind is reported with
its file and line (and key), in Chinese, and the exit code says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from xlreport.authoring.check import KINDS, Problem, check_edition
from xlreport.authoring.office import soffice
from xlreport.authoring.scaffold import new_edition
from xlreport.cli import main
from xlreport.editions.loader import available_editions, configure_editions, locate

COMMON = Path(__file__).resolve().parent.parent / "xlreport" / "editions" / "data" / "common"


@pytest.fixture(autouse=True)
def clean_config():
    configure_editions([])
    yield
    configure_editions([])


def _copy(tmp_path: Path, base: str = "shanxi-2022") -> Path:
    return new_edition("planted-2023", base, tmp_path)


def _plant(folder: Path, name: str, old: str, new: str, marker: str | None = None) -> int:
    """Replace ``old`` by ``new`` once in ``folder/name``; the line (1-based) where ``marker`` (default: the
    new text's first line) now stands."""
    path = folder / name
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    assert old in text, f"{old!r} not in {name}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    if marker is not None:  # a line of its own: its first occurrence in the file
        return next(i + 1 for i, line in enumerate(lines) if marker in line)
    if not new:
        return 0
    start = text[: text.index(new)].count("\n")  # the planted text's first line
    return next(i + 1 for i in range(start, len(lines)) if new.splitlines()[0] in lines[i])


def _only(problems: list[Problem], kind: str) -> Problem:
    assert problems, "no problem found"
    assert [p.kind for p in problems] == [kind], "\n".join(map(str, problems))
    return problems[0]


@pytest.mark.parametrize("edition_id", ["shanxi-2022", "shanghai-2024"])
def test_every_shipped_edition_passes(edition_id):
    """The lints on every shipped edition (their templates' LibreOffice parity: tests/test_libreoffice.py,
    and below for one edition through the check itself)."""
    assert edition_id in available_editions()
    problems = check_edition(str(locate(edition_id).folder), libreoffice=False)
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.sweep  # LibreOffice: .ci/run's sweep
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_check_recalculates_the_template_in_libreoffice():
    problems = check_edition(str(locate("shanghai-2024").folder), libreoffice=True)
    assert problems == [], "\n".join(map(str, problems))


ROW = '{key = "general_budget", line = 1, label = "一、一般公共预算财政拨款收入"}'
R10 = "T10[procurement_total].amount = T10[goods].amount + T10[works].amount + T10[services].amount"

PLANTS = {
    # kind: (file, old, new, marker, key fragment)
    "toml-syntax": ("tables.toml", ROW, ROW.replace('收入"}', "收入}"), None, "tables.toml"),
    "unknown-key": ("tables.toml", ROW, ROW.replace("label", "lable"), None, "lable"),
    "invalid-value": (
        "tables.toml",
        '{key = "code", role = "code", header = ["项目", "功能分类科目编码"], width = 11}',
        '{key = "code", role = "cod", header = ["项目", "功能分类科目编码"], width = 11}',
        None,
        "role",
    ),
    "classes": (
        "edition.toml",
        '["234", "抗疫特别国债安排的支出"],',
        '["234", "抗疫特别国债安排的支出"], ["201", "一般公共服务支出"],',
        '["234", "抗疫特别国债安排的支出"], ["201"',
        "classes[26]",
    ),
    "line-numbers": (
        "tables.toml",
        '{key = "gov_fund", line = 2,',
        '{key = "gov_fund", line = 1,',
        None,
        "gov_fund.line",
    ),
    "unknown-ref": ("rules.toml", R10, R10.replace("T10[goods]", "T10[goodz]"), None, "R10-1"),
    "bad-relation": ("rules.toml", R10, R10.replace("+ T10[works]", "+ * T10[works]"), None, "R10-1"),
    "defined-twice": ("rules.toml", 'id = "R10-2"', 'id = "R10-1"  # planted', None, "R10-1.id"),
    "cycle": (
        "rules.toml",
        'id = "R10-2"',
        'id = "Z-1"\nfamily = "R10"\ncode = "z"\ntables = ["T10"]\ndefine = true\ndescription = "z"\n'
        'relation = "T10[goods].amount = T10[procurement_total].amount - T10[works].amount"\n\n[[rules]]\n'
        'id = "R10-2"',
        'relation = "T10[goods].amount',
        "Z-1",
    ),
    "layout": (
        "tables.toml",
        '{key = "code", role = "code", header = ["项目", "功能分类科目编码"], width = 11}',
        '{key = "code", role = "label", header = ["项目", "功能分类科目编码"], width = 11}',
        'id = "T02"',
        "T02",
    ),
}


@pytest.mark.parametrize("kind", sorted(PLANTS))
def test_a_planted_error_is_reported_with_file_and_line(tmp_path, kind):
    file, old, new, marker, key = PLANTS[kind]
    folder = _copy(tmp_path)
    line = _plant(folder, file, old, new, marker)
    problem = _only(check_edition(folder, libreoffice=False), kind)
    assert (Path(problem.file).name, problem.line) == (file, line), str(problem)
    assert key in problem.key or key in problem.file, str(problem)
    assert KINDS[kind] in str(problem) and f"{file}:{line}" in str(problem)


def test_a_row_naming_a_column_its_panel_lacks(tmp_path):
    folder = _copy(tmp_path)
    line = _plant(
        folder,
        "tables.toml",
        '{econ = "311 31101 31199", disabled = ["basic"]}',
        '{econ = "311 31101 31199", disabled = ["basik"]}',
    )
    problem = _only(check_edition(folder, libreoffice=False), "unknown-ref")
    assert (Path(problem.file).name, problem.line) == ("tables.toml", line) and "basik" in problem.message


def test_narrative_naming_a_missing_row(tmp_path):
    folder = _copy(tmp_path)
    old = 'expr = "T01[income_grand_total].amount"'
    line = _plant(folder, "narrative.toml", old, old.replace("income_grand_total", "income_grand_totl"))
    problem = _only(check_edition(folder, libreoffice=False), "unknown-ref")
    assert (Path(problem.file).name, problem.line) == ("narrative.toml", line)


def test_a_defining_rule_must_define_one_cell(tmp_path):
    folder = _copy(tmp_path)
    line = _plant(
        folder,
        "rules.toml",
        R10,
        R10.replace("T10[procurement_total].amount =", "T10[procurement_total].amount + T10[goods].amount ="),
    )
    problem = _only(check_edition(folder, libreoffice=False), "bad-relation")
    assert (Path(problem.file).name, problem.line) == ("rules.toml", line) and "define" in problem.message


def test_an_own_scorecard_form_must_keep_the_models_fields(tmp_path):
    folder = _copy(tmp_path)
    form = (COMMON / "scorecard.toml").read_text(encoding="utf-8")
    (folder / "scorecard.toml").write_text(form, encoding="utf-8")
    _plant(folder, "edition.toml", 'form = "common/scorecard.toml"\n', "")
    assert check_edition(folder, libreoffice=False) == []
    line = _plant(folder, "scorecard.toml", '{key = "annual_budget",', '{key = "annual_budgetx",')
    problems = check_edition(folder, libreoffice=False)
    assert {p.kind for p in problems} == {"scorecard-form", "unknown-ref"}  # the K rules read that field too
    assert all("annual_budget" in p.message for p in problems if p.kind == "unknown-ref")
    extra = next(p for p in problems if p.key == "budget.annual_budgetx")
    assert (Path(extra.file).name, extra.line) == ("scorecard.toml", line)
    assert any(p.key == "budget.annual_budget" for p in problems)  # and the field it lost


def test_an_unknown_key_in_an_own_scorecard_form(tmp_path):
    folder = _copy(tmp_path)
    (folder / "scorecard.toml").write_text((COMMON / "scorecard.toml").read_text(encoding="utf-8"), "utf-8")
    line = _plant(folder, "scorecard.toml", '{key = "annual_budget",', '{key = "annual_budget", colour = "red",')
    problem = _only(check_edition(folder, libreoffice=False), "unknown-key")
    assert (Path(problem.file).name, problem.line) == ("scorecard.toml", line) and problem.key.endswith("colour")


def test_the_command_exit_code_and_lines(tmp_path):
    folder = _copy(tmp_path, "shanghai-2024")
    run = CliRunner()
    ok = run.invoke(main, ["edition", "check", str(folder), "--no-libreoffice"])
    assert (ok.exit_code, ok.stdout) == (0, "未发现问题\n")
    old = '{key = "gov_fund", label = "二、政府性基金预算财政拨款收入"}'
    line = _plant(folder, "tables.toml", old, old.replace("label", "labels"))
    bad = run.invoke(main, ["edition", "check", str(folder), "--no-libreoffice"])
    assert bad.exit_code == 1
    assert f"tables.toml:{line}: [unknown-key] 未知的键" in bad.stdout and bad.stdout.endswith("发现 1 个问题\n")
    missing = run.invoke(main, ["edition", "check", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "未知的表样版本" in missing.stderr


def test_a_file_that_is_not_utf8(tmp_path):
    folder = _copy(tmp_path)
    (folder / "narrative.toml").write_bytes("# 说明\n".encode("gbk"))
    problem = _only(check_edition(folder, libreoffice=False), "toml-syntax")
    assert Path(problem.file).name == "narrative.toml" and "UTF-8" in problem.message
