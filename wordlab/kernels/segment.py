"""Compiled Chinese word segmentation: jieba's algorithm, with its dictionary and HMM, in Numba.

wordlab/tokenizers.py builds the tables from jieba's own dictionary (and a user dictionary) and
calls `segment` on pieces of text from worker threads (the kernel holds no GIL). The result is
jieba's `cut(text, HMM=True)` token for token (tests compare them on People's Daily):

1. the text splits into blocks of jieba's `re_han_default` class (CJK U+4E00-U+9FD5, ASCII
   letters and digits, `+#&._%-`); whitespace between blocks is dropped and every other
   character is a token of its own;
2. in a block, every dictionary word starting at each position is found by walking a trie of the
   dictionary (all prefixes of every word are nodes, as jieba's prefix dictionary), and the
   route of greatest sum of log frequencies is chosen right to left (ties: the longer word);
3. runs of single characters on that route that do not form a dictionary word go to jieba's
   HMM (`finalseg`): CJK runs are Viterbi-decoded into B/M/E/S states; other runs split into
   `[a-zA-Z0-9]+(\\.\\d+)?%?` and what lies between.

Floating-point sums are made in jieba's order, so ties and near-ties resolve as in jieba.
Output is UTF-8: tokens separated by one space, a newline for each newline of the input.
"""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit

HAN_FIRST = 0x4E00  # jieba's CJK range, U+4E00..U+9FD5
HAN_LAST = 0x9FD5
MIN_FLOAT = -3.14e100  # jieba's finalseg score of an impossible emission or transition
WORD = 1  # node flag: a dictionary word with a frequency above zero
FORCE_SPLIT = 2  # node flag: a word jieba's HMM must split into characters (frequency 0)
_B, _E, _M, _S = 0, 1, 2, 3  # alphabetical, so that a tie goes to the later letter, as in jieba
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True, inline="always")
def _slot(key, shift):
    return np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(shift))


@njit(cache=True, nogil=True)
def _child(keys, vals, shift, node, cp):
    """The trie node under `node` for code point `cp`, or -1."""
    key = ((np.int64(node) << 21) | np.int64(cp)) + 1
    mask = keys.shape[0] - 1
    s = _slot(key, shift)
    while True:
        k = keys[s]
        if k == key:
            return vals[s]
        if k == 0:
            return -1
        s = (s + 1) & mask


@njit(cache=True, nogil=True)
def build_trie(chars, offsets, scores, flags, keys, vals, shift, node_score, node_flags):
    """Insert every word (chars[offsets[w]:offsets[w+1]]) into the trie; returns the node count.

    `keys` (int64, zero = empty) and `vals` (int32) are an open-addressing table of
    (parent, code point) -> child, a power of two long, at least twice the nodes.
    """
    mask = keys.shape[0] - 1
    n_nodes = 1  # node 0 is the root
    for w in range(offsets.shape[0] - 1):
        node = 0
        for i in range(offsets[w], offsets[w + 1]):
            key = ((np.int64(node) << 21) | np.int64(chars[i])) + 1
            s = _slot(key, shift)
            while keys[s] != 0 and keys[s] != key:
                s = (s + 1) & mask
            if keys[s] == 0:
                keys[s] = key
                vals[s] = n_nodes
                n_nodes += 1
            node = vals[s]
        node_score[node] = scores[w]
        node_flags[node] |= flags[w]
    return n_nodes


@njit(cache=True, nogil=True, inline="always")
def _is_block_char(c):
    """jieba's re_han_default: U+4E00-U+9FD5, ASCII letters and digits, and + # & . _ % -."""
    if HAN_FIRST <= c <= HAN_LAST:
        return True
    if 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122:
        return True
    return c == 43 or c == 35 or c == 38 or c == 46 or c == 95 or c == 37 or c == 45


@njit(cache=True, nogil=True, inline="always")
def _is_alnum(c):
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


