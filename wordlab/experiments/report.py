"""report.md: every experiment's section, our numbers beside the paper's, one verdict per claim."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from wordlab.experiments import paper
from wordlab.experiments.common import Section
from wordlab.fileio import atomic_open


def section_to_dict(section: Section) -> dict[str, Any]:
    """A section as stored under results.json's "experiments" (without the table)."""
    return {
        "title": section.title,
        "reference": section.reference,
        "grid": section.grid,
        "figures": [f"figures/{f}.png" for f in section.figures],
        "verdicts": [{"claim": c, "verdict": v} for c, v in section.verdicts],
        "runs": section.runs,
        "missing": section.missing,
        "table": section.table,
        "notes": section.notes,
    }


def write_report(out: Path, data: dict[str, Any], order: list[str]) -> Path:
    """Write OUT/report.md from results.json's data (experiments in `order`)."""
    corpus = data.get("corpus", {})
    inv = data["invocations"][-1] if data.get("invocations") else {}
    done = [n for n in order if n in data.get("experiments", {})]
    lines = [
        "# GloVe paper reproductions",
        "",
        f"Paper: {paper.CITATION}. Its numbers below come from the project's transcription; "
        "rows not double-checked are marked as reported.",
        "",
        f"- Corpus: `{corpus.get('path')}`: {corpus.get('tokens', 0):,} tokens, "
        f"{corpus.get('lines', 0):,} lines, {corpus.get('distinct_words', 0):,} distinct words",
        f"- Vocabulary for every model: words seen at least {inv.get('min_count')} times"
        + (f", at most {inv['max_vocab']:,}" if inv.get("max_vocab") else ""),
        f"- Seed {inv.get('seed')}, {inv.get('threads')} threads (Hogwild: with more than one "
        "thread runs vary slightly), on " + str(inv.get("machine")),
        f"- Last command: `{inv.get('command', '')}`; grid level **{inv.get('level')}**"
        + (
            f" (budget {inv['budget_seconds'] / 60:.0f} min, estimated "
            f"{inv.get('estimated_seconds', 0) / 60:.0f} min)"
            if inv.get("budget_seconds")
            else ""
        ),
        f"- Report written {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        "every number is traceable to a run key in `results.json` (`runs`).",
        "",
        *[f"- Not run: {k}: {v}" for k, v in inv.get("skipped", {}).items()],
        "",
        "## Summary",
        "",
        "| experiment | paper | claim | here |",
        "|---|---|---|---|",
    ]
    for name in done:
        e = data["experiments"][name]
        for v in e["verdicts"]:
            claim, verdict = (v[k].replace("|", "\\|") for k in ("claim", "verdict"))
            lines.append(f"| {name} | {e['reference']} | {claim} | {verdict} |")
    for k, name in enumerate(done, 1):
        e = data["experiments"][name]
        lines += [
            "",
            f"## {k}. {e['title']} ({name}) [{e['reference']}]",
            "",
            f"Ran (grid level {e.get('level')}): {e['grid']}.",
        ]
        if e["missing"]:
            lines.append(
                f"Not run ({len(e['missing'])} runs, budget spent): "
                + ", ".join(f"`{m}`" for m in e["missing"])
            )
        lines += ["", *e["table"], ""]
        for f in e["figures"]:
            lines += [f"![{name}]({f})", ""]
        for v in e["verdicts"]:
            lines.append(f"- Paper: {v['claim']}. Here: **{v['verdict']}**.")
        for note in e["notes"]:
            lines.append(f"- Note: {note}")
    path = out / "report.md"
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path
