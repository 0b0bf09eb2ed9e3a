"""The hidden tests' guard: nbgrader runs them in the learner's own kernel, so they must not trust it.

nbgrader scores a part by running its test cell, whose hidden line is::

    msg = bpkit.checks.run("03.2", sigmoid_prime, seed=bpkit.checks.term_seed(1302))

in the same kernel as the learner's code. A notebook could make that line pass
by replacing what it calls (``bpkit.checks.run``, the module, ``bpkit``) or
what the checks call (``np.allclose``, ``sys.setprofile``, ``copy.deepcopy``,
a reference such as ``bpkit.sigmoid_prime``, the checks' own internals).

:func:`install` runs once, when the notebook's setup cell imports
``bpkit.checks`` inside an IPython kernel (outside a kernel it does nothing,
so scripts and tests see the plain functions). It:

* takes a **snapshot** of what the checks rely on from the shared
  interpreter: every function and class of numpy's modules, of bpkit's core
  modules (and the methods of bpkit's classes), ``sys.setprofile`` and the
  other interpreter functions the call watcher uses, ``copy.deepcopy``, a few
  builtins, and the names the hidden test line reads;
* returns the ``run``, ``term_seed`` and ``check`` that ``bpkit.checks``
  exports in a kernel: before and after the learner's function runs they
  compare the interpreter with the snapshot and look for functions defined in
  the notebook where numpy's or bpkit's own should be (a replacement made before
  the setup cell ran); on any difference they refuse, with a message naming
  what was replaced;
* runs the part with a **private copy** of the checks, loaded freshly from
  bpkit's files under a random module name when the setup cell imports
  ``bpkit.checks`` (before any learner code) and removed from ``sys.modules``
  once loaded, so edits to ``bpkit.checks``' internals (its ``PARTS``, its
  engine, the call watcher) or to this module's names do not reach it;
* makes assigning ``bpkit.checks.run``, ``term_seed``, ``check`` or
  ``diagnose`` fail at once, and registers an IPython input transformer that
  checks a hidden test cell before it runs (so replacing ``bpkit`` itself, or
  writing into the module's ``__dict__``, fails the test too).

What it does not cover, and cannot: code in the same kernel can always go
deeper (remove the transformer *and* replace ``bpkit`` in the notebook's
namespace, reach the guard's closures or the private copy through ``gc`` or
frames, patch memory with ``ctypes``, run a thread that tampers while the test
runs, or install a fake ``bpkit`` or ``numpy`` before the setup cell imports the
real one). ``bpkit-grade`` is not open to any of this: it compares results in
its own process (docs/INSTRUCTORS.md, "bpkit-grade and nbgrader: where they
differ").
"""
from __future__ import annotations

import builtins
import copy
import importlib.util
import os
import secrets
import sys
import threading
import types

import numpy as np

_CHECKS_DIR = os.path.dirname(os.path.abspath(__file__))
_BPKIT_DIR = os.path.dirname(_CHECKS_DIR)
_WATCH_FILE = os.path.join(_BPKIT_DIR, "_grading", "watch.py")
# the names a hidden test or a check cell calls: replacing one on the module is refused at once
PROTECTED = ("run", "term_seed", "check", "diagnose")
HIDDEN_LINE = "bpkit.checks.run("
# what the call watcher and the comparison use from the interpreter: C builtins of sys / builtins
_SYS_NAMES = ("setprofile", "getprofile", "_getframe", "settrace", "gettrace")
_BUILTIN_NAMES = ("isinstance", "issubclass", "callable", "len", "getattr", "hasattr", "setattr", "all", "any",
                  "abs", "min", "max", "sum", "sorted", "zip", "enumerate", "range", "float", "int", "bool",
                  "complex", "str", "repr", "id", "type", "iter", "next", "vars", "print")
_REFUSE = ("The hidden test refused to run: this notebook replaces {what} ({how}), and the checks rely on the "
           "real one{s}. Remove the code that replaces {it}, restart the kernel and run all cells.")


def _defined_in_notebook(obj):
    """Is ``obj`` a function (or callable object) written in the notebook rather than in a library?"""
    try:
        target = obj
        for _ in range(4):  # numpy's dispatchers, functools.wraps wrappers, partials
            inner = getattr(target, "_implementation", None) or getattr(target, "__wrapped__", None) \
                or getattr(target, "func", None)
            if inner is None or inner is target:
                break
            if getattr(target, "__module__", None) == "__main__":
                return True
            target = inner
        if getattr(target, "__module__", None) == "__main__" or getattr(type(target), "__module__", None) == "__main__":
            return True
        code = getattr(target, "__code__", None)
        if isinstance(code, types.CodeType):
            return code.co_filename.startswith("<ipython-input") or "ipykernel_" in code.co_filename
        return isinstance(target, np.ufunc) and target.__name__.endswith("(vectorized)")  # np.frompyfunc
    except Exception:
        return False


