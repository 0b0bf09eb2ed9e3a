"""Lesson 8's panels: initialization and depth (gradient norms per layer), the sawtooth, depth vs width.

* :class:`InitPanel` -- a depth slider, an activation, an init scheme and a scale: for one batch at
  initialization, each hidden layer's activation histogram and each layer's ``||dJ/dW(l)||``;
* :class:`SawtoothPanel` -- k layers of two ReLU units, the function and its count of pieces;
* :class:`ShapesPanel` -- networks of one parameter budget and different depth, trained once when
  the panel is built; the slider picks one (decision boundary, train and test accuracy).

Every number comes from :mod:`bpkit.deep`; these classes only draw.
"""
from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..costs import check_targets
from ..deep import (VALUE_RANGE, count_pieces, decision_grid, deep_network, layer_stats, sawtooth_grid,
                    shallow_units_needed, train_shapes)
from ..network import INITS
from ..plots._style import BLUE, PURPLE, SERIES_COLOURS, VERMILLION
from ._common import LiveFigure, Panel, Readout, slider

__all__ = ["InitPanel", "SawtoothPanel", "ShapesPanel", "init_panel", "sawtooth_panel", "shapes_panel"]

_TINY = 1e-30  # a bar this short is below every axis: how a layer the network does not have is hidden


def int_slider(description, value, min, max, css=None):
    """A continuously updating IntSlider with the course's CSS class."""
    s = widgets.IntSlider(value=value, min=min, max=max, step=1, description=description, continuous_update=True,
                          style={"description_width": "initial"}, layout=widgets.Layout(width="320px"))
    s.add_class("bpkit-slider")
    if css:
        s.add_class(f"bpkit-{css}")
    return s


def _let_messages_out():
    """Give the kernel's IOPub thread the GIL for a moment, so the readouts just set leave now.

    Rendering a frame (Agg, PNG) holds the GIL for tens of milliseconds; without this the
    readouts' messages often wait for it on a busy machine.
    """
    time.sleep(0.001)


