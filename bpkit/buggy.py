"""Planted bugs for lesson 7's bug hunt: backprop with one rule changed.

Each bug is :func:`bpkit.backprop`'s own pass (:func:`bpkit.backprop.batch_sums`
and :func:`bpkit.backprop.gradients`) with exactly one of its five rules
(:class:`bpkit.backprop.Rules`) replaced by a mistake that learners really
make, marked with a ``# BUG:`` comment; the mistake calls the right rules of
:mod:`bpkit.backprop` with a wrong argument or a wrong reshaping, so no formula is
written out twice. Every one returns arrays of the right
shapes and lets a network "train a bit", which is why they are hard to see by
reading; :func:`bpkit.gradient_check` catches each one. They have the signature
of ``bpkit.backprop``, so they can be passed as ``grad_fn``::

    bpkit.gradient_check(net, X, Y, grad_fn=bpkit.buggy.backprop_forgot_1_over_m)

Do not use them for training. :data:`BUGS` is the one catalogue of planted bugs
(lesson 7, exercise 7 and the checks use its names); :data:`CHANGED` says which
rule each one changes.
"""
from __future__ import annotations

from ._params import declare
from .activations import sigmoid_prime
from .backprop import RULES, average, batch_sums, gradients, layer_sums
from .costs import KIND, LAM, NET, prepare


def planted(net, X, Y, kind, lam, **changed):
    """``bpkit.backprop`` with the rules named in ``changed`` replaced: ``planted(..., slope=f)``."""
    X, Y, C = prepare(net, X, Y, kind)  # each argument's own check is declared on the public bug
    rules = RULES._replace(**changed)
    Delta_W, Delta_b = batch_sums(net, X, Y, C, rules)
    return gradients(Delta_W, Delta_b, net, lam, X.shape[0], rules)


@declare(net=NET, kind=KIND, lam=LAM)
def backprop_missing_sigma_prime(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: the hidden layers' error skips the activation's slope f'(z).

    Right: ``delta(l) = (delta(l+1) @ W(l).T) * f'(z(l))``.
    Here:  ``delta(l) =  delta(l+1) @ W(l).T``.
    The output layer's gradients stay right (they do not go through a hidden
    f'), so the per-layer report flags every layer except the last.
    """
    return planted(net, X, Y, kind, lam,
                   slope=lambda activation, z, a: 1.0)  # BUG: forgot f'(z): the slope is taken as 1


@declare(net=NET, kind=KIND, lam=LAM)
def backprop_sigma_prime_of_a(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: the slope is taken at the wrong place, ``sigmoid_prime(a)`` instead of at z.

    ``sigmoid_prime`` expects z; given ``a = sigma(z)`` it computes
    ``sigma(a) * (1 - sigma(a))``, not ``a * (1 - a)``. The numbers look
    plausible (always between 0.19 and 0.25), so only a gradient check shows it.
    """
    return planted(net, X, Y, kind, lam,
                   slope=lambda activation, z, a: sigmoid_prime(a))  # BUG: sigmoid_prime wants z, got a


@declare(net=NET, kind=KIND, lam=LAM)
def backprop_transposed(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: a transposed matrix "fixed" with reshape.

    The sum over examples is written in Ng's orientation, ``delta.T @ a``, of
    shape ``(s_(l+1), s_l)`` -- the transpose of ``W(l)``. To make it fit, the
    code calls ``.reshape`` instead of ``.T``: the shape is now right, the
    numbers are in the wrong places. A layer with a single row or column is
    not hurt (there reshape and transpose agree), so the per-layer report shows
    exactly which matrices are scrambled.
    """
    def transposed_sums(a, delta):
        Delta, Delta_b = layer_sums(a, delta)  # Delta.T is Ng's delta.T @ a
        return Delta.T.reshape(Delta.shape), Delta_b  # BUG: reshape is not .T

    return planted(net, X, Y, kind, lam, layer_sums=transposed_sums)


@declare(net=NET, kind=KIND, lam=LAM)
def backprop_forgot_1_over_m(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: returns the sum over examples, not the mean: the 1/m is missing.

    Every entry is m times too large, so the direction is right and the
    relative error is exactly ``(m - 1) / (m + 1)`` in every row of the report:
    the tell-tale sign of a missing factor. (The cost is an average, so its
    gradient must be one too.)
    """
    return planted(net, X, Y, kind, lam, average=lambda Delta_W, Delta_b, W, b, lam, m:
                   average(Delta_W, Delta_b, W, b, lam, 1))  # BUG: forgot "/ m" (divides by 1)


@declare(net=NET, kind=KIND, lam=LAM)
def backprop_regularized_bias(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: the L2 term is added to the bias gradients too.

    The cost's penalty ``lam/(2m) * sum(W**2)`` has no biases in it, so
    ``dJ/db`` must not get ``lam * b / m``. Only the ``b(l)`` rows of the report
    go wrong, and only when ``lam > 0`` and the biases are not zero -- which is
    why a check with ``lam=0`` or fresh zero biases misses it.
    """
    return planted(net, X, Y, kind, lam, average=lambda Delta_W, Delta_b, W, b, lam, m: (
        average(Delta_W, Delta_b, W, b, lam, m)[0],
        average(Delta_b, Delta_b, b, b, lam, m)[0]))  # BUG: the bias averaged like a weight, L2 term and all


@declare(net=NET, kind=KIND, lam=LAM)
def backprop_output_sign(net, X, Y, kind="quadratic", lam=0.0):
    """Bug: the output error has the wrong sign, ``y - a`` instead of ``a - y``.

    Every data term of the gradient points uphill instead of downhill (only the
    L2 term keeps its sign), so training walks away from the targets. With
    ``lam = 0`` the bug returns exactly minus the right gradient: ``g + n`` is
    then nearly zero and the relative error ``||g - n|| / ||g + n||`` is huge.
    """
    return planted(net, X, Y, kind, lam,
                   output_error=lambda cost, z, a, Y: -cost.delta(z, a, Y))  # BUG: (y - a), not (a - y)


BUGS = {
    "missing_sigma_prime": backprop_missing_sigma_prime,
    "sigma_prime_of_a": backprop_sigma_prime_of_a,
    "transposed": backprop_transposed,
    "forgot_1/m": backprop_forgot_1_over_m,
    "regularized_bias": backprop_regularized_bias,
    "output_sign": backprop_output_sign,
}

CHANGED = {
    "missing_sigma_prime": "slope",
    "sigma_prime_of_a": "slope",
    "transposed": "layer_sums",
    "forgot_1/m": "average",
    "regularized_bias": "average",
    "output_sign": "output_error",
}

__all__ = ["BUGS", "CHANGED", "planted"] + [f.__name__ for f in BUGS.values()]
