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

All functions are elementwise: any shape in, the same shape out (float64).
``z`` may be a number, a list or an array of real numbers; str, None, complex,
masked or object input raises ``TypeError`` naming ``z``
(:func:`bpkit._validate.real_array`). NaN goes in, NaN comes out (also for
``relu_prime``); inf is a limit (``sigmoid(inf) == 1``).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from . import _validate


def _float_array(z):
    return _validate.real_array("z", z)


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
    z = _float_array(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


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
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent, tanh(z) = (e^z - e^-z) / (e^z + e^-z); range (-1, 1)."""
    return np.tanh(_float_array(z))


def tanh_prime(z):
    """Derivative of tanh: 1 - tanh(z)**2; maximum 1 at z = 0."""
    t = np.tanh(_float_array(z))
    return 1.0 - t * t


def relu(z):
    """Rectified linear unit, max(0, z)."""
    z = _float_array(z)
    return np.maximum(z, 0.0)


def relu_prime(z):
    """Derivative of ReLU: 1 for z > 0, 0 for z <= 0 (we pick 0 at the kink); NaN for NaN."""
    z = _float_array(z)
    return np.heaviside(z, 0.0)  # (z > 0) as 0.0/1.0, except that NaN stays NaN


class Activation(NamedTuple):
    """One row of :data:`ACTIVATIONS`."""

    fn: Callable
    prime: Callable
    prime_from_a: Callable


ACTIVATIONS = {
    "sigmoid": Activation(sigmoid, sigmoid_prime, lambda a: a * (1.0 - a)),
    "tanh": Activation(tanh, tanh_prime, lambda a: 1.0 - a * a),
    "relu": Activation(relu, relu_prime, lambda a: (a > 0).astype(np.float64)),
}
