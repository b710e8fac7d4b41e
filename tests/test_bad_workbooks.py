"""Workbooks that are not what they should be: one clear file-level finding, no traceback, input unchanged."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from xlreport import available_editions, load_edition
from xlreport.synthetic import random_report
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report

from .bad_corpus import KINDS, make, run_cli_measured
from .conftest import spread, sweep_beyond
from .excel_ops import without_identity


@pytest.fixture(scope="module", params=sweep_beyond(available_editions()))
def good(request, tmp_path_factory):
    """A filled workbook of each edition."""
    path = tmp_path_factory.mktemp("bad") / f"good-{request.param}.xlsx"
    write_report(path, random_report(load_edition(request.param), seed=11))
    return path


@pytest.mark.parametrize(("kind", "code"), KINDS.items())
def test_unreadable_files_give_one_clear_finding(tmp_path, good, kind, code):
    path = make(kind, tmp_path, good)
    before = path.read_bytes()
    result = validate_workbook(path)
    assert not result.readable and not result.valid
    assert [(f.code, f.severity) for f in result.findings] == [(code, "error")]
    assert path.name in result.findings[0].message
    assert not re.search(r"\{[a-z_]+\}", result.findings[0].message)  # every placeholder filled
    assert path.read_bytes() == before


def test_the_command_line_refuses_each_in_its_own_process_within_200_mib(tmp_path, good, scope):
    """The corpus through ``xlreport validate`` as a bureau runs it: exit 2, one finding, no traceback,
    a peak of well under 200 MiB (the time each takes is measured by benchmarks/bad_inputs.py). A process
    each: a spread of the corpus by default, all of it in the sweep."""
    import json

    for kind, code in spread(list(KINDS.items()), scope, 3):
        path = make(kind, tmp_path, good)
        before = path.read_bytes()
        run = run_cli_measured("validate", "--format", "json", str(path))
        assert run.returncode == 2, (kind, run.stderr)
        assert "Traceback" not in run.stderr
        (outcome,) = json.loads(run.stdout)["files"]
        assert [f["code"] for f in outcome["findings"]] == [code], kind
        assert run.peak_rss_mib < 200, (kind, run.peak_rss_mib)
        assert path.read_bytes() == before


def test_a_workbook_of_another_edition(tmp_path, good):
    """A bureau that expects its own edition gets one clear finding for a workbook of another one."""
    own = read_edition(good)
    other = next(e for e in available_editions() if e != own)
    assert validate_workbook(good, expect=own).findings == []
    result = validate_workbook(good, expect=other)
    assert not result.readable
    assert [f.code for f in result.findings] == ["edition-mismatch"]
    assert own in result.findings[0].message and other in result.findings[0].message
    run = run_cli_measured("validate", "--edition", other, "--format", "json", str(good))
    assert run.returncode == 2
    assert "edition-mismatch" in run.stdout


def test_a_workbook_without_identity_of_another_edition(tmp_path, good):
    """Read by layout, the edition its sheets match is still compared with the one expected."""
    stripped = without_identity(good, tmp_path / "stripped.xlsx", keep_names=True)
    own = read_edition(good)
    other = next(e for e in available_editions() if e != own)
    assert [f.code for f in validate_workbook(stripped, expect=other).findings] == ["edition-mismatch"]


def read_edition(path) -> str:
    from xlreport.read.reader import read_workbook

    return read_workbook(path).edition.id


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
    stripped = without_identity(good, tmp_path / "stripped.xlsx")
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


def _with_members(src, dst, change):
    """A copy of the zip at ``src`` with members replaced (bytes) or removed (None)."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = change.get(item.filename, zin.read(item))
            if data is not None:
                zout.writestr(item, data)
    return dst


def _typed_in_xml(good, dst, name_pattern, xml_value, cell_type=None):
    """A copy of ``good`` in which the first cell whose defined name matches ``name_pattern`` holds
    ``<v>xml_value</v>``, written straight into the sheet XML (values openpyxl cannot write). The
    copy and the cell's A1."""
    import re
    import zipfile

    with zipfile.ZipFile(good) as z:  # the names from workbook.xml (openpyxl would read every sheet)
        book = z.read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet [^>]*name="([^"]+)"', book)
        names = dict(re.findall(r'<definedName name="([^"]+)"[^>]*>([^<]+)</definedName>', book))
        name = next(n for n in names if re.fullmatch(name_pattern, n))
        sheet, _, coord = names[name].rpartition("!")
        sheet, coord = sheet.strip("'").replace("''", "'"), coord.replace("$", "")
        part = f"xl/worksheets/sheet{sheets.index(sheet) + 1}.xml"
        xml = z.read(part).decode()
    cell = re.compile(rf'<c r="{coord}"[^>]*?(?:/>|>.*?</c>)', re.S)
    assert cell.search(xml), coord
    kind = f' t="{cell_type}"' if cell_type else ""
    typed = cell.sub(f'<c r="{coord}"{kind}><v>{xml_value}</v></c>', xml, count=1)
    return _with_members(good, dst, {part: typed.encode()}), coord


