"""Word analogies, "a is to b as c is to ?", scored in batches of matrix products.

Semantics are gensim's `KeyedVectors.evaluate_word_analogies` (itself word2vec's
compute-accuracy), so correct/total counts agree exactly:

- only the first `restrict_vocab` words (default 30,000) are known; a question with any other word
  is skipped and counted (or scored wrong with `dummy4unknown`);
- with `case_insensitive`, words are matched upper-cased, the most frequent case variant's row is
  used, and an answer whose upper-cased form is one of the question words is passed over;
- 3CosAdd ranks words by the cosine with the normalised mean of the unit vectors b, c and -a;
  of the five best words (the question words' own rows excluded) the first that is not a question
  word is the prediction.

How it is fast: one matrix product gives the cosines between each distinct question word and the
candidates (the Google set has about 900 distinct words; per batch if too many); a question's 3CosAdd
scores are then cos(b) + cos(c) - cos(a), scaled by 1 / |b + c - a| (equal to gensim's cosine with
the normalised mean up to float32 rounding), and its best answers come from the maxima of 64-word
blocks. Where the scores that decide a prediction lie closer than `_TIE` (rounding could order them
differently from gensim's), the question is re-scored with gensim's exact operations: the mean
built as gensim builds it (float32 sums done in float64, BLAS dnrm2) and one matrix-vector product.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.linalg import blas

from wordlab.cosmul import COSMUL_EPS, cosmul_scores
from wordlab.errors import WordlabError
from wordlab.evaluation.datasets import AnalogyDataset, read_analogies
from wordlab.evaluation.similarity import known_words

if TYPE_CHECKING:  # evaluation takes Vectors; importing them here would make a circle
    from wordlab.vectors import Vectors

METHODS = ("3cosadd", "3cosmul")
_TOP = 5  # gensim looks at the five best answers
_TIE = 1e-5  # relative; 10x the largest float32 difference seen between the two score orders
_BLOCK = 64  # columns per block when searching for the best answers
_BATCH_SCORES = 1 << 24  # float32 scores per batch (64 MB)
_TABLE_SCORES = 1 << 25  # cosines of all distinct question words at once if they fit (128 MB)
_CACHE_WORDS = 512  # exact 3CosMul cosine rows kept for reuse


@dataclass
class SectionScore:
    """Correct answers among the questions scored in one section (or group of sections)."""

    name: str
    correct: int = 0
    used: int = 0  # questions scored
    skipped: int = 0  # questions with a word outside the known vocabulary (not scored)

    @property
    def questions(self) -> int:
        """Questions in the file for this section."""
        return self.used + self.skipped

    @property
    def accuracy(self) -> float | None:
        """correct / used, or None when no question could be scored."""
        return self.correct / self.used if self.used else None

    def to_dict(self) -> dict:
        """Plain JSON-ready numbers."""
        return {
            "name": self.name,
            "accuracy": self.accuracy,
            "correct": self.correct,
            "used": self.used,
            "skipped": self.skipped,
            "questions": self.questions,
        }


@dataclass
class AnalogyResult:
    """Scores of one vectors set on one analogy dataset, per section and overall."""

    dataset: str
    path: str
    method: str
    restrict_vocab: int | None
    sections: list[SectionScore]
    semantic: SectionScore | None  # sections not named gram* (when there are gram* sections), or
    # CA8's semantic sections
    syntactic: SectionScore | None  # gram* sections, or CA8's morphological ones (so named)
    total: SectionScore
    dummy4unknown: bool = False
    results: list[tuple[int, int, str]] = field(default_factory=list, repr=False)

    @property
    def accuracy(self) -> float | None:
        """Overall accuracy (correct / questions scored)."""
        return self.total.accuracy

    @property
    def coverage(self) -> float:
        """Fraction of the file's questions whose four words are all known."""
        return 1.0 - self.total.skipped / self.total.questions if self.total.questions else 0.0

    def to_dict(self) -> dict:
        """Plain JSON-ready numbers."""
        return {
            "dataset": self.dataset,
            "path": self.path,
            "method": self.method,
            "restrict_vocab": self.restrict_vocab,
            "accuracy": self.accuracy,
            "coverage": self.coverage,
            "total": self.total.to_dict(),
            "semantic": self.semantic.to_dict() if self.semantic else None,
            "syntactic": self.syntactic.to_dict() if self.syntactic else None,
            "sections": [s.to_dict() for s in self.sections],
            "dummy4unknown": self.dummy4unknown,
        }


