"""The records of the checks: a graded :class:`Part`, a recognisable :class:`Mistake` and its :class:`Kind`."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable


class Kind(enum.Enum):
    """What a mistake is recognised by; the value says it in words.

    The first five are the kinds an exercise declares; the others are the
    generic mistakes of :mod:`bpkit.checks._generic`, one kind per stage of
    :func:`bpkit.checks.diagnose`.
    """

    VARIANT = "what the mistaken code returns: it must match on every case"
    PREDICATE = "a test of the output, true on every failing case"
    FACTOR = "the right answer times a factor, on every failing case"
    NAN = "nan or inf where the answer is finite (a test of that case); also numpy's 'invalid value' error"
    OVERFLOW = "numpy raised an overflow error"
    EXCEPTION = "the function raised: a test of what it raised"
    OUTPUT = "a result that cannot be read as numbers"
    COUNT = "too few or too many results or arrays"
    SHAPE = "an array of the wrong shape"
    FIXED = "the same answer for different inputs"
    MISMATCH = "none of the above: where the first difference is"
    CONTRACT = "a breach of the part's contract on any case, even with the right numbers (a test of the raw result)"


@dataclass(frozen=True)
class Mistake:
    """One recognisable mistake, named in a tutor's words.

    ``test`` depends on ``kind``: for VARIANT, ``test(*args)`` returns what the
    mistaken code returns; for PREDICATE and NAN, ``test(args, ref, out)`` is
    True when the output ``out`` (normalized, like the reference ``ref``) shows
    the mistake; for FACTOR, ``test(args, m)`` is the factor between the
    output and the right answer (None: does not apply). The generic kinds
    document their own ``test`` in :mod:`bpkit.checks._generic`.

    ``message`` is formatted with ``fn`` (the function's name), ``m`` (examples
    in the first failing case), ``i`` (its index), ``names`` (the part's
    ``out_names``) and, for generic mistakes, the fields their stage adds.
    """

    name: str
    kind: Kind
    message: str
    test: Callable | None = None

    @classmethod
    def variant(cls, name, fn, message):
        """A mistake recognised by what ``fn(*args)``, the mistaken code, returns on every case."""
        return cls(name, Kind.VARIANT, message, fn)

    @classmethod
    def predicate(cls, name, test, message):
        """A mistake recognised by ``test(args, ref, out)`` on every failing case."""
        return cls(name, Kind.PREDICATE, message, test)

    @classmethod
    def factor(cls, name, factor, message):
        """A mistake whose output is the right answer times ``factor(args, m)`` on every failing case."""
        return cls(name, Kind.FACTOR, message, factor)

    @classmethod
    def nan(cls, name, test, message):
        """Named when a finite answer came out nan or inf and ``test(args, ref, out)`` holds."""
        return cls(name, Kind.NAN, message, test)

    @classmethod
    def exception(cls, name, test, message):
        """Named when the function raised and ``test(exc_name, "Name: text")`` holds, before the generic
        words for it: a part's own words for an input it changed in place, say."""
        return cls(name, Kind.EXCEPTION, message, test)

    @classmethod
    def contract(cls, name, test, message):
        """Named when ``test(part, args, out)`` holds on some case, ``out`` as the function returned it (not
        normalized): a breach the right numbers do not excuse (a float asked for, exact values at |z| = 1000)."""
        return cls(name, Kind.CONTRACT, message, test)

    @classmethod
    def overflow(cls, name, message):
        """Named when the function raised numpy's overflow error (parts with ``strict_float``)."""
        return cls(name, Kind.OVERFLOW, message)

    def say(self, **fields):
        """The message with its fields filled in: a :class:`Said`, which remembers this mistake."""
        return Said(self.message.format(**fields), self)


class Said(str):
    """A diagnosis message (a plain ``str`` everywhere) that remembers the :class:`Mistake` it names.

    The grader keeps ``mistake`` per part (the class report ranks them); code that only prints the
    message sees an ordinary string.
    """

    def __new__(cls, text, mistake):
        obj = super().__new__(cls, text)
        obj.mistake = mistake
        return obj

    def __reduce__(self):
        """Pickled and copied as the plain message (a mistake's test may be a lambda, which pickle refuses)."""
        return str, (str(self),)


@dataclass(frozen=True)
class Part:
    """One graded part ``"NN.K"`` of an exercise notebook.

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
        ``make_cases(rng) -> list of args tuples``; the lesson's numbers first,
        then fresh random ones, so a hard-coded answer fails.
    reference : callable
        ``reference(*args)``: the right result (float, array or tuple of arrays).
    args : tuple of str
        Parameter names, for messages.
    kind : {"scalar", "array", "arrays", "batches", "indices", "params"}
        Shape of the result: one number; one array; a fixed-length tuple of
        arrays; a list of index arrays of varying length; a list of ints; a
        pair ``(Ws, bs)`` of per-layer lists, any depth (read as ``Ws + bs``).
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
    updates : tuple of int
        Indices of the arguments the function must change in place (the network
        of an SGD epoch); every other argument must be left as it came, and an
        argument listed here that comes back unchanged is the "worked on a copy"
        mistake (:mod:`bpkit._grading.watch`).
    judge : callable or None
        For a part with no single right answer (random initial weights, a
        trained network): ``judge(args, out) -> None or str`` accepts the
        normalized result ``out`` of one case (None) or says in words why not.
        The result is then judged instead of compared with the reference, which
        stays one acceptable answer (for tests); the part's PREDICATE and NAN
        mistakes get ``ref=None``.
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
    judge: Callable | None = None
    updates: tuple = ()