class InitPanel(Panel):
    """Panel: depth, activation, init scheme and scale; activations and gradient norms per layer at initialization.

    Attributes
    ----------
    depth : IntSlider (1..max_depth hidden layers), the first slider
    scale : FloatSlider over log10(init_scale)
    activation, init : ToggleButtons
    sliders : ``[depth, scale]``
    grad_first, grad_last, ratio, dead : Readout
        ``||dJ/dW(1)||``, ``||dJ/dW(L-1)||``, their ratio, dead hidden units (``bpkit-grad-first``...).
    stats : the :class:`bpkit.deep.LayerStats` shown

    ``InitPanel(...)`` takes :func:`init_panel`'s arguments and checks them the same way (see there).
    """

    name = "init"

    def __init__(self, X, Y, width=32, max_depth=10, activation="sigmoid", init="lecun", seed=0, use_ipympl=None):
        X = _validate.as_matrix("X", X)
        Y = _validate.as_matrix("Y", Y, rows=X.shape[0])
        check_targets("cross_entropy", Y)
        width = _validate.positive_number("width", width, integer=True)
        max_depth = _validate.integer("max_depth", max_depth, 1, 10)
        _validate.choice("activation", activation, VALUE_RANGE)
        _validate.choice("init", init, INITS)
        seed = _validate.seed(seed)
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        # the deepest network the slider reaches: too many parameters is refused here, naming width and depth
        deep_network(X.shape[1], width, max_depth, Y.shape[1], activation=activation, init=init, seed=seed)
        self.X, self.Y = X, Y
        self.width, self.max_depth, self.seed = width, max_depth, seed
        self._cache = {}
        self.depth = int_slider("hidden layers", min(5, max_depth), 1, max_depth, css="depth")
        self.scale = slider("log10(init scale)", 0.0, -1.0, 1.0, step=0.05, css="init-scale", fmt=".2f")
        self.sliders = [self.depth, self.scale]
        self.activation = widgets.ToggleButtons(options=["sigmoid", "tanh", "relu"], value=activation,
                                                description="activation", style={"button_width": "70px"})
        self.init = widgets.ToggleButtons(options=list(INITS), value=init, description="init",
                                          style={"button_width": "60px"})
        self.grad_first = Readout("||dJ/dW(1)|| =", "grad-first", fmt="{:.3g}")
        self.grad_last = Readout("||dJ/dW(L-1)|| =", "grad-last", fmt="{:.3g}")
        self.ratio = Readout("ratio first/last:", "grad-ratio", fmt="{:.3g}")
        self.dead = Readout("dead units:", "dead", fmt="{:.0f}")

        self.figure = LiveFigure(figsize=(9.0, 3.4), use_ipympl=use_ipympl,
                                 alt="Left: the spread of each hidden layer's activation values, one row "
                                     "per layer. Right: bars of the gradient norm of each weight matrix "
                                     "on a log scale; the readouts give the numbers.")
        fig = self.figure.fig
        self._ax_act, self._ax_grad = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        ax = self._ax_act
        self._lines = [ax.plot([], [], "-", lw=1.2, color=SERIES_COLOURS[k % len(SERIES_COLOURS)],
                               drawstyle="steps-mid")[0]
                       for k in range(max_depth)]
        ax.set_ylim(1.5, max_depth + 2.1)
        ax.set_yticks(range(2, max_depth + 2), [f"a({l})" for l in range(2, max_depth + 2)], fontsize=7)
        ax.set_xlabel("activation value")
        ax.set_title("forward: each hidden layer's values", fontsize=10)
        ax = self._ax_grad
        layers = np.arange(1, max_depth + 2)
        self._bars = list(ax.bar(layers, np.ones(layers.size), color=BLUE))
        ax.set_yscale("log")
        ax.set_ylim(1e-10, 1e6)
        ax.set_xlim(0.4, max_depth + 1.6)
        ax.set_xticks(layers, [f"W({l})" for l in layers], fontsize=7)
        ax.set_ylabel("||dJ/dW(l)||  (log scale)")
        ax.set_title("backward: each layer's gradient norm", fontsize=10)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.28)
        # no animated title: rendering its glyphs on every move cost as much as the rest of the frame,
        # so what the figure shows is said in an HTML line above it
        self.figure.animate(*self._lines, *self._bars)
        self.caption = widgets.HTML()
        self.caption.add_class("bpkit-caption")
        self._set_xrange()

        self._box([self.depth, self.activation, self.init, self.scale,
                   widgets.HBox([self.grad_first.widget, self.grad_last.widget, self.ratio.widget, self.dead.widget]),
                   self.caption, self.figure.widget])
        for w in (self.depth, self.scale, self.activation, self.init):
            w.observe(self._on_change, names="value")
        self._warm()
        self._on_change()

    def network(self, depth=None):
        """The network the panel shows for ``depth`` (default: the slider's) and the current controls."""
        depth = self.depth.value if depth is None else depth
        return deep_network(self.X.shape[1], self.width, depth, self.Y.shape[1], activation=self.activation.value,
                            init=self.init.value, init_scale=float(10.0 ** self.scale.value), seed=self.seed)

    def stats_for(self, depth=None):
        """:func:`bpkit.deep.layer_stats` of :meth:`network` on the panel's batch (kept once computed)."""
        depth = self.depth.value if depth is None else depth
        key = (int(depth), self.activation.value, self.init.value, round(float(self.scale.value), 6))
        if key not in self._cache:
            self._cache[key] = layer_stats(self.network(depth), self.X, self.Y, kind="cross_entropy")
        return self._cache[key]

    def _warm(self):
        # every depth of the starting controls, so the depth slider only looks results up
        for d in range(1, self.max_depth + 1):
            self.stats_for(d)

    def _set_xrange(self):
        lo, hi = VALUE_RANGE[self.activation.value]
        self._ax_act.set_xlim(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo))

    def _on_change(self, change=None):
        if change is not None and change["owner"] is self.activation:
            self._set_xrange()  # changes the axes: the next redraw is a full one
        s = self.stats = self.stats_for()
        with self.widget.hold_sync():
            self.grad_first.set(s.grad_norms[0])
            self.grad_last.set(s.grad_norms[-1])
            self.ratio.set(s.ratio)
            self.dead.set(int(s.dead.sum()), note=f"of {self.width * self.depth.value}")
            self.caption.value = (f"{self.depth.value} hidden layers of {self.width} {self.activation.value} units, "
                                  f"init {self.init.value} x {10.0 ** self.scale.value:.2g}")
        _let_messages_out()
        centers = (s.bin_edges[:-1] + s.bin_edges[1:]) / 2
        for k, line in enumerate(self._lines):
            if k < s.hist.shape[0]:
                line.set_data(centers, k + 2 + 0.85 * s.hist[k])
            else:
                line.set_data([], [])
        for k, bar in enumerate(self._bars):
            bar.set_height(max(s.grad_norms[k], _TINY) if k < s.grad_norms.size else _TINY)
        self.figure.redraw()


