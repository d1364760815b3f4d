"""word2vec training kernel: skip-gram or CBOW, negative sampling and/or hierarchical softmax.

`train_range` trains on one contiguous range of an encoded corpus, as one word2vec.c thread trains
on its slice of the file: it reads in-vocabulary tokens, drops frequent ones by subsampling, cuts
sentences at line ends and every MAX_SENTENCE kept tokens, draws the effective window in
1..window per position and calls the shared objectives (wordlab.kernels.objectives), drawing a
position's noise ids in one loop before any update (their table reads then overlap). Several
Python threads call it at once on different ranges; the weights are shared without locks
(Hogwild), and the learning rate follows a shared word counter, as the C tool's
word_count_actual.
"""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit
from wordlab.kernels.objectives import (
    MAX_EXP,
    draw_noise,
    hierarchical_softmax_range,
    lcg_next,
    logistic,
    negative_sampling,
)
from wordlab.kernels.prefetch import prefetch_row, prefetch_rows

MAX_SENTENCE = 1000  # word2vec.c's MAX_SENTENCE_LENGTH: kept tokens per sentence
LR_UPDATE_WORDS = 10000  # the C tool refreshes alpha every 10,000 words


# The loops below index matrices by (row, k) instead of taking row views: in Numba a view costs
# two atomic reference-count updates on the shared matrix, which threads would fight over.


@njit(cache=True, nogil=True, fastmath=True)
def _add_to_row(matrix: np.ndarray, row: int, src: np.ndarray) -> None:
    for k in range(src.shape[0]):
        matrix[row, k] += src[k]


@njit(cache=True, nogil=True, fastmath=True)
def _add_row_to(dst: np.ndarray, matrix: np.ndarray, row: int) -> None:
    for k in range(dst.shape[0]):
        dst[k] += matrix[row, k]


@njit(cache=True, nogil=True, fastmath=True)
def _zero(v: np.ndarray) -> None:
    for k in range(v.shape[0]):
        v[k] = 0.0


@njit(cache=True, nogil=True, fastmath=True)
def _load_row(dst: np.ndarray, grad: np.ndarray, matrix: np.ndarray, row: int) -> None:
    # dst = matrix[row] and grad = 0 in one pass (a skip-gram pair's start)
    for k in range(dst.shape[0]):
        dst[k] = matrix[row, k]
        grad[k] = 0.0


