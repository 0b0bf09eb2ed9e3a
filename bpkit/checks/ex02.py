"""Exercise 2, chain rule: dC/dw of lesson 2's neuron (C = (a - y)**2 / 2), then dJ/dW2 and dJ/dW1 of the network."""
from __future__ import annotations

import numpy as np

from ..activations import sigmoid, sigmoid_prime
from ..backprop import RULES, layer_sums, send_back
from ..costs import CrossEntropyCost, QuadraticCost
from ._nets import BP_FORBIDDEN, SIG_FORBIDDEN, TRANSPOSE_W, lesson_net, m_of, network, sizes
from ._records import Mistake, Part


def _sigma_as_slope(z, a):
    return a


def _z_slope(z, a):
    return z * (1 - z)


def _prime_of_a(z, a):
    """sigma'(a) = sigma(a) * (1 - sigma(a)): the derivative taken at the activation instead of at z."""
    return sigmoid_prime(a)


def _reshaped_sums(a, delta):
    """``(delta.T @ a).reshape(...)`` where ``a.T @ delta`` belongs: the shape made right by reshape, not .T."""
    return (delta.T @ a).reshape(a.shape[1], delta.shape[1]), delta.sum(axis=0)


PRIME_OF_A = ("You evaluated sigma' at a instead of at z: sigmoid_prime(a) = sigma(a) * (1 - sigma(a)) is "
              "sigma'(sigma(z)). Either call sigmoid_prime(z) on the weighted input z, or use the shortcut "
              "a * (1 - a) on the activation a.")
RESHAPED = ("The shape is right but the numbers are in the wrong places: you computed delta.T @ a and reshaped "
            "it. reshape keeps the order of the numbers; a transpose swaps rows and columns. Use a.T @ delta, "
            "which already has the shape of the weight.")


# ------------------------------------------------------------- 02.1 dC_dw
# Lesson 2's neuron: z = w a_in + b, a = sigma(z), C = (a - y)**2 / 2, so dC/dw = (a - y) * sigma'(z) * a_in.
def dC_dw_cases(rng):
    cases = [(0.8, 1.5, -0.5, 0.2)]  # lesson 2's numbers: z = 0.7, a = 0.6682, C = 0.1096
    for _ in range(5):
        w, b = (float(np.round(v, 4)) for v in rng.normal(0, 1.5, 2))
        a_in = float(np.round(rng.uniform(0.1, 0.9), 4))
        y = float(rng.choice([0.0, 1.0, np.round(rng.uniform(0, 1), 4)]))
        cases.append((w, a_in, b, y))
    return cases


def _chain(w, a_in, b, y, *, slope=None, dz_dw=True, dC_da=1.0):
    """dC/dw = dC/da * da/dz * dz/dw; ``slope(z, a)`` replaces da/dz, ``dC_da`` multiplies dC/da = a - y."""
    z = w * a_in + b
    a = sigmoid(z)
    return float(dC_da * (a - y) * (sigmoid_prime(z) if slope is None else slope(z, a)) * (a_in if dz_dw else 1.0))


def dC_dw(w, a_in, b, y):
    return _chain(w, a_in, b, y)


