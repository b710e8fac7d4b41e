"""The streaming reader returns exactly the cells openpyxl (the reference reader) returns."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

import xlreport
from xlreport import load_edition
from xlreport.read.fastread import cells_of, load
from xlreport.read.reader import read_workbook
from xlreport.synthetic import random_report
from xlreport.write.writer import write_report, write_template

from .conftest import DEFAULT_EDITIONS, EXAMPLE
from .excel_ops import insert_row
from .libreoffice import convert, soffice

pytestmark = pytest.mark.xdist_group("fastread")  # one worker writes (and converts) the workbooks, once


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    d = tmp_path_factory.mktemp("fast")
    paths = []
    shanxi, shanghai = (load_edition(e) for e in DEFAULT_EDITIONS)  # (the sweep's round trips: every edition)
    paths.append(write_template(d / "t-shanxi.xlsx", shanxi, "测试", 2024).path)  # a blank template
    paths.append(write_report(d / "r-shanghai.xlsx", random_report(shanghai, seed=4)).path)  # a 万元 report
    reference = xlreport.load_report(EXAMPLE)
    paths.append(write_report(d / "pub.xlsx", reference, as_published=True).path)  # kept totals, as printed
    edited = d / "edited.xlsx"  # a person's edits: an inserted row, numbers as text, a formula replaced
    wb = load_workbook(paths[-1])
    insert_row(wb, "公开03", 9)
    wb["公开03"]["A9"] = "2010399"
    wb["公开03"]["D9"] = "1,234.50"
    wb["公开10"]["C6"] = 1
    wb.save(edited)
    paths.append(edited)
    if soffice() is not None:  # LibreOffice writes shared formulas, inline strings and its own styles
        paths += convert([edited], d / "lo")  # a person's edits, saved by LibreOffice
    return paths


def _within_extents(path):
    """openpyxl's workbook with each sheet cut to its extent, as the streaming reader reads it."""
    from xlreport.read.extent import DEFAULT, cut_beyond, extents

    wb = load_workbook(path)
    reach = extents(wb.defined_names.values())
    for ws in wb.worksheets:
        cut_beyond(ws, reach.get(ws.title, DEFAULT))
    return wb


def test_same_cells_values_formulas_and_types(workbooks):
    for path in workbooks:
        fast, ref = cells_of(load(str(path))), cells_of(_within_extents(path))
        assert fast == ref, (path.name, [k for k in set(fast) | set(ref) if fast.get(k) != ref.get(k)][:5])


def test_same_reading_through_both_engines(workbooks):
    for path in workbooks:
        a, b = read_workbook(path, "fast"), read_workbook(path, "openpyxl")
        assert {k: (v.value, v.formula) for k, v in a.cells.items()} == {
            k: (v.value, v.formula) for k, v in b.cells.items()
        }, path.name
        assert a.identity == b.identity and a.codes == b.codes and a.narrative == b.narrative
        assert [f.model_dump() for f in a.findings] == [f.model_dump() for f in b.findings]


def test_shared_formulas_are_expanded(tmp_path):
    """Excel writes a formula copied down as one shared formula; both readers expand it alike."""
    import re
    import zipfile

    import xlsxwriter

    src = tmp_path / "plain.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("S")
    for r in range(4):
        ws.write_number(r, 1, r + 1)
        ws.write_formula(r, 0, f"=B{r + 1}*2+SUM($B$1:B{r + 1})", None, 0)
    wb.close()
    shared = tmp_path / "shared.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(shared, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                master = '<f t="shared" ref="A1:A4" si="0">B1*2+SUM($B$1:B1)</f>'
                text = text.replace("<f>B1*2+SUM($B$1:B1)</f>", master)
                text = re.sub(r"<f>B[2-4]\*2\+SUM\(\$B\$1:B[2-4]\)</f>", '<f t="shared" si="0"/>', text)
                assert text.count('t="shared"') == 4
                data = text.encode()
            zout.writestr(item, data)
    fast, ref = cells_of(load(str(shared))), cells_of(_within_extents(shared))
    assert fast == ref
    assert fast[("S", "A3")] == ("=B3*2+SUM($B$1:B3)", "f")


