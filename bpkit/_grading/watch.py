"""What a graded function may not do to its inputs, seen the same way by the checks and by the grader.

One call of a learner's function is watched for two things, by the same code
in the notebook's check, in nbgrader's hidden tests (both through
:func:`bpkit.checks.run`) and inside a ``bpkit-grade`` kernel
(:mod:`.inkernel`):

* **its inputs**: :func:`input_problem` compares the arguments after the call
  with an untouched copy. An argument that changed in place is reported as an
  :class:`InputChanged` error; an argument the part says the function must
  update in place (``Part.updates``, e.g. the network of an SGD epoch) that
  did not change at all is an :class:`InputNotUpdated` error. The error's text
  starts with ``#<argument index>`` and the place inside it
  (``#2[0]: entry (0, 1) went from 0.5 to 0.7``), which :mod:`bpkit.checks`
  turns into words with the argument's name;
* **forbidden calls** (notebook and nbgrader only; a grading kernel has those
  bodies removed and its own tripwire): :class:`Tripwire` is a profile hook
  that records a call of a forbidden function by its code object, so a call
  through an alias or a wrapper is caught too, and notices when the learner's
  function switches the hook off.

The errors travel as exception *names* (the grader carries exceptions by name,
:func:`.codec.make_exception`), so :func:`bpkit.checks.diagnose` names them
identically on both sides. This module imports only the standard library and
numpy: it runs in the grading kernel.
"""
from __future__ import annotations

import importlib
import sys
import threading
import types

import numpy as np

CHANGED = "InputChanged"          # the function changed an argument it should leave alone
NOT_UPDATED = "InputNotUpdated"   # the function left alone an argument it should update in place
FORBIDDEN = "ForbiddenCall"       # the function called a bpkit function the part asks the learner to write
TAMPERED = "ChecksSwitchedOff"    # the function switched the tripwire off
RULES = (FORBIDDEN, TAMPERED, CHANGED, NOT_UPDATED)  # in the order a diagnosis names them

RTOL, ATOL = 1e-12, 1e-15  # an entry put back after a nudge may differ from the original by rounding
MAX_DEPTH = 4

# numpy's functions as they are now, before any learner code runs: a notebook that replaces np.isclose or
# np.all (to fool a check) changes nothing here. The helpers below take them as default arguments, bound
# when this module is imported, so replacing this module's own names later changes nothing either.
_NP = {"ndarray": np.ndarray, "asarray": np.asarray, "isclose": np.isclose, "argwhere": np.argwhere,
       "array_equal": np.array_equal, "ndim": np.ndim, "isrealobj": np.isrealobj, "generic": np.generic,
       "number": np.number, "all": np.all, "sum": np.sum}


class InputChanged(Exception):
    """The function changed one of its arguments in place."""


class InputNotUpdated(Exception):
    """The function did not change an argument it must update in place."""


class ForbiddenCall(Exception):
    """The function called a bpkit function the part asks the learner to write."""


class ChecksSwitchedOff(Exception):
    """The function switched off the checks' tripwire (the profile hook)."""


ERRORS = {cls.__name__: cls for cls in (InputChanged, InputNotUpdated, ForbiddenCall, ChecksSwitchedOff)}


# ------------------------------------------------------------------ inputs
def _leaves(obj, path, depth, out, seen, np_=_NP):
    """Flatten ``obj`` into ``(path, value)`` pairs: arrays, numbers and strings, lengths of containers."""
    if isinstance(obj, np_["ndarray"]):
        out.append((path, obj))
        return
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes, np_["generic"])):
        out.append((path, obj))
        return
    if depth >= MAX_DEPTH or id(obj) in seen or callable(obj):
        return  # a function given as an argument (a cost, a gradient) may keep what it was last called with
    if isinstance(obj, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)):
        return
    seen = seen | {id(obj)}
    if isinstance(obj, (list, tuple)):
        out.append((path + ".len", len(obj)))
        for i, v in enumerate(obj):
            _leaves(v, f"{path}[{i}]", depth + 1, out, seen, np_)
        return
    if isinstance(obj, dict):
        out.append((path + ".len", len(obj)))
        for k in sorted(obj, key=repr):
            _leaves(obj[k], f"{path}[{k!r}]", depth + 1, out, seen, np_)
        return
    state = getattr(obj, "__dict__", None)
    if isinstance(state, dict):
        for k in sorted(state):
            _leaves(state[k], f"{path}.{k}", depth + 1, out, seen, np_)


def leaves(args, _walk_leaves=_leaves):
    """The arguments as ``(path, value)`` pairs; paths start with ``#<index>``."""
    out = []
    for i, a in enumerate(args):
        _walk_leaves(a, f"#{i}", 0, out, frozenset())
    return out


def _short(x, np_=_NP):
    return f"{float(x):.6g}" if np_["ndim"](x) == 0 and np_["isrealobj"](x) else repr(x)


