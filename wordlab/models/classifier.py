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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.errors import WordlabError
from wordlab.kernels.ahead import classifier_kernels
from wordlab.modelio import pack_words, unpack_words
from wordlab.models.base import Trainer
from wordlab.models.bucket_rows import compact_rows, full_matrix, initial_rows, rows_of
from wordlab.models.labelled import (
    Examples,
    TestResult,
    Tokens,
    decode,
    dictionary_of,
    encode,
    examples_of,
    precision_recall,
    read_tokens,
    tokenize_bytes,
)
from wordlab.models.threads import KernelCounters, job_seed
from wordlab.tokenizers import TOKENIZERS, require_zh, retokenize_labelled
from wordlab.vectors import Vectors
from wordlab.vocab import loss_tables

LOSSES = ("softmax", "hs", "ns", "ova")
_LOSS_CODE = {"softmax": 0, "hs": 1, "ns": 2, "ova": 3}
KIND = "fasttext-classifier"
JOB_EXAMPLES = 2048  # examples per job: a checkpoint can fall between any two


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
    seed: int = 1
    shuffle: bool = True  # a new order of the examples each epoch (fastText reads file order)
    encoding_errors: str = "strict"  # invalid UTF-8: stop naming the byte offset, or "replace"
    tokenizer: str = "whitespace"  # char or jieba: raw (e.g. Chinese) text is tokenized first

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
        if self.tokenizer not in TOKENIZERS:
            raise WordlabError(f"--tokenizer must be one of {', '.join(TOKENIZERS)}")
        if self.tokenizer == "jieba":
            require_zh("jieba")
        if self.encoding_errors not in ("strict", "replace"):
            raise WordlabError(
                f"--encoding-errors must be strict or replace, not {self.encoding_errors!r}"
            )

    @property
    def rows_bucket(self) -> int:
        """Hash buckets actually allocated: none when there are no word or character n-grams."""
        return self.bucket if (self.word_ngrams > 1 or self.maxn > 0) else 0


