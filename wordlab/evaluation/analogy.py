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

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from wordlab.errors import WordlabError
from wordlab.evaluation.analogy_search import (
    TOP,
    exact_scores,
    gensim_ranking,
    one_blas_thread,
    ranked_batches,
)
from wordlab.evaluation.datasets import AnalogyDataset, read_analogies
from wordlab.evaluation.similarity import known_words

if TYPE_CHECKING:  # evaluation takes Vectors; importing them here would make a circle
    from wordlab.vectors import Vectors

METHODS = ("3cosadd", "3cosmul")
_TIE = 1e-5  # relative; 10x the largest float32 difference seen between the two score orders


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
        small = n <= TOP + 4  # too few words for the batch's shortcut: gensim's path throughout
        zero = vectors.norms[:n] == 0  # a zero question word makes gensim's scores NaN
        has_zero = zero[q_all[:, :3]].any(axis=1)
        cache: dict[int, np.ndarray] = {}
        correct_all = np.zeros(len(q_all), dtype=bool)
        predicted_all = np.zeros(len(q_all), dtype=np.int64)
        for start, cols, vals in ranked_batches(vectors, n, q_all, method, batch_size):
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
                with one_blas_thread():
                    for j in np.flatnonzero(recheck).tolist():
                        q = qb[j]
                        dists = exact_scores(vectors, n, q, method, cache)
                        ranked = gensim_ranking(dists, [int(x) for x in q[:3]])
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
