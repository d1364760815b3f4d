"""The paper grid: the GloVe paper's protocol on the user's corpus, planned run by run.

Pennington, Socher and Manning (2014), Sections 4.2-4.6: a vocabulary of the 400,000 most
frequent words, a symmetric window of 10 unless the experiment varies it, x_max 100, alpha 3/4,
AdaGrad with learning rate 0.05, 50 epochs below 300 dimensions and 100 at or above, W + W~ as
the word vectors; word2vec with 10 negative samples and window 10; SVD baselines on the 10,000
most frequent words as contexts. `plan` lists each figure's and table's runs; `order` is the
order a sitting runs them in, most important first, so that a budget cut leaves the optional
ones (the dimensions beyond 300) for later. Runs shared by sections (GloVe at 300 dimensions is
in Fig. 2a, Fig. 3, Fig. 4 and Table 2) are one spec, trained once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wordlab.experiments import paper_cost
from wordlab.experiments.common import Row, prefix_sizes
from wordlab.experiments.runner import Runner, Spec

LEVELS = ("quick", "paper")
VOCAB = 400_000  # the paper's vocabulary: the 400,000 most frequent words
MIN_COUNT = 5  # ... or all seen at least this often, if fewer (wordlab's default too)
WINDOW = 10
X_MAX, ALPHA, LR, OUTPUT = 100.0, 0.75, 0.05, "sum"
CONTEXTS = 10_000  # SVD baselines: the 10,000 most frequent words as contexts
SVD_POWER = 1.0  # vectors U * S (the paper does not say; recorded with every run)
NEGATIVE = 10  # word2vec's negative samples for Tables 2-4 (the paper, Section 4.2)
ABLATIONS = {"x_max": (10.0,), "alpha": (0.5, 1.0)}  # beside the protocol's 100 and 3/4
SECTIONS = ("fig2a", "fig2bc", "fig3", "fig4", "tables23", "table4", "ablations")


@dataclass(frozen=True)
class Grid:
    """The sizes of one level of the paper grid."""

    dims: tuple[int, ...]  # Fig. 2a, run early
    extra_dims: tuple[int, ...]  # Fig. 2a beyond the required ones, run last
    large_dim: int  # at or above it GloVe trains epochs[1] epochs, below it epochs[0]
    epochs: tuple[int, int]
    main_dim: int  # Tables 2 and 3, Fig. 3, Fig. 4 (the paper: 300)
    window_dim: int  # Fig. 2b, 2c (the paper: 100)
    windows: tuple[int, ...]
    prefixes: int  # Fig. 3: the corpus and its prefixes of 1/2, 1/4, ... (this many sizes)
    negatives: tuple[int, ...]  # Fig. 4
    w2v_epochs: int  # word2vec in Tables 2-4
    max_fig4_epochs: int  # cap on the epochs Fig. 4's word2vec runs get
    ablation_dim: int
    ner_dim: int  # Table 4 (the paper: 50)
    ner: dict[str, Any] = field(default_factory=dict)
    eval_every: int = 10  # GloVe runs other than the main one: scored every k epochs (a curve)


GRIDS: dict[str, Grid] = {
    "paper": Grid(
        dims=(25, 50, 100, 200, 300), extra_dims=(400, 500, 600), large_dim=300, epochs=(50, 100),
        main_dim=300, window_dim=100, windows=(2, 4, 6, 8, 10), prefixes=4,
        negatives=(1, 3, 5, 10, 15, 20), w2v_epochs=5, max_fig4_epochs=20, ablation_dim=100,
        ner_dim=50, ner={"train": None, "eval": None, "iterations": [50], "c2": [0.1, 1.0]},
    ),
    "quick": Grid(
        dims=(10, 20, 30), extra_dims=(40,), large_dim=30, epochs=(3, 6), main_dim=30,
        window_dim=10, windows=(2, 6, 10), prefixes=3, negatives=(1, 5, 15), w2v_epochs=1,
        max_fig4_epochs=2, ablation_dim=10, ner_dim=10,
        ner={"train": 300, "eval": 300, "iterations": [30], "c2": [0.1]}, eval_every=2,
    ),
}  # fmt: skip


@dataclass
class Plan:
    """Each section's labelled runs, the order a sitting runs them in, and what waits."""

    sections: dict[str, list[Row]]
    order: list[Spec]
    waiting: list[str]  # what is not planned yet, and why
    fig4_epochs: dict[str, int]  # word2vec epochs for Fig. 4 ({} until known)


