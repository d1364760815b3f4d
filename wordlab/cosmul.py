"""3CosMul, the multiplicative analogy objective: one implementation for Vectors and evaluation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

COSMUL_EPS = 1e-6  # Levy and Goldberg 2014; gensim's most_similar_cosmul


def cosmul_scores(
    positive: Sequence[np.ndarray], negative: Sequence[np.ndarray] = ()
) -> np.ndarray:
    """3CosMul (Levy and Goldberg 2014, eq. 4) from cosines: the one implementation in wordlab.

    Cosines are shifted to [0, 1] (the paper's footnote 7) and multiplied, positive terms over
    negative ones plus COSMUL_EPS, in gensim `most_similar_cosmul`'s order of operations, so
    float32 cosines give gensim's scores bit for bit.
    """
    pos = np.prod([(1 + c) / 2 for c in positive], axis=0)
    neg = np.prod([(1 + c) / 2 for c in negative], axis=0)
    return pos / (neg + COSMUL_EPS)
