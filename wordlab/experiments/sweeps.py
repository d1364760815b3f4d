"""The seven experiments: which runs each needs at each grid level, and what each concludes.

An experiment is a `plan` (level -> labelled run specs) and a `summarize` (records -> a report
section: table, figures, and one verdict line per paper claim). Grid levels, sparse to dense:
quick (a tiny grid, for trying it out and for tests), small, medium, full (the paper's grids,
with fewer GloVe epochs than its 50-100). `--budget` picks the densest level whose estimated time
fits; runs already done cost nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.experiments import paper
from wordlab.experiments.plots import accuracy_lines, figure
from wordlab.experiments.runner import Runner, Spec
from wordlab.experiments.svd import fit_power_law

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


# ------------------------------------------------------------------------------------------------
# helpers


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


def _vals(xs: list[float], ys: list[float | None]) -> tuple[np.ndarray, np.ndarray]:
    pts = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
    return np.array([p[0] for p in pts], float), np.array([p[1] for p in pts], float)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.ptp(y) == 0:
        return float("nan")
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


# ------------------------------------------------------------------------------------------------
# 1. vector size [Fig. 2a]


def plan_vector_size(runner: Runner, level: str) -> list[Row]:
    """GloVe at each dimension of the grid, window 10."""
    e = GRIDS["glove_epochs"][level]
    return [({"dim": d}, glove(None, d, WINDOW, e)) for d in GRIDS["dims"][level]]


def summarize_vector_size(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against dimension; does the gain flatten beyond ~200 dims?"""
    exp = EXPERIMENTS["vector-size"]
    dims = [r[0]["dim"] for r in rows]
    scores = [scores_of(runner, s) or {} for _, s in rows]
    with figure(figs, "vector-size") as (_, (ax,)):
        accuracy_lines(ax, dims, scores)
        ax.set_xlabel("vector dimension")
        ax.set_title(f"GloVe analogy accuracy vs vector size (window {WINDOW})\ncf. paper Fig. 2a")
        ax.legend()
    x, y = _vals(dims, [s.get("total") for s in scores])
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
        **base_section(exp, runner, level, rows),
        grid=f"GloVe, dims {dims}, window {WINDOW} symmetric, {rows[0][1].params['epochs']} epochs",
        table=accuracy_table(runner, rows, "dim", [str(d) for d in dims]),
        figures=["vector-size"],
        verdicts=[(paper.CLAIMS["vector-size"], verdict)],
        notes=["The paper trains 50 epochs below 300 dimensions and 100 above; we train fewer."],
    )


# ------------------------------------------------------------------------------------------------
# 2. window size and asymmetric contexts [Fig. 2b, 2c]


def plan_window(runner: Runner, level: str) -> list[Row]:
    """GloVe for each window, symmetric and left-only."""
    d, e = GRIDS["dim"][level], GRIDS["glove_epochs"][level]
    return [
        ({"window": w, "symmetric": sym}, glove(None, d, w, e, symmetric=sym))
        for sym in (True, False)
        for w in GRIDS["windows"][level]
    ]


