"""Compiled tokenizing of UTF-8 text into provisional word ids (wordlab/wordtable.py drives it).

Tokens are runs of non-separator bytes. `intern_tokens` and `lookup_tokens` give a newline byte
id 0 (a line mark); `count_tokens`, the corpus encoder's pass, counts the words and records line
starts instead. Words are kept in an open-addressing hash table (64-bit FNV-1a of their bytes) with their bytes in one pool, so
no Python object is made per token. The final vocabulary order (count descending, then word) and
the `word count` lines are made here too, from the pool, so no Python string is made per word.
"""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit

FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True, nogil=True)
def _token_end(buf, i, separator):
    """(end, hash) of the token that starts at buf[i]: it runs to a separator or newline byte."""
    n = buf.shape[0]
    j = i
    h = FNV_OFFSET
    while j < n and not separator[buf[j]] and buf[j] != 10:
        h = (h ^ np.uint64(buf[j])) * FNV_PRIME
        j += 1
    return j, h


@njit(cache=True, nogil=True)
def _find(buf, i, length, h, table, word_hash, word_start, word_len, pool):
    """(slot, id) of the word buf[i:i+length] with hash h; id -1 and its empty slot if absent."""
    mask = table.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    while table[slot] >= 0:
        wid = table[slot]
        if word_hash[wid] == h and word_len[wid] == length:
            s = word_start[wid]
            same = True
            for k in range(length):
                if pool[s + k] != buf[i + k]:
                    same = False
                    break
            if same:
                return slot, wid
        slot = (slot + 1) & mask
    return slot, -1


@njit(cache=True, nogil=True)
def _has_room(table, word_hash, pool, n_words, pool_used, length):
    """Whether one more word of `length` bytes fits: the table at most half full, the arrays."""
    return (
        2 * (n_words + 1) <= table.shape[0]
        and n_words + 1 <= word_hash.shape[0]
        and pool_used + length <= pool.shape[0]
    )


@njit(cache=True, nogil=True)
def _add(buf, i, j, h, slot, wid, table, word_hash, word_start, word_len, pool, pool_used):
    """Store buf[i:j] (hash h) as word `wid` in the empty `slot`, its bytes at pool[pool_used:]."""
    table[slot] = wid
    word_hash[wid] = h
    word_start[wid] = pool_used
    word_len[wid] = j - i
    pool[pool_used : pool_used + j - i] = buf[i:j]


@njit(cache=True, nogil=True)
def intern_tokens(
    buf, start, separator, table, word_hash, word_start, word_len, pool, n_words, pool_used, out,
    n_out,
):  # fmt: skip
    """Append the ids of `buf[start:]`'s tokens to `out` from `n_out` (0 for each newline).

    Stops before a new word that would fill `table` past half, overflow the word arrays or the
    byte `pool`, so the caller grows only what is needed and calls again from the returned
    position. Returns (position, n_out, n_words, pool_used); position == len(buf) when done.
    """
    n = buf.shape[0]
    i = start
    while i < n:
        b = buf[i]
        if b == 10:
            out[n_out] = 0
            n_out += 1
            i += 1
            continue
        if separator[b]:
            i += 1
            continue
        j, h = _token_end(buf, i, separator)
        slot, wid = _find(buf, i, j - i, h, table, word_hash, word_start, word_len, pool)
        if wid < 0:
            if not _has_room(table, word_hash, pool, n_words, pool_used, j - i):
                return i, n_out, n_words, pool_used  # room needed: the caller grows, resumes
            wid = n_words
            _add(buf, i, j, h, slot, wid, table, word_hash, word_start, word_len, pool, pool_used)
            n_words += 1
            pool_used += j - i
        out[n_out] = wid
        n_out += 1
        i = j
    return n, n_out, n_words, pool_used


# the fields of count_tokens' `state` (an int64 array it updates in place)
N_WORDS, POOL_USED, N_OUT, N_LINES, N_TOKENS, LAST_START = range(6)


