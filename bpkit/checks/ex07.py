"""Exercise 7, gradient checking: central differences, the relative error, a bug hunt, the complex step
(a transfer part: an estimate the lesson does not show) and a prediction (how many calls of J an estimate
takes).

The references are :func:`bpkit.numerical_gradient` and :func:`bpkit.relative_error`.
The bug hunt's candidates are the planted bugs of :data:`bpkit.buggy.BUGS`
(lesson 7's catalogue, by the same names). The classes below travel inside
the grader's cases, so they live at module level and pickle.
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import TOLERANCE, VERDICTS
from ..gradcheck import numerical_gradient as central_differences
from ..gradcheck import relative_error as rel_error
from ._compare import close
from ._nets import lesson_net, random_net_case
from ._records import Mistake, Part
from .._cases import GradientCandidate, LayerCost, NetCost, SmoothCost, TanhLayerCost, WavyCost  # noqa: F401
from .._cases import candidate_gradient

#: The planted bugs of the bug hunt, named as in :data:`bpkit.buggy.BUGS` (the exercise lists them in words).
HUNTED = ("missing_sigma_prime", "transposed", "forgot_1/m", "regularized_bias", "output_sign")


# ------------------------------------------------ 07.1 numerical_gradient
def numerical_gradient_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    cases = [(LayerCost(X, Y, W1, b1, W2, b2), W1.copy(), 1e-4)]
    # a coarse step on every seed: at eps = 0.1 the truncation error is large enough that an estimate made
    # with any other (fixed) step differs from the reference, so a fixed eps is told from a right one
    for eps in (1e-1, 1e-2, 1e-3, 1e-2):
        shape = (int(rng.integers(2, 4)), int(rng.integers(4, 6)))
        f = WavyCost(rng.uniform(0.5, 2.5, shape), rng.uniform(0.5, 1.5, shape))
        cases.append((f, rng.uniform(-1.5, 1.5, shape), eps))
    return cases


def numerical_gradient(f, theta, eps):
    """The core's central differences of ``f(theta)``, on a copy of theta."""
    work = np.array(theta, dtype=float)
    return central_differences(lambda: f(work), [work], eps)[0]


def _nudged(f, theta, eps, *, one_sided=False):
    """Differences the core does not make: one-sided ones, or central ones that never put an entry back."""
    theta = np.array(theta, dtype=float)
    g, f0 = np.zeros_like(theta), f(theta)
    for j in np.ndindex(theta.shape):
        old = theta[j]
        theta[j] = old + eps
        plus = f(theta)
        if one_sided:
            theta[j] = old
            g[j] = (plus - f0) / eps
        else:
            theta[j] = old - eps  # and left there
            g[j] = (plus - f(theta)) / (2 * eps)
    return g


#: steps a learner may write in place of the eps argument
FIXED_STEPS = (1e-1, 5e-2, 1e-2, 5e-3, 1e-3, 5e-4, 1e-4, 5e-5, 2e-5, 1e-5, 5e-6, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)


def _ignores_eps(args, ref, out):
    """The output is the central difference with some common fixed step other than the case's eps."""
    f, theta, eps = args
    return any(step != eps and close(out, [numerical_gradient(f, theta, step)]) for step in FIXED_STEPS)


