"""Vocabulary: words with counts, pruning, and the word-frequency tables the trainers need.

A `Vocab` is always a prefix of the encoded corpus's full vocabulary (ordered by count, then word),
so word id `i` here is token id `i` in `EncodedCorpus.tokens`; tokens with id >= len(vocab) are
out of vocabulary and skipped by the kernels, as GloVe's cooccur and word2vec skip them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from wordlab.corpus import EncodedCorpus, read_word_counts, write_word_counts
from wordlab.errors import WordlabError


@dataclass
class Vocab:
    """Words ordered by count (descending) then word; `counts[i]` is the corpus count of `words[i]`."""

    words: list[str]
    counts: np.ndarray
    _index: dict[str, int] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @property
    def index(self) -> dict[str, int]:
        """Word -> id, built on first use."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    @classmethod
    def from_corpus(
        cls,
        corpus: EncodedCorpus,
        min_count: int = 5,
        max_vocab: int | None = None,
        min_size: int = 2,
    ) -> Vocab:
        """The corpus's words with count >= `min_count`, at most `max_vocab` of them."""
        if min_count < 1:
            raise WordlabError(f"--min-count must be at least 1, got {min_count}")
        if max_vocab is not None and max_vocab < 1:
            raise WordlabError(f"--max-vocab must be positive, got {max_vocab}")
        size = int(np.searchsorted(-corpus.counts, -min_count, side="right"))
        if max_vocab is not None:
            size = min(size, max_vocab)
        if size < min_size:
            raise WordlabError(
                f"vocabulary too small: {size} word(s) occur at least {min_count} times in the corpus "
                f"(need at least {min_size}); lower --min-count or use a larger corpus"
            )
        return cls(corpus.words[:size], np.asarray(corpus.counts[:size], dtype=np.int64))

    def save(self, path: str | os.PathLike) -> None:
        """Write `word count` lines, GloVe's vocab.txt format."""
        write_word_counts(path, self.words, self.counts)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        """Read a `word count` file (ours or GloVe's vocab_count output)."""
        words, counts = read_word_counts(path)
        if not words:
            raise WordlabError(f"{path}: the vocabulary file is empty")
        return cls(words, counts)

    def matches_corpus(self, corpus: EncodedCorpus) -> bool:
        """True when this vocabulary is a prefix of the corpus's, so ids agree."""
        n = len(self.words)
        return n <= len(corpus.words) and corpus.words[:n] == self.words
