"""The math behind the panels, in bpkit.toys and bpkit.sweeps: numpy only, checked independently."""
import subprocess
import sys

import numpy as np
import pytest

import bpkit
from bpkit import sweeps, toys
from bpkit.activations import ACTIVATIONS, sigmoid
from bpkit.costs import get_cost


# ---------------------------------------------------------------- imports
def test_core_modules_import_without_matplotlib_or_ipywidgets():
    code = (
        "import sys; import bpkit.toys, bpkit.sweeps; "
        "from bpkit.toys import follow_nudge, example_cost, example_cost_slope, activation_at, "
        "line_cost, line_gradient, line_best_cost, sgd_path; "
        "from bpkit.sweeps import train_lambda_grid, epsilon_curve, delta_history, cost_along_weight, "
        "numerical_slope, example_costs, root_sum_squares; "
        "bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'ipympl') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_old_import_paths_are_the_core_functions():
    from bpkit import plots, widgets

    assert widgets.line_cost is toys.line_cost and widgets.line_gradient is toys.line_gradient
    assert widgets.sgd_path is toys.sgd_path
    assert widgets.train_lambda_grid is sweeps.train_lambda_grid
    assert widgets.epsilon_curve is sweeps.epsilon_curve
    assert widgets.delta_history is sweeps.delta_history
    assert plots.cost_along_weight is sweeps.cost_along_weight
    assert plots.numerical_slope is sweeps.numerical_slope
    from bpkit.widgets.regularization import train_lambda_grid
    from bpkit.widgets.descent import sgd_path

    assert train_lambda_grid is sweeps.train_lambda_grid and sgd_path is toys.sgd_path


# ------------------------------------------------------- lambda grid trainer
def _batched_reference(net, X, Y, lams, epochs, lr, kind):
    """train_lambda_grid as it was written before it used bpkit.backprop (K stacked copies)."""
    C = get_cost(kind)
    K, m = len(lams), X.shape[0]
    lam = np.array(lams, dtype=float)[:, None, None]
    act = ACTIVATIONS[net.activation]
    Ws = [np.repeat(W[None], K, axis=0) for W in net.weights]
    bs = [np.repeat(b[None, None], K, axis=0) for b in net.biases]
    last = len(Ws) - 1
    for _ in range(epochs):
        activations, a = [X], X
        for k in range(last + 1):
            z = a @ Ws[k] + bs[k]
            a = sigmoid(z) if k == last else act.fn(z)
            activations.append(a)
        delta = C.delta(z, a, Y)
        for k in range(last, -1, -1):
            a_prev = activations[k]
            Delta = np.swapaxes(a_prev, -1, -2) @ delta if a_prev.ndim == 3 else a_prev.T @ delta
            Delta_b = delta.sum(axis=1, keepdims=True)
            if k > 0:
                delta = (delta @ np.swapaxes(Ws[k], 1, 2)) * act.prime_from_a(activations[k])
            Ws[k] -= lr * (Delta + lam * Ws[k]) / m
            bs[k] -= lr * Delta_b / m
    return [([W[j] for W in Ws], [b[j, 0] for b in bs]) for j in range(K)]


@pytest.fixture
def sine():
    x, y = bpkit.noisy_sine(n=8, noise=0.1, seed=0)
    return 6 * (x - 0.5), y


@pytest.mark.parametrize("sizes, activation, kind, epochs, lr", [
    ([1, 20, 1], "sigmoid", "quadratic", 5000, 3.0),  # lesson 5's panel
    ([1, 5, 5, 1], "relu", "quadratic", 800, 0.5),
    ([1, 6, 4, 1], "tanh", "cross_entropy", 300, 0.5),
    ([1, 3, 2], "sigmoid", "cross_entropy", 400, 2.0),
], ids=["lesson5", "relu-2-hidden", "tanh-cross-entropy", "two-outputs"])
def test_lambda_grid_equals_the_batched_trainer_it_replaced(sine, sizes, activation, kind, epochs, lr):
    x, y = sine
    Y = np.c_[y, 1 - y] if sizes[-1] == 2 else y
    net = bpkit.Network(sizes, seed=2, activation=activation)
    lams = list(10.0 ** np.arange(-4.0, -0.999, 0.25))
    nets = sweeps.train_lambda_grid(net, x, Y, lams, epochs=epochs, lr=lr, kind=kind)
    ref = _batched_reference(net, x, Y, lams, epochs, lr, kind)
    assert len(nets) == len(lams)
    for trained, (Ws, bs) in zip(nets, ref):
        assert trained.sizes == net.sizes and trained.activation == activation
        for a, b in zip(trained.weights + trained.biases, Ws + bs):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_lambda_grid_lesson5_numbers(sine):
    """Costs the lesson prints (its checked output), to more digits than it shows."""
    x, y = sine
    nets = sweeps.train_lambda_grid(bpkit.Network([1, 20, 1], seed=0), x, y, [1e-4, 1e-3, 1e-1],
                                    epochs=5000, lr=3.0)
    costs = [bpkit.cost(n, x, y) for n in nets]
    np.testing.assert_allclose(costs, [0.0018, 0.0027, 0.0216], atol=5e-5)


def test_lambda_grid_one_lambda_is_gradient_descent(sine):
    x, y = sine
    net = bpkit.Network([1, 4, 3, 1], seed=5, activation="tanh")
    (trained,) = sweeps.train_lambda_grid(net, x, y, [0.05], epochs=60, lr=1.0)
    ref = net.copy()
    bpkit.gradient_descent(ref, x, y, epochs=60, lr=1.0, lam=0.05)
    for a, b in zip(ref.params(), trained.params()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_lambda_grid_checks_its_arguments(sine):
    x, y = sine
    with pytest.raises(TypeError, match="net must be a bpkit.Network, got str"):
        sweeps.train_lambda_grid("net", x, y, [0.0])
    with pytest.raises(TypeError, match="lams must be a non-empty sequence"):
        sweeps.train_lambda_grid(bpkit.Network([1, 2, 1]), x, y, [])
    with pytest.raises(TypeError, match="epochs must be a positive integer"):
        sweeps.train_lambda_grid(bpkit.Network([1, 2, 1]), x, y, [0.0], epochs=2.5)
    with pytest.raises(ValueError, match="diverged for lam=100"):
        sweeps.train_lambda_grid(bpkit.Network([1, 3, 1]), x, y, [0.0, 100.0], epochs=500, lr=3.0)


# ---------------------------------------------------------------- lesson 1
def test_cost_along_weight_and_slope():
    X, Y, *_ = bpkit.sleep_study()
    net = bpkit.Network([2, 3, 1], seed=3)
    before = [W.copy() for W in net.weights]
    ys = sweeps.cost_along_weight(net, X, Y, (1, 2, 0), [-1.0, 0.5])
    for v, J in zip([-1.0, 0.5], ys):
        other = net.copy()
        other.weights[1][2, 0] = v
        assert J == bpkit.cost(other, X, Y)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.weights))
    assert sweeps.numerical_slope(net, X, Y, (0, 1, 2)) == pytest.approx(bpkit.backprop(net, X, Y).dW[0][1, 2],
                                                                          abs=1e-8)
    with pytest.raises(ValueError, match=r"index\[0\] = k must be in 0..1"):
        sweeps.cost_along_weight(net, X, Y, (2, 0, 0), [0.0])


