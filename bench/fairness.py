"""Throughput of every trainer on a shared machine: alone, then beside one busy process.

    python bench/fairness.py [--threads 2] [--trainers glove,word2vec,fasttext,classify,elmo]

A user who runs two jobs on a 2-core machine should lose at most a fair share: with one other
single-threaded process busy, a trainer with two threads still owns about two of the three
runnable threads. Threads that spin while they wait (OpenMP's default, PyTorch's intra-op pool)
collapse instead: they burn their time slices waiting for the thread that lost its core.

Each trainer runs as the user runs it (the whole `wordlab` command, start-up included) on a fixed
small job, first alone, then with one `python -c "while True: pass"` process started just before
it and killed after it; both runs are preceded by one untimed warm-up run (compile cache, page
cache). Printed: seconds alone, seconds beside the busy process, and kept = alone / beside (the
fraction of its idle throughput the trainer keeps; the issue's target is at least 0.40).
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BUSY = [sys.executable, "-c", "while True: pass"]


def write_inputs(folder: Path, corpus: Path, imdb: Path) -> dict[str, Path]:
    """A 4 MB text8 slice (word trainers), a 300 kB one (ELMo), every 5th IMDB training review."""
    import lzma

    with lzma.open(corpus, "rt") as f:
        text = f.read(4_000_000)
    text = text[: text.rfind(" ")]
    words = text.split()
    # one "sentence" per 1,000 words: the trainers read lines
    lines = [" ".join(words[i : i + 1000]) for i in range(0, len(words), 1000)]
    small = folder / "text.txt"
    small.write_text("\n".join(lines) + "\n")
    tiny = folder / "elmo.txt"
    tiny.write_text("\n".join(" ".join(words[i : i + 50]) for i in range(0, 50_000, 50)) + "\n")
    labelled = folder / "imdb.txt"
    with lzma.open(imdb, "rt", encoding="utf-8") as f:
        next(f)  # header: label, id, rating, text; the file is sorted by label: every 5th
        rows = (line.rstrip("\n").split("\t") for line in itertools.islice(f, 0, None, 5))
        labelled.write_text("".join(f"__label__{r[0]} {r[3].lower()}\n" for r in rows))
    return {"text": small, "elmo": tiny, "labelled": labelled}


def commands(inputs: dict[str, Path], out: Path, threads: int) -> dict[str, list[str]]:
    """One whole `wordlab` command per trainer, each writing into its own folder under out."""
    wl = [sys.executable, "-m", "wordlab"]
    t = ["--threads", str(threads)]
    text, elmo, labelled = str(inputs["text"]), str(inputs["elmo"]), str(inputs["labelled"])
    return {
        "glove": wl + ["glove", "--input", text, "--output", str(out / "glove"), "--epochs", "15"]
        + t,
        "word2vec": wl + ["word2vec", "--input", text, "--output", str(out / "w2v"), "--epochs", "3"]
        + t,
        "fasttext": wl + ["fasttext", "--input", text, "--output", str(out / "ft"), "--epochs", "2"]
        + t,
        "classify": wl + ["classify", "train", "--input", labelled, "--output", str(out / "clf")]
        + ["--epochs", "10", "--word-ngrams", "2"] + t,
        "elmo": wl + ["elmo", "train", "--input", elmo, "--output", str(out / "elmo")]
        + ["--epochs", "1"] + t,
    }  # fmt: skip


def run(cmd: list[str], busy: bool) -> float:
    """Wall seconds of cmd, alone or beside one busy single-threaded process (fresh output)."""
    shutil.rmtree(cmd[cmd.index("--output") + 1], ignore_errors=True)
    hog = subprocess.Popen(BUSY) if busy else None
    try:
        time.sleep(0.2 if busy else 0)
        start = time.perf_counter()
        done = subprocess.run(cmd + ["--quiet"], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{' '.join(cmd)}: {done.stderr.strip()}")
        return time.perf_counter() - start
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()


def main() -> int:
    """Print one row per trainer: seconds alone, beside a busy process, and the fraction kept."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--trainers", default="glove,word2vec,fasttext,classify,elmo")
    ap.add_argument("--corpus", type=Path, default=DATA / "corpora" / "text8-prefix.txt.xz")
    ap.add_argument("--imdb", type=Path, default=DATA / "classification" / "imdb" / "train.tsv.xz")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wordlab-fairness-") as tmp:
        folder = Path(tmp)
        cmds = commands(write_inputs(folder, args.corpus, args.imdb), folder, args.threads)
        print(
            f"{'trainer':10s} {'alone s':>8s} {'beside s':>9s} {'kept':>6s}  ({args.threads} threads)"
        )
        for name in args.trainers.split(","):
            cmd = cmds[name]
            run(cmd, busy=False)  # warm-up: compile cache, page cache
            alone = run(cmd, busy=False)
            beside = run(cmd, busy=True)
            print(f"{name:10s} {alone:8.2f} {beside:9.2f} {alone / beside:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