@njit(cache=True, nogil=True)
def _put(out, pos, cps, a, b):
    """Write cps[a:b] as one token (a space first unless at a line start); the new position."""
    if pos > 0 and out[pos - 1] != 10:
        out[pos] = 32
        pos += 1
    for i in range(a, b):
        c = cps[i]
        if c < 0x80:
            out[pos] = c
            pos += 1
        elif c < 0x800:
            out[pos] = 0xC0 | (c >> 6)
            out[pos + 1] = 0x80 | (c & 0x3F)
            pos += 2
        elif c < 0x10000:
            out[pos] = 0xE0 | (c >> 12)
            out[pos + 1] = 0x80 | ((c >> 6) & 0x3F)
            out[pos + 2] = 0x80 | (c & 0x3F)
            pos += 3
        else:
            out[pos] = 0xF0 | (c >> 18)
            out[pos + 1] = 0x80 | ((c >> 12) & 0x3F)
            out[pos + 2] = 0x80 | ((c >> 6) & 0x3F)
            out[pos + 3] = 0x80 | (c & 0x3F)
            pos += 4
    return pos


@njit(cache=True, nogil=True)
def _word_node(cps, a, b, keys, vals, shift):
    """The trie node of the string cps[a:b], or -1."""
    node = 0
    for i in range(a, b):
        node = _child(keys, vals, shift, node, cps[i])
        if node < 0:
            return -1
    return node


@njit(cache=True, nogil=True)
def _viterbi_run(cps, a, b, out, pos, emit, start_p, trans_p, keys, vals, shift, node_flags,
                 score, back):  # fmt: skip
    """jieba finalseg's Viterbi over the CJK run cps[a:b], writing its words."""
    n = b - a
    for y in range(4):
        score[y] = start_p[y] + emit[y, cps[a] - HAN_FIRST]
    for t in range(1, n):
        e = cps[a + t] - HAN_FIRST
        for y in range(4):
            if y == _B:
                p0, p1 = _E, _S
            elif y == _M:
                p0, p1 = _M, _B
            elif y == _S:
                p0, p1 = _S, _E
            else:
                p0, p1 = _B, _M
            v0 = score[4 * (t - 1) + p0] + trans_p[p0, y] + emit[y, e]
            v1 = score[4 * (t - 1) + p1] + trans_p[p1, y] + emit[y, e]
            if v0 > v1 or (v0 == v1 and p0 > p1):
                score[4 * t + y], back[4 * t + y] = v0, p0
            else:
                score[4 * t + y], back[4 * t + y] = v1, p1
    state = _E if score[4 * (n - 1) + _E] > score[4 * (n - 1) + _S] else _S
    # the states, last to first, kept in back[4 * t] (its own slot is no longer needed)
    for t in range(n - 1, -1, -1):
        prev = back[4 * t + state] if t > 0 else 0
        back[4 * t] = state
        state = prev
    begin, nexti = 0, 0
    for t in range(n):
        state = back[4 * t]
        if state == _B:
            begin = t
        elif state == _E:
            pos = _put_unforced(out, pos, cps, a + begin, a + t + 1, keys, vals, shift, node_flags)
            nexti = t + 1
        elif state == _S:
            pos = _put(out, pos, cps, a + t, a + t + 1)
            nexti = t + 1
    if nexti < n:
        pos = _put_unforced(out, pos, cps, a + nexti, b, keys, vals, shift, node_flags)
    return pos


@njit(cache=True, nogil=True)
def _put_unforced(out, pos, cps, a, b, keys, vals, shift, node_flags):
    """A word found by the HMM, or its characters if the user dictionary forces a split."""
    if b - a > 1:
        node = _word_node(cps, a, b, keys, vals, shift)
        if node >= 0 and node_flags[node] & FORCE_SPLIT:
            for i in range(a, b):
                pos = _put(out, pos, cps, i, i + 1)
            return pos
    return _put(out, pos, cps, a, b)


