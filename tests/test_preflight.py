"""Preflight of returned files: a corpus of bad inputs, generated small in tmp_path, one case each."""

from __future__ import annotations

import io
import os
import random
import re
import stat
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import xlsxwriter

from xlreport import load_edition
from xlreport.read.preflight import CODES, FileProblem, preflight
from xlreport.read.reader import WorkbookError, read_workbook
from xlreport.write.writer import write_template

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MIB = 2**20
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'
)
BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE workbook [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/>&lol9;</workbook>"""
XXE_SHEET = (
    '<?xml version="1.0" encoding="UTF-16"?>\n'
    '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&xxe;</worksheet>'
).encode("utf-16")


# ------------------------------------------------------------------------------------- builders
def _xlsx(path: Path) -> Path:
    """A small valid workbook written by xlsxwriter."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("收入支出决算总表")
    ws.write_row(0, 0, ["科目编码", "科目名称", "金额"])
    ws.write_row(1, 0, ["201", "一般公共服务支出", 1234.5])
    ws.write_formula(2, 2, "=SUM(C2:C2)")
    wb.close()
    return path


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _replace_members(path: Path, replace: dict[str, bytes]) -> Path:
    """Rewrite the zip at ``path`` with some members' contents replaced (or added)."""
    original = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
        for name, data in replace.items():
            if name not in zin.namelist():
                zout.writestr(name, data)
    return path


def _patch_central(path: Path, member: str, offset: int, fmt: str, update: Callable[[int], int]) -> Path:
    """Change one field of ``member``'s central-directory entry (offsets as in APPNOTE 4.3.12)."""
    data = bytearray(path.read_bytes())
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        (name_len,) = struct.unpack_from("<H", data, pos + 28)
        if data[pos + 46 : pos + 46 + name_len] == member.encode():
            (value,) = struct.unpack_from(fmt, data, pos + offset)
            struct.pack_into(fmt, data, pos + offset, update(value))
            path.write_bytes(bytes(data))
            return path
        pos = data.find(b"PK\x01\x02", pos + 46)
    raise AssertionError(f"{member} not in the central directory")


def missing(tmp: Path) -> Path:
    return tmp / "missing.xlsx"


def directory(tmp: Path) -> Path:
    (tmp / "folder.xlsx").mkdir()
    return tmp / "folder.xlsx"


def fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe.xlsx")  # reading it would block: preflight must not open it
    return tmp / "pipe.xlsx"


def empty(tmp: Path) -> Path:
    (tmp / "empty.xlsx").write_bytes(b"")
    return tmp / "empty.xlsx"


def random_bytes(tmp: Path) -> Path:
    (tmp / "random.xlsx").write_bytes(random.Random(1).randbytes(4096))
    return tmp / "random.xlsx"


def text(tmp: Path) -> Path:
    (tmp / "决算.xlsx").write_text("科目编码,科目名称,金额\n201,一般公共服务支出,1234.50\n", encoding="utf-8")
    return tmp / "决算.xlsx"


def pdf(tmp: Path) -> Path:
    (tmp / "scan.xlsx").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    return tmp / "scan.xlsx"


def html(tmp: Path) -> Path:
    (tmp / "export.xls").write_bytes(b"<html><body><table><tr><td>201</td></tr></table></body></html>")
    return tmp / "export.xls"


def old_xls(tmp: Path) -> Path:
    (tmp / "old.xls").write_bytes(OLE2 + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 64)
    return tmp / "old.xls"


def ole2_encrypted(tmp: Path) -> Path:
    body = b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")
    (tmp / "locked.xlsx").write_bytes(OLE2 + body + b"\x00" * 64)
    return tmp / "locked.xlsx"


def docx(tmp: Path) -> Path:
    return _zip(
        tmp / "report.docx",
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            "word/document.xml": b'<?xml version="1.0"?><document/>',
        },
    )


def plain_zip(tmp: Path) -> Path:
    return _zip(tmp / "bundle.xlsx", {"readme.txt": "说明".encode()})


