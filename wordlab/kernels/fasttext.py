"""Compiled fastText training: subword vectors (skip-gram / CBOW) and the supervised classifier.

The kernels share wordlab's loss layer (`wordlab.kernels.losses.objective`): the input vector
of a step is the mean of several rows of `wi` (a word's own row and its n-gram rows, or a text's
words and word n-grams), the objective updates the output rows and accumulates the gradient of
that mean, and the gradient is then added to every input row, as in fastText's `Model::update`.
One call is one thread's pass over one job of one epoch; the learning-rate schedule runs across
calls through the shared `progress` counters, so training can stop between jobs and resume.
Hashing and n-gram tables are in `wordlab.kernels.subwords`, the text reader in
`wordlab.kernels.labelled`.
"""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit
from wordlab.kernels.losses import (  # noqa: F401 (the loss codes are the trainers' too)
    HS,
    NS,
    OVA,
    SOFTMAX,
    objective,
    output_probabilities,
)
from wordlab.kernels.objectives import lcg_next

# fastText reads at most this many words of one line at a time (Dictionary::MAX_LINE_SIZE).
MAX_LINE_SIZE = 1024


@njit(cache=True, nogil=True, fastmath=True)
def _mean_rows(wi: np.ndarray, rows: np.ndarray, start: int, end: int, hidden: np.ndarray) -> None:
    dim = hidden.shape[0]
    for k in range(dim):
        hidden[k] = 0.0
    for j in range(start, end):
        r = rows[j]
        for k in range(dim):
            hidden[k] += wi[r, k]
    inv = np.float32(1.0 / (end - start))
    for k in range(dim):
        hidden[k] *= inv


@njit(cache=True, nogil=True, fastmath=True)
def _add_rows(wi: np.ndarray, rows: np.ndarray, start: int, end: int, grad: np.ndarray) -> None:
    dim = grad.shape[0]
    for j in range(start, end):
        r = rows[j]
        for k in range(dim):
            wi[r, k] += grad[k]


@njit(cache=True, nogil=True, fastmath=True)
def _total(progress: np.ndarray) -> np.int64:
    s = np.int64(0)
    for i in range(progress.shape[0]):
        s += progress[i, 0]
    return s


@njit(cache=True, nogil=True, fastmath=True)
def _report(progress, losses, tid, local, loss_sum, n_ex, lr0, work):
    """Add a thread's recent words and loss to the shared totals; return the decayed rate."""
    progress[tid, 0] += local
    losses[tid, 0] += loss_sum
    losses[tid, 1] += n_ex
    return lr0 * max(1.0 - _total(progress) / work, 0.0)


@njit(cache=True, nogil=True, fastmath=True)
def train_supervised(
    wi: np.ndarray,
    wo: np.ndarray,
    in_ptr: np.ndarray,
    inputs: np.ndarray,
    lab_ptr: np.ndarray,
    labels: np.ndarray,
    ntok: np.ndarray,
    order: np.ndarray,
    first: int,
    last: int,
    lr0: float,
    work: float,
    kind: int,
    noise: np.ndarray,
    neg: int,
    codes: np.ndarray,
    points: np.ndarray,
    code_off: np.ndarray,
    seed: int,
    lr_update_rate: int,
    progress: np.ndarray,
    losses: np.ndarray,
    tid: int,
) -> None:
    """One Hogwild thread's pass of fastText's supervised training over examples order[first:last].

    One call is one job of one epoch: the caller shuffles `order` (int64 example ids) per epoch
    and keeps `progress` across calls. The learning rate is lr0 * (1 - tokens done / work), the
    tokens done by all threads so far (progress[:, 0], published every `lr_update_rate` tokens, as
    fastText's tokenCount_) over `work`, the tokens planned for the whole run; the
    input gradient is divided by the number of input rows (fastText's normalizeGradient).
    losses[tid] accumulates (loss sum, examples) for the progress display.
    """
    dim = wi.shape[1]
    hidden = np.empty(dim, dtype=np.float32)
    grad = np.empty(dim, dtype=np.float32)
    scores = np.empty(wo.shape[0], dtype=np.float32)
    drawn = np.empty(max(neg, 1), dtype=np.int32)  # a step's noise ids
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    local = 0
    lr = lr0 * (1.0 - _total(progress) / work)
    loss_sum = 0.0
    n_ex = 0
    for i in range(first, last):
        e = order[i]
        a = in_ptr[e]
        b = in_ptr[e + 1]
        la = lab_ptr[e]
        lb = lab_ptr[e + 1]
        local += ntok[e]
        if b > a and lb > la:
            _mean_rows(wi, inputs, a, b, hidden)
            for k in range(dim):
                grad[k] = 0.0
            t0, t1 = la, lb  # one-vs-all: every label is a target
            if kind != OVA:  # the other losses learn one label, drawn at random (fastText)
                if lb - la > 1:
                    t0 = la + np.int64((lcg_next(state) >> np.uint64(16)) % np.uint64(lb - la))
                t1 = t0 + 1
            loss = objective(
                kind, hidden, grad, wo, labels, t0, t1, noise, neg, drawn, codes, points,
                code_off, lr, state, scores, False,
            )  # fmt: skip
            inv = np.float32(1.0 / (b - a))
            for k in range(dim):
                grad[k] *= inv
            _add_rows(wi, inputs, a, b, grad)
            loss_sum += loss
            n_ex += 1
        if local > lr_update_rate:
            lr = _report(progress, losses, tid, local, loss_sum, n_ex, lr0, work)
            local, loss_sum, n_ex = 0, 0.0, 0
    _report(progress, losses, tid, local, loss_sum, n_ex, lr0, work)