NUMERICAL_GRADIENT = Part(
    key="07.1", notebook="07_gradient_checking", grade_id="part1_tests", function="numerical_gradient", points=3,
    forbidden=("bpkit.numerical_gradient", "bpkit.gradcheck.numerical_gradient"),
    make_cases=numerical_gradient_cases, reference=numerical_gradient, args=("f", "theta", "eps"), kind="array",
    transpose_hint="The result must have the shape of theta.",
    mistakes=(
        Mistake.exception("theta_changed", lambda name, full: name == "InputChanged" and full.startswith(
                              "InputChanged: #1"),
                          "{fn} changed theta in place ({where}, case {i}): after nudging an entry, put it back "
                          "exactly (theta[j] = old), or nudge a copy of theta."),
        Mistake.variant("forward_difference", lambda f, t, e: _nudged(f, t, e, one_sided=True),
                        "You used a one-sided difference (f(theta + eps) - f(theta)) / eps. Use the central "
                        "difference (f(theta + eps) - f(theta - eps)) / (2 eps): its error is O(eps**2) instead "
                        "of O(eps)."),
        Mistake.variant("eps_not_2eps", lambda f, t, e: 2 * numerical_gradient(f, t, e),
                        "Your result is twice too large: the two points theta + eps and theta - eps are 2 eps "
                        "apart, so divide by 2 * eps."),
        Mistake.variant("wrong_sign", lambda f, t, e: -numerical_gradient(f, t, e),
                        "Wrong sign: compute f(theta + eps) - f(theta - eps), the plus side first."),
        Mistake.variant("not_restored", lambda f, t, e: _nudged(f, t, e),
                        "After nudging an entry you did not put it back: theta[j] must return to its old value "
                        "before the next entry is nudged (work on a copy, or restore it)."),
        Mistake.predicate("fixed_eps", _ignores_eps,
                          "Your result ignores the eps argument: use the step eps you are given, not a fixed "
                          "number."),
    ),
)


# ---------------------------------------------------- 07.2 relative_error
def relative_error_cases(rng):
    g = np.array([0.5, -0.2, 0.1])
    cases = [(g, g + np.array([1e-7, -2e-7, 0.0])), (np.zeros((2, 3)), np.zeros((2, 3)))]
    # every seed has each scale of difference: with only small ones (b close to a), ||a|| + ||b|| and ||a + b||
    # agree to 1e-6 and a formula that is right but for the 0/0 guard would read as the ||a|| + ||b|| mistake
    for scale in rng.permutation([1e-3, 0.1, 1.0]):
        rows = int(rng.integers(2, 5))
        shape = (rows, int(rng.choice([c for c in range(2, 6) if c != rows])))
        a = rng.standard_normal(shape)
        b = a + float(scale) * rng.standard_normal(shape)
        cases.append((a, b))
    return cases


def _norm(v):
    return np.linalg.norm(v)


RELATIVE_ERROR = Part(
    key="07.2", notebook="07_gradient_checking", grade_id="part2_tests", function="relative_error", points=2,
    forbidden=("bpkit.relative_error", "bpkit.gradcheck.relative_error"),
    make_cases=relative_error_cases, reference=rel_error, args=("a", "b"), kind="scalar",
    mistakes=(
        Mistake.nan("nan", lambda args, ref, out: not np.any(args[0]) and not np.any(args[1]),
                    "{fn} returns nan when both arrays are zero (0 / 0). When ||a + b|| is 0, return 0.0."),
        Mistake.variant("no_denominator", lambda a, b: float(_norm(a - b)),
                        "You returned ||a - b||, an absolute error. Divide by ||a + b||, so the error does not "
                        "depend on how large the gradients are."),
        Mistake.variant("sum_of_norms", lambda a, b: float(_norm(a - b) / (_norm(a) + _norm(b))),
                        "You divided by ||a|| + ||b|| (another common choice); this course uses ||a + b||."),
        Mistake.variant("max_norm_denominator",
                        lambda a, b: 0.0 if max(_norm(a), _norm(b)) == 0 else float(
                            _norm(a - b) / max(_norm(a), _norm(b))),
                        "You divided by max(||a||, ||b||), CS231n's denominator; this course's relative error "
                        "divides by ||a + b||, and lesson 7's table of verdicts is read with that one."),
        Mistake.variant("cs231n_elementwise",
                        lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))),
                        "You took the largest relative error entry by entry, |a - b| / (|a| + |b|) as in CS231n's "
                        "code. The course compares whole arrays: ||a - b|| / ||a + b|| with Euclidean norms over "
                        "all entries."),
        Mistake.variant("squared_norms", lambda a, b: float(np.sum((a - b) ** 2) / np.sum((a + b) ** 2)),
                        "You used sums of squares without the square root: the norm is np.linalg.norm(v) = "
                        "sqrt(sum(v**2))."),
        Mistake.variant("l1_norms", lambda a, b: float(np.sum(np.abs(a - b)) / np.sum(np.abs(a + b))),
                        "You used sums of absolute values; the course's norm is the Euclidean one, np.linalg.norm."),
    ),
)


