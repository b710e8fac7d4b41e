"""Part 3 texts in and out of files: .txt and .md as text, .docx read and written without a dependency.

A .docx is a zip of XML parts; its text is the ``w:t`` runs of each ``w:p`` paragraph. Reading takes the
text runs with a regular expression (no XML parser, so no entity expansion: a hostile file cannot blow
up), and writing puts one paragraph per line into the three parts Word, WPS and LibreOffice need.
"""

from __future__ import annotations

import html
import re
import zipfile
from os import PathLike
from pathlib import Path

from ..errors import ReportInputError
from ..fileio import atomic_write, write_text
from .generate import Document

MAX_XML = 50 * 1024 * 1024  # the document part of a Part 3 is some kB; refuse what is absurd
_PARAGRAPH = re.compile(r"<w:p[ >].*?</w:p>|<w:p/>", re.S)
_RUN = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>|<w:(tab|br|cr)\b[^>]*/>")


def _fail(path: Path, why: str) -> ReportInputError:
    from ..api import InputIssue

    return ReportInputError(str(path), [InputIssue("", why)])


def read_text(path: str | PathLike[str]) -> str:
    """The text of a .txt, .md or .docx file (UTF-8, or GB18030 as Chinese Windows saves it)."""
    p = Path(path)
    try:
        if p.suffix.lower() == ".docx":
            return _read_docx(p)
        raw = p.read_bytes()
    except OSError as exc:
        raise _fail(p, f"无法读取文件：{exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(p, "文件不是 UTF-8 或 GB18030 编码的文本")


def _read_docx(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > MAX_XML:
                raise _fail(path, "word/document.xml 过大")
            xml = z.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError):
        raise _fail(path, "不是 Word 文档（.docx）") from None
    lines = []
    for para in _PARAGRAPH.findall(xml):
        parts = []
        for text, special in _RUN.findall(para):
            parts.append(html.unescape(text) if not special else ("\t" if special == "tab" else "\n"))
        lines.append("".join(parts))
    return "\n".join(lines)


def _xml(text: str) -> str:
    return html.escape(text, quote=False)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
_FONT = '<w:rFonts w:ascii="宋体" w:eastAsia="宋体" w:hAnsi="宋体"/>'
_SIZE = '<w:sz w:val="28"/><w:szCs w:val="28"/>'  # 四号


def _paragraph(text: str, *, bold: bool = False, center: bool = False, indent: bool = True) -> str:
    ppr = '<w:pPr><w:spacing w:line="520" w:lineRule="exact"/>'  # schema order: spacing, ind, jc
    ppr += '<w:ind w:firstLineChars="200" w:firstLine="560"/>' if indent and not center else ""
    ppr += '<w:jc w:val="center"/>' if center else ""
    ppr += "</w:pPr>"
    rpr = f"<w:rPr>{_FONT}{'<w:b/>' if bold else ''}{_SIZE}</w:rPr>"
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{_xml(text)}</w:t></w:r></w:p>'


def docx_document(doc: Document) -> str:
    body = [_paragraph(doc.title, bold=True, center=True)]
    for section in doc.sections:
        body.append(_paragraph(section.heading, bold=True))
        for p in section.paragraphs:
            body.extend(_paragraph(line) for line in p.text.split("\n"))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + "".join(body)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1800" w:bottom="1440" w:left="1800" w:header="851" w:footer="992" '
        'w:gutter="0"/></w:sectPr></w:body></w:document>'
    )


def markdown(doc: Document) -> str:
    lines = [f"# {doc.title}", ""]
    for section in doc.sections:
        lines += [("### " if "（" in section.number else "## ") + section.heading, ""]
        for p in section.paragraphs:
            for line in p.text.split("\n"):
                lines += [line, ""]
    return "\n".join(lines)


def write_document(doc: Document, path: str | PathLike[str]) -> Path:
    """Write ``doc`` as .docx, .md or .txt (by the suffix), atomically."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".docx":
        with atomic_write(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", _CONTENT_TYPES)
            z.writestr("_rels/.rels", _RELS)
            z.writestr("word/document.xml", docx_document(doc))
        return target
    if suffix == ".md":
        return write_text(target, markdown(doc))
    return write_text(target, doc.text)
