"""Vectors: lookup, neighbours, analogies, every file format, clear errors, gensim conversion."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from wordlab.errors import WordlabError
from wordlab.vectors import FORMATS, UnknownWordError, Vectors


def _random_vectors(n: int = 300, dim: int = 16, seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)] + ["naïve", "東京", "Paris"]
    matrix = rng.standard_normal((len(words), dim)).astype(np.float32)
    matrix[7] = 0.0  # a zero vector must survive normalisation and file round trips
    counts = np.arange(len(words), 0, -1) * 10
    return Vectors(words, matrix, counts)


def test_lookup_and_unit_matrix():
    v = _random_vectors()
    assert len(v) == 303 and v.dim == 16
    assert "東京" in v and "nope" not in v
    np.testing.assert_array_equal(v["w3"], v.matrix[3])
    assert v.index["Paris"] == 302
    norms = np.linalg.norm(v.unit_matrix, axis=1)
    assert np.all(v.unit_matrix[7] == 0.0)
    np.testing.assert_allclose(np.delete(norms, 7), 1.0, rtol=1e-6)
    assert v.unit_matrix is v.unit_matrix  # cached
    with pytest.raises(UnknownWordError, match="nope"):
        v["nope"]
    with pytest.raises(KeyError):  # also a KeyError, for Python habits
        v["nope"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_every_format(tmp_path, fmt, compress):
    v = _random_vectors()
    path = tmp_path / f"vectors.{fmt}"
    v.save(path, fmt)
    if compress:
        gz = tmp_path / f"vectors.{fmt}.gz"
        gz.write_bytes(gzip.compress(path.read_bytes()))
        path = gz
    back = Vectors.load(path)  # format detected
    assert back.words == v.words
    np.testing.assert_array_equal(back.matrix, v.matrix)  # 9 significant digits: exact
    assert back.matrix.dtype == np.float32
    again = Vectors.load(path, fmt=fmt, limit=10)
    assert again.words == v.words[:10]
    np.testing.assert_array_equal(again.matrix, v.matrix[:10])


def test_file_layouts(tmp_path):
    v = Vectors(["a", "b"], np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32))
    v.save(tmp_path / "g.txt", "glove")
    assert (tmp_path / "g.txt").read_text() == "a 1.5 -2\nb 0.25 3\n"
    v.save(tmp_path / "w.txt", "word2vec")
    assert (tmp_path / "w.txt").read_text() == "2 2\na 1.5 -2\nb 0.25 3\n"
    v.save(tmp_path / "w.bin", "word2vec-binary")
    expected = b"2 2\n" + b"a " + struct.pack("<2f", 1.5, -2.0) + b"\n"
    expected += b"b " + struct.pack("<2f", 0.25, 3.0) + b"\n"
    assert (tmp_path / "w.bin").read_bytes() == expected


def test_reads_other_tools_text(tmp_path):
    # fastText .vec: header and a trailing space on every line; GloVe 840B: a word with spaces
    (tmp_path / "ft.vec").write_text("2 3\nthe 0.1 0.2 0.3 \nof -1 0 1e-3 \n", encoding="utf-8")
    v = Vectors.load(tmp_path / "ft.vec")
    assert v.words == ["the", "of"]
    np.testing.assert_array_equal(v["of"], np.array([-1, 0, 1e-3], dtype=np.float32))
    (tmp_path / "glove.txt").write_text("the 1 2\n. . . 3 4\n\nend 5 6\n", encoding="utf-8")
    v = Vectors.load(tmp_path / "glove.txt")
    assert v.words == ["the", ". . .", "end"]
    np.testing.assert_array_equal(v.matrix, [[1, 2], [3, 4], [5, 6]])


def test_duplicate_words_keep_first_row(tmp_path):
    (tmp_path / "d.txt").write_text("a 1 0\nb 0 1\na 5 5\nc 1 1\n", encoding="utf-8")
    v = Vectors.load(tmp_path / "d.txt")
    assert v.words == ["a", "b", "c"]
    np.testing.assert_array_equal(v.matrix, [[1, 0], [0, 1], [1, 1]])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a 1 2\nb 1\n", r"g\.txt:2: expected a word and 2 numbers, got 1"),
        ("a 1 2\nb 1 x\n", r"g\.txt:2: not a number: b'x'"),
        ("3 2\na 1 2\nb 1 2\n", r"promises 3 vectors but the file ends after 2"),
        ("2 2\na 1 2\n\nb 1 2\n", r"g\.txt:3: empty line"),
        ("", r"no vectors"),
    ],
)
def test_bad_text_files_name_file_and_line(tmp_path, text, message):
    (tmp_path / "g.txt").write_text(text, encoding="utf-8")
    with pytest.raises(WordlabError, match=message):
        Vectors.load(tmp_path / "g.txt")


def test_bad_binary_and_format_mismatch(tmp_path):
    v = _random_vectors(n=5)
    v.save(tmp_path / "v.bin", "word2vec-binary")
    data = (tmp_path / "v.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-30])
    with pytest.raises(WordlabError, match="promises 8 vectors but the file ends after 7"):
        Vectors.load(tmp_path / "cut.bin")
    with pytest.raises(WordlabError, match="binary"):
        Vectors.load(tmp_path / "v.bin", fmt="word2vec")
    v.save(tmp_path / "v.txt", "word2vec")
    with pytest.raises(WordlabError, match="header"):
        Vectors.load(tmp_path / "v.txt", fmt="glove")
    with pytest.raises(WordlabError, match="not a word2vec binary"):
        Vectors.load(tmp_path / "v.txt", fmt="word2vec-binary")
    with pytest.raises(WordlabError, match="unknown vectors format"):
        v.save(tmp_path / "x", "npz")
    with pytest.raises(WordlabError, match="not found"):
        Vectors.load(tmp_path / "missing.txt")
    with pytest.raises(WordlabError, match="whitespace"):
        Vectors(["a b"], np.ones((1, 2), np.float32)).save(tmp_path / "s.txt")


def test_neighbours_and_analogies_by_hand():
    words = ["man", "woman", "king", "queen", "apple"]
    m = np.array(
        [[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 0, -1]], dtype=np.float32
    )  # queen = king - man + woman exactly
    v = Vectors(words, m)
    assert v.analogy("man", "king", "woman")[0][0] == "queen"
    assert v.analogy("man", "king", "woman", method="3cosmul")[0][0] == "queen"
    assert v.similarity("king", "apple") == pytest.approx(-1 / np.sqrt(2))
    assert v.similarity("man", "woman") == pytest.approx(1 / np.sqrt(2))
    best = v.most_similar("man", topn=2)
    assert [w for w, _ in best] == ["woman", "king"]  # ties broken by row order
    assert best[0][1] == pytest.approx(1 / np.sqrt(2))
    assert [w for w, _ in v.most_similar("man", restrict_vocab=3)] == ["woman", "king"]
    assert v.most_similar(m[3], topn=1)[0][0] == "queen"  # a vector as a query
    assert len(v.most_similar("man", topn=None)) == 4


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::RuntimeWarning")
def test_agrees_with_gensim_and_converts(tmp_path):
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    v = _random_vectors(n=400, dim=24, seed=3)
    v.save(tmp_path / "v.bin", "word2vec-binary")
    v.save(tmp_path / "v.txt", "glove")
    kv = keyedvectors.KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    np.testing.assert_array_equal(kv.vectors, v.matrix)
    kv2 = keyedvectors.KeyedVectors.load_word2vec_format(tmp_path / "v.txt", no_header=True)
    np.testing.assert_array_equal(kv2.vectors, v.matrix)
    kv.save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    np.testing.assert_array_equal(Vectors.load(tmp_path / "g.bin").matrix, v.matrix)
    for query in (["w1"], ["w1", "w2"]):
        ours = v.most_similar(query, ["w3"], topn=8, restrict_vocab=350)
        theirs = kv.most_similar(query, ["w3"], topn=8, restrict_vocab=350)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-6)
    ours = v.analogy("w1", "w2", "w3", method="3cosmul", topn=5)
    theirs = kv.most_similar_cosmul(["w2", "w3"], ["w1"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert v.similarity("w4", "w9") == pytest.approx(float(kv.similarity("w4", "w9")), abs=1e-6)
    converted = v.to_gensim()
    assert converted.index_to_key == v.words
    assert converted.get_vecattr("w0", "count") == v.counts[0]
    back = Vectors.from_gensim(converted)
    assert back.words == v.words
    np.testing.assert_array_equal(back.matrix, v.matrix)
    np.testing.assert_array_equal(back.counts, v.counts)


def test_gensim_names_on_a_hand_made_example():
    words = ["man", "woman", "king", "queen", "apple"]
    m = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 0, -1]], dtype=np.float32)
    v = Vectors(words, m)
    assert v.vectors is v.matrix and v.vector_size == 3
    assert v.index_to_key == words and v.key_to_index == {w: i for i, w in enumerate(words)}
    np.testing.assert_array_equal(v[["king", "apple"]], m[[2, 4]])
    np.testing.assert_allclose(v.get_vector("queen", norm=True), m[3] / np.sqrt(3), rtol=1e-6)
    with pytest.raises(ValueError):
        v["man"][0] = 5.0  # read-only, as gensim's: the cached norms stay right
    assert v.get_index("nope", default=-1) == -1 and not v.has_index_for("nope")
    assert v.distance("man", "woman") == pytest.approx(1 - 1 / np.sqrt(2))
    assert v.n_similarity(["man"], ["king", "woman"]) == pytest.approx(2 / np.sqrt(2 * 3))
    assert v.doesnt_match(["man", "woman", "king", "apple"]) == "apple"
    # restrict_vocab 0 or None searches everything, as in gensim
    assert v.most_similar("man", restrict_vocab=0) == v.most_similar("man")
    # 3CosMul by hand: cosines shifted to [0, 1], b * c / (a + 1e-6)
    cos = (v.vectors / np.linalg.norm(v.vectors, axis=1)[:, None]) @ v.get_vector("queen", True)
    ((word, score),) = v.most_similar_cosmul(["queen"], topn=1)
    best = int(np.argmax(np.where(np.arange(5) == 3, -np.inf, cos)))
    assert word == words[best] and score == pytest.approx((1 + cos[best]) / 2 / (1 + 1e-6))
    with pytest.raises(WordlabError, match="unknown similarity_function"):
        v.evaluate_word_analogies("x.txt", similarity_function="cosine")


def test_import_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, wordlab.vectors; "
        "print(sorted(m for m in ('scipy', 'gensim', 'wordlab.evaluation', 'wordlab.corpus') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