def init_panel(X, Y, width=32, max_depth=10, activation="sigmoid", init="lecun", seed=0, use_ipympl=None):
    """Build lesson 8's initialization panel (see :class:`InitPanel`).

    Parameters
    ----------
    X : array_like, shape (m, n): one batch; Y : array_like, shape (m, k), targets in [0, 1]
    width : int, units per hidden layer
    max_depth : int in 1..10, the depth slider's maximum
    activation, init : the starting controls (``init`` one of :data:`bpkit.network.INITS`)
    seed : int, the networks' seed
    use_ipympl : bool or None, see :class:`LiveFigure`

    Building it computes :func:`bpkit.deep.layer_stats` at every depth 1..max_depth (one
    forward and backward pass over the batch each); the deepest network must stay within
    ``bpkit._validate.MAX_NETWORK_PARAMS`` (checked first, naming ``width``).
    """
    return InitPanel(X=X, Y=Y, width=width, max_depth=max_depth, activation=activation, init=init, seed=seed,
                     use_ipympl=use_ipympl)


class SawtoothPanel(Panel):
    """Panel: k layers of two ReLU units (the tent composed k times) and the number of linear pieces.

    Attributes
    ----------
    slider : IntSlider k (layers), the first slider
    pieces, deep_units, shallow_units : Readout (``bpkit-pieces``, ``bpkit-deep-units``, ``bpkit-shallow-units``)

    ``SawtoothPanel(...)`` takes :func:`sawtooth_panel`'s arguments and checks them the same way (see there).
    """

    name = "sawtooth"

    def __init__(self, max_k=8, use_ipympl=None):
        max_k = _validate.integer("max_k", max_k, 1, 12)
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        self.max_k = max_k
        self._curves = {k: sawtooth_grid(k) for k in range(1, max_k + 1)}
        self._pieces = {k: count_pieces(*self._curves[k]) for k in self._curves}
        self.slider = int_slider("layers k", 1, 1, max_k, css="k")
        self.sliders = [self.slider]
        self.pieces = Readout("linear pieces:", "pieces", fmt="{:.0f}")
        self.deep_units = Readout("units, k layers of 2:", "deep-units", fmt="{:.0f}")
        self.shallow_units = Readout("units, one hidden layer:", "shallow-units", fmt="{:.0f}")
        self.figure = LiveFigure(figsize=(7.0, 2.8), use_ipympl=use_ipympl,
                                 alt="The sawtooth made by k layers of two ReLU units, for x from 0 to 1;"
                                     " the readouts give its number of linear pieces.")
        ax = self.figure.fig.add_subplot(1, 1, 1)
        (self._line,) = ax.plot([], [], "-", color=PURPLE, lw=1.2)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel("x")
        ax.set_ylabel("tent(tent(...tent(x)))")
        ax.set_title("k layers of 2 ReLU units (the readouts count its pieces)", fontsize=10)
        self.figure.fig.subplots_adjust(left=0.1, right=0.98, bottom=0.17, top=0.88)
        self.figure.animate(self._line)  # (no animated text: rendering glyphs costs more than the line)
        self._box([self.slider, widgets.HBox([self.pieces.widget, self.deep_units.widget, self.shallow_units.widget]),
                   self.figure.widget])
        self.slider.observe(self._on_change, names="value")
        self._on_change()

    def pieces_for(self, k):
        """Linear pieces of the depth-k sawtooth, counted on its grid (:func:`bpkit.deep.count_pieces`)."""
        return self._pieces[int(k)]

    def _on_change(self, change=None):
        k = int(self.slider.value)
        p = self.pieces_for(k)
        with self.widget.hold_sync():
            self.pieces.set(p)
            self.deep_units.set(2 * k)
            self.shallow_units.set(shallow_units_needed(p), note="at least")
        _let_messages_out()
        self._line.set_data(*self._curves[k])
        self.figure.redraw()


def sawtooth_panel(max_k=8, use_ipympl=None):
    """Build lesson 8's sawtooth panel (see :class:`SawtoothPanel`); ``max_k`` in 1..12, ``use_ipympl`` bool or None."""
    return SawtoothPanel(max_k=max_k, use_ipympl=use_ipympl)