DC_DW = Part(
    key="02.1", notebook="02_chain_rule", grade_id="part1_tests", function="dC_dw", points=2,
    forbidden=SIG_FORBIDDEN[2:], make_cases=dC_dw_cases, reference=dC_dw, args=("w", "a_in", "b", "y"),
    kind="scalar",
    mistakes=(
        Mistake.variant("sigma_for_sigma_prime", lambda *a: _chain(*a, slope=_sigma_as_slope),
                        "You used sigma(z) where the derivative sigma'(z) = sigma(z) * (1 - sigma(z)) belongs: "
                        "da/dz is the slope of the sigmoid, not its value."),
        Mistake.variant("missing_sigma_prime", lambda *a: _chain(*a, slope=lambda z, a: 1.0),
                        "The factor da/dz = sigma'(z) is missing from your chain: dC/dw = dC/da * da/dz * dz/dw."),
        Mistake.variant("z_prime", lambda *a: _chain(*a, slope=_z_slope),
                        "You computed z * (1 - z). The shortcut sigma'(z) = a * (1 - a) needs a = sigma(z), not z."),
        Mistake.variant("prime_of_a", lambda *a: _chain(*a, slope=_prime_of_a), PRIME_OF_A),
        Mistake.variant("missing_dz_dw", lambda *a: _chain(*a, dz_dw=False),
                        "The factor dz/dw = a_in is missing: what you computed is dC/db (for z = w a_in + b, "
                        "dz/db = 1 but dz/dw = a_in)."),
        Mistake.variant("half_dropped", lambda *a: _chain(*a, dC_da=2.0),
                        "Your result is twice the right one: you differentiated (a - y)**2, but lesson 2's cost is "
                        "C = (a - y)**2 / 2, whose 1/2 cancels the 2 of the square: dC/da = a - y."),
        Mistake.variant("wrong_sign", lambda *a: -_chain(*a),
                        "Wrong sign: the derivative of (a - y)**2 / 2 with respect to a is (a - y), not (y - a)."),
    ),
)


# ------------------------------------------------------------ 02.2 dJ_dW2
def dJ_dW2_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    zs, activations = network(W1, b1, W2, b2).trace(X)
    cases = [(activations[1], zs[2], Y)]
    for i in range(4):
        n, h, k, m = sizes(rng)
        k = 2 if i == 0 else k  # one case with two outputs on every seed: a reshape then differs from a transpose
        cases.append((rng.uniform(0.05, 0.95, (m, h)), rng.normal(0, 1.5, (m, k)), rng.uniform(0, 1, (m, k))))
    return cases


def _dJ_dW2(a2, z3, Y, *, output_error=RULES.output_error, cost=QuadraticCost, mean=True, sums=layer_sums):
    """a(2).T @ delta(3) / m with the core's output error rule (or a mistaken one)."""
    delta3 = output_error(cost, z3, sigmoid(z3), Y)
    Delta, _ = sums(a2, delta3)
    return Delta / a2.shape[0] if mean else Delta


def dJ_dW2(a2, z3, Y):
    return _dJ_dW2(a2, z3, Y)


DJ_DW2 = Part(
    key="02.2", notebook="02_chain_rule", grade_id="part2_tests", function="dJ_dW2", points=3,
    forbidden=SIG_FORBIDDEN[2:] + BP_FORBIDDEN[:4], make_cases=dJ_dW2_cases, reference=dJ_dW2,
    args=("a2", "z3", "Y"), kind="array", m_of=m_of, transpose_hint=TRANSPOSE_W,
    mistakes=(
        Mistake.variant("missing_1/m", lambda *a: _dJ_dW2(*a, mean=False),
                        "Off by a factor of m = {m}: your gradient is a sum over the examples. J is a mean, so "
                        "divide a2.T @ delta3 by m."),
        Mistake.variant("sigma_for_sigma_prime",
                        lambda *a: _dJ_dW2(*a, output_error=lambda cost, z, s, Y: (s - Y) * s),
                        "You used sigma(z3) where sigma'(z3) = sigma(z3) * (1 - sigma(z3)) belongs."),
        Mistake.variant("z_prime",
                        lambda *a: _dJ_dW2(*a, output_error=lambda cost, z, s, Y: (s - Y) * _z_slope(z, s)),
                        "You computed z3 * (1 - z3). The shortcut sigma'(z) = a * (1 - a) needs a = sigma(z3), "
                        "not z3."),
        Mistake.variant("missing_output_prime", lambda *a: _dJ_dW2(*a, cost=CrossEntropyCost),
                        "Your output error is (yhat - y), the cross-entropy one. With the quadratic cost "
                        "delta3 = (yhat - y) * sigma'(z3): the factor sigma'(z3) is missing."),
        Mistake.variant("prime_of_a",
                        lambda *a: _dJ_dW2(*a, output_error=lambda cost, z, s, Y: (s - Y) * _prime_of_a(z, s)),
                        PRIME_OF_A),
        Mistake.variant("reshaped_not_transposed", lambda *a: _dJ_dW2(*a, sums=_reshaped_sums), RESHAPED),
        Mistake.variant("wrong_sign",
                        lambda *a: _dJ_dW2(*a, output_error=lambda cost, z, s, Y: -cost.delta(z, s, Y)),
                        "Wrong sign: dJ/dyhat = (yhat - y) / m, not (y - yhat) / m."),
    ),
)


