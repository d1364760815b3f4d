"""fastText word vectors (Bojanowski et al. 2017): skip-gram / CBOW over words and their subwords.

A word is represented by its own input row and the rows of its character n-grams (minn..maxn
characters of `<word>`, hashed into `bucket` rows, see wordlab.subwords); its vector is the mean
of those rows, so a word never seen in training still gets a vector from its n-grams.

    ft = FastText(FastTextSettings(model="sg", minn=3, maxn=6)).fit("corpus.txt")
    ft.vectors                       # Vectors of the vocabulary (what fastText writes to .vec)
    ft.word_vector("unseenword")     # from its n-grams
    ft.save("out/model.bin"); FastText.load("out/model.bin")

The numeric work is in wordlab.kernels.fasttext, with the objectives of wordlab.kernels.objectives
(the same ones word2vec and the classifier use).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.corpus import EncodedCorpus, TextOptions, load_corpus
from wordlab.errors import WordlabError
from wordlab.kernels import fasttext as K
from wordlab.modelio import load_model, save_model
from wordlab.progress import Progress
from wordlab.subwords import ngram_rows, pack_strings, subword_table
from wordlab.vectors import Vectors
from wordlab.vocab import Vocab, huffman_codes, keep_probabilities, noise_table

MODELS = ("sg", "cbow")
LOSSES = ("ns", "hs", "softmax")
_LOSS_CODE = {"softmax": K.SOFTMAX, "hs": K.HS, "ns": K.NS}
KIND = "fasttext"
MODEL_NAME = "model.bin"  # the model inside an output folder: model.bin.npz + model.bin.json


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
    seed: int = 0

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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FastTextSettings:
        """Settings from a saved model's JSON, ignoring unknown keys."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class FastText:
    """Trainer and trained model of fastText subword vectors."""

    def __init__(
        self, settings: FastTextSettings | None = None, progress: bool = True, **overrides: Any
    ) -> None:
        base = asdict(settings) if settings is not None else {}
        base.update(overrides)
        self.settings = FastTextSettings(**base)
        self.progress = progress
        self.vocab: Vocab | None = None
        self.wi: np.ndarray | None = None
        self.wo: np.ndarray | None = None
        self.sub_ptr: np.ndarray | None = None
        self.sub_ids: np.ndarray | None = None
        self.loss_history: list[float] = []
        self.stats: dict[str, float] = {}

    # -- training --------------------------------------------------------------------------------

    def fit(
        self,
        corpus: str | os.PathLike | EncodedCorpus,
        text_options: TextOptions | None = None,
    ) -> FastText:
        """Train on a text file (encoded once and cached), an encoded folder or an EncodedCorpus."""
        s = self.settings
        start = time.perf_counter()
        enc = load_corpus(corpus, text_options or TextOptions(), progress=self.progress)
        vocab = Vocab.from_corpus(enc, s.min_count, s.max_vocab)
        self.vocab = vocab
        nwords = len(vocab)
        self.sub_ptr, self.sub_ids = subword_table(vocab.words, s.minn, s.maxn, s.rows_bucket)
        rng = np.random.default_rng(s.seed)
        # fastText: input rows uniform in (-1/dim, 1/dim), output rows zero
        wi = rng.random((nwords + s.rows_bucket, s.dim), dtype=np.float32)
        wi *= np.float32(2.0 / s.dim)
        wi -= np.float32(1.0 / s.dim)
        self.wi = wi
        self.wo = np.zeros((nwords - 1 if s.loss == "hs" else nwords, s.dim), dtype=np.float32)
        noise = (
            noise_table(vocab.counts, s.ns_exponent) if s.loss == "ns" else np.zeros(1, np.int32)
        )
        if s.loss == "hs":
            codes, points, offsets = huffman_codes(vocab.counts)
        else:
            codes, points, offsets = (
                np.zeros(1, np.uint8),
                np.zeros(1, np.int32),
                np.zeros(2, np.int64),
            )
        keep = keep_probabilities(vocab.counts, s.sample)
        tokens = np.asarray(enc.tokens)
        line_starts = np.ascontiguousarray(enc.line_starts, dtype=np.int64)
        train_words = int(vocab.counts.sum())
        n = tokens.shape[0]
        threads = max(1, min(s.threads, n))
        bounds = [n * t // threads for t in range(threads + 1)]
        prog = np.zeros((threads, 8), dtype=np.int64)
        losses = np.zeros((threads, 8), dtype=np.float64)

        def work(t: int) -> None:
            K.train_subwords(
                self.wi, self.wo, tokens, line_starts, bounds[t], bounds[t + 1], nwords,
                self.sub_ptr, self.sub_ids, keep, s.model == "sg", s.window, s.epochs, s.lr,
                train_words, _LOSS_CODE[s.loss], noise, s.neg, codes, points, offsets,
                s.seed + t + 1, s.lr_update_rate, prog, losses, t,
            )  # fmt: skip

        t0 = time.perf_counter()
        self.loss_history = run_threads(
            work, threads, prog, losses, s.epochs * train_words, self.progress, "words"
        )
        elapsed = time.perf_counter() - t0
        self.stats = {
            "train_seconds": elapsed,
            "total_seconds": time.perf_counter() - start,
            "words_per_second": s.epochs * train_words / max(elapsed, 1e-9),
            "final_loss": self.loss_history[-1] if self.loss_history else float("nan"),
        }
        return self

    # -- vectors ---------------------------------------------------------------------------------

    def _require_trained(self) -> None:
        if self.wi is None or self.vocab is None:
            raise WordlabError("the model is not trained yet: call fit() or load()")

    @property
    def vectors(self) -> Vectors:
        """Vectors of the vocabulary: each the mean of the word's row and its n-gram rows."""
        self._require_trained()
        matrix = K.mean_rows_table(self.wi, self.sub_ptr, self.sub_ids)
        return Vectors(self.vocab.words, matrix, self.vocab.counts)

    def subword_rows(self, word: str) -> np.ndarray:
        """Input rows that make up `word`: its own row if known, then its n-gram rows."""
        self._require_trained()
        i = self.vocab.index.get(word)
        if i is not None:
            return self.sub_ids[self.sub_ptr[i] : self.sub_ptr[i + 1]]
        s = self.settings
        if s.rows_bucket == 0:
            return np.zeros(0, dtype=np.int32)
        return ngram_rows(word, s.minn, s.maxn, s.rows_bucket, len(self.vocab))

    def word_vector(self, word: str) -> np.ndarray:
        """Vector of any word, seen or not; zeros for an unseen word with no n-grams (as fastText)."""
        rows = self.subword_rows(word)
        if rows.size == 0:
            return np.zeros(self.settings.dim, dtype=np.float32)
        return self.wi[rows].mean(axis=0).astype(np.float32)

    # -- files -----------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model (`path.npz` + `path.json`): weights, vocabulary and settings."""
        self._require_trained()
        wbuf, woff = pack_strings(self.vocab.words)
        arrays = {
            "wi": self.wi,
            "wo": self.wo,
            "word_bytes": wbuf,
            "word_offsets": woff,
            "word_counts": self.vocab.counts,
        }
        return save_model(path, arrays, {"kind": KIND, **asdict(self.settings)})

    @classmethod
    def load(cls, path: str | os.PathLike) -> FastText:
        """Read a model written by save(); a folder means its `model.bin`."""
        p = Path(path)
        if p.is_dir():
            p = p / MODEL_NAME
        arrays, settings = load_model(p, KIND)
        model = cls(FastTextSettings.from_dict(settings), progress=False)
        data = arrays["word_bytes"].tobytes()
        offs = arrays["word_offsets"].tolist()
        words = [data[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:], strict=True)]
        model.vocab = Vocab(words, arrays["word_counts"])
        model.wi = arrays["wi"]
        model.wo = arrays["wo"]
        s = model.settings
        model.sub_ptr, model.sub_ids = subword_table(words, s.minn, s.maxn, s.rows_bucket)
        return model


