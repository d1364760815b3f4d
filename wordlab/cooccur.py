"""Windowed co-occurrence counts in bounded memory, and GloVe's binary record format.

As in GloVe's cooccur: a dense table holds the pairs of frequent words (those whose frequency
ranks multiply to less than `max_product`), and every other pair goes to an overflow buffer that
is sorted, summed and spilled to a shard file when full. Shards are merged by blocks of rows,
reading one shard at a time, so the number of open files never grows with the corpus (GloVe's
merge opens every spill file at once and runs out of handles, GloVe issues #155 and #193).

Threads split the work by row (`row % threads`), not by text, so they share one dense table, and
the dense sums do not depend on the thread count.

Output: records of (int32 word1, int32 word2, float64 value), 1-based ids, sorted by (word1,
word2), as Stanford's `cooccur` writes and `shuffle`/`glove` read.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wordlab.corpus import EncodedCorpus
from wordlab.errors import WordlabError
from wordlab.fileio import atomic_path, require_file
from wordlab.kernels import cooccur as kernels
from wordlab.models.threads import run_jobs
from wordlab.progress import Progress
from wordlab.vocab import Vocab

RECORD = np.dtype([("word1", "<i4"), ("word2", "<i4"), ("value", "<f8")])
_GB = 1 << 30
_GRID = 4096  # row buckets used to plan the merge


@dataclass(frozen=True)
class CooccurSettings:
    """Co-occurrence options, with GloVe's defaults where it has them (its demo uses window 15)."""

    window: int = 10
    symmetric: bool = True
    distance_weighting: bool = True
    memory: float = 4.0  # GB, soft limit like GloVe's -memory
    threads: int = 2

    def check(self) -> None:
        if not 1 <= self.window <= 255:
            raise WordlabError(f"--window must be between 1 and 255, got {self.window}")
        if self.memory <= 0:
            raise WordlabError(f"--memory must be positive, got {self.memory}")
        if self.threads < 1:
            raise WordlabError(f"--threads must be at least 1, got {self.threads}")


@dataclass
class CooccurStats:
    """What a counting run did: entries written, shards spilled, tokens read."""

    entries: int
    shards: int
    tokens: int


