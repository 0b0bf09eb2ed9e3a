"""Comparing outputs: a result read as a list of float64 arrays, the same way for learner and reference."""
from __future__ import annotations

import numbers

import numpy as np

from ..network import Network

RTOL = 1e-6
ATOL = 1e-9


class Unreadable(Exception):
    """A result that is not numbers; the text says what it was."""


def _arr(x):
    if x is None:
        raise Unreadable("None")
    if isinstance(x, (str, bytes, dict, set)):
        raise Unreadable(type(x).__name__)
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise Unreadable(type(x).__name__) from None


def norm(kind, x):
    """A result of a part of ``kind`` (see :class:`Part`) as a list of float64 arrays."""
    if kind == "scalar":
        a = _arr(x)
        return [a.reshape(()) if a.size == 1 else a]
    if kind == "array":
        return [_arr(x)]
    if kind == "indices":
        a = _arr(list(x) if isinstance(x, (list, tuple)) else x)
        return [np.sort(a.ravel())] if a.ndim <= 1 else [a]
    if kind == "params":  # (Ws, bs): two per-layer lists of one length, read as Ws + bs (Network.params() order)
        if isinstance(x, Network):
            x = (x.weights, x.biases)
        if not isinstance(x, (list, tuple)) or len(x) != 2 or not all(isinstance(v, (list, tuple)) for v in x):
            what = f"{type(x).__name__} of {len(x)} items" if isinstance(x, (list, tuple)) else type(x).__name__
            raise Unreadable(f"{what} (expected a pair of lists, one array per layer)")
        if len(x[0]) != len(x[1]):
            raise Unreadable(f"pair of lists of {len(x[0])} and {len(x[1])} arrays (expected one of each per layer)")
        return [_arr(v) for v in list(x[0]) + list(x[1])]
    if kind in ("arrays", "batches"):
        if isinstance(x, Network):  # sgd_epoch returning the network itself: its parameters, layer by layer
            x = [p for W, b in zip(x.weights, x.biases) for p in (W, b)]
        if isinstance(x, np.ndarray) and kind == "batches" and x.ndim == 2:
            return [_arr(row) for row in x]
        if not isinstance(x, (list, tuple)):
            raise Unreadable(type(x).__name__)
        return [_arr(v) for v in x]
    raise AssertionError(kind)


def close(a, b):
    """Two results (lists of arrays, from :func:`norm`) agree within RTOL/ATOL, with nan and inf in the same places."""
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


def scaled(res, factor):
    """A result with every array multiplied by ``factor``."""
    return [r * factor for r in res]


def transposed(res):
    """A result with every array transposed."""
    return [r.T for r in res]


def finite(res):
    """Every entry of every array is finite."""
    return all(np.all(np.isfinite(r)) for r in res)


def fmt(res, kind):
    """A result in a line, for "expected ..., got ...": 4 digits, long arrays elided."""
    def one(a):
        if a.ndim == 0:
            return f"{float(a):.6g}"
        return np.array2string(a, precision=4, threshold=12, edgeitems=2, suppress_small=False,
                               max_line_width=10_000).replace("\n", "")
    if kind in ("scalar", "array", "indices") and len(res) == 1:
        return one(res[0])
    return "[" + ", ".join(one(a) for a in res) + "]"


def describe(part, args):
    """A case's arguments in words: ``"X of shape (4, 2), lam = 0.5"``."""
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


def not_a_direction(part, args, out):
    """A prediction part's contract check: the answer is a finite number that is not -1, 0 or +1 (a direction)."""
    try:
        v = float(np.asarray(out, dtype=float).reshape(()))
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(v)) and v not in (-1.0, 0.0, 1.0)
