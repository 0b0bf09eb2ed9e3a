"""The core's passes repeated over a grid or a sequence, for the panels (lessons 1, 4, 5 and 7).

* :func:`cost_along_weight`, :func:`numerical_slope` -- the cost as one weight moves (lesson 1);
* :func:`delta_history`, :func:`example_costs`, :func:`root_sum_squares` -- every step of
  the Delta accumulation (lesson 4);
* :func:`train_lambda_grid` -- full-batch training for a grid of L2 strengths at once (lesson 5);
* :func:`epsilon_curve` -- gradient checking's relative error for a grid of steps eps (lesson 7).

Each one calls :mod:`bpkit.costs`, :mod:`bpkit.backprop` and :mod:`bpkit.gradcheck`
instead of restating their formulas, and imports only numpy, so the panels in
:mod:`bpkit.widgets` only draw what these return.
"""
from __future__ import annotations

import time

import numpy as np

from . import _validate
from ._params import Array, Int, NetworkArg, Options, Real, declare
from .backprop import RULES, backprop, backprop_loop, batch_sums
from .costs import COSTS, check_targets, cost, get_cost
from .gradcheck import numerical_gradient, relative_error
from .optim import PARAM_LIMIT, TrainingDiverged, descend


#: :func:`cost_along_weight` refuses more values than this (one cost evaluation each).
MAX_CURVE_POINTS = 10_000
#: :func:`delta_history` keeps two matrices per example and layer (``totals`` and ``parts``); it
#: refuses runs that would hold more numbers than this (40 MB): 8,000 digits on 784-30-10 is 3 GB.
MAX_DELTA_VALUES = 5_000_000
#: :func:`epsilon_curve` costs two cost evaluations per parameter and per eps; it refuses more
#: than this many (lesson 7's 2-3-1 network on 41 steps needs about 1,000; 784-30-10 took 391 s).
MAX_EPSILON_EVALS = 100_000


def _seconds_per_cost(net, X, Y, kind, lam):
    """Time one cost evaluation, for messages that say what a refused sweep would cost."""
    t = time.perf_counter()
    cost(net, X, Y, kind=kind, lam=lam)
    return time.perf_counter() - t


def _weight(net, index):
    """``index`` as ``(k, i, j)``; here a weight must be chosen (None is refused)."""
    if index is None:
        raise TypeError("index must be a tuple (k, i, j) meaning net.weights[k][i, j], got None")
    return _validate.weight_index(net, index)


class _GridDiverged(TrainingDiverged, ValueError):
    """:func:`train_lambda_grid` blew up for some lambda: a :class:`bpkit.optim.TrainingDiverged`, as
    :func:`bpkit.sgd` raises, and a ``ValueError`` as it always was. ``lam`` is the lambda that did."""

    def __init__(self, message, lam):
        super().__init__(message, None)
        self.lam = lam


# ---------------------------------------------------------------- lesson 1
@declare(net=NetworkArg(), values=Array(ndim=1, max_size=MAX_CURVE_POINTS), kind=Options(COSTS), lam=Real(0))
def cost_along_weight(net, X, Y, index, values, kind="quadratic", lam=0.0):
    """The cost J as one weight takes each of ``values``, every other parameter fixed (lesson 1).

    Parameters
    ----------
    net : Network
        The weight is changed temporarily and always put back, so ``net`` is
        unchanged afterwards.
    X : array_like, shape (m, sizes[0])
    Y : array_like, shape (m, sizes[-1])
    index : tuple (k, i, j)
        The weight ``net.weights[k][i, j]``, i.e. ``W(k+1)[i, j]`` in the course's notation.
    values : array_like, shape (p,)
        Values to give that weight.
    kind, lam : as for :func:`bpkit.cost`

    Returns
    -------
    ndarray, shape (p,)
        ``J`` (a mean over the m examples) at each value.
    """
    k, i, j = _weight(net, index)  # by hand: the index must name a weight of net
    X, Y = _validate.check_xy(net, X, Y)
    cost(net, X, Y, kind=kind, lam=lam)  # checks kind, lam and the targets before the weight moves
    W = net.weights[k]
    old = W[i, j]
    out = np.empty(values.size)
    try:
        for p, v in enumerate(values):
            W[i, j] = v
            out[p] = cost(net, X, Y, kind=kind, lam=lam)
    finally:
        W[i, j] = old
    return out


