"""Vectors file formats: reading and writing the word lists and float32 matrices of `Vectors`.

Formats (UTF-8 unless an `encoding` is given; plain, .gz, .bz2 or .xz to read):
- ``glove``: ``word v1 ... vd`` per line, no header (Stanford GloVe's output).
- ``word2vec`` / ``vec``: the same lines after a ``count dim`` header (word2vec ``-binary 0``,
  fastText ``.vec``).
- ``word2vec-binary``: the ``count dim`` header, then per word ``word<space>`` and ``dim``
  little-endian float32 values, then a newline (word2vec ``-binary 1``).

Rows are kept in file order; a word listed twice keeps its first row, as in gensim.
"""

from __future__ import annotations

import codecs
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_path, open_binary, require_file

FORMATS = ("glove", "word2vec", "word2vec-binary", "vec")
# the file each trainer's command writes for a format, so formats can sit side by side in one folder
FILE_NAMES = {
    "glove": "vectors.txt",
    "word2vec": "vectors.w2v.txt",
    "word2vec-binary": "vectors.bin",
    "vec": "vectors.vec",
}


def check_format(fmt: str) -> None:
    """Raise a clear error unless `fmt` is one of FORMATS."""
    if fmt not in FORMATS:
        raise WordlabError(f"unknown vectors format {fmt!r}: choose one of {', '.join(FORMATS)}")


