"""Small models the panels show, computed without matplotlib or ipywidgets (lessons 2, 3 and 6).

* the **one-neuron chain** of lesson 2: nudge one output-layer weight ``w`` and
  follow the nudge through ``z``, ``a`` and the cost (:func:`follow_nudge`,
  :func:`example_cost`, :func:`example_cost_slope`);
* **one activation at one z** for lesson 3's tangent (:func:`activation_at`);
* the **2-parameter line model** of lesson 6, ``yhat = w x + b``, its cost,
  gradient, least-squares optimum and mini-batch descent path
  (:func:`line_cost`, :func:`line_gradient`, :func:`line_best_cost`, :func:`sgd_path`).

The panels in :mod:`bpkit.widgets` only draw what these return.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate
from ._params import Array, Int, NetworkArg, Options, Real, Seed, declare
from .activations import ACTIVATIONS, sigmoid_prime
from .backprop import backprop
from .costs import COSTS, QuadraticCost, cost, get_cost
from .gradcheck import numerical_gradient
from .optim import descend


#: :func:`sgd_path` refuses runs of more steps than this (each is a Python step and a stored point).
MAX_PATH_STEPS = 1_000_000
#: an array of any shape, a single number too, NaN allowed (the cost of a NaN output is NaN)
_ANY_ARRAY = Array(min_size=0, finite=False)


# ---------------------------------------------------------------- lesson 2
@declare(kind=Options(COSTS), a=_ANY_ARRAY, y=Real())
def example_cost(kind, a, y):
    """C(a), the cost of one example with one output unit, as a function of its output ``a`` (lesson 2).

    Quadratic: ``C = (a - y)**2 / 2``; cross-entropy: ``C = -(y log a + (1 - y) log(1 - a))``
    (``bpkit.costs``' ``fn``). For one example this is what :func:`bpkit.cost` gives (a mean over m = 1).

    Parameters
    ----------
    kind : {"quadratic", "cross_entropy"}
    a : float or array_like, any shape: outputs in (0, 1)
    y : float, the target

    Returns
    -------
    ndarray, the shape of ``a`` (one value per output, no sum)
    """
    return get_cost(kind).fn(a, y)


@declare(kind=Options(COSTS), a=_ANY_ARRAY, y=Real())
def example_cost_slope(kind, a, y):
    """dC/da of :func:`example_cost` (lesson 2): ``a - y`` (quadratic), ``(a - y) / (a (1 - a))`` (cross-entropy).

    Same shapes as :func:`example_cost`.
    """
    return get_cost(kind).dC_da(a, y)


@declare(net=NetworkArg(), kind=Options(COSTS))
def chain_inputs(net, x, y, j=0, kind="quadratic"):
    """Check the arguments of :func:`follow_nudge`; return ``(X, Y, j)`` as a (1, n) row, a (1, 1) target and an int.

    ``net`` must have one output unit, ``j`` must name a unit of the layer
    before it, and ``x`` must be one example (``y`` its one target; in [0, 1]
    for ``kind="cross_entropy"``). Nothing passed in is changed.
    """
    if net.sizes[-1] != 1:
        raise ValueError(f"net must have one output unit for chain_rule (sizes[-1] == 1), got sizes {net.sizes}")
    j = _validate.integer("j", j, 0, net.sizes[-2] - 1)
    y = _validate.real_array("y", y)
    Y = np.reshape(y, (-1, 1)) if y.ndim < 2 else y
    X, Y = _validate.check_xy(net, x, Y, xname="x", yname="y")
    if X.shape[0] != 1:
        raise ValueError(f"chain_rule follows one example: x must have shape ({net.sizes[0]},) or (1, {net.sizes[0]}), got {X.shape}")
    if kind == "cross_entropy" and not 0 <= Y[0, 0] <= 1:
        raise ValueError(f"cross_entropy needs a target y in [0, 1], got {Y[0, 0]}")
    return X, Y, j


@dataclass(frozen=True)
class ChainNudge:
    """One weight nudged by ``dw`` and the changes it causes along ``w -> z -> a -> C`` (lesson 2).

    Made by :func:`follow_nudge`. ``z, a, C`` are the output unit's weighted input,
    activation and the cost now; ``z2, a2, C2`` the same after ``w -> w + dw``;
    ``a_in`` is the activation the weight multiplies; ``dC_dw`` is backprop's
    exact derivative.
    """

    kind: str
    y: float
    w: float
    b: float
    dw: float
    a_in: float
    z: float
    a: float
    C: float
    z2: float
    a2: float
    C2: float
    dC_dw: float

    @property
    def dz(self):
        """Change of z caused by the nudge (exactly ``a_in * dw``, up to round-off)."""
        return self.z2 - self.z

    @property
    def da(self):
        """Change of a = sigma(z)."""
        return self.a2 - self.a

    @property
    def dC(self):
        """Change of the cost."""
        return self.C2 - self.C

    @property
    def z_rest(self):
        """The part of z that does not depend on w: ``z - w a_in`` (z is a line in w)."""
        return self.z - self.w * self.a_in

    @declare(ws=_ANY_ARRAY)
    def z_along(self, ws):
        """z as the weight takes the values ``ws`` (array_like), others fixed: ``z_rest + ws a_in``."""
        return self.z_rest + ws * self.a_in

    @property
    def ratios(self):
        """Ratios of nudges: ``dz/dw``, ``da/dz``, ``dC/da``, their ``product`` (= ``dC/dw``), and ``dC/dw``.

        A ratio whose denominator nudge is exactly 0 is NaN.
        """
        dz, da, dC, dw = self.dz, self.da, self.dC, self.dw
        with np.errstate(divide="ignore", invalid="ignore"):
            r_zw, r_az, r_ca = dz / dw, (da / dz if dz != 0 else np.nan), (dC / da if da != 0 else np.nan)
            r_cw = dC / dw
        return {"dz/dw": r_zw, "da/dz": r_az, "dC/da": r_ca, "product": r_zw * r_az * r_ca, "dC/dw": r_cw}

    @property
    def exact(self):
        """The derivatives the ratios tend to: ``dz/dw = a_in``, ``da/dz = sigma'(z)``, ``dC/da``, ``dC/dw``."""
        return {"dz/dw": self.a_in, "da/dz": float(sigmoid_prime(self.z)),
                "dC/da": float(example_cost_slope(self.kind, self.a, self.y)), "dC/dw": self.dC_dw}

    def values(self):
        """The numbers as a dict (w, b, dw, a_in, z, a, C, z2, a2, C2, dz, da, dC)."""
        return dict(w=self.w, b=self.b, dw=self.dw, a_in=self.a_in, z=self.z, a=self.a, C=self.C,
                    z2=self.z2, a2=self.a2, C2=self.C2, dz=self.dz, da=self.da, dC=self.dC)


@declare(net=NetworkArg(), dw=Real(0, closed="neither"), kind=Options(COSTS))
def follow_nudge(net, x, y, j=0, dw=0.1, kind="quadratic"):
    """Nudge ``w = W(L-1)[j, 0]`` by ``dw`` and measure dz, da, dC on one example (lesson 2).

    ``z = ... + w a_in + b``, ``a = sigma(z)``, ``C = cost(a, y)``: the three
    ratios ``dz/dw * da/dz * dC/da`` multiply to ``dC/dw`` exactly (the nudges
    cancel), and each tends to its derivative ``a_in``, ``sigma'(z)``, ``dC/da``
    as ``dw`` shrinks. ``net`` is unchanged afterwards (the nudge is undone).

    Parameters
    ----------
    net : Network with one output unit
    x : array_like, shape (sizes[0],) or (1, sizes[0]): one example
    y : float or array_like of shape (1,) or (1, 1): its target
    j : int, the unit of layer L-1 the weight comes from
    dw : float > 0, the nudge
    kind : {"quadratic", "cross_entropy"}

    Returns
    -------
    ChainNudge
        Costs are those of :func:`bpkit.cost` on the one example (m = 1).
    """
    X, Y, j = chain_inputs(net, x, y, j, kind)  # by hand: x, y and j must fit net
    k = len(net.weights) - 1
    w = float(net.weights[k][j, 0])
    C = cost(net, X, Y, kind=kind)
    trace = net.forward(X)
    a_in = float(trace.activations[-2][0, j])
    z, a = float(trace.zs[-1][0, 0]), float(trace.activations[-1][0, 0])
    # the nudged network: the same forward pass and cost with w + dw
    net.weights[k][j, 0] = w + dw
    try:
        t2 = net.forward(X)
        C2 = cost(net, X, Y, kind=kind)
    finally:
        net.weights[k][j, 0] = w
    z2, a2 = float(t2.zs[-1][0, 0]), float(t2.activations[-1][0, 0])
    dC_dw = float(backprop(net, X, Y, kind=kind).dW[k][j, 0])
    return ChainNudge(kind=kind, y=float(Y[0, 0]), w=w, b=float(net.biases[k][0]), dw=dw, a_in=a_in,
                      z=z, a=a, C=C, z2=z2, a2=a2, C2=C2, dC_dw=dC_dw)


# ---------------------------------------------------------------- lesson 3
@dataclass(frozen=True)
class ActivationPoint:
    """An activation at one z: its value, its slope by the formula, and by central differences."""

    z: float
    f: float
    slope: float
    numeric: float

    @declare(zs=_ANY_ARRAY)
    def tangent(self, zs):
        """The tangent line at ``z`` evaluated at ``zs``: ``f + slope (zs - z)``."""
        return self.f + self.slope * (zs - self.z)


@declare(name=Options(ACTIVATIONS, shown_as="activation"), z=Real(), h=Real(0, closed="neither"))
def activation_at(name, z, h=1e-5):
    """f(z), f'(z) and the central difference ``(f(z + h) - f(z - h)) / (2h)`` (lesson 3).

    Parameters
    ----------
    name : {"sigmoid", "tanh", "relu"}, a key of :data:`bpkit.ACTIVATIONS`
    z : float
    h : float > 0, the half step of the "rise over run" estimate

    Returns
    -------
    ActivationPoint
        ``slope`` is e.g. ``sigmoid_prime(z) = sigma(z)(1 - sigma(z))``.
    """
    act = ACTIVATIONS[name]
    at = np.array([z], dtype=np.float64)  # nudged by the course's one central difference, and put back
    (numeric,) = numerical_gradient(lambda: float(act.fn(at)[0]), [at], h)
    return ActivationPoint(z=z, f=float(act.fn(z)), slope=float(act.prime(z)), numeric=float(numeric[0]))


# ---------------------------------------------------------------- lesson 6
@declare(x=Array(ndim=1), y=Array(ndim=1))
def line_data(x, y):
    """Check the data of the line model: return ``(x, y)`` as finite float64 arrays of shape (m,), m >= 1.

    Each is read as a real array (no text, complex, masked or object values, no NaN
    or inf), and ``y`` has one entry per entry of ``x`` (checked by hand: it relates the two).
    Every line-model function (:func:`line_cost`, :func:`line_gradient`,
    :func:`line_best_cost`, :func:`sgd_path`) reads its data through this one.
    """
    if y.shape != x.shape:
        raise ValueError(f"x and y must be 1-D arrays of the same length (one y per x), got shapes {x.shape} and {y.shape}")
    return x, y


@declare(w=_ANY_ARRAY, b=_ANY_ARRAY)
def line_cost(w, b, x, y):
    """Quadratic cost of the line ``w x + b``: ``J(w, b) = sum((w x + b - y)**2) / (2m)`` (lesson 6).

    Parameters
    ----------
    w, b : float or array_like of the same shape (e.g. a grid from ``np.meshgrid``)
    x, y : array_like, shape (m,)

    Returns
    -------
    ndarray, the shape of ``w``: a mean over the m examples.
    """
    x, y = line_data(x, y)
    if w.shape != b.shape:
        raise ValueError(f"w and b must have the same shape (e.g. both from np.meshgrid), got {w.shape} and {b.shape}")
    if w.size * x.size > _validate.MAX_ARRAY_ELEMENTS:  # the residuals are a (..., m) array
        raise ValueError(f"line_cost of {w.size:,} points on {x.size:,} examples needs {w.size * x.size:,} "
                         f"residuals, over bpkit._validate.MAX_ARRAY_ELEMENTS; use a coarser grid")
    r = QuadraticCost.dC_da(w[..., None] * x + b[..., None], y)  # (..., m): yhat - y
    return np.sum(r * r, axis=-1) / (2.0 * x.size)


@declare(w=Real(), b=Real())
def line_gradient(w, b, x, y):
    """``(dJ/dw, dJ/db)`` of :func:`line_cost` at one point (lesson 6).

    ``dJ/dw = sum((w x + b - y) x) / m``, ``dJ/db = sum(w x + b - y) / m``: the
    same ``a.T @ delta / m`` as backprop, for a network with no hidden layer and
    no sigmoid. A mean over examples.

    Parameters
    ----------
    w, b : float, finite
    x, y : array_like, shape (m,), finite

    Returns
    -------
    (float, float)
    """
    x, y = line_data(x, y)
    return _line_gradient(w, b, x, y)


def _line_gradient(w, b, x, y):
    # the kernel of line_gradient on checked floats and (m,) arrays: sgd_path calls it once per step
    r = QuadraticCost.dC_da(w * x + b, y)  # yhat - y
    return float(np.dot(r, x) / x.size), float(r.sum() / x.size)


def line_best_cost(x, y):
    """The lowest value of :func:`line_cost`: the least-squares line's cost (lesson 6)."""
    x, y = line_data(x, y)
    A = np.c_[x, np.ones(x.size)]
    (w, b), *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(line_cost(w, b, x, y))


@declare(lr=Real(0, closed="neither"), batch_size=Int(1), epochs=Int(1), seed=Seed(),
         blowup=Real(0, closed="neither"))
def sgd_path(x, y, start, lr, batch_size, epochs, seed=0, blowup=1e6):
    """Every point visited by mini-batch gradient descent on :func:`line_cost` (lesson 6).

    Each epoch shuffles the m examples (seeded), cuts them into batches of
    ``batch_size`` (the last may be smaller) and steps
    ``(w, b) <- (w, b) - lr * gradient on the batch`` (a mean over the batch).
    ``batch_size >= m`` is full-batch gradient descent (no shuffling needed: the
    batch is everything).

    Parameters
    ----------
    x, y : array_like, shape (m,)
    start : (float, float), the starting (w, b)
    lr : float > 0
    batch_size : int > 0
    epochs : int > 0
    seed : int >= 0
    blowup : float, stop early once |w| or |b| exceeds this (diverged)

    Returns
    -------
    path : ndarray, shape (steps + 1, 2)
        The (w, b) after each step, starting point first.
    costs : ndarray, shape (steps + 1,)
        The full cost J(w, b) at each point of the path.
    diverged : bool
        True if the run ended with a higher cost than it started with, or
        stopped early because the parameters blew up.
    """
    x, y = line_data(x, y)
    if isinstance(start, (str, bytes, dict, set, frozenset)) or not hasattr(start, "__len__") or len(start) != 2:
        raise ValueError(f"start must be a pair (w, b), got {start!r}")
    w, b = (_validate.real_number(f"start[{i}]", v) for i, v in enumerate(start))
    if epochs * -(-x.size // batch_size) > MAX_PATH_STEPS:  # one stored point per step
        raise ValueError(f"sgd_path would take {epochs * -(-x.size // batch_size):,} steps, over "
                         f"MAX_PATH_STEPS = {MAX_PATH_STEPS:,}; use fewer epochs or a larger batch_size")
    m = x.size
    rng = np.random.default_rng(seed)
    path = [(w, b)]
    wb = np.array([w, b])  # the point, stepped in place by bpkit.optim.descend
    diverged = False
    for _ in range(epochs):
        order = rng.permutation(m) if batch_size < m else np.arange(m)
        for i in range(0, m, batch_size):
            idx = order[i : i + batch_size]
            descend([wb], [np.array(_line_gradient(w, b, x[idx], y[idx]))], lr)
            w, b = float(wb[0]), float(wb[1])
            path.append((w, b))
            if not (abs(w) < blowup and abs(b) < blowup):
                diverged = True
                break
        if diverged:
            break
    path = np.array(path)
    with np.errstate(over="ignore", invalid="ignore"):
        costs = line_cost(path[:, 0], path[:, 1], x, y)
    diverged = diverged or not costs[-1] < costs[0]
    return path, costs, diverged
