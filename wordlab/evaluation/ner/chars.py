"""Features of Chinese characters for the CRF (MSRA: one character per token), and "auto" settings.

`resolve_features` decides a training set's "auto" settings: character features when most tokens
are single CJK characters, jieba's segmentation when it is installed, the vector scale that suits
character features. `char_features` are the discrete features of one character; `word_places`
the jieba word around each character, its place in that word and the word's dictionary tag.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import unicodedata
from collections.abc import Sequence

import numpy as np

from wordlab.evaluation.ner.conll import Sentence
from wordlab.evaluation.ner.settings import NerSettings
from wordlab.tokenizers import CJK_CHAR

_NUMERALS = frozenset("〇零一二三四五六七八九十百千万亿两")
# "auto" chooses character features when this share of training tokens are single CJK characters
CHAR_SHARE = 0.5
CHAR_VECTOR_SCALE = 0.1  # std of vector features next to character features (Turian et al.)


def char_type(token: str) -> str:
    """N: digit or Chinese numeral, H: other Han/CJK, L: letter, P: punctuation, O: other.

    A token of several characters is typed by its first, with "+" added.
    """
    c = token[:1]
    if not c:
        return "O"
    if c in _NUMERALS or c.isdigit():
        kind = "N"
    elif CJK_CHAR.match(c):
        kind = "H"
    elif c.isalpha():
        kind = "L"
    elif unicodedata.category(c).startswith("P"):
        kind = "P"
    else:
        kind = "O"
    return kind + "+" if len(token) > 1 else kind


def resolve_features(settings: NerSettings, sentences: Sequence[Sentence]) -> NerSettings:
    """Settings with "auto" decided: "char" features for CJK characters, jieba if installed."""
    features = settings.features
    if features == "auto":
        n = cjk = 0
        for s in sentences:
            n += len(s.words)
            cjk += sum(1 for w in s.words if len(w) == 1 and CJK_CHAR.match(w))
        features = "char" if n and cjk >= CHAR_SHARE * n else "word"
    segmenter = settings.segmenter if features == "char" else "none"
    if segmenter == "auto":
        segmenter = "jieba" if importlib.util.find_spec("jieba") is not None else "none"
    scale = settings.vector_scale
    if features == "char" and scale == 1.0:
        scale = CHAR_VECTOR_SCALE
    return dataclasses.replace(settings, features=features, segmenter=segmenter, vector_scale=scale)


def word_places(chars: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """The jieba word holding each token of a character sentence, the token's place in it and
    the word's tag in jieba's dictionary.

    Places are B, M, E (first, inner, last character of a word) or S (a one-character word);
    tags "?" for a word the dictionary has none for; a token jieba drops (whitespace) is "-".
    """
    from wordlab.tokenizers import jieba_segmenter

    seg = jieba_segmenter()
    text = "".join(chars)
    words = seg.segment(text).decode("utf-8", "surrogatepass").split()
    place = ["-"] * len(text)
    word = ["-"] * len(text)
    k = 0
    for w in words:
        while k < len(text) and not text.startswith(w, k):
            k += 1  # a character jieba dropped
        n = len(w)
        place[k : k + n] = ["S"] if n == 1 else ["B", *["M"] * (n - 2), "E"]
        word[k : k + n] = [w] * n
        k += n
    starts = np.cumsum([0, *map(len, chars[:-1])]).tolist() if chars else []
    held = [word[s] for s in starts]
    tags = [seg.tag(w) or "?" if w != "-" else "-" for w in held]
    return held, [place[s] for s in starts], tags


def char_features(chars: Sequence[str], i: int, window: int, types: Sequence[str]) -> list[str]:
    """Discrete features of the character at `i`: itself and neighbours, n-grams, types."""
    n = len(chars)

    def at(j: int) -> str:
        return chars[j] if 0 <= j < n else ("<s>" if j < 0 else "</s>")

    f = ["bias"]
    f.extend(f"{o}:c={at(i + o)}" for o in range(-window, window + 1))
    f.extend(f"{o}:cc={at(i + o)}{at(i + o + 1)}" for o in range(-window, window))
    f.append(f"ccc={at(i - 1)}{chars[i]}{at(i + 1)}")
    f.append(f"c_c={at(i - 1)}{at(i + 1)}")
    t = [types[j] if 0 <= j < n else "B" for j in (i - 1, i, i + 1)]
    f.extend(f"{o}:t={x}" for o, x in zip((-1, 0, 1), t, strict=True))
    f.append("ttt=" + "".join(t))
    return f
