"""word2vec: vocabulary tables, planted structure recovered in all four modes, reproducibility."""

from __future__ import annotations

import argparse
import heapq
import pathlib

import numpy as np
import pytest

from wordlab.corpus import load_corpus
from wordlab.errors import WordlabError
from wordlab.models.word2vec import Word2Vec, Word2VecSettings
from wordlab.vectors import Vectors
from wordlab.vocab import Vocab, huffman_codes, keep_probabilities, noise_table

TOPICS, PER_TOPIC = 6, 6


def test_huffman_codes_on_a_hand_built_vocabulary() -> None:
    # counts 10 8 5 3 2 1: merges (1,2)->3, (3,3)->6, (5,6)->11, (8,10)->18, (11,18)->29; the
    # second of each merged pair gets bit 1, inner nodes are numbered 0..4 (root 4).
    codes, points, offsets = huffman_codes(np.array([10, 8, 5, 3, 2, 1]))
    got = [
        (codes[offsets[w] : offsets[w + 1]].tolist(), points[offsets[w] : offsets[w + 1]].tolist())
        for w in range(6)
    ]
    assert got == [
        ([1, 1], [4, 3]),
        ([1, 0], [4, 3]),
        ([0, 0], [4, 2]),
        ([0, 1, 1], [4, 2, 1]),
        ([0, 1, 0, 1], [4, 2, 1, 0]),
        ([0, 1, 0, 0], [4, 2, 1, 0]),
    ]


def test_huffman_codes_are_prefix_free_and_optimal() -> None:
    counts = np.sort(np.random.default_rng(3).integers(1, 500, 200))[::-1]
    codes, points, offsets = huffman_codes(counts)
    words = ["".join(map(str, codes[offsets[w] : offsets[w + 1]])) for w in range(len(counts))]
    assert len(set(words)) == len(words)
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    assert points.max() == len(counts) - 2 and points.min() == 0
    # the weighted path length equals the Huffman optimum (sum of all merged weights)
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    optimum = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        optimum += merged
        heapq.heappush(heap, merged)
    assert int((counts * np.diff(offsets)).sum()) == optimum


class _ByCount(tuple):
    """A (count, node) heap item that compares counts alone, as gensim's Heapitem does."""

    def __lt__(self, other: tuple) -> bool:
        return self[0] < other[0]


