"""The NER tagger: a trained CRFsuite model that tags sentences, and its save/load format.

A trained tagger is saved as a directory: CRFsuite's own model file `model.crfsuite` and
`ner.json` (settings, chosen parameters, scale factors, embedder specs, dev scores). No pickle.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pycrfsuite

from wordlab.errors import WordlabError
from wordlab.evaluation.ner.conll import Sentence, require_tags
from wordlab.evaluation.ner.embedders import Embedder, embedder_from_spec, embedder_spec
from wordlab.evaluation.ner.features import Featurizer
from wordlab.evaluation.ner.scoring import score
from wordlab.evaluation.ner.settings import NerSettings
from wordlab.fileio import atomic_open, atomic_path, require_file
from wordlab.progress import Progress

FORMAT = "wordlab-ner"
FORMAT_VERSION = 1
MODEL_FILE = "model.crfsuite"
SETTINGS_FILE = "ner.json"


class CrfTrainer(pycrfsuite.Trainer):
    """CRFsuite trainer that reports iterations to a Progress instead of printing logs."""

    progress: Progress | None = None

    def on_iteration(self, log, info):  # noqa: D102 (CRFsuite callback)
        if self.progress is not None:
            self.progress.update(1, loss=float(info.get("loss", 0.0)))

    def on_start(self, log):  # noqa: D102
        pass

    def on_featgen_progress(self, log, percent):  # noqa: D102
        pass

    def on_featgen_end(self, log):  # noqa: D102
        pass

    def on_prepared(self, log):  # noqa: D102
        pass

    def on_optimization_end(self, log):  # noqa: D102
        pass

    def on_end(self, log):  # noqa: D102
        pass


@dataclass
class NerTagger:
    """A trained CRF tagger plus what it needs to featurize new sentences the same way."""

    model: bytes = field(repr=False)  # CRFsuite model file contents
    settings: NerSettings
    n_columns: int
    embedders: list[Embedder] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    params: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)  # dev scores, timings: saved alongside
    # per embedder, the k-means centroids of its cluster features (character features)
    centroids: list[list[np.ndarray]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self.model)
        self._featurizer = Featurizer(
            self.settings, self.n_columns, self.embedders, self.scales, self.centroids or None
        )

    @property
    def labels(self) -> list[str]:
        """Tags the CRF can output (IOB2)."""
        return list(self._tagger.labels())

    def tag(self, sentences: Sequence[Sentence], quiet: bool = True) -> list[list[str]]:
        """Predicted IOB2 tags for each sentence."""
        out = []
        with Progress(len(sentences), "tagging", "sent", enabled=not quiet) as bar:
            for items in self._featurizer.items(sentences):
                out.append(list(self._tagger.tag(items)) if items else [])
                bar.update(1)
        return out

    def evaluate(self, sentences: Sequence[Sentence], quiet: bool = True) -> dict[str, Any]:
        """Tag gold-tagged sentences and score them (see `score`)."""
        require_tags(sentences, "evaluation data")
        return score([s.tags for s in sentences], self.tag(sentences, quiet=quiet))

    def save(self, directory: str | os.PathLike) -> Path:
        """Write `model.crfsuite` (CRFsuite's format) and `ner.json` into `directory`."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        specs = [embedder_spec(e) for e in self.embedders]
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "settings": asdict(self.settings),
            "n_columns": self.n_columns,
            "params": self.params,
            "labels": self.labels,
            "embedders": [
                spec if spec is not None else {"kind": None, "name": e.name, "dim": e.dim}
                for spec, e in zip(specs, self.embedders, strict=True)
            ],
            "scales": self.scales,
            "centroids": [[np.asarray(c).tolist() for c in cs] for cs in self.centroids],
            "info": self.info,
        }
        with atomic_path(d / MODEL_FILE) as tmp:
            tmp.write_bytes(self.model)
        with atomic_open(d / SETTINGS_FILE, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, indent=2)
            fh.write("\n")
        return d

    @classmethod
    def load(
        cls, directory: str | os.PathLike, embedders: Sequence[Embedder] | None = None
    ) -> NerTagger:
        """Load a saved tagger; its embedders are rebuilt from their specs unless given here."""
        d = Path(directory)
        meta_path = require_file(d / SETTINGS_FILE, "NER tagger settings")
        model_path = require_file(d / MODEL_FILE, "NER tagger model")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise WordlabError(f"{meta_path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise WordlabError(
                f"{meta_path}: not a {FORMAT} v{FORMAT_VERSION} tagger "
                f"(format {meta.get('format')!r}, version {meta.get('version')!r})"
            )
        specs = meta["embedders"]
        if embedders is None:
            embedders = [embedder_from_spec(s) for s in specs]
        if len(embedders) != len(specs):
            raise WordlabError(
                f"{meta_path}: tagger was trained with {len(specs)} embedder(s), "
                f"{len(embedders)} given"
            )
        for e, s in zip(embedders, specs, strict=True):
            if int(e.dim) != int(s["dim"]):
                raise WordlabError(
                    f"{meta_path}: embedder {s.get('name')!r} had {s['dim']} dimensions, "
                    f"the one given has {e.dim}"
                )
        return cls(
            model=model_path.read_bytes(),
            settings=NerSettings.from_dict(meta["settings"]),
            n_columns=int(meta["n_columns"]),
            embedders=list(embedders),
            scales=[float(x) for x in meta["scales"]],
            params=meta.get("params", {}),
            info=meta.get("info", {}),
            centroids=[
                [np.asarray(c, dtype=np.float64) for c in cs] for cs in meta.get("centroids", [])
            ],
        )