@njit(cache=True, nogil=True, fastmath=True)
def _batch_row(
    hidden: np.ndarray,
    grads: np.ndarray,
    n_ctx: int,
    wo: np.ndarray,
    row: int,
    label: int,
    lr: float,
    step: np.ndarray,
    skip_saturated: bool,
) -> float:
    """One output row against every context row of a window at once (`batch_window`).

    Each context j gets its gradient in grads[j] from the row as it was; the row gets the sum of
    the contexts' steps in one write, so it is written once per position instead of once per
    context (Ji et al. 2016's HogBatch, here for hierarchical softmax too).
    """
    dim = hidden.shape[1]
    loss = 0.0
    for k in range(dim):
        step[k] = 0.0
    for j in range(n_ctx):
        f = np.float32(0.0)
        for k in range(dim):
            f += hidden[j, k] * wo[row, k]
        p, pair_loss = logistic(f, label)
        loss += pair_loss
        if skip_saturated and (f <= -MAX_EXP or f >= MAX_EXP):
            continue
        g = np.float32(lr * (label - p))
        for k in range(dim):
            grads[j, k] += g * wo[row, k]
            step[k] += g * hidden[j, k]
    for k in range(dim):
        wo[row, k] += step[k]
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def train_range(
    tokens: np.ndarray,
    start: int,
    end: int,
    line_starts: np.ndarray,
    vocab_size: int,
    syn0: np.ndarray,
    syn1: np.ndarray,
    syn1neg: np.ndarray,
    keep: np.ndarray,
    subsample: bool,
    noise: np.ndarray,
    negative: int,
    hs_codes: np.ndarray,
    hs_points: np.ndarray,
    hs_offsets: np.ndarray,
    use_hs: bool,
    skipgram: bool,
    cbow_mean: bool,
    window: int,
    lr0: float,
    total_words: float,
    counter: np.ndarray,
    seed: np.uint64,
    batch_window: bool = False,
) -> tuple[float, int, int]:
    """Train on tokens[start:end]; return (summed loss, number of predictions, words read).

    `counter[0]` (int64) counts in-vocabulary words read by all threads over all epochs; the
    learning rate is lr0 * (1 - counter / (total_words + 1)), never below lr0 * 1e-4.
    """
    dim = syn0.shape[1]
    neu1 = np.zeros(dim, dtype=np.float32)
    neu1e = np.zeros(dim, dtype=np.float32)
    sen = np.empty(MAX_SENTENCE, dtype=np.int32)
    # a position's noise ids, drawn together before use (skip-gram: one set per context word)
    drawn = np.empty(2 * window * max(negative, 1), dtype=np.int32)
    state = np.empty(1, dtype=np.uint64)
    state[0] = seed
    # batch_window scratch: the window's context rows, their gradients, an output row's step
    ctx = np.empty(2 * window, dtype=np.int32)
    ctx_rows = np.empty((2 * window if batch_window else 1, dim), dtype=np.float32)
    ctx_grads = np.empty_like(ctx_rows)
    lr_min = lr0 * 1e-4
    lr = max(lr0 * (1.0 - counter[0] / (total_words + 1.0)), lr_min)
    n_lines = line_starts.shape[0]
    # first line start after `start`: a sentence ends when the reader reaches it
    li = np.searchsorted(line_starts, start, side="right")
    next_line = line_starts[li] if li < n_lines else end + 1
    loss = 0.0
    n_pred = 0
    words = 0
    last_words = 0
    p = start
    while p < end:
        # read one sentence of kept tokens
        slen = 0
        while p < end and slen < MAX_SENTENCE:
            if p == next_line:
                while li < n_lines and line_starts[li] <= p:
                    li += 1
                next_line = line_starts[li] if li < n_lines else end + 1
                if slen > 0:
                    break
            w = tokens[p]
            p += 1
            if w >= vocab_size or w < 0:
                continue
            words += 1
            if subsample:
                r = lcg_next(state)
                if keep[w] < (r & np.uint64(0xFFFF)) / 65536.0:
                    continue
            sen[slen] = w
            slen += 1
        if words - last_words > LR_UPDATE_WORDS:
            counter[0] += words - last_words
            last_words = words
            lr = max(lr0 * (1.0 - counter[0] / (total_words + 1.0)), lr_min)
        for pos in range(slen):
            word = sen[pos]
            b = np.int64(lcg_next(state) % np.uint64(window))
            lo = pos - window + b
            hi = pos + window - b
            if lo < 0:
                lo = 0
            if hi > slen - 1:
                hi = slen - 1
            if negative > 0:
                per_context = skipgram and not batch_window
                draw_noise(state, noise, drawn, (hi - lo) * negative if per_context else negative)
            nd = 0
            h0 = hs_offsets[word] if use_hs else 0
            h1 = hs_offsets[word + 1] if use_hs else 0
            if skipgram:
                # as word2vec.c: each context word's vector predicts the centre word, so every
                # context walks the same Huffman path: its rows are prefetched once, a position
                # ahead (with the next word to enter the window), so their cache misses overlap
                # with this position's work
                if use_hs and pos == 0:
                    prefetch_rows(syn1, hs_points, h0, h1)
                if pos + 1 < slen:
                    if use_hs:
                        nxt = sen[pos + 1]
                        prefetch_rows(syn1, hs_points, hs_offsets[nxt], hs_offsets[nxt + 1])
                    prefetch_row(syn0, sen[min(pos + window, slen - 1)])
                if batch_window:
                    n_ctx = 0
                    for c in range(lo, hi + 1):
                        if c != pos:
                            ctx[n_ctx] = sen[c]
                            for k in range(dim):
                                ctx_rows[n_ctx, k] = syn0[sen[c], k]
                                ctx_grads[n_ctx, k] = 0.0
                            n_ctx += 1
                    for d in range(h0, h1):
                        label = 1 - np.int64(hs_codes[d])
                        loss += _batch_row(
                            ctx_rows, ctx_grads, n_ctx, syn1, hs_points[d], label, lr, neu1, True
                        )
                    if negative > 0:
                        loss += _batch_row(
                            ctx_rows, ctx_grads, n_ctx, syn1neg, word, 1, lr, neu1, False
                        )
                        for i in range(negative):
                            if drawn[i] != word:
                                loss += _batch_row(
                                    ctx_rows, ctx_grads, n_ctx, syn1neg, drawn[i], 0, lr, neu1,
                                    False,
                                )  # fmt: skip
                    for j in range(n_ctx):
                        for k in range(dim):
                            syn0[ctx[j], k] += ctx_grads[j, k]
                    n_pred += n_ctx
                    continue
                for c in range(lo, hi + 1):
                    if c == pos:
                        continue
                    row = sen[c]
                    _load_row(neu1, neu1e, syn0, row)
                    if use_hs:
                        loss += hierarchical_softmax_range(
                            neu1, neu1e, syn1, hs_codes, hs_points, h0, h1, lr
                        )
                    if negative > 0:
                        loss += negative_sampling(
                            neu1, neu1e, syn1neg, word, drawn, nd, nd + negative, lr
                        )
                        nd += negative
                    _add_to_row(syn0, row, neu1e)
                    n_pred += 1
            else:
                cw = 0
                _zero(neu1)
                for c in range(lo, hi + 1):
                    if c != pos:
                        _add_row_to(neu1, syn0, sen[c])
                        cw += 1
                if cw == 0:
                    continue
                if cbow_mean:
                    inv = np.float32(1.0 / cw)
                    for k in range(dim):
                        neu1[k] *= inv
                _zero(neu1e)
                if use_hs:
                    prefetch_rows(syn1, hs_points, h0, h1)
                    loss += hierarchical_softmax_range(
                        neu1, neu1e, syn1, hs_codes, hs_points, h0, h1, lr
                    )
                if negative > 0:
                    loss += negative_sampling(neu1, neu1e, syn1neg, word, drawn, 0, negative, lr)
                # every context vector gets the whole update, as word2vec.c (also for the mean)
                for c in range(lo, hi + 1):
                    if c != pos:
                        _add_to_row(syn0, sen[c], neu1e)
                n_pred += 1
    counter[0] += words - last_words
    return loss, n_pred, words