def summarize_window(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against window size, symmetric and asymmetric."""
    exp = EXPERIMENTS["window"]
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
    x_sem, y_sem = _vals(windows, [by[(w, True)].get("semantic") for w in windows])
    x_syn, y_syn = _vals(windows, [by[(w, True)].get("syntactic") for w in windows])
    if len(x_sem) >= 3:
        rho = _spearman(x_sem, y_sem)
        best = x_sem[int(np.argmax(y_sem))]
        verdicts.append(
            (
                "semantic accuracy prefers large windows (symmetric)",
                f"{judge(rho > 0, y_sem)}: rank correlation {rho:+.2f} between "
                f"window and semantic accuracy, best at window {best:g}",
            )  # fmt: skip
        )
    if len(x_syn) >= 3:
        rho = _spearman(x_syn, y_syn)
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
        **base_section(exp, runner, level, rows),
        grid=f"GloVe dim {d['dim']}, {d['epochs']} epochs, windows {windows}, symmetric and left-only",
        table=accuracy_table(runner, rows, "window", labels),
        figures=["window"],
        verdicts=verdicts or [(paper.CLAIMS["window"], "not enough runs to judge")],
        notes=[],
    )


# ------------------------------------------------------------------------------------------------
# 3. corpus size [Fig. 3]


def plan_corpus_size(runner: Runner, level: str) -> list[Row]:
    """GloVe on corpus prefixes of halving sizes."""
    d, e = GRIDS["dim"][level], GRIDS["glove_epochs"][level]
    sizes = prefix_sizes(runner, GRIDS["prefixes"][level])
    return [({"words": w}, glove(w, d, WINDOW, e)) for w in sizes]


def _tokens(runner: Runner, words: int | None) -> int:
    return runner.corpus().n_tokens if words is None else words


def summarize_corpus_size(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against corpus size."""
    exp = EXPERIMENTS["corpus-size"]
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
    x, y = _vals(sizes, [s.get("syntactic") for s in scores])
    if len(x) >= 3:
        rho = _spearman(x, y)
        verdicts.append(
            (
                paper.CLAIMS["corpus-size"],
                f"{judge(rho > 0.7 and y[-1] > y[0], y)}: rank correlation "
                f"{rho:+.2f}, syntactic {y[0]:.1f}% -> {y[-1]:.1f}%",
            )  # fmt: skip
        )
    else:
        verdicts.append((paper.CLAIMS["corpus-size"], "not enough runs to judge"))
    xs, ys = _vals(sizes, [s.get("semantic") for s in scores])
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
        **base_section(exp, runner, level, rows),
        grid=f"GloVe dim {d['dim']}, window {WINDOW}, {d['epochs']} epochs on prefixes of "
        f"{', '.join(labels)} tokens",
        table=accuracy_table(runner, rows, "tokens", labels),
        figures=["corpus-size"],
        verdicts=verdicts,
        notes=["Fig. 3 of the paper compares different corpora (Wikipedia, Gigaword); here the "
               "sizes are prefixes of one corpus, so only the size trend is comparable."],
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------
# 4. training time [Fig. 4]


def plan_training_time(runner: Runner, level: str) -> list[Row]:
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


def summarize_training_time(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Accuracy against training time for GloVe (epochs) and word2vec (negative samples)."""
    exp = EXPERIMENTS["training-time"]
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
        **base_section(exp, runner, level, rows),
        grid=f"dim {d['dim']}, window {WINDOW}: GloVe scored after {list(d['checkpoints'])} "
        f"epochs; word2vec CBOW and skip-gram, one epoch each, negatives "
        f"{GRIDS['negatives'][level]}",
        table=lines,
        figures=["training-time"],
        verdicts=verdicts,
        notes=["Times are wall-clock on a machine shared with other jobs: compare shapes, not "
               "absolute values."],
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------
# 5. methods [Tables 2 and 3]

METHOD_NAMES = ("SVD", "SVD-S", "SVD-L", "CBOW", "SG", "GloVe")


def plan_methods(runner: Runner, level: str) -> list[Row]:
    """GloVe, skip-gram, CBOW and the three SVD baselines at one dimension, window 10."""
    d = GRIDS["methods_dim"][level]
    rows: list[Row] = []
    for name in ("SVD", "SVD-S", "SVD-L"):
        spec = Spec.make("svd", None, method=name, dim=d, window=WINDOW, contexts=CONTEXTS,
                         power=SVD_POWER, solver="randomized")  # fmt: skip
        rows.append(({"method": name}, spec))
    for name, model in (("CBOW", "cbow"), ("SG", "sg")):
        spec = Spec.make("word2vec", None, model=model, dim=d, window=WINDOW, negative=10,
                         epochs=GRIDS["w2v_epochs"][level])  # fmt: skip
        rows.append(({"method": name}, spec))
    rows.append(({"method": "GloVe"}, glove(None, d, WINDOW, GRIDS["glove_epochs"][level])))
    return rows


def summarize_methods(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Our Table 2/3 rows beside the paper's."""
    exp = EXPERIMENTS["methods"]
    ours = {r["method"]: scores_of(runner, s) or {} for r, s in rows}
    t2 = {row[0]: row for row in paper.TABLE2 if row[2] == "6B"}
    t3 = {row[0]: row for row in paper.TABLE3 if row[1] == "6B"}
    sims = list(runner.config.similarity)
    head = ["model", "sem % (ours / paper)", "syn % (ours / paper)", "total % (ours / paper)"]
    head += [f"{s} ρ×100 (ours{' / paper' if s == 'WS353' else ''})" for s in sims]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in METHOD_NAMES:
        s, p = ours.get(name, {}), t2[name]
        cells = [f"{fmt(s.get(k))} / {v}" for k, v in zip(("semantic", "syntactic", "total"),
                                                         p[3:6], strict=True)]  # fmt: skip
        for sim in sims:
            cells.append(fmt(s.get(sim)) + (f" / {t3[name][2]}" if sim == "WS353" else ""))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Runs: " + ", ".join(f"{r['method']}: `{s.key}`" for r, s in rows)]
    with figure(figs, "methods", width=8.0) as (_, (ax,)):
        x = np.arange(len(METHOD_NAMES))
        for off, key, colour in ((-0.27, "semantic", "tab:blue"), (0, "syntactic", "tab:orange"),
                                 (0.27, "total", "tab:green")):  # fmt: skip
            ax.bar(x + off, [ours.get(n, {}).get(key) or 0 for n in METHOD_NAMES], 0.27,
                   color=colour, label=f"ours: {key}")  # fmt: skip
        ax.scatter(x + 0.27, [t2[n][5] for n in METHOD_NAMES], marker="_", s=400, color="black",
                   zorder=3, label="paper: total (6B tokens, 300d)")  # fmt: skip
        ax.set_xticks(x, METHOD_NAMES)
        ax.set_ylabel("analogy accuracy (%)")
        ax.set_title("Analogy accuracy by method, ours vs paper Table 2")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4)
    tot = {n: ours.get(n, {}).get("total") for n in METHOD_NAMES}
    verdicts = []
    if all(tot[n] is not None for n in ("GloVe", "SG", "CBOW")):
        ok = tot["GloVe"] > max(tot["SG"], tot["CBOW"])
        verdicts.append(("GloVe beats skip-gram and CBOW on analogies (total)",
                         f"{judge(ok, [tot[n] for n in ('GloVe', 'SG', 'CBOW')])}: GloVe {tot['GloVe']:.1f}%, "
                         f"SG {tot['SG']:.1f}%, CBOW {tot['CBOW']:.1f}%"))  # fmt: skip
    if all(tot[n] is not None for n in ("SVD", "SVD-S", "SVD-L")):
        ok = tot["SVD-L"] > tot["SVD-S"] > tot["SVD"]
        verdicts.append(("SVD-L > SVD-S > SVD on analogies (total)",
                         f"{judge(ok, [tot[n] for n in ('SVD', 'SVD-S', 'SVD-L')])}: SVD-L "
                         f"{tot['SVD-L']:.1f}%, SVD-S {tot['SVD-S']:.1f}%, SVD {tot['SVD']:.1f}%"))  # fmt: skip
    ws = {n: ours.get(n, {}).get("WS353") for n in METHOD_NAMES}
    if all(ws[n] is not None for n in ("GloVe", "SG", "CBOW")):
        ok = ws["GloVe"] > max(ws["SG"], ws["CBOW"])
        verdicts.append(("Table 3: GloVe has the best WS353 correlation among the neural models",
                         f"{'holds' if ok else 'does not hold'}: GloVe {ws['GloVe']:.1f}, "
                         f"SG {ws['SG']:.1f}, CBOW {ws['CBOW']:.1f}"))  # fmt: skip
    d = rows[0][1].params["dim"]
    return Section(
        **base_section(exp, runner, level, rows),
        grid=f"dim {d}, window {WINDOW}; GloVe {GRIDS['glove_epochs'][level]} epochs; word2vec "
        f"{GRIDS['w2v_epochs'][level]} epoch(s), 10 negatives; SVD of the co-occurrence matrix "
        f"restricted to the {CONTEXTS:,} most frequent contexts, vectors U·S",
        table=lines,
        figures=["methods"],
        verdicts=verdicts or [(paper.CLAIMS["methods"], "not enough runs to judge")],
        notes=[f"GloVe trains {GRIDS['glove_epochs'][level]} epochs here, the paper 50 (100 at "
               "300d and above): with few epochs GloVe is far from converged (its cost per epoch "
               "is in results.json), which favours the one-pass methods.",
               f"Paper rows: 300 dimensions on 6B tokens ({paper.CITATION}); Table 2 rows were "
               "checked against a second transcription, Table 3 rows are as reported. SimLex-999 "
               "is not in the paper."],
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------
# 6. sparsity [Section 3.2]


def plan_sparsity(runner: Runner, level: str) -> list[Row]:
    """Co-occurrence counts (window 10) on the corpus prefixes."""
    sizes = prefix_sizes(runner, GRIDS["sparsity_points"][level])
    return [({"words": w}, Spec.make("cooccur", w, window=WINDOW, symmetric=True)) for w in sizes]


def summarize_sparsity(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """|X| against |C| on log-log axes with the fitted exponent."""
    exp = EXPERIMENTS["sparsity"]
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
        **base_section(exp, runner, level, rows),
        grid=f"co-occurrences at window {WINDOW} (symmetric) on {len(rows)} prefixes, vocabulary "
        f"min-count {c.min_count}",
        table=lines,
        figures=["sparsity"],
        verdicts=[(paper.CLAIMS["sparsity"], verdict)],
        notes=["The vocabulary is the one the models train on (words seen at least min-count "
               "times in that prefix), so it grows with the prefix as the paper's does."],
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------
# 7. NER [Table 4]

NER_VECTORS = ("discrete", "glove", "cbow", "sg", "fasttext")
NER_DIM = 50


def plan_ner(runner: Runner, level: str) -> list[Row]:
    """A CRF tagger without vectors, and with each type of 50d vectors trained on the corpus."""
    g = GRIDS["ner"][level]
    rows: list[Row] = []
    for kind in NER_VECTORS:
        extra: dict[str, Any] = {}
        if kind != "discrete":
            extra = {"dim": NER_DIM, "window": WINDOW,
                     "epochs": GRIDS["glove_epochs" if kind == "glove" else "w2v_epochs"][level]}  # fmt: skip
            if kind == "fasttext" and level == "quick":
                extra["bucket"] = 100_000
        spec = Spec.make("ner", None, vectors=kind,
                         train_sentences=g["train"], eval_sentences=g["eval"],
                         max_iterations=g["iterations"], c2=g["c2"], **extra)  # fmt: skip
        rows.append(({"vectors": kind}, spec))
    return rows


def summarize_ner(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Our Table 4 rows beside the paper's."""
    exp = EXPERIMENTS["ner"]
    t4 = {r[0]: r for r in paper.TABLE4}
    paper_name = {"discrete": "Discrete", "glove": "GloVe", "cbow": "CBOW"}
    ours = {r["vectors"]: scores_of(runner, s) for r, s in rows}
    lines = ["| features | dev F1 (ours / paper) | test F1 (ours / paper) | run |",
             "|---|---|---|---|"]  # fmt: skip
    for r, s in rows:
        o = ours[r["vectors"]] or {}
        p = t4.get(paper_name.get(r["vectors"], ""))
        lines.append(f"| {r['vectors']} | {fmt(o.get('dev_f1'), 2)} / {p[1] if p else '-'} | "
                     f"{fmt(o.get('test_f1'), 2)} / {p[2] if p else '-'} | `{s.key}` |")  # fmt: skip
    with figure(figs, "ner") as (_, (ax,)):
        x = np.arange(len(rows))
        ax.bar(x, [(ours[r["vectors"]] or {}).get("test_f1") or 0 for r, _ in rows], 0.6,
               color="tab:blue", label="ours: test F1")  # fmt: skip
        px = [(i, t4[paper_name[r["vectors"]]][2]) for i, (r, _) in enumerate(rows)
              if r["vectors"] in paper_name]  # fmt: skip
        ax.scatter([p[0] for p in px], [p[1] for p in px], marker="_", s=600, color="black",
                   zorder=3, label="paper: test F1 (Table 4)")  # fmt: skip
        ax.set_xticks(x, [r["vectors"] for r, _ in rows])
        ax.set_ylabel("CoNLL-2003 entity F1 (%)")
        ax.set_title("NER with 50d word vectors as CRF features (cf. Table 4)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    verdicts = []
    base = (ours.get("discrete") or {}).get("test_f1")
    for kind in NER_VECTORS[1:]:
        f1 = (ours.get(kind) or {}).get("test_f1")
        if base is not None and f1 is not None:
            gain = f1 - base
            verdicts.append((f"{kind} vectors improve the discrete tagger (paper: GloVe +2.9, "
                             "CBOW +2.8 test F1)",
                             f"{'holds' if gain > 0 else 'does not hold'}: {gain:+.2f} test F1 "
                             f"({base:.2f} -> {f1:.2f})"))  # fmt: skip
    g = GRIDS["ner"][level]
    return Section(
        **base_section(exp, runner, level, rows),
        grid=f"CRF (python-crfsuite) on {g['train'] or 'all'} training sentences, dev/test "
        f"{g['eval'] or 'all'} sentences, L2 {g['c2']}, iteration caps {g['iterations']}; vectors "
        f"{NER_DIM}d, window {WINDOW}, trained on the whole corpus",
        table=lines,
        figures=["ner"],
        verdicts=verdicts or [(paper.CLAIMS["ner"], "not enough runs to judge")],
        notes=["Paper rows: Table 4 as reported (vectors trained on 6B tokens); regularisation "
               "is chosen on dev, test is tagged once per configuration."],
    )  # fmt: skip


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (
        Experiment("vector-size", "Vector size", "Fig. 2a", plan_vector_size, summarize_vector_size),
        Experiment("window", "Window size and asymmetric contexts", "Fig. 2b, 2c", plan_window,
                   summarize_window),
        Experiment("corpus-size", "Corpus size", "Fig. 3", plan_corpus_size, summarize_corpus_size),
        Experiment("training-time", "Training time", "Fig. 4", plan_training_time,
                   summarize_training_time),
        Experiment("methods", "GloVe, word2vec and SVD baselines", "Tables 2 and 3", plan_methods,
                   summarize_methods),
        Experiment("sparsity", "Sparsity of the co-occurrence matrix", "Section 3.2",
                   plan_sparsity, summarize_sparsity),
        Experiment("ner", "Named-entity recognition", "Table 4", plan_ner, summarize_ner),
    )
}  # fmt: skip