def numerical_slope(net, X, Y, index, kind="quadratic", lam=0.0, eps=1e-6):
    """Slope dJ/dw of the cost along ``net.weights[k][i, j]`` by central differences (lesson 1).

    ``(J(w + eps) - J(w - eps)) / (2 eps)``: :func:`bpkit.numerical_gradient` (the
    course's one central difference) on that single weight; ``net`` is unchanged
    afterwards. Returns a float.
    """
    eps = _validate.positive_number("eps", eps)
    _validate.network(net)
    k, i, j = _weight(net, index)
    X, Y = _validate.check_xy(net, X, Y)
    cost(net, X, Y, kind=kind, lam=lam)  # checks kind, lam and the targets before the weight moves
    weight = net.weights[k][i, j:j + 1]  # a view of the one weight: nudged in place and put back
    (slope,) = numerical_gradient(lambda: cost(net, X, Y, kind=kind, lam=lam), [weight], eps)
    return float(slope[0])


# ---------------------------------------------------------------- lesson 4
@declare(net=NetworkArg(), kind=Options(COSTS), max_values=Int(1))
def delta_history(net, X, Y, kind="quadratic", max_values=MAX_DELTA_VALUES):
    """Run :func:`bpkit.backprop_loop` and keep every step of the accumulation (lesson 4).

    ``Delta(l) += a_i(l).T @ delta_i(l+1)`` for example i = 1..m.

    Parameters
    ----------
    net : Network
    X : array_like, shape (m, sizes[0])
    Y : array_like, shape (m, sizes[-1])
    kind : {"quadratic", "cross_entropy"}
    max_values : int > 0, default :data:`MAX_DELTA_VALUES` (5,000,000)
        The history holds ``2 * m * (number of weights)`` numbers; a larger run is
        refused before any work, with its size: pass fewer examples (lesson 4 uses 6)
        or a larger ``max_values``.

    Returns
    -------
    (totals, parts)
        ``totals[i][k]`` is Delta(k+1) after examples 0..i have been added, and
        ``parts[i][k]`` is example i's own contribution ``a_i(k+1).T @ delta_i(k+2)``
        (its "desired nudges" to W(k+1)), both of the shape of ``net.weights[k]``.
        Sums, not means: ``totals[-1][k] / m`` is the gradient without L2.
    """
    X, Y = _validate.check_xy(net, X, Y)
    n_values = 2 * X.shape[0] * sum(W.size for W in net.weights)
    if n_values > max_values:
        raise ValueError(
            f"delta_history would keep {n_values:,} numbers ({n_values * 8 / 1e6:,.0f} MB: two matrices "
            f"per example for {X.shape[0]} examples on a {'-'.join(map(str, net.sizes))} network), over "
            f"max_values={max_values:,}; pass a few examples (X[:6], Y[:6]) or a larger max_values"
        )
    totals, parts = [], []

    def record(i, Delta_W, Delta_b):
        now = [D.copy() for D in Delta_W]
        before = totals[-1] if totals else [np.zeros_like(D) for D in now]
        parts.append([a - b for a, b in zip(now, before)])
        totals.append(now)

    backprop_loop(net, X, Y, kind=kind, on_example=record)
    return totals, parts


@declare(net=NetworkArg(), kind=Options(COSTS))
def example_costs(net, X, Y, kind="quadratic"):
    """Each example's own cost: ``bpkit.cost(net, X[i:i+1], Y[i:i+1])`` for i = 0..m-1 (lesson 4).

    Returns a list of m floats (each a cost of one example, so mean = sum).
    """
    X, Y = _validate.check_xy(net, X, Y)
    return [cost(net, X[i : i + 1], Y[i : i + 1], kind=kind) for i in range(X.shape[0])]


def root_sum_squares(matrices):
    """``sqrt(sum of squares of every entry)`` of a list of arrays: one size for all Delta(l) (lesson 4)."""
    if isinstance(matrices, np.ndarray):
        matrices = [matrices]
    if not isinstance(matrices, (list, tuple)):
        raise TypeError(f"matrices must be a list of arrays (e.g. totals[i]), got {type(matrices).__name__}")
    arrays = [_validate.real_array(f"matrices[{k}]", D) for k, D in enumerate(matrices)]
    return float(np.sqrt(sum(np.sum(D * D) for D in arrays)))


