"""Instant feedback for the exercises: run a learner's function, say what is wrong.

Every graded part of ``solutions/NN_*_solution.ipynb`` has an entry in
:data:`PARTS`. A part knows the function the learner writes, how to make test
inputs (:attr:`Part.make_cases`: the lesson's numbers first, then fresh random
ones, so a hard-coded answer fails), the right answer (:attr:`Part.reference`)
and the mistakes learners commonly make (:attr:`Part.mistakes`).

:func:`diagnose` compares the learner's outputs with the reference and, when
they differ, with the reference's *mistaken versions* (transposed, missing or
extra ``1/m``, regularized bias, sigma used for sigma', sum instead of mean,
wrong sign, ...). The first mistake whose numbers match every failing case is
named in a tutor's words. In a notebook, :func:`check` does all of this in one
call::

    from bpkit.checks import check
    check("03.2", sigmoid_prime)      # prints "✓ sigmoid_prime is correct (5 cases)" or a diagnosis

The grader (``bpkit.grade``) calls the learner's function on
``make_cases(rng)`` with a secret seed and then :func:`diagnose` in its own
process: a part earns its points exactly when :func:`diagnose` returns None.
"""
from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .activations import sigmoid as _sigmoid
from .activations import sigmoid_prime as _sigmoid_prime
from .backprop import backprop as _backprop
from .costs import cost as _cost
from .data import make_moons, sleep_study
from .gradcheck import numerical_gradient as _numerical_gradient
from .gradcheck import relative_error as _relative_error
from .network import Network

RTOL = 1e-6
ATOL = 1e-9

__all__ = ["Mistake", "Part", "PARTS", "parts_for", "diagnose", "run", "check", "RTOL", "ATOL"]


# --------------------------------------------------------------------- records
@dataclass(frozen=True)
class Mistake:
    """One recognisable mistake of a part.

    ``matches(args, ref, out)`` is True when the learner's output ``out`` on a
    case with arguments ``args`` (reference result ``ref``) is what the mistaken
    code would give. ``message`` is formatted with ``fn`` (the function's
    name), ``m`` (examples in the first failing case), ``i`` (its index) and the
    part's extra fields from ``Part.info``.
    """

    name: str
    matches: Callable
    message: str


@dataclass(frozen=True)
class Part:
    """One graded part ``"NN.K"`` of an exercise notebook (see the module docstring).

    The first eight fields are the contract with the grader; the others tune
    the feedback.

    Attributes
    ----------
    key : str
        ``"NN.K"``, e.g. ``"03.2"``.
    notebook : str
        ``"03_sigmoid_derivative"``.
    grade_id : str
        ``"partK_tests"``, the graded cell of the solution notebook.
    function : str
        The name the learner defines, e.g. ``"sigmoid_prime"``.
    points : int
    forbidden : tuple of str
        Dotted names of bpkit functions the learner must not call in this part.
    make_cases : callable
        ``make_cases(rng) -> list of args tuples``; the lesson's numbers first.
    reference : callable
        ``reference(*args)``: the right result (float, array or tuple of arrays).
    args : tuple of str
        Parameter names, for messages.
    kind : {"scalar", "array", "arrays", "batches", "indices"}
        Shape of the result: one number; one array; a fixed-length tuple of
        arrays; a list of index arrays of varying length; a list of ints.
    out_names : tuple of str
        Names of the arrays of an ``"arrays"`` result, e.g. ``("dW1", "db1", ...)``.
    mistakes : tuple of Mistake
        Checked in order, before the generic ones (transposed, factor m, sign...).
    m_of : callable or None
        ``m_of(args)``: the number of examples of a case, for "factor of m".
    transpose_hint : str
        Added to the transposed-result message.
    strict_float : bool
        Run the learner's code with numpy overflow and invalid operations raising
        ``FloatingPointError`` (the stable-sigmoid part).
    """

    key: str
    notebook: str
    grade_id: str
    function: str
    points: int
    forbidden: tuple
    make_cases: Callable
    reference: Callable
    args: tuple = ()
    kind: str = "array"
    out_names: tuple = ()
    mistakes: tuple = ()
    m_of: Callable | None = None
    transpose_hint: str = ""
    strict_float: bool = False


# ----------------------------------------------------------- shared math bits
def _net(W1, b1, W2, b2):
    """A bpkit Network holding copies of explicit 2-layer arrays."""
    net = Network([W1.shape[0], W1.shape[1], W2.shape[1]])
    net.weights = [np.array(W1, dtype=float), np.array(W2, dtype=float)]
    net.biases = [np.array(b1, dtype=float), np.array(b2, dtype=float)]
    return net


def _prime(how, z, a):
    if how == "ok":
        return a * (1.0 - a)
    if how == "none":
        return 1.0
    if how == "sigma":
        return a
    if how == "z":
        return z * (1.0 - z)
    raise AssertionError(how)


def _bp2(X, Y, W1, b1, W2, b2, lam=0.0, *, output_prime="ok", hidden_prime="ok", mean=True,
         bias_mean=True, reg="ok", last_only=False, sign=1.0):
    """Backprop of a 2-layer sigmoid net with the quadratic cost, with optional planted mistakes.

    Used to compute what a learner's *mistaken* code returns; ``_bp2(...)`` with
    the defaults equals :func:`bpkit.backprop` (a test checks this).
    """
    m = X.shape[0]
    z2 = X @ W1 + b1
    a2 = _sigmoid(z2)
    z3 = a2 @ W2 + b2
    a3 = _sigmoid(z3)
    d3 = sign * (a3 - Y) * _prime(output_prime, z3, a3)
    d2 = (d3 @ W2.T) * _prime(hidden_prime, z2, a2)
    A1, A2 = X, a2
    if last_only:
        A1, A2, d2, d3 = X[-1:], a2[-1:], d2[-1:], d3[-1:]
    dW1, db1, dW2, db2 = A1.T @ d2, d2.sum(axis=0), A2.T @ d3, d3.sum(axis=0)
    if mean:
        dW1, dW2 = dW1 / m, dW2 / m
    if bias_mean:
        db1, db2 = db1 / m, db2 / m
    if reg == "ok":
        dW1, dW2 = dW1 + lam * W1 / m, dW2 + lam * W2 / m
    elif reg == "no_m":
        dW1, dW2 = dW1 + lam * W1, dW2 + lam * W2
    elif reg == "half":
        dW1, dW2 = dW1 + lam * W1 / (2 * m), dW2 + lam * W2 / (2 * m)
    elif reg == "sign":
        dW1, dW2 = dW1 - lam * W1 / m, dW2 - lam * W2 / m
    elif reg == "bias":
        dW1, dW2 = dW1 + lam * W1 / m, dW2 + lam * W2 / m
        db1, db2 = db1 + lam * b1 / m, db2 + lam * b2 / m
    elif reg != "none":
        raise AssertionError(reg)
    return dW1, db1, dW2, db2


def _forward2(X, W1, b1, W2, b2, *, hidden=True, output=True, bias=True):
    z2 = X @ W1 + (b1 if bias else 0.0)
    a2 = _sigmoid(z2) if hidden else z2
    z3 = a2 @ W2 + (b2 if bias else 0.0)
    return _sigmoid(z3) if output else z3


def _sizes(rng):
    """Layer sizes and m for a random case, chosen so mistakes are distinguishable.

    m >= 4 (so a factor m shows), n != h and h != k (so a transposed matrix has
    another shape).
    """
    n = int(rng.integers(2, 5))
    h = int(rng.choice([s for s in range(3, 7) if s != n]))
    k = int(rng.choice([s for s in (1, 2) if s != h]))
    m = int(rng.choice([s for s in range(4, 9) if s not in (n, h)]))
    return n, h, k, m


def _params(rng, n, h, k):
    W1 = rng.standard_normal((n, h)) / np.sqrt(n)
    b1 = 0.5 * rng.standard_normal(h)
    W2 = rng.standard_normal((h, k)) / np.sqrt(h)
    b2 = 0.5 * rng.standard_normal(k)
    return W1, b1, W2, b2


def _lesson_net():
    """The lesson's 2-3-1 network on the sleep/study data: ``Network([2, 3, 1], seed=0)``."""
    X, Y, *_ = sleep_study()
    net = Network([2, 3, 1], seed=0)
    return X, Y, net.weights[0].copy(), net.biases[0].copy(), net.weights[1].copy(), net.biases[1].copy()


