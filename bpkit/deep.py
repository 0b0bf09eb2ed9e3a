"""Deep networks, measured: initialization, vanishing and exploding gradients, depth vs width (lesson 8).

* :func:`deep_network` -- an ``n_in - width x depth - n_out`` network with a named init scheme;
* :func:`layer_stats` -- for one batch at the current weights, every layer's gradient norm
  ``||dJ/dW(l)||`` (from :func:`bpkit.backprop`) and every hidden layer's activations
  (from :meth:`bpkit.Network.trace`): mean, spread, dead units, a histogram;
* :func:`unit_spread`, :func:`dead_units` -- symmetry (are the units of a layer copies?) and
  ReLU units that never fire;
* :func:`gradient_norm_history` -- the per-layer gradient norms after every epoch of
  :func:`bpkit.sgd` (through its callback);
* :func:`tent`, :func:`sawtooth`, :func:`count_pieces` -- k layers of two ReLU units make
  2^k linear pieces;
* :func:`width_for_budget`, :func:`train_shapes`, :func:`decision_grid` -- networks of
  different (depth, width) with the same number of parameters, trained on a 2-D set.

Everything here calls :mod:`bpkit.backprop`, :class:`bpkit.Network` and :func:`bpkit.sgd`
instead of restating them, and imports only numpy, so the panels of
:mod:`bpkit.widgets.deep` only draw what these return.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import _validate
from .activations import ACTIVATIONS, saturated
from .backprop import backprop
from ._params import Array, Int, Optional, Options, Real, Seed, declare
from .costs import KIND, LAM, NET, prepare
from .network import Network
from .optim import sgd

#: where each hidden activation's values lie, for the histograms (ReLU is open above: values past 3 count in the last bin)
VALUE_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 3.0)}
#: the most histogram bins :func:`layer_stats` makes (a bar per 1/1000 of the range is finer than any plot shows)
MAX_BINS = 1_000
#: the deepest :func:`sawtooth`: past 52 layers a tooth (2^-k wide) is finer than float64 resolves near 1
MAX_SAWTOOTH_K = 52


def _params(n_in, width, depth, n_out):
    """Weights and biases of an ``n_in - width x depth - n_out`` network, counted without building it."""
    return (n_in + 1) * width + (depth - 1) * (width * width + width) + (width + 1) * n_out


@declare(n_in=Int(1), width=Int(1), depth=Int(1), n_out=Int(1))
def deep_network(n_in, width, depth, n_out, activation="sigmoid", init="lecun", init_scale=1.0, seed=0):
    """``Network([n_in] + [width] * depth + [n_out], ...)``: ``depth`` hidden layers of ``width`` units.

    The same seed gives the same first layers at every depth (the rng draws W(1), W(2)... in order
    and the shapes of the first ones do not change), so a depth slider adds layers to one network.
    A network over ``bpkit._validate.MAX_NETWORK_PARAMS`` weights and biases is refused before
    anything is built, naming ``width`` and ``depth``.
    """
    n = _params(n_in, width, depth, n_out)
    if n > _validate.MAX_NETWORK_PARAMS:
        raise ValueError(f"n_in={n_in}, width={width}, depth={depth}, n_out={n_out} make {n:,} weights and biases, "
                         f"over bpkit._validate.MAX_NETWORK_PARAMS = {_validate.MAX_NETWORK_PARAMS:,}; use fewer or "
                         f"narrower layers")
    return Network([n_in] + [width] * depth + [n_out], seed=seed, activation=activation, init=init,
                   init_scale=init_scale)


# ------------------------------------------------------------ one batch, all layers
@dataclass(frozen=True)
class LayerStats:
    """What one batch shows at the current weights, layer by layer (made by :func:`layer_stats`).

    Index ``k`` of the weight arrays is W(k+1); index ``k`` of the hidden arrays is
    hidden layer k+2 (layer 1 is the input, layer L the output).

    Attributes
    ----------
    grad_norms : ndarray, shape (L-1,)
        ``||dJ/dW(l)||`` (Frobenius: root of the sum of squares), l = 1..L-1, from :func:`bpkit.backprop`.
    bias_grad_norms : ndarray, shape (L-1,)
        ``||dJ/db(l)||``.
    act_mean, act_std : ndarray, shape (L-2,)
        Mean and standard deviation of each hidden layer's activations over the batch and its units.
    dead : ndarray of int, shape (L-2,)
        Units of each hidden layer whose slope f'(z) is 0 on every example (dead ReLUs).
    saturated : ndarray, shape (L-2,)
        Fraction of each hidden layer's values with slope f'(z) below 0.01 times its largest
        possible slope (a flat sigmoid or tanh, a ReLU at 0): :func:`bpkit.activations.saturated`.
    hist : ndarray, shape (L-2, bins)
        Histogram of each hidden layer's values over :data:`VALUE_RANGE` (values outside in the
        end bins; for ReLU only the positive values), each row scaled so its largest bar is 1.
    bin_edges : ndarray, shape (bins + 1,)
    """

    grad_norms: np.ndarray
    bias_grad_norms: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    dead: np.ndarray
    saturated: np.ndarray
    hist: np.ndarray
    bin_edges: np.ndarray

    @property
    def ratio(self):
        """``||dJ/dW(1)|| / ||dJ/dW(L-1)||``: how much the gradient shrank (< 1) or grew (> 1) toward the input."""
        return float(self.grad_norms[0] / self.grad_norms[-1]) if self.grad_norms[-1] > 0 else float("nan")


@declare(net=NET, kind=KIND, lam=LAM)
def gradient_norms(net, X, Y, kind="cross_entropy", lam=0.0):
    """``(||dJ/dW(l)||, ||dJ/db(l)||)`` for l = 1..L-1, two arrays of shape (L-1,), from :func:`bpkit.backprop`."""
    dW, db = backprop(net, X, Y, kind=kind, lam=lam)
    return (np.array([np.sqrt(np.sum(g * g)) for g in dW]), np.array([np.sqrt(np.sum(g * g)) for g in db]))


@declare(net=NET, kind=KIND, bins=Int(2, MAX_BINS))
def layer_stats(net, X, Y, kind="cross_entropy", bins=40):
    """Gradient norms of every layer and the activations of every hidden layer, on one batch (lesson 8).

    Parameters
    ----------
    net : Network
    X : array_like, shape (m, sizes[0]); Y : array_like, shape (m, sizes[-1])
    kind : {"quadratic", "cross_entropy"}
    bins : int in 2..:data:`MAX_BINS`, histogram bins

    Returns
    -------
    LayerStats
    """
    g_W, g_b = gradient_norms(net, X, Y, kind=kind)
    act = ACTIVATIONS[net.activation]
    lo, hi = VALUE_RANGE[net.activation]
    edges = np.linspace(lo, hi, bins + 1)
    hidden = net.trace(X).activations[1:-1]
    means, stds, dead, sat, hist = [], [], [], [], []
    for a in hidden:
        slope = act.prime_from_a(a)
        means.append(float(a.mean()))
        stds.append(float(a.std()))
        dead.append(int(np.sum(np.all(slope == 0, axis=0))))
        sat.append(float(np.mean(saturated(net.activation, a))))
        values = a[a > 0] if net.activation == "relu" else a  # a ReLU's zeros are counted in saturated
        counts, _ = np.histogram(np.clip(values, lo, hi), bins=edges)
        hist.append(counts / max(counts.max(), 1))
    return LayerStats(g_W, g_b, np.array(means), np.array(stds), np.array(dead, dtype=np.int64),
                      np.array(sat), np.array(hist).reshape(len(hidden), bins), edges)


@declare(net=NET)
def unit_spread(net):
    """For each hidden layer, the largest difference between two of its units' incoming weights and biases.

    Unit j of layer l+1 is column j of W(l) and entry j of b(l); the spread is
    ``max |W(l)[:, j] - W(l)[:, 0]|`` and ``|b(l)[j] - b(l)[0]|`` over j. It is exactly 0
    when every unit of the layer is a copy of the first (a zero-initialized network,
    before and after training). Returns an array of shape (L-2,).
    """
    out = []
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        out.append(max(float(np.max(np.abs(W - W[:, :1]))), float(np.max(np.abs(b - b[0])))))
    return np.array(out)


@declare(net=NET)
def dead_units(net, X):
    """Units of each hidden layer whose slope f'(z) is 0 on every row of ``X``: shape (L-2,), ints.

    A dead ReLU (z <= 0 on every example) passes no gradient back and gets none, so it never
    revives; a sigmoid or tanh unit's slope is never exactly 0, so they count 0.
    """
    X = _validate.as_matrix("X", X, cols=net.sizes[0])
    act = ACTIVATIONS[net.activation]
    return np.array([int(np.sum(np.all(act.prime_from_a(a) == 0, axis=0))) for a in net.trace(X).activations[1:-1]],
                    dtype=np.int64)


# ----------------------------------------------------------------- during training
@declare(net=NET, epochs=Int(1), batch_size=Optional(Int(1)), lr=Real(0, closed="neither"), kind=KIND, seed=Seed())
def gradient_norm_history(net, X, Y, epochs=10, batch_size=10, lr=0.5, kind="cross_entropy", seed=0,
                          X_probe=None, Y_probe=None):
    """Train ``net`` with :func:`bpkit.sgd` and record ``||dJ/dW(l)||`` on a probe batch after every epoch.

    Parameters
    ----------
    net : Network, trained in place
    X, Y, epochs, batch_size, lr, kind, seed : as for :func:`bpkit.sgd`
    X_probe, Y_probe : array_like, optional
        The batch the norms are measured on (default: the first 500 rows of X, Y).

    Returns
    -------
    (norms, history)
        ``norms`` has shape (epochs + 1, L-1): row 0 at the start, row e after epoch e;
        ``history`` is sgd's :class:`bpkit.History`.
    """
    X, Y, _ = prepare(net, X, Y, kind)
    if (X_probe is None) != (Y_probe is None):
        raise TypeError("X_probe and Y_probe go together: pass both (the probe batch) or neither (the first 500 "
                        f"rows of X, Y); got X_probe {type(X_probe).__name__}, Y_probe {type(Y_probe).__name__}")
    if X_probe is None:
        X_probe, Y_probe = X[:500], Y[:500]
    X_probe, Y_probe, _ = prepare(net, X_probe, Y_probe, kind, xname="X_probe", yname="Y_probe")
    rows = [gradient_norms(net, X_probe, Y_probe, kind=kind)[0]]
    history = sgd(net, X, Y, epochs=epochs, batch_size=batch_size, lr=lr, kind=kind, seed=seed,
                  callback=lambda e, n, h: rows.append(gradient_norms(n, X_probe, Y_probe, kind=kind)[0]))
    return np.array(rows), history


# ----------------------------------------------------------------- the sawtooth
def _relu(z):
    return np.maximum(z, 0.0)


@declare(x=Array(min_size=0, finite=False))
def tent(x):
    """The tent ``2 relu(x) - 4 relu(x - 1/2)``: two ReLU units, up from (0, 0) to (1/2, 1), down to (1, 0).

    On [0, 1] it maps [0, 1] onto [0, 1] twice, so composing it doubles the number of teeth.
    ``x``: any real array (NaN stays NaN, like the activations).
    """
    return 2.0 * _relu(x) - 4.0 * _relu(x - 0.5)


@declare(x=Array(min_size=0, finite=False), k=Int(0, MAX_SAWTOOTH_K))
def sawtooth(x, k):
    """``tent`` composed ``k`` times: a network of k hidden layers of 2 ReLU units, 2^(k-1) teeth on [0, 1].

    Parameters
    ----------
    x : array_like, any shape, values in [0, 1]
    k : int in 0..:data:`MAX_SAWTOOTH_K` (0: the identity)
    """
    y = x
    for _ in range(k):
        y = tent(y)
    return y


def count_pieces(x, y):
    """Linear pieces of the piecewise linear function sampled as ``y`` at the sorted points ``x``.

    1 + the number of grid intervals whose slope differs from the one before. Exact when
    every kink lies on a grid point (for :func:`sawtooth` of depth k: a grid of spacing
    2^-(k+1) or finer, where every value is a dyadic number and the arithmetic has no rounding).
    """
    x = _validate.vector("x", x, min_size=2)
    y = _validate.vector("y", y, size=x.size)
    if np.any(np.diff(x) <= 0):
        i = int(np.argmax(np.diff(x) <= 0)) + 1
        raise ValueError(f"x must be increasing (sorted, no repeats), but x[{i}] = {x[i]:g} is not above "
                         f"x[{i - 1}] = {x[i - 1]:g}")
    slopes = np.diff(y) / np.diff(x)
    return int(1 + np.sum(~np.isclose(slopes[1:], slopes[:-1], rtol=1e-9, atol=1e-9)))


@declare(k=Int(0, MAX_SAWTOOTH_K), per_piece=Int(1))
def sawtooth_grid(k, per_piece=8):
    """``(x, sawtooth(x, k))`` on [0, 1] with ``per_piece`` points per piece: spacing 2^-k / per_piece.

    The grid has ``2^k * per_piece + 1`` points, at most ``bpkit._validate.MAX_ARRAY_ELEMENTS``
    (k = 22 with 8 per piece).
    """
    if (2 ** k) * per_piece + 1 > _validate.MAX_ARRAY_ELEMENTS:
        raise ValueError(f"sawtooth_grid(k={k}, per_piece={per_piece}) would make {(2 ** k) * per_piece + 1:,} points, "
                         f"over bpkit._validate.MAX_ARRAY_ELEMENTS = {_validate.MAX_ARRAY_ELEMENTS:,}; use a smaller k")
    x = np.linspace(0.0, 1.0, (2 ** k) * per_piece + 1)
    return x, sawtooth(x, k)


@declare(pieces=Int(1))
def shallow_units_needed(pieces):
    """One hidden layer of n ReLU units gives at most n + 1 linear pieces in 1-D, so ``pieces`` need n >= pieces - 1."""
    return pieces - 1


# ----------------------------------------------------------------- depth vs width
@declare(n_in=Int(1), n_out=Int(1), depth=Int(1), budget=Int(1))
def width_for_budget(n_in, n_out, depth, budget):
    """The largest width whose ``n_in - width x depth - n_out`` network has at most ``budget`` parameters.

    Parameters: ``n_in*w + w`` for the first layer, ``(w*w + w)`` for each of the ``depth - 1``
    hidden-to-hidden layers, ``w*n_out + n_out`` for the output.
    """
    if _params(n_in, 1, depth, n_out) > budget:
        raise ValueError(f"budget {budget} is too small for {depth} hidden layers "
                         f"(width 1 needs {_params(n_in, 1, depth, n_out)})")
    lo, hi = 1, budget  # params(lo) <= budget < params(hi + 1): bisect for the largest width that fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _params(n_in, mid, depth, n_out) <= budget else (lo, mid - 1)
    return lo


@dataclass(frozen=True)
class ShapeResult:
    """One (depth, width) network trained by :func:`train_shapes`."""

    depth: int
    width: int
    params: int
    net: Network
    train_accuracy: float
    test_accuracy: float
    costs: np.ndarray  # the training cost of each epoch (sgd's History)
    seconds: float


@declare(budget=Int(1, None), epochs=Int(1), batch_size=Int(1), lr=Real(0, closed="neither"), seed=Seed())
def train_shapes(X, labels, X_test, labels_test, depths=(1, 2, 4, 8), budget=600, epochs=300,
                 batch_size=20, lr=0.1, activation="relu", init="he", seed=0):
    """Networks with the same parameter budget and different depth, each trained with :func:`bpkit.sgd`.

    For each depth, the width is :func:`width_for_budget`; the network has 2 inputs, one sigmoid
    output for the class (0 or 1), ``activation`` hidden units and ``init`` weights, and is trained
    with cross-entropy for ``epochs`` epochs.

    Parameters
    ----------
    X : array_like, shape (m, 2); labels : array_like of 0/1, shape (m,)
    X_test, labels_test : the same for fresh points
    depths : sequence of int >= 1
    budget : int, parameters per network (at most), at most ``bpkit._validate.MAX_NETWORK_PARAMS``
    epochs, batch_size, lr, seed : as for :func:`bpkit.sgd`; activation, init : as for :class:`bpkit.Network`

    Every argument is checked before the first network trains.

    Returns
    -------
    list of ShapeResult, one per depth, in order.
    """
    X = _validate.as_matrix("X", X, cols=2)
    labels = _validate.binary_labels("labels", labels, X.shape[0])
    X_test = _validate.as_matrix("X_test", X_test, cols=2)
    labels_test = _validate.binary_labels("labels_test", labels_test, X_test.shape[0])
    if isinstance(depths, (str, bytes, dict, set)) or not hasattr(depths, "__len__") or len(depths) == 0:
        raise TypeError(f"depths must be a non-empty sequence of integers >= 1, e.g. (1, 2, 4), got {depths!r}")
    depths = [_validate.integer(f"depths[{i}]", d, 1) for i, d in enumerate(depths)]
    if budget > _validate.MAX_NETWORK_PARAMS:
        raise ValueError(f"budget must be at most bpkit._validate.MAX_NETWORK_PARAMS = "
                         f"{_validate.MAX_NETWORK_PARAMS:,} (the largest network bpkit builds), got {budget:,}")
    widths = [width_for_budget(2, 1, depth, budget) for depth in depths]
    deep_network(2, 1, 1, 1, activation=activation, init=init, seed=seed)  # checks activation and init
    Y = labels.reshape(-1, 1)
    out = []
    for depth, width in zip(depths, widths):
        net = deep_network(2, width, depth, 1, activation=activation, init=init, seed=seed)
        t0 = time.perf_counter()
        history = sgd(net, X, Y, epochs=epochs, batch_size=batch_size, lr=lr, kind="cross_entropy", seed=seed)
        seconds = time.perf_counter() - t0
        out.append(ShapeResult(int(depth), width, net.num_params(), net, binary_accuracy(net, X, labels),
                               binary_accuracy(net, X_test, labels_test), np.array(history.cost), seconds))
    return out


@declare(net=NET)
def binary_accuracy(net, X, labels):
    """Fraction of rows whose one sigmoid output is on the right side of 0.5 (class 1 when > 0.5).

    ``net`` has one output; ``X`` shape (m, sizes[0]); ``labels`` 0/1, shape (m,).
    """
    _one_output(net)
    X = _validate.as_matrix("X", X, cols=net.sizes[0])
    labels = _validate.binary_labels("labels", labels, X.shape[0])
    p = net.predict(X)[:, 0]
    return float(np.mean((p > 0.5) == (labels == 1)))


def _one_output(net, n_in=None):
    """``net`` (already checked by its declaration) if it has one output (and ``n_in`` inputs)."""
    if net.sizes[-1] != 1 or (n_in is not None and net.sizes[0] != n_in):
        want = f"{n_in} inputs and " if n_in is not None else ""
        raise ValueError(f"net must have {want}one output (the probability of class 1), got sizes {net.sizes}")
    return net


@declare(net=NET, n=Int(2))
def decision_grid(net, lo=(0.0, 0.0), hi=(1.0, 1.0), n=80):
    """The network's output on an n x n grid over the box [lo, hi]: shape (n, n), row i at y = ys[i].

    ``net`` has 2 inputs and 1 output; ``lo``, ``hi``: two finite numbers each, ``lo < hi``;
    ``n``: int >= 2, with ``n * n * max(net.sizes)`` at most ``bpkit._validate.MAX_ARRAY_ELEMENTS``.
    Returns ``(probabilities, extent)`` with ``extent = (x_lo, x_hi, y_lo, y_hi)`` (for ``imshow``).
    """
    _one_output(net, n_in=2)
    lo = _validate.vector("lo", lo, size=2)
    hi = _validate.vector("hi", hi, size=2)
    if not np.all(lo < hi):
        raise ValueError(f"lo must be below hi in both coordinates, got lo={lo.tolist()}, hi={hi.tolist()}")
    if n * n * max(net.sizes) > _validate.MAX_ARRAY_ELEMENTS:
        raise ValueError(f"n={n} makes a grid of {n * n:,} points through layers of up to {max(net.sizes)} units, over "
                         f"bpkit._validate.MAX_ARRAY_ELEMENTS = {_validate.MAX_ARRAY_ELEMENTS:,}; use a smaller n")
    xs = np.linspace(lo[0], hi[0], n)
    ys = np.linspace(lo[1], hi[1], n)
    gx, gy = np.meshgrid(xs, ys)
    p = net.predict(np.c_[gx.ravel(), gy.ravel()])[:, 0].reshape(n, n)
    return p, (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


__all__ = [
    "LayerStats", "MAX_BINS", "MAX_SAWTOOTH_K", "ShapeResult", "VALUE_RANGE", "binary_accuracy", "count_pieces",
    "dead_units", "decision_grid", "deep_network", "gradient_norm_history", "gradient_norms", "layer_stats",
    "sawtooth", "sawtooth_grid", "shallow_units_needed", "tent", "train_shapes", "unit_spread",
    "width_for_budget",
]
