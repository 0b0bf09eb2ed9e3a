"""Backpropagation: the one backward pass of the course (lessons 2, 4 and 7).

Every gradient in bpkit comes from the five small rules below, each one
equation of lesson 4, and the recursion :func:`errors` that chains them:

    delta(L) = dC/dz(L)                          output_error   (from the cost)
    delta(l) = (delta(l+1) @ W(l).T) * f'(z(l))  send_back, with slope = f'(z(l))
    Delta(l) = a(l).T @ delta(l+1)               layer_sums     (a sum over the rows)
    dJ/dW(l) = (Delta(l) + lam * W(l)) / m       average        (biases never regularized)
    dJ/db(l) = Delta_b(l) / m                    Delta_b(l) = sum over rows of delta(l+1)

``backprop_loop`` and ``backprop`` are written to be read side by side. They
differ in one place only: the loop runs forward and backward once per example
and adds each example's ``Delta`` into an accumulator with ``+=``; the
vectorized form pushes all m rows through together, and the matrix product
``a.T @ delta`` does the sum over examples in one call. Lesson 7's planted bugs
(:mod:`bpkit.buggy`) are this same pass with one rule of :class:`Rules` changed.

Both return the gradient of the *averaged* cost (see :mod:`bpkit.costs`).

Index note: the lessons number layers from 1 (layer 1 is the input); Python
lists count from 0, so ``weights[k]`` is W(k+1), ``activations[k]`` is a(k+1)
and ``deltas[k]`` (from :func:`errors`) is delta(k+2), the error of the layer
that ``weights[k]`` feeds. The input layer has no error.

The fast trainer (:mod:`bpkit._sgd_kernel`) computes the same rules into
preallocated arrays: :func:`send_back_inplace` and :func:`layer_sums_inplace`
sit beside the rules they compute (as the in-place slopes sit in
:mod:`bpkit.activations` and the in-place output errors in :mod:`bpkit.costs`),
so the kernel only decides what is computed when.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from . import _validate
from .activations import ACTIVATIONS
from ._params import declare
from .costs import KIND, LAM, NET, prepare


class Gradients(NamedTuple):
    """``(dW, db)``: lists shaped like ``net.weights`` and ``net.biases``."""

    dW: list
    db: list


# ------------------------------------------------------------------ the rules
def output_error(cost, z, a, Y):
    """delta(L) = dC/dz(L), the output layer's error, shape ``(m, s_L)`` (lesson 4).

    It comes from the cost (:mod:`bpkit.costs`): ``(a - y) * a * (1 - a)`` for the
    quadratic cost, ``a - y`` for cross-entropy (the sigmoid's slope cancels) and for
    the softmax cross-entropy of a softmax output layer (lesson 9).
    One row per example, without the 1/m (:func:`average` divides).
    """
    return cost.delta(z, a, Y)


def slope(activation, z, a):
    """f'(z(l)), the activation's slope at each unit's z, shape ``(m, s_l)`` (lesson 3).

    Computed from the stored output a(l) = f(z(l)) rather than from z:
    ``a * (1 - a)`` for the sigmoid, ``1 - a**2`` for tanh, ``a > 0`` for ReLU
    (:data:`bpkit.ACTIVATIONS`), so no exp is called again. ``z`` is passed too,
    because that is what f' is a function of (and what a mistaken slope uses).
    """
    return ACTIVATIONS[activation].prime_from_a(a)


def send_back(delta, W, f_prime):
    """delta(l) = (delta(l+1) @ W(l).T) * f'(z(l)): the error one layer back (lesson 4).

    ``delta`` is delta(l+1), ``(m, s_(l+1))``; ``W`` is W(l), ``(s_l, s_(l+1))``;
    ``f_prime`` is f'(z(l)), ``(m, s_l)``. Row i, unit j of the result is
    ``sum_k delta_ik W_jk f'(z_ij)``: unit j's share of every error it fed, by the
    chain rule summed over the paths from j to the cost (lesson 2).
    """
    return (delta @ W.T) * f_prime


def send_back_inplace(delta, W_T, f_prime, out):
    """:func:`send_back` written into ``out`` (shape ``(m, s_l)``): out = (delta @ W.T) * f'(z(l)).

    ``W_T`` is the view ``W.T``, made once by the caller; ``f_prime`` is f'(z(l)). Two numpy
    calls, no temporary array.
    """
    np.matmul(delta, W_T, out)
    np.multiply(out, f_prime, out)


def layer_sums(a, delta):
    """``(a(l).T @ delta(l+1), delta(l+1) summed over rows)``: Delta(l) of a batch (lesson 4).

    ``a`` is ``(m, s_l)`` and ``delta`` is ``(m, s_(l+1))``, so the product is
    ``(s_l, s_(l+1))``, the shape of W(l), and it *sums* each example's outer
    product ``a_i.T @ delta_i`` over the m rows. The bias sum has shape ``(s_(l+1),)``.
    """
    return a.T @ delta, delta.sum(axis=0)


def layer_sums_inplace(a_T, delta, ones, out_W, out_b):
    """:func:`layer_sums` written into ``out_W`` ``(s_l, s_(l+1))`` and ``out_b`` ``(s_(l+1),)``.

    ``a_T`` is the view ``a.T``, ``ones`` a vector of m ones: the bias sum is the BLAS
    product ``ones @ delta``, faster than ``delta.sum(axis=0)`` on small batches (the same
    sum up to rounding).
    """
    np.matmul(a_T, delta, out_W)
    np.matmul(ones, delta, out_b)


def average(Delta_W, Delta_b, W, b, lam, m):
    """``((Delta(l) + lam * W(l)) / m, Delta_b(l) / m)``: one layer's gradient (lessons 4 and 5).

    The cost is a mean over m examples, so its gradient is one too; the L2 term
    ``lam/(2m) * sum(W**2)`` adds ``lam * W / m`` to the weights. The bias ``b``
    is not used: biases are never regularized.
    """
    return (Delta_W + lam * W) / m, Delta_b / m


class Rules(NamedTuple):
    """The ingredients of one backward pass; :data:`RULES` holds the right ones.

    :mod:`bpkit.buggy` and the exercise checks replace one field to get a
    known mistake (``RULES._replace(slope=...)``).
    """

    output_error: Callable = output_error
    slope: Callable = slope
    send_back: Callable = send_back
    layer_sums: Callable = layer_sums
    average: Callable = average


RULES = Rules()


# -------------------------------------------------------------- the recursion
def errors(net, trace, Y, cost, rules=RULES):
    """Every layer's error, from the output back: ``deltas[k]`` is delta(k+2).

    ``trace`` is ``net.trace(X)``; each delta has the shape of its z, ``(m, s_l)``.
    The output error starts it; :func:`send_back` carries it one layer at a
    time through ``W.T`` and f', down to delta(2) (layer 1, the input, has none).
    """
    zs, activations = trace
    delta = rules.output_error(cost, zs[-1], activations[-1], Y)
    deltas = [delta]
    for k in range(len(net.weights) - 1, 0, -1):  # from W(L-1) down to W(2)
        delta = rules.send_back(delta, net.weights[k], rules.slope(net.activation, zs[k], activations[k]))
        deltas.append(delta)
    return deltas[::-1]


def batch_sums(net, X, Y, cost, rules=RULES):
    """``(Delta_W, Delta_b)`` of the rows of ``X``: forward, backward, and the sums of lesson 4.

    ``Delta_W[k]`` has the shape of ``net.weights[k]`` and is a *sum* over the
    rows (not yet divided by m). ``X`` and ``Y`` must already be checked.
    """
    # forward: keep every layer's z and a
    trace = net.trace(X)
    # backward: the errors, then each layer's Delta = a(l).T @ delta(l+1)
    deltas = errors(net, trace, Y, cost, rules)
    sums = [rules.layer_sums(a, d) for a, d in zip(trace.activations, deltas)]
    return [s[0] for s in sums], [s[1] for s in sums]


def gradients(Delta_W, Delta_b, net, lam, m, rules=RULES):
    """The averaged, regularized gradient from the summed ``Delta``\\ s, layer by layer."""
    pairs = [rules.average(DW, Db, W, b, lam, m)
             for DW, Db, W, b in zip(Delta_W, Delta_b, net.weights, net.biases)]
    return Gradients([p[0] for p in pairs], [p[1] for p in pairs])


# ---------------------------------------------------------- the two public forms
@declare(net=NET, kind=KIND, lam=LAM)
def backprop_loop(net, X, Y, kind="quadratic", lam=0.0, on_example=None):
    """Gradient of the cost by Delta accumulation, one example at a time (lesson 4).

    For each example: forward, output error ``delta(L)``, errors sent back
    through ``W.T`` and f', and ``Delta(l) += a(l).T @ delta(l+1)``. After
    the loop, divide by m (and add ``lam * W`` to the weight gradients).

    Parameters
    ----------
    net : Network
    X : array_like, shape (m, sizes[0])
    Y : array_like, shape (m, sizes[-1])
    kind : {"quadratic", "cross_entropy", "softmax_cross_entropy"}
        ``"softmax_cross_entropy"`` with a softmax output layer (``Network(..., output="softmax")``)
        only, the other two with a sigmoid one only.
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
    X, Y, C = prepare(net, X, Y, kind)
    if on_example is not None:
        _validate.function("on_example", on_example, "on_example(i, Delta_W, Delta_b)")
    m = X.shape[0]
    Delta_W = [np.zeros_like(W) for W in net.weights]
    Delta_b = [np.zeros_like(b) for b in net.biases]
    for i in range(m):
        # forward and backward for one example, kept as a (1, n) row so every shape matches the batch form
        Delta_W_i, Delta_b_i = batch_sums(net, X[i : i + 1], Y[i : i + 1], C)
        for k in range(len(net.weights)):
            Delta_W[k] += Delta_W_i[k]  # this example's a(l).T @ delta(l+1), an outer product
            Delta_b[k] += Delta_b_i[k]
        if on_example is not None:
            on_example(i, Delta_W, Delta_b)
    return gradients(Delta_W, Delta_b, net, lam, m)


@declare(net=NET, kind=KIND, lam=LAM)
def backprop(net, X, Y, kind="quadratic", lam=0.0):
    """Gradient of the cost, vectorized over the m examples (lesson 4b).

    The same steps as :func:`backprop_loop`, with ``X`` pushed through whole:
    ``delta(l)`` is now ``(m, s_l)``, and ``a(l).T @ delta(l+1)`` is the sum over
    examples of each example's contribution, in one matrix product.

    Parameters and returns are those of :func:`backprop_loop`.
    """
    X, Y, C = prepare(net, X, Y, kind)
    m = X.shape[0]
    # forward and backward for all m examples at once: each product a(l).T @ delta(l+1) sums the rows
    Delta_W, Delta_b = batch_sums(net, X, Y, C)
    return gradients(Delta_W, Delta_b, net, lam, m)
