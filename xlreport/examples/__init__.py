"""The example reports shipped with xlreport, read through importlib.resources (a checkout or an installed wheel).

- ``jincheng-2022``: the reference, a real published 2022 report transcribed exactly (two findings).
- a SYNTHETIC district report of the 2024 万元 edition: invented unit and numbers
  (``tools/synthetic_district.py`` makes it).

    from xlreport import examples
    examples.names()                 # every example's name
    examples.path("jincheng-2022")   # the JSON file, for the command line or any JSON reader
    examples.load("jincheng-2022")   # the Report
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..api import load_report
from ..model.report import Report

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

REFERENCE = "jincheng-2022"
"""The example `xlreport demo` writes and validates."""


def _files() -> Traversable:
    return resources.files(__name__)


def names() -> list[str]:
    """Every shipped example, sorted."""
    return sorted(f.name.removesuffix(".json") for f in _files().iterdir() if f.name.endswith(".json"))


def _resource(name: str) -> Traversable:
    if name not in names():
        raise KeyError(f"没有名为“{name}”的示例（可用：{'、'.join(names())}）")
    return _files() / f"{name}.json"


def read_bytes(name: str) -> bytes:
    """The JSON text of example ``name``, as shipped."""
    return _resource(name).read_bytes()


def path(name: str) -> Path:
    """The file of example ``name``. pip installs packages as plain files, so it is a path on disk."""
    resource = _resource(name)
    if not isinstance(resource, Path):  # a zip import: copy the bytes with read_bytes() instead
        raise FileNotFoundError(f"示例“{name}”不在文件系统中（{resource}），请用 read_bytes() 读取")
    return resource


def load(name: str) -> Report:
    """Example ``name`` as a Report."""
    return load_report(read_bytes(name))
