"""Exercise 3, sigmoid derivative: a sigmoid that never overflows, sigma'(z), a prediction and softplus's slope.

* 03.1 ``sigmoid`` and 03.2 ``sigmoid_prime``: practice (lesson 3).
* 03.3 ``slope_moves(z)``: a prediction, graded as a value: which way sigma'(z) moves when z is nudged
  up (-1, 0 or +1), at the prompt's points in an order drawn from the seed (the sign of the core's
  sigma'(z) differentiated once more, by central differences).
* 03.4 ``softplus_prime(z, beta)``: the transfer part, the slope of softplus with a sharpness beta,
  log(1 + e**(beta z)) / beta, which no lesson derives; stable at |z| = 1000.
"""
from __future__ import annotations

import numpy as np

from ..activations import sigmoid, sigmoid_prime
from ._nets import SIG_FORBIDDEN
from ._compare import not_a_direction as _not_a_direction
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



# ------------------------------------------------------- 03.3 slope_moves (predict)
#: the points of the prompt
SLOPE_POINTS = (-5.0, -2.0, -0.5, 0.0, 1.0, 4.0)


def slope_moves(z):
    """The right answer: the way sigma'(z) moves when z goes up a little (-1, 0 or +1), from the core's sigma'."""
    h = 1e-4
    change = float(sigmoid_prime(z + h) - sigmoid_prime(z - h))
    return 0.0 if abs(change) < 1e-12 else float(np.sign(change))


def slope_cases(rng):
    """z = 1 first (the prompt's example), then every point in an order drawn from the seed."""
    return [(1.0,)] + [(float(z),) for z in rng.permutation(SLOPE_POINTS)]


SLOPE_MOVES = Part(
    key="03.3", notebook="03_sigmoid_derivative", grade_id="part3_tests", function="slope_moves", points=2,
    forbidden=(), make_cases=slope_cases, reference=slope_moves, args=("z",), kind="scalar",
    mistakes=(
        Mistake.contract("not_a_direction", _not_a_direction,
                         "{fn} should return a direction, -1 (the slope falls), 0 (it does not move) or +1 (it "
                         "rises), but on case {i} ({args}) it returned another number: the question is which "
                         "way sigma'(z) moves, not its value."),
        Mistake.variant("valley", lambda z: float(np.sign(z)),
                        "Every answer is reversed: you treated z = 0 as the place where the slope is smallest. "
                        "It is the largest there (0.25), so the slope rises towards 0 and falls beyond it."),
        Mistake.variant("peak_not_flat", lambda z: 1.0 if z == 0 else slope_moves(z),
                        "At z = 0 the slope is at its maximum: a peak is flat, so a small nudge does not move "
                        "it (0), it neither rises nor falls."),
        Mistake.variant("peak_falls", lambda z: -1.0 if z == 0 else slope_moves(z),
                        "At z = 0 the slope is at its maximum: a peak is flat, so a small nudge does not move "
                        "it (0). It falls only once z is past 0."),
        Mistake.variant("saturated_flat", lambda z: 0.0 if abs(z) >= 4 else slope_moves(z),
                        "In saturation the slope is tiny, but it still shrinks as z moves further out: tiny is "
                        "not constant. Only at z = 0 does it stand still."),
    ),
)


# ------------------------------------------------- 03.4 softplus_prime (transfer)
def softplus_prime(z, beta):
    """The right answer: d/dz of log(1 + e**(beta z)) / beta, the core's sigmoid at beta z."""
    return sigmoid(beta * _floats(z))


def softplus_cases(rng):
    return [
        (np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), 1.0),
        (rng.normal(0, 3, (int(rng.integers(2, 5)), int(rng.integers(5, 8)))), float(rng.choice([0.5, 2.0, 3.0]))),
        (np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]) * float(rng.choice([1.0, -1.0])), float(rng.choice([1.0, 2.0]))),
        (rng.uniform(-6, 6, int(rng.integers(6, 10))), float(rng.choice([0.25, 4.0]))),
        (float(np.round(rng.normal(0, 2), 4)), float(rng.choice([0.5, 2.0]))),
    ]


def _sp(rule):
    """A mistaken slope ``rule(beta z, beta)``."""
    def wrong(z, beta):
        with np.errstate(all="ignore"):
            return rule(beta * _floats(z), float(beta))
    return wrong


def _huge(args, ref, out):
    return bool(np.any(np.abs(np.asarray(args[0], dtype=float)) * args[1] >= 700))


SOFTPLUS_PRIME = Part(
    key="03.4", notebook="03_sigmoid_derivative", grade_id="part4_tests", function="softplus_prime", points=3,
    forbidden=SIG_FORBIDDEN, make_cases=softplus_cases, reference=softplus_prime, args=("z", "beta"),
    kind="array", strict_float=True,
    mistakes=(
        Mistake.overflow("overflow",
                         "{fn} overflows for large |z|: e**(beta z) at z = 1000 is far beyond the largest "
                         "float. Simplify the derivative first: the result is a function you have already "
                         "written so that it never overflows."),
        Mistake.nan("nan", _huge,
                    "{fn} returns nan or inf for large |z| (case {i}): e**(beta z) / (1 + e**(beta z)) is inf / "
                    "inf at z = 1000. Simplify the derivative first: it is a function you have already written "
                    "so that it never overflows."),
        Mistake.variant("times_beta", _sp(lambda t, beta: beta * sigmoid(t)),
                        "Your slope is beta times too large: the chain rule's factor beta from the inner beta z "
                        "is cancelled by the 1/beta in front of the log."),
        Mistake.variant("over_beta", _sp(lambda t, beta: sigmoid(t) / beta),
                        "Your slope is divided by beta: the 1/beta in front of the log is cancelled by the "
                        "chain rule's factor beta from the inner beta z; nothing is left over."),
        Mistake.variant("beta_ignored", lambda z, beta: sigmoid(_floats(z)),
                        "Your slope does not depend on beta: the sharpness sits inside the exponential, "
                        "e**(beta z), so the slope is a function of beta z."),
        Mistake.variant("sign", _sp(lambda t, beta: sigmoid(-t)),
                        "Your slope is 1 / (1 + e**(beta z)): the exponent's sign is flipped. softplus rises "
                        "with z, and its slope goes to 1 for large z, not to 0."),
        Mistake.variant("second_derivative", _sp(lambda t, beta: sigmoid_prime(t)),
                        "You differentiated once too often: sigma(beta z) (1 - sigma(beta z)) is the slope of "
                        "the slope. softplus's own slope goes from 0 to 1."),
        Mistake.variant("returned_softplus", _sp(lambda t, beta: np.logaddexp(0.0, t) / beta),
                        "You returned softplus itself, log(1 + e**(beta z)) / beta, not its slope: "
                        "differentiate the log with the chain rule."),
        Mistake.variant("inner_slope_missing", _sp(lambda t, beta: sigmoid(-t) / beta),
                        "You stopped after the log: 1 / (1 + e**(beta z)), over beta, is the log's derivative "
                        "in its argument u = 1 + e**(beta z), but u depends on z too: multiply by du/dz."),
    ),
)

PARTS = (SIGMOID, SIGMOID_PRIME, SLOPE_MOVES, SOFTPLUS_PRIME)
