"""Small file helpers shared by every stage: atomic writes and compressed-file opening."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tempfile
import zlib
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
    """Open a plain, .gz, .bz2 or .xz file for binary reading, chosen by its suffix.

    A compressed file that is truncated, corrupt, or not of the kind its name says raises a
    WordlabError naming the file and how far it could be read, not the codec's own exception.
    """
    p = require_file(path)
    opener = _OPENERS.get(p.suffix.lower())
    if opener is None:
        return open(p, "rb")
    try:
        stream = opener(p, "rb")
    except OSError as exc:
        raise WordlabError(f"{p}: cannot open ({exc})") from None
    return io.BufferedReader(_CheckedStream(stream, p), buffer_size=1 << 20)  # type: ignore[return-value]


_CODEC_ERRORS = (EOFError, lzma.LZMAError, gzip.BadGzipFile, OSError, ValueError, zlib.error)


class _CheckedStream(io.RawIOBase):
    """A decompressing stream whose codec errors become one WordlabError naming the file."""

    def __init__(self, stream: BinaryIO, path: Path) -> None:
        self._stream = stream
        self._path = path
        self._done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        try:
            data = self._stream.read(len(buffer))
        except _CODEC_ERRORS as exc:
            kind = self._path.suffix.lower().lstrip(".")
            raise WordlabError(
                f"{self._path}: not a valid .{kind} file, or truncated or damaged after "
                f"{self._done:,} bytes of decompressed text ({type(exc).__name__}: {exc})"
            ) from None
        n = len(data)
        buffer[:n] = data
        self._done += n
        return n

    def close(self) -> None:
        self._stream.close()
        super().close()


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
