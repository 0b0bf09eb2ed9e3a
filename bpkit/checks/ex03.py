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
        # float32 in (the contract: any array): e**100 already overflows in float32
        (np.array([-100.0, -20.0, 0.0, 20.0, 100.0], dtype=np.float32) * np.float32(rng.uniform(0.9, 1.0)),),
        (np.zeros((0, 3)),),  # an empty batch: same shape out
    ]


def _not_exact_at_1000(part, args, out):
    """sigma(-1000) must be exactly 0 and sigma(1000) exactly 1 (the contract): a clipped z gives e**-500."""
    z = np.asarray(args[0], dtype=float)
    big = np.abs(z) >= 1000
    if not big.any():
        return False
    o = np.asarray(out, dtype=float)
    if o.shape != z.shape or not np.all(np.isfinite(o[big])):
        return False  # nan or inf there is the overflow's own mistake
    want = (z[big] > 0).astype(float)
    # right to within the check's tolerance, yet not exact: the other mistakes say what else is wrong
    return np.allclose(o[big], want, rtol=0.0, atol=1e-9) and not np.array_equal(o[big], want)


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
        Mistake.contract("clipped", _not_exact_at_1000,
                         "{fn}(-1000) must be exactly 0 and {fn}(1000) exactly 1, but yours are not (case {i}: "
                         "{args}): did you clip z, e.g. np.clip(z, -500, 500)? Then numpy still computes e**500, "
                         "a huge number the contract forbids. Do not clip: compute e = np.exp(-np.abs(z)), never "
                         "larger than 1, and choose 1 / (1 + e) or e / (1 + e) by the sign of z."),
        Mistake.variant("minus_z", lambda z: sigmoid(-_floats(z)),
                        "You computed 1 / (1 + e**z), which is sigma(-z) = 1 - sigma(z): the exponent needs a "
                        "minus sign, sigma(z) = 1 / (1 + e**(-z))."),
    ),
)


# ------------------------------------------------------- 03.2 sigmoid_prime
def sigmoid_prime_cases(rng):
    return [
        (np.array([-2.0, -1.0, 0.0, 1.0, 2.0]),),
        (np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]) * float(rng.choice([1.0, -1.0])),),  # |z| = 1000
        (rng.normal(0, 3, (int(rng.integers(2, 5)), int(rng.integers(5, 8)))),),
        (rng.uniform(-30, 30, int(rng.integers(6, 10))),),
        (float(np.round(rng.normal(0, 2), 4)),),
    ]


SIGMOID_PRIME = Part(
    key="03.2", notebook="03_sigmoid_derivative", grade_id="part2_tests", function="sigmoid_prime", points=2,
    forbidden=SIG_FORBIDDEN[2:], make_cases=sigmoid_prime_cases, reference=sigmoid_prime, args=("z",),
    kind="array",
    mistakes=(
        Mistake.nan("exp_ratio_overflow", lambda args, ref, out: np.any(np.abs(np.asarray(args[0])) >= 700),
                    "{fn} returns nan or inf for large |z| (case {i}): e**(-z) / (1 + e**(-z))**2 is inf / inf "
                    "at z = -1000. Write the slope from the sigmoid's value, s * (1 - s) with s = sigmoid(z) "
                    "(your part 1, which never overflows)."),
        Mistake.variant("prime_of_a", lambda z: sigmoid_prime(sigmoid(_floats(z))),
                        "You evaluated sigma' at a = sigma(z) instead of at z: sigma(s) * (1 - sigma(s)) with "
                        "s = sigma(z) is sigma'(sigma(z)). Apply the shortcut to s itself: s * (1 - s)."),
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
