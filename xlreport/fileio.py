"""Writing output files: whole or not at all, with the permissions the user's umask gives.

Every file xlreport writes (workbooks, annotated copies, JSON, CSV, schemas, summaries) goes
through :func:`atomic_write`: the content is written to a temporary file beside the target, synced
and renamed over it, so a reader never sees half a file and a failed write leaves no debris.
The temporary file is created with mode 0666 masked by the umask, as ``open(path, "w")`` would
(``tempfile.mkstemp`` would leave it 0600, unreadable to colleagues on a shared folder).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _temp_beside(target: Path) -> Path:
    """A new empty file next to ``target``, created 0666 & ~umask (the kernel applies the umask)."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name beside {target}")  # pragma: no cover


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[str]:
    """Yield the name of a temporary file to write ``path``'s content into (by any library that
    takes a file name); on success it replaces ``path``, on any error it is removed.

    A file that cannot be written raises :class:`~xlreport.errors.OutputError` naming ``path``."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_beside(target)
    except OSError as exc:
        raise OutputError(target, exc) from exc
    try:
        yield str(tmp)
        _sync(tmp)
        os.replace(tmp, target)
    except OutputError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(target, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`); "\\n" is written as is."""
    with atomic_write(path) as tmp, open(tmp, "w", encoding=encoding, newline="") as fh:
        fh.write(text)
    return Path(path)


__all__ = ["atomic_write", "write_text"]
