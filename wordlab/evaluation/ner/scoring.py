"""Entity-level NER scoring, exactly as conlleval computes it.

Tags are read as conlleval reads chunks (`iob1_to_iob2`, applied to gold and predictions alike)
and the entities are matched by seqeval in strict IOB2: same type, same span.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from seqeval.scheme import IOB2, Entities

from wordlab.errors import WordlabError
from wordlab.evaluation.ner.conll import iob1_to_iob2

ENTITY_TYPES_ORDER = ("PER", "LOC", "ORG", "MISC")


def _entities(seqs: Sequence[Sequence[str]]) -> list[tuple[int, str, int, int]]:
    """(sentence, type, start, end) of every entity, reading tags as conlleval does."""
    fixed = [iob1_to_iob2(s) for s in seqs]
    ents = Entities(fixed, IOB2, suffix=False)
    return [e.to_tuple() for sent in ents.entities for e in sent]


def _prf(n_correct: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = n_correct / n_pred if n_pred else 0.0
    r = n_correct / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": 100 * p,
        "recall": 100 * r,
        "f1": 100 * f,
        "n_gold": n_gold,
        "n_pred": n_pred,
        "n_correct": n_correct,
    }


def score(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Entity-level P/R/F1 (percent) overall and per type, identical to conlleval's.

    Both sides are read as conlleval reads chunks (IOB1 or IOB2, an `I-X` after `O` or another
    type opens an entity), then matched exactly (same type, same span) by seqeval's strict IOB2.
    """
    if len(gold) != len(pred):
        raise WordlabError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        if len(g) != len(p):
            raise WordlabError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")
    g_ents = set(_entities(gold))
    p_ents = set(_entities(pred))
    types = sorted({e[1] for e in g_ents | p_ents}, key=_type_order)
    per_type = {}
    for t in types:
        g_t = {e for e in g_ents if e[1] == t}
        p_t = {e for e in p_ents if e[1] == t}
        per_type[t] = _prf(len(g_t & p_t), len(p_t), len(g_t))
    return {"overall": _prf(len(g_ents & p_ents), len(p_ents), len(g_ents)), "per_type": per_type}


def _type_order(t: str) -> tuple[int, str]:
    return (ENTITY_TYPES_ORDER.index(t) if t in ENTITY_TYPES_ORDER else len(ENTITY_TYPES_ORDER), t)
