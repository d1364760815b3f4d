"""Huffman tree for hierarchical softmax, built in compiled code (word2vec.c's CreateBinaryTree)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, inner-node paths and offsets of the Huffman tree over counts sorted descending.

    word2vec.c's CreateBinaryTree: two cursors merge the leaves (right to left) with the inner
    nodes (left to right), so the tree is built in O(V). Word w's code bits and path, root first,
    are codes[offsets[w]:offsets[w+1]] and the same slice of points (inner nodes 0..V-2, the root
    V-2): the rows of hierarchical softmax's output matrix. Checks: wordlab.vocab.huffman_codes.
    """
    v = counts.shape[0]
    count = np.empty(2 * v, dtype=np.int64)
    count[:v] = counts
    count[v:] = np.int64(1) << np.int64(60)  # nodes not built yet: above any count (C: 1e15)
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


@njit(cache=True, nogil=True)
def first_positions(tokens: np.ndarray, offset: int, first: np.ndarray, unseen: int) -> int:
    """Record in `first` where ids not seen yet first occur in `tokens` (which starts at `offset`).

    `first` holds -1 for a word not seen yet; returns how many are still unseen, and stops once
    none is. The order word2vec.c and gensim give words of equal count before building their
    Huffman tree (wordlab.vocab.huffman_codes).
    """
    n_words = first.shape[0]
    for p in range(tokens.shape[0]):
        t = tokens[p]
        if 0 <= t < n_words and first[t] < 0:
            first[t] = offset + p
            unseen -= 1
            if unseen == 0:
                break
    return unseen
