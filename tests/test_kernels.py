"""fastText's training kernels run one pass over one job: the schedule spans calls, order is kept."""

from __future__ import annotations

import numpy as np
import pytest

from wordlab.kernels import fasttext as K
from wordlab.kernels.losses import HS, NS, OVA, SOFTMAX
from wordlab.vocab import huffman_codes, noise_table

V = 12  # words
B = 7  # n-gram bucket rows after the words
DIM = 8
N = 3000  # corpus tokens


def _corpus() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    p = 1.0 / np.arange(1, V + 2)
    tokens = rng.choice(V + 1, size=N, p=p / p.sum()).astype(np.int32)  # id V: out of vocabulary
    cuts = np.sort(rng.choice(np.arange(1, N), 150, replace=False))
    line_starts = np.r_[0, cuts, N].astype(np.int64)
    counts = np.sort(np.bincount(tokens, minlength=V + 1)[:V])[::-1].astype(np.int64) + 1
    # each word: its own row and two n-gram rows
    sub_ptr = np.arange(V + 1, dtype=np.int64) * 3
    sub_ids = np.array([[w, V + w % B, V + (3 * w + 1) % B] for w in range(V)], np.int32).ravel()
    return {
        "tokens": tokens,
        "line_starts": line_starts,
        "counts": counts,
        "sub_ptr": sub_ptr,
        "sub_ids": sub_ids,
        "known": np.int64((tokens < V).sum()),
    }


