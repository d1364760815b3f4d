"""Training objectives written once, shared by word2vec and fastText kernels (Numba, nogil).

Every objective scores one hidden vector against rows of an output matrix, updates those output
rows in place (SGD, Hogwild-safe: no locks) and ADDS the update for the hidden vector into a buffer
the caller owns; it returns the loss (natural log, summed over the binary/softmax terms it computed).

Conventions (all arrays C-contiguous):
- `hidden`: float32[dim], the input representation h (a row of the input matrix for skip-gram,
  the mean/sum of context rows for CBOW, the mean of word+n-gram rows for fastText). Not modified.
- `grad`: float32[dim]. The objective does `grad += -lr * dLoss/dh`, i.e. the step the caller adds
  to every input row that built h once all objectives ran (word2vec's `neu1e`, fastText's `grad_`).
  Zero it yourself before the first objective of a position.
- `wo`: float32[n_out, dim], output matrix, rows updated in place: `wo[r] += -lr * dLoss/dwo[r]`,
  computed with `hidden` (the gradient for `grad` uses the row BEFORE its update, as the C tools do).
- `lr`: learning rate (float). `state`: uint64[1], the word2vec LCG state (see `lcg_next`), advanced
  in place; each thread owns its own.

Signatures (softmax, one-vs-all and the dispatch on a loss code are in wordlab.kernels.losses):
    lcg_next(state) -> uint64                  state[0] = state[0] * 25214903917 + 11; returns it
    logistic(f, label) -> (p, loss)            p from the C table (MAX_EXP 6, EXP_TABLE_SIZE
                                               1000), 0/1 outside; -log p or -log(1 - p)
    binary_logistic(hidden, grad, wo, row, label, lr, skip_saturated=False) -> loss
        one logistic unit: p = logistic(wo[row].h), target `label` (1 or 0); as word2vec's
        negative-sampling step (saturated scores still give the clamped update g = lr*(label-0/1)).
        fastText's binaryLogistic; loss = -log p (label 1) or -log(1-p) (label 0). With
        `skip_saturated`, a score with |f| >= MAX_EXP gives no update at all (gensim's rule; the
        loss is still counted).
    noise_draw(state, noise) -> int32
        one noise id: noise[((lcg_next(state) >> 32) * len(noise)) >> 32]
    draw_noise(state, noise, out, count) -> None
        out[:count] = `count` successive noise_draw(state, noise)
    negative_sampling(hidden, grad, wo, target, drawn, begin, end, lr, skip_saturated=False)
        label 1 on `target`, then label 0 on each noise id of drawn[begin:end] (from draw_noise);
        a noise id equal to `target` is skipped (not redrawn), as word2vec.c does. Returns the
        loss. Drawing a position's noise ids together first (one tight loop whose table loads
        overlap) made word2vec skip-gram 2-3x faster than drawing one at a time between updates.
        `skip_saturated` as binary_logistic's: off for word2vec (word2vec.c clamps), on for
        fastText's subword vectors (see wordlab.kernels.fasttext.train_subwords).
    hierarchical_softmax(hidden, grad, wo, codes, points, lr) -> loss
        codes: uint8[L], points: int32[L] for one word (see wordlab.vocab.huffman_codes; slice
        codes[offsets[w]:offsets[w+1]]); node d has label 1 - codes[d] on row points[d] of `wo`
        (wo has n_words - 1 rows). As word2vec.c, nodes with |score| >= MAX_EXP get no update
        (their loss is still counted).
    hierarchical_softmax_range(hidden, grad, wo, codes, points, begin, end, lr) -> loss
        the same on codes[begin:end] / points[begin:end] of the flat arrays, with no slicing
        (a slice in a hot loop costs two atomic reference-count updates in Numba). It does not
        prefetch the path: call prefetch_rows(wo, points, begin, end) first
        (wordlab.kernels.prefetch), once per path (skip-gram walks one centre word's path for
        every context word, and prefetches it once, a position ahead).

Build the `noise` table with wordlab.vocab.noise_table(counts, power) (word2vec uses 0.75,
fastText 0.5) and the Huffman arrays with wordlab.vocab.huffman_codes(counts).
"""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit
from wordlab.kernels.prefetch import prefetch_item, prefetch_row, prefetch_rows

