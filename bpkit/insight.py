"""The numbers behind the lessons' "why" pictures (lessons 4, 4b, 5 and 6); imports only numpy.

* :func:`example_factors` -- each example's a_i(l) column and delta_i(l+1) row, whose
  outer product is its share of Delta(l) (lesson 4's Delta panel);
* :func:`digit_nudges` -- what one digit "wants": each output's desired change
  ``-dC/da(L)``, what those ask of the layer below (summed over the outputs,
  weighted by W), and the desired nudge of the last weights, averaged over examples
  (lesson 4, after 3Blue1Brown's picture);
* :func:`gradient_costs` -- why backprop is fast: cost evaluations and time of
  :func:`bpkit.numerical_gradient` against one :func:`bpkit.backprop` (lesson 4b);
* :func:`saturation_run` -- one saturated sigmoid neuron trained with the quadratic
  and with the cross-entropy cost (lesson 4b: the learning slowdown and its cure);
* :func:`train_test_curve` -- train and test cost after every epoch (lesson 5's
  overfitting curve);
* :func:`learning_rate_grid` -- the digits network trained with several learning
  rates (lesson 6: too slow, good, too large).

The "desired change" of anything is the *negative* gradient: the direction that
lowers the cost. Backprop's a.T @ delta is the gradient itself, uphill.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import _validate
from .activations import saturated, sigmoid
from .backprop import backprop, errors, layer_sums, send_back
from ._params import Array, Int, Optional, Real, Seed, declare
from .costs import KIND, LAM, NET, cost, get_cost, prepare, sum_of_squares
from .gradcheck import MAX_CHECK_PARAMS, numerical_gradient, relative_error
from .network import Network
from .optim import TrainingDiverged, descend, gradient_descent, sgd

__all__ = [
    "DigitNudges", "GradientCosts", "LearningRateRun", "MAX_SATURATION_STEPS", "SaturationRun", "TrainTestCurve",
    "digit_nudges", "example_factors", "gradient_costs", "learning_rate_grid", "saturation_run",
    "train_test_curve", "weight_size",
]


#: the most neuron-steps :func:`saturation_run` takes, ``len(starts) * (epochs + 1)`` (each ~15 us: about 3 s)
MAX_SATURATION_STEPS = 200_000


# ------------------------------------------------------------------ lesson 4
@declare(net=NET, kind=KIND)
def example_factors(net, X, Y, kind="quadratic"):
    """Each example's two factors of its share of Delta(l): the column a_i(l) and the row delta_i(l+1).

    ``a_i(l).T @ delta_i(l+1)`` is an outer product, ``(s_l, 1) (1, s_(l+1))``: entry (j, k)
    is ``a_ij * delta_ik``. Lesson 4's panel draws the two factors beside it.

    Returns
    -------
    (a_cols, delta_rows) : lists of m lists
        ``a_cols[i][k]`` has shape ``(s_(k+1),)``: a(k+1) of example i, the input side of
        ``net.weights[k]``; ``delta_rows[i][k]`` has shape ``(s_(k+2),)``: delta(k+2) of
        example i, the output side.
    """
    X, Y, C = prepare(net, X, Y, kind)
    trace = net.trace(X)
    deltas = errors(net, trace, Y, C)
    m = X.shape[0]
    a_cols = [[trace.activations[k][i].copy() for k in range(len(net.weights))] for i in range(m)]
    delta_rows = [[deltas[k][i].copy() for k in range(len(net.weights))] for i in range(m)]
    return a_cols, delta_rows


@dataclass(frozen=True)
class DigitNudges:
    """What each example "wants" of the last layer and of the layer below it (lesson 4).

    With L the output layer and h = L - 1 the last hidden layer, for m examples:

    Attributes
    ----------
    output : ndarray (m, s_L), the network's outputs a(L)
    output_change : ndarray (m, s_L)
        ``-dC/da(L)``: how each output should move (``y - a`` for the quadratic cost).
    delta : ndarray (m, s_L), ``delta(L) = dC/dz(L)``
    asks : ndarray (m, s_h, s_L)
        ``-delta_k(L) * W_jk``: what output k asks of hidden unit j's activation.
    hidden_change : ndarray (m, s_h)
        ``-dC/da(h) = -(delta(L) @ W.T)``: the asks summed over the outputs k.
    weight_nudge : ndarray (m, s_h, s_L)
        ``-a(h).T @ delta(L)`` per example: its desired nudge of the last weights.
    mean_weight_nudge : ndarray (m, s_h, s_L)
        Row i: the mean of ``weight_nudge`` over examples 0..i. Row m - 1 is
        ``-dJ/dW`` of the last weights, one gradient step's direction.
    mean_hidden_change : ndarray (m, s_h), the same running mean of ``hidden_change``
    """

    output: np.ndarray
    output_change: np.ndarray
    delta: np.ndarray
    asks: np.ndarray
    hidden_change: np.ndarray
    weight_nudge: np.ndarray
    mean_weight_nudge: np.ndarray
    mean_hidden_change: np.ndarray


@declare(net=NET, kind=KIND)
def digit_nudges(net, X, Y, kind="quadratic"):
    """The desired changes of each example, and their running average (lesson 4; see :class:`DigitNudges`).

    Parameters
    ----------
    net : Network with at least one hidden layer
    X : array_like, shape (m, sizes[0]), e.g. a few digits
    Y : array_like, shape (m, sizes[-1]), e.g. ``one_hot(labels, 10)``
    kind : {"quadratic", "cross_entropy"}
    """
    X, Y, C = prepare(net, X, Y, kind)
    if len(net.sizes) < 3:
        raise ValueError(f"digit_nudges needs a hidden layer, got sizes {net.sizes}")
    trace = net.trace(X)
    z_out, a_out = trace.zs[-1], trace.activations[-1]
    a_hidden = trace.activations[-2]                          # (m, s_h)
    W = net.weights[-1]                                       # (s_h, s_L)
    delta = errors(net, trace, Y, C)[-1]                      # (m, s_L) = dC/dz(L), per example
    asks = -(delta[:, None, :] * W[None, :, :])               # (m, s_h, s_L)
    hidden_change = -send_back(delta, W, 1.0)                 # (m, s_h): -dC/da(h), the asks summed over k
    weight_nudge = -np.stack([layer_sums(a_hidden[i:i + 1], delta[i:i + 1])[0]  # (m, s_h, s_L): -a_i.T @ delta_i
                              for i in range(X.shape[0])])
    counts = np.arange(1, X.shape[0] + 1)
    return DigitNudges(
        output=a_out,
        output_change=-C.dC_da(a_out, Y),
        delta=delta,
        asks=asks,
        hidden_change=hidden_change,
        weight_nudge=weight_nudge,
        mean_weight_nudge=np.cumsum(weight_nudge, axis=0) / counts[:, None, None],
        mean_hidden_change=np.cumsum(hidden_change, axis=0) / counts[:, None],
    )


# ------------------------------------------------------------------ lesson 4b
@dataclass(frozen=True)
class GradientCosts:
    """Numerical gradient against backprop on one network and batch (lesson 4b).

    Attributes
    ----------
    n_params : int, weights and biases
    cost_evaluations : int, what central differences need for the whole gradient: 2 per parameter
    measured_params : int, parameters actually nudged (the arrays named by ``only``)
    measured_evaluations : int, cost calls counted while nudging them
    seconds_per_evaluation : float, measured, the mean over those calls
    seconds_numerical : float, ``cost_evaluations * seconds_per_evaluation`` (measured when all are nudged)
    seconds_backprop : float, one :func:`bpkit.backprop` of the whole gradient, best of 3
    rel_error : float, ``||g - n|| / ||g + n||`` over the arrays nudged
    """

    n_params: int
    cost_evaluations: int
    measured_params: int
    measured_evaluations: int
    seconds_per_evaluation: float
    seconds_numerical: float
    seconds_backprop: float
    rel_error: float


@declare(net=NET, kind=KIND, eps=Real(0, closed="neither"), max_params=Int(1))
def gradient_costs(net, X, Y, kind="quadratic", only=None, eps=1e-5, max_params=MAX_CHECK_PARAMS):
    """Time the gradient by central differences and by backprop, counting the cost calls.

    Central differences need two cost evaluations per parameter, each a full
    forward pass over the batch; backprop gets every entry of the gradient from
    one forward and one backward pass.

    Parameters
    ----------
    net : Network (nudged in place and put back)
    X, Y : the batch
    kind : {"quadratic", "cross_entropy"}
    only : list of int, optional
        Indices into ``net.params()`` (weights first, then biases) to nudge; the time of
        the whole numerical gradient is then the counted evaluations' mean time times
        ``2 * n_params``. Default: all of them (slow for big networks).
    eps : float > 0, the central-difference step
    max_params : int > 0, default :data:`bpkit.gradcheck.MAX_CHECK_PARAMS` (5,000)
        The most parameters nudged (two cost evaluations each); more are refused with
        what they would cost: nudge a few arrays (``only=``), or pass a larger ``max_params``.

    Returns
    -------
    GradientCosts
    """
    X, Y, _ = prepare(net, X, Y, kind)
    params = net.params()
    if only is None:
        only = list(range(len(params)))
    elif isinstance(only, (str, bytes, dict, set)) or not hasattr(only, "__len__") or len(only) == 0:
        raise TypeError(f"only must be a non-empty list of indices into net.params(), e.g. [0, 1], got {only!r}")
    else:
        only = [_validate.integer(f"only[{k}]", i, 0, len(params) - 1) for k, i in enumerate(only)]
    nudged = int(sum(params[i].size for i in only))
    if nudged > max_params:
        raise ValueError(
            f"gradient_costs would nudge {nudged:,} parameters, 2 x {nudged:,} cost evaluations over "
            f"{X.shape[0]} examples, over max_params={max_params:,}; nudge a few arrays (only=[...], indices into "
            f"net.params()), or pass max_params={nudged} to wait for it")
    calls = [0]

    def f():
        calls[0] += 1
        return cost(net, X, Y, kind=kind)

    t0 = time.perf_counter()
    numeric = numerical_gradient(f, [params[i] for i in only], eps=eps)
    t_num = time.perf_counter() - t0
    t_bp = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        g = backprop(net, X, Y, kind=kind)
        t_bp = min(t_bp, time.perf_counter() - t0)
    flat = list(g.dW) + list(g.db)
    per = t_num / max(calls[0], 1)
    n = net.num_params()
    return GradientCosts(
        n_params=n,
        cost_evaluations=2 * n,
        measured_params=int(sum(params[i].size for i in only)),
        measured_evaluations=calls[0],
        seconds_per_evaluation=per,
        seconds_numerical=2 * n * per,
        seconds_backprop=t_bp,
        rel_error=relative_error([flat[i] for i in only], numeric),
    )


@dataclass(frozen=True)
class SaturationRun:
    """One sigmoid neuron ``a = sigma(w x + b)`` trained by gradient descent on one example.

    Attributes
    ----------
    starts : ndarray (K,), the starting w (= b) of each run
    epochs : ndarray (E + 1,), 0..E
    a_quadratic, a_cross_entropy : ndarray (K, E + 1), the output before each step
    cost_quadratic, cost_cross_entropy : ndarray (K, E + 1), each run's own cost then
    """

    starts: np.ndarray
    epochs: np.ndarray
    a_quadratic: np.ndarray
    a_cross_entropy: np.ndarray
    cost_quadratic: np.ndarray
    cost_cross_entropy: np.ndarray


@declare(starts=Array(ndim=(0, 1)), x=Real(), y=Real(0, 1, note="a target for a sigmoid's output"), epochs=Int(1),
         lr=Real(0, closed="neither"))
def saturation_run(starts, x=1.0, y=0.0, lr=0.15, epochs=300):
    """Train one neuron from w = b = each start, once with each cost (lesson 4b).

    The step is ``w -= lr * delta * x``, ``b -= lr * delta`` with the cost's own
    output error (``costs.QuadraticCost.delta``: ``(a - y) a (1 - a)``;
    ``costs.CrossEntropyCost.delta``: ``a - y``). Started far on the wrong side
    (large w, b with y = 0), the quadratic run's ``a(1 - a)`` is tiny and it barely
    moves for many epochs; the cross-entropy run has no such factor. All starts
    run side by side. Returns a :class:`SaturationRun`.

    ``starts``: one number or a 1-D array of finite numbers; ``x``: a finite number; ``y``: a
    target in [0, 1]; ``len(starts) * (epochs + 1)`` at most :data:`MAX_SATURATION_STEPS`.
    """
    starts = np.atleast_1d(starts)
    if starts.size * (epochs + 1) > MAX_SATURATION_STEPS:
        raise ValueError(f"saturation_run would take {starts.size} x {epochs + 1:,} neuron steps, over "
                         f"MAX_SATURATION_STEPS = {MAX_SATURATION_STEPS:,} (about 15 us each); use fewer epochs "
                         f"or starts")
    out = {}
    for kind in ("quadratic", "cross_entropy"):
        C = get_cost(kind)
        w, b = starts.copy(), starts.copy()
        a_hist, c_hist = [], []
        for _ in range(epochs + 1):
            z = w * x + b
            a = sigmoid(z)
            a_hist.append(a)
            c_hist.append(np.array([C.total(z[j:j + 1], a[j:j + 1], np.array([y])) for j in range(len(z))]))
            d = C.delta(z, a, y)
            descend([w, b], [d * x, d], lr)
        out[kind] = (np.array(a_hist).T, np.array(c_hist).T)
    return SaturationRun(starts, np.arange(epochs + 1), out["quadratic"][0], out["cross_entropy"][0],
                         out["quadratic"][1], out["cross_entropy"][1])


# ------------------------------------------------------------------ lesson 5
def weight_size(weights):
    """``sum over layers of sum(W**2)``: what the L2 penalty prices (lesson 5), without ``lam / (2m)``.

    ``weights``: a list or tuple of real arrays (``net.weights``), finite.
    """
    if isinstance(weights, Network):
        raise TypeError("weights must be a list of arrays such as net.weights, got a Network (pass net.weights)")
    if not isinstance(weights, (list, tuple)):
        raise TypeError(f"weights must be a list of arrays such as net.weights, got {type(weights).__name__}")
    arrays = [_validate.real_array(f"weights[{k}]", W) for k, W in enumerate(weights)]
    total = sum_of_squares(arrays)
    if not np.isfinite(total):  # only then look for the array at fault (a NaN, or an inf, or a sum past 1e308)
        for k, W in enumerate(arrays):
            _validate.real_array(f"weights[{k}]", W, finite=True)
    return total


@dataclass(frozen=True)
class TrainTestCurve:
    """Train and test cost (data part, without the penalty) after epochs 0..E (lesson 5).

    Attributes
    ----------
    lam : float
    epochs : ndarray (k,), the epochs recorded (0 first)
    train, test : ndarray (k,)
    sum_w2 : float, ``sum of W**2`` over all layers at the end
    net : Network, the trained copy
    """

    lam: float
    epochs: np.ndarray
    train: np.ndarray
    test: np.ndarray
    sum_w2: float
    net: Network


@declare(net=NET, epochs=Int(1), lr=Real(0, closed="neither"), lam=LAM, kind=KIND, every=Int(1))
def train_test_curve(net, X, Y, X_test, Y_test, epochs, lr, lam=0.0, kind="quadratic", every=1):
    """Full-batch gradient descent on a copy of ``net``, recording both costs every ``every`` epochs.

    Returns a :class:`TrainTestCurve`; ``net`` is not changed. ``X_test``, ``Y_test`` are
    checked like ``X``, ``Y``; ``epochs``, ``lr``, ``lam`` as for :func:`bpkit.gradient_descent`.
    """
    X, Y, _ = prepare(net, X, Y, kind)
    X_test, Y_test, _ = prepare(net, X_test, Y_test, kind, xname="X_test", yname="Y_test")
    work = net.copy()
    rec_e, rec_tr, rec_te = [0], [cost(work, X, Y, kind=kind)], [cost(work, X_test, Y_test, kind=kind)]

    def record(epoch, n, history):
        if epoch % every == 0:
            rec_e.append(epoch)
            rec_tr.append(cost(n, X, Y, kind=kind))
            rec_te.append(cost(n, X_test, Y_test, kind=kind))

    gradient_descent(work, X, Y, epochs=epochs, lr=lr, lam=lam, kind=kind, callback=record)
    return TrainTestCurve(float(lam), np.array(rec_e), np.array(rec_tr), np.array(rec_te),
                          weight_size(work.weights), work)


# ------------------------------------------------------------------ lesson 6
@dataclass(frozen=True)
class LearningRateRun:
    """The digits network trained with one learning rate (lesson 6).

    Attributes
    ----------
    lr : float
    cost : ndarray (epochs,), the training cost per epoch (shorter if it diverged)
    test_accuracy : float, at the end (of the last good epoch)
    diverged : bool, ``bpkit.sgd`` raised TrainingDiverged
    saturated : float, fraction of hidden values on the test set at the end whose slope is below 1% of
        its peak (``bpkit.activations.saturated``: for the sigmoid, ``a(1 - a) < 0.0025``)
    """

    lr: float
    cost: np.ndarray
    test_accuracy: float
    diverged: bool
    saturated: float


@declare(epochs=Int(1), batch_size=Optional(Int(1)), kind=KIND, seed=Seed())
def learning_rate_grid(lrs, X, Y, X_test, labels_test, sizes=(784, 16, 16, 10), epochs=5, batch_size=10,
                       kind="cross_entropy", seed=0):
    """Train a fresh ``Network(sizes, seed)`` with each learning rate; return a list of :class:`LearningRateRun`.

    ``lrs``: a non-empty list of positive numbers; ``X``, ``Y``: the training batch for ``sizes``;
    ``X_test`` shape (m', sizes[0]) and ``labels_test`` its m' classes in 0..sizes[-1]-1;
    the rest as for :func:`bpkit.sgd`. Every argument is checked before the first run trains.
    """
    if isinstance(lrs, (str, bytes, dict, set)) or not hasattr(lrs, "__len__") or len(lrs) == 0:
        raise TypeError(f"lrs must be a non-empty list of learning rates, e.g. [0.1, 1.0], got {lrs!r}")
    lrs = [_validate.positive_number(f"lrs[{k}]", lr) for k, lr in enumerate(lrs)]
    probe = Network(sizes, seed=seed)  # checks sizes and seed
    X, Y, _ = prepare(probe, X, Y, kind)
    X_test = _validate.as_matrix("X_test", X_test, cols=probe.sizes[0])
    labels_test = _validate.vector("labels_test", labels_test, size=X_test.shape[0])
    if np.any(labels_test != np.round(labels_test)) or labels_test.min() < 0 or labels_test.max() >= probe.sizes[-1]:
        raise ValueError(f"labels_test must be classes 0..{probe.sizes[-1] - 1} (integers), got values from "
                         f"{labels_test.min():g} to {labels_test.max():g}")
    runs = []
    for lr in lrs:
        net = Network(list(sizes), seed=seed)
        try:
            h = sgd(net, X, Y, epochs=epochs, batch_size=batch_size, lr=lr, kind=kind, seed=seed)
            diverged = False
        except TrainingDiverged as err:
            h, diverged = err.history, True
        hidden = net.trace(X_test).activations[1:-1]
        sat = float(np.mean(np.concatenate([saturated(net.activation, a).ravel() for a in hidden])))
        pred = net.predict(X_test).argmax(axis=1)
        runs.append(LearningRateRun(float(lr), np.array(h["cost"], dtype=np.float64),
                                    float(np.mean(pred == np.asarray(labels_test))), diverged, sat))
    return runs
