"""Word vectors apart from any trainer: gensim 4's `KeyedVectors` in everyday use.

`Vectors` answers with gensim's names, arguments and results: lookup (`v["king"]`, `v[["a", "b"]]`,
`key_to_index`, `index_to_key`, `vectors`, `vector_size`, `get_vector`, `get_index`), neighbours
(`most_similar`, `most_similar_cosmul`, `similar_by_word`, `similar_by_vector`), similarities
(`similarity`, `distance`, `n_similarity`, `doesnt_match`), evaluation (`evaluate_word_pairs`,
`evaluate_word_analogies`, computed by `wordlab.evaluation`) and word2vec-format files
(`save_word2vec_format`, `load_word2vec_format`); `Vectors.load` / `.save` read and write every
format of `wordlab.vectors_io`. Where it differs from gensim, on purpose:

- an unknown word raises `UnknownWordError` (a `KeyError` and a `WordlabError`), also in
  `n_similarity` and `doesnt_match`, which gensim answer by silently dropping the word;
- a zero vector has cosine 0 with everything (gensim: NaN);
- `most_similar(topn=None)` returns every word ranked (gensim: the raw score array);
- `most_similar_cosmul` honours `restrict_vocab` (gensim 4.4 accepts it and ignores it);
- the matrix is always float32, and files are written in row order (gensim sorts by count).

Rows are kept in file order; by convention the most frequent words come first, which is what
``restrict_vocab`` (search only the first N rows) relies on, as in word2vec and gensim.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from wordlab.cosmul import COSMUL_EPS, cosmul_scores
from wordlab.errors import WordlabError
from wordlab.vectors_gensim import GensimMethods
from wordlab.vectors_io import FILE_NAMES, FORMATS, read_vectors, write_vectors

__all__ = ["COSMUL_EPS", "FILE_NAMES", "FORMATS", "UnknownWordError", "Vectors", "cosmul_scores"]

_KEY_TYPES = (str, int, np.integer)  # what gensim accepts as a key: a word or a row number


class UnknownWordError(WordlabError, KeyError):
    """A word asked for is not in the vectors' vocabulary."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def _as_list(value: Any) -> list:
    """gensim's `_ensure_list`: None -> [], one key or 1-d vector -> [it], a 2-d array -> its rows."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    return list(value)


class Vectors(GensimMethods):
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

    @property
    def vector_size(self) -> int:
        """Vector dimension (gensim's name)."""
        return self.dim

    @property
    def vectors(self) -> np.ndarray:
        """The float32 matrix, one row per word (gensim's name for `matrix`)."""
        return self.matrix

    @property
    def index_to_key(self) -> list[str]:
        """The words in row order (gensim's name for `words`)."""
        return self.words

    @property
    def key_to_index(self) -> dict[str, int]:
        """Word -> row (gensim's name for `index`)."""
        return self.index

    @cached_property
    def index(self) -> dict[str, int]:
        """Word -> row; for a word listed twice the first row wins."""
        index: dict[str, int] = {}
        for i, w in enumerate(self.words):
            index.setdefault(w, i)
        return index

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, key: object) -> bool:
        return self.has_index_for(key)

    def __getitem__(self, key_or_keys: Any) -> np.ndarray:
        """The vector of a word (1-d), or of each word of a list (2-d), as gensim's `kv[...]`."""
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        keys = list(key_or_keys)
        if not keys:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.vstack([self.get_vector(k) for k in keys])

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words, dim {self.dim})"

    def get_index(self, key: Any, default: int | None = None) -> int:
        """Row of `key` (a word, or a row number as gensim allows); `default` or an error if absent."""
        row = self.index.get(key) if isinstance(key, str) else None
        if row is not None:
            return row
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise UnknownWordError(f"word not in vocabulary: {key!r}")

    def row(self, word: str) -> int:
        """The row of `word`, or UnknownWordError naming it."""
        return self.get_index(word)

    def has_index_for(self, key: Any) -> bool:
        """Whether `key` names a row (gensim's test behind `key in vectors`)."""
        return self.get_index(key, -1) >= 0

    def get_vector(self, key: Any, norm: bool = False) -> np.ndarray:
        """The (read-only) vector of `key`, scaled to unit length when `norm`, as gensim's."""
        i = self.get_index(key)
        if not norm:
            out = self.matrix[i]
        elif self.norms[i] > 0:
            out = self.matrix[i] / self.norms[i]
        else:
            out = np.zeros(self.dim, dtype=np.float32)
        out.setflags(write=False)  # a view of the matrix: writing would invalidate the caches
        return out

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

    def _head(self, restrict_vocab: int | None) -> int:
        """Rows searched: the first `restrict_vocab`, or all when it is None or 0 (as gensim)."""
        return min(int(restrict_vocab), len(self)) if restrict_vocab else len(self)

    def _query(self, items: Iterable[Any], sign: float) -> tuple[list[np.ndarray], list, list[int]]:
        vecs, weights, rows = [], [], []
        for item in items:
            weight = sign
            if isinstance(item, tuple):
                item, weight = item
            if isinstance(item, _KEY_TYPES) and self.has_index_for(item):
                r = self.get_index(item)
                rows.append(r)
                vecs.append(self.unit_matrix[r])
            elif isinstance(item, _KEY_TYPES):  # unknown here; a subclass may still answer
                vecs.append(self.get_vector(item, norm=True))
            else:  # a vector is used as given, as in gensim
                vecs.append(np.asarray(item, dtype=np.float32))
            weights.append(weight)
        return vecs, weights, rows

    def _ranked(
        self, scores: np.ndarray, exclude: Iterable[int], topn: int | None
    ) -> list[tuple[str, float]]:
        scores = np.array(scores, copy=True)
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
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words nearest (by cosine) to the mean of the unit vectors of `positive` minus `negative`.

        Items may be words, row numbers, vectors, or (item, weight) pairs; the query words
        themselves are not returned. `restrict_vocab` searches only the first N rows, as gensim.
        """
        pv, pw, pr = self._query(_as_list(positive), 1.0)
        nv, nw, nr = self._query(_as_list(negative), -1.0)
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
        scores = self.unit_matrix[: self._head(restrict_vocab)] @ mean.astype(np.float32)
        return self._ranked(scores, pr + nr, topn)

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words best by 3CosMul (Levy and Goldberg 2014): cosines with `positive` over `negative`.

        Less dominated by one large similarity than `most_similar`; gensim's arguments and scores.
        """
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise WordlabError("most_similar_cosmul needs at least one positive word or vector")
        head = self.unit_matrix[: self._head(restrict_vocab)]
        rows: list[int] = []

        def cosines(items: list) -> list[np.ndarray]:
            out = []
            for item in items:
                if isinstance(item, _KEY_TYPES) and self.has_index_for(item):
                    rows.append(self.get_index(item))
                    item = self.unit_matrix[rows[-1]]
                elif isinstance(item, _KEY_TYPES):
                    item = self.get_vector(item, norm=True)
                out.append(head @ np.asarray(item, dtype=np.float32))
            return out

        scores = cosmul_scores(cosines(positive), cosines(negative))
        return self._ranked(scores, rows, topn)

    def similar_by_word(
        self, word: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """The `topn` words nearest to one word (gensim's alias of most_similar)."""
        return self.most_similar([word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(
        self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """The `topn` words nearest to a vector (no word excluded), as gensim's."""
        return self.most_similar([np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words (0.0 when either vector is zero)."""
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def distance(self, w1: str, w2: str) -> float:
        """Cosine distance of two words: 1 - similarity, as gensim's."""
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine similarity of the mean (raw) vectors of two lists of words, as gensim's."""
        means = []
        for ws in (ws1, ws2):
            if not len(ws):
                raise WordlabError("n_similarity needs two non-empty lists of words")
            mean = np.atleast_2d(self[ws]).astype(np.float64).mean(axis=0)
            norm = np.linalg.norm(mean)
            means.append(mean / norm if norm > 0 else mean)
        return float(np.dot(means[0], means[1]))

    def doesnt_match(self, words: Iterable[str]) -> str:
        """The word farthest (by cosine) from the normalised mean of all the words' unit vectors."""
        words = list(words)
        if not words:
            raise WordlabError("doesnt_match needs at least one word")
        unit = np.vstack([self.get_vector(w, norm=True) for w in words]).astype(np.float64)
        mean = unit.mean(axis=0)
        norm = np.linalg.norm(mean)
        dists = unit @ (mean / norm if norm > 0 else mean)
        return min(zip(dists.tolist(), words, strict=True))[1]  # gensim's tie-break: lowest word

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

        The three question words are never answers. 3CosAdd is `most_similar([b, c], [a])`,
        3CosMul `most_similar_cosmul([b, c], [a])`, as in gensim.
        """
        if method == "3cosadd":
            return self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        if method == "3cosmul":
            return self.most_similar_cosmul([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        raise WordlabError(f"unknown analogy method {method!r}: use 3cosadd or 3cosmul")

    # ---- post-processing ------------------------------------------------------------------

    def postprocess(
        self,
        center: bool = False,
        remove_top: int | str | None = None,
        normalize: bool = False,
        pca: int | None = None,
    ) -> Vectors:
        """A centred / all-but-the-top (remove_top=D or "auto": dim/100) / PCA / unit-length copy.

        The repairs for GloVe's unanchored, frequency-dominated vectors; wordlab.postprocess.
        """
        from wordlab.postprocess import postprocess_vectors

        return postprocess_vectors(self, center, remove_top, normalize, pca)[0]

    # ---- files ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike, fmt: str = "glove") -> None:
        """Write the vectors in `fmt` (glove, word2vec, word2vec-binary, vec), atomically."""
        write_vectors(path, self.words, self.matrix, fmt)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        fmt: str | None = None,
        limit: int | None = None,
        encoding_errors: str = "strict",
    ) -> Vectors:
        """Read a vectors file (plain, .gz, .bz2 or .xz), detecting its format when `fmt` is None."""
        return cls(*read_vectors(path, fmt, limit, encoding_errors))
