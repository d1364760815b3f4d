"""gensim's evaluation, word2vec-format and conversion methods of `wordlab.vectors.Vectors`.

A base class of `Vectors`, kept apart so that `vectors.py` holds lookup and neighbours: it uses
only `words`, `matrix` and `counts`, and imports evaluation and gensim when a method is called.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from wordlab.errors import WordlabError
from wordlab.vectors_io import read_vectors, write_vectors


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
        from wordlab.wordcounts import write_word_counts

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
        from wordlab.wordcounts import read_word_counts

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


V = TypeVar("V", bound="GensimMethods")


class GensimMethods:
    """gensim KeyedVectors' evaluate_*, *_word2vec_format and conversion, for `Vectors`."""

    words: list[str]
    matrix: np.ndarray
    counts: np.ndarray | None

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike,
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int | None = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[Any, Any, float]:
        """gensim's `evaluate_word_pairs`: ((pearson, p), (spearman, p), percent of pairs OOV)."""
        from wordlab.evaluation.gensim_api import word_pairs_like_gensim

        return word_pairs_like_gensim(
            self, pairs, delimiter, encoding, restrict_vocab, case_insensitive, dummy4unknown
        )

    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike,
        restrict_vocab: int | None = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ) -> tuple[float, list[dict]]:
        """gensim's `evaluate_word_analogies`: (accuracy, [{section, correct, incorrect}, ..., total]).

        `similarity_function="most_similar_cosmul"` scores by 3CosMul (gensim 4.4 ignores it).
        """
        from wordlab.evaluation.gensim_api import analogies_like_gensim

        methods = {"most_similar": "3cosadd", "most_similar_cosmul": "3cosmul"}
        if similarity_function not in methods:
            raise WordlabError(
                f"unknown similarity_function {similarity_function!r}: use most_similar or "
                "most_similar_cosmul"
            )
        method = methods[similarity_function]
        return analogies_like_gensim(
            self, analogies, restrict_vocab, case_insensitive, dummy4unknown, method
        )

    def save_word2vec_format(
        self,
        fname: str | os.PathLike,
        fvocab: str | os.PathLike | None = None,
        binary: bool = False,
        *,
        write_header: bool = True,
    ) -> None:
        """Write a word2vec file (text, or binary when `binary`) and the counts to `fvocab`, as gensim.

        Without a header the text file is GloVe's format.
        """
        write_word2vec_format(
            fname, self.words, self.matrix, self.counts, fvocab, binary, write_header
        )

    @classmethod
    def load_word2vec_format(
        cls: type[V],
        fname: str | os.PathLike,
        fvocab: str | os.PathLike | None = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        datatype: Any = np.float32,
        no_header: bool = False,
    ) -> V:
        """Read a word2vec text or binary file (counts from `fvocab`), with gensim's arguments.

        `limit` keeps the first N words (0 or None: all); the values are rounded to `datatype`
        but kept as float32.
        """
        return cls(
            *read_word2vec_format(
                fname, fvocab, binary, encoding, unicode_errors, limit, datatype, no_header
            )
        )

    # ---- conversion ---------------------------------------------------------------------------

    def to_gensim(self) -> Any:
        """A gensim KeyedVectors with the same words, rows and counts (gensim imported lazily)."""
        return to_gensim(self.words, self.matrix, self.counts)

    @classmethod
    def from_gensim(cls: type[V], kv: Any) -> V:
        """Vectors from a gensim KeyedVectors (or a model's `.wv`), keeping its order and counts."""
        return cls(*from_gensim(kv))
