"""Editions found outside the package: --edition-path, XLREPORT_EDITIONS, entry points, overriding, and the
acceptance run: an edition copied with `edition new`, edited, drives every command with no code change."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xlreport import EditionError
from xlreport.authoring.scaffold import new_edition
from xlreport.cli import main
from xlreport.editions.loader import (
    ENV_VAR,
    available_editions,
    configure_editions,
    forget_editions,
    load_edition,
    locate,
)
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_template

from .conftest import reference_data

NEW = "acme-2023"


@pytest.fixture(autouse=True)
def clean_config(monkeypatch):
    """Every test starts and ends with only the shipped editions (the CLI configures in-process)."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    configure_editions([])
    yield
    configure_editions([])


@pytest.fixture()
def editions_dir(tmp_path: Path) -> Path:
    root = tmp_path / "editions"
    new_edition(NEW, "shanxi-2022", root)
    return root


def test_an_edition_on_the_path_is_found_and_a_workbook_of_it_needs_the_path(tmp_path, editions_dir):
    assert NEW not in available_editions()
    configure_editions([editions_dir])
    assert NEW in available_editions()
    edition = load_edition(NEW)
    assert edition.id == NEW and locate(NEW).origin == "--edition-path"
    path = write_template(tmp_path / "t.xlsx", edition, "某局", 2023).path
    assert validate_workbook(path).report is not None
    configure_editions([])
    result = validate_workbook(path)
    assert [f.code for f in result.findings] == ["unknown-edition"]
    assert "--edition-path" in result.findings[0].message and NEW in result.findings[0].message


