"""Reading text and encoding it, once, into an int32 token-id array on disk.

Every model reads the encoded corpus (`EncodedCorpus`), never the text: ids are ranks in the full
vocabulary ordered by count (descending) then by word, so any `min_count` / `max_vocab` choice is a
prefix of the id space and a kernel keeps a token simply when `id < vocab_size`. Line starts are
kept so that a newline ends a window context, as in GloVe and word2vec.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open, atomic_path, open_binary, require_file
from wordlab.kernels import corpus as corpus_kernels
from wordlab.progress import Progress

CHUNK_BYTES = 1 << 22
_MAX_TOKEN_BYTES = 1 << 26
_WHITESPACE = b" \t\n\r\x0b\x0c"
_SIMPLE_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
# what str.split() splits on besides ASCII whitespace: chunks holding one take the slower path
_UNICODE_SPACE = re.compile("[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
# bytes that separate tokens for the compiled tokenizer: ASCII whitespace, \x1c-\x1f, and NUL
_SEPARATOR = np.zeros(256, dtype=np.bool_)
_SEPARATOR[[0, 9, 11, 12, 13, 28, 29, 30, 31, 32]] = True
TOKENIZERS = ("whitespace", "simple")
ENCODING_ERRORS = ("strict", "replace")


@dataclass(frozen=True)
class TextOptions:
    """How text becomes tokens; saved with the encoded corpus so a cache is reused only if equal."""

    lowercase: bool = False
    tokenizer: str = "whitespace"
    encoding_errors: str = "strict"

    def __post_init__(self) -> None:
        if self.tokenizer not in TOKENIZERS:
            raise WordlabError(
                f"--tokenizer must be one of {', '.join(TOKENIZERS)}, not {self.tokenizer!r}"
            )
        if self.encoding_errors not in ENCODING_ERRORS:
            raise WordlabError(
                f"--encoding-errors must be one of {', '.join(ENCODING_ERRORS)}, not {self.encoding_errors!r}"
            )

    def tokenize(self, line: str) -> list[str]:
        """Split one line of text into tokens: whitespace, or words and punctuation ('simple')."""
        if self.lowercase:
            line = line.lower()
        if self.tokenizer == "whitespace":
            return line.split()
        return _SIMPLE_TOKEN.findall(line)

    def chunk_bytes(self, text: str) -> bytes:
        """A chunk as UTF-8 bytes whose tokens are its runs of non-whitespace bytes.

        Plain ASCII-whitespace text passes as it is (the compiled tokenizer splits it); text with
        Unicode spaces, lower-casing or the 'simple' tokenizer is first rewritten, line by line,
        as tokens joined by single spaces, so both paths give exactly `tokenize`'s tokens.
        """
        if self.lowercase:
            text = text.lower()
        if self.tokenizer == "whitespace" and not _UNICODE_SPACE.search(text):
            return text.encode("utf-8", "surrogatepass")
        lines = text.split("\n")
        return "\n".join(" ".join(self.tokenize(line) if self.tokenizer != "whitespace" else line.split())
                         for line in lines).encode("utf-8", "surrogatepass")  # fmt: skip


class _Interner:
    """Provisional ids for tokens in order of first appearance (0 marks a newline), compiled."""

    def __init__(self) -> None:
        self.table = np.full(1 << 16, -1, dtype=np.int32)
        self.word_hash = np.zeros(1 << 15, dtype=np.uint64)
        self.word_start = np.zeros(1 << 15, dtype=np.int64)
        self.word_len = np.zeros(1 << 15, dtype=np.int32)
        self.pool = np.zeros(1 << 20, dtype=np.uint8)
        self.n_words = 1  # id 0 is the newline mark
        self.pool_used = 0

    def ids(self, data: bytes) -> np.ndarray:
        """The ids of the tokens of `data` (0 for each newline), adding new words."""
        buf = np.frombuffer(data, dtype=np.uint8)
        most_new = buf.shape[0] // 2 + 2
        need_words = self.n_words + most_new
        if need_words > self.word_hash.shape[0]:
            size = max(need_words, 2 * self.word_hash.shape[0])
            for name in ("word_hash", "word_start", "word_len"):
                old = getattr(self, name)
                grown = np.zeros(size, dtype=old.dtype)
                grown[: self.n_words] = old[: self.n_words]
                setattr(self, name, grown)
        if 2 * need_words > self.table.shape[0]:
            self.table = np.full(1 << int(4 * need_words - 1).bit_length(), -1, dtype=np.int32)
            corpus_kernels.rehash(self.word_hash, self.n_words, self.table)
        if self.pool_used + buf.shape[0] > self.pool.shape[0]:
            grown = np.zeros(
                max(self.pool_used + buf.shape[0], 2 * self.pool.shape[0]), dtype=np.uint8
            )
            grown[: self.pool_used] = self.pool[: self.pool_used]
            self.pool = grown
        out = np.empty(buf.shape[0] + 1, dtype=np.int32)  # a newline byte is a token too
        n_out, self.n_words, self.pool_used = corpus_kernels.intern_tokens(
            buf, _SEPARATOR, self.table, self.word_hash, self.word_start, self.word_len,
            self.pool, self.n_words, self.pool_used, out,
        )  # fmt: skip
        return out[:n_out]

    def words(self) -> list[str]:
        """Every word, indexed by provisional id (entry 0, the newline mark, is '')."""
        pool = self.pool.tobytes()
        starts, lens = self.word_start.tolist(), self.word_len.tolist()
        return [""] + [
            pool[starts[i] : starts[i] + lens[i]].decode("utf-8", "surrogatepass")
            for i in range(1, self.n_words)
        ]


def _last_whitespace(buf: bytes | bytearray) -> int:
    """Index just after the last ASCII whitespace byte in `buf`, or -1 if there is none."""
    best = -1
    for b in _WHITESPACE:
        k = buf.rfind(bytes([b]))
        if k > best:
            best = k
    return best + 1 if best >= 0 else -1


def iter_text_chunks(
    path: str | os.PathLike, errors: str = "strict", chunk_bytes: int = CHUNK_BYTES
) -> Iterator[str]:
    """Yield the decoded text of `path` in pieces that end on whitespace, so no token is cut.

    Bounded memory whatever the line length (text8 is one 100 MB line). UTF-8 multi-byte
    sequences never contain ASCII whitespace bytes, so cutting there never splits a character.
    """
    offset = 0  # byte offset of `pending` in the decompressed stream
    pending = bytearray()
    with open_binary(path) as fh:
        while True:
            block = fh.read(chunk_bytes)
            if not block:
                break
            pending += block
            cut = _last_whitespace(pending)
            if cut < 0:
                if len(pending) > _MAX_TOKEN_BYTES:
                    raise WordlabError(
                        f"{path}: no whitespace in {len(pending):,} bytes from byte offset {offset}"
                    )
                continue
            yield _decode(pending[:cut], path, offset, errors)
            offset += cut
            del pending[:cut]
        if pending:
            yield _decode(pending, path, offset, errors)


def _decode(data: bytes | bytearray, path: str | os.PathLike, offset: int, errors: str) -> str:
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise WordlabError(
            f"{path}: invalid UTF-8 at byte offset {offset + exc.start} "
            "(pass --encoding-errors replace to substitute U+FFFD)"
        ) from None


def iter_lines(
    path: str | os.PathLike, options: TextOptions = TextOptions()
) -> Iterator[list[str]]:
    """Yield the tokens of each line (a very long line may come in several consecutive pieces).

    For models that want Python token lists (ELMo, NER); trainers use `encode_corpus` instead.
    """
    carry: list[str] = []
    for chunk in iter_text_chunks(path, options.encoding_errors):
        pieces = chunk.split("\n")
        for k, piece in enumerate(pieces):
            tokens = options.tokenize(piece)
            if k == len(pieces) - 1 and not chunk.endswith("\n"):
                carry.extend(tokens)
                if len(carry) > 100_000:
                    yield carry
                    carry = []
                continue
            if carry:
                tokens = carry + tokens
                carry = []
            if tokens:
                yield tokens
    if carry:
        yield carry


@dataclass
class EncodedCorpus:
    """A corpus as int32 token ids (memory-mapped) with line starts and the full vocabulary."""

    directory: Path
    tokens: np.ndarray  # int32 ids, rank in `words`
    line_starts: np.ndarray  # int64, one per line plus a final entry == len(tokens)
    words: list[str]  # every distinct token, ordered by count descending, then by word
    counts: np.ndarray  # int64, count of each word in `words`

    @property
    def n_tokens(self) -> int:
        return int(self.tokens.shape[0])

    @property
    def n_lines(self) -> int:
        return int(self.line_starts.shape[0] - 1)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> EncodedCorpus:
        """Open an encoded corpus folder written by `encode_corpus` (tokens are memory-mapped)."""
        d = Path(directory)
        meta_path = d / "meta.json"
        if not meta_path.exists():
            raise WordlabError(f"{d}: not an encoded corpus (no meta.json)")
        words, counts = read_word_counts(d / "words.txt")
        tokens = np.load(d / "tokens.npy", mmap_mode="r")
        line_starts = np.load(d / "lines.npy")
        return cls(d, tokens, line_starts, words, counts)


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
    return _SourceStamp(str(path.resolve()), st.st_size, st.st_mtime_ns, **asdict(options))


def encode_corpus(
    path: str | os.PathLike,
    directory: str | os.PathLike,
    options: TextOptions = TextOptions(),
    progress: bool = True,
) -> EncodedCorpus:
    """Tokenize `path` once into `directory` (tokens.npy, lines.npy, words.txt, meta.json).

    A folder already holding the encoding of the same file (path, size, mtime) with the same
    options is reused as it is. One pass over the text: tokens get provisional ids in order of
    first appearance, spilled to disk; then ids are renumbered by count in bounded chunks.
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
    out.mkdir(parents=True, exist_ok=True)

    interner = _Interner()
    counts = np.zeros(1 << 16, dtype=np.int64)
    line_starts = [np.zeros(1, dtype=np.int64)]
    last_start = 0
    n_tokens = 0
    raw_path = out / "tokens.raw.tmp"
    compressed = src.suffix.lower() in (".gz", ".bz2", ".xz")
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
        bar.close()
        if n_tokens == 0:
            raise WordlabError(f"{src}: the corpus is empty (no tokens)")
        line_starts_arr = np.concatenate(line_starts)
        if line_starts_arr[-1] != n_tokens:
            line_starts_arr = np.append(line_starts_arr, n_tokens)
        words_first_seen = interner.words()
        counts = counts[: len(words_first_seen)]
        counts[0] = 0  # the newline mark
        del interner
        # Final ids: count descending, then word, so every run orders the vocabulary alike.
        order = sorted(
            range(1, len(words_first_seen)), key=lambda i: (-counts[i], words_first_seen[i])
        )
        order_arr = np.asarray(order, dtype=np.int64)
        remap = np.full(len(words_first_seen), -1, dtype=np.int32)
        remap[order_arr] = np.arange(len(order), dtype=np.int32)
        words = [words_first_seen[i] for i in order]
        sorted_counts = counts[order_arr]
        raw_ids = np.memmap(raw_path, dtype=np.int32, mode="r")
        with atomic_path(out / "tokens.npy") as tmp:
            final = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.int32, shape=(n_tokens,))
            step = 1 << 24
            for start in range(0, n_tokens, step):
                final[start : start + step] = remap[raw_ids[start : start + step]]
            final.flush()
            del final
        del raw_ids
    finally:
        if raw_path.exists():
            raw_path.unlink()
    with atomic_path(out / "lines.npy") as tmp, open(tmp, "wb") as fh:
        np.save(fh, line_starts_arr)
    write_word_counts(out / "words.txt", words, sorted_counts)
    meta = {
        "source": asdict(stamp),
        "n_tokens": n_tokens,
        "n_lines": len(line_starts_arr) - 1,
        "n_words": len(words),
    }
    with atomic_open(meta_path) as fh:
        json.dump(meta, fh, indent=1)
    return EncodedCorpus.load(out)


