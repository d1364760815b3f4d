"""The critique of GloVe, measured and repaired: invariance, norms, post-processing, downstream.

Because GloVe's biases are free, its loss cannot tell W from W + c: nothing anchors where the
cloud of vectors sits, frequent words end up with long vectors, and a mean of word vectors is
dominated by them. For GloVe, skip-gram, CBOW and fastText trained on one corpus, each run
(`execute`) measures: vector norms against frequency; similarity and analogy scores raw, centred
and all-but-the-top (wordlab.postprocess); mean-of-word-vector sentence classification on IMDB
in six variants (experiments.sentences); and, for GloVe, the invariance on its own records
(experiments.invariance). A fastText classifier on the same split is the reference.

It runs on the experiments' runner (results.json, OUT/cache, --budget picking the grid level),
but on its own: `run_critique` writes a report.md of its own, so `experiment all` (the paper's
reproductions) does not include it, and the two do not share an output folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.errors import WordlabError
from wordlab.experiments import _single_threaded_blas, estimate_seconds
from wordlab.experiments.common import LEVELS, Experiment, Row, Section
from wordlab.experiments.runner import Config, Runner, Spec
from wordlab.postprocess import default_remove_top
from wordlab.vectors import Vectors

NAME = "critique"
MODELS = ("glove", "sg", "cbow", "fasttext")
WINDOW = 10
X_MAX = 10.0  # GloVe's demo.sh value for corpora of text8's size, and the issue's measurement
GRID: dict[str, dict[str, Any]] = {  # w2v_epochs: skip-gram, CBOW, fastText; reviews: per label
    "quick": {"dim": 25, "glove_epochs": 3, "w2v_epochs": 1, "reviews": 1000, "bucket": 100_000},
    "small": {"dim": 50, "glove_epochs": 10, "w2v_epochs": 1, "reviews": None,
              "bucket": 2_000_000},
    "medium": {"dim": 100, "glove_epochs": 15, "w2v_epochs": 2, "reviews": None,
               "bucket": 2_000_000},
    "full": {"dim": 300, "glove_epochs": 25, "w2v_epochs": 5, "reviews": None,
             "bucket": 2_000_000},
}  # fmt: skip
CLASSIFIER = {"word_ngrams": 2, "dim": 10, "epochs": 5}  # fastText's IMDB-style reference
MID_WORDS = ("king", "queen", "computer", "music", "river", "science", "church", "army",
             "language", "island", "novel", "mountain", "energy", "disease", "museum", "garden",
             "engine", "poetry", "ocean", "medicine", "bridge", "winter", "painting", "temple")  # fmt: skip
SHOWN = 20  # words per norm table
SAMPLE = 1500  # words per model kept for the norm figure (log-spaced ranks)
FASTTEXT_COST = 1.5  # fastText skip-gram with n-grams: about this many times word2vec skip-gram
_READ, _CLASSIFY, _PASS = 25.0, 20.0, 1.5e-9  # seconds: reviews, per model; per record x dim


def plan(runner: Runner, level: str, reviews: Path | None = None) -> list[Row]:
    """One run per model (train, measure, classify) and the fastText classifier reference."""
    g = GRID[level]
    per = "none" if reviews is None else ("all" if g["reviews"] is None else g["reviews"])
    rows: list[Row] = []
    for model in MODELS:
        extra: dict[str, Any] = {"x_max": X_MAX} if model == "glove" else {"negative": 5}
        if model == "fasttext":
            extra["bucket"] = g["bucket"]
        epochs = g["glove_epochs" if model == "glove" else "w2v_epochs"]
        spec = Spec.make(NAME, None, model=model, dim=g["dim"], window=WINDOW, epochs=epochs,
                         reviews=per, **extra)  # fmt: skip
        rows.append(({"model": model}, spec))
    if reviews is not None:
        spec = Spec.make(f"{NAME}-classifier", None, reviews=per, **CLASSIFIER)
        rows.append(({"model": "fastText classifier"}, spec))
    return rows


def estimate(runner: Runner, rows: list[Row]) -> float:
    """Rough seconds for the runs not done yet, from the experiments' cost model."""
    total, n = 0.0, runner.corpus().n_tokens
    todo = [s for _, s in rows if runner.record(s) is None]
    for spec in todo:
        p = spec.params
        if spec.kind != NAME:
            total += 30.0
            continue
        if p["model"] == "glove":
            proxy = Spec.make("glove", None, dim=p["dim"], window=WINDOW, epochs=p["epochs"])
            total += estimate_seconds(runner, [proxy]) + 12 * _PASS * 75 * n**0.8 * p["dim"]
        else:
            model = "sg" if p["model"] == "fasttext" else p["model"]
            proxy = Spec.make("word2vec", None, model=model, dim=p["dim"], window=WINDOW,
                              negative=5, epochs=p["epochs"])  # fmt: skip
            cost = estimate_seconds(runner, [proxy])
            total += cost * (FASTTEXT_COST if p["model"] == "fasttext" else 1.0)
        total += 2 * 8.0 + (_CLASSIFY if p["reviews"] != "none" else 0.0)
    return total + (_READ if any(s.params.get("reviews") != "none" for s in todo) else 0.0)


