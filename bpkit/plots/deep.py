"""Lesson 8's static figures: per-layer gradient norms, their history over training, decision boundaries.

Each function draws on an ``Axes`` it is given and returns the artists it made; the
numbers come from :mod:`bpkit.deep`.
"""
from __future__ import annotations

import numpy as np


def gradient_norm_bars(ax, norms, color="C0", label=None):
    """Bars of ``||dJ/dW(l)||`` for l = 1..len(norms) on a log axis; returns the bar container."""
    norms = np.asarray(norms, dtype=np.float64)
    layers = np.arange(1, norms.size + 1)
    bars = ax.bar(layers, np.maximum(norms, 1e-30), color=color, label=label)
    ax.set_yscale("log")
    ax.set_xticks(layers, [f"W({l})" for l in layers], fontsize=7)
    ax.set_ylabel("||dJ/dW(l)||  (log scale)")
    return bars


def norm_history(ax, norms, title=""):
    """One line per layer: ``norms[e, l-1]`` (epoch e, layer l, from :func:`bpkit.deep.gradient_norm_history`), log y.

    Layer 1 (nearest the input) is drawn darkest. Returns the list of lines.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 2:
        raise ValueError(f"norms must have shape (epochs + 1, layers), got {norms.shape}")
    n = norms.shape[1]
    shades = np.linspace(0.05, 0.8, n)
    lines = []
    for k in range(n):
        (line,) = ax.semilogy(np.arange(norms.shape[0]), np.maximum(norms[:, k], 1e-30), "-o", ms=2,
                              color=(shades[k], shades[k], 1.0 - 0.6 * shades[k]), label=f"W({k + 1})")
        lines.append(line)
    ax.set_xlabel("epoch")
    ax.set_ylabel("||dJ/dW(l)||")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=6, ncol=2, loc="best")
    return lines


def decision_boundary(ax, probs, extent, X, labels, title=""):
    """The network's output as an image (blue 0 to red 1), its 0.5 contour, and the points; returns the image."""
    image = ax.imshow(probs, origin="lower", extent=extent, cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6,
                      interpolation="bilinear", aspect="auto")
    X = np.asarray(X)
    labels = np.asarray(labels)
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="RdBu_r", vmin=0, vmax=1, s=8, edgecolors="k", linewidths=0.3)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    return image
