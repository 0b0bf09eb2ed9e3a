"""Exercise 4, Delta accumulation: backprop as a loop and vectorized, and Ng's Theta.

The references are :func:`bpkit.backprop_loop` and :func:`bpkit.backprop`; each
mistake is the core's backward pass with one or two of its rules
(:class:`bpkit.backprop.Rules`) changed, through :func:`._nets.planted`, or a
planted bug of :data:`bpkit.buggy.BUGS` by its name.
"""
from __future__ import annotations

import numpy as np

from ..backprop import average, backprop, backprop_loop, layer_sums
from ._nets import BP_FORBIDDEN, GRADS, NET_ARGS, TRANSPOSE_W, bug, lesson_net, m_of, network, planted, \
    random_net_case, sizes
from ._records import Mistake, Part


# --------------------------------------------- mistaken rules of the backward pass
def last_row(a, delta):
    """``Delta = ...`` where ``Delta += ...`` belongs: only the last example's outer product is kept."""
    return layer_sums(a[-1:], delta[-1:])


def not_averaged(Delta_W, Delta_b, W, b, lam, m):
    """The sums themselves: no division by m."""
    return average(Delta_W, Delta_b, W, b, lam, 1)


def bias_not_averaged(Delta_W, Delta_b, W, b, lam, m):
    """The weights averaged, the bias sums left as they are."""
    return average(Delta_W, Delta_b, W, b, lam, m)[0], Delta_b


def weights_not_averaged(Delta_W, Delta_b, W, b, lam, m):
    """The biases averaged, the weight sums left as they are (the L2 term still over m)."""
    return Delta_W + lam * W / m, Delta_b / m


def sigma_error(cost, z, a, Y):
    """The output error with sigma(z) = a where sigma'(z) belongs."""
    return (a - Y) * a


def z_error(cost, z, a, Y):
    """The output error with z * (1 - z) where sigma'(z) = a * (1 - a) belongs."""
    return (a - Y) * z * (1 - z)


def z_slope(activation, z, a):
    """z * (1 - z) where the slope sigma'(z) = a * (1 - a) belongs."""
    return z * (1 - z)


def planted_bug(name, message):
    """The mistake that is the planted bug ``bpkit.buggy.BUGS[name]``, under the catalogue's own name."""
    return Mistake.variant(name, lambda *a: bug(name, *a), message)


def backprop_mistakes(*, loop):
    """The mistakes of a 2-layer backprop (parts 04.1, 04.2 and, from ``bias_sum`` on, 05.2)."""
    ms = []
    if loop:
        ms += [
            Mistake.variant("last_only", lambda *a: planted(*a, layer_sums=last_row),
                            "Your Delta keeps only the last example: inside the loop use `Delta += ...` so every "
                            "example adds its nudges, instead of `Delta = ...`."),
            Mistake.variant("last_only_sum", lambda *a: planted(*a, layer_sums=last_row, average=not_averaged),
                            "Your Delta keeps only the last example (and is not divided by m): use "
                            "`Delta += ...` inside the loop, then divide by m after it."),
        ]
    return tuple(ms) + (
        planted_bug("forgot_1/m",
                    "Off by a factor of m = {m}: your gradients are sums over the examples (Delta itself). The "
                    "cost is a mean, so divide every Delta by m."),
        Mistake.variant("bias_sum", lambda *a: planted(*a, average=bias_not_averaged),
                        "Your weight gradients are right, but the bias gradients are a sum over the examples, "
                        "m = {m} times too large. Divide them by m as well: dJ/db is a mean."),
        Mistake.variant("weight_sum", lambda *a: planted(*a, average=weights_not_averaged),
                        "Your bias gradients are right, but the weight gradients are a sum over the examples, "
                        "m = {m} times too large. Divide Delta_W by m as well."),
        Mistake.variant("sigma_for_sigma_prime",
                        lambda *a: planted(*a, output_error=sigma_error, slope=lambda activation, z, a: a),
                        "You used sigma(z) (that is, a) where the derivative sigma'(z) = a * (1 - a) belongs."),
        Mistake.variant("z_prime", lambda *a: planted(*a, output_error=z_error, slope=z_slope),
                        "You computed z * (1 - z). The shortcut sigma'(z) = a * (1 - a) needs the activation "
                        "a = sigma(z), not z."),
        planted_bug("missing_sigma_prime",
                    "dW2 and db2 are right, but dW1 and db1 are not: when you send the error back, "
                    "delta(2) = (delta(3) @ W2.T) * sigma'(z(2)). The factor sigma'(z(2)) is missing."),
        Mistake.variant("missing_output_prime", lambda *a: planted(*a, kind="cross_entropy"),
                        "Your output error is a - y, which is right for the cross-entropy cost. With the quadratic "
                        "cost it is delta(3) = (a - y) * sigma'(z(3)): the factor sigma'(z(3)) is missing."),
        planted_bug("output_sign",
                    "Wrong sign: your gradients are minus the right ones. The output error is (a - y), not "
                    "(y - a)."),
    )