def glove_epochs(grid: Grid, dim: int) -> int:
    """The paper's epochs: 50 below 300 dimensions, 100 at or above (per the grid)."""
    return grid.epochs[0] if dim < grid.large_dim else grid.epochs[1]


def glove_run(grid: Grid, words: int | None, dim: int, window: int = WINDOW,
              symmetric: bool = True, **changed: Any) -> Spec:  # fmt: skip
    """A GloVe spec with every protocol setting named; the main run is scored after every epoch."""
    settings = {"x_max": X_MAX, "alpha": ALPHA, "lr": LR, "output": OUTPUT, **changed}
    main = (words is None and dim == grid.main_dim and window == WINDOW and symmetric
            and not changed)  # fmt: skip
    extra = {"eval_every": 1, "score_word": True} if main else {"eval_every": grid.eval_every}
    return Spec.make("glove", words, dim=dim, window=window, symmetric=symmetric,
                     epochs=glove_epochs(grid, dim), **settings, **extra)  # fmt: skip


def word2vec_run(grid: Grid, model: str, negative: int, epochs: int, dim: int) -> Spec:
    """A word2vec spec (skip-gram or CBOW, negative sampling) at the protocol's window."""
    return Spec.make("word2vec", None, model=model, dim=dim, window=WINDOW, negative=negative,
                     epochs=epochs)  # fmt: skip


def main_run(grid: Grid) -> Spec:
    """GloVe at the main dimension on the whole corpus: Tables 2-3, Figs. 2a, 3 and 4."""
    return glove_run(grid, None, grid.main_dim)


def plan(runner: Runner, level: str, provisional: bool = False) -> Plan:
    """Every section's runs at a level, in run order.

    Fig. 4's word2vec runs need GloVe's measured time (and each model's Table 2 run, for its
    speed); until then they are left out, or, with `provisional`, planned from the cost model
    (for the whole grid's estimate).
    """
    g = GRIDS[level]
    main = main_run(g)
    dims = [({"dim": d}, glove_run(g, None, d)) for d in (*g.dims, *g.extra_dims)]
    windows = [({"window": w, "symmetric": sym}, glove_run(g, None, g.window_dim, w, sym))
               for sym in (True, False) for w in g.windows]  # fmt: skip
    sizes = [({"words": w}, glove_run(g, w, g.main_dim)) for w in prefix_sizes(runner, g.prefixes)]
    tables: list[Row] = []
    for name in ("SVD", "SVD-S", "SVD-L"):
        spec = Spec.make("svd", None, method=name, dim=g.main_dim, window=WINDOW,
                         contexts=CONTEXTS, power=SVD_POWER, solver="randomized")  # fmt: skip
        tables.append(({"method": name}, spec))
    for name, model in (("CBOW", "cbow"), ("SG", "sg")):
        tables.append(
            ({"method": name}, word2vec_run(g, model, NEGATIVE, g.w2v_epochs, g.main_dim))
        )
    tables.append(({"method": "GloVe"}, main))
    base = glove_run(g, None, g.ablation_dim)
    ablations: list[Row] = [({"setting": "x_max", "value": X_MAX}, base)]
    ablations += [({"setting": "x_max", "value": v}, glove_run(g, None, g.ablation_dim, x_max=v))
                  for v in ABLATIONS["x_max"]]  # fmt: skip
    ablations += [({"setting": "alpha", "value": ALPHA}, base)]
    ablations += [({"setting": "alpha", "value": v}, glove_run(g, None, g.ablation_dim, alpha=v))
                  for v in ABLATIONS["alpha"]]  # fmt: skip
    ablations += [({"setting": "output", "value": "W + W~ and W"}, main)]
    ner = ner_rows(g)
    epochs = fig4_epochs(runner, g, {r["method"]: s for r, s in tables}, provisional)
    fig4: list[Row] = [({"model": "glove"}, main)]
    for model in ("cbow", "sg"):
        if model in epochs:
            fig4 += [({"model": model, "negative": n},
                      word2vec_run(g, model, n, epochs[model], g.main_dim)) for n in g.negatives]  # fmt: skip
    waiting = [f"Fig. 4 {m}: its epochs are set once GloVe's run and {m}'s Table 2 run are timed"
               for m in ("cbow", "sg") if m not in epochs]  # fmt: skip
    sections = {"fig2a": dims, "fig2bc": windows, "fig3": sizes, "fig4": fig4,
                "tables23": tables, "table4": ner, "ablations": ablations}  # fmt: skip
    core = [r for r in dims if r[0]["dim"] in g.dims]
    extra = [r for r in dims if r[0]["dim"] not in g.dims]
    ordered = [*tables[-1:], *tables[:-1], *core, *windows, *sizes, *ablations, *ner, *fig4, *extra]
    return Plan(sections, list(dict.fromkeys(s for _, s in ordered)), waiting, epochs)


