"""LibreOffice as a second spreadsheet engine: recalculate workbooks and compare with the cached values.

LibreOffice trusts cached formula values unless told otherwise; a fresh user profile whose
registrymodifications.xcu sets OOXMLRecalcMode = 0 makes it recalculate every formula on load.
Used by ``xlreport edition check`` (the template of an edition recalculates to its cached values)
and by the tests.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""

CHUNK = 100  # files per LibreOffice run: one process converting some hundreds of workbooks stops part way


def soffice() -> str | None:
    """The LibreOffice executable, None where it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: list[Path], outdir: Path, target: str = "xlsx", timeout: int = 600) -> list[Path]:
    """Convert ``files`` (recalculating on load), ``CHUNK`` to a LibreOffice run; the converted paths.
    ``timeout`` is per run. Raises ``RuntimeError`` when LibreOffice is missing or converts nothing."""
    exe = soffice()
    if not exe:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    profile = outdir / f"profile-{uuid.uuid4().hex}"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    filt = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf"}[target]
    out = [outdir / (f.stem + "." + target) for f in files]
    for start in range(0, len(files), CHUNK):
        chunk = files[start : start + CHUNK]
        cmd = [
            exe,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            filt,
            "--outdir",
            str(outdir),
            *map(str, chunk),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        missing = [p for p in out[start : start + CHUNK] if not p.exists()]
        if missing:
            raise RuntimeError(f"LibreOffice did not convert {missing}: {proc.stdout}\n{proc.stderr}")
    return out


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    }


def differences(original: Path, recalculated: Path, tol: float = 1e-9) -> list[tuple[str, str, str]]:
    """Formula cells whose value after LibreOffice's recalculation differs from the cached value:
    (sheet, cell, what differs)."""
    from openpyxl import load_workbook

    formulas = formula_cells(original)
    cached = load_workbook(original, data_only=True)
    fresh = load_workbook(recalculated, data_only=True)
    problems = []
    for (sheet, coord), formula in formulas.items():
        a, b = cached[sheet][coord].value, fresh[sheet][coord].value
        if isinstance(b, str) and b.startswith("#"):
            problems.append((sheet, coord, f"{formula}: LibreOffice gives {b}"))
            continue
        numeric = (int, float, type(None))
        if isinstance(a, numeric) and isinstance(b, numeric):
            x, y = float(a or 0), float(b or 0)
            if abs(x - y) > tol * max(1.0, abs(x), abs(y)):
                problems.append((sheet, coord, f"{formula}: cached {a!r}, LibreOffice {b!r}"))
        elif (a or "") != (b or ""):
            problems.append((sheet, coord, f"{formula}: cached {a!r}, LibreOffice {b!r}"))
    return problems


def compare(original: Path, recalculated: Path, tol: float = 1e-9) -> list[str]:
    """:func:`differences` as lines: ``sheet!cell formula: …``."""
    return [f"{sheet}!{cell} {what}" for sheet, cell, what in differences(original, recalculated, tol)]
