"""Lesson 5's panel: a lambda slider over networks trained with L2 regularization.

Retraining on every slider move would take about 50 ms per lambda here (8000
full-batch steps), too slow to feel live. So the panel trains the whole grid
once, with :func:`bpkit.sweeps.train_lambda_grid` (all lambdas at once, at about
the cost of one or two networks one after the other); the slider then only
looks up the precomputed result and moves lines (well under a millisecond of Python).
"""
from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..costs import check_targets, cost, get_cost
from ..insight import weight_size
from ..sweeps import train_lambda_grid
from ..plots._style import BLUE, PURPLE, VERMILLION
from ._common import LiveFigure, Panel, Readout, slider

__all__ = ["LambdaPanel", "lambda_panel", "train_lambda_grid"]

#: the panel trains every lambda when it is built; it refuses more work than about 10 seconds:
#: ``epochs * m * K**2 * net.num_params()`` over MAX_LAMBDA_WORK (the K copies train side by side
#: as one network K times wider), or more than MAX_LAMBDA_EPOCHS epochs. Lesson 5: 4.1e8, 5,000 epochs.
MAX_LAMBDA_WORK = 1e10
MAX_LAMBDA_EPOCHS = 50_000
#: log10(lambda) of the grid must lie in this range
LOG10_LAM_RANGE = (-12, 3)


def _emptiest_corner(ax, xs, curves):
    """The legend location (``"upper left"``...) whose corner of ``ax`` holds the fewest curve points.

    Points are placed in axes fractions with the axes' current limits and scales;
    a corner is 45% of the width by 40% of the height.
    """
    xs = np.asarray(xs, dtype=np.float64)
    to_fraction = ax.transScale + ax.transLimits  # data -> axes fractions (after autoscaling)
    ax.autoscale_view()
    frac = [to_fraction.transform(np.c_[xs, np.asarray(ys, dtype=np.float64)]) for ys in curves]
    counts = {}
    for name, (xlo, xhi), (ylo, yhi) in [
        ("upper left", (0, 0.45), (0.6, 1)), ("upper right", (0.55, 1), (0.6, 1)),
        ("lower left", (0, 0.45), (0, 0.4)), ("lower right", (0.55, 1), (0, 0.4)),
    ]:
        counts[name] = sum(int(np.sum((f[:, 0] >= xlo) & (f[:, 0] <= xhi) & (f[:, 1] >= ylo) & (f[:, 1] <= yhi)))
                           for f in frac)
    return min(counts, key=counts.get)  # ties: the first in the order above