def write_word_counts(path: str | os.PathLike, words: list[str], counts: np.ndarray) -> None:
    """Write `word count` lines (GloVe's vocab.txt format), atomically."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.writelines(f"{w} {int(c)}\n" for w, c in zip(words, counts, strict=True))


def read_word_counts(path: Path) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    counts: list[int] = []
    with open(require_file(path, "vocabulary file"), encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise WordlabError(
                    f"{path}, line {lineno}: expected 'word count', got {line.strip()!r}"
                )
            words.append(parts[0])
            counts.append(int(parts[1]))
    return words, np.asarray(counts, dtype=np.int64)


def default_cache_dir(path: str | os.PathLike, options: TextOptions) -> Path:
    """Where the encoding of `path` is kept when the caller names no folder: $WORDLAB_CACHE or ~/.cache/wordlab."""
    import hashlib

    root = Path(os.environ.get("WORDLAB_CACHE", Path.home() / ".cache" / "wordlab"))
    key = hashlib.sha1(
        f"{Path(path).resolve()}|{sorted(asdict(options).items())}".encode()
    ).hexdigest()[:16]
    return root / "corpora" / f"{Path(path).name}.{key}"


def load_corpus(
    source: str | os.PathLike | EncodedCorpus,
    options: TextOptions = TextOptions(),
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> EncodedCorpus:
    """An EncodedCorpus from a text file (encoded once, then reused), an encoded folder, or itself."""
    if isinstance(source, EncodedCorpus):
        return source
    p = Path(source)
    if p.is_dir():
        return EncodedCorpus.load(p)
    require_file(p, "corpus file")
    return encode_corpus(p, cache_dir or default_cache_dir(p, options), options, progress)


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
