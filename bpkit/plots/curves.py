"""Cost curves and matrices with their shapes (lessons 1-3).

* :func:`cost_along_weight` -- the cost as one weight moves, all others fixed, and
  :func:`numerical_slope` -- the slope of that curve at the current weight (both
  computed in :mod:`bpkit.sweeps`, importable from here too);
* :class:`CostCurve` / :func:`plot_cost_curve` -- the curve, the current point and
  its tangent, updated in place;
* :func:`draw_matrix` / :func:`matrix_equation` -- matrices drawn as grids of
  numbers with their shape written next to them, e.g. ``a(1) @ W(1) + b(1) = z(2)``.
"""
from __future__ import annotations

import numpy as np

from .. import _validate
from ._style import BLUE, VERMILLION
from ..sweeps import cost_along_weight, numerical_slope

__all__ = ["CostCurve", "cost_along_weight", "draw_matrix", "matrix_equation", "numerical_slope",
           "plot_cost_curve", "weight_label"]


def weight_label(index):
    """``(k, i, j)`` -> ``"W(k+1)[i,j]"``: the course numbers layers from 1."""
    if not (isinstance(index, tuple) and len(index) == 3
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in index)):
        raise TypeError(f"index must be a tuple (k, i, j) of three integers, got {index!r}")
    k, i, j = index
    return f"W({k + 1})[{i},{j}]"


class CostCurve:
    """A curve ``y(x)`` with a marked current point and its tangent, updated in place.

    Made by :func:`plot_cost_curve`. Attributes ``line``, ``point`` and
    ``tangent`` are the matplotlib ``Line2D`` artists.
    """

    def __init__(self, ax, xs, ys, current=None, slope=None, xlabel="w", ylabel="cost J", color=BLUE):
        self.ax = _validate.axes(ax)
        self._xs = self._ys = None  # the curve last drawn, to skip unchanged updates
        (self.line,) = ax.plot([], [], color=color, lw=2, label=ylabel)
        (self.tangent,) = ax.plot([], [], color=VERMILLION, lw=1.5, ls="--", label="slope at the point")
        (self.point,) = ax.plot([], [], "o", color="black", ms=7, zorder=5, label="current value")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        self.update(xs, ys, current, slope)

    def update(self, xs, ys, current=None, slope=None):
        """Replace the curve; ``current`` is ``(x, y)`` of the point, ``slope`` its tangent's slope.

        The tangent is drawn over a sixth of the x range on each side of the point.
        When ``xs`` and ``ys`` equal the curve already drawn, the curve and the
        axis limits are left alone (not even re-set), so only the point and the
        tangent change: a figure that animates those two can then repaint them
        alone (see :meth:`bpkit.widgets._common.LiveFigure.animate`).
        """
        xs = _validate.real_array("xs", xs, finite=True)
        ys = _validate.real_array("ys", ys)  # NaN allowed: a gap in the curve
        if xs.shape != ys.shape or xs.ndim != 1 or xs.size < 2:
            raise ValueError(f"xs and ys must be 1-D of the same length >= 2, got shapes {xs.shape} and {ys.shape}")
        same_curve = (self._xs is not None and self._xs.shape == xs.shape and np.array_equal(self._xs, xs)
                      and np.array_equal(self._ys, ys, equal_nan=True))
        if not same_curve:
            # set_data and set_xlim/set_ylim mark the figure stale (a full redraw) even when
            # nothing changes, so they run only for a new curve
            self.line.set_data(xs, ys)
            self._xs, self._ys = xs.copy(), ys.copy()
        if current is None:
            self.point.set_data([], [])
            self.tangent.set_data([], [])
        else:
            if isinstance(current, (str, bytes)) or not hasattr(current, "__len__") or len(current) != 2:
                raise ValueError(f"current must be a point (x, y), got {current!r}")
            cx, cy = _validate.real_number("current[0]", current[0]), _validate.real_number("current[1]", current[1])
            self.point.set_data([cx], [cy])
            if slope is None:
                self.tangent.set_data([], [])
            else:
                half = (xs.max() - xs.min()) / 6.0
                tx = np.array([cx - half, cx + half])
                self.tangent.set_data(tx, cy + _validate.real_number("slope", slope) * (tx - cx))
        if not same_curve:
            self.ax.set_xlim(xs.min(), xs.max())
            lo, hi = float(np.nanmin(ys)), float(np.nanmax(ys))
            pad = 0.08 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1e-3)
            self.ax.set_ylim(lo - pad, hi + pad)
        return self


