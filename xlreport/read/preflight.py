"""Preflight: recognise a file that is not a readable workbook before openpyxl touches it.

:func:`preflight` looks at a returned file and gives back ONE :class:`FileProblem` (a stable English
kebab-case ``code`` and a Chinese ``message`` naming the file) or ``None`` when the file looks like a
readable .xlsx workbook. It never raises, never writes, opens the file read-only only for the duration
of the call, and never expands anything dangerous:

* zip bombs are decided from the central directory (declared sizes, ratios, member count) without
  decompressing anything;
* XML members are decompressed only up to a small head (64 KiB, more only while the XML prolog goes on)
  and any DTD (``<!DOCTYPE``/``<!ENTITY``) is refused before a parser could expand it;
* ``xl/workbook.xml`` is parsed (expat, no tree built) with defusedxml's refusals: any DTD, entity
  declaration or external reference raises.

Codes: file-not-found, not-a-file, empty-file, too-large, old-xls, encrypted, not-a-zip, truncated-zip,
not-a-workbook, zip-bomb, xml-bomb, unreadable-xml.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

__all__ = ["CODES", "FileProblem", "preflight"]

CODES = (
    "file-not-found",
    "not-a-file",
    "empty-file",
    "too-large",
    "old-xls",
    "encrypted",
    "not-a-zip",
    "truncated-zip",
    "not-a-workbook",
    "zip-bomb",
    "xml-bomb",
    "unreadable-xml",
    "strict-ooxml",
)
STRICT_NAMESPACE = b"purl.oclc.org/ooxml/spreadsheetml"  # ISO 29500 Strict: a namespace no reader here knows

MIB = 2**20
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_LOCAL_HEADER = b"PK\x03\x04"
ZIP_CENTRAL_HEADER = b"PK\x01\x02"
ENCRYPTION_STREAMS = tuple(name.encode("utf-16-le") for name in ("EncryptedPackage", "EncryptionInfo"))
CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK_XML = "xl/workbook.xml"
XML_SUFFIXES = (".xml", ".rels", ".vml")
DTD_MARKERS = (b"<!doctype", b"<!entity")

MAX_MEMBERS = 10_000
RATIO_MIN_SIZE = MIB  # the ratio rule applies to members larger than this
XML_HEAD = 64 * 1024  # bytes of each XML member searched for DTD markers
MAX_PROLOG = MIB  # decompressed bytes an XML prolog may take before the root element starts
MAX_WORKBOOK_XML = 10 * MIB
CHUNK = MIB  # raw read size when scanning the whole file


@dataclass(frozen=True)
class FileProblem:
    """Why a file is not a readable workbook: one stable ``code`` and a Chinese ``message``."""

    code: str  # stable kebab-case, one of CODES
    message: str  # Chinese sentence naming the file and the reason
    path: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


def preflight(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = 50 * MIB,
    max_expanded: int = 300 * MIB,
    max_ratio: int = 200,
    keep: dict[str, bytes] | None = None,
) -> FileProblem | None:
    """The one problem that keeps ``path`` from being read as an .xlsx workbook, or ``None``.

    Never raises and never modifies the file. ``max_bytes`` caps the file size, ``max_expanded`` the
    total declared uncompressed size of the zip members and ``max_ratio`` the compression ratio of any
    member larger than 1 MiB. ``keep``, when given, receives the XML members this check decompressed
    anyway (up to 16 MiB in all), so that the reader need not decompress them again.
    """
    shown = os.fsdecode(os.fspath(path)) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    check = _Check(shown, Path(shown).name or shown, keep)
    try:
        return check.run(max_bytes=max_bytes, max_expanded=max_expanded, max_ratio=max_ratio)
    except OSError as exc:  # a read failing half-way (I/O error, file vanished, ...)
        return check.unreadable(exc)
    except Exception:  # last resort: preflight must never raise
        return check.problem("truncated-zip", f"文件 {check.name} 已损坏，无法读取，请重新保存后再提交")


# ---------------------------------------------------------------------------------------- the checks
KEEP_TOTAL = 16 * MIB  # the most decompressed XML handed on to the reader


class _Check:
    def __init__(self, path: str, name: str, keep: dict[str, bytes] | None = None) -> None:
        self.path = path
        self.name = name
        self.keep = keep
        self.kept = 0

    def problem(self, code: str, message: str) -> FileProblem:
        return FileProblem(code=code, message=message, path=self.path)

    def unreadable(self, exc: OSError) -> FileProblem:
        if isinstance(exc, PermissionError):
            return self.problem("not-a-file", f"文件 {self.name} 无法读取（没有读取权限），请检查文件权限后再提交")
        reason = exc.strerror or exc.__class__.__name__
        return self.problem("not-a-file", f"文件 {self.name} 无法读取（{reason}），请检查后再提交")

    def run(self, *, max_bytes: int, max_expanded: int, max_ratio: int) -> FileProblem | None:
        try:
            st = os.stat(self.path)
        except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: NUL in the path
            return self.problem("file-not-found", f"找不到文件 {self.name}，请检查文件路径是否正确")
        except OSError as exc:
            return self.unreadable(exc)
        if stat.S_ISDIR(st.st_mode):
            return self.problem("not-a-file", f"{self.name} 是一个文件夹，不是文件，请选择要提交的 .xlsx 文件")
        if not stat.S_ISREG(st.st_mode):
            return self.problem("not-a-file", f"{self.name} 不是普通文件（如设备或管道），无法作为工作簿读取")

        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.path, flags)
        except FileNotFoundError:
            return self.problem("file-not-found", f"找不到文件 {self.name}，请检查文件路径是否正确")
        except OSError as exc:
            return self.unreadable(exc)
        with os.fdopen(fd, "rb") as fp:
            st = os.fstat(fp.fileno())  # what was opened, not what the path named a moment ago
            if not stat.S_ISREG(st.st_mode):
                return self.problem("not-a-file", f"{self.name} 不是普通文件，无法作为工作簿读取")
            size = st.st_size
            if size == 0:
                return self.problem("empty-file", f"文件 {self.name} 是空文件（0 字节），请重新保存后再提交")
            if size > max_bytes:
                return self.problem(
                    "too-large",
                    f"文件 {self.name} 大小为 {_size(size)}，超过上限 {_size(max_bytes)}，请删除多余内容后再提交",
                )
            head = fp.read(4096)
            if head.startswith(OLE2_SIGNATURE):
                return self.ole2(fp)
            if not head.startswith(ZIP_LOCAL_HEADER):
                return self.problem(
                    "not-a-zip",
                    f"文件 {self.name} 不是 Excel 工作簿（.xlsx）{_sniff(head)}，请用 Excel 打开后另存为 .xlsx 再提交",
                )
            return self.zip(fp, max_expanded=max_expanded, max_ratio=max_ratio)

    # ------------------------------------------------------------------------------------ OLE2
    def ole2(self, fp: BinaryIO) -> FileProblem:
        """An OLE2 compound file: an encrypted OOXML package or an old binary (.xls) workbook."""
        overlap = max(len(n) for n in ENCRYPTION_STREAMS) - 1
        for window in _windows(fp, overlap):
            if any(n in window for n in ENCRYPTION_STREAMS):
                return self.problem("encrypted", f"文件 {self.name} 已加密（设置了打开密码），请取消密码后再提交")
        return self.problem("old-xls", f"文件 {self.name} 是旧版 Excel 97-2003 (.xls) 格式，请另存为 .xlsx 后再提交")

    # ------------------------------------------------------------------------------------- zip
    def truncated(self, member: str = "", reason: str = "无法解压") -> FileProblem:
        where = f"其中的 {member} {reason}" if member else "缺少 zip 目录，可能没有完整下载或复制"
        return self.problem("truncated-zip", f"文件 {self.name} 已损坏或不完整（{where}），请重新保存后再提交")

    def bomb(self, reason: str) -> FileProblem:
        return self.problem("zip-bomb", f"文件 {self.name} 疑似压缩炸弹（{reason}），已拒绝读取")

    def xml_bomb(self, member: str) -> FileProblem:
        return self.problem("xml-bomb", f"文件 {self.name} 包含不安全的XML实体定义（{member}），已拒绝读取")

    def zip(self, fp: BinaryIO, *, max_expanded: int, max_ratio: int) -> FileProblem | None:
        # Counting central-directory signatures in the raw bytes bounds the member count before
        # zipfile builds one ZipInfo per entry (a 50 MiB directory could hold a million of them).
        if _count(fp, ZIP_CENTRAL_HEADER, stop_after=MAX_MEMBERS) > MAX_MEMBERS:
            return self.bomb(f"包含超过 {MAX_MEMBERS} 个文件")
        fp.seek(0)
        try:
            zf = zipfile.ZipFile(fp)
        except Exception:  # BadZipFile, EOFError, struct.error, OSError (seek to a bad offset), ...
            return self.truncated()
        with zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if CONTENT_TYPES not in names or WORKBOOK_XML not in names:
                return self.problem(
                    "not-a-workbook",
                    f"文件 {self.name} 不是 Excel 工作簿（.xlsx）{_package_hint(names)}，请提交 .xlsx 文件",
                )
            if len(infos) > MAX_MEMBERS:
                return self.bomb(f"包含 {len(infos)} 个文件，超过 {MAX_MEMBERS} 个")
            total = sum(i.file_size for i in infos)
            if total > max_expanded:
                return self.bomb(f"解压后共 {_size(total)}，超过上限 {_size(max_expanded)}")
            for info in infos:
                if info.file_size > RATIO_MIN_SIZE and info.file_size > max_ratio * info.compress_size:
                    ratio = f"{info.file_size // info.compress_size} 倍" if info.compress_size else "无穷大"
                    return self.bomb(f"{info.filename} 的压缩比为 {ratio}，超过 {max_ratio} 倍")
            if any(i.flag_bits & 0x1 for i in infos):
                return self.problem("encrypted", f"文件 {self.name} 已加密（压缩包设置了密码），请取消密码后再提交")
            return self.xml(zf, infos)

    def xml(self, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> FileProblem | None:
        for info in infos:
            if info.is_dir() or not info.filename.lower().endswith(XML_SUFFIXES):
                continue
            try:
                with zf.open(info) as member:
                    head = member.read(XML_HEAD)
                    if _has_dtd_marker(head) or _prolog_has_dtd(head, member):
                        return self.xml_bomb(info.filename)
                    # (the reader's parser refuses any DTD too, wherever it is)
                    room = self.kept + info.file_size <= KEEP_TOTAL
                    if self.keep is not None and room and member.tell() == len(head):
                        whole = head + member.read()
                        self.keep[info.filename] = whole
                        self.kept += len(whole)
            except NotImplementedError:
                return self.truncated(info.filename, "使用了不支持的压缩方式")
            except Exception:  # zlib.error, BadZipFile (CRC, header mismatch), EOFError, OSError (bad offset), ...
                return self.truncated(info.filename)

        info = zf.getinfo(WORKBOOK_XML)
        if info.file_size > MAX_WORKBOOK_XML:
            return self.bomb(f"{WORKBOOK_XML} 声明大小为 {_size(info.file_size)}，超过 {_size(MAX_WORKBOOK_XML)}")
        try:
            kept = self.keep.get(WORKBOOK_XML) if self.keep is not None else None
            if kept is not None:
                data = kept
            else:
                with zf.open(info) as member:
                    data = member.read(MAX_WORKBOOK_XML + 1)
        except Exception:  # zlib.error, BadZipFile, EOFError, OSError, ...
            return self.truncated(WORKBOOK_XML)
        if len(data) > MAX_WORKBOOK_XML:
            return self.bomb(f"{WORKBOOK_XML} 超过 {_size(MAX_WORKBOOK_XML)}")
        try:
            _well_formed(data)
        except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
            return self.xml_bomb(WORKBOOK_XML)
        except expat.ExpatError as exc:
            line, column = exc.lineno, exc.offset
            return self.problem(
                "unreadable-xml",
                f"文件 {self.name} 中的 {WORKBOOK_XML} 不是有效的XML（第 {line} 行第 {column + 1} 列出错），无法读取",
            )
        except Exception:  # unknown encodings, ...
            return self.problem(
                "unreadable-xml", f"文件 {self.name} 中的 {WORKBOOK_XML} 无法解析（编码不对），无法读取"
            )
        if STRICT_NAMESPACE in data[:4096]:
            return self.problem(
                "strict-ooxml",
                f"文件 {self.name} 是“Strict Open XML 电子表格”格式，"
                "请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”后再提交",
            )
        return None


# ---------------------------------------------------------------------------------------- helpers
def refusing_parser(namespace_separator: str | None = None) -> expat.XMLParserType:
    """An expat parser with defusedxml's refusals: a DTD, an entity declaration or an external
    reference raises defusedxml's errors (ValueErrors), as defusedxml's own parsers do. Used here
    and by the streaming reader, which sets its own element handlers."""
    parser = expat.ParserCreate(namespace_separator=namespace_separator)

    def doctype(name: str, sysid: str | None, pubid: str | None, _has_internal: bool) -> None:
        raise DTDForbidden(name, sysid, pubid)

    def entity(
        name: str,
        _is_parameter: bool,
        value: str | None,
        base: str | None,
        sysid: str | None,
        pubid: str | None,
        notation: str | None,
    ) -> None:
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation)

    def unparsed(name: str, base: str | None, sysid: str | None, pubid: str | None, notation: str | None) -> None:
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation)

    def external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> None:
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = unparsed
    parser.ExternalEntityRefHandler = external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _well_formed(data: bytes) -> None:
    """Parse ``data`` to its end without building anything (the workbook.xml of a 2,000-项 workbook
    names 75,000 cells); malformed XML raises ``expat.ExpatError``."""
    refusing_parser().Parse(data, True)


def _size(n: int) -> str:
    if n >= MIB:
        return f"{n / MIB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} 字节"


def _windows(fp: BinaryIO, overlap: int) -> Iterator[bytes]:
    """The whole file in chunks, each prefixed with the last ``overlap`` bytes of the previous one."""
    fp.seek(0)
    tail = b""
    while chunk := fp.read(CHUNK):
        window = tail + chunk
        yield window
        tail = window[-overlap:] if overlap else b""


def _count(fp: BinaryIO, needle: bytes, *, stop_after: int) -> int:
    """Occurrences of ``needle`` in the file (stops counting once past ``stop_after``)."""
    found = 0
    for window in _windows(fp, len(needle) - 1):
        found += window.count(needle)  # a match in the overlap is never complete, so never counted twice
        if found > stop_after:
            break
    return found


def _sniff(head: bytes) -> str:
    """A hint, for the message, of what a non-zip file is instead."""
    if head.startswith(b"%PDF"):
        return "，而是 PDF 文件"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        return "，而是图片文件"
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")):
        return "，而是其他格式的压缩包（RAR/7z/gzip）"
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        return "，而是空的或分卷的 zip 压缩包"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "，而是 Excel 2003 XML 表格"
    if text.startswith((b"<html", b"<!doctype html")) or b"<table" in text:
        return "，而是网页（HTML）文件（常见于从网页系统导出的 .xls）"
    if b"\x00" not in head and _decodes(head):
        return "，而是文本文件（如 CSV）"
    return ""


def _decodes(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut off at the end of the head
                return True
            continue
        return True
    return False


def _package_hint(names: set[str]) -> str:
    """A hint, for the message, of what a zip that is not a workbook is instead."""
    if "word/document.xml" in names:
        return "，而是 Word 文档（.docx）"
    if "ppt/presentation.xml" in names:
        return "，而是 PowerPoint 演示文稿（.pptx）"
    if "xl/workbook.bin" in names:
        return "，而是 Excel 二进制工作簿（.xlsb），请另存为 .xlsx"
    if "content.xml" in names and "META-INF/manifest.xml" in names:
        return "，而是 OpenDocument 文件（如 .ods），请另存为 .xlsx"
    if CONTENT_TYPES in names:
        return f"，缺少 {WORKBOOK_XML}"
    return "，而是普通的 zip 压缩包"


def _has_dtd_marker(head: bytes) -> bool:
    """``<!DOCTYPE``/``<!ENTITY`` anywhere in the head, also when the XML is UTF-16/32 encoded."""
    lowered = head.lower()
    if any(m in lowered for m in DTD_MARKERS):
        return True
    if b"\x00" in head:
        squeezed = lowered.replace(b"\x00", b"")
        return any(m in squeezed for m in DTD_MARKERS)
    return False


class _Doctype(Exception):
    pass


class _RootStarted(Exception):
    pass


def _prolog_has_dtd(head: bytes, rest: BinaryIO) -> bool:
    """Whether the XML prolog declares a DTD, found by expat itself.

    Catches what a byte search misses: a prolog longer than the head (a long comment before the
    DOCTYPE) or an encoding expat reads but a byte search does not (a single-byte codec such as EBCDIC).
    Parsing stops at the root element's start tag, or at the DOCTYPE before its internal subset is
    read, so nothing is ever expanded. A prolog longer than 1 MiB counts as a DTD (refused).
    XML expat cannot read counts as no DTD: openpyxl's expat-based
    parser cannot read it either, and ``xl/workbook.xml`` is parsed fully afterwards.
    """

    def doctype(*_: object) -> None:
        raise _Doctype

    def root(*_: object) -> None:
        raise _RootStarted

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    fed = 0
    chunk = head
    try:
        while chunk:
            parser.Parse(chunk, False)
            fed += len(chunk)
            if fed >= MAX_PROLOG:  # no workbook part has a prolog this long: refuse rather than look further
                return True
            chunk = rest.read(XML_HEAD)
        parser.Parse(b"", True)
    except _Doctype:
        return True
    except (_RootStarted, expat.ExpatError, ValueError, LookupError):
        return False
    return False
