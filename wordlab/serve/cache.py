"""A vectors file read once, then kept as memory-mapped binary arrays so the next start is quick.

The copy lives in `$WORDLAB_CACHE/vectors/` (else `~/.cache/wordlab/vectors/`), in a folder named
after the file and keyed by its resolved path, format and limit. A stamp written last records the
file's size and modification time: a file edited since is read again into the same folder, and
a copy cut short (no stamp) is never used. The folder holds the words (UTF-8, newline-separated),
the float32 matrix, its row norms and its unit-normalised rows, each an `.npy` file that is opened
with `mmap_mode="r"`, so a start costs no parsing and the pages are shared with the OS cache.
A rebuilt copy replaces each file by renaming a new one over it, never by writing into it, so a
server still mapping the old copy keeps reading valid pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

from wordlab.fileio import atomic_open, atomic_path, require_file
from wordlab.modelio import pack_words, unpack_words
from wordlab.vectors import Vectors

CACHE_VERSION = 1
_ARRAYS = ("words", "matrix", "norms", "unit")
_STAMP = "stamp.json"
_MARGIN = 64 << 20  # bytes left free on the cache's disk after writing a copy


def cache_root() -> Path:
    """The folder of cached vectors: $WORDLAB_CACHE/vectors, else ~/.cache/wordlab/vectors."""
    return Path(os.environ.get("WORDLAB_CACHE", Path.home() / ".cache" / "wordlab")) / "vectors"


def cache_folder(
    path: str | os.PathLike, fmt: str | None, limit: int | None, root: Path | None = None
) -> Path:
    """Where the copy of `path` read with `fmt` and `limit` is kept (one folder per such reading)."""
    key = hashlib.sha1(f"{Path(path).resolve()}|{fmt}|{limit}".encode()).hexdigest()[:16]
    return (root or cache_root()) / f"{Path(path).name}.{key}"


def _stamp(path: Path, fmt: str | None, limit: int | None) -> dict:
    """What the copy was made from: a different size or mtime means the file changed."""
    st = path.stat()
    return {
        "version": CACHE_VERSION,
        "path": str(path.resolve()),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "format": fmt,
        "limit": limit,
    }


def _open(folder: Path, stamp: dict) -> Vectors | None:
    """The cached vectors in `folder` if its stamp matches `stamp` and the arrays agree; else None."""
    try:
        saved = json.loads((folder / _STAMP).read_text(encoding="utf-8"))
        if {k: saved.get(k) for k in stamp} != stamp:
            return None
        n, dim = int(saved["rows"]), int(saved["dim"])
        words = unpack_words(np.load(folder / "words.npy", allow_pickle=False))
        matrix = np.load(folder / "matrix.npy", mmap_mode="r", allow_pickle=False)
        unit = np.load(folder / "unit.npy", mmap_mode="r", allow_pickle=False)
        norms = np.load(folder / "norms.npy", allow_pickle=False)
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None  # missing, cut short or damaged: read the file again
    shapes = (matrix.shape, unit.shape, norms.shape, len(words))
    if shapes != ((n, dim), (n, dim), (n,), n) or matrix.dtype != np.float32:
        return None
    vectors = Vectors(words, matrix)
    # Vectors computes these lazily (cached properties); the saved ones are its own results
    vectors.__dict__["norms"] = norms
    vectors.__dict__["unit_matrix"] = unit
    return vectors


def _write(folder: Path, vectors: Vectors, stamp: dict) -> None:
    """Write the arrays, each atomically, then the stamp that makes the copy valid."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _STAMP).unlink(missing_ok=True)
    arrays = {
        "words": pack_words(vectors.words),
        "matrix": vectors.matrix,
        "norms": vectors.norms,
        "unit": vectors.unit_matrix,
    }
    for name in _ARRAYS:
        with atomic_path(folder / f"{name}.npy") as tmp, open(tmp, "wb") as fh:
            np.lib.format.write_array(fh, np.asarray(arrays[name]), allow_pickle=False)
    with atomic_open(folder / _STAMP, "w", encoding="utf-8") as fh:
        json.dump({**stamp, "rows": len(vectors), "dim": vectors.dim}, fh, indent=1)


def _why_not_cached(folder: Path, vectors: Vectors) -> str | None:
    """Why no copy can be kept (a word with a newline, too little disk), or None."""
    if any("\n" in w for w in vectors.words):
        return "a word contains a newline"
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    need = 2 * vectors.matrix.nbytes + 8 * len(vectors) + _MARGIN
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return None
    if free < need:
        return f"{free / 1e9:.1f} GB free in {existing}, {need / 1e9:.1f} GB needed"
    return None


def load_cached(
    path: str | os.PathLike,
    fmt: str | None = None,
    limit: int | None = None,
    root: Path | None = None,
) -> tuple[Vectors, str]:
    """The vectors of a file, from its memory-mapped copy (made now if missing or stale).

    Returns the vectors and one line saying where they came from; a copy that cannot be written
    (read-only or full disk) leaves the vectors in memory and says why.
    """
    p = require_file(path, "vectors file")
    folder = cache_folder(p, fmt, limit, root)
    stamp = _stamp(p, fmt, limit)
    cached = _open(folder, stamp)
    if cached is not None:
        return cached, f"memory-mapped copy in {folder}"
    vectors = Vectors.load(p, fmt=fmt, limit=limit)
    why = _why_not_cached(folder, vectors)
    if why is None:
        try:
            _write(folder, vectors, stamp)
        except OSError as exc:
            why = f"cannot write {exc.filename or folder}: {exc.strerror or exc}"
    if why is not None:
        return vectors, f"read into memory (no cached copy: {why})"
    reopened = _open(folder, stamp)  # the file's pages, not a second copy in memory
    if reopened is None:
        return vectors, f"read into memory (the copy in {folder} could not be reopened)"
    return reopened, f"read once; memory-mapped copy kept in {folder}"
