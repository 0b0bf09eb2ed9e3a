"""Argument checks declared once: :func:`declare` states each parameter's constraint beside its function.

A public function says what each argument must be in one place::

    @declare(n=Int(1, MAX_SAMPLES), noise=Real(0), seed=Seed())
    def make_moons(n=200, noise=0.15, seed=0): ...

and three things follow from that one statement:

* **the check**: on every call, before the body runs, each declared argument is
  read by its constraint, which refuses a bad value with the course's sentence (the
  name, what was expected, what came: ``n must be an integer in 1..1,000,000 ...,
  got 1000000000000``) and hands the body the value converted (an ``int``, a
  ``float``, a float64 array). The constraints call the helpers of
  :mod:`bpkit._validate`, so a declared argument and a hand-checked one read alike;
* **the docstring's Raises section**, written from the declarations
  (:func:`raises_section`); a hand-written Raises section keeps its own entries
  after the generated ones;
* **the boundary tests**: every constraint knows a value it accepts
  (:meth:`Constraint.example`) and values it must refuse
  (:meth:`Constraint.bad_values`), and every declared function is listed in
  :data:`DECLARED`; ``tests/core/test_declared_params.py`` calls each one with each
  bad value and expects a refusal that names the parameter.

Checks that relate two arguments (X must have ``net.sizes[0]`` columns, Y as
many rows as X) stay in the function body: a constraint reads one argument.
The model is scikit-learn's ``validate_params``; the messages are the course's.
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers

import numpy as np

from . import _validate

#: Every function decorated with :func:`declare`, in the order they were defined (the
#: generated boundary tests walk this list).
DECLARED = []


class Constraint:
    """What one argument must be. Subclasses define :meth:`check`, :meth:`describe` and the test values."""

    #: the exceptions a refusal raises, for the Raises section
    raises = (TypeError, ValueError)
    #: the name messages use when it is not the parameter's (``name`` of activation_at is "activation")
    shown_as = None

    def check(self, name, value):
        """Return ``value`` converted (float, int, array...), or raise naming ``name``."""
        raise NotImplementedError

    def describe(self):
        """What is expected, as the messages say it: ``"an integer in 1..1,000,000"``."""
        raise NotImplementedError

    def example(self):
        """One value this constraint accepts (the generated tests pass it for the other arguments)."""
        raise NotImplementedError

    def bad_values(self):
        """Values this constraint must refuse, each with the exception it raises: ``[(value, exc), ...]``."""
        raise NotImplementedError


def _num(x):
    """A bound as the messages print it: 1,000,000 for big integers, 1e-300 for tiny floats."""
    if isinstance(x, numbers.Integral) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return f"{int(x):,}"
    return f"{x:g}"


class Int(Constraint):
    """An integer (not a bool, not 2.0) in ``lo..hi``, both included (None: unbounded).

    ``note`` ends the message of a value over ``hi`` (where the limit comes from);
    ``called`` follows the name ("k, the number of classes, must be ...").
    """

    def __init__(self, lo=None, hi=None, note="", called=""):
        self.lo, self.hi, self.note, self.called = lo, hi, note, called

    def describe(self, upper=True):
        """``upper=False``: without the upper bound, for a value refused by the lower one."""
        lo, hi = self.lo, (self.hi if upper else None)
        if lo == 1 and not self.called:
            return "a positive integer" + (f" up to {_num(hi)}" if hi is not None else "")
        if lo is not None and hi is not None:
            return f"an integer in {_num(lo)}..{_num(hi)}"
        if lo is not None:
            return f"an integer >= {_num(lo)}"
        return "an integer" if hi is None else f"an integer <= {_num(hi)}"

    def check(self, name, value):
        if self.called:
            name = f"{name}, {self.called},"
        if type(value) is not int and (isinstance(value, (bool, np.bool_))
                                       or not isinstance(value, numbers.Integral)):
            raise TypeError(f"{name} must be {self.describe()}, got {value!r} ({type(value).__name__})")
        if self.lo is not None and value < self.lo:
            raise ValueError(f"{name} must be {self.describe(upper=self.lo != 1)}, got {value!r}")
        if self.hi is not None and value > self.hi:
            note = f" ({self.note})" if self.note else ""
            raise ValueError(f"{name} must be {self.describe()}, got {value!r}{note}")
        return int(value)

    def example(self):
        return self.lo if self.lo is not None else (self.hi if self.hi is not None else 0)

    def bad_values(self):
        bad = [("3", TypeError), (2.5, TypeError), (True, TypeError), (None, TypeError)]
        if self.lo is not None:
            bad.append((self.lo - 1, ValueError))
        if self.hi is not None:
            bad.append((self.hi + 1, ValueError))
        return bad


class Seed(Int):
    """A seed for ``np.random.default_rng``: an integer >= 0 (:func:`bpkit._validate.seed`)."""

    def __init__(self):
        super().__init__(0)

    def describe(self):
        return "a non-negative integer"

    def check(self, name, value):
        if type(value) is int and value >= 0:
            return value
        return _validate.seed(value, name)


class Real(Constraint):
    """A real number (not a bool or str) in an interval; ``closed`` says which ends belong to it.

    ``Real(0)`` is ``[0, inf)``, ``Real(0, closed="neither")`` is ``(0, inf)``;
    ``finite``: NaN and inf are refused (an infinite bound is never reached then).
    The half-lines used everywhere read as the helpers of :mod:`bpkit._validate`
    word them: "a positive number", "a number >= 0".
    """

    def __init__(self, lo=None, hi=None, closed="both", finite=True, note=""):
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.lo, self.hi, self.closed, self.finite, self.note = lo, hi, closed, finite, note
        self._lo_in, self._hi_in = closed in ("both", "left"), closed in ("both", "right")

    def describe(self):
        lo, hi = self.lo, self.hi
        if lo == 0 and hi is None:
            return "a number >= 0" if self._lo_in else "a positive number"
        if lo is None and hi is None:
            return "a finite real number" if self.finite else "a real number"
        if hi is None:
            return f"a number {'>=' if self._lo_in else '>'} {_num(lo)}"
        if lo is None:
            return f"a number {'<=' if self._hi_in else '<'} {_num(hi)}"
        return f"a number in {'[' if self._lo_in else '('}{_num(lo)}, {_num(hi)}{']' if self._hi_in else ')'}"

    def check(self, name, value):
        kind = type(value)
        if kind is float or kind is int:  # the common case, without the abstract-class checks below
            x = float(value)
        elif self.lo is None and self.hi is None:  # any real number: read as every hand check reads one
            return _validate.real_number(name, value, finite=self.finite)
        elif isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be {self.describe()}, got {value!r} ({type(value).__name__})")
        else:
            x = float(value)
        lo, hi = self.lo, self.hi
        if math.isfinite(x):
            bad = ((lo is not None and (x < lo if self._lo_in else x <= lo))
                   or (hi is not None and (x > hi if self._hi_in else x >= hi)))
        elif math.isnan(x):
            bad = self.finite or lo is not None or hi is not None
        else:  # inf, allowed when not finite and within the bounds
            bad = self.finite or (lo is not None and x < lo) or (hi is not None and x > hi)
        if bad:
            if lo is None and hi is None:  # NaN or inf where any finite number would do
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            note = f" ({self.note})" if self.note else ""
            raise ValueError(f"{name} must be {self.describe()}, got {value!r}{note}")
        return x

    def example(self):
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            return (lo + hi) / 2
        if lo is not None:
            return lo + 1.0
        return 0.0 if hi is None else hi - 1.0

    def bad_values(self):
        bad = [("0.5", TypeError), (None, TypeError), (True, TypeError), (1 + 2j, TypeError)]
        if self.finite or self.lo is not None or self.hi is not None:
            bad.append((float("nan"), ValueError))
        if self.finite:
            bad.append((float("inf") if self.hi is None or self.lo is not None else -float("inf"), ValueError))
        if self.lo is not None:
            bad.append((self.lo if not self._lo_in else self.lo - max(1.0, abs(self.lo)), ValueError))
        if self.hi is not None:
            bad.append((self.hi if not self._hi_in else self.hi + max(1.0, abs(self.hi)), ValueError))
        return bad


class Options(Constraint):
    """One of a fixed set of values (:func:`bpkit._validate.choice`); an unhashable value is simply not one."""

    raises = (ValueError,)

    def __init__(self, options, shown_as=None):
        self.options, self.shown_as = options, shown_as

    def describe(self):
        return f"one of {sorted(self.options)}"

    def check(self, name, value):
        return _validate.choice(name, value, self.options)

    def example(self):
        return sorted(self.options)[0]

    def bad_values(self):
        return [("no such option", ValueError), (["a list"], ValueError), (None, ValueError)]


class Flag(Constraint):
    """True or False (numpy's too); ``"no"`` and 0 are refused (:func:`bpkit._validate.flag`)."""

    raises = (TypeError,)

    def describe(self):
        return "True or False"

    def check(self, name, value):
        return _validate.flag(name, value)

    def example(self):
        return True

    def bad_values(self):
        return [("no", TypeError), (0, TypeError), (None, TypeError)]


class Text(Constraint):
    """A str (a title, a label, a CSS name)."""

    raises = (TypeError,)

    def describe(self):
        return "a str"

    def check(self, name, value):
        return _validate.text(name, value)

    def example(self):
        return "x"

    def bad_values(self):
        return [(3, TypeError), (None, TypeError), (b"bytes", TypeError)]


class Function(Constraint):
    """A callable; ``how`` says how it is called, for the message (:func:`bpkit._validate.function`)."""

    raises = (TypeError,)

    def __init__(self, how):
        self.how = how

    def describe(self):
        return f"a function, called as {self.how}"

    def check(self, name, value):
        return _validate.function(name, value, self.how)

    def example(self):
        return lambda *args, **kwargs: 0.0

    def bad_values(self):
        return [(3, TypeError), ("f", TypeError), (None, TypeError)]


class NetworkArg(Constraint):
    """A usable :class:`bpkit.Network` (:func:`bpkit._validate.network`: its weights are checked too)."""

    def describe(self):
        return "a bpkit.Network with float64 weights and biases of its sizes' shapes, all finite"

    def check(self, name, value):
        return _validate.network(value, name)

    def example(self):
        from .network import Network

        return Network([2, 3, 1])

    def bad_values(self):
        from .network import Network

        broken = Network([2, 3, 1])
        broken.weights[0] = broken.weights[0].T.copy()  # a transposed W(1): the wrong shape
        as_list = Network([2, 3, 1])
        as_list.weights[1] = as_list.weights[1].tolist()
        return [(None, TypeError), ([np.zeros((2, 3))], TypeError), (broken, ValueError), (as_list, TypeError)]


class Array(Constraint):
    """An array of real numbers read by :func:`bpkit._validate.real_array`, with rules on its shape and values.

    ``ndim``: the number of axes (an int, a tuple of allowed ints, or None for any);
    ``min_size``/``max_size``: bounds on the number of entries (``max_size`` refuses a
    huge request before anything is allocated); ``finite``: NaN and inf refused;
    ``lo``/``hi``: every entry in ``[lo, hi]``, with ``hint`` saying what to do otherwise.
    The body gets a float64 ndarray (the one passed in when it already is one: never copied, never changed).
    """

    def __init__(self, ndim=None, min_size=1, max_size=None, finite=True, lo=None, hi=None, hint="", what=""):
        self.ndim = (ndim,) if isinstance(ndim, int) else ndim
        self.min_size, self.max_size, self.finite = min_size, max_size, finite
        self.lo, self.hi, self.hint, self.what = lo, hi, hint, what

    def describe(self):
        parts = [self.what or "an array of real numbers"]
        if self.ndim is not None:
            parts.append(" or ".join(f"{d}-D" for d in self.ndim))
        if self.min_size:
            parts.append(f"at least {_num(self.min_size)} {'entry' if self.min_size == 1 else 'entries'}")
        if self.max_size is not None:
            parts.append(f"at most {_num(self.max_size)} entries")
        if self.finite:
            parts.append("finite")
        if self.lo is not None or self.hi is not None:
            parts.append(f"values in [{_num(self.lo) if self.lo is not None else '-inf'}, "
                         f"{_num(self.hi) if self.hi is not None else 'inf'}]")
        return parts[0] + (" (" + ", ".join(parts[1:]) + ")" if parts[1:] else "")

    def check(self, name, value):
        if self.max_size is not None and isinstance(value, np.ndarray) and value.size > self.max_size:
            raise ValueError(f"{name} must have at most {_num(self.max_size)} entries, got {value.size:,}")
        arr = _validate.real_array(name, value, finite=self.finite)
        if self.ndim is not None and arr.ndim not in self.ndim:
            want = " or ".join(f"{d}-D" for d in self.ndim)
            some = "a non-empty " if self.min_size else "a "
            raise ValueError(f"{name} must be {some}{want} array, got shape {arr.shape}")
        if arr.size < self.min_size:
            want = " or ".join(f"{d}-D" for d in self.ndim) + " " if self.ndim is not None else ""
            raise ValueError(f"{name} must be a non-empty {want}array (at least {self.min_size} "
                             f"{'entry' if self.min_size == 1 else 'entries'}), got shape {arr.shape}")
        if self.max_size is not None and arr.size > self.max_size:
            raise ValueError(f"{name} must have at most {_num(self.max_size)} entries, got {arr.size:,}")
        if arr.size and (self.lo is not None or self.hi is not None):
            lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
            if (self.lo is not None and lo < self.lo) or (self.hi is not None and hi > self.hi):
                hint = f"; {self.hint}" if self.hint else ""
                raise ValueError(f"{name} must hold values in [{_num(self.lo) if self.lo is not None else '-inf'}, "
                                 f"{_num(self.hi) if self.hi is not None else 'inf'}], got values from "
                                 f"{lo:g} to {hi:g}{hint}")
        return arr

    def example(self):
        d = self.ndim[0] if self.ndim is not None else 1
        value = self.lo if self.lo is not None else 0.0
        return np.full((max(self.min_size, 1),) + (1,) * (d - 1), value) if d else np.float64(value)

    def bad_values(self):
        bad = [("abc", TypeError), (None, TypeError), (np.array([1 + 1j]), TypeError)]
        if self.ndim is not None:
            wrong = next(d for d in range(4) if d not in self.ndim)
            bad.append((np.zeros((2,) * wrong) if wrong else np.float64(0.0), ValueError))
        dims = [d for d in (self.ndim or (1,)) if d > 0]  # a 0-d array always holds one entry: never empty
        if self.min_size and dims:
            bad.append((np.zeros((0,) * dims[0]), ValueError))
        if self.finite:
            d = self.ndim[0] if self.ndim is not None else 1
            bad.append((np.full((max(self.min_size, 1),) + (1,) * (d - 1), np.nan), ValueError))
        if self.max_size is not None:
            d = self.ndim[0] if self.ndim is not None else 1
            shape = (self.max_size + 1,) + (1,) * (d - 1)
            bad.append((np.broadcast_to(np.float64(self.lo or 0.0), shape), ValueError))  # a view: nothing allocated
        if self.hi is not None:
            d = self.ndim[0] if self.ndim is not None else 1
            bad.append((np.full((max(self.min_size, 1),) + (1,) * (d - 1), self.hi + 1.0), ValueError))
        return bad


class Sequence(Constraint):
    """A list or tuple (not a str, set or array) of ``length`` items (or ``min_len..max_len``), each read by ``item``.

    The body gets a list of the converted items; an item's message names it ``name[i]``.
    """

    def __init__(self, item, length=None, min_len=1, max_len=None, what=""):
        self.item, self.length, self.min_len, self.max_len, self.what = item, length, min_len, max_len, what

    def describe(self):
        if self.length is not None:
            count = f"{self.length} items"
        elif self.max_len is not None:
            count = f"{self.min_len}..{_num(self.max_len)} items"
        else:
            count = f"at least {self.min_len} item{'s' if self.min_len != 1 else ''}"
        what = f" ({self.what})" if self.what else ""
        return f"a list or tuple of {count}, each {self.item.describe()}{what}"

    def check(self, name, value):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be {self.describe()}, got {value!r} ({type(value).__name__})")
        n = len(value)
        if ((self.length is not None and n != self.length) or n < self.min_len
                or (self.max_len is not None and n > self.max_len)):
            raise ValueError(f"{name} must be {self.describe()}, got {n} item{'s' if n != 1 else ''}: {value!r}")
        return [self.item.check(f"{name}[{i}]", v) for i, v in enumerate(value)]

    def example(self):
        return [self.item.example()] * (self.length if self.length is not None else max(self.min_len, 1))

    def bad_values(self):
        n = self.length if self.length is not None else max(self.min_len, 1)
        bad = [("ab", TypeError), (None, TypeError), ({1.0, 2.0}, TypeError),
               ([self.item.bad_values()[0][0]] * n, self.item.bad_values()[0][1])]
        if self.length is not None or self.min_len:
            bad.append(([self.item.example()] * (n - 1), ValueError))
        return bad


class InstanceOf(Constraint):
    """An instance of ``cls`` (e.g. an ipywidgets Widget); ``what`` names it for the message."""

    raises = (TypeError,)

    def __init__(self, cls, what, example):
        self.cls, self.what, self._example = cls, what, example

    def describe(self):
        return self.what

    def check(self, name, value):
        if not isinstance(value, self.cls):
            raise TypeError(f"{name} must be {self.what}, got {value!r} ({type(value).__name__})")
        return value

    def example(self):
        return self._example()

    def bad_values(self):
        return [(3, TypeError), ("text", TypeError), (None, TypeError)]


class Optional(Constraint):
    """None (meaning what the docstring says), or a value ``inner`` accepts."""

    def __init__(self, inner):
        self.inner = inner
        self.raises = inner.raises

    def describe(self):
        return f"None or {self.inner.describe()}"

    def check(self, name, value):
        return None if value is None else self.inner.check(name, value)

    def example(self):
        return None

    def bad_values(self):
        return [(v, e) for v, e in self.inner.bad_values() if v is not None]


class AxesArg(Constraint):
    """A matplotlib Axes (duck-typed, :func:`bpkit._validate.axes`)."""

    raises = (TypeError,)

    def describe(self):
        return "a matplotlib Axes"

    def check(self, name, value):
        return _validate.axes(value, name)

    def example(self):
        from matplotlib.figure import Figure

        return Figure().add_subplot()

    def bad_values(self):
        return [(None, TypeError), ("ax", TypeError)]


class FigureArg(AxesArg):
    """A matplotlib Figure (duck-typed, :func:`bpkit._validate.figure`)."""

    def describe(self):
        return "a matplotlib Figure"

    def check(self, name, value):
        return _validate.figure(value, name)

    def example(self):
        from matplotlib.figure import Figure

        return Figure()


# ------------------------------------------------------------------ the decorator
def _exception_names(constraint):
    return " or ".join(e.__name__ for e in constraint.raises)


def raises_section(constraints):
    """The numpydoc Raises section of these declarations: one line per declared parameter."""
    excs = [e for e in (TypeError, ValueError) if any(e in c.raises for c in constraints.values())]
    lines = ["Raises", "------", ", ".join(e.__name__ for e in excs)]
    lines.append("    Before any work, when an argument is refused" + (":" if len(excs) == 1 else
                 "\n    (a wrong type raises TypeError, a wrong value ValueError):"))
    for n, c in constraints.items():
        also = f" (named {c.shown_as} in messages)" if c.shown_as else ""
        lines.append(f"    ``{n}``{also} must be {c.describe()}.")
    return "\n".join(lines)


def _with_raises(doc, constraints):
    """``doc`` (cleaned) with the generated Raises entries; a hand-written Raises section keeps its own after them."""
    doc = inspect.cleandoc(doc or "")
    generated = raises_section(constraints)
    marker = "\nRaises\n------\n"
    if marker in doc:
        head, tail = doc.split(marker, 1)
        return head + "\n" + generated + "\n" + tail
    # the Raises section goes before Notes/Examples, after Returns
    for later in ("\nNotes\n-----\n", "\nExamples\n--------\n", "\nSee Also\n--------\n"):
        if later in doc:
            head, tail = doc.split(later, 1)
            return head.rstrip("\n") + "\n\n" + generated + "\n" + later + tail
    return doc.rstrip("\n") + "\n\n" + generated + "\n"


def declare(**constraints):
    """Declare each named parameter's :class:`Constraint`; return the decorator that enforces them.

    The wrapped function checks the declared arguments in the order of its signature,
    passes their converted values on, and carries ``__declared__`` (name -> constraint);
    its docstring gains a Raises section written from them. Undeclared parameters pass
    through untouched (their checks relate several arguments and stay in the body).
    """
    def decorate(fn):
        sig = inspect.signature(fn)
        unknown = set(constraints) - set(sig.parameters)
        if unknown:
            raise TypeError(f"{fn.__qualname__} has no parameter(s) {sorted(unknown)} to declare")
        ordered = {n: constraints[n] for n in sig.parameters if n in constraints}

        params = sig.parameters
        # the usual signature (no *args, **kwargs or positional-only): arguments are matched to names
        # by hand, a few times faster than sig.bind; anything unusual, or a call Python would refuse,
        # goes through sig.bind, which also words the error
        simple = all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in params.values())
        positional = [n for n, p in params.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
        defaults = {n: p.default for n, p in params.items() if p.default is not p.empty}
        checks = [(n, c, c.shown_as or n) for n, c in ordered.items()]

        def bind(args, kwargs):
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError as exc:  # a missing or unknown argument: say whose
                raise TypeError(f"{fn.__qualname__}() {exc}") from None
            bound.apply_defaults()
            return bound

        n_params, n_positional, names = len(params), len(positional), frozenset(params)
        default_items = tuple(defaults.items())

        @functools.wraps(fn)
        def checked(*args, **kwargs):
            if simple and len(args) <= n_positional:
                values = dict(zip(positional, args))
                if kwargs:
                    if not (kwargs.keys() <= names and values.keys().isdisjoint(kwargs)):
                        bind(args, kwargs)  # an unknown or repeated argument: raises
                    values.update(kwargs)
                if len(values) < n_params:
                    for name, default in default_items:
                        if name not in values:
                            values[name] = default
                    if len(values) < n_params:
                        bind(args, kwargs)  # a missing argument: raises
                for name, constraint, shown in checks:
                    values[name] = constraint.check(shown, values[name])
                return fn(**values)
            bound = bind(args, kwargs)
            for name, constraint, shown in checks:
                bound.arguments[name] = constraint.check(shown, bound.arguments[name])
            return fn(*bound.args, **bound.kwargs)

        checked.__declared__ = ordered
        checked.__signature__ = sig
        checked.__doc__ = _with_raises(fn.__doc__, ordered)
        DECLARED.append(checked)
        return checked

    return decorate
