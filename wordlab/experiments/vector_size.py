"""Vector size [Fig. 2a]: GloVe accuracy against vector dimension."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wordlab.experiments import paper
from wordlab.experiments.common import (
    GRIDS,
    WINDOW,
    Experiment,
    Row,
    Section,
    accuracy_table,
    base_section,
    glove,
    judge,
    known_points,
    scores_of,
)
from wordlab.experiments.plots import accuracy_lines, figure
from wordlab.experiments.runner import Runner


def plan(runner: Runner, level: str) -> list[Row]:
    """GloVe at each dimension of the grid, window 10."""
    e = GRIDS["glove_epochs"][level]
    return [({"dim": d}, glove(None, d, WINDOW, e)) for d in GRIDS["dims"][level]]


def summarize(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against dimension; does the gain flatten beyond ~200 dims?"""
    dims = [r[0]["dim"] for r in rows]
    scores = [scores_of(runner, s) or {} for _, s in rows]
    with figure(figs, "vector-size") as (_, (ax,)):
        accuracy_lines(ax, dims, scores)
        ax.set_xlabel("vector dimension")
        ax.set_title(f"GloVe analogy accuracy vs vector size (window {WINDOW})\ncf. paper Fig. 2a")
        ax.legend()
    x, y = known_points(dims, [s.get("total") for s in scores])
    verdict = "not enough runs to judge"
    if len(x) >= 3:
        split = 200 if x.min() < 200 < x.max() else float(np.median(x))
        lo, hi = x[x <= split], x[x >= split]
        y_split = float(np.interp(split, x, y))
        gain_lo = (y_split - y[x == lo.min()][0]) / max(split - lo.min(), 1)
        gain_hi = (y[x == hi.max()][0] - y_split) / max(hi.max() - split, 1)
        ok = gain_hi < gain_lo
        verdict = (
            f"{judge(ok, y)}: {gain_lo:+.3f} points per dimension up to "
            f"{split:g} dims, {gain_hi:+.3f} beyond"
        )
        if split != 200:
            verdict += " (grid does not straddle 200 dims: split at the median)"
    return Section(
        **base_section(EXPERIMENT, runner, level, rows),
        grid=f"GloVe, dims {dims}, window {WINDOW} symmetric, {rows[0][1].params['epochs']} epochs",
        table=accuracy_table(runner, rows, "dim", [str(d) for d in dims]),
        figures=["vector-size"],
        verdicts=[(paper.CLAIMS["vector-size"], verdict)],
        notes=["The paper trains 50 epochs below 300 dimensions and 100 above; we train fewer."],
    )


EXPERIMENT = Experiment("vector-size", "Vector size", "Fig. 2a", plan, summarize)
