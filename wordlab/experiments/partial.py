"""GloVe runs that span sittings: a checkpoint and the points scored so far, kept in the cache.

The paper grid's GloVe runs at 400-600 dimensions take one to two hours each, so a sitting that
ends inside one (Ctrl-C, the end of a working session) used to lose it whole. Every GloVe run of
an experiment now checkpoints its model to OUT/cache/partial/ every CHECKPOINT_MINUTES (and where
Ctrl-C stops it), beside a JSON file of the points scored so far and the wall time spent; the
next sitting continues from there. With one thread the same seed gives the same vectors either
way (the trainers' contract: checkpoints fall between jobs). Both files go once the run is done.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wordlab.fileio import atomic_open
from wordlab.models.base import TrainingInterrupted
from wordlab.models.glove import GloVe, GloVeSettings
from wordlab.vocab import Vocab

CHECKPOINT_MINUTES = 10.0
SETTINGS_THAT_MAY_CHANGE = ("threads",)


@dataclass
class PartialRun:
    """Where one run's checkpoint (`model_file`) and its progress (`progress_file`) are kept."""

    model_file: Path
    progress_file: Path
    points: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    earlier_seconds: float = 0.0  # wall time of the sittings before this one

    @classmethod
    def of(cls, cache: Path, key: str) -> PartialRun:
        name = hashlib.sha1(key.encode()).hexdigest()[:16]
        return cls(cache / "partial" / f"{name}.wordlab", cache / "partial" / f"{name}.json")

    def epochs_done(self) -> int:
        """How far the run got in earlier sittings, as last recorded (0 if it never started)."""
        if not self.progress_file.exists():
            return 0
        return int(json.loads(self.progress_file.read_text()).get("epochs_done", 0))

    def train(
        self,
        settings: dict[str, Any],
        records: Path,
        vocab: Vocab,
        progress: bool,
        after_epoch: Callable[[GloVe], dict[str, Any] | None],
    ) -> GloVe:
        """Train GloVe on a shuffled co-occurrence file, from the checkpoint if there is one.

        `after_epoch(model)` runs after every epoch (and once on resuming, for an epoch whose
        point the interruption cut off) and returns the point to keep for that epoch, or None.
        """
        started = time.perf_counter()
        partial = self

        class AfterEpoch:  # a trainer callback (models.base): called with the model after each epoch
            def on_epoch_end(self, model: GloVe) -> None:
                partial._score(model, after_epoch)
                partial._save_progress(model, started)

        resumed = self._resume(settings, records)
        model = resumed or GloVe(**settings, progress=progress)
        model.progress, model.callbacks = progress, [AfterEpoch()]
        if resumed and model.cursor == 0:
            self._score(model, after_epoch)  # the interruption may have cut its last point off
        if resumed and progress:
            print(f"[experiment] resumed from its checkpoint: {model.epochs_done} epochs done")
        checkpointed = model.epochs_done  # what the checkpoint holds until the next save
        try:
            if resumed is None:
                model.fit_cooccurrences(records, vocab, **self._checkpoints())
            elif model.epochs_done < model.settings.epochs:
                model.train(**self._checkpoints())
        except KeyboardInterrupt as stop:
            saved = isinstance(stop, TrainingInterrupted)  # a checkpoint written just now
            done = model.epochs_done if saved else checkpointed
            self._save_progress(model, started, done)
            raise KeyboardInterrupt from None  # the experiment has no --resume: it resumes itself
        return model

    def clear(self) -> None:
        """Forget the checkpoint: the run's record is complete."""
        self.model_file.unlink(missing_ok=True)
        self.progress_file.unlink(missing_ok=True)

    def _checkpoints(self) -> dict[str, Any]:
        self.model_file.parent.mkdir(parents=True, exist_ok=True)
        return {"checkpoint": self.model_file, "checkpoint_minutes": CHECKPOINT_MINUTES}

    def _resume(self, settings: dict[str, Any], records: Path) -> GloVe | None:
        """The checkpointed model if it was trained with these settings, with its points."""
        if not self.model_file.exists():
            return None
        model = GloVe.load(self.model_file)
        saved = dataclasses.asdict(model.settings)
        wanted = dataclasses.asdict(GloVeSettings(**settings))
        if any(saved[k] != wanted[k] for k in wanted if k not in SETTINGS_THAT_MAY_CHANGE):
            self.clear()  # not this run's (the folder's vocabulary or seed is checked elsewhere)
            return None
        for k in SETTINGS_THAT_MAY_CHANGE:
            setattr(model.settings, k, wanted[k])
        model.records_path = records.resolve()
        if self.progress_file.exists():
            saved_progress = json.loads(self.progress_file.read_text())
            self.earlier_seconds = float(saved_progress.get("wall_seconds", 0.0))
            # points past the checkpoint are scored again when training gets there
            self.points = [p for p in saved_progress["points"] if p["epochs"] <= model.epochs_done]
        return model

    def _score(self, model: GloVe, after_epoch: Callable[[GloVe], dict[str, Any] | None]) -> None:
        if any(p["epochs"] == model.epochs_done for p in self.points):
            return
        point = after_epoch(model)
        if point is not None:
            self.points.append(point)

    def _save_progress(self, model: GloVe, started: float, epochs_done: int | None = None) -> None:
        record = {
            "epochs_done": model.epochs_done if epochs_done is None else epochs_done,
            "wall_seconds": self.earlier_seconds + time.perf_counter() - started,
            "points": self.points,
        }
        self.progress_file.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.progress_file, "w") as fh:
            json.dump(record, fh, indent=1)
