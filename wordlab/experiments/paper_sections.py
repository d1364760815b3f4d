"""The paper grid's figures: Fig. 2a (vector size), 2b-c (window), 3 (corpus size), 4 (time).

Each function turns the records of a section's runs into a report Section: a table, figures and
one verdict per claim (paper_followup decides them and adds the follow-up work).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from wordlab.experiments import paper_followup as fu
from wordlab.experiments.common import (
    Row,
    Section,
    accuracy_table,
    fmt,
    known_points,
    scores_of,
    spearman,
)
from wordlab.experiments.paper_grid import GRIDS, WINDOW
from wordlab.experiments.plots import accuracy_lines, figure
from wordlab.experiments.runner import Runner
from wordlab.experiments.svd import fit_power_law

PAPER_SPARSITY = 0.8


def base(name: str, title: str, reference: str, runner: Runner, rows: list[Row]) -> dict[str, Any]:
    """The Section fields every section shares: its runs, and those not run yet."""
    keys = list(dict.fromkeys(spec.key for _, spec in rows))
    return {"name": name, "title": title, "reference": reference, "runs": keys,
            "missing": [k for k in keys if k not in runner.data["runs"]]}  # fmt: skip


def legend(ax: Any, **options: Any) -> None:
    """A legend, when something is drawn (a partly run grid may have nothing to show yet)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**options)


