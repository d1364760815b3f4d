"""Vectors as a drop-in for gensim's KeyedVectors: one file, loaded by both, compared method by method.

The vectors file is written by gensim itself: 200 words in 24 dimensions, with planted
country -> city and noun -> plural offsets (so analogies have right answers), random fillers, and
case variants that exercise gensim's case-insensitive matching.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from wordlab.errors import WordlabError
from wordlab.vectors import UnknownWordError, Vectors

keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
KeyedVectors = keyedvectors.KeyedVectors

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::RuntimeWarning")

DIM = 24


def _words_and_matrix() -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(11)
    capital, plural = rng.standard_normal((2, DIM))
    words, rows = [], []
    for i in range(12):
        country, noun = rng.standard_normal((2, DIM))
        words += [f"country{i}", f"city{i}", f"noun{i}", f"noun{i}s"]
        rows += [country, country + capital + 0.3 * rng.standard_normal(DIM)]
        rows += [noun, noun + plural + 0.3 * rng.standard_normal(DIM)]
    # "Noun2" comes before "noun2" (gensim's case-insensitive lookup uses it), COUNTRY1 after
    words.insert(5, "Noun2")
    rows.insert(5, rng.standard_normal(DIM))
    words += ["COUNTRY1", "Zebra"]
    rows += list(rng.standard_normal((2, DIM)))
    words += [f"w{i}" for i in range(200 - len(words))]
    rows += list(rng.standard_normal((200 - len(rows), DIM)))
    return words, np.array(rows, dtype=np.float32)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The vectors file (text and binary) and small similarity / analogy sets, all on disk."""
    d = tmp_path_factory.mktemp("kv")
    words, matrix = _words_and_matrix()
    kv = KeyedVectors(DIM)
    kv.add_vectors(words, matrix)
    kv.save_word2vec_format(str(d / "v.txt"))
    kv.save_word2vec_format(str(d / "v.bin"), binary=True)
    rng = np.random.default_rng(5)
    pairs = ["word1\tword2\tscore", "# a comment"]
    for a, b in [("country1", "city1"), ("Noun2", "noun2s"), ("COUNTRY3", "City3")]:
        pairs.append(f"{a}\t{b}\t{rng.uniform(0, 10):.2f}")
    for _ in range(40):
        a, b = rng.choice(words, 2, replace=False)
        pairs.append(f"{a}\t{b}\t{rng.uniform(0, 10):.2f}")
    pairs += ["country2\tnosuchword\t3.5", "Zebra\tzebra\t1.0", "w190\tw191\t2.5"]
    (d / "sim.tsv").write_text("\n".join(pairs) + "\n", encoding="utf-8")
    lines = [": capital-common-countries"]
    for i in range(8):
        for j in range(8):
            if i != j:
                lines.append(f"country{i} city{i} country{j} city{j}")
    lines += ["COUNTRY1 City1 country4 city4", "country0 city0 country1 nosuchword", ": empty"]
    lines.append(": gram8-plural")
    lines += [f"noun{i} noun{i}s noun{j} noun{j}s" for i in range(12) for j in range(0, 12, 3)]
    lines += ["noun11 noun11s w195 w196", "Noun2 noun2s noun3 NOUN3S"]
    (d / "questions.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def both(files):
    """(ours, gensim's) loaded from the same text file."""
    ours = Vectors.load_word2vec_format(files / "v.txt")
    theirs = KeyedVectors.load_word2vec_format(str(files / "v.txt"))
    return ours, theirs


def _same_ranking(ours, theirs, atol=1e-5):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=0, atol=atol)


def test_loading_and_lookup(files, both):
    ours, theirs = both
    binary = Vectors.load_word2vec_format(files / "v.bin", binary=True)
    for v in (ours, binary):
        assert v.index_to_key == theirs.index_to_key and isinstance(v.index_to_key, list)
        assert v.key_to_index == theirs.key_to_index and isinstance(v.key_to_index, dict)
        assert v.vectors.dtype == np.float32
        np.testing.assert_array_equal(v.vectors, theirs.vectors)
    assert len(ours) == len(theirs) == 200 and ours.vector_size == theirs.vector_size == DIM
    for key in ("city3", "Noun2", "w199", "nosuchword", "noun2".upper(), 0, 199, 200, -1):
        assert (key in ours) == (key in theirs)
        assert ours.has_index_for(key) == theirs.has_index_for(key)
        assert ours.get_index(key, -1) == theirs.get_index(key, -1)
    assert ours.get_index("city3") == theirs.get_index("city3") == 1 + 4 * 3 + 1
    np.testing.assert_array_equal(ours["city3"], theirs["city3"])
    np.testing.assert_array_equal(ours[["city3", "w7", "Noun2"]], theirs[["city3", "w7", "Noun2"]])
    np.testing.assert_array_equal(ours[7], theirs[7])  # a row number, as gensim allows
    np.testing.assert_array_equal(ours.get_vector("w7"), theirs.get_vector("w7"))
    np.testing.assert_array_equal(
        ours.get_vector("w7", norm=True), theirs.get_vector("w7", norm=True)
    )
    for call in (lambda kv: kv["nosuchword"], lambda kv: kv.get_index("nosuchword")):
        with pytest.raises(KeyError):
            call(theirs)
        with pytest.raises(UnknownWordError, match="nosuchword"):  # a KeyError too
            call(ours)


