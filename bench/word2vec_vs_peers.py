"""Time and score wordlab's word2vec against gensim and the word2vec C tool.

Every tool trains on the same byte prefix of enwiki-70m (plain text, one paragraph per line) with
the same settings (dim 100, window 5, negative 5, sample 1e-4, min-count 5, 2 threads), in the
four modes sg-ns, cbow-ns, sg-hs, cbow-hs. Each run is a separate process, timed from start to
exit (wall: reading text, vocabulary, training, writing the vectors) with its peak resident
memory; training-only time is what each tool spends after its vocabulary is built:
- wordlab: the sum of `Word2Vec.epoch_seconds`, its training loop (the corpus is encoded from
  text in the same process, into a fresh `corpus_cache` folder, so wall includes encoding);
- gensim: `train(corpus_file=...)` after `build_vocab` (corpus_file mode, its fastest);
- word2vec C: from the moment it prints "Words in train file" (vocabulary done) to exit.
wordlab's Numba kernels are compiled into their cache by a warm-up run on a 1 MB prefix first
(compilation happens once per installation, not per run).
Words/s = in-vocabulary tokens of the prefix x epochs / seconds, the same numerator for all tools.
Quality: WordSim353 and SimLex-999 Spearman, Google analogy accuracy over the 30,000 most
frequent words, all scored by wordlab.evaluation on the written vectors.

    python bench/word2vec_vs_peers.py --word2vec-bin /tmp/peers/tmikolov+word2vec/word2vec \\
        [--bytes 100000000] [--epochs 5] [--modes sg-ns,cbow-ns] [--tools wordlab,gensim,c]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
MODES = ("sg-ns", "cbow-ns", "sg-hs", "cbow-hs")


def prepare_prefix(corpus: Path, n_bytes: int, out: Path) -> Path:
    """The first `n_bytes` bytes of the decompressed corpus, cut back to the last whole line."""
    import lzma

    if out.exists() and out.stat().st_size > 0:
        return out
    with lzma.open(corpus, "rb") as src:
        data = src.read(n_bytes)
    cut = data.rfind(b"\n")
    out.write_bytes(data[: cut + 1] if cut > 0 else data)
    return out


def child_wordlab(
    args: argparse.Namespace, mode: str, out: Path, batch_window: bool = False
) -> dict:
    """Train wordlab's word2vec in this process; return its own timing."""
    from wordlab.models.word2vec import Word2Vec

    model, loss = mode.split("-")
    with tempfile.TemporaryDirectory(dir=args.workdir) as cache:
        w2v = Word2Vec(
            model=model, loss=loss, dim=args.dim, window=args.window, negative=args.negative,
            sample=args.sample, epochs=args.epochs, min_count=args.min_count,
            threads=args.threads, seed=1, progress=False, batch_window=batch_window,
        ).fit(args.text, corpus_cache=Path(cache) / "enc")  # fmt: skip
    w2v.wv.save(out, "word2vec-binary")
    # the training loop's own seconds, epoch by epoch (encoding and vocabulary not included)
    return {"train_seconds": sum(w2v.epoch_seconds)}


def child_gensim(args: argparse.Namespace, mode: str, out: Path) -> dict:
    """Train gensim's Word2Vec (corpus_file mode) in this process; return its own timing."""
    from gensim.models import Word2Vec as GensimWord2Vec

    model, loss = mode.split("-")
    m = GensimWord2Vec(
        vector_size=args.dim, window=args.window, negative=0 if loss == "hs" else args.negative,
        hs=int(loss == "hs"), sample=args.sample, min_count=args.min_count,
        sg=int(model == "sg"), workers=args.threads, epochs=args.epochs, seed=1,
    )  # fmt: skip
    m.build_vocab(corpus_file=str(args.text))
    t = time.perf_counter()
    m.train(corpus_file=str(args.text), total_words=m.corpus_total_words, epochs=m.epochs)
    train_seconds = time.perf_counter() - t
    m.wv.save_word2vec_format(str(out), binary=True)
    return {"train_seconds": train_seconds}


