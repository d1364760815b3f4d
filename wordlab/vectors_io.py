"""Vectors file formats: reading and writing the word lists and float32 matrices of `Vectors`.

Formats (UTF-8 unless an `encoding` is given; plain, .gz, .bz2 or .xz to read):
- ``glove``: ``word v1 ... vd`` per line, no header (Stanford GloVe's output).
- ``word2vec`` / ``vec``: the same lines after a ``count dim`` header (word2vec ``-binary 0``,
  fastText ``.vec``).
- ``word2vec-binary``: the ``count dim`` header, then per word ``word<space>`` and ``dim``
  little-endian float32 values, then a newline (word2vec ``-binary 1``).

Rows are kept in file order; a word listed twice keeps its first row, as in gensim, and one
warning line on stderr counts the rows dropped. Reading checks everything else and stops with a
WordlabError naming the file and line (text) or byte offset (binary): a row with another number
of values than the header's dim (or, without a header, the first row's), a value that is not a
finite float32, a header count the rows do not match, dim 0, a truncated binary file.
"""

from __future__ import annotations

import codecs
import io
import os

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_path, require_file
from wordlab.vectors_parse import detect_format, read_binary, read_text

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

    Every row is checked (a word and the header's, or else the first row's, number of finite
    values; as many rows as the header says) and errors name the file and line, or byte offset
    in a binary file. The matrix of a plain file is allocated once at its final size (a
    header-less file is counted first), so a large file never exists twice in memory.
    `limit` keeps only the first N words.
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
    detected = detect_format(p, encoding)
    if fmt is None:
        if detected == "binary":
            raise WordlabError(
                f"{p}: not a vectors file: binary data without a 'count dim' header (a fastText "
                ".bin is a model, not a vectors file: use its .vec)"
            )
        fmt = detected
    elif fmt == "glove" and detected not in ("glove", "binary"):
        raise WordlabError(
            f"{p}: starts with a 'count dim' header, so it is not a GloVe file "
            f"(it looks like {detected})"
        )
    elif fmt in ("word2vec", "vec") and detected == "word2vec-binary":
        raise WordlabError(
            f"{p}: looks like a word2vec binary file (raw bytes after the first word), "
            f"not text (fmt {fmt!r})"
        )
    elif fmt == "word2vec-binary" and detected != "word2vec-binary":
        what = "its vectors are text" if detected == "word2vec" else "no 'count dim' header"
        raise WordlabError(
            f"{p}: not a word2vec binary file ({what}; a fastText .bin is a model, "
            "not a vectors file: use its .vec)"
        )
    if fmt == "word2vec-binary":
        words, matrix = read_binary(p, limit, encoding_errors, encoding)
    else:
        words, matrix = read_text(p, fmt != "glove", limit, encoding_errors, encoding)
    if len(words) == 0:
        raise WordlabError(f"{p}: no vectors in file")
    return words, matrix
