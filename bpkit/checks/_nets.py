"""Cases of the 2-layer network parts (exercises 1, 2, 4, 5, 7), and their gradients from the core.

A case holds explicit arrays ``(X, Y, W1, b1, W2, b2[, lam])``, as the learner's
functions take them; :func:`network` turns them into a :class:`bpkit.Network`
so references and mistakes run the core's own forward and backward pass.
"""
from __future__ import annotations

import numpy as np

from .. import buggy
from .._cases import network  # noqa: F401  (the checks build their networks with it too)
from ..data import sleep_study
from ..network import Network

NET_ARGS = ("X", "Y", "W1", "b1", "W2", "b2")
GRADS = ("dW1", "db1", "dW2", "db2")
TRANSPOSE_W = ("The gradient must have the shape of the weight it belongs to. Did you compute delta.T @ a "
               "instead of a.T @ delta?")
BP_FORBIDDEN = ("bpkit.backprop", "bpkit.backprop_loop", "bpkit.backprop.backprop",
                "bpkit.backprop.backprop_loop", "bpkit.gradient_check", "bpkit.gradcheck.gradient_check")
SIG_FORBIDDEN = ("bpkit.sigmoid", "bpkit.activations.sigmoid", "bpkit.sigmoid_prime",
                 "bpkit.activations.sigmoid_prime")


def m_of(args):
    """The number of examples of a case whose first argument has one row per example."""
    return args[0].shape[0]


def sizes(rng):
    """Layer sizes and m for a random case, chosen so mistakes are distinguishable.

    m >= 4 (so a factor m shows), n != h and h != k (so a transposed matrix has
    another shape).
    """
    n = int(rng.integers(2, 5))
    h = int(rng.choice([s for s in range(3, 7) if s != n]))
    k = int(rng.choice([s for s in (1, 2) if s != h]))
    m = int(rng.choice([s for s in range(4, 9) if s not in (n, h)]))
    return n, h, k, m


def params(rng, n, h, k):
    """Random ``W1, b1, W2, b2`` of an n-h-k network (non-zero biases, so a regularized bias shows)."""
    W1 = rng.standard_normal((n, h)) / np.sqrt(n)
    b1 = 0.5 * rng.standard_normal(h)
    W2 = rng.standard_normal((h, k)) / np.sqrt(h)
    b2 = 0.5 * rng.standard_normal(k)
    return W1, b1, W2, b2


def lesson_net():
    """The lesson's 2-3-1 network on the sleep/study data: ``(X, Y) + Network([2, 3, 1], seed=0)``'s arrays."""
    X, Y, *_ = sleep_study()
    net = Network([2, 3, 1], seed=0)
    return X, Y, net.weights[0].copy(), net.biases[0].copy(), net.weights[1].copy(), net.biases[1].copy()


def random_net_case(rng, *, lam=False):
    """``(X, Y, W1, b1, W2, b2)`` of random sizes (plus ``lam`` if asked)."""
    n, h, k, m = sizes(rng)
    X = rng.uniform(-1.0, 1.0, (m, n))
    Y = rng.uniform(0.0, 1.0, (m, k))
    args = (X, Y) + params(rng, n, h, k)
    if lam:
        args = args + (float(np.round(rng.uniform(0.3, 3.0), 3)),)
    return args


def planted(X, Y, W1, b1, W2, b2, lam=0.0, kind="quadratic", **changed):
    """``(dW1, db1, dW2, db2)`` of the core's backward pass with the named rules changed (none: the right one)."""
    dW, db = buggy.planted(network(W1, b1, W2, b2), X, Y, kind, lam, **changed)
    return dW[0], db[0], dW[1], db[1]


def bug(name, X, Y, W1, b1, W2, b2, lam=0.0):
    """``(dW1, db1, dW2, db2)`` of the planted bug ``bpkit.buggy.BUGS[name]``."""
    dW, db = buggy.BUGS[name](network(W1, b1, W2, b2), X, Y, "quadratic", lam)
    return dW[0], db[0], dW[1], db[1]
