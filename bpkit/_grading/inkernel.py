"""The grader's code that runs inside the submission's kernel.

The grader adds two kinds of cells to the notebook it executes:

* one **setup cell**, first, before any learner code, that calls :func:`install`.
  It captures the functions the grader needs later (``open``, ``pickle.loads``,
  ``numpy.savez``, ``sys.setprofile``, ...) while they are still the originals,
  and works out which code objects are the bpkit functions each part forbids;
* one **grader cell** per part, which calls ``run_part``: it looks the learner's
  function up by name, calls it on the secret cases (written by the grader as
  a pickle into the work directory), one call at a time with a time limit and a
  tripwire, and writes the results as ``.npz`` (no pickle) + JSON.

The results are compared in the grader's own process, never here: a learner
who replaces ``np.allclose`` or ``bpkit.checks`` changes nothing that counts.

The tripwire is a profile hook (:func:`sys.setprofile`) that is active only
while the learner's function runs. It records a call of any forbidden
function, recognised by its code object, or by (file, first line, name) so
that aliases (``ACTIVATIONS["sigmoid"].prime``), ``from bpkit import ...``
and ``importlib.reload`` copies are caught too. It also records the learner's
function switching the hook or the grader's timer off.

This module imports only the standard library, numpy and :mod:`.codec`.
"""
from __future__ import annotations

import builtins
import json
import os
import pickle
import _signal
import signal
import sys
import threading
import time
import types
import warnings

import numpy as np

from . import codec, watch
from .records import MAX_OUTPUT_CHARS, SESSION_PREFIX, KernelStatus, cases_name, report_names, slug  # noqa: F401

# the report's statuses as plain strings, bound before any learner code runs
_OK, _MISSING = KernelStatus.OK.value, KernelStatus.MISSING.value
_NOT_CALLABLE, _GRADER_ERROR = KernelStatus.NOT_CALLABLE.value, KernelStatus.GRADER_ERROR.value
_TIMEOUT = "TimeoutError"   # the error a call cut off at its limit reports (the grader decodes it as TimeoutError)


class _CallTimeout(BaseException):
    """Raised by the grader's timer inside a learner's function that runs too long."""


def _resolve(dotted):
    """The code object of the function a dotted name such as ``"bpkit.activations.sigmoid_prime"`` names.

    Attributes win over submodules (``bpkit.backprop`` is the function, which
    shadows the module of the same name), and decorators are looked through:
    the one rule of :func:`.watch.resolve`, which the notebook's checks use too.
    """
    return watch.resolve(dotted)[0]


def _code_key(code):
    return (code.co_filename, code.co_firstlineno, code.co_name)


