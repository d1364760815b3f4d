"""Time wordlab's GloVe against Stanford's tools on the same corpus, stage by stage, and score both.

Usage (Stanford's binaries built under /tmp from a fetched copy; this script only runs them):

    python bench/glove_vs_stanford.py --stanford /tmp/peers/stanfordnlp+GloVe/build \
        --corpus ../shared/data/corpora/enwiki-70m.txt.xz --bytes 100000000 --epochs 15 --threads 2

Every stage runs as its own process under /usr/bin/time (wall seconds, peak resident memory), in
one process tree, on the same plain-text file. Prints per-stage ratios (wordlab / Stanford), checks
that both co-occurrence files hold the same entries, and scores both vector sets.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from wordlab.cooccur import read_records
from wordlab.evaluation.analogy import evaluate_analogy
from wordlab.evaluation.similarity import evaluate_similarity
from wordlab.models.glove import GloVe
from wordlab.vectors import Vectors

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def timed(
    cmd: list[str], stdin: Path | None = None, stdout: Path | None = None
) -> tuple[float, float, str, float]:
    """Run `cmd` under /usr/bin/time; return (wall s, peak RSS MB, stderr, user + system CPU s)."""
    fd, name = tempfile.mkstemp(prefix="wordlab-bench-time.")
    os.close(fd)
    timing = Path(name)
    full = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", str(timing), *cmd]
    fin = open(stdin, "rb") if stdin else None  # noqa: SIM115 - closed below
    fout = open(stdout, "wb") if stdout else None  # noqa: SIM115
    try:
        proc = subprocess.run(
            full,
            stdin=fin or subprocess.DEVNULL,
            stdout=fout or subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
    finally:
        for f in (fin, fout):
            if f:
                f.close()
    err = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    secs, kb, user, system = timing.read_text().split()[-4:]
    timing.unlink()
    print(
        f"  {Path(cmd[0]).name if cmd[0] != sys.executable else ' '.join(cmd[2:4])}: {secs} s",
        flush=True,
    )
    return float(secs), float(kb) / 1024, err, float(user) + float(system)


def prepare_corpus(corpus: Path, n_bytes: int | None, work: Path) -> Path:
    """A plain-text copy of the corpus (or its first `n_bytes`), which both tools read."""
    plain = work / (f"corpus.{n_bytes}.txt" if n_bytes else "corpus.txt")
    if not plain.exists():
        tmp = plain.with_suffix(".part")
        head = f" | head -c {n_bytes}" if n_bytes else ""
        cat = "xz -dc" if corpus.suffix == ".xz" else "cat"
        subprocess.run(f"{cat} '{corpus}'{head} > '{tmp}'", shell=True, check=True)
        tmp.rename(plain)
    return plain


def compare_cooccurrences(ours: Path, theirs: Path) -> dict:
    """Same entries in the same order, values within a relative tolerance."""
    a, b = read_records(ours), read_records(theirs)
    out = {"entries_wordlab": int(a.shape[0]), "entries_stanford": int(b.shape[0])}
    if a.shape != b.shape:
        out["same_entries"] = False
        return out
    worst, same = 0.0, True
    for s in range(0, a.shape[0], 1 << 24):
        x, y = np.asarray(a[s : s + (1 << 24)]), np.asarray(b[s : s + (1 << 24)])
        same &= bool((x["word1"] == y["word1"]).all() and (x["word2"] == y["word2"]).all())
        worst = max(worst, float(np.max(np.abs(x["value"] / y["value"] - 1.0))))
    out.update(same_entries=same, max_relative_difference=worst)
    return out


def score(path: Path) -> dict:
    """WordSim353 / SimLex-999 Spearman x100 and Google analogy accuracy % (30,000 words)."""
    vectors = Vectors.load(path)
    sim = {
        name: evaluate_similarity(vectors, SHARED / "similarity" / name)
        for name in ("wordsim353.tsv", "simlex999.txt")
    }
    ana = evaluate_analogy(
        vectors, SHARED / "analogy" / "questions-words.txt", restrict_vocab=30000
    )
    return {
        "ws353": 100 * sim["wordsim353.tsv"].spearman,
        "simlex": 100 * sim["simlex999.txt"].spearman,
        "analogy": 100 * (ana.total.accuracy or 0.0),
        "semantic": 100 * (ana.semantic.accuracy or 0.0) if ana.semantic else None,
        "syntactic": 100 * (ana.syntactic.accuracy or 0.0) if ana.syntactic else None,
        "analogy_coverage": ana.coverage,
    }


def ratio(a: float, b: float) -> float:
    """a / b, NaN when b is 0 (a stage too short for /usr/bin/time's 10 ms resolution)."""
    return a / b if b else math.nan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--stanford",
        required=True,
        type=Path,
        help="folder with vocab_count, cooccur, shuffle, glove",
    )
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "enwiki-70m.txt.xz")
    ap.add_argument(
        "--bytes", type=int, default=100_000_000, help="corpus prefix in bytes (0: whole file)"
    )
    ap.add_argument("--work", type=Path, default=Path("/tmp/wordlab-glove-bench"))
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory", type=float, default=4.0)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--stages", nargs="+", default=["vocab", "cooccur", "shuffle", "train"],
                    help="run only these stages, reusing the earlier stages' files in --work")  # fmt: skip
    args = ap.parse_args()

    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    plain = prepare_corpus(args.corpus, args.bytes or None, work)
    st, wl = work / "stanford", work / "wordlab"
    st.mkdir(exist_ok=True)
    wl.mkdir(exist_ok=True)
    S = args.stanford
    mem, thr, ep = str(args.memory), str(args.threads), str(args.epochs)
    wordlab = [sys.executable, "-m", "wordlab"]
    cache = ["--corpus-cache", str(wl / "corpus")]
    # stage -> (Stanford command, stdin, stdout), wordlab command; Stanford's settings as its demo.sh
    stages = {
        "vocab": (
            ([str(S / "vocab_count"), "-min-count", str(args.min_count), "-verbose", "0"], plain, st / "vocab.txt"),
            [*wordlab, "vocab", "--input", str(plain), "--output", str(wl / "vocab.txt"),
             "--min-count", str(args.min_count), "--quiet", *cache],
        ),
        "cooccur": (
            ([str(S / "cooccur"), "-memory", mem, "-vocab-file", str(st / "vocab.txt"), "-verbose", "0",
              "-window-size", str(args.window), "-overflow-file", str(st / "overflow")], plain, st / "cooccurrence.bin"),
            [*wordlab, "cooccur", "--input", str(plain), "--vocab", str(wl / "vocab.txt"), "--output",
             str(wl / "cooccurrence.bin"), "--window", str(args.window), "--memory", mem, "--threads", thr,
             "--min-count", str(args.min_count), "--quiet", *cache],
        ),
        "shuffle": (
            ([str(S / "shuffle"), "-memory", mem, "-verbose", "0", "-temp-file", str(st / "shuffle_temp")],
             st / "cooccurrence.bin", st / "cooccurrence.shuf.bin"),
            [*wordlab, "shuffle", "--input", str(wl / "cooccurrence.bin"), "--output",
             str(wl / "cooccurrence.shuf.bin"), "--memory", mem],
        ),
        "train": (
            ([str(S / "glove"), "-save-file", str(st / "vectors"), "-threads", thr, "-input-file",
              str(st / "cooccurrence.shuf.bin"), "-x-max", "100", "-iter", ep, "-vector-size", str(args.dim),
              "-binary", "0", "-vocab-file", str(st / "vocab.txt"), "-verbose", "2", "-eta", "0.05", "-model", "2"],
             None, None),
            [*wordlab, "glove", "--cooccur", str(wl / "cooccurrence.shuf.bin"), "--no-shuffle", "--vocab",
             str(wl / "vocab.txt"), "--output", str(wl), "--dim", str(args.dim), "--epochs", ep,
             "--threads", thr, "--memory", mem],
        ),
    }  # fmt: skip
    # each stage runs for both tools back to back, so both see the same machine load
    rows = {}
    if "vocab" in args.stages:  # the vocab stage is wordlab's encoding: time it from scratch
        shutil.rmtree(wl / "corpus", ignore_errors=True)
    for stage, ((cmd, fin, fout), ours) in stages.items():
        if stage in args.stages:
            rows[stage] = {"stanford": timed(cmd, fin, fout), "wordlab": timed(ours)}

    # wordlab's own seconds per epoch, kept in the model file it saves (model.epoch_seconds)
    ours_epochs = GloVe.load(wl / "model.wordlab").epoch_seconds if "train" in rows else []
    same_vocab = (st / "vocab.txt").read_text() == (wl / "vocab.txt").read_text()
    check = compare_cooccurrences(wl / "cooccurrence.bin", st / "cooccurrence.bin")
    scores = (
        {"stanford": score(st / "vectors.txt"), "wordlab": score(wl / "vectors.txt")}
        if "train" in rows
        else {}
    )

    n_words = json.loads((wl / "corpus" / "meta.json").read_text())["n_tokens"]
    print(f"\nGloVe: wordlab vs Stanford on {plain.name} ({n_words:,} words), dim {args.dim}, window {args.window}, "
          f"min-count {args.min_count}, {args.epochs} epochs, {args.threads} threads, memory {args.memory} GB")  # fmt: skip
    print(f"{'stage':8s} {'Stanford s':>10s} {'wordlab s':>9s} {'ratio':>6s} {'CPU ratio':>9s} {'Stanford MB':>11s} {'wordlab MB':>10s} {'ratio':>6s}")  # fmt: skip
    for stage, r in rows.items():
        (ts, ms, _, cs), (tw, mw, _, cw) = r["stanford"], r["wordlab"]
        print(
            f"{stage:8s} {ts:10.1f} {tw:9.1f} {ratio(tw, ts):6.2f} {ratio(cw, cs):9.2f} {ms:11.0f} {mw:10.0f} {ratio(mw, ms):6.2f}"
        )
    tot_s = sum(r["stanford"][0] for r in rows.values())
    tot_w = sum(r["wordlab"][0] for r in rows.values())
    print(f"{'total':8s} {tot_s:10.1f} {tot_w:9.1f} {ratio(tot_w, tot_s):6.2f}")
    st_epoch = wl_epoch = float("nan")
    if "train" in rows:
        st_epoch = rows["train"]["stanford"][0] / args.epochs
        wl_epoch = (
            float(np.mean(ours_epochs))
            if ours_epochs
            else rows["train"]["wordlab"][0] / args.epochs
        )
        print(f"per epoch: Stanford {st_epoch:.1f} s (run / epochs), wordlab {wl_epoch:.1f} s (mean epoch), "
              f"ratio {ratio(wl_epoch, st_epoch):.2f}")  # fmt: skip
    print(f"same vocabulary: {same_vocab}; co-occurrences: {check}")
    print(f"{'vectors':10s} {'WS353':>7s} {'SimLex':>7s} {'analogy':>8s} {'sem':>6s} {'syn':>6s}")
    for who, sc in scores.items():
        print(
            f"{who:10s} {sc['ws353']:7.1f} {sc['simlex']:7.1f} {sc['analogy']:8.1f} {sc['semantic']:6.1f} {sc['syntactic']:6.1f}"
        )
    if args.json:
        result = {"settings": {k: str(v) for k, v in vars(args).items()}, "words": n_words,
                  "stages": {k: {w: {"seconds": v[0], "peak_mb": v[1], "cpu_seconds": v[3]} for w, v in r.items()} for k, r in rows.items()},
                  "epoch_seconds": {"stanford": st_epoch, "wordlab": wl_epoch}, "same_vocab": same_vocab,
                  "cooccurrence_check": check, "scores": scores}  # fmt: skip
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