# -------------------------------------------------------- 07.3 find_buggy
def _rel_errors(J, params, planted):
    """Per-array and pooled relative errors of a planted bug's gradient against the right one (exact, no eps)."""
    bad, good = candidate_gradient(J, params, planted), candidate_gradient(J, params, None)
    per = [float(rel_error(b, g)) for b, g in zip(bad, good)]
    pooled = float(rel_error(np.concatenate([b.ravel() for b in bad]), np.concatenate([g.ravel() for g in good])))
    return per, pooled


def _subtle_biases(J, W1, b1, W2, b2, target):
    """Biases scaled so that the regularized-bias bug's worst array has a relative error near ``target``.

    A regularized bias adds lam / m * b to db: with small biases the bug is small too, and only a check
    array by array at the course's threshold 1e-7 sees it (a threshold of 1e-5 or 1e-3, or one relative
    error pooled over all four arrays, calls it right).
    """
    # which biases carry the bug: the choice whose pooled error is smallest next to its worst array's, so
    # that a pooled comparison calls it right where the array-by-array one does not
    best = None
    for k1, k2 in ((1.0, 1.0), (1.0, 0.0), (0.0, 1.0)):
        per, pooled = _rel_errors(J, [W1, b1 * 1e-4 * k1, W2, b2 * 1e-4 * k2], "regularized_bias")
        if max(per) > 0 and (best is None or pooled / max(per) < best[0]):
            best = (pooled / max(per), k1, k2)
    ratio, k1, k2 = best
    target = max(1.5e-7, min(target, 4e-8 / ratio)) if target < 1e-5 else target
    scale = 1e-4
    for _ in range(3):  # the error is close to linear in the scale of the biases
        per, _ = _rel_errors(J, [W1, b1 * scale * k1, W2, b2 * scale * k2], "regularized_bias")
        scale *= target / max(per)
    return b1 * scale * k1, b2 * scale * k2


#: the relative errors of the subtle cases' regularized-bias candidate: "look closer" in the table, so buggy
SUBTLE = (2e-6, 4e-5)


def bug_hunt_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    b1, b2 = np.array([0.1, -0.2, 0.3]), np.array([0.05])
    J = NetCost(X, Y, 1.0)
    bugs = [None, "missing_sigma_prime", None, "regularized_bias", "forgot_1/m"]  # the lesson's: [1, 3, 4]
    cases = [(J, [W1, b1, W2, b2], [GradientCandidate(J, [W1, b1, W2, b2], b) for b in bugs], 1e-5)]
    for k in range(3):
        X, Y, W1, b1, W2, b2, lam = random_net_case(rng, lam=True)
        J = NetCost(X, Y, lam)
        n_bad = int(rng.integers(1, 4))
        bugs = list(rng.choice(HUNTED, size=n_bad, replace=False)) + [None] * (5 - n_bad)
        if k < len(SUBTLE):  # a bug only a strict, array-by-array check finds
            b1, b2 = _subtle_biases(J, W1, b1, W2, b2, SUBTLE[k] * float(rng.uniform(1.0, 2.0)))
            if "regularized_bias" not in bugs:
                bugs[n_bad] = "regularized_bias"
        order = rng.permutation(5)
        params = [W1, b1, W2, b2]
        cases.append((J, params, [GradientCandidate(J, params, bugs[o]) for o in order], 1e-5))
    return cases


