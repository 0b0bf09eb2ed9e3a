"""Panels and plots of lessons 4-7, driven from code (no browser).

Each panel is checked against an independent computation with bpkit's core
(backprop, gradient_descent, cost, central differences), and a slider move is
checked to compute nothing the panel did not compute when it was built.
"""
import collections
import importlib
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

import bpkit
from bpkit import widgets as W
from bpkit.plots import training as P


# ------------------------------------------------------------------ fixtures
@pytest.fixture
def moons():
    X, labels = bpkit.make_moons(n=6, seed=0)
    return bpkit.Network([2, 3, 1], seed=1), X, labels[:, None].astype(float)


@pytest.fixture
def sine():
    x, y = bpkit.noisy_sine(n=8, noise=0.1, seed=0)
    xt, yt = bpkit.noisy_sine(n=60, noise=0.1, seed=1)
    return 6 * (x - 0.5), y, 6 * (xt - 0.5), yt


@pytest.fixture
def line_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 3, 40)
    return x, 1.5 * x - 1 + 0.3 * rng.standard_normal(40)


CORE = {importlib.import_module(f"bpkit.{m}").__file__
        for m in ("activations", "backprop", "costs", "deep", "gradcheck", "insight", "metrics", "network", "optim",
                  "_sgd_kernel", "sweeps", "toys")}  # the modules that compute; widgets and plots only draw


def core_calls(fn):
    """The functions of bpkit's core that ``fn()`` calls, with their counts (a profiler hook sees every call)."""
    calls = collections.Counter()

    def hook(frame, event, arg):
        if event == "call" and frame.f_code.co_filename in CORE:
            calls[frame.f_code.co_name] += 1

    sys.setprofile(hook)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


# ------------------------------------------------------------------ lesson 4
def test_delta_history_sums_to_backprop(moons):
    net, X, Y = moons
    totals, parts = W.delta_history(net, X, Y)
    m = X.shape[0]
    assert len(totals) == len(parts) == m
    g = bpkit.backprop(net, X, Y)
    for k in range(len(net.weights)):
        np.testing.assert_allclose(totals[-1][k] / m, g.dW[k], atol=1e-14)
        np.testing.assert_allclose(sum(p[k] for p in parts), totals[-1][k], atol=1e-14)
        # example i's part is a_i.T @ delta_i: a single example's backprop times 1
        one = bpkit.backprop(net, X[2:3], Y[2:3])
        np.testing.assert_allclose(parts[2][k], one.dW[k], atol=1e-14)


def test_delta_panel_steps(moons):
    net, X, Y = moons
    p = W.delta_steps(net, X, Y, use_ipympl=False)
    assert {"bpkit-panel", "bpkit-delta-steps"} <= set(p.widget._dom_classes)
    assert "bpkit-slider" in p.slider._dom_classes
    seen = []
    for v in range(1, X.shape[0] + 1):
        p.slider.value = v
        Tk = p.totals[v - 1]
        assert p.size.value == pytest.approx(np.sqrt(sum(np.sum(D * D) for D in Tk)))
        assert p.example_cost.value == pytest.approx(bpkit.cost(net, X[v - 1 : v], Y[v - 1 : v]))
        np.testing.assert_allclose(p._bottom[0][0].get_array(), Tk[0])
        # the a_i column and delta_i row beside the outer product they make
        for k in range(len(net.weights)):
            a_col, d_row = p._a_col[k][0].get_array(), p._d_row[k][0].get_array()
            assert a_col.shape == (net.sizes[k], 1) and d_row.shape == (1, net.sizes[k + 1])
            np.testing.assert_allclose(np.asarray(a_col) * np.asarray(d_row), p.parts[v - 1][k], atol=1e-15)
        seen.append(p.size.value)
    assert len(set(seen)) == len(seen), "the readout must change with every step"
    assert 'data-value' in p.size.widget.value


def test_delta_panel_rejects_bad_input(moons):
    net, X, Y = moons
    with pytest.raises(TypeError, match="Network"):
        W.delta_steps("net", X, Y)
    with pytest.raises(ValueError, match="columns"):
        W.delta_steps(net, X[:, :1], Y)


# ------------------------------------------------------------------ lesson 5
def test_lambda_grid_equals_gradient_descent(sine):
    x, y, _, _ = sine
    net = bpkit.Network([1, 5, 1], seed=0)
    lams = [0.0, 0.01, 0.3]
    nets = W.train_lambda_grid(net, x, y, lams, epochs=40, lr=3.0)
    for lam, trained in zip(lams, nets):
        ref = net.copy()
        bpkit.gradient_descent(ref, x, y, epochs=40, lr=3.0, lam=lam)
        for a, b in zip(ref.params(), trained.params()):
            np.testing.assert_allclose(a, b, atol=1e-12)
    # the start network is not touched
    assert np.array_equal(net.weights[0], bpkit.Network([1, 5, 1], seed=0).weights[0])


