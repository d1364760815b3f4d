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
from wordlab.kernels import lazy
from wordlab.progress import Progress
from wordlab.textread import TextOptions, iter_token_bytes
from wordlab.wordcounts import WordFile, read_word_counts
from wordlab.wordtable import WordTable

corpus_kernels = lazy("wordlab.kernels.corpus")


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
# what reading takes besides the word table: the piece being counted and the block read after it
# (4 MB each), `WordTable.count`'s id and line-start buffers (4.5 MB). An .xz decoder's dictionary
# (up to 64 MB for xz -9) is resident only as far as it has been filled, at most the text so far.
_READ_BYTES = 16 << 20
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
    Memory: the word table (about 48 bytes a distinct word plus its text) and a few chunk-sized
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

    table = WordTable()
    raw_path, lines_path = out / "tokens.raw.tmp", out / "lines.raw.tmp"
    compressed = src.suffix.lower() in (".gz", ".bz2", ".xz")
    is_xz, text_bytes = src.suffix.lower() == ".xz", 0
    bar = Progress(None if compressed else src.stat().st_size, f"reading {src.name}", "B", progress)
    try:
        with open(raw_path, "wb") as raw, open(lines_path, "wb") as lines:
            for offset, n_read, piece in iter_token_bytes(src, options):
                table.count(piece, raw.write, lines.write)
                bar.update(n_read)
                if budget is not None:
                    text_bytes = offset + n_read
                    need = table.nbytes + table.n_words * WORD_OBJECT_BYTES
                    need += _READ_BYTES + (min(_XZ_BYTES, text_bytes) if is_xz else 0)
                    if need > budget:
                        raise WordlabError(
                            f"{src}: {table.n_words - 1:,} distinct words after "
                            f"{table.n_tokens:,} tokens: their table and the read buffers "
                            f"already need about {need / (1 << 20):,.0f} MB, more than --memory "
                            f"{memory:g} GB; raise --memory"
                        )
        bar.close()
        table.drop_buffers()  # the renumbering below sets the peak: every MB counts there
        n_tokens = table.n_tokens
        if n_tokens == 0:
            raise WordlabError(f"{src}: the corpus is empty (no tokens)")
        n_words = table.n_words
        counts = table.counts[:n_words]
        counts[0] = 0  # the newline mark
        # Final ids: count descending, then word, so every run orders the vocabulary alike.
        order = corpus_kernels.vocabulary_order(
            counts, table.word_start, table.word_len, table.pool, n_words
        )
        remap = np.full(n_words, -1, dtype=np.int32)
        remap[order] = np.arange(order.shape[0], dtype=np.int32)
        window = 1 << 18  # tokens renumbered at a time (1 MB in, 1 MB out)
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
                    order, i, counts, table.word_start, table.word_len, table.pool, text
                )
                if i_next == i:  # one word longer than the buffer
                    text = np.empty(2 * text.shape[0], dtype=np.uint8)
                    continue
                fh.write(memoryview(text[:n]).cast("B"))
                i = i_next
        with atomic_path(out / "counts.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, counts[order])
        del table, order, counts
        n_lines = _write_line_starts(lines_path, n_tokens, out / "lines.npy")
    finally:
        for path in (raw_path, lines_path):
            if path.exists():
                path.unlink()
    meta = {
        "source": asdict(stamp),
        "n_tokens": n_tokens,
        "n_lines": n_lines,
        "n_words": n_words - 1,
    }
    with atomic_open(meta_path) as fh:
        json.dump(meta, fh, indent=1)
    return EncodedCorpus.load(out)


def _write_line_starts(spilled: Path, n_tokens: int, path: Path) -> int:
    """Write lines.npy: 0, the line starts `count` spilled (int64), and n_tokens. Returns lines."""
    k = spilled.stat().st_size // 8
    whole = np.zeros(k + 2, dtype=np.int64)  # read in place: one copy of the starts in memory
    with open(spilled, "rb") as fh:
        fh.readinto(memoryview(whole[1 : k + 1]).cast("B"))
    if whole[k] != n_tokens:  # the last line did not end with a newline
        whole[k + 1] = n_tokens
        k += 1
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, whole[: k + 1])
    return k


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
