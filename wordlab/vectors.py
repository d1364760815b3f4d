"""Word vectors apart from any trainer: lookup, neighbours, analogies and the usual file formats.

Formats (all UTF-8):
- ``glove``: ``word v1 ... vd`` per line, no header (Stanford GloVe's output).
- ``word2vec`` / ``vec``: the same lines after a ``count dim`` header (word2vec ``-binary 0``,
  fastText ``.vec``).
- ``word2vec-binary``: the ``count dim`` header, then per word ``word<space>`` and ``dim``
  little-endian float32 values, then a newline (word2vec ``-binary 1``).

Rows are kept in file order; by convention the most frequent words come first, which is what
``restrict_vocab`` (search only the first N rows) relies on, as in word2vec and gensim.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from functools import cached_property
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
_TEXT_FORMATS = ("glove", "word2vec", "vec")


class UnknownWordError(WordlabError, KeyError):
    """A word asked for is not in the vectors' vocabulary."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Vectors:
    """A vocabulary with one float32 vector per word, independent of the model that made it."""

    def __init__(
        self, words: list[str], matrix: np.ndarray, counts: np.ndarray | None = None
    ) -> None:
        matrix = np.asarray(matrix)
        if matrix.ndim != 2:
            raise WordlabError(f"vectors matrix must be 2-dimensional, got shape {matrix.shape}")
        if matrix.dtype != np.float32 or not matrix.flags.c_contiguous:
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        words = list(words)
        if len(words) != matrix.shape[0]:
            raise WordlabError(f"{len(words)} words but the matrix has {matrix.shape[0]} rows")
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (len(words),):
                raise WordlabError(f"{len(words)} words but {counts.shape} counts")
        self.words = words
        self.matrix = matrix
        self.counts = counts

    # ---- lookup -------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.matrix.shape[1])

    @cached_property
    def index(self) -> dict[str, int]:
        """Word -> row; for a word listed twice the first row wins."""
        index: dict[str, int] = {}
        for i, w in enumerate(self.words):
            index.setdefault(w, i)
        return index

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> np.ndarray:
        return self.matrix[self.row(word)]

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words, dim {self.dim})"

    def row(self, word: str) -> int:
        """The row of `word`, or UnknownWordError naming it."""
        try:
            return self.index[word]
        except KeyError:
            raise UnknownWordError(f"word not in vocabulary: {word!r}") from None

    @cached_property
    def norms(self) -> np.ndarray:
        """float32 L2 norm of every row (computed as gensim's `fill_norms`, so results agree)."""
        return np.linalg.norm(self.matrix, axis=1)

    @cached_property
    def unit_matrix(self) -> np.ndarray:
        """A copy of the matrix with every row scaled to unit length; zero rows stay zero."""
        norms = self.norms[:, None]
        out = np.zeros_like(self.matrix)
        np.divide(self.matrix, norms, out=out, where=norms > 0)
        return out

    def _clear_cache(self) -> None:
        for name in ("index", "norms", "unit_matrix"):
            self.__dict__.pop(name, None)

    # ---- neighbours and analogies ---------------------------------------------------------

    def _query(self, items: Iterable[Any], sign: float) -> tuple[list[np.ndarray], list, list[int]]:
        vecs, weights, rows = [], [], []
        for item in items:
            weight = sign
            if isinstance(item, tuple):
                item, weight = item
            if isinstance(item, str):
                r = self.row(item)
                rows.append(r)
                vecs.append(self.unit_matrix[r])
            else:
                vecs.append(np.asarray(item, dtype=np.float32))
            weights.append(weight)
        return vecs, weights, rows

    def _ranked(
        self, scores: np.ndarray, exclude: Iterable[int], topn: int | None
    ) -> list[tuple[str, float]]:
        scores = scores.astype(np.float32, copy=True)
        excluded = [r for r in set(exclude) if r < len(scores)]
        scores[excluded] = -np.inf
        k = len(scores) - len(excluded) if topn is None else min(topn, len(scores) - len(excluded))
        if k <= 0:
            return []
        if k < len(scores):
            best = np.argpartition(-scores, k - 1)[:k]
            best = best[np.argsort(-scores[best], kind="stable")]
        else:
            best = np.argsort(-scores, kind="stable")[:k]
        return [(self.words[i], float(scores[i])) for i in best]

    def most_similar(
        self,
        positive: str | Sequence[Any],
        negative: str | Sequence[Any] = (),
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words nearest (by cosine) to the mean of the unit vectors of `positive` minus `negative`.

        Items may be words, vectors, or (item, weight) pairs; the query words themselves are not
        returned. `restrict_vocab` searches only the first N rows, as gensim and word2vec do.
        """
        if isinstance(positive, str) or (isinstance(positive, np.ndarray) and positive.ndim == 1):
            positive = [positive]
        if isinstance(negative, str) or (isinstance(negative, np.ndarray) and negative.ndim == 1):
            negative = [negative]
        pv, pw, pr = self._query(positive, 1.0)
        nv, nw, nr = self._query(negative, -1.0)
        if not pv and not nv:
            raise WordlabError("most_similar needs at least one word or vector")
        weights = np.asarray(pw + nw, dtype=np.float64)
        mean = np.zeros(self.dim, dtype=np.float64)
        for w, v in zip(weights, pv + nv, strict=True):
            mean += w * v
        mean /= np.abs(weights).sum()
        norm = np.linalg.norm(mean)
        if norm > 0:
            mean /= norm
        n = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        scores = self.unit_matrix[:n] @ mean.astype(np.float32)
        return self._ranked(scores, pr + nr, topn)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words (0.0 when either vector is zero)."""
        u, v = self.unit_matrix[self.row(w1)], self.unit_matrix[self.row(w2)]
        return float(np.dot(u, v))

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        method: str = "3cosadd",
        topn: int = 1,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Answer "a is to b as c is to ?" by 3CosAdd or 3CosMul (Levy and Goldberg 2014).

        The three question words are never answers. 3CosMul shifts cosines to [0, 1] and uses
        epsilon 1e-6, as the paper's footnote and gensim's `most_similar_cosmul` do.
        """
        if method == "3cosadd":
            return self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        if method != "3cosmul":
            raise WordlabError(f"unknown analogy method {method!r}: use 3cosadd or 3cosmul")
        rows = [self.row(w) for w in (a, b, c)]
        n = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        unit = self.unit_matrix
        sims = (1.0 + unit[:n] @ unit[rows].T) / 2.0  # (n, 3): cos to a, b, c shifted to [0, 1]
        scores = sims[:, 1] * sims[:, 2] / (sims[:, 0] + 1e-6)
        return self._ranked(scores, rows, topn)

    # ---- files ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike, fmt: str = "glove") -> None:
        """Write the vectors in `fmt` (glove, word2vec, word2vec-binary, vec), atomically.

        Text formats use 9 significant digits, so float32 values read back exactly.
        """
        if fmt not in FORMATS:
            raise WordlabError(
                f"unknown vectors format {fmt!r}: choose one of {', '.join(FORMATS)}"
            )
        for i, w in enumerate(self.words):
            if not w or len(w.split()) != 1 or w != w.strip():
                raise WordlabError(
                    f"cannot save word {i} ({w!r}): words in a vectors file must be non-empty and "
                    "contain no whitespace"
                )
        n, dim = self.matrix.shape
        with atomic_path(path) as tmp, open(tmp, "wb") as out:
            if fmt != "glove":
                out.write(f"{n} {dim}\n".encode())
            if fmt == "word2vec-binary":
                le = self.matrix.astype("<f4", copy=False)
                for w, row in zip(self.words, le, strict=True):
                    out.write(w.encode("utf-8") + b" " + row.tobytes() + b"\n")
            else:
                line_fmt = "%s " + " ".join(["%.9g"] * dim) + "\n"
                buf = io.StringIO()
                for start in range(0, n, 4096):
                    block = self.matrix[start : start + 4096].tolist()
                    for w, row in zip(self.words[start : start + 4096], block, strict=True):
                        buf.write(line_fmt % (w, *row))
                    out.write(buf.getvalue().encode("utf-8"))
                    buf.seek(0)
                    buf.truncate()

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        fmt: str | None = None,
        limit: int | None = None,
        encoding_errors: str = "strict",
    ) -> Vectors:
        """Read a vectors file (plain, .gz, .bz2 or .xz), detecting its format when `fmt` is None.

        The matrix is allocated once at its final size (a header-less file is counted first),
        so a large file never exists twice in memory. `limit` keeps only the first N words.
        """
        p = require_file(path, "vectors file")
        if fmt is not None and fmt not in FORMATS:
            raise WordlabError(
                f"unknown vectors format {fmt!r}: choose one of {', '.join(FORMATS)}"
            )
        if limit is not None and limit < 0:
            raise WordlabError(f"limit must be >= 0, got {limit}")
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
            words, matrix = _read_binary(p, limit, encoding_errors)
        else:
            words, matrix = _read_text(p, fmt != "glove", limit, encoding_errors)
        if len(words) == 0:
            raise WordlabError(f"{p}: no vectors in file")
        return cls(words, matrix)

    # ---- gensim ---------------------------------------------------------------------------

    def to_gensim(self) -> Any:
        """A gensim KeyedVectors with the same words, rows and counts (gensim imported lazily)."""
        try:
            from gensim.models import KeyedVectors
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise WordlabError("to_gensim needs gensim: pip install gensim") from exc
        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        kv.add_vectors(self.words, self.matrix)
        if self.counts is not None:
            kv.allocate_vecattrs(["count"], [np.int64])
            kv.expandos["count"][: len(self)] = self.counts
        return kv

    @classmethod
    def from_gensim(cls, kv: Any) -> Vectors:
        """Vectors from a gensim KeyedVectors (or a model's `.wv`), keeping its order and counts."""
        words = list(kv.index_to_key)
        counts = None
        expandos = getattr(kv, "expandos", {})
        if "count" in expandos and len(expandos["count"]) >= len(words):
            counts = np.asarray(expandos["count"][: len(words)], dtype=np.int64)
        return cls(words, np.array(kv.vectors[: len(words)], dtype=np.float32), counts)


# ---- readers ------------------------------------------------------------------------------


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
    path: Path, has_header: bool, limit: int | None, errors: str
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
                words.append(parts[0].decode("utf-8", errors))
            except UnicodeDecodeError as exc:
                raise WordlabError(f"{path}:{line_no}: word is not valid UTF-8 ({exc})") from None
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


def _read_binary(path: Path, limit: int | None, errors: str) -> tuple[list[str], np.ndarray]:
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
                words.append(raw.decode("utf-8", errors))
            except UnicodeDecodeError as exc:
                raise WordlabError(
                    f"{path}: record {i + 1}: word is not valid UTF-8 ({exc})"
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
