"""The search behind analogy evaluation: candidates ranked in batches, and gensim's exact path.

`ranked_batches` gives each question's best candidates from cosines computed once per distinct
question word (see wordlab.evaluation.analogy for the method); `exact_scores` and
`gensim_ranking` re-score one question with gensim's own operations where float32 rounding
could order close candidates differently.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np
from scipy.linalg import blas

from wordlab.cosmul import COSMUL_EPS, cosmul_scores

if TYPE_CHECKING:
    from wordlab.vectors import Vectors

TOP = 5  # gensim looks at the five best answers
_BLOCK = 64  # columns per block when searching for the best answers
_BATCH_SCORES = 1 << 24  # float32 scores per batch (64 MB)
_TABLE_SCORES = 1 << 25  # cosines of all distinct question words at once if they fit (128 MB)
_CACHE_WORDS = 512  # exact 3CosMul cosine rows kept for reuse


def _means_like_gensim(unit: list[np.ndarray]) -> np.ndarray:
    """Rows of `gensim get_mean_vector(b, c, -a, pre_normalize, post_normalize)`, batched.

    gensim adds float64 weight * float32 vector into a float32 mean, divides by the float64 total
    weight (giving float64), normalises with BLAS dnrm2/dscal and casts to float32; the same
    element-wise operations in a batch give the same bits.
    """
    weights = (1.0, 1.0, -1.0)
    mean = np.zeros_like(unit[0])
    for w, u in zip(weights, unit, strict=True):
        np.add(mean, np.float64(w) * u, out=mean, casting="same_kind")
    mean64 = mean / np.float64(3.0)
    out = np.empty(mean.shape, dtype=np.float32)
    for i, row in enumerate(mean64):
        norm = blas.dnrm2(row)
        out[i] = row * (1.0 / norm) if norm > 0.0 else row
    return out


def one_blas_thread():
    """Single-threaded BLAS for many small matrix-vector products, if threadpoolctl is installed.

    Threads only split the rows, so the results are the same bits; on a busy machine a
    multi-threaded matrix-vector product is many times slower.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def exact_scores(
    vectors: Vectors, n: int, q: np.ndarray, method: str, cache: dict[int, np.ndarray]
) -> np.ndarray:
    """One question's scores over the first n rows with gensim's own operations (matrix-vector).

    3CosMul's cosines depend on one word each, so they are kept in `cache` (by row) for reuse.
    """
    matrix, norms = vectors.matrix[:n], vectors.norms[:n]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "3cosadd":
            # gensim's get_vector(norm=True): float32 row / float32 norm
            a, b, c = (vectors.matrix[r : r + 1] / vectors.norms[r] for r in q[:3])
            return np.dot(matrix, _means_like_gensim([b, c, a])[0]) / norms
        cosines = []
        for r in q[:3].tolist():
            cos = cache.get(r)
            if cos is None:
                cos = np.dot(matrix, vectors.matrix[r] / vectors.norms[r]) / norms
                if len(cache) < _CACHE_WORDS:
                    cache[r] = cos
            cosines.append(cos)
        return cosmul_scores(cosines[1:], cosines[:1])