def test_both_ways_of_reading_shared_strings_agree(workbooks, monkeypatch):
    """Regular sharedStrings.xml is split by regular expressions; expat reads it the same."""
    from xlreport.read import fastread

    regular = [cells_of(load(str(p))) for p in workbooks]
    monkeypatch.setattr(fastread, "REGULAR_STRINGS", False)
    assert [cells_of(load(str(p))) for p in workbooks] == regular


def _rewrite(src, dst, replace):
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item, replace.get(item.filename, data))


SST = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">'
    "<si><t>plain</t></si>"
    '<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space="preserve"> text</t></r></si>'
    '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si>'
    "<si><t>a &amp; b &lt;c&gt; &#x4E00;&#20108; &quot;q&quot; &apos;s&apos;</t></si>"
    "<si><t/></si>"
    "</sst>"
)
SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c/><c t="s"><v>2</v></c></row>'
    '<row><c r="B2" t="s"><v>3</v></c><c><v>1.5</v></c><c t="inlineStr"><is><t>inline</t></is></c></row>'
    '<row r="4"><c r="A4" t="s"><v>4</v></c><c r="C4"><f>A1&amp;"x"</f><v>0</v></c></row>'
    "</sheetData></worksheet>"
)


@pytest.mark.parametrize("regular", [True, False])
def test_unusual_but_valid_xml_reads_like_openpyxl(tmp_path, monkeypatch, regular):
    """Rich text runs, phonetic runs, entities and character references, cells and rows without
    their r attribute, inline strings: the same cells as openpyxl, whichever way strings are read."""
    import xlsxwriter

    from xlreport.read import fastread

    monkeypatch.setattr(fastread, "REGULAR_STRINGS", regular)
    src = tmp_path / "plain.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("S").write_string(0, 0, "x")
    wb.close()
    odd = tmp_path / "odd.xlsx"
    _rewrite(src, odd, {"xl/sharedStrings.xml": SST.encode(), "xl/worksheets/sheet1.xml": SHEET.encode()})
    fast, ref = cells_of(load(str(odd))), cells_of(load_workbook(odd))
    assert fast == ref
    assert fast[("S", "B1")] == ("rich  text", "s")
    assert fast[("S", "D1")] == ("漢字", "s")
    assert fast[("S", "B2")][0] == "a & b <c> 一二 \"q\" 's'"
    assert fast[("S", "C2")] == (1.5, "n") and fast[("S", "D2")] == ("inline", "s")
    assert fast[("S", "C4")] == ('=A1&"x"', "f")


@pytest.mark.parametrize(
    "tail",
    ["<si>" * 50_000, "<si><t>x</t>" + "<rPh" * 50_000 + "</si>", "<si><r>" + "<t a>" * 50_000 + "</si>"],
    ids=["unclosed-si", "unclosed-rPh", "unclosed-t"],
)
def test_malformed_shared_strings_are_refused_at_once(tmp_path, tail):
    """Unclosed elements by the ten thousand would make the regular expressions quadratic: the XML
    is checked well-formed first, and expat refuses it (a ValueError: an unreadable workbook)."""
    import zipfile

    import xlsxwriter

    src = tmp_path / "plain.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("S").write_string(0, 0, "x")
    wb.close()
    with zipfile.ZipFile(src) as z:
        sst = z.read("xl/sharedStrings.xml").decode()
    bad = tmp_path / "bad.xlsx"
    _rewrite(src, bad, {"xl/sharedStrings.xml": sst.replace("</sst>", tail + "</sst>").encode()})
    with pytest.raises(ValueError):
        load(str(bad))
