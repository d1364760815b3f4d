"""Token representations for the NER tagger: the embedder protocol and static word vectors.

An *embedder* turns sentences into one real vector per token. The tagger adds each dimension of
the vectors at positions -k..+k around a token as a real-valued CRF feature, after multiplying
every value by one scale factor per embedder, estimated on the training set (see `features.py`).

The protocol (duck-typed; nothing to inherit):

- `name: str` - shown in tables and JSON ("glove50", "elmo").
- `dim: int` - length of each token vector.
- `embed(sentences: list[list[str]]) -> list[np.ndarray]` - one float32 array of shape
  (len(sentence), dim) per sentence, in order. The tagger calls it with batches of up to
  `NerSettings.embed_batch` sentences, so a contextual model can batch its forward passes.
- optional `oov_mask(sentences) -> list[np.ndarray]` - one bool array per sentence, True where a
  token had no vector (the tagger then adds an "OOV" indicator feature there). Embedders without
  it (a contextual model that has a vector for every token) get no OOV features.
- optional `spec() -> dict` - JSON-able description with a "kind" key, saved with a trained tagger
  so `load` can rebuild the embedder; `register_embedder_kind(kind, from_spec)` tells the loader how.
  A spec may name the defining "module" (a wordlab.* module), which the loader imports first, so
  the registration runs even when nothing else imported it. Without `spec`, a saved tagger needs the embedder passed
  again when loaded.

A contextual embedder (issue 8, ELMo) is therefore a small class with those members, a `spec()`
returning e.g. {"kind": "elmo", "module": __name__, "path": model_dir, "name": ..., "dim": ...},
and one line `register_embedder_kind("elmo", ElmoEmbedder.from_spec)` where it is defined; the
`wordlab ner` command then only needs an option (`--elmo DIR`, in `_add_embedder_options` and
`_embedders_from_args` of wordlab/commands/ner.py) that builds it; each embedder given becomes one
more configuration, and `run_ner(..., embedders=[[static, elmo]])` combines several in one.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from wordlab.errors import WordlabError


@runtime_checkable
class Embedder(Protocol):
    """Anything that gives each token of a sentence a fixed-length float32 vector."""

    name: str
    dim: int

    def embed(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """One (n_tokens, dim) float32 array per sentence."""
        ...


EMBEDDER_KINDS: dict[str, Callable[[dict[str, Any]], Embedder]] = {}


def register_embedder_kind(kind: str, from_spec: Callable[[dict[str, Any]], Embedder]) -> None:
    """Let saved taggers whose embedder spec has this "kind" be loaded again."""
    EMBEDDER_KINDS[kind] = from_spec


def embedder_from_spec(spec: dict[str, Any]) -> Embedder:
    """Rebuild an embedder from the spec saved with a tagger (e.g. reload a vectors file)."""
    kind = spec.get("kind")
    module = spec.get("module")
    if kind not in EMBEDDER_KINDS and isinstance(module, str) and module.startswith("wordlab."):
        importlib.import_module(module)  # its import registers the kind (wordlab's own only)
    if kind not in EMBEDDER_KINDS:
        known = ", ".join(sorted(EMBEDDER_KINDS)) or "none"
        raise WordlabError(f"saved tagger uses embedder kind {kind!r}; known kinds: {known}")
    return EMBEDDER_KINDS[kind](spec)


def oov_masks(embedder: Embedder, sentences: list[list[str]]) -> list[np.ndarray] | None:
    """The embedder's OOV masks for these sentences, or None if it has no notion of OOV."""
    fn = getattr(embedder, "oov_mask", None)
    return None if fn is None else fn(sentences)


def embedder_spec(embedder: Embedder) -> dict[str, Any] | None:
    """The embedder's saved description, or None if it cannot describe itself."""
    fn = getattr(embedder, "spec", None)
    return None if fn is None else fn()


