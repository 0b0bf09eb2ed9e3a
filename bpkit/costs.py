"""Cost functions, averaged over the m examples (quadratic: lesson 1; cross-entropy: lessons 4b and 6).

=========================  ===============================================  ====================
kind                       J (before regularization)                        output error delta(L)
=========================  ===============================================  ====================
``"quadratic"``             sum((Y - Yhat)**2) / (2m)                        (a - y) * a * (1 - a)
``"cross_entropy"``         -sum(Y log Yhat + (1 - Y) log(1 - Yhat)) / m     a - y
``"softmax_cross_entropy"`` -sum(Y log softmax(z)) / m                       a - y
=========================  ===============================================  ====================

The first two go with a sigmoid output layer, the third with a softmax one
(``Network(sizes, output="softmax")``, lesson 9); :func:`check_output` refuses
any other pairing, naming the fix.

Both are **means over examples** (not sums): a batch of 10 and a batch of 1000
give costs on the same scale. L2 regularization (lesson 5) adds
``lam / (2m) * sum of W(l)**2`` over the weights only, never the biases.

The "delta" column is dJ_i/dz(L) for one example i (the sigmoid output layer's
error, without the 1/m); :func:`bpkit.backprop.output_error` starts the backward
pass with it, and :func:`bpkit.backprop.average` divides by m.

Each cost class also carries the two forms the fast trainer (:mod:`bpkit._sgd_kernel`)
needs, beside the rule they compute: ``delta_inplace`` writes ``lr/|B| * delta`` into a
preallocated array, and ``total_from_kept`` sums the epoch's cost from what the output
layer kept (for a sigmoid output E = 1 + e^-z, see
:func:`bpkit.activations.sigmoid_denominator_inplace`). The kernel only calls them.
"""
from __future__ import annotations

import numpy as np

from . import _validate
from ._params import NetworkArg, Options, Real, declare
from .activations import OUTPUTS, log_softmax, sigmoid_prime_from_a, sigmoid_prime_from_a_inplace


class QuadraticCost:
    """J = sum((Y - Yhat)**2) / (2m)."""

    name = "quadratic"

    @staticmethod
    def fn(a, y):
        """Each output's cost C = (a - y)**2 / 2, elementwise (lessons 1 and 2); no sum."""
        d = a - y
        return 0.5 * (d * d)

    @staticmethod
    def dC_da(a, y):
        """dC/da = a - y, elementwise (lesson 2)."""
        return a - y

    @staticmethod
    def total(z, a, Y):
        """Summed (not averaged) cost of a batch from the output layer's z and a."""
        return float(np.sum(QuadraticCost.fn(a, Y)))

    @staticmethod
    def delta(z, a, Y):
        """Output error dJ_i/dz(L) = dC/da * sigma'(z) = (a - y) * a(1 - a), shape (m, s_L)."""
        return QuadraticCost.dC_da(a, Y) * sigmoid_prime_from_a(a)

    #: the fast trainer passes :meth:`delta_inplace` the targets y themselves
    scaled_targets = False

    @staticmethod
    def delta_inplace(E, Y, scale, out, work):
        """``scale * delta`` into ``out`` from a sigmoid output's E = 1 + e^-z (the fast trainer's form).

        ``work`` is two arrays shaped like ``out``; they receive a = sigma(z) = 1 / E and
        ``scale * sigma'(z)``. The same numbers as ``scale * delta(z, 1 / E, Y)``.
        """
        a, slope = work
        np.divide(1.0, E, a)
        np.subtract(a, Y, out)  # dC/da = a - y
        sigmoid_prime_from_a_inplace(a, slope)
        np.multiply(slope, scale, slope)
        np.multiply(out, slope, out)

    @staticmethod
    def total_from_kept(z, E, Y):
        """Summed cost from the output z and E = 1 + e^-z the fast trainer kept: (1/2) sum (1/E - y)^2."""
        a_minus_y = np.divide(1.0, E)
        a_minus_y -= Y
        return 0.5 * float(np.vdot(a_minus_y, a_minus_y))


