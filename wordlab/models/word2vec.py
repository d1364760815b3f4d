"""word2vec (Mikolov et al. 2013): skip-gram and CBOW with negative sampling and/or hierarchical
softmax, trained as the C tool trains them, on wordlab's encoded corpus.

    w2v = Word2Vec(model="sg", loss="ns", dim=100, sample=1e-4).fit("corpus.txt")
    w2v.wv.most_similar("king")
    w2v.save("w2v.wordlab")          # input + output weights, settings and training state
    Word2Vec.load("w2v.wordlab").train(epochs=1)

The numeric work is in wordlab.kernels.word2vec; this module builds the tables and cuts the
corpus into jobs of JOB_TOKENS tokens, each with its own random stream, so any thread may run any
job and a run stopped between two jobs resumes exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wordlab.corpus import EncodedCorpus
from wordlab.errors import WordlabError
from wordlab.modelio import pack_words, unpack_words
from wordlab.models.base import Trainer
from wordlab.models.threads import job_seed
from wordlab.vectors import Vectors
from wordlab.vocab import Vocab, keep_probabilities, loss_tables, tree_leaves

MODELS = ("sg", "cbow")
LOSSES = ("ns", "hs", "both")
# Tokens per job: small enough for a live progress bar and even thread loads, large enough
# that the Python call per job costs nothing (about 0.1 s of training each).
JOB_TOKENS = 1 << 17


@dataclass
class Word2VecSettings:
    """word2vec's hyper-parameters, defaulting to word2vec.c's (except threads); saved with the model."""

    model: str = "cbow"  # -cbow 1
    loss: str = "ns"  # -hs 0 -negative 5; "both" = -hs 1 -negative N
    dim: int = 100  # -size
    window: int = 5
    negative: int = 5
    sample: float = 1e-3
    epochs: int = 5  # -iter
    min_count: int = 5
    max_vocab: int | None = None
    lr: float | None = None  # -alpha: 0.025 for sg, 0.05 for cbow
    cbow_mean: bool = True  # -cbow uses the mean of the context vectors; False sums them
    threads: int = 2
    seed: int = 1
    # skip-gram: update each output row once per window from all its contexts (HogBatch-style)
    batch_window: bool = False

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise WordlabError(f"--model must be one of {', '.join(MODELS)}, got {self.model!r}")
        if self.loss not in LOSSES:
            raise WordlabError(f"--loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        for name in ("dim", "window", "epochs", "threads", "min_count"):
            if getattr(self, name) < 1:
                raise WordlabError(f"--{name.replace('_', '-')} must be at least 1")
        if self.negative < 0 or (self.loss != "hs" and self.negative < 1):
            raise WordlabError("--negative must be at least 1 with --loss ns or both")
        if self.sample < 0:
            raise WordlabError(f"--sample must be >= 0, got {self.sample}")
        if self.lr is not None and self.lr <= 0:
            raise WordlabError(f"--lr must be positive, got {self.lr}")
        if self.batch_window and self.model != "sg":
            raise WordlabError(
                "--batch-window applies to --model sg (CBOW updates once per window)"
            )

    @property
    def learning_rate(self) -> float:
        """The starting learning rate: `lr`, or the C tool's default for the architecture."""
        if self.lr is not None:
            return float(self.lr)
        return 0.025 if self.model == "sg" else 0.05


