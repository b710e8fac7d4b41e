"""The examples ship inside the package and are reached through xlreport.examples, from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import xlreport
from xlreport import examples

from .conftest import ROOT


def test_examples_are_package_resources():
    assert examples.names() == ["jincheng-2022", "shanghai-district-2024"]
    for name in examples.names():
        path = examples.path(name)
        assert path.parent == Path(examples.__file__).parent  # inside the package, wherever it is installed
        assert examples.read_bytes(name) == path.read_bytes()
    assert not list(ROOT.glob("examples/*.json")), "one copy of each example: under xlreport/examples/"


def test_load_gives_the_report():
    report = examples.load(examples.REFERENCE)
    assert report.meta.unit_name == "晋城市政务服务中心" and report.meta.year == 2022
    assert examples.load("shanghai-district-2024").meta.amount_unit == "万元"
    assert [(f.rule_id, f.severity) for f in xlreport.check(report).findings] == [("R10-1", "error"), ("K4", "warning")]


def test_unknown_example_names_the_available_ones():
    with pytest.raises(KeyError, match="jincheng-2022"):
        examples.path("nowhere")


def test_version_is_one_value(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "xlreport", "--version"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout == f"xlreport {xlreport.__version__}\n"
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_demo_runs_outside_the_checkout(tmp_path):
    """The demo needs nothing from the working directory: the reference comes from the package."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "xlreport", "demo", "-o", "out"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    copied = tmp_path / "out" / "jincheng-2022.json"
    assert copied.read_bytes() == examples.read_bytes(examples.REFERENCE)
    assert f"{Path('out', 'jincheng-2022.json')} 不通过：错误1，警告1" in out.stdout
    assert json.loads(copied.read_text(encoding="utf-8"))["meta"]["edition"] == "shanxi-2022"
