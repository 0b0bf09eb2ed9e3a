"""The weight-nudge panel: one slider per weight, the cost and predictions live (lesson 1).

    panel = bpkit.widgets.weight_nudge(net, X, Y)

The panel **edits ``net`` in place**: moving a slider writes the new value into
``net.weights[k][i, j]`` (the same array object, so any reference the learner
holds sees it), and after playing, ``net`` holds the weights that were set.
``panel.reset()`` puts back the weights the panel started with.

The sliders move in steps of 0.01, so building the panel first **rounds every
weight of ``net`` to 0.01** (in place). A browser slider would otherwise round
an off-grid value itself and send it back, changing ``net`` silently the
moment the panel is shown; rounding here makes that explicit and the same in
every front end.

Layout, top to bottom: sliders grouped by weight matrix; the cost J and the
slope of J along the selected weight; predictions next to targets; one live
figure with the network diagram, predictions vs targets, and the cost along the
selected weight with the current point and its tangent. The curve follows the
slider moved last (or the ``along`` dropdown).
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..costs import check_targets, cost, get_cost
from ..plots.curves import CostCurve, weight_label
from ..plots.diagram import NetworkDiagram
from ..sweeps import MAX_CURVE_POINTS, cost_along_weight, numerical_slope
from ..plots._style import GREEN
from ._common import LiveFigure, Panel, Readout, slider

__all__ = ["WeightNudgePanel", "weight_nudge"]

MAX_SLIDERS = 40  # one slider per weight
MAX_EXAMPLES = 50  # one prediction readout per example
MAX_LIMIT = 1000.0  # the sliders' half-span, at most
STEP = 0.01  # slider step; the panel rounds the network's weights to it


class WeightNudgePanel(Panel):
    """Sliders for every weight of a small network, with the cost shown live.

    Built by :func:`weight_nudge`, or directly with the same arguments (checked the same way);
    see there for the parameters.

    Attributes
    ----------
    net : Network
        The learner's network, edited in place by the sliders.
    sliders : list of ipywidgets.FloatSlider
        One per weight, in the order of ``indices``.
    indices : list of tuple (k, i, j)
        ``sliders[n]`` controls ``net.weights[k][i, j]``, i.e. ``W(k+1)[i, j]``.
    cost : Readout
        The cost J, equal to ``bpkit.cost(net, X, Y, kind, lam)`` (css ``bpkit-cost``).
    slope : Readout
        dJ/dw along the selected weight, by central differences (css ``bpkit-slope``).
    predictions : list of Readout
        One per example (first output unit), with its target as a note (css ``bpkit-prediction``).
    along : ipywidgets.Dropdown
        Which weight the cost curve runs along (its value is an index into ``indices``).
    figure : LiveFigure
        Diagram, predictions vs targets, and the cost curve.
    diagram : NetworkDiagram
    curve : CostCurve
    widget : ipywidgets.VBox
        The whole panel (classes ``bpkit-panel bpkit-weight-nudge``).
    """

    name = "weight-nudge"

    def __init__(self, net, X, Y, kind="quadratic", lam=0.0, limit=4.0, curve_points=81, use_ipympl=None):
        _validate.network(net)
        n_weights = sum(W.size for W in net.weights)
        if n_weights > MAX_SLIDERS:
            raise ValueError(
                f"net has {n_weights} weights (sizes {net.sizes}); weight_nudge makes one slider per weight "
                f"and allows at most {MAX_SLIDERS}. Use a smaller network."
            )
        get_cost(kind)
        self.kind = kind
        self.lam = _validate.non_negative_number("lam", lam)
        self.limit = _validate.positive_number("limit", limit)
        if self.limit > MAX_LIMIT:
            raise ValueError(f"limit must be at most {MAX_LIMIT:g} (the sliders move in steps of {STEP}), got {limit!r}")
        self.curve_points = _validate.integer("curve_points", curve_points, 3, MAX_CURVE_POINTS)
        self.X, self.Y = _validate.check_xy(net, X, Y)
        if self.X.shape[0] > MAX_EXAMPLES:
            raise ValueError(f"X has {self.X.shape[0]:,} rows; weight_nudge shows one prediction per example and "
                             f"allows at most {MAX_EXAMPLES} (pass a few rows, e.g. X[:{MAX_EXAMPLES}], Y[:{MAX_EXAMPLES}])")
        check_targets(kind, self.Y)
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        # every argument is good: only now is net touched (a refused call leaves it as it was)
        self.net = net
        self._snap_weights()
        self._initial = [W.copy() for W in net.weights]
        self._muted = False

        # sliders, grouped by weight matrix
        self.indices = [(k, i, j) for k, W in enumerate(net.weights) for i in range(W.shape[0]) for j in range(W.shape[1])]
        self.sliders = []
        columns = []
        for k, W in enumerate(net.weights):
            group = []
            for i in range(W.shape[0]):
                for j in range(W.shape[1]):
                    s = slider(weight_label((k, i, j)), 0.0, -1.0, 1.0, step=STEP, css="weight")
                    self._set_slider_range(s, float(W[i, j]))
                    s.observe(self._make_handler(len(self.sliders)), names="value")
                    self.sliders.append(s)
                    group.append(s)
            head = widgets.HTML(
                f"<b>W({k + 1})</b>, shape {W.shape}: layer {k + 1} &rarr; layer {k + 2}"
            )
            columns.append(widgets.VBox([head] + group))
        self.along = widgets.Dropdown(
            options=[(weight_label(ix), n) for n, ix in enumerate(self.indices)],
            value=0, description="cost curve along", style={"description_width": "initial"},
            layout=widgets.Layout(width="260px"),
        )
        self.along.add_class("bpkit-along")
        self.along.observe(lambda change: self._refresh_plots(), names="value")
        self.reset_button = widgets.Button(description="reset weights", layout=widgets.Layout(width="130px"))
        self.reset_button.add_class("bpkit-reset")
        self.reset_button.on_click(lambda _: self.reset())

        # readouts
        self.cost = Readout(f"cost J ({kind})", "cost")
        self.slope = Readout("slope dJ/dw", "slope", fmt="{:+.6f}")
        self.predictions = [
            Readout(f"example {r + 1}: prediction", "prediction", fmt="{:.4f}") for r in range(self.X.shape[0])
        ]

        # figure: diagram | predictions vs targets | cost along the selected weight
        self.figure = LiveFigure(figsize=(10.5, 3.3), use_ipympl=use_ipympl,
                                 alt="Left: the network, edges coloured by the sign of their weight and "
                                     "drawn thicker for larger weights. Middle: each example's prediction"
                                     " beside its target. Right: the cost along the chosen weight, with "
                                     "the current point and its slope.")
        fig = self.figure.fig
        ax_net, ax_pred, ax_cost = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.25, 1, 1.2]})
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.17, top=0.86, wspace=0.32)
        self.diagram = NetworkDiagram(ax_net, net, x=self.X[0], highlight=self.indices[0])
        ax_net.set_title("network on example 1\nblue w>0, red w<0, thick = large |w|", fontsize=9)
        m = self.X.shape[0]
        rows = np.arange(1, m + 1)
        self._res_lines = ax_pred.vlines(rows, 0, 0, colors="0.5", lw=1.5, label="error")
        (self._target_pts,) = ax_pred.plot(rows, self.Y[:, 0], "o", mfc="none", mec="black", ms=9, label="target y")
        (self._pred_pts,) = ax_pred.plot(rows, np.zeros(m), "o", color=GREEN, ms=7, label="prediction ŷ")
        ax_pred.set_xlim(0.4, m + 0.6)
        ax_pred.set_ylim(-0.02, 1.3)
        ax_pred.set_yticks(np.linspace(0, 1, 6))
        ax_pred.set_xticks(rows)
        ax_pred.set_xlabel("example")
        ax_pred.set_ylabel("output (scaled)")
        ax_pred.set_title("predictions vs targets", fontsize=9)
        ax_pred.grid(True, alpha=0.3)
        ax_pred.legend(fontsize=7, loc="upper center", ncol=3, handletextpad=0.3, columnspacing=0.8)
        self._ax_cost = ax_cost
        self.curve = CostCurve(ax_cost, [0.0, 1.0], [0.0, 1.0], xlabel="w")
        self._cost_title = ax_cost.set_title("", fontsize=9)
        # what a weight slider changes, repainted alone (blitted) on the rest of the figure;
        # in drawing order, so a blitted frame looks like a full draw
        self.figure.animate(*self.diagram.moving_artists(), self._res_lines, self._target_pts, self._pred_pts,
                            self.curve.tangent, self.curve.point, self._cost_title)

        controls = widgets.HBox([self.along, self.reset_button])
        readouts = widgets.VBox([self.cost.widget, self.slope.widget] + [p.widget for p in self.predictions])
        self._box([widgets.HBox(columns, layout=widgets.Layout(flex_flow="row wrap")), controls, readouts,
                   self.figure.widget])
        self.refresh()

    # ----------------------------------------------------------------- helpers
    def _set_slider_range(self, s, value):
        lo = min(-self.limit, math.floor(value))
        hi = max(self.limit, math.ceil(value))
        with s.hold_sync():
            # order matters: widen first so the value is never clipped by an old range
            s.min, s.max = min(lo, s.min), max(hi, s.max)
            s.value = value
            s.min, s.max = lo, hi

    def _make_handler(self, n):
        def handler(change):
            if self._muted:
                return
            k, i, j = self.indices[n]
            self.net.weights[k][i, j] = change["new"]
            self._refresh_numbers()  # the cost text first: it is what the learner watches
            if self.along.value != n:
                self.along.value = n  # its observer redraws the plots
            else:
                self._refresh_plots()

        return handler

    def _refresh_numbers(self):
        self.cost.set(cost(self.net, self.X, self.Y, kind=self.kind, lam=self.lam))
        Yhat = self.net.predict(self.X)
        for r, p in enumerate(self.predictions):
            p.set(Yhat[r, 0], note=f"target {self.Y[r, 0]:.4f}")
        self._Yhat = Yhat

    def _refresh_plots(self):
        n = self.along.value
        index = self.indices[n]
        s = self.sliders[n]
        k, i, j = index
        w = float(self.net.weights[k][i, j])
        xs = np.linspace(s.min, s.max, self.curve_points)
        ys = cost_along_weight(self.net, self.X, self.Y, index, xs, kind=self.kind, lam=self.lam)
        slope = numerical_slope(self.net, self.X, self.Y, index, kind=self.kind, lam=self.lam)
        self.slope.set(slope, note=f"along {weight_label(index)}")
        # moving the selected weight leaves its cost curve (others fixed) and the axis limits
        # unchanged, so the curve update only moves the point and the tangent
        self.curve.update(xs, ys, current=(w, self.cost.value), slope=slope)
        xlabel = f"{weight_label(index)}  (others fixed)"
        if self.curve.ax.get_xlabel() != xlabel:  # set_xlabel would force a full redraw
            self.curve.ax.set_xlabel(xlabel)
        self._cost_title.set_text(f"cost along {weight_label(index)}\n● now, dashed: slope {slope:+.4f}")
        self.diagram.update(highlight=index)
        m = self.X.shape[0]
        rows = np.arange(1, m + 1)
        yhat = self._Yhat[:, 0]
        self._pred_pts.set_data(rows, yhat)
        self._res_lines.set_segments([[(r, t), (r, p)] for r, t, p in zip(rows, self.Y[:, 0], yhat)])
        self.figure.redraw()

    # --------------------------------------------------------------- public API
    def _snap_weights(self):
        # A browser slider only holds multiples of its step: shown an off-grid value, it rounds
        # it and sends the rounded value back, which would change the learner's network behind
        # their back the moment the panel appears. So round the weights here, visibly, instead.
        for W in self.net.weights:
            np.round(W / STEP, out=W)
            W *= STEP

    def refresh(self):
        """Re-read ``net`` (e.g. after it was changed outside the panel) and redraw everything.

        Weights are rounded to the sliders' step (0.01) first, as when the panel is built.
        """
        self.net.check_parameters()
        self._snap_weights()
        self._muted = True
        try:
            for s, (k, i, j) in zip(self.sliders, self.indices):
                self._set_slider_range(s, float(self.net.weights[k][i, j]))
        finally:
            self._muted = False
        self._refresh_numbers()
        self._refresh_plots()

    def reset(self):
        """Put back the weights ``net`` had when the panel was built, and redraw."""
        for W, W0 in zip(self.net.weights, self._initial):
            W[...] = W0
        self.refresh()


def weight_nudge(net, X, Y, kind="quadratic", lam=0.0, limit=4.0, curve_points=81, use_ipympl=None):
    """A panel with one slider per weight of ``net`` and the cost, live (lesson 1).

    Moving a slider writes into ``net.weights[k][i, j]`` **in place**; the cost J,
    the predictions, the network diagram and the cost curve along that weight
    follow at once. ``panel.reset()`` restores the starting weights.

    Parameters
    ----------
    net : Network
        At most 40 weights (one slider each). Biases are left as they are.
    X : array_like, shape (m, sizes[0]), m at most 50 (one prediction readout each)
    Y : array_like, shape (m, sizes[-1]) (in [0, 1] for cross-entropy)
    kind : {"quadratic", "cross_entropy"}
    lam : float >= 0, L2 strength (as in :func:`bpkit.cost`)
    limit : float in (0, 1000], default 4
        Sliders run from ``-limit`` to ``limit`` (wider if a weight is already outside).
    curve_points : int in 3..10,000 (:data:`bpkit.sweeps.MAX_CURVE_POINTS`)
        Points on the cost curve.
    use_ipympl : bool or None
        None: draw with ipympl when installed, else as PNG images (slower).

    Every argument is checked before ``net`` is rounded: a refused call leaves it as it was.

    Returns
    -------
    WeightNudgePanel
        Shows itself as the last expression of a cell; ``.sliders``, ``.cost``,
        ``.slope``, ``.predictions``, ``.figure`` for driving it from code.
    """
    return WeightNudgePanel(net=net, X=X, Y=Y, kind=kind, lam=lam, limit=limit, curve_points=curve_points,
                            use_ipympl=use_ipympl)
