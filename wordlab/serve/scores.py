"""The explorer's evaluation table: every model scored on the datasets given, as `wordlab eval`.

Scores come from `wordlab.evaluation` with `wordlab eval`'s defaults (similarity over the
300,000 most frequent words, analogies over the 30,000 most frequent, dataset words matched in
any case as gensim does), so the page shows the numbers `wordlab eval` prints.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from wordlab.fileio import require_file
from wordlab.serve.models import ServedModel

SIMILARITY_RESTRICT = 300000  # `wordlab eval --similarity-restrict-vocab` default (gensim's)
ANALOGY_RESTRICT = 30000  # `wordlab eval --restrict-vocab` default (word2vec's compute-accuracy)


def check_datasets(paths: Iterable[str | os.PathLike]) -> None:
    """Fail before any model is loaded when a dataset file is missing."""
    for p in paths:
        require_file(p, "dataset file")


def evaluate_models(
    models: Iterable[ServedModel],
    similarity: list[str],
    analogy: list[str],
    method: str = "3cosadd",
    restrict_vocab: int = ANALOGY_RESTRICT,
    case_sensitive: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """One row per (dataset, model): the `to_dict()` of each result, with the model's name."""
    from wordlab.evaluation.analogy import evaluate_analogy
    from wordlab.evaluation.similarity import evaluate_similarity

    rows: dict[str, list[dict[str, Any]]] = {"similarity": [], "analogy": []}
    models = list(models)
    for path in similarity:
        for m in models:
            r = evaluate_similarity(
                m.vectors,
                path,
                restrict_vocab=SIMILARITY_RESTRICT,
                case_insensitive=not case_sensitive,
            )
            rows["similarity"].append({"model": m.name, **r.to_dict()})
    for path in analogy:
        for m in models:
            r = evaluate_analogy(
                m.vectors,
                path,
                restrict_vocab=restrict_vocab,
                method=method,
                case_insensitive=not case_sensitive,
            )
            rows["analogy"].append({"model": m.name, **r.to_dict()})
    return rows
