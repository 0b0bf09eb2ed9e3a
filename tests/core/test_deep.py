"""Lesson 8: init schemes, per-layer gradient norms, symmetry, dead units, the sawtooth, depth vs width."""
import subprocess
import sys

import numpy as np
import pytest

import bpkit
from bpkit import deep
from bpkit.network import INITS


# ---------------------------------------------------------------- core imports only numpy
def test_deep_imports_without_matplotlib_or_ipywidgets():
    code = (
        "import sys; import bpkit.deep; "
        "from bpkit.deep import layer_stats, gradient_norms, unit_spread, dead_units, gradient_norm_history, "
        "sawtooth, count_pieces, train_shapes, width_for_budget, decision_grid; "
        "bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'ipympl') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


# ---------------------------------------------------------------- init schemes
def test_default_init_is_lecun_and_unchanged():
    # the expression Network used before init= existed, drawn from the same seeded generator
    sizes = [7, 5, 3, 2]
    rng = np.random.default_rng(4)
    before = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    for net in (bpkit.Network(sizes, seed=4), bpkit.Network(sizes, seed=4, init="lecun")):
        assert net.init == "lecun" and net.init_scale == 1.0
        assert all(np.array_equal(W, B) for W, B in zip(net.weights, before))
        assert all(np.array_equal(b, np.zeros_like(b)) for b in net.biases)


S_IN, S_OUT = 300, 500
EXPECTED_VAR = {"lecun": 1 / S_IN, "normal": 1.0, "ng": 2 / (S_IN + S_OUT), "glorot": 2 / (S_IN + S_OUT),
                "he": 2 / S_IN, "zeros": 0.0}


@pytest.mark.parametrize("init", list(INITS))
@pytest.mark.parametrize("scale", [1.0, 0.3])
def test_every_scheme_has_its_mean_and_variance(init, scale):
    W = bpkit.Network([S_IN, S_OUT], seed=2, init=init, init_scale=scale).weights[0]
    var = EXPECTED_VAR[init] * scale**2
    n = W.size
    if var == 0:
        assert np.all(W == 0)
        return
    # the sample mean has standard deviation sqrt(var / n); the sample variance about var * sqrt(2 / n)
    # (a uniform's is smaller). 6 standard deviations: a false failure is essentially impossible.
    assert abs(W.mean()) < 6 * np.sqrt(var / n)
    assert abs(W.var() - var) < 6 * var * np.sqrt(2 / n)


def test_ng_is_uniform_within_its_epsilon():
    W = bpkit.Network([S_IN, S_OUT], seed=0, init="ng").weights[0]
    eps = np.sqrt(6) / np.sqrt(S_IN + S_OUT)
    assert W.min() >= -eps and W.max() <= eps
    assert W.min() < -0.99 * eps and W.max() > 0.99 * eps  # it fills the interval


def test_init_scale_multiplies_the_same_draw():
    a = bpkit.Network([6, 4, 2], seed=3, init="he")
    b = bpkit.Network([6, 4, 2], seed=3, init="he", init_scale=2.5)
    assert all(np.allclose(2.5 * Wa, Wb, rtol=1e-15, atol=0) for Wa, Wb in zip(a.weights, b.weights))
    c = a.copy()
    assert c.init == "he" and c.init_scale == 1.0


@pytest.mark.parametrize("bad, err, words", [
    (dict(init="xavier"), ValueError, "init must be one of"),
    (dict(init=("normal", 0.5)), ValueError, "init must be one of"),
    (dict(init_scale=0), ValueError, "init_scale must be a positive number"),
    (dict(init_scale=-1.0), ValueError, "init_scale must be a positive number"),
    (dict(init_scale=float("inf")), ValueError, "init_scale must be a positive number"),
    (dict(init_scale="big"), TypeError, "init_scale must be a positive number"),
    (dict(init_scale=True), TypeError, "init_scale must be a positive number"),
])
def test_bad_init_arguments_say_what_was_expected(bad, err, words):
    with pytest.raises(err, match=words):
        bpkit.Network([2, 3, 1], **bad)


# ---------------------------------------------------------------- per-layer statistics
@pytest.mark.parametrize("activation, init", [("sigmoid", "lecun"), ("tanh", "glorot"), ("relu", "he")])
def test_gradient_norms_are_the_norms_of_backprops_gradients(activation, init):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    Y = rng.uniform(0, 1, (40, 3))
    net = deep.deep_network(6, 5, 4, 3, activation=activation, init=init, seed=1)
    s = deep.layer_stats(net, X, Y, kind="quadratic")
    dW, db = bpkit.backprop(net, X, Y, kind="quadratic")
    assert np.allclose(s.grad_norms, [np.linalg.norm(g) for g in dW], rtol=1e-12)
    assert np.allclose(s.bias_grad_norms, [np.linalg.norm(g) for g in db], rtol=1e-12)
    assert s.ratio == pytest.approx(np.linalg.norm(dW[0]) / np.linalg.norm(dW[-1]))
    hidden = net.trace(X).activations[1:-1]
    assert np.allclose(s.act_mean, [a.mean() for a in hidden]) and np.allclose(s.act_std, [a.std() for a in hidden])
    assert s.hist.shape == (4, 40) and np.all(s.hist.max(axis=1) <= 1.0)


def test_sigmoid_gradients_vanish_and_relu_he_stays_level():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (200, 50))
    Y = bpkit.one_hot(rng.integers(0, 5, 200), 5)
    sig = deep.layer_stats(deep.deep_network(50, 32, 8, 5, "sigmoid", "lecun"), X, Y)
    he = deep.layer_stats(deep.deep_network(50, 32, 8, 5, "relu", "he"), X, Y)
    big = deep.layer_stats(deep.deep_network(50, 32, 8, 5, "relu", "he", init_scale=2.0), X, Y)
    assert sig.ratio < 1e-3
    assert 0.05 < he.ratio < 20
    assert big.grad_norms[0] > 100 * he.grad_norms[0]