def bug_of(candidate):
    """The grader's answer for one candidate: None if it returns the right gradient, else the planted bug's name.

    The candidate carries no answer (:class:`bpkit._cases.GradientCandidate`): it is worked out again here,
    in the grader's process, by every backward pass of :data:`HUNTED` (the right one first) at the
    candidate's point, so a pickled or copied case keeps it.
    """
    got = candidate._grad
    for name in (None,) + HUNTED:
        want = candidate_gradient(candidate.cost, candidate._at, name)
        if all(np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=1e-10, atol=1e-14) for g, w in zip(got, want)):
            return name
    raise ValueError("not a candidate of the bug hunt: its arrays are no backward pass the hunt plants")


def find_buggy(J, params, candidates, eps):
    """The grader's answer: the candidates :func:`bug_of` finds to be planted bugs."""
    return [i for i, c in enumerate(candidates) if bug_of(c) is not None]


def _missed_subtle(args, ref, out):
    """Every missed candidate is buggy by the course's table (1e-7 or more in some array) but below 1e-3."""
    said = set(out[0].astype(int).tolist())
    missed = [i for i in ref[0].astype(int).tolist() if i not in said]
    if not missed or any(int(i) not in set(ref[0].astype(int).tolist()) for i in out[0]):
        return False
    J, params, candidates, _ = args
    return all(1e-7 <= max(_rel_errors(J, params, bug_of(candidates[i]))[0]) < 1e-3 for i in missed)


def _subtle_words(args, ref, out):
    said = set(out[0].astype(int).tolist())
    J, params, candidates, _ = args
    i = next(i for i in ref[0].astype(int).tolist() if i not in said)
    per, pooled = _rel_errors(J, params, bug_of(candidates[i]))
    return i, max(per), pooled


def _mask(args, ref, out):
    o = out[0]
    return len(o) == len(args[2]) and set(np.unique(o)) <= {0.0, 1.0} and not np.array_equal(o, ref[0])


def _flagged_correct(args, ref, out):
    bad = set(ref[0].astype(int).tolist())
    return any(int(i) not in bad for i in out[0])


def _missed(args, ref, out):
    said = set(out[0].astype(int).tolist())
    return any(i not in said for i in ref[0].astype(int).tolist())


def _e(x):
    """A bound as the table writes it: 1e-7, not 1e-07."""
    return f"{x:.0e}".replace("e-0", "e-")


#: The course's table in numbers: "right" below RIGHT_BELOW, "wrong" from WRONG_FROM on (lesson 7's VERDICTS).
RIGHT_BELOW, WRONG_FROM = _e(TOLERANCE), _e(VERDICTS[1][0])

FIND_BUGGY = Part(
    key="07.3", notebook="07_gradient_checking", grade_id="part3_tests", function="find_buggy", points=5,
    # bpkit.buggy.planted with no rule changed is the right backward pass
    forbidden=("bpkit.gradient_check", "bpkit.gradcheck.gradient_check", "bpkit.backprop",
               "bpkit.backprop.backprop", "bpkit.buggy.planted"),
    make_cases=bug_hunt_cases, reference=find_buggy, args=("J", "params", "candidates", "eps"), kind="indices",
    mistakes=(
        Mistake.predicate("mask", _mask,
                          "{fn} should return the indices of the buggy candidates (e.g. [1, 3]), not a True/False "
                          "per candidate. Collect i for each candidate with an array whose relative error is not "
                          f"\"right\" (at or above {RIGHT_BELOW})."),
        Mistake.predicate("flagged_correct", _flagged_correct,
                          "{fn} flagged a candidate whose gradient agrees with the numerical gradient: its relative "
                          f"error is below {RIGHT_BELOW} for every array, which the course's table calls \"right\". "
                          "A correct function is not buggy: compare every array, and call a candidate buggy only at "
                          f"a relative error of {RIGHT_BELOW} or more (or a wrong shape)."),
        Mistake.predicate("threshold_or_pooled", _missed_subtle,
                          "{fn} let through a buggy candidate whose error is small: its worst array has a relative "
                          f"error between {RIGHT_BELOW} and 1e-3 (\"look closer\" in the course's table, or "
                          "worse), while pooled over all four arrays it is smaller still. The contract calls a "
                          f"candidate buggy at {RIGHT_BELOW} or more in ANY array: did you use a looser threshold "
                          f"(1e-5 or 1e-3), or one relative error over all arrays together? Compare array by array "
                          f"with bpkit.gradcheck.TOLERANCE = {RIGHT_BELOW}."),
        Mistake.predicate("missed", _missed,
                          "{fn} missed a buggy candidate: some array has a relative error of "
                          f"{WRONG_FROM} or more (\"wrong\" in the course's table; anything at or above "
                          f"{RIGHT_BELOW} is not \"right\"), or a shape that differs, which is a bug too. Check all "
                          "four arrays dW1, db1, dW2, db2, not only the first."),
    ),
)