def _random_net_case(rng, *, lam=False):
    n, h, k, m = _sizes(rng)
    X = rng.uniform(-1.0, 1.0, (m, n))
    Y = rng.uniform(0.0, 1.0, (m, k))
    args = (X, Y) + _params(rng, n, h, k)
    if lam:
        args = args + (float(np.round(rng.uniform(0.3, 3.0), 3)),)
    return args


def _variant(fn):
    """A Mistake.matches from ``fn(*args) -> what the mistaken code returns`` (compared by diagnose)."""

    def variant_matches(args, ref, out):
        return _Variant(fn(*args))

    return variant_matches


class _Variant:
    """A mistaken result, to be compared with the learner's output after normalizing."""

    def __init__(self, value):
        self.value = value


def _scaled(factor_of_args):
    """Mistake.matches: the output is the reference times ``factor_of_args(args)``."""

    def matches(args, ref, out):
        f = factor_of_args(args)
        return _close(out, _map(ref, lambda r: r * f))

    return matches


# ------------------------------------------------------------ comparing results
class _Unreadable(Exception):
    pass


def _arr(x):
    if x is None:
        raise _Unreadable("None")
    if isinstance(x, (str, bytes, dict, set)):
        raise _Unreadable(type(x).__name__)
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Unreadable(type(x).__name__) from None
    return a


def _norm(kind, x):
    """A result as a list of float64 arrays, the same way for learner and reference."""
    if kind == "scalar":
        a = _arr(x)
        return [a.reshape(()) if a.size == 1 else a]
    if kind == "array":
        return [_arr(x)]
    if kind == "indices":
        a = _arr(list(x) if isinstance(x, (list, tuple)) else x)
        return [np.sort(a.ravel())] if a.ndim <= 1 else [a]
    if kind in ("arrays", "batches"):
        if isinstance(x, Network):  # sgd_epoch returning the network itself: read its parameters
            x = x.params()
        if isinstance(x, np.ndarray) and kind == "batches" and x.ndim == 2:
            return [_arr(row) for row in x]
        if not isinstance(x, (list, tuple)):
            raise _Unreadable(type(x).__name__)
        return [_arr(v) for v in x]
    raise AssertionError(kind)


