"""Lesson 6's panel: gradient descent paths on a 2-parameter cost surface.

The model is a straight line, ``yhat = w * x + b``, with the course's quadratic
cost ``J(w, b) = sum((w x + b - y)**2) / (2m)``. Two parameters means the whole
cost surface fits in one contour plot, and every step of full-batch or
mini-batch descent can be drawn on it. Its gradient is two lines::

    dJ/dw = sum((w x + b - y) * x) / m        dJ/db = sum(w x + b - y) / m

(the same ``a.T delta / m`` as backprop, for a network with no hidden layer
and no sigmoid). Because the cost is a bowl with a fixed curvature, a step
larger than 2 / (largest curvature) overshoots further each time: divergence.

The model, its cost, gradient and descent path live in :mod:`bpkit.toys`
(imported here under their old names too); this panel only draws them.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..plots.training import cost_contours, descent_path
from ..toys import line_best_cost, line_cost, line_data, line_gradient, sgd_path
from ..plots._style import PURPLE
from ._common import LiveFigure, Panel, Readout, slider

__all__ = ["DescentPanel", "descent_panel", "line_cost", "line_gradient", "sgd_path"]


#: :func:`descent_panel` refuses ``epochs * m`` over this: the steps of its slowest run (batch size 1),
#: recomputed at every slider move (about 2 us each). Lesson 6: 20 epochs of 40 points, 800 steps.
MAX_PANEL_STEPS = 20_000
#: The learning-rate slider's lowest value and step; ``lr_max`` may be at most :data:`MAX_LR`.
LR_STEP, MAX_LR = 0.02, 100.0
#: ``start``, ``w_range`` and ``b_range`` must lie inside ``[-MAX_RANGE, MAX_RANGE]`` (the contours' grid).
MAX_RANGE = 1e6


def _range(name, r):
    """``r`` as a (low, high) pair of finite floats with low < high, inside +-MAX_RANGE."""
    lo, hi = _validate.vector(name, r, size=2)
    if not lo < hi:
        raise ValueError(f"{name} must be (low, high) with low < high, got {r!r}")
    if max(abs(lo), abs(hi)) > MAX_RANGE:
        raise ValueError(f"{name} must lie inside [-{MAX_RANGE:g}, {MAX_RANGE:g}], got {r!r}")
    return float(lo), float(hi)


class DescentPanel(Panel):
    """Panel: learning-rate and batch-size sliders, the path on the cost contours.

    ``DescentPanel(...)`` takes :func:`descent_panel`'s arguments and checks them the same way
    (see there for the parameters).

    Attributes
    ----------
    widget : ipywidgets.VBox, classes ``bpkit-panel bpkit-descent``
    lr : FloatSlider (first slider, class ``bpkit-slider``)
    batch_size : IntSlider (class ``bpkit-slider``)
    sliders : ``[lr, batch_size]``
    final_cost : Readout (``bpkit-final-cost``), J at the end of the run (or where it stopped)
    steps : Readout (``bpkit-steps``), the number of steps taken
    path, costs, diverged : the last run, see :func:`sgd_path`
    """

    name = "descent"

    def __init__(self, x, y, start=(-1.0, 3.0), lr=0.3, batch_size=None, epochs=20, seed=0,
                 w_range=(-2.0, 4.0), b_range=(-3.0, 4.0), lr_max=0.7, use_ipympl=None):
        # every argument is checked before anything is drawn
        x, y = line_data(x, y)
        start = tuple(float(v) for v in _validate.vector("start", start, size=2))
        if max(abs(v) for v in start) > MAX_RANGE:
            raise ValueError(f"start must lie inside [-{MAX_RANGE:g}, {MAX_RANGE:g}] (a run stops once |w| or |b| "
                             f"passes 1e6), got {start!r}")
        seed = _validate.seed(seed)
        epochs = _validate.positive_number("epochs", epochs, integer=True)
        if epochs * x.size > MAX_PANEL_STEPS:
            raise ValueError(f"descent_panel reruns up to epochs * m = {epochs:,} x {x.size:,} steps at every slider "
                             f"move, over MAX_PANEL_STEPS = {MAX_PANEL_STEPS:,}; use fewer epochs or fewer points "
                             f"(bpkit.widgets.sgd_path runs longer paths once)")
        if batch_size is None:
            batch_size = x.size
        batch_size = _validate.positive_number("batch_size", batch_size, integer=True)
        if batch_size > x.size:
            raise ValueError(f"batch_size must be at most m={x.size}, got {batch_size}")
        lr_max = _validate.positive_number("lr_max", lr_max)
        if not LR_STEP <= lr_max <= MAX_LR:
            raise ValueError(f"lr_max must lie between {LR_STEP} (the slider's lowest learning rate) and {MAX_LR:g}, "
                             f"got {lr_max!r}")
        lr = _validate.positive_number("lr", lr)
        if not LR_STEP <= lr <= lr_max:
            raise ValueError(f"lr must lie between {LR_STEP} and lr_max={lr_max:g}, got {lr!r}")
        w_range, b_range = _range("w_range", w_range), _range("b_range", b_range)
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)

        self.x, self.y, self.start, self.epochs, self.seed = x, y, start, epochs, seed
        m = self.x.size
        self.lr = slider("learning rate", float(lr), 0.02, float(lr_max), step=0.02, fmt=".2f")
        self.batch_size = widgets.IntSlider(
            value=int(batch_size), min=1, max=m, step=1, description="batch size",
            continuous_update=True, style={"description_width": "initial"},
            layout=widgets.Layout(width="320px"),
        )
        self.batch_size.add_class("bpkit-slider")
        self.sliders = [self.lr, self.batch_size]
        self.final_cost = Readout("cost at the end:", "final-cost", fmt="{:.5f}")
        self.steps = Readout("steps taken:", "steps", fmt="{:.0f}")
        self.message = widgets.HTML()

        ws = np.linspace(*w_range, 121)
        bs = np.linspace(*b_range, 121)
        Wg, Bg = np.meshgrid(ws, bs)
        J = line_cost(Wg, Bg, self.x, self.y)
        self.figure = LiveFigure(figsize=(9.0, 3.6), use_ipympl=use_ipympl,
                                 alt="Left: contour lines of the cost over w and b, with the path "
                                     "gradient descent takes from the start (a square) towards the "
                                     "minimum (a plus). Right: the cost after each step, on a log scale.")
        fig = self.figure.fig
        self._ax_path, self._ax_cost = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        cost_contours(self._ax_path, ws, bs, J)
        j_min = np.unravel_index(np.argmin(J), J.shape)
        self._ax_path.plot(ws[j_min[1]], bs[j_min[0]], "+", color="k", ms=10, mew=2)
        self._ax_path.plot(*self.start, "s", color="k", ms=5)
        self._line, self._end = descent_path(self._ax_path, np.array([self.start]))
        self._title = self._ax_path.set_title("", fontsize=10)
        (self._cost_line,) = self._ax_cost.semilogy([0], [1.0], "-", color=PURPLE)
        self._ax_cost.set_xlabel("step")
        self._ax_cost.set_ylabel("cost J (log scale)")
        self._ax_cost.set_title("cost after each step", fontsize=10)
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
        # what a slider move changes: repainted alone (blitted) as long as the cost axis keeps
        # its limits (they move in whole decades, see _cost_limits)
        self.figure.animate(self._line, self._end, self._title, self._cost_line)
        self._best_cost = None  # lowest cost of any line, computed once by _cost_limits
        self._box([widgets.HBox([self.lr, self.batch_size]),
                   widgets.HBox([self.final_cost.widget, self.steps.widget]), self.message, self.figure.widget])
        for s in self.sliders:
            s.observe(self._on_change, names="value")
        self._on_change()

    def _on_change(self, change=None):
        self.path, self.costs, self.diverged = sgd_path(
            self.x, self.y, self.start, self.lr.value, self.batch_size.value, self.epochs, self.seed)
        m = self.x.size
        bsz = self.batch_size.value
        kind = "full batch" if bsz >= m else f"mini-batches of {bsz}"
        with self.widget.hold_sync():
            self.final_cost.set(self.costs[-1])
            self.steps.set(len(self.path) - 1)
            if self.diverged:
                self.message.value = (
                    "<span class='bpkit-note' style='color:var(--jp-error-color1, #c0392b)'><b>Diverging:</b> every step overshoots "
                    "the valley and lands higher up the other side, so the cost grows (runs stop once |w| or |b| "
                    "passes 1e6). "
                    "Make the learning rate smaller.</span>")
            else:
                self.message.value = (
                    f"<span class='bpkit-note'>{self.epochs} epochs of {kind}: "
                    f"{len(self.path) - 1} steps.</span>")
        self._line.set_data(self.path[:, 0], self.path[:, 1])
        self._end.set_data(self.path[-1:, 0], self.path[-1:, 1])
        self._title.set_text(f"lr = {self.lr.value:.2f}, {kind}" + (" (diverged)" if self.diverged else ""))
        steps = np.arange(len(self.costs))
        self._cost_line.set_data(steps, np.maximum(self.costs, 1e-12))
        xlim, ylim = self._cost_limits()
        # set_xlim/set_ylim force a full redraw even with the same numbers: call them only on a change
        if tuple(self._ax_cost.get_xlim()) != xlim:
            self._ax_cost.set_xlim(*xlim)
        if tuple(self._ax_cost.get_ylim()) != ylim:
            self._ax_cost.set_ylim(*ylim)
        self.figure.redraw()

    def _cost_limits(self):
        """x- and y-range of the cost plot for the last run.

        They do not follow the learning rate, so moving the learning-rate slider
        leaves the axes alone and repaints only the moving lines (a blit):
        x runs over the steps planned for the batch size (a run that blew up
        stops early); y spans whole decades from below the lowest cost any line
        can reach (the least-squares fit's) to above the highest cost of the run,
        and a diverged run gets the range of a converging one widened by four
        decades, its curve leaving the plot at the top.
        """
        m, bsz = self.x.size, int(self.batch_size.value)
        planned = self.epochs * (-(-m // bsz))
        if self._best_cost is None:
            self._best_cost = line_best_cost(self.x, self.y)
        lo = 10.0 ** np.floor(np.log10(max(self._best_cost, 1e-12) / 1.5))
        if self.diverged:
            top = 10.0 ** (np.ceil(np.log10(1.5 * float(self.costs[0]))) + 4)
        else:
            top = 10.0 ** np.ceil(np.log10(1.5 * float(np.max(self.costs))))
        return (0.0, float(max(1, planned))), (float(lo), float(top))


def descent_panel(x, y, start=(-1.0, 3.0), lr=0.3, batch_size=None, epochs=20, seed=0,
                  w_range=(-2.0, 4.0), b_range=(-3.0, 4.0), lr_max=0.7, use_ipympl=None):
    """Build lesson 6's descent panel (see :class:`DescentPanel`).

    Every argument is checked before anything is drawn; nothing passed in is changed.

    Parameters
    ----------
    x, y : array_like, shape (m,): the data the line is fitted to (finite numbers)
    start : (w, b), two finite numbers inside +-1e6: where every run starts
    lr : initial learning rate, in ``[0.02, lr_max]`` (slider from 0.02 to ``lr_max`` in steps of 0.02)
    batch_size : int in 1..m, initial batch size, default m (full batch)
    epochs : int > 0, passes over the data per run; ``epochs * m`` at most
        :data:`MAX_PANEL_STEPS` (20,000), as every slider move reruns it
    seed : int >= 0, seeds the shuffling, so a setting always draws the same path
    w_range, b_range : (low, high) of the contour plot, low < high, inside +-1e6
    lr_max : float in ``[0.02, 100]``, the slider's top
    use_ipympl : bool or None, see :class:`LiveFigure`
    """
    return DescentPanel(x=x, y=y, start=start, lr=lr, batch_size=batch_size, epochs=epochs, seed=seed,
                        w_range=w_range, b_range=b_range, lr_max=lr_max, use_ipympl=use_ipympl)