def dense_layout(vocab_size: int, max_product: int) -> tuple[np.ndarray, np.ndarray]:
    """Row lengths and offsets of the dense table: row r keeps columns c with (r+1)(c+1) <= max_product."""
    ranks = np.arange(1, vocab_size + 1, dtype=np.int64)
    lengths = np.minimum(vocab_size, max_product // ranks)
    offsets = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return lengths, offsets


def plan_memory(vocab_size: int, memory_gb: float, threads: int) -> tuple[int, int]:
    """Split the memory budget as GloVe's cooccur does: (max_product, overflow events per thread).

    GloVe's heuristic: with r = 0.85 * memory / 16 bytes, the dense table gets max_product = n
    where n (ln n + 0.1544) = r (the table then has about r cells), and the overflow buffers get
    r / 6 records' worth of bytes, shared here by the threads (our events take 8 bytes, not 16).
    """
    r = 0.85 * memory_gb * _GB / 16
    lo, hi = 1.0, max(r, 2.0)
    for _ in range(200):  # bisection on n (ln n + 0.1544) = r
        mid = (lo + hi) / 2
        if mid * (math.log(mid) + 0.1544313298) < r:
            lo = mid
        else:
            hi = mid
    max_product = max(int(lo), 1)
    overflow = max(int(r / 6 * 16 / 8 / threads), 4096)
    return max_product, overflow


def count_cooccurrences(
    corpus: EncodedCorpus,
    vocab: Vocab,
    output: str | os.PathLike,
    settings: CooccurSettings = CooccurSettings(),
    temp_dir: str | os.PathLike | None = None,
    progress: bool = True,
    max_product: int | None = None,
    overflow_length: int | None = None,
) -> CooccurStats:
    """Count weighted co-occurrences of `vocab` words in `corpus` and write GloVe records to `output`.

    `max_product` and `overflow_length` override the sizes derived from `settings.memory`, as
    GloVe's options of the same names do (tests use them to force many spills).
    """
    settings.check()
    V = len(vocab)
    if not vocab.matches_corpus(corpus):
        raise WordlabError(
            "the vocabulary does not belong to this corpus (its words are not the corpus's most frequent)"
        )
    dist_bits = max(1, int(settings.window).bit_length())
    if (1 << (62 - dist_bits)) <= V * V:
        raise WordlabError(
            f"vocabulary of {V:,} words is too large to pack pair ids; use --max-vocab"
        )
    auto_product, auto_overflow = plan_memory(V, settings.memory, settings.threads)
    max_product = max_product or auto_product
    overflow_length = max(overflow_length or auto_overflow, 2 * settings.window + 1)
    dense_len, dense_offsets = dense_layout(V, max_product)
    dense = np.zeros(int(dense_offsets[-1]), dtype=np.float64)
    distances = np.arange(settings.window + 1, dtype=np.float64)
    weights = (
        1.0 / np.maximum(distances, 1) if settings.distance_weighting else np.ones_like(distances)
    )
    id_map = np.full(len(corpus.words), -1, dtype=np.int32)
    id_map[:V] = np.arange(V, dtype=np.int32)

    shard_root = Path(tempfile.mkdtemp(prefix="wordlab-cooccur-", dir=temp_dir))
    shards: list[Path] = []
    shards_lock = threading.Lock()
    n_threads = settings.threads
    n_tokens = corpus.n_tokens
    bar = Progress(n_tokens * n_threads, "co-occurrences", "tok", progress)

    def spill(events: np.ndarray, n: int) -> None:
        events[:n].sort()  # numpy's sort releases the GIL, so the other threads keep counting
        keys, vals = kernels.reduce_sorted(events[:n], dist_bits, settings.distance_weighting)
        with shards_lock:
            path = shard_root / f"shard{len(shards):05d}"
            shards.append(path)
        keys.tofile(path.with_suffix(".keys"))
        vals.tofile(path.with_suffix(".vals"))

    def work(thread: int, _worker: int) -> None:
        """Count the windows whose centre row `thread` owns (row % threads), over all the text."""
        overflow = np.empty(overflow_length, dtype=np.int64)
        history = np.zeros(settings.window, dtype=np.int32)
        owned = np.arange(V) % n_threads == thread
        pos, line, n_hist, n_over = 0, 0, 0, 0
        while pos < n_tokens:
            stop = min(pos + (1 << 22), n_tokens)
            new_pos, line, n_hist, n_over = kernels.count_windows(
                corpus.tokens, corpus.line_starts, pos, line, n_hist, stop, id_map,
                settings.window, settings.symmetric, weights, owned, dense,
                dense_offsets, dense_len, V, dist_bits, overflow, n_over, history,
            )  # fmt: skip
            bar.update(new_pos - pos)
            if new_pos < stop:
                spill(overflow, n_over)
                n_over = 0
            pos = new_pos
        if n_over:
            spill(overflow, n_over)

    try:
        run_jobs(n_threads, work, n_threads)  # job t = the rows that thread t owns
        bar.close()
        entries = _merge(
            dense, dense_offsets, dense_len, V, shards, output, settings.memory, n_threads, progress
        )
    finally:
        shutil.rmtree(shard_root, ignore_errors=True)
    return CooccurStats(entries=entries, shards=len(shards), tokens=n_tokens)


def _merge(
    dense: np.ndarray,
    dense_offsets: np.ndarray,
    dense_len: np.ndarray,
    V: int,
    shards: list[Path],
    output: str | os.PathLike,
    memory_gb: float,
    threads: int,
    progress: bool,
) -> int:
    """Write the dense table and the shards, merged and sorted, as GloVe records; return the count."""
    grid = np.unique(np.linspace(0, V, min(_GRID, V) + 1).astype(np.int64))
    # entries per row bucket: dense non-zeros (estimated by cells) plus each shard's exact counts
    per_bucket = (dense_offsets[grid[1:]] - dense_offsets[grid[:-1]]).astype(np.int64)
    shard_bucket_starts = []
    for shard in shards:
        keys = (
            np.memmap(shard.with_suffix(".keys"), dtype=np.int64, mode="r")
            if _size(shard)
            else np.empty(0, np.int64)
        )
        starts = np.searchsorted(keys, grid * V) if keys.size else np.zeros(grid.shape[0], np.int64)
        shard_bucket_starts.append(np.asarray(starts, dtype=np.int64))
        per_bucket += np.diff(starts)
        del keys
    # ~48 bytes per entry in flight (gathered, merged, records), `threads` blocks at a time;
    # at least 4 blocks per thread so the threads share the work
    block_budget = max(int(memory_gb * _GB * 0.5 / 48 / threads), 1 << 16)
    block_budget = min(block_budget, max(int(per_bucket.sum()) // (4 * threads), 1 << 16))
    blocks: list[tuple[int, int]] = []
    b0, acc = 0, 0
    for b in range(per_bucket.shape[0]):
        if acc and acc + per_bucket[b] > block_budget:
            blocks.append((b0, b))
            b0, acc = b, 0
        acc += int(per_bucket[b])
    blocks.append((b0, per_bucket.shape[0]))

    def merge_block(block: tuple[int, int]) -> np.ndarray:
        lo_b, hi_b = block
        r0, r1 = int(grid[lo_b]), int(grid[hi_b])
        parts_k, parts_v = [], []
        for shard, starts in zip(shards, shard_bucket_starts, strict=True):
            a, b = int(starts[lo_b]), int(starts[hi_b])
            if b > a:
                parts_k.append(
                    np.fromfile(shard.with_suffix(".keys"), np.int64, b - a, offset=8 * a)
                )
                parts_v.append(
                    np.fromfile(shard.with_suffix(".vals"), np.float64, b - a, offset=8 * a)
                )
        run_starts = np.zeros(len(parts_k) + 1, dtype=np.int64)
        np.cumsum([p.shape[0] for p in parts_k], out=run_starts[1:])
        keys = np.concatenate(parts_k) if parts_k else np.empty(0, np.int64)
        vals = np.concatenate(parts_v) if parts_v else np.empty(0, np.float64)
        dense_nonzero = np.count_nonzero(dense[dense_offsets[r0] : dense_offsets[r1]])
        recs = np.empty(dense_nonzero + keys.shape[0], dtype=RECORD)
        n = kernels.merge_rows(
            dense, dense_offsets, dense_len, r0, r1, V, keys, vals, run_starts,
            recs["word1"], recs["word2"], recs["value"],
        )  # fmt: skip
        return recs[:n]

    total = 0
    bar = Progress(V, "merging", "rows", progress)
    with atomic_path(output) as tmp, open(tmp, "wb") as out, ThreadPoolExecutor(threads) as pool:
        # `threads` blocks at a time, written in order: memory stays bounded, the output sorted
        for i in range(0, len(blocks), threads):
            for (lo_b, hi_b), recs in zip(
                blocks[i : i + threads], pool.map(merge_block, blocks[i : i + threads]), strict=True
            ):
                recs.tofile(out)
                total += recs.shape[0]
                bar.update(int(grid[hi_b] - grid[lo_b]))
    bar.close()
    return total


def _size(shard: Path) -> int:
    return shard.with_suffix(".keys").stat().st_size


def read_records(path: str | os.PathLike) -> np.ndarray:
    """Memory-map a GloVe co-occurrence file as a record array (word1, word2, value; 1-based ids)."""
    p = require_file(path, "co-occurrence file")
    size = p.stat().st_size
    if size % RECORD.itemsize:
        raise WordlabError(
            f"{p}: size {size} is not a multiple of {RECORD.itemsize} bytes; "
            "not a GloVe co-occurrence file (int32 word1, int32 word2, float64 value)"
        )
    if size == 0:
        raise WordlabError(f"{p}: the co-occurrence file is empty")
    return np.memmap(p, dtype=RECORD, mode="r")


def shuffle_records(
    source: str | os.PathLike,
    output: str | os.PathLike,
    memory: float = 4.0,
    seed: int = 1,
    temp_dir: str | os.PathLike | None = None,
) -> int:
    """Shuffle a co-occurrence file into `output` in bounded memory, as GloVe's shuffle does.

    If it fits in `memory` GB it is permuted at once; otherwise chunks are shuffled into temporary
    files, then the output is built from equal slices of every chunk, shuffled again (one file open
    at a time). Returns the number of records.
    """
    recs = read_records(source)
    n = recs.shape[0]
    rng = np.random.default_rng(seed)
    chunk = max(int(memory * _GB * 0.8 / RECORD.itemsize), 1024)
    with atomic_path(output) as tmp:
        if n <= chunk:
            data = np.fromfile(source, dtype=RECORD)
            rng.shuffle(data)  # in place: one copy of the file in memory, as GloVe's shuffle
            data.tofile(tmp)
            return n
        work = Path(tempfile.mkdtemp(prefix="wordlab-shuffle-", dir=temp_dir))
        try:
            pieces = []
            for i, start in enumerate(range(0, n, chunk)):
                part = np.asarray(recs[start : start + chunk])
                path = work / f"chunk{i:05d}.bin"
                part[rng.permutation(part.shape[0])].tofile(path)
                pieces.append((path, part.shape[0]))
            n_pieces = len(pieces)
            step = math.ceil(chunk / n_pieces)
            taken = [0] * n_pieces
            with open(tmp, "wb") as out:
                while any(t < size for t, (_, size) in zip(taken, pieces, strict=True)):
                    batch = []
                    for k, (path, size) in enumerate(pieces):
                        count = min(step, size - taken[k])
                        if count > 0:
                            batch.append(
                                np.fromfile(path, RECORD, count, offset=taken[k] * RECORD.itemsize)
                            )
                            taken[k] += count
                    merged = np.concatenate(batch)
                    merged[rng.permutation(merged.shape[0])].tofile(out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return n
