"""gensim's return shapes over wordlab's evaluation, for `Vectors.evaluate_word_pairs` and
`Vectors.evaluate_word_analogies`: the numbers are `evaluate_similarity`'s and
`evaluate_analogy`'s (which already equal gensim's), repackaged as gensim returns them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from wordlab.evaluation.analogy import evaluate_analogy
from wordlab.evaluation.datasets import read_analogies
from wordlab.evaluation.similarity import evaluate_similarity, known_words

if TYPE_CHECKING:  # evaluation takes Vectors; importing them here would make a circle
    from wordlab.vectors import Vectors


class Correlation(NamedTuple):
    """A correlation and its two-sided p-value, shaped like the scipy results gensim returns."""

    statistic: float
    pvalue: float

    @property
    def correlation(self) -> float:
        """The coefficient (scipy's older name, which gensim users read from Spearman's result)."""
        return self.statistic


def word_pairs_like_gensim(
    vectors: Vectors,
    pairs: str | os.PathLike,
    delimiter: str = "\t",
    encoding: str = "utf8",
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> tuple[Correlation, Correlation, float]:
    """gensim `evaluate_word_pairs`'s ((pearson, p), (spearman, p), OOV percent), by ours."""
    r = evaluate_similarity(
        vectors, pairs, restrict_vocab, case_insensitive, dummy4unknown, delimiter, encoding
    )
    return Correlation(r.pearson, r.pearson_p), Correlation(r.spearman, r.spearman_p), r.oov_ratio


def analogies_like_gensim(
    vectors: Vectors,
    path: str | os.PathLike,
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    method: str = "3cosadd",
) -> tuple[float, list[dict]]:
    """gensim `evaluate_word_analogies`'s (accuracy, sections), by `evaluate_analogy`.

    One dict per section, {'section', 'correct', 'incorrect'} with the questions (upper-cased
    when case-insensitive) in file order, then the 'Total accuracy' one, as gensim's.
    """
    data = read_analogies(path)
    result = evaluate_analogy(
        vectors, data, restrict_vocab, method, case_insensitive, dummy4unknown=dummy4unknown
    )
    known = known_words(vectors, restrict_vocab, case_insensitive)
    outcomes = iter(result.results)  # the scored questions, in file order
    sections: list[dict] = []
    for section in data.sections:
        out: dict = {"section": section.name, "correct": [], "incorrect": []}
        for question in section.questions:
            words = tuple(w.upper() if case_insensitive else w for w in question)
            if all(w in known for w in words):
                out["correct" if next(outcomes)[1] else "incorrect"].append(words)
            elif dummy4unknown:
                out["incorrect"].append(words)
        sections.append(out)
    total = {
        "section": "Total accuracy",
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
    }
    return result.accuracy or 0.0, [*sections, total]
