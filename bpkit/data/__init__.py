"""Data sets for the lessons: bundled or generated, never downloaded.

* :func:`sleep_study` -- the three examples of lesson 1;
* :func:`make_moons`, :func:`make_circles`, :func:`make_spiral`, :func:`noisy_sine` -- small seeded sets;
* :func:`load_digits` -- 10,000 real 28x28 MNIST digits with a fixed split
  (source and license: ``LICENSE-digits.txt`` beside this file).
"""
from __future__ import annotations

import functools
import pathlib
from typing import NamedTuple

import numpy as np

from .._params import Flag, Int, Real, Seed, declare

_HERE = pathlib.Path(__file__).resolve().parent


class SleepStudy(NamedTuple):
    X: np.ndarray
    Y: np.ndarray
    X_raw: np.ndarray
    Y_raw: np.ndarray
    x_scale: np.ndarray
    y_scale: float


def sleep_study():
    """Lesson 1's data: hours of (sleep, study) -> test score, 3 examples.

    Inputs are divided by their column maximum and scores by 100, so all
    values lie in [0, 1] where a sigmoid network can fit them.

    Returns
    -------
    SleepStudy
        ``X`` (3, 2) and ``Y`` (3, 1) scaled; ``X_raw`` and ``Y_raw`` in hours and
        points; ``x_scale`` (2,) and ``y_scale`` to undo the scaling. Unpacks as
        ``X, Y, *_ = sleep_study()``.
    """
    X_raw = np.array([[3.0, 5.0], [5.0, 1.0], [10.0, 2.0]])
    Y_raw = np.array([[75.0], [82.0], [93.0]])
    x_scale = X_raw.max(axis=0)
    return SleepStudy(X_raw / x_scale, Y_raw / 100.0, X_raw, Y_raw, x_scale, 100.0)


#: The most examples a generator makes (16 MB of float64 for X): the lessons use a few hundred.
#: ``make_moons(n=10**12)`` is refused before anything is allocated.
MAX_SAMPLES = 1_000_000
_N = Int(1, MAX_SAMPLES, note="the number of examples; the lessons use a few hundred, "
                              "bpkit.data.MAX_SAMPLES is the limit")
#: noise is a standard deviation in units of the data's size (about 1): beyond this the classes are gone
MAX_NOISE = 100.0
_NOISE = Real(0, MAX_NOISE, note="a standard deviation in units of the data's size, about 1; "
                                 "the lessons use 0 to 0.3")


@declare(n=_N, noise=_NOISE, seed=Seed())
def make_moons(n=200, noise=0.15, seed=0):
    """Two interleaved half circles in 2-D, labels 0 and 1.

    Returns ``(X, labels)``: X of shape (n, 2) scaled into [0, 1], labels (n,) int.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    X = np.where(
        labels[:, None] == 0,
        np.c_[np.cos(t), np.sin(t)],
        np.c_[1 - np.cos(t), 0.5 - np.sin(t)],
    )
    X = X + noise * rng.standard_normal((n, 2))
    X = (X - [-1.5, -1.25]) / [4.0, 2.75]  # fixed affine map into roughly [0, 1]
    perm = rng.permutation(n)
    return X[perm], labels[perm].astype(np.int64)


@declare(n=_N, noise=_NOISE, seed=Seed())
def make_circles(n=200, noise=0.08, seed=0):
    """A ring around a disc in 2-D, labels 1 (inner) and 0 (outer); X in about [0, 1]."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(labels == 1, 0.45, 1.0)
    X = np.c_[r * np.cos(t), r * np.sin(t)] + noise * rng.standard_normal((n, 2))
    X = (X + 1.3) / 2.6
    perm = rng.permutation(n)
    return X[perm], labels[perm].astype(np.int64)


#: make_spiral's most turns: each turn needs a few dozen points per arm to be seen at all
MAX_TURNS = 1_000.0


@declare(n=_N, turns=Real(0, MAX_TURNS, closed="right", note="turns of each arm; the lessons use 1 to 3"),
         noise=_NOISE, seed=Seed())
def make_spiral(n=300, turns=1.75, noise=0.03, seed=0):
    """Two interleaved spiral arms in 2-D, labels 0 and 1; X in about [0, 1] (lesson 8).

    Arm c is the curve ``r(t) (cos(t + c pi), sin(t + c pi))`` with ``r = t / (2 pi turns)``,
    t from 0 to ``2 pi turns``; points are spread evenly along the arms (t = 2 pi turns sqrt(u),
    u uniform), then moved by Gaussian noise of standard deviation ``noise`` (in units of the
    outer radius 1) and mapped by ``(X + 1.2) / 2.4``. More turns need more bends: a set on which
    depth pays.

    Returns ``(X, labels)``: X of shape (n, 2), labels (n,) int, half of each class.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    t = 2 * np.pi * turns * np.sqrt(rng.uniform(0, 1, n))
    r = t / (2 * np.pi * turns)
    angle = t + np.pi * labels
    X = np.c_[r * np.cos(angle), r * np.sin(angle)] + noise * rng.standard_normal((n, 2))
    X = (X + 1.2) / 2.4
    perm = rng.permutation(n)
    return X[perm], labels[perm].astype(np.int64)


@declare(n=_N, noise=_NOISE, seed=Seed())
def noisy_sine(n=12, noise=0.06, seed=0):
    """Few noisy points of y = 0.5 + 0.35 sin(2 pi x), x in [0, 1]: easy to overfit.

    Returns ``(X, Y)`` of shapes (n, 1) and (n, 1), sorted by x, Y in (0, 1).
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, n))
    y = 0.5 + 0.35 * np.sin(2 * np.pi * x) + noise * rng.standard_normal(n)
    return x[:, None], np.clip(y, 0.01, 0.99)[:, None]


class Digits(NamedTuple):
    """The bundled digits; images are rows of 784 grey levels in [0, 1]."""

    X_train: np.ndarray
    labels_train: np.ndarray
    X_test: np.ndarray
    labels_test: np.ndarray


@functools.lru_cache(maxsize=1)
def _digits_uint8():
    with np.load(_HERE / "digits.npz") as f:
        return {k: f[k] for k in f.files}


@declare(flatten=Flag())
def load_digits(flatten=True):
    """10,000 real MNIST digits, split 8,000 train / 2,000 test (always the same split).

    Parameters
    ----------
    flatten : bool, default True
        True: images as rows of shape (784,); False: as (28, 28) arrays.

    Returns
    -------
    Digits
        ``X_train`` (8000, 784) float64 in [0, 1], ``labels_train`` (8000,) int64 in
        0..9, ``X_test`` (2000, 784), ``labels_test`` (2000,). Fresh arrays each call.
    """
    raw = _digits_uint8()
    shape = (-1, 784) if flatten else (-1, 28, 28)
    return Digits(
        raw["train_images"].reshape(shape) / 255.0,
        raw["train_labels"].astype(np.int64),
        raw["test_images"].reshape(shape) / 255.0,
        raw["test_labels"].astype(np.int64),
    )
