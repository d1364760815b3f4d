"""NER as an extrinsic evaluation of word vectors: a CRF tagger on CoNLL-2003 (or MSRA's Chinese
characters) with and without them.

The measurement of the GloVe paper's Table 4: a linear-chain CRF (CRFsuite, through
python-crfsuite) with discrete features, then the same CRF with each dimension of a token's
vector (and its neighbours') added as real-valued features. Scores are entity-level precision,
recall and F1 exactly as conlleval computes them.

One module per job, data flowing down the list:

- `conll`       reading and writing CoNLL column files, IOB1/IOB2, the input of a trained tagger
- `embedders`   the embedder protocol (a vector per token) and static word vectors as one
- `settings`    `NerSettings`: features, CRF training and the dev grid, saved with every tagger
- `chars`       Chinese character features and the "auto" settings (MSRA: one character per token)
- `clusters`    k-means cluster ids of vectors as discrete features (with character features)
- `features`    discrete features and scaled embedding features, as CRFsuite items
- `tagger`      `NerTagger`: a trained CRFsuite model that tags, scores, saves and loads
- `scoring`     entity-level P/R/F1 identical to conlleval's
- `experiment`  regularisation chosen on dev, test scored once, one tagger per configuration

The names below are imported lazily, so importing this package loads none of its modules.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "Sentence": "wordlab.evaluation.ner.conll",
    "iob1_to_iob2": "wordlab.evaluation.ner.conll",
    "iob2_to_iob1": "wordlab.evaluation.ner.conll",
    "read_conll": "wordlab.evaluation.ner.conll",
    "read_text": "wordlab.evaluation.ner.conll",
    "write_conll": "wordlab.evaluation.ner.conll",
    "read_for_tagging": "wordlab.evaluation.ner.conll",
    "Embedder": "wordlab.evaluation.ner.embedders",
    "StaticEmbedder": "wordlab.evaluation.ner.embedders",
    "register_embedder_kind": "wordlab.evaluation.ner.embedders",
    "embedder_from_spec": "wordlab.evaluation.ner.embedders",
    "embedder_spec": "wordlab.evaluation.ner.embedders",
    "oov_masks": "wordlab.evaluation.ner.embedders",
    "NerSettings": "wordlab.evaluation.ner.settings",
    "Featurizer": "wordlab.evaluation.ner.features",
    "resolve_features": "wordlab.evaluation.ner.chars",
    "CharWordEmbedder": "wordlab.evaluation.ner.embedders",
    "token_features": "wordlab.evaluation.ner.features",
    "word_shape": "wordlab.evaluation.ner.features",
    "short_shape": "wordlab.evaluation.ner.features",
    "NerTagger": "wordlab.evaluation.ner.tagger",
    "score": "wordlab.evaluation.ner.scoring",
    "train_tagger": "wordlab.evaluation.ner.experiment",
    "run_ner": "wordlab.evaluation.ner.experiment",
    "oov_rate": "wordlab.evaluation.ner.experiment",
    "format_params": "wordlab.evaluation.ner.experiment",
    "format_table": "wordlab.evaluation.ner.experiment",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the NER modules only when one of their names is used (no CRF, no torch up front)."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