# ------------------------------------------- 07.4 complex_step_gradient (transfer)
# Lesson 7 shows central and one-sided differences only. The complex step is derived by the learner from
# Taylor's series: f(t + i h e_j) = f(t) + i h f'(t) - h**2/2 f''(t) - i h**3/6 f'''(t) + ..., so the
# imaginary part over h is the slope with an error of order h**2 and no subtraction (no round-off, even at
# h = 1e-20). The core has no complex step, so its reference (and its mistakes) live here.
def _stepped(f, theta, h, *, step=1j, keep=False, part=np.imag, scale=1.0, at_once=False, dtype=complex):
    """One estimate per entry from f at theta + step * h e_j (or one step along all entries, ``at_once``).

    The right one is ``part=np.imag, step=1j, scale=1``; the others are the mistakes below. ``keep`` leaves
    each step in place (never restored); ``dtype=float`` makes the copy a float array, which drops an
    imaginary step (numpy keeps the real part only).
    """
    work = np.array(theta, dtype=dtype)
    g = np.zeros(np.shape(theta))
    if at_once:
        g[...] = part(f(work + step * h)) / (scale * h)
        return g
    for j in np.ndindex(work.shape):
        old = work[j]
        work[j] = old + step * h if dtype is complex else np.real(old + step * h)
        g[j] = part(f(work)) / (scale * h)
        if not keep:
            work[j] = old
    return g


def complex_step_gradient(f, theta, h):
    """The reference: entry j is Im f(theta + i h e_j) / h."""
    return _stepped(f, theta, h)


def _real_differences(f, theta, h, central=True):
    """Central (or one-sided) differences with a real step h: the lesson's estimate, not the complex step."""
    t = np.array(theta, dtype=float)
    g, f0 = np.zeros_like(t), np.real(f(t))
    for j in np.ndindex(t.shape):
        old = t[j]
        t[j] = old + h
        plus = np.real(f(t))
        t[j] = old - h
        minus = np.real(f(t))
        t[j] = old
        g[j] = (plus - minus) / (2 * h) if central else (plus - f0) / h
    return g


#: the steps of the random cases: a tiny one (real differences read 0 there), and coarse ones where the
#: h**2 error of the complex step differs from that of central differences (they have opposite signs)
COMPLEX_STEPS = (1e-20, 1e-2, 3e-2, 1e-8)


def complex_step_cases(rng):
    X = rng.uniform(-1.0, 1.0, (5, 3))
    cases = [(TanhLayerCost(X, rng.uniform(-1.0, 1.0, 4), rng.uniform(-0.5, 0.5, 5)),
              rng.uniform(-1.0, 1.0, (3, 4)), 1e-20)]
    shapes = [(2, 3), (3, 5), (4,), (2, 5)]
    for k, h in zip(rng.permutation(len(shapes)), COMPLEX_STEPS):
        shape = shapes[int(k)]
        f = SmoothCost(rng.uniform(0.5, 2.0, shape), rng.uniform(0.5, 2.0, shape), rng.uniform(-1.0, 1.0, shape))
        cases.append((f, rng.uniform(-1.5, 1.5, shape), float(h)))
    return cases


def _complex_out(part, args, out):
    return bool(np.iscomplexobj(out)) or (isinstance(out, (list, tuple)) and any(np.iscomplexobj(o) for o in out))


