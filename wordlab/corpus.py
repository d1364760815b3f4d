"""Reading text and encoding it, once, into an int32 token-id array on disk.

Every model reads the encoded corpus (`EncodedCorpus`), never the text: ids are ranks in the full
vocabulary ordered by count (descending) then by word, so any `min_count` / `max_vocab` choice is a
prefix of the id space and a kernel keeps a token simply when `id < vocab_size`. Line starts are
kept so that a newline ends a window context, as in GloVe and word2vec.
"""

from __future__ import annotations

import ctypes
import functools
import json
import mmap
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open, atomic_path, require_file
from wordlab.kernels import corpus as corpus_kernels
from wordlab.progress import Progress
from wordlab.textread import TextOptions, iter_text_chunks
from wordlab.wordcounts import WordFile, read_word_counts

# bytes that separate tokens for the compiled tokenizer: ASCII whitespace, \x1c-\x1f, and NUL
_SEPARATOR = np.zeros(256, dtype=np.bool_)
_SEPARATOR[[0, 9, 11, 12, 13, 28, 29, 30, 31, 32]] = True


class _Interner:
    """Provisional ids for tokens in order of first appearance (0 marks a newline), compiled.

    The arrays double only when a new word needs room, so memory follows the distinct words and
    their bytes (about 40 bytes a word plus its text), not the size of the chunks read.
    """

    def __init__(self) -> None:
        self.table = np.full(1 << 16, -1, dtype=np.int32)
        self.word_hash = np.zeros(1 << 15, dtype=np.uint64)
        self.word_start = np.zeros(1 << 15, dtype=np.int64)
        self.word_len = np.zeros(1 << 15, dtype=np.int32)
        self.pool = np.zeros(1 << 20, dtype=np.uint8)
        self.n_words = 1  # id 0 is the newline mark
        self.pool_used = 0

    @property
    def nbytes(self) -> int:
        """Bytes held by the word table, its arrays and the byte pool."""
        arrays = (self.table, self.word_hash, self.word_start, self.word_len, self.pool)
        return sum(a.nbytes for a in arrays)

    def ids(self, data: bytes) -> np.ndarray:
        """The ids of the tokens of `data` (0 for each newline), adding new words."""
        buf = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(buf.shape[0] + 1, dtype=np.int32)  # a newline byte is a token too
        pos, n_out = 0, 0
        while True:
            pos, n_out, self.n_words, self.pool_used = corpus_kernels.intern_tokens(
                buf, pos, _SEPARATOR, self.table, self.word_hash, self.word_start,
                self.word_len, self.pool, self.n_words, self.pool_used, out, n_out,
            )  # fmt: skip
            if pos >= buf.shape[0]:
                return out[:n_out]
            self._grow(buf.shape[0] - pos)

    def _grow(self, remaining: int) -> None:
        """Double whichever of the table, the word arrays and the pool stopped the kernel."""
        if 2 * (self.n_words + 1) > self.table.shape[0]:
            self.table = np.full(2 * self.table.shape[0], -1, dtype=np.int32)
            corpus_kernels.rehash(self.word_hash, self.n_words, self.table)
        elif self.n_words + 1 > self.word_hash.shape[0]:
            for name in ("word_hash", "word_start", "word_len"):
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