@njit(cache=True, nogil=True, fastmath=True)
def train_subwords(
    wi: np.ndarray,
    wo: np.ndarray,
    tokens: np.ndarray,
    line_starts: np.ndarray,
    start: int,
    end: int,
    vocab_size: int,
    sub_ptr: np.ndarray,
    sub_ids: np.ndarray,
    keep: np.ndarray,
    skipgram: bool,
    window: int,
    lr0: float,
    work: float,
    kind: int,
    noise: np.ndarray,
    neg: int,
    codes: np.ndarray,
    points: np.ndarray,
    code_off: np.ndarray,
    seed: int,
    lr_update_rate: int,
    progress: np.ndarray,
    losses: np.ndarray,
    tid: int,
) -> None:
    """One Hogwild thread's pass of fastText's skip-gram / CBOW over corpus positions start..end-1.

    A word's input is the mean of its rows sub_ids[sub_ptr[w]:sub_ptr[w+1]] (its own row and its
    character n-gram rows). Out-of-vocabulary tokens (id >= vocab_size) are skipped; a known token
    is dropped with probability 1 - keep[id] (fastText's pdiscard). Lines are read at most
    MAX_LINE_SIZE known words at a time, as fastText's getLine. One call is one job of one epoch:
    the learning rate is lr0 * (1 - tokens done / work), the known tokens read by all threads so
    far (progress[:, 0], which the caller keeps across jobs and epochs and restores on resume) over
    `work`, the known tokens planned for the whole run (epochs * tokens per epoch).
    Negative sampling skips updates whose score is saturated (|f| >= 6), as gensim does where
    fastText clamps them: over five seeds on 100 MB of enwiki this scored as well or better on
    every measure (bench/RESULTS.md), and a score beyond the table, right or wrong, costs no update.
    """
    dim = wi.shape[1]
    hidden = np.empty(dim, dtype=np.float32)
    grad = np.empty(dim, dtype=np.float32)
    scores = np.empty(wo.shape[0], dtype=np.float32)
    drawn = np.empty(max(neg, 1), dtype=np.int32)  # a step's noise ids
    sen = np.empty(MAX_LINE_SIZE, dtype=np.int32)
    bow = np.empty(16, dtype=np.int32)
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    local = 0
    lr = lr0 * (1.0 - _total(progress) / work)
    loss_sum = 0.0
    n_ex = 0
    n_lines = line_starts.shape[0] - 1
    # first line whose end is after `start`
    line = np.searchsorted(line_starts, start, side="right") - 1
    pos = start
    while pos < end:
        while line < n_lines - 1 and line_starts[line + 1] <= pos:
            line += 1
        stop = min(line_starts[line + 1], end)
        n = 0
        while pos < stop and n < MAX_LINE_SIZE:
            t = tokens[pos]
            pos += 1
            if t >= vocab_size:
                continue
            local += 1
            r = lcg_next(state)
            if keep[t] < 1.0 and keep[t] < (r & np.uint64(0xFFFF)) / 65536.0:
                continue
            sen[n] = t
            n += 1
        for w in range(n):
            b = 1 + np.int64((lcg_next(state) >> np.uint64(16)) % np.uint64(window))
            if skipgram:
                sa = sub_ptr[sen[w]]
                sb = sub_ptr[sen[w] + 1]
                for c in range(max(w - b, 0), min(w + b + 1, n)):
                    if c == w:
                        continue
                    _mean_rows(wi, sub_ids, sa, sb, hidden)
                    for k in range(dim):
                        grad[k] = 0.0
                    loss_sum += objective(
                        kind, hidden, grad, wo, sen, c, c + 1, noise, neg, drawn, codes, points,
                        code_off, lr, state, scores, True,
                    )  # fmt: skip
                    n_ex += 1
                    _add_rows(wi, sub_ids, sa, sb, grad)
            else:
                m = 0
                for c in range(max(w - b, 0), min(w + b + 1, n)):
                    if c == w:
                        continue
                    sa = sub_ptr[sen[c]]
                    sb = sub_ptr[sen[c] + 1]
                    if m + sb - sa > bow.shape[0]:
                        bigger = np.empty(2 * (m + sb - sa), dtype=np.int32)
                        bigger[:m] = bow[:m]
                        bow = bigger
                    for j in range(sa, sb):
                        bow[m] = sub_ids[j]
                        m += 1
                if m == 0:
                    continue
                _mean_rows(wi, bow, 0, m, hidden)
                for k in range(dim):
                    grad[k] = 0.0
                loss_sum += objective(
                    kind, hidden, grad, wo, sen, w, w + 1, noise, neg, drawn, codes, points,
                    code_off, lr, state, scores, True,
                )  # fmt: skip
                n_ex += 1
                _add_rows(wi, bow, 0, m, grad)
        if local > lr_update_rate:
            lr = _report(progress, losses, tid, local, loss_sum, n_ex, lr0, work)
            local, loss_sum, n_ex = 0, 0.0, 0
    _report(progress, losses, tid, local, loss_sum, n_ex, lr0, work)


