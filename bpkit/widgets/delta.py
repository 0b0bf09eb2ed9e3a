"""Lesson 4's panel: step through the examples and watch each Delta(l) fill up."""
from __future__ import annotations

import numpy as np

from ..backprop import backprop_loop
from ..network import Network
from ..plots.training import heatmap, update_heatmap
from ._common import LiveFigure, Readout, panel_box

import ipywidgets as widgets


def delta_history(net, X, Y, kind="quadratic"):
    """Run :func:`bpkit.backprop_loop` and keep every step of the accumulation.

    Parameters
    ----------
    net : Network
    X : array_like, shape (m, sizes[0])
    Y : array_like, shape (m, sizes[-1])
    kind : {"quadratic", "cross_entropy"}

    Returns
    -------
    (totals, parts)
        ``totals[i][k]`` is Delta(k+1) after examples 0..i have been added, and
        ``parts[i][k]`` is example i's own contribution ``a_i(k+1).T @ delta_i(k+2)``
        (its "desired nudges" to W(k+1)), both of the shape of ``net.weights[k]``.
        Sums, not means: ``totals[-1][k] / m`` is the gradient without L2.
    """
    totals, parts = [], []

    def record(i, Delta_W, Delta_b):
        now = [D.copy() for D in Delta_W]
        before = totals[-1] if totals else [np.zeros_like(D) for D in now]
        parts.append([a - b for a, b in zip(now, before)])
        totals.append(now)

    backprop_loop(net, X, Y, kind=kind, on_example=record)
    return totals, parts


class DeltaSteps:
    """Panel: a slider over "examples added so far" and one heatmap column per layer.

    Top row: the current example's own nudges ``a_i(l).T @ delta_i(l+1)``;
    bottom row: ``Delta(l)``, the running sum. The colour scale of each layer is
    fixed over all steps, so the matrices visibly fill up.

    Attributes
    ----------
    widget : ipywidgets.VBox, classes ``bpkit-panel bpkit-delta-steps``
    slider : ipywidgets.IntSlider, examples added (1..m), class ``bpkit-slider``
    sliders : list, ``[slider]``
    size : Readout (``bpkit-delta-size``): sqrt of the sum of squares of all Delta entries
    example_cost : Readout (``bpkit-example-cost``): cost of the current example alone
    totals, parts : see :func:`delta_history`
    """

    def __init__(self, net, X, Y, kind="quadratic", use_ipympl=None):
        if not isinstance(net, Network):
            raise TypeError(f"net must be a bpkit.Network, got {type(net).__name__}")
        self.totals, self.parts = delta_history(net, X, Y, kind=kind)
        self.m = len(self.totals)
        X = np.asarray(X, dtype=np.float64).reshape(self.m, -1)
        Y = np.asarray(Y, dtype=np.float64).reshape(self.m, -1)
        from ..costs import cost

        self._costs = [cost(net, X[i : i + 1], Y[i : i + 1], kind=kind) for i in range(self.m)]
        self._sizes = [float(np.sqrt(sum(np.sum(D * D) for D in T))) for T in self.totals]
        n_layers = len(net.weights)
        self.slider = widgets.IntSlider(
            value=1, min=1, max=self.m, step=1, description="examples added",
            continuous_update=True, style={"description_width": "initial"},
            layout=widgets.Layout(width="360px"),
        )
        self.slider.add_class("bpkit-slider")
        self.sliders = [self.slider]
        self.size = Readout("size of all Delta, sqrt(sum of squares):", "delta-size", fmt="{:.5f}")
        self.example_cost = Readout("cost of this example alone:", "example-cost", fmt="{:.5f}")
        self.caption = widgets.HTML()
        widths = [max(W.shape[1], 2) for W in net.weights]
        self.figure = LiveFigure(figsize=(2.0 + 0.9 * sum(widths), 5.0), use_ipympl=use_ipympl)
        fig = self.figure.fig
        grid = fig.add_gridspec(2, n_layers, width_ratios=widths)
        self._top, self._bottom = [], []
        for k in range(n_layers):
            scale_part = max(float(np.max(np.abs(p[k]))) for p in self.parts) or 1.0
            scale_total = max(float(np.max(np.abs(t[k]))) for t in self.totals) or 1.0
            ax = fig.add_subplot(grid[0, k])
            self._top.append(heatmap(ax, self.parts[0][k], title=f"this example's\na({k + 1}).T @ delta({k + 2})",
                                     vmax=scale_part))
            ax = fig.add_subplot(grid[1, k])
            self._bottom.append(heatmap(ax, self.totals[0][k], title=f"running sum\nDelta({k + 1})", vmax=scale_total))
            ax.set_xlabel(f"unit of layer {k + 2}", fontsize=8)
            ax.set_ylabel(f"unit of layer {k + 1}", fontsize=8)
        self._suptitle = fig.suptitle("", fontsize=10)
        # what the slider changes: every cell colour and number, and the suptitle; repainted
        # alone (blitted) on the rest (titles, ticks, labels). Per heatmap in the order of a full
        # draw: the image, its numbers, then the frame (the image would cover half of it)
        self.figure.animate(*[a for im, texts in self._top + self._bottom
                              for a in (im, *texts, *im.axes.spines.values())], self._suptitle)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.82, bottom=0.1, hspace=0.75, wspace=0.6)
        self.widget = panel_box(
            [self.slider, widgets.HBox([self.size.widget, self.example_cost.widget]), self.caption,
             self.figure.widget],
            "delta-steps",
        )
        self.slider.observe(self._on_change, names="value")
        self._on_change()

    def _on_change(self, change=None):
        i = int(self.slider.value) - 1
        with self.widget.hold_sync():
            self.size.set(self._sizes[i])
            self.example_cost.set(self._costs[i], note=f"(example {i + 1} of {self.m})")
            self.caption.value = (
                f"<span class='bpkit-note'>Delta(l) = sum over examples 1..{i + 1} of a(l).T @ delta(l+1); "
                f"the gradient is Delta / m once all {self.m} are in.</span>"
            )
        for k in range(len(self._top)):
            update_heatmap(self._top[k], self.parts[i][k])
            update_heatmap(self._bottom[k], self.totals[i][k])
        self._suptitle.set_text(f"after example {i + 1} of {self.m}")
        self.figure.redraw()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def delta_steps(net, X, Y, kind="quadratic", use_ipympl=None):
    """Build lesson 4's Delta-accumulation panel (see :class:`DeltaSteps`).

    Parameters
    ----------
    net : Network (small: one heatmap per weight matrix, values written in cells)
    X : array_like, shape (m, sizes[0]); Y : array_like, shape (m, sizes[-1])
    kind : {"quadratic", "cross_entropy"}
    use_ipympl : bool or None, see :class:`LiveFigure`
    """
    return DeltaSteps(net, X, Y, kind=kind, use_ipympl=use_ipympl)
