"""Compiled loops for windowed co-occurrence counting (see wordlab/cooccur.py for the design).

Events are packed into int64 keys `((row * V + col) << dist_bits) | distance`, so sorting plain
integers groups equal pairs and carries the distance without a payload array.
"""

from __future__ import annotations

from numba import njit


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
def reduce_sorted(events, start, dist_bits, distance_weighting, keys, vals):
    """Sum the weights of equal pairs in sorted packed events from `start` into (keys, vals).

    Stops when `keys` is full, after a whole pair (a pair's events are summed in one call, in
    order); returns (next event, pairs written), so a spill streams through small buffers.
    The caller sorts with numpy, whose SIMD sort of int64 is several times faster than Numba's.
    """
    n = events.shape[0]
    capacity = keys.shape[0]
    mask = (1 << dist_bits) - 1
    m = 0
    i = start
    while i < n and m < capacity:
        key = events[i] >> dist_bits
        val = 0.0
        while i < n and (events[i] >> dist_bits) == key:
            val += 1.0 / (events[i] & mask) if distance_weighting else 1.0
            i += 1
        keys[m] = key
        vals[m] = val
        m += 1
    return i, m


@njit(cache=True, nogil=True)
def merge_rows(
    dense, dense_offsets, dense_len, r0, r1, vocab_size, keys, vals, run_starts, word1, word2, value
):
    """Merge rows [r0, r1) of the dense table with sorted shard runs straight into GloVe records.

    Each row's columns come out ascending; a pair's value is its dense cell plus its shard
    values in run order, so sums are deterministic. Returns the number of records written.
    """
    k = run_starts.shape[0] - 1
    pos = run_starts[:-1].copy()
    ends = run_starts[1:]
    m = 0
    for r in range(r0, r1):
        row_key = r * vocab_size
        row_end = row_key + vocab_size
        base = dense_offsets[r]
        length = dense_len[r]
        c = 0
        while True:
            while c < length and dense[base + c] == 0.0:
                c += 1
            col = c if c < length else vocab_size
            for i in range(k):
                if pos[i] < ends[i] and keys[pos[i]] < row_end:
                    shard_col = keys[pos[i]] - row_key
                    if shard_col < col:
                        col = shard_col
            if col == vocab_size:
                break
            val = 0.0
            if c < length and c == col:
                val += dense[base + c]
                c += 1
            key = row_key + col
            for i in range(k):
                while pos[i] < ends[i] and keys[pos[i]] == key:
                    val += vals[pos[i]]
                    pos[i] += 1
            word1[m] = r + 1
            word2[m] = col + 1
            value[m] = val
            m += 1
    return m
