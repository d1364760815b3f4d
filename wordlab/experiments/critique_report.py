"""The critique's tables, figures, verdicts and report.md, from the records in results.json."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.experiments.common import FLAT, Row, Section, base_section, fmt
from wordlab.experiments.plots import figure
from wordlab.experiments.runner import Runner
from wordlab.fileio import atomic_open

LABEL = {"glove": "GloVe", "sg": "skip-gram", "cbow": "CBOW", "fasttext": "fastText"}
COLOUR = {"glove": "tab:blue", "sg": "tab:orange", "cbow": "tab:green", "fasttext": "tab:red"}
INTRINSIC = ("raw", "centred", "all-but-the-top")


def _records(runner: Runner, rows: list[Row]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Finished model records by model name, and the reference classifier's record."""
    models, reference = {}, None
    for r, spec in rows:
        rec = runner.record(spec)
        if rec is None:
            continue
        if spec.kind == "critique":
            models[r["model"]] = rec
        else:
            reference = rec
    return models, reference


def _sci(x: float) -> str:
    return "0" if x == 0 else f"{x:+.1e}"


def invariance_table(inv: dict[str, Any]) -> list[str]:
    """The losses before and after each shift, and what the shifts do to W + W~."""
    lines = [f"GloVe's weighted loss J = Σ f(X_ij)(w_i·w~_j + b_i + b~_j − log X_ij)², summed in "
             f"float64 over its {inv['records']:,} co-occurrence records (x_max {inv['x_max']:g}, "
             f"α {inv['alpha']}); c: a random direction of length {inv['shift_norm']:.3f} (the "
             "median norm of W + W~).", "",
             "| shift | biases | J | relative change | against |", "|---|---|---|---|---|"]  # fmt: skip
    for row in inv["rows"]:
        lines.append(f"| {row['shift']} | {row['biases']} | {row['loss']:.6f} | "
                     f"{_sci(row['relative_change'])} | {row['reference']} |")  # fmt: skip
    lines += ["", "| shift | vectors users take | top-10 neighbours kept (of "
              f"{inv['probe_words']} words) | mean norm before → after | norm rank correlation |",
              "|---|---|---|---|---|"]  # fmt: skip
    for name, e in inv["effects"].items():
        lines.append(f"| {name} | {e['user_vectors']} | {100 * e['neighbour_overlap_top10']:.1f} % "
                     f"| {e['mean_norm_before']:.3f} → {e['mean_norm_after']:.3f} | "
                     f"{e['norm_rank_correlation']:.3f} |")  # fmt: skip
    return lines