# -- one run --------------------------------------------------------------------------------------
def execute(runner: Runner, spec: Spec, reviews: Path | None) -> dict[str, Any]:
    """Train one model and measure it, or train the reference classifier."""
    from wordlab.experiments import sentences

    p, c = spec.params, runner.config
    splits = None
    if p["reviews"] != "none":
        per = None if p["reviews"] == "all" else int(p["reviews"])
        if reviews is None:
            raise WordlabError("this run needs the classification data: give --classification-data")
        train_file, test_file = sentences.imdb_files(reviews)
        splits = (
            sentences.read_reviews(str(train_file), per),
            sentences.read_reviews(str(test_file), per),
        )
    if spec.kind != NAME:
        settings = {k: v for k, v in p.items() if k != "reviews"}
        result = sentences.fasttext_reference(*splits, c.threads, c.seed, **settings)
        return {
            "train_seconds": result["train_seconds"],
            "scores": {"accuracy": result["accuracy"]},
        }
    vectors, record = train(runner, spec)
    record["norms"] = norm_summary(vectors)
    abtt = vectors.postprocess(center=True, remove_top="auto")
    record["scores"] = {
        "raw": runner.evaluate(vectors),
        "centred": runner.evaluate(vectors.postprocess(center=True)),
        "all-but-the-top": runner.evaluate(abtt),
    }
    record["remove_top"] = default_remove_top(vectors.dim)
    if splits is not None:
        t0 = time.perf_counter()
        record["classification"] = sentences.sentence_scores(vectors, *splits)
        record["classification"]["seconds"] = time.perf_counter() - t0
        record["classification"]["reviews"] = [len(s.tokens) for s in splits]
    return record


def train(runner: Runner, spec: Spec) -> tuple[Vectors, dict[str, Any]]:
    """The spec's vectors (plain Vectors with counts) and its record; GloVe adds the invariance."""
    from wordlab.experiments.invariance import invariance_study
    from wordlab.experiments.models import cooccurrences, glove_settings, train_vectors
    from wordlab.models.glove import GloVe

    p, c = spec.params, runner.config
    if p["model"] != "glove":
        vspec = Spec.make("vectors", None, **{k: v for k, v in p.items() if k != "reviews"})
        vectors, stats = train_vectors(runner, vspec)
        return Vectors(list(vectors.words), vectors.matrix, vectors.counts), {
            **stats, "vocab_size": len(vectors)}  # fmt: skip
    co = cooccurrences(runner, None, p["window"], True)
    settings = glove_settings(runner, p["window"], True, dim=p["dim"], epochs=p["epochs"],
                              x_max=p["x_max"])  # fmt: skip
    model = GloVe(**settings, progress=c.progress).fit_cooccurrences(co["file"], co["vocab"])
    vectors = model.wv
    t0 = time.perf_counter()
    ranks = np.unique(np.linspace(0, min(len(vectors), 10_000) - 1, 200).astype(int)).tolist()
    inv = invariance_study(model.records_path, model.params, p["x_max"], 0.75, c.seed, ranks)
    inv["seconds"] = time.perf_counter() - t0
    return vectors, {
        "train_seconds": co["count_seconds"] + co["shuffle_seconds"] + sum(model.epoch_seconds),
        "vocab_size": len(vectors), "entries": co["entries"], "costs": list(model.losses),
        "invariance": inv,
    }  # fmt: skip