class Session:
    """State of the grader inside one kernel (one submission)."""

    def __init__(self, workdir, forbidden, per_call, budget, strict=(), updates=None):
        # capture originals now: the learner's cells have not run yet
        self._input_problem = watch.input_problem  # the same test of the inputs as bpkit.checks.run's
        self.updates = {str(k): tuple(int(i) for i in v) for k, v in (updates or {}).items()}
        self._open = builtins.open
        self._loads = pickle.loads
        self._dumps_json = json.dumps
        self._savez = np.savez
        self._join = os.path.join
        self._remove = os.remove
        self._makedirs = os.makedirs
        self._perf = time.perf_counter
        self._setprofile = sys.setprofile
        self._getprofile = sys.getprofile
        self._getsignal = signal.getsignal
        self._thread_setprofile = threading.setprofile
        self._signal = signal.signal
        self._setitimer = signal.setitimer
        self._catch_warnings = warnings.catch_warnings
        self._simplefilter = warnings.simplefilter
        self._errstate = np.errstate
        self.strict = frozenset(strict)
        self._type = type
        self._isinstance = isinstance
        self._str = str
        self.workdir = str(workdir)
        self.per_call = float(per_call)
        self.budget = float(budget)
        self.unresolved = []
        # part key -> (set of code objects, {code key: dotted name}, {code: dotted name})
        self._forbidden = {}
        for key, names in forbidden.items():
            by_code, by_key = {}, {}
            for name in names:
                try:
                    code = _resolve(name)
                except Exception:
                    self.unresolved.append(name)
                    continue
                by_code.setdefault(code, name)
                by_key.setdefault(_code_key(code), name)
            self._forbidden[key] = (by_code, by_key, {k[2] for k in by_key})
        # calls the learner's function has no business making while it is graded
        self._guard_c = {
            id(sys.setprofile): "sys.setprofile",
            id(sys.settrace): "sys.settrace",
            id(signal.signal): "signal.signal",
            id(signal.setitimer): "signal.setitimer",
            id(signal.alarm): "signal.alarm",
        }
        # signal.signal is a Python wrapper around _signal.signal: watch both levels
        for name in ("signal", "setitimer", "alarm", "siginterrupt", "pthread_sigmask", "set_wakeup_fd"):
            fn = getattr(_signal, name, None)
            if fn is not None:
                self._guard_c.setdefault(id(fn), f"signal.{name}")
        self._guard_py = {
            threading.setprofile.__code__: "threading.setprofile",
            threading.settrace.__code__: "threading.settrace",
        }
        for name in ("signal", "setitimer", "alarm"):
            code = getattr(getattr(signal, name, None), "__code__", None)
            if code is not None:
                self._guard_py[code] = f"signal.{name}"

    # ------------------------------------------------------------- one call
    def _call(self, fn, args, key, arrays=None, budget=None):
        """Call ``fn(*args)`` and encode its result (:func:`.codec.encode`), under the timer and the tripwire.

        The result is turned into plain data before the tripwire is switched off,
        so a value that computes itself late (a lazy ``__array__``) is watched too.
        Returns ``(encoded value, error, forbidden_name, tampering)`` where
        ``error`` is ``(type name, message)`` or None.
        """
        arrays = {} if arrays is None else arrays
        by_code, by_key, names = self._forbidden.get(key, ({}, {}, set()))
        guard_c, guard_py = self._guard_c, self._guard_py
        hits, tamper = [], []
        own_code = Session._call.__code__
        state = {"in_call": False}

        def hook(frame, event, arg):
            if event == "call":
                code = frame.f_code
                name = by_code.get(code)
                if name is None and code.co_name in names:
                    name = by_key.get((code.co_filename, code.co_firstlineno, code.co_name))
                if name is not None and not hits:
                    hits.append(name)
                if code in guard_py and frame.f_back is not None and frame.f_back.f_code is not own_code:
                    tamper.append(guard_py[code])
            elif event == "c_call" and id(arg) in guard_c and frame.f_code is not own_code:
                tamper.append(guard_c[id(arg)])

        def on_alarm(signum, frame):
            if state["in_call"]:
                raise _CallTimeout()

        value, error = None, None
        # parts marked strict_float: overflow and invalid operations raise, as in bpkit.checks
        errs = dict(over="raise", invalid="raise", divide="raise") if key in self.strict else {}
        old_handler = self._signal(signal.SIGALRM, on_alarm)
        try:
            with self._catch_warnings(), self._errstate(**errs):
                self._simplefilter("ignore")  # warnings here would only clutter the grader's cell
                state["in_call"] = True
                self._setitimer(signal.ITIMER_REAL, self.per_call)
                self._thread_setprofile(hook)
                self._setprofile(hook)
                try:
                    value = codec.encode(fn(*args), arrays, budget)
                finally:
                    state["in_call"] = False
                    still = self._getprofile() is hook
                    self._setprofile(None)
                    self._thread_setprofile(None)
                    self._setitimer(signal.ITIMER_REAL, 0)
                    if not still:
                        tamper.append("code that switched the grader's profile hook off")
                    if self._getsignal(signal.SIGALRM) is not on_alarm:
                        tamper.append("code that replaced the grader's timer (the SIGALRM handler)")
        except _CallTimeout:
            error = (_TIMEOUT, f"did not return within {self.per_call:g} s")
        except BaseException as exc:  # the learner's error, or the grader's interrupt
            error = (self._type(exc).__name__, self._safe_str(exc))
        finally:
            self._signal(signal.SIGALRM, old_handler)
        return value, error, (hits[0] if hits else None), (tamper[0] if tamper else None)

    def _safe_str(self, exc):
        try:
            return self._str(exc)[: codec.MAX_TEXT]
        except BaseException:
            return "(the exception could not be shown)"

    # ------------------------------------------------------------- one part
    def run_part(self, key, fname, namespace, folder=None, standins=None, standin_names=()):
        """Grade part ``key``: call ``namespace[fname]`` on every case, write the report.

        ``key`` is the part's random name in this kernel. ``standins`` (source
        code) defines the solution's functions of the parts graded before this
        one; the names in ``standin_names`` are bound to them in ``namespace``
        first, so this part is scored on its own function alone.

        Reads the cases from, and writes ``out_<slug>.npz`` and then
        ``out_<slug>.json`` into, ``folder`` (the part's own folder, made fresh
        by the grader just before this cell; default: the session's work
        directory). The JSON goes last, so its presence means the results are
        complete; the grader reads them as a :class:`.records.KernelReport`.
        """
        folder = self.workdir if folder is None else self._str(folder)
        result = {"key": key, "function": fname, "status": _OK, "outputs": [],
                  "forbidden_call": None, "tampering": None, "defined": [], "seconds": 0.0}
        arrays = {}
        start = self._perf()
        try:
            if standins and self._isinstance(namespace, dict):
                self._bind_standins(standins, standin_names, namespace)
            fn = namespace.get(fname) if self._isinstance(namespace, dict) else None
            if fn is None:
                result["status"] = _MISSING
                result["defined"] = self._defined_functions(namespace)
            elif not callable(fn):
                result["status"] = _NOT_CALLABLE
                result["type"] = self._type(fn).__name__
            else:
                self._call_cases(fn, key, result, arrays, start, folder)
        except BaseException as exc:
            result["status"] = _GRADER_ERROR
            result["error"] = f"{self._type(exc).__name__}: {self._safe_str(exc)}"
        result["seconds"] = round(self._perf() - start, 4)
        try:
            self._write_report(folder, key, result, arrays)
        except OSError:
            # the function (or a thread of the notebook) deleted the part's folder: make it again
            self._makedirs(folder, exist_ok=True)
            self._write_report(folder, key, result, arrays)

    def _bind_standins(self, source, names, namespace):
        own = {"__name__": "_bpkit_grader_standins", "__builtins__": builtins}
        exec(compile(source, "<bpkit grader: the solution's earlier parts>", "exec"), own)
        for name in names:
            if name in own:
                namespace[name] = own[name]

    def _write_report(self, folder, key, result, arrays):
        json_name, npz_name = report_names(key)
        self._savez(self._join(folder, npz_name), **arrays)
        with self._open(self._join(folder, json_name), "w") as f:
            f.write(self._dumps_json(result))

    def _defined_functions(self, namespace):
        """Names of the functions the notebook defines (shown when the one asked for is missing)."""
        return sorted(
            n for n, v in namespace.items()
            if self._isinstance(v, types.FunctionType) and not n.startswith("_")
            and getattr(v, "__module__", None) == "__main__"
        )[:20]

    def _call_cases(self, fn, key, result, arrays, start, folder):
        """Call ``fn`` on each secret case of part ``key``; the outputs go into ``result`` and ``arrays``."""
        cases_path = self._join(folder, cases_name(key))
        with self._open(cases_path, "rb") as f:
            blobs = self._loads(f.read())
        self._remove(cases_path)
        budget = codec._Budget(codec.MAX_BYTES)
        stop = None
        for i, blob in enumerate(blobs):
            if stop is None and self._perf() - start > self.budget:
                stop = (f"not run: the first {i} cases already took {self._perf() - start:.0f} s "
                        f"(limit {self.budget:g} s for all cases together)")
            if stop is not None:
                result["outputs"].append(codec.encode_error(_TIMEOUT, stop))
                continue
            args = self._loads(blob)
            encoded, error, hit, tamper = self._call(fn, args, key, arrays, budget)
            if error is None and hit is None and tamper is None:
                # an input changed in place (or one to update left alone) is reported as bpkit.checks.run
                # reports it: an error of that name in place of the output, named by diagnose
                problem = self._input_problem(self._loads(blob), args, self.updates.get(key, ()))
                if problem is not None:
                    encoded, error = None, problem
            if hit and not result["forbidden_call"]:
                result["forbidden_call"] = hit
            if tamper and not result["tampering"]:
                result["tampering"] = tamper
            if error is not None:
                result["outputs"].append(codec.encode_error(*error))
                if error[0] in (_TIMEOUT, "KeyboardInterrupt"):
                    stop = "not run: an earlier case did not return in time"
            else:
                result["outputs"].append(encoded)


