"""Stray cells beyond the tables: counted, never read (issue 12 §8), alike in both readers."""

from __future__ import annotations

import random
import zipfile

import pytest

from xlreport import available_editions, load_edition
from xlreport.layout.a1 import column_letter
from xlreport.read.extent import Beyond, Extent, extents
from xlreport.read.fastread import load
from xlreport.read.reader import read_workbook
from xlreport.read.trim import SheetTrim
from xlreport.synthetic import random_report
from xlreport.validation.workbook import validate_workbook
from xlreport.write.writer import write_report

from .conftest import sweep_beyond


def _sheet_xml(rows: dict[int, list[tuple[int, str]]], prefix: str = "", with_r: bool = True) -> bytes:
    """A worksheet part with ``rows``: row → [(column, cell xml body)]."""
    p = prefix
    ns = f'xmlns{":" + p[:-1] if p else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    out = [f"<{p}worksheet {ns}><{p}sheetData>"]
    for r, cells in sorted(rows.items()):
        out.append(f'<{p}row r="{r}">' if with_r else f"<{p}row>")
        for c, body in cells:
            ref = f' r="{column_letter(c)}{r}"' if with_r else ""
            out.append(f'<{p}c{ref} s="3"/>' if not body else f"<{p}c{ref}>{body}</{p}c>")  # "": formatted blank
        out.append(f"</{p}row>")
    out.append(f'</{p}sheetData><{p}mergeCells count="1"><{p}mergeCell ref="A1:B1"/></{p}mergeCells></{p}worksheet>')
    return "".join(out).encode()


def _run(data: bytes, extent: Extent, size: int) -> tuple[bytes, Beyond]:
    trim = SheetTrim(extent)
    out = [trim.feed(data[i : i + size]) for i in range(0, len(data), size)]
    out.append(trim.feed(b"", final=True))
    return b"".join(out), trim.beyond


def _random_sheet(rng: random.Random, prefix: str = "") -> bytes:
    rows: dict[int, list[tuple[int, str]]] = {}
    for r in sorted(rng.sample(range(1, 60), 30)):
        cols = sorted(rng.sample(range(1, 30), rng.randint(0, 12)))
        cells = []
        for c in cols:
            kind = rng.choice(["v", "f", "blank", "is", "fs"])
            p = prefix
            body = {
                "v": f"<{p}v>{rng.randint(0, 999)}</{p}v>",
                "f": f"<{p}f>SUM(A1:A2)</{p}f><{p}v>3</{p}v>",
                "blank": "",
                "is": f"<{p}is><{p}t>备注 &lt;c r&gt;</{p}t></{p}is>",
                "fs": f'<{p}f t="shared" si="0"/><{p}v>1</{p}v>',
            }[kind]
            cells.append((c, body))
        rows[r] = cells
    return _sheet_xml(rows, prefix)


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_any_chunking_gives_the_same_trim(prefix):
    """Chunks of any size (one byte up) give the bytes and counts of one whole pass."""
    rng = random.Random(7)
    for _ in range(5):
        data = _random_sheet(rng, prefix)
        extent = Extent(rng.randint(5, 40), rng.randint(3, 20))
        whole, counted = _run(data, extent, len(data))
        for size in (1, 2, 3, 7, 64, 1000):
            assert _run(data, extent, size) == (whole, counted), size


def test_the_trim_keeps_what_is_inside_and_counts_what_is_not():
    """Cells right of the extent and rows below it are cut and counted (values, formulas, the first);
    the XML handed on stays well-formed and holds exactly the cells inside."""
    from xml.etree import ElementTree as ET

    rows = {
        1: [(1, "<v>1</v>"), (2, ""), (5, "<v>2</v>"), (6, "<f>A1</f><v>1</v>")],
        3: [(2, "<is><t>注</t></is>")],
        4: [(1, ""), (7, "<v>9</v>")],
        9: [(1, "<v>5</v>"), (2, "<f>B2</f>")],
    }
    data = _sheet_xml(rows)
    out, beyond = _run(data, Extent(4, 5), 5)
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    kept = {c.get("r") for c in ET.fromstring(out).iter(ns + "c")}
    assert kept == {"A1", "B1", "E1", "B3", "A4"}
    assert ET.fromstring(out).find(f"{ns}mergeCells") is not None  # what follows the rows is kept
    assert (beyond.cells, beyond.formulas, beyond.first) == (4, 2, "F1")  # F1, G4, A9, B9; formulas F1, B9


