"""`wordlab experiment`: quick grids end to end on a corpus the test writes, resume, SVD, fits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import write_planted_corpus

from wordlab import cli
from wordlab.cooccur import RECORD
from wordlab.corpus import load_corpus
from wordlab.errors import WordlabError
from wordlab.experiments import (
    EXPERIMENT_NAMES,
    Config,
    estimate_seconds,
    models,
    parse_duration,
    run_experiments,
)
from wordlab.experiments.catalog import EXPERIMENTS
from wordlab.experiments.runner import SCHEMA, Runner, Spec, validate, write_prefix
from wordlab.experiments.svd import context_matrix, fit_power_law, transform, truncated_svd
from wordlab.vocab import Vocab

PNG = b"\x89PNG\r\n\x1a\n"


def write_eval_files(folder: Path, topics: list[list[str]]) -> tuple[Path, Path]:
    """A Google-layout analogy file (one semantic, one gram* section) and a similarity file."""
    a, v, f, c = topics
    analogy = folder / "analogies.txt"
    lines = [": topic-pairs"]
    lines += [f"{a[i]} {a[i + 1]} {v[i]} {v[i + 1]}" for i in range(4)]
    lines += [": gram-pairs"]
    lines += [f"{f[i]} {f[i + 1]} {c[i]} {c[i + 1]}" for i in range(4)]
    analogy.write_text("\n".join(lines) + "\n")
    pairs = folder / "pairs.tsv"
    rows = ["# word1\tword2\tscore"]
    for t in topics:
        rows += [f"{t[0]}\t{t[i]}\t9.0" for i in range(1, 4)]
    rows += [f"{topics[i][0]}\t{topics[(i + 1) % 4][1]}\t1.0" for i in range(4)]
    rows += [f"{topics[i][2]}\t{topics[(i + 2) % 4][3]}\t1.5" for i in range(4)]
    pairs.write_text("\n".join(rows) + "\n")
    return analogy, pairs


def distinct_pairs(lines: list[list[int]], vocab_size: int, window: int) -> int:
    """Non-zero entries of a symmetric windowed co-occurrence matrix, counted with a set."""
    seen: set[tuple[int, int]] = set()
    for line in lines:
        kept = [t for t in line if t < vocab_size]  # OOV tokens are skipped, not positions
        for i, a in enumerate(kept):
            for b in kept[i + 1 : i + 1 + window]:
                seen.add((a, b))
                seen.add((b, a))
    return len(seen)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick run of every experiment (no CoNLL data: ner is skipped) on a planted corpus."""
    folder = tmp_path_factory.mktemp("experiments")
    corpus = folder / "corpus.txt"
    topics = write_planted_corpus(corpus, n_lines=1600, seed=3)
    analogy, pairs = write_eval_files(folder, topics)
    config = Config(
        corpus=corpus,
        out=folder / "out",
        analogy=analogy,
        similarity={"pairs": pairs},
        quick=True,
        progress=False,
    )
    data = run_experiments(list(EXPERIMENT_NAMES), config)
    return config, data


def test_quick_run_writes_results_figures_and_report(quick_run):
    config, data = quick_run
    saved = json.loads((config.out / "results.json").read_text())
    assert saved["schema"] == SCHEMA
    assert validate(saved) == []
    broken = json.loads(json.dumps(saved))
    next(iter(broken["runs"].values())).pop("settings")
    assert any("settings" in p for p in validate(broken))
    assert saved["corpus"]["tokens"] == 1600 * 12
    assert set(saved["experiments"]) == set(EXPERIMENT_NAMES) - {"ner"}
    assert "ner" in saved["invocations"][-1]["skipped"]
    assert saved["invocations"][-1]["level"] == "quick"
    for key, run in saved["runs"].items():
        assert run["key"] == key
        for field in ("kind", "settings", "seed", "started", "wall_seconds"):
            assert field in run, (key, field)
        if run["kind"] == "cooccur":
            assert run["entries"] > 0
        else:
            s = run["scores"]
            assert 0.0 <= s["total"] <= 100.0 and s["total_used"] == 8
            assert -100.0 <= s["pairs"] <= 100.0 and s["pairs_pairs_used"] == 20
    report = (config.out / "report.md").read_text()
    assert "## Summary" in report
    for name, e in saved["experiments"].items():
        assert f"({name}) [{e['reference']}]" in report
        assert e["verdicts"] and not e["missing"]
        for run_key in e["runs"]:  # every run of a section is in results.json and in the report
            assert run_key in saved["runs"] and run_key in report
        for fig in e["figures"]:
            png = config.out / fig
            assert png.read_bytes()[:8] == PNG and png.stat().st_size > 10_000
            assert png.with_suffix(".svg").stat().st_size > 10_000
            assert f"]({fig})" in report
    # the paper's Table 2 row sits beside ours
    assert "| GloVe | " in report and "/ 71.7" in report


