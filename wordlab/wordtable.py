"""The word table that tokenizing fills: words by provisional id, their counts, compiled.

Every pass over text that needs word ids goes through one `WordTable`: encoding a corpus
(`wordlab.corpus`), and the ranges a Dask cluster scans and counts (`wordlab.distributed`).
The hashing and probing are kernels in wordlab/kernels/corpus.py; this holds their arrays,
grows them and hands the ids on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from wordlab.kernels import lazy

corpus_kernels = lazy("wordlab.kernels.corpus")

# bytes that separate tokens for the compiled tokenizer: ASCII whitespace, \x1c-\x1f, and NUL
SEPARATOR = np.zeros(256, dtype=np.bool_)
SEPARATOR[[0, 9, 11, 12, 13, 28, 29, 30, 31, 32]] = True


class WordTable:
    """Provisional ids for tokens in order of first appearance (0 marks a newline), compiled.

    The arrays double only when a new word needs room, so memory follows the distinct words and
    their bytes (about 48 bytes a word plus its text), not the size of the chunks read. `count`
    also counts each word and hands its ids and line starts on through fixed-size buffers.
    """

    BUFFER_IDS = 1 << 20  # ids `count` hands on at a time (4 MB)
    BUFFER_LINES = 1 << 16  # line starts `count` hands on at a time (0.5 MB)

    def __init__(self) -> None:
        self.table = np.full(1 << 16, -1, dtype=np.int32)
        self.word_hash = np.zeros(1 << 15, dtype=np.uint64)
        self.word_start = np.zeros(1 << 15, dtype=np.int64)
        self.word_len = np.zeros(1 << 15, dtype=np.int32)
        self.counts = np.zeros(1 << 15, dtype=np.int64)  # of each word, by `count`
        self.pool = np.zeros(1 << 20, dtype=np.uint8)
        self.n_words = 1  # id 0 is the newline mark
        self.pool_used = 0
        self.n_tokens = 0  # words counted
        self._last_start = 0  # the last line start `count` handed on
        self._buffers: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def nbytes(self) -> int:
        """Bytes held by the word table, its arrays and the byte pool."""
        arrays = (self.table, self.word_hash, self.word_start, self.word_len, self.counts)
        return sum(a.nbytes for a in arrays) + self.pool.nbytes

    def ids(self, data: bytes) -> np.ndarray:
        """The ids of the tokens of `data` (0 for each newline), adding new words."""
        buf = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(buf.shape[0] + 1, dtype=np.int32)  # a newline byte is a token too
        pos, n_out = 0, 0
        while True:
            pos, n_out, self.n_words, self.pool_used = corpus_kernels.intern_tokens(
                buf, pos, SEPARATOR, self.table, self.word_hash, self.word_start,
                self.word_len, self.pool, self.n_words, self.pool_used, out, n_out,
            )  # fmt: skip
            if pos >= buf.shape[0]:
                return out[:n_out]
            self._grow(buf.shape[0] - pos)

    def count(
        self,
        data: bytes,
        on_ids: Callable[[np.ndarray], object] | None = None,
        on_lines: Callable[[np.ndarray], object] | None = None,
    ) -> None:
        """Count the words of `data`, adding new ones; hand on their ids and the line starts.

        `on_ids` gets the word ids in order, `on_lines` the token positions where lines start
        (after a newline that follows at least one word since the last start; the first line's
        0 is not handed on), in pieces of at most BUFFER_IDS ids / BUFFER_LINES starts, so that
        the memory a chunk of text takes beside the table is the text and these two buffers.
        """
        buf = np.frombuffer(data, dtype=np.uint8)
        if self._buffers is None:  # made once a table
            self._buffers = (
                np.empty(self.BUFFER_IDS, np.int32),
                np.empty(self.BUFFER_LINES, np.int64),
            )
        out, lines = self._buffers
        k = corpus_kernels
        state = np.array([self.n_words, self.pool_used, 0, 0, self.n_tokens, self._last_start])
        pos = 0
        while True:
            pos = k.count_tokens(
                buf, pos, SEPARATOR, self.table, self.word_hash, self.word_start,
                self.word_len, self.pool, self.counts, out, lines, state,
            )  # fmt: skip
            self.n_words, self.pool_used = int(state[k.N_WORDS]), int(state[k.POOL_USED])
            full_out = state[k.N_OUT] == out.shape[0]
            full_lines = state[k.N_LINES] == lines.shape[0]
            if pos >= buf.shape[0] or full_out or full_lines:
                if on_ids is not None and state[k.N_OUT]:
                    on_ids(out[: state[k.N_OUT]])
                if on_lines is not None and state[k.N_LINES]:
                    on_lines(lines[: state[k.N_LINES]])
                state[k.N_OUT] = state[k.N_LINES] = 0
                if pos >= buf.shape[0]:
                    break
            else:
                self._grow(buf.shape[0] - pos)
        self.n_tokens, self._last_start = int(state[k.N_TOKENS]), int(state[k.LAST_START])

    def words(self) -> list[bytes]:
        """The words in order of their ids (1, 2, ...), as UTF-8 bytes."""
        pool = self.pool[: self.pool_used].tobytes()
        starts = self.word_start[1 : self.n_words].tolist()
        lengths = self.word_len[1 : self.n_words].tolist()
        return [pool[s : s + n] for s, n in zip(starts, lengths, strict=True)]

    def lookup(self, data: bytes, unknown: int) -> np.ndarray:
        """The ids of `data`'s tokens among the words of the table (0 for each newline) and
        `unknown` for the others, which are not added: a vocabulary's ids in memory that does
        not grow with the text."""
        buf = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(buf.shape[0] + 1, dtype=np.int32)
        n = corpus_kernels.lookup_tokens(
            buf, SEPARATOR, self.table, self.word_hash, self.word_start, self.word_len,
            self.pool, unknown, out,
        )  # fmt: skip
        return out[:n]

    def drop_buffers(self) -> None:
        """Free `count`'s id and line-start buffers (4.5 MB) once the text is read."""
        self._buffers = None

    def _grow(self, remaining: int) -> None:
        """Double whichever of the table, the word arrays and the pool stopped the kernel."""
        if 2 * (self.n_words + 1) > self.table.shape[0]:
            self.table = np.full(2 * self.table.shape[0], -1, dtype=np.int32)
            corpus_kernels.rehash(self.word_hash, self.n_words, self.table)
        elif self.n_words + 1 > self.word_hash.shape[0]:
            for name in ("word_hash", "word_start", "word_len", "counts"):
                old = getattr(self, name)
                grown = np.zeros(2 * old.shape[0], dtype=old.dtype)
                grown[: self.n_words] = old[: self.n_words]
                setattr(self, name, grown)
        else:  # the pool: a new word's bytes did not fit (it is at most `remaining` bytes)
            grown = np.zeros(
                max(2 * self.pool.shape[0], self.pool_used + remaining), dtype=np.uint8
            )
            grown[: self.pool_used] = self.pool[: self.pool_used]
            self.pool = grown