class ShapesPanel(Panel):
    """Panel: one parameter budget, several depths, trained once; the slider picks a depth.

    Attributes
    ----------
    slider : IntSlider over the index of ``results`` (0 = shallowest), the first slider
    shape, train_accuracy, test_accuracy : Readout (``bpkit-shape-params``, ``bpkit-train-acc``, ``bpkit-test-acc``)
    results : list of :class:`bpkit.deep.ShapeResult`

    ``ShapesPanel(...)`` takes :func:`shapes_panel`'s arguments, checks them the same way and trains
    the networks (:func:`bpkit.deep.train_shapes`) before drawing them (see there).
    """

    name = "shapes"

    def __init__(self, X, labels, X_test, labels_test, depths=(1, 2, 3, 4, 6), budget=150, epochs=150, batch_size=10,
                 lr=0.1, activation="relu", init="he", seed=0, use_ipympl=None):
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        X = _validate.as_matrix("X", X, cols=2)
        X_test = _validate.as_matrix("X_test", X_test, cols=2)
        # train_shapes checks every other argument before anything trains
        results = train_shapes(X, labels, X_test, labels_test, depths=depths, budget=budget, epochs=epochs,
                               batch_size=batch_size, lr=lr, activation=activation, init=init, seed=seed)
        self.results = results
        lo, hi = X.min(axis=0) - 0.1, X.max(axis=0) + 0.1
        self._grids = [decision_grid(r.net, lo, hi, n=60) for r in results]
        self.slider = int_slider("network", 0, 0, len(results) - 1, css="shape")
        self.sliders = [self.slider]
        self.shape = Readout("parameters:", "shape-params", fmt="{:.0f}")
        self.train_accuracy = Readout("train accuracy:", "train-acc", fmt="{:.3f}")
        self.test_accuracy = Readout("test accuracy:", "test-acc", fmt="{:.3f}")
        self.figure = LiveFigure(figsize=(9.0, 3.4), use_ipympl=use_ipympl,
                                 alt="Left: the chosen network's decision regions over the two-class "
                                     "spiral, class 0 as circles and class 1 as triangles. Right: train "
                                     "and test accuracy of every network shape, a vertical line at the "
                                     "chosen one.")
        fig = self.figure.fig
        ax, ax_acc = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        probs, extent = self._grids[0]
        # nearest-pixel resampling: bilinear cost ~30 ms per frame here
        self._image = ax.imshow(probs, origin="lower", extent=extent, cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6,
                                interpolation="nearest", aspect="auto")
        labels = np.asarray(labels)  # checked by train_shapes: 0/1 labels, one per row of X
        self._points = [ax.plot(X[labels == c, 0], X[labels == c, 1], marker, ms=2.5, mec="k", mew=0.3,
                                color=color, label=f"class {c}")[0]
                        for c, color, marker in ((0, "#2166ac", "o"), (1, "#b2182b", "^"))]
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("decision boundary (the readouts name the shape)", fontsize=9)
        idx = np.arange(len(results))
        ax_acc.plot(idx, [r.train_accuracy for r in results], "-o", ms=3, color=BLUE, label="train")
        ax_acc.plot(idx, [r.test_accuracy for r in results], "--s", ms=3, color=VERMILLION, label="test")
        ax_acc.set_xticks(idx, [f"{r.depth}x{r.width}" for r in results], fontsize=8)
        ax_acc.set_xlabel("hidden layers x units (same budget)")
        ax_acc.set_ylabel("accuracy")
        ax_acc.set_ylim(0.4, 1.02)
        ax_acc.legend(fontsize=7, loc="lower left")
        self._vline = ax_acc.axvline(0, color=PURPLE, lw=1.5)
        fig.subplots_adjust(left=0.04, right=0.98, bottom=0.16, top=0.9, wspace=0.2)
        # the points are animated too: an animated image is painted over every static artist
        self.figure.animate(self._image, *self._points, self._vline)
        self._box([self.slider, widgets.HBox([self.shape.widget, self.train_accuracy.widget,
                                              self.test_accuracy.widget]), self.figure.widget])
        self.slider.observe(self._on_change, names="value")
        self._on_change()

    def _on_change(self, change=None):
        j = int(self.slider.value)
        r = self.results[j]
        with self.widget.hold_sync():
            self.shape.set(r.params, note=f"{r.depth} hidden layer(s) of {r.width}")
            self.train_accuracy.set(r.train_accuracy)
            self.test_accuracy.set(r.test_accuracy)
        _let_messages_out()
        self._image.set_data(self._grids[j][0])
        self._vline.set_xdata([j, j])
        self.figure.redraw()


def shapes_panel(X, labels, X_test, labels_test, depths=(1, 2, 3, 4, 6), budget=150, epochs=150, batch_size=10,
                 lr=0.1, activation="relu", init="he", seed=0, use_ipympl=None):
    """Train :func:`bpkit.deep.train_shapes` once and build lesson 8's depth-vs-width panel (see :class:`ShapesPanel`).

    The arguments are :func:`bpkit.deep.train_shapes`'s (checked there before anything trains)
    and ``use_ipympl`` (bool or None, see :class:`LiveFigure`). Building it trains one network
    per depth: ``len(depths) * epochs`` epochs of at most ``budget`` parameters over the m points.
    """
    return ShapesPanel(X=X, labels=labels, X_test=X_test, labels_test=labels_test, depths=depths, budget=budget,
                       epochs=epochs, batch_size=batch_size, lr=lr, activation=activation, init=init, seed=seed,
                       use_ipympl=use_ipympl)
