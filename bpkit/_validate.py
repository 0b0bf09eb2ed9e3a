"""Input checks shared by the public functions.

Every public function in bpkit calls these before any numpy arithmetic, so a
learner who passes the wrong thing reads a sentence naming what was expected
and what arrived, not a broadcasting traceback from deep inside a kernel.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

#: The largest network :class:`bpkit.Network` builds: weights and biases together (80 MB of float64).
#: The course's biggest, 784-30-10, has 23,860; ``Network([30000, 30000])`` (7 GB) is refused
#: before anything is allocated. Raise it (``bpkit._validate.MAX_NETWORK_PARAMS = ...``) on purpose only.
MAX_NETWORK_PARAMS = 10_000_000
#: The largest array bpkit allocates on a learner's behalf (``one_hot``'s m x k): 400 MB of float64.
MAX_ARRAY_ELEMENTS = 50_000_000

#: numpy's float64 dtype, compared by identity on the hot paths (native float64 arrays all share it)
FLOAT64 = np.dtype(np.float64)
# dtype kinds that hold real numbers: bool, signed and unsigned integers, floats
_REAL_KINDS = frozenset("biuf")


def _sum_finite(arr):
    """True if ``arr``'s sum is finite: then every entry is (one pass, no temporary array).

    False says only "look closer": finite entries near 1e308 can add up to inf (numpy
    warns of that overflow), so a caller then checks the entries themselves.
    """
    return math.isfinite(arr.sum())


def _what(value):
    """A short description of a value's type for an error message: ``NoneType``, ``complex128 array``."""
    if isinstance(value, np.ndarray):
        kind = "masked array" if isinstance(value, np.ma.MaskedArray) else "array"
        return f"{value.dtype} {kind}"
    return type(value).__name__


def real_array(name, value, *, finite=False):
    """Return ``value`` as a float64 ndarray of real numbers (any shape), or raise a clear error.

    The one boundary converter for arrays: str, bytes, None, dict, set, complex,
    masked, object and ragged input raise ``TypeError``/``ValueError`` naming the
    argument ("z must be an array of real numbers, got NoneType") instead of
    numpy silently dropping an imaginary part or a mask. Python and numpy
    numbers (bool, int, float) and arrays of them are accepted. ``finite``:
    NaN and inf are refused too. A float64 ndarray is returned as it is (no copy).
    """
    if type(value) is np.ndarray and value.dtype is FLOAT64:  # the common case: nothing to convert
        arr = value
    else:
        if value is None or isinstance(value, (str, bytes, dict, set, frozenset, np.ma.MaskedArray)):
            hint = f"; fill the masked entries first ({name}.filled(...))" if isinstance(value, np.ma.MaskedArray) else ""
            raise TypeError(f"{name} must be an array of real numbers, got {_what(value)}{hint}")
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be an array of real numbers with equal-length rows; "
                             f"could not read it ({exc})") from None
        if arr.dtype.kind not in _REAL_KINDS:
            got = _what(value) if isinstance(value, np.ndarray) or arr.ndim == 0 else f"{type(value).__name__} of {arr.dtype}"
            text = " (text is not an array of numbers)" if arr.dtype.kind in "US" else ""
            raise TypeError(f"{name} must be an array of real numbers, got {got}{text}")
        arr = arr.astype(np.float64, copy=False)
    if finite and not _sum_finite(arr) and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))
        where = f" (first at index {tuple(int(i) for i in bad[0])})" if arr.ndim else ""
        raise ValueError(f"{name} contains NaN or inf{where}")
    return arr


def real_number(name, value, *, finite=True):
    """Return ``value`` as a Python float if it is one real number (not bool, str, complex), else raise."""
    if isinstance(value, (bool, np.bool_, np.ma.MaskedArray)) or not (isinstance(value, numbers.Real)
                                                   or (isinstance(value, np.ndarray) and value.ndim == 0)):
        raise TypeError(f"{name} must be a real number, got {value!r} ({_what(value)})")
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be a real number, got a 0-d {value.dtype} array")
        value = value[()]
    value = float(value)
    if finite and not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def flag(name, value):
    """Return ``value`` as a bool if it is True or False (numpy's too); ``"no"`` or 0 are refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")


def function(name, value, how):
    """Return ``value`` if it is callable; ``how`` says how it is called, for the message."""
    if not callable(value):
        raise TypeError(f"{name} must be a function, called as {how}; got {value!r} ({type(value).__name__})")
    return value


def axes(ax, name="ax"):
    """Return ``ax`` if it looks like a matplotlib Axes (duck-typed: this module imports no matplotlib)."""
    if not (hasattr(ax, "imshow") and hasattr(ax, "plot") and hasattr(ax, "set_title")):
        raise TypeError(f"{name} must be a matplotlib Axes (e.g. fig.add_subplot()), got {type(ax).__name__}")
    return ax


def figure(fig, name="fig"):
    """Return ``fig`` if it looks like a matplotlib Figure."""
    if not hasattr(fig, "add_subplot"):
        raise TypeError(f"{name} must be a matplotlib Figure, got {type(fig).__name__}")
    return fig


def as_matrix(name, value, *, cols=None, rows=None, allow_1d=False):
    """Return ``value`` as a finite float64 2-D array, or raise a clear error.

    ``cols``/``rows`` are the expected sizes (None: any). ``allow_1d`` turns a
    1-D array of length ``cols`` into one row, so ``predict([3, 5])`` works.
    """
    arr = real_array(name, value)
    if arr.ndim == 1 and allow_1d and cols is not None and arr.shape[0] == cols:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        want = f"(m, {cols})" if cols is not None else "(m, n)"
        one = f", or ({cols},) for one example" if allow_1d and cols is not None else ""
        raise ValueError(
            f"{name} must be 2-D with shape {want} (rows are examples){one}; got shape {arr.shape}"
        )
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(
            f"{name} must have {cols} columns (shape (m, {cols})), got shape {arr.shape}"
        )
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{name} must have {rows} rows, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no rows (shape {arr.shape}); need at least one example")
    # a sum is NaN or inf when any entry is (one pass, no temporary array); only then look closer
    if not _sum_finite(arr) and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or inf (first at index {tuple(int(i) for i in bad)}); "
            "clean or impute the data first"
        )
    return arr


def check_xy(net, X, Y, *, xname="X", yname="Y"):
    """Validate a batch for ``net``: X is (m, n_in), Y is (m, n_out), same m."""
    X = as_matrix(xname, X, cols=net.sizes[0], allow_1d=True)
    Y = as_matrix(yname, Y, allow_1d=True, cols=net.sizes[-1])
    if Y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{xname} and {yname} must have the same number of rows (one per example): "
            f"{xname} has shape {X.shape}, {yname} has shape {Y.shape}"
        )
    return X, Y


def positive_number(name, value, *, integer=False):
    """Return ``value`` if it is a finite number > 0 (an int if ``integer``)."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "a positive integer" if integer else "a positive number"
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value <= 0:
        what = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value) if integer else float(value)