def plot_cost_curve(ax, xs, ys, current=None, slope=None, xlabel="w", ylabel="cost J"):
    """Draw a cost curve into ``ax`` and return the :class:`CostCurve` (for ``update``)."""
    return CostCurve(ax, xs, ys, current=current, slope=slope, xlabel=xlabel, ylabel=ylabel)


def draw_matrix(ax, M, name, fmt="{:.2f}", cmap="RdBu_r", vmax=None):
    """Draw matrix ``M`` as a grid of its numbers, titled ``name`` and its shape.

    A 1-D array (a bias vector, shape ``(s,)``) is drawn as one row and labelled
    with its true 1-D shape, so the learner sees it is not ``(1, s)``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    M : array_like, 1-D or 2-D
    name : str
        E.g. ``"W(1)"``; the title becomes ``"W(1)\\nshape (2, 3)"``.
    fmt : str, format of each entry
    cmap : str, colour map (diverging: white is 0)
    vmax : float, optional; colour scale is ``[-vmax, vmax]`` (default: max |M|)

    Returns
    -------
    matplotlib.image.AxesImage
        The cell colours; ``im.set_data`` updates them in place.
    """
    _validate.axes(ax)
    arr = _validate.real_array("M", M, finite=True)
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(f"M must be a non-empty 1-D or 2-D array, got shape {arr.shape}")
    shape = arr.shape
    grid = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if vmax is None:
        vmax = float(np.max(np.abs(grid))) or 1.0
    elif isinstance(vmax, bool) or not isinstance(vmax, (int, float, np.integer, np.floating)) or not vmax > 0 \
            or not np.isfinite(vmax):
        raise ValueError(f"vmax must be a positive number, got {vmax!r}")
    im = ax.imshow(grid, cmap=cmap, vmin=-vmax, vmax=vmax, aspect="equal")
    if grid.size <= 64:
        for (r, c), v in np.ndenumerate(grid):
            ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * vmax else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    rows, cols = grid.shape
    ax.set_title(f"{name}\nshape {shape}", fontsize=9)
    # size labels along the edges: the number of rows on the left, of columns below
    ax.set_ylabel(f"{rows} row{'s' if rows != 1 else ''}" if arr.ndim == 2 else "", fontsize=8)
    ax.set_xlabel(f"{cols} col{'s' if cols != 1 else ''}" if arr.ndim == 2 else f"{cols} entries", fontsize=8)
    return im


def matrix_equation(fig, terms, fmt="{:.2f}"):
    """Lay out an equation of matrices in one row, e.g. ``a(1) @ W(1) + b(1) = z(2)``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Drawn into (axes are added).
    terms : list
        Each item is either ``(name, array)`` -- drawn with :func:`draw_matrix` --
        or a string operator such as ``"@"``, ``"+"``, ``"="``.
    fmt : str, format of each entry

    Returns
    -------
    list of matplotlib.axes.Axes
        The axes of the matrices, in order.
    """
    _validate.figure(fig)
    if not isinstance(terms, (list, tuple)) or not terms:
        raise TypeError("terms must be a non-empty list of (name, array) pairs and operator strings")
    widths = []
    for n, t in enumerate(terms):
        if isinstance(t, str):
            widths.append(0.5)
        elif isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], str):
            a = _validate.real_array(f"terms[{n}] ({t[0]})", t[1])
            widths.append(max(1.0, a.shape[-1] if a.ndim else 1))
        else:
            raise TypeError(f"terms[{n}] must be an operator string or a (name, array) pair, got {t!r}")
    gs = fig.add_gridspec(1, len(terms), width_ratios=widths, wspace=0.15, left=0.04, right=0.98,
                          bottom=0.1, top=0.78)
    axes = []
    for n, t in enumerate(terms):
        ax = fig.add_subplot(gs[0, n])
        if isinstance(t, str):
            ax.axis("off")
            ax.text(0.5, 0.5, t, ha="center", va="center", fontsize=16)
        else:
            draw_matrix(ax, t[1], t[0], fmt=fmt)
            axes.append(ax)
    return axes