def _differs(before, after, np_=_NP, short=_short):
    """None if two leaves agree, else how ``after`` differs from ``before``, in words."""
    if isinstance(before, np_["ndarray"]) or isinstance(after, np_["ndarray"]):
        b, a = np_["asarray"](before), np_["asarray"](after)
        if b.shape != a.shape:
            return f"its shape went from {b.shape} to {a.shape}"
        if b.dtype.kind in "biufc" and a.dtype.kind in "biufc":
            kind = complex if "c" in b.dtype.kind + a.dtype.kind else float
            same = np_["asarray"](np_["isclose"](a.astype(kind), b.astype(kind), rtol=RTOL, atol=ATOL,
                                                 equal_nan=True))
            if bool(np_["all"](same)):
                return None
            j = tuple(int(v) for v in np_["argwhere"](~same)[0])
            where = f"entry {j}" if j else "its value"
            n = int(np_["sum"](~same))
            more = f" ({n} entries changed)" if n > 1 else ""
            return f"{where} went from {short(b[j])} to {short(a[j])}{more}"
        return None if np_["array_equal"](b, a) else "its contents changed"
    if isinstance(before, (int, float, np_["number"])) and isinstance(after, (int, float, np_["number"])) \
            and not isinstance(before, bool):
        if bool(np_["isclose"](float(after), float(before), rtol=RTOL, atol=ATOL, equal_nan=True)):
            return None
        return f"it went from {short(before)} to {short(after)}"
    try:
        return None if before == after else f"it went from {before!r} to {after!r}"
    except Exception:
        return None


def input_problem(before, after, updates=(), *, leaves=leaves, _differs=_differs):
    """``(error name, text)`` if the call broke the rules on its inputs, else None.

    ``before``: the arguments as given (an untouched copy); ``after``: the same
    arguments after the call. An argument whose index is in ``updates`` must
    change (somewhere); every other must not change at all.
    """
    lb, la = leaves(before), leaves(after)
    da, db = dict(la), dict(lb)
    changed_args = set()
    first = None
    for path, value in lb:
        if path not in da:
            what = "was removed" if not path.endswith(".len") else "changed"
            diff = what
        else:
            diff = _differs(value, da[path])
        if diff is not None:
            idx = int(path[1:].split("[", 1)[0].split(".", 1)[0])
            changed_args.add(idx)
            if idx not in updates and first is None:
                first = (path, diff)
    for path, value in la:
        if path not in db:
            idx = int(path[1:].split("[", 1)[0].split(".", 1)[0])
            changed_args.add(idx)
            if idx not in updates and first is None:
                first = (path, "was added")
    if first is not None:
        path, diff = first
        if path.endswith(".len"):
            path, diff = path[:-4], diff.replace("it went", "its length went")
        return CHANGED, f"{path}: {diff}"
    for idx in updates:
        if idx < len(before) and idx not in changed_args:
            return NOT_UPDATED, f"#{idx}: unchanged"
    return None


def split_text(text):
    """``(argument index, place inside it, words)`` of an :class:`InputChanged` / :class:`InputNotUpdated`
    text (``"#2[0].weights: entry (0, 1) went ..."``), or None if it does not have that form."""
    text = str(text)
    if not text.startswith("#") or ": " not in text:
        return None
    head, words = text.split(": ", 1)
    digits = ""
    for c in head[1:]:
        if not c.isdigit():
            break
        digits += c
    if not digits:
        return None
    return int(digits), head[1 + len(digits):], words


# ------------------------------------------------------------------ forbidden calls
def _walk(parts):
    obj = importlib.import_module(parts[0])
    for i in range(1, len(parts)):
        nxt = getattr(obj, parts[i], None)
        if nxt is not None and (i == len(parts) - 1 or hasattr(nxt, parts[i + 1])):
            obj = nxt
            continue
        obj = importlib.import_module(".".join(parts[: i + 1]))
    return obj


def resolve(dotted):
    """The code object of the function a dotted name names, under any decorator (as the grading kernel
    resolves it: a decorator's wrapper code is shared by every function it wraps, so only the innermost
    names the function)."""
    obj = _walk(dotted.split("."))
    for _ in range(6):
        inner = getattr(obj, "__func__", None) or getattr(obj, "__wrapped__", None)
        if inner is None:
            break
        obj = inner
    code = getattr(obj, "__code__", None)
    if not isinstance(code, types.CodeType):
        raise LookupError(dotted)
    return [code]


class Tripwire:
    """A profile hook, on only while the learner's function runs, that records forbidden calls.

    ``names``: dotted names of the forbidden functions; they are resolved to
    code objects once, when the tripwire is made (the check's module is
    imported by the notebook's first cell, before any learner code), so
    replacing ``bpkit.backprop`` later by a wrapper that calls it still trips.
    Use as a context manager; afterwards ``hit`` is the first forbidden name
    called (or None) and ``tampered`` says whether the hook was switched off.
    """

    _setprofile = staticmethod(sys.setprofile)
    _getprofile = staticmethod(sys.getprofile)
    _thread_setprofile = staticmethod(threading.setprofile)

    def __init__(self, codes):
        self.codes = codes
        self.keys = {(c.co_filename, c.co_firstlineno, c.co_name): n for c, n in codes.items()}
        self.names = {k[2] for k in self.keys}
        self.hit = None
        self.tampered = False
        self._old = None

    @classmethod
    def of(cls, names, cache={}):  # noqa: B006 - a cache on purpose: resolved once per process
        codes = {}
        for name in names:
            if name not in cache:
                try:
                    cache[name] = resolve(name)
                except Exception:
                    cache[name] = None
            for code in cache[name] or ():
                codes.setdefault(code, name)
        return cls(codes)

    def _hook(self, frame, event, arg):
        if event == "call" and self.hit is None:
            code = frame.f_code
            name = self.codes.get(code)
            if name is None and code.co_name in self.names:
                name = self.keys.get((code.co_filename, code.co_firstlineno, code.co_name))
            if name is not None:
                self.hit = name

    def __enter__(self):
        if self.codes:
            self._old = self._getprofile()  # put back afterwards (a debugger's, a profiler's)
            self._thread_setprofile(self._hook)
            self._setprofile(self._hook)
        return self

    def __exit__(self, *exc):
        if self.codes:
            still = self._getprofile() == self._hook
            self._setprofile(self._old)
            self._thread_setprofile(None)
            self.tampered = not still
        return False
