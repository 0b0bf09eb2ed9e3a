"""Results from the learner's kernel to the grader, without pickle.

The kernel side (:func:`encode`) turns whatever the learner's function returned
into a JSON-able *structure* plus a dict of numeric arrays that
:func:`numpy.savez` stores with ``allow_pickle=False``. The grader side
(:func:`decode`) rebuilds plain Python/numpy values from them. Nothing the
submission controls is ever unpickled by the grader, and nothing of the
learner's is executed while decoding: the worst a forged file can do is decode
into wrong numbers, which then fail the comparison. :func:`read_report` reads
one part's files into a :class:`.records.KernelReport`, the boundary where the
kernel's plain data becomes a record.

Structures (``"kind"`` tells which)::

    {"kind": "array", "key": "a3"}            ndarray (numeric or bool dtype)
    {"kind": "scalar", "key": "a4"}           Python or numpy number (0-d array on disk)
    {"kind": "bool", "value": true}
    {"kind": "none"}
    {"kind": "str", "value": "..."}           truncated to 1,000 characters
    {"kind": "list" | "tuple", "items": [...], "name": "Gradients"}
    {"kind": "network", "sizes": [...], "activation": "sigmoid",
     "weights": [...], "biases": [...]}       a bpkit.Network (rebuilt as one)
    {"kind": "error", "type": "ValueError", "message": "..."}
    {"kind": "unsupported", "type": "dict", "why": "..."}
"""
from __future__ import annotations

import builtins
import json
import numbers
from pathlib import Path

import numpy as np

from .records import KernelReport, report_names

MAX_BYTES = 32 * 1024 * 1024   # all arrays of one part together
MAX_REPORT_BYTES = 8 * 1024 * 1024  # the JSON description of one part's results
MAX_ITEMS = 10_000             # items of one list or tuple
MAX_DEPTH = 6
MAX_TEXT = 1_000


class _Budget:
    def __init__(self, max_bytes):
        self.left = max_bytes


def _type_name(obj):
    try:
        return type(obj).__name__
    except Exception:  # pragma: no cover - a type with a broken __name__
        return "object"


def encode(obj, arrays, budget=None, depth=0):
    """Return the JSON structure of ``obj``; numeric arrays go into ``arrays``.

    Parameters
    ----------
    obj : anything the learner's function returned
    arrays : dict, str -> ndarray, filled in place (keys ``a0``, ``a1``, ...)
    budget : _Budget, optional
        Bytes still allowed for arrays; larger results are replaced by an
        ``unsupported`` entry saying so, so memory and disk stay bounded.

    This runs inside the learner's kernel. It avoids calling the learner's
    methods where it can (no ``repr``; lists are walked with ``list.__iter__``)
    so an odd return value cannot hang or crash the grader's cell.
    """
    budget = _Budget(MAX_BYTES) if budget is None else budget
    if depth > MAX_DEPTH:
        return {"kind": "unsupported", "type": _type_name(obj), "why": "nested too deeply"}
    if obj is None:
        return {"kind": "none"}
    if isinstance(obj, (bool, np.bool_)):
        return {"kind": "bool", "value": bool(obj)}
    if isinstance(obj, (numbers.Number, np.number)):
        return _store(np.array(obj), arrays, budget, "scalar", obj)
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            return {"kind": "unsupported", "type": f"ndarray of dtype {obj.dtype}",
                    "why": "only numeric arrays can be graded"}
        # the size is checked before anything is copied: a broadcast view (np.broadcast_to) has a tiny
        # base but a huge logical size, and copying it first costs gigabytes and minutes
        too_big = _too_large(obj, budget)
        if too_big is not None:
            return too_big
        return _store(np.array(obj, copy=True), arrays, budget, "array", obj)
    if isinstance(obj, str):
        return {"kind": "str", "value": str.__str__(obj)[:MAX_TEXT]}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        items = list.__iter__(obj) if kind == "list" else tuple.__iter__(obj)
        n = list.__len__(obj) if kind == "list" else tuple.__len__(obj)
        if n > MAX_ITEMS:
            return {"kind": "unsupported", "type": _type_name(obj), "why": f"{n} items (limit {MAX_ITEMS})"}
        out = {"kind": kind, "items": [encode(x, arrays, budget, depth + 1) for x in items]}
        if type(obj) not in (list, tuple):
            out["name"] = _type_name(obj)
        return out
    if _looks_like_network(obj):
        d = object.__getattribute__(obj, "__dict__")
        return {
            "kind": "network",
            "sizes": [int(s) for s in d["sizes"]],
            "activation": str(d.get("activation", "sigmoid")),
            "weights": [encode(W, arrays, budget, depth + 1) for W in list(d["weights"])],
            "biases": [encode(b, arrays, budget, depth + 1) for b in list(d["biases"])],
        }
    return {"kind": "unsupported", "type": _type_name(obj), "why": "not a number, array or list of arrays"}


def _looks_like_network(obj):
    try:
        d = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        return False
    return (
        _type_name(obj) == "Network"
        and all(k in d for k in ("sizes", "weights", "biases"))
        and isinstance(d["weights"], list) and isinstance(d["biases"], list)
    )


def _too_large(arr, budget):
    """The ``unsupported`` entry of an array whose logical size is over what is left of the budget, else None.

    Read through ``np.ndarray``'s own descriptors (a subclass cannot lie about its size), from the shape
    and item size alone: nothing is copied or touched, so the answer and its message do not depend on
    the machine's speed.
    """
    shape = tuple(int(n) for n in np.ndarray.shape.__get__(arr))
    count = 1
    for n in shape:
        count *= n
    nbytes = count * int(np.ndarray.dtype.__get__(arr).itemsize)
    if nbytes <= budget.left:
        return None
    return {"kind": "unsupported", "type": _type_name(arr),
            "why": (f"too large to grade: {nbytes} bytes (shape {list(shape)}), over the limit of "
                    f"{budget.left} bytes for the results of one part")}