def ner_rows(grid: Grid) -> list[Row]:
    """Table 4: the CRF without vectors, and with the grid's small vectors of each kind."""
    n = grid.ner
    rows: list[Row] = []
    for kind in ("discrete", "glove", "cbow", "sg"):
        extra: dict[str, Any] = {}
        if kind == "glove":
            extra = {"dim": grid.ner_dim, "window": WINDOW,
                     "epochs": glove_epochs(grid, grid.ner_dim)}  # fmt: skip
        elif kind != "discrete":
            extra = {"dim": grid.ner_dim, "window": WINDOW, "epochs": grid.w2v_epochs,
                     "negative": NEGATIVE}  # fmt: skip
        spec = Spec.make("ner", None, vectors=kind, train_sentences=n["train"],
                         eval_sentences=n["eval"], max_iterations=n["iterations"], c2=n["c2"],
                         **extra)  # fmt: skip
        rows.append(({"vectors": kind}, spec))
    return rows


def fig4_epochs(
    runner: Runner, grid: Grid, tables: dict[str, Spec], provisional: bool
) -> dict[str, int]:
    """Word2vec epochs per model for Fig. 4: the most negatives' run lasts about as long as GloVe's.

    Set from GloVe's measured training time and the model's measured Table 2 speed, and kept in
    results.json ("paper_plan") so that later sittings plan the same runs; `provisional` fills
    what is not known yet from the cost model, without keeping it.
    """
    kept = runner.data.setdefault("paper_plan", {}).setdefault("fig4_epochs", {})
    out = {m: int(e) for m, e in kept.items()}
    main = runner.record(main_run(grid))
    n = runner.corpus().n_tokens
    top = max(grid.negatives)
    for name, model in (("CBOW", "cbow"), ("SG", "sg")):
        if model in out:
            continue
        rec = runner.record(tables[name])
        if main is not None and rec is not None:
            glove_time = float(main["train_seconds"])
            per_epoch = float(rec["train_seconds"]) / tables[name].params["epochs"]
            top_epoch = per_epoch * (paper_cost.w2v_units(model, top, WINDOW)
                                     / paper_cost.w2v_units(model, NEGATIVE, WINDOW))  # fmt: skip
        elif provisional:
            glove_time = paper_cost.run_seconds(runner, main_run(grid)) - paper_cost.EVAL * (
                grid.epochs[1] + 1
            )
            top_epoch = paper_cost.w2v_epoch(n, model, grid.main_dim, top, WINDOW)
        else:
            continue
        epochs = max(1, min(grid.max_fig4_epochs, round(glove_time / max(top_epoch, 1e-9))))
        out[model] = epochs
        if main is not None and rec is not None:
            kept[model] = epochs
    return out
