"""The critique of GloVe: invariance, post-processing, sentence classification, `experiment critique`.

Every check is against a direct numpy (or scikit-learn) computation written here.
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import numpy as np
import pytest

from wordlab import GloVe, Vectors, cli
from wordlab.cooccur import read_records
from wordlab.experiments.invariance import (
    GloVeParams,
    invariance_study,
    loss_pass,
    refit_context_biases,
)
from wordlab.experiments.runner import validate
from wordlab.experiments.sentences import (
    count_matrix,
    fit_logistic,
    mean_vectors,
    normalise,
    read_reviews,
    sentence_scores,
)
from wordlab.postprocess import default_remove_top, postprocess_matrix

PNG = b"\x89PNG\r\n\x1a\n"
TOPICS = {name: [f"{name}{chr(97 + i)}" for i in range(6)]
          for name in ("animal", "vehicle", "fruit", "colour")}  # fmt: skip
COMMON = ["the", "of", "and", "a"]


def write_corpus(path: Path, lines: int = 1500, seed: int = 0) -> None:
    """Lines from one topic (a quarter of the words from any topic) with frequent filler words."""
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(lines):
            t = names[rng.integers(4)]
            words = []
            for _ in range(12):
                if rng.random() < 0.3:
                    words.append(COMMON[rng.integers(4)])
                else:
                    topic = t if rng.random() < 0.75 else names[rng.integers(4)]
                    words.append(TOPICS[topic][rng.integers(6)])
            fh.write(" ".join(words) + "\n")


def numpy_loss(records: np.ndarray, p: GloVeParams, x_max: float, alpha: float) -> float:
    """J computed directly: every record's weighted squared residual, summed in float64."""
    i, j, x = records["word1"] - 1, records["word2"] - 1, records["value"]
    r = np.einsum("kd,kd->k", p.W[i], p.Wt[j]) + p.b[i] + p.bt[j] - np.log(x)
    f = np.minimum(1.0, (x / x_max) ** alpha)
    return float(np.sum(f * r * r))


def numpy_refit_bt(records: np.ndarray, p: GloVeParams, x_max: float, alpha: float) -> np.ndarray:
    """b~_j = sum_i f (log X - w.w~ - b_i) / sum_i f: weighted least squares, column by column."""
    i, j, x = records["word1"] - 1, records["word2"] - 1, records["value"]
    f = np.minimum(1.0, (x / x_max) ** alpha)
    target = np.log(x) - np.einsum("kd,kd->k", p.W[i], p.Wt[j]) - p.b[i]
    V = len(p.bt)
    return np.bincount(j, f * target, V) / np.bincount(j, f, V)


@pytest.fixture(scope="module")
def glove(tmp_path_factory):
    """A small GloVe model trained on a planted corpus, with its records kept."""
    folder = tmp_path_factory.mktemp("glove")
    write_corpus(folder / "corpus.txt")
    model = GloVe(dim=10, window=5, x_max=10, epochs=10, min_count=1, threads=1, progress=False)
    return model.fit(folder / "corpus.txt", workdir=folder / "work")


def test_shifting_w_with_refit_biases_leaves_the_loss_and_moves_the_neighbours(glove):
    records = np.asarray(read_records(glove.records_path))
    p = GloVeParams.from_params(glove.params)
    c = np.random.default_rng(5).standard_normal(p.W.shape[1]) * 2.0
    before = numpy_loss(records, p.replace(bt=numpy_refit_bt(records, p, 10.0, 0.75)), 10.0, 0.75)
    shifted = p.replace(W=p.W + c)
    after = numpy_loss(
        records, shifted.replace(bt=numpy_refit_bt(records, shifted, 10.0, 0.75)), 10.0, 0.75
    )
    assert after == pytest.approx(before, rel=1e-5)
    assert numpy_loss(records, shifted, 10.0, 0.75) > before * 1.01  # biases not refit: it shows
    # the compiled pass and refit agree with the direct computation
    r = loss_pass(records, shifted, 10.0, 0.75)
    assert r.loss == pytest.approx(numpy_loss(records, shifted, 10.0, 0.75), rel=1e-12)
    np.testing.assert_allclose(
        refit_context_biases(r, shifted), numpy_refit_bt(records, shifted, 10.0, 0.75), atol=1e-10
    )
    # the vectors users take, W + W~, move by c and their neighbours change
    words = list(glove.vocab.words)
    old, new = Vectors(words, p.W + p.Wt), Vectors(words, p.W + c + p.Wt)
    changed = [w for w in words[:12] if old.most_similar(w, topn=5) != new.most_similar(w, topn=5)]
    assert changed


