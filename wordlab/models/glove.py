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
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from wordlab.cooccur import (
    RECORD,
    CooccurSettings,
    count_cooccurrences,
    read_records,
    shuffle_records,
)
from wordlab.corpus import EncodedCorpus, TextOptions, load_corpus
from wordlab.errors import WordlabError
from wordlab.kernels.glove import train_records
from wordlab.modelio import load_model, save_model
from wordlab.progress import Progress
from wordlab.vectors import Vectors
from wordlab.vocab import Vocab

OUTPUTS = ("sum", "word", "concat")


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

    def check(self) -> None:
        """Reject impossible settings with a message naming the option."""
        for name in ("dim", "epochs", "threads", "min_count"):
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
        return CooccurSettings(
            self.window, self.symmetric, self.distance_weighting, self.memory, self.threads
        )


class GloVe:
    """A GloVe model: `GloVe(dim=100, window=10).fit("corpus.txt").vectors.most_similar("king")`."""

    def __init__(self, settings: GloVeSettings | None = None, **kwargs) -> None:
        known = {f.name for f in fields(GloVeSettings)}
        unknown = set(kwargs) - known
        if unknown:
            raise WordlabError(f"unknown GloVe setting(s): {', '.join(sorted(unknown))}")
        self.settings = settings or GloVeSettings(**kwargs)
        self.settings.check()
        self.vocab: Vocab | None = None
        self.params: np.ndarray | None = None
        self.gradsq: np.ndarray | None = None
        self.epochs_done = 0
        self.costs: list[float] = []
        self.epoch_seconds: list[float] = []

    # -- the whole pipeline -------------------------------------------------------------------
    def fit(
        self,
        corpus: str | os.PathLike | EncodedCorpus,
        workdir: str | os.PathLike | None = None,
        text: TextOptions = TextOptions(),
        progress: bool = True,
        on_epoch=None,
    ) -> GloVe:
        """Vocabulary, co-occurrences, shuffle and training on a text file (or encoded corpus).

        Intermediate files (vocab.txt, cooccurrence.bin, cooccurrence.shuf.bin) go to `workdir`
        when given, else to a temporary folder that is removed afterwards. `on_epoch(model)` runs
        after every epoch (the CLI saves a checkpoint there).
        """
        s = self.settings
        tmp = None
        if workdir is None:
            tmp = tempfile.mkdtemp(prefix="wordlab-glove-")
            workdir = tmp
        work = Path(workdir)
        work.mkdir(parents=True, exist_ok=True)
        try:
            enc = load_corpus(
                corpus, text, cache_dir=work / "corpus" if tmp is None else None, progress=progress
            )
            vocab = Vocab.from_corpus(enc, s.min_count, s.max_vocab)
            vocab.save(work / "vocab.txt")
            count_cooccurrences(
                enc, vocab, work / "cooccurrence.bin", s.cooccur_settings(), progress=progress
            )
            shuffle_records(
                work / "cooccurrence.bin", work / "cooccurrence.shuf.bin", s.memory, s.seed
            )
            self.train(work / "cooccurrence.shuf.bin", vocab, progress=progress, on_epoch=on_epoch)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        return self

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
        self.epochs_done = 0
        self.costs = []

    def train(
        self,
        cooccurrences: str | os.PathLike,
        vocab: Vocab | None = None,
        epochs: int | None = None,
        progress: bool = True,
        on_epoch=None,
    ) -> GloVe:
        """Run AdaGrad epochs over a (shuffled) co-occurrence file; continues a loaded model.

        Trains until `epochs` (default settings.epochs) epochs are done in total, so a resumed
        model picks up at the next epoch. `on_epoch(model)` is called after each epoch.
        """
        s = self.settings
        if self.params is None:
            if vocab is None:
                raise WordlabError("a vocabulary is needed to start training")
            self.initialize(vocab)
        assert self.vocab is not None and self.params is not None and self.gradsq is not None
        n = read_records(cooccurrences).shape[0]  # checks the file; epochs read it in chunks
        V = len(self.vocab)
        target = epochs if epochs is not None else s.epochs
        T = s.threads
        bounds = [n * t // T for t in range(T + 1)]
        while self.epochs_done < target:
            epoch = self.epochs_done + 1
            bar = Progress(n, f"epoch {epoch}/{target}", "rec", progress)
            start = time.perf_counter()
            cost, bad, out_of_range = self._run_epoch(Path(cooccurrences), bounds, bar)
            bar.close()
            self.epoch_seconds.append(time.perf_counter() - start)
            cost /= n
            if out_of_range:
                raise WordlabError(
                    f"{cooccurrences}: {out_of_range} records have word ids outside 1..{V}; "
                    "the co-occurrence file does not match the vocabulary"
                )
            if bad or not np.isfinite(cost) or not np.isfinite(self.params).all():
                raise WordlabError(
                    f"training diverged in epoch {epoch}: the cost became NaN or infinite "
                    f"({bad} non-finite updates); lower --lr or --x-max, or check the co-occurrence file"
                )
            self.costs.append(cost)
            self.epochs_done = epoch
            if progress:
                print(
                    f"epoch {epoch:3d}  cost {cost:.6f}  {self.epoch_seconds[-1]:.1f}s", flush=True
                )
            if on_epoch is not None:
                on_epoch(self)
        return self

    def _run_epoch(self, path: Path, bounds: list[int], bar: Progress) -> tuple[float, int, int]:
        """One epoch: thread t trains on records [bounds[t], bounds[t+1]), Hogwild.

        Returns the summed (cost, non-finite records, out-of-range records).
        """
        s = self.settings
        V = self.params.shape[0] // 2
        results = [(0.0, 0, 0)] * (len(bounds) - 1)

        def work(t: int) -> None:
            cost, bad, out = 0.0, 0, 0
            for a in range(bounds[t], bounds[t + 1], 1 << 20):  # 1M records (16 MB) at a time
                b = min(a + (1 << 20), bounds[t + 1])
                chunk = np.fromfile(path, dtype=RECORD, count=b - a, offset=a * RECORD.itemsize)
                c, k, o = train_records(
                    chunk["word1"], chunk["word2"], chunk["value"], 0, b - a, self.params, self.gradsq, V,
                    s.x_max, s.alpha, s.lr, s.grad_clip,
                )  # fmt: skip
                cost += c
                bad += k
                out += o
                bar.update(b - a)
            results[t] = (cost, bad, out)

        if len(results) == 1:
            work(0)
        else:
            workers = [threading.Thread(target=work, args=(t,)) for t in range(len(results))]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        return tuple(sum(r[i] for r in results) for i in range(3))  # type: ignore[return-value]

    # -- results ------------------------------------------------------------------------------
    @property
    def vectors(self) -> Vectors:
        """The word vectors as configured by settings.output (W + W~ by default)."""
        if self.params is None or self.vocab is None:
            raise WordlabError("the model is not trained yet")
        V, d = len(self.vocab), self.settings.dim
        word, context = self.params[:V, :d], self.params[V:, :d]
        if self.settings.output == "word":
            matrix = word.copy()
        elif self.settings.output == "concat":
            matrix = np.hstack([word, context])
        else:
            matrix = word + context
        return Vectors(list(self.vocab.words), matrix.astype(np.float32), self.vocab.counts.copy())

    def save(self, path: str | os.PathLike) -> Path:
        """Save parameters, AdaGrad state, vocabulary and settings (`path.npz` + `path.json`)."""
        if self.params is None or self.vocab is None:
            raise WordlabError("the model is not trained yet")
        settings = {
            "kind": "glove",
            "settings": asdict(self.settings),
            "epochs_done": self.epochs_done,
            "costs": self.costs,
            "words": self.vocab.words,
        }
        arrays = {"params": self.params, "gradsq": self.gradsq, "counts": self.vocab.counts}
        return save_model(path, arrays, settings)

    @classmethod
    def load(cls, path: str | os.PathLike) -> GloVe:
        """Load a model saved by `save`, ready to use or to train further (exact resume)."""
        arrays, meta = load_model(path, kind="glove")
        model = cls(GloVeSettings(**meta["settings"]))
        model.vocab = Vocab(list(meta["words"]), arrays["counts"])
        model.params = np.ascontiguousarray(arrays["params"], dtype=np.float32)
        model.gradsq = np.ascontiguousarray(arrays["gradsq"], dtype=np.float32)
        model.epochs_done = int(meta["epochs_done"])
        model.costs = list(meta["costs"])
        return model
