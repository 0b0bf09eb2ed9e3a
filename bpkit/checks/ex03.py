"""Exercise 3, sigmoid derivative: a sigmoid that never overflows, and sigma'(z)."""
from __future__ import annotations

import numpy as np

from ..activations import sigmoid, sigmoid_prime
from ._nets import SIG_FORBIDDEN
from ._records import Mistake, Part


def _floats(z):
    return np.asarray(z, dtype=float)


# ------------------------------------------------------------ 03.1 sigmoid
def sigmoid_cases(rng):
    return [
        (np.array([-2.0, -1.0, 0.0, 1.0, 2.0]),),
        (np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]),),
        (rng.normal(0, 3, (int(rng.integers(2, 5)), int(rng.integers(5, 8)))),),
        (rng.normal(0, 400, int(rng.integers(6, 10))),),
        (float(np.round(rng.normal(0, 2), 4)),),
    ]


SIGMOID = Part(
    key="03.1", notebook="03_sigmoid_derivative", grade_id="part1_tests", function="sigmoid", points=2,
    forbidden=SIG_FORBIDDEN[:2], make_cases=sigmoid_cases, reference=sigmoid, args=("z",), kind="array",
    strict_float=True,
    mistakes=(
        Mistake.overflow("overflow",
                         "{fn} overflows for large |z|: np.exp(-z) with z = -1000 is e**1000, far beyond the "
                         "largest float, so numpy warns and returns inf. Compute e = np.exp(-np.abs(z)), which is "
                         "never larger than 1, and use 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0."),
        Mistake.nan("nan", lambda args, ref, out: True,
                    "{fn} returns nan for large |z| (for z = 1000, e**z / (1 + e**z) is inf / inf). Compute "
                    "e = np.exp(-np.abs(z)) and use 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0."),
        Mistake.variant("minus_z", lambda z: sigmoid(-_floats(z)),
                        "You computed 1 / (1 + e**z), which is sigma(-z) = 1 - sigma(z): the exponent needs a "
                        "minus sign, sigma(z) = 1 / (1 + e**(-z))."),
    ),
)


# ------------------------------------------------------- 03.2 sigmoid_prime
def sigmoid_prime_cases(rng):
    return [
        (np.array([-2.0, -1.0, 0.0, 1.0, 2.0]),),
        (rng.normal(0, 3, (int(rng.integers(2, 5)), int(rng.integers(5, 8)))),),
        (rng.uniform(-30, 30, int(rng.integers(6, 10))),),
        (float(np.round(rng.normal(0, 2), 4)),),
    ]


SIGMOID_PRIME = Part(
    key="03.2", notebook="03_sigmoid_derivative", grade_id="part2_tests", function="sigmoid_prime", points=2,
    forbidden=SIG_FORBIDDEN[2:], make_cases=sigmoid_prime_cases, reference=sigmoid_prime, args=("z",),
    kind="array",
    mistakes=(
        Mistake.variant("sigma_for_sigma_prime", sigmoid,
                        "You returned sigma(z), not its derivative: sigma'(z) = sigma(z) * (1 - sigma(z))."),
        Mistake.variant("z_prime", lambda z: _floats(z) * (1 - _floats(z)),
                        "You computed z * (1 - z). The shortcut a * (1 - a) needs a = sigma(z): first "
                        "s = sigmoid(z), then s * (1 - s)."),
        Mistake.variant("tanh_shortcut", lambda z: 1 - sigmoid(z) ** 2,
                        "You computed 1 - sigma(z)**2, which is the shortcut for tanh. For the sigmoid it is "
                        "sigma(z) * (1 - sigma(z))."),
        Mistake.variant("wrong_sign", lambda z: -sigmoid_prime(z),
                        "Wrong sign: sigma'(z) is never negative (the sigmoid only goes up). Check (1 - s) versus "
                        "(s - 1)."),
    ),
)

PARTS = (SIGMOID, SIGMOID_PRIME)