# ----------------------------------------------------- 04.1 and 04.2 backprop
def backprop_cases(rng):
    return [lesson_net()] + [random_net_case(rng) for _ in range(4)]


def loop_reference(X, Y, W1, b1, W2, b2):
    dW, db = backprop_loop(network(W1, b1, W2, b2), X, Y)
    return dW[0], db[0], dW[1], db[1]


def vectorized_reference(X, Y, W1, b1, W2, b2):
    dW, db = backprop(network(W1, b1, W2, b2), X, Y)
    return dW[0], db[0], dW[1], db[1]


_BACKPROP = dict(notebook="04_delta_accumulation", points=4, forbidden=BP_FORBIDDEN, make_cases=backprop_cases,
                 args=NET_ARGS, kind="arrays", out_names=GRADS, m_of=m_of, transpose_hint=TRANSPOSE_W)

LOOP = Part(key="04.1", grade_id="part1_tests", function="backprop_loop", reference=loop_reference,
            mistakes=backprop_mistakes(loop=True), **_BACKPROP)

VECTORIZED = Part(key="04.2", grade_id="part2_tests", function="backprop_vectorized",
                  reference=vectorized_reference, mistakes=backprop_mistakes(loop=False), **_BACKPROP)


# --------------------------------------------------------------- 04.3 to_theta
def theta_cases(rng):
    cases = [(lesson_net()[2], np.array([0.1, -0.2, 0.3]))]
    for _ in range(4):
        n, h, _, _ = sizes(rng)
        cases.append((rng.standard_normal((n, h)), rng.standard_normal(h)))
    return cases


def to_theta(W, b):
    return network(W, b).to_thetas()[0]


THETA = Part(
    key="04.3", notebook="04_delta_accumulation", grade_id="part3_tests", function="to_theta", points=2,
    forbidden=("bpkit.Network.to_thetas", "bpkit.network.Network.to_thetas"),
    make_cases=theta_cases, reference=to_theta, args=("W", "b"), kind="array",
    transpose_hint="Theta(l) has one row per unit of the next layer: shape (s_(l+1), s_l + 1), "
                   "so it holds W.T, not W.",
    mistakes=(
        Mistake.variant("bias_last", lambda W, b: np.hstack([W.T, b[:, None]]),
                        "The bias is in the last column; Ng's convention puts it in column 0: "
                        "Theta = [b[:, None], W.T]."),
        Mistake.variant("bias_row", lambda W, b: np.vstack([b[None, :], W]),
                        "You stacked b on top of W, giving shape (s_l + 1, s_(l+1)): that is Theta transposed. "
                        "Theta(l) has one row per unit of the next layer: np.hstack([b[:, None], W.T])."),
    ),
)

PARTS = (LOOP, VECTORIZED, THETA)
