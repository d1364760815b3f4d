"""The paper grid's cost model: seconds per run on the project's idle 2-core machine, 2 threads.

It decides which runs fit a sitting's `--budget` and how many word2vec epochs Fig. 4 needs, so it
is calibrated on the largest runs we have timed (bench/RESULTS.md, the issue), not on toy ones:

- GloVe epoch: 7.5 s for the 120,789,958 records of the whole enwiki-70m at dim 100 (the mean of
  two epochs, idle, 2 threads, bench/RESULTS.md "Session 6"): 7.5 / (120.8M x 101) s per record
  and (dim + 1).
- Counting: ~28 s for enwiki-70m at window 10 with --memory 2 (scaled by sqrt(window / 10));
  shuffling: 22 s idle: 1.8e-7 s per record (the same benchmark). Encoding: 5e-7 s per
  token (reading the .xz included).
- Non-zeros |X|: 43.0M at 16.9M tokens, 120.8M at 70.3M (min-count 5, window 10): |X| grows as
  |C|^0.725 between them; smaller windows as (window / 10)^0.7, left-only x 0.55 (the 17M runs).
- word2vec: 930,891 (skip-gram) and 3,696,323 (CBOW) corpus words/s at dim 100, window 5,
  negative 5, sample 1e-4 (idle, 2 threads); scaled by dim, by negatives + 1, by the mean reduced
  window (window + 1) / 2 (skip-gram: pairs; CBOW: the averaged context beside the outputs), and
  x 1.3 for the default sample 1e-3, which drops fewer frequent words than 1e-4.
- Scoring one set of vectors: 8 s (analogies over the 30,000 most frequent words, similarity).
- SVD and the CRF: the experiments' existing model (`wordlab.experiments.estimate_seconds`).

Each run's estimate is stored in its record beside its wall time, and the report compares them
per kind of run, so a later sitting can see how far off the model is.
"""

from __future__ import annotations

from typing import Any

from wordlab.experiments.runner import Runner, Spec

RECORDS_70M, TOKENS_70M = 120_789_958, 70_336_552
GLOVE_EPOCH = 7.5 / (RECORDS_70M * 101)  # s per record and (dim + 1)
COUNT = 28.0 / TOKENS_70M  # s per token, window 10
SHUFFLE = 1.8e-7  # s per record
ENCODE = 5.0e-7  # s per token
NNZ_EXPONENT = 0.725  # ln(120.8 / 43.0) / ln(70.3 / 16.9)
SG_WORD = 1 / 930_891  # s per corpus word at dim 100, window 5, negative 5, sample 1e-4
CBOW_WORD = 1 / 3_696_323
SAMPLE_FACTOR = 1.3  # sample 1e-3 instead of 1e-4
EVAL = 8.0  # s per scoring
CRF = 2.5e-4  # s per training sentence and CRF iteration, per c2 value; x2 with vectors
CONLL_TRAIN = 14_041


def nnz(tokens: float, window: int = 10, symmetric: bool = True) -> float:
    """Expected non-zero co-occurrences for a corpus of `tokens` tokens."""
    base = RECORDS_70M * (tokens / TOKENS_70M) ** NNZ_EXPONENT
    return base * (window / 10) ** 0.7 * (1.0 if symmetric else 0.55)


def glove_epoch(tokens: float, dim: int, window: int = 10, symmetric: bool = True) -> float:
    """Seconds for one GloVe epoch."""
    return GLOVE_EPOCH * nnz(tokens, window, symmetric) * (dim + 1)


def counting(tokens: float, window: int = 10, symmetric: bool = True) -> float:
    """Seconds to count and shuffle the co-occurrences of a corpus at a window."""
    return COUNT * tokens * (window / 10) ** 0.5 + SHUFFLE * nnz(tokens, window, symmetric)


