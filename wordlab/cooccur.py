"""Windowed co-occurrence counts in bounded memory, and GloVe's binary record format.

As in GloVe's cooccur: a dense table holds the pairs of frequent words (those whose frequency
ranks multiply to less than `max_product`), and every other pair goes to an overflow buffer that
is sorted, counted and spilled to a shard file when full. Shards are merged by blocks of rows,
reading one shard at a time, so the number of open files never grows with the corpus (GloVe's
merge opens every spill file at once and runs out of handles, GloVe issues #155 and #193).

Summation order, the same however the work is split (threads, spills, machines: see
wordlab.distributed), so that every split writes the same bytes (wordlab.cooccur_shards): the
tokens form blocks (`summation_block`: one up to 33,554,432 tokens, else 4,194,304 tokens each); a
dense pair's value is the sum of its weights in token order within each block, those block sums
added in block order; an overflow pair's value adds 1/d once per occurrence at distance d, d
ascending. On a corpus of one block that fills no overflow buffer before its end, this is the
order of earlier versions (whose sums otherwise varied with --threads).

Threads split the work by row (`row % threads`), not by text, so they share one dense table.

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

from wordlab.cooccur_shards import (
    RECORD,
    SPILL_BUFFER,
    Layout,
    bucket_entries,
    flush_block,
    merge_range,
    plan_ranges,
    read_into,
    spill_events,
    summation_block,
)
from wordlab.corpus import WORD_OBJECT_BYTES, EncodedCorpus
from wordlab.errors import WordlabError
from wordlab.fileio import atomic_path, require_file
from wordlab.kernels import cooccur as kernels
from wordlab.models.threads import run_jobs
from wordlab.progress import Progress
from wordlab.vocab import Vocab

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


def _row_grid(V: int) -> np.ndarray:
    """Row boundaries of the merge's buckets: one row each for the most frequent rows, whose
    entries are the most numerous, then equal spans of rows; `_GRID` buckets at most."""
    single = np.arange(min(V, _GRID // 2), dtype=np.int64)
    spans = np.linspace(0, V, min(_GRID // 2, V) + 1).astype(np.int64)
    return np.unique(np.concatenate([single, spans]))


def count_layout(V: int, settings: CooccurSettings, max_product: int) -> Layout:
    """The layout of a count of `V` words with `settings` and a dense table of `max_product`."""
    dist_bits = max(1, int(settings.window).bit_length())
    if (1 << (62 - dist_bits)) <= V * V:
        raise WordlabError(
            f"vocabulary of {V:,} words is too large to pack pair ids; use --max-vocab"
        )
    distances = np.arange(settings.window + 1, dtype=np.float64)
    weights = (
        1.0 / np.maximum(distances, 1) if settings.distance_weighting else np.ones_like(distances)
    )
    dense_len, dense_offsets = dense_layout(V, max_product)
    grid = _row_grid(V)
    return Layout(V, dist_bits, weights, dense_len, dense_offsets, grid, (grid * V) << dist_bits)


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
                    read_into(fh, out)

            return read_file

    def read_array(start: int, out: np.ndarray) -> None:
        out[:] = tokens[start : start + out.shape[0]]

    return read_array


def count_cooccurrences(
    corpus: EncodedCorpus,
    vocab: Vocab,
    output: str | os.PathLike,
    settings: CooccurSettings = CooccurSettings(),
    temp_dir: str | os.PathLike | None = None,
    progress: bool = True,
    max_product: int | None = None,
    overflow_length: int | None = None,
    block_tokens: int | None = None,
) -> CooccurStats:
    """Count weighted co-occurrences of `vocab` words in `corpus` and write GloVe records to `output`.

    Peak memory stays within `settings.memory` GB (plus the interpreter's): the dense table and
    the overflow buffers take GloVe's shares (plan_memory), the tokens are read in 4 MB windows,
    spills stream through small buffers, and the merge's blocks get what the overflow buffers
    had (at most what the dense table and the vocabulary leave), so counting sets the peak.
    `max_product` and `overflow_length` override the sizes derived from `settings.memory`, as
    GloVe's options of the same names do (tests use them to force spills);
    `block_tokens` overrides the summation block (tests make it small to cut windows).
    """
    settings.check()
    V = len(vocab)
    if not vocab.matches_corpus(corpus):
        raise WordlabError(
            "the vocabulary does not belong to this corpus (its words are not the corpus's most frequent)"
        )
    auto_product, auto_overflow = plan_memory(V, settings.memory, settings.threads)
    layout = count_layout(V, settings, max_product or auto_product)
    overflow_length = max(overflow_length or auto_overflow, 2 * settings.window + 1)
    dense = np.zeros(int(layout.dense_offsets[-1]), dtype=np.float64)
    id_map = np.full(len(corpus.words), -1, dtype=np.int32)
    id_map[:V] = np.arange(V, dtype=np.int32)

    # Memory: the dense table, the vocabulary (the caller's word lists, id_map) and per thread a
    # token window and spill buffers stay held; the overflow buffers take GloVe's share while
    # counting, and the merge's blocks no more than they did (nor 90% of what is left, 10% for
    # the allocator's slack): the merge then never raises the count's peak, which stays near
    # GloVe's own (its cooccur holds the dense table and the overflow buffer, ~0.57 x --memory).
    budget = int(settings.memory * _GB)
    token_window = max(min(_TOKEN_WINDOW, budget // (64 * settings.threads)), 1 << 12)
    per_thread = 4 * token_window + 16 * SPILL_BUFFER + 8 * layout.grid.shape[0] + V
    held = (
        dense.nbytes + id_map.nbytes + layout.dense_offsets.nbytes + layout.dense_len.nbytes
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
    merge_memory = min(int(0.9 * (budget - held)), counting - held)

    shard_root = Path(tempfile.mkdtemp(prefix="wordlab-cooccur-", dir=temp_dir))
    shards: list[Path] = []
    shards_lock = threading.Lock()
    n_threads = settings.threads
    n_tokens = corpus.n_tokens
    block_tokens = block_tokens or summation_block(n_tokens)
    read_tokens = _token_reader(corpus.tokens)
    bar = Progress(n_tokens * n_threads, "co-occurrences", "tok", progress)

    def new_shard(name: str) -> Path:
        with shards_lock:
            shards.append(shard_root / name.format(len(shards)))
            return shards[-1]

    def work(thread: int, _worker: int) -> None:
        """Count the windows whose centre row `thread` owns (row % threads), over all the text;
        at the end of each block but the last, move that block's dense sums to a shard."""
        overflow = np.empty(overflow_length, dtype=np.int64)
        history = np.zeros(settings.window, dtype=np.int32)
        owned = np.arange(V) % n_threads == thread
        window = np.empty(min(token_window, n_tokens), dtype=np.int32)
        pos, line, n_hist, n_over = 0, 0, 0, 0
        while pos < n_tokens:
            base = pos
            stop = min(base + window.shape[0], n_tokens, (pos // block_tokens + 1) * block_tokens)
            read_tokens(base, window[: stop - base])
            while pos < stop:
                new_pos, line, n_hist, n_over = kernels.count_windows(
                    window, base, corpus.line_starts, pos, line, n_hist, stop, id_map,
                    settings.window, settings.symmetric, layout.weights, owned, dense,
                    layout.dense_offsets, layout.dense_len, V, layout.dist_bits, overflow,
                    n_over, history,
                )  # fmt: skip
                bar.update(new_pos - pos)
                if new_pos < stop:
                    spill_events(new_shard("o{:06d}"), overflow[:n_over], layout)
                    n_over = 0
                pos = new_pos
            if pos % block_tokens == 0 and pos < n_tokens:
                name = f"b{pos // block_tokens - 1:06d}d{thread:03d}"
                flush_block(new_shard(name), dense, layout, thread, n_threads)
        if n_over:
            spill_events(new_shard("o{:06d}"), overflow[:n_over], layout)

    try:
        run_jobs(n_threads, work, n_threads)  # job t = the rows that thread t owns
        bar.close()
        entries = _merge(dense, layout, shards, output, merge_memory, n_threads, progress)
    finally:
        shutil.rmtree(shard_root, ignore_errors=True)
    return CooccurStats(entries=entries, shards=len(shards), tokens=n_tokens)


def _merge(
    dense: np.ndarray,
    layout: Layout,
    shards: list[Path],
    output: str | os.PathLike,
    memory_bytes: int,
    threads: int,
    progress: bool,
) -> int:
    """Write the dense table and the shards, merged and sorted, as GloVe records; return the count.

    Ranges of rows are merged `threads` at a time, each within `memory_bytes / threads`; shard
    boundaries come from each shard's bucket index, read from disk when a range needs them.
    """
    shards = sorted(shards)  # block order
    grid, offsets = layout.grid, layout.dense_offsets
    # entries per row bucket: dense cells (an upper bound on its non-zeros) plus the shards' counts
    per_bucket = (offsets[grid[1:]] - offsets[grid[:-1]]).astype(np.int64) + bucket_entries(shards)
    ranges = plan_ranges(per_bucket, memory_bytes // threads, threads)

    def merge(bounds: tuple[int, int]) -> np.ndarray:
        return merge_range(shards, bounds[0], bounds[1], layout, dense)

    total = 0
    bar = Progress(layout.V, "merging", "rows", progress)
    with atomic_path(output) as tmp, open(tmp, "wb") as out, ThreadPoolExecutor(threads) as pool:
        # `threads` ranges at a time, written in order: memory stays bounded, the output sorted
        for i in range(0, len(ranges), threads):
            batch = ranges[i : i + threads]
            for (lo_b, hi_b), recs in zip(batch, pool.map(merge, batch), strict=True):
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
                    read_into(src, part)
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
                                read_into(fh, buf[filled : filled + count])
                            filled += count
                            taken[k] += count
                    merged = buf[:filled]
                    rng.shuffle(merged)
                    merged.tofile(out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return n