def run_threads(
    work: Callable[[int], None],
    threads: int,
    prog: np.ndarray,
    losses: np.ndarray,
    total: float,
    progress: bool,
    unit: str = "tok",
) -> list[float]:
    """Run work(t) on `threads` Python threads (nogil kernels); show progress and mean loss.

    Kernels publish their token counts in prog[t, 0] and (loss sum, steps) in losses[t, :2];
    returns the running mean loss sampled about every 0.2 s (the last entry is the final one).
    """
    errors: list[BaseException] = []

    def guarded(t: int) -> None:
        try:
            work(t)
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    pool = [threading.Thread(target=guarded, args=(t,), daemon=True) for t in range(threads)]
    history: list[float] = []
    with Progress(total, "training", unit, progress) as bar:
        for th in pool:
            th.start()
        shown = 0
        while any(th.is_alive() for th in pool):
            time.sleep(0.2)
            done = int(prog[:, 0].sum())
            steps = losses[:, 1].sum()
            if steps:
                history.append(float(losses[:, 0].sum() / steps))
                bar.update(done - shown, loss=history[-1])
            else:
                bar.update(done - shown)
            shown = done
        for th in pool:
            th.join()
        bar.update(int(prog[:, 0].sum()) - shown)
    if errors:
        raise errors[0]
    steps = losses[:, 1].sum()
    if steps:
        history.append(float(losses[:, 0].sum() / steps))
    return history
