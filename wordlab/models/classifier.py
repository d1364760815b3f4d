"""fastText's supervised text classifier: a linear model over word and word n-gram embeddings.

A text's vector is the mean of the input rows of its words (and, with `minn`/`maxn`, their
character n-grams) and of its word n-grams hashed into `bucket` rows; the labels are scored from
that vector with softmax, hierarchical softmax, negative sampling or one-vs-all (independent
sigmoids, for multi-label data). Training files use fastText's format: labels are the tokens that
start with `label_prefix` (default `__label__`), anywhere on a line; one example per line.

    clf = Classifier(ClassifierSettings(word_ngrams=2, dim=10)).fit("train.txt")
    clf.predict(["a great film"], k=1)   ->  [[("__label__pos", 0.93)]]
    clf.test("test.txt", k=1)            ->  TestResult(n=..., precision=..., recall=...)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from wordlab.errors import WordlabError
from wordlab.fileio import open_binary, require_file
from wordlab.kernels import fasttext as K
from wordlab.modelio import load_model, save_model
from wordlab.models.fasttext import run_threads
from wordlab.subwords import BOW, EOW, pack_strings
from wordlab.vocab import huffman_codes, noise_table

EOS = b"</s>"
LOSSES = ("softmax", "hs", "ns", "ova")
_LOSS_CODE = {"softmax": 0, "hs": 1, "ns": 2, "ova": 3}
KIND = "fasttext-classifier"


@dataclass
class ClassifierSettings:
    """Hyper-parameters, with fastText's `supervised` defaults; saved inside every model."""

    dim: int = 100
    lr: float = 0.1
    epochs: int = 5
    word_ngrams: int = 1
    bucket: int = 2_000_000  # used only with word_ngrams > 1 or maxn > 0, as in fastText
    minn: int = 0
    maxn: int = 0
    min_count: int = 1
    min_count_label: int = 1
    loss: str = "softmax"
    neg: int = 5
    lr_update_rate: int = 100
    label_prefix: str = "__label__"
    threads: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise WordlabError(f"--loss must be one of {', '.join(LOSSES)}, not {self.loss!r}")
        for name in ("dim", "epochs", "word_ngrams", "threads", "min_count", "lr_update_rate"):
            if getattr(self, name) < 1:
                raise WordlabError(f"--{name.replace('_', '-')} must be at least 1")
        if self.lr <= 0:
            raise WordlabError(f"--lr must be positive, got {self.lr}")
        if self.bucket < 0 or self.neg < 0 or self.minn < 0 or self.maxn < 0:
            raise WordlabError("--bucket, --neg, --minn and --maxn must not be negative")
        if self.maxn > 0 and self.minn > self.maxn:
            raise WordlabError(f"--minn ({self.minn}) must not exceed --maxn ({self.maxn})")
        if not self.label_prefix:
            raise WordlabError("--label-prefix must not be empty")

    @property
    def rows_bucket(self) -> int:
        """Hash buckets actually allocated: none when there are no word or character n-grams."""
        return self.bucket if (self.word_ngrams > 1 or self.maxn > 0) else 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassifierSettings:
        """Settings from a saved model's JSON, ignoring unknown keys."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class TestResult:
    """fastText's `test` output: examples scored, precision at k, recall at k."""

    n: int
    precision: float
    recall: float
    k: int = 1

    def __str__(self) -> str:
        return f"N\t{self.n}\nP@{self.k}\t{self.precision:.3f}\nR@{self.k}\t{self.recall:.3f}"


@dataclass
class _Examples:
    in_ptr: np.ndarray
    inputs: np.ndarray
    lab_ptr: np.ndarray
    labels: np.ndarray
    ntokens: np.ndarray


# ----------------------------------------------------------------------------------------------
# Reading labelled text (bytes throughout: fastText splits on ASCII whitespace and hashes bytes)


@dataclass
class _Tokens:
    """A text as distinct-string ids per token (id 0 is the end-of-line token `</s>`)."""

    tok: np.ndarray  # int32, one per token
    distinct: list[bytes]
    hashes: np.ndarray  # uint32 fastText hash of each distinct string
    counts: np.ndarray  # int64 occurrences of each distinct string


_EOS_ARRAY = np.frombuffer(EOS, dtype=np.uint8).copy()