class LambdaPanel(Panel):
    """Panel: slide log10(lambda), see the fitted curve and train vs test cost.

    Attributes
    ----------
    widget : ipywidgets.VBox, classes ``bpkit-panel bpkit-lambda``
    slider : FloatSlider over log10(lambda), class ``bpkit-slider``
    sliders : list, ``[slider]``
    lam, train_cost, test_cost : Readout (``bpkit-lam``, ``bpkit-train-cost``, ``bpkit-test-cost``)
        Costs are the data part of J (no penalty), so they compare across lambdas.
    sum_w2 : Readout (``bpkit-sum-w2``): sum of W**2 over all layers of the network shown
        (what the penalty prices; :func:`bpkit.insight.weight_size`)
    lams, nets : the grid and the network trained for each lambda
    train_costs, test_costs, sums_w2 : ndarray, shape (K,)
    build_seconds : float, time spent training the grid

    ``LambdaPanel(...)`` takes :func:`lambda_panel`'s arguments and checks them the same way (see there).
    """

    name = "lambda"

    def __init__(self, net, X, Y, X_test, Y_test, log10_lams=None, epochs=8000, lr=3.0, kind="quadratic",
                 use_ipympl=None):
        if log10_lams is None:
            log10_lams = np.arange(-4.0, 0.001, 0.25)
        _validate.network(net)
        if net.sizes[0] != 1 or net.sizes[-1] != 1:
            raise ValueError(f"the lambda panel draws y against x: net needs 1 input and 1 output, "
                             f"got sizes {net.sizes}")
        get_cost(kind)
        epochs = _validate.positive_number("epochs", epochs, integer=True)
        lr = _validate.positive_number("lr", lr)
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        X, Y = _validate.check_xy(net, X, Y)
        X_test, Y_test = _validate.check_xy(net, X_test, Y_test, xname="X_test", yname="Y_test")
        check_targets(kind, Y)
        check_targets(kind, Y_test, "Y_test")
        self.log10_lams = _validate.vector("log10_lams", log10_lams, min_size=2)
        if np.any(np.diff(self.log10_lams) <= 0):
            raise ValueError("log10_lams must be an increasing 1-D grid with at least 2 values, "
                             f"got {self.log10_lams!r}")
        steps = np.diff(self.log10_lams)
        if not np.allclose(steps, steps[0]):
            raise ValueError("log10_lams must be evenly spaced (the slider steps through it)")
        lo, hi = LOG10_LAM_RANGE
        if self.log10_lams[0] < lo or self.log10_lams[-1] > hi:
            raise ValueError(f"log10_lams must lie in [{lo}, {hi}] (lambda from 1e{lo} to 1e{hi}), got "
                             f"{self.log10_lams[0]:g} to {self.log10_lams[-1]:g}")
        K, m = self.log10_lams.size, X.shape[0]
        if epochs > MAX_LAMBDA_EPOCHS or epochs * m * K * K * net.num_params() > MAX_LAMBDA_WORK:
            raise ValueError(
                f"lambda_panel would train {K} lambdas x {epochs:,} epochs on {m:,} points of a {net.num_params():,}"
                f"-parameter net (epochs x m x K^2 x parameters = {epochs * m * K * K * net.num_params():,}), over "
                f"MAX_LAMBDA_WORK = {MAX_LAMBDA_WORK:,.0f} or epochs over MAX_LAMBDA_EPOCHS = {MAX_LAMBDA_EPOCHS:,} "
                f"(about 10 s); use fewer epochs, lambdas or points")
        self.lams = 10.0 ** self.log10_lams
        t0 = time.perf_counter()
        self.nets = train_lambda_grid(net, X, Y, self.lams, epochs=epochs, lr=lr, kind=kind)
        self.build_seconds = time.perf_counter() - t0
        self.train_costs = np.array([cost(n, X, Y, kind=kind) for n in self.nets])
        self.test_costs = np.array([cost(n, X_test, Y_test, kind=kind) for n in self.nets])
        self.sums_w2 = np.array([weight_size(n.weights) for n in self.nets])
        lo = min(X.min(), X_test.min())
        hi = max(X.max(), X_test.max())
        self._xs = np.linspace(lo, hi, 300)
        self._curves = [n.predict(self._xs[:, None])[:, 0] for n in self.nets]

        self.slider = slider("log10(lambda)", float(self.log10_lams[0]), float(self.log10_lams[0]),
                             float(self.log10_lams[-1]), step=float(steps[0]), fmt=".2f")
        self.sliders = [self.slider]
        self.lam = Readout("lambda =", "lam", fmt="{:.2e}")
        self.train_cost = Readout("train cost:", "train-cost", fmt="{:.5f}")
        self.test_cost = Readout("test cost:", "test-cost", fmt="{:.5f}")
        self.sum_w2 = Readout("sum of W²:", "sum-w2", fmt="{:.1f}")

        self.figure = LiveFigure(figsize=(9.0, 3.4), use_ipympl=use_ipympl,
                                 alt="Left: the training points, the test points and the network's fitted"
                                     " curve for the chosen lambda. Right: train and test cost against "
                                     "lambda on a log axis, a star at the lowest test cost and a vertical"
                                     " line at the chosen lambda.")
        fig = self.figure.fig
        ax_fit, ax_cost = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        ax_fit.plot(X_test[:, 0], Y_test[:, 0], ".", color="0.7", ms=3, label="test points")
        ax_fit.plot(X[:, 0], Y[:, 0], "o", color=BLUE, ms=6, mec="k", label="training points")
        (self._fit,) = ax_fit.plot(self._xs, self._curves[0], "-", color=PURPLE, lw=2, label="network")
        ax_fit.set_ylim(-0.05, 1.05)
        ax_fit.set_xlabel("x")
        ax_fit.set_ylabel("y")
        ax_fit.legend(fontsize=7, loc="lower left")
        self._fit_title = ax_fit.set_title("", fontsize=10)
        ax_cost.semilogx(self.lams, self.train_costs, "-o", ms=3, color=BLUE, label="train")
        ax_cost.semilogx(self.lams, self.test_costs, "--s", ms=3, color=VERMILLION, label="test")
        best = int(np.argmin(self.test_costs))
        ax_cost.semilogx([self.lams[best]], [self.test_costs[best]], "*", color=VERMILLION, ms=14, mec="k",
                         label=f"lowest test cost (lambda={self.lams[best]:.1e})")
        self._vline = ax_cost.axvline(self.lams[0], color=PURPLE, lw=1.5)
        ax_cost.set_xlabel("lambda (log scale)")
        ax_cost.set_ylabel("cost J (without the penalty)")
        ax_cost.set_title("train vs test cost", fontsize=10)
        # a fixed corner, not loc="best": "best" is worked out at every full draw and avoids the
        # lambda line too, so the legend would jump when the slider moves (and blitted frames,
        # painted on an older background, would disagree with a full draw)
        ax_cost.legend(fontsize=7, loc=_emptiest_corner(ax_cost, self.lams, [self.train_costs, self.test_costs]))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.28)
        # what the slider moves, repainted alone (blitted) on the rest of the figure. (Not the
        # legends: drawing a legend marks its axes stale, which would force full draws.)
        self.figure.animate(self._fit, self._fit_title, self._vline)

        self._box([self.slider, widgets.HBox([self.lam.widget, self.train_cost.widget, self.test_cost.widget,
                                                 self.sum_w2.widget]),
                   self.figure.widget])
        self.slider.observe(self._on_change, names="value")
        self._on_change()

    def index(self, log10_lam):
        """Grid index of the slider value ``log10_lam`` (nearest grid point)."""
        return int(np.argmin(np.abs(self.log10_lams - float(log10_lam))))

    def _on_change(self, change=None):
        j = self.index(self.slider.value)
        with self.widget.hold_sync():
            self.lam.set(self.lams[j])
            self.train_cost.set(self.train_costs[j])
            self.test_cost.set(self.test_costs[j])
            self.sum_w2.set(self.sums_w2[j])
        self._fit.set_ydata(self._curves[j])
        self._vline.set_xdata([self.lams[j], self.lams[j]])
        self._fit_title.set_text(f"fit with lambda = {self.lams[j]:.1e}")
        self.figure.redraw()