# ---------------------------------------------------------------- lesson 2
@pytest.mark.parametrize("kind", ["quadratic", "cross_entropy"])
def test_follow_nudge_by_hand(kind):
    net = bpkit.Network([1, 1])
    net.weights[0][0, 0], net.biases[0][0] = 0.8, -0.5
    n = toys.follow_nudge(net, [1.5], 0.2, dw=0.01, kind=kind)
    z, z2 = 1.5 * 0.8 - 0.5, 1.5 * 0.81 - 0.5
    a, a2 = float(sigmoid(z)), float(sigmoid(z2))
    C = toys.example_cost(kind, a, 0.2)
    assert (n.z, n.a, n.a_in, n.w, n.b) == (pytest.approx(z), pytest.approx(a), 1.5, 0.8, -0.5)
    assert n.C == pytest.approx(float(C), abs=1e-14) and n.C == bpkit.cost(net, [[1.5]], [[0.2]], kind=kind)
    assert n.z2 == pytest.approx(z2) and n.a2 == pytest.approx(a2)
    assert n.dz == pytest.approx(0.015)
    r, e = n.ratios, n.exact
    assert r["product"] == pytest.approx(r["dC/dw"], rel=1e-12)
    assert e["dz/dw"] * e["da/dz"] * e["dC/da"] == pytest.approx(e["dC/dw"], rel=1e-12)
    assert e["dC/dw"] == pytest.approx(r["dC/dw"], rel=0.02)
    assert net.weights[0][0, 0] == 0.8  # the nudge was undone
    assert n.z_along([0.8])[0] == pytest.approx(z)