@dataclass
class EncodedCorpus:
    """A corpus as int32 token ids (memory-mapped) with line starts and the full vocabulary."""

    directory: Path
    tokens: np.ndarray  # int32 ids, rank in `words`
    line_starts: np.ndarray  # int64, one per line plus a final entry == len(tokens)
    words: Sequence[str]  # every distinct token, by count descending then word (a WordFile)
    counts: np.ndarray  # int64, count of each word in `words`

    @property
    def n_tokens(self) -> int:
        return int(self.tokens.shape[0])

    @property
    def n_lines(self) -> int:
        return int(self.line_starts.shape[0] - 1)

    def release(self, start: int, end: int) -> None:
        """Let go of the memory pages of tokens[start:end] once a job has read them.

        The tokens are memory-mapped: every page a trainer reads stays in its resident memory
        (281 MB for enwiki-70m), though the file is in the page cache anyway. Dropping the
        pages of a finished job keeps a trainer's peak at its weights; reading them again next
        epoch maps them back from the cache (a minor fault per 4 kB). Only whole pages inside
        the range are released: the neighbouring jobs may still be reading the edges.
        """
        if not isinstance(self.tokens, np.memmap) or end <= start or _MADV_DONTNEED is None:
            return
        first = self.tokens.ctypes.data + start * self.tokens.itemsize
        last = self.tokens.ctypes.data + end * self.tokens.itemsize
        page = mmap.PAGESIZE
        lo, hi = -(-first // page) * page, last // page * page
        if hi > lo:
            _libc().madvise(ctypes.c_void_p(lo), ctypes.c_size_t(hi - lo), _MADV_DONTNEED)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> EncodedCorpus:
        """Open an encoded corpus folder written by `encode_corpus` (tokens are memory-mapped)."""
        d = Path(directory)
        meta_path = d / "meta.json"
        if not meta_path.exists():
            raise WordlabError(f"{d}: not an encoded corpus (no meta.json)")
        if (d / "counts.npy").exists():
            counts = np.load(d / "counts.npy")
            words: Sequence[str] = WordFile(d / "words.txt", len(counts))
        else:  # written before counts.npy existed
            listed, counts = read_word_counts(d / "words.txt")
            words = WordFile(d / "words.txt", len(counts), listed)
        tokens = np.load(d / "tokens.npy", mmap_mode="r")
        line_starts = np.load(d / "lines.npy")
        return cls(d, tokens, line_starts, words, counts)


_MADV_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)  # None where madvise is missing


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc


@dataclass(frozen=True)
class _SourceStamp:
    path: str
    size: int
    mtime_ns: int
    lowercase: bool
    tokenizer: str
    encoding_errors: str


def _stamp(path: Path, options: TextOptions) -> _SourceStamp:
    st = path.stat()
    return _SourceStamp(str(path.resolve()), st.st_size, st.st_mtime_ns, **options.key())


# bytes a distinct word costs once the vocabulary is loaded as Python objects (str, list slot,
# and while words.txt is read a Python int for its count): 115 measured on enwiki's 489k words
WORD_OBJECT_BYTES = 120
# what reading takes besides the word table: the chunk as bytes, text and re-encoded bytes, its
# ids, line marks and counts (measured: 30-40 MB). An .xz decoder's dictionary (up to 64 MB for
# xz -9) is resident only as far as it has been filled, at most the text decoded so far.
_READ_BYTES = 40 << 20
_XZ_BYTES = 64 << 20