def _store(arr, arrays, budget, kind, original):
    if arr.dtype.kind not in "biufc":
        return {"kind": "unsupported", "type": _type_name(original), "why": "not numeric"}
    too_big = _too_large(arr, budget)
    if too_big is not None:
        return too_big
    budget.left -= arr.nbytes
    key = f"a{len(arrays)}"
    arrays[key] = arr
    return {"kind": kind, "key": key}


def encode_error(exc_type_name, message):
    """Structure for a call that raised (or timed out)."""
    return {"kind": "error", "type": str(exc_type_name)[:100], "message": str(message)[:MAX_TEXT]}


# --------------------------------------------------------------------- grader side
class UnsupportedResult:
    """Stands for a returned value the grader cannot rebuild (shown by its type)."""

    def __init__(self, type_name, why):
        self.type_name = type_name
        self.why = why

    def __repr__(self):
        return f"<{self.type_name}: {self.why}>"


class DecodeError(ValueError):
    """The result files do not have the structure the grader writes."""


def make_exception(type_name, message):
    """An exception instance of the learner's exception type, by name.

    Built-in exception names give the built-in class (so ``isinstance(e,
    ZeroDivisionError)`` works in ``diagnose``); other names get a new
    ``Exception`` subclass of that name.
    """
    type_name = str(type_name)
    cls = getattr(builtins, type_name, None)
    if isinstance(cls, type) and issubclass(cls, BaseException):
        if not issubclass(cls, Exception):  # KeyboardInterrupt, SystemExit: keep them catchable
            cls = type(type_name, (Exception,), {})
        try:
            return cls(message)
        except Exception:
            pass
    safe = type_name if type_name.isidentifier() else "Error"
    return type(safe, (Exception,), {})(message)


def decode(struct, arrays, depth=0):
    """Rebuild a value from :func:`encode`'s structure and the loaded arrays.

    Parameters
    ----------
    struct : dict, from JSON
    arrays : mapping str -> ndarray, loaded with ``np.load(..., allow_pickle=False)``

    Returns
    -------
    ndarray, numpy scalar, bool, None, str, list, tuple, bpkit.Network,
    Exception instance or UnsupportedResult.

    Raises
    ------
    DecodeError
        If the structure is malformed (a forged or truncated file).
    """
    if depth > MAX_DEPTH + 2 or not isinstance(struct, dict):
        raise DecodeError("malformed result structure")
    kind = struct.get("kind")
    if kind == "none":
        return None
    if kind == "bool":
        return bool(struct.get("value"))
    if kind in ("array", "scalar"):
        key = struct.get("key")
        if not isinstance(key, str) or key not in arrays:
            raise DecodeError(f"result refers to a missing array {key!r}")
        arr = np.asarray(arrays[key])
        return arr[()] if kind == "scalar" else arr
    if kind == "str":
        return str(struct.get("value", ""))
    if kind in ("list", "tuple"):
        items = struct.get("items")
        if not isinstance(items, list):
            raise DecodeError("malformed list in result")
        vals = [decode(x, arrays, depth + 1) for x in items]
        return tuple(vals) if kind == "tuple" else vals
    if kind == "network":
        from ..network import Network

        net = Network.__new__(Network)
        net.sizes = [int(s) for s in struct.get("sizes", [])]
        net.activation = str(struct.get("activation", "sigmoid"))
        net.seed = 0
        net.weights = [decode(x, arrays, depth + 1) for x in struct.get("weights", [])]
        net.biases = [decode(x, arrays, depth + 1) for x in struct.get("biases", [])]
        return net
    if kind == "error":
        return make_exception(struct.get("type", "Exception"), struct.get("message", ""))
    if kind == "unsupported":
        return UnsupportedResult(str(struct.get("type", "object")), str(struct.get("why", "")))
    raise DecodeError(f"unknown result kind {kind!r}")


def read_report(workdir, key):
    """The kernel's report on part ``key`` from ``workdir``, decoded; None if it wrote none.

    Parameters
    ----------
    workdir : str or Path, the directory the grader shares with the kernel
    key : str, the part key

    Returns
    -------
    KernelReport or None

    Raises
    ------
    DecodeError
        If the files are not what the grader cell writes (too large, not an
        object, outputs not a list, a malformed structure).
    """
    json_name, npz_name = report_names(key)
    jpath, npath = Path(workdir, json_name), Path(workdir, npz_name)
    for p in (Path(workdir), jpath, npath):
        if p.is_symlink():  # the grader only reads files it knows are its own, never where a link points
            raise DecodeError(f"{p.name} is a symbolic link, not the file the grader's cell writes")
    if not jpath.exists():
        return None
    if jpath.stat().st_size > MAX_REPORT_BYTES:
        raise DecodeError("result description is too large")
    raw = json.loads(jpath.read_text())
    if not isinstance(raw, dict):
        raise DecodeError("result description is not an object")
    arrays = {}
    if npath.exists():
        if npath.stat().st_size > MAX_BYTES + MAX_REPORT_BYTES:  # checked before anything is read
            raise DecodeError(f"the results' arrays are too large ({npath.stat().st_size} bytes)")
        with np.load(npath, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    outs = raw.get("outputs") or []
    if not isinstance(outs, list):
        raise DecodeError("outputs is not a list")
    return KernelReport.from_json(raw, [decode(o, arrays) for o in outs])