# ------------------------------------------------------------ 02.3 dJ_dW1
def dJ_dW1_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    zs, activations = network(W1, b1, W2, b2).trace(X)
    cases = [(X, zs[1], W2, QuadraticCost.delta(zs[2], activations[2], Y))]
    for i in range(4):
        n, h, k, m = sizes(rng)
        k = 2 if i == 0 else k  # one case with two outputs on every seed: a reshape then differs from a transpose
        X = rng.uniform(-1, 1, (m, n))
        cases.append((X, rng.normal(0, 1.5, (m, h)), rng.standard_normal((h, k)), 0.2 * rng.standard_normal((m, k))))
    return cases


def _dJ_dW1(X, z2, W2, delta3, *, slope=None, mean=True, sums=layer_sums, reshape_W2=False):
    """X.T @ delta(2) / m, delta(2) sent back by the core's rule; ``slope(z, a)`` replaces sigma'(z(2))."""
    a2 = sigmoid(z2)
    fp = RULES.slope("sigmoid", z2, a2) if slope is None else slope(z2, a2)
    if reshape_W2:  # delta3 @ W2.reshape(k, h) where W2.T belongs
        delta2 = (delta3 @ W2.reshape(W2.shape[1], W2.shape[0])) * fp
    else:
        delta2 = send_back(delta3, W2, fp)
    Delta, _ = sums(X, delta2)
    return Delta / X.shape[0] if mean else Delta


def dJ_dW1(X, z2, W2, delta3):
    return _dJ_dW1(X, z2, W2, delta3)


DJ_DW1 = Part(
    key="02.3", notebook="02_chain_rule", grade_id="part3_tests", function="dJ_dW1", points=3,
    forbidden=SIG_FORBIDDEN[2:] + BP_FORBIDDEN[:4], make_cases=dJ_dW1_cases, reference=dJ_dW1,
    args=("X", "z2", "W2", "delta3"), kind="array", m_of=m_of, transpose_hint=TRANSPOSE_W,
    mistakes=(
        Mistake.variant("missing_1/m", lambda *a: _dJ_dW1(*a, mean=False),
                        "Off by a factor of m = {m}: your gradient is a sum over the examples. Divide X.T @ delta2 "
                        "by m."),
        Mistake.variant("missing_hidden_prime", lambda *a: _dJ_dW1(*a, slope=lambda z, a: 1.0),
                        "The factor sigma'(z2) is missing: the error reaching the hidden layer is "
                        "delta2 = (delta3 @ W2.T) * sigma'(z2)."),
        Mistake.variant("sigma_for_sigma_prime", lambda *a: _dJ_dW1(*a, slope=_sigma_as_slope),
                        "You used sigma(z2) where sigma'(z2) = sigma(z2) * (1 - sigma(z2)) belongs."),
        Mistake.variant("z_prime", lambda *a: _dJ_dW1(*a, slope=_z_slope),
                        "You computed z2 * (1 - z2). The shortcut sigma'(z) = a * (1 - a) needs a = sigma(z2), "
                        "not z2."),
        Mistake.variant("prime_of_a", lambda *a: _dJ_dW1(*a, slope=_prime_of_a), PRIME_OF_A),
        Mistake.variant("reshaped_not_transposed", lambda *a: _dJ_dW1(*a, sums=_reshaped_sums), RESHAPED),
        Mistake.variant("reshaped_W2", lambda *a: _dJ_dW1(*a, reshape_W2=True),
                        "You sent the error back through W2 reshaped to (s_3, s_2) instead of transposed: "
                        "reshape keeps the order of the numbers, W2.T swaps rows and columns. "
                        "delta2 = (delta3 @ W2.T) * sigma'(z2)."),
    ),
)

PARTS = (DC_DW, DJ_DW2, DJ_DW1)