COMPLEX_STEP = Part(
    key="07.4", notebook="07_gradient_checking", grade_id="part4_tests", function="complex_step_gradient", points=3,
    forbidden=("bpkit.numerical_gradient", "bpkit.gradcheck.numerical_gradient"),
    make_cases=complex_step_cases, reference=complex_step_gradient, args=("f", "theta", "h"), kind="array",
    transpose_hint="The result must have the shape of theta.",
    mistakes=(
        Mistake.contract("complex_result", _complex_out,
                         "{fn} returned complex numbers (case {i}): the estimate of a slope is real. Of the "
                         "complex value f returns, one part carries the slope and the other does not: return "
                         "real numbers only."),
        Mistake.exception("theta_changed", lambda name, full: name == "InputChanged" and full.startswith(
                              "InputChanged: #1"),
                          "{fn} changed theta in place ({where}, case {i}): step a complex copy of theta, "
                          "not theta itself."),
        Mistake.variant("float_copy", lambda f, t, h: _stepped(f, t, h, dtype=float),
                        "Your estimates are all 0: the imaginary step never reached f. A float array cannot "
                        "hold an imaginary number (numpy keeps the real part only, with a ComplexWarning): "
                        "make the copy of theta a complex array first."),
        Mistake.variant("real_part", lambda f, t, h: _stepped(f, t, h, part=np.real),
                        "You divided the real part of f(theta + i h e_j) by h: the real part is f(theta) plus "
                        "terms in h**2, so it carries the cost, not its slope. Sort the terms of Taylor's "
                        "series into real and imaginary ones: which part holds the first derivative?"),
        Mistake.variant("half", lambda f, t, h: _stepped(f, t, h, scale=2.0),
                        "Your estimate is half the slope: you divided by 2h, as central differences do. There "
                        "the 2h is the distance between two points; here there is one evaluation, and the "
                        "first-order term of Taylor's series is i h times the slope."),
        Mistake.variant("no_divide", lambda f, t, h: h * _stepped(f, t, h),
                        "You forgot to divide by h: the imaginary part of f(theta + i h e_j) is h times the "
                        "slope (plus terms in h**3)."),
        Mistake.variant("sign", lambda f, t, h: -_stepped(f, t, h),
                        "Wrong sign: your estimate is minus the slope. Did you step by -i h, or take the "
                        "imaginary part with the wrong sign?"),
        Mistake.variant("not_restored", lambda f, t, h: _stepped(f, t, h, keep=True),
                        "After stepping an entry you did not put it back: each evaluation still carries the "
                        "imaginary steps of the entries before it, so entry j sums the slopes of all entries "
                        "up to j. Restore each entry before stepping the next one."),
        Mistake.variant("all_at_once", lambda f, t, h: _stepped(f, t, h, at_once=True),
                        "Every entry got the same number: you stepped all entries of theta at once, which "
                        "measures the slope along the direction (1, 1, ..., 1), the sum of the partial "
                        "derivatives. Step one entry at a time."),
        Mistake.variant("real_central_differences", lambda f, t, h: _real_differences(f, t, h),
                        "You used central differences with a real step h (lesson 7's estimate), not a complex "
                        "step. At h = 1e-20, theta + h is theta in floating point and the estimate is 0; the "
                        "complex step has no subtraction, so it works at any small h."),
        Mistake.variant("real_one_sided", lambda f, t, h: _real_differences(f, t, h, central=False),
                        "You used a one-sided difference with a real step h, not a complex step: at h = 1e-20, "
                        "theta + h is theta in floating point and the estimate is 0."),
    ),
)


# ------------------------------------------- 07.5 evaluations (predict)
#: the estimates the prediction asks about, as the exercise names them
METHODS = ("central", "one_sided", "complex_step")
PROMPT_SIZES = (784, 30, 10)


def n_params(sizes):
    """Weights and biases of a network with layer sizes ``sizes``: sum of (s_l + 1) * s_(l+1)."""
    return int(sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])))