def test_the_environment_variable_names_several_directories(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    new_edition("one-2023", "shanxi-2022", a)
    new_edition("two-2023", "shanghai-2024", b / "nested")  # a folder of editions, one level down
    monkeypatch.setenv(ENV_VAR, f"{a}{__import__('os').pathsep}{b / 'nested'}")
    forget_editions()
    assert {"one-2023", "two-2023"} <= set(available_editions())
    assert locate("two-2023").origin == ENV_VAR


def test_a_folder_given_directly_is_one_edition(editions_dir):
    configure_editions([editions_dir / NEW])
    assert load_edition(NEW).info.id == NEW


def test_a_shipped_id_is_an_error_unless_overriding(tmp_path):
    root = tmp_path / "mine"
    folder = new_edition("shanxi-x", "shanxi-2022", root)
    text = (folder / "edition.toml").read_text(encoding="utf-8").replace('id = "shanxi-x"', 'id = "shanxi-2022"')
    (folder / "edition.toml").write_text(text.replace('region = "山西"', 'region = "本省"'), encoding="utf-8")
    configure_editions([root])
    with pytest.raises(EditionError, match=r"与内置版本同名.*--override-edition"):
        available_editions()
    configure_editions([root], override=True)
    assert load_edition("shanxi-2022").info.region == "本省"
    assert locate("shanxi-2022").origin == "--edition-path"
    configure_editions([])
    assert load_edition("shanxi-2022").info.region == "山西"


def test_two_user_editions_with_one_id_are_an_error(tmp_path):
    new_edition(NEW, "shanxi-2022", tmp_path / "a")
    new_edition(NEW, "shanxi-2022", tmp_path / "b")
    configure_editions([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(EditionError, match="出现两次"):
        load_edition(NEW)


def test_a_missing_directory_is_one_clear_error(tmp_path):
    configure_editions([tmp_path / "nowhere"])
    with pytest.raises(EditionError, match="表样版本目录不存在"):
        available_editions()


def test_an_entry_point_brings_editions(tmp_path, monkeypatch):
    site = tmp_path / "site"
    package = site / "acme_editions"
    new_edition("plugin-2023", "shanghai-2024", package)
    (package / "__init__.py").write_text("", encoding="utf-8")
    info = site / "acme_editions-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-editions\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[xlreport.editions]\nacme = acme_editions\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    forget_editions()
    assert "plugin-2023" in available_editions()
    assert locate("plugin-2023").origin.startswith("入口点 acme")
    assert load_edition("plugin-2023").info.amount_unit == "万元"
    sys.modules.pop("acme_editions", None)


def test_an_invalid_user_edition_names_the_check_command(editions_dir):
    tables = editions_dir / NEW / "tables.toml"
    tables.write_text(tables.read_text(encoding="utf-8").replace('role = "amount"', 'role = "amonut"', 1), "utf-8")
    configure_editions([editions_dir])
    with pytest.raises(EditionError, match="xlreport edition check"):
        load_edition(NEW)


def test_an_edition_may_bring_its_own_scorecard_form(tmp_path, editions_dir):
    """scorecard.toml beside edition.toml replaces common/scorecard.toml: written, read back, validated."""
    folder = editions_dir / NEW
    common = Path(__import__("xlreport").__file__).parent / "editions" / "data" / "common" / "scorecard.toml"
    form = common.read_text(encoding="utf-8")
    assert "预算执行情况" in form
    (folder / "scorecard.toml").write_text(form.replace("预算执行情况", "资金执行情况（本省）"), encoding="utf-8")
    edition_text = (folder / "edition.toml").read_text(encoding="utf-8")
    (folder / "edition.toml").write_text(edition_text.replace('form = "common/scorecard.toml"\n', ""), "utf-8")
    configure_editions([editions_dir])
    edition = load_edition(NEW)
    assert edition.scorecard.form.budget.title == "一、资金执行情况（本省）"
    assert load_edition("shanxi-2022").scorecard.form.budget.title == "一、预算执行情况"
    data = reference_data()
    data["meta"]["edition"] = NEW
    from xlreport.api import load_report
    from xlreport.write.writer import write_report

    report = load_report(data)
    path = write_report(tmp_path / "r.xlsx", report).path
    sheet = load_workbook(path)["绩效自评1"]
    texts = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert "一、资金执行情况（本省）" in texts and "一、预算执行情况" not in texts
    result = validate_workbook(path)
    assert result.report is not None and result.report.scorecards == report.scorecards  # read back by the new form
    assert [f.rule_id for f in result.findings] == ["R10-1", "K4"]  # the reference's: fill keeps 公开10's 合计


# ---------------------------------------------------------------------- acceptance: no code change
def _edit(folder: Path) -> None:
    """A bureau's edits: a row label of 公开01 and a rule (R10-1 becomes a warning)."""
    tables = folder / "tables.toml"
    text = tables.read_text(encoding="utf-8")
    old = '{key = "general_budget", line = 1, label = "一、一般公共预算财政拨款收入"}'
    assert old in text
    tables.write_text(text.replace(old, old.replace("财政拨款收入", "财政拨款收入（本省）")), encoding="utf-8")
    rules = folder / "rules.toml"
    text = rules.read_text(encoding="utf-8")
    assert 'id = "R10-1"\n' in text
    rules.write_text(text.replace('id = "R10-1"\n', 'id = "R10-1"\nseverity = "warning"\n'), encoding="utf-8")


def test_a_copied_edited_edition_drives_every_command(tmp_path):
    run = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        result = run.invoke(main, list(args), catch_exceptions=False)
        configure_editions([])  # each command is its own process in real life
        return result.exit_code, result.stdout

    editions = tmp_path / "editions"
    code, out = cli("edition", "new", NEW, "--from", "shanxi-2022", "-o", str(editions))
    assert code == 0 and (editions / NEW / "edition.toml").is_file()
    _edit(editions / NEW)
    code, out = cli("edition", "check", str(editions / NEW), "--no-libreoffice")
    assert (code, out.strip()) == (0, "未发现问题")
    path = ("--edition-path", str(editions))

    code, out = cli("edition", "list", *path)
    assert code == 0 and any(line.startswith(NEW) and "--edition-path" in line for line in out.splitlines())

    template = tmp_path / "模板.xlsx"
    code, _ = cli("template", *path, "--edition", NEW, "--dept", "某某局", "--year", "2023", "-o", str(template))
    assert code == 0
    labels = {c.value for row in load_workbook(template)["公开01"].iter_rows() for c in row}
    assert "一、一般公共预算财政拨款收入（本省）" in labels

    data = reference_data()
    data["meta"]["edition"] = NEW
    report = tmp_path / "report.json"
    report.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    filled = tmp_path / "填报.xlsx"
    code, _ = cli("fill", *path, str(report), "-o", str(filled), "--as-published")
    assert code == 0

    # the edited rule: R10-1 is a warning now, so the published report is valid (R10-1 and K4 warnings);
    # the filled workbook keeps every published figure, so it gives the same findings as the report
    warnings = [("K4", "warning"), ("R10-1", "warning")]
    for source, expected in ((report, warnings), (filled, warnings)):
        code, out = cli("validate", *path, str(source), "--format", "json")
        assert code == 0, out
        (file,) = json.loads(out)["files"]
        assert file["edition"] == NEW
        assert sorted((f["rule_id"], f["severity"]) for f in file["findings"]) == expected
    code, out = cli("validate", *path, str(filled), str(template), "--jobs", "2", "--format", "json")
    assert code == 0 and len(json.loads(out)["files"]) == 2  # worker processes find the edition too

    code, out = cli("validate", str(filled), "--format", "json")  # without the path: unknown, exit 2
    assert code == 2
    (finding,) = json.loads(out)["files"][0]["findings"]
    assert finding["code"] == "unknown-edition" and "--edition-path" in finding["message"]

    exported = tmp_path / "导出.json"
    code, _ = cli("export", *path, str(filled), "-o", str(exported))
    assert code == 0
    back = json.loads(exported.read_text(encoding="utf-8"))
    assert back["meta"]["edition"] == NEW
    published = json.loads(report.read_text(encoding="utf-8"))
    assert back["tables"]["T01"] == published["tables"]["T01"] and back["tables"]["T03"] == published["tables"]["T03"]

    schemas = tmp_path / "schemas"
    code, out = cli("schema", *path, "--edition", NEW, "-o", str(schemas))
    assert code == 0
    schema = (schemas / f"report-{NEW}.schema.json").read_text(encoding="utf-8")
    assert "财政拨款收入（本省）" in schema
    assert not (schemas / "report-shanxi-2022.schema.json").exists()


def test_a_broken_user_edition_does_not_stop_other_workbooks(tmp_path, editions_dir, edition):
    (editions_dir / NEW / "tables.toml").write_text("[[tables]\n", encoding="utf-8")  # not TOML
    path = write_template(tmp_path / "t.xlsx", edition, "某局", 2023).path
    configure_editions([editions_dir])
    assert NEW in available_editions()
    with pytest.raises(EditionError, match="xlreport edition check"):
        load_edition(NEW)
    result = validate_workbook(path)
    assert result.readable and [f.code for f in result.findings] == ["not-filled"]
