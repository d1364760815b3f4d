"""Corpus size [Fig. 3]: GloVe accuracy on prefixes of halving sizes of the corpus."""

from __future__ import annotations

from pathlib import Path

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
    prefix_sizes,
    scores_of,
    spearman,
)
from wordlab.experiments.plots import accuracy_lines, figure
from wordlab.experiments.runner import Runner


def plan(runner: Runner, level: str) -> list[Row]:
    """GloVe on corpus prefixes of halving sizes."""
    d, e = GRIDS["dim"][level], GRIDS["glove_epochs"][level]
    sizes = prefix_sizes(runner, GRIDS["prefixes"][level])
    return [({"words": w}, glove(w, d, WINDOW, e)) for w in sizes]


def _tokens(runner: Runner, words: int | None) -> int:
    return runner.corpus().n_tokens if words is None else words


def summarize(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against corpus size."""
    sizes = [_tokens(runner, r["words"]) for r, _ in rows]
    scores = [scores_of(runner, s) or {} for _, s in rows]
    with figure(figs, "corpus-size") as (_, (ax,)):
        accuracy_lines(ax, [n / 1e6 for n in sizes], scores)
        ax.set_xscale("log", base=2)
        ax.set_xticks([n / 1e6 for n in sizes], [f"{n / 1e6:.3g}" for n in sizes])
        ax.minorticks_off()
        ax.set_xlabel("corpus size (million tokens, prefixes of the corpus)")
        ax.set_title("GloVe analogy accuracy vs corpus size (cf. paper Fig. 3)")
        ax.legend()
    verdicts = []
    x, y = known_points(sizes, [s.get("syntactic") for s in scores])
    if len(x) >= 3:
        rho = spearman(x, y)
        verdicts.append(
            (
                paper.CLAIMS["corpus-size"],
                f"{judge(rho > 0.7 and y[-1] > y[0], y)}: rank correlation "
                f"{rho:+.2f}, syntactic {y[0]:.1f}% -> {y[-1]:.1f}%",
            )  # fmt: skip
        )
    else:
        verdicts.append((paper.CLAIMS["corpus-size"], "not enough runs to judge"))
    xs, ys = known_points(sizes, [s.get("semantic") for s in scores])
    if len(xs) >= 2:
        verdicts.append(
            (
                "semantic accuracy depends on the corpus (not a monotone claim)",
                f"for reference: semantic {ys[0]:.1f}% -> {ys[-1]:.1f}% over the prefixes",
            )  # fmt: skip
        )
    labels = [f"{n:,}" for n in sizes]
    d = rows[0][1].params
    return Section(
        **base_section(EXPERIMENT, runner, level, rows),
        grid=f"GloVe dim {d['dim']}, window {WINDOW}, {d['epochs']} epochs on prefixes of "
        f"{', '.join(labels)} tokens",
        table=accuracy_table(runner, rows, "tokens", labels),
        figures=["corpus-size"],
        verdicts=verdicts,
        notes=["Fig. 3 of the paper compares different corpora (Wikipedia, Gigaword); here the "
               "sizes are prefixes of one corpus, so only the size trend is comparable."],
    )  # fmt: skip


EXPERIMENT = Experiment("corpus-size", "Corpus size", "Fig. 3", plan, summarize)