def test_training_time_checkpoints_accumulate(quick_run):
    config, data = quick_run
    (spec,) = [s for r, s in EXPERIMENTS["training-time"].plan(Runner(config), "quick")
               if r["model"] == "glove"]  # fmt: skip
    points = data["runs"][spec.key]["checkpoints"]
    assert [p["epochs"] for p in points] == [1, 2, 3]
    times = [p["train_seconds"] for p in points]
    assert times == sorted(times) and times[0] > 0


def test_sparsity_counts_match_an_independent_count(quick_run):
    config, data = quick_run
    enc = load_corpus(config.corpus, cache_dir=config.out.parent / "enc-check", progress=False)
    vocab = Vocab.from_corpus(enc, config.min_count)
    tokens = np.asarray(enc.tokens)
    lines = [
        tokens[a:b].tolist() for a, b in zip(enc.line_starts[:-1], enc.line_starts[1:], strict=True)
    ]
    record = data["runs"][Spec.make("cooccur", None, window=10, symmetric=True).key]
    assert record["entries"] == distinct_pairs(lines, len(vocab), 10)
    assert record["tokens"] == enc.n_tokens


def test_resume_reuses_every_run_through_the_cli(quick_run, monkeypatch):
    config, data = quick_run
    before = (config.out / "results.json").read_text()
    runs_before = json.loads(before)["runs"]

    def no_training(runner, spec):
        raise AssertionError(f"run {spec.key} was repeated")

    monkeypatch.setattr(models, "execute", no_training)
    argv = ["experiment", "all", "--corpus", str(config.corpus), "--out", str(config.out),
            "--quick", "--quiet", "--data", str(config.out.parent), "--analogy", str(config.analogy),
            "--similarity", f"pairs={config.similarity['pairs']}"]  # fmt: skip
    assert cli.main(argv) == 0
    after = json.loads((config.out / "results.json").read_text())
    assert after["runs"] == runs_before
    assert len(after["invocations"]) == 2
    # runs already done cost nothing in the budget estimate; a denser grid still costs something
    runner = Runner(config)
    quick = [s for e in EXPERIMENTS.values() if e.name != "ner" for _, s in e.plan(runner, "quick")]
    full = [s for e in EXPERIMENTS.values() if e.name != "ner" for _, s in e.plan(runner, "full")]
    assert estimate_seconds(runner, quick) == 0.0
    assert estimate_seconds(runner, full) > 0.0


def test_results_of_another_corpus_are_refused(quick_run, tmp_path):
    config, _ = quick_run
    other = tmp_path / "other.txt"
    other.write_text("a b c\n")
    with pytest.raises(WordlabError, match="use another --out"):
        Runner(Config(corpus=other, out=config.out))
    with pytest.raises(WordlabError, match="other min_count"):
        Runner(Config(corpus=config.corpus, out=config.out, min_count=2))


