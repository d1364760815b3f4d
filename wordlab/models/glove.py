"""GloVe (Pennington, Socher and Manning 2014): weighted least squares on log co-occurrences.

The pipeline is GloVe's four stages, each usable alone: vocabulary (wordlab.vocab), co-occurrence
counts (wordlab.cooccur), shuffle, and training here. Training minimises
sum f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2 with AdaGrad over the non-zero entries, in the
shuffled order, with glove.c's update and defaults. The state (parameters and AdaGrad's squared
gradients) saves and reloads exactly, so a run resumes where it stopped.

Threads update shared parameters without locks (Hogwild), as glove.c does: with more than one
thread, results vary slightly from run to run; with one thread and a seed they repeat exactly.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.cooccur import (
    RECORD,
    CooccurSettings,
    count_cooccurrences,
    read_records,
    shuffle_records,
)
from wordlab.corpus import EncodedCorpus
from wordlab.errors import WordlabError
from wordlab.kernels.glove import train_records
from wordlab.modelio import pack_words, unpack_words
from wordlab.models.base import Trainer
from wordlab.textread import TextOptions
from wordlab.vectors import Vectors
from wordlab.vocab import Vocab

OUTPUTS = ("sum", "word", "concat")
CHUNK_RECORDS = 1 << 20  # one job: 1M records (16 MB) read from the shuffled file


@dataclass
class GloVeSettings:
    """Every GloVe hyper-parameter, with glove.c's defaults; saved inside each model."""

    dim: int = 100
    window: int = 10
    symmetric: bool = True
    distance_weighting: bool = True
    min_count: int = 5
    max_vocab: int | None = None
    epochs: int = 15
    x_max: float = 100.0
    alpha: float = 0.75
    lr: float = 0.05
    grad_clip: float = 100.0
    threads: int = 2
    memory: float = 4.0
    seed: int = 1
    output: str = "sum"  # W + W~ (glove.c's -model 2), "word" (W), "concat" ([W, W~])

    def __post_init__(self) -> None:
        for name in ("dim", "epochs", "threads", "min_count", "window"):
            if getattr(self, name) < 1:
                raise WordlabError(
                    f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}"
                )
        for name in ("x_max", "alpha", "lr", "grad_clip", "memory"):
            if not getattr(self, name) > 0:
                raise WordlabError(
                    f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}"
                )
        if self.output not in OUTPUTS:
            raise WordlabError(
                f"--vectors-output must be one of {', '.join(OUTPUTS)}, not {self.output!r}"
            )

    def cooccur_settings(self) -> CooccurSettings:
        """The counting stage's settings (window, weighting, memory, threads)."""
        return CooccurSettings(
            self.window, self.symmetric, self.distance_weighting, self.memory, self.threads
        )


