"""Targets and scores for classification: one-hot rows and accuracy."""
from __future__ import annotations

import numpy as np

from . import _validate
from ._params import Array, Int, NetworkArg, Real, declare


def as_labels(labels, k=None, name="labels"):
    """Return ``labels`` as a 1-D int64 array of classes in [0, k)."""
    if labels is None or isinstance(labels, (str, bytes, dict, set, frozenset, np.ma.MaskedArray)):
        raise TypeError(f"{name} must be a 1-D array of integer class numbers, got {_validate._what(labels)}")
    try:
        arr = np.asarray(labels)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of integer class numbers; could not read it ({exc})") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one class number per example, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; need at least one example")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must be whole class numbers such as 0..9, got non-integer values")
        if np.max(np.abs(arr)) >= 2.0**53:  # beyond that an int64 cast overflows or rounds
            top = "k-1" if k is None else str(k - 1)
            raise ValueError(f"{name} must lie in 0..{top}, got values from {arr.min():g} to {arr.max():g}")
    elif arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integer class numbers, got dtype {arr.dtype}")
    elif arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must lie in 0..{'k-1' if k is None else k - 1}, got values up to {arr.max()}")
    arr = arr.astype(np.int64)
    if arr.min() < 0 or (k is not None and arr.max() >= k):
        top = "k-1" if k is None else str(k - 1)
        raise ValueError(f"{name} must lie in 0..{top}, got values from {arr.min()} to {arr.max()}")
    return arr


@declare(k=Int(1, called="the number of classes"))
def one_hot(labels, k):
    """Rows of zeros with a single 1 at each label: shape ``(m, k)``, float64.

    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    labels = as_labels(labels, k)  # by hand: the labels must lie below k
    if labels.size * int(k) > _validate.MAX_ARRAY_ELEMENTS:  # refuse before allocating
        raise ValueError(
            f"one_hot would make a ({labels.size}, {k}) array ({labels.size * k * 8 / 1e9:.1f} GB), over "
            f"bpkit._validate.MAX_ARRAY_ELEMENTS = {_validate.MAX_ARRAY_ELEMENTS:,} entries; "
            "k is the number of classes (10 for digits)"
        )
    Y = np.zeros((labels.size, int(k)))
    Y[np.arange(labels.size), labels] = 1.0
    return Y


@declare(A=Array(ndim=2, finite=False, what="a 2-D array of outputs, one row per example"),
         threshold=Real())
def predicted_classes(A, threshold=0.5):
    """Class of each output row: argmax, or ``A >= threshold`` for a single output unit.

    Works on the outputs ``a`` (threshold 0.5) and equally on the weighted inputs
    ``z`` of a sigmoid output layer (threshold 0.0), since sigma is increasing.
    Rows holding NaN (a diverged network) get the class of argmax's rule.
    """
    if A.shape[1] == 1:
        return (A[:, 0] >= threshold).astype(np.int64)
    return np.argmax(A, axis=1)


@declare(net=NetworkArg())
def accuracy(net, X, labels):
    """Fraction of examples whose predicted class equals the label, in [0, 1].

    The predicted class is the output unit with the largest activation; with
    a single output unit it is 1 when the output is >= 0.5, else 0.

    Parameters
    ----------
    net : Network
    X : array_like, shape (m, sizes[0])
    labels : array_like of int, shape (m,)
    """
    X = _validate.as_matrix("X", X, cols=net.sizes[0], allow_1d=True)
    k = max(net.sizes[-1], 2)
    labels = as_labels(labels, k)
    if labels.size != X.shape[0]:
        raise ValueError(
            f"labels must have one entry per row of X: X has {X.shape[0]} rows, labels has {labels.size}"
        )
    return float(np.mean(predicted_classes(net.predict(X)) == labels))
