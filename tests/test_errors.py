"""One exception base class: everything xlreport refuses is an XlreportError with a Chinese message."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import xlreport
from xlreport.cli import main
from xlreport.rules.compute import DefinitionCycle
from xlreport.rules.parser import RuleSyntaxError


def test_the_hierarchy_is_exported_and_keeps_the_builtin_bases():
    assert issubclass(xlreport.ReportInputError, xlreport.XlreportError)
    assert issubclass(xlreport.ReportInputError, ValueError)
    assert issubclass(xlreport.EditionError, KeyError) and issubclass(xlreport.OutputError, OSError)
    assert issubclass(xlreport.WorkbookError, xlreport.XlreportError)
    assert issubclass(RuleSyntaxError, xlreport.EditionError) and issubclass(RuleSyntaxError, ValueError)
    assert issubclass(DefinitionCycle, xlreport.EditionError)


def test_an_unknown_edition_is_one_message_everywhere():
    with pytest.raises(xlreport.EditionError) as info:
        xlreport.load_edition("nowhere-1999")
    message = str(info.value)
    assert message.startswith("未知的表样版本“nowhere-1999”（可用：") and "shanxi-2022" in message
    with pytest.raises(xlreport.ReportInputError) as bad_input:
        xlreport.load_report({"meta": {"edition": "nowhere-1999"}})
    assert str(bad_input.value.issues[0]) == f"meta.edition：{message}"
    result = CliRunner().invoke(main, ["rules", "--edition", "nowhere-1999"])
    assert result.exit_code == 2 and result.stderr == f"错误：{message}\n"