def test_lambda_grid_reports_divergence(sine):
    x, y, _, _ = sine
    with pytest.raises(ValueError, match="diverged for lam=100"):
        W.train_lambda_grid(bpkit.Network([1, 3, 1]), x, y, [0.0, 100.0], epochs=500, lr=3.0)
    with pytest.raises(ValueError, match="lams\\[1\\]"):
        W.train_lambda_grid(bpkit.Network([1, 3, 1]), x, y, [0.0, -1.0])


def test_lambda_panel(sine):
    x, y, xt, yt = sine
    grid = np.arange(-4, -0.999, 0.5)
    p = W.lambda_panel(bpkit.Network([1, 8, 1], seed=0), x, y, xt, yt, log10_lams=grid, epochs=300,
                       use_ipympl=False)
    assert {"bpkit-panel", "bpkit-lambda"} <= set(p.widget._dom_classes)
    seen = []
    for j, v in enumerate(grid):
        p.slider.value = float(v)
        assert p.lam.value == pytest.approx(10.0 ** v)
        assert p.train_cost.value == pytest.approx(bpkit.cost(p.nets[j], x, y))
        assert p.test_cost.value == pytest.approx(bpkit.cost(p.nets[j], xt, yt))
        assert p.sum_w2.value == pytest.approx(sum(np.sum(Wm ** 2) for Wm in p.nets[j].weights))
        np.testing.assert_allclose(p._fit.get_ydata(), p.nets[j].predict(p._xs[:, None])[:, 0])
        seen.append(p.test_cost.value)
    assert len(set(seen)) == len(seen)
    # stronger L2 means smaller weights
    norms = [sum(np.sum(Wm ** 2) for Wm in n.weights) for n in p.nets]
    assert norms[0] > norms[-1]
    with pytest.raises(ValueError, match="1 input and 1 output"):
        W.lambda_panel(bpkit.Network([2, 3, 1]), np.zeros((3, 2)), y[:3], np.zeros((3, 2)), y[:3])


# ------------------------------------------------------------------ lesson 6
def test_line_gradient_matches_central_differences(line_data):
    x, y = line_data
    w, b, e = 0.3, -0.7, 1e-6
    gw, gb = W.line_gradient(w, b, x, y)
    assert gw == pytest.approx((W.line_cost(w + e, b, x, y) - W.line_cost(w - e, b, x, y)) / (2 * e), rel=1e-7)
    assert gb == pytest.approx((W.line_cost(w, b + e, x, y) - W.line_cost(w, b - e, x, y)) / (2 * e), rel=1e-7)


def test_full_batch_path_is_plain_gradient_descent(line_data):
    x, y = line_data
    path, costs, diverged = W.sgd_path(x, y, (-1.0, 3.0), lr=0.2, batch_size=40, epochs=5)
    w, b = -1.0, 3.0
    for step in range(5):
        r = w * x + b - y
        w, b = w - 0.2 * np.mean(r * x), b - 0.2 * np.mean(r)
        assert path[step + 1] == pytest.approx([w, b])
    assert not diverged and costs[-1] < costs[0]
    assert len(path) == 6


def test_minibatch_path_steps_and_determinism(line_data):
    x, y = line_data
    p1, _, _ = W.sgd_path(x, y, (0, 0), lr=0.1, batch_size=7, epochs=3, seed=4)
    p2, _, _ = W.sgd_path(x, y, (0, 0), lr=0.1, batch_size=7, epochs=3, seed=4)
    assert len(p1) == 1 + 3 * 6  # 40 examples in batches of 7: 6 steps per epoch
    np.testing.assert_array_equal(p1, p2)


def test_divergence_threshold_is_two_over_curvature(line_data):
    x, y = line_data
    H = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    lr_crit = 2.0 / np.linalg.eigvalsh(H).max()
    _, _, below = W.sgd_path(x, y, (-1.0, 3.0), lr=0.95 * lr_crit, batch_size=40, epochs=200)
    _, costs, above = W.sgd_path(x, y, (-1.0, 3.0), lr=1.05 * lr_crit, batch_size=40, epochs=2000)
    assert not below and above
    assert np.all(np.isfinite(costs))


def test_descent_panel(line_data):
    x, y = line_data
    p = W.descent_panel(x, y, use_ipympl=False)
    assert {"bpkit-panel", "bpkit-descent"} <= set(p.widget._dom_classes)
    assert all("bpkit-slider" in s._dom_classes for s in p.sliders)
    seen = []
    for v in np.arange(0.02, 0.5, 0.02):
        p.lr.value = float(round(v, 2))
        path, costs, _ = W.sgd_path(x, y, (-1.0, 3.0), p.lr.value, 40, 20)
        assert p.final_cost.value == pytest.approx(costs[-1])
        seen.append(p.final_cost.value)
    assert len(set(seen)) == len(seen)
    p.lr.value = 0.6
    assert p.diverged and "Diverging" in p.message.value
    p.lr.value = 0.1
    p.batch_size.value = 5
    assert p.steps.value == 20 * 8 and not p.diverged
    with pytest.raises(ValueError, match="batch_size"):
        W.descent_panel(x, y, batch_size=41)


