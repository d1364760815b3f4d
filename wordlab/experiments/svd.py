"""The GloVe paper's SVD baselines, and the power-law fit of its sparsity analysis.

Section 4.3 of the paper: "we restrict the [co-occurrence] matrix to the 10,000 most frequent
words" as contexts and take a truncated SVD of it ("SVD"), of its square root ("SVD-S") or of
log(1 + X) ("SVD-L"). The matrix here is the one GloVe trains on (wordlab.cooccur's records: same
window, same 1/distance weighting), every vocabulary word a row, the 10,000 most frequent words
the columns. Word vectors are U_k * S_k**power (power 1: the classic LSA rows; the paper does not
say which it used, so the setting is recorded with every run).
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from wordlab.cooccur import read_records
from wordlab.errors import WordlabError

TRANSFORMS = ("SVD", "SVD-S", "SVD-L")
SOLVERS = ("randomized", "arpack")
_CHUNK = 1 << 22  # records read at a time from the memory-mapped file


def context_matrix(
    cooccurrences: str | os.PathLike, vocab_size: int, contexts: int = 10_000
) -> sp.csr_matrix:
    """The (vocab_size x contexts) co-occurrence matrix from a GloVe record file (1-based ids)."""
    records = read_records(cooccurrences)
    n_cols = min(contexts, vocab_size)
    rows, cols, vals = [], [], []
    for start in range(0, records.shape[0], _CHUNK):
        block = np.asarray(records[start : start + _CHUNK])
        keep = (block["word2"] <= n_cols) & (block["word1"] <= vocab_size)
        rows.append(block["word1"][keep].astype(np.int32) - 1)
        cols.append(block["word2"][keep].astype(np.int32) - 1)
        vals.append(block["value"][keep])
    if not rows:
        raise WordlabError(f"{cooccurrences}: no co-occurrence records")
    matrix = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(vocab_size, n_cols),
    ).tocsr()
    matrix.sum_duplicates()  # a shuffled file may hold a pair once per spill: add them up
    return matrix


def transform(matrix: sp.csr_matrix, name: str) -> sp.csr_matrix:
    """The matrix each baseline factorises: X ("SVD"), sqrt(X) ("SVD-S") or log(1 + X) ("SVD-L")."""
    if name not in TRANSFORMS:
        raise WordlabError(f"unknown SVD baseline {name!r}: use one of {', '.join(TRANSFORMS)}")
    out = matrix.astype(np.float64, copy=True)
    if name == "SVD-S":
        np.sqrt(out.data, out=out.data)
    elif name == "SVD-L":
        np.log1p(out.data, out=out.data)
    return out


def truncated_svd(
    matrix: sp.spmatrix | np.ndarray,
    k: int,
    solver: str = "randomized",
    seed: int = 1,
    n_iter: int = 7,
    oversample: int = 20,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k largest singular triplets (U, s, Vt), s descending, signs fixed (U's largest entry > 0).

    "randomized" is Halko, Martinsson and Tropp (2011), Algorithm 4.4 (subspace iteration with
    re-orthonormalisation), fast on tall sparse matrices; "arpack" is scipy's svds (Lanczos).
    """
    m, n = matrix.shape
    if not 1 <= k < min(m, n):
        raise WordlabError(
            f"SVD rank {k} must be between 1 and {min(m, n) - 1} for a {m}x{n} matrix"
        )
    if solver == "arpack":
        u, s, vt = svds(matrix, k=k, random_state=seed)
    elif solver == "randomized":
        rng = np.random.default_rng(seed)
        width = min(k + oversample, min(m, n))
        q, _ = np.linalg.qr(matrix @ rng.standard_normal((n, width)))
        for _ in range(n_iter):
            z, _ = np.linalg.qr(matrix.T @ q)
            q, _ = np.linalg.qr(matrix @ z)
        b = np.asarray((matrix.T @ q).T)  # (width x n) = Q^T A
        ub, s, vt = np.linalg.svd(b, full_matrices=False)
        u = q @ ub
        u, s, vt = u[:, :k], s[:k], vt[:k]
    else:
        raise WordlabError(f"unknown SVD solver {solver!r}: use one of {', '.join(SOLVERS)}")
    order = np.argsort(-s)
    u, s, vt = u[:, order], s[order], vt[order]
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(u.shape[1])])
    signs[signs == 0] = 1.0
    return u * signs, s, vt * signs[:, None]


def svd_vectors(
    matrix: sp.spmatrix, dim: int, power: float = 1.0, solver: str = "randomized", seed: int = 1
) -> np.ndarray:
    """Word vectors U_k * S_k**power (float32) from a truncated SVD of `matrix`."""
    u, s, _ = truncated_svd(matrix, dim, solver=solver, seed=seed)
    return (u * s**power).astype(np.float32)


def fit_power_law(x: np.ndarray | list[float], y: np.ndarray | list[float]) -> dict[str, float]:
    """Least-squares fit of log y = slope * log x + log c: returns slope, c and R^2 (log space)."""
    lx, ly = np.log(np.asarray(x, dtype=np.float64)), np.log(np.asarray(y, dtype=np.float64))
    if lx.size < 2 or np.ptp(lx) == 0:
        raise WordlabError("a power-law fit needs at least two different sizes")
    slope, intercept = np.polyfit(lx, ly, 1)
    residual = ly - (slope * lx + intercept)
    total = float(((ly - ly.mean()) ** 2).sum())
    r2 = 1.0 - float((residual**2).sum()) / total if total > 0 else 1.0
    return {"slope": float(slope), "coefficient": float(np.exp(intercept)), "r2": r2}