def cap_output(limit):
    """Drop what a cell prints beyond ``limit`` characters, before it leaves the kernel.

    A submission that prints 50 MB then costs the grader a few kilobytes of
    messages instead of 50 MB. The count restarts with every cell (IPython's
    ``pre_run_cell`` event). Returns False if this is not an IPython kernel.
    """
    try:
        from IPython import get_ipython
        from ipykernel.iostream import OutStream
    except ImportError:
        return False
    ip = get_ipython()
    if ip is None:
        return False
    state = {"left": int(limit)}

    def capped(original):
        def write(string, *args, **kwargs):
            n = len(string) if isinstance(string, str) else 0
            if state["left"] <= 0:
                return n
            if n > state["left"]:
                string = string[: state["left"]] + "\n[bpkit grader: the rest of this cell's output was dropped]\n"
                state["left"] = 0
            else:
                state["left"] -= n
            original(string, *args, **kwargs)
            return n

        return write

    def before_cell(*_):
        # IPython swaps ``stream.write`` for a history recorder around every cell and puts
        # the old one back afterwards, so the cap is put in front of it again before each cell
        state["left"] = int(limit)
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, OutStream):
                stream.write = capped(stream.write)

    ip.events.register("pre_run_cell", before_cell)
    return True


def install(token, workdir, forbidden, per_call, budget, strict=(), max_output=MAX_OUTPUT_CHARS, updates=None):
    """Set the grader up in this kernel; called by the injected first cell.

    Parameters
    ----------
    token : str
        Random name part: the session is registered as ``sys.modules[SESSION_PREFIX + token]``
        (``"_bpkit_grader_<token>"``),
        so a learner's ``%reset`` or ``del`` of globals cannot remove it.
    workdir : str
        Directory with the secret cases; results are written there.
    forbidden : dict, part key -> list of dotted names
    per_call, budget : float
        Seconds allowed for one call, and for all calls of one part together.
    strict : list of str
        Part keys whose calls run with numpy overflow / invalid / divide raising
        ``FloatingPointError`` (``Part.strict_float``).
    max_output : int
        Characters a cell may print (see :func:`cap_output`).
    updates : dict, part key -> list of int, optional
        Arguments each part's function must change in place (``Part.updates``);
        every other argument must come back unchanged (:func:`.watch.input_problem`).

    Returns
    -------
    list of str
        Forbidden names that could not be resolved (a course configuration error).
    """
    session = Session(workdir, forbidden, per_call, budget, strict, updates)
    cap_output(max_output)
    mod = types.ModuleType(SESSION_PREFIX + token)
    mod.run_part = session.run_part
    sys.modules[mod.__name__] = mod
    return session.unresolved
