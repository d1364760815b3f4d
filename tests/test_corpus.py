"""Reading and encoding text: compression, long lines, line starts, UTF-8 errors, vocabulary order."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import sys

import numpy as np
import pytest

from wordlab.corpus import encode_corpus
from wordlab.errors import WordlabError
from wordlab.textread import TextOptions, iter_lines, iter_text_chunks
from wordlab.vocab import Vocab

TEXT = "b a c a\n\nd b a\nc\n"


@pytest.mark.parametrize(
    "suffix,opener", [(".txt", open), (".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)]
)
def test_encode_reads_compressed_files_and_keeps_line_starts(tmp_path, suffix, opener):
    path = tmp_path / f"c{suffix}"
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write(TEXT)
    enc = encode_corpus(path, tmp_path / "enc", progress=False)
    # counts a:3 b:2 c:2 d:1; ties ordered by word
    assert enc.words == ["a", "b", "c", "d"]
    assert enc.counts.tolist() == [3, 2, 2, 1]
    assert [enc.words[i] for i in enc.tokens] == ["b", "a", "c", "a", "d", "b", "a", "c"]
    assert enc.line_starts.tolist() == [0, 4, 7, 8]  # the empty line makes no sentence


def test_long_line_read_in_small_chunks_is_not_cut(tmp_path):
    words = [f"w{i % 37}" for i in range(5000)]
    path = tmp_path / "one_line.txt"
    path.write_text(" ".join(words), encoding="utf-8")
    pieces = list(iter_text_chunks(path, chunk_bytes=64))
    assert len(pieces) > 10
    assert "".join(pieces).split() == words
    enc = encode_corpus(path, tmp_path / "enc", progress=False)
    assert enc.n_tokens == 5000 and enc.n_lines == 1


def test_cached_encoding_is_reused_and_refreshed_on_change(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("x y z\n", encoding="utf-8")
    first = encode_corpus(path, tmp_path / "enc", progress=False)
    again = encode_corpus(path, tmp_path / "enc", progress=False)
    assert again.words == first.words
    path.write_text("x y z z\n", encoding="utf-8")
    changed = encode_corpus(path, tmp_path / "enc", progress=False)
    assert changed.n_tokens == 4


def test_invalid_utf8_names_byte_offset_or_is_replaced(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words\nthen \xff bad\n")
    with pytest.raises(WordlabError, match="byte offset 16"):
        encode_corpus(path, tmp_path / "enc", progress=False)
    enc = encode_corpus(
        path, tmp_path / "enc2", TextOptions(encoding_errors="replace"), progress=False
    )
    assert "\ufffd" in enc.words


def test_missing_and_empty_corpus_give_clear_errors(tmp_path):
    with pytest.raises(WordlabError, match="corpus file not found"):
        encode_corpus(tmp_path / "nope.txt", tmp_path / "enc", progress=False)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(WordlabError, match="empty"):
        encode_corpus(empty, tmp_path / "enc", progress=False)


def test_tokenizers_and_lowercase():
    assert TextOptions().tokenize("Hello, World") == ["Hello,", "World"]
    assert TextOptions(lowercase=True, tokenizer="simple").tokenize("Hello, World's end.") == [
        "hello", ",", "world's", "end", "."]  # fmt: skip
    with pytest.raises(WordlabError, match="--tokenizer"):
        TextOptions(tokenizer="bpe")


def test_iter_lines_joins_a_line_split_across_chunks(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b\nc d e\n", encoding="utf-8")
    assert list(iter_lines(path)) == [["a", "b"], ["c", "d", "e"]]


def test_vocab_prefix_min_count_max_vocab_and_too_small(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a a a b b c\n", encoding="utf-8")
    enc = encode_corpus(path, tmp_path / "enc", progress=False)
    assert Vocab.from_corpus(enc, min_count=2).words == ["a", "b"]
    assert Vocab.from_corpus(enc, min_count=1, max_vocab=2).words == ["a", "b"]
    with pytest.raises(WordlabError, match="vocabulary too small"):
        Vocab.from_corpus(enc, min_count=3)
    v = Vocab.from_corpus(enc, min_count=1)
    v.save(tmp_path / "vocab.txt")
    back = Vocab.load(tmp_path / "vocab.txt")
    assert back.words == v.words and np.array_equal(back.counts, v.counts)
    (tmp_path / "bad_vocab.txt").write_text("a 3\nb\n", encoding="utf-8")
    with pytest.raises(WordlabError, match="bad_vocab.txt:2:"):
        Vocab.load(tmp_path / "bad_vocab.txt")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_release_gives_back_the_pages_of_read_tokens(tmp_path):
    """A trainer's jobs release the token pages they read: resident memory falls, values stay."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    text = tmp_path / "c.txt"
    text.write_text("\n".join(" ".join(rng.choice(words, 1000)) for _ in range(6000)) + "\n")
    enc = encode_corpus(text, tmp_path / "enc")
    enc = type(enc).load(enc.directory)  # memory-mapped, as trainers see it
    page = os.sysconf("SC_PAGE_SIZE")

    def resident_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page / 2**20

    before = resident_mb()
    total = int(np.asarray(enc.tokens).sum(dtype=np.int64))  # touches every page: +24 MB
    expected = np.bincount(np.asarray(enc.tokens[: enc.n_tokens // 2]), minlength=50)
    touched = resident_mb()
    assert touched - before > 15
    enc.release(0, enc.n_tokens)
    assert touched - resident_mb() > 15
    # the tokens read back the same after their pages were let go
    assert int(np.asarray(enc.tokens).sum(dtype=np.int64)) == total
    assert np.array_equal(np.bincount(enc.tokens[: enc.n_tokens // 2], minlength=50), expected)


def test_words_are_read_only_as_far_as_the_vocabulary_needs(tmp_path):
    """A vocabulary reads a prefix of words.txt; `wordlab vocab` copies the corpus's lines."""
    from collections import Counter

    from wordlab.cli import main
    from wordlab.corpus import EncodedCorpus

    rng = np.random.default_rng(3)
    tokens = [f"w{int(i)}" for i in rng.zipf(1.3, 20_000) if i < 5_000]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(tokens[i : i + 50]) for i in range(0, len(tokens), 50)))
    expected = sorted(Counter(tokens).items(), key=lambda wc: (-wc[1], wc[0]))
    encode_corpus(path, tmp_path / "enc", progress=False)
    for fresh in (True, False):
        if not fresh:  # a corpus encoded before counts.npy existed reads words.txt for counts
            (tmp_path / "enc" / "counts.npy").unlink()
        enc = EncodedCorpus.load(tmp_path / "enc")
        assert len(enc.words) == len(expected)
        assert enc.counts.tolist() == [c for _, c in expected]
        v = Vocab.from_corpus(enc, min_count=3)
        assert v.words == [w for w, c in expected if c >= 3]
        assert len(enc.words._head) == (len(v) if fresh else len(expected))
        assert list(enc.words) == [w for w, _ in expected]
    for min_count in (1, 3):
        out = tmp_path / f"vocab{min_count}.txt"
        args = ["vocab", "--input", str(path), "--output", str(out), "--quiet"]
        assert (
            main([*args, "--min-count", str(min_count), "--corpus-cache", str(tmp_path / "c2")])
            == 0
        )
        lines = out.read_text(encoding="utf-8").splitlines()
        assert lines == [f"{w} {c}" for w, c in expected if c >= min_count]
    (tmp_path / "enc" / "words.txt").write_bytes(b"w1 9\nbroken\n")  # a damaged cache
    np.save(tmp_path / "enc" / "counts.npy", np.array([9, 1]))  # words read lazily
    with pytest.raises(WordlabError, match=r"words.txt:2: expected 'word count'"):
        Vocab.from_corpus(EncodedCorpus.load(tmp_path / "enc"), min_count=1)


def test_encoding_in_tiny_pieces_and_buffers_matches_python_split(tmp_path, monkeypatch):
    """Real text read 61 bytes at a time, ids and line starts handed on 5 and 3 at a time.

    The compiled count must hand on every id and line start across full buffers, pieces that
    are passed as read (ASCII) and pieces that are decoded and rewritten (a non-ASCII word, a
    Unicode space), and give what Python's str.split of each line gives.
    """
    import functools
    import lzma
    from collections import Counter

    import wordlab.corpus as corpus_module
    from tests.conftest import shared_data
    from wordlab.wordtable import WordTable

    with lzma.open(shared_data("corpora", "austen-6-novels.txt.xz"), "rt") as fh:
        lines = [next(fh) for _ in range(400)]
    lines[50] = "caf\u00e9  na\u00efve\u3000word\n"  # a 2-byte character and an ideographic space
    lines[51] = "   \n"  # a blank line: no line start of its own
    text = "".join(lines)
    path = tmp_path / "austen.txt"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(WordTable, "BUFFER_IDS", 5)
    monkeypatch.setattr(WordTable, "BUFFER_LINES", 3)
    pieces = functools.partial(corpus_module.iter_token_bytes, chunk_bytes=61)
    monkeypatch.setattr(corpus_module, "iter_token_bytes", pieces)
    enc = encode_corpus(path, tmp_path / "enc", progress=False)

    per_line = [line.split() for line in text.split("\n")]
    tokens = [t for line in per_line for t in line]
    starts, n = [0], 0
    for line in per_line:
        n += len(line)
        if line and n != starts[-1]:
            starts.append(n)
    assert [enc.words[i] for i in enc.tokens] == tokens
    assert enc.line_starts.tolist() == starts
    counted = Counter(tokens)
    assert dict(zip(enc.words, enc.counts.tolist(), strict=True)) == counted
    assert "na\u00efve" in counted and len(enc.words) > 500


def test_pieces_carry_a_token_longer_than_several_blocks_and_cover_the_file(tmp_path, monkeypatch):
    """A 300-byte token read 64 bytes at a time spans five blocks: it must come whole, every
    piece must end on whitespace at its offset, and the pieces must give back the file's bytes
    (also as `iter_token_bytes` counts them for a non-ASCII, rewritten piece)."""
    import wordlab.textread as textread

    long_token = "x" * 300
    text = f"a b {long_token} c\nd caf\u00e9\u3000e {long_token}y\n tail"
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    data = path.read_bytes()
    pieces = list(textread.iter_raw_pieces(path, chunk_bytes=64))
    assert b"".join(p for _, p in pieces) == data
    for offset, piece in pieces:
        assert data[offset : offset + len(piece)] == piece
    assert all(p[-1:].isspace() for _, p in pieces[:-1])
    assert any(long_token.encode() in p for _, p in pieces)
    covered = list(textread.iter_token_bytes(path, TextOptions(), chunk_bytes=64))
    assert sum(n for _, n, _ in covered) == len(data)
    assert b" ".join(p for _, _, p in covered).split() == [t.encode() for t in text.split()]

    monkeypatch.setattr(textread, "_MAX_TOKEN_BYTES", 200)
    with pytest.raises(
        WordlabError, match=r"long\.txt: no whitespace in 252 bytes from byte offset 4"
    ):
        list(textread.iter_raw_pieces(path, chunk_bytes=64))
