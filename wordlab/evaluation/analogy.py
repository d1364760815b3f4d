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

The batch computes the query means exactly as gensim does (float32 sums done in float64, float64
normalisation) and every question's scores with one matrix product per batch; a question whose
leading scores lie closer than `_TIE` (where the summation order of a matrix product and of
gensim's matrix-vector product could swap them) is re-scored with gensim's exact operations.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import blas

from wordlab.errors import WordlabError
from wordlab.evaluation.datasets import AnalogyDataset, read_analogies
from wordlab.evaluation.similarity import known_words
from wordlab.vectors import Vectors

METHODS = ("3cosadd", "3cosmul")
_TOP = 5  # gensim looks at the five best answers
_TIE = 1e-5  # relative; 10x the largest float32 difference seen between the two score orders
_BLOCK = 64  # columns per block when searching for the best answers
_COSMUL_EPS = 1e-6  # Levy and Goldberg 2014; gensim's most_similar_cosmul


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
    semantic: SectionScore | None  # sections not named gram*, when the file has gram* sections
    syntactic: SectionScore | None
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


def _cosmul_scores(cos_a: np.ndarray, cos_b: np.ndarray, cos_c: np.ndarray) -> np.ndarray:
    """3CosMul from float32 cosines, in gensim `most_similar_cosmul`'s order of operations."""
    pos = np.prod(np.stack([(1 + cos_b) / 2, (1 + cos_c) / 2]), axis=0)
    neg = np.prod(np.stack([(1 + cos_a) / 2]), axis=0)
    return pos / (neg + 0.000001)


def _exact_scores(vectors: Vectors, n: int, q: np.ndarray, method: str) -> np.ndarray:
    """One question's scores over the first n rows with gensim's own operations (matrix-vector)."""
    matrix, norms = vectors.matrix[:n], vectors.norms[:n]
    with np.errstate(divide="ignore", invalid="ignore"):
        # gensim's get_vector(norm=True): float32 row / float32 norm
        a, b, c = (vectors.matrix[r : r + 1] / vectors.norms[r] for r in q[:3])
        if method == "3cosadd":
            return np.dot(matrix, _means_like_gensim([b, c, a])[0]) / norms
        return _cosmul_scores(
            np.dot(matrix, a[0]) / norms, np.dot(matrix, b[0]) / norms, np.dot(matrix, c[0]) / norms
        )


def _top_k(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns and values of the k largest entries of each row, best first.

    `sims` has a multiple of _BLOCK columns. The k largest entries lie in the k blocks with the
    largest maxima, so only k * _BLOCK entries per row are sorted: much faster than argpartition.
    """
    rows, width = sims.shape
    nb = width // _BLOCK
    if nb > k:
        block_max = sims.reshape(rows, nb, _BLOCK).max(axis=2)
        blocks = np.argpartition(block_max, nb - k, axis=1)[:, nb - k :]
        cols = (blocks[:, :, None] * _BLOCK + np.arange(_BLOCK)).reshape(rows, -1)
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
    per batch (a section has few distinct words); 3CosAdd ranks b + c - a of those cosines, scaled
    by 1 / |b + c - a| to equal gensim's cosine with the normalised mean (up to rounding).
    """
    unit = vectors.unit_matrix
    head = unit[:n]
    zero_cols = np.flatnonzero(vectors.norms[:n] == 0)
    width = -(-n // _BLOCK) * _BLOCK
    k = min(_TOP + 1, n)
    step = max(1, min(batch_size, (1 << 24) // width))  # about 64 MB of scores per batch
    buffer = np.empty((min(step, len(q_all)), width), dtype=np.float32)
    buffer[:, n:] = -np.inf  # padding columns are never answers
    add, subtract, multiply, divide = np.add, np.subtract, np.multiply, np.divide
    for start in range(0, len(q_all), step):
        q = q_all[start : start + step]
        sims = buffer[: len(q)]
        body = sims[:, :n]
        if method == "3cosadd" and len(np.unique(q[:, :3])) > len(q):
            means = unit[q[:, 1]] + unit[q[:, 2]] - unit[q[:, 0]]
            scale = np.linalg.norm(means, axis=1)
            np.matmul(means, head.T, out=body)
        else:
            distinct, pos = np.unique(q[:, :3], return_inverse=True)
            pa, pb, pc = pos.reshape(len(q), 3).T.tolist()
            cos = unit[distinct] @ head.T
            # one row at a time: row views need no copies (fancy indexing would copy the batch)
            if method == "3cosadd":
                for j in range(len(q)):
                    row = body[j]
                    add(cos[pb[j]], cos[pc[j]], out=row)
                    subtract(row, cos[pa[j]], out=row)
                scale = np.linalg.norm(unit[q[:, 1]] + unit[q[:, 2]] - unit[q[:, 0]], axis=1)
            else:
                cos += 1.0
                cos *= 0.5  # cosines shifted to [0, 1], Levy and Goldberg's footnote
                den = cos + np.float32(_COSMUL_EPS)
                for j in range(len(q)):
                    row = body[j]
                    multiply(cos[pb[j]], cos[pc[j]], out=row)
                    divide(row, den[pa[j]], out=row)
                scale = None
        if len(zero_cols):
            body[:, zero_cols] = -np.inf  # zero vectors are never answers (NaN in gensim)
        body[np.arange(len(q))[:, None], q[:, :3]] = -np.inf  # the question words' own rows
        cols, vals = _top_k(sims, k)
        if scale is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                vals = vals / np.where(scale > 0, scale, 1.0)[:, None]
        yield start, cols[:, :_TOP].tolist(), vals


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
    texts: list[tuple[str, str, str, str]] = []
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
            texts.append(words)  # type: ignore[arg-type]

    results: list[tuple[int, int, str]] = []
    if rows:
        q_all = np.asarray(rows, dtype=np.int64)
        small = n <= _TOP + 4  # too few words for the batch's shortcut: gensim's path throughout
        zero = vectors.norms[:n] == 0  # a zero question word makes gensim's scores NaN
        has_zero = zero[q_all[:, :3]].any(axis=1).tolist()
        for start, ranked_batch, lead_batch in _batches(vectors, n, q_all, method, batch_size):
            for j, (ranked, lead) in enumerate(zip(ranked_batch, lead_batch, strict=True)):
                words = texts[start + j]
                ignore = set(words[:3])
                predicted = _predict(ranked, upper, ignore)
                # the scores whose order decides the prediction, and the next one
                p = next((i for i, r in enumerate(ranked) if upper[r] not in ignore), _TOP - 1)
                lead = lead[: p + 2]
                tol = _TIE * max(1.0, abs(float(lead[0])))  # 3CosMul scores can exceed 1
                if (
                    small
                    or has_zero[start + j]
                    or not np.all(np.isfinite(lead))
                    or np.min(lead[:-1] - lead[1:]) < tol
                ):
                    q = q_all[start + j]
                    dists = _exact_scores(vectors, n, q, method)
                    ranked = _gensim_ranking(dists, [int(x) for x in q[:3]])
                    predicted = _predict(ranked, upper, ignore)
                correct = predicted == words[3]
                section = where[start + j]
                scores[section].used += 1
                scores[section].correct += int(correct)
                results.append((section, int(correct), predicted or ""))

    if any(s.name.startswith("gram") for s in scores):
        semantic = _group("semantic", [s for s in scores if not s.name.startswith("gram")])
        syntactic = _group("syntactic", [s for s in scores if s.name.startswith("gram")])
    else:
        semantic = syntactic = None
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