@pytest.mark.parametrize(
    ("xml_value", "code"),
    [("1E+308", "number-too-large"), ("1E+27", "number-too-large"), ("NaN", "not-a-number"), ("INF", "not-a-number")],
)
def test_numbers_no_amount_can_be(tmp_path, good, xml_value, code):
    """Values Excel cannot hold as an amount (written straight into the sheet XML): an error at the cell."""
    edited, coord = _typed_in_xml(good, tmp_path / "odd.xlsx", r"xr\.T03\.c\d{7}\.basic", xml_value)  # a 项: an input
    result = validate_workbook(edited)
    at_cell = [(f.code, f.severity) for f in result.findings if f.cell == coord and f.rule_id == "F03"]
    assert at_cell == [(code, "error")]

    edited, total = _typed_in_xml(good, tmp_path / "odd-total.xlsx", r"xr\.T03\.total\.basic", xml_value)
    at_total = {f.code for f in validate_workbook(edited).findings if f.cell == total}
    assert {"formula-replaced", code} <= at_total  # typed over the formula: both said, no traceback


def test_odd_packages_and_properties(tmp_path, good):
    """A missing sharedStrings.xml is an unreadable file; a garbage year or a sheet named with a
    superscript digit is read without a traceback."""
    gone = _with_members(good, tmp_path / "no-sst.xlsx", {"xl/sharedStrings.xml": None})
    result = validate_workbook(gone)
    assert [f.code for f in result.findings] == ["unreadable-workbook"] and not result.readable

    wb = load_workbook(good)
    for prop in wb.custom_doc_props.props:
        if prop.name == "xlreport.year":
            prop.value = "abc"
    wb.create_sheet("绩效自评²")
    odd = tmp_path / "odd.xlsx"
    wb.save(odd)
    result = validate_workbook(odd)
    assert result.readable and result.report is not None
    assert result.report.meta.year == load_edition(read_edition(good)).info.year  # the edition's year instead


def test_a_stray_cell_far_below_is_no_hang_and_a_cell_beyond_the_sheet_is_unreadable(tmp_path, good):
    """A value at row 1,048,576 makes a sheet claim a million rows: only filled rows are looked at.
    A cell at row 999,999,999 cannot be in a worksheet at all: the file is unreadable."""
    import zipfile

    wb = load_workbook(good)
    sheet = wb.sheetnames[3]  # the third table, coded in both editions
    part = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    with zipfile.ZipFile(good) as z:
        xml = z.read(part).decode()
    for row, readable in ((1_048_576, True), (999_999_999, False)):
        far = xml.replace("</sheetData>", f'<row r="{row}"><c r="J{row}"><v>1</v></c></row></sheetData>')
        edited = _with_members(good, tmp_path / f"far-{row}.xlsx", {part: far.encode()})
        result = validate_workbook(edited)
        assert result.readable is readable
        if not readable:
            assert [f.code for f in result.findings] == ["unreadable-workbook"]


def test_names_a_person_could_not_have_meant(tmp_path, good):
    """Defined names of the xr. form with an impossible scorecard (xr.Sx…, xr.S²…) are not cells of ours."""
    from openpyxl.workbook.defined_name import DefinedName

    wb = load_workbook(good)
    first = wb.sheetnames[1]  # the first table (after 填表说明)
    for name in ("xr.Sx.i1.level1", "xr.S.i1.level1", "xr.S².i1.level1"):
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{first}'!$A$1")
    odd = tmp_path / "names.xlsx"
    wb.save(odd)
    assert validate_workbook(odd).readable


@pytest.mark.parametrize("xml_value", ["INF", "NaN", "2010306.5"])
def test_a_code_that_is_no_integer(tmp_path, good, xml_value):
    edited, coord = _typed_in_xml(good, tmp_path / "code.xlsx", r"xr\.T03\.c\d{7}\.code", xml_value)
    result = validate_workbook(edited)
    assert ("bad-code", coord) in {(f.code, f.cell) for f in result.findings}