def _n_weights(sizes):
    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))


def _count(method, n, central=2, one_sided=(1, 1), complex_=1):
    """Calls of J for ``n`` parameters: ``central * n``, ``one_sided[0] * n + one_sided[1]``, ``complex_ * n``."""
    if method == "central":
        return central * n
    if method == "one_sided":
        return one_sided[0] * n + one_sided[1]
    return complex_ * n


def evaluations(method, sizes):
    """The reference: the fewest calls of J for an estimate of the whole gradient by ``method``."""
    return _count(method, n_params(sizes))


def evaluations_cases(rng):
    """The prompt's question first (central differences, 784-30-10), then each method on the prompt's network
    and on two random networks, in a random order."""
    cases = []
    for _ in range(2):
        depth = int(rng.integers(2, 5))
        sizes = [int(rng.integers(2, 60)) for _ in range(depth + 1)]
        cases += [(m, list(sizes)) for m in METHODS]
    cases += [(m, list(PROMPT_SIZES)) for m in METHODS[1:]]
    order = rng.permutation(len(cases))
    return [("central", list(PROMPT_SIZES))] + [cases[int(i)] for i in order]


EVALUATIONS = Part(
    key="07.5", notebook="07_gradient_checking", grade_id="part5_tests", function="evaluations", points=2,
    forbidden=(), make_cases=evaluations_cases, reference=evaluations, args=("method", "sizes"), kind="scalar",
    mistakes=(
        Mistake.variant("weights_only", lambda method, sizes: _count(method, _n_weights(sizes)),
                        "You counted the weights only: every bias is a parameter too, and the estimate nudges "
                        "each one. A layer from s_l to s_(l+1) units has s_l * s_(l+1) weights and s_(l+1) "
                        "biases."),
        Mistake.variant("units_not_parameters", lambda method, sizes: _count(method, int(sum(sizes))),
                        "You counted units (neurons), not parameters: the estimate nudges every weight and "
                        "every bias, one at a time."),
        Mistake.variant("one_per_parameter", lambda method, sizes: _count(method, n_params(sizes), central=1,
                                                                           one_sided=(1, 0)),
                        "One call per parameter for every method: central differences evaluate J twice per "
                        "parameter (once on each side), and the one-sided estimate also needs J at the point "
                        "itself, once."),
        Mistake.variant("two_per_parameter", lambda method, sizes: _count(method, n_params(sizes),
                                                                           one_sided=(2, 0), complex_=2),
                        "Two calls per parameter for every method: only central differences need two. The "
                        "one-sided estimate shares J at the point itself between all parameters, and the "
                        "complex step needs one call per parameter."),
        Mistake.variant("central_once", lambda method, sizes: _count(method, n_params(sizes), central=1),
                        "Central differences evaluate J twice per parameter, at theta + eps e_j and at "
                        "theta - eps e_j."),
        Mistake.variant("one_sided_no_base", lambda method, sizes: _count(method, n_params(sizes),
                                                                          one_sided=(1, 0)),
                        "The one-sided estimate needs J at the point itself too: one call more than there are "
                        "parameters (that value is the same for every parameter, so once is enough)."),
        Mistake.variant("one_sided_recomputed", lambda method, sizes: _count(method, n_params(sizes),
                                                                             one_sided=(2, 0)),
                        "The one-sided estimate recomputes J at the point itself for every parameter: it does "
                        "not change, so one call serves them all; the fewest calls are one per parameter plus "
                        "one."),
        Mistake.variant("complex_like_central", lambda method, sizes: _count(method, n_params(sizes),
                                                                             complex_=2),
                        "The complex step needs one evaluation per parameter, not two: it subtracts nothing, "
                        "the slope is read from the imaginary part of a single value."),
    ),
)

PARTS = (NUMERICAL_GRADIENT, RELATIVE_ERROR, FIND_BUGGY, COMPLEX_STEP, EVALUATIONS)
