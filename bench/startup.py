"""Whole-command time of tiny jobs, start-up included: what a user waits for on small inputs.

    python bench/startup.py [--runs 10] [--fasttext-bin /tmp/peers/facebookresearch+fastText/fasttext]

Times `wordlab classify train` on a 100-line labelled file and `wordlab nn` on a 100-word vectors
file (median, min and max of --runs runs after one warm-up run that fills the compile cache),
beside fastText C++'s `supervised` on the same file when its binary is given.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def write_inputs(folder: Path) -> tuple[Path, Path]:
    """A 100-line labelled file and a 100 x 10 vectors file."""
    rng = np.random.default_rng(0)
    words = ["good", "bad", "film", "great", "awful", "plot", "actor", "scene", "music", "end"]
    train = folder / "train.txt"
    train.write_text(
        "".join(
            f"__label__{'pos' if i % 2 else 'neg'} " + " ".join(rng.choice(words, 8)) + "\n"
            for i in range(100)
        )
    )
    vectors = folder / "vectors.txt"
    vectors.write_text(
        "100 10\n"
        + "".join(
            f"w{i} " + " ".join(f"{x:.4f}" for x in rng.standard_normal(10)) + "\n"
            for i in range(100)
        )
    )
    return train, vectors


def timed(cmd: list[str], runs: int) -> list[float]:
    """Wall seconds of `runs` runs of cmd after one untimed warm-up run."""
    subprocess.run(cmd, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Print one row per command: median, min, max seconds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--fasttext-bin", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train, vectors = write_inputs(folder)
        wl = [sys.executable, "-m", "wordlab"]
        rows = {
            "wordlab classify train": wl
            + ["classify", "train", "--input", str(train), "--output", str(folder / "clf")]
            + ["--dim", "10", "--quiet"],
            "wordlab nn": wl + ["nn", str(vectors), "w1", "w2"],
            "python -c pass": [sys.executable, "-c", "pass"],
        }
        if args.fasttext_bin:
            rows["fasttext supervised (C++)"] = [
                args.fasttext_bin, "supervised", "-input", str(train), "-output",
                str(folder / "ft"), "-dim", "10", "-verbose", "0",
            ]  # fmt: skip
        print(f"{'command':28s} {'median':>8s} {'min':>8s} {'max':>8s}  ({args.runs} runs)")
        for name, cmd in rows.items():
            t = timed(cmd, args.runs)
            print(f"{name:28s} {statistics.median(t):8.3f} {min(t):8.3f} {max(t):8.3f}")


if __name__ == "__main__":
    main()
