"""Planted bugs for lesson 7's bug hunt: backprop, subtly wrong.

Each function here is a copy of :func:`bpkit.backprop` (vectorized) with one
mistake that learners really make, marked with a ``# BUG:`` comment. Every one
of them returns arrays of the right shapes and lets a network "train a bit",
which is why they are hard to see by reading; :func:`bpkit.gradient_check`
catches each one. They have the signature of ``bpkit.backprop``, so they can be
passed as ``grad_fn``::

    bpkit.gradient_check(net, X, Y, grad_fn=bpkit.buggy.backprop_forgot_1_over_m)

Do not use them for training. ``BUGS`` maps a short name to each function.
"""
from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS, sigmoid_prime
from .backprop import Gradients, _prepare


def backprop_missing_sigma_prime(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: the hidden layers' error skips the activation's slope f'(z).

    Right: ``delta(l) = (delta(l+1) @ W(l).T) * f'(z(l))``.
    Here:  ``delta(l) =  delta(l+1) @ W(l).T``.
    The output layer's gradients stay right (they do not go through a hidden
    f'), so the per-layer report flags every layer except the last.
    """
    X, Y, C, lam = _prepare(net, X, Y, kind, lam)
    m = X.shape[0]
    zs, activations = net._forward(X)
    delta = C.delta(zs[-1], activations[-1], Y)
    dW, db = [None] * len(net.weights), [None] * len(net.biases)
    for k in reversed(range(len(net.weights))):
        dW[k] = (activations[k].T @ delta + lam * net.weights[k]) / m
        db[k] = delta.sum(axis=0) / m
        if k > 0:
            delta = delta @ net.weights[k].T  # BUG: forgot "* f'(z)"
    return Gradients(dW, db)


def backprop_sigma_prime_of_a(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: the slope is taken at the wrong place, ``sigmoid_prime(a)`` instead of at z.

    ``sigmoid_prime`` expects z; given ``a = sigma(z)`` it computes
    ``sigma(a) * (1 - sigma(a))``, not ``a * (1 - a)``. The numbers look
    plausible (always between 0.19 and 0.25), so only a gradient check shows it.
    """
    X, Y, C, lam = _prepare(net, X, Y, kind, lam)
    m = X.shape[0]
    zs, activations = net._forward(X)
    delta = C.delta(zs[-1], activations[-1], Y)
    dW, db = [None] * len(net.weights), [None] * len(net.biases)
    for k in reversed(range(len(net.weights))):
        dW[k] = (activations[k].T @ delta + lam * net.weights[k]) / m
        db[k] = delta.sum(axis=0) / m
        if k > 0:
            delta = (delta @ net.weights[k].T) * sigmoid_prime(activations[k])  # BUG: wants z, got a
    return Gradients(dW, db)


def backprop_transposed(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: a transposed matrix "fixed" with reshape.

    The sum over examples is written in Ng's orientation, ``delta.T @ a``, of
    shape ``(s_(l+1), s_l)`` -- the transpose of ``W(l)``. To make it fit, the
    code calls ``.reshape(W.shape)`` instead of ``.T``: the shape is now right,
    the numbers are in the wrong places. A layer with a single row or column is
    not hurt (there reshape and transpose agree), so the per-layer report shows
    exactly which matrices are scrambled.
    """
    X, Y, C, lam = _prepare(net, X, Y, kind, lam)
    m = X.shape[0]
    f_prime = ACTIVATIONS[net.activation].prime_from_a
    zs, activations = net._forward(X)
    delta = C.delta(zs[-1], activations[-1], Y)
    dW, db = [None] * len(net.weights), [None] * len(net.biases)
    for k in reversed(range(len(net.weights))):
        Delta = (delta.T @ activations[k]).reshape(net.weights[k].shape)  # BUG: reshape is not .T
        dW[k] = (Delta + lam * net.weights[k]) / m
        db[k] = delta.sum(axis=0) / m
        if k > 0:
            delta = (delta @ net.weights[k].T) * f_prime(activations[k])
    return Gradients(dW, db)


def backprop_forgot_1_over_m(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: returns the sum over examples, not the mean: the 1/m is missing.

    Every entry is m times too large, so the direction is right and the
    relative error is exactly ``(m - 1) / (m + 1)`` in every row of the report:
    the tell-tale sign of a missing factor. (The cost is an average, so its
    gradient must be one too.)
    """
    X, Y, C, lam = _prepare(net, X, Y, kind, lam)
    f_prime = ACTIVATIONS[net.activation].prime_from_a
    zs, activations = net._forward(X)
    delta = C.delta(zs[-1], activations[-1], Y)
    dW, db = [None] * len(net.weights), [None] * len(net.biases)
    for k in reversed(range(len(net.weights))):
        dW[k] = activations[k].T @ delta + lam * net.weights[k]  # BUG: forgot "/ m"
        db[k] = delta.sum(axis=0)  # BUG: forgot "/ m"
        if k > 0:
            delta = (delta @ net.weights[k].T) * f_prime(activations[k])
    return Gradients(dW, db)


def backprop_regularized_bias(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: the L2 term is added to the bias gradients too.

    The cost's penalty ``lam/(2m) * sum(W**2)`` has no biases in it, so
    ``dJ/db`` must not get ``lam * b / m``. Only the ``b(l)`` rows of the report
    go wrong, and only when ``lam > 0`` and the biases are not zero -- which is
    why a check with ``lam=0`` or fresh zero biases misses it.
    """
    X, Y, C, lam = _prepare(net, X, Y, kind, lam)
    m = X.shape[0]
    f_prime = ACTIVATIONS[net.activation].prime_from_a
    zs, activations = net._forward(X)
    delta = C.delta(zs[-1], activations[-1], Y)
    dW, db = [None] * len(net.weights), [None] * len(net.biases)
    for k in reversed(range(len(net.weights))):
        dW[k] = (activations[k].T @ delta + lam * net.weights[k]) / m
        db[k] = (delta.sum(axis=0) + lam * net.biases[k]) / m  # BUG: biases are not regularized
        if k > 0:
            delta = (delta @ net.weights[k].T) * f_prime(activations[k])
    return Gradients(dW, db)


BUGS = {
    "missing sigma'": backprop_missing_sigma_prime,
    "sigma' of a, not z": backprop_sigma_prime_of_a,
    "transposed matrix": backprop_transposed,
    "forgot 1/m": backprop_forgot_1_over_m,
    "regularized bias": backprop_regularized_bias,
}

__all__ = ["BUGS"] + [f.__name__ for f in BUGS.values()]
