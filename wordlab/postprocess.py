"""Post-processing word vectors: centring, all-but-the-top, length normalisation, PCA.

GloVe's loss cannot tell W from W + c (the biases absorb any constant shift), so nothing anchors
where its cloud of vectors sits, and a few dominant directions shared by all words (tied to word
frequency) carry much of the variance. The usual repairs, applied here in this order:

- ``center``: subtract the mean vector (over the rows of the file).
- ``remove_top=D``: project out the top D principal directions of the mean-removed matrix
  (Mu and Viswanath 2018, "All-but-the-Top"; their rule D = dim/100, used for ``"auto"``).
  With ``center`` too this is their algorithm exactly.
- ``pca=K``: keep the coordinates on the top K principal directions of what is left (PCA: the
  mean is removed before projecting, as PCA does), a smaller dimension.
- ``normalize``: scale every row to unit length (zero rows stay zero).

Computed in float64 and returned as float32. The settings dict records the operations, their
parameters and what they removed (mean, directions, explained variance), so a result is
traceable and the same transform can be applied to other vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wordlab.errors import WordlabError

AUTO = "auto"


def default_remove_top(dim: int) -> int:
    """Mu and Viswanath's (2018) rule for how many directions to remove: dim/100, at least 1."""
    return max(1, round(dim / 100))


def principal_directions(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The top k principal directions (k x dim, unit rows) of a matrix and their variance ratios.

    From the eigenvectors of the dim x dim covariance of the mean-removed rows (float64); each
    direction's sign is chosen so that its largest component is positive, so results repeat.
    """
    x = np.asarray(matrix, dtype=np.float64)
    centred = x - x.mean(axis=0)
    cov = centred.T @ centred / max(len(x) - 1, 1)
    values, vectors = np.linalg.eigh(cov)  # ascending
    order = np.argsort(values)[::-1][:k]
    dirs = vectors[:, order].T.copy()
    signs = np.sign(dirs[np.arange(len(dirs)), np.abs(dirs).argmax(axis=1)])
    dirs *= np.where(signs == 0, 1.0, signs)[:, None]
    total = float(values.clip(min=0).sum())
    ratios = values[order].clip(min=0) / total if total > 0 else np.zeros(len(order))
    return dirs, ratios


def _resolve_remove_top(remove_top: int | str | None, dim: int) -> int | None:
    """The number of directions to remove: None, an int in [1, dim), or AUTO (dim/100)."""
    if remove_top is None:
        return None
    if remove_top == AUTO:
        return default_remove_top(dim)
    if isinstance(remove_top, bool) or not isinstance(remove_top, (int, np.integer)):
        raise WordlabError(
            f"remove_top must be a number of directions or 'auto', not {remove_top!r}"
        )
    if not 1 <= remove_top < dim:
        raise WordlabError(
            f"--remove-top must be between 1 and {dim - 1} (dim - 1), got {remove_top}"
        )
    return int(remove_top)


def postprocess_matrix(
    matrix: np.ndarray,
    center: bool = False,
    remove_top: int | str | None = None,
    normalize: bool = False,
    pca: int | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The post-processed float32 matrix and the settings that made it (see the module's text)."""
    x = np.asarray(matrix, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise WordlabError(f"post-processing needs at least 2 vectors, got shape {x.shape}")
    dim = x.shape[1]
    top = _resolve_remove_top(remove_top, dim)
    if pca is not None and not 1 <= pca <= dim - (top or 0):
        raise WordlabError(
            f"--pca must be between 1 and {dim - (top or 0)} (dimensions left), got {pca}"
        )
    if not (center or top or normalize or pca):
        raise WordlabError("nothing to do: ask for centring, --remove-top, --normalize or --pca")
    settings: dict[str, Any] = {"operations": [], "dim_in": dim, "rows": int(x.shape[0])}
    if center:
        mean = x.mean(axis=0)
        x = x - mean
        settings["operations"].append("center")
        settings["center"] = {"mean": mean.tolist(), "mean_norm": float(np.linalg.norm(mean))}
    if top:
        dirs, ratios = principal_directions(x, top)
        x = x - (x @ dirs.T) @ dirs
        settings["operations"].append("remove_top")
        settings["remove_top"] = {
            "directions": top,
            "rule": "dim/100 (Mu and Viswanath 2018)" if remove_top == AUTO else "given",
            "variance_ratio": ratios.tolist(),
            "removed": dirs.tolist(),
        }
    if pca:
        dirs, ratios = principal_directions(x, pca)
        mean = x.mean(axis=0)
        x = (x - mean) @ dirs.T
        settings["operations"].append("pca")
        settings["pca"] = {
            "dim": pca,
            "explained_variance": float(ratios.sum()),
            "mean": mean.tolist(),
            "components": dirs.tolist(),
        }
    if normalize:
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
        settings["operations"].append("normalize")
        settings["normalize"] = {"zero_rows": int((norms[:, 0] == 0).sum())}
    settings["dim_out"] = int(x.shape[1])
    return x.astype(np.float32), settings


def postprocess_vectors(
    vectors: Any,
    center: bool = False,
    remove_top: int | str | None = None,
    normalize: bool = False,
    pca: int | None = None,
) -> tuple[Any, dict[str, Any]]:
    """A post-processed copy of a `Vectors` (same words and counts) and its settings."""
    from wordlab.vectors import Vectors

    matrix, settings = postprocess_matrix(vectors.matrix, center, remove_top, normalize, pca)
    return Vectors(list(vectors.words), matrix, vectors.counts), settings