def test_rows_without_r_are_counted_in_order():
    rows = {r: [(1, "<v>1</v>")] for r in range(1, 8)}
    out, beyond = _run(_sheet_xml(rows, with_r=False), Extent(5, 5), 11)
    assert out.count(b"<c>") == 5 and beyond.cells == 2 and beyond.first is None  # no r: place unknown


@pytest.fixture(scope="module", params=sweep_beyond(available_editions()))
def stray(request, tmp_path_factory):
    """A filled workbook whose second table sheet holds 40 rows × 30 columns of numbers far below the
    tables, a formula among them and a column of notes far right of the tables."""
    edition = load_edition(request.param)
    good = tmp_path_factory.mktemp("extent") / f"good-{edition.id}.xlsx"
    write_report(good, random_report(edition, seed=5))
    sheet = edition.tables[1].sheet
    with zipfile.ZipFile(good) as z:
        book = load(str(good))
        index = book.sheetnames.index(sheet) + 1
        part = f"xl/worksheets/sheet{index}.xml"
        members = {i.filename: z.read(i) for i in z.infolist()}
    reach = extents(book.defined_names.values())[sheet]
    top = reach.rows + 5
    block = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{column_letter(c)}{r}"><v>{r * c}</v></c>' for c in range(1, 31))
        + (f'<c r="AF{r}"><f>WEBSERVICE("http://x")</f><v>0</v></c>' if r == top + 2 else "")
        + "</row>"
        for r in range(top, top + 40)
    )
    xml = members[part].decode().replace("</sheetData>", block + "</sheetData>")
    far_col = column_letter(reach.cols + 3)
    at = xml.index("</row>", xml.index('<row r="2"'))  # a note far right of the tables, in row 2
    xml = xml[:at] + f'<c r="{far_col}2" t="inlineStr"><is><t>备注</t></is></c>' + xml[at:]
    members[part] = xml.encode()
    out = good.with_name(f"stray-{edition.id}.xlsx")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out, sheet, reach, top, far_col


def test_stray_cells_are_one_warning_and_both_readers_agree(stray):
    path, sheet, reach, _top, far_col = stray
    fast, ref = read_workbook(path, "fast"), read_workbook(path, "openpyxl")
    assert [f.model_dump() for f in fast.findings] == [f.model_dump() for f in ref.findings]
    assert {k: (v.value, v.formula) for k, v in fast.cells.items()} == {
        k: (v.value, v.formula) for k, v in ref.cells.items()
    }
    found = [f for f in fast.findings if f.code == "cells-beyond"]
    assert [(f.sheet, f.severity) for f in found] == [(sheet, "warning")]
    assert found[0].args["cells"] == f"{40 * 30 + 2:,}" and found[0].args["formulas"] == "1"
    assert found[0].args["first"] == f"{far_col}2"  # row order: the note right of the tables comes first
    assert f"前 {reach.rows:,} 行" in found[0].message and "{" not in found[0].message
    book = load(str(path))
    assert all(reach.holds(r, c) for (r, c) in book[sheet].cells)  # nothing beyond is materialised


def test_the_annotated_copy_never_runs_a_stray_formula_and_a_huge_one_is_not_made(stray, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    import xlreport.api
    from xlreport.api import validate_file

    path, sheet, _reach, top, _ = stray
    made = validate_file(path, annotate_to=tmp_path / "copy.xlsx")
    copy = load_workbook(made.annotated)
    cell = copy[sheet][f"AF{top + 2}"]
    assert cell.data_type != "f" and "WEBSERVICE" in str(cell.value)
    monkeypatch.setattr(xlreport.api, "ANNOTATE_BEYOND_LIMIT", 100)
    refused = validate_file(path, annotate_to=tmp_path / "copy2.xlsx")
    failed = [f for f in refused.findings if f.code == "annotation-failed"]
    assert refused.annotated is None and not (tmp_path / "copy2.xlsx").exists()
    assert len(failed) == 1 and "1,202 个单元格" in failed[0].message


def test_a_clean_workbook_has_no_stray_finding(stray):
    path, *_ = stray
    good = path.with_name(path.name.replace("stray-", "good-"))
    assert "cells-beyond" not in {f.code for f in validate_workbook(good).findings}