def test_invariance_study_reports_exact_and_measured_changes(glove):
    study = invariance_study(glove.records_path, glove.params, 10.0, 0.75, 1, list(range(20)))
    rows = {(r["shift"], r["biases"]): r for r in study["rows"]}
    assert abs(rows[("W + c", "b~ - W~c (exact)")]["relative_change"]) < 1e-12
    assert abs(rows[("W + c", "b~ refit (closed form)")]["relative_change"]) < 1e-12
    assert (
        abs(rows[("W + c and W~ + c", "b - Wc - c.c, b~ - W~c (exact)")]["relative_change"]) < 1e-12
    )
    # shifting both sides and refitting b~ alone cannot absorb w_i . c: the loss rises
    assert rows[("W + c and W~ + c", "b~ refit only (closed form)")]["relative_change"] > 1e-4
    records = np.asarray(read_records(glove.records_path))
    p = GloVeParams.from_params(glove.params)
    assert rows[("none", "as trained")]["loss"] == pytest.approx(numpy_loss(records, p, 10.0, 0.75))
    assert study["bias_refit_max_gap"] < 1e-9
    assert study["effects"]["W + c"]["neighbour_overlap_top10"] < 1.0


def test_postprocess_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 30)) @ rng.standard_normal((30, 30)) + 5.0
    out, settings = postprocess_matrix(x, center=True, remove_top=3)
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(out, centred - centred @ vt[:3].T @ vt[:3], atol=1e-4)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(out @ vt[:3].T, 0, atol=1e-3)  # no component left on them
    assert settings["operations"] == ["center", "remove_top"]
    np.testing.assert_allclose(settings["center"]["mean"], x.mean(axis=0))
    normed, _ = postprocess_matrix(x, normalize=True)
    np.testing.assert_allclose(np.linalg.norm(normed, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(normed, x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-5)
    reduced, s = postprocess_matrix(x, pca=5)
    expected = centred @ vt[:5].T
    signs = np.sign((reduced * expected).sum(axis=0))  # PCA's directions are defined up to sign
    np.testing.assert_allclose(reduced * signs, expected, rtol=1e-4, atol=1e-3)
    sv = np.linalg.svd(centred, compute_uv=False)
    assert s["pca"]["explained_variance"] == pytest.approx((sv[:5] ** 2).sum() / (sv**2).sum())
    assert [default_remove_top(d) for d in (25, 50, 100, 300)] == [1, 1, 1, 3]
    auto, s = postprocess_matrix(x, center=True, remove_top="auto", normalize=True)
    assert s["remove_top"]["directions"] == 1 and s["operations"][-1] == "normalize"
    np.testing.assert_allclose(np.linalg.norm(auto, axis=1), 1.0, rtol=1e-6)


def test_vectors_postprocess_and_the_command(tmp_path):
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(60)]
    v = Vectors(words, rng.standard_normal((60, 8)) + 3.0, np.arange(60, 0, -1))
    p = v.postprocess(center=True, remove_top=2)
    assert p.words == words and np.array_equal(p.counts, v.counts)
    np.testing.assert_allclose(p.matrix.mean(axis=0), 0, atol=1e-5)
    v.save(tmp_path / "in.txt")
    out = tmp_path / "out" / "abtt.txt"
    argv = ["postprocess", str(tmp_path / "in.txt"), "--output", str(out), "--center",
            "--remove-top", "--normalize", "--format", "word2vec"]  # fmt: skip
    assert cli.main(argv) == 0
    written = Vectors.load(out)
    expected = v.postprocess(center=True, remove_top="auto", normalize=True)
    np.testing.assert_allclose(written.matrix, expected.matrix, atol=1e-6)
    settings = json.loads(Path(str(out) + ".json").read_text())
    assert settings["operations"] == ["center", "remove_top", "normalize"]
    assert settings["remove_top"]["directions"] == 1 and "dim/100" in settings["remove_top"]["rule"]
    assert settings["format"] == "word2vec" and settings["dim_out"] == 8
    assert cli.main(["postprocess", str(tmp_path / "in.txt"), "--output", str(out)]) == 2
    assert cli.main(["postprocess", str(tmp_path / "in.txt"), "--output", str(tmp_path),
                     "--center"]) == 2  # fmt: skip


def write_reviews(path: Path, n: int, seed: int) -> None:
    """`label id rating text` lines: pos reviews about animals and fruit, neg about the others."""
    rng = np.random.default_rng(seed)
    rows = ["label\tid\trating\ttext"]
    for k in range(n):
        label = "pos" if k % 2 else "neg"
        pool = TOPICS["animal"] + TOPICS["fruit"] if label == "pos" else (
            TOPICS["vehicle"] + TOPICS["colour"])  # fmt: skip
        words = [pool[rng.integers(12)] if rng.random() < 0.4 else COMMON[rng.integers(4)]
                 for _ in range(15)]  # fmt: skip
        rows.append(f"{label}\t{k}\t5\t{' '.join(words).capitalize()}.<br /><br />Rated 9")
    with lzma.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")


def test_normalise_and_mean_vectors():
    assert normalise("A <br />Film, 1984!") == ["a", "film", "one", "nine", "eight", "four"]
    v = Vectors(["a", "b", "c"], np.array([[1.0, 0], [0, 2.0], [3.0, 3.0]]))
    from wordlab.experiments.sentences import Reviews

    reviews = Reviews([["a", "b", "zz"], ["c", "c"], ["zz"]], np.array([0.0, 1, 0]), ("x", "y"))
    counts = count_matrix(reviews, v.index)
    means = mean_vectors(counts, v.matrix, np.array([1.0, 1.0, 0.5]))
    np.testing.assert_allclose(means, [[0.5, 1.0], [1.5, 1.5], [0.0, 0.0]])


def test_logistic_regression_matches_scikit_learn():
    sklearn = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((500, 6))
    y = (x @ rng.standard_normal(6) + 0.5 * rng.standard_normal(500) > 0).astype(float)
    w = fit_logistic(x, y, l2=1.0)
    ref = sklearn.LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(x, y)
    np.testing.assert_allclose(w[:-1], ref.coef_[0], atol=1e-5)
    assert w[-1] == pytest.approx(ref.intercept_[0], abs=1e-5)


def test_sentence_classifier_on_a_planted_two_class_set(tmp_path):
    write_reviews(tmp_path / "train.tsv.xz", 200, 0)
    write_reviews(tmp_path / "test.tsv.xz", 200, 1)
    train = read_reviews(str(tmp_path / "train.tsv.xz"))
    test = read_reviews(str(tmp_path / "test.tsv.xz"))
    assert train.names == ("neg", "pos") and train.labels.mean() == 0.5
    assert train.tokens[0][-2:] == ["rated", "nine"] and len(train.tokens[0]) == 17
    # planted vectors: pos topics along +u, neg topics along -u, frequent words long and shared
    rng = np.random.default_rng(3)
    words = COMMON + sum(TOPICS.values(), [])
    u = rng.standard_normal(10)
    matrix = rng.standard_normal((len(words), 10)) * 0.3
    for k, w in enumerate(words):
        if w in COMMON:
            matrix[k] += 8.0
        else:
            matrix[k] += u if w[:-1] in ("animal", "fruit") else -u
    counts = np.array([1000] * 4 + [10] * 24)
    scores = sentence_scores(Vectors(words, matrix, counts), train, test)
    assert scores["raw"] > 90.0 and scores["stop words removed"] > 90.0
    assert scores["centred"] == scores["raw"]  # a constant shift: the intercept absorbs it
    assert scores["known_token_share"] == pytest.approx(15 / 17)  # "rated" and "nine" unknown
    assert scores["stop_words"] == ["the", "of"]  # at most a tenth of the vocabulary


def test_quick_critique_end_to_end(tmp_path):
    write_corpus(tmp_path / "corpus.txt", lines=1200, seed=4)
    data = tmp_path / "reviews"
    data.mkdir()
    write_reviews(data / "train.tsv.xz", 120, 0)
    write_reviews(data / "test.tsv.xz", 120, 1)
    pairs = tmp_path / "pairs.tsv"
    a, v = TOPICS["animal"], TOPICS["vehicle"]
    pairs.write_text(
        "".join(f"{a[0]}\t{w}\t9\n{a[0]}\t{x}\t1\n" for w, x in zip(a[1:], v[1:], strict=True))
    )
    analogy = tmp_path / "analogy.txt"
    analogy.write_text(": topics\n" + "".join(f"{a[i]} {a[i + 1]} {v[i]} {v[i + 1]}\n"
                                              for i in range(4)))  # fmt: skip
    out = tmp_path / "out"
    argv = ["experiment", "critique", "--corpus", str(tmp_path / "corpus.txt"), "--out", str(out),
            "--quick", "--quiet", "--analogy", str(analogy), "--similarity", f"pairs={pairs}",
            "--classification-data", str(data), "--threads", "1"]  # fmt: skip
    assert cli.main(argv) == 0
    saved = json.loads((out / "results.json").read_text())
    assert validate(saved) == []
    e = saved["experiments"]["critique"]
    assert not e["missing"] and len(e["runs"]) == 5 and len(e["verdicts"]) >= 7
    glove_run = next(r for r in saved["runs"].values() if r["settings"].get("model") == "glove")
    rows = glove_run["invariance"]["rows"]
    assert all(abs(r["relative_change"]) < 1e-9 for r in rows if "exact" in r["biases"])
    for run in saved["runs"].values():
        if run["kind"] == "critique":
            assert set(run["scores"]) == {"raw", "centred", "all-but-the-top"}
            assert 0 <= run["classification"]["raw"] <= 100
            assert len(run["norms"]["top"]) == 20 and run["norms"]["top"][0][0] in COMMON
    report = (out / "report.md").read_text()
    assert "## Verdicts" in report and "GloVe's loss cannot tell W from W + c" in report
    for fig in e["figures"]:
        assert (out / fig).read_bytes()[:8] == PNG
        assert (out / fig).with_suffix(".svg").stat().st_size > 10_000
        assert f"]({fig})" in report
    # a second invocation reuses every run
    before = saved["runs"]
    assert cli.main(argv) == 0
    assert json.loads((out / "results.json").read_text())["runs"] == before


def test_critique_is_a_study_the_cli_offers():
    from wordlab.experiments.catalog import EXPERIMENTS, STUDIES

    assert "critique" in STUDIES and "critique" not in EXPERIMENTS
    parser = cli.build_parser("experiment")
    assert parser.parse_args(["experiment", "critique", "--corpus", "c", "--out", "o"]).name == (
        "critique"
    )
