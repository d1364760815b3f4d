"""Executing one run spec with wordlab's public models: GloVe, word2vec, fastText, SVD, counts, NER.

Each function returns the JSON-ready part of a run's record: its timings and its scores. Training
time is what the paper's Fig. 4 plots: for GloVe, counting + shuffling + the epochs so far; for
word2vec, the training loop (vocabulary and tables excluded, as for GloVe's vocabulary).

GloVe's stages are wordlab's own (`Runner.vocab`, `count_cooccurrences`, `shuffle_records`,
`GloVe.fit_cooccurrences`), with the options of the `GloVeSettings` the model trains with. The
one difference from `GloVe.fit` is that a shuffled co-occurrence file is counted once per corpus
and window and shared by every GloVe and SVD run that needs it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from wordlab.cooccur import CooccurSettings, count_cooccurrences, shuffle_records
from wordlab.errors import WordlabError
from wordlab.experiments.partial import PartialRun
from wordlab.experiments.runner import Runner, Spec
from wordlab.experiments.svd import context_matrix, svd_vectors, transform
from wordlab.fileio import atomic_open
from wordlab.models.glove import GloVe, GloVeSettings
from wordlab.vectors import Vectors


def execute(runner: Runner, spec: Spec) -> dict[str, Any]:
    """Run `spec` and return its timings and scores."""
    handlers = {
        "glove": run_glove,
        "word2vec": run_word2vec,
        "svd": run_svd,
        "cooccur": run_cooccur,
        "ner": run_ner_config,
    }
    if spec.kind not in handlers:
        raise WordlabError(f"unknown run kind {spec.kind!r}")
    return handlers[spec.kind](runner, spec)


# -- GloVe: the shared co-occurrence file, then training ------------------------------------------
# GloVe settings a spec may name (the paper grid states them); absent ones keep GloVe's defaults
GLOVE_SPEC_SETTINGS = ("x_max", "alpha", "lr", "output")


def glove_settings(runner: Runner, window: int, symmetric: bool, **model: Any) -> dict[str, Any]:
    """GloVe keyword settings for a run: the folder's vocabulary, threads and seed, plus `model`."""
    c = runner.config
    return dict(
        window=window, symmetric=symmetric, min_count=c.min_count, max_vocab=c.max_vocab,
        threads=c.threads, seed=c.seed, **model,
    )  # fmt: skip


def cooccur_folder(runner: Runner, words: int | None, window: int, symmetric: bool) -> Path:
    """Where the shuffled counts of a corpus prefix and window are cached (meta.json once done)."""
    c = runner.config
    name = f"{'all' if words is None else words}-w{window}-{'sym' if symmetric else 'left'}"
    return runner.cache / "cooccur" / f"{name}-min{c.min_count}-max{c.max_vocab or 0}"


def cooccurrences(
    runner: Runner, words: int | None, window: int, symmetric: bool
) -> dict[str, Any]:
    """Shuffled GloVe co-occurrence records for a corpus prefix and window, counted once and cached.

    Counted and shuffled as `GloVe.fit` would with these settings. Returns the shuffled file, the
    vocabulary, the number of non-zero entries and the seconds counting and shuffling took
    (charged to GloVe's training time).
    """
    c = runner.config
    folder = cooccur_folder(runner, words, window, symmetric)
    meta_path, shuffled = folder / "meta.json", folder / "cooccurrence.shuf.bin"
    corpus = runner.corpus(words)
    vocab = runner.vocab(words)
    if meta_path.exists() and shuffled.exists():
        return {**json.loads(meta_path.read_text()), "file": shuffled, "vocab": vocab}
    folder.mkdir(parents=True, exist_ok=True)
    raw = folder / "cooccurrence.bin"
    s = GloVeSettings(**glove_settings(runner, window, symmetric))
    counting = CooccurSettings(
        window=s.window, symmetric=s.symmetric, distance_weighting=s.distance_weighting,
        memory=s.memory, threads=s.threads,
    )  # fmt: skip
    t0 = time.perf_counter()
    stats = count_cooccurrences(corpus, vocab, raw, counting, progress=c.progress)
    t1 = time.perf_counter()
    shuffle_records(raw, shuffled, s.memory, s.seed)
    t2 = time.perf_counter()
    raw.unlink()
    meta = {
        "entries": int(stats.entries),
        "tokens": int(stats.tokens),
        "vocab_size": len(vocab),
        "count_seconds": t1 - t0,
        "shuffle_seconds": t2 - t1,
    }
    with atomic_open(meta_path, "w") as fh:
        json.dump(meta, fh, indent=1)
    return {**meta, "file": shuffled, "vocab": vocab}