def test_sparsity_recovers_the_exponent_of_a_zipf_corpus(tmp_path):
    # Lines of two words whose pair is drawn from Zipf(1.25): the number of distinct pairs seen
    # after n draws grows as n**(1/1.25) = n**0.8 (Heaps), the paper's Section 3.2 argument.
    rng = np.random.default_rng(0)
    pairs = rng.zipf(1.25, size=40_000)
    corpus = tmp_path / "zipf.txt"
    corpus.write_text("".join(f"a{p // 1000} b{p % 1000}\n" for p in pairs))
    config = Config(corpus=corpus, out=tmp_path / "out", quick=True, min_count=1, progress=False)
    data = run_experiments(["sparsity"], config)
    runs = [r for r in data["runs"].values() if r["kind"] == "cooccur"]
    assert len(runs) == 4
    fit = fit_power_law([r["tokens"] for r in runs], [r["entries"] for r in runs])
    assert fit["slope"] == pytest.approx(0.8, abs=0.05)
    assert "fitted exponent" in (tmp_path / "out" / "report.md").read_text()


def test_write_prefix_keeps_lines_and_counts_tokens(tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("a b c\nd e\nf g h i\n")
    target = tmp_path / "prefix.txt"
    from wordlab.textread import TextOptions

    assert write_prefix(src, target, 7, TextOptions()) == 7
    assert target.read_text() == "a b c\nd e\nf g\n"


def test_power_law_fit_is_exact_on_synthetic_data():
    sizes = np.array([1e3, 3e3, 1e4, 3e4, 1e5, 1e6])
    fit = fit_power_law(sizes, 3.0 * sizes**0.8)
    assert fit["slope"] == pytest.approx(0.8, abs=1e-12)
    assert fit["coefficient"] == pytest.approx(3.0, rel=1e-10)
    assert fit["r2"] == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(WordlabError):
        fit_power_law([5.0], [7.0])


@pytest.mark.parametrize("solver", ["randomized", "arpack"])
def test_truncated_svd_matches_dense_numpy(solver):
    rng = np.random.default_rng(0)
    # rank 12 (a count matrix of 12 latent topics): the randomized range finder's 28 columns
    # span it, so both solvers must agree with the dense SVD to rounding
    dense = rng.poisson(1.0, size=(60, 12)) @ rng.poisson(0.5, size=(12, 40)).astype(np.float64)
    matrix = sp.csr_matrix(dense)
    k = 8
    u, s, vt = truncated_svd(matrix, k, solver=solver)
    u_ref, s_ref, vt_ref = np.linalg.svd(dense, full_matrices=False)
    np.testing.assert_allclose(s, s_ref[:k], rtol=1e-8)
    signs = np.sign(u_ref[np.abs(u_ref[:, :k]).argmax(axis=0), np.arange(k)])
    np.testing.assert_allclose(u, u_ref[:, :k] * signs, atol=1e-8)
    np.testing.assert_allclose((u * s) @ vt, (u_ref[:, :k] * s_ref[:k]) @ vt_ref[:k], atol=1e-8)


def test_context_matrix_keeps_frequent_contexts_and_transforms(tmp_path):
    records = np.array(
        [(1, 2, 4.0), (2, 1, 4.0), (1, 5, 2.0), (3, 3, 1.0), (2, 1, 0.5)], dtype=RECORD
    )  # (word1, word2, value), 1-based; the pair (2, 1) twice, as after a spill
    path = tmp_path / "cooc.bin"
    records.tofile(path)
    m = context_matrix(path, vocab_size=5, contexts=3)
    expected = np.zeros((5, 3))
    expected[0, 1], expected[1, 0], expected[2, 2] = 4.0, 4.5, 1.0
    np.testing.assert_array_equal(m.toarray(), expected)
    np.testing.assert_allclose(transform(m, "SVD-S").toarray(), np.sqrt(expected))
    np.testing.assert_allclose(transform(m, "SVD-L").toarray(), np.log1p(expected))
    np.testing.assert_array_equal(transform(m, "SVD").toarray(), expected)


def test_parse_duration():
    assert parse_duration("90s") == 90
    assert parse_duration("45m") == 45 * 60
    assert parse_duration("2h") == 7200
    assert parse_duration("10") == 600
    with pytest.raises(WordlabError):
        parse_duration("soon")


def test_catalog_holds_the_experiments_the_cli_offers_in_report_order():
    assert tuple(EXPERIMENTS) == EXPERIMENT_NAMES
    for name, experiment in EXPERIMENTS.items():
        assert experiment.name == name and experiment.reference