def _block_max(sims: np.ndarray, out: np.ndarray) -> None:
    """Maxima of the _BLOCK-column-strided blocks of each row: block j is columns j + nb * t.

    Strided blocks make the reduction run over contiguous memory (3x faster than runs of 64).
    """
    rows, width = sims.shape
    np.max(sims.reshape(rows, _BLOCK, width // _BLOCK), axis=1, out=out)


def _top_k(sims: np.ndarray, block_max: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns and values of the k largest entries of each row, best first.

    The k largest entries of a row lie in the k blocks with the largest maxima, so only
    k * _BLOCK entries per row are sorted: much faster than an argpartition of whole rows.
    """
    rows, width = sims.shape
    nb = width // _BLOCK
    if nb > k:
        blocks = np.argpartition(block_max, nb - k, axis=1)[:, nb - k :]
        cols = (blocks[:, :, None] + nb * np.arange(_BLOCK)).reshape(rows, -1)
        vals = np.take_along_axis(sims, cols, axis=1)
    else:
        cols = np.broadcast_to(np.arange(width), sims.shape)
        vals = sims
    part = np.argpartition(vals, vals.shape[1] - k, axis=1)[:, -k:]
    top_vals = np.take_along_axis(vals, part, axis=1)
    order = np.argsort(-top_vals, axis=1, kind="stable")
    part = np.take_along_axis(part, order, axis=1)
    return np.take_along_axis(cols, part, axis=1), np.take_along_axis(top_vals, order, axis=1)


def ranked_batches(vectors: Vectors, n: int, q_all: np.ndarray, method: str, batch_size: int):
    """Yield (start, ranked rows, their scores) for batches of questions (a, b, c, d rows).

    Cosines between each distinct question word and the n candidates come from one matrix product
    (per batch if there are too many words); 3CosAdd ranks b + c - a of those cosines, scaled
    by 1 / |b + c - a| to equal gensim's cosine with the normalised mean (up to rounding). Each
    question's row is finished (question words and zero vectors out, block maxima) while in cache.
    """
    unit = vectors.unit_matrix
    head = unit[:n]
    zero_cols = np.flatnonzero(vectors.norms[:n] == 0)
    width = -(-n // _BLOCK) * _BLOCK
    nb = width // _BLOCK
    k = min(TOP + 1, n)
    step = max(1, min(batch_size, _BATCH_SCORES // width))
    buffer = np.empty((min(step, len(q_all)), width), dtype=np.float32)
    buffer[:, n:] = -np.inf  # padding columns are never answers
    maxima = np.empty((len(buffer), nb), dtype=np.float32)
    add, subtract, multiply, divide, amax = np.add, np.subtract, np.multiply, np.divide, np.max
    inf = -np.inf

    def table(words: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        cos = unit[words] @ head.T
        if method == "3cosadd":
            return cos, None
        # wordlab.cosmul.cosmul_scores, split so that each question costs one multiply and one
        # divide: cosines shifted to [0, 1] once per word, b * c / (a + eps) per question (the
        # same float32 operations, so the same bits)
        cos += 1.0
        cos *= 0.5
        return cos, cos + np.float32(COSMUL_EPS)

    # a test set has few distinct words (the Google set about 900): one product for all of them
    distinct_all, pos_all = np.unique(q_all[:, :3], return_inverse=True)
    pos_all = pos_all.reshape(len(q_all), 3)
    shared = len(distinct_all) * n <= _TABLE_SCORES
    if shared:
        cos_all, den_all = table(distinct_all)
    for start in range(0, len(q_all), step):
        q = q_all[start : start + step]
        qa, qb, qc = q[:, 0].tolist(), q[:, 1].tolist(), q[:, 2].tolist()
        sims = buffer[: len(q)]
        block_max = maxima[: len(q)]
        body = sims[:, :n]
        if not shared and method == "3cosadd" and len(np.unique(q[:, :3])) > len(q):
            means = unit[q[:, 1]] + unit[q[:, 2]] - unit[q[:, 0]]
            scale = np.linalg.norm(means, axis=1)
            np.matmul(means, head.T, out=body)
            if len(zero_cols):
                body[:, zero_cols] = inf  # zero vectors are never answers (NaN in gensim)
            body[np.arange(len(q))[:, None], q[:, :3]] = inf  # the question words' own rows
            _block_max(sims, block_max)
        else:
            if shared:
                cos, den = cos_all, den_all
                pa, pb, pc = pos_all[start : start + step].T.tolist()
            else:
                distinct, pos = np.unique(q[:, :3], return_inverse=True)
                pa, pb, pc = pos.reshape(len(q), 3).T.tolist()
                cos, den = table(distinct)
            scale = None
            if method == "3cosadd":
                scale = np.linalg.norm(unit[q[:, 1]] + unit[q[:, 2]] - unit[q[:, 0]], axis=1)
            # one row at a time: row views need no copies, and each row is finished in cache
            for j in range(len(q)):
                row = sims[j]
                if scale is not None:
                    add(cos[pb[j]], cos[pc[j]], out=row[:n])
                    subtract(row[:n], cos[pa[j]], out=row[:n])
                else:
                    multiply(cos[pb[j]], cos[pc[j]], out=row[:n])
                    divide(row[:n], den[pa[j]], out=row[:n])
                if len(zero_cols):
                    row[zero_cols] = inf  # zero vectors are never answers (NaN in gensim)
                row[qa[j]] = row[qb[j]] = row[qc[j]] = inf  # the question words' own rows
                amax(row.reshape(_BLOCK, nb), axis=0, out=block_max[j])
        cols, vals = _top_k(sims, block_max, k)
        if scale is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                vals = vals / np.where(scale > 0, scale, 1.0)[:, None]
        yield start, cols[:, :TOP], vals


def gensim_ranking(dists: np.ndarray, exclude: list[int]) -> list[int]:
    """gensim's `most_similar` ranking: matutils.argsort top (5 + len(exclude)), then filter."""
    topn = TOP + len(exclude)
    x = -dists
    if topn >= x.size:
        best = np.argsort(x)[:topn]
    else:
        part = np.argpartition(x, topn)[:topn]
        best = part.take(np.argsort(x.take(part)))
    return [int(i) for i in best if int(i) not in exclude][:TOP]
