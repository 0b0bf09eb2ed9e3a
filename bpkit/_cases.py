"""The callables exercise 7's checks pass as inputs: test functions, costs and gradient candidates.

They live outside :mod:`bpkit.checks` because they cross into the learner's
kernel as the secret cases of a part (pickled), and a grading kernel has no
``bpkit.checks`` (it holds the answers; see ``bpkit._grading.kernel_package``).
Nothing here tells a right answer from a wrong one beyond computing it.
"""
from __future__ import annotations

import functools

import numpy as np

from . import buggy
from .costs import cost
from .network import Network


def network(*layers):
    """A Network holding float copies of ``W1, b1, W2, b2, ...`` (weights and biases alternating)."""
    weights = [np.array(W, dtype=float) for W in layers[0::2]]
    net = _blank(tuple([weights[0].shape[0]] + [W.shape[1] for W in weights])).copy()
    net.weights, net.biases = weights, [np.array(b, dtype=float) for b in layers[1::2]]
    return net


@functools.lru_cache(maxsize=64)
def _blank(sizes):
    # copying a network is ten times faster than making one (no random weights drawn)
    return Network(list(sizes))


class WavyCost:
    """A smooth test function of an array: ``f(theta) = sum(sin(c*theta)) + 0.25*sum(d*theta**4)``."""

    def __init__(self, c, d):
        self.c = np.asarray(c, dtype=float)
        self.d = np.asarray(d, dtype=float)

    def __call__(self, theta):
        t = np.asarray(theta, dtype=float)
        return float(np.sum(np.sin(self.c * t)) + 0.25 * np.sum(self.d * t ** 4))

    def __repr__(self):
        return f"WavyCost(shape {self.c.shape})"


class LayerCost:
    """The quadratic cost :func:`bpkit.cost` of a 2-layer net as a function of W1 alone: ``f(W1)``."""

    def __init__(self, X, Y, W1, b1, W2, b2):
        self.X, self.Y, self.net = X, Y, network(W1, b1, W2, b2)

    def __call__(self, W1):
        self.net.weights[0] = np.asarray(W1, dtype=float)
        return cost(self.net, self.X, self.Y)

    def __repr__(self):
        return "LayerCost(W1)"


class NetCost:
    """J(params) of a 2-layer sigmoid net, :func:`bpkit.cost` with L2 (``lam``), params = [W1, b1, W2, b2]."""

    def __init__(self, X, Y, lam):
        self.X, self.Y, self.lam = X, Y, float(lam)

    def __call__(self, params):
        return cost(network(*params), self.X, self.Y, lam=self.lam)

    def __repr__(self):
        return f"NetCost(lam={self.lam:g})"


class GradientCandidate:
    """A gradient function ``grad(params) -> [dW1, db1, dW2, db2]`` for a :class:`NetCost`.

    ``bug`` is None for a correct one (the core's backward pass), else a key
    of :data:`bpkit.buggy.BUGS`.
    """

    def __init__(self, cost, bug=None):
        if bug is not None and bug not in buggy.BUGS:
            raise ValueError(f"bug must be None or one of {list(buggy.BUGS)}, got {bug!r}")
        self.cost, self.bug = cost, (None if bug is None else str(bug))

    def __call__(self, params):
        c, net = self.cost, network(*params)
        grad = buggy.planted if self.bug is None else buggy.BUGS[self.bug]  # planted with no rule changed: right
        dW, db = grad(net, c.X, c.Y, "quadratic", c.lam)
        return [dW[0], db[0], dW[1], db[1]]

    def __repr__(self):
        return "GradientCandidate(...)"
