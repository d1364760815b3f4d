"""Vocabulary: words with counts, pruning, and the word-frequency tables the trainers need.

A `Vocab` is always a prefix of the encoded corpus's full vocabulary (ordered by count, then word),
so word id `i` here is token id `i` in `EncodedCorpus.tokens`; tokens with id >= len(vocab) are
out of vocabulary and skipped by the kernels, as GloVe's cooccur and word2vec skip them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from wordlab.corpus import EncodedCorpus
from wordlab.errors import WordlabError
from wordlab.wordcounts import read_word_counts, write_word_counts


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
        size = vocabulary_size(corpus.counts, min_count, max_vocab, min_size)
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

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """Per-word probability of keeping an occurrence under word2vec's subsampling (`--sample`)."""
        return keep_probabilities(self.counts, sample)

    def noise_table(self, power: float = 0.75, size: int | None = None) -> np.ndarray:
        """Negative-sampling table of word ids drawn from counts**power (word2vec.c's `table`)."""
        return noise_table(self.counts, power, size)


def vocabulary_size(
    counts: np.ndarray, min_count: int = 5, max_vocab: int | None = None, min_size: int = 2
) -> int:
    """How many of the most frequent words (counts descending) a vocabulary keeps."""
    if min_count < 1:
        raise WordlabError(f"--min-count must be at least 1, got {min_count}")
    if max_vocab is not None and max_vocab < 1:
        raise WordlabError(f"--max-vocab must be positive, got {max_vocab}")
    size = int(np.searchsorted(-counts, -min_count, side="right"))
    if max_vocab is not None:
        size = min(size, max_vocab)
    if size < min_size:
        raise WordlabError(
            f"vocabulary too small: {size} word(s) occur at least {min_count} times in the corpus "
            f"(need at least {min_size}); lower --min-count or use a larger corpus"
        )
    return size


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """float32 probability that an occurrence of each word survives frequent-word subsampling.

    word2vec.c: with t = sample * total, keep = (sqrt(count / t) + 1) * t / count, capped at 1
    (the C tool compares the uncapped value with a uniform draw, which is the same thing).
    `sample <= 0` keeps every occurrence.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample < 0:
        raise WordlabError(f"--sample must be >= 0, got {sample}")
    if sample == 0 or counts.size == 0:
        return np.ones(counts.shape, dtype=np.float32)
    t = sample * counts.sum()
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(counts / t) + 1.0) * t / counts
    return np.minimum(keep, 1.0).astype(np.float32)


# word2vec.c uses 1e8 slots (400 MB); 1e7 keeps every word with probability >= 1e-7 represented
# and stays in a few tens of MB. Small vocabularies get 1000 slots per word at most.
NOISE_TABLE_SIZE = 10_000_000


def noise_table(counts: np.ndarray, power: float = 0.75, size: int | None = None) -> np.ndarray:
    """int32 table of word ids, word i filling a share count_i**power / sum of its slots.

    Drawing a uniform slot draws a word from the smoothed unigram distribution, as word2vec.c's
    InitUnigramTable (power 0.75) and fastText (power 0.5). Every word gets at least one slot,
    so the table may be a few slots longer than `size` for very skewed counts.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.size == 0:
        raise WordlabError("cannot build a noise table for an empty vocabulary")
    if size is None:
        size = int(min(NOISE_TABLE_SIZE, max(1000 * counts.size, 1_000_000)))
    weights = counts**power
    cum = np.cumsum(weights) / weights.sum()
    ends = np.rint(cum * size).astype(np.int64)
    ends[-1] = size
    slots = np.maximum(np.diff(ends, prepend=0), 1)
    return np.repeat(np.arange(counts.size, dtype=np.int32), slots)


