"""Window size and asymmetric contexts [Fig. 2b, 2c]: GloVe accuracy against window size."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wordlab.experiments import paper
from wordlab.experiments.common import (
    GRIDS,
    Experiment,
    Row,
    Section,
    accuracy_table,
    base_section,
    glove,
    judge,
    known_points,
    scores_of,
    spearman,
)
from wordlab.experiments.plots import accuracy_lines, figure
from wordlab.experiments.runner import Runner


def plan(runner: Runner, level: str) -> list[Row]:
    """GloVe for each window, symmetric and left-only."""
    d, e = GRIDS["dim"][level], GRIDS["glove_epochs"][level]
    return [
        ({"window": w, "symmetric": sym}, glove(None, d, w, e, symmetric=sym))
        for sym in (True, False)
        for w in GRIDS["windows"][level]
    ]


def summarize(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against window size, symmetric and asymmetric."""
    by = {(r["window"], r["symmetric"]): scores_of(runner, s) or {} for r, s in rows}
    windows = sorted({r["window"] for r, _ in rows})
    with figure(figs, "window", ncols=2) as (fig, axes):
        for ax, sym, panel in zip(axes, (True, False), ("2b", "2c"), strict=True):
            accuracy_lines(ax, windows, [by[(w, sym)] for w in windows])
            ax.set_xlabel(f"window size (context words {'on each side' if sym else 'to the left'})")
            ax.set_title(
                f"{'Symmetric' if sym else 'Asymmetric (left-only)'} context (cf. Fig. {panel})"
            )
        lo = min(ax.get_ylim()[0] for ax in axes)
        hi = max(ax.get_ylim()[1] for ax in axes)
        for ax in axes:
            ax.set_ylim(lo, hi)
        axes[0].legend()
    verdicts = []
    x_sem, y_sem = known_points(windows, [by[(w, True)].get("semantic") for w in windows])
    x_syn, y_syn = known_points(windows, [by[(w, True)].get("syntactic") for w in windows])
    if len(x_sem) >= 3:
        rho = spearman(x_sem, y_sem)
        best = x_sem[int(np.argmax(y_sem))]
        verdicts.append(
            (
                "semantic accuracy prefers large windows (symmetric)",
                f"{judge(rho > 0, y_sem)}: rank correlation {rho:+.2f} between "
                f"window and semantic accuracy, best at window {best:g}",
            )  # fmt: skip
        )
    if len(x_syn) >= 3:
        rho = spearman(x_syn, y_syn)
        best = x_syn[int(np.argmax(y_syn))]
        ok = rho < 0 or best <= np.median(x_syn)
        verdicts.append(
            (
                "syntactic accuracy prefers small windows (symmetric)",
                f"{judge(ok, y_syn)}: rank correlation {rho:+.2f}, best at window {best:g}",
            )  # fmt: skip
        )
    small = [w for w in windows if w <= 4] or windows[:1]
    diffs = [
        by[(w, False)]["syntactic"] - by[(w, True)]["syntactic"]
        for w in small
        if by[(w, False)].get("syntactic") is not None
        and by[(w, True)].get("syntactic") is not None
    ]
    if diffs:
        verdicts.append(
            (
                "syntactic accuracy prefers asymmetric (left-only) windows at small sizes",
                f"{judge(np.mean(diffs) > 0, [0.0, *diffs])}: left-only minus symmetric "
                f"syntactic accuracy {np.mean(diffs):+.1f} points at windows {small}",
            )  # fmt: skip
        )
    labels = [f"{r['window']} {'sym' if r['symmetric'] else 'left'}" for r, _ in rows]
    d = rows[0][1].params
    return Section(
        **base_section(EXPERIMENT, runner, level, rows),
        grid=f"GloVe dim {d['dim']}, {d['epochs']} epochs, windows {windows}, symmetric and left-only",
        table=accuracy_table(runner, rows, "window", labels),
        figures=["window"],
        verdicts=verdicts or [(paper.CLAIMS["window"], "not enough runs to judge")],
        notes=[],
    )


EXPERIMENT = Experiment(
    "window", "Window size and asymmetric contexts", "Fig. 2b, 2c", plan, summarize
)
