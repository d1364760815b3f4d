"""Pass two on a cluster: co-occurrences counted by blocks of tokens, merged by ranges of rows.

A task owns one summation block (`summation_block`: 4,194,304 tokens, or the whole of a corpus of
up to 33,554,432), found from pass one's piece offsets: it reads the text from the nearest piece
before the block, runs the tokens before the block through the counting kernel with no row
owned, which leaves the last `window` words of the line in its history (going back one more
piece when the line started earlier and had too few), then counts the block's own windows. So a
window that spans two blocks is counted once, by the block of its centre word, as on one
machine. The block's dense sums and its overflow counts go to shards in a folder all workers
share; a merge task then merges one range of rows from every shard, and the parts are appended
to the output in order. The summation order is wordlab.cooccur_shards's, so the file equals the
single-machine `count_cooccurrences` output at the same `--memory`.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.cooccur import CooccurSettings, CooccurStats, count_layout, plan_memory
from wordlab.cooccur_shards import (
    Layout,
    flush_block,
    merge_range,
    plan_ranges,
    spill_events,
    summation_block,
)
from wordlab.corpus import WORD_OBJECT_BYTES
from wordlab.distributed.cluster import RETRIES, gather, n_workers, require_input, task_report
from wordlab.distributed.scan import RANGE_BYTES, CorpusScan, scan_corpus
from wordlab.errors import WordlabError
from wordlab.fileio import atomic_path
from wordlab.kernels import cooccur as kernels
from wordlab.textread import CHUNK_BYTES, TextOptions, iter_token_bytes
from wordlab.vocab import Vocab
from wordlab.wordcounts import read_word_counts
from wordlab.wordtable import WordTable

_GB = 1 << 30
_PIECE_BYTES = 1 << 20  # text read at a time by a block: the last piece overshoots the block
_BACK_POINTS = 16  # pieces a block may go back to find the start of its first line's context


@dataclass
class ClusterStats(CooccurStats):
    """`CooccurStats` plus what each task did (seconds, worker, peak memory) and each phase."""

    tasks: list[dict[str, Any]] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)


def _layout(V: int, settings: CooccurSettings, max_product: int | None) -> Layout:
    """The single-machine layout: `max_product` from --memory does not depend on threads."""
    return count_layout(V, settings, max_product or plan_memory(V, settings.memory, 1)[0])


def _vocabulary_table(work: Path) -> tuple[WordTable, int]:
    """A lookup table giving the shared vocabulary's words ids 1..V, and V."""
    words, _ = read_word_counts(work / "vocab.txt")
    table = WordTable()
    table.ids(" ".join(words).encode("utf-8"))
    return table, len(words)