def test_example_cost_slope_is_its_derivative():
    a, h = np.linspace(0.05, 0.95, 7), 1e-6
    for kind in ("quadratic", "cross_entropy"):
        numeric = (toys.example_cost(kind, a + h, 0.3) - toys.example_cost(kind, a - h, 0.3)) / (2 * h)
        np.testing.assert_allclose(toys.example_cost_slope(kind, a, 0.3), numeric, rtol=1e-6)


def test_chain_inputs_messages():
    with pytest.raises(ValueError, match="one output unit"):
        toys.follow_nudge(bpkit.Network([1, 2]), [1.0], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="j must be an integer in 0..2"):
        toys.follow_nudge(bpkit.Network([1, 3, 1]), [1.0], 0.2, j=3)
    with pytest.raises(TypeError, match="net must be a bpkit.Network"):
        toys.follow_nudge(None, [1.0], 0.2)


# ---------------------------------------------------------------- lesson 3
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_at(name):
    act = ACTIVATIONS[name]
    p = toys.activation_at(name, 0.7)
    assert p.f == float(act.fn(0.7)) and p.slope == float(act.prime(0.7))
    assert p.numeric == pytest.approx(p.slope, abs=1e-8)
    assert p.tangent([0.7])[0] == p.f
    with pytest.raises(ValueError, match="activation must be one of"):
        toys.activation_at("softplus", 0.0)


# ---------------------------------------------------------------- lesson 6
def test_line_best_cost_is_the_minimum():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 3, 30)
    y = 2 * x + 1 + rng.standard_normal(30)
    best = toys.line_best_cost(x, y)
    w, b = np.polyfit(x, y, 1)
    assert best == pytest.approx(float(toys.line_cost(w, b, x, y)), rel=1e-12)
    ws, bs = np.meshgrid(np.linspace(0, 4, 41), np.linspace(-1, 3, 41))
    assert np.all(toys.line_cost(ws, bs, x, y) >= best)


def test_sgd_path_checks_the_seed():
    x, y = np.arange(4.0), np.arange(4.0)
    with pytest.raises(TypeError, match="seed must be a non-negative integer"):
        toys.sgd_path(x, y, (0, 0), 0.1, 2, 1, seed=1.5)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        toys.sgd_path(x, y, (0, 0), 0.1, 2, 1, seed=-1)


# ---------------------------------------------------------------- lessons 4 and 7
def test_delta_helpers():
    X, labels = bpkit.make_moons(n=5, seed=0)
    Y = labels[:, None].astype(float)
    net = bpkit.Network([2, 3, 1], seed=1)
    costs = sweeps.example_costs(net, X, Y)
    assert costs == [bpkit.cost(net, X[i : i + 1], Y[i : i + 1]) for i in range(5)]
    totals, _ = sweeps.delta_history(net, X, Y)
    assert sweeps.root_sum_squares(totals[-1]) == pytest.approx(
        np.sqrt(sum(np.sum(D ** 2) for D in totals[-1])))


def test_epsilon_curve_checks_net():
    with pytest.raises(TypeError, match="net must be a bpkit.Network, got list"):
        sweeps.epsilon_curve([], np.zeros((2, 2)), np.zeros((2, 1)), [-5.0])
