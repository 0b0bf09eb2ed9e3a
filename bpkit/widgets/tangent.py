"""The tangent panel: slide z, see sigma(z), its tangent line and sigma'(z) (lesson 3).

    panel = bpkit.widgets.sigmoid_tangent()

Top plot: the activation f(z) with the tangent line at the chosen z; its slope
is f'(z). Bottom plot: f'(z) itself, with the current z marked and, for the
sigmoid, the maximum 0.25 at z = 0. A second readout estimates the slope from
a small nudge (central differences), so the formula can be checked against
"rise over run" as in lesson 2. The dropdown switches to tanh or ReLU for
contrast. No network is involved; nothing outside the panel is changed.
The numbers come from :func:`bpkit.toys.activation_at`; this panel draws them.
"""
from __future__ import annotations

import numbers

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..activations import ACTIVATIONS
from ..toys import activation_at
from ..plots._style import BLUE, GREEN, VERMILLION
from ._common import LiveFigure, Panel, Readout, slider

__all__ = ["TangentPanel", "sigmoid_tangent"]

#: ``z_max`` may be at most this
MAX_Z = 100.0
NAMES = {"sigmoid": ("σ", "σ(z)(1 − σ(z))"), "tanh": ("tanh", "1 − tanh²(z)"), "relu": ("ReLU", "1 if z > 0 else 0")}


