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
from .costs import QuadraticCost, cost
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


class SmoothCost:
    """A smooth test function that also takes complex arrays (exercise 7's complex step):
    ``f(theta) = sum(c*sin(d*theta)) + sum(e*theta**3) / 3 + 0.1*sum(exp(theta))``.

    Only operations that extend to complex numbers as analytic functions are used (no abs, no
    float(), no conjugate), so ``f(theta + i h e_j)`` is defined; a real theta gives a real number.
    """

    def __init__(self, c, d, e):
        self.c, self.d, self.e = (np.asarray(v, dtype=float) for v in (c, d, e))

    def __call__(self, theta):
        t = np.asarray(theta)
        return np.sum(self.c * np.sin(self.d * t) + self.e * t ** 3 / 3 + 0.1 * np.exp(t))

    def __repr__(self):
        return f"SmoothCost(shape {self.c.shape})"


class TanhLayerCost:
    """The quadratic cost of a one-hidden-layer tanh net as a function of its first weights, complex-safe:
    ``f(W) = sum((tanh(X @ W) @ v - y)**2) / (2m)``, for exercise 7's complex step."""

    def __init__(self, X, v, y):
        self.X, self.v, self.y = (np.asarray(a, dtype=float) for a in (X, v, y))

    def __call__(self, W):
        a = np.tanh(self.X @ np.asarray(W)) @ self.v  # the output, linear: complex in, complex out
        return np.sum(QuadraticCost.fn(a, self.y)) / self.X.shape[0]

    def __repr__(self):
        return f"TanhLayerCost(W of shape {(self.X.shape[1], self.v.shape[0])})"


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
    """A gradient function ``grad(params) -> [dW1, db1, dW2, db2]`` for a :class:`NetCost`, at one point.

    It holds the cost ``J``, the point ``params`` of its case and the four
    arrays it returns there, worked out when the case is made; nothing else.
    No attribute, name, repr or docstring says whether those arrays are right:
    only comparing them with central differences of ``J`` tells (the grader
    works its answer out in its own process, ``bpkit.checks.ex07.bug_of``).
    Called at another point it raises ValueError.

    Parameters
    ----------
    cost : NetCost
    params : list of ndarray, ``[W1, b1, W2, b2]``
    planted : None or a key of :data:`bpkit.buggy.BUGS`
        Which backward pass makes the arrays: None, the core's (right); else that planted bug.
    """

    def __init__(self, cost, params, planted=None):
        if planted is not None and planted not in buggy.BUGS:
            raise ValueError(f"planted must be None or one of {list(buggy.BUGS)}, got {planted!r}")
        self.cost = cost
        self._at = [np.array(p, dtype=float) for p in params]
        self._grad = candidate_gradient(cost, self._at, planted)

    def __call__(self, params):
        same = len(params) == len(self._at) and all(
            np.shape(p) == a.shape and np.array_equal(np.asarray(p, dtype=float), a) for p, a in zip(params, self._at))
        if not same:
            raise ValueError("this gradient function gives the gradient at its case's params only: call it with "
                             "the params you were given, unchanged (did something change them in place?)")
        return [g.copy() for g in self._grad]

    def __repr__(self):
        return "GradientCandidate(...)"


def candidate_gradient(cost, params, planted=None):
    """``[dW1, db1, dW2, db2]`` at ``params`` of the core's backward pass (None) or of a planted bug of BUGS."""
    grad = buggy.planted if planted is None else buggy.BUGS[planted]  # planted with no rule changed: right
    dW, db = grad(network(*params), cost.X, cost.Y, "quadratic", cost.lam)
    return [np.array(g, dtype=float) for g in (dW[0], db[0], dW[1], db[1])]