def truncated(tmp: Path) -> Path:
    path = _xlsx(tmp / "half.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_member(tmp: Path) -> Path:
    """Central directory intact, but xl/workbook.xml's compressed bytes are damaged."""
    path = _xlsx(tmp / "corrupt.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/workbook.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 2, start + info.compress_size - 2):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def zip_encrypted(tmp: Path) -> Path:
    """A zip whose member is flagged as encrypted (zip password)."""
    path = _xlsx(tmp / "zip-password.xlsx")
    return _patch_central(path, "xl/workbook.xml", 8, "<H", lambda flags: flags | 0x1)


def declared_400mib(tmp: Path) -> Path:
    """A tiny stored member whose central-directory entry declares 400 MiB uncompressed."""
    path = _zip(
        tmp / "declared.xlsx",
        {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": WORKBOOK, "xl/media/big.bin": b"\x00" * 16},
        zipfile.ZIP_STORED,
    )
    return _patch_central(path, "xl/media/big.bin", 24, "<I", lambda _: 400 * MIB)


def high_ratio(tmp: Path) -> Path:
    """2 MiB of zeros deflate to ~2 KiB: a ratio of about 1000."""
    return _zip(
        tmp / "ratio.xlsx",
        {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": WORKBOOK, "xl/media/zeros.bin": bytes(2 * MIB)},
    )


def over_expanded(tmp: Path) -> Path:
    """Real compression, 5 MiB of zeros in all; checked with max_expanded=1 MiB."""
    return _zip(
        tmp / "expanded.xlsx",
        {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": WORKBOOK, "xl/media/zeros.bin": bytes(5 * MIB)},
    )


def many_members(tmp: Path) -> Path:
    members = {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": WORKBOOK}
    members.update({f"x/{i}": b"" for i in range(10_001)})
    return _zip(tmp / "many.xlsx", members, zipfile.ZIP_STORED)


def billion_laughs(tmp: Path) -> Path:
    return _replace_members(_xlsx(tmp / "laughs.xlsx"), {"xl/workbook.xml": BILLION_LAUGHS})


def xxe_utf16_sheet(tmp: Path) -> Path:
    """An external entity in a worksheet, UTF-16 encoded so a plain byte search misses it."""
    return _replace_members(_xlsx(tmp / "xxe.xlsx"), {"xl/worksheets/sheet1.xml": XXE_SHEET})


def doctype_after_long_comment(tmp: Path) -> Path:
    """The DOCTYPE sits after a 70 KiB comment, beyond the 64 KiB head."""
    sheet = (
        b'<?xml version="1.0"?>\n<!--' + b"x" * (70 * 1024) + b"-->\n"
        b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>\n<worksheet>&a;</worksheet>'
    )
    return _replace_members(_xlsx(tmp / "long-prolog.xlsx"), {"xl/sharedStrings.xml": sheet})


def malformed_workbook_xml(tmp: Path) -> Path:
    return _replace_members(_xlsx(tmp / "malformed.xlsx"), {"xl/workbook.xml": b"<workbook><sheets></workbook>"})


def strict_ooxml(tmp: Path) -> Path:
    """Excel's "Strict Open XML Spreadsheet": the ISO 29500 Strict namespaces."""
    path = _xlsx(tmp / "strict.xlsx")
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml")
    strict = xml.replace(
        b"schemas.openxmlformats.org/spreadsheetml/2006/main", b"purl.oclc.org/ooxml/spreadsheetml/main"
    )
    return _replace_members(path, {"xl/workbook.xml": strict})


def valid(tmp: Path) -> Path:
    return _xlsx(tmp / "good.xlsx")


def valid_with_markup_text(tmp: Path) -> Path:
    """Cell text that looks like a DTD is escaped in the XML: no false alarm."""
    wb = xlsxwriter.Workbook(str(tmp / "markup.xlsx"))
    ws = wb.add_worksheet()
    ws.write(0, 0, '<!DOCTYPE html><!ENTITY x "y">')
    ws.write_string(1, 0, "<!doctype>")
    wb.close()
    return tmp / "markup.xlsx"


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    code: str | None
    limits: dict[str, int] = field(default_factory=dict)
    marks: tuple[pytest.MarkDecorator, ...] = ()


POSIX_ONLY = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")

CASES = {
    "missing": Case(missing, "file-not-found"),
    "directory": Case(directory, "not-a-file"),
    "fifo": Case(fifo, "not-a-file", marks=(POSIX_ONLY,)),
    "empty": Case(empty, "empty-file"),
    "random-bytes": Case(random_bytes, "not-a-zip"),
    "text": Case(text, "not-a-zip"),
    "pdf": Case(pdf, "not-a-zip"),
    "html-as-xls": Case(html, "not-a-zip"),
    "old-xls": Case(old_xls, "old-xls"),
    "ole2-encrypted": Case(ole2_encrypted, "encrypted"),
    "docx": Case(docx, "not-a-workbook"),
    "plain-zip": Case(plain_zip, "not-a-workbook"),
    "truncated-half": Case(truncated, "truncated-zip"),
    "corrupt-member": Case(corrupt_member, "truncated-zip"),
    "zip-password": Case(zip_encrypted, "encrypted"),
    "declared-400mib": Case(declared_400mib, "zip-bomb"),
    "high-ratio": Case(high_ratio, "zip-bomb"),
    "over-expanded": Case(over_expanded, "zip-bomb", {"max_expanded": MIB, "max_ratio": 10**9}),
    "many-members": Case(many_members, "zip-bomb"),
    "billion-laughs": Case(billion_laughs, "xml-bomb"),
    "xxe-utf16-sheet": Case(xxe_utf16_sheet, "xml-bomb"),
    "doctype-after-long-comment": Case(doctype_after_long_comment, "xml-bomb"),
    "malformed-workbook-xml": Case(malformed_workbook_xml, "unreadable-xml"),
    "strict-ooxml": Case(strict_ooxml, "strict-ooxml"),
    "too-large": Case(valid, "too-large", {"max_bytes": 10}),
    "valid": Case(valid, None),
    "valid-with-markup-text": Case(valid_with_markup_text, None),
}


# ------------------------------------------------------------------------------------- checking
def _snapshot(path: Path) -> object:
    """Everything about ``path`` preflight must leave alone (never reads a FIFO)."""
    if not os.path.lexists(path):
        return None
    st = path.lstat()
    if stat.S_ISDIR(st.st_mode):
        return ("dir", sorted(os.listdir(path)))
    if stat.S_ISREG(st.st_mode):
        return ("file", path.read_bytes(), st.st_mtime_ns, stat.S_IMODE(st.st_mode))
    return ("special", stat.S_IFMT(st.st_mode))


def _open_fds() -> int | None:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


def _run(path: Path, **limits: int) -> FileProblem | None:
    try:
        return preflight(path, **limits)
    except Exception as exc:  # the point of the test: nothing escapes
        pytest.fail(f"preflight raised {exc!r}")


@pytest.mark.parametrize("case", [pytest.param(c, id=k, marks=c.marks) for k, c in CASES.items()])
def test_bad_input_gives_one_clear_problem(case: Case, tmp_path: Path) -> None:
    path = case.make(tmp_path)
    before = _snapshot(path)
    fds = _open_fds()

    problem = _run(path, **case.limits)

    assert _snapshot(path) == before, "the input was modified"
    assert _open_fds() == fds, "a file handle was left open"
    if case.code is None:
        assert problem is None
        return
    assert problem is not None, f"expected {case.code}"
    assert problem.code == case.code, problem.message
    assert problem.code in CODES
    assert problem.path == str(path)
    assert path.name in problem.message
    assert re.search(r"[\u4e00-\u9fff]", problem.message), "the message is Chinese"
    assert str(problem) == f"[{problem.code}] {problem.message}"


def test_messages_name_the_reason(tmp_path: Path) -> None:
    assert "旧版 Excel 97-2003 (.xls)" in _message(old_xls(tmp_path))
    assert "设置了打开密码" in _message(ole2_encrypted(tmp_path))
    assert "不安全的XML实体定义" in _message(billion_laughs(tmp_path))
    assert "Word 文档" in _message(docx(tmp_path))
    assert "PDF" in _message(pdf(tmp_path))
    assert "文本文件" in _message(text(tmp_path))


def _message(path: Path) -> str:
    problem = _run(path)
    assert problem is not None
    return problem.message


def test_too_large(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "big.xlsx")
    problem = _run(path, max_bytes=10)
    assert problem is not None and problem.code == "too-large"
    assert "big.xlsx" in problem.message


@pytest.mark.parametrize("make", [declared_400mib, high_ratio, many_members])
def test_zip_bomb_is_decided_without_decompressing(
    make: Callable[[Path], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make(tmp_path)
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: str | zipfile.ZipInfo, *args: object, **kwargs: object) -> object:
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    problem = _run(path)
    assert problem is not None and problem.code == "zip-bomb"
    assert opened == []


def test_workbook_xml_is_parsed_with_dtds_forbidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the head scans switched off, defusedxml alone still refuses the DTD."""
    from xlreport.read import preflight as module

    monkeypatch.setattr(module, "_has_dtd_marker", lambda head: False)
    monkeypatch.setattr(module, "_prolog_has_dtd", lambda head, rest: False)
    problem = _run(billion_laughs(tmp_path))
    assert problem is not None and problem.code == "xml-bomb"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No read permission (simulated: the tests may run as root, who reads any file)."""
    path = _xlsx(tmp_path / "secret.xlsx")
    real_open = os.open

    def denied(file: str | os.PathLike[str], flags: int, *args: int, **kwargs: int) -> int:
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    problem = _run(path)
    assert problem is not None and problem.code == "not-a-file"
    assert "secret.xlsx" in problem.message and "没有读取权限" in problem.message


def test_accepts_str_paths_and_an_xlreport_template(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path, load_edition("shanxi-2022"), "测试单位", 2022)
    assert _run(path) is None
    assert preflight(str(path)) is None


def test_read_workbook_reports_the_preflight_problem(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError) as raised:
        read_workbook(old_xls(tmp_path))
    assert raised.value.finding.code == "old-xls"
    assert "old.xls" in raised.value.finding.message


def test_every_code_is_exercised() -> None:
    assert {c.code for c in CASES.values()} - {None} == set(CODES)
