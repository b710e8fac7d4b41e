"""The bad-input corpus: workbooks that are not what they should be, built from a good one.

Shared by the tests (one clear finding each) and ``benchmarks/bad_inputs.py`` (time and memory each).
"""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

# kind → the one finding code it must give
KINDS = {
    "empty": "empty-file",
    "random-bytes": "not-a-zip",
    "old-xls": "old-xls",
    "encrypted": "encrypted",
    "truncated": "truncated-zip",
    "zip-bomb": "zip-bomb",
    "xml-bomb": "xml-bomb",
    "not-xlreport": "not-an-xlreport-workbook",
}

GIB = 1024**3


def plain_xlsx(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Sheet1").write(0, 0, "hello")
    wb.close()
    return path


def deflated_zeros(size: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` zero bytes (a multiple of 1 MiB) and its CRC-32, without
    compressing ``size`` bytes: a fully flushed block of 1 MiB of zeros repeats."""
    mib = 1 << 20
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = z.compress(bytes(mib)) + z.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    zeros = bytes(mib)
    for _ in range(size // mib):
        crc = zlib.crc32(zeros, crc)
    return block * (size // mib) + z.flush(), crc


def zip_bomb(good: Path) -> bytes:
    """The good workbook plus a real deflated member that expands to 1 GiB (about 1 MiB in the file)."""
    data, crc = deflated_zeros(GIB)
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        out.writestr(zipfile.ZipInfo("xl/media/image1.bin"), data, zipfile.ZIP_STORED)
    raw = bytearray(buf.getvalue())
    # turn the stored member into the deflated one it really is: method 8, the CRC and size of 1 GiB
    local = raw.rfind(b"PK\x03\x04")
    central = raw.rfind(b"PK\x01\x02")
    for header, method_at, crc_at, size_at in ((local, 8, 14, 22), (central, 10, 16, 24)):
        raw[header + method_at : header + method_at + 2] = (8).to_bytes(2, "little")
        raw[header + crc_at : header + crc_at + 4] = crc.to_bytes(4, "little")
        raw[header + size_at : header + size_at + 4] = GIB.to_bytes(4, "little")
    return bytes(raw)


def make(kind: str, tmp_path: Path, good: Path) -> Path:
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
    elif kind == "zip-bomb":
        p.write_bytes(zip_bomb(good))
    elif kind == "not-xlreport":
        plain_xlsx(p)
    return p


# A child process that runs the command line in-process and reports its own peak memory on exit.
_MEASURED = """
import resource, sys
from xlreport.cli import main
try:
    main(sys.argv[1:], prog_name="xlreport")
finally:
    sys.stderr.write("\\nxlreport-peak-rss-kib=%d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mib: float


def run_cli_measured(*args: str) -> Measured:
    """Run ``xlreport ARGS`` in a fresh Python process: exit code, output, wall time, peak RSS."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args], capture_output=True, text=True, timeout=120, check=False
    )
    seconds = time.perf_counter() - start
    found = re.search(r"xlreport-peak-rss-kib=(\d+)", proc.stderr)
    peak = int(found.group(1)) / 1024 if found else float("nan")
    stderr = re.sub(r"\nxlreport-peak-rss-kib=\d+\n", "", proc.stderr)
    return Measured(proc.returncode, proc.stdout, stderr, seconds, peak)


def stray_cells(good: Path, dst: Path, cells: int, where: str = "below", seed: int = 1) -> Path:
    """A copy of ``good`` whose first table sheet holds ``cells`` random numbers outside its tables:
    "below" (100 a row, from row 1,000 down) or "right" (300 rows from 50 below the sheet's last row,
    from column AA right to the sheet's last column, 16,384), streamed into the zip so that millions
    of cells take little memory here."""
    from xlreport.layout.a1 import column_letter

    rng = random.Random(seed)
    with zipfile.ZipFile(good) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', members["xl/workbook.xml"].decode())
    part = f"xl/worksheets/sheet{names.index(names[1]) + 1}.xml"  # the first table (after 填表说明)
    head, tail = members.pop(part).decode().split("</sheetData>")
    last = max(int(r) for r in re.findall(r'<row r="(\d+)"', head))
    if where == "below":
        per_row, first_row, first_col = 100, 1000, 1
    else:
        per_row, first_row, first_col = min(-(-cells // 300), 16384 - 26), last + 50, 27
    letters = [column_letter(c) for c in range(first_col, first_col + per_row)]

    def rows():
        left, r = cells, first_row
        while left > 0:
            n = min(per_row, left)
            cols = "".join(f'<c r="{letters[i]}{r}"><v>{rng.randint(0, 10**9) / 100}</v></c>' for i in range(n))
            yield f'<row r="{r}">{cols}</row>'
            left -= n
            r += 1

    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
        with out.open(part, "w", force_zip64=True) as w:
            w.write(head.encode())
            for row in rows():
                w.write(row.encode())
            w.write(("</sheetData>" + tail).encode())
    return dst
