"""fastText subwords: the hash and n-grams against fastText's own values, and subword vectors."""

from __future__ import annotations

import numpy as np
import pytest

from wordlab.cli import main
from wordlab.errors import WordlabError
from wordlab.models.fasttext import FastText, FastTextSettings
from wordlab.subwords import char_ngrams, fasttext_hash, hash_words, ngram_rows, subword_table


def _reference_hash(text: str) -> int:
    """fastText's Dictionary::hash written out: FNV-1a, each UTF-8 byte as a signed char."""
    h = 2166136261
    for b in text.encode("utf-8"):
        signed = b - 256 if b >= 128 else b
        h = ((h ^ (signed & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def test_hash_known_values():
    # ASCII agrees with standard FNV-1a ("a" -> 0xe40c292c); "" is the offset basis
    assert fasttext_hash("") == 2166136261
    assert fasttext_hash("a") == 0xE40C292C
    assert fasttext_hash("hello") == 1335831723
    # non-ASCII differs from unsigned FNV-1a: bytes >= 0x80 are sign-extended (fastText's quirk)
    assert fasttext_hash("café") == 1970454601
    assert fasttext_hash("喜欢") == 2777068350
    assert fasttext_hash("naïve") == 3440832043
    words = ["", "a", "hello", "<where>", "café", "喜欢", "<喜", "naïve", "Ωmega", "</s>"]
    assert hash_words(words).tolist() == [_reference_hash(w) for w in words]


def test_ngram_rows_match_fasttext():
    # ids printed by fastText 0.9 (get_subwords, minn 1, maxn 3, bucket 2000000) minus nwords
    cafe = {
        "<c": 1453512, "<ca": 916747, "c": 1557458, "ca": 1119945, "caf": 369661, "a": 2220,
        "af": 1161470, "afé": 960362, "f": 1224601, "fé": 1193989, "fé>": 1609697,
        "é": 1043777, "é>": 1996781,
    }  # fmt: skip
    assert char_ngrams("café", 1, 3) == list(cafe)
    assert ngram_rows("café", 1, 3, 2_000_000).tolist() == list(cafe.values())
    xihuan = {
        "<喜": 1197448, "<喜欢": 951920, "喜": 1931514, "喜欢": 1068350, "喜欢>": 1023104,
        "欢": 51255, "欢>": 813227,
    }  # fmt: skip
    assert char_ngrams("喜欢", 1, 3) == list(xihuan)
    assert ngram_rows("喜欢", 1, 3, 2_000_000, nwords=6).tolist() == [
        6 + v for v in xihuan.values()
    ]


def test_char_ngrams_hand_examples():
    # n counts characters: the example, and the fastText paper's trigrams of "where"
    assert char_ngrams("喜欢", 1, 2) == ["<喜", "喜", "喜欢", "欢", "欢>"]
    assert char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert char_ngrams("ab", 3, 6) == ["<ab", "<ab>", "ab>"]
    assert char_ngrams("a", 2, 2) == ["<a", "a>"]
    assert char_ngrams("word", 7, 8) == []
    ptr, ids = subword_table(["ab", "where"], 3, 3, 100)
    assert ptr.tolist() == [0, 3, 9]
    assert ids[0] == 0 and ids[3] == 1  # own rows first, n-gram rows from nwords (2) on
    assert ids[1:3].tolist() == [2 + _reference_hash(g) % 100 for g in ["<ab", "ab>"]]


def _planted_corpus(path, rng):
    """Families of words sharing a stem and a set of context words; variants differ in suffix."""
    letters = np.array(list("bcdfghjklmnpqrstvwxz"))
    stems = ["".join(rng.choice(letters, 6)) for _ in range(6)]
    suffixes = ["", "s", "ed", "ing", "er"]
    contexts = [[f"c{f}x{j}" for j in range(8)] for f in range(len(stems))]
    lines = []
    for _ in range(1500):
        f = int(rng.integers(len(stems)))
        word = stems[f] + suffixes[int(rng.integers(len(suffixes)))]
        ctx = list(rng.choice(contexts[f], 4))
        lines.append(" ".join(ctx[:2] + [word] + ctx[2:]))
    path.write_text("\n".join(lines) + "\n")
    return stems


def test_unseen_words_near_their_relatives(tmp_path):
    rng = np.random.default_rng(3)
    corpus = tmp_path / "planted.txt"
    stems = _planted_corpus(corpus, rng)
    s = FastTextSettings(
        dim=24, epochs=5, min_count=2, bucket=20_000, minn=3, maxn=5, sample=0, threads=1
    )
    ft = FastText(s, progress=False).fit(corpus)
    vec = ft.vectors
    assert len(vec) == 6 * 5 + 6 * 8
    unit = vec.matrix / np.linalg.norm(vec.matrix, axis=1, keepdims=True)
    variants = [st + suf for st in stems for suf in ["", "s", "ed", "ing", "er"]]
    rows = [vec.index[w] for w in variants]
    hits = 0
    for stem in stems:
        unseen = stem + "ings"  # never in the corpus: its vector comes from its n-grams only
        assert unseen not in vec.index and unseen in vec  # .wv answers it from its n-grams
        q = ft.word_vector(unseen)
        np.testing.assert_array_equal(vec[unseen], q)
        sims = unit[rows] @ (q / np.linalg.norm(q))
        hits += variants[int(np.argmax(sims))].startswith(stem)
        family = np.mean([s for w, s in zip(variants, sims, strict=True) if w.startswith(stem)])
        others = np.mean([s for w, s in zip(variants, sims, strict=True) if not w.startswith(stem)])
        assert family > 0.9 and family > others + 0.3
    assert hits == len(stems)
    # a known word's vector is the mean of its own row and its n-gram rows
    rows = ft.subword_rows(stems[0])
    assert rows[0] == vec.index[stems[0]] and len(rows) > 1
    assert np.allclose(vec[stems[0]], ft.input_matrix()[rows].mean(axis=0), atol=1e-6)


def test_cbow_hs_and_reproducible(tmp_path):
    corpus = tmp_path / "planted.txt"
    _planted_corpus(corpus, np.random.default_rng(5))
    kw = dict(model="cbow", loss="hs", dim=8, epochs=2, min_count=2, bucket=5000, threads=1)
    a = FastText(progress=False, **kw).fit(corpus)
    b = FastText(progress=False, **kw).fit(corpus)
    assert np.array_equal(a.wi, b.wi)  # same seed, one thread: same model
    assert a.wo.shape[0] == len(a.vocab) - 1  # hierarchical softmax: one row per inner node
    assert np.isfinite(a.losses[-1]) and a.losses[-1] < np.log(len(a.vocab))


def test_noise_exponent_changes_the_negatives(tmp_path):
    corpus = tmp_path / "planted.txt"
    _planted_corpus(corpus, np.random.default_rng(5))
    kw = dict(dim=8, epochs=1, min_count=2, bucket=5000, threads=1, progress=False)
    a = FastText(**kw).fit(corpus)
    b = FastText(ns_exponent=0.5, **kw).fit(corpus)
    c = FastText(ns_exponent=0.75, **kw).fit(corpus)
    assert np.array_equal(a.wo, b.wo)  # 0.5 is the default (fastText's)
    assert not np.array_equal(b.wo, c.wo)  # other noise words were drawn and updated


def test_save_load_and_cli(tmp_path, capsys):
    corpus = tmp_path / "planted.txt"
    _planted_corpus(corpus, np.random.default_rng(7))
    out = tmp_path / "out"
    rc = main(
        ["fasttext", "--input", str(corpus), "--output", str(out), "--dim", "6", "--epochs", "1",
         "--bucket", "3000", "--min-count", "2", "--threads", "1", "--quiet",
         "--corpus-cache", str(tmp_path / "cache"), "--ns-exponent", "0.75"]
    )  # fmt: skip
    assert rc == 0
    header = (out / "vectors.vec").read_text().splitlines()[0]
    model = FastText.load(out / "model.wordlab")
    assert header == f"{len(model.vocab)} 6"
    assert model.settings.ns_exponent == 0.75  # the option reaches the saved settings
    again = FastText.load(out)
    assert np.array_equal(again.word_vector("qqqqq"), model.word_vector("qqqqq"))
    capsys.readouterr()
    assert (
        main(["fasttext-vectors", str(out / "model.wordlab"), "misspeled", model.vocab.words[0]])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["misspeled", model.vocab.words[0]]
    got = np.array(lines[0].split()[1:], dtype=np.float32)
    assert np.allclose(got, model.word_vector("misspeled"), rtol=1e-4, atol=1e-6)


def test_bad_settings():
    with pytest.raises(WordlabError, match="--minn"):
        FastTextSettings(minn=5, maxn=3)
    with pytest.raises(WordlabError, match="--model"):
        FastTextSettings(model="glove")
    with pytest.raises(WordlabError, match="--ns-exponent"):
        FastTextSettings(ns_exponent=float("nan"))
