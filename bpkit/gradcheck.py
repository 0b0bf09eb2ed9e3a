"""Gradient checking by central differences (lesson 7).

The analytic gradient from backprop is easy to get subtly wrong and still
"train a bit". Central differences give an independent estimate:

    dJ/dtheta_j  ~  (J(theta + eps e_j) - J(theta - eps e_j)) / (2 eps)

with error O(eps**2) from truncation and O(machine_eps / eps) from round-off,
so eps around 1e-5 in float64 is a good compromise. Compare the two with the
relative error ``||g - n|| / ||g + n||`` and read it with :data:`VERDICTS`, the
course's one table (lesson 7, exercise 7 and the checks use it): in float64 a
correct backprop gives about 1e-9 to 1e-11.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate
from ._params import Function, Int, NetworkArg, Optional, Options, Real, declare
from .backprop import backprop
from .costs import COSTS, cost


#: How to read a relative error from a float64 check with eps near 1e-5 (lesson 7): each row
#: is ``(upper bound, verdict, meaning)``; the bounds leave no gap.
VERDICTS = (
    (1e-7, "right", "below 1e-7: the gradients agree (a correct backprop gives 1e-9 to 1e-11)"),
    (1e-5, "look closer", "1e-7 to 1e-5: suspect a bug, unless a ReLU kink, a poor eps or float32 explains it"),
    (float("inf"), "wrong", "1e-5 or more: a bug (planted ones give 1e-3 and above)"),
)
#: A check passes below this relative error: the bound of the "right" row of :data:`VERDICTS`.
TOLERANCE = VERDICTS[0][0]
#: :func:`gradient_check` refuses networks with more parameters than this unless given a larger
#: ``max_params``: each parameter costs two cost evaluations (784-30-10, 23,860 of them, takes ~20 s).
MAX_CHECK_PARAMS = 5_000


@declare(rel_error=Real(finite=False))
def verdict(rel_error):
    """The :data:`VERDICTS` word for a relative error: ``"right"``, ``"look closer"`` or ``"wrong"`` (NaN: wrong)."""
    if not rel_error >= 0:  # NaN or negative
        return "wrong"
    return next((word for bound, word, _ in VERDICTS if rel_error < bound), "wrong")


@declare(f=Function("f(), a function of no arguments returning the cost as one number"),
         eps=Real(0, closed="neither"))
def numerical_gradient(f, params, eps=1e-5):
    """Central-difference gradient of ``f()`` with respect to every entry of ``params``.

    Parameters
    ----------
    f : callable with no arguments, returning a float
        It must read the arrays in ``params`` (e.g. ``lambda: cost(net, X, Y)``
        with ``params = net.params()``). Each entry is nudged in place and put back.
    params : list of float64 ndarray
    eps : float > 0, default 1e-5

    Returns
    -------
    list of ndarray, shaped like ``params``
        ``(f(theta + eps) - f(theta - eps)) / (2 eps)`` per entry. Costs 2 calls of
        ``f`` per entry, so keep networks small.
    """
    if isinstance(params, np.ndarray):
        params = [params]
    if not isinstance(params, (list, tuple)):
        raise TypeError(f"params must be a list of float64 arrays that f reads (e.g. net.params()), "
                        f"got {type(params).__name__}")
    grads = []
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray) or p.dtype != np.float64:
            got = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(
                f"params[{i}] must be a float64 ndarray that f reads (it is changed in place), got {got}"
            )
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        if not np.shares_memory(flat, p):
            raise ValueError(f"params[{i}] must be contiguous so it can be nudged in place")
        for j in range(flat.size):
            old = flat[j]
            try:
                flat[j] = old + eps
                plus = _cost_value(f())
                flat[j] = old - eps
                minus = _cost_value(f())
            finally:
                flat[j] = old
            gflat[j] = (plus - minus) / (2.0 * eps)
        grads.append(g)
    return grads


def _cost_value(value):
    """``f()``'s result as a float, if it is one finite real number (numerical_gradient's contract)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        shape = f" of shape {value.shape}" if isinstance(value, np.ndarray) else ""
        raise TypeError(f"f() must return the cost as one real number, got {type(value).__name__}{shape} "
                        "(did the function forget to return, or return the whole array?)")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"f() must return a finite cost, got {value}")
    return value


