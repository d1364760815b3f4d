"""Two-dimensional maps of a few hundred word vectors: PCA (numpy), t-SNE and UMAP when installed.

PCA is the default because it is instant and deterministic; t-SNE (scikit-learn, the `serve`
extra) and UMAP (the `umap-learn` package) keep local neighbourhoods better and are offered only
when importable. Every method is seeded, so the same words give the same map.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from wordlab.errors import WordlabError

METHODS = ("pca", "tsne", "umap")
_PACKAGES = {"tsne": "sklearn", "umap": "umap"}
_NEEDS = {"tsne": "scikit-learn (pip install 'wordlab[serve]')", "umap": "umap-learn"}
MIN_POINTS = {"pca": 1, "tsne": 4, "umap": 4}


def available_methods() -> list[str]:
    """The projection methods this installation can run, PCA first."""
    return [m for m in METHODS if m not in _PACKAGES or importlib.util.find_spec(_PACKAGES[m])]


def pca_2d(points: np.ndarray) -> np.ndarray:
    """Coordinates on the first two principal axes (centred; signs fixed so runs agree).

    Each axis is oriented so that its largest loading is positive, as scikit-learn's svd_flip
    does, so a map does not mirror itself between runs or machines.
    """
    x = np.asarray(points, dtype=np.float64)
    out = np.zeros((len(x), 2))
    if len(x) < 2:
        return out
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axes = vt[:2]
    axes *= np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])[:, None]
    out[:, : len(axes)] = x @ axes.T
    return out


def _tsne(points: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.manifold import TSNE

    n = len(points)
    perplexity = min(30.0, max(1.0, (n - 1) / 3))  # must stay below the number of points
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
    return tsne.fit_transform(np.asarray(points, dtype=np.float64))


def _umap(points: np.ndarray, seed: int) -> np.ndarray:
    import umap

    n = len(points)
    reducer = umap.UMAP(
        n_components=2,
        n_neighbors=max(2, min(15, n - 1)),
        init="spectral" if n > 10 else "random",  # spectral init fails on very few points
        random_state=seed,
    )
    return reducer.fit_transform(np.asarray(points, dtype=np.float64))


def project(points: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """An (n, 2) float64 map of the rows of `points` by `method` (pca, tsne or umap)."""
    if method not in METHODS:
        raise WordlabError(f"unknown projection method {method!r}: use one of {', '.join(METHODS)}")
    if method not in available_methods():
        raise WordlabError(f"projection {method!r} needs {_NEEDS[method]}, which is not installed")
    if len(points) < MIN_POINTS[method]:
        raise WordlabError(f"{method} needs at least {MIN_POINTS[method]} words with vectors")
    if method == "pca":
        return pca_2d(points)
    try:
        coords = _tsne(points, seed) if method == "tsne" else _umap(points, seed)
    except (ValueError, TypeError) as exc:  # the library's own check of a degenerate input
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WordlabError(f"{method} failed on {len(points)} words: {first}") from None
    return np.asarray(coords, dtype=np.float64)