def test_dead_units_are_units_with_zero_slope_on_every_example():
    X = np.random.default_rng(0).uniform(0, 1, (30, 4))
    net = deep.deep_network(4, 6, 2, 1, activation="relu", init="he", seed=0)
    net.biases[0][[1, 4]] = -100.0  # z < 0 on every example: dead
    dead = deep.dead_units(net, X)
    assert dead[0] == 2
    assert deep.layer_stats(net, X, np.zeros((30, 1))).dead[0] == 2
    assert np.all(deep.dead_units(deep.deep_network(4, 6, 2, 1, "sigmoid"), X) == 0)


# ---------------------------------------------------------------- symmetry
def test_zero_init_keeps_every_hidden_unit_a_copy():
    X, labels = bpkit.make_moons(n=120, seed=0)
    Y = bpkit.one_hot(labels, 2)
    for fast in (True, False):
        net = bpkit.Network([2, 8, 8, 2], init="zeros")  # (with tanh, a = tanh(0) = 0 and nothing but biases learns)
        bpkit.sgd(net, X, Y, epochs=5, batch_size=10, lr=0.5, kind="cross_entropy", fast=fast)
        assert np.all(deep.unit_spread(net) == 0.0)
        assert np.any(net.weights[-1] != 0)  # the output layer did learn
    rand = bpkit.Network([2, 8, 8, 2])
    bpkit.sgd(rand, X, Y, epochs=5, batch_size=10, lr=0.5, kind="cross_entropy")
    assert np.all(deep.unit_spread(rand) > 0.1)


def test_zero_init_gradient_columns_are_identical():
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((20, 3)), rng.uniform(0, 1, (20, 2))
    net = bpkit.Network([3, 4, 4, 2], init="zeros")
    net.weights[1][:] = 0.3  # equal weights everywhere: still symmetric, and now every W gets a gradient
    net.weights[2][:] = -0.2
    dW, db = bpkit.backprop(net, X, Y)
    for g in dW[:2]:  # every hidden unit's incoming weights get the same gradient
        assert np.all(g == g[:, :1]) and np.any(g != 0)
    assert np.all(dW[2] == dW[2][:1])  # and so do their outgoing weights (rows of W(3))


