"""Compiled fastText kernels: hashing, subword tables, word n-grams, and the training loops.

Hashing follows fastText's `Dictionary::hash`: 32-bit FNV-1a over the UTF-8 bytes, each byte
taken as a *signed* char (so bytes >= 0x80 are sign-extended before the xor), which is what every
released fastText model used. Strings reach the kernels as one uint8 buffer plus int64 offsets.

The training kernels share wordlab's objectives (`wordlab.kernels.objectives`): the input vector
of a step is the mean of several rows of `wi` (a word's own row and its n-gram rows, or a text's
words and word n-grams), the objective updates the output rows and accumulates the gradient of
that mean, and the gradient is then added to every input row, as in fastText's `Model::update`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wordlab.kernels.objectives import (
    hierarchical_softmax_range,
    lcg_next,
    negative_sampling,
    one_vs_all,
    prefetch_rows,
    softmax,
    softmax_scores,
)

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_MASK32 = 0xFFFFFFFF
# fastText multiplies word hashes by this constant when it hashes word n-grams (addWordNgrams).
_WORD_NGRAM_MULT = 116049371


@njit(cache=True, nogil=True)
def fnv1a_signed(buf: np.ndarray, start: int, end: int) -> np.uint32:
    """FNV-1a 32-bit of buf[start:end], bytes as signed chars (fastText's hash)."""
    h = np.uint64(_FNV_OFFSET)
    for i in range(start, end):
        b = np.uint64(buf[i])
        if b >= 128:
            b = b | np.uint64(0xFFFFFF00)  # int8 -> uint32 sign extension
        h = ((h ^ b) * np.uint64(_FNV_PRIME)) & np.uint64(_MASK32)
    return np.uint32(h)


@njit(cache=True, nogil=True)
def hash_strings(buf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """fastText hash of each string buf[offsets[i]:offsets[i+1]]."""
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.uint32)
    for i in range(n):
        out[i] = fnv1a_signed(buf, offsets[i], offsets[i + 1])
    return out


@njit(cache=True, nogil=True)
def _count_ngrams(buf: np.ndarray, start: int, end: int, minn: int, maxn: int) -> int:
    """How many character n-grams `_emit_ngrams` yields for one bracketed word."""
    count = 0
    for i in range(start, end):
        if (buf[i] & 0xC0) == 0x80:  # a UTF-8 continuation byte starts no character
            continue
        j = i
        n = 1
        while j < end and n <= maxn:
            j += 1
            while j < end and (buf[j] & 0xC0) == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == start or j == end)):
                count += 1
            n += 1
    return count


@njit(cache=True, nogil=True)
def _emit_ngrams(
    buf: np.ndarray,
    start: int,
    end: int,
    minn: int,
    maxn: int,
    bucket: int,
    offset: int,
    out: np.ndarray,
    pos: int,
    starts: np.ndarray,
    ends: np.ndarray,
) -> int:
    """Write offset + hash % bucket of each n-gram of buf[start:end] at out[pos:]; return new pos.

    The word is already bracketed (`<word>`); n counts characters, not bytes, and the lone `<`
    and `>` are not n-grams (fastText's computeSubwords). `starts`/`ends` receive byte spans.
    """
    for i in range(start, end):
        if (buf[i] & 0xC0) == 0x80:
            continue
        j = i
        n = 1
        while j < end and n <= maxn:
            j += 1
            while j < end and (buf[j] & 0xC0) == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == start or j == end)):
                h = fnv1a_signed(buf, i, j)
                out[pos] = offset + np.int64(h % np.uint32(bucket))
                starts[pos] = i
                ends[pos] = j
                pos += 1
            n += 1
    return pos


@njit(cache=True, nogil=True)
def subword_table(
    buf: np.ndarray,
    offsets: np.ndarray,
    minn: int,
    maxn: int,
    bucket: int,
    with_word: bool,
    offset: int,
):
    """CSR table of each bracketed word's rows: its own id (if `with_word`) then its n-gram rows.

    N-gram rows are `offset + hash % bucket` (offset = nwords in a model); with bucket == 0 or
    maxn < minn a word has only its own row. Returns (ptr int64, ids int32, starts, ends).
    """
    n = offsets.shape[0] - 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    use_ngrams = bucket > 0 and maxn >= minn and maxn > 0
    for w in range(n):
        c = 1 if with_word else 0
        if use_ngrams:
            c += _count_ngrams(buf, offsets[w], offsets[w + 1], minn, maxn)
        ptr[w + 1] = ptr[w] + c
    total = ptr[n]
    ids = np.empty(total, dtype=np.int32)
    starts = np.empty(total, dtype=np.int64)
    ends = np.empty(total, dtype=np.int64)
    for w in range(n):
        pos = ptr[w]
        if with_word:
            ids[pos] = w
            starts[pos] = -1
            ends[pos] = -1
            pos += 1
        if use_ngrams:
            _emit_ngrams(
                buf, offsets[w], offsets[w + 1], minn, maxn, bucket, offset, ids, pos, starts, ends
            )
    return ptr, ids, starts, ends


