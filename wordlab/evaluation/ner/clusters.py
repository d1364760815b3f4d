"""Cluster features of word vectors for the CRF: each token's k-means cluster, as a discrete feature.

A CRF uses dense vector features poorly next to many binary ones; the cluster of a token's vector
is a binary feature like the others (Guo et al. 2014, "Revisiting embedding features for simple
semi-supervised learning", found clusters of embeddings the better CRF feature). With character
features on MSRA, clusters (k = 100 and 500) and the dense features together added 1.2 test F1
where the dense ones alone added 1.0 (bench/zh_benchmarks.py).

Centroids are fitted on the unit vectors of the most frequent rows and saved with the tagger, so a
loaded tagger assigns the same clusters (nearest centroid by cosine) without fitting again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FIT_ROWS = 50_000  # the most frequent rows the centroids are fitted on (a big vocabulary is slow)
SEED = 1


def _unit(matrix: np.ndarray) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def fit_centroids(matrix: np.ndarray, ks: Sequence[int]) -> list[np.ndarray]:
    """k-means centroids (one array per k) of the unit vectors of the first FIT_ROWS rows."""
    from scipy.cluster.vq import kmeans2

    data = _unit(matrix[:FIT_ROWS])
    out = []
    for k in ks:
        k = max(1, min(int(k), data.shape[0]))
        centroids, _ = kmeans2(data, k, iter=20, minit="++", seed=SEED)
        out.append(centroids)
    return out


def assign(matrix: np.ndarray, centroids: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The nearest centroid (cosine) of every row, per set of centroids; one more entry, -1, for
    the OOV row index len(matrix)."""
    unit = _unit(matrix)
    out = []
    for c in centroids:
        c = _unit(np.asarray(c, dtype=np.float64))
        labels = np.empty(unit.shape[0] + 1, dtype=np.int64)
        n = unit.shape[0]
        for lo in range(0, n, 65536):
            hi = min(lo + 65536, n)
            labels[lo:hi] = np.argmax(unit[lo:hi] @ c.T, axis=1)
        labels[-1] = -1
        out.append(labels)
    return out
