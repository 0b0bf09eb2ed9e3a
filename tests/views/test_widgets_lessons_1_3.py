"""Panels of lessons 1-3 driven from code: sliders in, readouts equal to bpkit's numbers."""
import numpy as np
import pytest

import bpkit
from bpkit.widgets import chain_rule, sigmoid_tangent, weight_nudge

BOTH = pytest.mark.parametrize("use_ipympl", [True, False], ids=["ipympl", "png-fallback"])


@pytest.fixture
def sleep():
    X, Y, *_ = bpkit.sleep_study()
    return X, Y


# ---------------------------------------------------------------- weight nudge
@BOTH
def test_nudge_every_slider_edits_net_in_place_and_cost_matches(sleep, use_ipympl):
    X, Y = sleep
    net = bpkit.Network([2, 3, 1], seed=3)
    W_objects = [id(W) for W in net.weights]
    panel = weight_nudge(net, X, Y, use_ipympl=use_ipympl)
    assert len(panel.sliders) == 9
    assert panel.cost.value == bpkit.cost(net, X, Y)
    rng = np.random.default_rng(0)
    for n, ((k, i, j), s) in enumerate(zip(panel.indices, panel.sliders)):
        v = float(np.round(rng.uniform(-3, 3), 2))
        s.value = v
        assert net.weights[k][i, j] == v
        assert [id(W) for W in net.weights] == W_objects  # same arrays, edited in place
        assert abs(panel.cost.value - bpkit.cost(net, X, Y)) < 1e-12
        assert panel.along.value == n  # the curve follows the moved slider
        preds = net.predict(X)[:, 0]
        assert np.allclose([p.value for p in panel.predictions], preds, rtol=0, atol=1e-15)
        # the cost curve passes through the current point, and its slope is the backprop gradient
        xs, ys = panel.curve.line.get_data()
        assert np.isclose(np.interp(v, xs, ys), panel.cost.value, atol=5e-3)
        grad = bpkit.backprop(net, X, Y).dW[k][i, j]
        assert abs(panel.slope.value - grad) < 1e-7
        assert tuple(panel.curve.point.get_data()[0]) == (v,)


def test_nudge_cost_text_and_data_value_agree(sleep):
    X, Y = sleep
    net = bpkit.Network([2, 3, 1], seed=3)
    panel = weight_nudge(net, X, Y, use_ipympl=False)
    panel.sliders[2].value = -1.25
    html = panel.cost.widget.value
    assert f"data-value='{bpkit.cost(net, X, Y)!r}'" in html
    assert "bpkit-cost" in panel.cost.widget._dom_classes
    assert {"bpkit-panel", "bpkit-weight-nudge"} <= set(panel.widget._dom_classes)
    assert all("bpkit-slider" in s._dom_classes for s in panel.sliders)


@BOTH
def test_nudge_reset_and_refresh(sleep, use_ipympl):
    X, Y = sleep
    net = bpkit.Network([2, 3, 1], seed=3)
    original = net.weights[0]
    panel = weight_nudge(net, X, Y, use_ipympl=use_ipympl)
    # building the panel rounds the weights to the slider step, in place (same arrays)
    assert net.weights[0] is original
    assert all(np.allclose(W, np.round(W, 2), rtol=0, atol=1e-12) for W in net.weights)
    assert [s.value for s in panel.sliders] == [float(w) for W in net.weights for w in W.ravel()]
    start = [W.copy() for W in net.weights]
    J0 = bpkit.cost(net, X, Y)
    assert panel.cost.value == J0
    panel.sliders[0].value = 2.0
    panel.sliders[8].value = -3.0
    assert panel.cost.value != J0
    redraws = panel.figure.redraws
    panel.reset()
    assert all(np.array_equal(W, W0) for W, W0 in zip(net.weights, start))
    assert panel.cost.value == J0
    assert panel.figure.redraws > redraws
    # a change made outside the panel is picked up by refresh(), even outside the slider range
    net.weights[1][2, 0] = 6.5031
    panel.refresh()
    assert net.weights[1][2, 0] == pytest.approx(6.50, abs=1e-12)
    assert panel.sliders[8].value == net.weights[1][2, 0] and panel.sliders[8].max >= 6.5
    assert panel.cost.value == bpkit.cost(net, X, Y)