def _vm_hwm_kb(pid: int) -> int:
    """Peak resident memory of a running process (Linux /proc), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_child(args: argparse.Namespace, tool: str, mode: str, out: Path) -> dict:
    """Run one tool in a fresh process; wall clock, peak RSS and training seconds."""
    if tool == "c":
        model, loss = mode.split("-")
        cmd = [
            "stdbuf", "-oL", str(args.word2vec_bin), "-train", str(args.text), "-output", str(out),
            "-binary", "1", "-cbow", str(int(model == "cbow")), "-size", str(args.dim),
            "-window", str(args.window), "-negative", "0" if loss == "hs" else str(args.negative),
            "-hs", str(int(loss == "hs")), "-sample", str(args.sample),
            "-threads", str(args.threads), "-iter", str(args.epochs),
            "-min-count", str(args.min_count),
        ]  # fmt: skip
    else:
        cmd = [sys.executable, __file__, "--child", tool, "--child-mode", mode,
               "--child-out", str(out), *args.passthrough]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    marks: dict[str, float] = {}
    chunks: list[bytes] = []

    def reader() -> None:
        buf = b""
        while True:
            data = proc.stdout.read1(4096)
            if not data:
                return
            chunks.append(data)
            buf += data
            if "vocab" not in marks and b"Words in train file" in buf:
                marks["vocab"] = time.perf_counter()

    t = threading.Thread(target=reader)
    t.start()
    # Peak memory is the child's VmHWM, polled: ru_maxrss would include this (large) parent's
    # resident size, which a forked child inherits before it execs.
    peak_kb = 0
    while proc.poll() is None:
        peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
        if args.memory_probe and time.perf_counter() - start > args.memory_probe:
            proc.terminate()
            proc.wait()
            t.join()
            return {"peak_mb": peak_kb / 1024}
        time.sleep(0.05)
    status = proc.returncode
    wall = time.perf_counter() - start
    t.join()
    text = b"".join(chunks).decode("utf-8", "replace")
    if status != 0:
        raise RuntimeError(f"{tool} {mode} failed:\n{text[-2000:]}")
    result = {"wall_seconds": wall, "peak_mb": peak_kb / 1024}
    if tool == "c":
        result["train_seconds"] = start + wall - marks.get("vocab", start)
    else:
        result.update(json.loads(text.strip().splitlines()[-1]))
    return result


def evaluate(path: Path) -> dict:
    """Spearman on WordSim353 and SimLex-999, Google analogy accuracy (30k most frequent)."""
    from wordlab.evaluation.analogy import evaluate_analogy
    from wordlab.evaluation.similarity import evaluate_similarity
    from wordlab.vectors import Vectors

    vec = Vectors.load(path)
    out = {}
    for name, f in (("ws353", "wordsim353.tsv"), ("simlex", "simlex999.txt")):
        out[name] = evaluate_similarity(vec, DATA / "similarity" / f).spearman
    out["analogy"] = evaluate_analogy(
        vec, DATA / "analogy" / "questions-words.txt", restrict_vocab=30000
    ).total.accuracy
    return out


def main() -> int:
    """Parse arguments, run every tool in every mode, print the table and ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--word2vec-bin", help="the word2vec C binary (skipped when absent)")
    p.add_argument("--corpus", default=str(DATA / "corpora" / "enwiki-70m.txt.xz"))
    p.add_argument("--bytes", type=int, default=100_000_000, help="prefix size (default 100 MB)")
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument(
        "--tools",
        default="wordlab,gensim,c",
        help="of wordlab, wordlab-batch (skip-gram with --batch-window), gensim, c",
    )
    p.add_argument("--workdir", default=None, help="for the prefix and vectors (default: tmp)")
    p.add_argument("--json", help="also write the results here")
    p.add_argument(
        "--memory-probe",
        type=float,
        default=0,
        metavar="SECONDS",
        help="only measure peak memory: stop each run after SECONDS (allocation is done by then)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per tool and mode, alternating tools (the machine's speed drifts); medians",
    )
    g = p.add_argument_group("settings shared by every tool")
    g.add_argument("--dim", type=int, default=100)
    g.add_argument("--window", type=int, default=5)
    g.add_argument("--negative", type=int, default=5)
    g.add_argument("--sample", type=float, default=1e-4)
    g.add_argument("--epochs", type=int, default=5)
    g.add_argument("--min-count", type=int, default=5)
    g.add_argument("--threads", type=int, default=2)
    p.add_argument("--text", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-mode", help=argparse.SUPPRESS)
    p.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.child:
        if args.child.startswith("wordlab"):  # "wordlab-batch": skip-gram's --batch-window
            batch = args.child == "wordlab-batch"
            result = child_wordlab(args, args.child_mode, args.child_out, batch)
        else:
            result = child_gensim(args, args.child_mode, args.child_out)
        print(json.dumps(result))
        return 0

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="w2v-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    args.workdir = str(workdir)
    args.text = prepare_prefix(Path(args.corpus), args.bytes, workdir / f"prefix-{args.bytes}.txt")
    args.passthrough = [
        "--text", str(args.text), "--workdir", str(workdir), "--dim", str(args.dim),
        "--window", str(args.window), "--negative", str(args.negative),
        "--sample", str(args.sample), "--epochs", str(args.epochs),
        "--min-count", str(args.min_count), "--threads", str(args.threads),
    ]  # fmt: skip
    tools = args.tools.split(",")
    if "c" in tools and not (args.word2vec_bin and Path(args.word2vec_bin).exists()):
        print("no --word2vec-bin: skipping the C tool", file=sys.stderr)
        tools.remove("c")
    if "c" in tools and not shutil.which("stdbuf"):
        print("stdbuf not found: the C tool's training time includes its vocabulary pass")

    from wordlab.corpus import load_corpus
    from wordlab.vocab import Vocab

    with tempfile.TemporaryDirectory(dir=workdir) as cache:
        enc = load_corpus(args.text, cache_dir=Path(cache) / "enc", progress=False)
        vocab = Vocab.from_corpus(enc, args.min_count)
        words = int(vocab.counts.sum()) * args.epochs
        print(f"corpus: {args.text} ({args.bytes:,} bytes), {enc.n_tokens:,} tokens, "
              f"{len(vocab):,} words with count >= {args.min_count}, {words:,} words trained "
              f"({args.epochs} epochs), {args.threads} threads", flush=True)  # fmt: skip

    if any(t.startswith("wordlab") for t in tools) and not args.memory_probe:
        # compile wordlab's kernels into Numba's cache (once per install) on a small prefix, so
        # the timed runs measure training, not compilation
        small = argparse.Namespace(**vars(args))
        small.text = prepare_prefix(Path(args.corpus), 1_000_000, workdir / "warmup.txt")
        small.passthrough = [*args.passthrough]
        small.passthrough[1] = str(small.text)
        for mode in args.modes.split(","):
            run_child(small, "wordlab", mode, workdir / "warmup.bin")

    results: dict[str, dict[str, dict]] = {}
    for mode in args.modes.split(","):
        results[mode] = {}
        for rep in range(args.repeat):
            for tool in tools:
                out = workdir / f"{tool}-{mode}.bin"
                r = run_child(args, tool, mode, out)
                if args.memory_probe:
                    print(f"{mode:8s} {tool:8s} peak {r['peak_mb']:7.0f} MB", flush=True)
                    continue
                r["words_per_s"] = words / r["train_seconds"]
                r["wall_words_per_s"] = words / r["wall_seconds"]
                if rep == 0:
                    r.update(evaluate(out))  # same seed and settings: score the first run
                    results[mode][tool] = {**r, "runs": []}
                results[mode][tool]["runs"].append(r)
                print(
                    f"{mode:8s} {tool:8s} run {rep + 1} train {r['train_seconds']:7.1f}s "
                    f"{r['words_per_s']:>11,.0f} w/s | wall {r['wall_seconds']:7.1f}s "
                    f"{r['wall_words_per_s']:>11,.0f} w/s | peak {r['peak_mb']:7.0f} MB",
                    flush=True,
                )
        for r in results[mode].values():
            for key in ("words_per_s", "wall_words_per_s", "wall_seconds", "peak_mb"):
                r[key] = float(statistics.median(run[key] for run in r["runs"]))
    if args.memory_probe:
        return 0
    print("\n| mode | tool | train words/s | wall words/s | wall s | peak MB | WS353 | SimLex | "
          "analogy |\n|---|---|---:|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    for mode, by_tool in results.items():
        for tool, r in by_tool.items():
            print(
                f"| {mode} | {tool} | {r['words_per_s']:,.0f} | {r['wall_words_per_s']:,.0f} | "
                f"{r['wall_seconds']:.1f} | {r['peak_mb']:.0f} | {r['ws353']:.3f} | "
                f"{r['simlex']:.3f} | {r['analogy']:.3f} |"
            )
    print("\nwordlab vs the best peer (speed ratio; quality difference in points):")
    for (mode, by_tool), ours in itertools.product(results.items(), ("wordlab", "wordlab-batch")):
        peers = {t: r for t, r in by_tool.items() if not t.startswith("wordlab")}
        if ours not in by_tool or not peers:
            continue
        w = by_tool[ours]
        parts = [
            f"train {w['words_per_s'] / max(r['words_per_s'] for r in peers.values()):.2f}x",
            f"wall {w['wall_words_per_s'] / max(r['wall_words_per_s'] for r in peers.values()):.2f}x",
        ]
        for key in ("ws353", "simlex", "analogy"):
            parts.append(f"{key} {100 * (w[key] - max(r[key] for r in peers.values())):+.1f}")
        print(f"  {mode} ({ours}): " + ", ".join(parts))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