def _how(obj):
    """A few words on what replaced something: ``a lambda defined in the notebook``, ``None``, ..."""
    if obj is _MISSING:
        return "deleted"
    name = getattr(obj, "__name__", None) or type(obj).__name__
    where = " defined in the notebook" if _defined_in_notebook(obj) else ""
    if name == "<lambda>":
        return f"now a lambda{where}"
    if isinstance(obj, types.ModuleType):
        return f"now the module {obj.__name__!r}"
    return f"now {name!r}{where}" if callable(obj) else f"now a {type(obj).__name__}{where}"


_MISSING = object()


def _worth_keeping(value):
    return callable(value) or isinstance(value, types.ModuleType)


class _Snapshot:
    """What the checks rely on from the shared interpreter, as it was when ``bpkit.checks`` was imported."""

    def __init__(self, package, checks_module):
        self.entries = []  # (label, namespace dict, key, object)
        self.before = []  # (label, how): a function of the notebook's where numpy's or bpkit's own should be
        mods = dict(sys.modules)
        for name, mod in sorted(mods.items()):
            if not isinstance(mod, types.ModuleType):
                continue
            numpy_mod = name == "numpy" or name.startswith("numpy.")
            bpkit_core = (name == "bpkit" or name.startswith("bpkit.")) and not name.startswith("bpkit.checks")
            if not (numpy_mod or bpkit_core):
                continue
            label = "np" + name[len("numpy"):] if numpy_mod else name
            space = vars(mod)
            for key, value in list(space.items()):
                if key.startswith("__") or not _worth_keeping(value):
                    continue
                if name == "bpkit" and key == "checks":
                    continue  # the checks' own names are kept below, with their own words
                self.entries.append((f"{label}.{key}", space, key, value))
                if bpkit_core and isinstance(value, type) and value.__module__ == name:
                    for attr, fn in list(vars(value).items()):
                        if isinstance(fn, (types.FunctionType, property, staticmethod, classmethod)):
                            self.entries.append((f"{label}.{key}.{attr}", vars(value), attr, fn))
                if not isinstance(value, types.ModuleType) and _defined_in_notebook(value):
                    self.before.append((f"{label}.{key}", _how(value)))  # replaced before the setup cell ran
        for key in _SYS_NAMES:
            self.entries.append((f"sys.{key}", vars(sys), key, getattr(sys, key)))
        for key in _BUILTIN_NAMES:
            self.entries.append((key, vars(builtins), key, getattr(builtins, key)))
        self.entries.append(("threading.setprofile", vars(threading), "setprofile", threading.setprofile))
        self.entries.append(("copy.deepcopy", vars(copy), "deepcopy", copy.deepcopy))
        self.entries.append(("sys.modules['numpy']", sys.modules, "numpy", np))
        self.entries.append(("sys.modules['bpkit']", sys.modules, "bpkit", package))
        self.entries.append(("sys.modules['bpkit.checks']", sys.modules, "bpkit.checks", checks_module))
        self.entries.append(("bpkit.checks", vars(package), "checks", checks_module))
        self.genuine_sys = all(isinstance(getattr(sys, k), types.BuiltinFunctionType)
                               and getattr(sys, k).__self__ is sys for k in _SYS_NAMES)

    def problems(self, own=()):
        """``[(label, how)]`` of everything replaced since the snapshot (or from the notebook before it)."""
        found = []
        for label, space, key, value in [*self.entries, *own]:
            now = space.get(key, _MISSING)
            if now is not value:
                found.append((label, _how(now)))
        if not self.genuine_sys:
            found.append(("sys.setprofile", "not the interpreter's own"))
        return found + self.before


def _message(found):
    labels = [label for label, _ in found[:3]]
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    what = ", ".join(labels) + more
    return _REFUSE.format(what=what, how=found[0][1],
                          s="" if len(found) == 1 else "s", it="it" if len(found) == 1 else "them")


def load_private():
    """A private copy of ``bpkit.checks`` (and of the call watcher it uses), loaded freshly from bpkit's files.

    It is a subpackage of the shared ``bpkit`` under a random name (so its ``..`` imports reach bpkit's
    core, which the snapshot vouches for), and every module of the copy is taken out of ``sys.modules``
    once loaded: code in the notebook cannot import it by name.
    """
    tag = secrets.token_hex(8)
    name, wname = f"bpkit._checks_{tag}", f"bpkit._grading._watch_{tag}"
    grading = importlib.import_module("bpkit._grading")
    had_attr, old_attr = "watch" in vars(grading), vars(grading).get("watch")
    old_mod = sys.modules.get("bpkit._grading.watch")
    try:
        wspec = importlib.util.spec_from_file_location(wname, _WATCH_FILE)
        watch = importlib.util.module_from_spec(wspec)
        sys.modules[wname] = watch
        wspec.loader.exec_module(watch)
        grading.watch = watch  # the copy's `from .._grading import watch` takes the fresh watcher
        sys.modules["bpkit._grading.watch"] = watch
        spec = importlib.util.spec_from_file_location(name, os.path.join(_CHECKS_DIR, "__init__.py"),
                                                      submodule_search_locations=[_CHECKS_DIR])
        private = importlib.util.module_from_spec(spec)
        sys.modules[name] = private
        spec.loader.exec_module(private)
        return private
    finally:
        if had_attr:
            grading.watch = old_attr
        else:
            vars(grading).pop("watch", None)
        if old_mod is not None:
            sys.modules["bpkit._grading.watch"] = old_mod
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".") or k == wname]:
            del sys.modules[key]
        vars(importlib.import_module("bpkit")).pop(f"_checks_{tag}", None)