def encode_corpus(
    path: str | os.PathLike,
    directory: str | os.PathLike,
    options: TextOptions = TextOptions(),
    progress: bool = True,
    memory: float | None = None,
) -> EncodedCorpus:
    """Tokenize `path` once into `directory` (tokens.npy, lines.npy, words.txt, counts.npy,
    meta.json).

    A folder already holding the encoding of the same file (path, size, mtime) with the same
    options is reused as it is. One pass over the text: tokens get provisional ids in order of
    first appearance, spilled to disk; then ids are renumbered by count in bounded windows, read
    and written with plain file I/O (a memory map's touched pages would count as resident).
    Memory: the word table (about 40 bytes a distinct word plus its text) and a few chunk-sized
    buffers; with `memory` (GB) set, a table that would outgrow it (counting the ~120 bytes a
    word takes once loaded as Python objects) stops with an error naming the need.
    """
    src = require_file(path, "corpus file")
    out = Path(directory)
    stamp = _stamp(src, options)
    meta_path = out / "meta.json"
    if meta_path.exists():
        try:
            old = json.loads(meta_path.read_text())
            if old.get("source") == asdict(stamp):
                return EncodedCorpus.load(out)
        except (json.JSONDecodeError, OSError):
            pass
    if memory is not None and memory <= 0:
        raise WordlabError(f"--memory must be positive, got {memory}")
    budget = None if memory is None else int(memory * (1 << 30))
    out.mkdir(parents=True, exist_ok=True)

    interner = _Interner()
    counts = np.zeros(1 << 16, dtype=np.int64)
    line_starts = [np.zeros(1, dtype=np.int64)]
    last_start = 0
    n_tokens = 0
    raw_path = out / "tokens.raw.tmp"
    compressed = src.suffix.lower() in (".gz", ".bz2", ".xz")
    is_xz, text_bytes = src.suffix.lower() == ".xz", 0
    bar = Progress(None if compressed else src.stat().st_size, f"reading {src.name}", "B", progress)
    try:
        with open(raw_path, "wb") as raw:
            for chunk in iter_text_chunks(src, options.encoding_errors):
                chunk_ids = interner.ids(options.chunk_bytes(chunk))
                bar.update(len(chunk))
                is_word = chunk_ids != 0
                # a newline starts a line at the number of words before it (empty lines collapse)
                starts = np.unique(np.cumsum(is_word)[~is_word]) + n_tokens
                starts = starts[starts != last_start]
                if starts.size:
                    line_starts.append(starts)
                    last_start = int(starts[-1])
                chunk_ids = chunk_ids[is_word]
                n_ids = interner.n_words
                if n_ids > counts.shape[0]:
                    counts = np.concatenate(
                        [counts, np.zeros(max(n_ids, counts.shape[0]), np.int64)]
                    )
                counts[:n_ids] += np.bincount(chunk_ids, minlength=n_ids)
                chunk_ids.tofile(raw)
                n_tokens += chunk_ids.shape[0]
                if budget is not None:
                    text_bytes += len(chunk)
                    need = interner.nbytes + counts.nbytes + n_ids * WORD_OBJECT_BYTES
                    need += _READ_BYTES + (min(_XZ_BYTES, text_bytes) if is_xz else 0)
                    if need > budget:
                        raise WordlabError(
                            f"{src}: {n_ids - 1:,} distinct words after {n_tokens:,} tokens: "
                            f"their table and the read buffers already need about "
                            f"{need / (1 << 20):,.0f} MB, more than --memory {memory:g} GB; "
                            "raise --memory"
                        )
        bar.close()
        if n_tokens == 0:
            raise WordlabError(f"{src}: the corpus is empty (no tokens)")
        line_starts_arr = np.concatenate(line_starts)
        del line_starts
        if line_starts_arr[-1] != n_tokens:
            line_starts_arr = np.append(line_starts_arr, n_tokens)
        n_words = interner.n_words
        counts = counts[:n_words]
        counts[0] = 0  # the newline mark
        # Final ids: count descending, then word, so every run orders the vocabulary alike.
        order = corpus_kernels.vocabulary_order(
            counts, interner.word_start, interner.word_len, interner.pool, n_words
        )
        remap = np.full(n_words, -1, dtype=np.int32)
        remap[order] = np.arange(order.shape[0], dtype=np.int32)
        window = 1 << 20  # tokens renumbered at a time (4 MB in, 4 MB out)
        ids = np.empty(window, dtype=np.int32)
        final = np.empty(window, dtype=np.int32)
        header = {"descr": "<i4", "fortran_order": False, "shape": (n_tokens,)}
        with (
            atomic_path(out / "tokens.npy") as tmp,
            open(raw_path, "rb") as raw,
            open(tmp, "wb") as fh,
        ):
            np.lib.format.write_array_header_1_0(fh, header)
            for start in range(0, n_tokens, window):
                n = min(window, n_tokens - start)
                raw.readinto(memoryview(ids[:n]).cast("B"))
                np.take(remap, ids[:n], out=final[:n], mode="clip")  # unbuffered
                fh.write(memoryview(final[:n]).cast("B"))
        del ids, final, remap
        with atomic_path(out / "words.txt") as tmp, open(tmp, "wb") as fh:
            text = np.empty(1 << 20, dtype=np.uint8)
            i = 0
            while i < order.shape[0]:
                i_next, n = corpus_kernels.format_word_counts(
                    order, i, counts, interner.word_start, interner.word_len, interner.pool, text
                )
                if i_next == i:  # one word longer than the buffer
                    text = np.empty(2 * text.shape[0], dtype=np.uint8)
                    continue
                fh.write(memoryview(text[:n]).cast("B"))
                i = i_next
        with atomic_path(out / "counts.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, counts[order])
        del interner, order
    finally:
        if raw_path.exists():
            raw_path.unlink()
    with atomic_path(out / "lines.npy") as tmp, open(tmp, "wb") as fh:
        np.save(fh, line_starts_arr)
    meta = {
        "source": asdict(stamp),
        "n_tokens": n_tokens,
        "n_lines": len(line_starts_arr) - 1,
        "n_words": n_words - 1,
    }
    with atomic_open(meta_path) as fh:
        json.dump(meta, fh, indent=1)
    return EncodedCorpus.load(out)


def default_cache_dir(path: str | os.PathLike, options: TextOptions) -> Path:
    """Where the encoding of `path` is kept when the caller names no folder: $WORDLAB_CACHE or ~/.cache/wordlab."""
    import hashlib

    root = Path(os.environ.get("WORDLAB_CACHE", Path.home() / ".cache" / "wordlab"))
    key = hashlib.sha1(
        f"{Path(path).resolve()}|{sorted(options.key().items())}".encode()
    ).hexdigest()[:16]
    return root / "corpora" / f"{Path(path).name}.{key}"


def load_corpus(
    source: str | os.PathLike | EncodedCorpus,
    options: TextOptions = TextOptions(),
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    memory: float | None = None,
) -> EncodedCorpus:
    """An EncodedCorpus from a text file (encoded once, then reused), an encoded folder, or itself.

    `memory` (GB) caps the encoding's word table (see `encode_corpus`); None: no cap.
    """
    if isinstance(source, EncodedCorpus):
        return source
    p = Path(source)
    if p.is_dir():
        return EncodedCorpus.load(p)
    require_file(p, "corpus file")
    return encode_corpus(p, cache_dir or default_cache_dir(p, options), options, progress, memory)


def write_sentences(sentences: object, path: Path) -> Path:
    """Write an iterable of token lists (gensim's input) as a text file, one sentence a line."""
    if isinstance(sentences, (str, bytes)):
        raise WordlabError("a corpus is a path or an iterable of token lists, not a string of text")
    try:
        items = iter(sentences)  # type: ignore[call-overload]
    except TypeError:
        raise WordlabError(
            f"a corpus is a path or an iterable of token lists, not {type(sentences).__name__}"
        ) from None
    n = 0
    with atomic_open(path, "w", encoding="utf-8") as fh:
        for n, sentence in enumerate(items, 1):
            if isinstance(sentence, str) or not isinstance(sentence, (list, tuple)):
                raise WordlabError(
                    f"sentence {n} of the corpus is a {type(sentence).__name__}, not a list of "
                    "tokens (gensim's format: [['the', 'cat'], ['a', 'dog']])"
                )
            for token in sentence:
                if not isinstance(token, str) or not token or token.split() != [token]:
                    raise WordlabError(
                        f"sentence {n} of the corpus: token {token!r} is not a non-empty string "
                        "without whitespace"
                    )
            fh.write(" ".join(sentence) + "\n")
    if n == 0:
        raise WordlabError("the corpus is empty (no sentences)")
    return path
