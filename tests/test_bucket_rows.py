"""fastText's bucket rows kept only where vocabulary n-grams hash: same values, same training."""

from __future__ import annotations

import numpy as np
import pytest

from wordlab import FastText
from wordlab.models.bucket_rows import compact_rows, initial_rows, rows_of


def _full_init(seed: int, rows: int, dim: int) -> np.ndarray:
    """What fastText's initialisation draws for the whole matrix (the reference)."""
    wi = np.random.default_rng(seed).random((rows, dim), dtype=np.float32)
    wi *= np.float32(2.0 / dim)
    wi -= np.float32(1.0 / dim)
    return wi


@pytest.mark.parametrize("dim", [7, 8])  # odd: rows start inside a 64-bit draw
def test_initial_rows_equal_the_whole_matrix(dim):
    full = _full_init(3, 40_000, dim)
    some = np.array([0, 1, 2, 5, 16383, 16384, 16385, 39_999])
    assert np.array_equal(initial_rows(3, dim, some), full[some])  # jumped to, one by one
    many = np.sort(np.random.default_rng(0).choice(40_000, 500, replace=False))
    assert np.array_equal(initial_rows(3, dim, many), full[many])  # drawn in chunks


def test_compact_ids_address_the_same_rows():
    nwords = 5
    full_ids = np.array([0, 9, 30, 1, 30, 7, 4, 12])
    ids, buckets = compact_rows(full_ids, nwords)
    assert buckets.tolist() == [2, 4, 7, 25]
    full = np.arange(40, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    compact = full[np.concatenate([np.arange(nwords), nwords + buckets])]
    assert np.array_equal(compact[ids], full[full_ids])
    # rows_of answers kept and never-stored rows alike, from the seed for the latter
    wi = initial_rows(1, 3, np.concatenate([np.arange(nwords), nwords + buckets]))
    asked = np.array([3, 12, 6, 39, 30])
    assert np.array_equal(rows_of(wi, nwords, buckets, asked, 1), _full_init(1, 40, 3)[asked])


def test_training_equals_the_full_matrix(tmp_path):
    """One thread, same seed: the kept rows end exactly as the full matrix's rows would."""
    text = tmp_path / "t.txt"
    words = [
        "the",
        "cat",
        "sat",
        "on",
        "the",
        "mat",
        "while",
        "another",
        "cat",
        "ate",
        "the",
        "rat",
        "near",
        "a",
        "mat",
    ]
    rng = np.random.default_rng(5)
    text.write_text("\n".join(" ".join(rng.choice(words, 12)) for _ in range(200)) + "\n")
    kw = dict(dim=8, epochs=2, min_count=2, bucket=3000, threads=1, sample=0, progress=False)
    m = FastText(**kw).fit(text)
    nwords = len(m.vocab)
    assert m.wi.shape[0] == nwords + m.bucket_rows.size < nwords + 3000
    # the same run on every bucket row: the model prepared, then given the full matrix
    ref = FastText(**kw)
    ref._reset()
    ref._prepare(ref._encoded(text, None, None))
    hashed = ref.sub_ids >= nwords
    ref.sub_ids[hashed] = nwords + ref.bucket_rows[ref.sub_ids[hashed] - nwords]
    ref.bucket_rows = np.arange(3000)
    ref.wi = _full_init(1, nwords + 3000, 8)
    ref.train()
    assert np.array_equal(ref.wi[:nwords], m.wi[:nwords])
    assert np.array_equal(ref.wi[nwords + m.bucket_rows], m.wi[nwords:])
    assert np.array_equal(m.input_matrix(), ref.wi)
    # an unseen word: its n-grams' rows, trained or not, as in the full matrix
    for word in ("cats", "zzzq"):
        rows = m.subword_rows(word)
        assert np.allclose(m.wv[word], ref.wi[rows].mean(axis=0), atol=1e-7)


def test_classifier_equals_the_full_matrix(tmp_path):
    """The classifier keeps the hashed rows its examples use: same training, same predictions."""
    from wordlab import Classifier
    from wordlab.models.threads import KernelCounters

    rng = np.random.default_rng(2)
    topics = {"sport": ["ball", "goal", "team"], "food": ["rice", "soup", "bread"]}
    noise = [f"w{i}" for i in range(40)]
    lines = []
    for _ in range(300):
        name = ["sport", "food"][int(rng.integers(2))]
        words = list(rng.choice(topics[name], 3)) + list(rng.choice(noise, 6))
        lines.append(f"__label__{name} " + " ".join(rng.permutation(words)))
    train = tmp_path / "train.txt"
    train.write_text("\n".join(lines) + "\n")
    kw = dict(dim=8, epochs=3, word_ngrams=2, bucket=4000, threads=1, progress=False)
    m = Classifier(**kw).fit(train)
    nwords = len(m.words)
    assert 0 < m.bucket_rows.size < 4000 and m.wi.shape[0] == nwords + m.bucket_rows.size
    # the reference: the same steps on every hashed row
    ref = Classifier(**kw)
    ref._reset()
    tokens, name = ref._read_corpus(train)
    ref._build_dictionary(tokens, name)
    ref.bucket_rows = np.arange(4000)
    ref._use_examples(tokens, name)
    ref.wi = _full_init(1, nwords + 4000, 8)
    out_rows = len(ref.labels)
    ref.wo = np.zeros((out_rows, 8), dtype=np.float32)
    ref._counters = KernelCounters(1, 0)
    ref._train_for(None, None, None)
    assert np.array_equal(ref.wi[:nwords], m.wi[:nwords])
    assert np.array_equal(ref.wi[nwords + m.bucket_rows], m.wi[nwords:])
    assert np.array_equal(m.input_matrix(), ref.wi)
    # texts with bigrams (and words) the training never saw
    texts = ["ball goal zebra w3", "soup w1 bread w2 unknown", "team rice"]
    assert m.predict(texts, k=2) == ref.predict(texts, k=2)
    saved = Classifier.load(m.save(tmp_path / "clf"))
    assert saved.predict(texts, k=2) == m.predict(texts, k=2)
