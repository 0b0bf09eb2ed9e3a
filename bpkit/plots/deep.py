"""Lesson 8's static figures: per-layer gradient norms, their history over training, decision boundaries.

Each function draws on an ``Axes`` it is given and returns the artists it made; the
numbers come from :mod:`bpkit.deep`. Arguments are checked by :mod:`bpkit._validate`
before anything is drawn.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import is_color_like

from .. import _validate
from ._style import BLUE, SERIES_LINESTYLES, SERIES_MARKERS

#: the most layers drawn (one bar or line and one tick label each; more are unreadable and slow to draw)
MAX_LAYERS = 200


def _norms(norms, ndim):
    norms = _validate.real_array("norms", norms, finite=True)
    if norms.ndim != ndim or norms.size == 0:
        want = "(layers,): ||dJ/dW(l)|| for l = 1..L-1" if ndim == 1 else "(epochs + 1, layers)"
        raise ValueError(f"norms must have shape {want}, non-empty, got shape {norms.shape}")
    if np.any(norms < 0):
        raise ValueError(f"norms must be >= 0 (they are norms), got {float(norms.min())!r}")
    if norms.shape[-1] > MAX_LAYERS:
        raise ValueError(f"norms has {norms.shape[-1]:,} layers, over MAX_LAYERS = {MAX_LAYERS}; "
                         f"pass a slice such as norms[..., :{MAX_LAYERS}]")
    return norms


def gradient_norm_bars(ax, norms, color=BLUE, label=None):
    """Bars of ``||dJ/dW(l)||`` for l = 1..len(norms) on a log axis; returns the bar container.

    ``norms``: shape (L-1,), finite, >= 0 (at most :data:`MAX_LAYERS`); ``color``: a matplotlib
    colour; ``label``: str or None.
    """
    _validate.axes(ax)
    norms = _norms(norms, 1)
    if not is_color_like(color):
        raise ValueError(f"color must be a matplotlib colour such as 'C0' or 'red', got {color!r}")
    if label is not None:
        _validate.text("label", label)
    layers = np.arange(1, norms.size + 1)
    bars = ax.bar(layers, np.maximum(norms, 1e-30), color=color, label=label)
    ax.set_yscale("log")
    ax.set_xticks(layers, [f"W({l})" for l in layers], fontsize=7)
    ax.set_ylabel("||dJ/dW(l)||  (log scale)")
    return bars


def norm_history(ax, norms, title=""):
    """One line per layer: ``norms[e, l-1]`` (epoch e, layer l, from :func:`bpkit.deep.gradient_norm_history`), log y.

    ``norms``: shape (epochs + 1, layers), finite, >= 0. Layer 1 (nearest the input) is drawn
    darkest; each layer has its own marker and line style too, so no two differ by shade alone.
    Returns the list of lines.
    """
    _validate.axes(ax)
    norms = _norms(norms, 2)
    title = _validate.text("title", title)
    n = norms.shape[1]
    shades = np.linspace(0.05, 0.8, n)
    lines = []
    for k in range(n):
        (line,) = ax.semilogy(np.arange(norms.shape[0]), np.maximum(norms[:, k], 1e-30), ms=3,
                              marker=SERIES_MARKERS[k % len(SERIES_MARKERS)],
                              ls=SERIES_LINESTYLES[k % len(SERIES_LINESTYLES)], lw=1.0,
                              color=(shades[k], shades[k], 1.0 - 0.6 * shades[k]), label=f"W({k + 1})")
        lines.append(line)
    ax.set_xlabel("epoch")
    ax.set_ylabel("||dJ/dW(l)||")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=6, ncol=2, loc="best")
    return lines


def decision_boundary(ax, probs, extent, X, labels, title=""):
    """The network's output as an image (blue 0 to red 1), its 0.5 contour, and the points; returns the image.

    The points of class 0 are circles and those of class 1 triangles, so the classes differ by shape too.

    ``probs``, ``extent``: what :func:`bpkit.deep.decision_grid` returns (an (n, n) finite array, and
    ``(x_lo, x_hi, y_lo, y_hi)`` with lo < hi); ``X`` shape (m, 2); ``labels`` 0/1, shape (m,).
    """
    _validate.axes(ax)
    probs = _validate.real_array("probs", probs, finite=True)
    if probs.ndim != 2 or min(probs.shape) < 1:
        raise ValueError(f"probs must be a 2-D grid such as deep.decision_grid's, got shape {probs.shape}")
    if isinstance(extent, (str, bytes, dict, set)) or not hasattr(extent, "__len__") or len(extent) != 4:
        raise TypeError(f"extent must be (x_lo, x_hi, y_lo, y_hi), four numbers, got {extent!r}")
    extent = [_validate.real_number(f"extent[{k}]", v) for k, v in enumerate(extent)]
    if not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise ValueError(f"extent must be (x_lo, x_hi, y_lo, y_hi) with x_lo < x_hi and y_lo < y_hi, got {extent}")
    X = _validate.as_matrix("X", X, cols=2)
    labels = _validate.binary_labels("labels", labels, X.shape[0])
    title = _validate.text("title", title)
    image = ax.imshow(probs, origin="lower", extent=extent, cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6,
                      interpolation="bilinear", aspect="auto")
    for c, marker in ((0, "o"), (1, "^")):
        ax.scatter(X[labels == c, 0], X[labels == c, 1], c=np.full(int(np.sum(labels == c)), float(c)),
                   cmap="RdBu_r", vmin=0, vmax=1, s=8, marker=marker, edgecolors="k", linewidths=0.3,
                   label=f"class {c}")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    return image
