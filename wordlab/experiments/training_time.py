"""Training time [Fig. 4]: accuracy against training time, GloVe (epochs) vs word2vec (negatives)."""

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
    base_section,
    fmt,
    glove,
    judge,
)
from wordlab.experiments.plots import figure
from wordlab.experiments.runner import Runner, Spec


def plan(runner: Runner, level: str) -> list[Row]:
    """One GloVe run scored at several epoch counts; word2vec sg and cbow at several negatives."""
    d = GRIDS["dim"][level]
    iters = GRIDS["iterations"][level]
    rows: list[Row] = [({"model": "glove"}, glove(None, d, WINDOW, max(iters), checkpoints=iters))]
    for model in ("cbow", "sg"):
        for neg in GRIDS["negatives"][level]:
            spec = Spec.make("word2vec", None, model=model, dim=d, window=WINDOW, negative=neg,
                             epochs=1)  # fmt: skip
            rows.append(({"model": model, "negative": neg}, spec))
    return rows


def _time_curves(runner: Runner, rows: list[Row]) -> dict[str, list[tuple[float, float, int]]]:
    """(training seconds, total accuracy, iterations or negatives) per model."""
    curves: dict[str, list[tuple[float, float, int]]] = {"glove": [], "cbow": [], "sg": []}
    for labels, spec in rows:
        rec = runner.record(spec)
        if rec is None:
            continue
        if labels["model"] == "glove":
            for p in rec["checkpoints"]:
                if p["scores"].get("total") is not None:
                    curves["glove"].append((p["train_seconds"], p["scores"]["total"], p["epochs"]))
        elif rec["scores"].get("total") is not None:
            curves[labels["model"]].append(
                (rec["train_seconds"], rec["scores"]["total"], labels["negative"])
            )
    for c in curves.values():
        c.sort()
    return curves


def summarize(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against training time for GloVe (epochs) and word2vec (negative samples)."""
    curves = _time_curves(runner, rows)
    names = {"glove": "GloVe (label: epochs)", "cbow": "CBOW (label: negative samples)",
             "sg": "Skip-gram (label: negative samples)"}  # fmt: skip
    longest = max((p[0] for c in curves.values() for p in c), default=0.0)
    scale, unit = (60.0, "minutes") if longest > 300 else (1.0, "seconds")
    with figure(figs, "training-time", ncols=2) as (_, axes):
        for ax, rival in zip(axes, ("cbow", "sg"), strict=True):
            for model, colour in (("glove", "tab:green"), (rival, "tab:purple")):
                pts = curves[model]
                if not pts:
                    continue
                ax.plot([p[0] / scale for p in pts], [p[1] for p in pts], marker="o",
                        color=colour, label=names[model])  # fmt: skip
                for t, a, n in pts:
                    ax.annotate(str(n), (t / scale, a), textcoords="offset points", xytext=(3, 4),
                                fontsize=8, color=colour)  # fmt: skip
            ax.set_xlabel(f"training time ({unit}; GloVe's includes counting and shuffling)")
            ax.set_ylabel("analogy accuracy, total (%)")
            ax.set_title(f"GloVe vs {'CBOW' if rival == 'cbow' else 'skip-gram'} (cf. Fig. 4)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
    verdicts = []
    g = curves["glove"]
    for rival in ("cbow", "sg"):
        r = curves[rival]
        if len(g) >= 2 and r:
            gt, ga = np.array([p[0] for p in g]), np.array([p[1] for p in g])
            inside = [(t, a) for t, a, _ in r if gt.min() <= t <= gt.max()]
            if inside:
                wins = sum(float(np.interp(t, gt, ga)) >= a for t, a in inside)
                ok = wins * 2 > len(inside)
                text = (f"{judge(ok, [*ga, *(a for _, a in inside)])}: GloVe ahead at {wins} of "
                        f"{len(inside)} {rival} points within GloVe's time range; best GloVe "
                        f"{max(ga):.1f}% (at {gt[int(np.argmax(ga))]:.0f} s), best {rival} "
                        f"{max(a for _, a, _ in r):.1f}%")  # fmt: skip
            else:
                best_g = max(ga)
                best_r = max(a for _, a, _ in r)
                text = (f"cannot compare at equal time ({rival} runs fall outside GloVe's time "
                        f"range); best GloVe {best_g:.1f}% vs best {rival} {best_r:.1f}%")  # fmt: skip
            verdicts.append((f"at equal training time GloVe is ahead of {rival}", text))
        big = [a for _, a, n in r if n > 10]
        small = [a for _, a, n in r if n <= 10]
        if big and small:
            ok = max(big) < max(small)
            verdicts.append(
                (
                    f"more than about 10 negative samples hurts {rival}",
                    f"{judge(ok, [*big, *small])}: best {max(small):.1f}% with <= 10, "
                    f"{max(big):.1f}% with more",
                )  # fmt: skip
            )
    if not verdicts:
        verdicts.append((paper.CLAIMS["training-time"], "not enough runs to judge"))
    lines = ["| model | epochs / negatives | training s | total % | run |", "|---|---|---|---|---|"]
    for labels, spec in rows:
        rec = runner.record(spec)
        if rec is None:
            lines.append(f"| {labels['model']} | - | not run (budget) | - | `{spec.key}` |")
        elif labels["model"] == "glove":
            for p in rec["checkpoints"]:
                lines.append(f"| GloVe | epochs: {p['epochs']} | {p['train_seconds']:.0f} | "
                             f"{fmt(p['scores'].get('total'))} | `{spec.key}` |")  # fmt: skip
        else:
            lines.append(f"| {labels['model']} | negatives: {labels['negative']} | "
                         f"{rec['train_seconds']:.0f} | {fmt(rec['scores'].get('total'))} | "
                         f"`{spec.key}` |")  # fmt: skip
    d = rows[0][1].params
    return Section(
        **base_section(EXPERIMENT, runner, level, rows),
        grid=f"dim {d['dim']}, window {WINDOW}: GloVe scored after {list(d['checkpoints'])} "
        f"epochs; word2vec CBOW and skip-gram, one epoch each, negatives "
        f"{GRIDS['negatives'][level]}",
        table=lines,
        figures=["training-time"],
        verdicts=verdicts,
        notes=["Times are wall-clock on a machine shared with other jobs: compare shapes, not "
               "absolute values."],
    )  # fmt: skip


EXPERIMENT = Experiment("training-time", "Training time", "Fig. 4", plan, summarize)
