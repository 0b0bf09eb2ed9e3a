"""The generic mistakes: the ones any part can make, tried after the part's own.

Each is a :class:`Mistake` whose kind says at which stage of
:func:`bpkit.checks.diagnose` it is tried (in the order listed here). Their
``test`` by kind:

* EXCEPTION: ``test(exc_name, full)`` on what the function raised (``full`` is
  ``"Name: text"``); fields ``i``, ``args``, ``full``, ``text``, ``hint``;
* OUTPUT: ``test(out, part)`` on a result that is not numbers; fields ``what``,
  ``type_name``, ``why``, ``n``;
* COUNT: no test (the engine counts); fields ``n``, ``k``;
* SHAPE: ``test(o, r, seen)`` on the first array whose shape differs from the
  reference's; fields ``what``, ``got``, ``want``, ``i``, ``args``, ``hint``;
* FACTOR: ``test(args, m)``, the factor, as for a part's own;
* CONTRACT: ``test(part, args, out)`` on the raw result of each case; fields
  ``i``, ``args``, ``shape``;
* NAN, FIXED, MISMATCH: no test; fields ``i``, ``args`` (``lo``, ``hi``;
  ``detail``: which array, the largest difference, where, the shape).

The first four EXCEPTION mistakes are the rules of :mod:`bpkit._grading.watch`
(an input changed in place, a forbidden call, ...), raised by name; their
fields add ``arg`` (the argument, e.g. ``Ws[0]``) and ``where`` (what changed).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._grading import watch
from ._compare import ATOL, RTOL, close, transposed
from ._records import Kind, Mistake


class Seen(NamedTuple):
    """What a SHAPE test may look at: the part, its cases, the normalized results and the failing cases."""

    part: object
    cases: list
    refs: list
    outs: list
    failing: list


_SHAPE_ERRORS = ("matmul", "not aligned", "could not be broadcast", "mismatch in its core dimension",
                 "concatenation axis", "input array dimensions")

GENERIC = (
    # ---------------------------------------------------------------- COUNT
    Mistake("result_count", Kind.COUNT, "Expected {n} results from {fn}, got {k}."),
    Mistake("array_count", Kind.COUNT, "{fn} should return {n} arrays ({names}), but it returned {k}."),
    # ------------------------------------------------------------ EXCEPTION
    Mistake("not_written", Kind.EXCEPTION,
            "{fn} is not written yet: replace the line `raise NotImplementedError()` with your code.",
            lambda name, full: "NotImplementedError" in full),
    Mistake("overflow", Kind.EXCEPTION,
            "{fn} overflowed on case {i} ({args}): numpy said '{text}'. "
            "Rewrite the formula so that exp never sees a large positive argument.",
            lambda name, full: "FloatingPointError" in full or "overflow encountered" in full),
    Mistake("forbidden_call", Kind.EXCEPTION,
            "{fn} calls {text}, the function this part asks you to write: write it yourself with numpy. "
            "A part that calls it earns no points, in this check, under nbgrader and under bpkit-grade.",
            lambda name, full: name == watch.FORBIDDEN or "forbidden" in full.lower()
            or "not allowed" in full.lower()),
    Mistake("checks_switched_off", Kind.EXCEPTION,
            "{fn} switched off the checks while it ran (it replaced the profile hook, sys.setprofile): "
            "a part that does so earns no points.",
            lambda name, full: name == watch.TAMPERED),
    Mistake("changed_input", Kind.EXCEPTION,
            "{fn} changed its input {arg} in place: {where} (case {i}: {args}). Leave your arguments as "
            "you got them: compute new arrays (W = W - step, not W -= step) or work on a copy (.copy()).",
            lambda name, full: name == watch.CHANGED),
    Mistake("worked_on_a_copy", Kind.EXCEPTION,
            "{fn} left {arg} exactly as it was (case {i}: {args}): the contract asks you to update {arg} "
            "in place, but your function changed a copy of it. Assign the new arrays to {arg} itself "
            "(e.g. net.weights[k] = ...), then return them.",
            lambda name, full: name == watch.NOT_UPDATED),
    Mistake("shape_error", Kind.EXCEPTION,
            "{fn} raised {full} on case {i} ({args}). The shapes in a product or sum do not line up: print "
            "the shape of each array. With rows as examples, a(l) is (m, s_l) and W(l) is (s_l, s_(l+1)).{hint}",
            lambda name, full: any(s in full for s in _SHAPE_ERRORS)),
    Mistake("name_error", Kind.EXCEPTION,
            "{fn} raised {full}. Run the cells above first, and use only the names of the arguments and of "
            "functions you defined.",
            lambda name, full: name == "NameError" or "is not defined" in full),
    Mistake("raised", Kind.EXCEPTION, "{fn} raised {full} on case {i} ({args}).", lambda name, full: True),
    # --------------------------------------------------------------- OUTPUT
    Mistake("returned_none", Kind.OUTPUT, "{fn} returned None: did you forget the `return` statement?",
            lambda out, part: out is None),
    Mistake("untransportable", Kind.OUTPUT, "{fn} returned a {type_name} that cannot be checked ({why}).",
            lambda out, part: hasattr(out, "type_name") and hasattr(out, "why")),  # the grader could not carry it
    Mistake("not_a_tuple", Kind.OUTPUT, "{fn} should return a tuple of {n} arrays ({names}), got {what}.",
            lambda out, part: part.kind == "arrays"),
    Mistake("not_numbers", Kind.OUTPUT, "{fn} returned a {what}, which is not a number or an array of numbers.",
            lambda out, part: True),
    # ------------------------------------------------------------- CONTRACT
    Mistake("not_a_float", Kind.CONTRACT,
            "{fn} should return a single number (a float), but on case {i} it returned an array of shape {shape}, "
            "even if its one entry is right. Return float(...) of it (or use .item()).",
            lambda part, args, out: part.kind == "scalar" and not isinstance(out, BaseException)
            and np.ndim(out) > 0),
    # ------------------------------------------------------------------ NAN
    Mistake("nan", Kind.NAN,
            "{fn} returned nan or inf for case {i} ({args}), where the answer is a finite number. Look for a "
            "division by zero or an exp that overflows."),
    # ---------------------------------------------------------------- SHAPE
    Mistake("transposed", Kind.SHAPE,
            "{fn} returns the transpose of the right answer: {what} has shape {got} but should have shape "
            "{want}. {hint}",
            lambda o, r, seen: (o.ndim == 2 and r.ndim == 2 and o.shape == r.T.shape
                                and all(close(seen.outs[i], transposed(seen.refs[i])) for i in seen.failing))),
    Mistake("reshaped", Kind.SHAPE,
            "The numbers are right but the shape is wrong: expected shape {want} for {what}, got {got}. "
            "Reshape it, or sum without keepdims.",
            lambda o, r, seen: o.size == r.size and np.allclose(o.ravel(), r.ravel(), rtol=RTOL, atol=ATOL)),
    Mistake("not_a_number", Kind.SHAPE,
            "{fn} should return a single number (a float), but it returned an array of shape {got}. Did you "
            "forget to sum over every entry?",
            lambda o, r, seen: seen.part.kind == "scalar"),
    Mistake("wrong_shape", Kind.SHAPE,
            "Wrong shape: expected shape {want} for {what}, got {got} (case {i}: {args}). {hint}",
            lambda o, r, seen: True),
    # --------------------------------------------------------------- FACTOR
    Mistake.factor("times_m", lambda args, m: m,
                   "Off by a factor of m = {m}: {fn}'s result is m times too large, as if it were a sum over the "
                   "examples. The course averages over the examples: divide by m."),
    Mistake.factor("over_m", lambda args, m: None if m is None else 1.0 / m,
                   "Off by a factor of m = {m}: {fn}'s result is m times too small. You divided by m one time "
                   "too many (or took a mean where a sum was needed)."),
    Mistake.factor("sign", lambda args, m: -1.0,
                   "Wrong sign: {fn} returns minus the right answer. Check the order in a difference such as "
                   "(a - y) versus (y - a)."),
    Mistake.factor("times_2", lambda args, m: 2.0,
                   "{fn}'s result is exactly twice the right answer: a factor 1/2 is missing."),
    Mistake.factor("half", lambda args, m: 0.5,
                   "{fn}'s result is exactly half the right answer: a factor 2 is missing."),
    # ---------------------------------------------------------- FIXED, MISMATCH
    Mistake("hard_coded", Kind.FIXED,
            "{fn} gave the same answer for two different inputs (cases {lo} and {hi}): it looks like it returns "
            "fixed numbers instead of computing them from its arguments."),
    Mistake("mismatch", Kind.MISMATCH,
            "{fn} does not match the reference on case {i} ({args}): {detail}. None of the usual mistakes "
            "explains it: compare your steps with the lesson's, one shape at a time."),
)

BY_NAME = {mk.name: mk for mk in GENERIC}
assert len(BY_NAME) == len(GENERIC), "generic mistake names are unique"
FLOAT_ERROR = BY_NAME["overflow"]  # numpy raised: the part's own OVERFLOW or NAN mistake is named first, if it has one


def of_kind(kind):
    """The generic mistakes of one kind, in the order they are tried."""
    return [mk for mk in GENERIC if mk.kind is kind]
