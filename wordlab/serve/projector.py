"""Files for TensorFlow's Embedding Projector: vectors.tsv, metadata.tsv, projector_config.json.

The projector (projector.tensorflow.org, or TensorBoard's plugin) reads a tab-separated matrix,
one row per point, a metadata file with one label per line (a single column has no header row)
and a JSON config naming both. The first rows of a vectors file are its most frequent words by
convention (word2vec, GloVe, fastText all write them so), so `limit` keeps the most frequent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open
from wordlab.vectors import Vectors

FILES = ("vectors.tsv", "metadata.tsv", "projector_config.json")
_BLOCK = 4096  # rows formatted at a time
_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r"})  # would break a TSV row


def projector_config(name: str, rows: int, dim: int) -> dict:
    """The projector's config: one embedding with its tensor and metadata files (relative paths)."""
    return {
        "embeddings": [
            {
                "tensorName": name,
                "tensorShape": [rows, dim],
                "tensorPath": "vectors.tsv",
                "metadataPath": "metadata.tsv",
            }
        ]
    }


def export_projector(
    vectors: Vectors, folder: str | os.PathLike, limit: int | None = 10000, name: str = "vectors"
) -> list[Path]:
    """Write the first `limit` words (all when None) as projector files in `folder`; return them.

    Values are written with 7 significant digits (float32's precision); each file appears only
    once complete.
    """
    if limit is not None and limit < 1:
        raise WordlabError(f"limit must be at least 1, got {limit}")
    n = len(vectors) if limit is None else min(limit, len(vectors))
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f for f in FILES]
    with atomic_open(paths[0], "w", encoding="utf-8", newline="\n") as fh:
        for start in range(0, n, _BLOCK):
            block = np.asarray(vectors.matrix[start : min(n, start + _BLOCK)], dtype=np.float32)
            np.savetxt(fh, block, fmt="%.7g", delimiter="\t")
    with atomic_open(paths[1], "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(w.translate(_ESCAPES) + "\n" for w in vectors.words[:n])
    with atomic_open(paths[2], "w", encoding="utf-8") as fh:
        json.dump(projector_config(name, n, vectors.dim), fh, indent=2)
        fh.write("\n")
    return paths
