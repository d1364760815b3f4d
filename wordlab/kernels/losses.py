"""fastText's multi-class losses (softmax, one-vs-all) and the one dispatch on a loss code.

Same conventions as wordlab.kernels.objectives (hidden, grad, wo, lr; the loss returned):

    softmax(hidden, grad, wo, target, lr, scores) -> loss
        full softmax over all rows of `wo`; `scores` is a float32[n_out] scratch buffer that holds
        the probabilities afterwards; loss = -log p[target]. (fastText's softmax loss.)
    one_vs_all(hidden, grad, wo, targets, lr) -> loss
    one_vs_all_range(hidden, grad, wo, targets, begin, end, lr) -> loss
        an independent binary_logistic on every row of `wo`, label 1 iff the row is in `targets`
        (int32 array; the range form without a slice). (fastText's one-vs-all loss.)
    objective(kind, hidden, grad, wo, targets, begin, end, noise, negative, drawn, codes, points,
              code_off, lr, state, scores, skip_saturated) -> loss
        the one dispatch on a loss code (SOFTMAX, HS, NS, OVA), fastText's Loss::forward.
    softmax_scores(hidden, wo, scores) -> None
    output_probabilities(kind, hidden, wo, codes, points, code_off, scores) -> n_out
        probabilities only (prediction), no update.
"""

from __future__ import annotations

import math

import numpy as np

from wordlab.kernels.jit import njit
from wordlab.kernels.objectives import (
    binary_logistic,
    dot_row,
    draw_noise,
    hierarchical_softmax_range,
    negative_sampling,
    prefetch_noise,
    update_row,
)
from wordlab.kernels.prefetch import prefetch_rows


@njit(cache=True, nogil=True, fastmath=True)
def softmax_scores(hidden: np.ndarray, wo: np.ndarray, scores: np.ndarray) -> None:
    """Softmax probabilities of every row of `wo` given `hidden`, into `scores` (no update)."""
    n = wo.shape[0]
    top = -np.inf
    for i in range(n):
        s = dot_row(hidden, wo, i)
        scores[i] = s
        if s > top:
            top = s
    z = 0.0
    for i in range(n):
        e = math.exp(scores[i] - top)
        scores[i] = e
        z += e
    inv = 1.0 / z
    for i in range(n):
        scores[i] *= inv


@njit(cache=True, nogil=True, fastmath=True)
def softmax(
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    target: int,
    lr: float,
    scores: np.ndarray,
) -> float:
    """Full softmax cross-entropy on `target`, updating every output row (fastText's softmax)."""
    softmax_scores(hidden, wo, scores)
    p = scores[target]
    for i in range(wo.shape[0]):
        label = 1.0 if i == target else 0.0
        update_row(hidden, grad, wo, i, np.float32(lr * (label - scores[i])))
    return -math.log(max(p, 1e-30))


@njit(cache=True, nogil=True, fastmath=True)
def one_vs_all_range(
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    targets: np.ndarray,
    begin: int,
    end: int,
    lr: float,
) -> float:
    """Independent logistic unit per output row, positive iff the row is in targets[begin:end]."""
    loss = 0.0
    for i in range(wo.shape[0]):
        label = 0
        for j in range(begin, end):
            if targets[j] == i:
                label = 1
                break
        loss += binary_logistic(hidden, grad, wo, i, label, lr)
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def one_vs_all(
    hidden: np.ndarray, grad: np.ndarray, wo: np.ndarray, targets: np.ndarray, lr: float
) -> float:
    """Independent logistic unit per output row, positive iff the row is in `targets`."""
    return one_vs_all_range(hidden, grad, wo, targets, 0, targets.shape[0], lr)


# Loss codes of `objective` and `output_probabilities`, as the fastText trainers pass them.
SOFTMAX, HS, NS, OVA = 0, 1, 2, 3


@njit(cache=True, nogil=True, fastmath=True)
def objective(
    kind: int,
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    targets: np.ndarray,
    begin: int,
    end: int,
    noise: np.ndarray,
    negative: int,
    drawn: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    code_off: np.ndarray,
    lr: float,
    state: np.ndarray,
    scores: np.ndarray,
    skip_saturated: bool,
) -> float:
    """One step of loss `kind` (fastText's Loss::forward), so every trainer shares one dispatch.

    The target is targets[begin] (one-vs-all: every one of targets[begin:end]). Negative sampling
    draws its `negative` noise ids into the scratch `drawn` (int32, at least `negative` long);
    hierarchical softmax walks the target's path codes/points[code_off[t]:code_off[t+1]];
    softmax uses `scores` (float32[n_out]) as scratch.
    """
    if kind == OVA:
        return one_vs_all_range(hidden, grad, wo, targets, begin, end, lr)
    target = targets[begin]
    if kind == NS:
        draw_noise(state, noise, drawn, negative)
        loss = negative_sampling(hidden, grad, wo, target, drawn, 0, negative, lr, skip_saturated)
        # the next call's table slots (one extra: the caller may draw once, e.g. a window)
        prefetch_noise(state, noise, negative + 1)
        return loss
    if kind == HS:
        prefetch_rows(wo, points, code_off[target], code_off[target + 1])
        return hierarchical_softmax_range(
            hidden, grad, wo, codes, points, code_off[target], code_off[target + 1], lr
        )
    return softmax(hidden, grad, wo, target, lr, scores)


@njit(cache=True, nogil=True, fastmath=True)
def output_probabilities(
    kind: int,
    hidden: np.ndarray,
    wo: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    code_off: np.ndarray,
    scores: np.ndarray,
) -> int:
    """Each output's probability into `scores` (no update), for prediction; returns their number.

    Softmax: the softmax; negative sampling and one-vs-all: an independent sigmoid per output
    (fastText's BinaryLogisticLoss::computeOutput); hierarchical softmax: the product of the
    decisions along each label's path, computed exactly for every label (code_off has one entry
    per label plus one).
    """
    dim = hidden.shape[0]
    if kind == SOFTMAX:
        softmax_scores(hidden, wo, scores)
        return wo.shape[0]
    if kind == HS:
        n_out = code_off.shape[0] - 1
        for lab in range(n_out):
            p = 1.0
            for d in range(code_off[lab], code_off[lab + 1]):
                f = 0.0
                for j in range(dim):
                    f += hidden[j] * wo[points[d], j]
                s = 1.0 / (1.0 + np.exp(-f))
                p *= s if codes[d] == 0 else 1.0 - s
            scores[lab] = p
        return n_out
    for lab in range(wo.shape[0]):
        f = 0.0
        for j in range(dim):
            f += hidden[j] * wo[lab, j]
        scores[lab] = 1.0 / (1.0 + np.exp(-f))
    return wo.shape[0]