# ---------------------------------------------------------------- the sawtooth
@pytest.mark.parametrize("k", range(1, 7))
def test_sawtooth_has_2_to_the_k_pieces(k):
    x, y = deep.sawtooth_grid(k)
    assert deep.count_pieces(x, y) == 2**k
    # finer grids and an off-grid check agree: the kinks are at multiples of 2^-k
    x2, y2 = deep.sawtooth_grid(k, per_piece=32)
    assert deep.count_pieces(x2, y2) == 2**k
    assert np.allclose(deep.sawtooth(np.arange(2**k + 1) / 2**k, k), np.arange(2**k + 1) % 2)
    assert deep.shallow_units_needed(2**k) == 2**k - 1


def test_tent_is_two_relu_units():
    x = np.linspace(0, 1, 101)
    assert np.allclose(deep.tent(x), np.where(x < 0.5, 2 * x, 2 - 2 * x))
    assert np.array_equal(deep.sawtooth(x, 0), x)


def test_count_pieces_rejects_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        deep.count_pieces([0, 0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match="k must be an integer"):
        deep.sawtooth([0.5], -1)


# ---------------------------------------------------------------- depth vs width
def test_width_for_budget_is_the_largest_width_within_the_budget():
    for depth in (1, 2, 3, 6):
        w = deep.width_for_budget(2, 1, depth, 150)
        assert deep.deep_network(2, w, depth, 1).num_params() <= 150
        assert deep.deep_network(2, w + 1, depth, 1).num_params() > 150
    with pytest.raises(ValueError, match="too small"):
        deep.width_for_budget(2, 1, 5, 10)


def test_train_shapes_trains_each_shape_with_sgd():
    X, labels = bpkit.make_moons(n=60, seed=0)
    Xt, lt = bpkit.make_moons(n=60, seed=1)
    res = deep.train_shapes(X, labels, Xt, lt, depths=(1, 2), budget=60, epochs=5)
    assert [r.depth for r in res] == [1, 2] and all(r.params <= 60 for r in res)
    ref = deep.deep_network(2, res[1].width, 2, 1, activation="relu", init="he")
    bpkit.sgd(ref, X, labels[:, None].astype(float), epochs=5, batch_size=20, lr=0.1, kind="cross_entropy")
    assert all(np.array_equal(a, b) for a, b in zip(ref.weights, res[1].net.weights))
    assert res[1].test_accuracy == deep.binary_accuracy(ref, Xt, lt)
    probs, extent = deep.decision_grid(ref, (0, 0), (1, 1), n=5)
    assert probs.shape == (5, 5) and extent == (0.0, 1.0, 0.0, 1.0)
    assert probs[0, 4] == pytest.approx(ref.predict([[1.0, 0.0]])[0, 0])


def test_gradient_norm_history_records_every_epoch():
    X, labels = bpkit.make_moons(n=40, seed=0)
    Y = labels[:, None].astype(float)
    net = deep.deep_network(2, 4, 3, 1, "relu", "he")
    start = deep.gradient_norms(net, X, Y)[0]
    norms, history = deep.gradient_norm_history(net, X, Y, epochs=3, batch_size=10, lr=0.1)
    assert norms.shape == (4, 4) and len(history.cost) == 3
    assert np.allclose(norms[0], start) and np.allclose(norms[-1], deep.gradient_norms(net, X, Y)[0])


def test_make_spiral_is_seeded_and_balanced():
    X, labels = bpkit.make_spiral(n=200, seed=3)
    X2, labels2 = bpkit.make_spiral(n=200, seed=3)
    assert X.shape == (200, 2) and np.array_equal(X, X2) and np.array_equal(labels, labels2)
    assert labels.sum() == 100 and X.min() > -0.1 and X.max() < 1.1
    assert not np.array_equal(X, bpkit.make_spiral(n=200, seed=4)[0])
    with pytest.raises(ValueError, match="turns"):
        bpkit.make_spiral(turns=0)
