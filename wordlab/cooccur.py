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

from wordlab.corpus import WORD_OBJECT_BYTES, EncodedCorpus
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


# tokens a counting thread reads at a time (4 MB; fewer when --memory is small)
_TOKEN_WINDOW = 1 << 20
_SPILL_BUFFER = 1 << 16  # pairs a spill reduces before writing them out


def _row_grid(V: int) -> np.ndarray:
    """Row boundaries of the merge's buckets: one row each for the most frequent rows, whose
    entries are the most numerous, then equal spans of rows; `_GRID` buckets at most."""
    single = np.arange(min(V, _GRID // 2), dtype=np.int64)
    spans = np.linspace(0, V, min(_GRID // 2, V) + 1).astype(np.int64)
    return np.unique(np.concatenate([single, spans]))


def _token_reader(tokens: np.ndarray):
    """A function `read(start, out)` filling `out` with tokens[start : start + len(out)].

    A memory-mapped corpus is read with plain file reads: the pages of a map that a loop has
    touched stay resident, and would count in the process's memory, until it is unmapped.
    """
    if isinstance(tokens, np.memmap) and tokens.filename is not None:
        path, base = tokens.filename, int(tokens.offset)
        whole = os.path.getsize(path) == base + 4 * tokens.shape[0]  # not a slice of the map
        if whole and tokens.dtype == np.int32 and tokens.ndim == 1 and tokens.flags.c_contiguous:

            def read_file(start: int, out: np.ndarray) -> None:
                with open(path, "rb") as fh:
                    fh.seek(base + 4 * start)
                    _read_into(fh, out)

            return read_file

    def read_array(start: int, out: np.ndarray) -> None:
        out[:] = tokens[start : start + out.shape[0]]

    return read_array


def _read_into(fh, out: np.ndarray) -> None:
    """Fill `out` from the binary file `fh` at its position, or raise if the file is short."""
    view = memoryview(out).cast("B")
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])
        if not n:
            raise WordlabError(f"{fh.name}: file ends early ({got} of {len(view)} bytes read)")
        got += n


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

    Peak memory stays within `settings.memory` GB (plus the interpreter's): the dense table and
    the overflow buffers take GloVe's shares (plan_memory), the tokens are read in 4 MB windows,
    spills stream through small buffers, and the merge's blocks get what the dense table and the
    vocabulary leave. `max_product` and `overflow_length` override the sizes derived from
    `settings.memory`, as GloVe's options of the same names do (tests use them to force spills).
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
    grid = _row_grid(V)
    grid_keys = grid * V  # a shard's entries for rows >= grid[b] start at its first key >= this

    # Memory: the dense table, the vocabulary (the caller's word lists, id_map) and per thread a
    # token window and spill buffers stay held; the overflow buffers take GloVe's share while
    # counting, the merge's blocks 90% of what is left after (10% for the allocator's slack).
    budget = int(settings.memory * _GB)
    token_window = max(min(_TOKEN_WINDOW, budget // (64 * settings.threads)), 1 << 12)
    per_thread = 4 * token_window + 16 * _SPILL_BUFFER + 8 * grid.shape[0] + V
    held = (
        dense.nbytes + id_map.nbytes + dense_offsets.nbytes + dense_len.nbytes
        + np.asarray(corpus.line_starts).nbytes + WORD_OBJECT_BYTES * (len(corpus.words) + V)
        + settings.threads * per_thread
    )  # fmt: skip
    counting = held + settings.threads * overflow_length * 8
    if counting > budget:
        lists = held - dense.nbytes
        share = (counting - lists) / budget  # GloVe's split: the tables grow with --memory
        enough = math.ceil((lists / (1 - share) if share < 0.9 else counting) / _GB * 100) / 100
        raise WordlabError(
            f"--memory {settings.memory:g} GB is too small for this corpus: its word lists and "
            f"line index take about {lists / (1 << 20):,.0f} MB besides the counting tables "
            f"({(counting - lists) / (1 << 20):,.0f} MB); use --memory {enough:g} or more"
        )
    merge_memory = int(0.9 * (budget - held))

    shard_root = Path(tempfile.mkdtemp(prefix="wordlab-cooccur-", dir=temp_dir))
    shards: list[Path] = []
    shards_lock = threading.Lock()
    n_threads = settings.threads
    n_tokens = corpus.n_tokens
    read_tokens = _token_reader(corpus.tokens)
    bar = Progress(n_tokens * n_threads, "co-occurrences", "tok", progress)

    def spill(events: np.ndarray, n: int) -> None:
        """Sort, sum and write one shard (.keys, .vals) and its bucket index (.index)."""
        events = events[:n]
        events.sort()  # numpy's sort releases the GIL, so the other threads keep counting
        with shards_lock:
            path = shard_root / f"shard{len(shards):05d}"
            shards.append(path)
        keys = np.empty(_SPILL_BUFFER, dtype=np.int64)
        vals = np.empty(_SPILL_BUFFER, dtype=np.float64)
        starts = np.zeros(grid.shape[0], dtype=np.int64)
        with (
            open(path.with_suffix(".keys"), "wb") as fk,
            open(path.with_suffix(".vals"), "wb") as fv,
        ):
            i = 0
            while i < n:
                i, m = kernels.reduce_sorted(
                    events, i, dist_bits, settings.distance_weighting, keys, vals
                )
                fk.write(memoryview(keys[:m]).cast("B"))
                fv.write(memoryview(vals[:m]).cast("B"))
                starts += np.searchsorted(keys[:m], grid_keys)
        starts.tofile(path.with_suffix(".index"))

    def work(thread: int, _worker: int) -> None:
        """Count the windows whose centre row `thread` owns (row % threads), over all the text."""
        overflow = np.empty(overflow_length, dtype=np.int64)
        history = np.zeros(settings.window, dtype=np.int32)
        owned = np.arange(V) % n_threads == thread
        window = np.empty(min(token_window, n_tokens), dtype=np.int32)
        pos, line, n_hist, n_over = 0, 0, 0, 0
        while pos < n_tokens:
            base = pos
            stop = min(base + window.shape[0], n_tokens)
            read_tokens(base, window[: stop - base])
            while pos < stop:
                new_pos, line, n_hist, n_over = kernels.count_windows(
                    window, base, corpus.line_starts, pos, line, n_hist, stop, id_map,
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
            dense, dense_offsets, dense_len, V, grid, shards, output, merge_memory, n_threads,
            progress,
        )  # fmt: skip
    finally:
        shutil.rmtree(shard_root, ignore_errors=True)
    return CooccurStats(entries=entries, shards=len(shards), tokens=n_tokens)


def _merge(
    dense: np.ndarray,
    dense_offsets: np.ndarray,
    dense_len: np.ndarray,
    V: int,
    grid: np.ndarray,
    shards: list[Path],
    output: str | os.PathLike,
    memory_bytes: int,
    threads: int,
    progress: bool,
) -> int:
    """Write the dense table and the shards, merged and sorted, as GloVe records; return the count.

    Blocks of rows are merged `threads` at a time, each within `memory_bytes / threads`; shard
    boundaries come from each shard's bucket index, read from disk when a block needs them.
    """
    # entries per row bucket: dense cells (an upper bound on its non-zeros) plus the shards' counts
    per_bucket = (dense_offsets[grid[1:]] - dense_offsets[grid[:-1]]).astype(np.int64)
    for shard in shards:
        per_bucket += np.diff(np.fromfile(shard.with_suffix(".index"), dtype=np.int64))
    # 32 bytes per entry in flight: its key and value read from a shard, or its dense cell, and
    # its record; `threads` blocks at a time, at least 4 blocks per thread so the threads share
    block_budget = max(memory_bytes // (32 * threads), 1 << 16)
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
        spans = []
        for shard in shards:
            index = shard.with_suffix(".index")
            a = int(np.fromfile(index, np.int64, 1, offset=8 * lo_b)[0])
            b = int(np.fromfile(index, np.int64, 1, offset=8 * hi_b)[0])
            if b > a:
                spans.append((shard, a, b))
        run_starts = np.zeros(len(spans) + 1, dtype=np.int64)
        np.cumsum([b - a for _, a, b in spans], out=run_starts[1:])
        keys = np.empty(int(run_starts[-1]), dtype=np.int64)
        vals = np.empty(int(run_starts[-1]), dtype=np.float64)
        for (shard, a, b), k0 in zip(spans, run_starts[:-1].tolist(), strict=True):
            for suffix, out in ((".keys", keys), (".vals", vals)):
                with open(shard.with_suffix(suffix), "rb") as fh:
                    fh.seek(8 * a)
                    _read_into(fh, out[k0 : k0 + b - a])
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
                del recs
    bar.close()
    return total


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

    Holds at most 0.8 * `memory` GB of records (one buffer, reused). If the file fits, it is
    shuffled at once; otherwise chunks are shuffled into temporary files, then the output is
    built from equal slices of every chunk, shuffled again (one file open at a time). Every
    shuffle is numpy's in-place Fisher-Yates, so a seed gives the same file as before this was
    bounded (`a[rng.permutation(n)]` draws the same numbers and gives the same order). Returns
    the number of records.
    """
    n = read_records(source).shape[0]  # checks the file; the map itself is never read
    if memory <= 0:
        raise WordlabError(f"--memory must be positive, got {memory}")
    rng = np.random.default_rng(seed)
    chunk = max(int(memory * _GB * 0.8 / RECORD.itemsize), 1024)
    with atomic_path(output) as tmp:
        if n <= chunk:
            data = np.fromfile(source, dtype=RECORD)
            rng.shuffle(data)  # in place: one copy of the file in memory, as GloVe's shuffle
            data.tofile(tmp)
            return n
        n_pieces = math.ceil(n / chunk)
        step = math.ceil(chunk / n_pieces)
        buf = np.empty(max(chunk, n_pieces * step), dtype=RECORD)
        work = Path(tempfile.mkdtemp(prefix="wordlab-shuffle-", dir=temp_dir))
        try:
            pieces = []
            with open(source, "rb") as src:
                for i, start in enumerate(range(0, n, chunk)):
                    part = buf[: min(chunk, n - start)]
                    _read_into(src, part)
                    rng.shuffle(part)
                    path = work / f"chunk{i:05d}.bin"
                    part.tofile(path)
                    pieces.append((path, part.shape[0]))
            taken = [0] * n_pieces
            with open(tmp, "wb") as out:
                while any(t < size for t, (_, size) in zip(taken, pieces, strict=True)):
                    filled = 0
                    for k, (path, size) in enumerate(pieces):
                        count = min(step, size - taken[k])
                        if count > 0:
                            with open(path, "rb") as fh:
                                fh.seek(taken[k] * RECORD.itemsize)
                                _read_into(fh, buf[filled : filled + count])
                            filled += count
                            taken[k] += count
                    merged = buf[:filled]
                    rng.shuffle(merged)
                    merged.tofile(out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return n
