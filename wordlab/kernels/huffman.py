"""Huffman trees for hierarchical softmax, built in compiled code: word2vec.c's and gensim's."""

from __future__ import annotations

import numpy as np

from wordlab.kernels.jit import njit


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
    return _paths(parent, binary, v)


@njit(cache=True, nogil=True)
def heap_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tree gensim builds over counts in its vocabulary order, as huffman_tree returns it.

    gensim pushes every word on a binary heap ordered by count alone, pops two nodes, pushes their
    merge, and repeats; the heap (CPython's heapq, whose sifting this follows step by step)
    breaks ties between equal counts by where they sit in it, which scatters the rare words that
    share a count across the tree. The first node popped gets bit 0, the second bit 1; inner
    nodes are numbered as they are made.
    """
    v = counts.shape[0]
    heap_count = counts.astype(np.int64)
    heap_node = np.arange(v, dtype=np.int64)
    size = v
    for i in range(v // 2 - 1, -1, -1):
        _sift_up(heap_count, heap_node, size, i)
    parent = np.zeros(2 * v, dtype=np.int64)
    binary = np.zeros(2 * v, dtype=np.uint8)
    for a in range(v - 1):
        merged = np.int64(0)
        for j in range(2):  # heappop
            node = heap_node[0]
            merged += heap_count[0]
            size -= 1
            if size > 0:
                heap_count[0], heap_node[0] = heap_count[size], heap_node[size]
                _sift_up(heap_count, heap_node, size, 0)
            parent[node] = v + a
            binary[node] = j
        heap_count[size], heap_node[size] = merged, v + a  # heappush
        size += 1
        _sift_down(heap_count, heap_node, 0, size - 1)
    return _paths(parent, binary, v)


@njit(cache=True, nogil=True)
def _sift_down(count: np.ndarray, node: np.ndarray, start: int, pos: int) -> None:
    """heapq._siftdown: move the item at `pos` up towards `start` while it is smaller."""
    c, n = count[pos], node[pos]
    while pos > start:
        up = (pos - 1) >> 1
        if c < count[up]:
            count[pos], node[pos] = count[up], node[up]
            pos = up
            continue
        break
    count[pos], node[pos] = c, n


@njit(cache=True, nogil=True)
def _sift_up(count: np.ndarray, node: np.ndarray, size: int, pos: int) -> None:
    """heapq._siftup: the smaller child climbs until a leaf is reached, then sift down."""
    start = pos
    c, n = count[pos], node[pos]
    child = 2 * pos + 1
    while child < size:
        right = child + 1
        if right < size and not count[child] < count[right]:
            child = right
        count[pos], node[pos] = count[child], node[child]
        pos = child
        child = 2 * pos + 1
    count[pos], node[pos] = c, n
    _sift_down(count, node, start, pos)


@njit(cache=True, nogil=True)
def _paths(
    parent: np.ndarray, binary: np.ndarray, v: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, points and offsets (root first) from each node's parent and bit; the root is 2v-2."""
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
    none is. gensim orders words of equal count by it before building its Huffman tree
    (wordlab.vocab.huffman_codes).
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
