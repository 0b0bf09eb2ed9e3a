"""Activation functions and their derivatives (lesson 3).

Each activation is a pair: ``f(z)`` and ``f_prime(z)``. For backprop the
derivative is cheaper from the forward *output* ``a = f(z)`` that is already
stored, so the table :data:`ACTIVATIONS` also holds ``prime_from_a``:

================  ======================  ==============================
name              f(z)                    f'(z) written with a = f(z)
================  ======================  ==============================
``"sigmoid"``     1 / (1 + exp(-z))       a * (1 - a)
``"tanh"``        tanh(z)                 1 - a**2
``"relu"``        max(0, z)               1 where a > 0, else 0
================  ======================  ==============================

All functions in the table are elementwise: any shape in, the same shape out (float64).
``z`` may be a number, a list or an array of real numbers; str, None, complex,
masked or object input raises ``TypeError`` naming ``z``
(:func:`bpkit._validate.real_array`). NaN goes in, NaN comes out (also for
``relu_prime``); inf is a limit (``sigmoid(inf) == 1``).

:func:`softmax` and :func:`log_softmax` (lesson 9) are not elementwise: each
output depends on its whole row, so they are not hidden-layer activations and
stay out of the table. They work row by row over the last axis.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ._params import Array, Options, declare

#: what every elementwise function here takes: any real array (any shape, empty too); NaN and inf allowed
Z = Array(min_size=0, finite=False)


class Rows(Array):
    """An array with at least one axis whose last axis is non-empty: the rows softmax normalizes."""

    def __init__(self):
        super().__init__(min_size=0, finite=False)

    def describe(self):
        return "an array of real numbers with at least one axis, the last one non-empty"

    def check(self, name, value):
        z = super().check(name, value)
        if z.ndim == 0 or z.shape[-1] == 0:
            raise ValueError(f"{name} must have rows to normalize: softmax works over the last axis, which needs "
                             f"at least one entry; got shape {z.shape} (for one example pass [z1, z2, ...])")
        return z

    def example(self):
        return np.zeros((1, 2))

    def bad_values(self):
        return super().bad_values() + [(np.float64(0.0), ValueError), (np.zeros((2, 0)), ValueError)]


@declare(z=Z)
def sigmoid(z):
    """Logistic sigmoid, sigma(z) = 1 / (1 + exp(-z)).

    Computed without overflow for any finite z: for z >= 0 it uses
    1 / (1 + e^-z), for z < 0 the equal form e^z / (1 + e^z), so ``exp`` only
    ever sees a non-positive argument. Lesson 3 shows why the naive formula
    warns for z < -709.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, same shape as z, values in [0, 1]
    """
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@declare(z=Z)
def sigmoid_prime(z):
    """Derivative of the sigmoid: sigma'(z) = sigma(z) * (1 - sigma(z)).

    Its maximum is 0.25 at z = 0; it falls towards 0 as |z| grows (saturation).

    Parameters
    ----------
    z : array_like, any shape (the *input* of the sigmoid, not its output)

    Returns
    -------
    ndarray, same shape as z, values in [0, 0.25]
    """
    return sigmoid_prime_from_a(sigmoid(z))


def sigmoid_prime_from_a(a):
    """sigma'(z) = a * (1 - a), written with the sigmoid's output a = sigma(z) (lessons 3 and 4).

    The one place the course computes the sigmoid's slope: :func:`sigmoid_prime`,
    backprop's ``slope``, the quadratic cost's output error and the fast trainer
    (through :func:`sigmoid_prime_from_a_inplace`) all come here.
    """
    return a * (1.0 - a)


def sigmoid_prime_from_a_inplace(a, out):
    """:func:`sigmoid_prime_from_a` written into ``out`` (same shape as ``a``): two numpy calls, no temporary."""
    np.subtract(1.0, a, out)
    np.multiply(out, a, out)


def sigmoid_denominator_inplace(z, out):
    """out = 1 + e^-z, so that sigma(z) = 1 / out: no temporary arrays (the fast trainer's output layer).

    The fast trainer keeps this E for the epoch's cost (``log E`` is the cross-entropy's
    ``-log sigma(z)``). ``exp`` may overflow to inf for z < -709: then 1 / inf = 0 is exact.
    """
    np.negative(z, out)
    np.exp(out, out)
    np.add(out, 1.0, out)


def sigmoid_inplace(z, out):
    """out = sigma(z) = 1 / (1 + e^-z) with no temporary arrays (the fast trainer's hidden layers)."""
    np.negative(z, out)
    np.exp(out, out)  # may overflow to inf for z < -709: 1/inf = 0 is then exact
    np.add(out, 1.0, out)
    np.divide(1.0, out, out)  # (np.reciprocal has no vectorized loop: this is twice as fast)


@declare(z=Z)
def tanh(z):
    """Hyperbolic tangent, tanh(z) = (e^z - e^-z) / (e^z + e^-z); range (-1, 1)."""
    return np.tanh(z)


@declare(z=Z)
def tanh_prime(z):
    """Derivative of tanh: 1 - tanh(z)**2; maximum 1 at z = 0."""
    return tanh_prime_from_a(np.tanh(z))


def tanh_prime_from_a(a):
    """tanh'(z) = 1 - a**2, written with the output a = tanh(z)."""
    return 1.0 - a * a


def tanh_prime_from_a_inplace(a, out):
    """:func:`tanh_prime_from_a` written into ``out``."""
    np.multiply(a, a, out)
    np.subtract(1.0, out, out)


def tanh_inplace(z, out):
    """out = tanh(z)."""
    np.tanh(z, out=out)


@declare(z=Z)
def relu(z):
    """Rectified linear unit, max(0, z)."""
    return np.maximum(z, 0.0)


@declare(z=Z)
def relu_prime(z):
    """Derivative of ReLU: 1 for z > 0, 0 for z <= 0 (we pick 0 at the kink); NaN for NaN."""
    return np.heaviside(z, 0.0)  # (z > 0) as 0.0/1.0, except that NaN stays NaN


def relu_prime_from_a(a):
    """relu'(z) = 1 where a = max(0, z) > 0, else 0."""
    return (a > 0).astype(np.float64)


def relu_prime_from_a_inplace(a, out):
    """:func:`relu_prime_from_a` written into ``out``: a >= 0, so sign(a) is exactly relu'(z)."""
    np.sign(a, out=out)


def relu_inplace(z, out):
    """out = max(0, z)."""
    np.maximum(z, 0.0, out=out)


@declare(z=Rows())
def softmax(z):
    """Softmax over the last axis: softmax(z)_k = exp(z_k) / sum_j exp(z_j) (lesson 9).

    Each row becomes a probability distribution: entries in [0, 1], summing to 1.
    Computed as exp(z - max(z)) / sum(exp(z - max(z))) row by row: subtracting
    the row's largest entry changes nothing (it cancels between numerator and
    denominator) but keeps every exp argument <= 0, so nothing overflows even at
    z = 1000, and the largest entry's exp is exactly 1, so the sum is never 0.

    Parameters
    ----------
    z : array_like, shape (..., k), e.g. ``(m, s_L)``: one row per example
        At least one axis, the last one non-empty.

    Returns
    -------
    ndarray, same shape as z, each row summing to 1
        A row holding +inf, or only -inf, or NaN gives NaN in that row.
    """
    with np.errstate(invalid="ignore"):  # inf - inf in a row holding +inf: NaN, as documented
        e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


@declare(z=Rows())
def log_softmax(z):
    """log softmax(z) over the last axis, by log-sum-exp: z_k - max - log(sum_j exp(z_j - max)) (lesson 9).

    ``np.log(softmax(z))`` would give -inf once a probability underflows to 0
    (at z = [0, -1000] the second one is e^-1000); this form never takes the log
    of a tiny number: the sum inside the log is between 1 and k, so the result is
    finite for every finite z (e.g. ``log_softmax([0, -1000]) == [0, -1000]``).

    Parameters
    ----------
    z : array_like, shape (..., k), at least one axis, the last one non-empty

    Returns
    -------
    ndarray, same shape as z, every entry <= 0; ``exp`` of a row sums to 1
    """
    with np.errstate(invalid="ignore"):
        shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax_inplace(z, out):
    """out = softmax(z) row by row, the same numbers as :func:`softmax` (the fast trainer's output layer)."""
    np.subtract(z, np.max(z, axis=-1, keepdims=True), out)
    np.exp(out, out)
    out /= np.sum(out, axis=-1, keepdims=True)


class Activation(NamedTuple):
    """One row of :data:`ACTIVATIONS`: an activation, its slope, and their in-place forms.

    ``fn(z)``, ``prime(z)`` and ``prime_from_a(a)`` are the lesson's functions;
    ``fn_inplace(z, out)`` and ``prime_from_a_inplace(a, out)`` compute the same numbers
    into a preallocated ``out`` for the fast trainer (:mod:`bpkit._sgd_kernel`), which
    calls them instead of restating them. ``max_slope`` is the largest f'(z) (what
    :func:`saturated` measures against). Read the fields by name: the record may grow.
    """

    fn: Callable
    prime: Callable
    prime_from_a: Callable
    fn_inplace: Callable
    prime_from_a_inplace: Callable
    max_slope: float


ACTIVATIONS = {
    "sigmoid": Activation(sigmoid, sigmoid_prime, sigmoid_prime_from_a, sigmoid_inplace,
                          sigmoid_prime_from_a_inplace, 0.25),
    "tanh": Activation(tanh, tanh_prime, tanh_prime_from_a, tanh_inplace, tanh_prime_from_a_inplace, 1.0),
    "relu": Activation(relu, relu_prime, relu_prime_from_a, relu_inplace, relu_prime_from_a_inplace, 1.0),
}

class Output(NamedTuple):
    """One row of :data:`OUTPUTS`: an output layer a(L) = fn(z(L)) and what the fast trainer keeps of it.

    ``keep_inplace(z, out)`` writes what the cost's in-place forms read
    (:mod:`bpkit.costs`): E = 1 + e^-z for the sigmoid (a = 1 / E), the
    probabilities themselves for the softmax. ``cost_kinds`` are the costs
    that go with this output layer.
    """

    fn: Callable
    keep_inplace: Callable
    cost_kinds: tuple


#: The output layers a :class:`bpkit.Network` can have (``Network(..., output=name)``): the
#: sigmoid, one unit at a time (lessons 1-8), and the softmax, each row a distribution (lesson 9).
OUTPUTS = {
    "sigmoid": Output(sigmoid, sigmoid_denominator_inplace, ("quadratic", "cross_entropy")),
    "softmax": Output(softmax, softmax_inplace, ("softmax_cross_entropy",)),
}

#: A unit is *saturated* where its slope f'(z) is below this fraction of the activation's largest
#: slope: sigma'(z) < 0.0025 (|z| > 6), tanh'(z) < 0.01 (|z| > 3.3), a ReLU at 0. Lessons 6 and 8 count
#: saturated units with :func:`saturated`, so both mean the same thing.
SATURATION = 0.01


@declare(activation=Options(("sigmoid", "tanh", "relu")), a=Z)
def saturated(activation, a):
    """True where a unit's slope f'(z) is below :data:`SATURATION` times the activation's largest slope.

    Parameters
    ----------
    activation : {"sigmoid", "tanh", "relu"}
    a : array_like, any shape: the activation's *output* a = f(z) (a hidden layer's ``activations[l]``)

    Returns
    -------
    ndarray of bool, same shape as a
    """
    act = ACTIVATIONS[activation]
    return act.prime_from_a(a) < SATURATION * act.max_slope
