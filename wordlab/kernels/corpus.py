"""Compiled tokenizing of UTF-8 text into provisional word ids (wordlab/corpus.py drives it).

Tokens are runs of non-separator bytes; a newline byte yields id 0 (a line mark). Words are kept
in an open-addressing hash table (64-bit FNV-1a of their bytes) with their bytes in one pool, so
no Python object is made per token.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True, nogil=True)
def intern_tokens(
    buf, separator, table, word_hash, word_start, word_len, pool, n_words, pool_used, out
):
    """Append the ids of `buf`'s tokens to `out` (0 for each newline), adding new words.

    The caller guarantees room: `table` at least twice the words there can be, word arrays and
    `pool` large enough for every token of `buf` being new. Returns (n_out, n_words, pool_used).
    """
    mask = table.shape[0] - 1
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
        j = i
        h = FNV_OFFSET
        while j < n and not separator[buf[j]] and buf[j] != 10:
            h = (h ^ np.uint64(buf[j])) * FNV_PRIME
            j += 1
        length = j - i
        slot = np.int64(h & np.uint64(mask))
        while True:
            wid = table[slot]
            if wid < 0:
                wid = n_words
                n_words += 1
                table[slot] = wid
                word_hash[wid] = h
                word_start[wid] = pool_used
                word_len[wid] = length
                pool[pool_used : pool_used + length] = buf[i:j]
                pool_used += length
                break
            if word_hash[wid] == h and word_len[wid] == length:
                s = word_start[wid]
                same = True
                for k in range(length):
                    if pool[s + k] != buf[i + k]:
                        same = False
                        break
                if same:
                    break
            slot = (slot + 1) & mask
        out[n_out] = wid
        n_out += 1
        i = j
    return n_out, n_words, pool_used


@njit(cache=True, nogil=True)
def rehash(word_hash, n_words, table):
    """Fill an empty (all -1) `table` with words 1..n_words-1 by their stored hashes."""
    mask = table.shape[0] - 1
    for wid in range(1, n_words):
        slot = np.int64(word_hash[wid] & np.uint64(mask))
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = wid
