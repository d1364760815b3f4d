"""gensim's evaluation, word2vec-format and conversion methods of `wordlab.vectors.Vectors`.

A base class of `Vectors`, kept apart so that `vectors.py` holds lookup and neighbours: it uses
only `words`, `matrix` and `counts`, and imports evaluation and gensim when a method is called.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

import numpy as np

from wordlab.errors import WordlabError
from wordlab.vectors_io import (
    from_gensim,
    read_word2vec_format,
    to_gensim,
    write_word2vec_format,
)

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
