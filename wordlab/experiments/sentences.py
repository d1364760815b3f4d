"""Sentence vectors into a logistic regression: the downstream cost of unanchored word vectors.

A review's vector is the mean of its words' vectors (words outside the vectors' vocabulary are
left out; a review with none gets zeros), the cheapest sentence vector there is, and the one the
critique of GloVe is about: frequent words with long vectors dominate the mean. Variants:
raw; stop words removed (the STOP_WORDS most frequent words of the training corpus, at most a
tenth of its vocabulary: the same rule for any corpus or language, and no list to ship); SIF-style
weights a / (a + p(w)) (Arora, Liang and Ma 2017, without their common-component removal, which
all-but-the-top does for words); and the word vectors centred, all-but-the-top, or normalised.

The classifier is L2-regularised logistic regression fitted by Newton's method in numpy on
standardised features: with 25-300 features Newton's method reaches the optimum in a few exact
steps, and `wordlab experiment` then needs nothing beyond numpy (scikit-learn is only the
optional [serve] extra); the tests check it against scikit-learn's LogisticRegression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from wordlab.errors import WordlabError
from wordlab.fileio import open_binary
from wordlab.postprocess import postprocess_matrix

STOP_WORDS = 100  # the corpus's most frequent words (at most a tenth of them) are stop words
SIF_A = 1e-3  # Arora et al.'s a: weights a / (a + p(w))
L2 = 1.0  # penalty on the weights (sklearn's C = 1 / L2); the intercept is not penalised
VARIANTS = ("raw", "stop words removed", "SIF weights", "centred", "all-but-the-top", "normalised")
_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_DIGITS = str.maketrans({d: f" {w} " for d, w in zip("0123456789", _NUMBERS, strict=True)})
_WORD = re.compile(r"[a-z]+")


def normalise(text: str) -> list[str]:
    """A review's tokens normalised as text8 and enwiki-70m are: a-z only, digits spelled out."""
    return _WORD.findall(text.replace("<br />", " ").lower().translate(_DIGITS))


@dataclass
class Reviews:
    """A labelled split: token lists and 0/1 labels (label names in `names`)."""

    tokens: list[list[str]]
    labels: np.ndarray
    names: tuple[str, ...]


def read_reviews(path: str, per_label: int | None = None) -> Reviews:
    """A `label id rating text` file (IMDB's layout; plain or compressed), at most `per_label` each.

    Read once per process while the file is unchanged: every model of a run classifies the same.
    """
    st = Path(path).stat()
    return _read_reviews(str(Path(path).resolve()), per_label, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=4)
def _read_reviews(path: str, per_label: int | None, size: int, mtime_ns: int) -> Reviews:
    texts: dict[str, list[list[str]]] = {}
    with open_binary(path) as fh:
        header = fh.readline().decode("utf-8").rstrip("\n").split("\t")
        if header[:1] != ["label"] or header[-1:] != ["text"]:
            raise WordlabError(f"{path}: expected a header 'label ... text', got {header}")
        for n, raw in enumerate(fh, 2):
            parts = raw.decode("utf-8", errors="replace").rstrip("\n").split("\t", len(header) - 1)
            if len(parts) != len(header):
                raise WordlabError(f"{path}: line {n} has {len(parts)} fields, not {len(header)}")
            rows = texts.setdefault(parts[0], [])
            if per_label is None or len(rows) < per_label:
                rows.append(normalise(parts[-1]))
    names = tuple(sorted(texts))
    if len(names) != 2:
        raise WordlabError(f"{path}: expected two labels, found {len(names)}: {names[:5]}")
    tokens = [t for name in names for t in texts[name]]
    labels = np.concatenate([np.full(len(texts[name]), k) for k, name in enumerate(names)])
    return Reviews(tokens, labels.astype(np.float64), names)


def count_matrix(reviews: Reviews, index: dict[str, int]) -> sp.csr_matrix:
    """Reviews x vocabulary counts of the words the vectors know."""
    indptr, ids = [0], []
    for toks in reviews.tokens:
        ids.extend(j for j in map(index.get, toks) if j is not None)
        indptr.append(len(ids))
    data = np.ones(len(ids), dtype=np.float64)
    m = sp.csr_matrix(
        (data, np.asarray(ids, dtype=np.int64), indptr), (len(indptr) - 1, len(index))
    )
    m.sum_duplicates()
    return m