def test_nudge_diagram_follows_sliders(sleep):
    X, Y = sleep
    net = bpkit.Network([2, 3, 1], seed=3)
    panel = weight_nudge(net, X, Y, use_ipympl=False)
    panel.sliders[0].value = -2.0  # W(1)[0,0] is edge 0
    assert panel.diagram.edges.get_linewidths()[0] == pytest.approx(4.5)
    from matplotlib.colors import to_rgba

    from bpkit.plots.diagram import NEGATIVE, POSITIVE

    assert tuple(panel.diagram.edges.get_colors()[0]) == to_rgba(NEGATIVE)
    panel.sliders[0].value = 0.75
    assert tuple(panel.diagram.edges.get_colors()[0]) == to_rgba(POSITIVE)
    assert panel.diagram.edges.get_linewidths()[0] == pytest.approx(2.0)
    acts = np.concatenate([a[0] for a in net.forward(X[:1]).activations])
    assert np.allclose(panel.diagram.values, acts)


def test_nudge_cross_entropy_and_lam(sleep):
    X, Y = sleep
    net = bpkit.Network([2, 3, 1], seed=1)
    panel = weight_nudge(net, X, Y, kind="cross_entropy", lam=0.5, use_ipympl=False)
    panel.sliders[3].value = 1.5
    assert abs(panel.cost.value - bpkit.cost(net, X, Y, kind="cross_entropy", lam=0.5)) < 1e-12


def test_nudge_validates_inputs(sleep):
    X, Y = sleep
    net = bpkit.Network([2, 3, 1])
    with pytest.raises(TypeError, match="bpkit.Network"):
        weight_nudge("net", X, Y)
    with pytest.raises(ValueError, match=r"2 columns.*got shape \(3, 3\)"):
        weight_nudge(net, np.ones((3, 3)), Y)
    with pytest.raises(ValueError, match="same number of rows"):
        weight_nudge(net, X, Y[:2])
    with pytest.raises(ValueError, match="kind must be one of"):
        weight_nudge(net, X, Y, kind="hinge")
    with pytest.raises(ValueError, match="at most 40"):
        weight_nudge(bpkit.Network([10, 10, 1]), np.ones((2, 10)), np.ones((2, 1)) / 2)


# ------------------------------------------------------------------ chain rule
def one_neuron(w=0.8, b=-0.5):
    net = bpkit.Network([1, 1])
    net.weights[0][0, 0] = w
    net.biases[0][0] = b
    return net


@BOTH
def test_chain_readouts_are_bpkit_numbers(use_ipympl):
    net = one_neuron()
    x, y = np.array([[1.5]]), np.array([[0.2]])
    panel = chain_rule(net, x, y, use_ipympl=use_ipympl)
    for w in [-2.0, 0.0, 0.37, 3.3]:
        panel.sliders[0].value = w
        assert net.weights[0][0, 0] == w
        assert abs(panel.cost.value - bpkit.cost(net, x, y)) < 1e-12
        z = 1.5 * w - 0.5
        a = float(bpkit.sigmoid(z))
        assert panel.exact["dz/dw"].value == 1.5
        assert abs(panel.exact["da/dz"].value - float(bpkit.sigmoid_prime(z))) < 1e-15
        assert abs(panel.exact["dC/da"].value - (a - 0.2)) < 1e-15
        exact = panel.exact["dz/dw"].value * panel.exact["da/dz"].value * panel.exact["dC/da"].value
        assert abs(panel.exact["dC/dw"].value - exact) < 1e-14
        r = {k: v.value for k, v in panel.ratios.items()}
        assert abs(r["product"] - r["dC/dw"]) <= 1e-12 * max(1.0, abs(r["dC/dw"]))
        dw = panel.sliders[2].value
        assert abs(panel.nudges["dz"].value - 1.5 * dw) < 1e-12