def _heap_tree(counts: list[int]) -> tuple[list[list[int]], list[list[int]]]:
    """Codes and points (root first) of gensim's tree, built here with Python's own heapq.

    Leaves 0..V-1 in the order given, inner nodes V, V+1, ... as they are made; items compare by
    count alone, so the heap's layout breaks ties. The first popped of a pair gets bit 0.
    """
    v = len(counts)
    heap = [_ByCount((c, i)) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent, bit = {}, {}
    for a in range(v - 1):
        (c1, i1), (c2, i2) = heapq.heappop(heap), heapq.heappop(heap)
        parent[i1], parent[i2], bit[i1], bit[i2] = v + a, v + a, 0, 1
        heapq.heappush(heap, _ByCount((c1 + c2, v + a)))
    codes, points = [], []
    for w in range(v):
        c, p, node = [], [], w
        while node in parent:
            c.append(bit[node])
            p.append(parent[node] - v)
            node = parent[node]
        codes.append(c[::-1])
        points.append(p[::-1])
    return codes, points


def _austen(tmp_path: pathlib.Path, n_lines: int) -> tuple[pathlib.Path, list[list[str]]]:
    import itertools
    import lzma

    from tests.conftest import shared_data

    with lzma.open(shared_data("corpora", "austen-6-novels.txt.xz"), "rt") as fh:
        lines = [line.split() for line in itertools.islice(fh, n_lines)]
    path = tmp_path / "austen.txt"
    path.write_text("\n".join(" ".join(line) for line in lines) + "\n")
    return path, lines


@pytest.mark.parametrize("trainer", ["word2vec", "fasttext"])
def test_hierarchical_softmax_tree_is_gensims(tmp_path, trainer) -> None:
    # gensim puts words of equal count in the order they first occur (the corpus orders them by
    # word) and merges on a heap that compares counts alone; word2vec.c's rule gives another tree.
    import collections

    path, lines = _austen(tmp_path, 3000)
    settings = {"model": "sg", "loss": "hs", "dim": 8, "epochs": 1, "min_count": 3, "threads": 1}
    if trainer == "word2vec":
        ours = Word2Vec(**settings, progress=False)
    else:
        from wordlab.models.fasttext import FastText

        ours = FastText(**settings, bucket=1000, progress=False)
    ours.fit(str(path))
    counts = collections.Counter(token for line in lines for token in line)  # first seen first
    rank = {w: r for r, w in enumerate(counts)}  # first seen first
    # gensim's order: by count, ties latest first seen first (its sort_by_descending_frequency)
    kept = sorted((w for w in counts if counts[w] >= 3), key=lambda w: (-counts[w], -rank[w]))
    assert sorted(ours.vocab.words) == sorted(kept)
    assert len(kept) - len({counts[w] for w in kept}) > 100  # most rare words share a count
    codes, points = _heap_tree([counts[w] for w in kept])
    c_rule = huffman_codes(np.array([counts[w] for w in kept]))  # word2vec.c's rule: differs
    leaf = {w: k for k, w in enumerate(kept)}
    differ = 0
    for w, word in enumerate(ours.vocab.words):
        a, b, k = ours._offsets[w], ours._offsets[w + 1], leaf[word]
        assert ours._codes[a:b].tolist() == codes[k], word
        assert ours._points[a:b].tolist() == points[k], word
        differ += ours._codes[a:b].tolist() != c_rule[0][c_rule[2][k] : c_rule[2][k + 1]].tolist()
    assert differ > 100


def _hs_trainer(trainer: str, **settings):
    from wordlab.models.fasttext import FastText

    common = {"model": "sg", "loss": "hs", "dim": 8, "min_count": 3, "threads": 1}
    if trainer == "word2vec":
        return Word2Vec(**common, **settings, progress=False)
    return FastText(**common, **settings, bucket=1000, progress=False)


@pytest.mark.parametrize("trainer", ["word2vec", "fasttext"])
def test_hierarchical_softmax_tree_is_saved_and_kept_on_resume(tmp_path, trainer) -> None:
    # the tree depends on where tied words first occur; the model file keeps its leaf order, so a
    # run continued on the same words in another order keeps the nodes its output rows belong to
    path, lines = _austen(tmp_path, 1500)
    reordered = tmp_path / "reordered.txt"
    reordered.write_text("\n".join(" ".join(line) for line in reversed(lines)) + "\n")
    model = _hs_trainer(trainer, epochs=2).fit(str(path), epochs=1)
    codes, points, offsets = model._codes.copy(), model._points.copy(), model._offsets.copy()
    saved = model.save(tmp_path / "model")
    fresh = _hs_trainer(trainer, epochs=1).fit(str(reordered))
    assert fresh.vocab.words == model.vocab.words
    assert not np.array_equal(fresh._codes, codes)  # that order alone builds another tree

    loaded = type(model).load(saved)
    np.testing.assert_array_equal(loaded._leaves, model._leaves)
    loaded.train(corpus=str(reordered))
    assert loaded.epochs_done == 2
    np.testing.assert_array_equal(loaded._codes, codes)
    np.testing.assert_array_equal(loaded._points, points)
    np.testing.assert_array_equal(loaded._offsets, offsets)


@pytest.mark.parametrize("damage", ["missing", "repeated leaf"])
def test_hierarchical_softmax_model_without_its_tree_is_not_continued(
    tmp_path, capsys, damage
) -> None:
    from wordlab.cli import main
    from wordlab.modelio import load_model, save_model

    path, _ = _austen(tmp_path, 300)
    out = tmp_path / "out"
    args = ["word2vec", "--input", str(path), "--output", str(out), "--model", "sg", "--loss",
            "hs", "--dim", "8", "--min-count", "1", "--threads", "1", "--quiet"]  # fmt: skip
    assert main([*args, "--epochs", "1"]) == 0
    model_file = out / "model.wordlab"
    arrays, meta = load_model(model_file)
    assert arrays["tree_leaves"].dtype == np.int32
    if damage == "missing":  # as a wordlab that rebuilt its tree from the corpus saved it
        del arrays["tree_leaves"]
        expected = "Huffman tree"
    else:  # a file edited by hand: one word twice, another never
        arrays["tree_leaves"][1] = arrays["tree_leaves"][0]
        expected = "tree_leaves is not an order of its"
    save_model(model_file, arrays, meta)
    before = model_file.read_bytes()
    capsys.readouterr()
    assert main([*args, "--epochs", "2", "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    error = [line for line in err.splitlines() if "error" in line]  # after "--epochs 1 -> 2"
    assert len(error) == 1 and str(model_file) in error[0] and expected in error[0], err
    assert model_file.read_bytes() == before  # the trained model is kept as it was
    assert Word2Vec.load(model_file).wv.vectors.shape[1] == 8  # and its vectors still load


def test_hierarchical_softmax_tree_equals_gensims_own(tmp_path) -> None:
    gensim = pytest.importorskip("gensim")
    path, lines = _austen(tmp_path, 2000)
    ours = Word2Vec(model="sg", loss="hs", dim=8, epochs=1, min_count=2, threads=1, progress=False)
    ours.fit(str(path))
    theirs = gensim.models.Word2Vec(vector_size=8, hs=1, negative=0, min_count=2)
    theirs.build_vocab(lines)
    assert sorted(theirs.wv.index_to_key) == sorted(ours.vocab.words)
    for w, word in enumerate(ours.vocab.words):
        a, b = ours._offsets[w], ours._offsets[w + 1]
        assert ours._codes[a:b].tolist() == theirs.wv.get_vecattr(word, "code").tolist(), word
        assert ours._points[a:b].tolist() == theirs.wv.get_vecattr(word, "point").tolist(), word


def test_first_seen_positions_read_in_blocks(tmp_path) -> None:
    import lzma

    from tests.conftest import shared_data
    from wordlab.vocab import first_seen_positions

    with lzma.open(shared_data("corpora", "austen-6-novels.txt.xz"), "rt") as fh:
        text = "".join(line for _, line in zip(range(300), fh, strict=False))
    (tmp_path / "austen.txt").write_text(text)
    corpus = load_corpus(tmp_path / "austen.txt", cache_dir=tmp_path / "enc", progress=False)
    tokens = np.asarray(corpus.tokens)
    n_words = 150  # the frequent words: all seen early, so the pass stops before the end
    ids, where = np.unique(tokens, return_index=True)
    expected = np.full(n_words, corpus.n_tokens)
    expected[ids[ids < n_words]] = where[ids < n_words]
    for block in (7, 1000, 1 << 22):
        np.testing.assert_array_equal(first_seen_positions(corpus, n_words, block), expected)
    never = first_seen_positions(corpus, len(corpus.words) + 2, 64)  # ids past the vocabulary
    assert never[-1] == never[-2] == corpus.n_tokens


@pytest.mark.parametrize("n", [60, 5000])  # CPython's heapify takes another path above 2,500
def test_huffman_codes_with_leaves_build_gensims_heap_tree(n) -> None:
    counts = np.sort(np.random.default_rng(5).integers(1, 6, n))[::-1]  # many ties
    first = np.random.default_rng(6).permutation(n)
    order = np.lexsort((-first, -counts))  # by count, ties latest seen first: gensim's order
    codes, points, offsets = huffman_codes(counts, order)
    heap_codes, heap_points = _heap_tree([int(counts[w]) for w in order])
    for k, w in enumerate(order):
        assert codes[offsets[w] : offsets[w + 1]].tolist() == heap_codes[k]
        assert points[offsets[w] : offsets[w + 1]].tolist() == heap_points[k]


def test_subsampling_keep_probabilities_follow_the_c_formula() -> None:
    # t = sample * total = 1e-3 * 1111; keep = (sqrt(c / t) + 1) * t / c, capped at 1:
    # c = 1000: (sqrt(900.09) + 1) * 1.111e-3 = 0.0344427; c = 1: 2.165 -> 1
    keep = keep_probabilities(np.array([1000, 100, 10, 1]), 1e-3)
    np.testing.assert_allclose(keep, [0.0344427, 0.1165140, 0.4444167, 1.0], rtol=1e-5)
    np.testing.assert_array_equal(keep_probabilities(np.array([5, 1]), 0), [1, 1])


def test_noise_table_follows_unigram_to_the_three_quarters() -> None:
    counts = np.array([1000, 300, 100, 20, 1])
    table = noise_table(counts, 0.75, size=100_000)
    assert table.dtype == np.int32
    share = np.bincount(table, minlength=5) / len(table)
    p = counts**0.75 / (counts**0.75).sum()
    np.testing.assert_allclose(share, p, atol=2e-5)


def _planted_corpus(path, lines: int = 900, one_line: bool = False) -> list[list[str]]:
    """Lines drawn from one topic each (plus frequent shared words): topic words should cluster."""
    rng = np.random.default_rng(0)
    topics = [[f"t{t}w{i}" for i in range(PER_TOPIC)] for t in range(TOPICS)]
    out = []
    for _ in range(lines):
        t = topics[rng.integers(TOPICS)]
        toks = []
        for _ in range(12):
            toks.append(t[rng.integers(PER_TOPIC)])
            if rng.random() < 0.3:
                toks.append(["the", "of", "and"][rng.integers(3)])
        out.append(toks)
    sep = " " if one_line else "\n"
    path.write_text(sep.join(" ".join(t) for t in out) + "\n", encoding="utf-8")
    return topics


def _topic_precision(vectors: Vectors, topics: list[list[str]]) -> float:
    """Share of each topic word's nearest neighbours (excluding itself) from its own topic."""
    hits = total = 0
    for topic in topics:
        for w in topic:
            near = [x for x, _ in vectors.most_similar(w, topn=PER_TOPIC - 1)]
            hits += sum(x in topic for x in near)
            total += len(near)
    return hits / total


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    d = tmp_path_factory.mktemp("planted")
    topics = _planted_corpus(d / "corpus.txt")
    corpus = load_corpus(d / "corpus.txt", cache_dir=d / "enc", progress=False)
    return topics, corpus


@pytest.mark.parametrize("model", ["sg", "cbow"])
@pytest.mark.parametrize("loss", ["ns", "hs"])
def test_planted_structure_is_recovered(planted, model: str, loss: str) -> None:
    topics, corpus = planted
    w2v = Word2Vec(
        model=model, loss=loss, dim=16, window=3, epochs=5, min_count=1, sample=1e-2, threads=2,
        progress=False,
    ).fit(corpus)  # fmt: skip
    assert w2v.counter[0] == 5 * corpus.n_tokens  # every word read once per epoch
    assert w2v.epochs_done == 5 and len(w2v.words_per_second) == 5
    assert _topic_precision(w2v.vectors, topics) >= 0.9


def test_both_losses_and_a_one_line_corpus(tmp_path) -> None:
    # one line of ~14k tokens: cut into sentences of 1000 kept tokens, it still trains
    topics = _planted_corpus(tmp_path / "one.txt", one_line=True)
    corpus = load_corpus(tmp_path / "one.txt", cache_dir=tmp_path / "enc", progress=False)
    assert corpus.n_lines == 1
    w2v = Word2Vec(model="sg", loss="both", dim=16, window=3, epochs=5, min_count=1, progress=False)
    w2v.fit(corpus)
    assert _topic_precision(w2v.vectors, topics) >= 0.9


def test_seed_and_one_thread_reproduce_exactly(planted, tmp_path) -> None:
    _, corpus = planted

    def train(seed: int) -> Word2Vec:
        return Word2Vec(
            model="cbow", loss="both", dim=8, epochs=2, min_count=1, sample=1e-2, threads=1, seed=seed,
            progress=False,
        ).fit(corpus)  # fmt: skip

    a, b, c = train(7), train(7), train(8)
    np.testing.assert_array_equal(a.syn0, b.syn0)
    np.testing.assert_array_equal(a.syn1, b.syn1)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    assert not np.array_equal(a.syn0, c.syn0)

    a.save(tmp_path / "m")
    back = Word2Vec.load(tmp_path / "m")
    assert back.settings == a.settings
    assert back.vocab.words == a.vocab.words
    np.testing.assert_array_equal(back.syn1neg, a.syn1neg)
    np.testing.assert_array_equal(back.vectors.matrix, a.vectors.matrix)


def test_lines_end_sentences(tmp_path) -> None:
    # "a b" lines and "c d" lines, alternating: across line ends a/b meet c/d as often as they
    # meet each other, so only a trainer that stops windows at line ends keeps them apart.
    lines = ["a b a b a b", "c d c d c d"] * 400
    (tmp_path / "c.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = load_corpus(tmp_path / "c.txt", cache_dir=tmp_path / "enc", progress=False)
    w2v = Word2Vec(
        model="sg", loss="ns", dim=8, window=5, negative=2, sample=0, epochs=3, min_count=1
    )
    w2v.progress = False
    w2v.fit(corpus)
    out = w2v.syn1neg  # the output vectors: a predicts b and never c, d
    vin = w2v.syn0
    idx = w2v.vocab.index
    score = vin @ out.T
    # (with the lines joined into one, a.c comes out near -1 instead of below -3)
    assert score[idx["a"], idx["b"]] > 1 and score[idx["a"], idx["c"]] < -3


def test_settings_are_checked() -> None:
    with pytest.raises(WordlabError, match="--model"):
        Word2VecSettings(model="skipgram")
    with pytest.raises(WordlabError, match="--negative"):
        Word2VecSettings(loss="ns", negative=0)
    assert Word2VecSettings(model="sg").learning_rate == 0.025
    assert Word2VecSettings(model="cbow").learning_rate == 0.05
    Word2VecSettings(loss="hs", negative=0)


def test_command_writes_vectors_and_model(planted, tmp_path) -> None:
    from wordlab.commands import word2vec as cmd

    _, corpus = planted
    parser = argparse.ArgumentParser()
    cmd.register(parser.add_subparsers())
    args = parser.parse_args(
        ["word2vec", "--input", str(corpus.directory), "--output", str(tmp_path / "out"),
         "--model", "sg", "--loss", "hs", "--dim", "8", "--epochs", "1", "--min-count", "1",
         "--format", "word2vec-binary", "--quiet"]
    )  # fmt: skip
    assert args.func(args) == 0
    vec = Vectors.load(tmp_path / "out" / "vectors.bin")
    assert len(vec) == len(Vocab.from_corpus(corpus, 1)) and vec.dim == 8
    assert Word2Vec.load(tmp_path / "out" / "model").settings.loss == "hs"


def _reference_batch_window(tokens, syn0, syn1, syn1neg, codes, points, offsets, noise, window,
                            negative, lr, seed):  # fmt: skip
    """Skip-gram with --batch-window written out in NumPy, one sentence, no subsampling.

    Per position: the C generator draws the effective window (and, with negative sampling, one
    set of noise words for the whole window); every output row is scored against all context
    rows as they were at the start of the position, gets the sum of their steps once, and each
    context row gets its own summed gradient at the end.
    """
    from wordlab.kernels.objectives import MAX_EXP, SIGMOID_TABLE, TABLE_SCALE

    mask = (1 << 64) - 1
    state = seed

    def draw() -> int:
        nonlocal state
        state = (state * 25214903917 + 11) & mask
        return state

    n = len(tokens)
    for pos, word in enumerate(tokens):
        b = draw() % window
        ctx = [tokens[c] for c in range(max(pos - window + b, 0), min(pos + window - b, n - 1) + 1)
               if c != pos]  # fmt: skip
        rows = []
        if not negative:  # hierarchical softmax
            path = range(offsets[word], offsets[word + 1])
            rows = [(syn1, int(points[d]), 1 - int(codes[d]), True) for d in path]
        else:
            drawn = [int(noise[((draw() >> 32) * len(noise)) >> 32]) for _ in range(negative)]
            rows += [(syn1neg, word, 1, False)]
            rows += [(syn1neg, d, 0, False) for d in drawn if d != word]
        h = syn0[ctx].astype(np.float32)
        grads = np.zeros_like(h)
        for wo, row, label, skip in rows:
            f = (h @ wo[row]).astype(np.float32)
            inside = (f > -MAX_EXP) & (f < MAX_EXP)
            p = np.where(f > 0, 1.0, 0.0).astype(np.float32)
            idx = ((f[inside] + MAX_EXP) * TABLE_SCALE).astype(np.int64)
            p[inside] = SIGMOID_TABLE[idx]
            g = (lr * (label - p)).astype(np.float32)
            if skip:
                g[~inside] = 0.0
            grads += g[:, None] * wo[row]
            wo[row] += g @ h
        np.add.at(syn0, ctx, grads)


@pytest.mark.parametrize("loss", ["hs", "ns"])
def test_batch_window_matches_a_numpy_reference(loss) -> None:
    """The kernel's --batch-window path against the update written out independently."""
    from wordlab.kernels.word2vec import train_range
    from wordlab.vocab import loss_tables

    rng = np.random.default_rng(5)
    counts = np.sort(rng.integers(1, 50, 12))[::-1].astype(np.int64)
    tokens = rng.integers(0, 12, 60).astype(np.int32)
    noise, codes, points, offsets = loss_tables(
        counts, 0.75 if loss == "ns" else None, loss == "hs"
    )
    syn0 = ((rng.random((12, 8)) - 0.5) * 2).astype(np.float32)
    syn1 = (rng.random((11, 8)) - 0.5).astype(np.float32)
    syn1neg = (rng.random((12, 8)) - 0.5).astype(np.float32)
    negative = 3 if loss == "ns" else 0
    ours = [a.copy() for a in (syn0, syn1, syn1neg)]
    train_range(
        tokens, 0, len(tokens), np.array([0, len(tokens)], np.int64), 12, *ours,
        np.ones(12, np.float32), False, noise, negative, codes, points, offsets, loss == "hs",
        True, True, 3, 0.5, 1e12, np.zeros(1, np.int64), np.uint64(7), True,
    )  # fmt: skip
    ref = [a.copy() for a in (syn0, syn1, syn1neg)]
    _reference_batch_window(tokens, *ref, codes, points, offsets, noise, 3, negative, 0.5, 7)
    for a, b in zip(ours, ref, strict=True):
        assert np.allclose(a, b, atol=1e-4)
    assert not np.allclose(ours[0], syn0)  # the inputs did move


@pytest.mark.parametrize("loss", ["hs", "ns"])
def test_batch_window_learns_the_planted_topics_and_differs_from_pairs(planted, loss) -> None:
    topics, corpus = planted

    def train(batch: bool) -> Word2Vec:
        return Word2Vec(
            model="sg", loss=loss, dim=16, window=3, epochs=5, min_count=1, sample=1e-2,
            threads=1, batch_window=batch, progress=False,
        ).fit(corpus)  # fmt: skip

    batched, again, pairs = train(True), train(True), train(False)
    assert np.array_equal(batched.syn0, again.syn0)  # one thread, one seed: the same vectors
    assert not np.allclose(batched.syn0, pairs.syn0)
    assert _topic_precision(batched.vectors, topics) >= 0.9
    with pytest.raises(WordlabError, match="--batch-window"):
        Word2VecSettings(model="cbow", batch_window=True)


def test_batch_window_option_of_the_command(planted, tmp_path, capsys) -> None:
    """--batch-window reaches the model (and its file); with CBOW it is a one-line error, exit 2."""
    from wordlab.cli import main

    _, corpus = planted
    base = ["word2vec", "--input", str(corpus.directory), "--dim", "8", "--epochs", "1",
            "--min-count", "1", "--threads", "1", "--quiet", "--batch-window"]  # fmt: skip
    assert main([*base, "--output", str(tmp_path / "sg"), "--model", "sg"]) == 0
    model = Word2Vec.load(tmp_path / "sg" / "model.wordlab")
    direct = Word2Vec(model="sg", dim=8, epochs=1, min_count=1, threads=1, batch_window=True)
    direct.progress = False
    assert model.settings.batch_window and np.array_equal(model.syn0, direct.fit(corpus).syn0)
    assert main([*base, "--output", str(tmp_path / "cbow"), "--model", "cbow"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--batch-window applies to --model sg" in err and "\n" not in err
    assert not (tmp_path / "cbow" / "model.wordlab").exists()
