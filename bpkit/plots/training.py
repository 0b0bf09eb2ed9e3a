"""Plots for lessons 4-7: Delta heatmaps, descent paths, digits, training curves.

Every function draws on an ``Axes`` (or a ``Figure`` for image grids) it is
given, uses matplotlib's object API only (no pyplot), and returns the artists it
made, so a panel can update them in place (``im.set_data``, ``line.set_data``).
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import _validate
from ._style import BLUE, PURPLE, VERMILLION, WRONG_TEXT

#: :func:`digit_grid` and :func:`weight_images` draw at most this many images (one Axes each:
#: 100 take about 1 s; 2,000 took 23 s). Pass a slice such as ``images[:100]``, or ``max_images=``.
MAX_IMAGES = 200


def _check_axes(ax, name="ax"):
    _validate.axes(ax, name)


def _check_figure(fig):
    _validate.figure(fig)


def _check_count(k, max_images, what):
    max_images = _validate.positive_number("max_images", max_images, integer=True)
    if k > max_images:
        raise ValueError(
            f"{what} would draw {k:,} images, one Axes each (about {k / 90:.0f} s), over max_images="
            f"{max_images}; pass a slice such as images[:{min(max_images, 100)}], or a larger max_images"
        )


def heatmap(ax, M, title="", vmax=None, annotate=None, cmap="RdBu_r"):
    """A matrix as coloured cells, with its shape in the title (lesson 4).

    Rows and columns are labelled as the course writes them: rows of ``W(l)``
    and ``Delta(l)`` are units of layer l, columns units of layer l+1.

    Parameters
    ----------
    ax : matplotlib Axes
    M : array_like, shape (r, c) (a 1-D array is drawn as one row)
    title : str
        Drawn as the title, then "shape (r, c)" on a second line.
    vmax : float > 0, optional
        Colour scale is symmetric, ``[-vmax, vmax]``; default ``max|M|`` (or 1
        if M is all zero). Fix it when the matrix will change, so colours
        stay comparable.
    annotate : bool, optional
        Write each value in its cell; default: when M has at most 40 cells.
    cmap : str, a diverging colormap (blue negative, red positive)

    Returns
    -------
    (AxesImage, list of Text)
        Update with :func:`update_heatmap`.
    """
    _check_axes(ax)
    M = _validate.real_array("M", M)
    if M.ndim == 1:
        M = M[None, :]
    if M.ndim != 2 or M.size == 0:
        raise ValueError(f"M must be a non-empty 2-D matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(M))[0])
        raise ValueError(f"M contains NaN or inf (first at {bad}); a heatmap needs finite values")
    if vmax is None:
        vmax = float(np.max(np.abs(M))) or 1.0
    if not isinstance(vmax, numbers.Real) or not np.isfinite(vmax) or vmax <= 0:
        raise ValueError(f"vmax must be a positive number, got {vmax!r}")
    im = ax.imshow(M, cmap=cmap, vmin=-vmax, vmax=vmax, aspect="equal", interpolation="nearest")
    r, c = M.shape
    ax.set_title(f"{title}\nshape {M.shape}" if title else f"shape {M.shape}", fontsize=9)
    ax.set_xticks(range(c) if c <= 12 else [])
    ax.set_yticks(range(r) if r <= 12 else [])
    ax.tick_params(labelsize=7, length=0)
    texts = []
    if annotate is None:
        annotate = M.size <= 40
    if annotate:
        fmt = _cell_format(vmax)
        for i in range(r):
            for j in range(c):
                t = ax.text(j, i, fmt.format(M[i, j]), ha="center", va="center", fontsize=7)
                t.bpkit_fmt = fmt
                texts.append(t)
    return im, texts


def _cell_format(vmax):
    """Enough decimals that the largest value shows 2 significant digits."""
    decimals = int(min(6, max(2, 1 - np.floor(np.log10(vmax)))))
    return "{:+." + str(decimals) + "f}"


def update_heatmap(artists, M):
    """Put new values into a heatmap made by :func:`heatmap` (same shape)."""
    if not (isinstance(artists, tuple) and len(artists) == 2):
        raise TypeError("artists must be the (image, texts) pair that heatmap returned")
    im, texts = artists
    M = _validate.real_array("M", M)
    if M.ndim == 1:
        M = M[None, :]
    old = im.get_array().shape
    if M.shape != old:
        raise ValueError(f"M must keep the heatmap's shape {old}, got {M.shape}")
    im.set_data(M)
    if texts:
        for t, v in zip(texts, M.ravel()):
            t.set_text(getattr(t, "bpkit_fmt", "{:+.2f}").format(v))
    return artists


def cost_contours(ax, w_grid, b_grid, J, levels=None, labels=("w", "b")):
    """Contours of a 2-parameter cost ``J[i, j] = J(w_grid[j], b_grid[i])`` (lesson 6).

    Parameters
    ----------
    ax : matplotlib Axes
    w_grid : array_like, shape (nw,), increasing
    b_grid : array_like, shape (nb,), increasing
    J : array_like, shape (nb, nw)
    levels : sequence of float, optional (default: 14 levels spaced by log)

    Returns
    -------
    matplotlib ContourSet
    """
    _check_axes(ax)
    w_grid = _validate.real_array("w_grid", w_grid, finite=True)
    b_grid = _validate.real_array("b_grid", b_grid, finite=True)
    J = _validate.real_array("J", J, finite=True)
    if w_grid.ndim != 1 or b_grid.ndim != 1 or w_grid.size < 2 or b_grid.size < 2:
        raise ValueError(f"w_grid and b_grid must be 1-D grids of at least 2 values, got shapes "
                         f"{w_grid.shape} and {b_grid.shape}")
    if J.shape != (b_grid.size, w_grid.size):
        raise ValueError(
            f"J must have shape (len(b_grid), len(w_grid)) = {(b_grid.size, w_grid.size)}, got {J.shape}"
        )
    if levels is None:
        lo, hi = float(np.min(J)), float(np.max(J))
        levels = lo + (hi - lo) * np.geomspace(1e-3, 1.0, 14)
    cs = ax.contour(w_grid, b_grid, J, levels=levels, cmap="viridis", linewidths=0.8)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_xlim(w_grid[0], w_grid[-1])
    ax.set_ylim(b_grid[0], b_grid[-1])
    return cs


def descent_path(ax, path, color=PURPLE, label=None):
    """The parameters visited by gradient descent, as a line with dots (lesson 6).

    Parameters
    ----------
    ax : matplotlib Axes
    path : array_like, shape (steps + 1, 2), one (w, b) row per step

    Returns
    -------
    (Line2D, Line2D)
        The path and a marker on its last point; update both with ``set_data``.
    """
    _check_axes(ax)
    path = _validate.real_array("path", path)
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] == 0:
        raise ValueError(f"path must have shape (steps + 1, 2), got {path.shape}")
    (line,) = ax.plot(path[:, 0], path[:, 1], "-o", color=color, ms=2.5, lw=1.0, label=label)
    (end,) = ax.plot(path[-1:, 0], path[-1:, 1], "*", color=color, ms=12, mec="k", mew=0.6)
    return line, end


def digit_grid(fig, images, labels=None, predicted=None, ncols=8, max_images=MAX_IMAGES):
    """Draw 28x28 digits in a grid, titled with their label and prediction (lesson 6).

    Parameters
    ----------
    fig : matplotlib Figure (axes are added to it)
    images : array_like, shape (k, 784) or (k, 28, 28), grey levels in [0, 1] (others are refused)
    labels : array_like of int, shape (k,), optional: the true classes
    predicted : array_like of int, shape (k,), optional: the network's classes
    ncols : int > 0
    max_images : int > 0, default :data:`MAX_IMAGES` (200)
        More images are refused before drawing (each is an Axes: slow); pass a slice.

    Returns
    -------
    list of Axes, one per image
    """
    _check_figure(fig)
    images = _as_images(images, "images")
    if images.min() < 0.0 or images.max() > 1.0:  # drawn with vmin=0, vmax=1: raw pixels would all look black
        raise ValueError(
            f"images must hold grey levels in [0, 1], got values from {images.min():g} to {images.max():g}"
            + ("; raw 0..255 pixels: divide them by 255 first (load_digits already does)" if images.max() > 1.0 else "")
        )
    k = images.shape[0]
    _check_count(k, max_images, "digit_grid")
    checked = {}
    for name, arr in (("labels", labels), ("predicted", predicted)):
        if arr is None:
            continue
        from ..metrics import as_labels
        if np.shape(arr) != (k,):
            raise ValueError(f"{name} must have shape ({k},), one per image, got {np.shape(arr)}")
        checked[name] = as_labels(arr, name=name)
    labels, predicted = checked.get("labels"), checked.get("predicted")
    if isinstance(ncols, bool) or not isinstance(ncols, numbers.Integral) or ncols < 1:
        raise ValueError(f"ncols must be an integer >= 1, got {ncols!r}")
    ncols = min(int(ncols), k)
    nrows = -(-k // ncols)
    axes = []
    for i in range(k):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.imshow(images[i], cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        parts = []
        if labels is not None:
            parts.append(f"true {int(labels[i])}")
        if predicted is not None:
            parts.append(f"net {int(predicted[i])}")
        if parts:
            wrong = labels is not None and predicted is not None and labels[i] != predicted[i]
            ax.set_title(", ".join(parts), fontsize=8, color=WRONG_TEXT if wrong else "k")
        axes.append(ax)
    return axes


def weight_images(fig, W, ncols=8, side=28, max_images=MAX_IMAGES):
    """Each column of a first-layer ``W(1)`` drawn as an image (lesson 6).

    Column j of ``W(1)`` (shape ``(784, s_2)``) holds the weights from every
    pixel into hidden unit j: drawn as 28x28, red pixels push that unit on, blue
    ones push it off. Each image has its own symmetric colour scale.

    Parameters
    ----------
    fig : matplotlib Figure
    W : array_like, shape (side * side, s_2)
    ncols : int > 0
    side : int, image side in pixels

    Returns
    -------
    list of Axes
    """
    _check_figure(fig)
    side = _validate.positive_number("side", side, integer=True)
    if isinstance(ncols, bool) or not isinstance(ncols, numbers.Integral) or ncols < 1:
        raise ValueError(f"ncols must be an integer >= 1, got {ncols!r}")
    W = _validate.real_array("W", W, finite=True)
    if W.ndim != 2 or W.shape[0] != side * side or W.shape[1] == 0:
        raise ValueError(f"W must have shape ({side * side}, s_2), one column per hidden unit, got {W.shape}")
    k = W.shape[1]
    _check_count(k, max_images, "weight_images")
    ncols = min(int(ncols), k)
    nrows = -(-k // ncols)
    axes = []
    for j in range(k):
        ax = fig.add_subplot(nrows, ncols, j + 1)
        v = float(np.max(np.abs(W[:, j]))) or 1.0
        ax.imshow(W[:, j].reshape(side, side), cmap="RdBu_r", vmin=-v, vmax=v, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"unit {j + 1}", fontsize=8)
        axes.append(ax)
    return axes


def training_curves(ax_cost, ax_acc, history, label=None, test_accuracy=None):
    """Cost and accuracy per epoch from a :class:`bpkit.History` (lesson 6).

    Parameters
    ----------
    ax_cost, ax_acc : matplotlib Axes (``ax_acc`` may be None)
    history : bpkit.History or dict with lists ``epoch``, ``cost``, ``accuracy``
    label : str, optional legend label
    test_accuracy : sequence of float, optional, one per epoch: drawn dashed

    Returns
    -------
    list of Line2D
    """
    _check_axes(ax_cost, "ax_cost")
    if ax_acc is not None:
        _check_axes(ax_acc, "ax_acc")
    try:
        epochs, costs, accs = history["epoch"], history["cost"], history["accuracy"]
    except (KeyError, TypeError):
        raise TypeError("history must be a bpkit.History (or a dict with 'epoch', 'cost', 'accuracy')") from None
    if len(epochs) == 0:
        raise ValueError("history is empty: train for at least one epoch first")
    lines = ax_cost.plot(epochs, costs, "-o", ms=3, color=BLUE, label=label)
    ax_cost.set_xlabel("epoch")
    ax_cost.set_ylabel("training cost J")
    ax_cost.set_title("cost per epoch", fontsize=10)
    if ax_acc is not None and accs and accs[0] is not None:
        lines += ax_acc.plot(epochs, accs, "-o", ms=3, color=BLUE, label="train" if label is None else f"{label} train")
        if test_accuracy is not None:
            if len(test_accuracy) != len(epochs):
                raise ValueError(
                    f"test_accuracy needs one value per epoch ({len(epochs)}), got {len(test_accuracy)}"
                )
            lines += ax_acc.plot(epochs, test_accuracy, "--s", ms=3, color=VERMILLION,
                                 label="test" if label is None else f"{label} test")
        ax_acc.set_xlabel("epoch")
        ax_acc.set_ylabel("accuracy")
        ax_acc.set_title("accuracy per epoch", fontsize=10)
        ax_acc.legend(fontsize=8)
    return lines


def _as_images(images, name, side=28):
    arr = _validate.real_array(name, images, finite=True)
    if arr.ndim == 2 and arr.shape[1] == side * side:
        arr = arr.reshape(-1, side, side)
    if arr.ndim != 3 or arr.shape[1:] != (side, side) or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (k, {side * side}) or (k, {side}, {side}), got {np.shape(images)}")
    return arr
