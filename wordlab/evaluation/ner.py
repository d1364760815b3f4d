"""NER as an extrinsic evaluation of word vectors: a CRF tagger on CoNLL-2003 with and without them.

The measurement of the GloVe paper's Table 4: a linear-chain CRF (CRFsuite, through
python-crfsuite) with discrete features, then the same CRF with each dimension of a token's
vector (and its neighbours') added as real-valued features. Scores are entity-level precision,
recall and F1 exactly as conlleval computes them: tags are read as conlleval reads chunks
(`iob1_to_iob2`, applied to gold and predictions alike) and scored by seqeval in strict IOB2.

- Discrete features (`token_features`): word, lower-cased word, shape and short shape, prefixes and
  suffixes up to `affix` characters, capitalisation / digit / hyphen / punctuation flags, for the
  token and its neighbours at -window..+window; the feature columns of the file (POS and chunk in
  CoNLL-2003) at the same positions; lower-cased word, short-shape and column bigrams around the
  token; a flag on every token of an all-capitals sentence (headlines).
- Vector features: for each embedder (see `ner_embedders`) and each position -k..+k (k = 1 by
  default; the GloVe paper used k = 2, which costs about 1.7 times the CRF training time), every
  dimension times one scale factor per embedder, chosen so that the scaled training-set vectors
  have standard deviation `vector_scale` (Turian et al. 2010 scale embeddings the same way).
  OOV tokens have the zero vector plus an OOV indicator feature at that position.
- Training: CRFsuite's L2-regularised SGD ("l2sgd", default) or L-BFGS with L1 + L2 ("lbfgs").
  On CoNLL-2003 (2,000-sentence check) l2sgd with 30 epochs reached a higher dev F1 than lbfgs
  with 100 iterations in half the CPU time; lbfgs needs ~200 iterations on the full set.
- Model selection: every (c1, c2, max_iterations) of the settings' grid is trained on the training
  set and scored on dev; the best dev F1 wins. The test set is tagged once, with that model.
- A trained tagger is saved as a directory: CRFsuite's own model file `model.crfsuite` and
  `ner.json` (settings, chosen parameters, scale factors, embedder specs, dev scores). No pickle.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pycrfsuite
from seqeval.scheme import IOB2, Entities

from wordlab.errors import WordlabError
from wordlab.evaluation.ner_data import TAG_RE, Sentence, iob1_to_iob2, read_conll, read_text
from wordlab.evaluation.ner_embedders import (
    Embedder,
    embedder_from_spec,
    embedder_spec,
    oov_masks,
)
from wordlab.fileio import atomic_open, atomic_path, require_file
from wordlab.progress import Progress

FORMAT = "wordlab-ner"
FORMAT_VERSION = 1
MODEL_FILE = "model.crfsuite"
SETTINGS_FILE = "ner.json"
ENTITY_TYPES_ORDER = ("PER", "LOC", "ORG", "MISC")


@dataclass
class NerSettings:
    """Features and CRF training of the tagger; saved with every trained tagger."""

    window: int = 2  # discrete features of neighbours at -window..+window
    affix: int = 4  # prefixes and suffixes of 1..affix characters
    char_ngrams: int = 0  # character n-grams (2..n, within "<word>") of the token itself; 0: off
    vector_window: int = 1  # vector features at -k..+k (the GloVe paper: 2, ~1.7x CRF time)
    vector_scale: float = 1.0  # std of scaled vector entries on the training set
    scale_sentences: int = 5000  # training sentences used to estimate each embedder's scale
    # CRFsuite training algorithm: "l2sgd" (SGD on the L2-regularised CRF likelihood; on
    # CoNLL-2003 as good on dev as L-BFGS at a fraction of the time) or "lbfgs" (L1 + L2)
    algorithm: str = "l2sgd"
    c1: tuple[float, ...] = (0.1,)  # L1 penalties tried (lbfgs only)
    c2: tuple[float, ...] = (0.1, 1.0)  # L2 penalties tried (CRFsuite's `c2`)
    max_iterations: tuple[int, ...] = (30,)  # epochs (l2sgd) or iterations (lbfgs) caps tried
    embed_batch: int = 256  # sentences per embedder call

    def grid(self) -> list[dict[str, float]]:
        """Every (c1, c2, max_iterations) combination to try on dev, in a fixed order."""
        if self.algorithm not in ("l2sgd", "lbfgs"):
            raise WordlabError(f"unknown CRF algorithm {self.algorithm!r}: use l2sgd or lbfgs")
        c1s = self.c1 if self.algorithm == "lbfgs" else (None,)
        return [
            {
                **({"c1": float(a)} if a is not None else {}),
                "c2": float(b),
                "max_iterations": int(n),
            }
            for a in c1s
            for b in self.c2
            for n in self.max_iterations
        ]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NerSettings:
        """Settings from their JSON form (lists back to tuples; unknown keys rejected)."""
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise WordlabError(f"unknown NER settings: {', '.join(sorted(unknown))}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


# --------------------------------------------------------------------------------------------
# scoring


def _entities(seqs: Sequence[Sequence[str]]) -> list[tuple[int, str, int, int]]:
    """(sentence, type, start, end) of every entity, reading tags as conlleval does."""
    fixed = [iob1_to_iob2(s) for s in seqs]
    ents = Entities(fixed, IOB2, suffix=False)
    return [e.to_tuple() for sent in ents.entities for e in sent]


def _prf(n_correct: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = n_correct / n_pred if n_pred else 0.0
    r = n_correct / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": 100 * p,
        "recall": 100 * r,
        "f1": 100 * f,
        "n_gold": n_gold,
        "n_pred": n_pred,
        "n_correct": n_correct,
    }


def score(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Entity-level P/R/F1 (percent) overall and per type, identical to conlleval's.

    Both sides are read as conlleval reads chunks (IOB1 or IOB2, an `I-X` after `O` or another
    type opens an entity), then matched exactly (same type, same span) by seqeval's strict IOB2.
    """
    if len(gold) != len(pred):
        raise WordlabError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        if len(g) != len(p):
            raise WordlabError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")
    g_ents = set(_entities(gold))
    p_ents = set(_entities(pred))
    types = sorted({e[1] for e in g_ents | p_ents}, key=_type_order)
    per_type = {}
    for t in types:
        g_t = {e for e in g_ents if e[1] == t}
        p_t = {e for e in p_ents if e[1] == t}
        per_type[t] = _prf(len(g_t & p_t), len(p_t), len(g_t))
    return {"overall": _prf(len(g_ents & p_ents), len(p_ents), len(g_ents)), "per_type": per_type}


