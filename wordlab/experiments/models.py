"""Executing one run spec with wordlab's public models: GloVe, word2vec, fastText, SVD, counts, NER.

Each function returns the JSON-ready part of a run's record: its timings and its scores. Training
time is what the paper's Fig. 4 plots: for GloVe, counting + shuffling + the epochs so far; for
word2vec, the training loop (vocabulary and tables excluded, as for GloVe's vocabulary).
"""

from __future__ import annotations

import time
from typing import Any

from wordlab.errors import WordlabError
from wordlab.experiments.runner import Runner, Spec
from wordlab.experiments.svd import context_matrix, svd_vectors, transform
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


def train_vectors(runner: Runner, spec: Spec) -> tuple[Vectors, dict[str, Any]]:
    """Train the vectors a spec names (glove, word2vec sg/cbow, fasttext) and return them with stats."""
    from wordlab.models.fasttext import FastText, FastTextSettings
    from wordlab.models.glove import GloVe
    from wordlab.models.word2vec import Word2Vec

    p, c = spec.params, runner.config
    model = p["model"]
    if model == "glove":
        co = runner.cooccurrences(spec.words, p["window"], p.get("symmetric", True))
        glove = GloVe(
            dim=p["dim"], window=p["window"], symmetric=p.get("symmetric", True),
            min_count=c.min_count, max_vocab=c.max_vocab, epochs=p["epochs"],
            threads=c.threads, seed=c.seed,
        )  # fmt: skip
        glove.train(co["file"], co["vocab"], progress=c.progress)
        seconds = co["count_seconds"] + co["shuffle_seconds"] + sum(glove.epoch_seconds)
        return glove.vectors, {"train_seconds": seconds, "vocab_size": len(co["vocab"])}
    if model in ("sg", "cbow"):
        w2v = Word2Vec(
            model, dim=p["dim"], window=p["window"], negative=p.get("negative", 5),
            epochs=p["epochs"], min_count=c.min_count, max_vocab=c.max_vocab,
            threads=c.threads, seed=c.seed, progress=c.progress,
        )  # fmt: skip
        w2v.fit(runner.corpus(spec.words))
        return w2v.vectors, {"train_seconds": w2v.stats["train_seconds"]}
    if model == "fasttext":
        settings = FastTextSettings(
            model="sg", dim=p["dim"], window=p["window"], epochs=p["epochs"],
            min_count=c.min_count, max_vocab=c.max_vocab, bucket=p.get("bucket", 2_000_000),
            threads=c.threads, seed=c.seed,
        )  # fmt: skip
        ft = FastText(settings, progress=c.progress).fit(runner.corpus(spec.words))
        return ft.vectors, {"train_seconds": ft.stats["train_seconds"]}
    raise WordlabError(f"unknown vectors model {model!r}")


def run_glove(runner: Runner, spec: Spec) -> dict[str, Any]:
    """GloVe from the cached co-occurrences, scored after each epoch count in `checkpoints`."""
    from wordlab.models.glove import GloVe

    p, c = spec.params, runner.config
    symmetric = p.get("symmetric", True)
    co = runner.cooccurrences(spec.words, p["window"], symmetric)
    model = GloVe(
        dim=p["dim"], window=p["window"], symmetric=symmetric, min_count=c.min_count,
        max_vocab=c.max_vocab, epochs=p["epochs"], threads=c.threads, seed=c.seed,
    )  # fmt: skip
    base = co["count_seconds"] + co["shuffle_seconds"]
    points = []
    for k in sorted(set(p.get("checkpoints", ())) | {p["epochs"]}):
        model.train(co["file"], co["vocab"], epochs=k, progress=c.progress)
        points.append(
            {
                "epochs": k,
                "train_seconds": base + sum(model.epoch_seconds),
                "cost": model.costs[-1],
                "scores": runner.evaluate(model.vectors),
            }
        )
    return {
        "vocab_size": len(co["vocab"]),
        "entries": co["entries"],
        "cooccur_seconds": co["count_seconds"],
        "shuffle_seconds": co["shuffle_seconds"],
        "epoch_seconds": list(model.epoch_seconds),
        "costs": list(model.costs),
        "train_seconds": points[-1]["train_seconds"],
        "checkpoints": points,
        "scores": points[-1]["scores"],
    }


def run_word2vec(runner: Runner, spec: Spec) -> dict[str, Any]:
    """word2vec skip-gram or CBOW with negative sampling, scored once."""
    vectors, stats = train_vectors(runner, spec)
    return {**stats, "vocab_size": len(vectors), "scores": runner.evaluate(vectors)}


def run_svd(runner: Runner, spec: Spec) -> dict[str, Any]:
    """An SVD baseline (SVD, SVD-S, SVD-L) of the co-occurrences restricted to frequent contexts."""
    p = spec.params
    co = runner.cooccurrences(spec.words, p["window"], True)
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
    co = runner.cooccurrences(spec.words, p["window"], p.get("symmetric", True))
    return {
        "tokens": co["tokens"],
        "entries": co["entries"],
        "vocab_size": co["vocab_size"],
        "count_seconds": co["count_seconds"],
    }


def run_ner_config(runner: Runner, spec: Spec) -> dict[str, Any]:
    """One NER configuration (the discrete baseline or one vectors type) on CoNLL-2003."""
    from wordlab.evaluation.ner import NerSettings, run_ner
    from wordlab.evaluation.ner_data import read_conll
    from wordlab.evaluation.ner_embedders import StaticEmbedder

    p, c = spec.params, runner.config
    if c.ner_dir is None:
        raise WordlabError("the ner experiment needs CoNLL-2003 files: give --ner-data DIR")
    splits = {}
    for name, file, limit in (
        ("train", "eng.train", p["train_sentences"]),
        ("dev", "eng.testa", p["eval_sentences"]),
        ("test", "eng.testb", p["eval_sentences"]),
    ):
        sentences = read_conll(c.ner_dir / file)
        splits[name] = sentences[:limit] if limit else sentences
    embedders, vector_stats = [], {}
    if p["vectors"] != "discrete":
        vspec = Spec.make(
            "vectors", spec.words, model=p["vectors"], dim=p["dim"], window=p["window"],
            epochs=p["epochs"], bucket=p.get("bucket", 2_000_000),
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
