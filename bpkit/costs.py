"""Cost functions, averaged over the m examples (quadratic: lesson 1; cross-entropy: lessons 4 and 6).

=================  ===============================================  ====================
kind               J (before regularization)                        output error delta(L)
=================  ===============================================  ====================
``"quadratic"``     sum((Y - Yhat)**2) / (2m)                        (a - y) * a * (1 - a)
``"cross_entropy"`` -sum(Y log Yhat + (1 - Y) log(1 - Yhat)) / m     a - y
=================  ===============================================  ====================

Both are **means over examples** (not sums): a batch of 10 and a batch of 1000
give costs on the same scale. L2 regularization (lesson 5) adds
``lam / (2m) * sum of W(l)**2`` over the weights only, never the biases.

The "delta" column is dJ_i/dz(L) for one example i (the sigmoid output layer's
error, without the 1/m); :func:`bpkit.backprop.output_error` starts the backward
pass with it, and :func:`bpkit.backprop.average` divides by m.
"""
from __future__ import annotations

import numpy as np

from . import _validate


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
        return QuadraticCost.dC_da(a, Y) * (a * (1.0 - a))


class CrossEntropyCost:
    """J = -sum(Y log Yhat + (1 - Y) log(1 - Yhat)) / m."""

    name = "cross_entropy"

    @staticmethod
    def fn(a, y):
        """Each output's cost C = -(y log a + (1 - y) log(1 - a)), elementwise (lessons 4 and 6); no sum.

        inf where a is exactly 0 or 1 and the target disagrees; :meth:`total` works from z instead.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(y * np.log(a) + (1.0 - y) * np.log1p(-a))

    @staticmethod
    def dC_da(a, y):
        """dC/da = (a - y) / (a (1 - a)), elementwise (lesson 4): times sigma'(z) = a(1 - a) it is a - y."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (a - y) / (a * (1.0 - a))

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


COSTS = {"quadratic": QuadraticCost, "cross_entropy": CrossEntropyCost}


def get_cost(kind):
    """Return the cost class for ``kind`` ("quadratic" or "cross_entropy")."""
    return COSTS[_validate.choice("kind", kind, COSTS)]


def check_targets(kind, Y, yname="Y"):
    """Cross-entropy needs targets in [0, 1] (probabilities or one-hot rows)."""
    if kind == "cross_entropy" and (np.min(Y) < 0 or np.max(Y) > 1):
        raise ValueError(
            f"cross_entropy needs targets in [0, 1], got {yname} values from {np.min(Y):g} to "
            f"{np.max(Y):g}; scale the targets or use one_hot(labels, k)"
        )


def l2_penalty(weights, lam, m):
    """lam / (2m) * sum over layers of sum(W**2): weights only, never biases (lesson 5).

    Its gradient, ``lam * W / m``, is added in :func:`bpkit.backprop.average`.
    """
    if lam == 0.0:
        return 0.0
    return lam / (2.0 * m) * float(sum(np.sum(W * W) for W in weights))


def cost(net, X, Y, kind="quadratic", lam=0.0):
    """The averaged cost J of ``net`` on ``(X, Y)``, plus the L2 penalty.

    Parameters
    ----------
    net : Network
    X : array_like, shape (m, sizes[0])
    Y : array_like, shape (m, sizes[-1])
        Targets; for classification use ``one_hot(labels, k)``.
    kind : {"quadratic", "cross_entropy"}
    lam : float >= 0
        L2 strength; adds ``lam/(2m) * sum(W**2)`` over weights, not biases.

    Returns
    -------
    float
        A mean over the m examples (not a sum).
    """
    _validate.network(net)
    C = get_cost(kind)
    lam = _validate.non_negative_number("lam", lam)
    X, Y = _validate.check_xy(net, X, Y)
    check_targets(kind, Y)
    trace = net.trace(X)
    m = X.shape[0]
    return C.total(trace.zs[-1], trace.activations[-1], Y) / m + l2_penalty(net.weights, lam, m)