def _kernel_shell():
    """The IPython kernel's shell when running in one, else None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "kernel") else None


def install(checks_module, plain_run, plain_term_seed, plain_check, shell=None):
    """In an IPython kernel: the guarded ``(run, term_seed, check)``; elsewhere the plain ones, unchanged.

    ``shell`` (the kernel's) is found when not given. Guards ``checks_module`` against replacing its
    :data:`PROTECTED` names (its class becomes a guarded module type) and registers the hidden-test cell
    transformer on the shell.
    """
    shell = _kernel_shell() if shell is None else shell
    if shell is None:
        return plain_run, plain_term_seed, plain_check
    package = sys.modules["bpkit"]
    # everything the guard calls later is bound here, in its closures: replacing this module's names (or
    # _Snapshot.problems) afterwards changes nothing, and the snapshot covers the rest
    problems, message, how = _Snapshot(package, checks_module).problems, _message, _how
    getframe, refused_names = sys._getframe, []
    # the private copy is loaded now, in the setup cell, before any learner code: nothing the learner
    # replaces later (importlib, the loaders) can hand the hidden tests a fake one
    private = load_private()
    ns = vars(checks_module)
    user_ns = getattr(shell, "user_ns", {})

    def problem(user_globals=None):
        found = [(f"bpkit.checks.{k}", "an assignment, refused when it ran") for k in refused_names]
        found += problems(own)
        for space in (user_globals, user_ns):
            if isinstance(space, dict) and "bpkit" in space and space["bpkit"] is not package:
                found.insert(0, ("the name bpkit", how(space["bpkit"])))
                break
        return message(found) if found else None

    def run(key, fn, seed=None):
        refused = problem(getframe(1).f_globals)
        if refused is not None:
            return refused
        msg = private.run(key, fn, seed)
        return problem(getframe(1).f_globals) or msg

    run.__doc__ = plain_run.__doc__

    def term_seed(part_seed, term=None):
        refused = problem(getframe(1).f_globals)
        if refused is not None:
            raise RuntimeError(refused)
        return plain_term_seed(part_seed, term)

    term_seed.__doc__ = plain_term_seed.__doc__

    def check(key, fn, seed=None):
        refused = problem(getframe(1).f_globals)
        if refused is not None:
            print("✗ " + refused.replace("The hidden test refused to run", "The check cannot run"))
            return False
        return private.check(key, fn, seed)

    check.__doc__ = plain_check.__doc__
    guarded = {"run": run, "term_seed": term_seed, "check": check, "diagnose": ns.get("diagnose")}
    assert set(guarded) == set(PROTECTED)
    own = tuple((f"bpkit.checks.{k}", ns, k, v) for k, v in guarded.items())  # fixed now, whatever happens later

    class GuardedChecks(types.ModuleType):
        """``bpkit.checks`` in a kernel: the names the hidden tests call cannot be replaced or deleted."""

        def __setattr__(self, key, value):
            if key in guarded and value is not guarded[key]:
                if key not in refused_names:
                    refused_names.append(key)
                raise AttributeError(f"bpkit.checks.{key} cannot be replaced in a notebook: the hidden tests "
                                     f"rely on it (nbgrader runs them in this kernel)")
            super().__setattr__(key, value)

        def __delattr__(self, key):
            if key in guarded:
                if key not in refused_names:
                    refused_names.append(key)
                raise AttributeError(f"bpkit.checks.{key} cannot be deleted in a notebook: the hidden tests "
                                     f"rely on it")
            super().__delattr__(key)

    def hidden_cell(lines):
        try:
            if not any(HIDDEN_LINE in line for line in lines):
                return lines
            refused = problem(user_ns)
        except Exception:
            return lines
        if refused is None:
            return lines
        return [f"assert False, {refused!r}\n"]

    transformers = getattr(shell, "input_transformers_post", None)
    if isinstance(transformers, list):
        transformers.append(hidden_cell)
    checks_module.__class__ = GuardedChecks
    return run, term_seed, check