@njit(cache=True, nogil=True)
def count_tokens(
    buf, start, separator, table, word_hash, word_start, word_len, pool, counts, out, lines, state
):  # fmt: skip
    """Count `buf[start:]`'s words into `counts`, their ids into `out`, line starts into `lines`.

    Newlines yield no id: a newline after k words in all (k > the last line start) appends k to
    `lines`, so empty lines collapse. Stops before a token when `out` is full, before a newline
    when `lines` is full, and before a new word that needs room (as `intern_tokens`); the caller
    empties the full buffer or grows the table (and `counts` with the word arrays) and calls
    again from the returned position. One pass and fixed buffers: no per-chunk id array, mask,
    cumulative sum or bincount. Returns the position (len(buf) when done); `state` holds
    n_words, pool_used, n_out, n_lines, n_tokens and last_start (the N_* indices).
    """
    n_words, pool_used = state[N_WORDS], state[POOL_USED]
    n_out, n_lines = state[N_OUT], state[N_LINES]
    n_tokens, last_start = state[N_TOKENS], state[LAST_START]
    n = buf.shape[0]
    i = start
    while i < n:
        b = buf[i]
        if b == 10:
            if n_tokens != last_start:
                if n_lines == lines.shape[0]:
                    break
                lines[n_lines] = n_tokens
                n_lines += 1
                last_start = n_tokens
            i += 1
            continue
        if separator[b]:
            i += 1
            continue
        if n_out == out.shape[0]:
            break
        j, h = _token_end(buf, i, separator)
        slot, wid = _find(buf, i, j - i, h, table, word_hash, word_start, word_len, pool)
        if wid < 0:
            if not _has_room(table, word_hash, pool, n_words, pool_used, j - i):
                break
            wid = n_words
            _add(buf, i, j, h, slot, wid, table, word_hash, word_start, word_len, pool, pool_used)
            n_words += 1
            pool_used += j - i
        counts[wid] += 1
        out[n_out] = wid
        n_out += 1
        n_tokens += 1
        i = j
    state[N_WORDS], state[POOL_USED] = n_words, pool_used
    state[N_OUT], state[N_LINES] = n_out, n_lines
    state[N_TOKENS], state[LAST_START] = n_tokens, last_start
    return i


@njit(cache=True, nogil=True)
def lookup_tokens(buf, separator, table, word_hash, word_start, word_len, pool, unknown, out):
    """The ids of `buf`'s tokens among the words already in `table` (0 for each newline).

    A word not in the table gets `unknown` and is not added, so a table holding a vocabulary
    maps text to its ids in memory that does not grow with the text. Returns the ids written.
    """
    n = buf.shape[0]
    n_out = 0
    i = 0
    while i < n:
        b = buf[i]
        if b == 10:
            out[n_out] = 0
            n_out += 1
            i += 1
            continue
        if separator[b]:
            i += 1
            continue
        j, h = _token_end(buf, i, separator)
        wid = _find(buf, i, j - i, h, table, word_hash, word_start, word_len, pool)[1]
        out[n_out] = unknown if wid < 0 else wid
        n_out += 1
        i = j
    return n_out


@njit(cache=True, nogil=True)
def rehash(word_hash, n_words, table):
    """Fill an empty (all -1) `table` with words 1..n_words-1 by their stored hashes."""
    mask = table.shape[0] - 1
    for wid in range(1, n_words):
        slot = np.int64(word_hash[wid] & np.uint64(mask))
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = wid


@njit(cache=True, nogil=True)
def _before(a, b, counts, word_start, word_len, pool):
    """True when word a sorts before word b: higher count first, then by UTF-8 bytes.

    Byte order of UTF-8 is code-point order, so this is Python's string order on the words.
    """
    if counts[a] != counts[b]:
        return counts[a] > counts[b]
    sa, sb = word_start[a], word_start[b]
    la, lb = word_len[a], word_len[b]
    m = la if la < lb else lb
    for k in range(m):
        x, y = pool[sa + k], pool[sb + k]
        if x != y:
            return x < y
    return la < lb


@njit(cache=True, nogil=True)
def vocabulary_order(counts, word_start, word_len, pool, n_words):
    """Provisional ids 1..n_words-1 ordered by count (descending), then word: a merge sort."""
    n = n_words - 1
    a = np.arange(1, n_words).astype(np.int64)
    b = np.empty(n, dtype=np.int64)
    width = 1
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if _before(a[j], a[i], counts, word_start, word_len, pool):
                    b[k] = a[j]
                    j += 1
                else:
                    b[k] = a[i]
                    i += 1
                k += 1
            while i < mid:
                b[k] = a[i]
                i += 1
                k += 1
            while j < hi:
                b[k] = a[j]
                j += 1
                k += 1
            lo = hi
        a, b = b, a
        width *= 2
    return a


@njit(cache=True, nogil=True)
def format_word_counts(order, start, counts, word_start, word_len, pool, out):
    """Write `word count\\n` lines for words order[start:] into the byte buffer `out`.

    Stops before a line that would not fit; returns (next index into order, bytes written).
    """
    digits = np.empty(24, dtype=np.uint8)
    m = 0
    i = start
    while i < order.shape[0]:
        w = order[i]
        c = counts[w]
        nd = 0
        while True:
            digits[nd] = 48 + c % 10
            nd += 1
            c //= 10
            if c == 0:
                break
        length = word_len[w]
        if m + length + nd + 2 > out.shape[0]:
            break
        s = word_start[w]
        out[m : m + length] = pool[s : s + length]
        m += length
        out[m] = 32
        m += 1
        for k in range(nd - 1, -1, -1):
            out[m] = digits[k]
            m += 1
        out[m] = 10
        m += 1
        i += 1
    return i, m
