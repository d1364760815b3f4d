"""Sparsity [Section 3.2]: non-zero co-occurrences |X| against corpus size |C|."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from wordlab.experiments import paper
from wordlab.experiments.common import (
    GRIDS,
    WINDOW,
    Experiment,
    Row,
    Section,
    base_section,
    prefix_sizes,
)
from wordlab.experiments.plots import figure
from wordlab.experiments.runner import Runner, Spec
from wordlab.experiments.svd import fit_power_law


def plan(runner: Runner, level: str) -> list[Row]:
    """Co-occurrence counts (window 10) on the corpus prefixes."""
    sizes = prefix_sizes(runner, GRIDS["sparsity_points"][level])
    return [({"words": w}, Spec.make("cooccur", w, window=WINDOW, symmetric=True)) for w in sizes]


def summarize(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """|X| against |C| on log-log axes with the fitted exponent."""
    pts = [(rec["tokens"], rec["entries"]) for _, s in rows if (rec := runner.record(s))]
    fit = fit_power_law(*zip(*pts, strict=True)) if len(pts) >= 2 else None
    with figure(figs, "sparsity") as (_, (ax,)):
        if pts:
            c, x = np.array(pts, float).T
            ax.loglog(c, x, "o", color="tab:blue", label="non-zero co-occurrences |X|")
            grid = np.geomspace(c.min(), c.max(), 50)
            if fit:
                ax.loglog(grid, fit["coefficient"] * grid ** fit["slope"], "-", color="tab:blue",
                          label=f"fit: |X| ∝ |C|^{fit['slope']:.3f}")  # fmt: skip
            mid = math.exp(np.log(c).mean()), math.exp(np.log(x).mean())
            ax.loglog(grid, mid[1] * (grid / mid[0]) ** paper.SPARSITY_EXPONENT, "--",
                      color="grey", label="paper: |X| ∝ |C|^0.8")  # fmt: skip
            ax.loglog(grid, mid[1] * (grid / mid[0]), ":", color="lightgrey", label="|X| ∝ |C|")
        ax.set_xlabel("corpus size |C| (tokens)")
        ax.set_ylabel("non-zero entries |X|")
        ax.set_title(f"Co-occurrence sparsity, window {WINDOW} (cf. paper Section 3.2)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    if fit:
        ok = abs(fit["slope"] - paper.SPARSITY_EXPONENT) <= 0.1
        verdict = (f"{'holds' if ok else 'does not hold'} (within 0.1): fitted exponent "
                   f"{fit['slope']:.3f}, R² {fit['r2']:.4f}, over {len(pts)} prefixes")  # fmt: skip
    else:
        verdict = "not enough runs to judge"
    lines = [
        r"| tokens \|C\| | vocabulary | non-zeros \|X\| | \|X\| / \|C\| | run |",
        "|---|---|---|---|---|",
    ]
    for _, s in rows:
        rec = runner.record(s)
        if rec:
            lines.append(f"| {rec['tokens']:,} | {rec['vocab_size']:,} | {rec['entries']:,} | "
                         f"{rec['entries'] / rec['tokens']:.2f} | `{s.key}` |")  # fmt: skip
    if fit:
        lines += ["", f"Least-squares fit in log-log space: |X| = {fit['coefficient']:.3g} · "
                      f"|C|^{fit['slope']:.3f} (R² {fit['r2']:.4f})."]  # fmt: skip
    c = runner.config
    return Section(
        **base_section(EXPERIMENT, runner, level, rows),
        grid=f"co-occurrences at window {WINDOW} (symmetric) on {len(rows)} prefixes, vocabulary "
        f"min-count {c.min_count}",
        table=lines,
        figures=["sparsity"],
        verdicts=[(paper.CLAIMS["sparsity"], verdict)],
        notes=["The vocabulary is the one the models train on (words seen at least min-count "
               "times in that prefix), so it grows with the prefix as the paper's does."],
    )  # fmt: skip


EXPERIMENT = Experiment(
    "sparsity", "Sparsity of the co-occurrence matrix", "Section 3.2", plan, summarize
)
