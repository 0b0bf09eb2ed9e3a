"""Plots of lessons 1-3: diagram artists follow the network, curves match bpkit.cost."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

import bpkit
from bpkit.plots import (
    cost_along_weight, draw_matrix, draw_network, edge_width, matrix_equation, numerical_slope,
    plot_cost_curve, weight_label,
)
from bpkit.plots.diagram import NEGATIVE, POSITIVE


@pytest.fixture
def setup():
    X, Y, *_ = bpkit.sleep_study()
    return bpkit.Network([2, 3, 1], seed=3), X, Y


def test_diagram_shades_nodes_and_styles_edges(setup):
    net, X, Y = setup
    ax = Figure().add_subplot()
    d = draw_network(ax, net, x=X[0])
    assert len(d.edges.get_segments()) == 2 * 3 + 3 * 1
    acts = net.forward(X[:1]).activations
    assert np.allclose(d.values, np.concatenate([a[0] for a in acts]))
    assert np.allclose(d.nodes.get_array(), d.values)
    w = np.concatenate([W.ravel() for W in net.weights])
    assert np.allclose(d.edges.get_linewidths(), edge_width(w))
    want = [to_rgba(POSITIVE if v >= 0 else NEGATIVE) for v in w]
    assert [tuple(c) for c in d.edges.get_colors()] == want
    assert [t.get_text() for t in d.texts] == [f"{v:.2f}" for v in d.values]


def test_diagram_update_in_place_keeps_artists(setup):
    net, X, Y = setup
    ax = Figure().add_subplot()
    d = draw_network(ax, net, x=X[0], highlight=(0, 1, 2))
    edges, nodes, n_artists = d.edges, d.nodes, len(ax.get_children())
    net.weights[1][0, 0] = -5.0
    d.update(x=X[2], highlight=(1, 0, 0))
    assert d.edges is edges and d.nodes is nodes and len(ax.get_children()) == n_artists
    assert d.edges.get_linewidths()[6] == pytest.approx(8.0)  # capped
    assert tuple(d.edges.get_colors()[6]) == to_rgba(NEGATIVE)
    assert np.allclose(d.values[-1], net.predict(X[2:3])[0, 0])
    hx, hy = d.halo.get_data()
    assert list(hx) == [1.0, 2.0]  # from hidden layer (x=1) to output (x=2)
    d.set_highlight(None)
    assert len(d.halo.get_data()[0]) == 0


def test_diagram_validates(setup):
    net, X, Y = setup
    ax = Figure().add_subplot()
    with pytest.raises(TypeError, match="bpkit.Network"):
        draw_network(ax, [2, 3, 1])
    with pytest.raises(ValueError, match="at most 12 units"):
        draw_network(ax, bpkit.Network([20, 3, 1]))
    with pytest.raises(ValueError, match=r"W\(2\)\) has shape \(3, 1\)"):
        draw_network(ax, net, highlight=(1, 0, 1))
    with pytest.raises(ValueError, match=r"shape \(m, 2\).*got shape \(3,\)"):
        draw_network(ax, net, x=[1.0, 2.0, 3.0])


def test_edge_width_is_absolute_not_relative():
    assert edge_width(0.0) == 0.5
    assert edge_width(-1.0) == edge_width(1.0) == 2.5
    assert edge_width(100.0) == 8.0


def test_cost_along_weight_matches_cost_and_restores(setup):
    net, X, Y = setup
    before = [W.copy() for W in net.weights]
    values = np.linspace(-2, 2, 9)
    ys = cost_along_weight(net, X, Y, (0, 1, 2), values)
    assert all(np.array_equal(W, W0) for W, W0 in zip(net.weights, before))
    for v, c in zip(values, ys):
        work = net.copy()
        work.weights[0][1, 2] = v
        assert c == bpkit.cost(work, X, Y)


def test_numerical_slope_equals_backprop(setup):
    net, X, Y = setup
    g = bpkit.backprop(net, X, Y, kind="cross_entropy", lam=0.3)
    for k, i, j in [(0, 0, 0), (0, 1, 2), (1, 2, 0)]:
        s = numerical_slope(net, X, Y, (k, i, j), kind="cross_entropy", lam=0.3)
        assert abs(s - g.dW[k][i, j]) < 1e-8


def test_cost_along_weight_validates(setup):
    net, X, Y = setup
    with pytest.raises(TypeError, match=r"tuple \(k, i, j\)"):
        cost_along_weight(net, X, Y, [0, 0, 0], [0.0])
    with pytest.raises(ValueError, match="index\\[0\\] = k must be in 0..1"):
        cost_along_weight(net, X, Y, (2, 0, 0), [0.0])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        cost_along_weight(net, X, Y, (0, 0, 0), [[0.0, 1.0]])
    assert weight_label((1, 2, 0)) == "W(2)[2,0]"


def test_cost_curve_updates_in_place():
    ax = Figure().add_subplot()
    c = plot_cost_curve(ax, [0, 1, 2], [1.0, 0.5, 1.0], current=(1.0, 0.5), slope=0.0)
    line = c.line
    c.update(np.linspace(-1, 1, 5), np.linspace(0, 1, 5), current=(0.5, 0.75), slope=0.5)
    assert c.line is line
    assert np.allclose(c.line.get_data()[0], np.linspace(-1, 1, 5))
    tx, ty = c.tangent.get_data()
    assert np.isclose((ty[1] - ty[0]) / (tx[1] - tx[0]), 0.5)
    assert ax.get_xlim() == (-1.0, 1.0)
    with pytest.raises(ValueError, match="same length"):
        c.update([0, 1], [0, 1, 2])


def test_draw_matrix_writes_shape_and_values():
    ax = Figure().add_subplot()
    im = draw_matrix(ax, np.arange(6.0).reshape(2, 3), "W(1)")
    assert ax.get_title() == "W(1)\nshape (2, 3)"
    assert im.get_array().shape == (2, 3)
    assert [t.get_text() for t in ax.texts] == [f"{v:.2f}" for v in range(6)]
    ax2 = Figure().add_subplot()
    draw_matrix(ax2, np.zeros(3), "b(1)")
    assert ax2.get_title() == "b(1)\nshape (3,)"  # 1-D stays 1-D
    with pytest.raises(ValueError, match="1-D or 2-D"):
        draw_matrix(ax2, np.zeros((2, 2, 2)), "T")


def test_matrix_equation_lays_out_terms(setup):
    net, X, Y = setup
    fig = Figure()
    axes = matrix_equation(fig, [("X", X), "@", ("W(1)", net.weights[0]), "=", ("Z", X @ net.weights[0])])
    assert len(axes) == 3 and len(fig.axes) == 5
    assert [ax.get_title().split("\n")[1] for ax in axes] == ["shape (3, 2)", "shape (2, 3)", "shape (3, 3)"]
    with pytest.raises(TypeError, match="operator string or a"):
        matrix_equation(Figure(), [("X", X), 3])
