"""The models an explorer serves, and the answers it gives: neighbours, analogies, similarity, maps.

A source named on the command line is either a vectors file (read through the memory-mapped
cache of `wordlab.serve.cache`) or a `.wordlab` model, loaded by the class its saved kind names
and served through its `.wv`. A fastText model answers words outside its vocabulary from their
character n-grams; answers say so. Every answer is the one the `Vectors` method of the same name
gives in Python, so the page and scripts agree with notebooks.
"""

from __future__ import annotations

import importlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.errors import WordlabError
from wordlab.serve.projection import project
from wordlab.vectors import Vectors

# a `.wordlab` model's saved kind -> the class that loads it
MODEL_CLASSES = {
    "glove": ("wordlab.models.glove", "GloVe"),
    "word2vec": ("wordlab.models.word2vec", "Word2Vec"),
    "fasttext": ("wordlab.models.fasttext", "FastText"),
    "fasttext-classifier": ("wordlab.models.classifier", "Classifier"),
}


@dataclass
class ServedModel:
    """One model of the explorer: its name in the API, where it came from, and its vectors."""

    name: str
    path: str
    kind: str  # "vectors" for a vectors file, else the model's saved kind
    vectors: Vectors
    subwords: bool  # answers unseen words from character n-grams (fastText)
    source: str  # how it was loaded, for the start-up message

    def describe(self) -> dict[str, Any]:
        """What /api/models says about this model."""
        return {
            "name": self.name,
            "path": self.path,
            "kind": self.kind,
            "words": len(self.vectors),
            "dim": self.vectors.dim,
            "subwords": self.subwords,
        }