class CrossEntropyCost:
    """J = -sum(Y log Yhat + (1 - Y) log(1 - Yhat)) / m."""

    name = "cross_entropy"

    @staticmethod
    def fn(a, y):
        """Each output's cost C = -(y log a + (1 - y) log(1 - a)), elementwise (lessons 4b and 6); no sum.

        inf where a is exactly 0 or 1 and the target disagrees; :meth:`total` works from z instead.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(y * np.log(a) + (1.0 - y) * np.log1p(-a))

    @staticmethod
    def dC_da(a, y):
        """dC/da = (a - y) / (a (1 - a)), elementwise (lesson 4b): times sigma'(z) = a(1 - a) it is a - y."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (a - y) / sigmoid_prime_from_a(a)

    @staticmethod
    def total(z, a, Y):
        """Summed (not averaged) cost, computed from z so it stays finite.

        -log(sigma(z)) = log(1 + e^-z) = logaddexp(0, -z), and
        -log(1 - sigma(z)) = logaddexp(0, z): no log(0) even when a rounds to 0 or 1.
        """
        return float(np.sum(Y * np.logaddexp(0.0, -z) + (1.0 - Y) * np.logaddexp(0.0, z)))

    @staticmethod
    def delta(z, a, Y):
        """Output error dJ_i/dz(L) = a - y: the sigmoid's slope cancels."""
        return a - Y

    #: the fast trainer passes :meth:`delta_inplace` the targets already multiplied by ``scale``
    scaled_targets = True

    @staticmethod
    def delta_inplace(E, Y_scaled, scale, out, work=None):
        """``scale * (a - y)`` into ``out`` from E = 1 + e^-z (a = 1 / E) and ``Y_scaled = scale * y``.

        One divide and one subtract: the fast trainer scales the targets once per epoch.
        """
        np.divide(scale, E, out)
        np.subtract(out, Y_scaled, out)

    @staticmethod
    def total_from_kept(z, E, Y):
        """Summed cost from the output z and E = 1 + e^-z the fast trainer kept.

        Per output unit y log(1 + e^-z) + (1 - y) log(1 + e^z) = log E + (1 - y) z: one log
        per unit, as the steps already paid for the exponential. When some z < -709, E
        overflowed to inf and the sum is not finite: then it is recomputed with logaddexp.
        """
        yz = np.vdot(Y, z)
        total = float(np.sum(np.log(E)) + np.sum(z) - yz)
        if not np.isfinite(total):
            total = float(np.sum(np.logaddexp(0.0, z)) - yz)
        return total


class SoftmaxCrossEntropyCost:
    """J = -sum(Y * log softmax(z)) / m: cross-entropy of a softmax output layer (lesson 9).

    The output layer is a(L) = softmax(z(L)) row by row, and each row of Y is a
    probability distribution over the s_L classes (a one-hot row, usually).

    Output error, derived. Write p = softmax(z) for one example and
    C = -sum_j y_j log p_j = -sum_j y_j (z_j - log sum_i e^(z_i)). Then

        dC/dz_k = -y_k + (sum_j y_j) * e^(z_k) / sum_i e^(z_i) = p_k * sum_j y_j - y_k,

    and with sum_j y_j = 1 (a distribution) that is **delta(L) = p - y**: the same
    a - y as the sigmoid's cross-entropy, because here too the log undoes the exp.
    (Through dC/da it is longer: dC/dp_j = -y_j / p_j and dp_j/dz_k = p_j (1[j=k] - p_k),
    so dC/dz_k = sum_j (-y_j / p_j) p_j (1[j=k] - p_k) = -y_k + p_k sum_j y_j: softmax's
    slope is a matrix, not the elementwise f'(z) of the sigmoid.) :func:`check_targets`
    makes sure every row of Y sums to 1, so that ``delta`` is the cost's real gradient.
    """

    name = "softmax_cross_entropy"

    @staticmethod
    def fn(a, y):
        """Each output's share of the cost, C_k = -y_k log a_k, elementwise; no sum.

        ``a`` is the softmax output. 0 where y_k = 0 (even if a_k = 0); inf where a_k
        underflowed to 0 and y_k > 0: :meth:`total` works from z instead.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y == 0, 0.0, -y * np.log(a))

    @staticmethod
    def dC_da(a, y):
        """dC/da_k = -y_k / a_k, elementwise, taking each a_k as free (lesson 9).

        The a_k of a softmax are not free (they sum to 1), so delta(L) is *not* this
        times an elementwise slope: it is ``a - y`` (see the class docstring).
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return -y / a

    @staticmethod
    def total(z, a, Y):
        """Summed (not averaged) cost -sum(Y * log_softmax(z)), from z so it stays finite at |z| = 1000."""
        return float(-np.sum(Y * log_softmax(z)))

    @staticmethod
    def delta(z, a, Y):
        """Output error dJ_i/dz(L) = softmax(z) - y = a - y, shape ``(m, s_L)`` (derived above)."""
        return a - Y

    #: the fast trainer passes :meth:`delta_inplace` the targets already multiplied by ``scale``
    scaled_targets = True

    @staticmethod
    def delta_inplace(P, Y_scaled, scale, out, work=None):
        """``scale * (a - y)`` into ``out`` from the softmax output P = softmax(z) and ``Y_scaled = scale * y``."""
        np.multiply(P, scale, out)
        np.subtract(out, Y_scaled, out)

    @staticmethod
    def total_from_kept(z, P, Y):
        """Summed cost of the epoch from the output z (log-sum-exp, as :meth:`total`); P is not needed."""
        return SoftmaxCrossEntropyCost.total(z, P, Y)


COSTS = {"quadratic": QuadraticCost, "cross_entropy": CrossEntropyCost,
         "softmax_cross_entropy": SoftmaxCrossEntropyCost}


#: The declarations every (net, X, Y, kind, lam) function shares (``@declare(net=NET, kind=KIND, lam=LAM)``):
#: each argument's own check. What relates them (the kind suits the output layer, X and Y fit the network
#: and each other, the targets suit the cost) is :func:`prepare`, one call in each function's body.
NET = NetworkArg()
KIND = Options(("quadratic", "cross_entropy", "softmax_cross_entropy"))
LAM = Real(0)