def mean_vectors(counts: sp.csr_matrix, matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per review: sum of weight x vector over its (known) tokens, divided by their number."""
    n = np.asarray(counts.sum(axis=1)).ravel()
    summed = counts @ (np.asarray(matrix, dtype=np.float64) * weights[:, None])
    return summed / np.maximum(n, 1)[:, None]


def stop_rows(counts: np.ndarray) -> np.ndarray:
    """Rows of the stop words: the STOP_WORDS most frequent, at most a tenth of the vocabulary."""
    return np.argsort(-counts, kind="stable")[: min(STOP_WORDS, max(1, len(counts) // 10))]


def variant_inputs(
    variant: str, matrix: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Word matrix, per-word weights and a keep-mask (per word) for one variant."""
    keep = np.ones(len(counts), dtype=bool)
    weights = np.ones(len(counts))
    m = np.asarray(matrix, dtype=np.float64)
    if variant == "stop words removed":
        keep[stop_rows(counts)] = False
    elif variant == "SIF weights":
        weights = SIF_A / (SIF_A + counts / counts.sum())
    elif variant == "centred":
        m = postprocess_matrix(m, center=True)[0]
    elif variant == "all-but-the-top":
        m = postprocess_matrix(m, center=True, remove_top="auto")[0]
    elif variant == "normalised":
        m = postprocess_matrix(m, normalize=True)[0]
    elif variant != "raw":
        raise WordlabError(f"unknown sentence-vector variant {variant!r}")
    return m, weights, keep


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, iters: int = 50) -> np.ndarray:
    """Weights (intercept last) minimising sum log-loss + l2/2 |w|^2, by damped Newton steps."""
    xa = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xa.shape[1])
    pen = np.full(xa.shape[1], l2)
    pen[-1] = 0.0

    def objective(v: np.ndarray) -> float:
        z = xa @ v
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * np.sum(pen * v * v))

    obj = objective(w)
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(xa @ w)))
        grad = xa.T @ (p - y) + pen * w
        hess = (xa * (p * (1 - p))[:, None]).T @ xa + np.diag(pen + 1e-10)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-6:
            new = objective(w - t * step)
            if new <= obj:
                break
            t /= 2
        w, done = w - t * step, obj - new < 1e-10 * max(1.0, abs(obj))
        obj = new
        if done:
            break
    return w


def classify(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray) -> float:
    """Test accuracy (%) of logistic regression on features standardised with the train split."""
    mu, sd = train.mean(axis=0), train.std(axis=0)
    sd[sd == 0] = 1.0
    w = fit_logistic((train - mu) / sd, y_train)
    z = ((test - mu) / sd) @ w[:-1] + w[-1]
    return 100.0 * float(np.mean((z > 0) == (y_test > 0.5)))


def sentence_scores(vectors: Any, train: Reviews, test: Reviews) -> dict[str, Any]:
    """Test accuracy (%) of every variant, with the known-word coverage of the reviews."""
    counts = (np.asarray(vectors.counts, dtype=np.float64) if vectors.counts is not None
              else 1.0 / np.arange(1, len(vectors) + 1))  # no counts: Zipf's law by row  # fmt: skip
    c_train, c_test = count_matrix(train, vectors.index), count_matrix(test, vectors.index)
    total = sum(len(t) for t in train.tokens)
    out: dict[str, Any] = {"known_token_share": float(c_train.sum()) / max(total, 1)}
    for variant in VARIANTS:
        m, weights, keep = variant_inputs(variant, vectors.matrix, counts)
        mask = sp.diags(keep.astype(np.float64))
        a, b = (mean_vectors(c @ mask, m, weights) for c in (c_train, c_test))
        out[variant] = classify(a, train.labels, b, test.labels)
    out["stop_words"] = [vectors.words[i] for i in stop_rows(counts)]
    return out


def fasttext_reference(
    train: Reviews, test: Reviews, threads: int, seed: int, **settings: Any
) -> dict[str, Any]:
    """The fastText classifier on the same normalised tokens: test accuracy (%) and seconds."""
    import time

    from wordlab.models.classifier import Classifier

    lines = [f"__label__{train.names[int(y)]} " + " ".join(t)
             for t, y in zip(train.tokens, train.labels, strict=True)]  # fmt: skip
    t0 = time.perf_counter()
    clf = Classifier(**settings, threads=threads, seed=seed, progress=False).fit(lines)
    seconds = time.perf_counter() - t0
    predicted = clf.predict([" ".join(t) for t in test.tokens], k=1)
    wanted = [f"__label__{test.names[int(y)]}" for y in test.labels]
    hits = sum(bool(p) and p[0][0] == w for p, w in zip(predicted, wanted, strict=True))
    return {"accuracy": 100.0 * hits / len(wanted), "train_seconds": seconds}


def imdb_files(folder: Path) -> tuple[Path, Path]:
    """train and test files of a classification folder (train.tsv[.xz], test.tsv[.xz])."""
    found = []
    for split in ("train", "test"):
        options = [folder / f"{split}.tsv{ext}" for ext in (".xz", ".gz", ".bz2", "")]
        hit = next((p for p in options if p.is_file()), None)
        if hit is None:
            raise WordlabError(f"{folder}: no {split}.tsv.xz (or .tsv, .gz, .bz2) there")
        found.append(hit)
    return found[0], found[1]
