"""word2vec (Mikolov et al. 2013): skip-gram and CBOW with negative sampling and/or hierarchical
softmax, trained as the C tool trains them, on wordlab's encoded corpus.

    w2v = Word2Vec(model="sg", loss="ns", dim=100, sample=1e-4).fit("corpus.txt")
    w2v.vectors.most_similar("king")
    w2v.save("model/w2v")          # input + output weights and settings
    Word2Vec.load("model/w2v")

The numeric work is in wordlab.kernels.word2vec; this module builds the tables, splits the corpus
into jobs, runs the threads and reports progress.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from wordlab.corpus import EncodedCorpus, TextOptions, load_corpus
from wordlab.errors import WordlabError
from wordlab.modelio import load_model, save_model
from wordlab.progress import Progress
from wordlab.vectors import Vectors
from wordlab.vocab import Vocab, huffman_codes, keep_probabilities, noise_table

MODELS = ("sg", "cbow")
LOSSES = ("ns", "hs", "both")
# Tokens per job: small enough for a live progress bar and even thread loads, large enough
# that the Python call per job costs nothing (about 0.1 s of training each).
JOB_TOKENS = 1 << 17
_MASK64 = (1 << 64) - 1


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

    @property
    def learning_rate(self) -> float:
        """The starting learning rate: `lr`, or the C tool's default for the architecture."""
        if self.lr is not None:
            return float(self.lr)
        return 0.025 if self.model == "sg" else 0.05


def _job_seed(seed: int, epoch: int, job: int) -> np.uint64:
    # splitmix64 of (seed, epoch, job): each job's random stream is fixed whatever thread runs it
    z = (seed * 0x9E3779B97F4A7C15 + (epoch << 32) + job + 1) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return np.uint64(z ^ (z >> 31))


