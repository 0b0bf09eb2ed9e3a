"""A softmax output layer through the core (lesson 9): Network(output="softmax") with kind="softmax_cross_entropy".

Every gradient is checked against central differences in float64 on random shapes; the loop and
vectorized backprop agree; the fast trainer agrees with the readable one; mismatched pairs are refused.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpkit
from bpkit.activations import log_softmax, softmax

KIND = "softmax_cross_entropy"


def problem(rng, sizes, m, activation="sigmoid", soft_targets=False):
    net = bpkit.Network(sizes, seed=int(rng.integers(0, 1000)), activation=activation, output="softmax")
    net.biases = [rng.normal(0, 0.5, b.shape) for b in net.biases]  # biases away from 0 catch bias mistakes
    X = rng.normal(0, 1, (m, sizes[0]))
    k = sizes[-1]
    Y = rng.dirichlet(np.ones(k), m) if soft_targets else np.eye(k)[rng.integers(0, k, m)]
    return net, X, Y


# at least two classes: with one, softmax is the constant 1 and the gradient is exactly 0 (checked apart)
sizes_st = st.lists(st.integers(1, 5), min_size=2, max_size=4).map(lambda s: s[:-1] + [max(2, s[-1])])


# --------------------------------------------------------------- the network
def test_output_option_is_kept_and_validated():
    net = bpkit.Network([3, 4, 5], seed=2, output="softmax")
    assert net.output == "softmax" and bpkit.Network([3, 2]).output == "sigmoid"
    assert "output='softmax'" in repr(net) and "output" not in repr(bpkit.Network([3, 2]))
    assert net.copy().output == "softmax"
    back = bpkit.Network.from_thetas(net.to_thetas(), output="softmax")
    assert back.output == "softmax"
    X = np.random.default_rng(0).normal(size=(6, 3))
    np.testing.assert_allclose(back.predict(X), net.predict(X), rtol=1e-15)
    with pytest.raises(ValueError, match=r"output must be one of \['sigmoid', 'softmax'\], got 'tanh'"):
        bpkit.Network([3, 2], output="tanh")
    with pytest.raises(ValueError, match=r"output must be one of"):
        bpkit.Network.from_thetas(net.to_thetas(), output=None)


def test_forward_pass_ends_in_a_softmax():
    rng = np.random.default_rng(1)
    net, X, _ = problem(rng, [4, 6, 3], 9, activation="relu")
    trace = net.trace(X)
    np.testing.assert_array_equal(trace.activations[-1], softmax(trace.zs[-1]))
    np.testing.assert_allclose(net.predict(X).sum(axis=1), 1.0, atol=1e-15)


def test_cost_is_the_mean_softmax_cross_entropy_plus_l2():
    rng = np.random.default_rng(2)
    net, X, Y = problem(rng, [3, 4, 4], 7, soft_targets=True)
    z = net.trace(X).zs[-1]
    want = -np.sum(Y * log_softmax(z)) / 7 + 0.3 / (2 * 7) * sum(np.sum(W ** 2) for W in net.weights)
    assert bpkit.cost(net, X, Y, kind=KIND, lam=0.3) == pytest.approx(want, rel=1e-13)


def test_cost_stays_finite_when_the_scores_are_huge():
    net = bpkit.Network([1, 3], output="softmax")
    net.weights[0][:] = [[1000.0, -1000.0, 0.0]]
    J = bpkit.cost(net, np.ones((1, 1)), np.array([[0.0, 1.0, 0.0]]), kind=KIND)
    assert J == pytest.approx(2000.0, rel=1e-14)


# ------------------------------------------------------------ the gradients
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=sizes_st, m=st.integers(1, 6), lam=st.sampled_from([0.0, 0.7]),
       activation=st.sampled_from(["sigmoid", "tanh"]), soft=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_backprop_matches_central_differences(sizes, m, lam, activation, soft, seed):
    rng = np.random.default_rng(seed)
    net, X, Y = problem(rng, sizes, m, activation, soft)
    report = bpkit.gradient_check(net, X, Y, kind=KIND, lam=lam)
    assert report.passed, str(report)
    # and by hand, without gradient_check: numerical_gradient of the cost itself
    numeric = bpkit.numerical_gradient(lambda: bpkit.cost(net, X, Y, kind=KIND, lam=lam), net.params())
    dW, db = bpkit.backprop(net, X, Y, kind=KIND, lam=lam)
    assert bpkit.relative_error(list(dW) + list(db), numeric) < 1e-7


@settings(max_examples=25, deadline=None)
@given(sizes=sizes_st, m=st.integers(1, 8), lam=st.sampled_from([0.0, 0.4]),
       activation=st.sampled_from(["sigmoid", "tanh", "relu"]), seed=st.integers(0, 2**31 - 1))
def test_loop_equals_vectorized(sizes, m, lam, activation, seed):
    rng = np.random.default_rng(seed)
    net, X, Y = problem(rng, sizes, m, activation)
    loop = bpkit.backprop_loop(net, X, Y, kind=KIND, lam=lam)
    vec = bpkit.backprop(net, X, Y, kind=KIND, lam=lam)
    for a, b in zip(list(loop.dW) + list(loop.db), list(vec.dW) + list(vec.db)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_one_class_has_zero_cost_and_zero_gradient():
    rng = np.random.default_rng(3)
    net, X, Y = problem(rng, [3, 4, 1], 5)
    assert bpkit.cost(net, X, Y, kind=KIND) == 0.0
    assert all(np.all(g == 0) for g in list(bpkit.backprop(net, X, Y, kind=KIND).dW))


def test_output_error_is_softmax_minus_y_over_m():
    """The last layer's bias gradient is the mean of softmax(z) - y: delta(L) / m summed over rows."""
    rng = np.random.default_rng(4)
    net, X, Y = problem(rng, [3, 5, 4], 6)
    z = net.trace(X).zs[-1]
    np.testing.assert_allclose(bpkit.backprop(net, X, Y, kind=KIND).db[-1], np.mean(softmax(z) - Y, axis=0),
                               rtol=1e-13, atol=1e-16)


