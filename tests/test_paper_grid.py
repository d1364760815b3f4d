"""`wordlab experiment paper`: the protocol's plan, GloVe's per-epoch curve, resume, end to end."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import write_planted_corpus
from test_experiments import PNG, write_eval_files

from wordlab import cli
from wordlab.experiments import Config, models
from wordlab.experiments.paper_grid import GRIDS, main_run, plan
from wordlab.experiments.paper_run import prepare, run_paper
from wordlab.experiments.runner import Runner, validate
from wordlab.models.glove import GloVe
from wordlab.vectors import Vectors

TOKENS_70M = 70_336_552
PAPER_DEFAULTS = {"x_max": 100.0, "alpha": 0.75, "lr": 0.05, "output": "sum"}


class PlanOnly:
    """A runner stand-in for planning on a corpus of the whole enwiki-70m's size, with no files."""

    def __init__(self, tmp: Path) -> None:
        self.config = prepare(Config(corpus=tmp / "c.txt", out=tmp, analogy=tmp / "a.txt"))
        self.cache = tmp / "cache"
        self.data: dict = {"runs": {}}

    def corpus(self, words=None):
        return SimpleNamespace(n_tokens=TOKENS_70M if words is None else words)

    def record(self, spec):
        return self.data["runs"].get(spec.key)


