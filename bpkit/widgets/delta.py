"""Lesson 4's panel: step through the examples and watch each Delta(l) fill up.

The steps come from :func:`bpkit.sweeps.delta_history` (``bpkit.backprop_loop``
recorded after every example); this panel draws them.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..plots.training import heatmap, update_heatmap
from ..insight import example_factors
from ..sweeps import MAX_DELTA_VALUES, delta_history, example_costs, root_sum_squares
from ._common import LiveFigure, Panel, Readout

__all__ = ["DeltaSteps", "delta_history", "delta_steps"]


class DeltaSteps(Panel):
    """Panel: a slider over "examples added so far" and one heatmap column per layer.

    Top row: the current example's own share ``a_i(l).T @ delta_i(l+1)`` (the gradient
    of its cost, uphill), with its two factors beside it: the column ``a_i(l)`` on the
    left and the row ``delta_i(l+1)`` above, so entry (j, k) is visibly ``a_ij * delta_ik``;
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
    a_cols, delta_rows : see :func:`bpkit.insight.example_factors`

    ``DeltaSteps(...)`` takes :func:`delta_steps`'s arguments and checks them the same way (see there).
    """

    name = "delta-steps"

    def __init__(self, net, X, Y, kind="quadratic", use_ipympl=None, max_values=MAX_DELTA_VALUES):
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        _validate.network(net)
        self.totals, self.parts = delta_history(net, X, Y, kind=kind, max_values=max_values)
        self.m = len(self.totals)
        self._costs = example_costs(net, X, Y, kind=kind)
        self._sizes = [root_sum_squares(T) for T in self.totals]
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
        self.a_cols, self.delta_rows = example_factors(net, X, Y, kind=kind)
        widths = [max(W.shape[1], 2) for W in net.weights]
        self.figure = LiveFigure(figsize=(1.0 + 0.6 * n_layers + 0.9 * sum(widths), 5.4), use_ipympl=use_ipympl,
                                 alt="Heatmaps for each layer: the column a(l) and the row delta(l+1) of this "
                                     "example, their product a(l).T @ delta(l+1), and below it Delta(l), the running sum "
                                     "so far. Colour shows the sign and size of each entry.")
        fig = self.figure.fig
        ratios = [r for w in widths for r in (0.8, w)]
        grid = fig.add_gridspec(3, 2 * n_layers, width_ratios=ratios, height_ratios=[0.45, 1, 1])
        self._top, self._bottom, self._a_col, self._d_row = [], [], [], []
        for k in range(n_layers):
            scale_part = max(float(np.max(np.abs(p[k]))) for p in self.parts) or 1.0
            scale_total = max(float(np.max(np.abs(t[k]))) for t in self.totals) or 1.0
            scale_a = max(float(np.max(np.abs(a[k]))) for a in self.a_cols) or 1.0
            scale_d = max(float(np.max(np.abs(d[k]))) for d in self.delta_rows) or 1.0
            ax = fig.add_subplot(grid[0, 2 * k + 1])
            self._d_row.append(heatmap(ax, self.delta_rows[0][k][None, :], title=f"delta({k + 2}) row",
                                       vmax=scale_d, annotate=False))
            ax = fig.add_subplot(grid[1, 2 * k])
            self._a_col.append(heatmap(ax, self.a_cols[0][k][:, None], title=f"a({k + 1})\ncolumn", vmax=scale_a,
                                       annotate=False))
            ax = fig.add_subplot(grid[1, 2 * k + 1])
            self._top.append(heatmap(ax, self.parts[0][k], title=f"this example's\na({k + 1}).T @ delta({k + 2})",
                                     vmax=scale_part))
            ax = fig.add_subplot(grid[2, 2 * k + 1])
            self._bottom.append(heatmap(ax, self.totals[0][k], title=f"running sum\nDelta({k + 1})", vmax=scale_total))
            ax.set_xlabel(f"unit of layer {k + 2}", fontsize=8)
            ax.set_ylabel(f"unit of layer {k + 1}", fontsize=8)
        self._suptitle = fig.suptitle("", fontsize=10)
        # what the slider changes: every cell colour and number, and the suptitle; repainted
        # alone (blitted) on the rest (titles, ticks, labels). Per heatmap in the order of a full
        # draw: the image, its numbers, then the frame (the image would cover half of it)
        self.figure.animate(*[a for im, texts in self._top + self._bottom + self._a_col + self._d_row
                              for a in (im, *texts, *im.axes.spines.values())], self._suptitle)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.08, hspace=0.9, wspace=0.5)
        self._box([self.slider, widgets.HBox([self.size.widget, self.example_cost.widget]), self.caption,
                   self.figure.widget])
        self.slider.observe(self._on_change, names="value")
        self._on_change()

    def _on_change(self, change=None):
        i = int(self.slider.value) - 1
        with self.widget.hold_sync():
            self.size.set(self._sizes[i])
            self.example_cost.set(self._costs[i], note=f"(example {i + 1} of {self.m})")
            self.caption.value = (
                f"<span class='bpkit-note'>Delta(l) = sum over examples 1..{i + 1} of a(l).T @ delta(l+1); "
                f"the gradient is Delta / m once all {self.m} are in (uphill: the desired nudge is minus it).</span>"
            )
        for k in range(len(self._top)):
            update_heatmap(self._top[k], self.parts[i][k])
            update_heatmap(self._bottom[k], self.totals[i][k])
            update_heatmap(self._a_col[k], self.a_cols[i][k][:, None])
            update_heatmap(self._d_row[k], self.delta_rows[i][k][None, :])
        self._suptitle.set_text(f"after example {i + 1} of {self.m}")
        self.figure.redraw()


def delta_steps(net, X, Y, kind="quadratic", use_ipympl=None, max_values=MAX_DELTA_VALUES):
    """Build lesson 4's Delta-accumulation panel (see :class:`DeltaSteps`).

    Parameters
    ----------
    net : Network (small: one heatmap per weight matrix, values written in cells)
    X : array_like, shape (m, sizes[0]); Y : array_like, shape (m, sizes[-1])
    kind : {"quadratic", "cross_entropy"}
    use_ipympl : bool or None, see :class:`LiveFigure`
    max_values : int > 0, default :data:`bpkit.sweeps.MAX_DELTA_VALUES` (5,000,000)
        The panel keeps every step, ``2 * m * (number of weights)`` numbers (a 2-3-1 network on
        the 3 sleep/study examples: 54). More are refused by :func:`bpkit.sweeps.delta_history` with the memory
        they would take; pass a few examples (``X[:6], Y[:6]``) or a larger ``max_values``.
    """
    return DeltaSteps(net=net, X=X, Y=Y, kind=kind, use_ipympl=use_ipympl, max_values=max_values)