@njit(cache=True, nogil=True)
def _word_ngram_row(h: np.uint64, bucket: int) -> np.int64:
    return np.int64(h % np.uint64(bucket))


@njit(cache=True, nogil=True)
def build_examples(
    tok_kind: np.ndarray,
    tok_label: np.ndarray,
    tok_hash: np.ndarray,
    tok_sub_ptr: np.ndarray,
    tok_sub_ids: np.ndarray,
    tok_distinct: np.ndarray,
    nwords: int,
    word_ngrams: int,
    bucket: int,
):
    """Turn a token stream into classifier examples, one per line, as fastText's getLine does.

    tok_kind: 0 word, 1 label, 2 end of line (fastText's `</s>`, which is also a word);
    tok_distinct: each token's distinct-string id, whose input rows (the word's own row if known,
    its character n-gram rows) are tok_sub_ids[tok_sub_ptr[d]:tok_sub_ptr[d+1]]. Every word-typed
    token, known or not, contributes its hash to the word n-grams: row nwords + (h(w_i) *
    116049371 + h(w_i+1) ...) % bucket, with the 32-bit hashes sign-extended to 64 bits as
    fastText stores them in int32 before the 64-bit arithmetic.
    Returns (in_ptr, inputs, lab_ptr, labels, ntokens per example).
    """
    n = tok_kind.shape[0]
    n_lines = 0
    for i in range(n):
        if tok_kind[i] == 2:
            n_lines += 1
    if n > 0 and tok_kind[n - 1] != 2:
        n_lines += 1
    # upper bounds: each token gives its rows and up to word_ngrams-1 n-gram rows
    cap = 0
    n_labels = 0
    for i in range(n):
        d = tok_distinct[i]
        if tok_kind[i] != 1:
            cap += tok_sub_ptr[d + 1] - tok_sub_ptr[d] + max(word_ngrams - 1, 0)
        else:
            n_labels += 1
    inputs = np.empty(cap, dtype=np.int32)
    labels = np.empty(n_labels, dtype=np.int32)
    in_ptr = np.zeros(n_lines + 1, dtype=np.int64)
    lab_ptr = np.zeros(n_lines + 1, dtype=np.int64)
    ntok = np.zeros(n_lines, dtype=np.int32)
    hashes = np.empty(n + 1, dtype=np.int64)
    pos = 0
    lpos = 0
    line = 0
    i = 0
    while i < n:
        nh = 0
        count = 0
        while i < n:
            kind = tok_kind[i]
            count += 1
            if kind != 1:
                d = tok_distinct[i]
                for k in range(tok_sub_ptr[d], tok_sub_ptr[d + 1]):
                    inputs[pos] = tok_sub_ids[k]
                    pos += 1
                hashes[nh] = np.int64(np.int32(tok_hash[i]))  # stored as int32, as fastText does
                nh += 1
            elif tok_label[i] >= 0:
                labels[lpos] = tok_label[i]
                lpos += 1
            i += 1
            if kind == 2:
                break
        if bucket > 0:
            for a in range(nh):
                h = np.uint64(hashes[a])
                b = a + 1
                while b < nh and b < a + word_ngrams:
                    h = h * np.uint64(_WORD_NGRAM_MULT) + np.uint64(hashes[b])
                    inputs[pos] = nwords + _word_ngram_row(h, bucket)
                    pos += 1
                    b += 1
        in_ptr[line + 1] = pos
        lab_ptr[line + 1] = lpos
        ntok[line] = count
        line += 1
    return in_ptr, inputs[:pos].copy(), lab_ptr, labels, ntok


# ----------------------------------------------------------------------------------------------
# Training. Loss codes: 0 softmax, 1 hierarchical softmax, 2 negative sampling, 3 one-vs-all.