def test_identity_properties_edited_by_hand_are_not_known(tmp_path, good):
    """A unit type or amount unit that is not one of the model's is ignored, not an invalid report."""
    wb = load_workbook(good)
    for prop in wb.custom_doc_props.props:
        if prop.name in ("xlreport.unit_type", "xlreport.amount_unit"):
            prop.value = "其他"
    odd = tmp_path / "props.xlsx"
    wb.save(odd)
    result = validate_workbook(odd)
    assert result.findings == [] or all(f.rule_id != "F07" for f in result.findings)
    assert result.report is not None and result.report.meta.unit_type is None


def test_an_annotated_copy_that_cannot_be_made_keeps_the_findings(tmp_path, good):
    """openpyxl refuses a NaN cell that the reader reads (as not-a-number): the batch keeps the
    findings and says the copy is missing (a warning), instead of an internal error."""
    from xlreport.batch import validate_path

    nan, _ = _typed_in_xml(good, tmp_path / "nan.xlsx", r"xr\.T03\.c\d{7}\.basic", "NaN")
    outcome = validate_path(str(nan), str(tmp_path / "annotated"))
    codes = [f.code for f in outcome.findings]
    assert outcome.status == "invalid"
    assert "not-a-number" in codes and "internal-error" not in codes
    assert codes[-1] == "annotation-failed" or outcome.annotated is not None


def test_a_date_typed_cell_is_a_finding_at_that_cell(tmp_path, good):
    """LibreOffice and Excel may keep a date as an ISO date cell (t="d"): the cell is wrong, the file is not."""
    edited, coord = _typed_in_xml(good, tmp_path / "date.xlsx", r"xr\.T03\.c\d{7}\.basic", "2023-05-01T00:00:00", "d")
    result = validate_workbook(edited)
    assert result.readable
    assert ("not-a-number", coord) in {(f.code, f.cell) for f in result.findings}


def test_a_strict_open_xml_workbook_says_how_to_save_it(tmp_path, good):
    import zipfile

    with zipfile.ZipFile(good) as z:
        xml = z.read("xl/workbook.xml")
    strict = xml.replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    )
    path = _with_members(good, tmp_path / "strict.xlsx", {"xl/workbook.xml": strict})
    result = validate_workbook(path)
    assert [f.code for f in result.findings] == ["strict-ooxml"]
    assert "另存为" in result.findings[0].message


def test_broken_xml_is_explained_in_chinese(tmp_path, good):
    import re
    import zipfile

    with zipfile.ZipFile(good) as z:
        sheet = z.read("xl/worksheets/sheet2.xml")
    path = _with_members(good, tmp_path / "tag.xlsx", {"xl/worksheets/sheet2.xml": sheet.replace(b"</sheetData>", b"")})
    (finding,) = validate_workbook(path).findings
    assert finding.code == "unreadable-workbook"
    words = re.findall(r"[A-Za-z]{4,}", finding.message.replace(str(path), ""))
    assert words in ([], ["xl/worksheets/sheet2.xml"], ["worksheets", "sheet"]), words
    assert "mismatched" not in finding.message and "Error" not in finding.message


def test_merged_input_cells_are_a_warning_and_read_alike_by_both_readers(tmp_path, good):
    """Two input cells merged, the hidden one still keeping its value in the file: both readers read it
    blank (as every spreadsheet shows it) and the merge is a warning naming the range."""
    import re
    import zipfile

    from xlreport.read.reader import read_workbook

    wb = load_workbook(good)
    name = next(n for n in wb.defined_names if re.fullmatch(r"xr\.T03\.c\d{7}\.basic", n))
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    anchor = coord.replace("$", "")
    ws = wb[sheet]
    hidden = ws[anchor].offset(column=1).coordinate  # 项目支出 beside 基本支出
    part = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    with zipfile.ZipFile(good) as z:
        xml = z.read(part).decode()
    merge = f'<mergeCell ref="{anchor}:{hidden}"/>'
    if "<mergeCells" in xml:
        xml = re.sub(
            r'<mergeCells count="(\d+)">', lambda m: f'<mergeCells count="{int(m.group(1)) + 1}">' + merge, xml
        )
    else:
        xml = xml.replace("</sheetData>", f'</sheetData><mergeCells count="1">{merge}</mergeCells>')
    path = _with_members(good, tmp_path / "merged.xlsx", {part: xml.encode()})
    fast, ref = read_workbook(path), read_workbook(path, engine="openpyxl")
    assert {k: c.value for k, c in fast.cells.items()} == {k: c.value for k, c in ref.cells.items()}
    result = validate_workbook(path)
    merged = [f for f in result.findings if f.code == "merged-cells"]
    assert [(f.sheet, f.severity) for f in merged] == [(sheet, "warning")]
    assert f"{anchor}:{hidden}" in merged[0].message
