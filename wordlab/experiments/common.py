"""What the experiments share: grid levels, the report section, run-spec and table helpers.

An experiment (one module each: vector_size, window, corpus_size, training_time, methods, sparsity,
ner) is a `plan` (level -> labelled run specs) and a `summarize` (records -> a report section:
table, figures, and one verdict line per paper claim). Grid levels, sparse to dense: quick (a tiny
grid, for trying it out and for tests), small, medium, full (the paper's grids, with fewer GloVe
epochs than its 50-100). `--budget` picks the densest level whose estimated time fits; runs
already done cost nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.experiments.runner import Runner, Spec

LEVELS = ("quick", "small", "medium", "full")

GRIDS: dict[str, dict[str, Any]] = {
    "dims": {
        "quick": [10, 25, 50],
        "small": [25, 50, 100, 200],
        "medium": [25, 50, 100, 200, 300],
        "full": [25, 50, 100, 200, 300, 400, 600],
    },
    "dim": {"quick": 25, "small": 50, "medium": 100, "full": 100},  # window, corpus-size, time
    "methods_dim": {"quick": 25, "small": 50, "medium": 100, "full": 300},
    "glove_epochs": {"quick": 3, "small": 10, "medium": 15, "full": 20},
    "w2v_epochs": {"quick": 1, "small": 1, "medium": 3, "full": 5},
    "windows": {
        "quick": [2, 6, 10],
        "small": [2, 6, 10],
        "medium": [2, 4, 6, 8, 10],
        "full": [2, 4, 6, 8, 10],
    },
    "prefixes": {"quick": 3, "small": 4, "medium": 5, "full": 7},  # corpus / 2**k, k < n
    "sparsity_points": {"quick": 4, "small": 5, "medium": 6, "full": 7},
    "iterations": {
        "quick": [1, 2, 3],
        "small": [1, 2, 3, 5],
        "medium": [1, 2, 3, 5, 10],
        "full": [1, 2, 3, 5, 10, 15, 20, 25],
    },
    "negatives": {
        "quick": [1, 5],
        "small": [1, 5, 10],
        "medium": [1, 3, 5, 10, 15],
        "full": [1, 3, 5, 10, 15, 20, 25],
    },
    "ner": {  # CoNLL sentences (None: all), CRF iteration caps and L2 penalties tried on dev
        "quick": {"train": 300, "eval": 300, "iterations": [30], "c2": [0.1]},
        "small": {"train": 3000, "eval": None, "iterations": [60], "c2": [0.1]},
        "medium": {"train": None, "eval": None, "iterations": [100], "c2": [0.1]},
        "full": {"train": None, "eval": None, "iterations": [200], "c2": [0.01, 0.1]},
    },
}
WINDOW = 10  # the paper's window for everything but the window sweep
CONTEXTS = 10_000  # SVD baselines: the 10,000 most frequent words as contexts
SVD_POWER = 1.0  # vectors U * S
MIN_PREFIX = 2_000  # tokens: smaller prefixes are left out of the size sweeps

Row = tuple[dict[str, Any], Spec]


@dataclass
class Section:
    """What an experiment contributes to the report."""

    name: str
    title: str
    reference: str
    grid: str  # what was run, in words
    table: list[str]  # markdown lines
    figures: list[str]  # file stems under figures/
    verdicts: list[tuple[str, str]]  # (claim, "holds: ..." / "does not hold: ..." / "...")
    runs: list[str]  # run keys, for traceability
    missing: list[str]  # run keys not run (budget spent)
    notes: list[str]


@dataclass
class Experiment:
    """A reproduction: its name, the paper figure or table, its plan and its summary."""

    name: str
    title: str
    reference: str
    plan: Callable[[Runner, str], list[Row]]
    summarize: Callable[[Runner, str, list[Row], Path], Section]


def glove(words: int | None, dim: int, window: int, epochs: int, **extra: Any) -> Spec:
    """A GloVe run spec."""
    return Spec.make("glove", words, dim=dim, window=window, epochs=epochs, **extra)


def prefix_sizes(runner: Runner, points: int) -> list[int | None]:
    """Corpus prefixes of n/2**k tokens for k < points, smallest first; None is the whole corpus."""
    n = runner.corpus().n_tokens
    sizes: list[int | None] = [None]
    for k in range(1, points):
        size = n >> k
        if size < MIN_PREFIX:
            break
        sizes.insert(0, size)
    return sizes


def scores_of(runner: Runner, spec: Spec) -> dict[str, Any] | None:
    """The scores of a finished run, or None."""
    rec = runner.record(spec)
    return None if rec is None else rec.get("scores")


def fmt(value: float | None, digits: int = 1) -> str:
    """A number for a table, or a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def accuracy_table(runner: Runner, rows: list[Row], label: str, labels: list[str]) -> list[str]:
    """Markdown table of analogy accuracy (and similarity) for labelled runs."""
    sims = list(runner.config.similarity)
    head = [label, "semantic %", "syntactic %", "total %", *[f"{s} ρ×100" for s in sims], "run"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for text, (_, spec) in zip(labels, rows, strict=True):
        s = scores_of(runner, spec)
        if s is None:
            cells = ["not run (budget)"] + ["-"] * (len(head) - 3)
        else:
            cells = [fmt(s.get("semantic")), fmt(s.get("syntactic")), fmt(s.get("total"))]
            cells += [fmt(s.get(name)) for name in sims]
        lines.append(f"| {text} | " + " | ".join(cells) + f" | `{spec.key}` |")
    return lines


def base_section(exp: Experiment, runner: Runner, level: str, rows: list[Row]) -> dict[str, Any]:
    """The fields every section shares: runs done and runs missing."""
    keys = list(dict.fromkeys(spec.key for _, spec in rows))
    missing = [k for k in keys if k not in runner.data["runs"]]
    return {"name": exp.name, "title": exp.title, "reference": exp.reference, "runs": keys,
            "missing": missing}  # fmt: skip


FLAT = 0.5  # accuracy points: scores spread less than this say nothing about a trend


def judge(ok: bool, values: Any) -> str:
    """'holds' / 'does not hold', or 'inconclusive' when the scores compared barely differ."""
    vals = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if len(vals) < 2 or max(vals) - min(vals) < FLAT:
        return f"inconclusive (scores within {FLAT} points)"
    return "holds" if ok else "does not hold"


def known_points(xs: list[float], ys: list[float | None]) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) points whose y is known, as two arrays: runs not done are left out of fits."""
    pts = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
    return np.array([p[0] for p in pts], float), np.array([p[1] for p in pts], float)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Rank correlation of y with x (NaN below 3 points or for constant y): is a trend monotone?"""
    if len(x) < 3 or np.ptp(y) == 0:
        return float("nan")
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])
