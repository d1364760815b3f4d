"""`wordlab experiment --scheduler`: the independent runs of a grid spread over Dask workers.

The grid is planned here exactly as `run_experiments` plans it. Then, in three waves, workers
make what runs share (each corpus prefix, encoded once; each co-occurrence file, counted once),
then run every spec not yet in results.json, each with the runner and models of one machine,
and return its record. Records are written to results.json here, one writer, and
`run_experiments` then finds every run done and only summarizes, plots and reports. Every worker
must see `--corpus`, `--out` and the evaluation data at the same paths (a shared folder). Wall
times are measured on the workers; runs that share a worker's machine slow each other down, so
the training-time experiment is best given one worker per machine.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from wordlab.distributed.cluster import RETRIES, gather, require_input
from wordlab.errors import WordlabError
from wordlab.experiments import estimate_seconds, run_experiments
from wordlab.experiments.runner import Config, Runner, Spec

_COUNTED = ("glove", "svd", "cooccur")  # kinds that train on a shared co-occurrence file


class _WorkerRunner(Runner):
    """A runner on a worker: it runs specs but never writes results.json (the client does)."""

    def save(self) -> None:
        """Records go back to the client, the one writer of results.json."""


def _worker_runner(config: Config) -> Runner:
    require_input(config.corpus, "corpus")
    return _WorkerRunner(dataclasses.replace(config, progress=False, budget=None))


def prepare_corpus(config: Config, words: int | None) -> int:
    """Task: write and encode the corpus prefix of `words` tokens (None: the whole corpus)."""
    return _worker_runner(config).corpus(words).n_tokens


def prepare_cooccurrences(config: Config, words: int | None, window: int, symmetric: bool) -> int:
    """Task: count and shuffle the co-occurrences runs of this corpus and window share."""
    from wordlab.experiments.models import cooccurrences

    return int(cooccurrences(_worker_runner(config), words, window, symmetric)["entries"])


def run_spec(config: Config, spec: Spec) -> dict[str, Any]:
    """Task: train and score one spec; its results.json record."""
    from wordlab.experiments import models

    record = _worker_runner(config).run(spec, models.execute)
    assert record is not None  # no budget on a worker
    return record


def _counts_needed(spec: Spec) -> tuple[int | None, int, bool] | None:
    """The shared co-occurrence file a spec trains on, if any: (words, window, symmetric)."""
    p = spec.params
    if spec.kind in _COUNTED or (spec.kind == "ner" and p.get("vectors") == "glove"):
        return spec.words, p["window"], (True if spec.kind == "svd" else p.get("symmetric", True))
    return None


def plan(
    names: list[str], config: Config, level: str | None, runner: Runner
) -> tuple[str, list[Spec]]:
    """The grid level and the specs `run_experiments` would run (same rules, same estimates)."""
    from wordlab.experiments.catalog import EXPERIMENTS
    from wordlab.experiments.common import LEVELS

    runnable = [n for n in names if n != "ner" or config.ner_dir is not None]

    def specs_at(lvl: str) -> list[Spec]:
        return list(dict.fromkeys(s for n in runnable for _, s in EXPERIMENTS[n].plan(runner, lvl)))

    if level is None:
        level = "quick" if config.quick or config.budget is not None else "full"
        if config.budget is not None and not config.quick:
            for lvl in LEVELS:
                if estimate_seconds(runner, specs_at(lvl)) <= config.budget:
                    level = lvl
    return level, specs_at(level)


def run_experiments_on(
    client: Any, names: list[str], config: Config, level: str | None = None, command: str = ""
) -> dict[str, Any]:
    """`run_experiments`, with every missing run computed on the cluster of `client`."""
    from wordlab.experiments.catalog import EXPERIMENTS

    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise WordlabError(f"--scheduler runs the paper's experiments, not {', '.join(unknown)}")
    if "ner" in names and config.ner_dir is None and names == ["ner"]:
        raise WordlabError("the ner experiment needs CoNLL-2003 files: give --ner-data DIR")
    if config.analogy is None and not config.similarity and names != ["sparsity"]:
        raise WordlabError("no evaluation data: give --analogy and/or --similarity (or --data DIR)")
    progress = config.progress
    gather(client, [client.submit(prepare_corpus, config, None, pure=False)], "corpus", progress)
    runner = Runner(config)  # the client's: the whole corpus is now encoded in OUT/cache
    level, specs = plan(names, config, level, runner)
    todo = [s for s in specs if runner.record(s) is None]
    prefixes = sorted({s.words for s in todo if s.words is not None})
    futures = [client.submit(prepare_corpus, config, w, pure=False) for w in prefixes]
    gather(client, futures, "corpus prefixes", progress)
    shared = sorted({c for s in todo if (c := _counts_needed(s)) is not None}, key=str)
    futures = [client.submit(prepare_cooccurrences, config, *c, pure=False) for c in shared]
    gather(client, futures, "co-occurrences", progress)
    futures = [client.submit(run_spec, config, s, retries=RETRIES, pure=False) for s in todo]
    for spec, record in zip(todo, gather(client, futures, "runs", progress), strict=True):
        runner.data["runs"][spec.key] = record
    runner.save()
    return run_experiments(names, config, level=level, command=command)
