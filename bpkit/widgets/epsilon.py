"""Lesson 7's panel: how the step eps of central differences sets the error.

Central differences make two errors that pull in opposite directions:
truncation (the parabola ignored by the formula), which grows like eps**2, and
round-off (two nearly equal costs subtracted, then divided by 2 eps), which
grows like machine-epsilon / eps. Their sum is smallest in between; in float64
that is around eps = 1e-5. The curve is :func:`bpkit.sweeps.epsilon_curve`; this
panel draws it.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..plots._style import BLUE, GREEN, PURPLE, RIGHT_TEXT, VERMILLION
from ..sweeps import MAX_EPSILON_EVALS, epsilon_curve
from ._common import LiveFigure, Panel, Readout, slider

__all__ = ["EpsilonPanel", "epsilon_curve", "epsilon_panel"]


class EpsilonPanel(Panel):
    """Panel: slide log10(eps), read the relative error, see the whole V-shaped curve.

    Attributes
    ----------
    widget : ipywidgets.VBox, classes ``bpkit-panel bpkit-epsilon``
    slider : FloatSlider over log10(eps), class ``bpkit-slider``
    sliders : ``[slider]``
    rel_error : Readout (``bpkit-rel-error``)
    eps : Readout (``bpkit-eps``)
    log10_eps, errors : the grid and the relative error at each point
    best : int, index of the smallest error

    ``EpsilonPanel(...)`` takes :func:`epsilon_panel`'s arguments and checks them the same way (see there).
    """

    name = "epsilon"

    def __init__(self, net, X, Y, kind="quadratic", lam=0.0, log10_eps=None, start=-8.0, use_ipympl=None,
                 max_evaluations=MAX_EPSILON_EVALS):
        _validate.network(net)
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        if log10_eps is None:
            log10_eps = np.arange(-12.0, -0.999, 0.25)
        self.log10_eps = _validate.real_array("log10_eps", log10_eps, finite=True)
        if self.log10_eps.ndim != 1 or self.log10_eps.size < 3:
            raise ValueError(f"log10_eps must be an evenly spaced increasing grid of at least 3 values, "
                             f"got shape {self.log10_eps.shape}")
        steps = np.diff(self.log10_eps)
        if np.any(steps <= 0) or not np.allclose(steps, steps[0]):
            raise ValueError("log10_eps must be an evenly spaced increasing grid of at least 3 values")
        start = _validate.real_number("start", start)
        self.errors = epsilon_curve(net, X, Y, self.log10_eps, kind=kind, lam=lam, max_evaluations=max_evaluations)
        self.best = int(np.argmin(self.errors))
        eps = 10.0 ** self.log10_eps
        start = self.log10_eps[self.index(start)]
        self.slider = slider("log10(eps)", float(start), float(self.log10_eps[0]), float(self.log10_eps[-1]),
                             step=float(steps[0]), fmt=".2f")
        self.sliders = [self.slider]
        self.eps = Readout("eps =", "eps", fmt="{:.1e}")
        self.rel_error = Readout("relative error:", "rel-error", fmt="{:.2e}")

        self.figure = LiveFigure(figsize=(6.0, 3.8), use_ipympl=use_ipympl,
                                 alt="Relative error of the numerical gradient against eps, both on log "
                                     "scales: it falls as eps shrinks (truncation), reaches its lowest "
                                     "point (a star), then rises again (round-off). A ring marks the "
                                     "current eps.")
        ax = self.figure.fig.add_subplot(1, 1, 1)
        ax.loglog(eps, self.errors, "-o", ms=3, color=BLUE, label="relative error")
        # guide lines: a slope of +2 (truncation) through the largest eps, -1 (round-off) through the smallest
        ax.loglog(eps, self.errors[-1] * (eps / eps[-1]) ** 2, "--", color=GREEN, lw=1,
                  label="truncation ~ eps$^2$")
        ax.loglog(eps, self.errors[0] * (eps[0] / eps), ":", color=VERMILLION, lw=1.4,
                  label="round-off ~ 1/eps")
        ax.loglog([eps[self.best]], [self.errors[self.best]], "*", color="gold", ms=16, mec="k",
                  label=f"best eps = {eps[self.best]:.1e}")
        ax.axhspan(1e-300, 1e-7, color=GREEN, alpha=0.08)
        ax.text(eps[0] * 1.5, 3e-8, "below 1e-7: backprop is right", fontsize=7, va="top", color=RIGHT_TEXT)
        (self._dot,) = ax.loglog([eps[0]], [self.errors[0]], "o", color=PURPLE, ms=10, mfc="none", mew=2)
        ax.set_ylim(min(self.errors.min(), 1e-12) / 5, max(self.errors.max(), 1e-3) * 5)
        ax.set_xlabel("eps (log scale)")
        ax.set_ylabel("relative error (log scale)")
        ax.legend(fontsize=7, loc="upper center")
        self._title = ax.set_title("", fontsize=10)
        # what the slider changes: repainted alone (blitted) on top of the rest
        self.figure.animate(self._dot, self._title)
        self.figure.fig.subplots_adjust(left=0.14, right=0.97, bottom=0.14, top=0.9)
        self._box([self.slider, widgets.HBox([self.eps.widget, self.rel_error.widget]), self.figure.widget])
        self.slider.observe(self._on_change, names="value")
        self._on_change()

    def index(self, log10_eps):
        """Grid index nearest to the slider value ``log10_eps``."""
        return int(np.argmin(np.abs(self.log10_eps - float(log10_eps))))

    def _on_change(self, change=None):
        i = self.index(self.slider.value)
        e, err = 10.0 ** self.log10_eps[i], self.errors[i]
        with self.widget.hold_sync():
            self.eps.set(e)
            side = ("round-off dominates" if i < self.best else
                    "truncation dominates" if i > self.best else "the best trade-off")
            self.rel_error.set(err, note=side)
        self._dot.set_data([e], [err])
        self._title.set_text(f"eps = {e:.1e}: relative error {err:.1e}")
        self.figure.redraw()


def epsilon_panel(net, X, Y, kind="quadratic", lam=0.0, log10_eps=None, start=-8.0, use_ipympl=None,
                  max_evaluations=MAX_EPSILON_EVALS):
    """Build lesson 7's epsilon panel (see :class:`EpsilonPanel`).

    Parameters
    ----------
    net : Network, small (the curve costs 2 * num_params cost evaluations per eps)
    X, Y, kind, lam : as for :func:`bpkit.cost`
    log10_eps : evenly spaced grid of exponents, default -12 to -1 in steps of 0.25
    start : float, the slider's first log10(eps) (nearest grid point)
    use_ipympl : bool or None, see :class:`LiveFigure`
    max_evaluations : int > 0, default :data:`bpkit.sweeps.MAX_EPSILON_EVALS` (100,000)
        The panel computes its whole curve once, ``2 * num_params * len(log10_eps)`` cost
        evaluations (lesson 7's 2-3-1 network: 13 x 2 x 45 = 1,170). More are refused by
        :func:`bpkit.sweeps.epsilon_curve` with their cost in seconds; pass a larger
        ``max_evaluations`` to wait for them knowingly.
    """
    return EpsilonPanel(net=net, X=X, Y=Y, kind=kind, lam=lam, log10_eps=log10_eps, start=start, use_ipympl=use_ipympl,
                        max_evaluations=max_evaluations)
