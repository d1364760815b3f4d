"""Time `wordlab serve`'s neighbours query on 400,000 x 300 vectors, in-process and through HTTP.

    nice python bench/serve_latency.py [--rows 400000 --dim 300 --queries 300 --k 10]
                                       [--startup 50000]

Random unit vectors (float32) stand in for a large vocabulary: the query is exact (one
matrix-vector product and an argpartition), so its time depends on the size, not the values.
Prints the median and 95th percentile of `wordlab.serve.models.neighbors` in-process, with one
BLAS thread (the server's default) and with BLAS's own default, and of GET /api/neighbors
against a server on 127.0.0.1 over one keep-alive connection. The issue's target is 50 ms.
`--startup N` also times the first start (parse a text file of N x dim, write the memory-mapped
copy) against the second (open the copy), in a temporary folder removed afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wordlab.serve.api import Api  # noqa: E402
from wordlab.serve.cache import load_cached  # noqa: E402
from wordlab.serve.models import ServedModel, neighbors, warm  # noqa: E402
from wordlab.serve.server import ExplorerServer  # noqa: E402
from wordlab.vectors import Vectors  # noqa: E402


def stats(seconds: list[float]) -> str:
    """Median and 95th percentile in milliseconds."""
    ms = np.asarray(seconds) * 1e3
    return f"median {np.median(ms):6.2f} ms   p95 {np.percentile(ms, 95):6.2f} ms   (n={len(ms)})"


def blas_info() -> str:
    """The BLAS library and its thread count, as threadpoolctl sees them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(
        f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)" for i in infos
    )


def blas_threads(n: int | None):
    """A context limiting BLAS to n threads (None: leave as is)."""
    import contextlib

    if n is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(n, user_api="blas")


def in_process(model: ServedModel, words: list[str], k: int) -> list[float]:
    """Seconds per neighbours answer, called directly."""
    times = []
    for w in words:
        t = time.perf_counter()
        neighbors(model, w, k)
        times.append(time.perf_counter() - t)
    return times


def over_http(model: ServedModel, words: list[str], k: int) -> list[float]:
    """Seconds per GET /api/neighbors on one keep-alive connection to a server on 127.0.0.1."""
    server = ExplorerServer("127.0.0.1", 0, Api([model]))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    times = []
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
        for w in words:
            query = urllib.parse.urlencode({"model": model.name, "word": w, "k": k})
            t = time.perf_counter()
            conn.request("GET", f"/api/neighbors?{query}")
            resp = conn.getresponse()
            body = resp.read()
            times.append(time.perf_counter() - t)
            assert resp.status == 200 and len(json.loads(body)["neighbors"]) == k, body[:200]
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)
    return times


def startup(rows: int, dim: int, seed: int) -> None:
    """First start (parse text, write the copy) against the second (open the copy)."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory(prefix="wordlab-serve-bench-") as tmp:
        path = Path(tmp) / "vectors.txt"
        with open(path, "w", encoding="utf-8") as fh:
            for start in range(0, rows, 10000):
                block = rng.standard_normal((min(10000, rows - start), dim)).astype(np.float32)
                for i, row in enumerate(block):
                    fh.write(f"w{start + i} " + " ".join(f"{x:.5f}" for x in row) + "\n")
        size = path.stat().st_size
        root = Path(tmp) / "cache"
        t = time.perf_counter()
        load_cached(path, root=root)
        first = time.perf_counter() - t
        t = time.perf_counter()
        v, note = load_cached(path, root=root)
        v.index  # noqa: B018 - the word table is part of a start
        second = time.perf_counter() - t
        print(f"start-up, {rows:,} x {dim} text file ({size / 1e6:.0f} MB):")
        print(f"  first start (parse + write copy) {first:7.2f} s")
        print(f"  second start (memory-mapped)     {second:7.2f} s   [{note.split(' in ')[0]}]")


def main() -> int:
    """Build the vectors, time the query every way, print the numbers."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=400_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--startup", type=int, default=50_000, help="rows of the start-up test (0: skip)"
    )
    args = ap.parse_args()

    print(f"machine: {os.cpu_count()} CPUs; BLAS: {blas_info()}")
    rng = np.random.default_rng(args.seed)
    matrix = rng.standard_normal((args.rows, args.dim), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    vectors = Vectors([f"w{i}" for i in range(args.rows)], matrix)
    model = ServedModel("random", "-", "vectors", vectors, False, "in memory")
    t = time.perf_counter()
    warm(model)
    print(
        f"{args.rows:,} x {args.dim} unit vectors; warm-up (index, unit rows) {time.perf_counter() - t:.2f} s"
    )
    words = [vectors.words[i] for i in rng.integers(0, args.rows, args.queries)]
    in_process(model, words[:20], args.k)  # the pages and caches, once

    for label, threads in (("1 BLAS thread (server default)", 1), ("BLAS default threads", None)):
        with blas_threads(threads):
            print(
                f"in-process neighbours, k={args.k}, {label:31s} {stats(in_process(model, words, args.k))}"
            )
    with blas_threads(1):
        print(
            f"HTTP GET /api/neighbors, k={args.k}, 1 BLAS thread, keep-alive {stats(over_http(model, words, args.k))}"
        )
    if args.startup:
        startup(args.startup, args.dim, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
