"""The NER experiment: choose each tagger's regularisation on dev, score it once on test.

- Training: CRFsuite's L2-regularised SGD ("l2sgd", default) or L-BFGS with L1 + L2 ("lbfgs").
  On CoNLL-2003 (2,000-sentence check) l2sgd with 30 epochs reached a higher dev F1 than lbfgs
  with 100 iterations in half the CPU time; lbfgs needs ~200 iterations on the full set.
- Model selection: every (c1, c2, max_iterations) of the settings' grid is trained on the training
  set and scored on dev; the best dev F1 wins. The test set is tagged once, with that model.
- Configurations: the discrete baseline, then one tagger per embedder or per group of embedders
  combined (`run_ner(..., embedders=[[a, b]])`, the command's --combine).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from wordlab.errors import WordlabError
from wordlab.evaluation.ner.chars import resolve_features
from wordlab.evaluation.ner.conll import Sentence, column_count, read_conll, require_tags
from wordlab.evaluation.ner.embedders import Embedder, embedder_spec, oov_masks
from wordlab.evaluation.ner.features import Featurizer
from wordlab.evaluation.ner.scoring import score
from wordlab.evaluation.ner.settings import NerSettings
from wordlab.evaluation.ner.tagger import CrfTrainer, NerTagger
from wordlab.progress import Progress


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
    require_tags(train, "training data")
    settings = resolve_features(settings or NerSettings(), train)
    require_tags(dev, "dev data")
    n_columns = column_count(train, "training data")
    dev_columns = column_count(dev, "dev data")
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
    trainer = CrfTrainer(algorithm=settings.algorithm, verbose=True)
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
            candidate = NerTagger(model, settings, n_columns, list(embedders), scales, params,
                                  centroids=featurizer.centroids or [])  # fmt: skip
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
    tagger = NerTagger(model, settings, n_columns, list(embedders), scales, params,
                       centroids=featurizer.centroids or [])  # fmt: skip
    tagger.info = {
        "grid": runs,
        "feature_seconds": feature_seconds,
        "total_train_seconds": time.perf_counter() - t0,
        "dev": dev_scores,
    }
    return tagger


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
    train_s, dev_s, test_s = (_as_sentences(x) for x in (train, dev, test))
    require_tags(test_s, "test data")
    settings = resolve_features(settings or NerSettings(), train_s)
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
