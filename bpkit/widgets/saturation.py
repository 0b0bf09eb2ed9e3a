"""Lesson 4b's saturation panel: one neuron trained with the quadratic and the cross-entropy cost.

The runs come from :func:`bpkit.insight.saturation_run` (all starts trained once, when
the panel is built); the slider only picks one and moves lines.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..insight import saturation_run
from ..plots._style import BLUE, VERMILLION
from ._common import LiveFigure, Panel, Readout, slider

__all__ = ["SaturationPanel", "saturation_panel"]


class SaturationPanel(Panel):
    """Panel: slide the start w = b of one sigmoid neuron (x = 1, target y = 0); see both trainings.

    Left: the output a against epochs, quadratic (orange) and cross-entropy (blue).
    Right: each run's own cost against epochs.

    Attributes
    ----------
    widget : ipywidgets.VBox, classes ``bpkit-panel bpkit-saturation``
    slider : FloatSlider over the start, class ``bpkit-slider``
    sliders : list, ``[slider]``
    a_quadratic, a_cross_entropy : Readout (``bpkit-a-quadratic``, ``bpkit-a-cross-entropy``):
        the output after the last epoch
    run : SaturationRun, everything drawn

    ``SaturationPanel(...)`` takes :func:`saturation_panel`'s arguments and checks them the same way (see there).
    """

    name = "saturation"

    def __init__(self, starts=None, x=1.0, y=0.0, lr=0.15, epochs=300, start=2.0, use_ipympl=None):
        if starts is None:
            starts = np.arange(0.0, 3.001, 0.25)
        start = _validate.real_number("start", start)
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        grid = _validate.vector("starts", starts, min_size=2)
        steps = np.diff(grid)
        if np.any(steps <= 0) or not np.allclose(steps, steps[0]):
            raise ValueError(f"starts must be an evenly spaced increasing grid, got {grid!r}")
        self.run = r = saturation_run(grid, x=x, y=y, lr=lr, epochs=epochs)
        y = float(y)
        j0 = self.index(start)
        self.slider = slider("start w = b", float(r.starts[j0]), float(r.starts[0]), float(r.starts[-1]),
                             step=float(steps[0]), fmt=".2f")
        self.sliders = [self.slider]
        self.a_quadratic = Readout(f"output after {epochs} epochs, quadratic:", "a-quadratic", fmt="{:.4f}")
        self.a_cross_entropy = Readout("cross-entropy:", "a-cross-entropy", fmt="{:.4f}")

        self.figure = LiveFigure(figsize=(9.0, 3.2), use_ipympl=use_ipympl,
                                 alt="Left: the output of one neuron over the training epochs with the "
                                     "quadratic cost (dashed) and with cross-entropy (solid), and the "
                                     "target. Right: both costs over the same epochs.")
        fig = self.figure.fig
        ax_a, ax_c = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        (self._aq,) = ax_a.plot(r.epochs, r.a_quadratic[j0], color=VERMILLION, lw=2, ls="--", label="quadratic cost")
        (self._ax,) = ax_a.plot(r.epochs, r.a_cross_entropy[j0], color=BLUE, lw=2, label="cross-entropy cost")
        ax_a.axhline(y, color="k", lw=0.8, ls="--")
        ax_a.set_ylim(-0.02, 1.02)
        ax_a.set_xlabel("epoch")
        ax_a.set_ylabel(f"output a (target {y:g})")
        ax_a.legend(fontsize=7, loc="upper right")
        ax_a.set_title("the neuron's output", fontsize=10)
        # each run's own cost, as a fraction of where it started, so the two scales compare
        self._cost_q = r.cost_quadratic / r.cost_quadratic[:, :1]
        self._cost_x = r.cost_cross_entropy / r.cost_cross_entropy[:, :1]
        (self._cq,) = ax_c.plot(r.epochs, self._cost_q[j0], color=VERMILLION, lw=2, ls="--", label="quadratic")
        (self._cx,) = ax_c.plot(r.epochs, self._cost_x[j0], color=BLUE, lw=2, label="cross-entropy")
        ax_c.set_ylim(0, 1.05)
        ax_c.set_xlabel("epoch")
        ax_c.set_ylabel("cost / cost at epoch 0")
        ax_c.legend(fontsize=7, loc="upper right")
        self._title = ax_c.set_title("", fontsize=10)
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.88, wspace=0.28)
        self.figure.animate(self._aq, self._ax, self._cq, self._cx, self._title)
        self._box([self.slider, widgets.HBox([self.a_quadratic.widget, self.a_cross_entropy.widget]),
                   self.figure.widget])
        self.slider.observe(self._on_change, names="value")
        self._on_change()

    def index(self, start):
        """Grid index of the slider value ``start`` (nearest grid point)."""
        return int(np.argmin(np.abs(self.run.starts - float(start))))

    def _on_change(self, change=None):
        j = self.index(self.slider.value)
        r = self.run
        with self.widget.hold_sync():
            self.a_quadratic.set(r.a_quadratic[j, -1])
            self.a_cross_entropy.set(r.a_cross_entropy[j, -1])
        self._aq.set_ydata(r.a_quadratic[j])
        self._ax.set_ydata(r.a_cross_entropy[j])
        self._cq.set_ydata(self._cost_q[j])
        self._cx.set_ydata(self._cost_x[j])
        self._title.set_text(f"cost, started at w = b = {r.starts[j]:.2f}")
        self.figure.redraw()


def saturation_panel(starts=None, x=1.0, y=0.0, lr=0.15, epochs=300, start=2.0, use_ipympl=None):
    """Build lesson 4b's saturation panel (see :class:`SaturationPanel`).

    Parameters
    ----------
    starts : evenly spaced increasing grid of starting w (= b), default 0 to 3 in steps of 0.25
    x, y : the one example (input, a finite number, and target, in [0, 1])
    lr : learning rate > 0; epochs : int > 0, gradient steps
    start : finite number, the slider's first position (nearest grid point)
    use_ipympl : bool or None, see :class:`LiveFigure`

    Building trains every start once: ``len(starts) * (epochs + 1)`` may be at most
    :data:`bpkit.insight.MAX_SATURATION_STEPS` (200,000). Every argument is checked first.
    """
    return SaturationPanel(starts=starts, x=x, y=y, lr=lr, epochs=epochs, start=start, use_ipympl=use_ipympl)
