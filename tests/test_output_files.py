"""Every file xlreport writes is written whole, with the permissions the user's umask gives."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlreport import OutputError, XlreportError
from xlreport.cli import main
from xlreport.fileio import atomic_write, write_text

from .conftest import EXAMPLE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture(params=[0o022, 0o002], ids=["umask022", "umask002"])
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(*args: str) -> None:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output


def test_every_command_writes_files_the_umask_allows(umask, tmp_path):
    expected = 0o666 & ~umask
    template, filled = tmp_path / "模板.xlsx", tmp_path / "晋城.xlsx"
    _run("template", "--dept", "某某局", "--year", "2023", "-o", str(template))
    _run("fill", str(EXAMPLE), "-o", str(filled))
    _run("export", str(filled), "-o", str(tmp_path / "x.json"))
    _run("export", str(filled), "-o", str(tmp_path / "x.csv"), "--format", "csv")
    _run("schema", "-o", str(tmp_path / "schemas"))
    for summary in ("汇总.csv", "汇总.xlsx"):
        _run("validate", str(template), "--summary", str(tmp_path / summary), "--annotate", str(tmp_path / "标注"))
    written = [template, filled, tmp_path / "x.json", tmp_path / "x.csv", tmp_path / "汇总.csv", tmp_path / "汇总.xlsx"]
    written += [tmp_path / "标注" / "模板.审核.xlsx", *sorted((tmp_path / "schemas").iterdir())]
    assert len(written) >= 9
    assert {p.name: _mode(p) for p in written} == {p.name: expected for p in written}
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]  # no debris


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_write(target) as tmp:
        Path(tmp).write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_an_unwritable_output_is_one_chinese_sentence_naming_the_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "out.json"  # a directory that is a file: cannot be created
    with pytest.raises(OutputError) as info:
        write_text(target, "{}")
    assert isinstance(info.value, XlreportError) and isinstance(info.value, OSError)
    assert str(info.value).startswith(f"无法写入 {target}：")
    result = CliRunner().invoke(main, ["template", "--dept", "某局", "--year", "2023", "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"错误：{info.value}" and "Traceback" not in result.output
