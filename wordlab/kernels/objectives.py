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

Signatures:
    lcg_next(state) -> uint64                  state[0] = state[0] * 25214903917 + 11; returns it
    sigmoid(f) -> float32                      C table (MAX_EXP 6, EXP_TABLE_SIZE 1000), 0/1 outside
    softplus(f) -> float32                     log(1 + e^f) from a table on the same grid
    binary_logistic(hidden, grad, wo, row, label, lr, skip_saturated=False) -> loss
        one logistic unit: p = sigmoid(wo[row].h), target `label` (1 or 0); as word2vec's
        negative-sampling step (saturated scores still give the clamped update g = lr*(label-0/1)).
        fastText's binaryLogistic; loss = -log p (label 1) or -log(1-p) (label 0). With
        `skip_saturated`, a score with |f| >= MAX_EXP gives no update at all (gensim's rule; the
        loss is still counted).
    noise_draw(state, noise) -> int32
        one noise id: noise[((lcg_next(state) >> 32) * len(noise)) >> 32]
    negative_sampling(hidden, grad, wo, target, noise, negative, lr, state, skip_saturated=False)
        label 1 on `target`, then `negative` draws noise_draw(state, noise), each label 0; a draw
        equal to `target` is skipped (not redrawn), as word2vec.c does. Returns the loss.
    draw_noise(state, noise, out, count) -> None
        out[:count] = `count` successive noise_draw(state, noise)
    negative_sampling_drawn(hidden, grad, wo, target, drawn, begin, end, lr) -> loss
        negative_sampling with the noise ids given: drawn[begin:end]. The fast path: drawing a
        position's noise ids together (one tight loop, their table loads overlap) before any
        update made word2vec skip-gram 2-3x faster than drawing one at a time. Same result as
        negative_sampling from the same state.
    prefetch_row(matrix, row) -> None
        cache hint for a 2-D float32 matrix's row (no effect on results).
    hierarchical_softmax(hidden, grad, wo, codes, points, lr) -> loss
        codes: uint8[L], points: int32[L] for one word (see wordlab.vocab.huffman_codes; slice
        codes[offsets[w]:offsets[w+1]]); node d has label 1 - codes[d] on row points[d] of `wo`
        (wo has n_words - 1 rows). As word2vec.c, nodes with |score| >= MAX_EXP get no update
        (their loss is still counted).
    hierarchical_softmax_range(hidden, grad, wo, codes, points, begin, end, lr) -> loss
        the same on codes[begin:end] / points[begin:end] of the flat arrays, with no slicing
        (a slice in a hot loop costs two atomic reference-count updates in Numba). It does not
        prefetch the path: call prefetch_rows(wo, points, begin, end) first, once per path
        (skip-gram walks one centre word's path for every context word, and prefetches it once,
        a position ahead).
    prefetch_rows(matrix, rows, begin, end) -> None
        prefetch_row for each of rows[begin:end].
    softmax(hidden, grad, wo, target, lr, scores) -> loss
        full softmax over all rows of `wo`; `scores` is a float32[n_out] scratch buffer that holds
        the probabilities afterwards; loss = -log p[target]. (fastText's softmax loss.)
    one_vs_all(hidden, grad, wo, targets, lr) -> loss
        an independent binary_logistic on every row of `wo`, label 1 iff the row is in `targets`
        (int32 array). (fastText's one-vs-all loss, for multi-label classification.)
    softmax_scores(hidden, wo, scores) -> None
        probabilities only (prediction), no update.

Build the `noise` table with wordlab.vocab.noise_table(counts, power) (word2vec uses 0.75,
fastText 0.5) and the Huffman arrays with wordlab.vocab.huffman_codes(counts).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import binding as _llvm
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

MAX_EXP = 6.0
EXP_TABLE_SIZE = 1000
# word2vec.c's expTable: sigmoid sampled at the left edge of each of 1000 bins over [-6, 6).
_GRID = (np.arange(EXP_TABLE_SIZE, dtype=np.float64) / EXP_TABLE_SIZE * 2 - 1) * MAX_EXP
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_GRID))).astype(np.float32)
# log(1 + e^x) on the same bins (taken at their centres, as the loss is only reported), for the
# loss: -log p = softplus(f) - f, -log(1 - p) = softplus(f).
SOFTPLUS_TABLE = np.log1p(np.exp(_GRID + MAX_EXP / EXP_TABLE_SIZE)).astype(np.float32)
_SCALE = EXP_TABLE_SIZE / MAX_EXP / 2.0

LCG_MULTIPLIER = np.uint64(25214903917)
LCG_INCREMENT = np.uint64(11)
_PREFETCH = "llvm.prefetch.p0" if _llvm.llvm_version_info >= (15,) else "llvm.prefetch.p0i8"


