"""Lesson 4's digit panel: what one real digit "wants", and several digits averaged into one step.

The numbers come from :func:`bpkit.insight.digit_nudges`; this panel draws them.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..costs import get_cost
from ..insight import digit_nudges
from ..metrics import as_labels
from ..plots.training import heatmap, update_heatmap
from ..plots._style import BLUE, GREEN, VERMILLION
from ._common import LiveFigure, Panel, Readout

__all__ = ["DigitNudgesPanel", "digit_nudges_panel"]

#: the panel takes at most this many examples (its slider steps through them one by one)
MAX_DIGITS = 1000


def _limit(*arrays):
    return 1.1 * max(float(np.max(np.abs(a))) for a in arrays) or 1.0


class DigitNudgesPanel(Panel):
    """Panel: a slider over digits; each output's desired change, what it asks of the hidden layer, the average.

    Panels, left to right: the digit; ``-dC/da(L)`` per output (green: the right class);
    the hidden layer's desired change ``-dC/da(L-1)`` for this digit (bars) and averaged over
    digits 1..i (black steps); the desired nudge of the last weights averaged over digits 1..i.

    Attributes
    ----------
    widget : ipywidgets.VBox, classes ``bpkit-panel bpkit-digit-nudges``
    slider : IntSlider, the digit shown (1..m), class ``bpkit-slider``
    sliders : list, ``[slider]``
    right_output : Readout (``bpkit-right-output``): desired change of the right class's output
    averaged : Readout (``bpkit-averaged``): how many digits the average holds
    nudges : DigitNudges, everything drawn

    ``DigitNudgesPanel(...)`` takes :func:`digit_nudges_panel`'s arguments and checks them the same way (see there).
    """

    name = "digit-nudges"

    def __init__(self, net, X, Y, labels, kind="quadratic", use_ipympl=None):
        _validate.network(net)
        if len(net.sizes) < 3:
            raise ValueError(f"net must have a hidden layer (the panel shows what the outputs ask of it), got sizes {net.sizes}")
        get_cost(kind)
        X, Y = _validate.check_xy(net, X, Y)
        self.m = X.shape[0]
        if self.m > MAX_DIGITS:
            raise ValueError(f"X has {self.m:,} rows; the digit panel steps through the examples one by one and "
                             f"allows at most {MAX_DIGITS:,} (pass a few, e.g. X[:12], Y[:12], labels[:12])")
        self.labels = as_labels(labels, net.sizes[-1])
        if self.labels.shape != (self.m,):
            raise ValueError(f"labels must have one entry per row of X ({self.m}), got shape {self.labels.shape}")
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        self.nudges = n = digit_nudges(net, X, Y, kind=kind)
        side = int(round(np.sqrt(X.shape[1])))
        self._images = X.reshape(self.m, side, side) if side * side == X.shape[1] else X[:, None, :]
        s_out, s_hid = n.output.shape[1], n.hidden_change.shape[1]

        self.slider = widgets.IntSlider(value=1, min=1, max=self.m, step=1, description="digit",
                                        continuous_update=True, style={"description_width": "initial"},
                                        layout=widgets.Layout(width="360px"))
        self.slider.add_class("bpkit-slider")
        self.sliders = [self.slider]
        self.right_output = Readout("desired change of the right output:", "right-output", fmt="{:+.4f}")
        self.averaged = Readout("digits averaged:", "averaged", fmt="{:.0f}")

        self.figure = LiveFigure(figsize=(10.0, 3.0), use_ipympl=use_ipympl,
                                 alt="The digit shown; bars of the change each output unit wants, the "
                                     "digit's own unit hatched; bars of the change each hidden unit "
                                     "wants, with the mean so far as a line; and the weight changes as a "
                                     "heatmap.")
        fig = self.figure.fig
        grid = fig.add_gridspec(1, 4, width_ratios=[0.8, 1.2, 1.5, 1.1])
        ax_img, ax_out, ax_hid, ax_w = (fig.add_subplot(grid[0, k]) for k in range(4))
        self._img = ax_img.imshow(self._images[0], cmap="gray_r", vmin=0, vmax=1)
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        self._img_title = ax_img.set_title("", fontsize=9)

        self._out_bars = ax_out.bar(np.arange(s_out), n.output_change[0], color=VERMILLION)
        ax_out.set_ylim(-_limit(n.output_change), _limit(n.output_change))
        ax_out.axhline(0, color="k", lw=0.6)
        ax_out.set_xticks(np.arange(s_out))
        ax_out.tick_params(labelsize=7)
        ax_out.set_xlabel("output unit (digit)", fontsize=8)
        ax_out.set_title("each output's desired change\n-dC/da(L)", fontsize=9)

        lim = _limit(n.hidden_change, n.mean_hidden_change)
        self._hid_bars = ax_hid.bar(np.arange(s_hid), n.hidden_change[0], color=BLUE, alpha=0.7,
                                    label="this digit")
        (self._hid_mean,) = ax_hid.step(np.arange(s_hid), n.mean_hidden_change[0], where="mid", color="k",
                                        lw=1.5, label="mean so far")
        ax_hid.set_ylim(-lim, lim)
        ax_hid.axhline(0, color="k", lw=0.6)
        ax_hid.tick_params(labelsize=7)
        ax_hid.set_xlabel(f"hidden unit (layer {len(net.sizes) - 1})", fontsize=8)
        ax_hid.set_title("what the outputs ask of it\n-dC/da(L-1) = sum_k of -delta_k W_jk", fontsize=9)
        ax_hid.legend(fontsize=7, loc="lower right")

        vmax = _limit(n.mean_weight_nudge)
        self._w = heatmap(ax_w, n.mean_weight_nudge[0].T, title="mean desired nudge\nof W(L-1), transposed",
                          vmax=vmax, annotate=False)
        ax_w.set_xlabel("hidden unit", fontsize=8)
        ax_w.set_ylabel("output unit", fontsize=8)
        fig.subplots_adjust(left=0.03, right=0.99, bottom=0.18, top=0.8, wspace=0.35)
        self.figure.animate(self._img, self._img_title, *self._out_bars, *self._hid_bars, self._hid_mean,
                            self._w[0])
        self._box([self.slider, widgets.HBox([self.right_output.widget, self.averaged.widget]),
                   self.figure.widget])
        self.slider.observe(self._on_change, names="value")
        self._on_change()

    def _on_change(self, change=None):
        i = int(self.slider.value) - 1
        n, label = self.nudges, int(self.labels[i])
        with self.widget.hold_sync():
            self.right_output.set(n.output_change[i, label], note=f"(digit {i + 1}, a {label})")
            self.averaged.set(i + 1, note=f"of {self.m}")
        self._img.set_data(self._images[i])
        self._img_title.set_text(f"digit {i + 1}: a {label}")
        for k, bar in enumerate(self._out_bars):
            bar.set_height(n.output_change[i, k])
            # the digit's own output: another colour and hatched, so it stands out without colour too
            bar.set_color(GREEN if k == label else VERMILLION)
            bar.set_hatch("///" if k == label else None)
        for j, bar in enumerate(self._hid_bars):
            bar.set_height(n.hidden_change[i, j])
        self._hid_mean.set_ydata(n.mean_hidden_change[i])
        update_heatmap(self._w, n.mean_weight_nudge[i].T)
        self.figure.redraw()


def digit_nudges_panel(net, X, Y, labels, kind="quadratic", use_ipympl=None):
    """Build lesson 4's digit panel (see :class:`DigitNudgesPanel`).

    Parameters
    ----------
    net : Network with a hidden layer, e.g. 784-16-16-10 after a little training
    X : array_like, shape (m, 784): a few digits (m at most 1,000); Y : their one-hot rows, (m, 10)
    labels : array_like of int, shape (m,): classes in 0..sizes[-1]-1
    kind : {"quadratic", "cross_entropy"}
    use_ipympl : bool or None, see :class:`LiveFigure`

    Every argument is checked before anything is computed; ``net`` is not changed.
    """
    return DigitNudgesPanel(net=net, X=X, Y=Y, labels=labels, kind=kind, use_ipympl=use_ipympl)