def _type_order(t: str) -> tuple[int, str]:
    return (ENTITY_TYPES_ORDER.index(t) if t in ENTITY_TYPES_ORDER else len(ENTITY_TYPES_ORDER), t)


# --------------------------------------------------------------------------------------------
# features


def word_shape(word: str) -> str:
    """Upper -> X, lower -> x, digit -> d, anything else kept: "McCain-2" -> "XxXxxx-d"."""
    return "".join(
        "X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c for c in word
    )


def short_shape(shape: str) -> str:
    """A shape with runs of one character collapsed: "XxXxxx-d" -> "XxXx-d"."""
    out = []
    for c in shape:
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def token_features(word: str, affix: int = 4) -> list[str]:
    """Discrete features of one word on its own (no position): the paper-style baseline set."""
    lw = word.lower()
    sh = word_shape(word)
    f = ["w=" + word, "lw=" + lw, "sh=" + sh, "ssh=" + short_shape(sh)]
    for k in range(1, affix + 1):
        if len(word) >= k:
            f.append(f"p{k}=" + word[:k])
            f.append(f"s{k}=" + word[-k:])
    if word.istitle():
        f.append("title")
    if word.isupper():
        f.append("upper")
    if word.islower():
        f.append("lower")
    if word.isdigit():
        f.append("digit")
    elif any(c.isdigit() for c in word):
        f.append("hasdigit")
    if "-" in word:
        f.append("hyphen")
    if not any(c.isalnum() for c in word):
        f.append("punct")
    return f


