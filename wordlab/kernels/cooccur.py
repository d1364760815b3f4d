"""Compiled loops for windowed co-occurrence counting (see wordlab/cooccur.py for the design).

Events are packed into int64 keys `((row * V + col) << dist_bits) | distance`, so sorting plain
integers groups equal pairs and carries the distance without a payload array.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def count_windows(
    tokens,
    line_starts,
    pos,
    line,
    n_hist,
    stop,
    id_map,
    window,
    symmetric,
    weights,
    owned,
    dense,
    dense_offsets,
    dense_len,
    vocab_size,
    dist_bits,
    overflow,
    n_overflow,
    history,
):
    """Count the window pairs of tokens [pos, stop) whose row this thread owns (`owned[row]`).

    Row ownership (row % threads) lets threads share one dense table without races, and makes
    every dense cell's sum independent of the thread count. Pairs (row, col) with
    `col < dense_len[row]` (frequent words) go to `dense`, weighted by `weights[distance]`; the
    rest are appended to `overflow`. A line start resets the context, as a newline does in
    GloVe's cooccur; out-of-vocabulary tokens (`id_map[t] < 0`) are skipped without taking a
    position. Stops early when the buffer might not hold another token's events; returns the
    state to resume from: (pos, line, n_hist, n_overflow), the last `window` ids in `history`.
    """
    capacity = overflow.shape[0]
    next_line = line_starts[line + 1]
    for p in range(pos, stop):
        while p == next_line:
            line += 1
            next_line = line_starts[line + 1]
            n_hist = 0
        if n_overflow + 2 * window > capacity:
            return p, line, n_hist, n_overflow
        w = id_map[tokens[p]]
        if w < 0:
            continue
        n_back = n_hist if n_hist < window else window
        head = n_hist % window  # where w goes in the ring; its left neighbours sit before it
        own_w = symmetric and owned[w]
        len_w = dense_len[w]
        off_w = dense_offsets[w]
        for k in range(1, n_back + 1):
            i = head - k
            if i < 0:
                i += window
            c = history[i]
            val = weights[k]
            # left context c precedes target w: entry (c, w); and (w, c) when symmetric
            if owned[c]:
                if w < dense_len[c]:
                    dense[dense_offsets[c] + w] += val
                else:
                    overflow[n_overflow] = ((c * vocab_size + w) << dist_bits) | k
                    n_overflow += 1
            if own_w:
                if c < len_w:
                    dense[off_w + c] += val
                else:
                    overflow[n_overflow] = ((w * vocab_size + c) << dist_bits) | k
                    n_overflow += 1
        history[head] = w
        n_hist += 1
    return stop, line, n_hist, n_overflow


@njit(cache=True, nogil=True)
def reduce_sorted(events, dist_bits, distance_weighting):
    """Sum the weights of equal pairs in sorted packed events: returns sorted (pair keys, values).

    The caller sorts with numpy, whose SIMD sort of int64 is several times faster than Numba's.
    """
    n = events.shape[0]
    keys = np.empty(n, dtype=np.int64)
    vals = np.empty(n, dtype=np.float64)
    m = -1
    last = -1
    mask = (1 << dist_bits) - 1
    for i in range(n):
        e = events[i]
        key = e >> dist_bits
        val = 1.0 / (e & mask) if distance_weighting else 1.0
        if key != last:
            m += 1
            keys[m] = key
            vals[m] = val
            last = key
        else:
            vals[m] += val
    return keys[: m + 1].copy(), vals[: m + 1].copy()


@njit(cache=True, nogil=True)
def dense_entries(dense, dense_offsets, dense_len, row_start, row_stop, vocab_size):
    """The non-zero dense cells of rows [row_start, row_stop) as sorted (pair keys, values)."""
    lo = dense_offsets[row_start]
    hi = dense_offsets[row_stop]
    n = 0
    for i in range(lo, hi):
        if dense[i] != 0.0:
            n += 1
    keys = np.empty(n, dtype=np.int64)
    vals = np.empty(n, dtype=np.float64)
    m = 0
    for r in range(row_start, row_stop):
        base = dense_offsets[r]
        for c in range(dense_len[r]):
            v = dense[base + c]
            if v != 0.0:
                keys[m] = r * vocab_size + c
                vals[m] = v
                m += 1
    return keys, vals


@njit(cache=True, nogil=True)
def merge_sorted_runs(keys, vals, run_starts):
    """Merge the sorted runs `keys[run_starts[i]:run_starts[i+1]]`, summing equal keys.

    A k-way merge by repeated scans of the run heads (k is small: one run per shard plus the dense
    table), so the result is sorted and each key's sum is taken in run order, deterministically.
    """
    k = run_starts.shape[0] - 1
    pos = run_starts[:-1].copy()
    ends = run_starts[1:]
    n = keys.shape[0]
    out_keys = np.empty(n, dtype=np.int64)
    out_vals = np.empty(n, dtype=np.float64)
    m = -1
    big = np.iinfo(np.int64).max
    while True:
        best = big
        for r in range(k):
            if pos[r] < ends[r] and keys[pos[r]] < best:
                best = keys[pos[r]]
        if best == big:
            break
        m += 1
        out_keys[m] = best
        out_vals[m] = 0.0
        for r in range(k):
            while pos[r] < ends[r] and keys[pos[r]] == best:
                out_vals[m] += vals[pos[r]]
                pos[r] += 1
    return out_keys[: m + 1].copy(), out_vals[: m + 1].copy()


@njit(cache=True, nogil=True)
def row_histogram(keys, vocab_size, grid_rows):
    """Entries per row bucket: bucket b holds rows [grid_rows[b], grid_rows[b+1])."""
    n_buckets = grid_rows.shape[0] - 1
    hist = np.zeros(n_buckets, dtype=np.int64)
    b = 0
    for i in range(keys.shape[0]):
        row = keys[i] // vocab_size
        while row >= grid_rows[b + 1]:
            b += 1
        hist[b] += 1
    return hist


@njit(cache=True, nogil=True)
def fill_records(keys, vals, vocab_size, word1, word2, value):
    """Unpack pair keys into GloVe's 1-based (word1, word2, value) record fields."""
    for i in range(keys.shape[0]):
        word1[i] = keys[i] // vocab_size + 1
        word2[i] = keys[i] % vocab_size + 1
        value[i] = vals[i]