class Classifier(Trainer):
    """fastText-style supervised classifier: fit on a labelled file, predict, test, save, load."""

    kind = KIND
    settings_class = ClassifierSettings
    unit = "tok"

    def __init__(self, settings: ClassifierSettings | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.words: list[str] = []
        self.word_counts = np.zeros(0, dtype=np.int64)
        self.labels: list[str] = []
        self.label_counts = np.zeros(0, dtype=np.int64)
        self.wi: np.ndarray | None = None
        self.bucket_rows: np.ndarray | None = None  # hashed rows kept in wi (see bucket_rows)
        self.wo: np.ndarray | None = None
        self.tokens_done = 0
        self._word_index: dict[bytes, int] = {}
        self._label_index: dict[bytes, int] = {}
        self._ex: Examples | None = None
        self._order: tuple[int, np.ndarray] | None = None

    # -- data ------------------------------------------------------------------------------------

    def _build_dictionary(self, tokens: Tokens, path: str | os.PathLike) -> None:
        s = self.settings
        self.words, self.word_counts, self.labels, self.label_counts = dictionary_of(
            tokens, s.label_prefix, s.min_count, s.min_count_label, path
        )
        self._index()

    def _index(self) -> None:
        self._word_index = {encode(w): i for i, w in enumerate(self.words)}
        self._label_index = {encode(w): i for i, w in enumerate(self.labels)}

    def _examples(self, tokens: Tokens) -> Examples:
        """Examples (input rows, label ids) of a token stream, against this model's dictionary."""
        s = self.settings
        return examples_of(
            tokens, self._word_index, self._label_index, s.label_prefix, s.minn, s.maxn,
            s.rows_bucket, s.word_ngrams,
        )  # fmt: skip

    # -- training --------------------------------------------------------------------------------

    def _loss_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Noise table (label counts ** 0.5, fastText's) and Huffman arrays over the labels."""
        s = self.settings
        if s.loss == "hs" and len(self.labels) < 2:
            raise WordlabError("--loss hs needs at least 2 labels")
        return loss_tables(self.label_counts, 0.5 if s.loss == "ns" else None, s.loss == "hs")

    def fit(  # type: ignore[override]
        self,
        corpus: str | os.PathLike | Iterable[str | Sequence[str]],
        epochs: int | None = None,
        *,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_minutes: float | None = None,
    ) -> Classifier:
        """Train on a fastText-format file, or on lines (strings or token lists) in memory."""
        self._reset()
        tokens, name = self._read_corpus(corpus)
        if tokens.tok.shape[0] == 0:  # say so, rather than that it has no labels
            raise WordlabError(f"{name}: the training file is empty")
        self._build_dictionary(tokens, name)
        self.bucket_rows = None
        self._use_examples(tokens, name)
        s = self.settings
        # fastText: input rows uniform in (-1/dim, 1/dim), output rows zero; of the hashed rows
        # (word n-grams, subwords) only those the training examples use (see bucket_rows)
        nwords = len(self.words)
        self.wi = initial_rows(
            s.seed, s.dim, np.concatenate([np.arange(nwords), nwords + self.bucket_rows])
        )
        out_rows = len(self.labels) - 1 if s.loss == "hs" else len(self.labels)
        self.wo = np.zeros((max(out_rows, 1), s.dim), dtype=np.float32)
        self.tokens_done = 0
        self._counters = KernelCounters(self.settings.threads, self.tokens_done)
        return self._train_for(epochs, checkpoint, checkpoint_minutes)  # type: ignore[return-value]

    def _read_corpus(self, corpus: Any) -> tuple[Tokens, str]:
        """Tokens of a training file or of lines in memory, and a name for messages."""
        if isinstance(corpus, (str, os.PathLike)):
            self._corpus_source = {"path": str(Path(corpus).resolve())}
            tokens = read_tokens(corpus, errors=self.settings.encoding_errors)
            return self._spaced(tokens), str(corpus)
        if isinstance(corpus, bytes):
            raise WordlabError("a corpus is a path or an iterable of lines, not bytes")
        self._corpus_source = None
        try:
            lines = [line if isinstance(line, str) else " ".join(line) for line in corpus]
        except TypeError:
            raise WordlabError(
                f"a corpus is a path or an iterable of lines, not {type(corpus).__name__}"
            ) from None
        data = "".join(line.replace("\n", " ") + "\n" for line in lines)
        return self._spaced(tokenize_bytes(encode(data))), "the training lines"

    def _spaced(self, tokens: Tokens) -> Tokens:
        """With the char or jieba tokenizer, each line's words re-tokenized (raw text), labels kept."""
        s = self.settings
        if s.tokenizer == "whitespace":
            return tokens
        data = retokenize_labelled(
            tokens.tok, tokens.distinct, s.tokenizer, s.label_prefix, s.threads
        )
        return tokenize_bytes(data)

    def _use_examples(self, tokens: Tokens, name: str) -> None:
        if tokens.tok.shape[0] == 0:
            raise WordlabError(f"{name}: the training file is empty")
        ex = self._examples(tokens)
        usable = np.count_nonzero((np.diff(ex.in_ptr) > 0) & (np.diff(ex.lab_ptr) > 0))
        if usable == 0:
            raise WordlabError(f"{name}: no line has both a label and a word")
        inputs, buckets = compact_rows(ex.inputs, len(self.words))
        if self.bucket_rows is None:
            self.bucket_rows = buckets
        elif self.bucket_rows.size == self.settings.rows_bucket:
            inputs = ex.inputs  # a model that keeps every hashed row (wordlab before 0.7)
        elif not np.array_equal(buckets, self.bucket_rows):
            raise WordlabError(f"{name}: its examples do not use this model's rows")
        ex.inputs = inputs
        self._ex = ex
        self._total_tokens = int(ex.ntokens.sum())
        self._tables = self._loss_tables()
        self._order = None

    def _attach(self, corpus: Any) -> None:
        if corpus is None and self._ex is not None:
            return
        if corpus is None:
            if not self._corpus_source:
                raise WordlabError(
                    "this model was fitted on lines in memory; pass them again: train(corpus=...)"
                )
            corpus = self._corpus_source["path"]
        tokens, name = self._read_corpus(corpus)
        self._use_examples(tokens, name)
        self._counters = KernelCounters(self.settings.threads, self.tokens_done)

    def _trained(self) -> bool:
        return self.wi is not None

    def _n_jobs(self, epoch: int) -> int:
        self._counters = self._counters.for_threads(self.settings.threads)
        n = self._ex.ntokens.shape[0]
        if self._order is None or self._order[0] != epoch:
            # a new order of the examples each epoch: sorted files (all of one label, then the
            # next) train as well as shuffled ones; fixed by (seed, epoch), so runs repeat
            order = np.arange(n, dtype=np.int64)
            if self.settings.shuffle:
                order = np.random.default_rng([self.settings.seed, epoch]).permutation(n)
            self._order = (epoch, order)
        return -(-n // JOB_EXAMPLES)

    def _epoch_units(self) -> float:
        return float(self._total_tokens)

    @property
    def learning_rate(self) -> float:
        """fastText's linearly decayed rate at the current point of the schedule."""
        s = self.settings
        if self._ex is None:
            return s.lr
        return s.lr * max(1.0 - self._counters.done / (s.epochs * self._total_tokens), 0.0)

    def _run_job(self, epoch: int, job: int, worker: int) -> Sequence[float]:
        s, ex = self.settings, self._ex
        first = job * JOB_EXAMPLES
        last = min(first + JOB_EXAMPLES, ex.ntokens.shape[0])
        before = self._counters.begin(worker)
        noise, codes, points, offsets = self._tables
        classifier_kernels.train_supervised(
            self.wi, self.wo, ex.in_ptr, ex.inputs, ex.lab_ptr, ex.labels, ex.ntokens,
            self._order[1], first, last, s.lr, float(s.epochs * self._total_tokens),
            _LOSS_CODE[s.loss], noise, s.neg, codes, points, offsets,
            job_seed(s.seed, epoch, job), s.lr_update_rate, self._counters.progress,
            self._counters.losses, worker,
        )  # fmt: skip
        return self._counters.job_totals(worker, before)

    def _make_vectors(self) -> Vectors:
        """The words' input rows (the classifier's word embeddings)."""
        return Vectors(self.words, self.wi[: len(self.words)], self.word_counts)

    # -- prediction ------------------------------------------------------------------------------

    def _require_trained(self) -> None:
        if self.wi is None or self.wo is None:
            raise WordlabError("the classifier is not trained (call fit or load a model)")

    def _predict_examples(
        self, ex: Examples, k: int, threshold: float
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
        # the rows these examples use, hashed rows never trained at their initial values
        used = np.unique(ex.inputs)
        rows = rows_of(self.wi, len(self.words), self.bucket_rows, used, s.seed)
        inputs = np.searchsorted(used, ex.inputs).astype(np.int32)
        return classifier_kernels.predict_top_k(
            rows, self.wo, ex.in_ptr, inputs, _LOSS_CODE[s.loss], codes, points, offsets,
            min(k, len(self.labels)), float(threshold),
        )  # fmt: skip

    def input_matrix(self) -> np.ndarray:
        """fastText's whole input matrix (words, then every bucket), as its `.bin` holds it."""
        self._require_trained()
        s = self.settings
        return full_matrix(self.wi, len(self.words), self.bucket_rows, s.rows_bucket, s.seed)

    def predict(
        self, texts: Sequence[str] | str, k: int = 1, threshold: float = 0.0
    ) -> list[list[tuple[str, float]]]:
        """Top-k (label, probability) pairs of each text, best first, probabilities >= threshold."""
        self._require_trained()
        if isinstance(texts, str):
            texts = [texts]
        data = b"".join(encode(t).replace(b"\n", b" ") + b"\n" for t in texts)
        ex = self._examples(self._spaced(tokenize_bytes(data)))
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
        ex = self._examples(self._spaced(read_tokens(path, "input file")))
        top, prob = self._predict_examples(ex, k, threshold)
        return [
            [(self.labels[j], float(p)) for j, p in zip(row, prow, strict=True) if j >= 0]
            for row, prow in zip(top, prob, strict=True)
        ]

    def test(self, path: str | os.PathLike, k: int = 1, threshold: float = 0.0) -> TestResult:
        """fastText's test: N examples with labels, precision at k and recall at k."""
        self._require_trained()
        tokens = self._spaced(read_tokens(path, "test file"))
        if tokens.tok.shape[0] == 0:
            raise WordlabError(f"{path}: the test file is empty")
        ex = self._examples(tokens)
        top, _ = self._predict_examples(ex, k, threshold)
        return precision_recall(top, ex.lab_ptr, ex.labels, np.diff(ex.in_ptr) > 0, k)

    # -- files -----------------------------------------------------------------------------------

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {
            "wi": self.wi,
            "wo": self.wo,
            "words": pack_words(self.words),
            "word_counts": self.word_counts,
            "labels": pack_words(self.labels),
            "label_counts": self.label_counts,
            "bucket_rows": self.bucket_rows,
        }
        done = self._counters.done if self._ex is not None else self.tokens_done
        return arrays, {"tokens_done": done}

    def _restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.wi = np.ascontiguousarray(arrays["wi"])
        self.wo = np.ascontiguousarray(arrays["wo"])
        if "words" in arrays:
            self.words = unpack_words(arrays["words"])
            self.labels = unpack_words(arrays["labels"])
        else:  # wordlab 0.1's layout
            self.words = _unpack(arrays["word_bytes"], arrays["word_offsets"])
            self.labels = _unpack(arrays["label_bytes"], arrays["label_offsets"])
        self.word_counts = arrays["word_counts"]
        self.label_counts = arrays["label_counts"]
        self.tokens_done = int(meta.get("tokens_done", 0))
        self._index()
        every = np.arange(self.settings.rows_bucket, dtype=np.int64)  # wordlab before 0.7
        self.bucket_rows = arrays.get("bucket_rows", every)
        if self.wi.shape[0] != len(self.words) + self.bucket_rows.size:
            raise WordlabError(
                f"the model's input matrix has {self.wi.shape[0]} rows, expected "
                f"{len(self.words)} words + {self.bucket_rows.size} hashed rows"
            )

    def _export(self, path: str | os.PathLike, format: str) -> Path:  # noqa: A002
        if format != "fasttext":
            raise WordlabError(f"Classifier models save as 'wordlab' or 'fasttext', not {format!r}")
        from wordlab.fasttext_format import fasttext_bin_from_model

        return fasttext_bin_from_model(self, path)


def _unpack(buf: np.ndarray, offsets: np.ndarray) -> list[str]:
    data = buf.tobytes()
    return [decode(data[a:b]) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
