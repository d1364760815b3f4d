"""Co-occurrence counting: hand-worked counts, spilling equals in-memory, GloVe's record format."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from wordlab.cooccur import (
    RECORD,
    CooccurSettings,
    count_cooccurrences,
    read_records,
    shuffle_records,
)
from wordlab.corpus import encode_corpus
from wordlab.errors import WordlabError
from wordlab.vocab import Vocab


def _count(tmp_path, text, settings, min_count=1, **kw):
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    enc = encode_corpus(path, tmp_path / "enc", progress=False)
    vocab = Vocab.from_corpus(enc, min_count=min_count)
    out = tmp_path / f"co{len(list(tmp_path.iterdir()))}.bin"
    stats = count_cooccurrences(enc, vocab, out, settings, progress=False, **kw)
    recs = read_records(out)
    table = {(vocab.words[a - 1], vocab.words[b - 1]): v for a, b, v in recs}
    return table, stats, recs


def test_apple_a_day_window_2_by_hand(tmp_path):
    """GloVe's worked example: 'an apple a day keeps an apple a day', symmetric window 2, 1/d."""
    table, stats, recs = _count(
        tmp_path, "an apple a day keeps an apple a day\n", CooccurSettings(window=2, threads=1)
    )
    # distance 1 pairs: an-apple x2, apple-a x2, a-day x2, day-keeps, keeps-an;
    # distance 2 pairs (0.5 each): an-a x2, apple-day x2, a-keeps, day-an, keeps-apple
    expected = {
        ("an", "apple"): 2.0, ("apple", "a"): 2.0, ("a", "day"): 2.0, ("day", "keeps"): 1.0,
        ("keeps", "an"): 1.0, ("an", "a"): 1.0, ("apple", "day"): 1.0, ("a", "keeps"): 0.5,
        ("day", "an"): 0.5, ("keeps", "apple"): 0.5,
    }  # fmt: skip
    both = {**expected, **{(b, a): v for (a, b), v in expected.items()}}
    assert table == both
    assert stats.entries == 20
    # records are sorted by (word1, word2) and 1-based, as GloVe's cooccur writes them
    keys = recs["word1"].astype(np.int64) * 100 + recs["word2"]
    assert np.all(np.diff(keys) > 0) and recs["word1"].min() == 1


def test_left_only_and_unweighted(tmp_path):
    table, _, _ = _count(
        tmp_path,
        "x y z\n",
        CooccurSettings(window=2, symmetric=False, distance_weighting=False, threads=1),
    )
    # left context word first: (context, target)
    assert table == {("x", "y"): 1.0, ("y", "z"): 1.0, ("x", "z"): 1.0}


def test_newline_ends_context_and_oov_words_take_no_position(tmp_path):
    # 'rare' occurs once: with min_count 2 it is skipped, so 'p' and 'q' become adjacent
    table, _, _ = _count(
        tmp_path, "p rare q\np q\n", CooccurSettings(window=1, threads=1), min_count=2
    )
    assert table == {("p", "q"): 2.0, ("q", "p"): 2.0}


def _python_counts(lines, window, vocab_index):
    counts = defaultdict(float)
    for line in lines:
        ids = [vocab_index[w] for w in line if w in vocab_index]
        for i, w in enumerate(ids):
            for d in range(1, window + 1):
                if i - d < 0:
                    break
                c = ids[i - d]
                counts[(c, w)] += 1.0 / d
                counts[(w, c)] += 1.0 / d
    return counts


@pytest.mark.parametrize("threads", [1, 2])
def test_forced_spills_equal_in_memory_and_an_independent_count(tmp_path, threads):
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(60)]
    p = 1.0 / np.arange(1, 61)
    lines = [list(rng.choice(words, size=rng.integers(1, 40), p=p / p.sum())) for _ in range(300)]
    text = "\n".join(" ".join(line) for line in lines) + "\n"
    settings = CooccurSettings(window=5, threads=threads)
    in_memory, s1, _ = _count(tmp_path, text, settings, min_count=2)
    spilled, s2, _ = _count(
        tmp_path, text, settings, min_count=2, max_product=40, overflow_length=100
    )
    assert s1.shards <= threads and s2.shards > 20  # many shards were spilled and merged
    assert spilled.keys() == in_memory.keys()
    for k, v in in_memory.items():
        assert spilled[k] == pytest.approx(v, rel=1e-12)
    counts = {w: sum(line.count(w) for line in lines) for w in words}
    kept = sorted((w for w in words if counts[w] >= 2), key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(kept)}
    expected = _python_counts(lines, 5, index)
    assert len(expected) == len(in_memory)
    for (a, b), v in expected.items():
        assert in_memory[(kept[a], kept[b])] == pytest.approx(v, rel=1e-12)


def test_shuffle_is_a_permutation_in_bounded_memory(tmp_path):
    recs = np.zeros(5000, dtype=RECORD)
    recs["word1"] = np.arange(5000) + 1
    recs["word2"] = 1
    recs["value"] = np.arange(5000) * 0.5
    src = tmp_path / "co.bin"
    recs.tofile(src)
    # 2e-5 GB is about 21k bytes: forces the chunked two-pass shuffle
    n = shuffle_records(src, tmp_path / "shuf.bin", memory=2e-5, seed=7)
    out = np.fromfile(tmp_path / "shuf.bin", dtype=RECORD)
    assert n == 5000
    assert not np.array_equal(out["word1"], recs["word1"])
    assert np.array_equal(np.sort(out["word1"]), recs["word1"])
    assert np.array_equal(out["value"], (out["word1"] - 1) * 0.5)


def test_bad_cooccurrence_files(tmp_path):
    (tmp_path / "odd.bin").write_bytes(b"\0" * 17)
    with pytest.raises(WordlabError, match="multiple of 16"):
        read_records(tmp_path / "odd.bin")
    with pytest.raises(WordlabError, match="not found"):
        read_records(tmp_path / "missing.bin")
    with pytest.raises(WordlabError, match="--window"):
        CooccurSettings(window=0).check()
