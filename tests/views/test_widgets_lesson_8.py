"""Lesson 8's panels (no browser): readouts are bpkit's numbers, and slider moves are blitted."""
import numpy as np
import pytest

pytest.importorskip("ipympl")

import bpkit  # noqa: E402
from bpkit import deep  # noqa: E402
from bpkit import widgets as W  # noqa: E402


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (60, 20)), bpkit.one_hot(rng.integers(0, 4, 60), 4)


def _drawn(panel):
    panel.figure.fig.canvas.draw()  # the first full draw saves the background
    return panel.figure.blits


def test_init_panel_readouts_are_backprops_norms_and_moves_blit(batch):
    X, Y = batch
    panel = W.init_panel(X, Y, width=8, max_depth=6, use_ipympl=True)
    start = _drawn(panel)
    for depth in (1, 2, 3, 4, 5, 6):
        panel.depth.value = depth
        net = deep.deep_network(20, 8, depth, 4, activation="sigmoid", init="lecun")
        dW, _ = bpkit.backprop(net, X, Y, kind="cross_entropy")
        assert panel.grad_first.value == pytest.approx(np.linalg.norm(dW[0]), rel=1e-12)
        assert panel.grad_last.value == pytest.approx(np.linalg.norm(dW[-1]), rel=1e-12)
        assert panel.dead.value == deep.dead_units(net, X).sum()
    assert panel.figure.blits - start == 6  # every move changed the depth (it starts at 5)
    panel.activation.value = "relu"
    panel.init.value = "he"
    panel.scale.value = 0.3
    net = panel.network()
    assert net.activation == "relu" and net.init == "he" and net.init_scale == pytest.approx(10 ** 0.3)
    dW, _ = bpkit.backprop(net, X, Y, kind="cross_entropy")
    assert panel.grad_first.value == pytest.approx(np.linalg.norm(dW[0]), rel=1e-12)


def test_init_panel_rejects_bad_arguments(batch):
    X, Y = batch
    with pytest.raises(ValueError, match="max_depth"):
        W.init_panel(X, Y, max_depth=11)
    with pytest.raises(ValueError, match="init must be one of"):
        W.init_panel(X, Y, init="xavier")


def test_sawtooth_panel_counts_pieces_and_blits():
    panel = W.sawtooth_panel(max_k=6, use_ipympl=True)
    start = _drawn(panel)
    for k in range(2, 7):
        panel.slider.value = k
        assert panel.pieces.value == 2**k
        assert panel.deep_units.value == 2 * k and panel.shallow_units.value == 2**k - 1
    assert panel.figure.blits - start == 5


def test_shapes_panel_shows_the_trained_results():
    X, labels = bpkit.make_spiral(n=60, seed=0)
    Xt, lt = bpkit.make_spiral(n=60, seed=1)
    panel = W.shapes_panel(X, labels, Xt, lt, depths=(1, 2, 3), budget=60, epochs=3, use_ipympl=True)
    start = _drawn(panel)
    for j in (1, 2, 0):
        panel.slider.value = j
        r = panel.results[j]
        assert panel.test_accuracy.value == deep.binary_accuracy(r.net, Xt, lt)
        assert panel.train_accuracy.value == deep.binary_accuracy(r.net, X, labels)
        assert panel.shape.value == r.net.num_params() <= 60
    assert panel.figure.blits - start == 3


@pytest.mark.parametrize("use_ipympl", [True, False], ids=["ipympl", "png-fallback"])
def test_panels_build_and_display_as_their_widget(use_ipympl, batch):
    X, Y = batch
    Xs, ls = bpkit.make_spiral(n=40, seed=0)
    Xt, lt = bpkit.make_spiral(n=40, seed=1)
    panels = [W.init_panel(X, Y, width=4, max_depth=3, use_ipympl=use_ipympl),
              W.sawtooth_panel(max_k=3, use_ipympl=use_ipympl),
              W.shapes_panel(Xs, ls, Xt, lt, depths=(1, 2), budget=40, epochs=2, use_ipympl=use_ipympl)]
    for panel in panels:
        assert isinstance(panel, W.Panel)
        assert {"bpkit-panel", f"bpkit-{panel.name}"} <= set(panel.widget._dom_classes)
        assert panel.sliders and all("bpkit-slider" in s._dom_classes for s in panel.sliders)
        bundle = panel._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
        panel.sliders[0].value = panel.sliders[0].max  # moves without error in both modes
