"""Backpropagation, twice: one example at a time, and all at once (lesson 4).

``backprop_loop`` and ``backprop`` are written to be read side by side. They
differ in one place only: the loop runs forward and backward once per example
and adds each example's contribution into ``Delta`` with ``+=``; the vectorized
form pushes all m rows through together, and the matrix product
``a.T @ delta`` does the sum over examples in one call.

Both return the gradient of the *averaged* cost (see :mod:`bpkit.costs`):

    dJ/dW(l) = (Delta(l) + lam * W(l)) / m      Delta(l) = sum_i a_i(l).T @ delta_i(l+1)
    dJ/db(l) = Delta_b(l) / m                   (biases are never regularized)

Index note: the lessons number layers from 1 (layer 1 is the input); Python
lists count from 0, so ``weights[k]`` is W(k+1) and ``activations[k]`` is a(k+1).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate
from .activations import ACTIVATIONS
from .costs import check_targets, get_cost


class Gradients(NamedTuple):
    """``(dW, db)``: lists shaped like ``net.weights`` and ``net.biases``."""

    dW: list
    db: list


def _prepare(net, X, Y, kind, lam):
    C = get_cost(kind)
    lam = _validate.non_negative_number("lam", lam)
    X, Y = _validate.check_xy(net, X, Y)
    check_targets(kind, Y)
    net.check_parameters()
    return X, Y, C, lam


def backprop_loop(net, X, Y, kind="quadratic", lam=0.0, on_example=None):
    """Gradient of the cost by Delta accumulation, one example at a time.

    For each example: forward, output error ``delta(L)``, errors sent back
    through ``W.T`` and f', and ``Delta(l) += a(l).T @ delta(l+1)``. After
    the loop, divide by m (and add ``lam * W`` to the weight gradients).

    Parameters
    ----------
    net : Network
    X : array_like, shape (m, sizes[0])
    Y : array_like, shape (m, sizes[-1])
    kind : {"quadratic", "cross_entropy"}
    lam : float >= 0, L2 strength (weights only)
    on_example : callable, optional
        Called as ``on_example(i, Delta_W, Delta_b)`` after example i has been
        added, so lesson 4 can watch the Delta matrices fill up. It receives the
        live accumulators: copy them if you keep them.

    Returns
    -------
    Gradients
        ``(dW, db)``; ``dW[k]`` has the shape of ``net.weights[k]``, ``db[k]``
        of ``net.biases[k]``. A mean over examples, not a sum.
    """
    X, Y, C, lam = _prepare(net, X, Y, kind, lam)
    m = X.shape[0]
    f_prime = ACTIVATIONS[net.activation].prime_from_a
    Delta_W = [np.zeros_like(W) for W in net.weights]
    Delta_b = [np.zeros_like(b) for b in net.biases]
    for i in range(m):
        # forward: one example, kept as a (1, n) row so every shape matches the batch form
        zs, activations = net._forward(X[i : i + 1])
        # backward: output error, then back through W.T and f', one layer at a time
        delta = C.delta(zs[-1], activations[-1], Y[i : i + 1])
        for k in reversed(range(len(net.weights))):
            Delta_W[k] += activations[k].T @ delta  # (s_k, 1) @ (1, s_k+1): this example's nudges
            Delta_b[k] += delta[0]
            if k > 0:
                delta = (delta @ net.weights[k].T) * f_prime(activations[k])
        if on_example is not None:
            on_example(i, Delta_W, Delta_b)
    dW = [(D + lam * W) / m for D, W in zip(Delta_W, net.weights)]
    db = [D / m for D in Delta_b]
    return Gradients(dW, db)


def backprop(net, X, Y, kind="quadratic", lam=0.0):
    """Gradient of the cost, vectorized over the m examples.

    The same steps as :func:`backprop_loop`, with ``X`` pushed through whole:
    ``delta(l)`` is now ``(m, s_l)``, and ``a(l).T @ delta(l+1)`` is the sum over
    examples of each example's contribution, in one matrix product.

    Parameters and returns are those of :func:`backprop_loop`.
    """
    X, Y, C, lam = _prepare(net, X, Y, kind, lam)
    m = X.shape[0]
    f_prime = ACTIVATIONS[net.activation].prime_from_a
    Delta_W = [None] * len(net.weights)
    Delta_b = [None] * len(net.biases)
    # forward: all m examples at once
    zs, activations = net._forward(X)
    # backward: the same recursion; each delta is (m, s) and the products sum over rows
    delta = C.delta(zs[-1], activations[-1], Y)
    for k in reversed(range(len(net.weights))):
        Delta_W[k] = activations[k].T @ delta  # (s_k, m) @ (m, s_k+1): the sum over examples
        Delta_b[k] = delta.sum(axis=0)
        if k > 0:
            delta = (delta @ net.weights[k].T) * f_prime(activations[k])
    dW = [(D + lam * W) / m for D, W in zip(Delta_W, net.weights)]
    db = [D / m for D in Delta_b]
    return Gradients(dW, db)