# ---------------------------------------------------------------- lesson 5
def _side_by_side(net, K):
    """K copies of ``net`` as one wider network, and the masks of its real connections.

    Copy j owns units ``j*s .. (j+1)*s - 1`` of every layer after the input,
    which all copies share. W(1) is K copies of W(1) side by side; every later
    W(l) is block-diagonal (no unit of one copy feeds a unit of another), and
    ``masks[k]`` is 1 on those blocks and 0 elsewhere (None for W(1): all real).
    """
    wide = net.copy()
    wide.sizes = [net.sizes[0]] + [K * s for s in net.sizes[1:]]
    wide.weights = [np.tile(net.weights[0], (1, K))]
    masks = [None]
    for W in net.weights[1:]:
        s_in, s_out = W.shape
        big = np.zeros((K * s_in, K * s_out))
        mask = np.zeros((K * s_in, K * s_out))
        for j in range(K):
            big[j * s_in : (j + 1) * s_in, j * s_out : (j + 1) * s_out] = W
            mask[j * s_in : (j + 1) * s_in, j * s_out : (j + 1) * s_out] = 1.0
        wide.weights.append(big)
        masks.append(mask)
    wide.biases = [np.tile(b, K) for b in net.biases]
    return wide, masks


def _copy_params(wide, net, j):
    """Copy j of the side-by-side network ``wide`` as arrays shaped like ``net``'s (weights, biases)."""
    weights, biases = [], []
    for k, (W, b) in enumerate(zip(net.weights, net.biases)):
        s_in, s_out = W.shape
        rows = slice(None) if k == 0 else slice(j * s_in, (j + 1) * s_in)
        weights.append(wide.weights[k][rows, j * s_out : (j + 1) * s_out].copy())
        biases.append(wide.biases[k][j * s_out : (j + 1) * s_out].copy())
    return weights, biases


@declare(net=NetworkArg(), epochs=Int(1), lr=Real(0, closed="neither"), kind=Options(COSTS))
def train_lambda_grid(net, X, Y, lams, epochs=8000, lr=3.0, kind="quadratic"):
    """Full-batch gradient descent for every lambda in ``lams``, all at once (lesson 5).

    Each copy starts from ``net``'s weights and takes ``epochs`` steps of
    ``W <- W - lr * (Delta + lam * W) / m``, ``b <- b - lr * Delta_b / m`` (biases
    not regularized): exactly :func:`bpkit.gradient_descent` with that ``lam``.
    The K copies are trained as one network K times wider, whose weight matrices
    hold the copies side by side (block-diagonal after the first): one call of
    :func:`bpkit.backprop.batch_sums` per step does the forward and backward pass
    of all K, and :func:`bpkit.backprop.average` gives each column the lambda of
    its copy. The gradient of the missing connections between copies is dropped.
    For lesson 5's 13 lambdas that takes about 1.5 times as long as training one
    network with the same pass (and 1.5 times the old hand-written stacked trainer).

    Parameters
    ----------
    net : Network, not changed
    X : array_like, shape (m, sizes[0]); Y : array_like, shape (m, sizes[-1])
    lams : sequence of float >= 0, length K
    epochs : int > 0
    lr : float > 0
    kind : {"quadratic", "cross_entropy"}

    Returns
    -------
    list of Network, length K
        ``nets[j]`` trained with ``lams[j]``.

    Raises
    ------
    _GridDiverged
        A :class:`bpkit.optim.TrainingDiverged` (and a ``ValueError``), as :func:`bpkit.sgd`
        raises: some lambda made training blow up (``lr * lam / m`` too large) or run away
        (a weight beyond :data:`bpkit.optim.PARAM_LIMIT`, e.g. ``lr=1e300``), named in the message.
    """
    C = get_cost(kind)
    X, Y = _validate.check_xy(net, X, Y)
    check_targets(kind, Y)
    if isinstance(lams, (str, bytes)) or not hasattr(lams, "__len__") or len(lams) == 0:
        raise TypeError(f"lams must be a non-empty sequence of numbers >= 0, got {lams!r}")
    lam_list = [_validate.non_negative_number(f"lams[{j}]", v) for j, v in enumerate(lams)]
    K, m = len(lam_list), X.shape[0]
    # the side-by-side network: W(1) is K copies wide, every later W(l) (K s_l, K s_(l+1)), plus a mask
    wide_size = sum((K * W.shape[0] if k else W.shape[0]) * K * W.shape[1] * (2 if k else 1)
                    for k, W in enumerate(net.weights))
    if wide_size > _validate.MAX_NETWORK_PARAMS:
        raise ValueError(
            f"train_lambda_grid trains the {K} lambdas as one network {K} times wider: {wide_size:,} "
            f"numbers, over bpkit._validate.MAX_NETWORK_PARAMS; use fewer lambdas or a smaller network"
        )
    wide, masks = _side_by_side(net, K)
    Y_wide = np.tile(Y, (1, K))  # every copy fits the same targets
    lam_cols = [np.repeat(lam_list, W.shape[1]) for W in net.weights]  # the lambda of each column's copy

    def diverged(j):
        decay = lr * lam_list[j] / m
        if decay >= 1.0:  # each step multiplies W by 1 - lr*lam/m, which then overshoots zero
            why = f"the weight-decay step lr*lam/m = {decay:g} must stay well below 2; use a smaller lr or lam"
        else:
            why = (f"a weight or bias became NaN or inf or ran beyond {PARAM_LIMIT:g} in size (its sigmoids "
                   f"saturate and training is stuck): the step is too large; use a smaller lr (the course "
                   f"trains with lr between 0.05 and 3)")
        return _GridDiverged(f"training diverged for lam={lam_list[j]:g} with lr={lr:g}: {why}",
                                  lam_list[j])

    def first_blown_up():
        # as sgd judges an epoch: NaN or inf, or a parameter beyond PARAM_LIMIT (NaN fails "<=" too)
        for j in range(K):
            weights, biases = _copy_params(wide, net, j)
            if not all(np.max(np.abs(p)) <= PARAM_LIMIT for p in weights + biases):
                return j
        return None

    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            try:
                Delta_W, Delta_b = batch_sums(wide, X, Y_wide, C)  # forward and backward of all K copies
            except ValueError:  # the forward pass refuses weights that became NaN or inf
                j = first_blown_up()
                if j is None:
                    raise
                raise diverged(j) from None
            for k, (W, b) in enumerate(zip(wide.weights, wide.biases)):
                dW, db = RULES.average(Delta_W[k], Delta_b[k], W, b, lam_cols[k], m)
                if masks[k] is not None:
                    dW *= masks[k]
                descend([W, b], [dW, db], lr)
    j = first_blown_up()
    if j is not None:
        raise diverged(j)
    nets = []
    for j in range(K):
        trained = net.copy()
        trained.weights, trained.biases = _copy_params(wide, net, j)
        nets.append(trained)
    return nets