def is_model_file(path: str | os.PathLike) -> bool:
    """Whether `path` is a wordlab model (a `.wordlab` zip, or a folder holding model.wordlab)."""
    p = Path(path)
    if p.is_dir():
        return (p / "model.wordlab").is_file()
    if p.suffix == ".wordlab":
        return True
    try:
        with open(p, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04" and zipfile.is_zipfile(p)
    except OSError:
        return False


def model_kind(path: Path) -> str:
    """The kind saved in a model's metadata, read without loading its arrays."""
    try:
        with zipfile.ZipFile(path) as zf:
            return str(json.loads(zf.read("meta.json").decode("utf-8")).get("kind"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        from wordlab.modelio import load_model

        return str(load_model(path)[1].get("kind"))  # its own clear error if unreadable


def load_model_vectors(path: str | os.PathLike) -> tuple[Vectors, str]:
    """The `.wv` of a saved model and its kind; the class is chosen by the kind in its metadata."""
    p = Path(path)
    file = p / "model.wordlab" if p.is_dir() else p
    if not file.exists():
        raise WordlabError(f"model file not found: {file}")
    kind = model_kind(file)
    if kind not in MODEL_CLASSES:
        known = ", ".join(sorted(MODEL_CLASSES))
        raise WordlabError(
            f"{file}: a {kind!r} model has no word vectors to serve (known: {known})"
        )
    module, name = MODEL_CLASSES[kind]
    model = getattr(importlib.import_module(module), name).load(file)
    return model.wv, kind


def load_source(
    path: str | os.PathLike,
    fmt: str | None = None,
    limit: int | None = None,
    in_memory: bool = False,
    name: str | None = None,
) -> ServedModel:
    """One source of the command line as a ServedModel (models by kind, files through the cache)."""
    from wordlab.models.fasttext import SubwordVectors

    p = Path(path)
    if not p.exists():
        raise WordlabError(f"not found: {p}")
    if is_model_file(p):
        vectors, kind = load_model_vectors(p)
        source = f"{kind} model"
    elif in_memory:
        vectors, kind, source = Vectors.load(p, fmt=fmt, limit=limit), "vectors", "read into memory"
    else:
        from wordlab.serve.cache import load_cached

        vectors, source = load_cached(p, fmt=fmt, limit=limit)
        kind = "vectors"
    return ServedModel(
        name=name or p.name,
        path=str(p),
        kind=kind,
        vectors=vectors,
        subwords=isinstance(vectors, SubwordVectors),
        source=source,
    )


def unique_names(paths: list[str]) -> list[str]:
    """A short, distinct API name per source: its file name, numbered when two share one."""
    names: list[str] = []
    for p in paths:
        base = Path(p).name or str(p)
        name, i = base, 2
        while name in names:
            name, i = f"{base}-{i}", i + 1
        names.append(name)
    return names


def warm(model: ServedModel) -> None:
    """Build the lookup table and unit rows now, and touch the rows, so the first query is fast."""
    v = model.vectors
    _ = v.index, v.norms
    v.most_similar(v.words[0], topn=1)


# ---- answers ------------------------------------------------------------------------------------


def resolve(model: ServedModel, word: str, case_sensitive: bool = False) -> tuple[str | None, str]:
    """The word a typed word stands for and how it was found: known, lowercased, subword, missing.

    The rule of `wordlab nn`: as written, else lower-cased (unless case_sensitive); a fastText
    model then builds any other word from its n-grams, as written.
    """
    v = model.vectors
    if word in v.index:
        return word, "known"
    lower = word.lower()
    if not case_sensitive and lower in v.index:
        return lower, "lowercased"
    if model.subwords and word in v:
        return word, "subword"
    return None, "missing"


def _pairs(results: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"word": w, "score": s} for w, s in results]


def _missing(model: ServedModel, words: list[str]) -> str:
    """The note for words a model cannot answer."""
    listed = ", ".join(repr(w) for w in words)
    note = " (and no character n-grams)" if model.subwords else ""
    return f"not in the vocabulary of {model.name}{note}: {listed}"


def neighbors(
    model: ServedModel,
    word: str,
    k: int = 10,
    restrict_vocab: int | None = None,
    case_sensitive: bool = False,
) -> dict[str, Any]:
    """The k nearest words by cosine: `Vectors.most_similar(word, topn=k)`."""
    found, status = resolve(model, word, case_sensitive)
    out: dict[str, Any] = {"model": model.name, "query": word, "word": found, "status": status}
    if found is None:
        return {**out, "neighbors": [], "message": _missing(model, [word])}
    results = model.vectors.most_similar(found, topn=k, restrict_vocab=restrict_vocab)
    return {**out, "neighbors": _pairs(results)}


def analogy(
    model: ServedModel,
    a: str,
    b: str,
    c: str,
    k: int = 10,
    method: str = "3cosadd",
    restrict_vocab: int | None = None,
    case_sensitive: bool = False,
) -> dict[str, Any]:
    """a : b :: c : ? by 3CosAdd or 3CosMul: `Vectors.analogy(a, b, c, method, topn=k)`."""
    found = {key: resolve(model, w, case_sensitive) for key, w in (("a", a), ("b", b), ("c", c))}
    out: dict[str, Any] = {
        "model": model.name,
        "method": method,
        "query": {"a": a, "b": b, "c": c},
        "words": {key: f for key, (f, _) in found.items()},
        "status": {key: s for key, (_, s) in found.items()},
    }
    missing = [w for (key, w) in (("a", a), ("b", b), ("c", c)) if found[key][0] is None]
    if missing:
        return {**out, "answers": [], "message": _missing(model, missing)}
    fa, fb, fc = (found[key][0] for key in "abc")
    results = model.vectors.analogy(
        fa, fb, fc, method=method, topn=k, restrict_vocab=restrict_vocab
    )
    return {**out, "answers": _pairs(results)}


def similarity(
    model: ServedModel, w1: str, w2: str, case_sensitive: bool = False
) -> dict[str, Any]:
    """The cosine similarity of two words: `Vectors.similarity(w1, w2)`."""
    (f1, s1), (f2, s2) = resolve(model, w1, case_sensitive), resolve(model, w2, case_sensitive)
    out: dict[str, Any] = {
        "model": model.name,
        "query": [w1, w2],
        "words": [f1, f2],
        "status": [s1, s2],
    }
    missing = [w for w, f in ((w1, f1), (w2, f2)) if f is None]
    if missing:
        return {**out, "similarity": None, "message": _missing(model, missing)}
    return {**out, "similarity": model.vectors.similarity(f1, f2)}


def projection(
    model: ServedModel,
    words: list[str],
    method: str = "pca",
    case_sensitive: bool = False,
) -> dict[str, Any]:
    """A 2-D map of the words' unit vectors (PCA, t-SNE or UMAP); missing words are listed apart."""
    points, missing, seen = [], [], set()
    for w in words:
        found, status = resolve(model, w, case_sensitive)
        if found is None:
            missing.append(w)
        elif found not in seen:
            seen.add(found)
            points.append({"query": w, "word": found, "status": status})
    out: dict[str, Any] = {"model": model.name, "method": method, "missing": missing}
    if not points:
        return {**out, "points": [], "message": _missing(model, missing)}
    unit = np.vstack([model.vectors.get_vector(p["word"], norm=True) for p in points])
    coords = project(unit, method)
    for p, (x, y) in zip(points, coords.tolist(), strict=True):
        p["x"], p["y"] = x, y
    return {**out, "points": points}


def neighborhood(
    model: ServedModel,
    word: str,
    k: int = 10,
    method: str = "pca",
    case_sensitive: bool = False,
) -> dict[str, Any]:
    """A 2-D map of a word and its k nearest neighbours in this model."""
    near = neighbors(model, word, k, case_sensitive=case_sensitive)
    if near["word"] is None:
        return {"model": model.name, "method": method, "missing": [word], "points": [],
                "message": near["message"]}  # fmt: skip
    words = [near["word"]] + [n["word"] for n in near["neighbors"]]
    out = projection(model, words, method, case_sensitive=True)
    out["points"][0].update(query=word, status=near["status"])  # how the typed word was found
    return out