class Featurizer:
    """Turns sentences into CRFsuite items (one {feature: value} dict per token)."""

    def __init__(
        self,
        settings: NerSettings,
        n_columns: int,
        embedders: Sequence[Embedder] = (),
        scales: Sequence[float] | None = None,
    ) -> None:
        self.settings = settings
        self.n_columns = n_columns
        self.embedders = list(embedders)
        self.scales = list(scales) if scales is not None else None
        self._cache: dict[str, list[str]] = {}
        k = settings.vector_window
        self._offsets = range(-k, k + 1)
        self._vec_names = [
            {o: [f"e{j}:{o}:{d}" for d in range(e.dim)] for o in self._offsets}
            for j, e in enumerate(self.embedders)
        ]

    def estimate_scales(self, sentences: Sequence[Sentence]) -> list[float]:
        """One factor per embedder: vector_scale / std of its in-vocabulary training vectors."""
        sample = [s.words for s in sentences[: self.settings.scale_sentences]]
        scales = []
        for e in self.embedders:
            total = total_sq = 0.0
            count = 0
            for lo in range(0, len(sample), self.settings.embed_batch):
                batch = sample[lo : lo + self.settings.embed_batch]
                arrays = e.embed(batch)
                masks = oov_masks(e, batch)
                for i, a in enumerate(arrays):
                    a = np.asarray(a, dtype=np.float64)
                    if masks is not None:
                        a = a[~masks[i]]
                    total += a.sum()
                    total_sq += (a * a).sum()
                    count += a.size
            if count == 0:
                raise WordlabError(
                    f"embedder {e.name!r} has no vector for any of the first "
                    f"{len(sample)} training sentences' tokens"
                )
            mean = total / count
            std = float(np.sqrt(max(total_sq / count - mean * mean, 0.0)))
            scales.append(self.settings.vector_scale / std if std > 0 else 1.0)
        self.scales = scales
        return scales

    def _local(self, word: str) -> list[str]:
        f = self._cache.get(word)
        if f is None:
            f = token_features(word, self.settings.affix)
            if len(self._cache) < 2_000_000:
                self._cache[word] = f
        return f

    def _ngrams(self, word: str) -> list[str]:
        key = "\0" + word
        f = self._cache.get(key)
        if f is None:
            w = f"<{word}>"
            top = self.settings.char_ngrams
            f = sorted(
                {"ng=" + w[i : i + n] for n in range(2, top + 1) for i in range(len(w) - n + 1)}
            )
            if len(self._cache) < 2_000_000:
                self._cache[key] = f
        return f

    def _discrete(self, sent: Sentence) -> list[dict[str, float]]:
        n = len(sent)
        w = self.settings.window
        words = sent.words
        cols = sent.columns
        if self.n_columns and (not cols or len(cols[0]) != self.n_columns):
            have = len(cols[0]) if cols else 0
            raise WordlabError(
                f"line {sent.line}: the tagger was trained with {self.n_columns} feature "
                f"column(s) between word and tag, this input has {have}"
            )
        local = [self._local(x) for x in words]
        lower = [x.lower() for x in words]
        shapes = [short_shape(word_shape(x)) for x in words]
        # headlines are often all capitals: tell the model capitalisation means less there
        alpha = [x for x in words if any(c.isalpha() for c in x)]
        shouting = len(alpha) > 1 and all(x.isupper() for x in alpha)
        items = []
        for i in range(n):
            feats = ["bias", "caps_sentence"] if shouting else ["bias"]
            for o in range(-w, w + 1):
                j = i + o
                if 0 <= j < n:
                    p = f"{o}:"
                    feats.extend(p + x for x in local[j])
                    if o == 0 and self.settings.char_ngrams > 1:
                        feats.extend(self._ngrams(words[j]))
                    for c in range(self.n_columns):
                        feats.append(f"{o}:c{c}={cols[j][c]}")
                else:
                    feats.append(f"{o}:pad")
            prev_w = lower[i - 1] if i > 0 else "<s>"
            next_w = lower[i + 1] if i + 1 < n else "</s>"
            feats.append(f"lw-1|0={prev_w}|{lower[i]}")
            feats.append(f"lw0|1={lower[i]}|{next_w}")
            prev_s = shapes[i - 1] if i > 0 else "<s>"
            next_s = shapes[i + 1] if i + 1 < n else "</s>"
            feats.append(f"ssh-1|0={prev_s}|{shapes[i]}")
            feats.append(f"ssh0|1={shapes[i]}|{next_s}")
            for c in range(self.n_columns):
                prev_c = cols[i - 1][c] if i > 0 else "<s>"
                next_c = cols[i + 1][c] if i + 1 < n else "</s>"
                feats.append(f"c{c}-1|0={prev_c}|{cols[i][c]}")
                feats.append(f"c{c}0|1={cols[i][c]}|{next_c}")
            items.append(dict.fromkeys(feats, 1.0))
        return items

    def items(self, sentences: Sequence[Sentence]) -> Iterator[list[dict[str, float]]]:
        """CRFsuite items of each sentence, in order, computing embeddings batch by batch."""
        if self.embedders and self.scales is None:
            raise WordlabError("vector scales not estimated (call estimate_scales first)")
        batch_size = self.settings.embed_batch
        for lo in range(0, len(sentences), batch_size):
            batch = sentences[lo : lo + batch_size]
            vecs = []
            for e, scale in zip(self.embedders, self.scales or (), strict=False):
                words = [s.words for s in batch]
                arrays = e.embed(words)
                masks = oov_masks(e, words)
                vecs.append(
                    (
                        [(np.asarray(a, dtype=np.float32) * scale).tolist() for a in arrays],
                        masks,
                    )
                )
            for b, sent in enumerate(batch):
                items = self._discrete(sent)
                n = len(sent)
                for k, (arrays, masks) in enumerate(vecs):
                    rows = arrays[b]
                    if len(rows) != n:
                        raise WordlabError(
                            f"embedder {self.embedders[k].name!r} returned {len(rows)} vectors "
                            f"for a sentence of {n} tokens (line {sent.line})"
                        )
                    mask = masks[b] if masks is not None else None
                    names = self._vec_names[k]
                    for i in range(n):
                        item = items[i]
                        for o in self._offsets:
                            j = i + o
                            if 0 <= j < n:
                                item.update(zip(names[o], rows[j], strict=True))
                                if mask is not None and mask[j]:
                                    item[f"e{k}:{o}:oov"] = 1.0
                yield items


