"""Word similarity: how well vector cosines rank word pairs the way people score them.

Semantics follow gensim's `KeyedVectors.evaluate_word_pairs` exactly, so numbers agree to the last
digit: only the first `restrict_vocab` words count as known; with `case_insensitive` words are
matched upper-cased and the first (most frequent) case variant's vector is used; cosines are
computed in float32 as gensim computes them; Pearson and Spearman come from scipy. Unlike gensim,
the result always says how many pairs were used and how many were skipped as out-of-vocabulary.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats
from scipy.linalg import blas

from wordlab.errors import WordlabError
from wordlab.evaluation.datasets import SimilarityDataset, read_similarity

if TYPE_CHECKING:  # evaluation takes Vectors; importing them here would make a circle
    from wordlab.vectors import Vectors


@dataclass
class SimilarityResult:
    """Scores of one vectors set on one similarity dataset."""

    dataset: str
    path: str
    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float
    pairs: int  # pairs in the file
    used: int  # pairs scored (all of them with dummy4unknown)
    oov: int  # pairs with a word outside the (restricted) vocabulary
    dummy4unknown: bool = False

    @property
    def coverage(self) -> float:
        """Fraction of the file's pairs whose both words are known."""
        return (self.pairs - self.oov) / self.pairs if self.pairs else 0.0

    @property
    def oov_ratio(self) -> float:
        """Percentage of pairs with unknown words, as gensim's third return value reports it."""
        denominator = self.used if self.dummy4unknown else self.used + self.oov
        return self.oov / denominator * 100 if denominator else 0.0  # gensim's order: same bits

    def to_dict(self) -> dict:
        """Plain JSON-ready numbers."""
        out = asdict(self)
        out["coverage"] = self.coverage
        return out


def known_words(vectors: Vectors, restrict_vocab: int | None, case_insensitive: bool) -> dict:
    """Word (upper-cased when case-insensitive) -> row over the first `restrict_vocab` rows.

    The first, most frequent, case variant wins, as in gensim.
    """
    n = len(vectors) if restrict_vocab is None else min(int(restrict_vocab), len(vectors))
    known: dict[str, int] = {}
    for i, w in enumerate(vectors.words[:n]):
        known.setdefault(w.upper() if case_insensitive else w, i)
    return known


_nrm2 = blas.dnrm2
_scal = blas.dscal


def _unit_like_gensim(vec: np.ndarray) -> np.ndarray:
    """gensim's `matutils.unitvec` for a float32 vector: norm and scaling in float64, then float32."""
    norm = _nrm2(vec)
    if norm > 0.0:
        return _scal(1.0 / norm, vec).astype(vec.dtype)
    return vec


def cosine_like_gensim(u: np.ndarray, v: np.ndarray) -> np.float32:
    """Cosine of two float32 vectors computed exactly as `KeyedVectors.similarity` does."""
    return np.dot(_unit_like_gensim(u), _unit_like_gensim(v))


def evaluate_similarity(
    vectors: Vectors,
    path: str | os.PathLike | SimilarityDataset,
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> SimilarityResult:
    """Pearson and Spearman correlation of cosines with the human scores of one dataset.

    Pairs with a word outside the first `restrict_vocab` words are skipped and counted, or scored
    0.0 when `dummy4unknown` (as some papers do). Defaults are gensim's.
    """
    if isinstance(path, SimilarityDataset):
        data = path
    else:
        data = read_similarity(path, delimiter, encoding=encoding)
    known = known_words(vectors, restrict_vocab, case_insensitive)
    matrix = vectors.matrix
    gold: list[float] = []
    model: list = []  # float32 cosines (python 0.0 for dummies), as gensim builds its list
    oov = 0
    for w1, w2, score in data.pairs:
        if case_insensitive:
            w1, w2 = w1.upper(), w2.upper()
        r1, r2 = known.get(w1), known.get(w2)
        if r1 is None or r2 is None:
            oov += 1
            if dummy4unknown:
                model.append(0.0)
                gold.append(score)
            continue
        gold.append(score)
        model.append(cosine_like_gensim(matrix[r1], matrix[r2]))
    if len(gold) < 2:
        raise WordlabError(
            f"{data.path}: only {len(gold)} of {len(data.pairs)} pairs have both words in the "
            f"vocabulary; cannot compute a correlation"
        )
    with warnings.catch_warnings():
        # constant scores (e.g. all-zero vectors) give nan correlations, reported as such
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        spearman = stats.spearmanr(gold, model)
        pearson = stats.pearsonr(gold, model)
    return SimilarityResult(
        dataset=data.name,
        path=data.path,
        pearson=float(pearson[0]),
        pearson_p=float(pearson[1]),
        spearman=float(spearman[0]),
        spearman_p=float(spearman[1]),
        pairs=len(data.pairs),
        used=len(gold),
        oov=oov,
        dummy4unknown=dummy4unknown,
    )
