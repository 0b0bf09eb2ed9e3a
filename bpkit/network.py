"""A fully connected feed-forward network in the course's notation (lesson 1).

Notation (the README has the full table):

* rows are examples: ``X`` has shape ``(m, n)``;
* layers are numbered from 1 in the lessons, and layer 1 is the input.
  Python lists count from 0, so **course layer l is list index l-1**:
  ``weights[0]`` is W(1), ``activations[0]`` is a(1) = X;
* ``z(l+1) = a(l) @ W(l) + b(l)`` with ``W(l)`` of shape ``(s_l, s_(l+1))``
  and ``b(l)`` of shape ``(s_(l+1),)``;
* hidden layers use ``activation`` (sigmoid by default); the output layer is
  a sigmoid, so outputs lie in (0, 1), or with ``output="softmax"`` a softmax,
  so each row of outputs is a probability distribution (lesson 9).

Ng's Coursera convention stores each layer as one matrix ``Theta(l)`` of shape
``(s_(l+1), s_l + 1)`` whose column 0 is the bias: ``Theta(l) = [b(l)[:, None],
W(l).T]``. :meth:`Network.to_thetas` and :meth:`Network.from_thetas` convert.

Initial weights (lesson 8) come from one of the schemes in :data:`INITS`,
chosen with ``Network(..., init=name)``; biases always start at 0.
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from . import _validate
from ._params import Options, Real, Seed, declare
from .activations import ACTIVATIONS, OUTPUTS, sigmoid


# ------------------------------------------------------- initial weights (lesson 8)
# Each scheme draws W(l), shape (s_in, s_out) = (s_l, s_(l+1)), from the network's seeded rng.
# "lecun" is the expression Network always used, kept byte for byte, so seeded numbers never change.
def _lecun(rng, s_in, s_out):
    return rng.standard_normal((s_in, s_out)) / np.sqrt(s_in)


def _zeros(rng, s_in, s_out):
    return np.zeros((s_in, s_out))


def _normal(rng, s_in, s_out):
    return rng.standard_normal((s_in, s_out))


def _ng(rng, s_in, s_out):
    eps = np.sqrt(6.0) / np.sqrt(s_in + s_out)
    return rng.uniform(-eps, eps, (s_in, s_out))


def _glorot(rng, s_in, s_out):
    return rng.standard_normal((s_in, s_out)) * np.sqrt(2.0 / (s_in + s_out))


def _he(rng, s_in, s_out):
    return rng.standard_normal((s_in, s_out)) * np.sqrt(2.0 / s_in)


#: init scheme name -> (draw(rng, s_l, s_(l+1)), what it draws). ``init_scale`` multiplies every draw.
INITS = {
    "lecun": (_lecun, "N(0, 1/s_l): variance 1/fan-in (LeCun); the default"),
    "zeros": (_zeros, "all weights 0 (lesson 8: every hidden unit stays a copy of its neighbours)"),
    "normal": (_normal, "N(0, 1), times init_scale: e.g. init_scale=0.01 is N(0, 0.01^2)"),
    "ng": (_ng, "uniform on [-eps, eps], eps = sqrt(6)/sqrt(s_l + s_(l+1)) (Ng's exercise 4)"),
    "glorot": (_glorot, "Glorot/Xavier normal N(0, 2/(s_l + s_(l+1))): the variance of Ng's uniform"),
    "he": (_he, "He normal N(0, 2/s_l), for ReLU layers"),
}


class Trace(NamedTuple):
    """Everything a forward pass computed, aligned by layer.

    ``zs[i]`` and ``activations[i]`` belong to course layer ``i+1``;
    ``zs[0]`` is None because the input layer has no weighted input.
    """

    zs: list
    activations: list


class Network:
    """A feed-forward network with weights ``W(l)`` and biases ``b(l)``.

    Parameters
    ----------
    sizes : sequence of int, length >= 2
        Units per layer, input first, e.g. ``[2, 3, 1]``.
    seed : int, default 0
        Seed for the initial weights, so two networks built alike are equal.
    activation : {"sigmoid", "tanh", "relu"}, default "sigmoid"
        Activation of the hidden layers.
    init : str, default "lecun"
        How the weights start (lesson 8), one of :data:`INITS`: ``"lecun"``
        N(0, 1/s_l), ``"zeros"``, ``"normal"`` N(0, 1), ``"ng"`` uniform on
        ±sqrt(6)/sqrt(s_l + s_(l+1)), ``"glorot"`` N(0, 2/(s_l + s_(l+1))),
        ``"he"`` N(0, 2/s_l). Here s_l is W(l)'s fan-in, s_(l+1) its fan-out.
    init_scale : float > 0, default 1.0
        A factor on every initial weight: ``init="normal", init_scale=0.01``
        draws N(0, 0.01^2); ``init="he", init_scale=3`` a too-large He.
    output : {"sigmoid", "softmax"}, default "sigmoid"
        The output layer (:data:`bpkit.activations.OUTPUTS`): the sigmoid, each unit on
        its own, trained with ``kind="quadratic"`` or ``"cross_entropy"``; or the softmax
        (lesson 9), each row a distribution, trained with ``kind="softmax_cross_entropy"``.

    Attributes
    ----------
    weights : list of ndarray
        ``weights[l-1]`` is W(l), shape ``(sizes[l-1], sizes[l])``.
    biases : list of ndarray
        ``biases[l-1]`` is b(l), shape ``(sizes[l],)``.

    By default weights start as N(0, 1/s_l) (``init="lecun"``, so z does not
    saturate the sigmoid at the start) and biases start at 0, whatever ``init``.
    Every scheme draws from the same seeded generator, layer by layer.
    """

    @declare(seed=Seed(), activation=Options(ACTIVATIONS), init=Options(INITS),
             init_scale=Real(0, closed="neither", note="a factor on the initial weights"))
    def __init__(self, sizes, seed=0, activation="sigmoid", init="lecun", init_scale=1.0, output="sigmoid"):
        """Build the network; the class docstring says what each argument means."""
        self.sizes = _check_sizes(sizes)  # by hand: a list of ints whose product is limited
        self.activation = activation
        self.seed = seed
        self.init, self.init_scale = init, init_scale
        self.output = _validate.choice("output", output, OUTPUTS)
        draw = INITS[self.init][0]
        rng = np.random.default_rng(self.seed)
        self.weights = [
            draw(rng, s_in, s_out) if self.init_scale == 1.0 else draw(rng, s_in, s_out) * self.init_scale
            for s_in, s_out in zip(self.sizes[:-1], self.sizes[1:])
        ]
        self.biases = [np.zeros(s_out) for s_out in self.sizes[1:]]

    # ------------------------------------------------------------------ shapes
    @property
    def num_layers(self):
        """L, the number of layers including the input layer."""
        return len(self.sizes)

    @property
    def shapes(self):
        """List of ``(W.shape, b.shape)`` per layer, as the lessons print them."""
        self.check_parameters(finite=False)
        return [(W.shape, b.shape) for W, b in zip(self.weights, self.biases)]

    def num_params(self):
        """Total number of weights and biases."""
        self.check_parameters(finite=False)
        return int(sum(W.size + b.size for W, b in zip(self.weights, self.biases)))

    def __repr__(self):
        extra = "" if getattr(self, "output", "sigmoid") == "sigmoid" else f", output={self.output!r}"
        return f"Network(sizes={self.sizes}, activation={self.activation!r}{extra})"

    # ----------------------------------------------------------------- forward
    def trace(self, X):
        """Forward propagation, keeping every layer's ``z`` and ``a`` (lesson 1).

        ``z(l+1) = a(l) @ W(l) + b(l)``, ``a(l+1) = f(z(l+1))``; the output layer
        uses ``output`` (the sigmoid or the softmax), the hidden layers ``activation``. Backprop (lesson 4)
        reads the trace backwards.

        Parameters
        ----------
        X : array_like, shape (m, sizes[0]) (or one example of shape (sizes[0],))

        Returns
        -------
        Trace
            ``(zs, activations)``, lists of length L. ``activations[0]`` is X,
            ``activations[-1]`` is the prediction, shape ``(m, sizes[-1])``;
            ``zs[0]`` is None.

        Raises
        ------
        ValueError
            If a layer's ``z`` overflows to inf or NaN although ``X`` and the weights
            are finite (inputs or weights near 1e308): the layer is named (after numpy's
            own overflow warning). A caller that reports blow-ups itself (the trainers)
            says so with ``np.errstate(over="ignore")``, and then the pass runs on.
        """
        X = _validate.as_matrix("X", X, cols=self.sizes[0], allow_1d=True)
        _validate.network(self)
        hidden = ACTIVATIONS[self.activation].fn
        output = OUTPUTS[_validate.choice("net.output", getattr(self, "output", "sigmoid"), OUTPUTS)].fn
        zs, activations = [None], [X]
        a = X
        last = len(self.weights) - 1
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W + b
            # a finite z gives a finite a (sigmoid, tanh, relu); a sum is inf or NaN when any entry is.
            # The trainers, which report a blow-up themselves, ignore overflow: then the pass runs on
            if (not _validate._sum_finite(z) and not np.all(np.isfinite(z))
                    and np.geterr()["over"] != "ignore"):
                raise _overflow(l + 1, a, W)
            a = output(z) if l == last else hidden(z)
            zs.append(z)
            activations.append(a)
        return Trace(zs, activations)

    def forward(self, X):
        """The same as :meth:`trace` (the name lesson 1 uses): every layer's ``zs`` and ``activations``."""
        return self.trace(X)

    def predict(self, X):
        """Network output for ``X``: shape ``(m, sizes[-1])``, values in (0, 1) (a softmax output: rows sum to 1)."""
        return self.forward(X).activations[-1]

    # ------------------------------------------------------------------ copies
    def copy(self):
        """An independent copy: changing it never changes this network.

        Raises
        ------
        TypeError, ValueError
            If a weight or bias was replaced by something that is not a float64 array of
            its layer's shape (:meth:`check_parameters`, the layer named). NaN is copied.
        """
        self.check_parameters(finite=False)
        new = Network.__new__(Network)
        new.sizes = list(self.sizes)
        new.activation = self.activation
        new.output = getattr(self, "output", "sigmoid")
        new.seed = self.seed
        new.init, new.init_scale = getattr(self, "init", "lecun"), getattr(self, "init_scale", 1.0)
        new.weights = [W.copy() for W in self.weights]
        new.biases = [b.copy() for b in self.biases]
        return new

    def params(self):
        """The parameter arrays themselves (not copies), weights then biases."""
        self.check_parameters(finite=False)
        return list(self.weights) + list(self.biases)

    def check_parameters(self, finite=True):
        """Raise if a weight or bias is not a float64 array, has the wrong shape or (``finite``) is not finite.

        Lessons let learners assign ``net.weights[0] = ...``; this catches a
        list, an int/object/complex array (TypeError) or a wrong shape, such as a
        transposed W (ValueError), there before it turns into a numpy error or a
        silently different run. Every method that reads the parameters calls it;
        the ones that only copy or list them pass ``finite=False`` (a diverged
        network can still be copied and looked at).
        """
        for kind in ("weights", "biases"):
            if not isinstance(getattr(self, kind), list):
                raise TypeError(f"net.{kind} must be a list of arrays, one per layer, got "
                                f"{type(getattr(self, kind)).__name__}")
        if len(self.weights) != len(self.sizes) - 1 or len(self.biases) != len(self.sizes) - 1:
            raise ValueError(
                f"a network with sizes {self.sizes} needs {len(self.sizes) - 1} weight matrices and "
                f"bias vectors, got {len(self.weights)} and {len(self.biases)}"
            )
        sizes, f64 = self.sizes, _validate.FLOAT64
        for l, (W, b) in enumerate(zip(self.weights, self.biases), start=1):
            # numpy float64 arrays only: a list, an int, object or complex array would be converted
            # (or fail) differently by every function that reads it. (Cheap checks first: this runs
            # on every forward pass.)
            if type(W) is not np.ndarray or W.dtype is not f64 or type(b) is not np.ndarray or b.dtype is not f64:
                for kind, p, name in (("weights", W, f"W({l})"), ("biases", b, f"b({l})")):
                    if type(p) is not np.ndarray or p.dtype != np.float64:
                        got = f"{p.dtype} {type(p).__name__}" if isinstance(p, np.ndarray) else type(p).__name__
                        raise TypeError(
                            f"{kind}[{l - 1}] ({name}) must be a float64 numpy array, got {got}; "
                            f"set it with np.array(..., dtype=float)"
                        )
            want_W = (sizes[l - 1], sizes[l])
            if W.shape != want_W:
                raise ValueError(f"weights[{l - 1}] (W({l})) must have shape {want_W}, got {W.shape}")
            if b.shape != (sizes[l],):
                raise ValueError(
                    f"biases[{l - 1}] (b({l})) must have shape {(sizes[l],)}, got {b.shape}"
                )
            # a sum is NaN or inf when any entry is (one pass, no temporary); only then look closer
            if (finite and not np.isfinite(W.sum() + b.sum())
                    and not (np.all(np.isfinite(W)) and np.all(np.isfinite(b)))):
                raise ValueError(
                    f"W({l}) or b({l}) contains NaN or inf; training probably diverged "
                    "(try a smaller learning rate) or a value was set by hand"
                )

    # --------------------------------------------------------- Ng's notation
    def to_thetas(self):
        """Ng's matrices: ``Theta(l) = [b(l)[:, None], W(l).T]``.

        Returns
        -------
        list of ndarray
            ``thetas[l-1]`` has shape ``(s_(l+1), s_l + 1)``; column 0 is the bias.

        Raises
        ------
        TypeError, ValueError
            If a weight or bias was replaced by something that is not a float64 array of
            its layer's shape (:meth:`check_parameters`, the layer named).
        """
        self.check_parameters(finite=False)
        return [np.hstack([b[:, None], W.T]) for W, b in zip(self.weights, self.biases)]

    @classmethod
    @declare(activation=Options(ACTIVATIONS))
    def from_thetas(cls, thetas, activation="sigmoid", output="sigmoid"):
        """Build a network from Ng's ``Theta`` matrices (bias in column 0).

        Parameters
        ----------
        thetas : list of array_like
            ``thetas[l-1]`` has shape ``(s_(l+1), s_l + 1)``.
        activation, output : as for :class:`Network` (Ng's matrices do not say them)
        """
        if isinstance(thetas, np.ndarray) or not isinstance(thetas, (list, tuple)) or not thetas:
            raise TypeError("thetas must be a non-empty list of 2-D arrays, one per layer")
        mats = []
        for i, T in enumerate(thetas):
            T = _validate.real_array(f"thetas[{i}]", T, finite=True)
            if T.ndim != 2 or T.shape[0] == 0 or T.shape[1] < 2:
                raise ValueError(
                    f"thetas[{i}] must be 2-D with shape (s_(l+1), s_l + 1), the bias in column 0, "
                    f"got shape {T.shape}"
                )
            mats.append(T)
        sizes = [mats[0].shape[1] - 1] + [T.shape[0] for T in mats]
        for i, T in enumerate(mats[1:], start=1):
            if T.shape[1] != mats[i - 1].shape[0] + 1:
                raise ValueError(
                    f"thetas[{i}] must have {mats[i - 1].shape[0] + 1} columns "
                    f"(bias + {mats[i - 1].shape[0]} units of the previous layer), got shape {T.shape}"
                )
        net = cls(sizes, activation=activation, output=output)
        net.weights = [T[:, 1:].T.copy() for T in mats]
        net.biases = [T[:, 0].copy() for T in mats]
        return net


