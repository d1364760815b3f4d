"""Scoring word vectors: word similarity, word analogy (and NER, in `wordlab.evaluation.ner`).

`evaluate_similarity(vectors, path)` and `evaluate_analogy(vectors, path)` agree with gensim's
`evaluate_word_pairs` / `evaluate_word_analogies` (which `Vectors` answers in gensim's shapes,
through `gensim_api`); the readers live in `datasets`.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "evaluate_similarity": "wordlab.evaluation.similarity",
    "SimilarityResult": "wordlab.evaluation.similarity",
    "evaluate_analogy": "wordlab.evaluation.analogy",
    "AnalogyResult": "wordlab.evaluation.analogy",
    "SectionScore": "wordlab.evaluation.analogy",
    "read_similarity": "wordlab.evaluation.datasets",
    "read_analogies": "wordlab.evaluation.datasets",
    "Correlation": "wordlab.evaluation.gensim_api",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the evaluation modules only when one of their names is used."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