def _subwords(
    c: dict, kind: int, start: int, end: int, lr0: float, work: float, progress: np.ndarray, *,
    skipgram: bool = True, seed: int = 7, wi: np.ndarray | None = None, wo: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    if wi is None:
        rng = np.random.default_rng(1)
        wi = ((rng.random((V + B, DIM), dtype=np.float32) - 0.5) / DIM).astype(np.float32)
        wo = np.zeros((V - 1 if kind == HS else V, DIM), np.float32)
    codes, points, offsets = huffman_codes(c["counts"])
    noise = noise_table(c["counts"], 0.5, 1000)
    keep = np.ones(V, np.float32)
    losses = np.zeros((progress.shape[0], 8), np.float64)
    K.train_subwords(
        wi, wo, c["tokens"], c["line_starts"], start, end, V, c["sub_ptr"], c["sub_ids"], keep,
        skipgram, 3, lr0, work, kind, noise, 5, codes, points, offsets, seed, 100, progress,
        losses, 0,
    )  # fmt: skip
    return wi, wo, losses


@pytest.mark.parametrize("kind", [NS, HS, SOFTMAX])
def test_subwords_pass_counts_known_tokens_and_keeps_progress_across_calls(kind: int) -> None:
    c = _corpus()
    one = np.zeros((1, 8), np.int64)
    _, _, losses = _subwords(c, kind, 0, N, 0.05, float(c["known"]), one)
    assert one[0, 0] == c["known"]
    assert np.isfinite(losses[0, 0]) and losses[0, 0] > 0 and losses[0, 1] > 0
    halves = np.zeros((1, 8), np.int64)
    _subwords(c, kind, 0, N // 2, 0.05, float(c["known"]), halves)
    _subwords(c, kind, N // 2, N, 0.05, float(c["known"]), halves)
    assert halves[0, 0] == c["known"]


@pytest.mark.parametrize("skipgram", [True, False])
def test_second_epoch_continues_the_learning_rate_schedule(skipgram: bool) -> None:
    # epoch 2 of 2 runs lr0 * (1 - (known + t) / (2 known)) = lr0/2 * (1 - t / known): the same
    # rates as a fresh one-epoch run at lr0/2, if and only if the kernel reads the carried progress
    c = _corpus()
    known = float(c["known"])
    progress = np.zeros((1, 8), np.int64)
    wi, wo, _ = _subwords(c, NS, 0, N, 0.05, 2 * known, progress, skipgram=skipgram)
    start_wi, start_wo = wi.copy(), wo.copy()
    _subwords(c, NS, 0, N, 0.05, 2 * known, progress, skipgram=skipgram, wi=wi, wo=wo)
    assert progress[0, 0] == 2 * c["known"]
    fresh = np.zeros((1, 8), np.int64)
    wi2, wo2 = start_wi.copy(), start_wo.copy()
    _subwords(c, NS, 0, N, 0.025, known, fresh, skipgram=skipgram, wi=wi2, wo=wo2)
    np.testing.assert_allclose(wi, wi2, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(wo, wo2, rtol=1e-4, atol=1e-6)
    assert not np.allclose(wi, start_wi, atol=1e-6)
    # a job that starts when all the planned work is done learns nothing (lr = 0)
    done = np.full((1, 8), c["known"], np.int64)
    wi3, wo3 = start_wi.copy(), start_wo.copy()
    _subwords(c, NS, 0, N, 0.05, known, done, skipgram=skipgram, wi=wi3, wo=wo3)
    assert np.array_equal(wi3, start_wi) and np.array_equal(wo3, start_wo)


def _examples() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2)
    n = 60
    n_in = rng.integers(1, 5, n)
    n_lab = rng.integers(1, 3, n)
    n_lab[::13] = 0  # examples without a label are read but not learned from
    in_ptr = np.r_[0, np.cumsum(n_in)].astype(np.int64)
    lab_ptr = np.r_[0, np.cumsum(n_lab)].astype(np.int64)
    return {
        "n": n,
        "in_ptr": in_ptr,
        "inputs": rng.integers(0, V + B, in_ptr[-1]).astype(np.int32),
        "lab_ptr": lab_ptr,
        "labels": rng.integers(0, 4, lab_ptr[-1]).astype(np.int32),
        "ntok": (n_in + 1).astype(np.int32),
    }


def _supervised(
    x: dict, kind: int, order: np.ndarray, progress: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    wi = ((rng.random((V + B, DIM), dtype=np.float32) - 0.5) / DIM).astype(np.float32)
    wo = np.zeros((3 if kind == HS else 4, DIM), np.float32)
    counts = np.array([40, 30, 20, 10], np.int64)
    codes, points, offsets = huffman_codes(counts)
    noise = noise_table(counts, 0.5, 100)
    if progress is None:
        progress = np.zeros((1, 8), np.int64)
    losses = np.zeros((1, 8), np.float64)
    work = max(float(x["ntok"][order].sum()), 1.0)
    K.train_supervised(
        wi, wo, x["in_ptr"], x["inputs"], x["lab_ptr"], x["labels"], x["ntok"], order, 0,
        order.shape[0], 0.2, work, kind, noise, 3, codes, points, offsets, 5, 20, progress,
        losses, 0,
    )  # fmt: skip
    return wi, wo, progress, losses


@pytest.mark.parametrize("kind", [SOFTMAX, HS, NS, OVA])
def test_supervised_visits_examples_in_the_given_order(kind: int) -> None:
    x = _examples()
    ident = np.arange(x["n"], dtype=np.int64)
    wi, wo, progress, losses = _supervised(x, kind, ident)
    assert progress[0, 0] == x["ntok"].sum()
    learned = int(np.sum(np.diff(x["lab_ptr"]) > 0))
    assert losses[0, 1] == learned and np.isfinite(losses[0, 0]) and losses[0, 0] > 0
    again = _supervised(x, kind, ident)
    assert np.array_equal(wi, again[0]) and np.array_equal(wo, again[1])
    perm = np.random.default_rng(4).permutation(x["n"]).astype(np.int64)
    shuffled = _supervised(x, kind, perm)
    assert not np.array_equal(wi, shuffled[0])
    # visiting one example over and over changes only its own input rows
    e = 5
    wi0 = _supervised(x, kind, np.zeros(0, np.int64))[0]
    only = _supervised(x, kind, np.full(10, e, np.int64))[0]
    changed = np.flatnonzero(np.any(only != wi0, axis=1))
    rows = np.unique(x["inputs"][x["in_ptr"][e] : x["in_ptr"][e + 1]])
    assert changed.size > 0 and np.all(np.isin(changed, rows))


def test_cached_kernels_load_without_numba_compiler_set_up(tmp_path):
    """A fresh process runs a cached kernel without importing numba's implementation registries."""
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from wordlab.kernels.corpus import rehash\n"
        "table = np.full(8, -1, np.int32)\n"
        "rehash(np.arange(1, 4, dtype=np.uint64), 3, table)\n"
        "print(sorted(table.tolist()), 'numba.np.arraymath' in sys.modules)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        for _ in range(2)  # the first may compile (and set the compiler up); the second loads
    ]
    table, registries_loaded = runs[1].stdout.rsplit(" ", 1)
    assert table == runs[0].stdout.rsplit(" ", 1)[0] == str([-1] * 6 + [1, 2])  # words 1, 2 placed
    assert registries_loaded.strip() == "False"
