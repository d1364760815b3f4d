"""How time and peak memory grow with the corpus: every word trainer beside its peers.

    python bench/cost_vs_size.py --stanford /tmp/peers/stanfordnlp+GloVe/build \\
        --word2vec-bin /tmp/peers/tmikolov+word2vec/word2vec \\
        --fasttext-bin /tmp/peers/facebookresearch+fastText/fasttext \\
        [--bytes 12000000,100000000,0] [--work /tmp/bench/cost] [--figure FILE.png]

Prefixes of enwiki-70m (bytes; 0 = the whole 70.3M tokens; the defaults give ~2M, ~17M and
70M tokens), decompressed once to plain text that every tool reads. Each tool runs as a user runs
it: whole commands, start-up and writing the vectors included, one epoch (GloVe: one epoch after
its vocabulary, counting and shuffling stages), dim 100, min-count 5, 2 threads:
- GloVe (window 10, --memory 2): `wordlab glove --input` against Stanford's vocab_count, cooccur,
  shuffle and glove run one after the other (time summed, memory the largest stage);
- word2vec skip-gram, negative sampling (window 5, 5 negatives, sample 1e-4): `wordlab word2vec`
  against gensim (corpus_file) and the word2vec C tool;
- fastText subword skip-gram (same settings, n-grams 3-6): `wordlab fasttext` against fastText
  C++'s `skipgram`.
Peak memory is each process's maximum resident set (wait4's ru_maxrss). The classifier and ELMo
are not corpus-size jobs of this kind (their cost is in the IMDB and ELMo sections).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import lzma
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GENSIM = """
import sys
from gensim.models import Word2Vec
m = Word2Vec(corpus_file=sys.argv[1], vector_size=100, window=5, negative=5, sample=1e-4,
             min_count=5, workers=2, epochs=1, sg=1, hs=0, seed=1)