# ------------------------------------------------------------------ lesson 7
def test_epsilon_curve_has_truncation_and_roundoff(moons):
    net, X, Y = moons
    grid = np.arange(-12.0, -0.999, 0.5)
    err = W.epsilon_curve(net, X, Y, grid)
    best = int(np.argmin(err))
    assert -8 <= grid[best] <= -3
    assert err[best] < 1e-7
    assert err[0] > 100 * err[best] and err[-1] > 100 * err[best]
    # truncation side: slope about 2 on log-log axes
    slope = (np.log10(err[-3]) - np.log10(err[-5])) / (grid[-3] - grid[-5])
    assert 1.7 < slope < 2.3


def test_epsilon_panel(moons):
    net, X, Y = moons
    p = W.epsilon_panel(net, X, Y, use_ipympl=False)
    assert {"bpkit-panel", "bpkit-epsilon"} <= set(p.widget._dom_classes)
    seen = []
    for i, v in enumerate(p.log10_eps):
        p.slider.value = float(v)
        assert p.rel_error.value == p.errors[i]
        seen.append(p.rel_error.value)
    assert len(set(seen)) == len(seen)
    with pytest.raises(ValueError, match="evenly spaced"):
        W.epsilon_panel(net, X, Y, log10_eps=[-8, -5, -4])


# ------------------------------------------------------------------ what a slider move computes
def test_a_slider_move_looks_up_what_the_panel_computed_when_built(moons, sine, line_data):
    """A move only redraws: delta_steps, lambda_panel and epsilon_panel computed every slider position when they
    were built, and descent_panel's learning rate runs one sgd_path of the line fit. Counted with a profiler hook,
    so a recomputation slipped into a callback fails on any machine; the time of a move is measured by
    benchmarks/bench_widgets.py (in the browser, as ratios of the lessons' readouts)."""
    net, X, Y = moons
    x, y, xt, yt = sine
    lx, ly = line_data
    panels = [
        (W.delta_steps(net, X, Y), [1, 2, 3, 4, 5, 6]),
        (W.lambda_panel(bpkit.Network([1, 8, 1]), x, y, xt, yt, np.arange(-4, -0.999, 0.5), epochs=50),
         list(np.arange(-4, -0.999, 0.5))),
        (W.descent_panel(lx, ly, batch_size=1), [0.1, 0.12, 0.14, 0.16]),
        (W.epsilon_panel(net, X, Y), list(np.arange(-10, -2, 0.25))),
    ]
    for p, values in panels:
        slider = p.sliders[0]
        for v in values[1:]:
            calls = core_calls(lambda: setattr(slider, "value", float(v)))
            assert slider.value == pytest.approx(float(v))
            if isinstance(p, W.DescentPanel):
                assert calls["sgd_path"] == 1 and not {"sgd", "backprop", "gradient_descent"} & set(calls), calls
            else:
                assert not calls, f"{type(p).__name__} computed on a slider move: {dict(calls)}"


# ------------------------------------------------------------------ plots
def test_heatmap_and_update():
    ax = Figure().add_subplot()
    im, texts = P.heatmap(ax, np.arange(6.0).reshape(2, 3) - 2, title="W(1)")
    assert "shape (2, 3)" in ax.get_title() and len(texts) == 6
    P.update_heatmap((im, texts), np.ones((2, 3)))
    assert texts[0].get_text() == "+1.00"
    with pytest.raises(ValueError, match="keep the heatmap's shape"):
        P.update_heatmap((im, texts), np.ones((3, 2)))
    with pytest.raises(TypeError, match="Axes"):
        P.heatmap("ax", np.ones((2, 2)))
    im, texts = P.heatmap(Figure().add_subplot(), np.full((2, 2), 0.0012))
    assert texts[0].get_text() == "+0.0012"


def test_image_grids_and_curves():
    d = bpkit.load_digits()
    fig = Figure()
    axes = P.digit_grid(fig, d.X_test[:5], d.labels_test[:5], np.array([0, 1, 2, 3, 4]), ncols=3)
    assert len(axes) == 5 and "true" in axes[0].get_title()
    with pytest.raises(ValueError, match="shape \\(5,\\)"):
        P.digit_grid(Figure(), d.X_test[:5], d.labels_test[:4])
    with pytest.raises(ValueError, match="784"):
        P.digit_grid(Figure(), np.zeros((2, 10)))
    axes = P.weight_images(Figure(), np.random.default_rng(0).normal(size=(784, 16)))
    assert len(axes) == 16
    with pytest.raises(ValueError, match="784"):
        P.weight_images(Figure(), np.zeros((16, 784)))
    h = bpkit.History()
    h["epoch"] += [1, 2]
    h["cost"] += [0.5, 0.3]
    h["accuracy"] += [0.7, 0.8]
    f = Figure()
    lines = P.training_curves(f.add_subplot(1, 2, 1), f.add_subplot(1, 2, 2), h, test_accuracy=[0.6, 0.7])
    assert len(lines) == 3
    with pytest.raises(ValueError, match="empty"):
        P.training_curves(Figure().add_subplot(), None, bpkit.History())