class Word2Vec(Trainer):
    """Trainer and trained model: `fit(corpus)` learns `.wv` (and the output weights)."""

    kind = "word2vec"
    settings_class = Word2VecSettings

    def __init__(self, settings: Word2VecSettings | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.vocab: Vocab | None = None
        self.syn0: np.ndarray | None = None
        self.syn1: np.ndarray | None = None
        self.syn1neg: np.ndarray | None = None
        self.counter = np.zeros(1, dtype=np.int64)  # words read over the whole run (lr schedule)
        self._corpus: EncodedCorpus | None = None
        self._leaves: np.ndarray | None = None  # the Huffman tree's leaf order (saved with it)

    def _prepare(self, corpus: EncodedCorpus) -> None:
        s = self.settings
        vocab = Vocab.from_corpus(corpus, s.min_count, s.max_vocab)
        v, dim = len(vocab), s.dim
        rng = np.random.default_rng(s.seed)
        # input vectors uniform in [-1, 1) / dim as gensim (and fastText) start them, outputs at
        # zero; word2vec.c's [-0.5, 0.5) / dim scored 1-2 WS353 points lower in every mode on
        # text8's prefix (two seeds each, bench/RESULTS.md), most in hierarchical softmax
        self.syn0 = ((rng.random((v, dim), dtype=np.float32) - 0.5) * 2 / dim).astype(np.float32)
        self.syn1neg = np.zeros((v if s.loss != "hs" else 1, dim), dtype=np.float32)
        self.syn1 = np.zeros((v - 1 if s.loss != "ns" else 1, dim), dtype=np.float32)
        self.vocab = vocab
        self.counter[0] = 0
        self._leaves = None
        self._use_corpus(corpus)

    def _use_corpus(self, corpus: EncodedCorpus) -> None:
        """Tables that follow from the vocabulary and the corpus (the tree's leaf order is saved)."""
        s = self.settings
        counts = self.vocab.counts
        self._corpus = corpus
        self._tokens = np.asarray(corpus.tokens)
        self._line_starts = np.ascontiguousarray(corpus.line_starts, dtype=np.int64)
        self._keep = keep_probabilities(counts, s.sample)
        if s.loss != "ns":
            trained = bool(self.epochs_done or self.cursor)
            self._leaves = tree_leaves(counts, corpus, self._leaves, trained)
        self._noise, self._codes, self._points, self._offsets = loss_tables(
            counts, None if s.loss == "hs" else 0.75, s.loss != "ns", self._leaves
        )
        self._train_words = int(counts.sum())

    def _trained(self) -> bool:
        return self.syn0 is not None

    def _n_jobs(self, epoch: int) -> int:
        return -(-self._corpus.n_tokens // JOB_TOKENS)

    def _epoch_units(self) -> float:
        return float(self._train_words)

    @property
    def learning_rate(self) -> float:
        """The C tool's linearly decayed rate at the current point of the schedule."""
        s = self.settings
        total = s.epochs * self._train_words if self._corpus is not None else 1.0
        return s.learning_rate * max(1.0 - self.counter[0] / (total + 1.0), 1e-4)

    def _run_job(self, epoch: int, job: int, worker: int) -> Sequence[float]:
        from wordlab.kernels.word2vec import train_range

        s = self.settings
        start = job * JOB_TOKENS
        end = min(start + JOB_TOKENS, self._corpus.n_tokens)
        loss, pred, words = train_range(
            self._tokens, start, end, self._line_starts, len(self.vocab), self.syn0, self.syn1,
            self.syn1neg, self._keep, s.sample > 0, self._noise,
            0 if s.loss == "hs" else s.negative, self._codes, self._points, self._offsets,
            s.loss != "ns", s.model == "sg", s.cbow_mean, s.window, s.learning_rate,
            float(s.epochs * self._train_words), self.counter, job_seed(s.seed, epoch, job),
            s.batch_window,
        )  # fmt: skip
        self._corpus.release(start, end)
        return (loss, pred, words)

    def _make_vectors(self) -> Vectors:
        """The input vectors (what word2vec writes out)."""
        return Vectors(self.vocab.words, self.syn0, self.vocab.counts)

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {
            "words": pack_words(self.vocab.words),
            "counts": self.vocab.counts,
            "syn0": self.syn0,
            "syn1": self.syn1,
            "syn1neg": self.syn1neg,
            "counter": self.counter,
        }
        if self._leaves is not None:
            arrays["tree_leaves"] = self._leaves.astype(np.int32)
        return arrays, {}

    def _restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.vocab = Vocab(unpack_words(arrays["words"]), arrays["counts"])
        self.syn0 = np.ascontiguousarray(arrays["syn0"])
        self.syn1 = np.ascontiguousarray(arrays["syn1"])
        self.syn1neg = np.ascontiguousarray(arrays["syn1neg"])
        self._leaves = arrays.get("tree_leaves")
        if "counter" in arrays:
            self.counter = np.array(arrays["counter"], dtype=np.int64).reshape(1)