def test_chain_small_nudge_approaches_derivatives():
    net = one_neuron()
    panel = chain_rule(net, [1.5], 0.2, use_ipympl=False)
    errors = []
    for dw in [1.0, 0.1, 0.01, 0.001]:
        panel.sliders[2].value = dw
        errors.append(abs(panel.ratios["dC/dw"].value - panel.exact["dC/dw"].value))
    assert all(e2 < e1 for e1, e2 in zip(errors, errors[1:])), errors
    assert errors[-1] < 1e-3


def test_chain_on_hidden_weight_of_bigger_net_and_cross_entropy(sleep):
    X, Y = sleep
    net = bpkit.Network([2, 3, 1], seed=3)
    panel = chain_rule(net, X[1], Y[1], j=2, kind="cross_entropy", use_ipympl=False)
    panel.sliders[0].value = 1.1
    assert net.weights[1][2, 0] == 1.1
    assert abs(panel.cost.value - bpkit.cost(net, X[1:2], Y[1:2], kind="cross_entropy")) < 1e-12
    assert abs(panel.exact["dz/dw"].value - net.forward(X[1:2]).activations[1][0, 2]) < 1e-15
    exact = panel.exact["dz/dw"].value * panel.exact["da/dz"].value * panel.exact["dC/da"].value
    assert abs(exact - panel.exact["dC/dw"].value) < 1e-12
    panel.reset()
    assert net.weights[1][2, 0] == bpkit.Network([2, 3, 1], seed=3).weights[1][2, 0]


def test_chain_validates_inputs():
    with pytest.raises(ValueError, match="one output unit"):
        chain_rule(bpkit.Network([1, 2]), [1.0], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="one example"):
        chain_rule(one_neuron(), [[1.0], [2.0]], [[0.1], [0.2]])
    with pytest.raises(ValueError, match="j must be an integer in 0..0"):
        chain_rule(one_neuron(), [1.0], 0.2, j=1)
    with pytest.raises(TypeError, match="dw must be a positive number"):
        chain_rule(one_neuron(), [1.0], 0.2, dw="big")


# --------------------------------------------------------------------- tangent
@BOTH
def test_tangent_slope_is_sigmoid_prime(use_ipympl):
    panel = sigmoid_tangent(use_ipympl=use_ipympl)
    assert panel.slope.value == 0.25
    for z in [-7.5, -2.0, 0.3, 4.0]:
        panel.sliders[0].value = z
        assert panel.slope.value == float(bpkit.sigmoid_prime(z))
        assert panel.value.value == float(bpkit.sigmoid(z))
        assert abs(panel.numeric.value - panel.slope.value) < 1e-8
        # the drawn tangent touches the curve at z with slope sigma'(z)
        tx, ty = panel._tangent.get_data()
        assert np.isclose((ty[1] - ty[0]) / (tx[1] - tx[0]), panel.slope.value)
        assert np.isclose(np.interp(z, tx, ty), panel.value.value)
    assert {"bpkit-panel", "bpkit-sigmoid-tangent"} <= set(panel.widget._dom_classes)
    assert "bpkit-slope" in panel.slope.widget._dom_classes


def test_tangent_switches_activation():
    panel = sigmoid_tangent(z=-0.5, use_ipympl=False)
    panel.activation.value = "tanh"
    assert panel.slope.value == float(bpkit.tanh_prime(-0.5))
    panel.activation.value = "relu"
    panel.sliders[0].value = 1.0
    assert panel.slope.value == 1.0 and panel.value.value == 1.0
    assert not panel._max_line.get_visible()


def test_tangent_validates_inputs():
    with pytest.raises(ValueError, match="activation must be one of"):
        sigmoid_tangent(activation="softplus")
    with pytest.raises(ValueError, match=r"z must lie in .* = \[-8.0, 8.0\], got 9.0"):
        sigmoid_tangent(z=9.0)
    with pytest.raises(TypeError, match="finite number"):
        sigmoid_tangent(z="0")


def test_panels_display_through_their_widget(sleep):
    X, Y = sleep
    for panel in [weight_nudge(bpkit.Network([2, 3, 1]), X, Y, use_ipympl=False),
                  chain_rule(one_neuron(), [1.5], 0.2, use_ipympl=False),
                  sigmoid_tangent(use_ipympl=False)]:
        bundle = panel._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