def get_cost(kind):
    """Return the cost class for ``kind`` ("quadratic", "cross_entropy" or "softmax_cross_entropy")."""
    return COSTS[_validate.choice("kind", kind, COSTS)]


def check_output(net, kind):
    """Refuse a cost that does not go with ``net``'s output layer (:data:`bpkit.activations.OUTPUTS`).

    A sigmoid output is trained with ``"quadratic"`` or ``"cross_entropy"``; a softmax output
    (``Network(..., output="softmax")``) with ``"softmax_cross_entropy"``, whose output error
    ``a - y`` holds only for a softmax.
    """
    output = getattr(net, "output", "sigmoid")
    if kind in OUTPUTS[output].cost_kinds:
        return
    if output == "softmax":
        raise ValueError(f"a softmax output layer (Network(..., output='softmax')) goes with "
                         f"kind='softmax_cross_entropy', got kind={kind!r}; pass kind='softmax_cross_entropy', "
                         f"or build the network with the default sigmoid output")
    want = "softmax" if kind == "softmax_cross_entropy" else "sigmoid"
    raise ValueError(f"kind={kind!r} needs a {want} output layer, but this network's output is {output}; "
                     f"build it with Network(sizes, ..., output={want!r})"
                     + (", or use kind='cross_entropy' with the sigmoid" if want == "softmax" else ""))


#: :func:`check_targets` accepts a softmax target row whose sum is this close to 1 (rounding).
ROW_SUM_TOLERANCE = 1e-9


def check_targets(kind, Y, yname="Y"):
    """Cross-entropy needs targets in [0, 1] (probabilities or one-hot rows); softmax's rows must sum to 1."""
    if kind in ("cross_entropy", "softmax_cross_entropy") and (np.min(Y) < 0 or np.max(Y) > 1):
        raise ValueError(
            f"{kind} needs targets in [0, 1], got {yname} values from {np.min(Y):g} to "
            f"{np.max(Y):g}; scale the targets or use one_hot(labels, k)"
        )
    if kind == "softmax_cross_entropy":
        sums = np.sum(Y, axis=-1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > ROW_SUM_TOLERANCE)
        if bad.size:
            raise ValueError(
                f"softmax_cross_entropy needs each row of {yname} to be a probability distribution summing "
                f"to 1 (its output error softmax(z) - y assumes it), got row {int(bad[0])} summing to "
                f"{sums[bad[0]]:g}; use one_hot(labels, k)"
            )


def prepare(net, X, Y, kind, *, xname="X", yname="Y"):
    """The checks that relate a (net, X, Y, kind) call's arguments; return ``(X, Y, cost class)``.

    Each argument's own check is declared (:data:`NET`, :data:`KIND`, :data:`LAM`); this is what is
    left, the same in every function that takes a batch: ``kind`` goes with ``net``'s output layer
    (:func:`check_output`), ``X`` and ``Y`` fit ``net`` and have one row per example
    (:func:`bpkit._validate.check_xy`), and ``Y`` holds targets the cost can read (:func:`check_targets`).
    ``xname``/``yname`` name the batch in messages (``X_test``, ``Y_probe``).
    """
    C = get_cost(kind)
    check_output(net, kind)
    X, Y = _validate.check_xy(net, X, Y, xname=xname, yname=yname)
    check_targets(kind, Y, yname=yname)
    return X, Y, C


def sum_of_squares(weights):
    """sum over layers of sum(W**2): the size the L2 penalty prices (lesson 5), a float.

    ``weights`` is a list of arrays (``net.weights``); no checks here (callers validate).
    """
    return float(sum(np.sum(W * W) for W in weights))


def l2_penalty(weights, lam, m):
    """lam / (2m) * sum over layers of sum(W**2): weights only, never biases (lesson 5).

    Its gradient, ``lam * W / m``, is added in :func:`bpkit.backprop.average`.
    """
    if lam == 0.0:
        return 0.0
    return lam / (2.0 * m) * sum_of_squares(weights)


@declare(net=NET, kind=KIND, lam=LAM)
def cost(net, X, Y, kind="quadratic", lam=0.0):
    """The averaged cost J of ``net`` on ``(X, Y)``, plus the L2 penalty.

    Parameters
    ----------
    net : Network
    X : array_like, shape (m, sizes[0])
    Y : array_like, shape (m, sizes[-1])
        Targets; for classification use ``one_hot(labels, k)``.
    kind : {"quadratic", "cross_entropy", "softmax_cross_entropy"}
        The last one only with a softmax output layer, the first two only with a sigmoid one.
    lam : float >= 0
        L2 strength; adds ``lam/(2m) * sum(W**2)`` over weights, not biases.

    Returns
    -------
    float
        A mean over the m examples (not a sum).
    """
    X, Y, C = prepare(net, X, Y, kind)
    trace = net.trace(X)
    m = X.shape[0]
    return C.total(trace.zs[-1], trace.activations[-1], Y) / m + l2_penalty(net.weights, lam, m)
