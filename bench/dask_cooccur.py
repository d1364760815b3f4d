"""Co-occurrence counting on a Dask LocalCluster against one machine: same bytes, time, memory.

Usage (the whole file, as issue 20 asks; --bytes 10000000 checks the script on a 10 MB prefix):

    nice -n 10 python bench/dask_cooccur.py --corpus ../shared/data/corpora/enwiki-70m.txt.xz \
        --work /tmp/wordlab-dask-bench --workers 2 --threads 2 --memory 1

The corpus is decompressed once to plain text in --work, which both paths read (a cluster task
cannot enter a compressed file in the middle). One machine: `wordlab vocab` (encoding) then
`wordlab cooccur --threads T`, each its own process under /usr/bin/time. The cluster: a
LocalCluster of W one-thread worker processes started here, pass one (word counts by byte
range), pass two (one task per summation block of 4,194,304 tokens; a corpus of up to 33.5M
tokens, such as the 10 MB prefix, is one block) and the merge (one task per range of rows),
through the API, which reports every task's seconds and its worker's peak memory. Both
vocabularies and both co-occurrence files are compared byte for byte.

The projection for 4, 16 and 64 workers divides pass one's and the merge's measured work by the
workers (both cut their work into more ranges when there are more workers), replays pass two's
block tasks on that many workers (each to the first free worker, in order, as Dask's scheduler
roughly does), keeps the merge at least as long as the client's copy of the parts into the
output (made while the merge runs), adds the client's merging of pass one's counts, and says
which share the merge takes. It assumes every worker has a core of its own and a shared folder
as fast as this disk: measured on a 2-core machine other jobs share, times are indicative.
"""

from __future__ import annotations

import argparse
import heapq
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def timed(cmd: list[str]) -> dict:
    """Run `cmd` under /usr/bin/time: wall seconds, peak RSS (MB) and its stdout."""
    fd, name = tempfile.mkstemp(prefix="wordlab-dask-bench.")
    os.close(fd)
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", name, *cmd],
                          capture_output=True, text=True, check=False)  # fmt: skip
    secs, kb = Path(name).read_text().split()[-2:]
    Path(name).unlink()
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    print(f"  {' '.join(cmd[3:5])}: {float(secs):.1f} s, {float(kb) / 1024:.0f} MB", flush=True)
    return {"s": float(secs), "mb": float(kb) / 1024, "out": proc.stdout.strip()}


def plain_text(corpus: Path, work: Path, limit: int | None) -> Path:
    """The corpus (or its first `limit` bytes) as plain text in `work`, made once."""
    target = work / (corpus.name.removesuffix(".xz") if limit is None else f"prefix-{limit}.txt")
    if not target.exists():
        opener = lzma.open if corpus.suffix == ".xz" else open
        with opener(corpus, "rb") as src, open(f"{target}.tmp", "wb") as out:
            left = limit
            while left is None or left > 0:
                block = src.read(1 << 22 if left is None else min(1 << 22, left))
                if not block:
                    break
                out.write(block)
                left = None if left is None else left - len(block)
        os.replace(f"{target}.tmp", target)
    return target


def makespan(seconds: list[float], workers: int) -> float:
    """Time for tasks of `seconds`, in order, each to the first free worker."""
    free = [0.0] * workers
    for s in seconds:
        heapq.heapreplace(free, free[0] + s)
    return max(free)


def single_machine(text: Path, work: Path, args: argparse.Namespace) -> dict:
    """`wordlab vocab` then `wordlab cooccur --threads T`, encoding into a fresh cache."""
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    wordlab = [sys.executable, "-m", "wordlab"]
    opts = ["--min-count", str(args.min_count), "--corpus-cache", str(cache), "--quiet"]
    vocab = timed([*wordlab, "vocab", "--input", str(text), "--output", str(work / "vocab-1.txt"),
                   "--memory", str(args.memory), *opts])  # fmt: skip
    cooc = timed([*wordlab, "cooccur", "--input", str(text), "--vocab", str(work / "vocab-1.txt"),
                  "--output", str(work / "cooc-1.bin"), "--window", str(args.window),
                  "--memory", str(args.memory), "--threads", str(args.threads), *opts])  # fmt: skip
    return {"vocab": vocab, "cooccur": cooc}


def cluster(text: Path, work: Path, args: argparse.Namespace) -> dict:
    """Both passes and the merge on a LocalCluster of one-thread worker processes."""
    import distributed

    from wordlab.cooccur import CooccurSettings
    from wordlab.distributed import count_cooccurrences_on, scan_corpus
    from wordlab.textread import TextOptions

    t0 = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, memory_limit=0,
            dashboard_address=None,
        ) as local,
        distributed.Client(local) as client,
    ):  # fmt: skip
        client.run(lambda: __import__("wordlab.distributed.count"))  # load modules, kernels
        t1 = time.perf_counter()
        scan = scan_corpus(client, text, TextOptions(), progress=False)
        scan_s = time.perf_counter() - t1
        vocab = scan.vocab(args.min_count, None)
        vocab.save(work / "vocab-w.txt")
        settings = CooccurSettings(window=args.window, memory=args.memory)
        stats = count_cooccurrences_on(
            client, text, vocab, work / "cooc-w.bin", settings, scan=scan, progress=False
        )
        t2 = time.perf_counter()
    phases = {**stats.phases, "scan": scan_s}
    return {"startup_s": t1 - t0, "wall_s": t2 - t1, "entries": stats.entries,
            "shards": stats.shards, "phases": phases, "tasks": stats.tasks,
            "workers": args.workers}  # fmt: skip


