"""A network diagram that is redrawn in place as weights change (lessons 1-3).

Nodes are shaded by their activation for one example (light = near 0, dark =
near 1), edges are coloured by the sign of their weight (blue positive, red
negative) and drawn thicker the larger the weight's magnitude, in the spirit of
the well-known video series on neural networks. Under each gap between layers
the diagram writes the shape of ``W(l)`` and ``b(l)``.

The diagram keeps its artists (one ``LineCollection`` for the edges, one
``PathCollection`` for the nodes, one ``Text`` per node), so
:meth:`NetworkDiagram.update` changes colours and widths without re-plotting:
a panel calls it and then ``canvas.draw_idle()``.
"""
from __future__ import annotations

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.collections import LineCollection

from .. import _validate

POSITIVE = "#1f77b4"  # edges with w > 0
NEGATIVE = "#d62728"  # edges with w < 0
HIGHLIGHT = "#ffbf00"  # halo behind the selected weight
NODE_CMAP = "Greys"


def edge_width(w):
    """Line width in points for a weight: 0.5 + 2|w|, capped at 8.

    A fixed scale (not relative to the largest weight), so moving one weight
    never changes how thick the other edges look.
    """
    return np.minimum(0.5 + 2.0 * np.abs(_validate.real_array("w", w)), 8.0)


class NetworkDiagram:
    """The drawn network; call :meth:`update` after the weights or the input change.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Drawn into; its axis lines are switched off.
    net : Network
        Read (never changed). Up to 12 units per layer are drawn.
    x : array_like, shape (sizes[0],) or (1, sizes[0]), optional
        The example whose activations shade the nodes. None: nodes are white.
    show_values : bool, default True
        Write each node's activation inside it.
    show_shapes : bool, default True
        Write ``W(l) (s_l, s_(l+1))`` and ``b(l) (s_(l+1),)`` under each gap.
    highlight : tuple (k, i, j), optional
        Draw a halo behind the edge of ``net.weights[k][i, j]`` (that is W(k+1)).

    Attributes
    ----------
    edges : matplotlib.collections.LineCollection
        One segment per weight, ordered layer by layer, then ``i``, then ``j``.
    nodes : matplotlib.collections.PathCollection
        One marker per unit, input layer first.
    values : ndarray, shape (number of units,)
        The activations last drawn (NaN when ``x`` is None).
    """

    def __init__(self, ax, net, x=None, show_values=True, show_shapes=True, highlight=None):
        _validate.axes(ax)
        _validate.network(net)
        if max(net.sizes) > 12:
            raise ValueError(f"the diagram draws at most 12 units per layer, got sizes {net.sizes}")
        self.ax = ax
        self.net = net
        self.show_values = _validate.flag("show_values", show_values)
        show_shapes = _validate.flag("show_shapes", show_shapes)
        sizes = net.sizes
        top = max(sizes)
        # node positions: layer l at x = l, units spread evenly and centred on y = 0
        self.positions = [
            np.c_[np.full(s, float(l)), (np.arange(s)[::-1] - (s - 1) / 2.0) * (1.0 if top < 6 else 4.0 / top)]
            for l, s in enumerate(sizes)
        ]
        segs = []
        for k in range(len(sizes) - 1):
            for i in range(sizes[k]):
                for j in range(sizes[k + 1]):
                    segs.append([self.positions[k][i], self.positions[k + 1][j]])
        self._segments = np.array(segs)
        self.halo = ax.plot([], [], color=HIGHLIGHT, lw=12, alpha=0.6, solid_capstyle="round", zorder=1)[0]
        self.edges = LineCollection(self._segments, zorder=2)
        ax.add_collection(self.edges)
        xy = np.vstack(self.positions)
        if net.activation == "tanh" and len(sizes) > 2:
            self.norm = mcolors.Normalize(-1.0, 1.0)
        else:
            self.norm = mcolors.Normalize(0.0, 1.0)
        self.nodes = ax.scatter(
            xy[:, 0], xy[:, 1], s=900 if top < 6 else 300, c=np.zeros(len(xy)), cmap=NODE_CMAP,
            norm=self.norm, edgecolors="black", linewidths=1.2, zorder=3,
        )
        self.texts = [
            ax.text(px, py, "", ha="center", va="center", fontsize=8, zorder=4) for px, py in xy
        ] if self.show_values else []
        ymin = xy[:, 1].min()
        for l, s in enumerate(sizes):
            name = "input" if l == 0 else ("output" if l == len(sizes) - 1 else "hidden")
            ax.text(l, ymin - 0.75, f"layer {l + 1}\n{name}", ha="center", va="top", fontsize=8)
        if show_shapes:
            for k, W in enumerate(net.weights):
                ax.text(
                    k + 0.5, xy[:, 1].max() + 0.55, f"W({k + 1}) {W.shape}\nb({k + 1}) ({W.shape[1]},)",
                    ha="center", va="bottom", fontsize=8, color="0.25",
                )
        ax.set_xlim(-0.45, len(sizes) - 0.55)
        ax.set_ylim(ymin - 1.55, xy[:, 1].max() + 1.3)
        ax.set_aspect("auto")
        ax.axis("off")
        self.values = np.full(len(xy), np.nan)
        self._highlight = None
        self.update(x=x, highlight=highlight)

    def moving_artists(self):
        """The artists :meth:`update` changes, in drawing order (back to front).

        Returns
        -------
        tuple of matplotlib.artist.Artist
            The halo, the edges, the nodes and the node texts; a live figure
            can pass them to ``LiveFigure.animate`` so that moving a weight
            repaints only them.
        """
        return (self.halo, self.edges, self.nodes, *self.texts)

    def set_highlight(self, index):
        """Put the halo behind ``net.weights[k][i, j]`` (index ``(k, i, j)``), or remove it (None)."""
        index = _validate.weight_index(self.net, index)
        self._highlight = index
        if index is None:
            self.halo.set_data([], [])
            return
        k, i, j = index
        (x0, y0), (x1, y1) = self.positions[k][i], self.positions[k + 1][j]
        self.halo.set_data([x0, x1], [y0, y1])

    def update(self, x=None, highlight=None):
        """Recolour edges and nodes from ``net``'s current weights (and ``x``, if given).

        Parameters
        ----------
        x : array_like, shape (sizes[0],) or (1, sizes[0]), optional
            New example; None keeps the previous one.
        highlight : tuple (k, i, j), optional
            New highlighted weight; None keeps the previous one.
        """
        net = self.net
        if x is not None:
            self._x = _validate.as_matrix("x", x, cols=net.sizes[0], rows=1, allow_1d=True)
        elif not hasattr(self, "_x"):
            self._x = None
        if highlight is not None:
            self.set_highlight(highlight)
        w = np.concatenate([W.ravel() for W in net.weights])
        self.edges.set_linewidths(edge_width(w))
        self.edges.set_colors([POSITIVE if v >= 0 else NEGATIVE for v in w])
        if self._x is not None:
            acts = net.forward(self._x).activations
            self.values = np.concatenate([a[0] for a in acts])
            self.nodes.set_array(self.values)
            for t, v in zip(self.texts, self.values):
                t.set_text(f"{v:.2f}")
                t.set_color("white" if self.norm(v) > 0.55 else "black")
        else:
            self.values = np.full(self.values.shape, np.nan)
            self.nodes.set_array(np.zeros(self.values.shape))
        return self


def draw_network(ax, net, x=None, **kwargs):
    """Draw ``net`` into ``ax`` and return the :class:`NetworkDiagram` (see there)."""
    return NetworkDiagram(ax, net, x=x, **kwargs)
