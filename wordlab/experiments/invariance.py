"""GloVe's translation invariance, measured on a trained model's own co-occurrence records.

The loss J = sum_ij f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2 is a sum over the records.
Shift the word vectors, w_i -> w_i + c: the residual of record (i, j) changes by c . w~_j, which
depends on j only, so b~_j -> b~_j - c . w~_j restores every residual exactly. Shift the context
vectors too, w~_j -> w~_j + d: (w_i + c) . (w~_j + d) = w_i . w~_j + c . w~_j + w_i . d + c . d,
a part of j only, a part of i only and a constant, so b_i -> b_i - w_i . d - c . d with
b~_j -> b~_j - c . w~_j is exact again: the loss is invariant under independent translations of
W and W~, with both biases moving. Refitting only b~ after shifting both sides cannot absorb the
row part w_i . d, and the loss rises: measured here too.

The closed-form refit of one side's biases with everything else fixed is weighted least squares
per row: dJ/db~_j = 2 sum_i f_ij (r_ij) = 0, where r_ij is the residual, gives
b~_j* = b~_j - sum_i f_ij r_ij / sum_i f_ij (symmetrically for b_i). Since a shift of W changes
column j's residuals by the constant c . w~_j, the refitted loss after the shift equals the
refitted loss before it: the loss, minimised over b~, does not depend on c at all.

Everything here is float64 over the records as GloVe trains on them (a pair written twice, as
after a spill, counts twice), in one compiled pass per evaluation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wordlab.cooccur import read_records
from wordlab.kernels.jit import njit

CHUNK = 1 << 22  # records read per pass step (64 MB)


@njit(cache=True, nogil=True)
def _pass(word1, word2, value, W, Wt, b, bt, x_max, alpha, row_f, row_fr, col_f, col_fr):
    """Sum of f r^2 over the records; adds sum f and sum f r per word row and per context row."""
    loss = 0.0
    dim = W.shape[1]
    for k in range(word1.shape[0]):
        i = word1[k] - 1
        j = word2[k] - 1
        x = value[k]
        dot = 0.0
        for d in range(dim):
            dot += W[i, d] * Wt[j, d]
        r = dot + b[i] + bt[j] - math.log(x)
        f = 1.0 if x >= x_max else (x / x_max) ** alpha
        loss += f * r * r
        row_f[i] += f
        row_fr[i] += f * r
        col_f[j] += f
        col_fr[j] += f * r
    return loss


@dataclass
class GloVeParams:
    """A GloVe model's parameters in float64: word vectors and biases, context vectors and biases."""

    W: np.ndarray
    b: np.ndarray
    Wt: np.ndarray
    bt: np.ndarray

    @classmethod
    def from_params(cls, params: np.ndarray) -> GloVeParams:
        """Split glove.c's layout (2V rows of [vector, bias]) into float64 parts."""
        p = np.asarray(params, dtype=np.float64)
        V = p.shape[0] // 2
        return cls(p[:V, :-1].copy(), p[:V, -1].copy(), p[V:, :-1].copy(), p[V:, -1].copy())

    def replace(self, **parts: np.ndarray) -> GloVeParams:
        """A copy with some parts replaced."""
        return GloVeParams(**{**self.__dict__, **parts})


@dataclass
class PassResult:
    """The weighted loss and the per-row sums a closed-form bias refit needs."""

    loss: float
    row_f: np.ndarray
    row_fr: np.ndarray
    col_f: np.ndarray
    col_fr: np.ndarray


def loss_pass(records: np.ndarray, p: GloVeParams, x_max: float, alpha: float) -> PassResult:
    """J = sum f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2 over the records, in float64."""
    V = p.W.shape[0]
    out = [np.zeros(V) for _ in range(4)]
    total = 0.0
    W, Wt = np.ascontiguousarray(p.W), np.ascontiguousarray(p.Wt)
    for a in range(0, records.shape[0], CHUNK):
        chunk = np.asarray(records[a : a + CHUNK])
        w1, w2 = chunk["word1"].astype(np.int64), chunk["word2"].astype(np.int64)
        if w1.min() < 1 or w1.max() > V or w2.min() < 1 or w2.max() > V:
            raise ValueError("records refer to words outside the parameters")
        total += _pass(w1, w2, chunk["value"], W, Wt, p.b, p.bt, x_max, alpha, *out)
    return PassResult(total, *out)


def refit_context_biases(r: PassResult, p: GloVeParams) -> np.ndarray:
    """b~_j minimising J with W, W~ and b fixed: b~_j - sum_i f r / sum_i f (unseen: kept)."""
    step = np.divide(r.col_fr, r.col_f, out=np.zeros_like(r.col_fr), where=r.col_f > 0)
    return p.bt - step


def refit_word_biases(r: PassResult, p: GloVeParams) -> np.ndarray:
    """b_i minimising J with W, W~ and b~ fixed: b_i - sum_j f r / sum_j f (unseen: kept)."""
    step = np.divide(r.row_fr, r.row_f, out=np.zeros_like(r.row_fr), where=r.row_f > 0)
    return p.b - step


def _rel(a: float, b: float) -> float:
    return (a - b) / abs(b) if b else float("nan")


