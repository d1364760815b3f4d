"""Small file helpers shared by every stage: atomic writes and compressed-file opening."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from wordlab.errors import WordlabError

_UMASK = os.umask(0)
os.umask(_UMASK)
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def require_file(path: str | os.PathLike, what: str = "file") -> Path:
    """Return `path` as a Path, or raise a clear error if it is missing or not a file."""
    p = Path(path)
    if not p.exists():
        raise WordlabError(f"{what} not found: {p}")
    if not p.is_file():
        raise WordlabError(f"{what} is not a regular file: {p}")
    return p


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open a plain, .gz, .bz2 or .xz file for binary reading, chosen by its suffix."""
    p = require_file(path)
    opener = _OPENERS.get(p.suffix.lower())
    return opener(p, "rb") if opener else open(p, "rb")  # type: ignore[return-value]


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds.

    An interrupted run therefore never leaves a half-written file under the final name.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the usual permissions
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs) -> Iterator:
    """Open a file for writing that appears under `path` only once it is complete."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh
