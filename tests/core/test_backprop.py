"""Analytic gradients against central differences, on random architectures."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpkit
from problems import random_problem

architectures = st.lists(st.integers(1, 5), min_size=2, max_size=4)


def numeric_grads(net, X, Y, kind, lam):
    work = net.copy()
    g = bpkit.numerical_gradient(lambda: bpkit.cost(work, X, Y, kind=kind, lam=lam), work.params(), eps=1e-5)
    n = len(net.weights)
    return g[:n], g[n:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=architectures,
    m=st.integers(1, 7),
    kind=st.sampled_from(["quadratic", "cross_entropy"]),
    lam=st.sampled_from([0.0, 0.1, 2.5]),
    activation=st.sampled_from(["sigmoid", "tanh"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_backprop_matches_central_differences(sizes, m, kind, lam, activation, seed):
    rng = np.random.default_rng(seed)
    net, X, Y = random_problem(rng, sizes, m, kind)
    net.activation = activation
    dW, db = bpkit.backprop(net, X, Y, kind=kind, lam=lam)
    nW, nb = numeric_grads(net, X, Y, kind, lam)
    assert [g.shape for g in dW] == [W.shape for W in net.weights]
    assert [g.shape for g in db] == [b.shape for b in net.biases]
    err = bpkit.relative_error(dW + db, nW + nb)
    assert err < 1e-7, (sizes, m, kind, lam, err)


@settings(max_examples=60, deadline=None)
@given(
    sizes=architectures,
    m=st.integers(1, 9),
    kind=st.sampled_from(["quadratic", "cross_entropy"]),
    lam=st.sampled_from([0.0, 0.7]),
    activation=st.sampled_from(["sigmoid", "tanh", "relu"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_loop_equals_vectorized(sizes, m, kind, lam, activation, seed):
    rng = np.random.default_rng(seed)
    net, X, Y = random_problem(rng, sizes, m, kind)
    net.activation = activation
    loop = bpkit.backprop_loop(net, X, Y, kind=kind, lam=lam)
    vec = bpkit.backprop(net, X, Y, kind=kind, lam=lam)
    for a, b in zip(loop.dW + loop.db, vec.dW + vec.db):
        assert bpkit.relative_error(a, b) < 1e-12


def test_relu_gradient_away_from_kinks():
    rng = np.random.default_rng(5)
    net, X, Y = random_problem(rng, [3, 6, 2], 8, "cross_entropy")
    net.activation = "relu"
    zs, _ = net.forward(X)
    assert np.min(np.abs(zs[1])) > 1e-4  # no unit sits on the kink, so f' is well defined
    dW, db = bpkit.backprop(net, X, Y, kind="cross_entropy", lam=0.2)
    nW, nb = numeric_grads(net, X, Y, "cross_entropy", 0.2)
    assert bpkit.relative_error(dW + db, nW + nb) < 1e-7


def test_bias_gradient_is_not_regularized():
    rng = np.random.default_rng(3)
    net, X, Y = random_problem(rng, [3, 4, 2], 5, "quadratic")
    g0 = bpkit.backprop(net, X, Y)
    g1 = bpkit.backprop(net, X, Y, lam=3.0)
    for a, b in zip(g0.db, g1.db):
        np.testing.assert_array_equal(a, b)
    for a, b, W in zip(g0.dW, g1.dW, net.weights):
        np.testing.assert_allclose(b - a, 3.0 * W / 5, rtol=1e-12, atol=1e-15)


def test_hand_worked_one_neuron():
    # z = w x + b, a = sigma(z), J = (a - y)^2 / 2 with w=0.5, b=0.1, x=2, y=1
    net = bpkit.Network([1, 1])
    net.weights[0][:] = 0.5
    net.biases[0][:] = 0.1
    z = 0.5 * 2 + 0.1
    a = 1 / (1 + np.exp(-z))
    dJ_dz = (a - 1.0) * a * (1 - a)
    (dW,), (db,) = bpkit.backprop(net, [[2.0]], [[1.0]])
    assert dW[0, 0] == pytest.approx(dJ_dz * 2.0, rel=1e-14)
    assert db[0] == pytest.approx(dJ_dz, rel=1e-14)


def test_on_example_sees_delta_fill_up():
    rng = np.random.default_rng(4)
    net, X, Y = random_problem(rng, [2, 3, 1], 4, "quadratic")
    snapshots = []
    bpkit.backprop_loop(net, X, Y, on_example=lambda i, DW, Db: snapshots.append(DW[0].copy()))
    assert len(snapshots) == 4
    full = bpkit.backprop(net, X, Y).dW[0] * 4
    np.testing.assert_allclose(snapshots[-1], full, rtol=1e-12)
    one = bpkit.backprop(net, X[:1], Y[:1]).dW[0]
    np.testing.assert_allclose(snapshots[0], one, rtol=1e-12)


@pytest.mark.parametrize("fn", [bpkit.backprop, bpkit.backprop_loop])
def test_backprop_bad_inputs(fn):
    net = bpkit.Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"X and Y must have the same number of rows"):
        fn(net, np.ones((4, 2)), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"X must have 2 columns"):
        fn(net, np.ones((4, 5)), np.ones((4, 1)))
    with pytest.raises(ValueError, match="Y contains NaN"):
        fn(net, np.ones((2, 2)), [[np.nan], [0.0]])
    with pytest.raises(ValueError, match="lam must be a number >= 0"):
        fn(net, np.ones((2, 2)), np.ones((2, 1)), lam=-0.1)
