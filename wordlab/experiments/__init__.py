"""Reproductions of the GloVe paper's analyses (Pennington, Socher and Manning 2014).

    from wordlab.experiments import Config, run_experiments
    run_experiments(["vector-size"], Config(corpus=Path("enwiki.txt.xz"), out=Path("results")))

Each experiment is a module (`vector_size`, `window`, `corpus_size`, `training_time`, `methods`,
`sparsity`, `ner`; listed in `catalog`, sharing `common`) that plans labelled runs and summarizes
them; the runner keeps each run's record once (`runner`), `models` trains it with wordlab's own
models and scores it with wordlab.evaluation, results go to results.json, and every invocation
rewrites the figures and report.md (`report`) from everything run so far.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from wordlab.errors import WordlabError
from wordlab.experiments.runner import Config, Runner, Spec

__all__ = ["Config", "EXPERIMENT_NAMES", "estimate_seconds", "run_experiments"]

EXPERIMENT_NAMES = (
    "vector-size",
    "window",
    "corpus-size",
    "training-time",
    "methods",
    "sparsity",
    "ner",
)

# Seconds per unit of work, measured on the project's 2-core machine when idle (the 100 MB
# enwiki prefix, 17M tokens, 2 threads; bench/RESULTS.md): a rough model, used only to pick a
# grid level for --budget. On a busy machine runs take longer: give a smaller budget.
_ENCODE = 5.0e-7  # per token, writing a prefix and encoding it
_COUNT = 1.2e-6  # per token, co-occurrence counting and shuffling at window 10
_NNZ = 75.0  # |X| ~ 75 |C|^0.8 at window 10 (text8 prefix: 8.7M non-zeros for 2.1M tokens)
_EPOCH = 3.0e-9  # per non-zero and dimension, one GloVe epoch (13.1 s for 43M x 101)
_W2V = 6.0e-10  # per token, (negatives + 1) and dimension, CBOW; skip-gram x window / 2
_EVAL = 8.0  # scoring one vectors set
_CRF = 2.5e-4  # per training sentence and CRF iteration, discrete features; x2 with vectors


def _nnz(tokens: int, window: int, symmetric: bool) -> float:
    return _NNZ * tokens**0.8 * (window / 10) ** 0.7 * (1.0 if symmetric else 0.55)


def estimate_seconds(runner: Runner, specs: list[Spec]) -> float:
    """Rough seconds to run the specs not yet in results.json (shared counts counted once)."""
    n_all = runner.corpus().n_tokens
    seen_corpora: set[Any] = set()
    seen_counts: set[Any] = set()
    total = 0.0
    for spec in dict.fromkeys(specs):
        if runner.record(spec) is not None:
            continue
        p = spec.params
        n = n_all if spec.words is None else spec.words
        if spec.words is not None and spec.words not in seen_corpora:
            seen_corpora.add(spec.words)
            total += _ENCODE * n
        window, sym = p.get("window", 10), p.get("symmetric", True)
        if (
            spec.kind in ("glove", "svd", "cooccur")
            and (spec.words, window, sym) not in seen_counts
        ):
            seen_counts.add((spec.words, window, sym))
            total += _COUNT * n * (window / 10) ** 0.5
        nnz = _nnz(n, window, sym)
        if spec.kind == "glove":
            total += _EPOCH * nnz * (p["dim"] + 1) * p["epochs"]
            total += _EVAL * len(set(p.get("checkpoints", ())) | {p["epochs"]})
        elif spec.kind == "word2vec":
            per = _W2V * n * (p["negative"] + 1) * p["dim"] * p["epochs"]
            total += per * (window / 2 if p["model"] == "sg" else 1) + _EVAL
        elif spec.kind == "svd":
            total += _EVAL + 20 + 2e-8 * nnz * (p["dim"] + 20)
        elif spec.kind == "ner":
            sentences = p["train_sentences"] or 14_041
            iters = sum(p["max_iterations"]) * len(p["c2"])
            total += _CRF * sentences * iters * (1 if p["vectors"] == "discrete" else 2)
            if p["vectors"] != "discrete":
                total += _EPOCH * _nnz(n_all, 10, True) * 51 * p["epochs"]
    return total


def parse_duration(text: str) -> float:
    """Seconds from '90s', '45m', '2h' or a bare number of minutes."""
    t = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        value = float(t[:-1]) * units[t[-1]] if t and t[-1] in units else float(t) * 60
    except ValueError:
        raise WordlabError(f"--budget {text!r}: use a duration such as 90s, 45m or 2h") from None
    if value <= 0:
        raise WordlabError(f"--budget must be positive, got {text!r}")
    return value


def run_experiments(
    names: list[str], config: Config, level: str | None = None, command: str = ""
) -> dict[str, Any]:
    """Plan, run (reusing finished runs), plot and report the named experiments.

    The grid level is `level` when given, "quick" with config.quick, otherwise the densest whose
    estimated time fits config.budget (or "full" with no budget). Returns results.json's data.
    """
    from wordlab.experiments.catalog import EXPERIMENTS

    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise WordlabError(
            f"unknown experiment(s) {', '.join(unknown)}: choose from {', '.join(EXPERIMENT_NAMES)} or all"
        )
    with _single_threaded_blas():
        return _run(names, config, level, command)


def _single_threaded_blas():
    """One BLAS thread while experiments run, when threadpoolctl is installed.

    The models run their own threads; a multi-threaded OpenBLAS on a busy 2-core machine spins
    and made a 5000 x 45 QR 50 times slower (1.4 s instead of 0.03 s) in our measurements.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it BLAS keeps its own thread count
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _run(names: list[str], config: Config, level: str | None, command: str) -> dict[str, Any]:
    from wordlab.experiments import models
    from wordlab.experiments.catalog import EXPERIMENTS
    from wordlab.experiments.common import LEVELS
    from wordlab.experiments.report import section_to_dict, write_report

    runner = Runner(config)
    runnable = list(names)
    notes: dict[str, str] = {}
    if "ner" in runnable and config.ner_dir is None:
        if names == ["ner"]:
            raise WordlabError("the ner experiment needs CoNLL-2003 files: give --ner-data DIR")
        runnable.remove("ner")
        notes["ner"] = "skipped: no CoNLL-2003 folder (give --ner-data DIR)"
    if config.analogy is None and not config.similarity and runnable != ["sparsity"]:
        raise WordlabError("no evaluation data: give --analogy and/or --similarity (or --data DIR)")

    def plans(lvl: str) -> dict[str, list]:
        return {n: EXPERIMENTS[n].plan(runner, lvl) for n in runnable}

    estimates = {}
    if level is None:
        if config.quick:
            level = "quick"
        elif config.budget is None:
            level = "full"
        else:
            level = "quick"
            for lvl in LEVELS:
                specs = [s for rows in plans(lvl).values() for _, s in rows]
                estimates[lvl] = estimate_seconds(runner, specs)
                if estimates[lvl] <= config.budget:
                    level = lvl
    elif level not in LEVELS:
        raise WordlabError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    planned = plans(level)
    specs = [s for rows in planned.values() for _, s in rows]
    estimate = estimates.get(level) or estimate_seconds(runner, specs)
    runner.begin(runnable, level, estimate)
    runner.data["invocations"][-1]["command"] = command
    runner.data["invocations"][-1]["level_estimates_seconds"] = estimates
    if config.progress:
        print(
            f"[experiment] level {level}: {len(set(specs))} runs, about {estimate / 60:.0f} min "
            f"estimated for those not done yet",
            flush=True,
        )
    t0 = time.perf_counter()
    figures = Path(config.out) / "figures"
    for name in runnable:
        for _, spec in planned[name]:
            runner.run(spec, models.execute)
        section = EXPERIMENTS[name].summarize(runner, level, planned[name], figures)
        runner.data["experiments"][name] = {**section_to_dict(section), "level": level}
        runner.save()
        write_report(Path(config.out), runner.data, list(EXPERIMENT_NAMES))
    if notes:
        runner.data["invocations"][-1]["skipped"] = notes
    runner.data["invocations"][-1]["seconds"] = time.perf_counter() - t0
    runner.save()
    write_report(Path(config.out), runner.data, list(EXPERIMENT_NAMES))
    return runner.data