def test_paper_plan_follows_the_protocol(tmp_path):
    runner = PlanOnly(tmp_path)
    assert runner.config.max_vocab == 400_000 and runner.config.min_count == 5
    kept = prepare(Config(corpus=tmp_path, out=tmp_path, analogy=tmp_path, max_vocab=1000))
    assert kept.max_vocab == 1000  # a --max-vocab given is kept (and reported as a deviation)
    p = plan(runner, "paper")
    s = p.sections
    glove = {sp.key: sp for rows in s.values() for _, sp in rows if sp.kind == "glove"}
    for spec in glove.values():  # 50 epochs below 300 dimensions, 100 at or above
        prm = spec.params
        assert prm["epochs"] == (50 if prm["dim"] < 300 else 100), spec.key
    dims = [r["dim"] for r, _ in s["fig2a"]]
    assert {25, 50, 100, 200, 300} <= set(dims) and max(dims) == 600
    for _, spec in s["fig2a"] + s["fig3"]:
        assert spec.params["window"] == 10 and spec.params["symmetric"] is True
        assert {k: spec.params[k] for k in PAPER_DEFAULTS} == PAPER_DEFAULTS
    assert sorted((r["window"], r["symmetric"]) for r, _ in s["fig2bc"]) == sorted(
        (w, sym) for w in (2, 4, 6, 8, 10) for sym in (True, False)
    )
    assert {sp.params["dim"] for _, sp in s["fig2bc"]} == {100}
    # Fig. 3: the whole corpus and its halves: 8.8M, 17.6M, 35.2M, 70.3M tokens, at 300d
    assert [r["words"] for r, _ in s["fig3"]] == [TOKENS_70M // 8, TOKENS_70M // 4,
                                                 TOKENS_70M // 2, None]  # fmt: skip
    assert {sp.params["dim"] for _, sp in s["fig3"]} == {300}
    main = main_run(GRIDS["paper"])
    assert (
        main.params["dim"] == 300 and main.params["eval_every"] == 1 and main.params["score_word"]
    )
    assert p.order[0] == main and p.order[-1].params.get("dim") == 600  # the extras come last
    table = {r["method"]: sp for r, sp in s["tables23"]}
    for name, transform in (("SVD", "SVD"), ("SVD-S", "SVD-S"), ("SVD-L", "SVD-L")):
        assert table[name].params == {"method": transform, "dim": 300, "window": 10,
                                      "contexts": 10_000, "power": 1.0, "solver": "randomized"}  # fmt: skip
    for name in ("SG", "CBOW"):
        assert table[name].params["negative"] == 10 and table[name].params["window"] == 10
        assert table[name].params["dim"] == 300
    assert table["GloVe"] == main
    # ablations: each differs from the protocol's run in the named setting only
    base = {k: v for k, v in s["ablations"][0][1].params.items()}
    for labels, spec in s["ablations"]:
        if labels["setting"] == "output":
            assert spec == main
            continue
        changed = {k for k, v in spec.params.items() if base[k] != v}
        assert changed <= {labels["setting"]} and spec.params[labels["setting"]] == labels["value"]
    assert sorted(r["value"] for r, _ in s["ablations"] if r["setting"] == "alpha") == [0.5, 0.75,
                                                                                        1.0]  # fmt: skip
    assert sorted(r["value"] for r, _ in s["ablations"] if r["setting"] == "x_max") == [10.0, 100.0]
    ner = {r["vectors"]: sp.params for r, sp in s["table4"]}
    assert ner["glove"]["dim"] == 50 and ner["glove"]["epochs"] == 50
    assert ner["sg"]["negative"] == ner["cbow"]["negative"] == 10
    # Fig. 4's word2vec runs wait for GloVe's and Table 2's measured times
    assert [r["model"] for r, _ in s["fig4"]] == ["glove"] and p.waiting


def test_fig4_epochs_come_from_measured_times_and_are_kept(tmp_path):
    runner = PlanOnly(tmp_path)
    p = plan(runner, "paper")
    table = {r["method"]: sp for r, sp in p.sections["tables23"]}
    runner.data["runs"][main_run(GRIDS["paper"]).key] = {"train_seconds": 3000.0}
    runner.data["runs"][table["SG"].key] = {"train_seconds": 5 * 900.0}  # 5 epochs, 10 negatives
    runner.data["runs"][table["CBOW"].key] = {"train_seconds": 5 * 120.0}
    p = plan(runner, "paper")
    # 20 negatives instead of 10: skip-gram's work grows with negatives + 1 (21 / 11); CBOW's
    # with negatives + 1 + the mean window (10 + 1) / 2 beside it (26.5 / 16.5)
    sg_top, cbow_top = 900.0 * 21 / 11, 120.0 * 26.5 / 16.5
    assert p.fig4_epochs == {"sg": round(3000 / sg_top), "cbow": round(3000 / cbow_top)}
    fig4 = p.sections["fig4"]
    assert sorted(r["negative"] for r, _ in fig4 if r.get("model") == "sg") == [1, 3, 5, 10, 15, 20]
    for labels, spec in fig4[1:]:
        assert spec.params["epochs"] == p.fig4_epochs[labels["model"]]
        assert spec.params["dim"] == 300 and spec.params["window"] == 10
    runner.data["runs"][main_run(GRIDS["paper"]).key] = {"train_seconds": 9000.0}
    assert plan(runner, "paper").fig4_epochs == p.fig4_epochs  # kept: later sittings agree


def write_conll(folder: Path, topics: list[list[str]]) -> Path:
    """A tiny CoNLL-2003 layout: animal words are PER, vehicle words LOC, the rest O."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    tag = {w: t for words, t in zip(topics, ("PER", "LOC", "O", "O"), strict=True) for w in words}
    for name in ("eng.train", "eng.testa", "eng.testb"):
        lines = []
        for _ in range(40):
            for w in rng.choice([w for t in topics for w in t], size=6):
                lines.append(f"{w} NN I-NP {'O' if tag[w] == 'O' else 'B-' + tag[w]}")
            lines.append("")
        (folder / name).write_text("\n".join(lines) + "\n")
    return folder


def quick_config(folder: Path, **extra) -> Config:
    corpus = folder / "corpus.txt"
    topics = write_planted_corpus(corpus, n_lines=1600, seed=3)
    analogy, pairs = write_eval_files(folder, topics)
    return Config(corpus=corpus, out=folder / "out", analogy=analogy,
                  similarity={"WS353": pairs}, quick=True, progress=False, **extra)  # fmt: skip


def test_glove_curve_is_one_run_scored_after_every_epoch(tmp_path):
    config = prepare(quick_config(tmp_path, threads=1))
    runner = Runner(config)
    spec = main_run(GRIDS["quick"])
    rec = runner.run(spec, models.execute)
    epochs = spec.params["epochs"]
    points = rec["checkpoints"]
    assert [p["epochs"] for p in points] == list(range(1, epochs + 1))
    times = [p["train_seconds"] for p in points]
    counting = rec["cooccur_seconds"] + rec["shuffle_seconds"]
    np.testing.assert_allclose(times, counting + np.cumsum(rec["epoch_seconds"]))
    assert all(b > a for a, b in zip(times, times[1:], strict=False)) and times[0] > counting
    # the vectors scored after epoch k of the one run are those of a separate k-epoch run
    co = models.cooccurrences(runner, None, 10, True)
    for k in (2, epochs):
        glove = GloVe(dim=spec.params["dim"], epochs=k, x_max=100.0, alpha=0.75, lr=0.05,
                      threads=1, seed=config.seed, progress=False)  # fmt: skip
        glove.fit_cooccurrences(co["file"], co["vocab"])
        assert runner.evaluate(glove.wv) == points[k - 1]["scores"]
    vocab, d = co["vocab"], spec.params["dim"]
    word = Vectors(list(vocab.words), glove.params[: len(vocab), :d].copy(), vocab.counts)
    assert runner.evaluate(word) == rec["scores_word"]  # W alone, from the same parameters


def test_a_glove_run_interrupted_inside_continues_from_its_checkpoint(tmp_path, monkeypatch):
    """Ctrl-C while the run scores epoch 4: the next sitting continues from the checkpoint after
    epoch 4, scores that epoch, and ends with the same record as an uninterrupted run."""
    from wordlab.experiments import paper_cost, partial

    monkeypatch.setattr(partial, "CHECKPOINT_MINUTES", None)  # a checkpoint after every epoch
    spec = main_run(GRIDS["quick"])
    (tmp_path / "whole").mkdir()
    (tmp_path / "cut").mkdir()
    whole = Runner(prepare(quick_config(tmp_path / "whole", threads=1)))
    expected = whole.run(spec, models.execute)

    config = prepare(quick_config(tmp_path / "cut", threads=1))
    runner = Runner(config)
    real, scored = runner.evaluate, []

    def stop_at_the_fourth(vectors):
        if len(scored) == 3:
            raise KeyboardInterrupt
        scored.append(1)
        return real(vectors)

    runner.evaluate = stop_at_the_fourth
    full_cost = paper_cost.run_seconds(runner, spec)
    with pytest.raises(KeyboardInterrupt):
        runner.run(spec, models.execute)
    assert runner.record(spec) is None
    cut = partial.PartialRun.of(runner.cache, spec.key)
    assert cut.model_file.exists() and GloVe.load(cut.model_file).epochs_done == 4
    assert cut.epochs_done() == 4 and paper_cost.run_seconds(runner, spec) < full_cost
    whole = paper_cost.run_seconds(runner, spec, remaining=False)  # what the actual is held to
    assert paper_cost.run_seconds(runner, spec) < whole <= full_cost

    second = Runner(config)

    def from_scratch(*args, **kwargs):
        raise AssertionError("the run started over")

    monkeypatch.setattr(GloVe, "fit_cooccurrences", from_scratch)
    evaluate, calls = second.evaluate, []
    second.evaluate = lambda vectors: calls.append(1) or evaluate(vectors)
    rec = second.run(spec, models.execute)
    epochs = spec.params["epochs"]
    assert len(calls) == epochs - 3 + 1  # epochs 4.. scored here, then W alone: not from epoch 1
    assert not cut.model_file.exists() and not cut.progress_file.exists()  # done: cleared
    assert rec["checkpoints"] and [p["epochs"] for p in rec["checkpoints"]] == [
        p["epochs"] for p in expected["checkpoints"]
    ]
    for a, b in zip(rec["checkpoints"], expected["checkpoints"], strict=True):
        assert a["scores"] == b["scores"] and a["cost"] == b["cost"]
    assert rec["costs"] == expected["costs"] and rec["scores_word"] == expected["scores_word"]
    assert rec["earlier_sittings_seconds"] > 0
    assert rec["wall_seconds"] > rec["earlier_sittings_seconds"]


def test_interrupted_sitting_resumes_and_budget_defers(tmp_path, monkeypatch):
    config = quick_config(tmp_path)
    real = models.execute
    calls: list[str] = []

    def interrupt_after_four(runner, spec):
        if len(calls) == 4:
            raise KeyboardInterrupt
        calls.append(spec.key)
        return real(runner, spec)

    monkeypatch.setattr(models, "execute", interrupt_after_four)
    with pytest.raises(KeyboardInterrupt):
        run_paper(config)
    saved = json.loads((config.out / "results.json").read_text())
    assert sorted(saved["runs"]) == sorted(calls) and validate(saved) == []
    assert "Not run yet" in (config.out / "report.md").read_text()  # a partial report
    again: list[str] = []
    monkeypatch.setattr(models, "execute", lambda r, s: again.append(s.key) or real(r, s))
    data = run_paper(config)
    assert not set(again) & set(calls)  # finished runs are reused, not repeated
    assert all(data["runs"][k] == saved["runs"][k] for k in calls)
    assert len(data["invocations"]) == 2 and validate(data) == []
    assert not any(e["missing"] for n, e in data["experiments"].items() if n != "paper-table4")
    assert "CoNLL" in data["invocations"][-1]["skipped"]["table4"]  # no NER data given
    # a budget smaller than any run's estimate defers every new run to a later sitting
    (tmp_path / "b").mkdir()
    data = run_paper(dataclasses.replace(quick_config(tmp_path / "b"), budget=1.0))
    assert data["runs"] == {} and data["invocations"][-1]["deferred"]


def test_quick_paper_grid_end_to_end_through_the_cli(tmp_path, capsys):
    config = quick_config(tmp_path)
    ner = write_conll(tmp_path / "conll", topics_of(config))
    argv = ["experiment", "paper", "--corpus", str(config.corpus), "--out", str(config.out),
            "--quick", "--analogy", str(config.analogy), "--similarity",
            f"WS353={config.similarity['WS353']}", "--ner-data", str(ner)]  # fmt: skip
    assert cli.main(argv) == 0
    assert capsys.readouterr().out.startswith("[paper] estimate")  # the estimate comes first
    data = json.loads((config.out / "results.json").read_text())
    assert validate(data) == []
    names = {f"paper-{n}" for n in ("fig2a", "fig2bc", "fig3", "fig4", "tables23", "table4",
                                    "ablations")}  # fmt: skip
    assert set(data["experiments"]) == names
    report = (config.out / "report.md").read_text()
    assert f"- Runs: {len(data['runs'])} in results.json; every run of the grid done" in report
    for heading in ("## Protocol", "## Cost: estimated against actual", "## Summary"):
        assert heading in report
    for key, run in data["runs"].items():
        assert key in report and run["estimated_seconds"] > 0
    for e in data["experiments"].values():
        assert e["verdicts"] and not e["missing"]
        for fig in e["figures"]:
            assert (config.out / fig).read_bytes()[:8] == PNG
            assert f"]({fig})" in report
    test_f1 = {k: r["scores"]["test_f1"] for k, r in data["runs"].items() if r["kind"] == "ner"}
    assert len(test_f1) == 4 and all(0 <= v <= 100 for v in test_f1.values())
    assert "SCWS" in report and "not available" in report


def topics_of(config: Config) -> list[list[str]]:
    """The planted corpus' topics, read back from its words."""
    words = sorted(set(config.corpus.read_text().split()))
    return [[w for w in words if w.startswith(t)] for t in ("animal", "vehicle", "fruit", "colour")]


@pytest.mark.parametrize(
    ("totals", "status"),
    [
        ({25: 40, 50: 50, 100: 57, 200: 60, 300: 61, 400: 61.5, 500: 61.6, 600: 61.7}, "holds"),
        ({d: 0.05 * d for d in (25, 50, 100, 200, 300, 400, 500, 600)}, "cannot tell"),
        ({25: 40, 50: 41, 100: 42, 200: 43, 300: 50, 400: 55, 500: 60, 600: 65}, "does not hold"),
    ],
)
def test_vector_size_verdict_follows_the_margin(tmp_path, totals, status):
    from wordlab.experiments.paper_sections import fig2a

    runner = PlanOnly(tmp_path)
    rows = plan(runner, "paper").sections["fig2a"]
    for labels, spec in rows:
        runner.data["runs"][spec.key] = {"scores": {"total": float(totals[labels["dim"]])}}
    section = fig2a(runner, "paper", rows, tmp_path / "figures")
    ((claim, verdict),) = section.verdicts
    assert "200 dimensions" in claim and verdict.startswith(status)
    # a knee at 200 (rate 0.114/dim below): 0.114 x 400 = 45.7 points expected beyond, 1.7 seen
    if status == "holds":
        assert "+1.7 points beyond 200 where the rate below it would give +45.7" in verdict
    assert ("Follow-up work" in verdict) == (status != "holds")


def test_methods_verdicts_cite_follow_up_work_when_glove_loses(tmp_path):
    from wordlab.experiments.paper_tables import tables23

    runner = PlanOnly(tmp_path)
    rows = plan(runner, "paper").sections["tables23"]
    totals = {"SVD": 5.0, "SVD-S": 30.0, "SVD-L": 28.0, "CBOW": 62.0, "SG": 65.0, "GloVe": 60.0}
    for labels, spec in rows:
        runner.data["runs"][spec.key] = {"scores": {"total": totals[labels["method"]]}}
    verdicts = dict(tables23(runner, "paper", rows, tmp_path / "figures").verdicts)
    glove = verdicts["Table 2: GloVe beats skip-gram and CBOW on the analogies (total)"]
    assert glove.startswith("does not hold: GloVe 60.0%, SG 65.0%") and "Levy, Goldberg" in glove
    svd = verdicts["Table 2: SVD-L > SVD-S > SVD on the analogies (total)"]
    assert svd.startswith("does not hold")  # SVD-L 2 points below SVD-S: beyond the spread
    runner.data["runs"][rows[-1][1].key]["scores"]["total"] = 65.5  # GloVe within 1 point of SG
    verdicts = dict(tables23(runner, "paper", rows, tmp_path / "figures").verdicts)
    assert verdicts["Table 2: GloVe beats skip-gram and CBOW on the analogies (total)"].startswith(
        "cannot tell at this scale"
    )
