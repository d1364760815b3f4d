"""The one model file: arrays, settings and training state in a single `.wordlab` file.

A `.wordlab` file is a zip archive (stored, not compressed) holding `meta.json` (the model's kind,
the format version, its settings and training state) and one `.npy` entry per array. It is
written to a temporary file beside the target and renamed once, so a reader sees either the
previous file or the new one, never a mixture (a model that was two files could tear between two
renames). Loading reads arrays with `allow_pickle=False`: opening a model from anywhere runs no
code. Models saved by earlier versions as `name.npz` + `name.json` still load.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import atomic_path

SUFFIX = ".wordlab"
FORMAT_VERSION = 1
_META = "meta.json"


def model_path(path: str | os.PathLike) -> Path:
    """The file a model saved as `path` lives in: `path` itself if it ends in .wordlab, else path.wordlab."""
    p = Path(path)
    return p if p.suffix == SUFFIX else p.with_name(p.name + SUFFIX)


def save_model(
    path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict[str, Any]
) -> Path:
    """Write one `.wordlab` file (meta must name the model's `kind`), atomically; return its path."""
    if "kind" not in meta:
        raise ValueError("model metadata must name its kind")
    final = model_path(path)
    header = {**meta, "format": "wordlab-model", "format_version": FORMAT_VERSION}
    with atomic_path(final) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            zf.writestr(_META, json.dumps(header, ensure_ascii=False, indent=1))
            for name, array in arrays.items():
                with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                    np.lib.format.write_array(fh, np.asarray(array), allow_pickle=False)
        with open(tmp, "rb+") as fh:  # on disk before the rename makes it the model
            os.fsync(fh.fileno())
    return final


def find_model(path: str | os.PathLike) -> Path:
    """The model file meant by `path`: the file, path.wordlab, or a legacy path.npz + path.json."""
    p = Path(path)
    candidates = [p] if p.suffix in (SUFFIX, ".npz", ".json") else [model_path(p), p]
    for c in candidates:
        if c.is_file():
            return c
    stem = p.with_suffix("") if p.suffix in (".npz", ".json") else p
    if stem.with_name(stem.name + ".npz").is_file():
        return stem.with_name(stem.name + ".npz")
    raise WordlabError(f"model file not found: {model_path(p) if p.suffix != '.npz' else p}")


def load_model(
    path: str | os.PathLike, kind: str | None = None
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a model file (or a legacy .npz + .json pair); check its kind when one is expected."""
    found = find_model(path)
    if found.suffix in (".npz", ".json"):
        arrays, meta = _load_legacy(found)
    else:
        arrays, meta = _load_wordlab(found)
    if kind is not None and meta.get("kind") != kind:
        raise WordlabError(f"{found}: holds a {meta.get('kind')!r} model, expected {kind!r}")
    return arrays, meta


def _load_wordlab(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if _META not in names:
                raise WordlabError(f"{path}: not a wordlab model file (no {_META})")
            meta = json.loads(zf.read(_META).decode("utf-8"))
            if meta.get("format") != "wordlab-model":
                raise WordlabError(f"{path}: not a wordlab model file")
            version = meta.get("format_version")
            if not isinstance(version, int) or version > FORMAT_VERSION:
                raise WordlabError(
                    f"{path}: model format version {version!r}; this wordlab reads up to "
                    f"{FORMAT_VERSION} (upgrade wordlab)"
                )
            arrays = {}
            for name in names:
                if name.endswith(".npy"):
                    with zf.open(name) as fh:
                        arrays[name[:-4]] = np.lib.format.read_array(fh, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, UnicodeDecodeError) as exc:
        raise WordlabError(f"{path}: not a readable model file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise WordlabError(f"{path}: damaged model settings ({exc})") from None
    return arrays, meta


def _load_legacy(found: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Models of wordlab 0.1: `name.npz` (arrays) beside `name.json` (settings)."""
    stem = found.with_suffix("")
    npz, js = stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".json")
    for f in (npz, js):
        if not f.exists():
            raise WordlabError(f"model file not found: {f}")
    try:
        meta = json.loads(js.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise WordlabError(f"{js}: not valid JSON ({exc})") from None
    try:
        with np.load(npz, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise WordlabError(f"{npz}: not a readable model file ({exc})") from None
    return arrays, meta


def pack_words(words: list[str]) -> np.ndarray:
    """A vocabulary as one uint8 array (UTF-8, newline-separated): compact, and no pickle."""
    return np.frombuffer("\n".join(words).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def unpack_words(array: np.ndarray) -> list[str]:
    """The words packed by pack_words."""
    data = np.asarray(array, dtype=np.uint8).tobytes()
    return data.decode("utf-8", "surrogatepass").split("\n") if data else []
