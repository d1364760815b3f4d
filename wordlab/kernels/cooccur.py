"""Compiled loops for windowed co-occurrence counting (see wordlab/cooccur.py for the design).

Events are packed into int64 keys `((row * V + col) << dist_bits) | distance`, so sorting plain
integers groups equal pairs and carries the distance without a payload array. Shards use the same
keys: distance 0 holds a dense cell's partial sum over one block of tokens, distance d >= 1 how
many times an overflow pair occurred at distance d; `merge_runs` turns both into values in the
one summation order that does not depend on how the work was split (see wordlab/cooccur.py).
"""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit


@njit(cache=True, nogil=True)
def count_windows(
    tokens,
    base,
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

    `tokens` holds the corpus's tokens from position `base` on (a window read from the file, so
    that resident memory does not grow with the corpus); [pos, stop) must lie inside it.

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
        w = id_map[tokens[p - base]]
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
def reduce_sorted(events, start, keys, vals):
    """Run-length encode sorted packed events from `start` into (keys, vals): event, count.

    Counts, not weighted sums, so that an overflow pair's value is summed once, at the merge, in
    distance order, whatever spill its events fell in. Stops when `keys` is full; returns (next
    event, entries written), so a spill streams through small buffers. The caller sorts with
    numpy, whose SIMD sort of int64 is several times faster than Numba's.
    """
    n = events.shape[0]
    capacity = keys.shape[0]
    m = 0
    i = start
    while i < n and m < capacity:
        key = events[i]
        j = i + 1
        while j < n and events[j] == key:
            j += 1
        keys[m] = key
        vals[m] = j - i
        m += 1
        i = j
    return i, m


@njit(cache=True, nogil=True)
def flush_dense(dense, dense_offsets, dense_len, row, step, n_rows, col, vocab_size, dist_bits,
                keys, vals):  # fmt: skip
    """Move the non-zero cells of rows row, row+step, ... (< n_rows) into (keys, vals), zeroed.

    One block's partial sums leave the table as distance-0 keys, in key order. Resumes at (row,
    col) and stops when `keys` is full; returns (row, col, entries written), row >= n_rows at the end.
    """
    capacity = keys.shape[0]
    m = 0
    while row < n_rows:
        base = dense_offsets[row]
        length = dense_len[row]
        while col < length:
            v = dense[base + col]
            if v != 0.0:
                if m == capacity:
                    return row, col, m
                keys[m] = (row * vocab_size + col) << dist_bits
                vals[m] = v
                dense[base + col] = 0.0
                m += 1
            col += 1
        row += step
        col = 0
    return row, col, m


@njit(cache=True, nogil=True)
def _before(keys, pos, a, b):
    """Heap order of runs a and b: their current keys, then the run number (block order)."""
    ka = keys[pos[a]]
    kb = keys[pos[b]]
    return ka < kb or (ka == kb and a < b)


@njit(cache=True, nogil=True)
def _sift_down(heap, h, keys, pos):
    i = 0
    while True:
        left = 2 * i + 1
        if left >= h:
            return
        best = left
        if left + 1 < h and _before(keys, pos, heap[left + 1], heap[left]):
            best = left + 1
        if not _before(keys, pos, heap[best], heap[i]):
            return
        heap[i], heap[best] = heap[best], heap[i]
        i = best


@njit(cache=True, nogil=True)
def _pop_head(heap, h, keys, pos, ends):
    """Advance the run at the heap's head by one entry; return the heap's new size."""
    run = heap[0]
    pos[run] += 1
    if pos[run] == ends[run]:
        h -= 1
        heap[0] = heap[h]
    _sift_down(heap, h, keys, pos)
    return h


@njit(cache=True, nogil=True)
def _next_dense(dense, dense_offsets, dense_len, row, col, r1):
    """The first non-zero dense cell at or after (row, col) in rows < r1, or (r1, 0)."""
    while row < r1:
        base = dense_offsets[row]
        length = dense_len[row]
        while col < length:
            if dense[base + col] != 0.0:
                return row, col
            col += 1
        row += 1
        col = 0
    return r1, 0


@njit(cache=True, nogil=True)
def merge_runs(keys, vals, run_starts, dense, dense_offsets, dense_len, r0, r1, use_dense,
               vocab_size, dist_bits, weights, word1, word2, value):  # fmt: skip
    """Merge sorted shard runs (and, with `use_dense`, rows [r0, r1) of the dense table) into records.

    A dense pair's value is its partial sums added in run order, the table's cell last (runs
    are listed in block order, the table holds the last block); an overflow pair's value adds
    weights[d] once per occurrence, d ascending: the order `count_cooccurrences` documents.
    Runs are merged through a heap, so many shards cost log(runs) per entry. Returns the number
    of records written (row-major, 1-based ids).
    """
    k = run_starts.shape[0] - 1
    pos = run_starts[:-1].copy()
    ends = run_starts[1:]
    heap = np.empty(max(k, 1), dtype=np.int64)
    h = 0
    for run in range(k):
        if pos[run] < ends[run]:
            heap[h] = run
            i = h
            h += 1
            while i > 0 and _before(keys, pos, heap[i], heap[(i - 1) // 2]):
                heap[i], heap[(i - 1) // 2] = heap[(i - 1) // 2], heap[i]
                i = (i - 1) // 2
    mask = (1 << dist_bits) - 1
    none = 0x7FFFFFFFFFFFFFFF
    dr, dc = r1, 0
    if use_dense:
        dr, dc = _next_dense(dense, dense_offsets, dense_len, r0, 0, r1)
    m = 0
    while True:
        pair = none
        if h > 0:
            pair = keys[pos[heap[0]]] >> dist_bits
        if dr < r1 and dr * vocab_size + dc < pair:
            pair = dr * vocab_size + dc
        if pair == none:
            break
        row = pair // vocab_size
        col = pair - row * vocab_size
        val = 0.0
        if col < dense_len[row]:
            target = pair << dist_bits
            while h > 0 and keys[pos[heap[0]]] == target:
                val += vals[pos[heap[0]]]
                h = _pop_head(heap, h, keys, pos, ends)
            if dr == row and dc == col:
                val += dense[dense_offsets[dr] + dc]
                dr, dc = _next_dense(dense, dense_offsets, dense_len, dr, dc + 1, r1)
        else:
            while h > 0 and (keys[pos[heap[0]]] >> dist_bits) == pair:
                key = keys[pos[heap[0]]]
                count = 0.0
                while h > 0 and keys[pos[heap[0]]] == key:
                    count += vals[pos[heap[0]]]
                    h = _pop_head(heap, h, keys, pos, ends)
                w = weights[key & mask]
                for _ in range(int(count)):
                    val += w
        word1[m] = row + 1
        word2[m] = col + 1
        value[m] = val
        m += 1
    return m