# ---------------------------------------------------------------- lesson 7
@declare(net=NetworkArg(), log10_eps=Array(ndim=1, lo=-300, hi=0,
                                            hint="eps = 10**log10_eps, e.g. np.arange(-12, -1, 0.25)"),
         kind=Options(COSTS), lam=Real(0), max_evaluations=Int(1))
def epsilon_curve(net, X, Y, log10_eps, kind="quadratic", lam=0.0, max_evaluations=MAX_EPSILON_EVALS):
    """Relative error between backprop and central differences, for each eps (lesson 7).

    ``relative_error(g, n) = |g - n| / |g + n|`` over all parameters at once, with
    ``n`` from :func:`bpkit.numerical_gradient` at step ``eps = 10**log10_eps``:
    truncation makes it grow like eps**2, round-off like 1/eps.

    Parameters
    ----------
    net : Network (small: every eps costs two cost evaluations per parameter); not changed
    X, Y, kind, lam : as for :func:`bpkit.cost`
    log10_eps : array_like, shape (k,), the exponents to try
    max_evaluations : int > 0, default :data:`MAX_EPSILON_EVALS` (100,000)
        The curve costs ``2 * k * (number of parameters)`` cost evaluations; more
        is refused before any work, with the estimated time: pass a small network
        (lesson 7 uses 2-3-1) or a larger ``max_evaluations``.

    Returns
    -------
    ndarray, shape (k,)
    """
    dW, db = backprop(net, X, Y, kind=kind, lam=lam)  # checks X, Y, kind and lam too
    n_evals = 2 * log10_eps.size * net.num_params()
    if n_evals > max_evaluations:
        seconds = n_evals * _seconds_per_cost(net, X, Y, kind, lam)
        raise ValueError(
            f"epsilon_curve would evaluate the cost 2 x {log10_eps.size} eps x {net.num_params():,} parameters "
            f"= {n_evals:,} times (about {seconds:,.0f} s here), over max_evaluations={max_evaluations:,}; "
            f"use a small network such as Network([2, 3, 1]), or pass max_evaluations={n_evals} to wait"
        )
    analytic = list(dW) + list(db)
    work = net.copy()
    params = work.params()
    out = np.empty(log10_eps.size)
    for i, e in enumerate(log10_eps):
        numeric = numerical_gradient(lambda: cost(work, X, Y, kind=kind, lam=lam), params, 10.0 ** e)
        out[i] = relative_error(analytic, numeric)
    return out
