import numpy as np
import pytest

import bpkit


def test_quadratic_cost_by_hand():
    X, Y, *_ = bpkit.sleep_study()
    net = bpkit.Network([2, 3, 1], seed=0)
    yhat = net.predict(X)
    assert bpkit.cost(net, X, Y) == pytest.approx(np.sum((Y - yhat) ** 2) / (2 * 3), rel=1e-15)


def test_cross_entropy_by_hand_and_stable():
    rng = np.random.default_rng(0)
    net = bpkit.Network([3, 4, 2], seed=1)
    X, Y = rng.standard_normal((5, 3)), rng.uniform(0, 1, (5, 2))
    yhat = net.predict(X)
    want = -np.sum(Y * np.log(yhat) + (1 - Y) * np.log(1 - yhat)) / 5
    assert bpkit.cost(net, X, Y, kind="cross_entropy") == pytest.approx(want, rel=1e-12)
    # saturated output: naive log(1 - 1.0) would be inf; ours stays finite and exact
    net.weights[-1][:] = 0
    net.biases[-1][:] = [60.0, -60.0]
    J = bpkit.cost(net, X[:1], np.array([[0.0, 1.0]]), kind="cross_entropy")
    assert J == pytest.approx(120.0, rel=1e-12)


def test_l2_penalty_is_on_weights_only_and_averaged():
    rng = np.random.default_rng(1)
    net = bpkit.Network([3, 4, 2], seed=1)
    X, Y = rng.standard_normal((7, 3)), rng.uniform(0, 1, (7, 2))
    base = bpkit.cost(net, X, Y)
    lam = 0.3
    reg = lam / (2 * 7) * sum(np.sum(W**2) for W in net.weights)
    assert bpkit.cost(net, X, Y, lam=lam) == pytest.approx(base + reg, rel=1e-14)
    net.biases[0][:] = 100.0  # biases change the data term only, never the penalty
    assert bpkit.cost(net, X, Y, lam=lam) - bpkit.cost(net, X, Y) == pytest.approx(reg, rel=1e-12)


def test_cost_is_a_mean_not_a_sum():
    rng = np.random.default_rng(2)
    net = bpkit.Network([2, 1], seed=0)
    X, Y = rng.standard_normal((4, 2)), rng.uniform(0, 1, (4, 1))
    J = bpkit.cost(net, X, Y)
    assert bpkit.cost(net, np.vstack([X, X]), np.vstack([Y, Y])) == pytest.approx(J, rel=1e-14)


@pytest.mark.parametrize(
    "X, Y, exc, words",
    [
        (np.ones((3, 2)), np.ones((2, 1)), ValueError, r"same number of rows.*X has shape \(3, 2\), Y has shape \(2, 1\)"),
        (np.ones((3, 2)), np.ones((3, 2)), ValueError, r"Y must have 1 columns \(shape \(m, 1\)\), got shape \(3, 2\)"),
        (np.ones((3, 2)), np.full((3, 1), np.nan), ValueError, "Y contains NaN"),
        (np.ones((0, 2)), np.ones((0, 1)), ValueError, "no rows"),
    ],
)
def test_cost_bad_inputs(X, Y, exc, words):
    with pytest.raises(exc, match=words):
        bpkit.cost(bpkit.Network([2, 3, 1]), X, Y)


def test_cost_bad_options():
    net, X, Y = bpkit.Network([2, 1]), np.ones((2, 2)), np.ones((2, 1))
    with pytest.raises(ValueError, match=r"kind must be one of \['cross_entropy', 'quadratic', 'softmax_cross_entropy'\], got 'mse'"):
        bpkit.cost(net, X, Y, kind="mse")
    with pytest.raises(ValueError, match="lam must be a number >= 0, got -1"):
        bpkit.cost(net, X, Y, lam=-1)
    with pytest.raises(ValueError, match="cross_entropy needs targets in \\[0, 1\\], got Y values from 2 to 2"):
        bpkit.cost(net, X, 2 * Y, kind="cross_entropy")


@pytest.mark.parametrize("kind", ["quadratic", "cross_entropy"])
def test_per_output_cost_and_its_slope_make_the_output_error(kind):
    """total is the sum of fn; delta(L) = dC/da * sigma'(z) (the chain rule of lesson 2); dC/da by differences."""
    from bpkit.costs import COSTS
    C = COSTS[kind]
    rng = np.random.default_rng(7)
    z = rng.normal(0, 2, (5, 3))
    a = bpkit.sigmoid(z)
    Y = rng.uniform(0, 1, (5, 3))
    assert C.total(z, a, Y) == pytest.approx(float(np.sum(C.fn(a, Y))), rel=1e-12)
    np.testing.assert_allclose(C.delta(z, a, Y), C.dC_da(a, Y) * a * (1 - a), rtol=1e-12, atol=1e-15)
    h = 1e-6
    np.testing.assert_allclose(C.dC_da(a, Y), (C.fn(a + h, Y) - C.fn(a - h, Y)) / (2 * h), rtol=1e-6)