MAX_EXP = 6.0
EXP_TABLE_SIZE = 1000
# word2vec.c's expTable: sigmoid sampled at the left edge of each of 1000 bins over [-6, 6).
_GRID = (np.arange(EXP_TABLE_SIZE, dtype=np.float64) / EXP_TABLE_SIZE * 2 - 1) * MAX_EXP
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_GRID))).astype(np.float32)
# log(1 + e^x) on the same bins (taken at their centres, as the loss is only reported), for the
# loss: -log p = softplus(f) - f, -log(1 - p) = softplus(f).
SOFTPLUS_TABLE = np.log1p(np.exp(_GRID + MAX_EXP / EXP_TABLE_SIZE)).astype(np.float32)
TABLE_SCALE = EXP_TABLE_SIZE / MAX_EXP / 2.0

LCG_MULTIPLIER = np.uint64(25214903917)
LCG_INCREMENT = np.uint64(11)


@njit(cache=True, nogil=True, fastmath=True)
def lcg_next(state: np.ndarray) -> np.uint64:
    """Advance word2vec's linear congruential generator in place and return the new state."""
    r = state[0] * np.uint64(25214903917) + np.uint64(11)
    state[0] = r
    return r


@njit(cache=True, nogil=True, fastmath=True)
def logistic(f: float, label: int) -> tuple[np.float32, np.float32]:
    """(p, loss) of one logistic unit with score f, both from one index into word2vec's grid.

    p = sigmoid(f) from the C tool's table, exactly 0 or 1 outside (-MAX_EXP, MAX_EXP); the loss
    is -log p for label 1 and -log(1 - p) for label 0, from a softplus table on the same grid
    (softplus(f) = log(1 + e^f) is f or 0 outside the grid).
    """
    if f >= MAX_EXP:
        p, sp = np.float32(1.0), np.float32(f)
    elif f <= -MAX_EXP:
        p, sp = np.float32(0.0), np.float32(0.0)
    else:
        i = int((f + MAX_EXP) * TABLE_SCALE)
        p, sp = SIGMOID_TABLE[i], SOFTPLUS_TABLE[i]
    return p, (sp - np.float32(f) if label else sp)


@njit(cache=True, nogil=True, fastmath=True)
def dot_row(hidden: np.ndarray, wo: np.ndarray, row: int) -> np.float32:
    f = np.float32(0.0)
    for k in range(hidden.shape[0]):
        f += hidden[k] * wo[row, k]
    return f


@njit(cache=True, nogil=True, fastmath=True)
def update_row(
    hidden: np.ndarray, grad: np.ndarray, wo: np.ndarray, row: int, g: np.float32
) -> None:
    # grad += g * wo[row] (old row), then wo[row] += g * hidden.
    for k in range(hidden.shape[0]):
        w = wo[row, k]
        grad[k] += g * w
        wo[row, k] = w + g * hidden[k]


@njit(cache=True, nogil=True, fastmath=True)
def binary_logistic(
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    row: int,
    label: int,
    lr: float,
    skip_saturated: bool = False,
) -> float:
    """One logistic unit on wo[row]: the negative-sampling / one-vs-all building block."""
    f = dot_row(hidden, wo, row)
    p, loss = logistic(f, label)
    if not (skip_saturated and (f >= MAX_EXP or f <= -MAX_EXP)):
        update_row(hidden, grad, wo, row, np.float32(lr * (label - p)))
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def _noise_slot(r: np.uint64, size: int) -> np.uint64:
    # word2vec.c takes (r >> 16) % size; a multiply-shift of the high 32 bits is as uniform and
    # avoids a 64-bit division per draw.
    return ((r >> np.uint64(32)) * np.uint64(size)) >> np.uint64(32)


