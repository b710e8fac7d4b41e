"""Golden files in XlsxWriter's style: the XML parts the writer writes, compared with committed copies.

The blank template and the filled reference are written, unzipped, and each compared part is
normalised (one element per line, so a failure and a ``git diff`` of tests/golden/ read line by line;
values that legitimately vary blanked) and compared with its copy under tests/golden/<case>/.
Left out: docProps/core.xml (timestamps), docProps/app.xml (sheet and name titles, repeated from
workbook.xml), xl/theme/theme1.xml (XlsxWriter's constant theme) and the 审核 sheet (a quarter of the
package, generated from the rules and tested through them), which keeps the golden files small.

When a change to the writer is meant, rewrite the golden files and review them with ``git diff``::

    XLREPORT_REGOLD=1 python3 -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xlsxwriter

import xlreport
from xlreport import load_edition
from xlreport.write.sheets import CHECK_SHEET
from xlreport.write.writer import WriteResult, write_report, write_template

from .conftest import EXAMPLE

GOLDEN = Path(__file__).resolve().parent / "golden"
MADE_WITH = GOLDEN / "MADE_WITH"  # the XlsxWriter version the golden files were written with
REGOLD = os.environ.get("XLREPORT_REGOLD") == "1"

CASES: dict[str, Callable[[Path], WriteResult]] = {
    "template": lambda path: write_template(path, load_edition("shanxi-2022"), "某某局", 2023),
    "reference": lambda path: write_report(path, xlreport.load_report(EXAMPLE)),
}
NOT_COMPARED = {"docProps/core.xml", "docProps/app.xml", "xl/theme/theme1.xml"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def normalise(part: str, xml: str) -> str:
    """``xml`` one element per line, with what legitimately varies between runs and releases blanked."""
    if part == "docProps/custom.xml":
        xml = re.sub(r'(name="xlreport\.version"><vt:lpwstr>)[^<]*', r"\1*", xml)
    return xml.strip().replace("><", ">\n<") + "\n"  # XlsxWriter escapes < and > in text and attributes


def check_sheet_part(package: zipfile.ZipFile) -> str:
    """The worksheet part of the 审核 sheet, found through workbook.xml and its relationships."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rel_id = next(s.get(REL) for s in workbook.iter(f"{MAIN}sheet") if s.get("name") == CHECK_SHEET)
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == rel_id)
    return "xl/" + str(target).removeprefix("/xl/")


def compared_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as package:
        skip = NOT_COMPARED | {check_sheet_part(package)}
        return {
            name: normalise(name, package.read(name).decode("utf-8"))
            for name in sorted(package.namelist())
            if name not in skip
        }


def golden_parts(case: str) -> dict[str, str]:
    root = GOLDEN / case
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()
    }


def regold(case: str, parts: dict[str, str]) -> None:
    shutil.rmtree(GOLDEN / case, ignore_errors=True)  # parts the writer no longer writes go too
    for name, text in parts.items():
        target = GOLDEN / case / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
    MADE_WITH.write_text(f"xlsxwriter {xlsxwriter.__version__}\n", encoding="utf-8")


def first_difference(got: dict[str, str], expected: dict[str, str], context: int = 60) -> str:
    """A readable account of where ``got`` first departs from ``expected``: the parts, or a unified diff."""
    if sorted(got) != sorted(expected):
        only_written, only_golden = sorted(set(got) - set(expected)), sorted(set(expected) - set(got))
        return f"parts differ: written only {only_written}, golden only {only_golden}"
    for name in expected:
        if got[name] != expected[name]:
            diff = difflib.unified_diff(
                expected[name].splitlines(), got[name].splitlines(), f"golden/{name}", f"written/{name}", lineterm=""
            )
            lines = list(diff)
            more = f"\n... {len(lines) - context} more diff lines" if len(lines) > context else ""
            return "\n".join(lines[:context]) + more
    return ""


@pytest.mark.parametrize("case", sorted(CASES))
def test_written_xml_parts_equal_the_golden_files(case: str, tmp_path: Path) -> None:
    written = compared_parts(CASES[case](tmp_path / f"{case}.xlsx").path)
    assert any(name.startswith("xl/worksheets/") for name in written) and "xl/workbook.xml" in written
    if REGOLD:
        regold(case, written)
    difference = first_difference(written, golden_parts(case))
    made_with = MADE_WITH.read_text(encoding="utf-8").strip() if MADE_WITH.exists() else "no golden files"
    now = f"xlsxwriter {xlsxwriter.__version__}"
    note = "" if made_with == now else f" (golden files made with {made_with}, written now with {now})"
    assert not difference, (
        f"{case}: the written workbook departs from tests/golden/{case}{note}; if the change is meant, "
        f"run XLREPORT_REGOLD=1 python3 -m pytest tests/test_golden.py and review git diff tests/golden\n{difference}"
    )


def test_the_comparison_finds_a_changed_part_and_shows_where() -> None:
    """The comparison itself: one changed attribute gives a diff naming the part and the line."""
    golden = {
        "xl/styles.xml": normalise("xl/styles.xml", '<styleSheet><fonts count="1"><font/></fonts></styleSheet>'),
        "xl/workbook.xml": normalise("xl/workbook.xml", '<workbook><sheets><sheet name="公开01"/></sheets></workbook>'),
    }
    changed = dict(golden)
    changed["xl/styles.xml"] = changed["xl/styles.xml"].replace("<fonts", '<fonts x="1"', 1)
    assert first_difference(golden, golden) == ""
    difference = first_difference(changed, golden)
    assert "golden/xl/styles.xml" in difference and '-<fonts count="1">' in difference
    assert '+<fonts x="1" count="1">' in difference
    missing = {k: v for k, v in golden.items() if k != "xl/workbook.xml"}
    assert "golden only ['xl/workbook.xml']" in first_difference(missing, golden)


def test_normalising_blanks_only_the_package_version() -> None:
    custom = '<vt:lpwstr>x</vt:lpwstr></property><property name="xlreport.version"><vt:lpwstr>9.9.9</vt:lpwstr>'
    assert normalise("docProps/custom.xml", custom) == (
        '<vt:lpwstr>x</vt:lpwstr>\n</property>\n<property name="xlreport.version">\n<vt:lpwstr>*</vt:lpwstr>\n'
    )
    assert normalise("xl/workbook.xml", "<a><b>9.9.9</b></a>") == "<a>\n<b>9.9.9</b>\n</a>\n"
