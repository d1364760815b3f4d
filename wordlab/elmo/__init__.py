"""ELMo (Peters et al. 2018): contextual word vectors from a character-aware bidirectional LM.

Needs PyTorch (`pip install torch==2.13.0 && pip install -e ".[elmo]"`). Python use:
`Elmo.load("elmo/").embed([["the", "bank", "of", "the", "river"]])` gives, per sentence, an array
(layers, tokens, dim). Training: `wordlab.elmo.train.train_elmo` or `wordlab elmo train`.
Names are imported on first use, so `wordlab.elmo.config` can be read without PyTorch.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# PyTorch's OpenMP threads spin while they wait for work; on a machine shared with another busy
# process they then fight it for the cores (ELMo trained at 281 tokens/s beside one such process
# against 3,949 alone). Passive waiting yields instead. Set before torch loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_EXPORTS = {
    "CONFIGS": "wordlab.elmo.config",
    "ElmoConfig": "wordlab.elmo.config",
    "get_config": "wordlab.elmo.config",
    "Elmo": "wordlab.elmo.model",
    "ElmoEmbedder": "wordlab.elmo.model",
    "ScalarMix": "wordlab.elmo.scalar_mix",
    "train_elmo": "wordlab.elmo.train",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'wordlab.elmo' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