class StaticEmbedder:
    """Word vectors (wordlab.vectors.Vectors) as an embedder: one vector per word type.

    Lookup order for a token: the word as written, then its lower-cased form (so vectors trained on
    lower-cased text such as enwiki/text8 still cover "Germany"); a token found neither way gets
    the zero vector and is marked OOV (the tagger adds an OOV indicator feature for it).
    """

    def __init__(
        self, vectors: Any, name: str | None = None, path: str | os.PathLike | None = None
    ) -> None:
        self.vectors = vectors
        self.matrix = np.asarray(vectors.matrix, dtype=np.float32)
        self.index: dict[str, int] = vectors.index
        self.dim = int(self.matrix.shape[1])
        self.path = None if path is None else str(Path(path).resolve())
        self.name = name or (Path(path).stem if path is not None else f"vectors{self.dim}")
        # one extra all-zero row, so OOV tokens index it and need no special case
        self._padded = np.vstack([self.matrix, np.zeros((1, self.dim), dtype=np.float32)])

    @classmethod
    def load(cls, path: str | os.PathLike, name: str | None = None) -> StaticEmbedder:
        """Load a vectors file with wordlab.vectors.Vectors.load and wrap it."""
        from wordlab.vectors import Vectors

        return cls(Vectors.load(path), name=name, path=path)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> StaticEmbedder:
        """Rebuild from `spec()` output: reloads the vectors file named there."""
        path = spec.get("path")
        if not path:
            raise WordlabError("saved tagger's vectors have no file path; pass the vectors again")
        return cls.load(path, name=spec.get("name"))

    def spec(self) -> dict[str, Any]:
        """JSON-able description, saved with a tagger."""
        return {"kind": "static", "name": self.name, "path": self.path, "dim": self.dim}

    def rows(self, words: Sequence[str]) -> np.ndarray:
        """Row of each word in the matrix (exact, then lower-cased), len(vocab) where OOV."""
        index = self.index
        oov = len(self.matrix)
        out = np.empty(len(words), dtype=np.int64)
        for i, w in enumerate(words):
            r = index.get(w)
            if r is None:
                r = index.get(w.lower(), oov)
            out[i] = r
        return out

    def embed(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """One (n_tokens, dim) float32 array per sentence; OOV tokens get zeros."""
        return [self._padded[self.rows(s)] for s in sentences]

    def oov_mask(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """True for tokens found neither as written nor lower-cased."""
        oov = len(self.matrix)
        return [self.rows(s) == oov for s in sentences]


register_embedder_kind("static", StaticEmbedder.from_spec)

MAX_WORD_CHARS = 8  # longest vocabulary word tried when mapping words onto characters


class CharWordEmbedder(StaticEmbedder):
    """Static vectors for sentences of single characters (Chinese NER): each character gets the
    vector of the longest vocabulary word covering it, matched left to right.

    Character vectors (a vocabulary of characters) are looked up as they are; word vectors
    (trained on segmented text) reach the characters of every word they know, by position;
    a character neither known alone nor inside a known word is OOV. The tagger uses this for
    static vectors whenever it uses character features (`NerSettings.features == "char"`).
    """

    @classmethod
    def wrap(cls, static: StaticEmbedder) -> CharWordEmbedder:
        """The same vectors (shared, not copied), mapped onto characters."""
        out = cls.__new__(cls)
        out.__dict__.update(static.__dict__)
        longest = max((len(w) for w in static.index), default=1)
        out.max_len = max(1, min(MAX_WORD_CHARS, longest))
        return out

    def rows(self, words: Sequence[str]) -> np.ndarray:
        """Row of the word covering each character (longest match first), len(vocab) where OOV."""
        index, oov, n = self.index, len(self.matrix), len(words)
        out = np.full(n, oov, dtype=np.int64)
        i = 0
        while i < n:
            for k in range(min(self.max_len, n - i), 0, -1):
                word = "".join(words[i : i + k])
                r = index.get(word)
                if r is None and k == 1:
                    r = index.get(word.lower())
                if r is not None:
                    out[i : i + k] = r
                    i += k
                    break
            else:
                i += 1
        return out