def _arrays(name, x):
    """The arrays of ``x`` in order: an array, or lists/tuples of them nested any depth ((dW, db) pairs).

    A list or tuple of plain numbers is one array; a list or tuple holding arrays or
    lists is a container. Returns ``[(label, float64 array), ...]``.
    """
    def is_container(v):
        return isinstance(v, (list, tuple)) and any(isinstance(e, (list, tuple, np.ndarray)) for e in v)

    out = []

    def walk(v, label):
        if is_container(v):
            for i, e in enumerate(v):
                walk(e, f"{label}[{i}]")
        else:
            out.append((label, _validate.real_array(label, v, finite=True)))

    walk(x, name)
    return out


def relative_error(a, b):
    """``||a - b|| / ||a + b||`` (Euclidean norms), 0.0 when both are zero.

    ``a`` and ``b`` may be arrays, lists of arrays, or the ``(dW, db)`` pairs that
    :func:`bpkit.backprop` returns (nested lists and tuples are walked in order,
    weights then biases, and joined), holding the same shapes in the same order.
    So ``relative_error(backprop(net, X, Y), backprop_loop(net, X, Y))`` and
    ``relative_error(backprop(net, X, Y), numerical_gradient(f, net.params()))`` both work.
    Entries must be finite real numbers, at least one of them.

    Raises
    ------
    TypeError, ValueError
        If an entry is not a finite real number, if ``a`` and ``b`` differ in how many
        arrays they hold or in their shapes, or if they hold no number at all (two empty
        gradients do not agree, they say nothing).
    """
    a_list, b_list = _arrays("a", a), _arrays("b", b)
    if len(a_list) != len(b_list):
        raise ValueError(f"a and b must hold the same number of arrays, got {len(a_list)} and {len(b_list)}")
    for i, ((la, x), (lb, y)) in enumerate(zip(a_list, b_list)):
        if x.shape != y.shape:
            raise ValueError(f"shapes differ at position {i}: {x.shape} vs {y.shape} ({la} and {lb})")
    fa = np.concatenate([np.ravel(x) for _, x in a_list])
    fb = np.concatenate([np.ravel(y) for _, y in b_list])
    if fa.size == 0:
        raise ValueError("a and b hold no numbers (they are empty), so there is nothing to compare; "
                         "pass the gradients themselves, e.g. relative_error(backprop(net, X, Y), numeric)")
    denom = np.linalg.norm(fa + fb)
    num = np.linalg.norm(fa - fb)
    if denom == 0.0:
        return 0.0 if num == 0.0 else float("inf")
    return float(num / denom)


class CheckRow(NamedTuple):
    """One parameter array in a :class:`GradCheckReport`."""

    name: str
    shape: tuple
    rel_error: float
    ok: bool


class GradCheckReport:
    """Per-layer result of :func:`gradient_check`; prints as a table."""

    def __init__(self, rows, tol):
        self.rows = rows
        self.tol = tol

    @property
    def max_error(self):
        return max(r.rel_error for r in self.rows)

    @property
    def passed(self):
        return all(r.ok for r in self.rows)

    def __getitem__(self, name):
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no parameter {name!r}; have {[r.name for r in self.rows]}")

    def __str__(self):
        lines = [f"{'param':<7} {'shape':<12} {'rel. error':>11}  verdict (tol {self.tol:.0e})"]
        for r in self.rows:
            verdict = "ok" if r.ok else "WRONG"
            lines.append(f"{r.name:<7} {str(r.shape):<12} {r.rel_error:11.2e}  {verdict}")
        lines.append("all gradients agree" if self.passed else "some gradients disagree: look at the WRONG rows")
        return "\n".join(lines)

    __repr__ = __str__


