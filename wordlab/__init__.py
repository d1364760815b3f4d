"""wordlab: train, evaluate and study word embeddings.

    from wordlab import GloVe, Word2Vec, FastText, Classifier, Vectors, Elmo

Every name is imported on first use, so `import wordlab` is quick and needs neither Numba's
kernels nor PyTorch; touching `Elmo` without PyTorch says in one line what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from wordlab.errors import WordlabError

__version__ = "0.1.0"

_EXPORTS = {
    "GloVe": "wordlab.models.glove",
    "GloVeSettings": "wordlab.models.glove",
    "Word2Vec": "wordlab.models.word2vec",
    "Word2VecSettings": "wordlab.models.word2vec",
    "FastText": "wordlab.models.fasttext",
    "FastTextSettings": "wordlab.models.fasttext",
    "Classifier": "wordlab.models.classifier",
    "ClassifierSettings": "wordlab.models.classifier",
    "Vectors": "wordlab.vectors",
    "TextOptions": "wordlab.corpus",
    "evaluate_similarity": "wordlab.evaluation",
    "evaluate_analogy": "wordlab.evaluation",
    "Elmo": "wordlab.elmo",
    "ScalarMix": "wordlab.elmo",
    "train_elmo": "wordlab.elmo",
}
_NEEDS_TORCH = {"Elmo", "ScalarMix", "train_elmo"}

__all__ = sorted([*_EXPORTS, "WordlabError", "__version__"])


def __getattr__(name: str) -> Any:
    """Import the module behind a public name the first time it is used."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'wordlab' has no attribute {name!r}")
    if name in _NEEDS_TORCH and importlib.util.find_spec("torch") is None:
        raise WordlabError(
            f"wordlab.{name} needs PyTorch: pip install torch==2.13.0 && "
            'pip install "wordlab[elmo]"'
        )
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__