def non_negative_number(name, value):
    """Return ``value`` as float if it is a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


def choice(name, value, options):
    """Return ``value`` if it is one of ``options`` (an unhashable value such as a list is simply not one)."""
    try:
        ok = value in options
    except TypeError:  # unhashable: a list, a dict
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


def seed(value, name="seed"):
    """Return ``value`` as an int if it can seed ``np.random.default_rng``: an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def network(net, name="net"):
    """Return ``net`` if it is a usable :class:`bpkit.Network`, else raise a clear error.

    Usable: a ``Network``, a known hidden activation, and weights and biases of the
    right shapes with finite values (``Network.check_parameters``). Every public
    function that takes a network calls this first.
    """
    from .activations import ACTIVATIONS
    from .network import Network  # here, not at the top: network.py imports this module

    if not isinstance(net, Network):
        hint = ""
        if isinstance(net, (list, tuple)) and net and all(isinstance(p, np.ndarray) for p in net):
            hint = " (you passed a list of arrays: pass the network itself, not net.weights)"
        raise TypeError(f"{name} must be a bpkit.Network, got {type(net).__name__}{hint}")
    choice(f"{name}.activation", net.activation, ACTIVATIONS)
    try:
        net.check_parameters()
    except (TypeError, ValueError) as exc:  # say which argument holds the broken layer
        msg = str(exc)
        if msg.startswith("net."):
            msg = name + msg[3:]
        elif msg.startswith(("weights", "biases")):
            msg = f"{name}.{msg}"
        else:
            msg = f"{name}: {msg}"
        raise type(exc)(msg) from None
    return net


def weight_index(net, index, name="index"):
    """Return ``index`` as ``(k, i, j)`` ints if it names a weight ``net.weights[k][i, j]`` (W(k+1)[i, j]).

    None passes through (no weight chosen).
    """
    if index is None:
        return None
    if not (isinstance(index, tuple) and len(index) == 3):
        raise TypeError(f"{name} must be a tuple (k, i, j) meaning net.weights[k][i, j], got {index!r}")
    k, i, j = index
    for v in index:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must hold three integers (k, i, j), got {index!r}")
    if not 0 <= k < len(net.weights):
        raise ValueError(f"{name}[0] = k must be in 0..{len(net.weights) - 1} (net.weights[k] is W(k+1)), got {k}")
    shape = net.weights[k].shape
    if not (0 <= i < shape[0] and 0 <= j < shape[1]):
        raise ValueError(f"net.weights[{k}] (W({k + 1})) has shape {shape}; {name} ({i}, {j}) is outside it")
    return (int(k), int(i), int(j))


def integer(name, value, lo=None, hi=None):
    """Return ``value`` as an int if it is an integer (not a bool, not 2.0) in ``lo..hi`` (None: open)."""
    where = (f"in {lo}..{hi}" if lo is not None and hi is not None else f">= {lo}" if lo is not None
             else f"<= {hi}" if hi is not None else "")
    what = f"an integer {where}".rstrip()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def optional_flag(name, value):
    """``None`` (let bpkit decide) or :func:`flag`: e.g. ``use_ipympl`` of the panels (``"no"`` is refused)."""
    return None if value is None else flag(name, value)


def text(name, value):
    """Return ``value`` if it is a str (a title, a label), else raise naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {value!r} ({type(value).__name__})")
    return value


def vector(name, value, *, size=None, min_size=1, finite=True):
    """Return ``value`` as a 1-D float64 array (:func:`real_array`), of length ``size`` if given, at least ``min_size``."""
    arr = real_array(name, value, finite=finite)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per {'example' if size else 'entry'}), got shape {arr.shape}")
    if size is not None and arr.shape[0] != size:
        raise ValueError(f"{name} must have {size} entries, got shape {arr.shape}")
    if arr.shape[0] < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries, got shape {arr.shape}")
    return arr


def binary_labels(name, value, size):
    """Return ``value`` as a 1-D float64 array of ``size`` class labels, each 0 or 1 (bools too)."""
    arr = vector(name, value, size=size)
    if not np.all((arr == 0) | (arr == 1)):
        i = int(np.argmax((arr != 0) & (arr != 1)))
        raise ValueError(f"{name} must hold class labels 0 or 1, got {float(arr[i]):g} at index {i}")
    return arr