def _group(name: str, sections: list[SectionScore]) -> SectionScore:
    g = SectionScore(name)
    for s in sections:
        g.correct += s.correct
        g.used += s.used
        g.skipped += s.skipped
    return g


def _categories(
    scores: list[SectionScore], categories: list[str | None]
) -> tuple[SectionScore | None, SectionScore | None]:
    """The semantic and syntactic (CA8: morphological) groups of sections, where there are any.

    CA8's sections carry their file's category; Google-style files have none, and there the
    `gram*` sections are syntactic (gensim's and word2vec's rule).
    """
    if any(c is not None for c in categories):
        sem = [s for s, c in zip(scores, categories, strict=True) if c == "semantic"]
        mor = [s for s, c in zip(scores, categories, strict=True) if c == "morphological"]
        return (
            _group("semantic", sem) if sem else None,
            _group("morphological", mor) if mor else None,
        )
    if any(s.name.startswith("gram") for s in scores):
        semantic = _group("semantic", [s for s in scores if not s.name.startswith("gram")])
        syntactic = _group("syntactic", [s for s in scores if s.name.startswith("gram")])
        return semantic, syntactic
    return None, None


def combine_results(results: list[AnalogyResult]) -> list[SectionScore]:
    """Semantic, syntactic/morphological and total over several analogy files (CA8's two).

    Groups of the same name add up across files; the total counts every question once.
    """
    groups: dict[str, SectionScore] = {}
    for r in results:
        parts = [g for g in (r.semantic, r.syntactic) if g is not None]
        for g in parts:
            groups[g.name] = _group(g.name, [groups[g.name], g] if g.name in groups else [g])
    return [*groups.values(), _group("total", [r.total for r in results])]


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


def _one_blas_thread():
    """Single-threaded BLAS for many small matrix-vector products, if threadpoolctl is installed.

    Threads only split the rows, so the results are the same bits; on a busy machine a
    multi-threaded matrix-vector product is many times slower.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _exact_scores(
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


def _batches(vectors: Vectors, n: int, q_all: np.ndarray, method: str, batch_size: int):
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
    k = min(_TOP + 1, n)
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
        yield start, cols[:, :_TOP], vals


def _gensim_ranking(dists: np.ndarray, exclude: list[int]) -> list[int]:
    """gensim's `most_similar` ranking: matutils.argsort top (5 + len(exclude)), then filter."""
    topn = _TOP + len(exclude)
    x = -dists
    if topn >= x.size:
        best = np.argsort(x)[:topn]
    else:
        part = np.argpartition(x, topn)[:topn]
        best = part.take(np.argsort(x.take(part)))
    return [int(i) for i in best if int(i) not in exclude][:_TOP]


def _predict(ranked: list[int], upper: list[str], ignore: set[str]) -> str | None:
    """The first ranked answer that is not a question word (gensim's loop, including its end)."""
    predicted = None
    for r in ranked:
        predicted = upper[r]
        if predicted not in ignore:
            break
    return predicted