def late_gain(rec: dict[str, Any] | None, key: str = "total") -> tuple[float, int] | None:
    """Accuracy gained over a GloVe run's last tenth of epochs (from its scored checkpoints)."""
    pts = [(p["epochs"], p["scores"].get(key)) for p in (rec or {}).get("checkpoints", [])]
    pts = [p for p in pts if p[1] is not None]
    if len(pts) < 2:
        return None
    last_e, last_a = pts[-1]
    earlier = [p for p in pts[:-1] if p[0] <= last_e - max(1, last_e // 10)] or pts[:1]
    return last_a - earlier[-1][1], last_e - earlier[-1][0]


def convergence_note(rec: dict[str, Any] | None) -> str:
    """'GloVe gained +x points over its last k epochs', the curve's verdict on convergence."""
    gain = late_gain(rec)
    if gain is None:
        return "GloVe's curve is not known yet"
    return f"GloVe gained {gain[0]:+.1f} points (total) over its last {gain[1]} epochs"


def _labels(rows: list[Row], key: str) -> list[str]:
    return [f"{r[key]} ({s.params['epochs']} epochs)" for r, s in rows]


def fig2a(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against vector size: do the gains diminish beyond about 200 dimensions?"""
    g = GRIDS[level]
    dims = [r["dim"] for r, _ in rows]
    scores = [scores_of(runner, s) or {} for _, s in rows]
    with figure(figs, "paper-fig2a") as (_, (ax,)):
        accuracy_lines(ax, dims, scores)
        ax.axvline(g.large_dim, color="grey", ls=":", lw=1)
        ax.text(g.large_dim, ax.get_ylim()[0], f" {g.epochs[1]} epochs from here", fontsize=8,
                color="grey", va="bottom")  # fmt: skip
        ax.set_xlabel("vector dimension")
        ax.set_title(f"GloVe accuracy vs vector size, window {WINDOW} (cf. paper Fig. 2a)")
        legend(ax)
    x, y = known_points(dims, [s.get("total") for s in scores])
    text = "not enough runs to judge"
    if len(x) >= 3:
        split = 200.0 if x.min() < 200 < x.max() else float(np.median(x))
        y_split = float(np.interp(split, x, y))
        gain_lo, gain_hi = y_split - y[0], y[-1] - y_split
        # the margin: what the gain beyond `split` would be at the rate below it, minus what it is
        margin = gain_lo / (split - x[0]) * (x[-1] - split) - gain_hi
        status = fu.decide(margin, fu.ANALOGY_SPREAD)
        text = fu.verdict(status, f"total {y[0]:.1f}% at {x[0]:g} dims, {y_split:.1f}% at "
                          f"{split:g}, {y[-1]:.1f}% at {x[-1]:g}: {gain_hi:+.1f} points beyond "
                          f"{split:g} where the rate below it would give {gain_hi + margin:+.1f}",
                          "fig2a")  # fmt: skip
    return Section(
        **base("paper-fig2a", "Vector size", "Fig. 2a", runner, rows),
        grid=f"GloVe on the whole corpus, window {WINDOW} symmetric, dims {dims}, "
        f"{g.epochs[0]} epochs below {g.large_dim} dimensions and {g.epochs[1]} at or above",
        table=accuracy_table(runner, rows, "dim", _labels(rows, "dim")),
        figures=["paper-fig2a"],
        verdicts=[(fu.CLAIMS["fig2a"], text)],
        notes=[f"The epochs double at {g.large_dim} dimensions, as in the paper: the curve's step "
               "there is partly that."],
    )  # fmt: skip


def fig2bc(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against window size, symmetric (2b) and left-only (2c)."""
    by = {(r["window"], r["symmetric"]): scores_of(runner, s) or {} for r, s in rows}
    windows = sorted({r["window"] for r, _ in rows})
    with figure(figs, "paper-fig2bc", ncols=2) as (_, axes):
        for ax, sym, panel in zip(axes, (True, False), ("2b", "2c"), strict=True):
            accuracy_lines(ax, windows, [by[(w, sym)] for w in windows])
            ax.set_xlabel(f"window size (words {'on each side' if sym else 'to the left'})")
            ax.set_title(f"{'Symmetric' if sym else 'Left-only'} window (cf. Fig. {panel})")
        lo, hi = min(a.get_ylim()[0] for a in axes), max(a.get_ylim()[1] for a in axes)
        for ax in axes:
            ax.set_ylim(lo, hi)
        legend(axes[0])

    def part(key: str, sym: bool = True) -> tuple[np.ndarray, np.ndarray]:
        return known_points(windows, [by[(w, sym)].get(key) for w in windows])

    verdicts = []
    x, y = part("semantic")
    if len(x) >= 2:
        rho = spearman(x, y)
        detail = (f"semantic {y[0]:.1f}% at window {x[0]:g} -> {y[-1]:.1f}% at {x[-1]:g}, "
                  f"rank correlation {fmt(rho, 2)}")  # fmt: skip
        status = fu.decide(y[-1] - y[0], fu.ANALOGY_SPREAD)
        verdicts.append((fu.CLAIMS["fig2b-semantic"], fu.verdict(status, detail, "fig2b")))
    x, y = part("syntactic")
    if len(x) >= 2:
        small = x <= max(4, x.min())
        best_small = float(y[small].max())
        detail = (f"best syntactic at windows <= {x[small].max():g}: {best_small:.1f}%, at window "
                  f"{x[-1]:g}: {y[-1]:.1f}%; best overall at window {x[int(np.argmax(y))]:g}")  # fmt: skip
        status = fu.decide(best_small - y[-1], fu.ANALOGY_SPREAD)
        verdicts.append((fu.CLAIMS["fig2b-syntactic"], fu.verdict(status, detail, "fig2b")))
    diffs = [(w, by[(w, False)]["syntactic"] - by[(w, True)]["syntactic"])
             for w in windows if w <= max(4, windows[0])
             and by[(w, False)].get("syntactic") is not None
             and by[(w, True)].get("syntactic") is not None]  # fmt: skip
    if diffs:
        mean = float(np.mean([d for _, d in diffs]))
        detail = "left-only minus symmetric syntactic accuracy " + ", ".join(
            f"{d:+.1f} at window {w}" for w, d in diffs
        )
        verdicts.append((fu.CLAIMS["fig2c"],
                         fu.verdict(fu.decide(mean, fu.ANALOGY_SPREAD), detail, "fig2b")))  # fmt: skip
    labels = [f"{r['window']} {'sym' if r['symmetric'] else 'left'}" for r, _ in rows]
    p = rows[0][1].params
    return Section(
        **base("paper-fig2bc", "Window size and type", "Fig. 2b, 2c", runner, rows),
        grid=f"GloVe dim {p['dim']}, {p['epochs']} epochs, windows {windows}, symmetric and "
        "left-only (the paper: dim 100)",
        table=accuracy_table(runner, rows, "window", labels),
        figures=["paper-fig2bc"],
        verdicts=verdicts or [(fu.CLAIMS["fig2b-semantic"], "not enough runs to judge")],
        notes=["Smaller windows give fewer non-zero co-occurrences, so their epochs are shorter: "
               "every window trains the same number of epochs, as in the paper."],
    )  # fmt: skip


def fig3(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against corpus size (prefixes), and the sparsity exponent of their counts."""
    n_all = runner.corpus().n_tokens
    sizes = [n_all if r["words"] is None else r["words"] for r, _ in rows]
    scores = [scores_of(runner, s) or {} for _, s in rows]
    with figure(figs, "paper-fig3") as (_, (ax,)):
        accuracy_lines(ax, [n / 1e6 for n in sizes], scores)
        ax.set_xscale("log", base=2)
        ax.set_xticks([n / 1e6 for n in sizes], [f"{n / 1e6:.3g}" for n in sizes])
        ax.minorticks_off()
        ax.set_xlabel("corpus size (million tokens, prefixes of the corpus)")
        ax.set_title("GloVe accuracy vs corpus size (cf. paper Fig. 3)")
        legend(ax)
    verdicts = []
    x, y = known_points(sizes, [s.get("syntactic") for s in scores])
    if len(x) >= 2:
        steps = np.diff(y)
        detail = (
            "syntactic "
            + " -> ".join(f"{v:.1f}%" for v in y)
            + (f" over {len(x)} sizes; smallest step {steps.min():+.1f} points")
        )
        status = fu.decide(float(steps.min()), fu.ANALOGY_SPREAD)
        verdicts.append((fu.CLAIMS["fig3"], fu.verdict(status, detail, "fig3")))
    else:
        verdicts.append((fu.CLAIMS["fig3"], "not enough runs to judge"))
    pts = [(n, rec["entries"]) for n, (_, s) in zip(sizes, rows, strict=True)
           if (rec := runner.record(s))]  # fmt: skip
    if len(pts) >= 3:
        fit = fit_power_law(*zip(*pts, strict=True))
        off = abs(fit["slope"] - PAPER_SPARSITY)
        status = fu.HOLDS if off <= 0.1 else fu.FAILS
        verdicts.append((fu.CLAIMS["sparsity"], fu.verdict(
            status, f"fitted exponent {fit['slope']:.3f} (R² {fit['r2']:.4f}) over {len(pts)} "
            f"sizes; within 0.1 of 0.8 counts as holding", "sparsity")))  # fmt: skip
    table = accuracy_table(runner, rows, "tokens", [f"{n:,}" for n in sizes])
    table += ["", r"| tokens | vocabulary | non-zeros \|X\| |", "|---|---|---|"]
    for n, (_, s) in zip(sizes, rows, strict=True):
        rec = runner.record(s)
        if rec:
            table.append(f"| {n:,} | {rec['vocab_size']:,} | {rec['entries']:,} |")
    p = rows[-1][1].params
    return Section(
        **base("paper-fig3", "Corpus size", "Fig. 3", runner, rows),
        grid=f"GloVe dim {p['dim']}, window {WINDOW}, {p['epochs']} epochs on prefixes of "
        + ", ".join(f"{n:,}" for n in sizes) + " tokens",
        table=table,
        figures=["paper-fig3"],
        verdicts=verdicts,
        notes=["The paper's Fig. 3 compares different corpora (Wikipedia 2010/2014, Gigaword 5, "
               "Common Crawl); here the sizes are prefixes of one corpus, so only the size trend "
               "compares. Each prefix has its own vocabulary (same rule)."],
    )  # fmt: skip


def glove_curve(rec: dict[str, Any] | None) -> list[tuple[float, float, int]]:
    """(training seconds, total accuracy, epochs) after each scored epoch of a GloVe run."""
    return [(p["train_seconds"], p["scores"]["total"], p["epochs"])
            for p in (rec or {}).get("checkpoints", [])
            if p["scores"].get("total") is not None]  # fmt: skip


def fig4(runner: Runner, level: str, rows: list[Row], figs: Path, waiting: list[str]) -> Section:
    """Accuracy against training time: GloVe after each epoch of one run, word2vec by negatives."""
    main = runner.record(rows[0][1])
    g = glove_curve(main)
    rivals: dict[str, list[tuple[float, float, int]]] = {"cbow": [], "sg": []}
    for r, s in rows[1:]:
        rec = runner.record(s)
        if rec is not None and rec["scores"].get("total") is not None:
            rivals[r["model"]].append((rec["train_seconds"], rec["scores"]["total"], r["negative"]))
    longest = max([p[0] for p in g] + [p[0] for c in rivals.values() for p in c] + [0.0])
    scale, unit = (60.0, "minutes") if longest > 300 else (1.0, "seconds")
    with figure(figs, "paper-fig4", ncols=2) as (_, axes):
        for ax, rival in zip(axes, ("cbow", "sg"), strict=True):
            if g:
                ax.plot([p[0] / scale for p in g], [p[1] for p in g], "-", marker=".",
                        color="tab:green", label="GloVe, after each epoch (one run)")  # fmt: skip
            pts = sorted(rivals[rival])
            if pts:
                ax.plot([p[0] / scale for p in pts], [p[1] for p in pts], "-o", color="tab:purple",
                        label=f"{rival} (label: negative samples)")  # fmt: skip
                for t, a, n in pts:
                    ax.annotate(str(n), (t / scale, a), textcoords="offset points", xytext=(3, 4),
                                fontsize=8, color="tab:purple")  # fmt: skip
            ax.set_xlabel(f"training time ({unit}; GloVe's includes counting and shuffling)")
            ax.set_ylabel("analogy accuracy, total (%)")
            ax.set_title(f"GloVe vs {'CBOW' if rival == 'cbow' else 'skip-gram'} (cf. Fig. 4)")
            ax.grid(alpha=0.3)
            legend(ax, fontsize=8)
    verdicts = []
    gt, ga = np.array([p[0] for p in g]), np.array([p[1] for p in g])
    for rival in ("cbow", "sg"):
        pts = rivals[rival]
        inside = [(t, a) for t, a, _ in pts if len(g) >= 2 and gt.min() <= t <= gt.max()]
        if inside:
            diffs = [float(np.interp(t, gt, ga)) - a for t, a in inside]
            detail = (f"GloVe ahead at {sum(d > 0 for d in diffs)} of {len(inside)} {rival} points "
                      f"within its time range, by {np.mean(diffs):+.1f} points on average; best "
                      f"GloVe {ga.max():.1f}%, best {rival} {max(a for _, a, _ in pts):.1f}%; "
                      + convergence_note(main))  # fmt: skip
            text = fu.verdict(fu.decide(float(np.mean(diffs)), fu.ANALOGY_SPREAD), detail, "fig4")
        else:
            text = "not enough runs to judge"
            if pts and g:
                text = f"{fu.UNSURE}: no {rival} run falls within GloVe's time range"
        verdicts.append((fu.CLAIMS[f"fig4-{rival}"], text))
        few = [a for _, a, n in pts if n <= 10]
        many = [a for _, a, n in pts if n > 10]
        if few and many:
            detail = (f"{rival}: best {max(few):.1f}% with <= 10 negatives, {max(many):.1f}% with "
                      "more (same epochs)")  # fmt: skip
            status = fu.decide(max(few) - max(many), fu.ANALOGY_SPREAD)
            verdicts.append((f"{fu.CLAIMS['fig4-negatives']} ({rival})",
                             fu.verdict(status, detail, "fig4-negatives")))  # fmt: skip
    curve_figure(main, figs)
    lines = [
        "| model | epochs | negatives | training s | total % | run |",
        "|---|---|---|---|---|---|",
    ]
    for t, a, e in g:
        lines.append(f"| GloVe | {e} | - | {t:.0f} | {a:.1f} | `{rows[0][1].key}` |")
    for r, s in rows[1:]:
        rec = runner.record(s)
        cells = (
            ("not run yet", "-")
            if rec is None
            else (
                f"{rec['train_seconds']:.0f}",
                fmt(rec["scores"].get("total")),
            )
        )
        lines.append(f"| {r['model']} | {s.params['epochs']} | {r['negative']} | {cells[0]} | "
                     f"{cells[1]} | `{s.key}` |")  # fmt: skip
    p = rows[0][1].params
    epochs = {r["model"]: s.params["epochs"] for r, s in rows[1:]}
    return Section(
        **base("paper-fig4", "Training time", "Fig. 4", runner, rows),
        grid=f"dim {p['dim']}, window {WINDOW}: one GloVe run of {p['epochs']} epochs scored after "
        f"every epoch; word2vec CBOW and skip-gram with negatives {list(GRIDS[level].negatives)}, "
        f"epochs per model {epochs or 'not set yet'}",
        table=lines,
        figures=["paper-fig4", "paper-glove-curve"],
        verdicts=verdicts,
        notes=[*waiting,
               "The paper ran word2vec for one epoch and varied only the negative samples (its "
               "code assumed a single pass). Here each model gets the epochs that make its "
               "most-negatives run last about as long as GloVe's whole run (from measured "
               "times), so the curves overlap in time; all its runs use those epochs.",
               "Scoring time is excluded from training time; GloVe's includes counting and "
               "shuffling the co-occurrences, as the paper's does."],
    )  # fmt: skip


def curve_figure(rec: dict[str, Any] | None, figs: Path) -> None:
    """GloVe's main run after each epoch: accuracy and training cost (is it converged?)."""
    pts = (rec or {}).get("checkpoints", [])
    with figure(figs, "paper-glove-curve") as (_, (ax,)):
        accuracy_lines(ax, [p["epochs"] for p in pts], [p["scores"] for p in pts])
        ax.set_xlabel("epochs (one run, scored after each)")
        if rec:
            twin = ax.twinx()
            twin.plot(range(1, len(rec["costs"]) + 1), rec["costs"], color="grey", lw=1,
                      label="training cost")  # fmt: skip
            twin.set_yscale("log")
            twin.set_ylabel("mean weighted squared error (log)")
        ax.set_title("GloVe's main run: accuracy and cost per epoch")
        legend(ax, loc="lower right", fontsize=8)
