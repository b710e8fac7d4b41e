"""Workbooks that are not what they should be: one clear file-level finding, no traceback, input unchanged."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
import xlsxwriter
from openpyxl import load_workbook
from openpyxl.packaging.custom import CustomPropertyList

from xlreport import available_editions, load_edition
from xlreport.excel.writer import write_report
from xlreport.synthetic import random_report
from xlreport.validation.workbook import validate_workbook


@pytest.fixture(scope="module", params=available_editions())
def good(request, tmp_path_factory):
    """A filled workbook of each edition."""
    path = tmp_path_factory.mktemp("bad") / f"good-{request.param}.xlsx"
    write_report(path, random_report(load_edition(request.param), seed=11))
    return path


def plain_xlsx(path):
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Sheet1").write(0, 0, "hello")
    wb.close()
    return path


def make(kind: str, tmp_path, good):
    p = tmp_path / f"{kind}.xlsx"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "random-bytes":
        p.write_bytes(random.Random(3).randbytes(5000))
    elif kind == "old-xls":
        p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "Workbook".encode("utf-16-le"))
    elif kind == "encrypted":
        p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le"))
    elif kind == "truncated":
        data = good.read_bytes()
        p.write_bytes(data[: len(data) // 2])
    elif kind == "xml-bomb":
        src = zipfile.ZipFile(good)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as out:
            for item in src.infolist():
                data = src.read(item)
                if item.filename == "xl/workbook.xml":
                    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    data = bomb + data.split(b"?>", 1)[1]
                out.writestr(item, data)
        p.write_bytes(buf.getvalue())
    elif kind == "not-xlreport":
        plain_xlsx(p)
    return p


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("empty", "empty-file"),
        ("random-bytes", "not-a-zip"),
        ("old-xls", "old-xls"),
        ("encrypted", "encrypted"),
        ("truncated", "truncated-zip"),
        ("xml-bomb", "xml-bomb"),
        ("not-xlreport", "not-an-xlreport-workbook"),
    ],
)
def test_unreadable_files_give_one_clear_finding(tmp_path, good, kind, code):
    path = make(kind, tmp_path, good)
    before = path.read_bytes()
    result = validate_workbook(path)
    assert not result.readable and not result.valid
    assert [(f.code, f.severity) for f in result.findings] == [(code, "error")]
    assert path.name in result.findings[0].message
    assert path.read_bytes() == before


def test_missing_or_renamed_table_sheet(tmp_path, good):
    wb = load_workbook(good)
    sheet = wb.sheetnames[5]  # the fifth table (after 填表说明)
    wb[sheet].title = "表五"
    renamed = tmp_path / "renamed.xlsx"
    wb.save(renamed)
    result = validate_workbook(renamed)
    assert [f.code for f in result.findings] == ["missing-sheet"]
    assert sheet in result.findings[0].message


def test_unknown_edition(tmp_path, good):
    wb = load_workbook(good)
    for prop in wb.custom_doc_props.props:
        if prop.name == "xlreport.edition":
            prop.value = "guangdong-2031"
    other = tmp_path / "other.xlsx"
    wb.save(other)
    result = validate_workbook(other)
    assert [f.code for f in result.findings] == ["unknown-edition"]
    assert "guangdong-2031" in result.findings[0].message


def test_a_workbook_without_identity_is_read_by_layout_with_a_warning(tmp_path, good):
    wb = load_workbook(good)
    wb.custom_doc_props = CustomPropertyList()
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    stripped = tmp_path / "stripped.xlsx"
    wb.save(stripped)
    result = validate_workbook(stripped)
    assert result.readable
    assert [(f.code, f.severity) for f in result.findings] == [("no-identity", "warning")]
    assert result.report is not None and result.report.tables.T03.rows


def test_text_where_a_number_belongs_is_an_error_at_that_cell(tmp_path, good):
    wb = load_workbook(good)
    sheet, coord = next(iter(wb.defined_names["xr.T07.main.budget_abroad"].destinations))
    wb[sheet][coord.replace("$", "")].value = "约五千元"
    edited = tmp_path / "text.xlsx"
    wb.save(edited)
    result = validate_workbook(edited)
    errors = [(f.code, f.sheet, f.cell) for f in result.findings if f.severity == "error"]
    assert errors == [("not-a-number", sheet, coord.replace("$", ""))]
