"""NER tagger settings: features, CRF training and the dev grid; saved with every trained tagger.

One dataclass shared by the featurizer (`features`), the CRF (`tagger`) and model selection
(`experiment`), like fastText's `Args`: it travels inside each saved tagger's `ner.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wordlab.errors import WordlabError

FEATURES = ("auto", "word", "char")
SEGMENTERS = ("auto", "none", "jieba")


@dataclass
class NerSettings:
    """Features and CRF training of the tagger; saved with every trained tagger."""

    # "word" (the paper's word features), "char" (Chinese characters: the character, its
    # neighbours, character bigrams and trigram, character types), or "auto": "char" when the
    # training tokens are single CJK characters (MSRA), else "word"; a trained tagger keeps
    # the one chosen
    features: str = "auto"
    # with character features: "jieba" adds each character's word from jieba's segmentation of
    # the sentence (the word and the character's place in it, B/M/E/S, at -1..+1: +5 dev F1 on
    # MSRA), "none" leaves it out, "auto" uses jieba when it is installed (wordlab[zh])
    segmenter: str = "auto"
    window: int = 2  # discrete features of neighbours at -window..+window
    affix: int = 4  # prefixes and suffixes of 1..affix characters
    char_ngrams: int = 0  # character n-grams (2..n, within "<word>") of the token itself; 0: off
    vector_window: int = 1  # vector features at -k..+k (the GloVe paper: 2, ~1.7x CRF time)
    # std of scaled vector entries on the training set; with character features 1.0 means 0.1
    # (Turian et al. 2010's value: 1.0 cost MSRA a point, 0.1 gained one); other values are kept
    vector_scale: float = 1.0
    # with character features: k-means clusters of each token's vector at -1..+1 as discrete
    # features, one set per k (see clusters.py); () for none
    vector_clusters: tuple[int, ...] = (100, 500)
    scale_sentences: int = 5000  # training sentences used to estimate each embedder's scale
    # CRFsuite training algorithm: "l2sgd" (SGD on the L2-regularised CRF likelihood; on
    # CoNLL-2003 as good on dev as L-BFGS at a fraction of the time) or "lbfgs" (L1 + L2)
    algorithm: str = "l2sgd"
    c1: tuple[float, ...] = (0.1,)  # L1 penalties tried (lbfgs only)
    c2: tuple[float, ...] = (0.1, 1.0)  # L2 penalties tried (CRFsuite's `c2`)
    max_iterations: tuple[int, ...] = (30,)  # epochs (l2sgd) or iterations (lbfgs) caps tried
    embed_batch: int = 256  # sentences per embedder call

    def grid(self) -> list[dict[str, float]]:
        """Every (c1, c2, max_iterations) combination to try on dev, in a fixed order."""
        if self.segmenter not in SEGMENTERS:
            raise WordlabError(
                f"unknown NER segmenter {self.segmenter!r}: use {', '.join(SEGMENTERS)}"
            )
        if self.features not in FEATURES:
            raise WordlabError(f"unknown NER features {self.features!r}: use {', '.join(FEATURES)}")
        if self.algorithm not in ("l2sgd", "lbfgs"):
            raise WordlabError(f"unknown CRF algorithm {self.algorithm!r}: use l2sgd or lbfgs")
        c1s = self.c1 if self.algorithm == "lbfgs" else (None,)
        return [
            {
                **({"c1": float(a)} if a is not None else {}),
                "c2": float(b),
                "max_iterations": int(n),
            }
            for a in c1s
            for b in self.c2
            for n in self.max_iterations
        ]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NerSettings:
        """Settings from their JSON form (lists back to tuples; unknown keys rejected)."""
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise WordlabError(f"unknown NER settings: {', '.join(sorted(unknown))}")
        # taggers saved before Chinese support used word features, no segmenter
        d = {"features": "word", "segmenter": "none", **d}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})