def scored_epochs(params: dict[str, Any]) -> set[int]:
    """The epochs after which a GloVe run is scored: its `checkpoints`, every `eval_every`, the last."""
    epochs = params["epochs"]
    wanted = set(params.get("checkpoints", ())) | {epochs}
    if params.get("eval_every"):
        wanted |= set(range(params["eval_every"], epochs + 1, params["eval_every"]))
    return wanted


def train_glove(runner: Runner, spec: Spec, score: bool = True) -> tuple[Vectors, dict[str, Any]]:
    """GloVe for a spec on the shared co-occurrences: its vectors and its per-epoch record.

    With `score`, the vectors are scored after each epoch count in the spec's `checkpoints` and
    at the end, all in one training pass (scoring is not training time).
    """
    p = spec.params
    symmetric = p.get("symmetric", True)
    co = cooccurrences(runner, spec.words, p["window"], symmetric)
    model_keys = {k: p[k] for k in GLOVE_SPEC_SETTINGS if k in p}
    settings = glove_settings(
        runner, p["window"], symmetric, dim=p["dim"], epochs=p["epochs"], **model_keys
    )
    wanted = scored_epochs(p) if score else set()
    base = co["count_seconds"] + co["shuffle_seconds"]

    def after_epoch(model: GloVe) -> dict[str, Any] | None:
        if model.epochs_done not in wanted:
            return None
        return {
            "epochs": model.epochs_done,
            "train_seconds": base + sum(model.epoch_seconds),
            "cost": model.losses[-1],
            "scores": runner.evaluate(model.wv),
        }

    partial = PartialRun.of(runner.cache, spec.key)
    model = partial.train(settings, co["file"], co["vocab"], runner.config.progress, after_epoch)
    record = {
        "vocab_size": len(co["vocab"]),
        "entries": co["entries"],
        "cooccur_seconds": co["count_seconds"],
        "shuffle_seconds": co["shuffle_seconds"],
        "epoch_seconds": list(model.epoch_seconds),
        "costs": list(model.losses),
        "train_seconds": base + sum(model.epoch_seconds),
    }
    if partial.earlier_seconds:
        record["earlier_sittings_seconds"] = partial.earlier_seconds
    if score:
        points = sorted(partial.points, key=lambda point: point["epochs"])
        record.update(checkpoints=points, scores=points[-1]["scores"])
    if score and p.get("score_word"):  # the same run's W alone, beside its output (W + W~)
        V, d = len(co["vocab"]), p["dim"]
        word = Vectors(list(co["vocab"].words), model.params[:V, :d].copy(), co["vocab"].counts)
        record["scores_word"] = runner.evaluate(word)
    vectors = model.wv
    partial.clear()
    return vectors, record


def train_vectors(runner: Runner, spec: Spec) -> tuple[Vectors, dict[str, Any]]:
    """Train the vectors a spec names (glove, word2vec sg/cbow, fasttext) and return them with stats."""
    from wordlab.models.fasttext import FastText, FastTextSettings
    from wordlab.models.word2vec import Word2Vec

    p, c = spec.params, runner.config
    model = p["model"]
    if model == "glove":
        vectors, record = train_glove(runner, spec, score=False)
        return vectors, {
            "train_seconds": record["train_seconds"],
            "vocab_size": record["vocab_size"],
        }
    if model in ("sg", "cbow"):
        w2v = Word2Vec(
            model=model, dim=p["dim"], window=p["window"], negative=p.get("negative", 5),
            epochs=p["epochs"], min_count=c.min_count, max_vocab=c.max_vocab,
            threads=c.threads, seed=c.seed, progress=c.progress,
        )  # fmt: skip
        w2v.fit(runner.corpus(spec.words))
        return w2v.wv, {"train_seconds": sum(w2v.epoch_seconds)}
    if model == "fasttext":
        settings = FastTextSettings(
            model="sg", dim=p["dim"], window=p["window"], epochs=p["epochs"],
            min_count=c.min_count, max_vocab=c.max_vocab, bucket=p.get("bucket", 2_000_000),
            threads=c.threads, seed=c.seed,
        )  # fmt: skip
        ft = FastText(settings, progress=c.progress).fit(runner.corpus(spec.words))
        return ft.wv, {"train_seconds": sum(ft.epoch_seconds)}
    raise WordlabError(f"unknown vectors model {model!r}")


def run_glove(runner: Runner, spec: Spec) -> dict[str, Any]:
    """GloVe from the cached co-occurrences, scored after each epoch count in `checkpoints`."""
    return train_glove(runner, spec)[1]


