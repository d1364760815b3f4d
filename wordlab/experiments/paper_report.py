"""report.md of the paper grid: the protocol beside the paper's, the cost, then every section.

The report is rewritten from results.json after every sitting, so a partly run grid gives a
partial report that says which runs are missing; every number in it names its run key.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path
from typing import Any

from wordlab.experiments import paper, paper_sections, paper_tables
from wordlab.experiments.common import Section
from wordlab.experiments.paper_grid import (
    ALPHA,
    CONTEXTS,
    GRIDS,
    LR,
    MIN_COUNT,
    NEGATIVE,
    VOCAB,
    WINDOW,
    X_MAX,
    Plan,
    main_run,
)  # fmt: skip
from wordlab.experiments.report import section_to_dict
from wordlab.experiments.runner import Runner
from wordlab.fileio import atomic_open

PREFIX = "paper-"  # the sections' names in results.json
ORDER = ("fig2a", "fig2bc", "fig3", "fig4", "tables23", "table4", "ablations")


def summarize_all(runner: Runner, level: str, plan: Plan, figs: Path) -> None:
    """Summarise every section into runner.data["experiments"] (as "paper-<section>")."""
    skipped = runner.data["invocations"][-1].get("skipped", {}).get("table4", "")
    rows = plan.sections
    sections: list[Section] = [
        paper_sections.fig2a(runner, level, rows["fig2a"], figs),
        paper_sections.fig2bc(runner, level, rows["fig2bc"], figs),
        paper_sections.fig3(runner, level, rows["fig3"], figs),
        paper_sections.fig4(runner, level, rows["fig4"], figs, plan.waiting),
        paper_tables.tables23(runner, level, rows["tables23"], figs),
        paper_tables.table4(
            runner, level, rows["table4"], figs, f"not run: {skipped}" if skipped else ""
        ),  # fmt: skip
        paper_tables.ablations(runner, level, rows["ablations"], figs),
    ]
    for section in sections:
        runner.data["experiments"][section.name] = {**section_to_dict(section), "level": level}


def protocol_rows(data: dict[str, Any]) -> list[str]:
    """The settings table: the paper's, ours, and why they differ where they do."""
    inv = data["invocations"][-1]
    level = inv.get("level", "paper")
    g = GRIDS[level]
    tokens = data.get("corpus", {}).get("tokens", 0)
    main = data["runs"].get(main_run(g).key, {})
    vocab = f"{main['vocab_size']:,} words" if main.get("vocab_size") else "see the runs"
    same = "same"
    rows = [
        ("corpus", "6B tokens (Wikipedia 2014 + Gigaword 5)", f"{tokens:,} tokens",
         "the largest corpus we have; every verdict is 'at this scale'"),
        ("vocabulary", f"the {VOCAB:,} most frequent words",
         f"the {inv.get('max_vocab') or 0:,} most frequent seen >= {inv.get('min_count')} times: "
         f"{vocab}", same if (inv.get("min_count"), inv.get("max_vocab")) == (MIN_COUNT, VOCAB)
         else "--min-count or --max-vocab given"),
        ("window", f"{WINDOW} symmetric, 1/d weighting", f"{WINDOW} symmetric, 1/d weighting "
         "(2-10 and left-only in Fig. 2b/c)", same),
        ("x_max, alpha", f"{X_MAX:g}, {ALPHA:g}", f"{X_MAX:g}, {ALPHA:g} (10 and 1/2, 1 in the "
         "ablations)", same),
        ("optimiser", f"AdaGrad, learning rate {LR:g}", f"AdaGrad, {LR:g}, gradient clip 100 "
         "(glove.c)", same),
        ("epochs", "50 below 300 dimensions, 100 at or above",
         f"{g.epochs[0]} below {g.large_dim}, {g.epochs[1]} at or above",
         same if level == "paper" else "--quick: a tiny grid to try the pipeline, not a result"),
        ("word vectors", "W + W~", "W + W~ (W alone in the ablation)", same),
        ("main dimension", "300 (Tables 2-3, Figs. 3-4); 100 in Fig. 2b/c; 50 in Table 4",
         f"{g.main_dim}; {g.window_dim} in Fig. 2b/c; {g.ner_dim} in Table 4",
         same if level == "paper" else "--quick"),
        ("word2vec", "word2vec tool, one pass, 10 negatives, window 10",
         f"wordlab's word2vec, {g.w2v_epochs} epoch(s) (Fig. 4: see there), {NEGATIVE} negatives, "
         "window 10, sample 1e-3", "one pass over a small corpus is far too little training"),
        ("SVD baselines", f"the {CONTEXTS:,} most frequent words as contexts; SVD, sqrt, log(1+x)",
         "same; vectors U·S (randomized SVD)", "the paper does not say how it used S"),
        ("analogy search", "every vocabulary word a candidate (GloVe's evaluate.py)",
         "the 30,000 most frequent words (word2vec's compute-accuracy default)",
         "keeps scoring after each of 100 epochs cheap; raises accuracy a little"),
        ("similarity sets", "WS353, MC, RG, SCWS, RW", "WS353, MC, RG, RW", "SCWS not available"),
        ("NER", "50-d vectors in a CRF; CoNLL-2003, ACE, MUC7",
         f"{g.ner_dim}-d vectors in python-crfsuite; CoNLL-2003 only",
         "our tagger and data (bench/RESULTS.md)"),
        ("threads", "32 cores", f"{inv.get('threads')} threads (Hogwild: runs vary slightly)",
         "this machine"),
    ]  # fmt: skip
    lines = ["| setting | paper | here | why different |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return lines


def duration(seconds: float) -> str:
    """Seconds as minutes below an hour, hours above: sittings range from seconds to days."""
    return f"{seconds / 60:.1f} min" if seconds < 3600 else f"{seconds / 3600:.2f} h"


def cost_rows(data: dict[str, Any]) -> list[str]:
    """Estimated against actual time: per sitting, and per kind of run (the model's calibration)."""
    lines = ["| sitting | started | budget | estimated | actual | runs in the plan |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for k, inv in enumerate(data["invocations"], 1):
        budget = inv.get("budget_seconds")
        lines.append(f"| {k} | {inv.get('started')} | "
                     f"{'none' if budget is None else duration(budget)} | "
                     f"{duration(inv.get('estimated_seconds', 0))} | "
                     f"{duration(inv.get('seconds', 0))} | {inv.get('sitting_runs', '-')} |")  # fmt: skip
    by_kind: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for rec in data["runs"].values():
        if "estimated_seconds" in rec:
            row = by_kind[rec["kind"]]
            row[0] += 1
            row[1] += rec["estimated_seconds"]
            row[2] += rec["wall_seconds"]
    lines += ["", "| kind of run | runs | estimated | actual (wall, scoring included) | actual / "
              "estimated |", "|---|---|---|---|---|"]  # fmt: skip
    for kind, (n, est, wall) in sorted(by_kind.items()):
        ratio = f"{wall / est:.2f}" if est > 0 else "-"
        lines.append(f"| {kind} | {n} | {duration(est)} | {duration(wall)} | {ratio} |")
    return lines


def write_report(out: Path, data: dict[str, Any]) -> Path:
    """Write OUT/report.md from results.json's data."""
    corpus = data.get("corpus", {})
    inv = data["invocations"][-1]
    sections = [(n, data["experiments"][PREFIX + n]) for n in ORDER
                if PREFIX + n in data["experiments"]]  # fmt: skip
    missing = sorted({m for _, e in sections for m in e["missing"]})
    lines = [
        "# The GloVe paper's protocol"
        + (" (quick grid: a trial, not a result)" if inv.get("level") == "quick" else ""),
        "",
        f"Paper: {paper.CITATION}. Its numbers come from the project's transcription; rows not "
        "double-checked are labelled as reported.",
        "",
        f"- Corpus: `{corpus.get('path')}`: {corpus.get('tokens', 0):,} tokens, "
        f"{corpus.get('lines', 0):,} lines, {corpus.get('distinct_words', 0):,} distinct words",
        f"- Last command: `{inv.get('command', '')}`; seed {inv.get('seed')}, "
        f"{inv.get('threads')} threads, {inv.get('machine')}",
        f"- Runs: {len(data['runs'])} in results.json; "
        + (
            f"{len(missing)} of the grid not run yet (listed under each section)"
            if missing
            else "every run of the grid done"
        ),
        f"- Report written {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        "every number names its run key in `results.json`.",
        *[f"- Not run: {k}: {v}" for k, v in inv.get("skipped", {}).items()],
        "",
        "## Protocol",
        "",
        *protocol_rows(data),
        "",
        "## Cost: estimated against actual",
        "",
        f"The whole grid: {inv.get('grid_runs', '-')} runs, estimated "
        f"{duration(inv.get('grid_estimate_seconds', 0))} on an idle 2-core machine; left "
        f"before the last sitting: {duration(inv.get('left_estimate_seconds', 0))}. The model "
        "and its calibration: `wordlab/experiments/paper_cost.py`. Runs whose estimate did not "
        "fit what was left of a sitting's budget wait for the next sitting.",
        "",
        *cost_rows(data),
        "",
        "## Summary",
        "",
        "| section | paper | claim | here |",
        "|---|---|---|---|",
    ]
    for name, e in sections:
        for v in e["verdicts"]:
            claim, verdict = (v[k].split(". Follow-up work: ")[0].replace("|", "\\|")
                              for k in ("claim", "verdict"))  # fmt: skip
            lines.append(f"| {name} | {e['reference']} | {claim} | {verdict} |")
    for k, (name, e) in enumerate(sections, 1):
        lines += ["", f"## {k}. {e['title']} [{e['reference']}]", "", f"Ran: {e['grid']}."]
        if e["missing"]:
            lines.append(f"Not run yet ({len(e['missing'])}): "
                         + ", ".join(f"`{m}`" for m in e["missing"]))  # fmt: skip
        lines += ["", *e["table"], ""]
        for f in e["figures"]:
            lines += [f"![{name}]({f})", ""]
        for v in e["verdicts"]:
            main, _, follow = v["verdict"].partition(". Follow-up work: ")
            lines.append(f"- Paper: {v['claim']}. Here: **{main}**."
                         + (f" Follow-up work: {follow}" if follow else ""))  # fmt: skip
        for note in e.get("notes", []):
            lines.append(f"- Note: {note}")
    path = out / "report.md"
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path
