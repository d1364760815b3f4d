"""The trainer contract that GloVe, Word2Vec, FastText and Classifier share.

    model = Word2Vec(dim=100, epochs=5, seed=1).fit("corpus.txt.xz")   # or a list of token lists
    model.wv.most_similar("king")          # a Vectors, built once
    model.save("w2v.wordlab")              # one file: parameters, optimiser state, settings
    Word2Vec.load("w2v.wordlab").train(epochs=2)

Settings are one dataclass per model with the reference tool's defaults, given as keywords or as
a settings object (both at once only where they agree). `fit(corpus, epochs=N)` and
`train(epochs=N)` run N epochs (default: the rest of the planned `settings.epochs`); learning-rate
schedules span `settings.epochs`, so `fit(epochs=3)` then `train(epochs=2)` equals one 5-epoch
run, bit for bit with one thread; training past the plan extends it (`settings.epochs` grows and
the schedule is recomputed for the new total). Epochs run as numbered jobs through
`models.threads.run_jobs`, so a checkpoint can be taken between any two jobs and a resumed run
repeats exactly; Ctrl-C saves one before stopping. Callbacks are objects with any of gensim's
`on_train_begin`, `on_epoch_begin`, `on_epoch_end`, `on_train_end`, each given the model.

A subclass supplies: `_prepare` (read the corpus, build the vocabulary, initialise), `_attach`
(find the training data again for a loaded model), `_n_jobs`, `_run_job`, `_epoch_units`,
`learning_rate`, `_make_vectors`, `_state` / `_restore` (what a checkpoint holds beyond this
class's own counters).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from wordlab.corpus import EncodedCorpus, load_corpus, write_sentences
from wordlab.errors import WordlabError
from wordlab.modelio import load_model, save_model
from wordlab.models.settings import make_settings, settings_from_dict
from wordlab.models.threads import Interrupted, run_jobs
from wordlab.progress import Progress
from wordlab.textread import TextOptions
from wordlab.vocab import Vocab

CALLBACK_METHODS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")
# accumulators of one epoch: summed loss, loss terms, words (or records / examples), seconds
_LOSS, _TERMS, _UNITS, _SECONDS = range(4)


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training after a checkpoint was written to `checkpoint`."""

    def __init__(self, checkpoint: Path) -> None:
        super().__init__(f"checkpoint saved to {checkpoint}")
        self.checkpoint = checkpoint