def _close(a, b):
    """Two results (lists of arrays, from ``_norm``) agree within RTOL/ATOL."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if np.shape(x) != np.shape(y):
            return False
        fx, fy = np.isfinite(x), np.isfinite(y)
        if not np.array_equal(fx, fy):
            return False
        if not np.allclose(x[fx], y[fy], rtol=RTOL, atol=ATOL):
            return False
        if not np.array_equal(x[~fx], y[~fy], equal_nan=True):
            return False
    return True


def _map(res, f):
    return [f(r) for r in res]


def _fmt(res, kind):
    def one(a):
        if a.ndim == 0:
            return f"{float(a):.6g}"
        return np.array2string(a, precision=4, threshold=12, edgeitems=2, suppress_small=False,
                               max_line_width=10_000).replace("\n", "")
    if kind in ("scalar", "array", "indices") and len(res) == 1:
        return one(res[0])
    return "[" + ", ".join(one(a) for a in res) + "]"


def _describe(part, args):
    bits = []
    names = part.args if len(part.args) == len(args) else [f"arg{j}" for j in range(len(args))]
    for name, a in zip(names, args):
        if isinstance(a, np.ndarray):
            bits.append(f"{name} of shape {a.shape}")
        elif isinstance(a, numbers.Number):
            bits.append(f"{name} = {a:g}")
        elif isinstance(a, Network):
            bits.append(f"{name} = Network({a.sizes})")
        elif isinstance(a, (list, tuple)):
            bits.append(f"{name} = a list of {len(a)}")
    return ", ".join(bits)


# ------------------------------------------------------------------- diagnose
def parts_for(notebook):
    """The parts of one notebook (``"03_sigmoid_derivative"``), in order."""
    found = [p for p in PARTS.values() if p.notebook == notebook]
    if not found:
        raise ValueError(f"no exercise notebook {notebook!r}; expected one of {sorted(NOTEBOOKS)}")
    return found


def diagnose(key, cases, outputs):
    """Compare a learner's outputs with the reference: None if all agree, else one message.

    Parameters
    ----------
    key : str
        ``"NN.K"``, a key of :data:`PARTS`.
    cases : list of tuple
        The argument tuples from ``PARTS[key].make_cases(rng)``.
    outputs : list
        What the learner's function returned for each case, in order; an
        ``Exception`` instance where it raised.

    Returns
    -------
    str or None
        None when every output matches the reference (rtol 1e-6, atol 1e-9);
        otherwise one message naming the first recognised mistake, or where
        the first mismatch is. Never raises.
    """
    try:
        part = PARTS.get(key) if isinstance(key, str) else None
        if part is None:
            return f"There is no exercise part {key!r}; the parts are {', '.join(PARTS)}."
        return _diagnose(part, list(cases), list(outputs))
    except Exception as exc:  # the checker must never take the notebook or grader down
        return f"The check could not read the result ({type(exc).__name__}: {exc})."


def _diagnose(part, cases, outputs):
    fn = part.function
    if len(outputs) != len(cases):
        return f"Expected {len(cases)} results from {fn}, got {len(outputs)}."
    for i, out in enumerate(outputs):
        if isinstance(out, BaseException):
            return _exception_message(part, i, out, cases[i])
    with np.errstate(all="ignore"):
        refs = [_norm(part.kind, part.reference(*copy.deepcopy(args))) for args in cases]
    outs = []
    for i, out in enumerate(outputs):
        try:
            outs.append(_norm(part.kind, out))
        except _Unreadable as exc:
            return _unreadable_message(part, out, str(exc))
    failing = [i for i in range(len(cases)) if not _close(outs[i], refs[i])]
    if not failing:
        return None
    i0 = failing[0]
    args0 = cases[i0]
    info = {"fn": fn, "i": i0, "m": part.m_of(args0) if part.m_of else None,
            "names": ", ".join(part.out_names)}

    # a wrong number of arrays in a tuple result
    if part.kind == "arrays" and len(outs[i0]) != len(refs[i0]):
        return (f"{fn} should return {len(refs[i0])} arrays ({info['names']}), "
                f"but it returned {len(outs[i0])}.")

    # the part's own mistakes, first match wins
    for mk in part.mistakes:
        if mk.name == "nan":
            continue
        # a variant (what the mistaken code returns) must match on every case; a predicate on the failing ones
        which = range(len(cases)) if mk.matches.__name__ == "variant_matches" else failing
        if all(_safe_match(mk, cases[i], refs[i], outs[i], part.kind) for i in which):
            return mk.message.format(**info)

    # nan / inf where the reference is finite
    for i in failing:
        if any(np.any(~np.isfinite(o)) for o in outs[i]) and all(np.all(np.isfinite(r)) for r in refs[i]):
            for mk in part.mistakes:
                if mk.name == "nan" and _safe_match(mk, cases[i], refs[i], outs[i], part.kind):
                    return mk.message.format(**{**info, "i": i})
            return (f"{fn} returned nan or inf for case {i} ({_describe(part, cases[i])}), where the "
                    "answer is a finite number. Look for a division by zero or an exp that overflows.")

    # generic: shapes
    out0, ref0 = outs[i0], refs[i0]
    for j, (o, r) in enumerate(zip(out0, ref0)):
        if o.shape != r.shape:
            what = part.out_names[j] if part.kind == "arrays" and j < len(part.out_names) else "the result"
            if o.ndim == 2 and r.ndim == 2 and o.shape == r.T.shape:
                if all(_close(outs[i], _map(refs[i], _t)) for i in failing):
                    return (f"{fn} returns the transpose of the right answer: {what} has shape {o.shape} "
                            f"but should have shape {r.shape}. {part.transpose_hint}").rstrip()
            if o.size == r.size and np.allclose(o.ravel(), r.ravel(), rtol=RTOL, atol=ATOL):
                return (f"The numbers are right but the shape is wrong: expected shape {r.shape} for "
                        f"{what}, got {o.shape}. Reshape it, or sum without keepdims.")
            if part.kind == "scalar":
                return (f"{fn} should return a single number (a float), but it returned an array of "
                        f"shape {o.shape}. Did you forget to sum over every entry?")
            return (f"Wrong shape: expected shape {r.shape} for {what}, got {o.shape} "
                    f"(case {i0}: {_describe(part, args0)}). {part.transpose_hint}").rstrip()

    # generic: a factor m, a sign, a factor 2
    m = info["m"]
    generic = []
    if m:
        generic += [
            ("times_m", lambda a: part.m_of(a),
             f"Off by a factor of m = {m}: {fn}'s result is m times too large, as if it were a sum over the "
             "examples. The course averages over the examples: divide by m."),
            ("over_m", lambda a: 1.0 / part.m_of(a),
             f"Off by a factor of m = {m}: {fn}'s result is m times too small. You divided by m one time "
             "too many (or took a mean where a sum was needed)."),
        ]
    generic += [
        ("sign", lambda a: -1.0,
         f"Wrong sign: {fn} returns minus the right answer. Check the order in a difference such as "
         "(a - y) versus (y - a)."),
        ("times_2", lambda a: 2.0,
         f"{fn}'s result is exactly twice the right answer: a factor 1/2 is missing."),
        ("half", lambda a: 0.5,
         f"{fn}'s result is exactly half the right answer: a factor 2 is missing."),
    ]
    for _, factor, msg in generic:
        if all(_close(outs[i], _map(refs[i], lambda r, f=factor(cases[i]): r * f)) for i in failing):
            return msg

    # hard-coded answers: the same output for different inputs
    for i in failing:
        for j in range(len(cases)):
            if j != i and _close(outs[i], outs[j]) and not _close(refs[i], refs[j]):
                return (f"{fn} gave the same answer for two different inputs (cases {min(i, j)} and "
                        f"{max(i, j)}): it looks like it returns fixed numbers instead of computing "
                        "them from its arguments.")

    where = ""
    if part.kind == "arrays":
        for j, (o, r) in enumerate(zip(out0, ref0)):
            if not _close([o], [r]):
                where = f" ({part.out_names[j] if j < len(part.out_names) else f'array {j}'} is wrong)"
                break
    return (f"{fn} does not match the reference for case {i0}{where}: inputs {_describe(part, args0)}; "
            f"expected {_fmt(ref0, part.kind)}, got {_fmt(out0, part.kind)}.")


def _t(r):
    return r.T


def _safe_match(mk, args, ref, out, kind):
    try:
        with np.errstate(all="ignore"):
            got = mk.matches(copy.deepcopy(args), ref, out)
            if isinstance(got, _Variant):
                return _close(out, _norm(kind, got.value))
            return bool(got)
    except Exception:
        return False


def _unreadable_message(part, out, what):
    fn = part.function
    if out is None:
        return f"{fn} returned None: did you forget the `return` statement?"
    if hasattr(out, "type_name") and hasattr(out, "why"):  # the grader could not transport it
        return f"{fn} returned a {out.type_name} that cannot be checked ({out.why})."
    if part.kind == "arrays":
        return (f"{fn} should return a tuple of {len(part.out_names)} arrays ({', '.join(part.out_names)}), "
                f"got {what}.")
    return f"{fn} returned a {what}, which is not a number or an array of numbers."


def _exception_message(part, i, exc, args):
    fn = part.function
    kind = type(exc).__name__
    text = str(exc)
    full = f"{kind}: {text}" if text else kind
    if "NotImplementedError" in full:
        return (f"{fn} is not written yet: replace the line `raise NotImplementedError()` "
                "with your code.")
    if "FloatingPointError" in full or "overflow encountered" in full:
        want = "overflow" if "overflow" in full else "nan" if "invalid" in full else None
        for mk in part.mistakes:
            if want is not None and mk.name == want:
                return mk.message.format(fn=fn, i=i, m=None, names="")
        return (f"{fn} overflowed on case {i} ({_describe(part, args)}): numpy said '{text}'. "
                "Rewrite the formula so that exp never sees a large positive argument.")
    if "forbidden" in full.lower() or "not allowed" in full.lower():
        return f"{fn} called a bpkit function this exercise asks you to write yourself ({text})."
    if any(s in full for s in ("matmul", "not aligned", "could not be broadcast", "mismatch in its core dimension",
                               "concatenation axis", "input array dimensions")):
        hint = f" {part.transpose_hint}" if part.transpose_hint else ""
        return (f"{fn} raised {full} on case {i} ({_describe(part, args)}). The shapes in a product or "
                "sum do not line up: print the shape of each array. With rows as examples, "
                f"a(l) is (m, s_l) and W(l) is (s_l, s_(l+1)).{hint}")
    if kind == "NameError" or "is not defined" in full:
        return (f"{fn} raised {full}. Run the cells above first, and use only the names of the "
                "arguments and of functions you defined.")
    return f"{fn} raised {full} on case {i} ({_describe(part, args)})."


# ---------------------------------------------------------------- run / check
def _call(part, fn, args):
    args = copy.deepcopy(args)
    try:
        if part.strict_float:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                return fn(*args)
        return fn(*args)
    except Exception as exc:
        return exc


def run(key, fn, seed=None):
    """Run ``fn`` on the cases of part ``key`` and return :func:`diagnose`'s verdict.

    Parameters
    ----------
    key : str
        ``"NN.K"``.
    fn : callable
        The learner's function.
    seed : int or None
        Seed of the random cases; None draws fresh ones.

    Returns
    -------
    str or None
        None when ``fn`` is right on every case, else the diagnosis.
    """
    part = PARTS.get(key) if isinstance(key, str) else None
    if part is None:
        return f"There is no exercise part {key!r}; the parts are {', '.join(PARTS)}."
    if not callable(fn):
        return (f"check needs the function itself, e.g. check({key!r}, {part.function}); "
                f"got {type(fn).__name__}.")
    cases = part.make_cases(np.random.default_rng(seed))
    outputs = [_call(part, fn, args) for args in cases]
    return diagnose(key, cases, outputs)


def check(key, fn, seed=None):
    """Check a learner's function for exercise part ``key`` and print the verdict.

    Runs ``fn`` on the lesson's numbers and on fresh random inputs, prints
    ``"✓ <function> is correct (N cases)"`` or what is wrong, in words.

    Parameters
    ----------
    key : str
        ``"NN.K"``, e.g. ``"03.2"``.
    fn : callable
        The function you wrote.
    seed : int or None
        Seed of the random cases; None (the default) draws fresh ones each time.

    Returns
    -------
    bool
        True when every case is right.
    """
    msg = run(key, fn, seed)
    if msg is None:
        part = PARTS[key]
        n = len(part.make_cases(np.random.default_rng(0)))
        print(f"✓ {part.function} is correct ({n} cases)")
        return True
    print(f"✗ {msg}")
    return False


# =========================================================== 01 cost
def _cases_01_1(rng):
    X, _, W1, b1, W2, b2 = _lesson_net()
    cases = [(X, W1, b1, W2, b2)]
    for _ in range(4):
        X, _, W1, b1, W2, b2 = _random_net_case(rng)
        cases.append((X, W1, b1, W2, b2))
    return cases


def _ref_01_1(X, W1, b1, W2, b2):
    return _net(W1, b1, W2, b2).predict(X)


def _cases_01_2(rng):
    X, Y, W1, b1, W2, b2 = _lesson_net()
    cases = [(Y, _ref_01_1(X, W1, b1, W2, b2))]
    for _ in range(4):
        m, k = int(rng.integers(4, 8)), int(rng.integers(2, 4))
        cases.append((rng.uniform(0, 1, (m, k)), rng.uniform(0, 1, (m, k))))
    return cases


def _ref_01_2(Y, Yhat):
    return float(np.sum((Y - Yhat) ** 2) / (2 * Y.shape[0]))


# =========================================================== 02 chain rule
def _cases_02_1(rng):
    cases = [(0.6, 0.9, -0.2, 1.0)]
    for _ in range(5):
        w, b = (float(np.round(v, 4)) for v in rng.normal(0, 1.5, 2))
        a = float(np.round(rng.uniform(0.1, 0.9), 4))
        y = float(rng.choice([0.0, 1.0, np.round(rng.uniform(0, 1), 4)]))
        cases.append((w, a, b, y))
    return cases


def _dC_dw(w, a, b, y, *, prime="ok", with_a=True, two=2.0, sign=1.0):
    z = w * a + b
    s = _sigmoid(z)
    return float(two * sign * (s - y) * _prime(prime, z, s) * (a if with_a else 1.0))


def _ref_02_1(w, a, b, y):
    return _dC_dw(w, a, b, y)


def _cases_02_2(rng):
    X, Y, W1, b1, W2, b2 = _lesson_net()
    a2 = _sigmoid(X @ W1 + b1)
    cases = [(a2, a2 @ W2 + b2, Y)]
    for _ in range(4):
        n, h, k, m = _sizes(rng)
        cases.append((rng.uniform(0.05, 0.95, (m, h)), rng.normal(0, 1.5, (m, k)), rng.uniform(0, 1, (m, k))))
    return cases


def _dJ_dW2(a2, z3, Y, *, prime="ok", sign=1.0, mean=True):
    a3 = _sigmoid(z3)
    delta3 = sign * (a3 - Y) * _prime(prime, z3, a3)
    return a2.T @ delta3 / (a2.shape[0] if mean else 1)


def _ref_02_2(a2, z3, Y):
    return _dJ_dW2(a2, z3, Y)


def _cases_02_3(rng):
    X, Y, W1, b1, W2, b2 = _lesson_net()
    z2 = X @ W1 + b1
    a3 = _sigmoid(_sigmoid(z2) @ W2 + b2)
    cases = [(X, z2, W2, (a3 - Y) * a3 * (1 - a3))]
    for _ in range(4):
        n, h, k, m = _sizes(rng)
        X = rng.uniform(-1, 1, (m, n))
        cases.append((X, rng.normal(0, 1.5, (m, h)), rng.standard_normal((h, k)), 0.2 * rng.standard_normal((m, k))))
    return cases


def _dJ_dW1(X, z2, W2, delta3, *, prime="ok", mean=True):
    a2 = _sigmoid(z2)
    delta2 = (delta3 @ W2.T) * _prime(prime, z2, a2)
    return X.T @ delta2 / (X.shape[0] if mean else 1)


def _ref_02_3(X, z2, W2, delta3):
    return _dJ_dW1(X, z2, W2, delta3)


# =========================================================== 03 sigmoid
def _cases_03_1(rng):
    return [
        (np.array([-2.0, -1.0, 0.0, 1.0, 2.0]),),
        (np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]),),
        (rng.normal(0, 3, (int(rng.integers(2, 5)), int(rng.integers(5, 8)))),),
        (rng.normal(0, 400, int(rng.integers(6, 10))),),
        (float(np.round(rng.normal(0, 2), 4)),),
    ]


def _ref_03_1(z):
    return _sigmoid(z)


def _cases_03_2(rng):
    return [
        (np.array([-2.0, -1.0, 0.0, 1.0, 2.0]),),
        (rng.normal(0, 3, (int(rng.integers(2, 5)), int(rng.integers(5, 8)))),),
        (rng.uniform(-30, 30, int(rng.integers(6, 10))),),
        (float(np.round(rng.normal(0, 2), 4)),),
    ]


def _ref_03_2(z):
    return _sigmoid_prime(z)


# =========================================================== 04 Delta accumulation
def _cases_04(rng):
    return [_lesson_net()] + [_random_net_case(rng) for _ in range(4)]


def _ref_04(X, Y, W1, b1, W2, b2):
    dW, db = _backprop(_net(W1, b1, W2, b2), X, Y)
    return dW[0], db[0], dW[1], db[1]


def _cases_04_3(rng):
    net = Network([2, 3, 1], seed=0)
    cases = [(net.weights[0].copy(), np.array([0.1, -0.2, 0.3]))]
    for _ in range(4):
        n, h, _, _ = _sizes(rng)
        cases.append((rng.standard_normal((n, h)), rng.standard_normal(h)))
    return cases


def _ref_04_3(W, b):
    return np.hstack([b[:, None], W.T])


# =========================================================== 05 regularization
def _cases_05(rng):
    return [_lesson_net() + (1.0,)] + [_random_net_case(rng, lam=True) for _ in range(4)]


def _ref_05_1(X, Y, W1, b1, W2, b2, lam):
    return _cost(_net(W1, b1, W2, b2), X, Y, lam=lam)


def _cost_05(X, Y, W1, b1, W2, b2, lam, *, data_mean=True, pen="ok"):
    m = X.shape[0]
    data = np.sum((Y - _forward2(X, W1, b1, W2, b2)) ** 2) / 2 / (m if data_mean else 1)
    sw = np.sum(W1 ** 2) + np.sum(W2 ** 2)
    pens = {"ok": lam / (2 * m) * sw, "none": 0.0, "no_m": lam / 2 * sw, "no_half": lam / m * sw,
            "bias": lam / (2 * m) * (sw + np.sum(b1 ** 2) + np.sum(b2 ** 2))}
    return float(data + pens[pen])


def _ref_05_2(X, Y, W1, b1, W2, b2, lam):
    dW, db = _backprop(_net(W1, b1, W2, b2), X, Y, lam=lam)
    return dW[0], db[0], dW[1], db[1]


# =========================================================== 06 SGD
def _batches(n, batch_size, seed, *, shuffle=True):
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _cases_06_1(rng):
    cases = [(10, 4, 0)]
    for _ in range(4):
        bs = int(rng.integers(2, 6))
        n = bs * int(rng.integers(2, 5)) + int(rng.integers(1, bs))
        cases.append((n, bs, int(rng.integers(0, 2**31))))
    return cases


def _ref_06_1(n, batch_size, seed):
    return _batches(n, batch_size, seed)


def _is_partition_in_other_order(args, ref, out):
    n, bs, _ = args
    if [o.shape for o in out] != [r.shape for r in ref]:
        return False
    flat = np.concatenate(out) if out else np.array([])
    return np.array_equal(np.sort(flat), np.arange(n))


def _repeats_examples(args, ref, out):
    flat = np.concatenate([o.ravel() for o in out]) if out else np.array([])
    return len(np.unique(flat)) < len(flat)


def _cases_06_2(rng):
    X, labels = make_moons(n=20, noise=0.1, seed=0)
    net = Network([2, 4, 1], seed=0)
    cases = [(net, X, labels[:, None].astype(float), 1.0, 6, 0)]
    for _ in range(4):
        n, h, k, _ = _sizes(rng)
        bs = int(rng.integers(2, 5))
        N = bs * int(rng.integers(2, 4)) + int(rng.integers(1, bs))
        net = Network([n, h, k], seed=int(rng.integers(0, 1000)))
        net.biases = [0.5 * rng.standard_normal(b.shape) for b in net.biases]
        X = rng.uniform(-1, 1, (N, n))
        Y = rng.uniform(0, 1, (N, k))
        cases.append((net, X, Y, float(np.round(rng.uniform(0.5, 3.0), 3)), bs, int(rng.integers(0, 2**31))))
    return cases


def _sgd_epoch(net, X, Y, lr, batch_size, seed, *, sign=-1.0, shuffle=True, full=False,
               scale=lambda b: 1.0, steps=None, biases=True):
    net = net.copy()
    batches = _batches(X.shape[0], batch_size, seed, shuffle=shuffle)
    for B in batches[:steps]:
        Xb, Yb = (X, Y) if full else (X[B], Y[B])
        dW, db = _backprop(net, Xb, Yb)
        s = sign * lr * scale(len(B))
        net.weights = [W + s * g for W, g in zip(net.weights, dW)]
        if biases:
            net.biases = [b + s * g for b, g in zip(net.biases, db)]
    return net.params()


def _ref_06_2(net, X, Y, lr, batch_size, seed):
    return _sgd_epoch(net, X, Y, lr, batch_size, seed)


# =========================================================== 07 gradient checking
class WavyCost:
    """A smooth test function of an array: ``f(theta) = sum(sin(c*theta)) + 0.25*sum(d*theta**4)``.

    Picklable (a module-level class), so it can travel inside a grading case.
    """

    def __init__(self, c, d):
        self.c = np.asarray(c, dtype=float)
        self.d = np.asarray(d, dtype=float)

    def __call__(self, theta):
        t = np.asarray(theta, dtype=float)
        return float(np.sum(np.sin(self.c * t)) + 0.25 * np.sum(self.d * t ** 4))

    def __repr__(self):
        return f"WavyCost(shape {self.c.shape})"


class LayerCost:
    """The quadratic cost of a 2-layer net as a function of W1 alone: ``f(W1)``."""

    def __init__(self, X, Y, W1, b1, W2, b2):
        self.X, self.Y, self.b1, self.W2, self.b2 = X, Y, b1, W2, b2

    def __call__(self, W1):
        Yhat = _forward2(self.X, np.asarray(W1, dtype=float), self.b1, self.W2, self.b2)
        return float(np.sum((self.Y - Yhat) ** 2) / (2 * self.X.shape[0]))

    def __repr__(self):
        return "LayerCost(W1)"


def _cases_07_1(rng):
    X, Y, W1, b1, W2, b2 = _lesson_net()
    cases = [(LayerCost(X, Y, W1, b1, W2, b2), W1.copy(), 1e-4)]
    for eps in (1e-2, 1e-3, 1e-2, 1e-3):
        shape = (int(rng.integers(2, 4)), int(rng.integers(4, 6)))
        f = WavyCost(rng.uniform(0.5, 2.5, shape), rng.uniform(0.5, 1.5, shape))
        cases.append((f, rng.uniform(-1.5, 1.5, shape), eps))
    return cases


def _num_grad(f, theta, eps, *, how="central", restore=True):
    theta = np.array(theta, dtype=float)
    g = np.zeros_like(theta)
    flat, gflat = theta.reshape(-1), g.reshape(-1)
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + eps
        plus = f(theta)
        flat[j] = old - eps
        minus = f(theta)
        if how == "forward":
            flat[j] = old
            minus = f(theta)
            gflat[j] = (plus - minus) / eps
        elif how == "central":
            gflat[j] = (plus - minus) / (2 * eps)
        if restore:
            flat[j] = old
    return g


def _ref_07_1(f, theta, eps):
    return _num_grad(f, theta, eps)


def _cases_07_2(rng):
    g = np.array([0.5, -0.2, 0.1])
    cases = [(g, g + np.array([1e-7, -2e-7, 0.0])), (np.zeros((2, 3)), np.zeros((2, 3)))]
    for _ in range(3):
        rows = int(rng.integers(2, 5))
        shape = (rows, int(rng.choice([c for c in range(2, 6) if c != rows])))
        a = rng.standard_normal(shape)
        b = a + rng.choice([1e-3, 0.1, 1.0]) * rng.standard_normal(shape)
        cases.append((a, b))
    return cases


def _ref_07_2(a, b):
    num, den = np.linalg.norm(a - b), np.linalg.norm(a + b)
    return 0.0 if den == 0.0 and num == 0.0 else float(num / den)


class NetCost:
    """J(params) of a 2-layer sigmoid net, quadratic cost with L2 (``lam``), params = [W1, b1, W2, b2]."""

    def __init__(self, X, Y, lam):
        self.X, self.Y, self.lam = X, Y, float(lam)

    def __call__(self, params):
        W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in params)
        return _cost_05(self.X, self.Y, W1, b1, W2, b2, self.lam)

    def __repr__(self):
        return f"NetCost(lam={self.lam:g})"


BUGS = {
    None: "correct",
    "missing_sigma_prime": "forgets sigma' in the hidden layer",
    "transposed": "returns dW1 transposed",
    "missing_1/m": "forgets to divide by m",
    "regularized_bias": "regularizes the biases too",
    "output_sign": "uses (y - a) for the output error",
}


class GradientCandidate:
    """A gradient function ``grad(params) -> [dW1, db1, dW2, db2]`` for a :class:`NetCost`.

    ``bug`` is None for a correct one, else a key of :data:`BUGS`. Picklable.
    """

    def __init__(self, cost, bug=None):
        if bug not in BUGS:
            raise ValueError(f"bug must be one of {list(BUGS)}, got {bug!r}")
        self.cost, self.bug = cost, (None if bug is None else str(bug))

    def __call__(self, params):
        W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in params)
        c, bug = self.cost, self.bug
        kw = {}
        if bug == "missing_sigma_prime":
            kw["hidden_prime"] = "none"
        elif bug == "missing_1/m":
            kw.update(mean=False, bias_mean=False)
        elif bug == "regularized_bias":
            kw["reg"] = "bias"
        elif bug == "output_sign":
            kw["sign"] = -1.0
        dW1, db1, dW2, db2 = _bp2(c.X, c.Y, W1, b1, W2, b2, c.lam, **kw)
        if bug == "transposed":
            dW1 = dW1.T
        return [dW1, db1, dW2, db2]

    def __repr__(self):
        return "GradientCandidate(...)"


def _cases_07_3(rng):
    X, Y, W1, b1, W2, b2 = _lesson_net()
    b1, b2 = np.array([0.1, -0.2, 0.3]), np.array([0.05])
    J = NetCost(X, Y, 1.0)
    bugs = [None, "missing_sigma_prime", None, "regularized_bias", "missing_1/m"]
    cases = [(J, [W1, b1, W2, b2], [GradientCandidate(J, b) for b in bugs], 1e-5)]
    planted = [b for b in BUGS if b is not None]
    for _ in range(3):
        X, Y, W1, b1, W2, b2, lam = _random_net_case(rng, lam=True)
        J = NetCost(X, Y, lam)
        n_bad = int(rng.integers(1, 4))
        bad = list(rng.choice(planted, size=n_bad, replace=False))
        bugs = bad + [None] * (5 - n_bad)
        order = rng.permutation(5)
        cases.append((J, [W1, b1, W2, b2], [GradientCandidate(J, bugs[o]) for o in order], 1e-5))
    return cases


def _ref_07_3(J, params, candidates, eps):
    return [i for i, c in enumerate(candidates) if c.bug is not None]


def _bug_hunt_errors(J, params, candidates, eps):
    """Relative error of each candidate against central differences (inf for a wrong shape)."""
    work = [np.array(p, dtype=float) for p in params]
    num = _numerical_gradient(lambda: J(work), work, eps)
    errs = []
    for c in candidates:
        g = c([p.copy() for p in params])
        if any(np.shape(a) != np.shape(b) for a, b in zip(g, num)):
            errs.append(math.inf)
        else:
            errs.append(_relative_error(list(g), num))
    return errs


def _bug_hunt_mistakes():
    def flagged_correct(args, ref, out):
        bad = set(ref[0].astype(int).tolist())
        return any(int(i) not in bad for i in out[0])

    def missed(args, ref, out):
        said = set(out[0].astype(int).tolist())
        return any(i not in said for i in ref[0].astype(int).tolist())

    def mask(args, ref, out):
        o = out[0]
        return len(o) == len(args[2]) and set(np.unique(o)) <= {0.0, 1.0} and not np.array_equal(o, ref[0])

    return (
        Mistake("mask", mask,
                "{fn} should return the indices of the buggy candidates (e.g. [1, 3]), not a True/False per "
                "candidate. Collect i for each candidate whose relative error is above the threshold."),
        Mistake("flagged_correct", flagged_correct,
                "{fn} flagged a candidate whose gradient agrees with the numerical gradient (relative error "
                "below 1e-7): a correct function is not buggy. Compare every array, and use the threshold "
                "1e-6 on the relative error."),
        Mistake("missed", missed,
                "{fn} missed a buggy candidate: its relative error is far above 1e-6 for some array (or its "
                "shape differs, which is a bug too). Check all four arrays dW1, db1, dW2, db2, not only the "
                "first."),
    )


# ================================================================== the registry
_BP_FORBIDDEN = ("bpkit.backprop", "bpkit.backprop_loop", "bpkit.backprop.backprop",
                 "bpkit.backprop.backprop_loop", "bpkit.gradient_check", "bpkit.gradcheck.gradient_check")
_SIG_FORBIDDEN = ("bpkit.sigmoid", "bpkit.activations.sigmoid", "bpkit.sigmoid_prime",
                  "bpkit.activations.sigmoid_prime")
_NET_ARGS = ("X", "Y", "W1", "b1", "W2", "b2")
_GRADS = ("dW1", "db1", "dW2", "db2")
_TRANSPOSE_W = ("The gradient must have the shape of the weight it belongs to. Did you compute delta.T @ a "
                "instead of a.T @ delta?")


def _m0(args):
    return args[0].shape[0]


def _bp_mistakes(loop):
    ms = []
    if loop:
        ms.append(Mistake("last_only", _variant(lambda *a: _bp2(*a, last_only=True)),
                          "Your Delta keeps only the last example: inside the loop use `Delta += ...` so "
                          "every example adds its nudges, instead of `Delta = ...`."))
        ms.append(Mistake("last_only_sum", _variant(lambda *a: _bp2(*a, last_only=True, mean=False,
                                                                     bias_mean=False)),
                          "Your Delta keeps only the last example (and is not divided by m): use "
                          "`Delta += ...` inside the loop, then divide by m after it."))
    ms += [
        Mistake("missing_1/m", _variant(lambda *a: _bp2(*a, mean=False, bias_mean=False)),
                "Off by a factor of m = {m}: your gradients are sums over the examples (Delta itself). The "
                "cost is a mean, so divide every Delta by m."),
        Mistake("bias_sum", _variant(lambda *a: _bp2(*a, bias_mean=False)),
                "Your weight gradients are right, but the bias gradients are a sum over the examples, m = {m} "
                "times too large. Divide them by m as well: dJ/db is a mean."),
        Mistake("weight_sum", _variant(lambda *a: _bp2(*a, mean=False)),
                "Your bias gradients are right, but the weight gradients are a sum over the examples, m = {m} "
                "times too large. Divide Delta_W by m as well."),
        Mistake("sigma_for_sigma_prime", _variant(lambda *a: _bp2(*a, output_prime="sigma", hidden_prime="sigma")),
                "You used sigma(z) (that is, a) where the derivative sigma'(z) = a * (1 - a) belongs."),
        Mistake("z_prime", _variant(lambda *a: _bp2(*a, output_prime="z", hidden_prime="z")),
                "You computed z * (1 - z). The shortcut sigma'(z) = a * (1 - a) needs the activation a = sigma(z), "
                "not z."),
        Mistake("missing_hidden_prime", _variant(lambda *a: _bp2(*a, hidden_prime="none")),
                "dW2 and db2 are right, but dW1 and db1 are not: when you send the error back, "
                "delta(2) = (delta(3) @ W2.T) * sigma'(z(2)). The factor sigma'(z(2)) is missing."),
        Mistake("missing_output_prime", _variant(lambda *a: _bp2(*a, output_prime="none")),
                "Your output error is a - y, which is right for the cross-entropy cost. With the quadratic "
                "cost it is delta(3) = (a - y) * sigma'(z(3)): the factor sigma'(z(3)) is missing."),
        Mistake("wrong_sign", _variant(lambda *a: _bp2(*a, sign=-1.0)),
                "Wrong sign: your gradients are minus the right ones. The output error is (a - y), not (y - a)."),
    ]
    return tuple(ms)


def _reg_mistakes():
    return (
        Mistake("regularized_bias", _variant(lambda *a: _bp2(*a, reg="bias")),
                "You regularized the biases: db1 and db2 must not get the lam * b / m term. L2 "
                "regularization penalizes the weights only."),
        Mistake("penalty_no_m", _variant(lambda *a: _bp2(*a, reg="no_m")),
                "The penalty's gradient is missing its 1/m: the derivative of lam/(2m) * sum(W**2) is "
                "lam * W / m, not lam * W."),
        Mistake("penalty_half", _variant(lambda *a: _bp2(*a, reg="half")),
                "The penalty's gradient is half what it should be: the derivative of lam/(2m) * W**2 is "
                "lam * W / m (the 2 from the square cancels the 1/2)."),
        Mistake("penalty_sign", _variant(lambda *a: _bp2(*a, reg="sign")),
                "Wrong sign on the penalty's gradient: add lam * W / m (the penalty grows with |W|, so its "
                "gradient points the same way as W)."),
        Mistake("no_penalty", _variant(lambda *a: _bp2(*a, reg="none")),
                "Your gradients are those of the unregularized cost: add lam * W / m to dW1 and dW2."),
        Mistake("missing_1/m", _variant(lambda *a: _bp2(*a, mean=False, bias_mean=False, reg="no_m")),
                "Off by a factor of m = {m}: your gradients are sums over the examples. The cost is a mean, so "
                "divide (Delta + lam * W) by m."),
        Mistake("bias_sum", _variant(lambda *a: _bp2(*a, bias_mean=False)),
                "Your weight gradients are right, but the bias gradients are a sum over the examples, m = {m} "
                "times too large. Divide them by m as well."),
    )


PARTS: dict = {}
NOTEBOOKS = ("01_cost", "02_chain_rule", "03_sigmoid_derivative", "04_delta_accumulation",
             "05_regularization", "06_sgd", "07_gradient_checking")


def _add(part):
    PARTS[part.key] = part


_add(Part(
    "01.1", "01_cost", "part1_tests", "forward", 2,
    ("bpkit.Network.forward", "bpkit.Network.predict", "bpkit.network.Network.forward",
     "bpkit.network.Network.predict"),
    _cases_01_1, _ref_01_1, args=("X", "W1", "b1", "W2", "b2"), kind="array", m_of=_m0,
    mistakes=(
        Mistake("no_output_sigmoid", _variant(lambda *a: _forward2(*a, output=False)),
                "Your output looks like z(3), the weighted input of the output layer. Apply the sigmoid to it: "
                "yhat = sigma(z(3))."),
        Mistake("no_hidden_sigmoid", _variant(lambda *a: _forward2(*a, hidden=False)),
                "The hidden layer is missing its sigmoid: a(2) = sigma(z(2)) must go into the next product, "
                "not z(2)."),
        Mistake("no_bias", _variant(lambda *a: _forward2(*a, bias=False)),
                "You left out the biases: z(2) = X @ W1 + b1 and z(3) = a(2) @ W2 + b2."),
    ),
    transpose_hint="With rows as examples the output has one row per example: (m, s_3).",
))

_add(Part(
    "01.2", "01_cost", "part2_tests", "quadratic_cost", 2,
    ("bpkit.cost", "bpkit.costs.cost"),
    _cases_01_2, _ref_01_2, args=("Y", "Yhat"), kind="scalar", m_of=_m0,
    mistakes=(
        Mistake("sum_not_mean", _scaled(lambda a: a[0].shape[0]),
                "Your cost is m = {m} times too large: it is a sum over the examples. The course uses the "
                "mean, J = sum((Y - Yhat)**2) / (2m): divide by m."),
        Mistake("missing_half", _scaled(lambda a: 2.0),
                "Your cost is twice too large: the factor 1/2 is missing, J = sum((Y - Yhat)**2) / (2m)."),
        Mistake("mean_all_entries", _scaled(lambda a: 1.0 / a[0].shape[1]),
                "You divided by the number of entries, m * k, instead of the number of examples m (np.mean "
                "averages over outputs too). Sum all the squares and divide by 2m."),
        Mistake("mean_no_half", _scaled(lambda a: 2.0 / a[0].shape[1]),
                "You used np.mean over all entries and dropped the 1/2: sum all the squares and divide by 2m."),
    ),
))

_add(Part(
    "02.1", "02_chain_rule", "part1_tests", "dC_dw", 2, _SIG_FORBIDDEN[2:],
    _cases_02_1, _ref_02_1, args=("w", "a", "b", "y"), kind="scalar",
    mistakes=(
        Mistake("sigma_for_sigma_prime", _variant(lambda *a: _dC_dw(*a, prime="sigma")),
                "You used sigma(z) where the derivative sigma'(z) = sigma(z) * (1 - sigma(z)) belongs: "
                "da/dz is the slope of the sigmoid, not its value."),
        Mistake("missing_sigma_prime", _variant(lambda *a: _dC_dw(*a, prime="none")),
                "The factor da/dz = sigma'(z) is missing from your chain: dC/dw = dC/da * da/dz * dz/dw."),
        Mistake("z_prime", _variant(lambda *a: _dC_dw(*a, prime="z")),
                "You computed z * (1 - z). The shortcut sigma'(z) = s * (1 - s) needs s = sigma(z), not z."),
        Mistake("missing_dz_dw", _variant(lambda *a: _dC_dw(*a, with_a=False)),
                "The factor dz/dw = a is missing: what you computed is dC/db (for z = w a + b, dz/db = 1 "
                "but dz/dw = a)."),
        Mistake("missing_two", _variant(lambda *a: _dC_dw(*a, two=1.0)),
                "The derivative of (a - y)**2 is 2 (a - y): the factor 2 is missing."),
        Mistake("wrong_sign", _variant(lambda *a: _dC_dw(*a, sign=-1.0)),
                "Wrong sign: the derivative of (a - y)**2 with respect to a is 2 (a - y), not 2 (y - a)."),
    ),
))

_add(Part(
    "02.2", "02_chain_rule", "part2_tests", "dJ_dW2", 3, _SIG_FORBIDDEN[2:] + _BP_FORBIDDEN[:4],
    _cases_02_2, _ref_02_2, args=("a2", "z3", "Y"), kind="array", m_of=_m0,
    transpose_hint=_TRANSPOSE_W,
    mistakes=(
        Mistake("missing_1/m", _variant(lambda *a: _dJ_dW2(*a, mean=False)),
                "Off by a factor of m = {m}: your gradient is a sum over the examples. J is a mean, so "
                "divide a2.T @ delta3 by m."),
        Mistake("sigma_for_sigma_prime", _variant(lambda *a: _dJ_dW2(*a, prime="sigma")),
                "You used sigma(z3) where sigma'(z3) = sigma(z3) * (1 - sigma(z3)) belongs."),
        Mistake("z_prime", _variant(lambda *a: _dJ_dW2(*a, prime="z")),
                "You computed z3 * (1 - z3). The shortcut sigma'(z) = a * (1 - a) needs a = sigma(z3), not z3."),
        Mistake("missing_output_prime", _variant(lambda *a: _dJ_dW2(*a, prime="none")),
                "Your output error is (yhat - y), the cross-entropy one. With the quadratic cost "
                "delta3 = (yhat - y) * sigma'(z3): the factor sigma'(z3) is missing."),
        Mistake("wrong_sign", _variant(lambda *a: _dJ_dW2(*a, sign=-1.0)),
                "Wrong sign: dJ/dyhat = (yhat - y) / m, not (y - yhat) / m."),
    ),
))

_add(Part(
    "02.3", "02_chain_rule", "part3_tests", "dJ_dW1", 3, _SIG_FORBIDDEN[2:] + _BP_FORBIDDEN[:4],
    _cases_02_3, _ref_02_3, args=("X", "z2", "W2", "delta3"), kind="array", m_of=_m0,
    transpose_hint=_TRANSPOSE_W,
    mistakes=(
        Mistake("missing_1/m", _variant(lambda *a: _dJ_dW1(*a, mean=False)),
                "Off by a factor of m = {m}: your gradient is a sum over the examples. Divide X.T @ delta2 by m."),
        Mistake("missing_hidden_prime", _variant(lambda *a: _dJ_dW1(*a, prime="none")),
                "The factor sigma'(z2) is missing: the error reaching the hidden layer is "
                "delta2 = (delta3 @ W2.T) * sigma'(z2)."),
        Mistake("sigma_for_sigma_prime", _variant(lambda *a: _dJ_dW1(*a, prime="sigma")),
                "You used sigma(z2) where sigma'(z2) = sigma(z2) * (1 - sigma(z2)) belongs."),
        Mistake("z_prime", _variant(lambda *a: _dJ_dW1(*a, prime="z")),
                "You computed z2 * (1 - z2). The shortcut sigma'(z) = a * (1 - a) needs a = sigma(z2), not z2."),
    ),
))

_add(Part(
    "03.1", "03_sigmoid_derivative", "part1_tests", "sigmoid", 2, _SIG_FORBIDDEN[:2],
    _cases_03_1, _ref_03_1, args=("z",), kind="array", strict_float=True,
    mistakes=(
        Mistake("overflow", lambda args, ref, out: False,
                "{fn} overflows for large |z|: np.exp(-z) with z = -1000 is e**1000, far beyond the largest "
                "float, so numpy warns and returns inf. Compute e = np.exp(-np.abs(z)), which is never "
                "larger than 1, and use 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0."),
        Mistake("nan", lambda args, ref, out: True,
                "{fn} returns nan for large |z| (for z = 1000, e**z / (1 + e**z) is inf / inf). Compute "
                "e = np.exp(-np.abs(z)) and use 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0."),
        Mistake("minus_z", _variant(lambda z: _sigmoid(-np.asarray(z, dtype=float))),
                "You computed 1 / (1 + e**z), which is sigma(-z) = 1 - sigma(z): the exponent needs a minus "
                "sign, sigma(z) = 1 / (1 + e**(-z))."),
    ),
))

_add(Part(
    "03.2", "03_sigmoid_derivative", "part2_tests", "sigmoid_prime", 2, _SIG_FORBIDDEN[2:],
    _cases_03_2, _ref_03_2, args=("z",), kind="array",
    mistakes=(
        Mistake("sigma_for_sigma_prime", _variant(lambda z: _sigmoid(z)),
                "You returned sigma(z), not its derivative: sigma'(z) = sigma(z) * (1 - sigma(z))."),
        Mistake("z_prime", _variant(lambda z: np.asarray(z, dtype=float) * (1 - np.asarray(z, dtype=float))),
                "You computed z * (1 - z). The shortcut a * (1 - a) needs a = sigma(z): first s = sigmoid(z), "
                "then s * (1 - s)."),
        Mistake("tanh_shortcut", _variant(lambda z: 1 - _sigmoid(z) ** 2),
                "You computed 1 - sigma(z)**2, which is the shortcut for tanh. For the sigmoid it is "
                "sigma(z) * (1 - sigma(z))."),
        Mistake("wrong_sign", _variant(lambda z: -_sigmoid_prime(z)),
                "Wrong sign: sigma'(z) is never negative (the sigmoid only goes up). Check (1 - s) versus (s - 1)."),
    ),
))

_add(Part(
    "04.1", "04_delta_accumulation", "part1_tests", "backprop_loop", 4, _BP_FORBIDDEN,
    _cases_04, _ref_04, args=_NET_ARGS, kind="arrays", out_names=_GRADS, m_of=_m0,
    transpose_hint=_TRANSPOSE_W, mistakes=_bp_mistakes(loop=True),
))

_add(Part(
    "04.2", "04_delta_accumulation", "part2_tests", "backprop_vectorized", 4, _BP_FORBIDDEN,
    _cases_04, _ref_04, args=_NET_ARGS, kind="arrays", out_names=_GRADS, m_of=_m0,
    transpose_hint=_TRANSPOSE_W, mistakes=_bp_mistakes(loop=False),
))

_add(Part(
    "04.3", "04_delta_accumulation", "part3_tests", "to_theta", 2,
    ("bpkit.Network.to_thetas", "bpkit.network.Network.to_thetas"),
    _cases_04_3, _ref_04_3, args=("W", "b"), kind="array",
    transpose_hint="Theta(l) has one row per unit of the next layer: shape (s_(l+1), s_l + 1), "
                   "so it holds W.T, not W.",
    mistakes=(
        Mistake("bias_last", _variant(lambda W, b: np.hstack([W.T, b[:, None]])),
                "The bias is in the last column; Ng's convention puts it in column 0: "
                "Theta = [b[:, None], W.T]."),
        Mistake("bias_row", _variant(lambda W, b: np.vstack([b[None, :], W])),
                "You stacked b on top of W, giving shape (s_l + 1, s_(l+1)): that is Theta transposed. "
                "Theta(l) has one row per unit of the next layer: np.hstack([b[:, None], W.T])."),
    ),
))

_add(Part(
    "05.1", "05_regularization", "part1_tests", "regularized_cost", 3,
    ("bpkit.cost", "bpkit.costs.cost", "bpkit.costs.l2_penalty"),
    _cases_05, _ref_05_1, args=_NET_ARGS + ("lam",), kind="scalar", m_of=_m0,
    mistakes=(
        Mistake("regularized_bias", _variant(lambda *a: _cost_05(*a, pen="bias")),
                "You regularized the biases: the penalty lam/(2m) * sum(W**2) runs over the weights W1 and W2 "
                "only, never b1 or b2."),
        Mistake("penalty_no_m", _variant(lambda *a: _cost_05(*a, pen="no_m")),
                "The penalty is missing its 1/m: it is lam/(2m) * sum(W**2), averaged like the data term."),
        Mistake("penalty_no_half", _variant(lambda *a: _cost_05(*a, pen="no_half")),
                "The penalty is twice too large: it is lam/(2m) * sum(W**2), with a 1/2."),
        Mistake("no_penalty", _variant(lambda *a: _cost_05(*a, pen="none")),
                "Your cost has no penalty term: add lam/(2m) * (sum(W1**2) + sum(W2**2))."),
        Mistake("sum_not_mean", _variant(lambda *a: _cost_05(*a, data_mean=False)),
                "The data term is a sum over the examples, m = {m} times too large: the course uses the mean, "
                "sum((Y - Yhat)**2) / (2m)."),
    ),
))

_add(Part(
    "05.2", "05_regularization", "part2_tests", "regularized_gradients", 4, _BP_FORBIDDEN,
    _cases_05, _ref_05_2, args=_NET_ARGS + ("lam",), kind="arrays", out_names=_GRADS, m_of=_m0,
    transpose_hint=_TRANSPOSE_W, mistakes=_reg_mistakes() + _bp_mistakes(loop=False)[1:],
))

_add(Part(
    "06.1", "06_sgd", "part1_tests", "make_batches", 3, (),
    _cases_06_1, _ref_06_1, args=("n", "batch_size", "seed"), kind="batches",
    mistakes=(
        Mistake("not_shuffled", _variant(lambda n, bs, seed: _batches(n, bs, seed, shuffle=False)),
                "Your batches are in the original order 0, 1, 2, ...: shuffle first, with "
                "rng = np.random.default_rng(seed) and order = rng.permutation(n), then cut order into "
                "slices of batch_size."),
        Mistake("drop_last", _variant(lambda n, bs, seed: _batches(n, bs, seed)[:-1]),
                "You dropped the last, smaller batch: when batch_size does not divide n, the leftover "
                "examples form one more batch, so every example is used once per epoch."),
        Mistake("other_order", _is_partition_in_other_order,
                "Every example appears exactly once, but not in the order the check expects. Draw the order "
                "with rng = np.random.default_rng(seed) and ONE call order = rng.permutation(n), then take "
                "consecutive slices order[i:i + batch_size]."),
        Mistake("repeats", _repeats_examples,
                "Some examples appear twice and others never: an epoch must use every example exactly "
                "once. Shuffle a permutation (rng.permutation(n)) instead of drawing indices at random."),
    ),
))

_add(Part(
    "06.2", "06_sgd", "part2_tests", "sgd_epoch", 4,
    ("bpkit.sgd", "bpkit.optim.sgd", "bpkit.gradient_descent", "bpkit.optim.gradient_descent"),
    _cases_06_2, _ref_06_2, args=("net", "X", "Y", "lr", "batch_size", "seed"), kind="arrays",
    out_names=("W1", "W2", "b1", "b2"),
    mistakes=(
        Mistake("ascent", _variant(lambda *a: _sgd_epoch(*a, sign=1.0)),
                "Your steps go uphill: subtract the gradient, W = W - lr * dW (and the same for b)."),
        Mistake("not_shuffled", _variant(lambda *a: _sgd_epoch(*a, shuffle=False)),
                "Your epoch takes the batches in the original order: get them from "
                "make_batches(n, batch_size, seed), which shuffles."),
        Mistake("full_batch_gradient", _variant(lambda *a: _sgd_epoch(*a, full=True)),
                "Each step used the gradient on ALL of X, not on the batch: compute the gradient with "
                "X[batch] and Y[batch]."),
        Mistake("extra_1/b", _variant(lambda *a: _sgd_epoch(*a, scale=lambda b: 1.0 / b)),
                "Your steps are batch_size times too small: bpkit.backprop already averages over the batch, "
                "so do not divide by the batch size again."),
        Mistake("sum_gradient", _variant(lambda *a: _sgd_epoch(*a, scale=lambda b: float(b))),
                "Your steps are batch_size times too large: use the averaged gradient of the batch (a mean), "
                "not a sum."),
        Mistake("one_step", _variant(lambda *a: _sgd_epoch(*a, steps=1)),
                "Only the first batch was used: an epoch takes one step per batch. Is your return inside the "
                "loop?"),
        Mistake("no_bias_update", _variant(lambda *a: _sgd_epoch(*a, biases=False)),
                "The weights are right but the biases never changed: update them too, b = b - lr * db."),
    ),
))

_add(Part(
    "07.1", "07_gradient_checking", "part1_tests", "numerical_gradient", 3,
    ("bpkit.numerical_gradient", "bpkit.gradcheck.numerical_gradient"),
    _cases_07_1, _ref_07_1, args=("f", "theta", "eps"), kind="array",
    transpose_hint="The result must have the shape of theta.",
    mistakes=(
        Mistake("forward_difference", _variant(lambda f, t, e: _num_grad(f, t, e, how="forward")),
                "You used a one-sided difference (f(theta + eps) - f(theta)) / eps. Use the central difference "
                "(f(theta + eps) - f(theta - eps)) / (2 eps): its error is O(eps**2) instead of O(eps)."),
        Mistake("eps_not_2eps", _variant(lambda f, t, e: 2 * _num_grad(f, t, e)),
                "Your result is twice too large: the two points theta + eps and theta - eps are 2 eps apart, "
                "so divide by 2 * eps."),
        Mistake("wrong_sign", _variant(lambda f, t, e: -_num_grad(f, t, e)),
                "Wrong sign: compute f(theta + eps) - f(theta - eps), the plus side first."),
        Mistake("not_restored", _variant(lambda f, t, e: _num_grad(f, t, e, restore=False)),
                "After nudging an entry you did not put it back: theta[j] must return to its old value "
                "before the next entry is nudged (work on a copy, or restore it)."),
        Mistake("fixed_eps", _variant(lambda f, t, e: _num_grad(f, t, 1e-5) if e != 1e-5 else _num_grad(f, t, 2e-5)),
                "Your result ignores the eps argument: use the step eps you are given, not a fixed number."),
    ),
))

_add(Part(
    "07.2", "07_gradient_checking", "part2_tests", "relative_error", 2,
    ("bpkit.relative_error", "bpkit.gradcheck.relative_error"),
    _cases_07_2, _ref_07_2, args=("a", "b"), kind="scalar",
    mistakes=(
        Mistake("nan", lambda args, ref, out: not np.any(args[0]) and not np.any(args[1]),
                "{fn} returns nan when both arrays are zero (0 / 0). When ||a + b|| is 0, return 0.0."),
        Mistake("no_denominator", _variant(lambda a, b: float(np.linalg.norm(a - b))),
                "You returned ||a - b||, an absolute error. Divide by ||a + b||, so the error does not depend on "
                "how large the gradients are."),
        Mistake("sum_of_norms", _variant(lambda a, b: float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))),
                "You divided by ||a|| + ||b|| (another common choice); this course uses ||a + b||."),
        Mistake("squared_norms", _variant(lambda a, b: float(np.sum((a - b) ** 2) / np.sum((a + b) ** 2))),
                "You used sums of squares without the square root: the norm is np.linalg.norm(v) = "
                "sqrt(sum(v**2))."),
        Mistake("l1_norms", _variant(lambda a, b: float(np.sum(np.abs(a - b)) / np.sum(np.abs(a + b)))),
                "You used sums of absolute values; the course's norm is the Euclidean one, np.linalg.norm."),
    ),
))

_add(Part(
    "07.3", "07_gradient_checking", "part3_tests", "find_buggy", 5,
    ("bpkit.gradient_check", "bpkit.gradcheck.gradient_check", "bpkit.backprop", "bpkit.backprop.backprop"),
    _cases_07_3, _ref_07_3, args=("J", "params", "candidates", "eps"), kind="indices",
    mistakes=_bug_hunt_mistakes(),
))


def diagnosis_names():
    """Every named mistake the checks recognise, as ``"NN.K:name"`` (plus the generic ones)."""
    names = [f"{p.key}:{mk.name}" for p in PARTS.values() for mk in p.mistakes]
    return names + ["*:transposed", "*:wrong_shape", "*:times_m", "*:over_m", "*:sign", "*:times_2",
                    "*:half", "*:hard_coded", "*:not_written", "*:returned_none", "*:shape_error"]
