"""fastText word vectors (Bojanowski et al. 2017): skip-gram / CBOW over words and their subwords.

A word is represented by its own input row and the rows of its character n-grams (minn..maxn
characters of `<word>`, hashed into `bucket` rows, see wordlab.subwords); its vector is the mean
of those rows, so a word never seen in training still gets a vector from its n-grams.

    ft = FastText(model="sg", minn=3, maxn=6).fit("corpus.txt")
    ft.wv["king"], ft.wv["unseenword"]      # the second built from its n-grams
    ft.save("ft.wordlab"); FastText.load("ft.wordlab")
    ft.save("ft.bin", format="fasttext")    # fastText's own .bin (gensim and fastText read it)

The numeric work is in wordlab.kernels.fasttext, with the objectives of wordlab.kernels.objectives
(the same ones word2vec and the classifier use).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.corpus import EncodedCorpus
from wordlab.errors import WordlabError
from wordlab.kernels import fasttext as K
from wordlab.modelio import pack_words, unpack_words
from wordlab.models.base import Trainer
from wordlab.models.bucket_rows import compact_rows, full_matrix, initial_rows, rows_of
from wordlab.models.threads import KernelCounters, job_seed
from wordlab.subwords import ngram_rows, subword_table
from wordlab.vectors import Vectors
from wordlab.vocab import Vocab, keep_probabilities, loss_tables, tree_leaves

MODELS = ("sg", "cbow")
LOSSES = ("ns", "hs", "softmax")
_LOSS_CODE = {"softmax": K.SOFTMAX, "hs": K.HS, "ns": K.NS}
JOB_TOKENS = 1 << 16  # tokens per job: a checkpoint can fall between any two


@dataclass
class FastTextSettings:
    """fastText's unsupervised hyper-parameters and defaults (args.cc); saved with the model."""

    model: str = "sg"
    loss: str = "ns"
    dim: int = 100
    window: int = 5  # -ws
    epochs: int = 5
    lr: float = 0.05
    neg: int = 5
    min_count: int = 5
    max_vocab: int | None = None
    minn: int = 3
    maxn: int = 6
    bucket: int = 2_000_000
    sample: float = 1e-4  # -t
    ns_exponent: float = 0.5  # noise ~ count**ns_exponent (fastText 0.5; word2vec, gensim 0.75)
    lr_update_rate: int = 100
    threads: int = 2
    seed: int = 1

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise WordlabError(f"--model must be one of {', '.join(MODELS)}, not {self.model!r}")
        if self.loss not in LOSSES:
            raise WordlabError(f"--loss must be one of {', '.join(LOSSES)}, not {self.loss!r}")
        for name in ("dim", "window", "epochs", "threads", "min_count", "lr_update_rate"):
            if getattr(self, name) < 1:
                raise WordlabError(f"--{name.replace('_', '-')} must be at least 1")
        if self.lr <= 0:
            raise WordlabError(f"--lr must be positive, got {self.lr}")
        if self.bucket < 0 or self.minn < 0 or self.maxn < 0 or self.sample < 0:
            raise WordlabError("--bucket, --minn, --maxn and --sample must not be negative")
        if not np.isfinite(self.ns_exponent):
            raise WordlabError(f"--ns-exponent must be a finite number, got {self.ns_exponent}")
        if self.loss == "ns" and self.neg < 1:
            raise WordlabError("--neg must be at least 1 with --loss ns")
        if self.maxn > 0 and self.minn > self.maxn:
            raise WordlabError(f"--minn ({self.minn}) must not exceed --maxn ({self.maxn})")

    @property
    def rows_bucket(self) -> int:
        """Hash buckets allocated: none when maxn == 0 (plain word vectors, as fastText)."""
        return self.bucket if self.maxn > 0 else 0