class TangentPanel(Panel):
    """A z slider, the activation with its tangent, and the derivative curve.

    Built by :func:`sigmoid_tangent`, or directly with the same arguments (checked the same way);
    see there for the parameters.

    Attributes
    ----------
    sliders : list of ipywidgets.FloatSlider
        ``[z]``.
    activation : ipywidgets.Dropdown
        "sigmoid", "tanh" or "relu".
    value : Readout
        f(z) (css ``bpkit-activation``).
    slope : Readout
        f'(z) from the formula, e.g. ``bpkit.sigmoid_prime(z)`` (css ``bpkit-slope``).
    numeric : Readout
        ``(f(z + h) - f(z - h)) / (2h)`` with ``h = 1e-5`` (css ``bpkit-numeric-slope``).
    figure : LiveFigure
    widget : ipywidgets.VBox
        Classes ``bpkit-panel bpkit-sigmoid-tangent``.
    """

    H = 1e-5
    name = "sigmoid-tangent"

    def __init__(self, z=0.0, activation="sigmoid", z_max=8.0, use_ipympl=None):
        _validate.choice("activation", activation, ACTIVATIONS)
        z_max = _validate.positive_number("z_max", z_max)
        if z_max > MAX_Z:
            raise ValueError(f"z_max must be at most {MAX_Z:g} (the z slider moves in steps of 0.01), got {z_max!r}")
        if isinstance(z, (bool, np.bool_)) or not isinstance(z, numbers.Real):  # also refuses 0-d arrays, np.ma.masked
            raise TypeError(f"z must be a finite number, got {z!r} ({type(z).__name__})")
        z = _validate.real_number("z", z)
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        if abs(z) > z_max:
            raise ValueError(f"z must lie in [-z_max, z_max] = [{-z_max}, {z_max}], got {z}")
        self.z_max = z_max
        self.sliders = [slider("z", float(z), -z_max, z_max, step=0.01, css="z")]
        self.activation = widgets.Dropdown(options=list(ACTIVATIONS), value=activation, description="function",
                                           layout=widgets.Layout(width="220px"))
        self.activation.add_class("bpkit-activation-choice")
        self.value = Readout("f(z)", "activation", fmt="{:.6f}")
        self.slope = Readout("slope f'(z)", "slope", fmt="{:.6f}")
        self.numeric = Readout("rise over run, Δz = 1e-5", "numeric-slope", fmt="{:.6f}")

        self.figure = LiveFigure(figsize=(6.4, 5.0), use_ipympl=use_ipympl,
                                 alt="Top: the activation f(z) with its tangent line at the current z. "
                                     "Bottom: its derivative f'(z), with the current z marked and a "
                                     "dotted line at 0.25, the largest slope of the sigmoid.")
        fig = self.figure.fig
        self.ax_f, self.ax_d = fig.subplots(2, 1, sharex=True)
        fig.subplots_adjust(left=0.13, right=0.97, top=0.93, bottom=0.1, hspace=0.25)
        self.zs = np.linspace(-z_max, z_max, 401)
        (self._f_line,) = self.ax_f.plot([], [], color=BLUE, lw=2, label="f(z)")
        (self._tangent,) = self.ax_f.plot([], [], color=VERMILLION, lw=1.8, ls="--", label="tangent at z")
        (self._f_pt,) = self.ax_f.plot([], [], "o", color="black", ms=7, zorder=5)
        (self._d_line,) = self.ax_d.plot([], [], color=GREEN, lw=2, label="f'(z)")
        (self._d_pt,) = self.ax_d.plot([], [], "o", color="black", ms=7, zorder=5, label="current z")
        self._max_line = self.ax_d.axhline(0.25, color="0.5", ls=":", lw=1.2, label="0.25 = max of σ'")
        for ax in (self.ax_f, self.ax_d):
            ax.grid(True, alpha=0.3)
            ax.axvline(0.0, color="0.7", lw=0.8)
        self.ax_d.set_xlabel("z")
        self.ax_f.legend(fontsize=8, loc="upper left")
        self.ax_d.legend(fontsize=8, loc="upper left")
        self.ax_d.set_xlim(-z_max, z_max)
        # what the z slider moves: repainted alone (blitted) when nothing else changed
        self.figure.animate(self._tangent, self._f_pt, self._d_pt)

        self.sliders[0].observe(lambda change: self.update(), names="value")
        self.activation.observe(lambda change: self._new_function(), names="value")
        self._box([widgets.HBox([self.sliders[0], self.activation]),
                   widgets.VBox([self.slope.widget, self.numeric.widget, self.value.widget]),
                   self.figure.widget])
        self._new_function()

    def _new_function(self):
        name = self.activation.value
        act = ACTIVATIONS[name]
        sym, formula = NAMES[name]
        self.value.label = f"{sym}(z)"
        self.slope.label = f"slope {sym}'(z) = {formula}"
        fz = act.fn(self.zs)
        self._f_line.set_data(self.zs, fz)
        self._f_line.set_label(f"{sym}(z)")
        self._d_line.set_data(self.zs, act.prime(self.zs))
        self._d_line.set_label(f"{sym}'(z)")
        self._max_line.set_visible(name == "sigmoid")
        self._max_line.set_label("0.25 = max of σ'" if name == "sigmoid" else "_hidden")
        lo, hi = float(fz.min()), float(fz.max())
        pad = 0.08 * (hi - lo)
        self.ax_f.set_ylim(lo - pad, hi + pad)
        top = 1.1 if name != "sigmoid" else 0.28
        self.ax_d.set_ylim(-0.02 * top / 0.28, top)
        self.ax_f.set_title(f"{sym}(z) and its tangent line", fontsize=10)
        self.ax_d.set_title(f"its slope {sym}'(z)", fontsize=10)
        self.ax_f.legend(fontsize=8, loc="upper left")
        self.ax_d.legend(fontsize=8, loc="upper left")
        self.update()

    def update(self):
        """Recompute the readouts for the slider's z and redraw the figure."""
        p = activation_at(self.activation.value, float(self.sliders[0].value), h=self.H)
        self.slope.set(p.slope)  # first: the number the learner watches
        self.value.set(p.f)
        self.numeric.set(p.numeric)
        half = self.z_max / 4.0
        tz = np.array([p.z - half, p.z + half])
        self._tangent.set_data(tz, p.tangent(tz))
        self._f_pt.set_data([p.z], [p.f])
        self._d_pt.set_data([p.z], [p.slope])
        self.figure.redraw()


def sigmoid_tangent(z=0.0, activation="sigmoid", z_max=8.0, use_ipympl=None):
    """A panel with a z slider, the tangent line of the activation, and its slope (lesson 3).

    Parameters
    ----------
    z : float, starting value in ``[-z_max, z_max]`` (a real number, not a bool or a str)
    activation : {"sigmoid", "tanh", "relu"}, default "sigmoid"
        Also switchable in the panel.
    z_max : float in (0, 100], default 8
    use_ipympl : bool or None

    Returns
    -------
    TangentPanel
        ``.sliders[0]`` is z; ``.slope.value`` is f'(z) (``bpkit.sigmoid_prime(z)``
        for the sigmoid), ``.value.value`` is f(z), ``.numeric.value`` the
        central-difference estimate.
    """
    return TangentPanel(z=z, activation=activation, z_max=z_max, use_ipympl=use_ipympl)