SOFTMAX, HS, NS, OVA = 0, 1, 2, 3
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
def _objective(
    kind: int,
    hidden: np.ndarray,
    grad: np.ndarray,
    wo: np.ndarray,
    target: int,
    noise: np.ndarray,
    neg: int,
    codes: np.ndarray,
    points: np.ndarray,
    code_off: np.ndarray,
    lr: float,
    state: np.ndarray,
    scores: np.ndarray,
    skip_saturated: bool,
) -> float:
    """One step of the chosen shared objective on `target` (the Loss::forward of fastText)."""
    if kind == NS:
        return negative_sampling(hidden, grad, wo, target, noise, neg, lr, state, skip_saturated)
    if kind == HS:
        prefetch_rows(wo, points, code_off[target], code_off[target + 1])
        return hierarchical_softmax_range(
            hidden, grad, wo, codes, points, code_off[target], code_off[target + 1], lr
        )
    return softmax(hidden, grad, wo, target, lr, scores)


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
    first: int,
    last: int,
    epochs: int,
    lr0: float,
    total_tokens: int,
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
    """One Hogwild thread of fastText's supervised training over examples first..last-1.

    The learning rate decays linearly with the tokens all threads have processed
    (progress[:, 0], published every `lr_update_rate` tokens, as fastText's tokenCount_); the
    input gradient is divided by the number of input rows (fastText's normalizeGradient).
    losses[tid] accumulates (loss sum, examples) for the progress display.
    """
    dim = wi.shape[1]
    hidden = np.empty(dim, dtype=np.float32)
    grad = np.empty(dim, dtype=np.float32)
    scores = np.empty(wo.shape[0], dtype=np.float32)
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    work = float(epochs) * float(total_tokens)
    local = 0
    lr = lr0 * (1.0 - _total(progress) / work)
    loss_sum = 0.0
    n_ex = 0
    for _ in range(epochs):
        for e in range(first, last):
            a = in_ptr[e]
            b = in_ptr[e + 1]
            la = lab_ptr[e]
            lb = lab_ptr[e + 1]
            local += ntok[e]
            if b > a and lb > la:
                _mean_rows(wi, inputs, a, b, hidden)
                for k in range(dim):
                    grad[k] = 0.0
                if kind == OVA:
                    loss = one_vs_all(hidden, grad, wo, labels[la:lb], lr)
                else:
                    pick = la
                    if lb - la > 1:
                        pick = la + np.int64(
                            (lcg_next(state) >> np.uint64(16)) % np.uint64(lb - la)
                        )
                    loss = _objective(
                        kind, hidden, grad, wo, labels[pick], noise, neg, codes, points,
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
    epochs: int,
    lr0: float,
    total_tokens: int,
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
    """One Hogwild thread of fastText's skip-gram / CBOW over corpus positions start..end-1.

    A word's input is the mean of its rows sub_ids[sub_ptr[w]:sub_ptr[w+1]] (its own row and its
    character n-gram rows). Out-of-vocabulary tokens (id >= vocab_size) are skipped; a known token
    is dropped with probability 1 - keep[id] (fastText's pdiscard). Lines are read at most
    MAX_LINE_SIZE known words at a time, as fastText's getLine. total_tokens counts known tokens
    of the whole corpus, for the linear learning-rate decay shared by all threads.
    Negative sampling skips updates whose score is saturated (|f| >= 6), as gensim does where
    fastText clamps them: over five seeds on 100 MB of enwiki this scored as well or better on
    every measure (bench/RESULTS.md), and a score beyond the table, right or wrong, costs no update.
    """
    dim = wi.shape[1]
    hidden = np.empty(dim, dtype=np.float32)
    grad = np.empty(dim, dtype=np.float32)
    scores = np.empty(wo.shape[0], dtype=np.float32)
    sen = np.empty(MAX_LINE_SIZE, dtype=np.int32)
    bow = np.empty(16, dtype=np.int32)
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    work = float(epochs) * float(total_tokens)
    local = 0
    lr = lr0 * (1.0 - _total(progress) / work)
    loss_sum = 0.0
    n_ex = 0
    n_lines = line_starts.shape[0] - 1
    for _ in range(epochs):
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
                        loss_sum += _objective(
                            kind, hidden, grad, wo, sen[c], noise, neg, codes, points,
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
                    loss_sum += _objective(
                        kind, hidden, grad, wo, sen[w], noise, neg, codes, points, code_off, lr,
                        state, scores, True,
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

    Probabilities: softmax; an independent sigmoid per label for negative sampling and
    one-vs-all (fastText's BinaryLogisticLoss::computeOutput); for hierarchical softmax the
    product of the decisions along each label's path, computed exactly for every label.
    An example with no known input rows gets no prediction, as in fastText.
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
        if kind == SOFTMAX:
            softmax_scores(hidden, wo, scores)
        elif kind == HS:
            for lab in range(n_out):
                p = 1.0
                for d in range(code_off[lab], code_off[lab + 1]):
                    f = 0.0
                    for j in range(dim):
                        f += hidden[j] * wo[points[d], j]
                    s = 1.0 / (1.0 + np.exp(-f))
                    p *= s if codes[d] == 0 else 1.0 - s
                scores[lab] = p
        else:
            for lab in range(n_out):
                f = 0.0
                for j in range(dim):
                    f += hidden[j] * wo[lab, j]
                scores[lab] = 1.0 / (1.0 + np.exp(-f))
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


_EOS_BYTES = np.frombuffer(b"</s>", dtype=np.uint8).copy()


@njit(cache=True, nogil=True)
def _is_space(c: np.uint8) -> bool:
    # fastText's readWord separators: space, \n, \r, \t, \v, \f, \0
    return c == 32 or c == 10 or c == 13 or c == 9 or c == 11 or c == 12 or c == 0


@njit(cache=True, nogil=True)
def _same(buf: np.ndarray, a: int, b: int, other: np.ndarray, c: int, d: int) -> bool:
    if b - a != d - c:
        return False
    for i in range(b - a):  # noqa: SIM110 (a generator would not compile in nopython mode)
        if buf[a + i] != other[c + i]:
            return False
    return True


@njit(cache=True, nogil=True)
def tokenize(buf: np.ndarray, eos: np.ndarray):
    """Split UTF-8 bytes into tokens as fastText's readWord, mapping each to a distinct-string id.

    Every newline yields the end-of-line token `</s>` (distinct id 0, also given to a literal
    `</s>`); a final line without newline gets one too. Distinct strings are found with an
    open-addressing table on fastText's hash. Returns (token ids int32, first byte offset and end
    of each distinct string (-1 for `</s>`), hash uint32 of each distinct string, counts int64).
    """
    n = buf.shape[0]
    # pass 1: count tokens
    ntok = 0
    intok = False
    for i in range(n):
        c = buf[i]
        if _is_space(c):
            if intok:
                ntok += 1
                intok = False
            if c == 10:
                ntok += 1
        else:
            intok = True
    if intok:
        ntok += 1
    if n > 0 and buf[n - 1] != 10:
        ntok += 1
    tok = np.empty(ntok, dtype=np.int32)
    cap = 1 << 16
    table = np.full(cap, -1, dtype=np.int32)
    size_cap = 1 << 12
    d_start = np.empty(size_cap, dtype=np.int64)
    d_end = np.empty(size_cap, dtype=np.int64)
    d_hash = np.empty(size_cap, dtype=np.uint32)
    counts = np.zeros(size_cap, dtype=np.int64)
    eos_hash = fnv1a_signed(eos, 0, eos.shape[0])
    d_start[0] = -1
    d_end[0] = -1
    d_hash[0] = eos_hash
    table[np.int64(eos_hash) & (cap - 1)] = 0
    nd = 1
    t = 0
    i = 0
    while i <= n:
        # skip separators, emitting </s> for newlines
        while i < n and _is_space(buf[i]):
            if buf[i] == 10:
                tok[t] = 0
                counts[0] += 1
                t += 1
            i += 1
        if i >= n:
            break
        j = i
        while j < n and not _is_space(buf[j]):
            j += 1
        h = fnv1a_signed(buf, i, j)
        slot = np.int64(h) & (cap - 1)
        found = -1
        while table[slot] >= 0:
            d = table[slot]
            if d_hash[d] == h:
                if d == 0:
                    if _same(buf, i, j, eos, 0, eos.shape[0]):
                        found = 0
                        break
                elif _same(buf, i, j, buf, d_start[d], d_end[d]):
                    found = d
                    break
            slot = (slot + 1) & (cap - 1)
        if found < 0:
            if nd == d_start.shape[0]:
                d_start = np.concatenate((d_start, np.empty(nd, dtype=np.int64)))
                d_end = np.concatenate((d_end, np.empty(nd, dtype=np.int64)))
                d_hash = np.concatenate((d_hash, np.empty(nd, dtype=np.uint32)))
                counts = np.concatenate((counts, np.zeros(nd, dtype=np.int64)))
            found = nd
            d_start[nd] = i
            d_end[nd] = j
            d_hash[nd] = h
            nd += 1
            table[slot] = found
            if 2 * nd > cap:  # keep the table at most half full
                cap *= 2
                table = np.full(cap, -1, dtype=np.int32)
                for d in range(nd):
                    s = np.int64(d_hash[d]) & (cap - 1)
                    while table[s] >= 0:
                        s = (s + 1) & (cap - 1)
                    table[s] = d
        tok[t] = found
        counts[found] += 1
        t += 1
        i = j
    if n > 0 and buf[n - 1] != 10:
        tok[t] = 0
        counts[0] += 1
        t += 1
    return tok[:t], d_start[:nd].copy(), d_end[:nd].copy(), d_hash[:nd].copy(), counts[:nd].copy()


@njit(cache=True, nogil=True, fastmath=True)
def mean_rows_table(wi: np.ndarray, ptr: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Row i = mean of wi[ids[ptr[i]:ptr[i+1]]] (zeros if empty): every word's vector at once."""
    n = ptr.shape[0] - 1
    out = np.zeros((n, wi.shape[1]), dtype=np.float32)
    for i in range(n):
        if ptr[i + 1] > ptr[i]:
            _mean_rows(wi, ids, ptr[i], ptr[i + 1], out[i])
    return out