def write_vectors(
    path: str | os.PathLike, words: list[str], matrix: np.ndarray, fmt: str = "glove"
) -> None:
    """Write words and their float32 rows in `fmt`, atomically.

    Text formats use 9 significant digits, so float32 values read back exactly.
    """
    check_format(fmt)
    for i, w in enumerate(words):
        if not w or len(w.split()) != 1 or w != w.strip():
            raise WordlabError(
                f"cannot save word {i} ({w!r}): words in a vectors file must be non-empty and "
                "contain no whitespace"
            )
    n, dim = matrix.shape
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        if fmt != "glove":
            out.write(f"{n} {dim}\n".encode())
        if fmt == "word2vec-binary":
            le = matrix.astype("<f4", copy=False)
            for w, row in zip(words, le, strict=True):
                out.write(w.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            line_fmt = "%s " + " ".join(["%.9g"] * dim) + "\n"
            buf = io.StringIO()
            for start in range(0, n, 4096):
                block = matrix[start : start + 4096].tolist()
                for w, row in zip(words[start : start + 4096], block, strict=True):
                    buf.write(line_fmt % (w, *row))
                out.write(buf.getvalue().encode("utf-8"))
                buf.seek(0)
                buf.truncate()


def read_vectors(
    path: str | os.PathLike,
    fmt: str | None = None,
    limit: int | None = None,
    encoding_errors: str = "strict",
    encoding: str = "utf-8",
) -> tuple[list[str], np.ndarray]:
    """Words and float32 matrix of a vectors file, detecting its format when `fmt` is None.

    The matrix is allocated once at its final size (a header-less file is counted first),
    so a large file never exists twice in memory. `limit` keeps only the first N words.
    """
    p = require_file(path, "vectors file")
    if fmt is not None:
        check_format(fmt)
    if limit is not None and limit < 0:
        raise WordlabError(f"limit must be >= 0, got {limit}")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise WordlabError(f"unknown text encoding {encoding!r}") from None
    try:
        codecs.lookup_error(encoding_errors)
    except LookupError:
        raise WordlabError(f"unknown encoding error handler {encoding_errors!r}") from None
    detected = _detect_format(p)
    if fmt is None:
        fmt = detected
    elif fmt == "glove" and detected != "glove":
        raise WordlabError(
            f"{p}: starts with a 'count dim' header, so it is not a GloVe file "
            f"(it looks like {detected})"
        )
    elif fmt in ("word2vec", "vec") and detected == "word2vec-binary":
        raise WordlabError(f"{p}: looks like a word2vec binary file, not text (fmt {fmt!r})")
    elif fmt == "word2vec-binary" and detected != "word2vec-binary":
        raise WordlabError(
            f"{p}: not a word2vec binary file (a fastText .bin is a model, "
            "not a vectors file: use its .vec)"
        )
    if fmt == "word2vec-binary":
        words, matrix = _read_binary(p, limit, encoding_errors, encoding)
    else:
        words, matrix = _read_text(p, fmt != "glove", limit, encoding_errors, encoding)
    if len(words) == 0:
        raise WordlabError(f"{p}: no vectors in file")
    return words, matrix


def write_word2vec_format(
    path: str | os.PathLike,
    words: list[str],
    matrix: np.ndarray,
    counts: np.ndarray | None,
    fvocab: str | os.PathLike | None = None,
    binary: bool = False,
    write_header: bool = True,
) -> None:
    """gensim's `save_word2vec_format`: word2vec text or binary, and `word count` lines to fvocab."""
    if binary and not write_header:
        raise WordlabError("a word2vec binary file needs its header: use write_header=True")
    if fvocab is not None:
        if counts is None:
            raise WordlabError(f"cannot write {fvocab}: these vectors have no word counts")
        from wordlab.corpus import write_word_counts

        write_word_counts(fvocab, words, counts)
    write_vectors(
        path,
        words,
        matrix,
        "word2vec-binary" if binary else "word2vec" if write_header else "glove",
    )


def read_word2vec_format(
    path: str | os.PathLike,
    fvocab: str | os.PathLike | None = None,
    binary: bool = False,
    encoding: str = "utf8",
    unicode_errors: str = "strict",
    limit: int | None = None,
    datatype: Any = np.float32,
    no_header: bool = False,
) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """gensim's `load_word2vec_format`: words, float32 matrix and the counts listed in `fvocab`.

    `limit` keeps the first N words (0 or None: all); the values are rounded to `datatype` but
    kept as float32.
    """
    if binary and no_header:
        raise WordlabError("no_header works only for text files (binary=False)")
    fmt = "word2vec-binary" if binary else "glove" if no_header else "word2vec"
    words, matrix = read_vectors(path, fmt, limit or None, unicode_errors, encoding)
    if np.dtype(datatype) != np.float32:
        matrix = matrix.astype(datatype).astype(np.float32)
    counts = None
    if fvocab is not None:
        from wordlab.corpus import read_word_counts

        known = dict(zip(*read_word_counts(Path(fvocab)), strict=True))
        missing = [w for w in words if w not in known]
        if missing:
            raise WordlabError(
                f"{fvocab}: no count for {len(missing)} words of {path}, e.g. {missing[0]!r}"
            )
        counts = np.array([known[w] for w in words], dtype=np.int64)
    return words, matrix, counts


def to_gensim(words: list[str], matrix: np.ndarray, counts: np.ndarray | None) -> Any:
    """A gensim KeyedVectors with these words, rows and counts (gensim imported lazily)."""
    try:
        from gensim.models import KeyedVectors
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise WordlabError("to_gensim needs gensim: pip install gensim") from exc
    kv = KeyedVectors(matrix.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(words, matrix)
    if counts is not None:
        kv.allocate_vecattrs(["count"], [np.int64])
        kv.expandos["count"][: len(words)] = counts
    return kv


def from_gensim(kv: Any) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Words, float32 matrix and counts of a gensim KeyedVectors, in its order."""
    words = list(kv.index_to_key)
    counts = None
    expandos = getattr(kv, "expandos", {})
    if "count" in expandos and len(expandos["count"]) >= len(words):
        counts = np.asarray(expandos["count"][: len(words)], dtype=np.int64)
    return words, np.array(kv.vectors[: len(words)], dtype=np.float32), counts


def _parse_header(line: bytes) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(x.isdigit() for x in parts):
        return int(parts[0]), int(parts[1])
    return None


def _detect_format(path: Path) -> str:
    """glove (no header), word2vec text, or word2vec binary, from the first two records."""
    with open_binary(path) as fh:
        first = fh.readline(1 << 20)
        header = _parse_header(first)
        if header is None:
            return "glove"
        n, dim = header
        second = fh.readline(max(64 * dim + 4096, 1 << 16))
    if n == 0 or not second:
        return "word2vec"
    # A text record is a word and `dim` numbers; a binary one has raw bytes after the word.
    parts = second.rsplit(None, dim)
    if len(parts) == dim + 1:
        try:
            np.array(parts[1:], dtype=np.float32)
            return "word2vec"
        except ValueError:
            pass
    return "word2vec-binary"


def _count_lines(path: Path) -> int:
    n = 0
    last = b"\n"
    with open_binary(path) as fh:
        while block := fh.read(1 << 22):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _read_text(
    path: Path, has_header: bool, limit: int | None, errors: str, encoding: str
) -> tuple[list[str], np.ndarray]:
    with open_binary(path) as fh:
        line_no = 0
        if has_header:
            first = fh.readline()
            line_no = 1
            header = _parse_header(first)
            if header is None:
                raise WordlabError(f"{path}:1: expected a 'count dim' header, got {first[:80]!r}")
            n, dim = header
        elif limit is not None and limit <= 1_000_000:
            n, dim = limit, None  # rows beyond the file's end are trimmed below
        else:
            n, dim = _count_lines(path), None
        if limit is not None:
            n = min(n, limit)
        words: list[str] = []
        matrix: np.ndarray | None = None if dim is None else np.empty((n, dim), np.float32)
        i = 0
        while i < n:
            line = fh.readline()
            line_no += 1
            if not line:
                if has_header:
                    raise WordlabError(
                        f"{path}: the header promises {n} vectors but the file ends after {i}"
                    )
                break
            if not line.strip():
                if has_header:
                    raise WordlabError(f"{path}:{line_no}: empty line")
                continue
            if dim is None:
                dim = len(line.split()) - 1
                if dim < 1:
                    raise WordlabError(f"{path}:{line_no}: expected a word and numbers")
                matrix = np.empty((n, dim), np.float32)
            parts = line.rsplit(
                None, dim
            )  # words may contain spaces (GloVe 840B): split from right
            if len(parts) != dim + 1:
                raise WordlabError(
                    f"{path}:{line_no}: expected a word and {dim} numbers, got {len(parts) - 1} "
                    "fields"
                )
            try:
                matrix[i] = np.array(parts[1:], dtype=np.float32)  # type: ignore[index]
            except ValueError:
                bad = next(x for x in parts[1:] if not _is_number(x))
                raise WordlabError(f"{path}:{line_no}: not a number: {bad[:40]!r}") from None
            try:
                words.append(parts[0].decode(encoding, errors))
            except UnicodeDecodeError as exc:
                raise WordlabError(
                    f"{path}:{line_no}: word is not valid {encoding} ({exc})"
                ) from None
            i += 1
    assert matrix is not None or i == 0
    if matrix is None:
        matrix = np.empty((0, 0), np.float32)
    if i < matrix.shape[0]:  # blank lines in a header-less file
        matrix.resize((i, matrix.shape[1]), refcheck=False)
    return _drop_duplicates(words, matrix)


def _is_number(x: bytes) -> bool:
    try:
        float(x)
        return True
    except ValueError:
        return False


def _read_binary(
    path: Path, limit: int | None, errors: str, encoding: str
) -> tuple[list[str], np.ndarray]:
    with open_binary(path) as fh:
        first = fh.readline()
        header = _parse_header(first)
        if header is None:
            raise WordlabError(f"{path}:1: expected a 'count dim' header, got {first[:80]!r}")
        n, dim = header
        if limit is not None:
            n = min(n, limit)
        matrix = np.empty((n, dim), np.float32)
        words: list[str] = []
        nbytes = 4 * dim
        buf = b""
        pos = 0
        eof = False
        for i in range(n):
            while True:
                sp = buf.find(b" ", pos)
                if sp >= 0 and len(buf) - sp - 1 >= nbytes:
                    break
                if eof:
                    raise WordlabError(
                        f"{path}: the header promises {n} vectors but the file ends after {i}"
                    )
                buf = buf[pos:]
                pos = 0
                more = fh.read(1 << 20)
                eof = not more
                buf += more
            raw = buf[pos:sp].lstrip(b"\n")  # the C tool ends each vector with a newline
            if not raw or len(raw) > 10_000:
                raise WordlabError(f"{path}: record {i + 1} (of {n}) is not a word: {raw[:40]!r}")
            try:
                words.append(raw.decode(encoding, errors))
            except UnicodeDecodeError as exc:
                raise WordlabError(
                    f"{path}: record {i + 1}: word is not valid {encoding} ({exc})"
                ) from None
            matrix[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=sp + 1)
            pos = sp + 1 + nbytes
    return _drop_duplicates(words, matrix)


def _drop_duplicates(words: list[str], matrix: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Keep the first row of a word listed twice (as gensim does), compacting in place."""
    if len(set(words)) == len(words):
        return words, matrix
    seen: set[str] = set()
    keep: list[int] = []
    for i, w in enumerate(words):
        if w not in seen:
            seen.add(w)
            keep.append(i)
    for j, i in enumerate(keep):
        if i != j:
            matrix[j] = matrix[i]
    matrix.resize((len(keep), matrix.shape[1]), refcheck=False)
    return [words[i] for i in keep], matrix