class SubwordVectors(Vectors):
    """Vectors of the vocabulary that also answer any other word from its character n-grams."""

    def __init__(self, model: FastText, matrix: np.ndarray) -> None:
        super().__init__(model.vocab.words, matrix, model.vocab.counts)
        self._model = model

    def __contains__(self, word: object) -> bool:
        """True for any word with a vector: a known word, or one with n-grams (as gensim's)."""
        return isinstance(word, str) and (
            super().__contains__(word) or self._model.subword_rows(word).size > 0
        )

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector of any word: its row if known, else the mean of its n-gram rows."""
        if super().__contains__(key):
            return super().get_vector(key, norm=norm)
        rows = self._model.subword_rows(key)
        if rows.size == 0:
            raise WordlabError(f"word {key!r} is unknown and has no character n-grams")
        v = self._model.word_vector(key)
        return v / max(float(np.linalg.norm(v)), 1e-12) if norm else v

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, str):
            return self.get_vector(key)
        return np.vstack([self.get_vector(k) for k in key])


class FastText(Trainer):
    """Trainer and trained model of fastText subword vectors."""

    kind = "fasttext"
    settings_class = FastTextSettings

    def __init__(self, settings: FastTextSettings | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.vocab: Vocab | None = None
        self.wi: np.ndarray | None = None
        self.wo: np.ndarray | None = None
        self.sub_ptr: np.ndarray | None = None
        self.sub_ids: np.ndarray | None = None
        self.bucket_rows: np.ndarray | None = None  # the buckets with a row in wi, sorted
        self.tokens_done = 0  # known tokens read over the whole run (the lr schedule)
        self._corpus: EncodedCorpus | None = None
        self._leaves: np.ndarray | None = None  # the Huffman tree's leaf order (saved with it)

    # -- training --------------------------------------------------------------------------------
    def _prepare(self, corpus: EncodedCorpus) -> None:
        s = self.settings
        self.vocab = Vocab.from_corpus(corpus, s.min_count, s.max_vocab)
        nwords = len(self.vocab)
        self._subword_table(self.vocab.words)
        # fastText: input rows uniform in (-1/dim, 1/dim), output rows zero; of the bucket rows
        # only those some n-gram of the vocabulary hashes into (see bucket_rows)
        kept = np.concatenate([np.arange(nwords), nwords + self.bucket_rows])
        self.wi = initial_rows(s.seed, s.dim, kept)
        self.wo = np.zeros((nwords - 1 if s.loss == "hs" else nwords, s.dim), dtype=np.float32)
        self.tokens_done = 0
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
        if s.loss == "hs":
            trained = bool(self.epochs_done or self.cursor)
            self._leaves = tree_leaves(counts, corpus, self._leaves, trained)
        self._noise, self._codes, self._points, self._offsets = loss_tables(
            counts, s.ns_exponent if s.loss == "ns" else None, s.loss == "hs", self._leaves
        )
        self._train_words = int(counts.sum())
        self._counters = KernelCounters(s.threads, self.tokens_done)

    def _trained(self) -> bool:
        return self.wi is not None

    def _n_jobs(self, epoch: int) -> int:
        self._counters = self._counters.for_threads(self.settings.threads)
        return -(-self._corpus.n_tokens // JOB_TOKENS)

    def _epoch_units(self) -> float:
        return float(self._train_words)

    @property
    def learning_rate(self) -> float:
        """fastText's linearly decayed rate at the current point of the schedule."""
        s = self.settings
        if self._corpus is None:
            return s.lr
        return s.lr * max(1.0 - self._counters.done / (s.epochs * self._train_words), 0.0)

    def _run_job(self, epoch: int, job: int, worker: int) -> Sequence[float]:
        s = self.settings
        start = job * JOB_TOKENS
        end = min(start + JOB_TOKENS, self._corpus.n_tokens)
        before = self._counters.begin(worker)
        K.train_subwords(
            self.wi, self.wo, self._tokens, self._line_starts, start, end, len(self.vocab),
            self.sub_ptr, self.sub_ids, self._keep, s.model == "sg", s.window, s.lr,
            float(s.epochs * self._train_words), _LOSS_CODE[s.loss], self._noise, s.neg,
            self._codes, self._points, self._offsets, job_seed(s.seed, epoch, job),
            s.lr_update_rate, self._counters.progress, self._counters.losses, worker,
        )  # fmt: skip
        self._corpus.release(start, end)
        return self._counters.job_totals(worker, before)

    # -- vectors ---------------------------------------------------------------------------------
    def _make_vectors(self) -> SubwordVectors:
        """Vectors of the vocabulary (each the mean of its rows), answering unseen words too."""
        return SubwordVectors(self, K.mean_rows_table(self.wi, self.sub_ptr, self.sub_ids))

    def _subword_table(self, words: list[str], every_bucket: bool = False) -> None:
        """Each word's input rows (its own, then its n-grams'), and the bucket rows they keep.

        `every_bucket`: wi holds every bucket (models saved before buckets were kept sparsely).
        """
        s = self.settings
        ptr, full_ids = subword_table(words, s.minn, s.maxn, s.rows_bucket)
        self.sub_ptr = ptr
        if every_bucket:
            self.sub_ids, self.bucket_rows = full_ids, np.arange(s.rows_bucket, dtype=np.int64)
        else:
            self.sub_ids, self.bucket_rows = compact_rows(full_ids, len(words))

    def subword_rows(self, word: str) -> np.ndarray:
        """Rows of fastText's full input matrix that make up `word`: its own, then its n-grams'."""
        s = self.settings
        i = self.vocab.index.get(word)
        if i is not None:
            ids = self.sub_ids[self.sub_ptr[i] : self.sub_ptr[i + 1]].astype(np.int64)
            hashed = ids >= len(self.vocab)
            ids[hashed] = len(self.vocab) + self.bucket_rows[ids[hashed] - len(self.vocab)]
            return ids
        if s.rows_bucket == 0:
            return np.zeros(0, dtype=np.int64)
        return ngram_rows(word, s.minn, s.maxn, s.rows_bucket, len(self.vocab)).astype(np.int64)

    def word_vector(self, word: str) -> np.ndarray:
        """Vector of any word, seen or not; zeros for an unseen word with no n-grams (as fastText)."""
        rows = self.subword_rows(word)
        if rows.size == 0:
            return np.zeros(self.settings.dim, dtype=np.float32)
        values = rows_of(self.wi, len(self.vocab), self.bucket_rows, rows, self.settings.seed)
        return values.mean(axis=0).astype(np.float32)

    def input_matrix(self) -> np.ndarray:
        """fastText's whole input matrix (words, then every bucket), as its `.bin` holds it."""
        s = self.settings
        return full_matrix(self.wi, len(self.vocab), self.bucket_rows, s.rows_bucket, s.seed)

    # -- files -----------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {
            "wi": self.wi,
            "wo": self.wo,
            "words": pack_words(self.vocab.words),
            "counts": self.vocab.counts,
            "bucket_rows": self.bucket_rows,
        }
        if self._leaves is not None:
            arrays["tree_leaves"] = self._leaves.astype(np.int32)
        done = self._counters.done if self._corpus is not None else self.tokens_done
        return arrays, {"tokens_done": done}

    def _restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        if "words" in arrays:
            words = unpack_words(arrays["words"])
            counts = arrays["counts"]
        else:  # wordlab 0.1's layout
            data, offs = arrays["word_bytes"].tobytes(), arrays["word_offsets"].tolist()
            words = [data[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:], strict=True)]
            counts = arrays["word_counts"]
        self.vocab = Vocab(words, counts)
        self.wi = np.ascontiguousarray(arrays["wi"])
        self.wo = np.ascontiguousarray(arrays["wo"])
        self.tokens_done = int(meta.get("tokens_done", 0))
        self._leaves = arrays.get("tree_leaves")
        self._subword_table(words, every_bucket="bucket_rows" not in arrays)
        if "bucket_rows" in arrays and not np.array_equal(arrays["bucket_rows"], self.bucket_rows):
            raise WordlabError("the model's bucket rows do not match its words and settings")
        if self.wi.shape[0] != len(words) + self.bucket_rows.size:
            raise WordlabError(
                f"the model's input matrix has {self.wi.shape[0]} rows, expected "
                f"{len(words)} words + {self.bucket_rows.size} buckets"
            )

    def _export(self, path: str | os.PathLike, format: str) -> Path:  # noqa: A002
        if format != "fasttext":
            raise WordlabError(f"FastText models save as 'wordlab' or 'fasttext', not {format!r}")
        from wordlab.fasttext_format import fasttext_bin_from_model

        return fasttext_bin_from_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> FastText:
        """Read a model written by save(); a folder means its `model.wordlab` (or older model.bin)."""
        p = Path(path)
        if p.is_dir():
            p = p / "model" if (p / "model.wordlab").exists() else p / "model.bin"
        return super().load(p)  # type: ignore[return-value]