m.wv.save_word2vec_format(sys.argv[2], binary=True)
"""


def prefix(corpus: Path, n_bytes: int, work: Path) -> Path:
    """The first n_bytes of the decompressed corpus (0: all), cut back to a whole line."""
    out = work / f"prefix-{n_bytes or 'all'}.txt"
    if out.exists() and out.stat().st_size:
        return out
    with lzma.open(corpus, "rb") as src, open(out, "wb") as dst:
        if n_bytes:
            data = src.read(n_bytes)
            dst.write(data[: data.rfind(b"\n") + 1])
        else:
            while block := src.read(1 << 24):
                dst.write(block)
    return out


def measure(cmd: list[str], stdin: Path | None = None, stdout: Path | None = None) -> tuple:
    """(wall seconds, peak MB) of one command, its own process."""
    with contextlib.ExitStack() as files:
        fin = files.enter_context(open(stdin, "rb")) if stdin else subprocess.DEVNULL
        fout = files.enter_context(open(stdout, "wb")) if stdout else subprocess.DEVNULL
        err = files.enter_context(tempfile.TemporaryFile())
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read().decode(errors='replace')}")
    return wall, usage.ru_maxrss / 1024


def runs(text: Path, out: Path, args: argparse.Namespace) -> dict[str, list[list]]:
    """Per trainer and tool, the list of (command, stdin, stdout) steps of one whole job."""
    wl = [sys.executable, "-m", "wordlab"]
    common = ["--dim", "100", "--min-count", "5", "--threads", "2", "--epochs", "1", "--quiet"]
    w2v = ["--window", "5", "--negative", "5", "--sample", "1e-4"]
    st = Path(args.stanford)
    vocab, cooc, shuf = out / "st-vocab.txt", out / "st-cooc.bin", out / "st-shuf.bin"
    ft = ["-dim", "100", "-ws", "5", "-neg", "5", "-t", "1e-4", "-minCount", "5", "-thread", "2"]
    return {
        "GloVe": {
            "wordlab": [(wl + ["glove", "--input", str(text), "--output", str(out / "wl-glove"),
                               "--window", "10", "--memory", "2"] + common, None, None)],
            "Stanford": [
                ([str(st / "vocab_count"), "-min-count", "5", "-verbose", "0"], text, vocab),
                ([str(st / "cooccur"), "-memory", "2", "-vocab-file", str(vocab), "-verbose", "0",
                  "-window-size", "10"], text, cooc),
                ([str(st / "shuffle"), "-memory", "2", "-verbose", "0"], cooc, shuf),
                ([str(st / "glove"), "-save-file", str(out / "st-vectors"), "-threads", "2",
                  "-input-file", str(shuf), "-x-max", "100", "-iter", "1", "-vector-size", "100",
                  "-binary", "0", "-vocab-file", str(vocab), "-verbose", "0"], None, None),
            ],
        },
        "word2vec sg-ns": {
            "wordlab": [(wl + ["word2vec", "--input", str(text), "--output", str(out / "wl-w2v"),
                               "--model", "sg", "--loss", "ns"] + w2v + common, None, None)],
            "gensim": [([sys.executable, "-c", GENSIM, str(text), str(out / "gensim.bin")],
                        None, None)],
            "word2vec C": [([args.word2vec_bin, "-train", str(text), "-output",
                             str(out / "c.bin"), "-size", "100", "-window", "5", "-negative", "5",
                             "-hs", "0", "-sample", "1e-4", "-threads", "2", "-iter", "1",
                             "-min-count", "5", "-cbow", "0", "-binary", "1"], None, None)],
        },
        "fastText subwords": {
            "wordlab": [(wl + ["fasttext", "--input", str(text), "--output", str(out / "wl-ft"),
                               "--model", "sg", "--window", "5", "--neg", "5", "--sample", "1e-4"]
                        + common, None, None)],
            "fastText C++": [([args.fasttext_bin, "skipgram", "-input", str(text), "-output",
                               str(out / "ft"), "-epoch", "1", "-verbose", "0"] + ft, None, None)],
        },
    }  # fmt: skip


def figure(results: list[dict], path: Path) -> None:
    """Time and peak memory against tokens, one line per trainer and tool (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.2))
    keys = sorted({(r["trainer"], r["tool"]) for r in results})
    for trainer, tool in keys:
        rows = sorted(
            (r for r in results if (r["trainer"], r["tool"]) == (trainer, tool)),
            key=lambda r: r["tokens"],
        )
        style = "-" if tool == "wordlab" else "--"
        x = [r["tokens"] for r in rows]
        label = f"{trainer}: {tool}"
        ax_t.loglog(x, [r["seconds"] for r in rows], style, marker="o", label=label)
        ax_m.loglog(x, [r["peak_mb"] for r in rows], style, marker="o", label=label)
    ax_t.set(xlabel="tokens", ylabel="seconds (whole commands, 1 epoch)", title="time")
    ax_m.set(xlabel="tokens", ylabel="peak MB", title="peak memory")
    ax_t.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    """Run every tool at every size; print the table; write the JSON and the figure."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stanford", required=True, help="folder with Stanford GloVe's binaries")
    ap.add_argument("--word2vec-bin", required=True)
    ap.add_argument("--fasttext-bin", required=True)
    ap.add_argument("--corpus", type=Path, default=DATA / "corpora" / "enwiki-70m.txt.xz")
    ap.add_argument("--bytes", default="12000000,100000000,0")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench/cost"))
    ap.add_argument("--json", type=Path, help="results (default: WORK/cost_vs_size.json)")
    ap.add_argument("--figure", type=Path, help="the figure (default: WORK/cost_vs_size.png)")
    ap.add_argument("--trainers", help="comma-separated subset of GloVe, word2vec sg-ns, ...")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    print(f"{'tokens':>11s} {'trainer':18s} {'tool':13s} {'seconds':>8s} {'peak MB':>8s}")
    for n_bytes in (int(b) for b in args.bytes.split(",")):
        text = prefix(args.corpus, n_bytes, args.work)
        with open(text, "rb") as f:
            tokens = sum(len(line.split()) for line in f)
        out = args.work / f"out-{n_bytes or 'all'}"
        out.mkdir(exist_ok=True)
        for trainer, tools in runs(text, out, args).items():
            if args.trainers and trainer not in args.trainers.split(","):
                continue
            for tool, steps in tools.items():
                measured = [measure(*step) for step in steps]
                seconds = sum(m[0] for m in measured)
                peak = max(m[1] for m in measured)
                results.append(
                    {"tokens": tokens, "trainer": trainer, "tool": tool, "seconds": seconds,
                     "peak_mb": peak}
                )  # fmt: skip
                print(
                    f"{tokens:11,d} {trainer:18s} {tool:13s} {seconds:8.1f} {peak:8.0f}", flush=True
                )
    (args.json or args.work / "cost_vs_size.json").write_text(json.dumps(results, indent=1))
    figure(results, args.figure or args.work / "cost_vs_size.png")
    print("\n| tokens | trainer | tool | seconds | peak MB |\n|---:|---|---|---:|---:|")
    for r in results:
        print(f"| {r['tokens']:,} | {r['trainer']} | {r['tool']} | {r['seconds']:.1f} | "
              f"{r['peak_mb']:.0f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