@njit(cache=True, nogil=True, fastmath=True)
def predict_top_k(
    wi: np.ndarray,
    wo: np.ndarray,
    in_ptr: np.ndarray,
    inputs: np.ndarray,
    kind: int,
    codes: np.ndarray,
    points: np.ndarray,
    code_off: np.ndarray,
    k: int,
    threshold: float,
):
    """Top-k labels and probabilities of every example (label -1 where fewer pass `threshold`).

    Probabilities as the loss defines them (losses.output_probabilities). An example with
    no known input rows gets no prediction, as in fastText.
    """
    n = in_ptr.shape[0] - 1
    n_out = wo.shape[0] if kind != HS else code_off.shape[0] - 1
    dim = wi.shape[1]
    top = np.full((n, k), -1, dtype=np.int32)
    prob = np.zeros((n, k), dtype=np.float32)
    hidden = np.empty(dim, dtype=np.float32)
    scores = np.empty(max(n_out, wo.shape[0]), dtype=np.float32)
    for e in range(n):
        a = in_ptr[e]
        b = in_ptr[e + 1]
        if b == a:
            continue
        _mean_rows(wi, inputs, a, b, hidden)
        n_out = output_probabilities(kind, hidden, wo, codes, points, code_off, scores)
        # insertion into a k-long sorted list: k is small
        for lab in range(n_out):
            s = scores[lab]
            if s < threshold:
                continue
            if top[e, k - 1] >= 0 and s <= prob[e, k - 1]:
                continue
            j = k - 1
            while j > 0 and (top[e, j - 1] < 0 or prob[e, j - 1] < s):
                top[e, j] = top[e, j - 1]
                prob[e, j] = prob[e, j - 1]
                j -= 1
            top[e, j] = lab
            prob[e, j] = s
    return top, prob


@njit(cache=True, nogil=True, fastmath=True)
def mean_rows_table(wi: np.ndarray, ptr: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Row i = mean of wi[ids[ptr[i]:ptr[i+1]]] (zeros if empty): every word's vector at once."""
    n = ptr.shape[0] - 1
    out = np.zeros((n, wi.shape[1]), dtype=np.float32)
    for i in range(n):
        if ptr[i + 1] > ptr[i]:
            _mean_rows(wi, ids, ptr[i], ptr[i + 1], out[i])
    return out