def huffman_codes(
    counts: np.ndarray, leaves: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Huffman tree over words sorted by count (descending): word2vec.c's, or gensim's.

    Returns (codes uint8, points int32, offsets int64): word w's code bits and the inner nodes on
    its path, both from the root down, are codes[offsets[w]:offsets[w+1]] and the same slice of
    points; inner nodes are numbered 0..V-2 (the root is V-2), i.e. rows of the output matrix.

    Without `leaves`: word2vec.c's CreateBinaryTree (and fastText's buildTree) over the words in
    id order; the classifier's labels use it, so fastText rebuilds the same tree from an exported
    model. With `leaves` (the word ids in gensim's order, see `tree_leaves`): gensim's tree, which
    the word2vec and fastText trainers build: those words merged on a heap that compares counts
    alone (wordlab.kernels.huffman.heap_tree). Most of a vocabulary is rare words that share a
    count, so the rule decides which rare words share inner nodes, and it shows in the vectors:
    on text8's first 2.1M words (1 thread, 6 seeds) skip-gram HS scored WS353 .607 with
    word2vec.c's rule over first occurrences, .604 with a heap that breaks ties by that order,
    .625 with gensim's tree (gensim itself: .634; bench/RESULTS.md, session 10).
    """
    from wordlab.kernels.ahead import classifier_kernels

    counts = np.ascontiguousarray(counts, dtype=np.int64)
    if counts.size < 2:
        raise WordlabError("hierarchical softmax needs at least 2 words in the vocabulary")
    if np.any(np.diff(counts) > 0):
        raise WordlabError("huffman_codes needs counts sorted in descending order")
    if leaves is None:
        return classifier_kernels.huffman_tree(counts)  # the classifier's labels
    from wordlab.kernels.huffman import heap_tree

    leaf = np.asarray(leaves, dtype=np.int64)  # leaf k of the tree is word leaf[k]
    codes, points, offsets = heap_tree(counts[leaf])
    slot = np.empty_like(leaf)
    slot[leaf] = np.arange(leaf.size)
    lengths = np.diff(offsets)[slot]
    by_word = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=by_word[1:])
    gather = np.repeat(offsets[slot] - by_word[:-1], lengths) + np.arange(by_word[-1])
    return codes[gather], points[gather], by_word


def tree_leaves(
    counts: np.ndarray, corpus: EncodedCorpus, saved: np.ndarray | None, trained: bool
) -> np.ndarray:
    """The word ids in the order of the Huffman tree's leaves: `saved` with the model, else gensim's.

    gensim's order (sort_by_descending_frequency) is by count, equal counts latest first seen
    first, so it needs the `corpus`. A model saves it (`tree_leaves` in the file) and a resumed
    run reuses it, since its output rows belong to the nodes of that tree. A `trained` model
    without one was saved by a wordlab that rebuilt its tree by another rule: continuing it would
    pair its output rows with other nodes, so that is an error (its vectors still load).
    """
    n = len(counts)
    if saved is not None:
        leaves = np.asarray(saved, dtype=np.int64)
        if leaves.shape != (n,) or not np.array_equal(np.sort(leaves), np.arange(n)):
            raise WordlabError(f"the model's tree_leaves is not an order of its {n} words")
        return leaves
    if trained:
        raise WordlabError(
            "this hierarchical-softmax model was saved by a wordlab that did not record its "
            "Huffman tree, so its output weights cannot be continued; train it afresh "
            "(its vectors still load)"
        )
    first = first_seen_positions(corpus, n)
    return np.lexsort((-first, -np.asarray(counts, dtype=np.int64)))


def first_seen_positions(corpus: EncodedCorpus, n_words: int, block: int = 1 << 22) -> np.ndarray:
    """Each of word ids 0..n_words-1's first position in the corpus (n_tokens if never seen).

    Read a block at a time, each block's pages let go once read (EncodedCorpus.release), so the
    pass does not leave the whole token file in the trainer's memory.
    """
    from wordlab.kernels.huffman import first_positions

    first = np.full(n_words, -1, dtype=np.int64)
    unseen = n_words
    for start in range(0, corpus.n_tokens, block):
        end = min(start + block, corpus.n_tokens)
        unseen = first_positions(corpus.tokens[start:end], start, first, unseen)
        corpus.release(start, end)
        if unseen == 0:
            break
    first[first < 0] = corpus.n_tokens
    return first


def loss_tables(
    counts: np.ndarray,
    noise_power: float | None,
    hierarchical: bool,
    leaves: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(noise, codes, points, offsets): what the loss kernels read, for every trainer.

    The noise table when `noise_power` is given (negative sampling), the Huffman tree when
    `hierarchical`: gensim's over the words in the order `leaves` (see tree_leaves), else
    word2vec.c's in id order (the classifier's labels); see huffman_codes. A loss that is off
    gets small placeholders, since the kernels take arrays.
    """
    noise = noise_table(counts, noise_power) if noise_power is not None else np.zeros(1, np.int32)
    if hierarchical:
        codes, points, offsets = huffman_codes(counts, leaves)
    else:
        codes, points, offsets = np.zeros(1, np.uint8), np.zeros(1, np.int32), np.zeros(2, np.int64)
    return noise, codes, points, offsets
