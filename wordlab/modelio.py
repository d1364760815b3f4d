"""Model files: arrays in `.npz`, settings in `.json`, never pickle, always written atomically.

A model saved as `name` becomes `name.npz` and `name.json`; loading refuses pickled objects, so
opening a model from anywhere cannot run code.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_open, atomic_path


def _stem(path: str | os.PathLike) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".npz", ".json") else p


def save_model(
    path: str | os.PathLike, arrays: dict[str, np.ndarray], settings: dict[str, Any]
) -> Path:
    """Write `path.npz` (arrays) and `path.json` (settings, including `kind`); return the stem."""
    stem = _stem(path)
    with atomic_path(stem.with_name(stem.name + ".npz")) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    with atomic_open(stem.with_name(stem.name + ".json"), "w", encoding="utf-8") as fh:
        json.dump(settings, fh, indent=1, ensure_ascii=False)
    return stem


def load_model(
    path: str | os.PathLike, kind: str | None = None
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a model written by save_model; check its `kind` when one is expected."""
    stem = _stem(path)
    npz, js = stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".json")
    for f in (npz, js):
        if not f.exists():
            raise WordlabError(f"model file not found: {f}")
    try:
        settings = json.loads(js.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise WordlabError(f"{js}: not valid JSON ({exc})") from None
    if kind is not None and settings.get("kind") != kind:
        raise WordlabError(f"{js}: holds a {settings.get('kind')!r} model, expected {kind!r}")
    try:
        with np.load(npz, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WordlabError(f"{npz}: not a readable model file ({exc})") from None
    return arrays, settings