QUERIES = [
    {"positive": "city4"},
    {"positive": ["country2", "noun5"], "topn": 7},
    {"positive": ["city0", "country5"], "negative": ["country0"], "topn": 5},
    {"positive": ["city0", "country5"], "negative": "country0", "restrict_vocab": 60},
    {"positive": [("noun3", 2.0), "w10"], "negative": [("w11", -0.5)], "topn": 12},
    {"negative": ["w20"], "topn": 3},
    {"positive": [3, "w40"], "topn": 4},  # a row number as a key
]


@pytest.mark.parametrize("query", QUERIES)
def test_most_similar(both, query):
    ours, theirs = both
    _same_ranking(ours.most_similar(**query), theirs.most_similar(**query))


def test_most_similar_by_vector_and_word(both):
    ours, theirs = both
    vec = theirs["country3"] + theirs["w8"]
    _same_ranking(ours.most_similar(positive=[vec], topn=6), theirs.most_similar([vec], topn=6))
    _same_ranking(ours.similar_by_vector(vec, topn=8), theirs.similar_by_vector(vec, topn=8))
    _same_ranking(
        ours.similar_by_vector(vec, topn=5, restrict_vocab=50),
        theirs.similar_by_vector(vec, topn=5, restrict_vocab=50),
    )
    _same_ranking(ours.similar_by_word("noun6"), theirs.similar_by_word("noun6"))
    _same_ranking(
        ours.similar_by_word("noun6", topn=3, restrict_vocab=20),
        theirs.similar_by_word("noun6", topn=3, restrict_vocab=20),
    )
    assert ours.most_similar("noun6", topn=0) == theirs.most_similar("noun6", topn=0) == []


COSMUL_QUERIES = [
    {"positive": ["city0", "country5"], "negative": ["country0"], "topn": 5},
    {"positive": ["noun1s", "noun7"], "negative": "noun1"},
    {"positive": "w3", "topn": 4},
    {"positive": ["w3", "w4", "w5"], "negative": ["w6", "w7"], "topn": 15},
]


@pytest.mark.parametrize("query", COSMUL_QUERIES)
def test_most_similar_cosmul(both, query):
    ours, theirs = both
    _same_ranking(ours.most_similar_cosmul(**query), theirs.most_similar_cosmul(**query))
    top = query.get("topn", 10)
    assert ours.analogy("country0", "city0", "country5", method="3cosmul", topn=top) == (
        ours.most_similar_cosmul(["city0", "country5"], ["country0"], topn=top)
    )


def test_cosmul_restrict_vocab_searches_the_first_rows(both):
    # gensim 4.4 accepts restrict_vocab here and ignores it: compare with its full scores, cut
    ours, theirs = both
    query = {"positive": ["city0", "country5"], "negative": ["country0"]}
    dists = theirs.most_similar_cosmul(**query, topn=None)[:50]
    excluded = {theirs.get_index(w) for w in ("city0", "country5", "country0")}
    order = [i for i in np.argsort(-dists, kind="stable") if i not in excluded][:6]
    expected = [(theirs.index_to_key[i], float(dists[i])) for i in order]
    _same_ranking(ours.most_similar_cosmul(**query, topn=6, restrict_vocab=50), expected)


def test_similarities(both):
    ours, theirs = both
    for w1, w2 in [("country1", "city1"), ("w5", "w6"), ("Noun2", "noun2"), ("w9", "w9")]:
        assert ours.similarity(w1, w2) == pytest.approx(float(theirs.similarity(w1, w2)), abs=1e-6)
        assert ours.distance(w1, w2) == pytest.approx(float(theirs.distance(w1, w2)), abs=1e-6)
    for ws1, ws2 in [
        (["country1", "city1"], ["country2", "city2"]),
        (["w1", "w2", "w3"], ["noun4"]),
        (["w5"], ["w5", "w5"]),
    ]:
        assert ours.n_similarity(ws1, ws2) == pytest.approx(
            float(theirs.n_similarity(ws1, ws2)), abs=1e-5
        )
    for words in (
        ["country0", "country1", "country2", "city7"],
        ["noun1", "noun1s", "noun2", "noun2s", "w30"],
        ["w1", "w2", "w3", "w4", "w5", "w6"],
    ):
        assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    with pytest.raises(UnknownWordError, match="nosuchword"):  # gensim silently drops the word
        ours.doesnt_match(["w1", "w2", "nosuchword"])


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"restrict_vocab": 150},
        {"dummy4unknown": True},
        {"case_insensitive": False},
        {"restrict_vocab": 100, "case_insensitive": False, "dummy4unknown": True},
    ],
)
def test_evaluate_word_pairs(files, both, options):
    ours, theirs = both
    path = str(files / "sim.tsv")
    (p, sp, oov) = ours.evaluate_word_pairs(path, **options)
    (gp, gsp, goov) = theirs.evaluate_word_pairs(path, **options)
    assert tuple(p) == (gp[0], gp[1])  # every digit: the same cosines and scipy calls
    assert (sp[0], sp[1]) == (gsp[0], gsp[1])
    assert sp.correlation == gsp.correlation and sp.pvalue == gsp.pvalue
    assert p.statistic == gp.statistic
    assert oov == goov and oov > 0


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"restrict_vocab": 120},
        {"dummy4unknown": True},
        {"case_insensitive": False},
        {"restrict_vocab": 30, "dummy4unknown": True},
    ],
)
def test_evaluate_word_analogies(files, both, options):
    ours, theirs = both
    path = str(files / "questions.txt")
    score, sections = ours.evaluate_word_analogies(path, **options)
    gscore, gsections = theirs.evaluate_word_analogies(path, **options)
    assert sections == gsections  # names, and each question in its list, in file order
    assert score == gscore
    if not options:
        assert 0.5 < score < 1.0 and len(sections) == 4


