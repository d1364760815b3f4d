"""fastText's reader of labelled text in compiled code: tokens as readWord, examples as getLine.

`tokenize` splits a file's bytes into distinct-string ids; `build_examples` turns the token stream
into one classifier example per line: its input rows (words and their character n-grams, then the
word n-grams) and its labels.
"""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit
from wordlab.kernels.subwords import WORD_NGRAM_MULT, fnv1a_signed, word_ngram_row


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
                    h = h * np.uint64(WORD_NGRAM_MULT) + np.uint64(hashes[b])
                    inputs[pos] = nwords + word_ngram_row(h, bucket)
                    pos += 1
                    b += 1
        in_ptr[line + 1] = pos
        lab_ptr[line + 1] = lpos
        ntok[line] = count
        line += 1
    return in_ptr, inputs[:pos].copy(), lab_ptr, labels, ntok