def project(result: dict, workers: int) -> dict:
    """Projected seconds on `workers` workers, by phase, from the measured task times.

    Pass one and the merge cut their work into more ranges when there are more workers (2 and 4
    per worker), so their measured work divides by the workers; pass two has one task per
    summation block, replayed as measured. The client appends the merged parts to the output
    while the merge runs, so the merge phase lasts at least as long as that copy; what else the
    client does (merging pass one's counts) does not shrink.
    """
    tasks, phases = result["tasks"], result["phases"]
    work = {k: [t["seconds"] for t in tasks if t["kind"] == k] for k in ("scan", "count", "merge")}
    spans = {"scan": sum(work["scan"]) / workers, "count": makespan(work["count"], workers),
             "merge": max(sum(work["merge"]) / workers, phases["concatenate"])}  # fmt: skip
    # pass one's time beyond its tasks' span on the measured workers: the client merging counts
    spans["client"] = max(phases["scan"] - makespan(work["scan"], result["workers"]), 0.0)
    total = sum(spans.values())
    return {"workers": workers, **spans, "total": total, "merge_share": spans["merge"] / total}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "enwiki-70m.txt.xz")
    ap.add_argument("--bytes", type=int, default=None, help="only the first N bytes of text")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "wordlab-dask")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster workers (1 thread each)")
    ap.add_argument("--threads", type=int, default=2, help="threads of the one-machine path")
    ap.add_argument("--memory", type=float, default=1.0, help="GB, per worker and one machine")
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--min-count", type=int, default=5)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    text = plain_text(args.corpus, args.work, args.bytes)
    print(f"corpus: {text} ({text.stat().st_size:,} bytes)", flush=True)
    print("one machine:", flush=True)
    one = single_machine(text, args.work, args)
    print(f"cluster: {args.workers} workers x 1 thread", flush=True)
    many = cluster(text, args.work, args)
    same_vocab = (args.work / "vocab-1.txt").read_bytes() == (
        args.work / "vocab-w.txt"
    ).read_bytes()
    same = subprocess.run(["cmp", args.work / "cooc-1.bin", args.work / "cooc-w.bin"],
                          check=False).returncode == 0  # fmt: skip
    peaks: dict[str, float] = {}
    for t in many["tasks"]:
        peaks[t["worker"]] = max(peaks.get(t["worker"], 0.0), t["peak_mb"])
    kinds = {
        k: [t["seconds"] for t in many["tasks"] if t["kind"] == k]
        for k in ("scan", "count", "merge")
    }
    print(f"\nsame vocabulary: {same_vocab}; same co-occurrence file: {same} "
          f"({many['entries']:,} records, {many['shards']} shards)")  # fmt: skip
    print(f"one machine: vocab {one['vocab']['s']:.1f} s ({one['vocab']['mb']:.0f} MB), cooccur "
          f"--threads {args.threads} {one['cooccur']['s']:.1f} s ({one['cooccur']['mb']:.0f} MB)")  # fmt: skip
    print(
        f"cluster: start {many['startup_s']:.1f} s, then {many['wall_s']:.1f} s: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in many["phases"].items())
    )
    for k, secs in kinds.items():
        print(f"  {k}: {len(secs)} tasks, {sum(secs):.1f} s in all, longest {max(secs):.1f} s")
    print("  peak memory per worker: " + ", ".join(f"{v:.0f} MB" for v in peaks.values()))
    print("\n| workers | pass 1 s | pass 2 s | merge s | client s | total s | merge share |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    projections = [project(many, w) for w in (args.workers, 4, 16, 64)]
    for p in projections:
        print(f"| {p['workers']} | {p['scan']:.1f} | {p['count']:.1f} | {p['merge']:.1f} | "
              f"{p['client']:.1f} | {p['total']:.1f} | {100 * p['merge_share']:.0f} % |")  # fmt: skip
    result = {"corpus": str(text), "bytes": text.stat().st_size, "args": vars(args) | {
        "corpus": str(args.corpus), "work": str(args.work)}, "single": one, "cluster": many,
        "same_vocab": same_vocab, "same_cooccurrences": same, "worker_peak_mb": peaks,
        "projections": projections}  # fmt: skip
    (args.work / "results.json").write_text(json.dumps(result, indent=1, default=str))
    print(f"\n-> {args.work / 'results.json'}")
    if not (same and same_vocab):
        sys.exit("the files differ")


if __name__ == "__main__":
    main()