def norm_tables(models: dict[str, Any]) -> list[str]:
    """The norms of the 20 most frequent words beside 20 mid-frequency content words."""
    names = [m for m in LABEL if m in models]
    first = models[names[0]]["norms"]
    lines = []
    for part, title in (("top", "most frequent words"), ("mid", "mid-frequency content words")):
        lines += ["", f"Vector norms: the {len(first[part])} {title}", "",
                  "| word | count | " + " | ".join(LABEL[m] for m in names) + " |",
                  "|---|---|" + "---|" * len(names)]  # fmt: skip
        for k, (word, count, _) in enumerate(first[part]):
            cells = [fmt(models[m]["norms"][part][k][2], 2) for m in names]
            lines.append(f"| {word} | {count:,} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| | " + " | ".join(LABEL[m] for m in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    lines.append("| mean norm, frequent / mid-frequency | "
                 + " | ".join(f"{_ratio(models[m]):.2f}" for m in names) + " |")  # fmt: skip
    lines.append("| Spearman ρ (log count, norm), all words | "
                 + " | ".join(fmt(models[m]["norms"]["spearman_log_count_norm"], 3)
                              for m in names) + " |")  # fmt: skip
    return lines


def _ratio(rec: dict[str, Any]) -> float:
    n = rec["norms"]
    return float(np.mean([r[2] for r in n["top"]]) / np.mean([r[2] for r in n["mid"]]))


def intrinsic_table(runner: Runner, models: dict[str, Any]) -> list[str]:
    """Similarity and analogy scores of each model's vectors raw, centred and all-but-the-top."""
    sims = list(runner.config.similarity)
    has_analogy = runner.config.analogy is not None
    head = ["model", "vectors", *[f"{s} ρ×100" for s in sims]]
    head += ["analogy total %", "semantic %", "syntactic %"] if has_analogy else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in (m for m in LABEL if m in models):
        for variant in INTRINSIC:
            s = models[m]["scores"][variant]
            name = variant + (f" (D={models[m]['remove_top']})" if variant == INTRINSIC[2] else "")
            cells = [fmt(s.get(k)) for k in sims]
            cells += (
                [fmt(s.get(k)) for k in ("total", "semantic", "syntactic")] if has_analogy else []
            )
            lines.append(f"| {LABEL[m]} | {name} | " + " | ".join(cells) + " |")
    return lines


def classification_table(models: dict[str, Any], reference: dict[str, Any] | None) -> list[str]:
    """Test accuracy of mean-of-word-vector sentence vectors, by model and variant."""
    from wordlab.experiments.sentences import VARIANTS

    done = [m for m in LABEL if m in models and models[m].get("classification")]
    if not done:
        return ["Not run: no classification data (give --classification-data DIR)."]
    c0 = models[done[0]]["classification"]
    lines = [f"Logistic regression on mean word vectors, {c0['reviews'][0]:,} training and "
             f"{c0['reviews'][1]:,} test reviews; test accuracy %.", "",
             "| model | " + " | ".join(VARIANTS) + " | known tokens |",
             "|---|" + "---|" * (len(VARIANTS) + 1)]  # fmt: skip
    for m in done:
        c = models[m]["classification"]
        lines.append(f"| {LABEL[m]} | " + " | ".join(fmt(c[v], 2) for v in VARIANTS)
                     + f" | {100 * c['known_token_share']:.1f} % |")  # fmt: skip
    if reference is not None:
        lines.append("| fastText classifier (word bigrams, dim 10, 5 epochs) | "
                     f"{fmt(reference['scores']['accuracy'], 2)} |" + " |" * len(VARIANTS))  # fmt: skip
    return lines


def _change(deltas: dict[str, float]) -> str:
    """'helps' / 'hurts' / 'mixed' / 'no change', from score changes keyed by what they measure."""
    known = {k: v for k, v in deltas.items() if v is not None}
    if not known:
        return "not measured"
    up = [k for k, v in known.items() if v >= FLAT]
    down = [k for k, v in known.items() if v <= -FLAT]
    word = ("mixed" if up and down else "helps" if up else "hurts" if down
            else f"no change (within {FLAT} points)")  # fmt: skip
    return word + ": " + ", ".join(f"{k} {v:+.1f}" for k, v in known.items())


def verdicts(runner: Runner, models: dict[str, Any], ref: dict[str, Any] | None) -> list:
    """One verdict per claim of the critique."""
    out = []
    inv = (models.get("glove") or {}).get("invariance")
    if inv:
        r = {(row["shift"], row["biases"]): row["relative_change"] for row in inv["rows"]}
        exact = abs(r[("W + c", "b~ - W~c (exact)")])
        refit = abs(r[("W + c", "b~ refit (closed form)")])
        ok = max(exact, refit) < 1e-9
        out.append(("GloVe's loss cannot tell W from W + c: the context biases absorb c·w~_j",
                    f"{'holds' if ok else 'does not hold'}: J changes by {exact:.1e} (b~ set to "
                    f"b~ − W~c) and {refit:.1e} (b~ refit in closed form) relative, over "
                    f"{inv['records']:,} records"))  # fmt: skip
        both = r[("W + c and W~ + c", "b~ refit only (closed form)")]
        exact2 = abs(r[("W + c and W~ + c", "b - Wc - c.c, b~ - W~c (exact)")])
        out.append(("Shifting W and W~ together is also invisible to the loss",
                    f"holds only when both biases move: J changes by {exact2:.1e} with b and b~ "
                    f"set in closed form, by {100 * both:+.2f} % when only b~ is refit"))  # fmt: skip
        e = inv["effects"]
        out.append(("The shift changes the vectors users take (W + W~) and their neighbours",
                    f"holds: top-10 neighbours kept {100 * e['W + c']['neighbour_overlap_top10']:.0f} "
                    f"% (W + c), {100 * e['W + c and W~ + c']['neighbour_overlap_top10']:.0f} % "
                    f"(both + c), {100 * e['centring shift']['neighbour_overlap_top10']:.0f} % "
                    "(the loss-neutral shift that centres W + W~)"))  # fmt: skip
    if "glove" in models and ("sg" in models or "cbow" in models):
        ratios = {m: _ratio(models[m]) for m in LABEL if m in models}
        w2v = [ratios[m] for m in ("sg", "cbow") if m in ratios]
        ok = ratios["glove"] > 1 and ratios["glove"] > max(w2v)
        out.append(("Frequent words have larger GloVe norms than word2vec norms (relative to "
                    "mid-frequency words)",
                    f"{'holds' if ok else 'does not hold'}: mean norm of the 20 most frequent "
                    "words over that of 20 mid-frequency words: "
                    + ", ".join(f"{LABEL[m]} {v:.2f}" for m, v in ratios.items())))  # fmt: skip
    sims = list(runner.config.similarity)
    for label, keys in (("word similarity", sims), ("analogies", ["total"])):
        if not keys or (label == "analogies" and runner.config.analogy is None):
            continue
        parts = []
        for m in (m for m in LABEL if m in models):
            s = models[m]["scores"]
            deltas = {k: _delta(s["all-but-the-top"].get(k), s["raw"].get(k)) for k in keys}
            parts.append(f"{LABEL[m]} {_change(deltas)}")
        out.append((f"All-but-the-top (centre, remove the top dim/100 directions) helps {label}",
                    "; ".join(parts)))  # fmt: skip
    from wordlab.experiments.sentences import VARIANTS

    parts = []
    for m in (m for m in LABEL if m in models and models[m].get("classification")):
        c = models[m]["classification"]
        deltas = {v: c[v] - c["raw"] for v in VARIANTS[1:] if v != "centred"}  # centred = raw
        parts.append(f"{LABEL[m]} {_change(deltas)}")
    if parts:
        out.append(("Post-processing and reweighting help mean-of-word-vector classification "
                    "(accuracy points against raw vectors)", "; ".join(parts)))  # fmt: skip
        if ref is not None:
            best = max((models[m]["classification"][v], LABEL[m], v) for m in LABEL
                       if m in models and models[m].get("classification") for v in VARIANTS)  # fmt: skip
            acc = ref["scores"]["accuracy"]
            out.append(("A fastText classifier beats every mean-of-word-vector classifier",
                        f"{'holds' if acc > best[0] else 'does not hold'}: {acc:.2f} % against "
                        f"{best[0]:.2f} % ({best[1]}, {best[2]})"))  # fmt: skip
    return out


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def norm_figure(models: dict[str, Any], figs: Path) -> str:
    """Norm against log frequency, one colour per model: raw norms and norms / model median."""
    with figure(figs, "critique-norms", ncols=2, width=6.0) as (_, axes):
        for m in (m for m in LABEL if m in models):
            n = models[m]["norms"]
            pts = np.asarray(n["sample"], dtype=np.float64)
            x, y = np.log10(pts[:, 0]), pts[:, 1]
            for ax, scale in zip(axes, (1.0, n["median_norm"]), strict=True):
                ax.scatter(x, y / scale, s=4, alpha=0.25, color=COLOUR[m], rasterized=True)
                edges = np.linspace(x.min(), x.max() + 1e-9, 16)
                mids, meds = [], []
                for a, b in zip(edges[:-1], edges[1:], strict=True):
                    sel = (x >= a) & (x < b)
                    if sel.sum() >= 3:
                        mids.append((a + b) / 2)
                        meds.append(np.median(y[sel]) / scale)
                ax.plot(mids, meds, color=COLOUR[m], lw=2, label=f"{LABEL[m]} (median)")
        axes[0].set_ylabel("vector norm")
        axes[1].set_ylabel("vector norm / the model's median norm (log scale)")
        axes[1].set_yscale("log")
        for ax in axes:
            ax.set_xlabel("log10 word count in the corpus")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        axes[0].set_title("Norm against frequency")
        axes[1].set_title("The same, each model on its own scale")
    return "critique-norms"


def classification_figure(models: dict[str, Any], ref: dict[str, Any] | None, figs: Path) -> str:
    """Test accuracy by sentence-vector variant, one group of bars per model."""
    from wordlab.experiments.sentences import VARIANTS

    done = [m for m in LABEL if m in models and models[m].get("classification")]
    with figure(figs, "critique-classification", width=8.0) as (_, (ax,)):
        width = 0.8 / len(VARIANTS)
        x = np.arange(len(done))
        cmap = __import__("matplotlib").colormaps["viridis"]
        for k, v in enumerate(VARIANTS):
            ax.bar(x + (k - (len(VARIANTS) - 1) / 2) * width,
                   [models[m]["classification"][v] for m in done], width,
                   color=cmap(k / max(len(VARIANTS) - 1, 1)), label=v)  # fmt: skip
        if ref is not None:
            ax.axhline(ref["scores"]["accuracy"], color="black", ls="--",
                       label="fastText classifier")  # fmt: skip
        vals = [models[m]["classification"][v] for m in done for v in VARIANTS]
        vals += [ref["scores"]["accuracy"]] if ref is not None else []
        ax.set_ylim(min(vals) - 3, max(vals) + 2)
        ax.set_xticks(x, [LABEL[m] for m in done])
        ax.set_ylabel("test accuracy (%)")
        ax.set_title("Sentence vectors (mean of word vectors) into logistic regression")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4)
    return "critique-classification"


def summarize(runner: Runner, level: str, rows: list[Row], figs: Path) -> Section:
    """Tables, figures and verdicts from the finished runs."""
    from wordlab.experiments.critique import EXPERIMENT, GRID, WINDOW

    models, ref = _records(runner, rows)
    table: list[str] = []
    figures = []
    if (models.get("glove") or {}).get("invariance"):
        table += ["### Invariance (GloVe)", "", *invariance_table(models["glove"]["invariance"])]
    if models:
        table += ["", "### Norm against frequency", *norm_tables(models)]
        table += ["", "### Post-processing: similarity and analogies", "",
                  *intrinsic_table(runner, models)]  # fmt: skip
        table += ["", "### Post-processing: sentence classification", "",
                  *classification_table(models, ref)]  # fmt: skip
        figures.append(norm_figure(models, figs))
        if any(m.get("classification") for m in models.values()):
            figures.append(classification_figure(models, ref, figs))
    g = GRID[level]
    return Section(
        **base_section(EXPERIMENT, runner, level, rows),
        grid=f"dim {g['dim']}, window {WINDOW} for every model; GloVe {g['glove_epochs']} epochs "
        f"(x_max 10); skip-gram, CBOW and fastText (skip-gram, n-grams 3-6) {g['w2v_epochs']} "
        "epoch(s), 5 negatives",
        table=table,
        figures=figures,
        verdicts=verdicts(runner, models, ref) or [("the critique", "not enough runs to judge")],
        notes=["Length normalisation leaves cosine similarity and 3CosAdd analogies unchanged "
               "by construction, so it appears only in the classification table.",
               "Centring the word vectors moves every mean-of-vectors sentence vector by the same "
               "constant, which a logistic regression's unpenalised intercept absorbs: centred "
               "equals raw there by construction, a second face of the invariance.",
               "Stop words: the 100 most frequent words of the training corpus (listed under "
               "classification.stop_words in results.json), not a curated list: the same rule "
               "for any corpus."],
    )  # fmt: skip


def write_report(out: Path, data: dict[str, Any]) -> Path:
    """Write OUT/report.md for the critique from results.json's data."""
    corpus = data.get("corpus", {})
    inv = data["invocations"][-1] if data.get("invocations") else {}
    e = data["experiments"]["critique"]
    ran = sum(data["runs"][k]["wall_seconds"] for k in e["runs"] if k in data["runs"])
    lines = [
        "# GloVe's known weakness, measured and repaired",
        "",
        "Because GloVe's biases are free parameters, its loss cannot tell W from W + c; frequent "
        "words end up with long vectors and dominate a mean of word vectors. The usual repair is "
        "post-processing: centring, removing the top principal directions (all-but-the-top, Mu "
        "and Viswanath 2018) or normalising. Here: the invariance on a trained model's own "
        "records, norms against frequency for four models, and what the repairs do to "
        "similarity, analogies and classification.",
        "",
        f"- Corpus: `{corpus.get('path')}`: {corpus.get('tokens', 0):,} tokens, "
        f"{corpus.get('lines', 0):,} lines; vocabulary: words seen at least "
        f"{inv.get('min_count')} times",
        f"- Seed {inv.get('seed')}, {inv.get('threads')} threads, on {inv.get('machine')}",
        f"- Last command: `{inv.get('command', '')}`; grid level **{e.get('level')}**"
        + (f" (budget {inv['budget_seconds'] / 60:.0f} min)" if inv.get("budget_seconds") else "")
        + f"; the runs took {ran / 60:.1f} min in all (`wall_seconds` of each run)",
        f"- Report written {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        "every number is traceable to a run key in `results.json` (`runs`).",
        "",
        "## Verdicts",
        "",
        "| claim | here |",
        "|---|---|",
        *[f"| {v['claim']} | {v['verdict']} |".replace("\n", " ") for v in e["verdicts"]],
        "",
        f"## What ran (grid level {e.get('level')})",
        "",
        e["grid"] + ". Runs: " + ", ".join(f"`{k}`" for k in e["runs"]) + ".",
    ]  # fmt: skip
    if e["missing"]:
        lines.append(f"Not run ({len(e['missing'])} runs, budget spent): "
                     + ", ".join(f"`{m}`" for m in e["missing"]))  # fmt: skip
    lines += ["", *e["table"], ""]
    for f in e["figures"]:
        lines += [f"![critique]({f})", ""]
    lines += [f"- Note: {n}" for n in e["notes"]]
    path = out / "report.md"
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path