@intrinsic
def prefetch_row(typingctx, matrix, row):  # noqa: ANN001, ANN201 (Numba intrinsic)
    """Ask the CPU to start loading matrix[row, :] into cache (a hint: no effect on results).

    Issued for all the rows a step will touch before it touches any, so their cache misses
    (random rows of a matrix larger than the cache) overlap instead of arriving one by one.
    """
    if not (
        isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)
    ):
        return None

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        aryty, rowty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        r = context.cast(builder, args[1], rowty, types.intp)
        i64, i32 = ir.IntType(64), ir.IntType(32)
        strides = cgutils.unpack_tuple(builder, ary.strides, 2)
        shape = cgutils.unpack_tuple(builder, ary.shape, 2)
        start = builder.add(builder.ptrtoint(ary.data, i64), builder.mul(r, strides[0]))
        nbytes = builder.mul(shape[1], strides[1])
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
        step = ir.Constant(i64, 64)  # one cache line
        with cgutils.for_range_slice(builder, ir.Constant(i64, 0), nbytes, step) as (off, _):
            ptr = builder.inttoptr(builder.add(start, off), i8p)
            # read access, high temporal locality, data cache
            builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(matrix, row), codegen


@intrinsic
def prefetch_item(typingctx, array, index):  # noqa: ANN001, ANN201 (Numba intrinsic)
    """Ask the CPU to load the cache line holding array[index], bypassing outer caches (a hint)."""
    if not (
        isinstance(array, types.Array) and array.ndim == 1 and isinstance(index, types.Integer)
    ):
        return None

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        i = context.cast(builder, args[1], idxty, types.intp)
        i64, i32 = ir.IntType(64), ir.IntType(32)
        stride = cgutils.unpack_tuple(builder, ary.strides, 1)[0]
        addr = builder.add(builder.ptrtoint(ary.data, i64), builder.mul(i, stride))
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
        ptr = builder.inttoptr(addr, i8p)
        # locality 0 (prefetchnta): the table is larger than the cache and its lines are used
        # once, so they should not evict the weight rows
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 0), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


@njit(cache=True, nogil=True, fastmath=True)
def lcg_next(state: np.ndarray) -> np.uint64:
    """Advance word2vec's linear congruential generator in place and return the new state."""
    r = state[0] * np.uint64(25214903917) + np.uint64(11)
    state[0] = r
    return r


@njit(cache=True, nogil=True, fastmath=True)
def sigmoid(f: float) -> np.float32:
    """Logistic function from word2vec's table; exactly 0 or 1 outside (-MAX_EXP, MAX_EXP)."""
    if f >= MAX_EXP:
        return np.float32(1.0)
    if f <= -MAX_EXP:
        return np.float32(0.0)
    return SIGMOID_TABLE[int((f + MAX_EXP) * _SCALE)]


@njit(cache=True, nogil=True, fastmath=True)
def softplus(f: float) -> np.float32:
    """log(1 + e^f) from a table on the sigmoid's grid (linear/zero beyond MAX_EXP), for losses."""
    if f >= MAX_EXP:
        return np.float32(f)
    if f <= -MAX_EXP:
        return np.float32(0.0)
    return SOFTPLUS_TABLE[int((f + MAX_EXP) * _SCALE)]


@njit(cache=True, nogil=True, fastmath=True)
def _dot_row(hidden: np.ndarray, wo: np.ndarray, row: int) -> np.float32:
    f = np.float32(0.0)
    for k in range(hidden.shape[0]):
        f += hidden[k] * wo[row, k]
    return f