class Word2Vec:
    """Trainer and trained model: `fit(corpus)` learns `.vectors` (and the output weights)."""

    def __init__(
        self,
        model: str = "cbow",
        loss: str = "ns",
        *,
        settings: Word2VecSettings | None = None,
        progress: bool = True,
        **kwargs: Any,
    ) -> None:
        if settings is None:
            settings = Word2VecSettings(model=model, loss=loss, **kwargs)
        elif kwargs:
            raise WordlabError("pass either settings or keyword settings, not both")
        self.settings = settings
        self.progress = progress
        self.vocab: Vocab | None = None
        self.syn0: np.ndarray | None = None
        self.syn1: np.ndarray | None = None
        self.syn1neg: np.ndarray | None = None
        self.stats: dict[str, float] = {}

    @property
    def vectors(self) -> Vectors:
        """The input vectors (what word2vec writes out) as a Vectors object."""
        if self.syn0 is None or self.vocab is None:
            raise WordlabError("the model is not trained yet: call fit() or load()")
        return Vectors(self.vocab.words, self.syn0, self.vocab.counts)

    def fit(
        self,
        corpus: str | os.PathLike | EncodedCorpus,
        text_options: TextOptions = TextOptions(),
    ) -> Word2Vec:
        """Train on a text file (encoded once and cached), an encoded folder or an EncodedCorpus."""
        from wordlab.kernels.word2vec import train_range

        s = self.settings
        wall_start = time.perf_counter()
        enc = load_corpus(corpus, text_options, progress=self.progress)
        vocab = Vocab.from_corpus(enc, s.min_count, s.max_vocab)
        v, dim = len(vocab), s.dim
        use_hs = s.loss in ("hs", "both")
        negative = 0 if s.loss == "hs" else s.negative
        train_words = int(vocab.counts.sum())
        total_words = float(s.epochs * train_words)

        rng = np.random.default_rng(s.seed)
        # word2vec.c initialises input vectors uniformly in [-0.5, 0.5) / dim, outputs at zero
        syn0 = ((rng.random((v, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
        syn1neg = np.zeros((v if negative else 1, dim), dtype=np.float32)
        syn1 = np.zeros((v - 1 if use_hs else 1, dim), dtype=np.float32)
        keep = keep_probabilities(vocab.counts, s.sample)
        noise = noise_table(vocab.counts, 0.75) if negative else np.zeros(1, dtype=np.int32)
        if use_hs:
            codes, points, offsets = huffman_codes(vocab.counts)
        else:
            codes = np.zeros(0, dtype=np.uint8)
            points = np.zeros(0, dtype=np.int32)
            offsets = np.zeros(1, dtype=np.int64)
        tokens = np.asarray(enc.tokens)
        line_starts = np.ascontiguousarray(enc.line_starts, dtype=np.int64)
        counter = np.zeros(1, dtype=np.int64)
        lr0 = s.learning_rate

        n = enc.n_tokens
        bounds = list(range(0, n, JOB_TOKENS)) + [n]
        jobs = [
            (epoch, j, bounds[j], bounds[j + 1])
            for epoch in range(s.epochs)
            for j in range(len(bounds) - 1)
        ]

        def run(job: tuple[int, int, int, int]) -> tuple[float, int, int]:
            epoch, j, start, end = job
            return train_range(
                tokens, start, end, line_starts, v, syn0, syn1, syn1neg, keep, s.sample > 0,
                noise, negative, codes, points, offsets, use_hs, s.model == "sg", s.cbow_mean,
                s.window, lr0, total_words, counter, _job_seed(s.seed, epoch, j),
            )  # fmt: skip

        run((0, 0, 0, 0))  # compile (or load the cached kernel) before the clock starts
        lock = threading.Lock()
        state = {"next": 0, "loss": 0.0, "pred": 0, "stop": False}
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                while True:
                    with lock:
                        i = state["next"]
                        state["next"] += 1
                    if i >= len(jobs) or state["stop"]:
                        return
                    loss, pred, _ = run(jobs[i])
                    with lock:
                        state["loss"] += loss
                        state["pred"] += pred
            except BaseException as exc:  # surfaced in the main thread
                errors.append(exc)
                state["stop"] = True

        desc = f"word2vec {s.model}-{s.loss}"
        train_start = time.perf_counter()
        threads = [threading.Thread(target=worker, daemon=True) for _ in range(s.threads)]
        with Progress(total_words, desc, unit="word", enabled=self.progress) as bar:
            for t in threads:
                t.start()
            shown, last_loss, last_pred = 0, 0.0, 0
            try:
                while True:
                    alive = [t for t in threads if t.is_alive()]
                    if not alive:
                        break
                    alive[0].join(timeout=0.5)
                    done = int(counter[0])
                    with lock:
                        loss, pred = state["loss"], state["pred"]
                    values = {"lr": lr0 * max(1.0 - done / (total_words + 1), 1e-4)}
                    if pred > last_pred:
                        values["loss"] = (loss - last_loss) / (pred - last_pred)
                        last_loss, last_pred = loss, pred
                    bar.update(done - shown, **values)
                    shown = done
                bar.update(int(counter[0]) - shown)
            except KeyboardInterrupt:
                state["stop"] = True
                for t in threads:
                    t.join()
                raise
        if errors:
            raise errors[0]
        train_seconds = time.perf_counter() - train_start

        self.vocab, self.syn0, self.syn1, self.syn1neg = vocab, syn0, syn1, syn1neg
        self.stats = {
            "train_words": float(train_words),
            "words_processed": float(counter[0]),
            "train_seconds": train_seconds,
            "words_per_second": counter[0] / max(train_seconds, 1e-9),
            "wall_seconds": time.perf_counter() - wall_start,
            "final_loss": state["loss"] / max(state["pred"], 1),
        }
        return self

    def save(self, path: str | os.PathLike) -> None:
        """Write the model (vocabulary, input and output weights, settings) as path.npz + path.json."""
        if self.syn0 is None or self.vocab is None:
            raise WordlabError("the model is not trained yet: nothing to save")
        arrays = {
            "words": np.frombuffer("\n".join(self.vocab.words).encode("utf-8"), dtype=np.uint8),
            "counts": self.vocab.counts,
            "syn0": self.syn0,
            "syn1": self.syn1,
            "syn1neg": self.syn1neg,
        }
        meta = {"kind": "word2vec", "settings": asdict(self.settings), "stats": self.stats}
        save_model(path, arrays, meta)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Word2Vec:
        """Read a model written by `save`."""
        arrays, meta = load_model(path, kind="word2vec")
        known = {f.name for f in fields(Word2VecSettings)}
        settings = Word2VecSettings(**{k: v for k, v in meta["settings"].items() if k in known})
        model = cls(settings=settings, progress=False)
        words = arrays["words"].tobytes().decode("utf-8").split("\n")
        model.vocab = Vocab(words, arrays["counts"])
        model.syn0, model.syn1, model.syn1neg = arrays["syn0"], arrays["syn1"], arrays["syn1neg"]
        model.stats = meta.get("stats", {})
        return model