# ---------------------------------------------------------------- training
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4), n=st.integers(1, 25),
       batch=st.one_of(st.none(), st.integers(1, 27)), lam=st.sampled_from([0.0, 0.3]),
       activation=st.sampled_from(["sigmoid", "tanh", "relu"]), shuffle=st.booleans(),
       lr=st.sampled_from([0.1, 0.5]), epochs=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_fast_kernel_equals_readable_sgd(sizes, n, batch, lam, activation, shuffle, lr, epochs, seed):
    rng = np.random.default_rng(seed)
    net, X, Y = problem(rng, sizes, n, activation)
    out = {}
    for fast in (True, False):
        trained = net.copy()
        h = bpkit.sgd(trained, X, Y, epochs=epochs, batch_size=batch, lr=lr, lam=lam, kind=KIND,
                      seed=seed % 1000, shuffle=shuffle, fast=fast)
        out[fast] = trained, h
    (a, ha), (r, hr) = out[True], out[False]
    for p, q in zip(a.params(), r.params()):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ha["cost"], hr["cost"], rtol=1e-9, atol=1e-12)
    assert ha["accuracy"] == hr["accuracy"]


def test_sgd_first_epoch_cost_and_learning():
    """Full batch: the first epoch records the data cost from before its one step (plus the L2 term after
    it, see History); training lowers the cost."""
    rng = np.random.default_rng(5)
    net, X, Y = problem(rng, [2, 8, 3], 60)
    J0 = bpkit.cost(net, X, Y, kind=KIND, lam=0.1)
    data0 = bpkit.cost(net, X, Y, kind=KIND)
    first = net.copy()
    h1 = bpkit.gradient_descent(first, X, Y, epochs=1, lr=0.5, lam=0.1, kind=KIND)
    penalty_after = bpkit.cost(first, X, Y, kind=KIND, lam=0.1) - bpkit.cost(first, X, Y, kind=KIND)
    assert h1["cost"][0] == pytest.approx(data0 + penalty_after, rel=1e-12)
    h = bpkit.gradient_descent(net, X, Y, epochs=40, lr=0.5, lam=0.1, kind=KIND)
    assert h["cost"][-1] < h["cost"][0]
    assert bpkit.cost(net, X, Y, kind=KIND, lam=0.1) < J0


def test_a_blown_up_softmax_run_is_reported():
    rng = np.random.default_rng(6)
    net, X, Y = problem(rng, [2, 4, 3], 30)
    with pytest.raises(bpkit.TrainingDiverged, match=r"training diverged"):
        bpkit.sgd(net, 50 * X, Y, epochs=5, batch_size=5, lr=1e4, kind=KIND)


# ------------------------------------------------------------- refusals
def _calls(net, X, Y, kind):
    return {
        "cost": lambda: bpkit.cost(net, X, Y, kind=kind),
        "backprop": lambda: bpkit.backprop(net, X, Y, kind=kind),
        "backprop_loop": lambda: bpkit.backprop_loop(net, X, Y, kind=kind),
        "gradient_check": lambda: bpkit.gradient_check(net, X, Y, kind=kind),
        "sgd": lambda: bpkit.sgd(net, X, Y, epochs=1, kind=kind),
        "sgd_readable": lambda: bpkit.sgd(net, X, Y, epochs=1, kind=kind, fast=False),
        "gradient_descent": lambda: bpkit.gradient_descent(net, X, Y, epochs=1, kind=kind),
    }


@pytest.mark.parametrize("call", sorted(_calls(None, None, None, None)))
@pytest.mark.parametrize("kind", ["quadratic", "cross_entropy"])
def test_softmax_output_with_another_cost_is_refused(call, kind):
    rng = np.random.default_rng(7)
    net, X, Y = problem(rng, [3, 4, 2], 5)
    before = [p.copy() for p in net.params()]
    with pytest.raises(ValueError, match=r"a softmax output layer .* goes with kind='softmax_cross_entropy', "
                                         rf"got kind='{kind}'"):
        _calls(net, X, Y, kind)[call]()
    assert all(np.array_equal(p, q) for p, q in zip(before, net.params()))


@pytest.mark.parametrize("call", sorted(_calls(None, None, None, None)))
def test_softmax_cost_with_a_sigmoid_output_is_refused(call):
    rng = np.random.default_rng(8)
    net = bpkit.Network([3, 4, 2], seed=1)
    X, Y = rng.normal(size=(5, 3)), np.eye(2)[rng.integers(0, 2, 5)]
    with pytest.raises(ValueError, match=r"kind='softmax_cross_entropy' needs a softmax output layer, but this "
                                         r"network's output is sigmoid; build it with Network\(sizes, \.\.\., "
                                         r"output='softmax'\)"):
        _calls(net, X, Y, KIND)[call]()


def test_targets_must_be_distributions_for_training_too():
    rng = np.random.default_rng(9)
    net, X, _ = problem(rng, [3, 4, 2], 5)
    with pytest.raises(ValueError, match="each row of Y to be a probability distribution"):
        bpkit.sgd(net, X, np.ones((5, 2)), epochs=1, kind=KIND)
