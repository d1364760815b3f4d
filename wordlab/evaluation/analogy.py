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
_TIE = 1e-5  # far above float32 rounding differences between two dot-product orders
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


def _exact_scores(vectors: Vectors, n: int, q: np.ndarray, mean: np.ndarray, method: str):
    """One question's scores over the first n rows with gensim's own operations (matrix-vector)."""
    matrix, norms = vectors.matrix[:n], vectors.norms[:n]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "3cosadd":
            return np.dot(matrix, mean) / norms
        a, b, c = (vectors.matrix[r] / vectors.norms[r] for r in q[:3])
        return _cosmul_scores(
            np.dot(matrix, a) / norms, np.dot(matrix, b) / norms, np.dot(matrix, c) / norms
        )


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
        matrix, norms = vectors.matrix, vectors.norms
        head = matrix[:n]
        with np.errstate(divide="ignore", invalid="ignore"):
            safe_norms = np.where(norms[:n] > 0, norms[:n], np.nan)  # 0/0 -> NaN, as in gensim
        small = n <= _TOP + 4  # too few words for the batch's shortcut: gensim's path throughout
        for start in range(0, len(rows), batch_size):
            q = q_all[start : start + batch_size]
            # gensim's get_vector(norm=True): float32 row / float32 norm
            with np.errstate(divide="ignore", invalid="ignore"):
                unit = [matrix[q[:, j]] / norms[q[:, j], None] for j in range(3)]
            if method == "3cosadd":
                means = _means_like_gensim([unit[1], unit[2], unit[0]])  # b + c - a
                sims = means @ head.T
                sims /= safe_norms
            else:
                means = None
                cos = [(u @ head.T) / safe_norms for u in unit]
                sims = _cosmul_scores(*cos)
            sims[np.isnan(sims)] = -np.inf  # zero vectors: never an answer (gensim sorts NaN last)
            batch_rows = np.arange(len(q))[:, None]
            sims[batch_rows, q[:, :3]] = -np.inf  # the question words' own rows
            k = min(_TOP + 1, n)
            top = np.argpartition(sims, n - k, axis=1)[:, n - k :]
            top_scores = np.take_along_axis(sims, top, axis=1)
            order = np.argsort(-top_scores, axis=1, kind="stable")
            top = np.take_along_axis(top, order, axis=1)
            top_scores = np.take_along_axis(top_scores, order, axis=1)
            for j in range(len(q)):
                words = texts[start + j]
                ignore = set(words[:3])
                ranked = [int(r) for r in top[j, :_TOP]]
                predicted = _predict(ranked, upper, ignore)
                # the scores whose order decides the prediction, and the next one
                p = next((i for i, r in enumerate(ranked) if upper[r] not in ignore), _TOP - 1)
                lead = top_scores[j, : min(p + 2, k)]
                if small or not np.all(np.isfinite(lead)) or np.min(np.diff(-lead)) < _TIE:
                    mean = means[j] if means is not None else None
                    dists = _exact_scores(vectors, n, q[j], mean, method)
                    ranked = _gensim_ranking(dists, [int(x) for x in q[j, :3]])
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