@njit(cache=True, nogil=True, fastmath=True)
def noise_draw(state: np.ndarray, noise: np.ndarray) -> np.int32:
    """One noise id: advance the LCG, map its high 32 bits onto a slot of the table."""
    return noise[_noise_slot(lcg_next(state), noise.shape[0])]


@njit(cache=True, nogil=True, fastmath=True)
def prefetch_noise(state: np.ndarray, noise: np.ndarray, draws: int) -> None:
    """Prefetch the table slots of the next `draws` noise draws (the state is not advanced).

    The slots depend only on the generator, so they can be fetched one step ahead: a large
    table then costs no cache miss at draw time.
    """
    r = state[0]
    n = noise.shape[0]
    for _ in range(draws):
        r = r * np.uint64(25214903917) + np.uint64(11)
        prefetch_item(noise, _noise_slot(r, n))


@njit(cache=True, nogil=True, fastmath=True)
def negative_sampling(
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    target: int,
    drawn: np.ndarray,
    begin: int,
    end: int,
    lr: float,
    skip_saturated: bool = False,
) -> float:
    """Logistic loss on `target` (label 1) and noise rows drawn[begin:end] (label 0), as word2vec.c."""
    # all the rows are prefetched before the first update, so their cache misses overlap
    prefetch_row(wo, target)
    for i in range(begin, end):
        prefetch_row(wo, drawn[i])
    loss = binary_logistic(hidden, grad, wo, target, 1, lr, skip_saturated)
    for i in range(begin, end):
        row = drawn[i]
        if row == target:
            continue
        loss += binary_logistic(hidden, grad, wo, row, 0, lr, skip_saturated)
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def draw_noise(state: np.ndarray, noise: np.ndarray, out: np.ndarray, count: int) -> None:
    """Fill out[:count] with noise_draw(state, noise), in a tight loop whose loads overlap."""
    for i in range(count):
        out[i] = noise_draw(state, noise)


@njit(cache=True, nogil=True, fastmath=True)
def _update_then_dot(
    hidden: np.ndarray, grad: np.ndarray, wo: np.ndarray, row: int, g: np.float32, nxt: int
) -> np.float32:
    # update_row on wo[row] and, in the same pass over the dimensions, the score of wo[nxt]
    f = np.float32(0.0)
    for k in range(hidden.shape[0]):
        h = hidden[k]
        w = wo[row, k]
        grad[k] += g * w
        wo[row, k] = w + g * h
        f += h * wo[nxt, k]
    return f


@njit(cache=True, nogil=True, fastmath=True)
def hierarchical_softmax_range(
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    begin: int,
    end: int,
    lr: float,
) -> float:
    """hierarchical_softmax on codes[begin:end], points[begin:end] without making slices.

    The caller prefetches the path's rows (prefetch_rows), once however many times it walks it.
    A node's score needs only `hidden` and its own row, which no earlier node of a path changes
    (a path never repeats a node), so each node's update and the next node's score share one
    pass over the dimensions, and the loss and the gradient share one table index: the same
    results as separate passes, ~12% faster skip-gram HS (bench/RESULTS.md, session 7).
    """
    loss = 0.0
    if begin >= end:
        return loss
    f = dot_row(hidden, wo, points[begin])
    for d in range(begin, end):
        row = points[d]
        label = 1 - np.int64(codes[d])
        last = d + 1 == end
        p, node_loss = logistic(f, label)
        loss += node_loss
        if f <= -MAX_EXP or f >= MAX_EXP:  # word2vec.c leaves saturated nodes alone
            if not last:
                f = dot_row(hidden, wo, points[d + 1])
            continue
        g = np.float32(lr * (label - p))
        if last:
            update_row(hidden, grad, wo, row, g)
        else:
            f = _update_then_dot(hidden, grad, wo, row, g, points[d + 1])
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def hierarchical_softmax(
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    codes: np.ndarray,
    points: np.ndarray,
    lr: float,
) -> float:
    """Binary decisions along one word's Huffman path (label 1 - code), as word2vec.c."""
    prefetch_rows(wo, points, 0, codes.shape[0])
    return hierarchical_softmax_range(hidden, grad, wo, codes, points, 0, codes.shape[0], lr)
