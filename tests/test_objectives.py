"""The shared objectives: gradients against finite differences of an exact loss, C-tool details."""

from __future__ import annotations

import numpy as np
import pytest

from wordlab.kernels import losses
from wordlab.kernels import objectives as obj
from wordlab.vocab import huffman_codes

DIM = 6
# The sigmoid comes from word2vec's 1000-bin table (bins 0.012 wide, slope <= 1/4), so the
# updates can differ from the exact gradient by about 0.003 per unit; compare at 0.01.
TOL = 1e-2


def _sig(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-x))


def _setup(n_out: int = 7, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    h = (rng.standard_normal(DIM) * 0.5).astype(np.float32)
    wo = (rng.standard_normal((n_out, DIM)) * 0.5).astype(np.float32)
    return h, wo


def _numeric_grads(loss, h: np.ndarray, wo: np.ndarray, eps: float = 1e-4):
    """Central differences of `loss(h, wo)` (float64) w.r.t. h and wo."""
    h, wo = h.astype(np.float64), wo.astype(np.float64)
    gh = np.zeros_like(h)
    gw = np.zeros_like(wo)
    for k in range(h.size):
        d = np.zeros_like(h)
        d[k] = eps
        gh[k] = (loss(h + d, wo) - loss(h - d, wo)) / (2 * eps)
    for idx in np.ndindex(wo.shape):
        d = np.zeros_like(wo)
        d[idx] = eps
        gw[idx] = (loss(h, wo + d) - loss(h, wo - d)) / (2 * eps)
    return gh, gw


def _logistic_loss(rows: list[int], labels: list[int]):
    def loss(h, wo):
        f = wo[rows] @ h
        y = np.asarray(labels)
        return float(-(y * np.log(_sig(f)) + (1 - y) * np.log(1 - _sig(f))).sum())

    return loss


def _check(call, loss, h: np.ndarray, wo: np.ndarray, terms: int = 1) -> None:
    """With lr = 1 an objective must add -dL/dh to grad and -dL/dwo to wo, and return L."""
    grad = np.zeros(DIM, dtype=np.float32)
    w = wo.copy()
    got = call(h, grad, w)
    gh, gw = _numeric_grads(loss, h, wo)
    np.testing.assert_allclose(grad, -gh, atol=TOL)
    np.testing.assert_allclose(w - wo, -gw, atol=TOL)
    # the loss table's bins are 0.012 wide: at most 0.006 off per logistic term
    exact = loss(h.astype(np.float64), wo.astype(np.float64))
    assert got == pytest.approx(exact, abs=0.006 * terms + 1e-6)


@pytest.mark.parametrize("label", [0, 1])
def test_binary_logistic_gradient(label: int) -> None:
    h, wo = _setup()
    _check(
        lambda h, g, w: obj.binary_logistic(h, g, w, 3, label, 1.0),
        _logistic_loss([3], [label]),
        h,
        wo,
    )


@pytest.mark.parametrize("score", [-8.0, 8.0])
@pytest.mark.parametrize("label", [0, 1])
def test_saturated_scores_clamped_or_skipped(score: float, label: int) -> None:
    """word2vec and fastText clamp a saturated score's update; gensim's rule skips it."""
    h, wo = _setup()
    wo[3] = h * (score / float(h @ h))
    expected_step = label - (1.0 if score > 0 else 0.0)  # lr * (label - clamped sigmoid)
    for skip in (False, True):
        grad = np.zeros(DIM, dtype=np.float32)
        w = wo.copy()
        loss = obj.binary_logistic(h, grad, w, 3, label, 1.0, skip)
        step = 0.0 if skip else expected_step
        np.testing.assert_allclose(grad, step * wo[3], atol=1e-6)
        np.testing.assert_allclose(w[3], wo[3] + step * h, atol=1e-6)
        exact = float(np.logaddexp(0.0, score) - (score if label else 0.0))
        assert loss == pytest.approx(exact, abs=0.01)  # counted either way


def test_hierarchical_softmax_gradient_and_skip_of_saturated_nodes() -> None:
    h, wo = _setup(n_out=5)
    codes = np.array([1, 0, 1], dtype=np.uint8)
    points = np.array([4, 2, 0], dtype=np.int32)
    labels = [1 - c for c in codes]
    _check(
        lambda h, g, w: obj.hierarchical_softmax(h, g, w, codes, points, 1.0),
        _logistic_loss(list(points), labels),
        h,
        wo,
        terms=3,
    )
    # a node scored beyond MAX_EXP is left alone, as in word2vec.c
    wo[2] = h * (8.0 / float(h @ h))  # score exactly 8
    grad = np.zeros(DIM, dtype=np.float32)
    w = wo.copy()
    obj.hierarchical_softmax(h, grad, w, codes, points, 1.0)
    np.testing.assert_array_equal(w[2], wo[2])
    assert not np.array_equal(w[4], wo[4])


def test_hierarchical_softmax_range_matches_slices() -> None:
    h, wo = _setup(n_out=5)
    codes = np.array([0, 1, 1, 0, 1], dtype=np.uint8)
    points = np.array([3, 1, 4, 2, 0], dtype=np.int32)
    g1, g2 = np.zeros(DIM, np.float32), np.zeros(DIM, np.float32)
    w1, w2 = wo.copy(), wo.copy()
    l1 = obj.hierarchical_softmax(h, g1, w1, codes[1:4], points[1:4], 0.1)
    l2 = obj.hierarchical_softmax_range(h, g2, w2, codes, points, 1, 4, 0.1)
    assert l1 == l2
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(w1, w2)


def _lcg_draws(seed: int, noise: np.ndarray, k: int) -> list[int]:
    """The noise ids negative_sampling draws, recomputed in Python from the documented rule."""
    r, out = seed, []
    for _ in range(k):
        r = (r * 25214903917 + 11) % 2**64
        out.append(int(noise[((r >> 32) * len(noise)) >> 32]))
    return out


def _ns(h, g, w, target, noise, negative, lr, state, skip=False) -> float:  # noqa: ANN001
    """Negative sampling as fastText's kernels run it: through the dispatch, drawing its noise."""
    targets = np.array([target], dtype=np.int32)
    drawn = np.zeros(max(negative, 1), dtype=np.int32)
    empty_codes, empty_points = np.zeros(0, np.uint8), np.zeros(0, np.int32)
    return losses.objective(
        losses.NS, h, g, w, targets, 0, 1, noise, negative, drawn, empty_codes, empty_points,
        np.zeros(1, np.int64), lr, state, np.zeros(w.shape[0], np.float32), skip,
    )  # fmt: skip


def test_negative_sampling_gradient_and_draws() -> None:
    h, wo = _setup(n_out=9)
    noise = np.array([1, 2, 3, 4, 5, 6, 7, 8, 8, 8], dtype=np.int32)
    target, negative = 0, 3
    seed = next(s for s in range(1, 1000) if len(set(_lcg_draws(s, noise, negative))) == negative)
    draws = _lcg_draws(seed, noise, negative)
    state = np.array([seed], dtype=np.uint64)
    _check(
        lambda h, g, w: _ns(h, g, w, target, noise, negative, 1.0, state),
        _logistic_loss([target, *draws], [1] + [0] * negative),
        h,
        wo,
        terms=4,
    )
    assert int(state[0]) == _lcg_state(seed, negative)


def _lcg_state(seed: int, steps: int) -> int:
    r = seed
    for _ in range(steps):
        r = (r * 25214903917 + 11) % 2**64
    return r


def test_dispatch_draws_then_samples_as_word2vec_does() -> None:
    # fastText's path (the dispatch draws) and word2vec's (noise ids drawn ahead, several steps
    # from one buffer) run the same function: same draws, same result
    h, wo = _setup(n_out=9)
    noise = np.array([1, 2, 3, 4, 5, 6, 7, 8, 8, 0], dtype=np.int32)
    g1, g2 = np.zeros(DIM, np.float32), np.zeros(DIM, np.float32)
    w1, w2 = wo.copy(), wo.copy()
    s1, s2 = np.array([99], np.uint64), np.array([99], np.uint64)
    l1 = _ns(h, g1, w1, 0, noise, 5, 0.5, s1)
    drawn = np.zeros(8, dtype=np.int32)
    obj.draw_noise(s2, noise, drawn[3:], 5)
    assert drawn[3:].tolist() == _lcg_draws(99, noise, 5)
    l2 = obj.negative_sampling(h, g2, w2, 0, drawn, 3, 8, 0.5)
    assert l1 == l2 and s1[0] == s2[0]
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(w1, w2)


def test_dispatch_equals_each_loss() -> None:
    h, wo = _setup(n_out=4)
    counts = np.array([8, 4, 2, 1], dtype=np.int64)
    codes, points, offsets = huffman_codes(counts)
    targets = np.array([3, 1, 2], dtype=np.int32)
    noise = np.zeros(1, np.int32)
    direct = {
        losses.SOFTMAX: lambda g, w: losses.softmax(h, g, w, 1, 0.3, np.zeros(4, np.float32)),
        losses.HS: lambda g, w: obj.hierarchical_softmax(
            h, g, w, codes[offsets[1] : offsets[2]], points[offsets[1] : offsets[2]], 0.3
        ),
        losses.OVA: lambda g, w: losses.one_vs_all(h, g, w, targets[1:3], 0.3),
    }
    for kind, call in direct.items():
        g1, g2 = np.zeros(DIM, np.float32), np.zeros(DIM, np.float32)
        w1, w2 = wo.copy(), wo.copy()
        l1 = call(g1, w1)
        l2 = losses.objective(
            kind, h, g2, w2, targets, 1, 3, noise, 0, np.zeros(1, np.int32), codes, points,
            offsets, 0.3, np.array([1], np.uint64), np.zeros(4, np.float32), False,
        )  # fmt: skip
        assert l1 == pytest.approx(l2, rel=1e-6)
        np.testing.assert_allclose(g1, g2, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(w1, w2, rtol=1e-6, atol=1e-7)
        assert not np.array_equal(w2, wo)


def test_output_probabilities_for_each_loss() -> None:
    h, wo = _setup(n_out=4)
    codes, points, offsets = huffman_codes(np.array([9, 5, 2, 1, 1], dtype=np.int64))
    scores = np.zeros(5, np.float32)
    f = wo.astype(np.float64) @ h
    assert losses.output_probabilities(losses.SOFTMAX, h, wo, codes, points, offsets, scores) == 4
    np.testing.assert_allclose(scores[:4], np.exp(f) / np.exp(f).sum(), rtol=1e-5)
    for kind in (losses.NS, losses.OVA):
        assert losses.output_probabilities(kind, h, wo, codes, points, offsets, scores) == 4
        np.testing.assert_allclose(scores[:4], _sig(f), rtol=1e-5)
    # hierarchical softmax: 5 labels on a tree of 4 inner nodes; the exact path products sum to 1
    assert losses.output_probabilities(losses.HS, h, wo, codes, points, offsets, scores) == 5
    assert float(scores.sum()) == pytest.approx(1.0, abs=1e-5)


def test_negative_sampling_skips_a_draw_equal_to_the_target() -> None:
    h, wo = _setup(n_out=3)
    noise = np.array([2], dtype=np.int32)  # every draw is the target
    grad = np.zeros(DIM, dtype=np.float32)
    w = wo.copy()
    state = np.array([5], dtype=np.uint64)
    loss = _ns(h, grad, w, 2, noise, 4, 1.0, state)
    assert loss == pytest.approx(-np.log(_sig(float(wo[2] @ h))), abs=0.006)
    np.testing.assert_array_equal(w[:2], wo[:2])


def test_negative_sampling_passes_the_saturation_rule_to_every_unit() -> None:
    h, wo = _setup(n_out=3)
    noise = np.array([1], dtype=np.int32)  # every draw is row 1
    wo[1] = h * (8.0 / float(h @ h))  # a noise row scored 8: saturated and wrong
    results = {}
    for skip in (False, True):
        grad = np.zeros(DIM, dtype=np.float32)
        w = wo.copy()
        _ns(h, grad, w, 0, noise, 2, 1.0, np.array([5], np.uint64), skip)
        results[skip] = w
        assert not np.array_equal(w[0], wo[0])  # the target is not saturated: updated either way
    np.testing.assert_allclose(results[False][1], wo[1] - 2 * h, atol=1e-5)  # clamped, twice
    np.testing.assert_array_equal(results[True][1], wo[1])  # skipped


def test_softmax_gradient_and_probabilities() -> None:
    h, wo = _setup(n_out=5)

    def loss(h, wo):
        s = wo @ h
        return float(-(s[2] - s.max() - np.log(np.exp(s - s.max()).sum())))

    scores = np.zeros(5, dtype=np.float32)
    grad = np.zeros(DIM, dtype=np.float32)
    w = wo.copy()
    got = losses.softmax(h, grad, w, 2, 1.0, scores)
    gh, gw = _numeric_grads(loss, h, wo)
    # softmax uses exact exp: tight agreement
    np.testing.assert_allclose(grad, -gh, atol=1e-4)
    np.testing.assert_allclose(w - wo, -gw, atol=1e-4)
    assert got == pytest.approx(loss(h, wo), rel=1e-5)
    s = wo.astype(np.float64) @ h
    np.testing.assert_allclose(scores, np.exp(s) / np.exp(s).sum(), rtol=1e-5)


def test_one_vs_all_gradient() -> None:
    h, wo = _setup(n_out=4)
    targets = np.array([1, 3], dtype=np.int32)
    _check(
        lambda h, g, w: losses.one_vs_all(h, g, w, targets, 1.0),
        _logistic_loss([0, 1, 2, 3], [0, 1, 0, 1]),
        h,
        wo,
        terms=4,
    )


def test_tables_and_generator_as_the_c_tool() -> None:
    # expTable[i] = sigmoid((i / 1000 * 2 - 1) * 6), looked up at (int)((f + 6) * 1000 / 12)
    assert obj.SIGMOID_TABLE.shape == (1000,)
    assert obj.logistic(0.0, 1)[0] == pytest.approx(_sig(0.0))
    p_one = _sig((int(7 * 1000 / 12) / 500 - 1) * 6)
    assert obj.logistic(1.0, 1)[0] == pytest.approx(p_one, abs=1e-7)
    assert obj.logistic(6.5, 0) == (1.0, pytest.approx(6.5)) and obj.logistic(-6.5, 1)[0] == 0.0
    # the losses: -log(1 - p) = softplus(f) for label 0, -log p = softplus(f) - f for label 1
    assert obj.logistic(2.0, 0)[1] == pytest.approx(np.log1p(np.exp(2.0)), abs=0.006)
    assert obj.logistic(2.0, 1)[1] == pytest.approx(np.log1p(np.exp(-2.0)), abs=0.006)
    state = np.array([1], dtype=np.uint64)
    assert int(obj.lcg_next(state)) == 25214903917 + 11
    assert int(obj.lcg_next(state)) == ((25214903917 + 11) * 25214903917 + 11) % 2**64
