"""bpkit.insight (the numbers of lessons 4-6's "why" pictures) and the panels that draw them.

Each function is checked against an independent computation: backprop, central
differences, gradient_descent on a one-neuron Network, sgd.
"""
import numpy as np
import pytest

import bpkit
from bpkit import insight


@pytest.fixture
def small_digits():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (5, 16))
    labels = np.array([0, 3, 1, 3, 2])
    return bpkit.Network([16, 5, 4], seed=2), X, labels, bpkit.one_hot(labels, 4)


def test_example_factors_multiply_to_each_examples_share():
    X, labels = bpkit.make_moons(n=6, seed=0)
    Y = labels[:, None].astype(float)
    net = bpkit.Network([2, 3, 1], seed=1)
    a_cols, d_rows = insight.example_factors(net, X, Y)
    _, parts = bpkit.sweeps.delta_history(net, X, Y)
    for i in range(6):
        for k in range(2):
            assert np.allclose(np.outer(a_cols[i][k], d_rows[i][k]), parts[i][k], rtol=0, atol=1e-15)


@pytest.mark.parametrize("kind", ["quadratic", "cross_entropy"])
def test_digit_nudges_are_negative_gradients(small_digits, kind):
    net, X, labels, Y = small_digits
    n = insight.digit_nudges(net, X, Y, kind=kind)
    # the averaged nudge of the last weights is minus backprop's gradient
    assert np.allclose(n.mean_weight_nudge[-1], -bpkit.backprop(net, X, Y, kind=kind).dW[-1], atol=1e-15)
    assert np.allclose(n.mean_weight_nudge[0], n.weight_nudge[0])
    # the asks summed over outputs are minus dC/da of the hidden layer, by central differences
    for i in range(len(X)):
        assert np.allclose(n.asks[i].sum(axis=1), n.hidden_change[i])
        h = net.trace(X[i:i + 1]).activations[1].copy()
        W, b = net.weights[1], net.biases[1]

        def C_of_hidden():
            z = h @ W + b
            return bpkit.costs.get_cost(kind).total(z, bpkit.sigmoid(z), Y[i:i + 1])

        num = bpkit.numerical_gradient(C_of_hidden, [h])[0]
        assert np.allclose(-num[0], n.hidden_change[i], atol=1e-8)
    if kind == "quadratic":
        assert np.allclose(n.output_change, Y - n.output)
    assert np.allclose(n.mean_hidden_change[-1], n.hidden_change.mean(axis=0))


def test_digit_nudges_need_a_hidden_layer():
    with pytest.raises(ValueError, match="hidden layer"):
        insight.digit_nudges(bpkit.Network([3, 2]), np.zeros((2, 3)), np.zeros((2, 2)))


def test_gradient_costs_counts_two_evaluations_per_parameter(small_digits):
    net, X, labels, Y = small_digits
    g = insight.gradient_costs(net, X, Y)
    assert g.n_params == net.num_params() and g.cost_evaluations == 2 * net.num_params()
    assert g.measured_evaluations == g.cost_evaluations and g.measured_params == g.n_params
    assert bpkit.gradcheck.verdict(g.rel_error) == "right"
    part = insight.gradient_costs(net, X, Y, only=[1, 3])
    assert part.measured_params == net.weights[1].size + net.biases[1].size
    assert part.measured_evaluations == 2 * part.measured_params and part.rel_error < 1e-7
    assert part.seconds_numerical == pytest.approx(part.cost_evaluations * part.seconds_per_evaluation)


@pytest.mark.parametrize("kind", ["quadratic", "cross_entropy"])
def test_saturation_run_is_gradient_descent_on_one_neuron(kind):
    run = insight.saturation_run([0.5, 2.0], epochs=20)
    net = bpkit.Network([1, 1])
    net.weights[0][:] = 2.0
    net.biases[0][:] = 2.0
    a = [net.predict(np.ones((1, 1)))[0, 0]]
    bpkit.gradient_descent(net, np.ones((1, 1)), np.zeros((1, 1)), epochs=20, lr=0.15, kind=kind,
                           callback=lambda e, n, h: a.append(n.predict(np.ones((1, 1)))[0, 0]))
    mine = run.a_quadratic[1] if kind == "quadratic" else run.a_cross_entropy[1]
    assert np.allclose(mine, a, rtol=0, atol=1e-12)


def test_saturation_slows_the_quadratic_cost_only():
    run = insight.saturation_run([2.0], epochs=300)
    assert run.a_quadratic[0, 50] > 0.9 > 0.1 > run.a_cross_entropy[0, 50]
    assert run.cost_cross_entropy[0, -1] < run.cost_cross_entropy[0, 0]


def test_train_test_curve_records_gradient_descent():
    x, y = bpkit.noisy_sine(n=8, noise=0.1, seed=0)
    xt, yt = bpkit.noisy_sine(n=30, noise=0.1, seed=1)
    net = bpkit.Network([1, 5, 1], seed=0)
    c = insight.train_test_curve(net, x, y, xt, yt, epochs=40, lr=1.0, lam=0.01, every=10)
    assert list(c.epochs) == [0, 10, 20, 30, 40]
    ref = net.copy()
    bpkit.gradient_descent(ref, x, y, epochs=40, lr=1.0, lam=0.01)
    assert np.isclose(c.train[-1], bpkit.cost(ref, x, y)) and np.isclose(c.test[-1], bpkit.cost(ref, xt, yt))
    assert np.isclose(c.train[0], bpkit.cost(net, x, y))  # net itself is not trained
    assert np.isclose(c.sum_w2, sum(np.sum(W ** 2) for W in ref.weights))


def test_learning_rate_grid_matches_sgd_and_flags_divergence():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (40, 6))
    labels = rng.integers(0, 3, 40)
    Y = bpkit.one_hot(labels, 3)
    runs = insight.learning_rate_grid([0.5, 1e6], X, Y, X, labels, sizes=(6, 4, 3), epochs=3, batch_size=10)
    net = bpkit.Network([6, 4, 3], seed=0)
    h = bpkit.sgd(net, X, Y, epochs=3, batch_size=10, lr=0.5, kind="cross_entropy", seed=0)
    assert np.allclose(runs[0].cost, h["cost"]) and not runs[0].diverged
    assert runs[0].test_accuracy == bpkit.accuracy(net, X, labels)
    assert 0.0 <= runs[1].saturated <= 1.0


# ------------------------------------------------------------------ panels
def test_digit_nudges_panel(small_digits):
    from bpkit import widgets

    net, X, labels, Y = small_digits
    p = widgets.digit_nudges_panel(net, X, Y, labels, use_ipympl=False)
    for v in (1, 4, 5):
        p.slider.value = v
        assert p.right_output.value == p.nudges.output_change[v - 1, labels[v - 1]]
        assert p.averaged.value == v
        assert np.allclose(p._w[0].get_array(), p.nudges.mean_weight_nudge[v - 1].T)
    with pytest.raises(ValueError, match="labels"):
        widgets.digit_nudges_panel(net, X, Y, labels[:2], use_ipympl=False)


def test_saturation_panel():
    from bpkit import widgets

    p = widgets.saturation_panel(epochs=100, use_ipympl=False)
    assert p.slider.value == 2.0
    for v in (0.0, 1.25, 3.0):
        p.slider.value = v
        j = p.index(v)
        assert p.a_quadratic.value == p.run.a_quadratic[j, -1]
        assert p.a_cross_entropy.value == p.run.a_cross_entropy[j, -1]
    with pytest.raises(ValueError, match="evenly spaced"):
        widgets.saturation_panel(starts=[0.0, 1.0, 3.0], use_ipympl=False)