@njit(cache=True, nogil=True, fastmath=True)
def _update(hidden: np.ndarray, grad: np.ndarray, wo: np.ndarray, row: int, g: np.float32) -> None:
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
    f = _dot_row(hidden, wo, row)
    if not (skip_saturated and (f >= MAX_EXP or f <= -MAX_EXP)):
        g = np.float32(lr * (label - sigmoid(f)))
        _update(hidden, grad, wo, row, g)
    sp = softplus(f)
    return sp - f if label else sp


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
    noise: np.ndarray,
    negative: int,
    lr: float,
    state: np.ndarray,
    skip_saturated: bool = False,
) -> float:
    """Logistic loss on `target` (label 1) and `negative` noise rows (label 0), as word2vec.c."""
    # First pass: draw the noise rows and prefetch them (and the target's), so their cache
    # misses overlap; the second pass replays the same draws from the saved state.
    saved = state[0]
    prefetch_row(wo, target)
    for _ in range(negative):
        prefetch_row(wo, noise_draw(state, noise))
    state[0] = saved
    loss = binary_logistic(hidden, grad, wo, target, 1, lr, skip_saturated)
    for _ in range(negative):
        row = noise_draw(state, noise)
        if row == target:
            continue
        loss += binary_logistic(hidden, grad, wo, row, 0, lr, skip_saturated)
    # the next call's draws (one extra: the caller may draw once, e.g. a window, in between)
    prefetch_noise(state, noise, negative + 1)
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def negative_sampling_drawn(
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    target: int,
    drawn: np.ndarray,
    begin: int,
    end: int,
    lr: float,
) -> float:
    """negative_sampling with the noise ids already drawn: drawn[begin:end] (see draw_noise)."""
    prefetch_row(wo, target)
    for i in range(begin, end):
        prefetch_row(wo, drawn[i])
    loss = binary_logistic(hidden, grad, wo, target, 1, lr)
    for i in range(begin, end):
        row = drawn[i]
        if row == target:
            continue
        loss += binary_logistic(hidden, grad, wo, row, 0, lr)
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def draw_noise(state: np.ndarray, noise: np.ndarray, out: np.ndarray, count: int) -> None:
    """Fill out[:count] with noise_draw(state, noise), in a tight loop whose loads overlap."""
    for i in range(count):
        out[i] = noise_draw(state, noise)


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
    """
    loss = 0.0
    for d in range(begin, end):
        row = points[d]
        f = _dot_row(hidden, wo, row)
        label = 1 - np.int64(codes[d])
        sp = softplus(f)
        loss += sp - f if label else sp
        if f <= -MAX_EXP or f >= MAX_EXP:
            continue  # word2vec.c leaves saturated nodes alone
        g = np.float32(lr * (label - SIGMOID_TABLE[int((f + MAX_EXP) * _SCALE)]))
        _update(hidden, grad, wo, row, g)
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


@njit(cache=True, nogil=True, fastmath=True)
def prefetch_rows(matrix: np.ndarray, rows: np.ndarray, begin: int, end: int) -> None:
    """prefetch_row for each of rows[begin:end] (a hint: no effect on results)."""
    for d in range(begin, end):
        prefetch_row(matrix, rows[d])


@njit(cache=True, nogil=True, fastmath=True)
def softmax_scores(hidden: np.ndarray, wo: np.ndarray, scores: np.ndarray) -> None:
    """Softmax probabilities of every row of `wo` given `hidden`, into `scores` (no update)."""
    n = wo.shape[0]
    top = -np.inf
    for i in range(n):
        s = _dot_row(hidden, wo, i)
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
        _update(hidden, grad, wo, i, np.float32(lr * (label - scores[i])))
    return -math.log(max(p, 1e-30))


@njit(cache=True, nogil=True, fastmath=True)
def one_vs_all(
    hidden: np.ndarray, grad: np.ndarray, wo: np.ndarray, targets: np.ndarray, lr: float
) -> float:
    """Independent logistic unit per output row, positive iff the row is in `targets`."""
    loss = 0.0
    for i in range(wo.shape[0]):
        label = 0
        for t in targets:
            if t == i:
                label = 1
                break
        loss += binary_logistic(hidden, grad, wo, i, label, lr)
    return loss


@njit(cache=True, nogil=True)
def _huffman(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # word2vec.c's CreateBinaryTree: counts sorted descending; two cursors merge the leaves (right
    # to left) with the inner nodes (left to right), so the tree is built in O(V).
    v = counts.shape[0]
    count = np.empty(2 * v, dtype=np.int64)
    count[:v] = counts
    count[v:] = np.int64(1) << np.int64(60)
    parent = np.zeros(2 * v, dtype=np.int64)
    binary = np.zeros(2 * v, dtype=np.uint8)
    pos1 = v - 1
    pos2 = v
    for a in range(v - 1):
        mins = np.empty(2, dtype=np.int64)
        for j in range(2):
            if pos1 >= 0 and count[pos1] < count[pos2]:
                mins[j] = pos1
                pos1 -= 1
            else:
                mins[j] = pos2
                pos2 += 1
        count[v + a] = count[mins[0]] + count[mins[1]]
        parent[mins[0]] = v + a
        parent[mins[1]] = v + a
        binary[mins[1]] = 1
    root = 2 * v - 2
    lengths = np.zeros(v, dtype=np.int64)
    for w in range(v):
        b = w
        n = 0
        while b != root:
            n += 1
            b = parent[b]
        lengths[w] = n
    offsets = np.zeros(v + 1, dtype=np.int64)
    for w in range(v):
        offsets[w + 1] = offsets[w] + lengths[w]
    codes = np.empty(offsets[v], dtype=np.uint8)
    points = np.empty(offsets[v], dtype=np.int32)
    for w in range(v):
        # walk leaf -> root, writing root-first: points are inner nodes numbered 0..v-2 (root v-2).
        b = w
        i = offsets[w + 1] - 1
        while b != root:
            codes[i] = binary[b]
            points[i] = parent[b] - v
            b = parent[b]
            i -= 1
    return codes, points, offsets