def _overflow(l, a_in, W):
    """The error of a forward pass whose z(l+1) overflowed: the layer, and the largest input and weight."""
    big_a = float(np.max(np.abs(a_in))) if a_in.size else 0.0
    big_W = float(np.max(np.abs(W))) if W.size else 0.0
    return ValueError(
        f"the forward pass overflowed in layer {l + 1}: z({l + 1}) = a({l}) @ W({l}) + b({l}) holds inf or NaN "
        f"although the inputs and weights are finite (largest |a({l})| is {big_a:.3g}, largest |W({l})| is "
        f"{big_W:.3g}); scale the inputs into about [0, 1] (X / X.max()) and keep the weights small"
    )


def _check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer sizes such as [2, 3, 1], got {sizes!r}")
    if isinstance(sizes, (set, frozenset, dict)):  # no order: {2, 3, 1} would become [1, 2, 3]
        raise TypeError(f"sizes must be an ordered list such as [2, 3, 1], input first; got a "
                        f"{type(sizes).__name__}, which has no order")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, e.g. [2, 3, 1]; got {sizes!r}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"every layer size in sizes must be an integer >= 1, got {sizes!r}")
    sizes = [int(s) for s in sizes]
    # refuse before allocating: Network([30000, 30000]) would take 7 GB
    n_params = sum(s_in * s_out + s_out for s_in, s_out in zip(sizes[:-1], sizes[1:]))
    if n_params > _validate.MAX_NETWORK_PARAMS:
        raise ValueError(
            f"sizes {sizes} make {n_params:,} weights and biases ({n_params * 8 / 1e9:.1f} GB), over "
            f"the limit of {_validate.MAX_NETWORK_PARAMS:,} (bpkit._validate.MAX_NETWORK_PARAMS); "
            "use smaller layers (the course's largest network, 784-30-10, has 23,860)"
        )
    return sizes