def lambda_panel(net, X, Y, X_test, Y_test, log10_lams=None, epochs=8000, lr=3.0, kind="quadratic",
                 use_ipympl=None):
    """Build lesson 5's lambda panel (see :class:`LambdaPanel`).

    Parameters
    ----------
    net : Network with sizes ``[1, ..., 1]``, the common starting point (not changed)
    X, Y : array_like, shape (m, 1): the few training points
    X_test, Y_test : array_like, shape (m_test, 1): fresh points from the same source
    log10_lams : evenly spaced increasing grid of at least 2 values in [-12, 3], default -4 to 0 in steps of 0.25
    epochs, lr, kind : training settings for :func:`train_lambda_grid` (int > 0, float > 0, a cost name)
    use_ipympl : bool or None, see :class:`LiveFigure`

    Building trains the whole grid: ``epochs * m * K**2 * net.num_params()`` (K lambdas) may be at most
    :data:`MAX_LAMBDA_WORK` (1e10, about 10 s) and ``epochs`` at most :data:`MAX_LAMBDA_EPOCHS` (50,000).
    Every argument is checked before anything is trained.
    """
    return LambdaPanel(net=net, X=X, Y=Y, X_test=X_test, Y_test=Y_test, log10_lams=log10_lams, epochs=epochs, lr=lr,
                       kind=kind, use_ipympl=use_ipympl)