@declare(net=NetworkArg(), kind=Options(COSTS), lam=Real(0), eps=Real(0, closed="neither"),
         tol=Real(0, closed="neither"),
         grad_fn=Optional(Function("grad_fn(net, X, Y, kind=kind, lam=lam) returning (dW, db), like bpkit.backprop")),
         max_params=Int(1))
def gradient_check(net, X, Y, kind="quadratic", lam=0.0, eps=1e-5, tol=TOLERANCE, grad_fn=None,
                   max_params=MAX_CHECK_PARAMS):
    """Compare an analytic gradient with central differences, layer by layer.

    Parameters
    ----------
    net : Network (small: the check costs two cost evaluations per parameter)
    X, Y, kind, lam : as for :func:`bpkit.cost`
    eps : float, step for central differences
    tol : float, a row is ``ok`` when its relative error is below this
        (default :data:`TOLERANCE`, 1e-7: the "right" row of :data:`VERDICTS`)
    grad_fn : callable, default :func:`bpkit.backprop`
        Called as ``grad_fn(net, X, Y, kind=kind, lam=lam)`` and must return
        ``(dW, db)``. Pass your own backprop here to check it.
    max_params : int > 0, default :data:`MAX_CHECK_PARAMS` (5,000)
        A network with more parameters is refused before any work, with what the
        check would cost: pass a smaller network, or a larger ``max_params`` to wait.

    Returns
    -------
    GradCheckReport
        One row per ``W(l)`` and ``b(l)``: name, shape, relative error, ok.
    """
    grad_fn = backprop if grad_fn is None else grad_fn
    X, Y = _validate.check_xy(net, X, Y)
    cost(net, X, Y, kind=kind, lam=lam)  # by hand: X and Y fit net, the targets fit kind
    n_params = net.num_params()
    if n_params > max_params:
        raise ValueError(
            f"gradient_check would evaluate the cost 2 x {n_params:,} times (two per parameter of a "
            f"{'-'.join(map(str, net.sizes))} network on {X.shape[0]} examples), over max_params="
            f"{max_params:,}; check a small network (e.g. Network([{net.sizes[0]}, 5, {net.sizes[-1]}]) on "
            f"a few examples), or pass max_params={n_params} to wait for it"
        )
    n_layers = len(net.weights)
    before = [p.copy() for p in net.params()]
    result = grad_fn(net, X, Y, kind=kind, lam=lam)
    if not (isinstance(result, (list, tuple)) and len(result) == 2
            and all(isinstance(part, (list, tuple)) for part in result)):
        raise TypeError(f"grad_fn must return (dW, db), two lists of {n_layers} arrays like bpkit.backprop; "
                        f"got {type(result).__name__}")
    dW, db = result
    if any(not np.array_equal(p, q) for p, q in zip(before, net.params())):
        raise ValueError("grad_fn changed the network's weights or biases: a gradient must only read them")
    analytic = list(dW) + list(db)
    if len(dW) != n_layers or len(db) != n_layers:
        raise ValueError(f"grad_fn must return {n_layers} weight and {n_layers} bias gradients, "
                         f"got {len(dW)} and {len(db)}")
    work = net.copy()
    params = work.params()
    numeric = numerical_gradient(lambda: cost(work, X, Y, kind=kind, lam=lam), params, eps)
    rows = []
    for i, (g, n, p) in enumerate(zip(analytic, numeric, params)):
        name = f"W({i + 1})" if i < n_layers else f"b({i - n_layers + 1})"
        if np.shape(g) != p.shape:
            rows.append(CheckRow(name, p.shape, float("inf"), False))
            continue
        g = _validate.real_array(f"grad_fn's {name} gradient", g)
        if not np.all(np.isfinite(g)):
            rows.append(CheckRow(name, p.shape, float("inf"), False))  # NaN or inf: wrong, said by the row
            continue
        err = relative_error(g, n)
        rows.append(CheckRow(name, p.shape, err, err < tol))
    return GradCheckReport(rows, tol)