# --------------------------------------------------------------------------------------------
# the tagger


class _Trainer(pycrfsuite.Trainer):
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

    def __post_init__(self) -> None:
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self.model)
        self._featurizer = Featurizer(self.settings, self.n_columns, self.embedders, self.scales)

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
        _require_tags(sentences, "evaluation data")
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
        )


def _require_tags(sentences: Sequence[Sentence], what: str) -> None:
    if not sentences:
        raise WordlabError(f"{what} has no sentences")
    for s in sentences:
        if s.tags is None:
            raise WordlabError(f"{what}: sentence at line {s.line} has no gold tags")


def _n_columns(sentences: Sequence[Sentence], what: str) -> int:
    for s in sentences:
        if s.columns:
            return len(s.columns[0])
    raise WordlabError(f"{what} has no tokens")


def train_tagger(
    train: Sequence[Sentence],
    dev: Sequence[Sentence],
    embedders: Sequence[Embedder] = (),
    settings: NerSettings | None = None,
    quiet: bool = False,
) -> NerTagger:
    """Train one CRF per grid point of `settings` on `train`; keep the one best on `dev`.

    The returned tagger's `info` holds every grid point's dev scores and training time.
    """
    settings = settings or NerSettings()
    _require_tags(train, "training data")
    _require_tags(dev, "dev data")
    n_columns = _n_columns(train, "training data")
    dev_columns = _n_columns(dev, "dev data")
    if dev_columns != n_columns:
        raise WordlabError(
            f"training data has {n_columns} feature column(s), dev data has {dev_columns}"
        )
    grid = settings.grid()
    if not grid:
        raise WordlabError("empty regularisation/iteration grid (give at least one c1, c2, cap)")
    t0 = time.perf_counter()
    featurizer = Featurizer(settings, n_columns, embedders)
    scales = featurizer.estimate_scales(train) if embedders else []
    trainer = _Trainer(algorithm=settings.algorithm, verbose=True)
    with Progress(len(train), "features", "sent", enabled=not quiet) as bar:
        for sent, items in zip(train, featurizer.items(train), strict=True):
            trainer.append(items, sent.tags)
            bar.update(1)
    feature_seconds = time.perf_counter() - t0
    gold_dev = [s.tags for s in dev]
    best: tuple[float, bytes, dict[str, float], dict[str, Any]] | None = None
    runs = []
    with tempfile.TemporaryDirectory(prefix="wordlab-ner-") as tmp:
        for params in grid:
            trainer.set_params({**params, "feature.possible_transitions": True})
            t1 = time.perf_counter()
            model_path = str(Path(tmp) / "model.crfsuite")
            with Progress(params["max_iterations"], "CRF", "iter", enabled=not quiet) as bar:
                trainer.progress = bar
                trainer.train(model_path)
                trainer.progress = None
            seconds = time.perf_counter() - t1
            model = Path(model_path).read_bytes()
            candidate = NerTagger(model, settings, n_columns, list(embedders), scales, params)
            dev_scores = score(gold_dev, candidate.tag(dev))
            f1 = dev_scores["overall"]["f1"]
            runs.append(
                {
                    **params,
                    "dev_f1": f1,
                    "train_seconds": seconds,
                    "iterations": trainer.logparser.last_iteration.get("num", None)
                    if trainer.logparser.last_iteration
                    else None,
                }
            )
            if not quiet:
                print(f"  {format_params(params)}: dev F1 {f1:.2f} ({seconds:.0f}s)", flush=True)
            if best is None or f1 > best[0]:
                best = (f1, model, params, dev_scores)
    assert best is not None
    _, model, params, dev_scores = best
    tagger = NerTagger(model, settings, n_columns, list(embedders), scales, params)
    tagger.info = {
        "grid": runs,
        "feature_seconds": feature_seconds,
        "total_train_seconds": time.perf_counter() - t0,
        "dev": dev_scores,
    }
    return tagger