def _tokenize(data: bytes) -> _Tokens:
    """Tokens of UTF-8 text as fastText reads them (ASCII whitespace; a newline is `</s>`)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    tok, starts, ends, hashes, counts = K.tokenize(buf, _EOS_ARRAY)
    distinct = [EOS] + [
        data[a:b] for a, b in zip(starts[1:].tolist(), ends[1:].tolist(), strict=True)
    ]
    return _Tokens(tok, distinct, hashes, counts)


def _read_tokens(path: str | os.PathLike, what: str = "training file") -> _Tokens:
    require_file(path, what)
    with open_binary(path) as fh:
        data = fh.read()
    return _tokenize(data)


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _encode(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


class Classifier:
    """fastText-style supervised classifier: fit on a labelled file, predict, test, save, load."""

    def __init__(self, settings: ClassifierSettings | None = None, **overrides: Any) -> None:
        base = asdict(settings) if settings is not None else {}
        base.update(overrides)
        self.settings = ClassifierSettings(**base)
        self.words: list[str] = []
        self.word_counts = np.zeros(0, dtype=np.int64)
        self.labels: list[str] = []
        self.label_counts = np.zeros(0, dtype=np.int64)
        self.wi: np.ndarray | None = None
        self.wo: np.ndarray | None = None
        self.loss_history: list[float] = []
        self._word_index: dict[bytes, int] = {}
        self._label_index: dict[bytes, int] = {}

    # -- data ------------------------------------------------------------------------------------

    def _build_dictionary(self, tokens: _Tokens, path: str | os.PathLike) -> None:
        s = self.settings
        counts = tokens.counts
        distinct = tokens.distinct
        prefix = _encode(s.label_prefix)
        is_label = np.fromiter((d.startswith(prefix) for d in distinct), bool, len(distinct))
        is_label[0] = False  # </s>
        word_ids = np.flatnonzero(~is_label & (counts >= s.min_count)).tolist()
        label_ids = np.flatnonzero(is_label & (counts >= s.min_count_label)).tolist()
        if not label_ids:
            raise WordlabError(
                f"{path}: no labels found (labels are tokens starting with {s.label_prefix!r}; "
                "set --label-prefix if yours differ)"
            )
        if not any(i != 0 for i in word_ids):
            raise WordlabError(
                f"{path}: no words to learn from (only labels, or --min-count too high)"
            )
        cl = counts.tolist()
        word_ids.sort(key=lambda i: (-cl[i], distinct[i]))
        label_ids.sort(key=lambda i: (-cl[i], distinct[i]))
        self.words = [_decode(distinct[i]) for i in word_ids]
        self.word_counts = counts[word_ids].astype(np.int64)
        self.labels = [_decode(distinct[i]) for i in label_ids]
        self.label_counts = counts[label_ids].astype(np.int64)
        self._index()

    def _index(self) -> None:
        self._word_index = {_encode(w): i for i, w in enumerate(self.words)}
        self._label_index = {_encode(w): i for i, w in enumerate(self.labels)}

    def _examples(self, tokens: _Tokens) -> _Examples:
        """Examples (input rows, label ids) of a token stream, against this model's dictionary."""
        s = self.settings
        tok, distinct = tokens.tok, tokens.distinct
        nwords = len(self.words)
        prefix = _encode(s.label_prefix)
        kind = np.zeros(len(distinct), dtype=np.int8)
        label = np.full(len(distinct), -1, dtype=np.int32)
        word = np.full(len(distinct), -1, dtype=np.int32)
        for i, d in enumerate(distinct):
            wid = self._word_index.get(d, -1)
            word[i] = wid
            if i == 0:
                kind[i] = 2
            elif wid < 0 and d.startswith(prefix):
                kind[i] = 1
                label[i] = self._label_index.get(d, -1)
        hashes = tokens.hashes
        # rows of each distinct token: its own row if known, then its character n-grams
        use_sub = s.maxn > 0 and s.rows_bucket > 0
        bracketed = [
            BOW + _decode(d) + EOW if (use_sub and kind[i] == 0) else ""
            for i, d in enumerate(distinct)
        ]
        buf, offsets = pack_strings(bracketed)
        sub_ptr, sub_ids, _, _ = K.subword_table(
            buf, offsets, s.minn, s.maxn, s.rows_bucket if use_sub else 0, False, nwords
        )
        ptr = np.zeros(len(distinct) + 1, dtype=np.int64)
        own = (word >= 0).astype(np.int64)
        np.cumsum(own + np.diff(sub_ptr), out=ptr[1:])
        ids = np.empty(int(ptr[-1]), dtype=np.int32)
        ids[ptr[:-1][word >= 0]] = word[word >= 0]
        rest = np.repeat(ptr[:-1] + own, np.diff(sub_ptr)) + (
            np.arange(sub_ids.shape[0]) - np.repeat(sub_ptr[:-1], np.diff(sub_ptr))
        )
        ids[rest] = sub_ids
        in_ptr, inputs, lab_ptr, labels, ntok = K.build_examples(
            kind[tok],
            label[tok],
            hashes[tok],
            ptr,
            ids,
            tok,
            nwords,
            s.word_ngrams,
            s.rows_bucket,
        )
        return _Examples(in_ptr, inputs, lab_ptr, labels, ntok)

    # -- training --------------------------------------------------------------------------------

    def _loss_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Noise table (label counts ** 0.5, fastText's) and Huffman arrays over the labels."""
        s = self.settings
        noise = np.zeros(1, dtype=np.int32)
        codes = np.zeros(1, dtype=np.uint8)
        points = np.zeros(1, dtype=np.int32)
        offsets = np.zeros(2, dtype=np.int64)
        if s.loss == "ns":
            noise = noise_table(self.label_counts, 0.5)
        if s.loss == "hs":
            if len(self.labels) < 2:
                raise WordlabError("--loss hs needs at least 2 labels")
            codes, points, offsets = huffman_codes(self.label_counts)
        return noise, codes, points, offsets

    def fit(self, path: str | os.PathLike, progress: bool = True) -> Classifier:
        """Train on a fastText-format file (one example per line, labels marked by the prefix)."""
        s = self.settings
        tokens = _read_tokens(path)
        if tokens.tok.shape[0] == 0:
            raise WordlabError(f"{path}: the training file is empty")
        self._build_dictionary(tokens, path)
        ex = self._examples(tokens)
        del tokens
        n_ex = ex.ntokens.shape[0]
        usable = np.count_nonzero((np.diff(ex.in_ptr) > 0) & (np.diff(ex.lab_ptr) > 0))
        if usable == 0:
            raise WordlabError(f"{path}: no line has both a label and a word")
        rng = np.random.default_rng(s.seed)
        rows = len(self.words) + s.rows_bucket
        # fastText: input rows uniform in (-1/dim, 1/dim), output rows zero
        self.wi = rng.random((rows, s.dim), dtype=np.float32)
        self.wi *= np.float32(2.0 / s.dim)
        self.wi -= np.float32(1.0 / s.dim)
        out_rows = len(self.labels) - 1 if s.loss == "hs" else len(self.labels)
        self.wo = np.zeros((max(out_rows, 1), s.dim), dtype=np.float32)
        noise, codes, points, offsets = self._loss_tables()
        total = int(ex.ntokens.sum())
        threads = max(1, min(s.threads, n_ex))
        bounds = np.linspace(0, n_ex, threads + 1).astype(np.int64)
        prog = np.zeros((threads, 8), dtype=np.int64)  # padded rows: no false sharing
        losses = np.zeros((threads, 8), dtype=np.float64)

        def work(t: int) -> None:
            K.train_supervised(
                self.wi, self.wo, ex.in_ptr, ex.inputs, ex.lab_ptr, ex.labels, ex.ntokens,
                int(bounds[t]), int(bounds[t + 1]), s.epochs, s.lr, total,
                _LOSS_CODE[s.loss], noise, s.neg, codes, points, offsets,
                s.seed + t + 1, s.lr_update_rate, prog, losses, t,
            )  # fmt: skip

        self.loss_history = run_threads(work, threads, prog, losses, s.epochs * total, progress)
        return self

    # -- prediction ------------------------------------------------------------------------------

    def _require_trained(self) -> None:
        if self.wi is None or self.wo is None:
            raise WordlabError("the classifier is not trained (call fit or load a model)")

    def _predict_examples(
        self, ex: _Examples, k: int, threshold: float
    ) -> tuple[np.ndarray, np.ndarray]:
        self._require_trained()
        if k < 1:
            raise WordlabError(f"--k must be at least 1, got {k}")
        s = self.settings
        _, codes, points, offsets = self._loss_tables() if s.loss == "hs" else (None,) * 4
        if codes is None:
            codes = np.zeros(1, np.uint8)
            points = np.zeros(1, np.int32)
            offsets = np.zeros(2, np.int64)
        return K.predict_top_k(
            self.wi, self.wo, ex.in_ptr, ex.inputs, _LOSS_CODE[s.loss], codes, points, offsets,
            min(k, len(self.labels)), float(threshold),
        )  # fmt: skip

    def predict(
        self, texts: Sequence[str] | str, k: int = 1, threshold: float = 0.0
    ) -> list[list[tuple[str, float]]]:
        """Top-k (label, probability) pairs of each text, best first, probabilities >= threshold."""
        self._require_trained()
        if isinstance(texts, str):
            texts = [texts]
        data = b"".join(_encode(t).replace(b"\n", b" ") + b"\n" for t in texts)
        ex = self._examples(_tokenize(data))
        top, prob = self._predict_examples(ex, k, threshold)
        return [
            [(self.labels[j], float(p)) for j, p in zip(row, prow, strict=True) if j >= 0]
            for row, prow in zip(top, prob, strict=True)
        ]

    def predict_file(
        self, path: str | os.PathLike, k: int = 1, threshold: float = 0.0
    ) -> list[list[tuple[str, float]]]:
        """predict() on every line of a file (plain, .gz, .bz2, .xz)."""
        self._require_trained()
        ex = self._examples(_read_tokens(path, "input file"))
        top, prob = self._predict_examples(ex, k, threshold)
        return [
            [(self.labels[j], float(p)) for j, p in zip(row, prow, strict=True) if j >= 0]
            for row, prow in zip(top, prob, strict=True)
        ]

    def test(self, path: str | os.PathLike, k: int = 1, threshold: float = 0.0) -> TestResult:
        """fastText's test: N examples with labels, precision at k and recall at k."""
        self._require_trained()
        tokens = _read_tokens(path, "test file")
        if tokens.tok.shape[0] == 0:
            raise WordlabError(f"{path}: the test file is empty")
        ex = self._examples(tokens)
        top, _ = self._predict_examples(ex, k, threshold)
        return precision_recall(top, ex.lab_ptr, ex.labels, np.diff(ex.in_ptr) > 0, k)

    # -- files -----------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the model (`path.npz` + `path.json`) with its settings and dictionary."""
        self._require_trained()
        wbuf, woff = pack_strings(self.words)
        lbuf, loff = pack_strings(self.labels)
        arrays = {
            "wi": self.wi,
            "wo": self.wo,
            "word_bytes": wbuf,
            "word_offsets": woff,
            "word_counts": self.word_counts,
            "label_bytes": lbuf,
            "label_offsets": loff,
            "label_counts": self.label_counts,
        }
        save_model(path, arrays, {"kind": KIND, **asdict(self.settings)})

    @classmethod
    def load(cls, path: str | os.PathLike) -> Classifier:
        """Read a model written by save()."""
        arrays, settings = load_model(path, KIND)
        clf = cls(ClassifierSettings.from_dict(settings))
        clf.wi = arrays["wi"]
        clf.wo = arrays["wo"]
        clf.words = _unpack(arrays["word_bytes"], arrays["word_offsets"])
        clf.word_counts = arrays["word_counts"]
        clf.labels = _unpack(arrays["label_bytes"], arrays["label_offsets"])
        clf.label_counts = arrays["label_counts"]
        clf._index()
        return clf


def _unpack(buf: np.ndarray, offsets: np.ndarray) -> list[str]:
    data = buf.tobytes()
    return [_decode(data[a:b]) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


def precision_recall(
    top: np.ndarray, lab_ptr: np.ndarray, labels: np.ndarray, has_input: np.ndarray, k: int
) -> TestResult:
    """fastText's Meter: over examples with labels and input, P = hits / predicted, R = hits / gold."""
    n = predicted = gold = hits = 0
    for e in range(top.shape[0]):
        gold_e = labels[lab_ptr[e] : lab_ptr[e + 1]]
        if gold_e.size == 0 or not has_input[e]:
            continue
        n += 1
        pred = top[e][top[e] >= 0]
        predicted += pred.size
        gold += gold_e.size
        hits += int(np.isin(pred, gold_e).sum())
    if n == 0:
        raise WordlabError("no test line has both a label and a known word")
    return TestResult(n, hits / predicted if predicted else 0.0, hits / gold if gold else 0.0, k)