def run_word2vec(runner: Runner, spec: Spec) -> dict[str, Any]:
    """word2vec skip-gram or CBOW with negative sampling, scored once."""
    vectors, stats = train_vectors(runner, spec)
    return {**stats, "vocab_size": len(vectors), "scores": runner.evaluate(vectors)}


def run_svd(runner: Runner, spec: Spec) -> dict[str, Any]:
    """An SVD baseline (SVD, SVD-S, SVD-L) of the co-occurrences restricted to frequent contexts."""
    p = spec.params
    co = cooccurrences(runner, spec.words, p["window"], True)
    vocab = co["vocab"]
    t0 = time.perf_counter()
    matrix = transform(context_matrix(co["file"], len(vocab), p["contexts"]), p["method"])
    dim = min(p["dim"], min(matrix.shape) - 1)
    matrix_vectors = svd_vectors(matrix, dim, p["power"], p["solver"], runner.config.seed)
    seconds = time.perf_counter() - t0
    vectors = Vectors(list(vocab.words), matrix_vectors, vocab.counts)
    return {
        "vocab_size": len(vocab),
        "contexts_used": int(matrix.shape[1]),
        "matrix_nonzeros": int(matrix.nnz),
        "dim_used": dim,
        "train_seconds": co["count_seconds"] + seconds,
        "svd_seconds": seconds,
        "scores": runner.evaluate(vectors),
    }


def run_cooccur(runner: Runner, spec: Spec) -> dict[str, Any]:
    """Count co-occurrences only: the number of non-zero entries |X| for the sparsity analysis."""
    p = spec.params
    co = cooccurrences(runner, spec.words, p["window"], p.get("symmetric", True))
    return {
        "tokens": co["tokens"],
        "entries": co["entries"],
        "vocab_size": co["vocab_size"],
        "count_seconds": co["count_seconds"],
    }


def run_ner_config(runner: Runner, spec: Spec) -> dict[str, Any]:
    """One NER configuration (the discrete baseline or one vectors type) on CoNLL-2003."""
    from wordlab.evaluation.ner import NerSettings, run_ner
    from wordlab.evaluation.ner.conll import read_conll
    from wordlab.evaluation.ner.embedders import StaticEmbedder

    p, c = spec.params, runner.config
    if c.ner_dir is None:
        raise WordlabError("the ner experiment needs CoNLL-2003 files: give --ner-data DIR")
    # CoNLL-2003's file names, else MSRA's (train/dev/test.txt[.xz], Chinese characters)
    files = ("eng.train", "eng.testa", "eng.testb")
    if not (c.ner_dir / files[0]).exists():
        xz = ".xz" if (c.ner_dir / "train.txt.xz").exists() else ""
        files = tuple(f"{s}.txt{xz}" for s in ("train", "dev", "test"))
    splits = {}
    for name, file, limit in (
        ("train", files[0], p["train_sentences"]),
        ("dev", files[1], p["eval_sentences"]),
        ("test", files[2], p["eval_sentences"]),
    ):
        sentences = read_conll(c.ner_dir / file)
        splits[name] = sentences[:limit] if limit else sentences
    embedders, vector_stats = [], {}
    if p["vectors"] != "discrete":
        extra = {"negative": p["negative"]} if "negative" in p else {}
        vspec = Spec.make(
            "vectors", spec.words, model=p["vectors"], dim=p["dim"], window=p["window"],
            epochs=p["epochs"], bucket=p.get("bucket", 2_000_000), **extra,
        )  # fmt: skip
        vectors, vector_stats = train_vectors(runner, vspec)
        embedders = [StaticEmbedder(vectors, name=p["vectors"])]
    settings = NerSettings(c2=tuple(p["c2"]), max_iterations=tuple(p["max_iterations"]))
    result = run_ner(
        splits["train"], splits["dev"], splits["test"], embedders, settings,
        baseline=not embedders, quiet=not c.progress,
    )  # fmt: skip
    conf = result["configurations"][0]
    return {
        "data": result["data"],
        "vectors_train_seconds": vector_stats.get("train_seconds"),
        "oov_percent_train": conf["oov_percent_train"],
        "params": conf["params"],
        "ner_train_seconds": conf["train_seconds"],
        "scores": {
            "dev_f1": conf["dev"]["overall"]["f1"],
            "test_f1": conf["test"]["overall"]["f1"],
            "test_precision": conf["test"]["overall"]["precision"],
            "test_recall": conf["test"]["overall"]["recall"],
        },
        "dev": conf["dev"],
        "test": conf["test"],
    }
