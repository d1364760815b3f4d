"""`wordlab experiment paper`: the GloVe paper's protocol, run over as many sittings as it takes.

A sitting prints the cost estimate first (the whole grid, what is left, what this `--budget`
fits), then runs the plan's runs in order, skipping those already in results.json and deferring
any whose estimate exceeds what is left of the budget; every finished run is saved at once, and
a GloVe run stopped inside continues from its checkpoint (experiments.partial). The plan is
re-made before every run: Fig. 4's word2vec runs appear once GloVe's run has been timed. At the end (or on an
interruption) every section is summarised and report.md rewritten from all runs so far.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from wordlab.errors import WordlabError
from wordlab.experiments import _single_threaded_blas
from wordlab.experiments.paper_cost import grid_seconds, run_seconds
from wordlab.experiments.paper_grid import VOCAB, Plan, plan
from wordlab.experiments.runner import Config, Runner, Spec


def run_paper(config: Config, command: str = "") -> dict[str, Any]:
    """Run (or resume) the paper grid on config.corpus and write OUT/report.md; return results."""
    with _single_threaded_blas():
        return _run(config, command)


def prepare(config: Config) -> Config:
    """The config the protocol needs: the 400,000 most frequent words unless --max-vocab says."""
    if config.analogy is None and not config.similarity:
        raise WordlabError("no evaluation data: give --analogy and/or --similarity (or --data DIR)")
    if config.max_vocab is None:
        config = dataclasses.replace(config, max_vocab=VOCAB)
    return config


def runnable(runner: Runner, specs: list[Spec]) -> list[Spec]:
    """The specs this sitting can run: NER needs the CoNLL-2003 folder."""
    return [s for s in specs if s.kind != "ner" or runner.config.ner_dir is not None]


def sitting_plan(runner: Runner, specs: list[Spec], budget: float | None) -> tuple[list, float]:
    """The runs not done that fit the budget, greedily in order, and their estimated seconds."""
    counted: set[Any] = set()
    chosen, total = [], 0.0
    for spec in specs:
        if runner.record(spec) is not None:
            continue
        trial = set(counted)
        cost = run_seconds(runner, spec, trial)
        if budget is None or total + cost <= budget:
            chosen.append(spec)
            total += cost
            counted = trial
    return chosen, total


def _run(config: Config, command: str) -> dict[str, Any]:
    from wordlab.experiments import models
    from wordlab.experiments.paper_report import PREFIX, summarize_all, write_report

    config = prepare(config)
    level = "quick" if config.quick else "paper"
    runner = Runner(config)
    others = [n for n in runner.data["experiments"] if not n.startswith(PREFIX)]
    if others:
        raise WordlabError(f"{config.out} holds other experiments ({', '.join(others)}); give "
                           "the paper grid its own --out folder")  # fmt: skip
    whole = runnable(runner, plan(runner, level, provisional=True).order)
    grid_total = grid_seconds(runner, whole, todo_only=False)
    left = grid_seconds(runner, whole)
    chosen, estimate = sitting_plan(runner, whole, config.budget)
    runner.begin(["paper"], level, estimate)
    inv = runner.data["invocations"][-1]
    inv.update(command=command, grid_runs=len(whole), grid_estimate_seconds=grid_total,
               left_estimate_seconds=left, sitting_runs=len(chosen))  # fmt: skip
    if config.ner_dir is None:
        inv["skipped"] = {"table4": "no CoNLL-2003 folder (give --ner-data DIR or --data DIR)"}
    done = sum(runner.record(s) is not None for s in whole)
    if config.progress:
        budget = "no budget" if config.budget is None else f"budget {config.budget / 3600:.2f} h"
        print(f"[paper] estimate (idle 2-core machine, paper_cost.py): whole grid {len(whole)} "
              f"runs, {grid_total / 3600:.2f} h; done {done}; left {len(whole) - done} runs, "
              f"{left / 3600:.2f} h; this sitting ({budget}): {len(chosen)} runs, "
              f"{estimate / 3600:.2f} h", flush=True)  # fmt: skip
    t0 = time.perf_counter()
    deferred: dict[str, float] = {}
    failed: dict[str, str] = {}
    current: Plan | None = None
    try:
        while True:
            current = plan(runner, level)
            todo = [s for s in runnable(runner, current.order)
                    if runner.record(s) is None and s.key not in deferred]  # fmt: skip
            if not todo:
                break
            spec = todo[0]
            cost = run_seconds(runner, spec)
            if config.budget is not None and cost > config.budget - (time.perf_counter() - t0):
                deferred[spec.key] = cost
                continue

            whole = run_seconds(runner, spec, remaining=False)  # a resumed run: all sittings

            def execute(r: Runner, s: Spec, whole: float = whole) -> dict[str, Any]:
                return {**models.execute(r, s), "estimated_seconds": whole}

            try:
                if runner.run(spec, execute) is None:  # the runner's own deadline passed
                    break
            except WordlabError as exc:  # one failed run (diverged, say) must not stop the rest
                failed[spec.key] = str(exc)
                deferred[spec.key] = cost
                if config.progress:
                    print(f"[paper] failed, left for later: {spec.key}: {exc}", flush=True)
    finally:
        inv["seconds"] = time.perf_counter() - t0
        inv["deferred"] = {k: round(v) for k, v in deferred.items() if k not in failed}
        inv["failed"] = failed
        if current is None:
            current = plan(runner, level)
        summarize_all(runner, level, current, Path(config.out) / "figures")
        runner.save()
        write_report(Path(config.out), runner.data)
    return runner.data
