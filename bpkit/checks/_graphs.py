"""The secret graphs of exercise 9's engine part (09.4), guarded against forbidden calls.

:class:`GuardedTensor` is a :class:`bpkit.autograd.Tensor` whose ``backward()``, ``zero_grad()`` and
:func:`bpkit.autograd.topological_order` raise ``ForbiddenCall`` (the name the checks give a forbidden call),
with read-only ``data``. :class:`_Graph` records the engine call that made each node, so a graph can be
rebuilt by the same calls: guarded (a deep copy), plain (:func:`_replay`, where the reference runs the
engine's own pass) or in a grading kernel that has no :mod:`bpkit.checks` (a graph pickles as the engine
calls that built it, naming only :mod:`bpkit.autograd`, numpy and the standard library, never this module).
Which graphs a case holds is decided in :mod:`.ex09`.
"""
from __future__ import annotations

import importlib
import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import autograd as ag


def _plain(x):
    """A writable float64 copy of ``x``."""
    return np.array(np.asarray(x, dtype=np.float64))


_FORBIDDEN_CODE = {"topological_order", "backward", "zero_grad"}
_ENGINE_FILE = ag.__file__


def _engine_frame(depth=2):
    """True when the code ``depth`` frames up runs inside the engine's own pass (topological_order, backward,
    zero_grad, or a function nested in one of them): the frames of the engine's file above it are searched."""
    f = sys._getframe(depth)
    while f is not None and f.f_code.co_filename == _ENGINE_FILE:
        if f.f_code.co_name in _FORBIDDEN_CODE:
            return True
        f = f.f_back
    return False


try:  # the exception name the checks and the grader give a forbidden call
    from .._grading.watch import ForbiddenCall
except ImportError:  # pragma: no cover - an older bpkit._grading
    class ForbiddenCall(Exception):
        """The function called a bpkit function the part asks the learner to write."""


class GuardedTensor(ag.Tensor):
    """A node of a secret graph of 09.4: a :class:`bpkit.autograd.Tensor` that refuses the engine's own pass.

    ``backward()`` and ``zero_grad()`` raise, and so does reading ``parents`` from inside
    :func:`bpkit.autograd.topological_order` (however it was reached). Its ``data`` is read-only.
    Each node keeps the recipe it was made by (``_case_recipe``: an engine function and its
    arguments), so a deep copy rebuilds the graph (guarded, with the same ``.grad``) and a pickle
    rebuilds it from plain engine calls in a kernel that has no :mod:`bpkit.checks`.
    """

    @property
    def parents(self):
        if _engine_frame():
            raise ForbiddenCall("bpkit.autograd.topological_order")
        return self.__dict__["parents"]

    def backward(self):
        raise ForbiddenCall("bpkit.autograd.Tensor.backward")

    def zero_grad(self):
        raise ForbiddenCall("bpkit.autograd.Tensor.zero_grad")

    def __deepcopy__(self, memo):
        return _rebuild(self, memo, guarded=True)

    def __reduce_ex__(self, protocol):
        fn, args = self.__dict__["_case_recipe"]
        state = {"grad": _plain(self.grad), "name": self.name,
                 "data": _ReadOnly(self.data)}
        return (fn if fn is ag.Tensor else _EngineFunction(fn)), args, (None, state)

    def __reduce__(self):
        return self.__reduce_ex__(2)


class _Module:
    """Pickles as ``importlib.import_module(name)``."""

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return importlib.import_module, (self.name,)


class _EngineFunction:
    """Pickles as ``getattr(bpkit.autograd, name)``: the engine's tanh and sigmoid are made by a factory
    (their qualified names hold ``<locals>``), so pickle cannot name them directly."""

    def __init__(self, fn):
        self.name = fn.__name__
        assert getattr(ag, self.name) is fn, fn

    def __call__(self, *args):
        return getattr(ag, self.name)(*args)

    def __reduce__(self):
        return getattr, (_Module(ag.__name__), self.name)


class _ReadOnly:
    """Pickles as a read-only view of a copy of ``data`` (numpy's own pickle would make it writable)."""

    def __init__(self, data):
        self.data = _plain(data)

    def __reduce__(self):
        return as_strided, (self.data, None, None, False, False)


def _frozen(a):
    a = _plain(a)
    a.flags.writeable = False
    return a


def _rebuild(node, memo, guarded):
    """A copy of the graph below ``node`` made by the same engine calls, with the same ``.grad``; memo: id -> copy."""
    if id(node) in memo:
        return memo[id(node)]
    fn, args = node.__dict__["_case_recipe"]
    new_args = tuple(_rebuild(a, memo, guarded) if isinstance(a, ag.Tensor) else a for a in args)
    new = fn(*new_args)
    new.name = node.name
    new.grad = _plain(node.grad)
    if guarded:
        new.__dict__["_case_recipe"] = (fn, new_args)
        new.data = _frozen(new.data)
        new.__class__ = GuardedTensor
    memo[id(node)] = new
    return new


WRT = 6  # nodes whose gradients a case asks for, the root last


class _Graph:
    """Builds a secret graph through engine calls, recording each node's recipe."""

    def __init__(self):
        self.nodes = []

    def leaf(self, data, name):
        data = _plain(data)
        t = ag.Tensor(data, name=name)
        return self._keep(t, ag.Tensor, (data, name))

    def op(self, fn, *args, name=None):
        t = fn(*args)
        t.name = name
        return self._keep(t, fn, args)

    def _keep(self, t, fn, args):
        t.__dict__["_case_recipe"] = (fn, args)
        self.nodes.append(t)
        return t

    def case(self, root, rng=None, wrt=None):
        """``(root, wrt)``, guarded, ``.grad`` stale when ``rng`` is given. wrt: the nodes named in ``wrt`` (or
        the leaves, the node used most, the last node made before J), then others in the order made, to
        :data:`WRT` nodes in all, J last."""
        for t in self.nodes:
            t.grad = rng.standard_normal(t.data.shape) if rng is not None else np.zeros(t.data.shape)
            t.data = _frozen(t.data)
            t.__class__ = GuardedTensor
        assert self.nodes[-1] is root and len(self.nodes) >= WRT
        if wrt is not None:
            first = [next(t for t in self.nodes if t.name == n) for n in wrt]
        else:
            uses = {}
            for t in self.nodes:
                for p in t.__dict__["parents"]:
                    uses[id(p)] = uses.get(id(p), 0) + 1
            leaves = [t for t in self.nodes if not t.__dict__["parents"]]
            first = leaves[:3] + [max(self.nodes, key=lambda t: uses.get(id(t), 0)), self.nodes[-2]]
        chosen = []
        for t in first + self.nodes[:-1]:
            if all(t is not c for c in chosen) and len(chosen) < WRT - 1:
                chosen.append(t)
        return root, chosen + [root]


def _topo(root):
    """The nodes below ``root``, each once, parents before the nodes made from them (read through
    ``__dict__``, so a guarded node does not refuse it)."""
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for p in node.__dict__["parents"]:
                visit(p)
            order.append(node)
    visit(root)
    return order


def _replay(root, wrt, algorithm):
    """``algorithm(plain_root)`` on a plain copy of the graph (same stale ``.grad``); the wrt nodes' gradients.

    A graph already made of plain nodes (one that went through pickle) is worked on as it is."""
    if "_case_recipe" not in root.__dict__:
        algorithm(root)
        return [np.array(n.grad, dtype=float) for n in wrt]
    memo = {}
    plain_root = _rebuild(root, memo, guarded=False)
    algorithm(plain_root)
    return [np.array(memo[id(n)].grad, dtype=float) for n in wrt]