# --------------------------------------------------------------------------------------------
# the experiment


def _as_sentences(data: str | os.PathLike | Sequence[Sentence]) -> list[Sentence]:
    if isinstance(data, (str, os.PathLike)):
        return read_conll(data)
    return list(data)


def oov_rate(embedder: Embedder, sentences: Sequence[Sentence]) -> float | None:
    """Percent of tokens the embedder has no vector for (None if it has no OOV notion)."""
    words = [s.words for s in sentences]
    masks = oov_masks(embedder, words)
    if masks is None:
        return None
    n = sum(len(m) for m in masks)
    return 100.0 * sum(int(m.sum()) for m in masks) / n if n else 0.0


def run_ner(
    train: str | os.PathLike | Sequence[Sentence],
    dev: str | os.PathLike | Sequence[Sentence],
    test: str | os.PathLike | Sequence[Sentence],
    embedders: Sequence[Embedder | Sequence[Embedder]] = (),
    settings: NerSettings | None = None,
    baseline: bool = True,
    save_dir: str | os.PathLike | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Train and score the discrete baseline and one tagger per embedder (or group of embedders).

    Each configuration's regularisation and iterations are chosen on dev; test is tagged once.
    Returns a JSON-able dict: data sizes, settings, and per configuration its name, the dev and
    test scores (`score` format), the chosen parameters, the grid tried and timings. With
    `save_dir`, each configuration's tagger is saved in `save_dir/<name>/`.
    """
    settings = settings or NerSettings()
    train_s, dev_s, test_s = (_as_sentences(x) for x in (train, dev, test))
    _require_tags(test_s, "test data")
    configs: list[tuple[str, list[Embedder]]] = []
    if baseline:
        configs.append(("discrete", []))
    for item in embedders:
        group = [item] if hasattr(item, "embed") else list(item)  # type: ignore[arg-type]
        configs.append(("+".join(e.name for e in group), group))
    names = [c[0] for c in configs]
    if len(set(names)) != len(names):
        raise WordlabError(f"configuration names repeat: {names}; give embedders distinct names")
    results = []
    for name, group in configs:
        if not quiet:
            print(f"[{name}] training", flush=True)
        tagger = train_tagger(train_s, dev_s, group, settings, quiet=quiet)
        dev_scores = tagger.info["dev"]  # the chosen model's, computed while choosing it
        t0 = time.perf_counter()
        test_scores = score([s.tags for s in test_s], tagger.tag(test_s))
        test_seconds = time.perf_counter() - t0
        entry = {
            "name": name,
            "embedders": [embedder_spec(e) or {"name": e.name, "dim": e.dim} for e in group],
            "oov_percent_train": [oov_rate(e, train_s) for e in group],
            "params": tagger.params,
            "dev": dev_scores,
            "test": test_scores,
            "grid": tagger.info["grid"],
            "train_seconds": tagger.info["total_train_seconds"],
            "test_tag_seconds": test_seconds,
        }
        if save_dir is not None:
            entry["model_dir"] = str(tagger.save(Path(save_dir) / _safe_name(name)))
        results.append(entry)
    return {
        "data": {
            "train_sentences": len(train_s),
            "dev_sentences": len(dev_s),
            "test_sentences": len(test_s),
            "train_tokens": sum(map(len, train_s)),
        },
        "settings": asdict(settings),
        "configurations": results,
    }


def read_for_tagging(path: str | os.PathLike, n_columns: int, fmt: str = "conll") -> list[Sentence]:
    """Read a file to tag: CoNLL columns (word, `n_columns` feature columns, optional gold tag)
    or, with fmt="text", one whitespace-tokenized sentence per line (needs n_columns == 0)."""
    if fmt == "text":
        if n_columns:
            raise WordlabError(
                f"this tagger uses {n_columns} feature column(s) (e.g. POS, chunk); "
                "plain text has none: give a CoNLL column file"
            )
        return read_text(path)
    if fmt != "conll":
        raise WordlabError(f"unknown input format {fmt!r}: use conll or text")
    sentences = read_conll(path, has_tags=False)
    have = len(sentences[0].columns[0]) if sentences else 0
    if have not in (n_columns, n_columns + 1):
        raise WordlabError(
            f"{path}:{sentences[0].line}: expected the word plus {n_columns} feature column(s) "
            f"(and optionally a gold tag), found {have} column(s) after the word"
        )
    if have == n_columns + 1:
        for s in sentences:
            gold = [c[-1] for c in s.columns]
            for i, t in enumerate(gold):
                if not TAG_RE.match(t):
                    raise WordlabError(
                        f"{path}:{s.line + i}: last column {t!r} is not O, B-TYPE or I-TYPE"
                    )
            s.tags = iob1_to_iob2(gold)
            s.columns = [c[:-1] for c in s.columns]
    return sentences


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.+" else "_" for c in name) or "model"


def format_params(p: dict[str, Any]) -> str:
    """CRF parameters as "c1=0.1 c2=1 max_iterations=30" (c1 only where used)."""
    return " ".join(f"{k}={v:g}" for k, v in p.items())


def format_table(result: dict[str, Any]) -> str:
    """The run_ner result as a plain-text table: P/R/F1 on dev and test, overall and per type."""
    lines = []
    header = f"{'configuration':<24} {'type':<8} {'dev P':>6} {'dev R':>6} {'dev F1':>6}"
    header += f" {'test P':>6} {'test R':>6} {'test F1':>7}"
    lines.append(header)
    lines.append("-" * len(header))
    for c in result["configurations"]:
        types = ["overall", *c["test"]["per_type"]]
        for t in types:
            d = c["dev"]["overall"] if t == "overall" else c["dev"]["per_type"].get(t)
            s = c["test"]["overall"] if t == "overall" else c["test"]["per_type"][t]
            d = d or {"precision": 0.0, "recall": 0.0, "f1": 0.0}
            name = c["name"] if t == "overall" else ""
            lines.append(
                f"{name:<24} {t:<8} {d['precision']:6.2f} {d['recall']:6.2f} {d['f1']:6.2f}"
                f" {s['precision']:6.2f} {s['recall']:6.2f} {s['f1']:7.2f}"
            )
        p = c["params"]
        note = f"{'':<24} chosen on dev: {format_params(p)}; training {c['train_seconds']:.0f}s"
        for e, oov in zip(c["embedders"], c["oov_percent_train"], strict=True):
            if oov is not None:
                note += f"; {e.get('name')}: {oov:.1f}% of training tokens OOV"
        lines.append(note)
    return "\n".join(lines)