def _read_tokens(
    path: str, start: int, needed: int, table: WordTable, V: int, options: TextOptions,
    piece_bytes: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """`needed` tokens from byte `start` (vocabulary ids, V out of it) and where lines restart.

    A restart at p means a newline came between tokens p-1 and p (p = 0: before the first).
    """
    parts, restarts, n = [], [np.zeros(0, dtype=np.int64)], 0
    for _, _, piece in iter_token_bytes(path, options, piece_bytes, start):
        ids = table.lookup(piece, V + 1)
        is_word = ids != 0
        restarts.append(np.cumsum(is_word)[~is_word] + n)
        parts.append(ids[is_word] - 1)
        n += parts[-1].shape[0]
        if n >= needed:
            break
    if n < needed:
        raise WordlabError(f"{path}: fewer tokens than pass one counted; did the file change?")
    tokens = np.concatenate(parts)[:needed].astype(np.int32)
    found = np.unique(np.concatenate(restarts))
    return tokens, found[found < needed]


def count_block(
    path: str, work: str, block: int, g0: int, g1: int, points: list[tuple[int, int, int]],
    settings: CooccurSettings, options: TextOptions, max_product: int | None,
    overflow_length: int | None, piece_bytes: int,
) -> tuple[list[tuple[str, np.ndarray]], dict[str, Any]]:  # fmt: skip
    """Task: count the windows centred on tokens [g0, g1) into shards; their names and buckets."""
    started = time.perf_counter()
    require_input(path)
    folder = require_input(work, "work folder")
    table, V = _vocabulary_table(folder)
    layout = _layout(V, settings, max_product)
    window = settings.window
    overflow = np.empty(
        max(overflow_length or plan_memory(V, settings.memory, 1)[1], 2 * window + 1), np.int64
    )
    dense = np.zeros(int(layout.dense_offsets[-1]), dtype=np.float64)
    id_map = np.arange(V + 1, dtype=np.int32)
    id_map[V] = -1
    history = np.zeros(window, dtype=np.int32)

    def run(
        tokens: np.ndarray, line_starts: np.ndarray, pos: int, line: int, n_hist: int, stop: int,
        owned: np.ndarray, n_over: int, spill: Callable[[int], None] | None,
    ) -> tuple[int, int, int]:  # fmt: skip
        """Count tokens [pos, stop) (rows `owned`), spilling when the overflow buffer fills."""
        while pos < stop:
            pos_new, line, n_hist, n_over = kernels.count_windows(
                tokens, 0, line_starts, pos, line, n_hist, stop, id_map, window,
                settings.symmetric, layout.weights, owned, dense, layout.dense_offsets,
                layout.dense_len, V, layout.dist_bits, overflow, n_over, history,
            )  # fmt: skip
            if pos_new < stop and spill is not None:
                spill(n_over)
                n_over = 0
            pos = pos_new
        return line, n_hist, n_over

    # the tokens before the block only fill the history: no row is owned while reading them
    for s, t_s, starts_line in points:  # nearest first, the file's start last
        tokens, restarts = _read_tokens(path, s, g1 - t_s, table, V, options, piece_bytes)
        line_starts = np.unique(np.concatenate([[0], restarts, [g1 - t_s]]))
        line, n_hist, _ = run(
            tokens, line_starts, 0, 0, 0, g0 - t_s, np.zeros(V, np.bool_), 0, None
        )
        if starts_line or n_hist >= window or (restarts.size and restarts[0] <= g0 - t_s):
            break
    shards: list[tuple[str, np.ndarray]] = []

    def spill(n_over: int) -> None:
        name = f"b{block:06d}o{len(shards):05d}"
        shards.append((name, np.diff(spill_events(folder / name, overflow[:n_over], layout))))

    _, _, n_over = run(
        tokens, line_starts, g0 - t_s, line, n_hist, g1 - t_s, np.ones(V, np.bool_), 0, spill
    )
    if n_over:
        spill(n_over)
    name = f"b{block:06d}d000"  # the block's dense sums: shard names sort in block order
    shards.append((name, np.diff(flush_block(folder / name, dense, layout, 0, 1))))
    return shards, task_report("count", started, block=block, tokens=g1 - g0)


def merge_part(
    work: str, names: list[str], lo_b: int, hi_b: int, V: int, settings: CooccurSettings,
    max_product: int | None, part: str,
) -> tuple[int, dict[str, Any]]:  # fmt: skip
    """Task: merge buckets [lo_b, hi_b) of the shards `names` (in block order) into file `part`."""
    started = time.perf_counter()
    folder = require_input(work, "work folder")
    recs = merge_range([folder / n for n in names], lo_b, hi_b, _layout(V, settings, max_product))
    with atomic_path(folder / part) as tmp:
        recs.tofile(tmp)
    return recs.shape[0], task_report("merge", started, records=recs.shape[0])


def _append(part: Path, out: Any) -> None:
    """Append the file `part` to the open file `out`, in the kernel when it can (no copy here)."""
    size, done = part.stat().st_size, 0
    out.flush()
    with open(part, "rb") as fh:
        try:
            while done < size:
                n = os.copy_file_range(fh.fileno(), out.fileno(), size - done)
                if n == 0:
                    break
                done += n
        except (AttributeError, OSError):  # not Linux, or not one filesystem
            pass
        out.seek(0, os.SEEK_END)
        if done < size:
            fh.seek(done)
            shutil.copyfileobj(fh, out, 1 << 22)


def _check_memory(
    V: int, settings: CooccurSettings, layout: Layout, overflow: int | None, block: int
) -> None:
    """Refuse, before any task runs, a --memory that a counting task would exceed.

    A task holds the dense table, its overflow buffer, the vocabulary (as Python strings and as a
    lookup table) and the block's tokens with the text being read.
    """
    held = 8 * int(layout.dense_offsets[-1]) + (WORD_OBJECT_BYTES + 64) * V
    held += 8 * (overflow or plan_memory(V, settings.memory, 1)[1]) + 12 * block + 4 * _PIECE_BYTES
    if held > settings.memory * _GB:
        raise WordlabError(
            f"--memory {settings.memory:g} GB is too small: a counting task holds about "
            f"{held / (1 << 20):,.0f} MB (dense table, buffers, vocabulary, one block of tokens); "
            f"use --memory {math.ceil(held / _GB * 100) / 100:g} or more"
        )


def _block_points(scan: CorpusScan, g0: int) -> list[tuple[int, int, int]]:
    """Pieces to start block g0 from: the nearest before it first, the file's start last."""
    j = int(np.searchsorted(scan.points[:, 1], g0, side="right"))
    near = [tuple(int(v) for v in p) for p in scan.points[max(0, j - _BACK_POINTS) : j][::-1]]
    return near if near and near[-1][0] == 0 else [*near, (0, 0, 1)]  # type: ignore[list-item]


def count_cooccurrences_on(
    client: Any,
    path: str | Path,
    vocab: Vocab,
    output: str | Path,
    settings: CooccurSettings = CooccurSettings(),
    options: TextOptions = TextOptions(),
    scan: CorpusScan | None = None,
    progress: bool = True,
    max_product: int | None = None,
    overflow_length: int | None = None,
    block_tokens: int | None = None,
    range_bytes: int = RANGE_BYTES,
    chunk_bytes: int = CHUNK_BYTES,
) -> ClusterStats:
    """`count_cooccurrences` of the text file `path` on the cluster of `client`: the same bytes.

    `scan` is pass one's result when the caller has it (it also gave the vocabulary); the work
    folder of shards lies beside `output`, which every worker must see. The last four arguments
    are for tests, as in `count_cooccurrences`.
    """
    settings.check()
    path = str(Path(path).resolve())
    output = Path(output).resolve()
    t0 = time.perf_counter()
    scan = scan or scan_corpus(client, path, options, progress, range_bytes, chunk_bytes)
    t1 = time.perf_counter()
    if not scan.matches(vocab):
        raise WordlabError(
            "the vocabulary does not belong to this corpus (its words are not the corpus's most frequent)"
        )
    V, N = len(vocab), scan.n_tokens
    block_tokens = block_tokens or summation_block(N)  # a corpus of one block is one task
    layout = _layout(V, settings, max_product)  # refuses a vocabulary too large to pack
    _check_memory(V, settings, layout, overflow_length, block_tokens)
    piece = min(_PIECE_BYTES, chunk_bytes)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.wordlab-", dir=output.parent))
    try:
        vocab.save(work / "vocab.txt")
        n_blocks = math.ceil(N / block_tokens)
        g0s = [k * block_tokens for k in range(n_blocks)]
        futures = client.map(
            count_block, [path] * n_blocks, [str(work)] * n_blocks, range(n_blocks), g0s,
            [min(N, g + block_tokens) for g in g0s], [_block_points(scan, g) for g in g0s],
            [settings] * n_blocks, [options] * n_blocks, [max_product] * n_blocks,
            [overflow_length] * n_blocks, [piece] * n_blocks, retries=RETRIES, pure=False,
        )  # fmt: skip
        counted = gather(client, futures, "counting blocks", progress)
        t2 = time.perf_counter()
        shards = sorted(s for result, _ in counted for s in result)  # block order
        buckets = np.array([b for _, b in shards]).reshape(len(shards), -1)
        ranges = plan_ranges(
            buckets.sum(axis=0), int(0.9 * settings.memory * _GB), n_workers(client)
        )
        names = [[n for (n, _), c in zip(shards, buckets[:, lo:hi].sum(axis=1), strict=True) if c]
                 for lo, hi in ranges]  # fmt: skip
        parts = [f"part{i:06d}.bin" for i in range(len(ranges))]
        futures = client.map(
            merge_part, [str(work)] * len(ranges), names, [lo for lo, _ in ranges],
            [hi for _, hi in ranges], [V] * len(ranges), [settings] * len(ranges),
            [max_product] * len(ranges), parts, retries=RETRIES, pure=False,
        )  # fmt: skip
        appending = [0.0]  # parts join the file as soon as they are in order

        def append(i: int, _result: Any) -> None:
            t = time.perf_counter()
            _append(work / parts[i], out)
            appending[0] += time.perf_counter() - t

        with atomic_path(output) as tmp, open(tmp, "wb") as out:
            merged = gather(client, futures, "merging", progress, in_order=append)
        t3 = time.perf_counter()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ClusterStats(
        entries=sum(n for n, _ in merged), shards=len(shards), tokens=N,
        tasks=[*scan.tasks, *(r for _, r in counted), *(r for _, r in merged)],
        phases={"scan": t1 - t0, "count": t2 - t1, "merge": t3 - t2, "concatenate": appending[0]},
    )  # fmt: skip


def count_to_folder(
    client: Any,
    path: str | Path,
    folder: str | Path,
    settings: CooccurSettings,
    options: TextOptions,
    min_count: int,
    max_vocab: int | None,
    progress: bool = True,
) -> Vocab:
    """GloVe's counting stages on the cluster: `folder`/vocab.txt and cooccurrence.bin, as
    `GloVe.fit` leaves them; returns the vocabulary, for training here."""
    scan = scan_corpus(client, path, options, progress)
    vocab = scan.vocab(min_count, max_vocab)
    vocab.save(Path(folder) / "vocab.txt")
    count_cooccurrences_on(
        client, path, vocab, Path(folder) / "cooccurrence.bin", settings, options, scan, progress
    )
    return vocab