class GloVe(Trainer):
    """A GloVe model: `GloVe(dim=100, window=10).fit("corpus.txt").wv.most_similar("king")`."""

    kind = "glove"
    settings_class = GloVeSettings
    unit = "rec"

    def __init__(self, settings: GloVeSettings | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.vocab: Vocab | None = None
        self.params: np.ndarray | None = None
        self.gradsq: np.ndarray | None = None
        self.records_path: Path | None = None
        self._n_records = 0
        self._workdir: Path | None = None

    # -- the whole pipeline -------------------------------------------------------------------
    def fit(  # type: ignore[override]
        self,
        corpus: str | os.PathLike | EncodedCorpus | Any,
        epochs: int | None = None,
        *,
        workdir: str | os.PathLike | None = None,
        text: TextOptions | None = None,
        corpus_cache: str | os.PathLike | None = None,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_minutes: float | None = None,
    ) -> GloVe:
        """Vocabulary, co-occurrences, shuffle and training on a corpus (path or token lists).

        With `workdir`, the stages' files stay there as the CLI leaves them (vocab.txt,
        cooccurrence.bin, cooccurrence.shuf.bin, vectors.txt, model.wordlab, which is saved after
        every epoch); without it they live in a temporary folder kept while the model lives.
        """
        self._workdir = Path(workdir) if workdir is not None else None
        if self._workdir is not None:
            self._workdir.mkdir(parents=True, exist_ok=True)
            checkpoint = checkpoint or self._workdir / "model"
        super().fit(
            corpus, epochs, text=text, corpus_cache=corpus_cache, checkpoint=checkpoint,
            checkpoint_minutes=checkpoint_minutes,
        )  # fmt: skip
        if self._workdir is not None:
            self.wv.save(self._workdir / "vectors.txt", "glove")
        return self

    def fit_cooccurrences(
        self,
        cooccurrences: str | os.PathLike,
        vocab: Vocab,
        epochs: int | None = None,
        *,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_minutes: float | None = None,
    ) -> GloVe:
        """Train from scratch on a shuffled co-occurrence file and the vocabulary its ids refer to."""
        self._reset()
        self._use_records(cooccurrences)
        self.initialize(vocab)
        return self._train_for(epochs, checkpoint, checkpoint_minutes)  # type: ignore[return-value]

    def _prepare(self, corpus: EncodedCorpus) -> None:
        s = self.settings
        if self._workdir is None:
            self._workdir = Path(self._scratch().name)
        work = self._workdir
        vocab = Vocab.from_corpus(corpus, s.min_count, s.max_vocab)
        vocab.save(work / "vocab.txt")
        count_cooccurrences(
            corpus, vocab, work / "cooccurrence.bin", s.cooccur_settings(), progress=self.progress
        )
        shuffle_records(work / "cooccurrence.bin", work / "cooccurrence.shuf.bin", s.memory, s.seed)
        self._use_records(work / "cooccurrence.shuf.bin")
        self.initialize(vocab)

    def _scratch(self) -> Any:
        import tempfile

        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="wordlab-glove-")
        return self._tmp

    def _use_records(self, path: str | os.PathLike) -> None:
        self._n_records = read_records(path).shape[0]  # checks the file; jobs read it in chunks
        self.records_path = Path(path).resolve()

    def _attach(self, corpus: Any) -> None:
        """Find the shuffled records again; recount them from the corpus if they are gone."""
        if corpus is None and self.records_path is not None and self.records_path.exists():
            self._use_records(self.records_path)
            return
        if corpus is None and self._corpus_source is None:
            raise WordlabError(
                f"the co-occurrence file {self.records_path} is gone; pass the corpus: "
                "train(corpus=...), or train from a file with fit_cooccurrences"
            )
        enc = self._encoded(corpus, None, None) if corpus is not None else self._reload_corpus()
        saved = self.params, self.gradsq, self.vocab
        self._workdir = None
        self._prepare(enc)  # the same vocabulary and records: counting is deterministic
        if list(saved[2].words) != list(self.vocab.words):
            raise WordlabError("the corpus given does not give this model's vocabulary")
        self.params, self.gradsq, self.vocab = saved

    # -- training -----------------------------------------------------------------------------
    def initialize(self, vocab: Vocab) -> None:
        """Random parameters as glove.c: uniform in [-0.5, 0.5) / dim, squared gradients 1."""
        s = self.settings
        rng = np.random.default_rng(s.seed)
        V = len(vocab)
        self.vocab = vocab
        self.params = ((rng.random((2 * V, s.dim + 1), dtype=np.float32) - 0.5) / s.dim).astype(
            np.float32
        )
        self.gradsq = np.ones((2 * V, s.dim + 1), dtype=np.float32)

    def _trained(self) -> bool:
        return self.params is not None

    def _n_jobs(self, epoch: int) -> int:
        return -(-self._n_records // CHUNK_RECORDS)

    def _epoch_units(self) -> float:
        return float(self._n_records)

    def _run_job(self, epoch: int, job: int, worker: int) -> Sequence[float]:
        s = self.settings
        a = job * CHUNK_RECORDS
        b = min(a + CHUNK_RECORDS, self._n_records)
        chunk = np.fromfile(
            self.records_path, dtype=RECORD, count=b - a, offset=a * RECORD.itemsize
        )
        V = self.params.shape[0] // 2
        cost, bad, out = train_records(
            chunk["word1"], chunk["word2"], chunk["value"], 0, b - a, self.params, self.gradsq, V,
            s.x_max, s.alpha, s.lr, s.grad_clip,
        )  # fmt: skip
        return (cost, b - a, b - a, 0.0, bad, out)

    def _check_epoch(self, acc: np.ndarray, epoch: int) -> None:
        bad, out = int(acc[4]), int(acc[5])
        if out:
            raise WordlabError(
                f"{self.records_path}: {out} records have word ids outside 1..{len(self.vocab)}; "
                "the co-occurrence file does not match the vocabulary"
            )
        if bad or not np.isfinite(acc[0]) or not np.isfinite(self.params).all():
            raise WordlabError(
                f"training diverged in epoch {epoch + 1}: the cost became NaN or infinite "
                f"({bad} non-finite updates); lower --lr or --x-max, or check the co-occurrence file"
            )

    # -- results ------------------------------------------------------------------------------
    def _make_vectors(self) -> Vectors:
        """The word vectors as configured by settings.output (W + W~ by default)."""
        V, d = len(self.vocab), self.settings.dim
        word, context = self.params[:V, :d], self.params[V:, :d]
        if self.settings.output == "word":
            matrix = word.copy()
        elif self.settings.output == "concat":
            matrix = np.hstack([word, context])
        else:
            matrix = word + context
        return Vectors(list(self.vocab.words), matrix.astype(np.float32), self.vocab.counts.copy())

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {
            "params": self.params,
            "gradsq": self.gradsq,
            "counts": self.vocab.counts,
            "words": pack_words(self.vocab.words),
        }
        return arrays, {"records": str(self.records_path) if self.records_path else None}

    def _restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        words = unpack_words(arrays["words"]) if "words" in arrays else list(meta["words"])
        self.vocab = Vocab(words, arrays["counts"])
        self.params = np.ascontiguousarray(arrays["params"], dtype=np.float32)
        self.gradsq = np.ascontiguousarray(arrays["gradsq"], dtype=np.float32)
        if "costs" in meta and not self.losses:  # a model saved by wordlab 0.1
            self.losses = [float(c) for c in meta["costs"]]
        records = meta.get("records")
        self.records_path = Path(records) if records else None
