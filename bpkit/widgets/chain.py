"""The chain-rule panel: nudge a weight and follow the nudge to the cost (lesson 2).

    panel = bpkit.widgets.chain_rule(net, x, y)

For one weight ``w`` of the output layer (``w = W(L-1)[j, 0]``) and one example,
the cost depends on ``w`` through a chain of three links::

    z = ... + w * a_in + b      a = sigma(z)      C = cost(a, y)

Nudging ``w`` by ``dw`` nudges ``z`` by ``dz``, then ``a`` by ``da``, then ``C``
by ``dC``. The three ratios ``dz/dw``, ``da/dz``, ``dC/da`` multiply to ``dC/dw``
exactly (the nudges cancel), and as ``dw`` shrinks each ratio tends to its
derivative: ``a_in``, ``sigma'(z)`` and ``dC/da``. For the quadratic cost
``C = (a - y)**2 / 2`` (the course's cost for m = 1) that is ``a - y``.

The panel **edits ``net`` in place**: the ``w`` and ``b`` sliders write into
``net.weights[-1][j, 0]`` and ``net.biases[-1][0]``; ``panel.reset()`` restores them.

Every number comes from :func:`bpkit.toys.follow_nudge`; this panel draws them.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..activations import sigmoid
from ..toys import chain_inputs, example_cost, follow_nudge
from ..plots._style import BLUE, PURPLE, VERMILLION
from ._common import LiveFigure, Panel, Readout, slider

__all__ = ["ChainRulePanel", "chain_rule"]

#: the nudge slider's span (log scale); ``dw`` must lie in it
DW_MIN, DW_MAX = 1e-4, 1.0
#: the w and b sliders span at most ``[-MAX_LIMIT, MAX_LIMIT]`` beyond the network's own values
MAX_LIMIT = 1000.0


class ChainRulePanel(Panel):
    """Nudge one output-layer weight and watch dz, da, dC and their ratios.

    Built by :func:`chain_rule`, or directly with the same arguments (checked the same way);
    see there for the parameters.

    Attributes
    ----------
    sliders : list of ipywidgets slider
        ``[w, b, dw]``: the weight, the output bias, and the nudge size (log scale).
    cost : Readout
        C = ``bpkit.cost(net, x, y, kind)`` at the current ``w`` (css ``bpkit-cost``).
    nudges : dict of Readout
        ``"dz"``, ``"da"``, ``"dC"``: the changes caused by nudging w by dw.
    ratios : dict of Readout
        ``"dz/dw"``, ``"da/dz"``, ``"dC/da"``, ``"product"``, ``"dC/dw"``.
    exact : dict of Readout
        ``"dz/dw"`` (= a_in), ``"da/dz"`` (= sigma'(z)), ``"dC/da"``, and
        ``"dC/dw"`` (from :func:`bpkit.backprop`).
    values : dict
        The last computed numbers (w, dw, a_in, z, a, C and the nudged ones).
    nudge : bpkit.toys.ChainNudge
        The record they come from (:func:`bpkit.toys.follow_nudge`).
    figure : LiveFigure
        Three links: z against w, a against z, C against a, each with the
        current and the nudged point.
    widget : ipywidgets.VBox
        Classes ``bpkit-panel bpkit-chain-rule``.
    """

    name = "chain-rule"

    def __init__(self, net, x, y, j=0, kind="quadratic", dw=0.1, limit=4.0, use_ipympl=None):
        X, Y, j = chain_inputs(net, x, y, j, kind)
        dw = _validate.positive_number("dw", dw)
        if not DW_MIN <= dw <= DW_MAX:
            raise ValueError(f"dw must lie in [{DW_MIN:g}, {DW_MAX:g}] (the nudge slider's span), got {dw!r}")
        limit = _validate.positive_number("limit", limit)
        if limit > MAX_LIMIT:
            raise ValueError(f"limit must be at most {MAX_LIMIT:g} (the sliders move in steps of 0.01), got {limit!r}")
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        self.net, self.x, self.y, self.j, self.kind = net, X, Y, j, kind
        self._w0 = float(net.weights[-1][self.j, 0])
        self._b0 = float(net.biases[-1][0])
        wlim = max(limit, np.ceil(abs(self._w0)))
        blim = max(limit, np.ceil(abs(self._b0)))
        L = net.num_layers
        self.w_name = f"W({L - 1})[{self.j},0]"
        w_slider = slider(f"w = {self.w_name}", self._w0, -wlim, wlim, step=0.01, css="w")
        b_slider = slider(f"b = b({L - 1})[0]", self._b0, -blim, blim, step=0.01, css="b")
        dw_slider = widgets.FloatLogSlider(
            value=dw, base=10, min=-4, max=0, step=0.05, description="nudge Δw",
            continuous_update=True, readout_format=".4f", style={"description_width": "initial"},
            layout=widgets.Layout(width="320px"),
        )
        dw_slider.add_class("bpkit-slider")
        dw_slider.add_class("bpkit-nudge")
        self.sliders = [w_slider, b_slider, dw_slider]
        for s in self.sliders:
            s.observe(self._on_change, names="value")

        self.cost = Readout("C", "cost")
        self.nudges = {k: Readout(k.replace("d", "Δ"), css, fmt="{:+.3e}")
                       for k, css in [("dz", "dz"), ("da", "da"), ("dC", "dc")]}
        self.ratios = {k: Readout(k.replace("d", "Δ"), css, fmt="{:+.6f}") for k, css in [
            ("dz/dw", "ratio-zw"), ("da/dz", "ratio-az"), ("dC/da", "ratio-ca"),
            ("product", "ratio-product"), ("dC/dw", "ratio-cw")]}
        self.ratios["product"].label = "Δz/Δw · Δa/Δz · ΔC/Δa"
        self.exact = {k: Readout(label, css, fmt="{:+.6f}") for k, label, css in [
            ("dz/dw", "∂z/∂w = a_in", "exact-zw"), ("da/dz", "∂a/∂z = σ'(z)", "exact-az"),
            ("dC/da", "∂C/∂a", "exact-ca"), ("dC/dw", "∂C/∂w (backprop)", "exact-cw")]}
        self.state = widgets.HTML()
        self.state.add_class("bpkit-state")
        self.values = {}

        fig_w = LiveFigure(figsize=(10.5, 3.0), use_ipympl=use_ipympl,
                           alt="Three plots side by side: z against w, a = sigmoid(z) against z, and the "
                               "cost C against a; on each, the point now, the point after the nudge and "
                               "the run-and-rise step between them.")
        self.figure = fig_w
        axes = fig_w.fig.subplots(1, 3)
        fig_w.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.84, wspace=0.35)
        self.axes = axes
        titles = [("w", "z"), ("z", "a = σ(z)"), ("a", "C")]
        self._curves, self._points, self._steps = [], [], []
        for ax, (xl, yl) in zip(axes, titles):
            (c,) = ax.plot([], [], color=BLUE, lw=2)
            (p,) = ax.plot([], [], "o", color="black", ms=6, label="now")
            (q,) = ax.plot([], [], "s", color=VERMILLION, ms=6, label="after the nudge")
            (st,) = ax.plot([], [], color=PURPLE, lw=2, ls="--", label="run and rise")
            ax.set_xlabel(xl)
            ax.set_ylabel(yl)
            ax.grid(True, alpha=0.3)
            self._curves.append(c)
            self._points.append((p, q))
            self._steps.append(st)
        axes[0].legend(fontsize=7, loc="upper left")
        axes[1].set_ylim(-0.03, 1.03)
        zs = np.linspace(-10, 10, 201)
        self._curves[1].set_data(zs, sigmoid(zs))
        a_grid = np.linspace(0.001, 0.999, 200)
        self._curves[2].set_data(a_grid, example_cost(kind, a_grid, self.y[0, 0]))
        axes[2].set_xlim(0, 1)
        axes[2].axvline(self.y[0, 0], color="0.5", ls=":", lw=1)
        axes[2].text(self.y[0, 0], 0.98, " target y", transform=axes[2].get_xaxis_transform(),
                     fontsize=7, va="top", color="0.4")
        axes[2].set_ylim(-0.02 * float(np.max(self._curves[2].get_ydata())), 1.05 * float(np.max(self._curves[2].get_ydata())))
        self._titles = [ax.set_title("", fontsize=9) for ax in axes]
        self._z_line_key = None  # (a_in, b_other, w range) of the z(w) line last drawn
        # what the sliders move on every step: the points, the run-and-rise steps and the
        # titles (which carry the ratios). Repainted alone (blitted) when nothing else
        # changed; in each axes in the order a full draw paints them.
        fig_w.animate(*[a for (p, q), st in zip(self._points, self._steps) for a in (p, q, st)], *self._titles)

        def grid(rows):
            return widgets.GridBox(
                [r.widget for row in rows for r in row],
                layout=widgets.Layout(grid_template_columns="repeat(3, 260px)", grid_gap="2px 12px"),
            )

        head = widgets.HTML("<b>nudge</b> &nbsp;|&nbsp; <b>ratio of nudges</b> &nbsp;|&nbsp; <b>derivative (Δw → 0)</b>")
        table = grid([
            [self.nudges["dz"], self.ratios["dz/dw"], self.exact["dz/dw"]],
            [self.nudges["da"], self.ratios["da/dz"], self.exact["da/dz"]],
            [self.nudges["dC"], self.ratios["dC/da"], self.exact["dC/da"]],
        ])
        bottom = widgets.VBox([self.ratios["product"].widget, self.ratios["dC/dw"].widget, self.exact["dC/dw"].widget])
        self.reset_button = widgets.Button(description="reset w and b", layout=widgets.Layout(width="130px"))
        self.reset_button.add_class("bpkit-reset")
        self.reset_button.on_click(lambda _: self.reset())
        self._box([widgets.HBox([widgets.VBox(self.sliders), widgets.VBox([self.cost.widget, self.state, self.reset_button])]),
                   head, table, bottom, self.figure.widget])
        self.update()

    def _on_change(self, change):
        self.update()

    def reset(self):
        """Put back the w and b the network had when the panel was built."""
        self.sliders[0].value = self._w0
        self.sliders[1].value = self._b0

    def update(self):
        """Write the slider values into ``net``, recompute every number and redraw."""
        net, k, j = self.net, len(self.net.weights) - 1, self.j
        w, b, dw = (float(s.value) for s in self.sliders)
        net.weights[k][j, 0] = w
        net.biases[k][0] = b
        n = follow_nudge(net, self.x, self.y, j=j, dw=dw, kind=self.kind)
        self.nudge = n
        self.cost.set(n.C)  # first: the number the learner watches
        self.values = n.values()
        for key in ("dz", "da", "dC"):
            self.nudges[key].set(getattr(n, key))
        for key, v in n.ratios.items():
            self.ratios[key].set(v)
        for key, v in n.exact.items():
            self.exact[key].set(v)
        self.state.value = f"a_in = {n.a_in:.4f}, &nbsp; z = {n.z:.4f}, &nbsp; a = σ(z) = {n.a:.4f}, &nbsp; y = {n.y:.4f}"
        self._redraw(n)

    def _redraw(self, n):
        w, dw, a_in, b_other, z, z2, a, a2, C, C2 = n.w, n.dw, n.a_in, n.z_rest, n.z, n.z2, n.a, n.a2, n.C, n.C2
        s = self.sliders[0]
        ws = np.array([s.min, s.max])
        ax0, ax1, ax2 = self.axes
        # the line z(w) and its axis limits depend on a_in and the rest of z, not on w: moving
        # w leaves them alone (b_other = z - w a_in may differ in its last bits, hence the
        # rounding), so that only animated artists change and the frame is blitted
        key = (round(a_in, 9), round(b_other, 9), s.min, s.max)
        if key != self._z_line_key:
            self._z_line_key = key
            z_ends = n.z_along(ws)
            self._curves[0].set_data(ws, z_ends)
            ax0.set_xlim(s.min, s.max)
            zlo, zhi = sorted(z_ends)
            pad = max(0.5, 0.05 * (zhi - zlo))
            ax0.set_ylim(zlo - pad, zhi + pad)
        for (p, q), st, (x0, y0, x1, y1) in zip(self._points, self._steps,
                                                [(w, z, w + dw, z2), (z, a, z2, a2), (a, C, a2, C2)]):
            p.set_data([x0], [y0])
            q.set_data([x1], [y1])
            st.set_data([x0, x1, x1], [y0, y0, y1])
        zlim = (min(-6.0, z - 1, z2 - 1), max(6.0, z + 1, z2 + 1))
        if tuple(ax1.get_xlim()) != zlim:  # set_xlim always forces a full redraw
            ax1.set_xlim(*zlim)
        t0, t1, t2 = self._titles
        t0.set_text(f"z = {a_in:.2f}·w {'+' if b_other >= 0 else '−'} {abs(b_other):.2f}   Δz/Δw = {self.ratios['dz/dw'].value:+.3f}")
        t1.set_text(f"a = σ(z)   Δa/Δz = {self.ratios['da/dz'].value:+.3f}")
        t2.set_text(f"{'C = (a − y)²/2' if self.kind == 'quadratic' else 'C = cross-entropy'}   ΔC/Δa = {self.ratios['dC/da'].value:+.3f}")
        self.figure.redraw()


def chain_rule(net, x, y, j=0, kind="quadratic", dw=0.1, limit=4.0, use_ipympl=None):
    """A panel that nudges one output-layer weight and follows the nudge to the cost (lesson 2).

    Parameters
    ----------
    net : Network
        With one output unit (``sizes[-1] == 1``); ``Network([1, 1])`` is the
        one-neuron case of lesson 2. **Edited in place** by the ``w`` and ``b`` sliders.
    x : array_like, shape (sizes[0],) or (1, sizes[0])
        One example.
    y : float or array_like of shape (1,) or (1, 1)
        Its target (in [0, 1] for cross-entropy).
    j : int, default 0
        In 0..sizes[-2]-1. The weight is ``net.weights[-1][j, 0]``: from unit j of the last hidden
        (or input) layer to the output.
    kind : {"quadratic", "cross_entropy"}
        The cost; quadratic is ``C = (a - y)**2 / 2`` for one example.
    dw : float in [1e-4, 1], default 0.1
        Starting nudge size (the slider spans 1e-4 to 1, log scale).
    limit : float in (0, 1000]
        The w and b sliders span ``[-limit, limit]`` (wider if needed).
    use_ipympl : bool or None

    Every argument is checked before ``net`` is touched: a refused call leaves it as it was.

    Returns
    -------
    ChainRulePanel
    """
    return ChainRulePanel(net=net, x=x, y=y, j=j, kind=kind, dw=dw, limit=limit, use_ipympl=use_ipympl)