def evaluate_analogy(
    vectors: Vectors,
    path: str | os.PathLike | AnalogyDataset,
    restrict_vocab: int | None = 30000,
    method: str = "3cosadd",
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    batch_size: int = 1024,
) -> AnalogyResult:
    """Accuracy on an analogy set per section, semantic/syntactic and in total.

    `method` is 3cosadd (word2vec, gensim) or 3cosmul (Levy and Goldberg 2014). Defaults are
    word2vec compute-accuracy's 30,000 most frequent words and gensim's case handling.
    """
    if method not in METHODS:
        raise WordlabError(f"unknown analogy method {method!r}: use one of {', '.join(METHODS)}")
    if len(vectors) == 0:
        raise WordlabError("cannot evaluate analogies on empty vectors")
    data = path if isinstance(path, AnalogyDataset) else read_analogies(path)
    known = known_words(vectors, restrict_vocab, case_insensitive)
    n = min(len(vectors), len(vectors) if restrict_vocab is None else int(restrict_vocab))
    upper = [w.upper() if case_insensitive else w for w in vectors.words[:n]]

    scores = [SectionScore(s.name) for s in data.sections]
    rows: list[tuple[int, int, int, int]] = []
    where: list[int] = []  # section of each scored question
    for k, section in enumerate(data.sections):
        for question in section.questions:
            words = tuple(w.upper() if case_insensitive else w for w in question)
            idx = [known.get(w) for w in words]
            if None in idx:
                scores[k].skipped += 1
                if dummy4unknown:
                    scores[k].used += 1
                continue
            rows.append(tuple(idx))  # type: ignore[arg-type]
            where.append(k)

    results: list[tuple[int, int, str]] = []
    if rows:
        q_all = np.asarray(rows, dtype=np.int64)
        section_of = np.asarray(where, dtype=np.int64)
        # the row that stands for each candidate's (upper-cased) word: equal rows, equal words
        key = np.asarray([known[u] for u in upper], dtype=np.int64)
        small = n <= _TOP + 4  # too few words for the batch's shortcut: gensim's path throughout
        zero = vectors.norms[:n] == 0  # a zero question word makes gensim's scores NaN
        has_zero = zero[q_all[:, :3]].any(axis=1)
        cache: dict[int, np.ndarray] = {}
        correct_all = np.zeros(len(q_all), dtype=bool)
        predicted_all = np.zeros(len(q_all), dtype=np.int64)
        for start, cols, vals in _batches(vectors, n, q_all, method, batch_size):
            qb = q_all[start : start + len(cols)]
            kc = key[np.minimum(cols, n - 1)]  # a tiny vocabulary leaves padding in the top 5
            ignored = (kc[:, :, None] == qb[:, None, :3]).any(axis=2)
            # gensim takes the first of its five answers that is not a question word, else the
            # fifth; the scores up to that one and the next decide it
            p = np.where(ignored.all(axis=1), cols.shape[1] - 1, ignored.argmin(axis=1))
            predicted = cols[np.arange(len(cols)), p]
            with np.errstate(invalid="ignore"):
                gaps = vals[:, :-1] - vals[:, 1:]
                tol = _TIE * np.maximum(1.0, np.abs(vals[:, :1]))  # 3CosMul scores can exceed 1
                near = (gaps < tol) & (np.arange(gaps.shape[1]) <= p[:, None])
            odd = ~np.isfinite(vals) & (np.arange(vals.shape[1]) <= p[:, None] + 1)
            recheck = near.any(axis=1) | odd.any(axis=1) | has_zero[start : start + len(cols)]
            if small:
                recheck[:] = True
            if recheck.any():
                with _one_blas_thread():
                    for j in np.flatnonzero(recheck).tolist():
                        q = qb[j]
                        dists = _exact_scores(vectors, n, q, method, cache)
                        ranked = _gensim_ranking(dists, [int(x) for x in q[:3]])
                        ignore = {upper[int(r)] for r in q[:3]}
                        word = _predict(ranked, upper, ignore)
                        predicted[j] = next(r for r in ranked if upper[r] == word) if word else -1
            correct_all[start : start + len(cols)] = (predicted >= 0) & (key[predicted] == qb[:, 3])
            predicted_all[start : start + len(cols)] = predicted
        used = np.bincount(section_of, minlength=len(scores))
        right = np.bincount(section_of, weights=correct_all, minlength=len(scores))
        for k, score in enumerate(scores):
            score.used += int(used[k])
            score.correct += int(right[k])
        results = [
            (sec, int(ok), upper[r] if r >= 0 else "")
            for sec, ok, r in zip(where, correct_all.tolist(), predicted_all.tolist(), strict=True)
        ]

    semantic, syntactic = _categories(scores, [s.category for s in data.sections])
    return AnalogyResult(
        dataset=data.name,
        path=data.path,
        method=method,
        restrict_vocab=restrict_vocab,
        sections=scores,
        semantic=semantic,
        syntactic=syntactic,
        total=_group("total", scores),
        dummy4unknown=dummy4unknown,
        results=results,
    )
