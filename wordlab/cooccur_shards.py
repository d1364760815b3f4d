"""Co-occurrence shards: partial counts on disk, and their merge in the one summation order.

Counting (wordlab.cooccur, one machine; wordlab.distributed, a cluster) leaves its partial counts
in shards of sorted (int64 key, float64 value) entries, keys packed as
`((row * V + col) << dist_bits) | d`: d = 0 holds a dense pair's weights summed in token order
over one summation block of tokens (`summation_block`), d >= 1 how often an overflow pair
occurred at distance d.
The merge adds a dense pair's block sums in block order and an overflow pair's weights one
occurrence at a time, d ascending, so the float64 sums, hence the bytes written, do not depend
on how the work was split: threads, buffer sizes, spills, tasks or machines.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wordlab.errors import WordlabError
from wordlab.kernels import cooccur as kernels

RECORD = np.dtype([("word1", "<i4"), ("word2", "<i4"), ("value", "<f8")])
# tokens per summation block: a dense pair's sums restart at each block and are added in order
# (4,194,304 tokens, about 25 MB of English text: also the unit of work a cluster spreads) ...
SUM_BLOCK = 1 << 22
# ... except that a corpus of up to 33,554,432 tokens (about 200 MB of text, half a minute of
# counting) is one block: it keeps the token-order sums of earlier versions (and Stanford's)
ONE_BLOCK = 1 << 25
SPILL_BUFFER = 1 << 16  # entries a spill or a flush writes at a time


def summation_block(n_tokens: int) -> int:
    """Tokens per summation block for a corpus of `n_tokens`: all of them up to ONE_BLOCK."""
    return max(n_tokens, 1) if n_tokens <= ONE_BLOCK else SUM_BLOCK


@dataclass(frozen=True)
class Layout:
    """What every counter and merger of one count shares: key packing, weights, dense table, grid."""

    V: int
    dist_bits: int
    weights: np.ndarray  # weights[d], d = 1..window
    dense_len: np.ndarray
    dense_offsets: np.ndarray
    grid: np.ndarray  # row boundaries of the merge's buckets
    grid_keys: np.ndarray  # the first shard key of each bucket


def read_into(fh, out: np.ndarray) -> None:
    """Fill `out` from the binary file `fh` at its position, or raise if the file is short."""
    view = memoryview(out).cast("B")
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])
        if not n:
            raise WordlabError(f"{fh.name}: file ends early ({got} of {len(view)} bytes read)")
        got += n


def _file(shard: Path, suffix: str) -> Path:
    return shard.with_name(shard.name + suffix)


def write_shard(
    shard: Path, fill: Callable[[np.ndarray, np.ndarray], int], layout: Layout
) -> np.ndarray:
    """Write the sorted (key, value) entries `fill(keys, vals)` yields (0: done) as one shard.

    Files `.keys`, `.vals` and `.index` (where each merge bucket starts) are written under
    temporary names and renamed once complete, so a task run twice (a retry) leaves whole files.
    Returns the index: where each bucket starts, and the number of entries last.
    """
    keys = np.empty(SPILL_BUFFER, dtype=np.int64)
    vals = np.empty(SPILL_BUFFER, dtype=np.float64)
    starts = np.zeros(layout.grid_keys.shape[0], dtype=np.int64)
    tag = f".{os.getpid()}-{threading.get_ident()}.tmp"
    tmp = {suffix: _file(shard, suffix + tag) for suffix in (".keys", ".vals", ".index")}
    try:
        with open(tmp[".keys"], "wb") as fk, open(tmp[".vals"], "wb") as fv:
            while m := fill(keys, vals):
                fk.write(memoryview(keys[:m]).cast("B"))
                fv.write(memoryview(vals[:m]).cast("B"))
                starts += np.searchsorted(keys[:m], layout.grid_keys)
        starts.tofile(tmp[".index"])
        for suffix, path in tmp.items():
            os.replace(path, _file(shard, suffix))
    finally:
        for path in tmp.values():
            path.unlink(missing_ok=True)
    return starts


def spill_events(shard: Path, events: np.ndarray, layout: Layout) -> np.ndarray:
    """Sort overflow events and write them as a shard of (event, count) entries."""
    events.sort()  # numpy's sort releases the GIL, so the other threads keep counting
    at = [0]

    def fill(keys: np.ndarray, vals: np.ndarray) -> int:
        at[0], m = kernels.reduce_sorted(events, at[0], keys, vals)
        return m

    return write_shard(shard, fill, layout)


def flush_block(shard: Path, dense: np.ndarray, layout: Layout, row: int, step: int) -> np.ndarray:
    """Move the dense cells of rows row, row+step, ... (one block's partial sums) into a shard."""
    at = [row, 0]

    def fill(keys: np.ndarray, vals: np.ndarray) -> int:
        at[0], at[1], m = kernels.flush_dense(
            dense, layout.dense_offsets, layout.dense_len, at[0], step, layout.V, at[1],
            layout.V, layout.dist_bits, keys, vals,
        )  # fmt: skip
        return m

    return write_shard(shard, fill, layout)


def bucket_entries(shards: list[Path]) -> np.ndarray:
    """Entries per merge bucket over all `shards`, from their indexes."""
    total = 0
    for shard in shards:
        total = total + np.diff(np.fromfile(_file(shard, ".index"), dtype=np.int64))
    return np.asarray(total, dtype=np.int64)


def plan_ranges(per_bucket: np.ndarray, memory_bytes: int, parts: int) -> list[tuple[int, int]]:
    """Consecutive bucket ranges to merge one at a time, each within `memory_bytes`.

    32 bytes per entry in flight: its key and value read from a shard (or its dense cell) and
    its record; at least 4 ranges per part, so that `parts` workers share the merge.
    """
    budget = max(memory_bytes // 32, 1 << 16)
    budget = min(budget, max(int(per_bucket.sum()) // (4 * parts), 1 << 16))
    ranges: list[tuple[int, int]] = []
    b0, acc = 0, 0
    for b in range(per_bucket.shape[0]):
        if acc and acc + per_bucket[b] > budget:
            ranges.append((b0, b))
            b0, acc = b, 0
        acc += int(per_bucket[b])
    ranges.append((b0, per_bucket.shape[0]))
    return ranges


def merge_range(
    shards: list[Path], lo_b: int, hi_b: int, layout: Layout, dense: np.ndarray | None = None
) -> np.ndarray:
    """The records of buckets [lo_b, hi_b): every shard's entries there, and the dense table's.

    `shards` must list the dense partial sums in block order (their names sort so); `dense`, the
    table holding the last block, is added last.
    """
    r0, r1 = int(layout.grid[lo_b]), int(layout.grid[hi_b])
    spans = []
    for shard in shards:
        index = _file(shard, ".index")
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
            with open(_file(shard, suffix), "rb") as fh:
                fh.seek(8 * a)
                read_into(fh, out[k0 : k0 + b - a])
    offsets = layout.dense_offsets
    in_table = 0 if dense is None else np.count_nonzero(dense[offsets[r0] : offsets[r1]])
    recs = np.empty(in_table + keys.shape[0], dtype=RECORD)
    n = kernels.merge_runs(
        keys, vals, run_starts, np.zeros(1) if dense is None else dense, offsets,
        layout.dense_len, r0, r1, dense is not None, layout.V, layout.dist_bits, layout.weights,
        recs["word1"], recs["word2"], recs["value"],
    )  # fmt: skip
    return recs[:n]