def shown_words(words: list[str], counts: np.ndarray) -> tuple[list[int], list[int]]:
    """Rows of the SHOWN most frequent words and of SHOWN mid-frequency content words.

    Mid-frequency: MID_WORDS found below the 100 most frequent words, then words at evenly
    spaced ranks in the middle of the vocabulary (ranks 1000-5000; for a small one, after the top).
    """
    order = np.argsort(-np.asarray(counts), kind="stable")
    top = order[:SHOWN].tolist()
    rank = {int(r): k for k, r in enumerate(order)}
    index = {w: i for i, w in enumerate(words)}
    mid = [index[w] for w in MID_WORDS if w in index and rank[index[w]] >= 100][:SHOWN]
    lo, hi = (1000, 5000) if len(words) > 5000 else (min(SHOWN, len(words) // 2), len(words))
    for r in np.linspace(lo, hi - 1, SHOWN).astype(int):
        if len(mid) >= SHOWN:
            break
        if int(order[r]) not in mid and int(order[r]) not in top:
            mid.append(int(order[r]))
    return top, mid


def norm_summary(vectors: Vectors) -> dict[str, Any]:
    """Norms of the shown words, a log-spaced sample for the figure, and norm-frequency correlation."""
    from wordlab.experiments.common import spearman

    counts = np.asarray(vectors.counts, dtype=np.float64)
    norms = np.linalg.norm(vectors.matrix.astype(np.float64), axis=1)
    top, mid = shown_words(vectors.words, counts)
    order = np.argsort(-counts, kind="stable")
    sample = order[np.unique(np.geomspace(1, len(order), SAMPLE).astype(int) - 1)]
    return {
        "top": [[vectors.words[i], int(counts[i]), float(norms[i])] for i in top],
        "mid": [[vectors.words[i], int(counts[i]), float(norms[i])] for i in mid],
        "sample": [[int(counts[i]), float(norms[i])] for i in sample],
        "median_norm": float(np.median(norms)),
        "spearman_log_count_norm": spearman(np.log(counts), norms),
    }


# -- the whole invocation -------------------------------------------------------------------------
def run_critique(
    config: Config, reviews: Path | None = None, level: str | None = None, command: str = ""
) -> dict[str, Any]:
    """Plan (level from --quick, --level or the budget), run, plot and report the critique."""
    with _single_threaded_blas():
        return _run(config, reviews, level, command)


def _run(config: Config, reviews: Path | None, level: str | None, command: str) -> dict[str, Any]:
    from wordlab.experiments.critique_report import summarize, write_report
    from wordlab.experiments.report import section_to_dict

    if config.analogy is None and not config.similarity:
        raise WordlabError("no evaluation data: give --analogy and/or --similarity (or --data DIR)")
    if reviews is not None:
        from wordlab.experiments.sentences import imdb_files

        imdb_files(reviews)  # before any work: both splits are there
    runner = Runner(config)
    others = [n for n in runner.data["experiments"] if n != NAME]
    if others:
        raise WordlabError(f"{config.out} holds the paper's experiments ({', '.join(others)}); "
                           "give the critique its own --out folder")  # fmt: skip
    estimates: dict[str, float] = {}
    if level is None:
        level = "quick" if config.quick else "full"
        if not config.quick and config.budget is not None:
            level = "quick"
            for lvl in LEVELS:
                estimates[lvl] = estimate(runner, plan(runner, lvl, reviews))
                if estimates[lvl] <= config.budget:
                    level = lvl
    elif level not in LEVELS:
        raise WordlabError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    rows = plan(runner, level, reviews)
    runner.begin([NAME], level, estimates.get(level) or estimate(runner, rows))
    inv = runner.data["invocations"][-1]
    inv.update(command=command, level_estimates_seconds=estimates,
               classification_data=None if reviews is None else str(reviews))  # fmt: skip
    if config.progress:
        print(f"[experiment] critique, level {level}: {len(rows)} runs, about "
              f"{inv['estimated_seconds'] / 60:.0f} min estimated for those not done yet",
              flush=True)  # fmt: skip
    t0 = time.perf_counter()
    for _, spec in rows:
        runner.run(spec, lambda r, s: execute(r, s, reviews))
    section = summarize(runner, level, rows, Path(config.out) / "figures")
    runner.data["experiments"][NAME] = {**section_to_dict(section), "level": level}
    inv["seconds"] = time.perf_counter() - t0
    runner.save()
    write_report(Path(config.out), runner.data)
    return runner.data


def _summarize(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    from wordlab.experiments.critique_report import summarize

    return summarize(runner, level, rows, figs)


EXPERIMENT = Experiment(
    NAME, "GloVe's known weakness, measured and repaired", "Mu and Viswanath 2018",
    lambda runner, level: plan(runner, level), _summarize,
)  # fmt: skip
