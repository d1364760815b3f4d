"""Compiled GloVe training: AdaGrad over co-occurrence records, one call per thread and epoch.

Parameters follow GloVe's glove.c layout: `params` has 2V rows (V word vectors, then V context
vectors) of dim + 1 values, the last being the bias; `gradsq` is the same shape and starts at 1.
The update is glove.c's: gradient components clipped to +-grad_clip, AdaGrad steps for the vectors
scaled by eta, the bias steps taken from the weighted error itself (as glove.c does).
Computation is in float32 (glove.c uses double), which the vectorised inner loops exploit.
"""

from __future__ import annotations

import math

import numpy as np

from wordlab.kernels.jit import njit
from wordlab.kernels.prefetch import prefetch_row

# Records ahead whose rows are requested before use: a record's four rows are random rows of
# matrices far larger than the cache, so overlapping their misses is most of the speed. Indexing
# params[row, b] instead of taking row views also spares two atomic reference-count updates per
# view, which the threads would otherwise fight over.
PREFETCH_AHEAD = 8


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def train_records(
    word1, word2, value, start, stop, params, gradsq, vocab_size, x_max, alpha, eta, grad_clip
):
    """One pass over records [start, stop) (1-based ids, GloVe format).

    Returns (cost, bad, out_of_range): records whose error was not finite, and records whose ids
    do not fit the vocabulary; both are skipped, and the caller stops the run with a message.
    """
    dim = params.shape[1] - 1
    cost = 0.0
    bad = 0
    out_of_range = 0
    log_x_max = math.log(x_max)
    upd1 = np.empty(dim, dtype=np.float32)
    upd2 = np.empty(dim, dtype=np.float32)
    for k in range(start, stop):
        ahead = k + PREFETCH_AHEAD
        if ahead < stop:
            p1 = word1[ahead] - 1
            p2 = word2[ahead] - 1 + vocab_size
            if 0 <= p1 < vocab_size and vocab_size <= p2 < 2 * vocab_size:
                prefetch_row(params, p1)
                prefetch_row(params, p2)
                prefetch_row(gradsq, p1)
                prefetch_row(gradsq, p2)
        l1 = word1[k] - 1
        l2 = word2[k] - 1 + vocab_size
        x = value[k]
        if l1 < 0 or l1 >= vocab_size or l2 < vocab_size or l2 >= 2 * vocab_size:
            out_of_range += 1
            continue
        dot = np.float32(0.0)
        for b in range(dim):
            dot += params[l1, b] * params[l2, b]
        log_x = math.log(x)
        diff = dot + params[l1, dim] + params[l2, dim] - np.float32(log_x)
        # f(x) = min(1, (x / x_max)^alpha), the power taken as exp(alpha * (log x - log x_max))
        weight = 1.0 if x > x_max else math.exp(alpha * (log_x - log_x_max))
        fdiff = np.float32(weight) * diff
        if not (math.isfinite(diff) and math.isfinite(fdiff)):
            bad += 1
            continue
        cost += 0.5 * fdiff * diff
        efd = np.float32(eta) * fdiff
        clip = np.float32(grad_clip * eta)
        for b in range(dim):
            t1 = min(max(efd * params[l2, b], -clip), clip)
            t2 = min(max(efd * params[l1, b], -clip), clip)
            upd1[b] = t1 / math.sqrt(gradsq[l1, b])
            upd2[b] = t2 / math.sqrt(gradsq[l2, b])
            gradsq[l1, b] += t1 * t1
            gradsq[l2, b] += t2 * t2
        for b in range(dim):
            params[l1, b] -= upd1[b]
            params[l2, b] -= upd2[b]
        params[l1, dim] -= fdiff / math.sqrt(gradsq[l1, dim])
        params[l2, dim] -= fdiff / math.sqrt(gradsq[l2, dim])
        fsq = fdiff * fdiff
        gradsq[l1, dim] += fsq
        gradsq[l2, dim] += fsq
    return cost, bad, out_of_range