def neighbour_overlap(before: np.ndarray, after: np.ndarray, rows: list[int], k: int = 10) -> float:
    """Mean share of the k cosine neighbours of `rows` that two matrices agree on (1: same)."""

    def top(m: np.ndarray) -> list[set[int]]:
        unit = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-30)
        sims = unit[rows] @ unit.T
        sims[np.arange(len(rows)), rows] = -np.inf
        return [set(np.argpartition(-s, k)[:k].tolist()) for s in sims]

    return float(np.mean([len(a & b) / k for a, b in zip(top(before), top(after), strict=True)]))


def invariance_study(
    records_path: str | Path,
    params: np.ndarray,
    x_max: float,
    alpha: float,
    seed: int,
    probe_rows: list[int],
) -> dict[str, Any]:
    """Shift W (and W~) by constant vectors, re-set or refit the biases, measure loss and vectors.

    c is a random direction scaled to the median norm of the vectors users take (W + W~); the
    second shift, "centre", is c = -mean(W + W~), which makes W + W~ mean-free: centring is
    itself one of the loss's invariances. Returns the rows of the report's invariance table
    (losses and their changes relative to the reference) and what each shift does to W + W~.
    """
    records = read_records(records_path)
    p = GloVeParams.from_params(params)
    user = p.W + p.Wt
    rng = np.random.default_rng(seed)
    c = rng.standard_normal(p.W.shape[1])
    c *= np.median(np.linalg.norm(user, axis=1)) / np.linalg.norm(c)

    base = loss_pass(records, p, x_max, alpha)
    refit0 = p.replace(bt=refit_context_biases(base, p))
    base_refit = loss_pass(records, refit0, x_max, alpha)
    rows: list[dict[str, Any]] = []

    def add(shift: str, biases: str, q: GloVeParams, reference: float, ref_name: str) -> float:
        loss = loss_pass(records, q, x_max, alpha).loss
        rows.append({"shift": shift, "biases": biases, "loss": loss, "reference": ref_name,
                     "relative_change": _rel(loss, reference)})  # fmt: skip
        return loss

    rows.append({"shift": "none", "biases": "as trained", "loss": base.loss, "reference": "-",
                 "relative_change": 0.0})  # fmt: skip
    rows.append({"shift": "none", "biases": "b~ refit (closed form)", "loss": base_refit.loss,
                 "reference": "as trained", "relative_change": _rel(base_refit.loss, base.loss)})  # fmt: skip
    shifted = p.replace(W=p.W + c, bt=p.bt - p.Wt @ c)
    add("W + c", "b~ - W~c (exact)", shifted, base.loss, "as trained")
    moved = p.replace(W=p.W + c)
    moved_pass = loss_pass(records, moved, x_max, alpha)
    rows.append({"shift": "W + c", "biases": "unchanged", "loss": moved_pass.loss,
                 "reference": "as trained", "relative_change": _rel(moved_pass.loss, base.loss)})  # fmt: skip
    refit1 = moved.replace(bt=refit_context_biases(moved_pass, moved))
    add("W + c", "b~ refit (closed form)", refit1, base_refit.loss, "b~ refit, no shift")
    bias_gap = float(np.abs(refit1.bt - (refit0.bt - p.Wt @ c)).max())
    both = p.replace(W=p.W + c, Wt=p.Wt + c)
    both_pass = loss_pass(records, both, x_max, alpha)
    add("W + c and W~ + c", "b~ refit only (closed form)",
        both.replace(bt=refit_context_biases(both_pass, both)), base_refit.loss,
        "b~ refit, no shift")  # fmt: skip
    exact_both = both.replace(b=p.b - p.W @ c - c @ c, bt=p.bt - p.Wt @ c)
    add("W + c and W~ + c", "b - Wc - c.c, b~ - W~c (exact)", exact_both, base.loss, "as trained")
    centre = -user.mean(axis=0) / 2  # shifting both sides by this centres W + W~
    add("W, W~ + m (m = -mean(W+W~)/2)", "b - Wm - m.m, b~ - W~m (exact)",
        p.replace(W=p.W + centre, Wt=p.Wt + centre, b=p.b - p.W @ centre - centre @ centre,
                  bt=p.bt - p.Wt @ centre), base.loss, "as trained")  # fmt: skip

    norms = np.linalg.norm(user, axis=1)
    effects = {}
    for name, new in (("W + c", user + c), ("W + c and W~ + c", user + 2 * c),
                      ("centring shift", user + 2 * centre)):  # fmt: skip
        new_norms = np.linalg.norm(new, axis=1)
        effects[name] = {
            "user_vectors": {
                "W + c": "W + W~ + c",
                "W + c and W~ + c": "W + W~ + 2c",
                "centring shift": "W + W~ - mean",
            }[name],  # fmt: skip
            "neighbour_overlap_top10": neighbour_overlap(user, new, probe_rows),
            "mean_norm_before": float(norms.mean()),
            "mean_norm_after": float(new_norms.mean()),
            "norm_rank_correlation": _rank_corr(norms, new_norms),
        }
    return {
        "records": int(records.shape[0]),
        "x_max": x_max,
        "alpha": alpha,
        "shift_norm": float(np.linalg.norm(c)),
        "mean_user_vector_norm": float(np.linalg.norm(user.mean(axis=0))),
        "rows": rows,
        "bias_refit_max_gap": bias_gap,
        "effects": effects,
        "probe_words": len(probe_rows),
    }


def _rank_corr(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman correlation (no ties expected): does a shift keep the order of the norms?"""
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])