@njit(cache=True, nogil=True)
def _hmm(cps, a, b, out, pos, emit, start_p, trans_p, keys, vals, shift, node_flags, score, back):
    """jieba's finalseg.cut of cps[a:b]: Viterbi on CJK runs, regex pieces elsewhere."""
    p = a
    while p < b:
        if HAN_FIRST <= cps[p] <= HAN_LAST:
            q = p
            while q < b and HAN_FIRST <= cps[q] <= HAN_LAST:
                q += 1
            pos = _viterbi_run(cps, p, q, out, pos, emit, start_p, trans_p, keys, vals, shift,
                               node_flags, score, back)  # fmt: skip
            p = q
            continue
        q = p
        while q < b and not (HAN_FIRST <= cps[q] <= HAN_LAST):
            q += 1
        # re.split on [a-zA-Z0-9]+(?:\.\d+)?%? : the matches and the text between them
        pending, r = p, p
        while r < q:
            if not _is_alnum(cps[r]):
                r += 1
                continue
            if pending < r:
                pos = _put(out, pos, cps, pending, r)
            m = r
            while m < q and _is_alnum(cps[m]):
                m += 1
            if m + 1 < q and cps[m] == 46 and 48 <= cps[m + 1] <= 57:
                m += 1
                while m < q and 48 <= cps[m] <= 57:
                    m += 1
            if m < q and cps[m] == 37:
                m += 1
            pos = _put(out, pos, cps, r, m)
            r, pending = m, m
        if pending < q:
            pos = _put(out, pos, cps, pending, q)
        p = q
    return pos


@njit(cache=True, nogil=True)
def _flush(cps, a, b, out, pos, emit, start_p, trans_p, keys, vals, shift, node_flags, score,
           back):  # fmt: skip
    """A run of single-character steps of the route (jieba's `buf`)."""
    if b - a == 1:
        return _put(out, pos, cps, a, b)
    node = _word_node(cps, a, b, keys, vals, shift)
    if node >= 0 and node_flags[node] & WORD:
        for i in range(a, b):
            pos = _put(out, pos, cps, i, i + 1)
        return pos
    return _hmm(cps, a, b, out, pos, emit, start_p, trans_p, keys, vals, shift, node_flags,
                score, back)  # fmt: skip


@njit(cache=True, nogil=True)
def _block(cps, a, b, out, pos, keys, vals, shift, node_score, node_flags, no_word, emit,
           start_p, trans_p, route, route_end, score, back):  # fmt: skip
    """jieba's __cut_DAG of the block cps[a:b]."""
    route[b] = 0.0
    for k in range(b - 1, a - 1, -1):
        node = 0
        best = 0.0
        best_x = -1
        x = k
        while x < b:
            node = _child(keys, vals, shift, node, cps[x])
            if node < 0:
                break
            if node_flags[node] & WORD:
                s = node_score[node] + route[x + 1]
                if best_x < 0 or s >= best:  # max over (score, x): a tie goes to the longer
                    best, best_x = s, x
            x += 1
        if best_x < 0:
            best, best_x = no_word + route[k + 1], k
        route[k] = best
        route_end[k] = best_x
    x = a
    buf = -1
    while x < b:
        y = route_end[x] + 1
        if y - x == 1:
            if buf < 0:
                buf = x
        else:
            if buf >= 0:
                pos = _flush(cps, buf, x, out, pos, emit, start_p, trans_p, keys, vals, shift,
                             node_flags, score, back)  # fmt: skip
                buf = -1
            pos = _put(out, pos, cps, x, y)
        x = y
    if buf >= 0:
        pos = _flush(cps, buf, b, out, pos, emit, start_p, trans_p, keys, vals, shift,
                     node_flags, score, back)  # fmt: skip
    return pos


@njit(cache=True, nogil=True)
def segment(cps, space, keys, vals, shift, node_score, node_flags, no_word, emit, start_p,
            trans_p, out):  # fmt: skip
    """Segment the code points `cps` into `out` (UTF-8, >= 5 bytes per code point); its length.

    `space[c]` is True for the whitespace code points below len(space) (str.isspace and NUL).
    """
    n = cps.shape[0]
    route = np.empty(n + 1, dtype=np.float64)
    route_end = np.empty(n + 1, dtype=np.int64)
    score = np.empty(4 * n + 4, dtype=np.float64)
    back = np.empty(4 * n + 4, dtype=np.int8)
    pos = 0
    i = 0
    n_space = space.shape[0]
    while i < n:
        c = cps[i]
        if c == 10:
            out[pos] = 10
            pos += 1
            i += 1
        elif c < n_space and space[c]:
            i += 1
        elif _is_block_char(c):
            j = i + 1
            while j < n and _is_block_char(cps[j]):
                j += 1
            pos = _block(cps, i, j, out, pos, keys, vals, shift, node_score, node_flags, no_word,
                         emit, start_p, trans_p, route, route_end, score, back)  # fmt: skip
            i = j
        else:
            pos = _put(out, pos, cps, i, i + 1)
            i += 1
    return pos