def w2v_units(model: str, negative: int, window: int) -> float:
    """Relative work per word of word2vec (1 at window 5, negative 5) for the architecture."""
    reduced = (window + 1) / 2  # word2vec samples the window from 1..window: mean (w + 1) / 2
    if model == "sg":
        return reduced * (negative + 1) / (3 * 6)
    return (negative + 1 + reduced) / (6 + 3)


def w2v_epoch(tokens: float, model: str, dim: int, negative: int, window: int) -> float:
    """Seconds for one word2vec epoch over `tokens` corpus words."""
    per_word = SG_WORD if model == "sg" else CBOW_WORD
    return per_word * tokens * dim / 100 * w2v_units(model, negative, window) * SAMPLE_FACTOR


def run_seconds(
    runner: Runner, spec: Spec, counted: set[Any] | None = None, *, remaining: bool = True
) -> float:
    """Seconds for one run (its counts too, unless already in `counted`, which it adds them to).

    With `remaining`, a GloVe run checkpointed in an earlier sitting counts only its epochs left
    (what a budget must hold); without, the whole run (what its actual time is compared with).
    """
    from wordlab.experiments.models import cooccur_folder, scored_epochs
    from wordlab.experiments.partial import PartialRun

    counted = set() if counted is None else counted
    p = spec.params
    n = runner.corpus().n_tokens if spec.words is None else spec.words
    total = 0.0
    encoded = runner.cache / "encoded" / f"prefix-{spec.words}"
    if spec.words is not None and ("corpus", spec.words) not in counted and not encoded.exists():
        counted.add(("corpus", spec.words))
        total += ENCODE * n
    window, sym = p.get("window", 10), p.get("symmetric", True)
    if (cooccur_folder(runner, spec.words, window, sym) / "meta.json").exists():
        counted.add((spec.words, window, sym))  # counted in an earlier sitting: cached
    if spec.kind in ("glove", "svd") and (spec.words, window, sym) not in counted:
        counted.add((spec.words, window, sym))
        total += counting(n, window, sym)
    if spec.kind == "glove":  # less the epochs an earlier sitting checkpointed
        done = PartialRun.of(runner.cache, spec.key).epochs_done() if remaining else 0
        total += glove_epoch(n, p["dim"], window, sym) * (p["epochs"] - done)
        left = [e for e in scored_epochs(p) if e > done]
        total += EVAL * len(left) + (EVAL if p.get("score_word") else 0.0)
    elif spec.kind == "word2vec":
        total += w2v_epoch(n, p["model"], p["dim"], p["negative"], window) * p["epochs"] + EVAL
    elif spec.kind == "svd":  # the experiments' model: a randomized SVD of the context matrix
        total += EVAL + 20.0 + 2e-8 * nnz(n, window) * (p["dim"] + 20)
    elif spec.kind == "ner":
        sentences = p["train_sentences"] or CONLL_TRAIN
        iters = sum(p["max_iterations"]) * len(p["c2"])
        total += CRF * sentences * iters * (1 if p["vectors"] == "discrete" else 2)
        v = p["vectors"]
        if v == "glove":
            if (cooccur_folder(runner, None, p["window"], True) / "meta.json").exists():
                counted.add((None, p["window"], True))
            if (None, p["window"], True) not in counted:
                counted.add((None, p["window"], True))
                total += counting(n, p["window"])
            total += glove_epoch(n, p["dim"], p["window"]) * p["epochs"]
        elif v in ("sg", "cbow"):
            epoch = w2v_epoch(n, v, p["dim"], p.get("negative", 5), p["window"])
            total += epoch * p["epochs"]
    return total


def grid_seconds(runner: Runner, specs: list[Spec], todo_only: bool = True) -> float:
    """Seconds for the specs (those not yet in results.json when `todo_only`), counts once each."""
    counted: set[Any] = set()
    total = 0.0
    for spec in dict.fromkeys(specs):
        if todo_only and runner.record(spec) is not None:
            continue
        total += run_seconds(runner, spec, counted)
    return total