class Trainer:
    """Base of every trainer: settings, fit/train by epochs of jobs, callbacks, checkpoints, files."""

    kind: ClassVar[str]
    settings_class: ClassVar[type]
    unit: ClassVar[str] = "words"

    def __init__(
        self,
        settings: Any = None,
        *,
        callbacks: Iterable[Any] = (),
        progress: bool = True,
        **kwargs: Any,
    ) -> None:
        self.settings = make_settings(self.settings_class, settings, kwargs, type(self).__name__)
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not any(hasattr(cb, m) for m in CALLBACK_METHODS):
                raise WordlabError(
                    f"callback {cb!r} has none of the methods {', '.join(CALLBACK_METHODS)}"
                )
        self.progress = progress
        self.epochs_done = 0
        self.cursor = 0  # jobs of the current epoch already done (a checkpoint inside an epoch)
        self.losses: list[float] = []  # mean loss of each epoch
        self.learning_rates: list[float] = []  # learning rate at the end of each epoch
        self.words_per_second: list[float] = []
        self.epoch_seconds: list[float] = []
        self._acc = np.zeros(8, dtype=np.float64)
        self._wv = None
        self._corpus_source: dict[str, Any] | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    # -- what a subclass provides ------------------------------------------------------------------
    def _prepare(self, corpus: EncodedCorpus | Any) -> None:
        raise NotImplementedError

    def _attach(self, corpus: Any) -> None:
        """Make the training corpus available again (a loaded model); it must give the same vocabulary.

        This serves the models trained on an encoded corpus (word2vec, fastText), which keep it as
        `_corpus` and rebuild their tables in `_use_corpus`; GloVe and the classifier override it.
        """
        if corpus is None and getattr(self, "_corpus", None) is not None:
            return
        enc = self._encoded(corpus, None, None) if corpus is not None else self._reload_corpus()
        s = self.settings
        if Vocab.from_corpus(enc, s.min_count, s.max_vocab).words != list(self.vocab.words):
            raise WordlabError("the corpus given does not give this model's vocabulary")
        self._use_corpus(enc)

    def _use_corpus(self, corpus: EncodedCorpus) -> None:
        raise NotImplementedError

    def _n_jobs(self, epoch: int) -> int:
        raise NotImplementedError

    def _run_job(self, epoch: int, job: int, worker: int) -> Sequence[float]:
        raise NotImplementedError

    def _epoch_units(self) -> float:
        raise NotImplementedError

    def _trained(self) -> bool:
        raise NotImplementedError

    def _make_vectors(self) -> Any:
        raise NotImplementedError

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        raise NotImplementedError

    def _restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        raise NotImplementedError

    def _check_epoch(self, acc: np.ndarray, epoch: int) -> None:
        """Reject a finished epoch (e.g. a diverged cost); nothing by default."""

    @property
    def learning_rate(self) -> float:
        """The learning rate the next update would use."""
        return float(getattr(self.settings, "lr", 0.0) or 0.0)

    # -- corpus ------------------------------------------------------------------------------------
    def _encoded(
        self,
        corpus: Any,
        text: TextOptions | None,
        corpus_cache: str | os.PathLike | None,
    ) -> EncodedCorpus:
        """A path (plain or compressed text, or an encoded folder), an EncodedCorpus, or token lists."""
        text = text or TextOptions()
        if isinstance(corpus, EncodedCorpus):
            self._corpus_source = {"encoded": str(corpus.directory)}
            return corpus
        if isinstance(corpus, (str, os.PathLike)):
            enc = load_corpus(corpus, text, corpus_cache, progress=self.progress)
            self._corpus_source = {
                "path": str(Path(corpus).resolve()),
                "text": dataclasses.asdict(text),
                "cache": str(corpus_cache) if corpus_cache else None,
            }
            return enc
        self._tmp = tempfile.TemporaryDirectory(prefix="wordlab-sentences-")
        text_path = write_sentences(corpus, Path(self._tmp.name) / "sentences.txt")
        self._corpus_source = None  # not found again after a save: train(corpus=...) then
        return load_corpus(text_path, text, Path(self._tmp.name) / "encoded", progress=False)

    def _reload_corpus(self) -> EncodedCorpus:
        """The corpus this model was fitted on, found again from what its file says."""
        src = self._corpus_source
        if not src:
            raise WordlabError(
                "this model was fitted on sentences in memory; pass them again: train(corpus=...)"
            )
        if "encoded" in src:
            return load_corpus(src["encoded"])
        if not Path(src["path"]).exists():
            raise WordlabError(
                f"the corpus this model was trained on is gone: {src['path']}; "
                "pass it again: train(corpus=...)"
            )
        return load_corpus(src["path"], TextOptions(**src["text"]), src["cache"], self.progress)

    # -- training ----------------------------------------------------------------------------------
    def fit(
        self,
        corpus: str | os.PathLike | EncodedCorpus | Iterable[Sequence[str]],
        epochs: int | None = None,
        *,
        text: TextOptions | None = None,
        corpus_cache: str | os.PathLike | None = None,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_minutes: float | None = None,
    ) -> Trainer:
        """Build the vocabulary and train from scratch on a corpus: `epochs` of them (default all)."""
        self._reset()
        self._prepare(self._encoded(corpus, text, corpus_cache))
        return self._train_for(epochs, checkpoint, checkpoint_minutes)

    def train(
        self,
        epochs: int | None = None,
        *,
        corpus: Any = None,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_minutes: float | None = None,
    ) -> Trainer:
        """Continue a fitted or loaded model for `epochs` more epochs (default: the rest of its plan)."""
        if not self._trained():
            raise WordlabError("the model is not fitted yet: call fit(corpus) first")
        self._attach(corpus)
        return self._train_for(epochs, checkpoint, checkpoint_minutes)

    def _reset(self) -> None:
        self.epochs_done, self.cursor = 0, 0
        self.losses, self.learning_rates, self.words_per_second, self.epoch_seconds = [], [], [], []
        self._acc[:] = 0.0

    def _train_for(
        self,
        epochs: int | None,
        checkpoint: str | os.PathLike | None,
        checkpoint_minutes: float | None,
    ) -> Trainer:
        s = self.settings
        if epochs is None:
            target = s.epochs
            if self.epochs_done >= target:
                raise WordlabError(
                    f"the model has finished its {s.epochs} epochs; say how many more: train(epochs=N)"
                )
        else:
            if epochs < 1:
                raise WordlabError(f"epochs must be at least 1, got {epochs}")
            target = self.epochs_done + epochs
            if target > s.epochs:
                s.epochs = target  # train past the plan: the schedule now spans the new total
        self._run_epochs(target, checkpoint, checkpoint_minutes)
        return self

    def _callback(self, method: str) -> None:
        for cb in self.callbacks:
            fn = getattr(cb, method, None)
            if fn is not None:
                fn(self)

    def _run_epochs(
        self, target: int, checkpoint: str | os.PathLike | None, minutes: float | None
    ) -> None:
        self._last_save = time.monotonic()
        self._saved: Path | None = None  # the checkpoint last written by this call
        self._wv = None
        self._callback("on_train_begin")
        try:
            while self.epochs_done < target:
                epoch = self.epochs_done
                if self.cursor == 0:
                    self._acc[:] = 0.0
                    self._callback("on_epoch_begin")
                self._run_epoch(epoch, target, checkpoint, minutes)
                self._check_epoch(self._acc, epoch)
                self._finish_epoch(epoch, target)
                if checkpoint and self._checkpoint_due(target, minutes):
                    self._saved = self.save(checkpoint)
                    self._last_save = time.monotonic()
                self._callback("on_epoch_end")
        except KeyboardInterrupt as stop:
            # Ctrl-C between jobs (while a checkpoint is written, say): the last checkpoint
            # written is a clean point to resume from, so say where it is
            if isinstance(stop, TrainingInterrupted) or self._saved is None:
                raise
            raise TrainingInterrupted(self._saved) from None
        self._callback("on_train_end")

    def _checkpoint_due(self, target: int, minutes: float | None) -> bool:
        """At an epoch's end: save after every epoch, or with `minutes` only when that long has
        passed since the last save, and always after the last epoch. A model of a few hundred
        MB written after each of many short epochs would double a short run's time, and Ctrl-C
        saves where it stopped anyway."""
        return (
            minutes is None
            or self.epochs_done >= target
            or time.monotonic() - self._last_save >= 60 * minutes
        )

    def _run_epoch(
        self, epoch: int, target: int, checkpoint: str | os.PathLike | None, minutes: float | None
    ) -> None:
        """The jobs of one epoch from the cursor on, pausing to checkpoint every `minutes`."""
        n_jobs = self._n_jobs(epoch)
        bar = Progress(self._epoch_units(), f"epoch {epoch + 1}/{target}", self.unit, self.progress)
        bar.update(self._acc[_UNITS])
        part = np.zeros_like(self._acc)
        shown = [0.0]

        def poll() -> None:
            bar.update(part[_UNITS] - shown[0], loss=self._mean_loss(part))
            shown[0] = part[_UNITS]

        def due() -> bool:
            return bool(
                checkpoint and minutes and time.monotonic() - self._last_save >= 60 * minutes
            )

        def job(j: int, worker: int) -> Sequence[float]:
            return self._run_job(epoch, j, worker)

        with bar:
            while self.cursor < n_jobs:
                # jobs add onto the epoch's totals so far, in job order (one thread): the sums
                # come out the same however checkpoints cut the epoch (float + is not associative)
                part[:], part[_SECONDS], shown[0] = self._acc, 0.0, self._acc[_UNITS]
                start = time.perf_counter()
                try:
                    self.cursor = run_jobs(
                        n_jobs, job, self.settings.threads, start=self.cursor, totals=part,
                        on_poll=poll, should_pause=due,
                    )  # fmt: skip
                except Interrupted as stop:
                    self.cursor = stop.cursor
                    self._add(part, time.perf_counter() - start)
                    if checkpoint:
                        raise TrainingInterrupted(self.save(checkpoint)) from None
                    raise KeyboardInterrupt from None
                self._add(part, time.perf_counter() - start)
                if self.cursor < n_jobs and checkpoint:
                    self._saved = self.save(checkpoint)
                    self._last_save = time.monotonic()

    def _add(self, part: np.ndarray, seconds: float) -> None:
        part[_SECONDS] = self._acc[_SECONDS] + seconds
        self._acc[:] = part

    @staticmethod
    def _mean_loss(acc: np.ndarray) -> float:
        return float(acc[_LOSS] / acc[_TERMS]) if acc[_TERMS] else float("nan")

    def _finish_epoch(self, epoch: int, target: int) -> None:
        acc = self._acc
        seconds = max(acc[_SECONDS], 1e-9)
        self.losses.append(self._mean_loss(acc))
        self.epoch_seconds.append(float(acc[_SECONDS]))
        self.words_per_second.append(float(acc[_UNITS] / seconds))
        self.learning_rates.append(self.learning_rate)
        self.epochs_done, self.cursor = epoch + 1, 0
        self._wv = None
        if self.progress:
            print(
                f"{self.kind} epoch {epoch + 1}/{target}: loss {self.losses[-1]:.6f}  "
                f"lr {self.learning_rates[-1]:.6g}  {self.words_per_second[-1]:,.0f} {self.unit}/s  "
                f"{self.epoch_seconds[-1]:.1f}s",
                file=sys.stderr,
                flush=True,
            )

    # -- results -----------------------------------------------------------------------------------
    @property
    def wv(self) -> Any:
        """The word vectors (a `Vectors`), built once after training and kept."""
        if not self._trained():
            raise WordlabError("the model is not trained yet: call fit() or load()")
        if self._wv is None:
            self._wv = self._make_vectors()
        return self._wv

    @property
    def vectors(self) -> Any:
        """Same as `wv`."""
        return self.wv

    # -- files -------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, format: str = "wordlab") -> Path:  # noqa: A002
        """Write the model as one `.wordlab` file (or `format="fasttext"` where offered); return its path."""
        if not self._trained():
            raise WordlabError("the model is not trained yet: nothing to save")
        if format != "wordlab":
            return self._export(path, format)
        arrays, meta = self._state()
        meta = {
            "kind": self.kind,
            "settings": dataclasses.asdict(self.settings),
            "epochs_done": self.epochs_done,
            "cursor": self.cursor,
            "accumulators": self._acc.tolist(),
            "losses": self.losses,
            "learning_rates": self.learning_rates,
            "words_per_second": self.words_per_second,
            "epoch_seconds": self.epoch_seconds,
            "corpus": self._corpus_source,
            **meta,
        }
        return save_model(path, arrays, meta)

    def _export(self, path: str | os.PathLike, format: str) -> Path:  # noqa: A002
        raise WordlabError(f"{type(self).__name__} models save as 'wordlab' only, not {format!r}")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Trainer:
        """Read a model saved by `save` (or a checkpoint), ready to use or to train further."""
        arrays, meta = load_model(path, kind=cls.kind)
        model = cls(
            settings_from_dict(cls.settings_class, meta.get("settings", meta)), progress=False
        )
        model.epochs_done = int(meta.get("epochs_done", model.settings.epochs))
        model.cursor = int(meta.get("cursor", 0))
        acc = meta.get("accumulators")
        if acc:
            model._acc[: len(acc)] = acc
        for name in ("losses", "learning_rates", "words_per_second", "epoch_seconds"):
            setattr(model, name, [float(x) for x in meta.get(name, [])])
        model._corpus_source = meta.get("corpus")
        model._restore(arrays, meta)
        return model