def test_save_word2vec_format_read_by_gensim(tmp_path, both):
    ours, _ = both
    counted = Vectors(ours.words, ours.vectors, counts=np.arange(1000, 800, -1))
    for binary in (False, True):
        path = tmp_path / f"out{int(binary)}"
        counted.save_word2vec_format(path, fvocab=tmp_path / "vocab.txt", binary=binary)
        back = KeyedVectors.load_word2vec_format(
            str(path), fvocab=str(tmp_path / "vocab.txt"), binary=binary
        )
        assert back.index_to_key == ours.words
        np.testing.assert_array_equal(back.vectors, ours.vectors)
        assert [back.get_vecattr(w, "count") for w in ours.words] == counted.counts.tolist()
    ours.save_word2vec_format(tmp_path / "glove.txt", write_header=False)
    back = KeyedVectors.load_word2vec_format(str(tmp_path / "glove.txt"), no_header=True)
    assert back.index_to_key == ours.words
    np.testing.assert_array_equal(back.vectors, ours.vectors)
    with pytest.raises(WordlabError, match="no word counts"):
        ours.save_word2vec_format(tmp_path / "x.txt", fvocab=tmp_path / "x.vocab")


def test_load_word2vec_format_options(tmp_path, files, both):
    _, theirs = both
    theirs.save_word2vec_format(str(tmp_path / "g.txt"), fvocab=str(tmp_path / "g.vocab"))
    theirs.save_word2vec_format(str(tmp_path / "g.txt0"), write_header=False)
    cases = [
        ("v.bin", {"binary": True, "limit": 50}),
        ("v.txt", {"limit": 30, "datatype": np.float16}),
        (tmp_path / "g.txt0", {"no_header": True, "limit": 70}),
        (tmp_path / "g.txt", {"fvocab": str(tmp_path / "g.vocab")}),
    ]
    for name, options in cases:
        path = files / name
        ours = Vectors.load_word2vec_format(path, **options)
        gensim_kv = KeyedVectors.load_word2vec_format(str(path), **options)
        assert ours.index_to_key == gensim_kv.index_to_key
        np.testing.assert_array_equal(ours.vectors, gensim_kv.vectors.astype(np.float32))
        if "fvocab" in options:
            counts = [gensim_kv.get_vecattr(w, "count") for w in ours.words]
            assert ours.counts.tolist() == counts


def test_load_word2vec_format_encodings(tmp_path):
    # a word cut inside a UTF-8 character, as word2vec.c can write; and a Latin-1 text file
    rows = np.arange(8, dtype=np.float32).reshape(2, 4)
    data = b"2 4\n" + b"caf\xc3 " + rows[0].tobytes() + b"tea " + struct.pack("<4f", *rows[1])
    (tmp_path / "cut.bin").write_bytes(data)
    for errors in ("ignore", "replace"):
        ours = Vectors.load_word2vec_format(
            tmp_path / "cut.bin", binary=True, unicode_errors=errors
        )
        theirs = KeyedVectors.load_word2vec_format(
            str(tmp_path / "cut.bin"), binary=True, unicode_errors=errors
        )
        assert ours.index_to_key == theirs.index_to_key
        np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    with pytest.raises(WordlabError, match="not valid"):
        Vectors.load_word2vec_format(tmp_path / "cut.bin", binary=True)
    (tmp_path / "l1.txt").write_bytes("2 2\ncafé 1 2\nnaïve 3 4\n".encode("latin-1"))
    ours = Vectors.load_word2vec_format(tmp_path / "l1.txt", encoding="latin-1")
    theirs = KeyedVectors.load_word2vec_format(str(tmp_path / "l1.txt"), encoding="latin-1")
    assert ours.index_to_key == theirs.index_to_key == ["café", "naïve"]
