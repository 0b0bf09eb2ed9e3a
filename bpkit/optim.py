"""Training: full-batch gradient descent and mini-batch SGD (lesson 6).

One step on a batch B of b examples (n is the training set size)::

    W(l) <- (1 - lr * lam / n) * W(l) - lr / b * Delta_B(l)
    b(l) <- b(l) - lr / b * Delta_b,B(l)

which is gradient descent on the averaged, L2-regularized cost of
:mod:`bpkit.costs`, estimated on the batch. ``backprop`` gives the same
gradient; training uses its own kernel below because a step runs thousands of
times per epoch: it reuses preallocated buffers, writes every result in place
(``out=``), folds ``lr / b`` into the output error so ``a.T @ delta`` already
is the step, and gathers each shuffled batch into a small reused array with
``np.take(..., out=..., mode="clip")`` just before it is used (while the rows
are still in cache).
``benchmarks/bench_sgd.py`` measures it against the bare matrix products.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _validate
from .costs import check_targets, get_cost, l2_penalty
from .metrics import predicted_classes


class TrainingDiverged(RuntimeError):
    """Raised when training blew up; the network is restored to its last good epoch.

    Attributes
    ----------
    history : History
        The epochs that finished before the divergence.
    """

    def __init__(self, message, history):
        super().__init__(message)
        self.history = history


class History(dict):
    """Per-epoch record: ``history["cost"][e]``, ``history["accuracy"][e]``.

    ``cost`` is the mean over the epoch of each example's cost *at the moment it
    was used* for a step (the usual "training loss" of an epoch: no extra
    forward pass), plus the L2 term at the end of the epoch. ``accuracy`` is
    measured the same way, and is None when the targets are not classes.
    """

    def __init__(self):
        super().__init__(epoch=[], cost=[], accuracy=[])

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        if not self["epoch"]:
            return "History(no epochs)"
        acc = self["accuracy"][-1]
        acc_txt = "" if acc is None else f", accuracy {acc:.4f}"
        return f"History({len(self['epoch'])} epochs, last cost {self['cost'][-1]:.6g}{acc_txt})"


def _class_labels(Y):
    """Labels if Y holds classes (one-hot rows, or a single 0/1 column), else None."""
    if Y.shape[1] == 1:
        col = Y[:, 0]
        return col.astype(np.int64) if np.all((col == 0) | (col == 1)) else None
    if np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=1) == 1):
        return Y.argmax(axis=1)
    return None


def _hidden_kernels(name):
    """In-place f(z) -> a and f'(from a) -> t for hidden layers."""
    if name == "sigmoid":

        fwd = _sigmoid_inplace

        def prime(a, t):
            np.subtract(1.0, a, out=t)
            t *= a

    elif name == "tanh":

        def fwd(z, a):
            np.tanh(z, out=a)

        def prime(a, t):
            np.multiply(a, a, out=t)
            np.subtract(1.0, t, out=t)

    else:  # relu

        def fwd(z, a):
            np.maximum(z, 0.0, out=a)

        def prime(a, t):
            np.sign(a, out=t)  # a >= 0, so sign is exactly f'(z)

    return fwd, prime


def _sigmoid_inplace(z, a):
    """a = sigma(z) = 1 / (1 + e^-z) with no temporary arrays."""
    np.negative(z, a)
    np.exp(a, a)  # may overflow to inf for z < -709: 1/inf = 0 is then exact
    np.add(a, 1.0, a)
    np.divide(1.0, a, a)  # (np.reciprocal has no vectorized loop: this is twice as fast)


def _trainable(net):
    """Check ``net``'s parameters and return them as one list, weights then biases.

    The kernel writes in place, so each becomes a writeable C-ordered float64
    array; one that already is stays the same object, so references the caller
    holds stay live.
    """
    net.check_parameters()
    net.weights = [_writeable_f64(W) for W in net.weights]
    net.biases = [_writeable_f64(b) for b in net.biases]
    return net.weights + net.biases


def _writeable_f64(p):
    if isinstance(p, np.ndarray) and p.dtype == np.float64 and p.flags.c_contiguous and p.flags.writeable:
        return p
    return np.array(p, dtype=np.float64, order="C")


def _epoch_total(kind, Z, E, Y):
    """Summed cost of the epoch from the output z's and E = 1 + e^-z recorded by the steps.

    Cross-entropy per output unit is y log(1 + e^-z) + (1 - y) log(1 + e^z) = log E + (1 - y) z:
    one log per unit, as the steps already paid for the exponential. When some z < -709, E
    overflowed to inf and the sum is not finite: then it is recomputed with logaddexp.
    Quadratic: (1/2) sum (a - y)^2 with a = 1 / E.
    """
    if kind == "cross_entropy":
        yz = np.vdot(Y, Z)
        total = float(np.sum(np.log(E)) + np.sum(Z) - yz)
        if not np.isfinite(total):
            total = float(np.sum(np.logaddexp(0.0, Z)) - yz)
        return total
    A = np.divide(1.0, E)
    A -= Y
    return 0.5 * float(np.vdot(A, A))


class _Buffers:
    """Every array one step of batch size m needs, allocated once."""

    def __init__(self, sizes, m, gather):
        outs, hidden = sizes[1:], sizes[1:-1]
        self.x = np.empty((m, sizes[0])) if gather else None  # the shuffled batch is gathered here
        # z and a of the hidden layers (the output layer's z goes straight into the epoch record)
        self.Z = [np.empty((m, s)) for s in hidden]
        self.A = [np.empty((m, s)) for s in hidden]
        self.AT = [A.T for A in self.A]
        self.D = [np.empty((m, s)) for s in outs]
        self.T = [np.empty((m, s)) for s in outs]
        self.GW = [np.empty((s_in, s_out)) for s_in, s_out in zip(sizes[:-1], outs)]
        self.Gb = [np.empty(s) for s in outs]
        self.ones = np.ones(m)


def _make_step(net, kind, decay):
    """Return ``step(x, y, z_out, e_out, buf, scale)``: one in-place SGD update of ``net``.

    ``x`` (m, n_in) is the batch and ``y`` (m, n_out) its targets, for
    cross-entropy already multiplied by ``scale = lr / m``; the output layer's z
    and E = 1 + e^-z are written into ``z_out`` and ``e_out`` (views of the
    epoch's record) so the epoch's cost needs no second forward pass. The
    output error is computed already multiplied by ``scale``, so each product
    ``a.T @ delta`` is the step itself.

    At small batches every numpy call costs about a microsecond whatever its
    size, so the step makes as few as it can: results go into preallocated
    buffers (positional ``out``), the cross-entropy error is one divide and one
    subtract, and a bias gradient (the column sums of delta) is one BLAS
    product ``ones @ delta``.
    """
    Ws, bs = net.weights, net.biases
    WT = [W.T for W in Ws]  # views: they follow the in-place updates
    last = len(Ws) - 1
    fwd, prime = _hidden_kernels(net.activation)
    cross_entropy = kind == "cross_entropy"
    matmul, add, subtract, multiply, divide, negative, exp = (
        np.matmul, np.add, np.subtract, np.multiply, np.divide, np.negative, np.exp)
    hidden = range(last)
    back = range(last, -1, -1)

    def step(x, y, z_out, e_out, buf, scale):
        Z, A, AT, D, T, GW, Gb, ones = buf.Z, buf.A, buf.AT, buf.D, buf.T, buf.GW, buf.Gb, buf.ones
        # forward
        a = x
        for k in hidden:
            z = Z[k]
            matmul(a, Ws[k], z)
            add(z, bs[k], z)
            fwd(z, A[k])
            a = A[k]
        matmul(a, Ws[last], z_out)
        add(z_out, bs[last], z_out)
        # output error times scale, from E = 1 + e^-z (so sigma(z) = 1 / E; E is kept in e_out
        # for the epoch's cost)
        d, E = D[last], e_out
        negative(z_out, E)
        exp(E, E)
        add(E, 1.0, E)
        if cross_entropy:  # delta = scale * sigma(z) - scale * y
            divide(scale, E, d)
            subtract(d, y, d)
        else:  # delta = scale * (a - y) * a * (1 - a)
            a = T[last]
            divide(1.0, E, a)
            subtract(a, y, d)
            multiply(d, a, d)
            subtract(1.0, a, a)
            multiply(a, scale, a)
            multiply(d, a, d)
        # backward
        for k in back:
            if k > 0:  # send the error back before W(k) changes
                matmul(d, WT[k], D[k - 1])
                prime(A[k - 1], T[k - 1])
                multiply(D[k - 1], T[k - 1], D[k - 1])
            matmul(AT[k - 1] if k > 0 else x.T, d, GW[k])
            if decay != 1.0:
                multiply(Ws[k], decay, Ws[k])
            subtract(Ws[k], GW[k], Ws[k])
            matmul(ones, d, Gb[k])  # column sums of delta
            subtract(bs[k], Gb[k], bs[k])
            if k > 0:
                d = D[k - 1]

    return step


def sgd(net, X, Y, epochs=10, batch_size=10, lr=0.5, lam=0.0, kind="quadratic", seed=0,
        callback=None, shuffle=True):
    """Train ``net`` in place by mini-batch stochastic gradient descent.

    Each epoch shuffles the examples (seeded: the same ``seed`` gives the same
    run), cuts them into batches of ``batch_size`` (the last may be smaller) and
    takes one gradient step per batch.

    Parameters
    ----------
    net : Network, changed in place
    X : array_like, shape (n, sizes[0])
    Y : array_like, shape (n, sizes[-1]); e.g. ``one_hot(labels, 10)``
    epochs : int > 0
    batch_size : int > 0 or None (None, or ``n`` or more: full-batch gradient descent)
    lr : float > 0, the learning rate
    lam : float >= 0, L2 strength (weights only), as in :func:`bpkit.cost`
    kind : {"quadratic", "cross_entropy"}
    seed : int, seeds the shuffling
    callback : callable, optional
        ``callback(epoch, net, history)`` after each epoch (epochs count from 1).
        It may change ``net``'s weights and biases, in place or by assigning
        new arrays; the next epoch trains from what it left.
    shuffle : bool, default True

    Returns
    -------
    History
        ``history["cost"]`` per epoch (see :class:`History`), and
        ``history["accuracy"]`` when Y holds classes (one-hot rows or one 0/1
        column), else None entries.

    Raises
    ------
    TrainingDiverged
        If the cost becomes NaN or inf, or (cross-entropy) rises above 100 times
        the cost of always answering 0.5. The message names the learning rate,
        and ``net`` is put back to the weights of the last good epoch.
    """
    C = get_cost(kind)
    epochs = _validate.positive_number("epochs", epochs, integer=True)
    if batch_size is not None:
        batch_size = _validate.positive_number("batch_size", batch_size, integer=True)
    lr = _validate.positive_number("lr", lr)
    lam = _validate.non_negative_number("lam", lam)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(epoch, net, history), got {callback!r}")
    X, Y = _validate.check_xy(net, X, Y)
    check_targets(kind, Y)
    params = _trainable(net)

    n = X.shape[0]
    b = n if batch_size is None else min(batch_size, n)
    shuffle = shuffle and b < n  # one batch of everything: the order changes nothing
    labels = _class_labels(Y)
    history = History()
    rng = np.random.default_rng(seed)
    decay = 1.0 - lr * lam / n
    step = _make_step(net, kind, decay)
    cross_entropy = kind == "cross_entropy"
    # the epoch's batches as (start, stop, buffers, lr / size); only the last may be smaller
    n_full = n - n % b
    full = _Buffers(net.sizes, b, gather=shuffle)
    tail = _Buffers(net.sizes, n - n_full, gather=shuffle) if n_full < n else None
    bounds = [(i, i + b, full, lr / b) for i in range(0, n_full, b)]
    if tail is not None:
        bounds.append((n_full, n, tail, lr / (n - n_full)))
    # targets in the epoch's order (Y is small: gathered all at once), and for cross-entropy
    # already multiplied by each batch's lr / size, as the step wants them
    Ys = np.empty_like(Y) if shuffle else Y
    Ystep = np.empty_like(Y) if cross_entropy else Ys
    # each example's output z, and E = 1 + e^-z, as they were when it was used for a step
    Zout = np.empty((n, net.sizes[-1]))
    Eout = np.empty_like(Zout)
    # the epoch's order is shuffled in place each epoch, so every view below is made once
    identity = np.arange(n)
    order = identity.copy()
    batches = [
        (order[i:j], X[i:j], Ystep[i:j], Zout[i:j], Eout[i:j], buf, scale) for i, j, buf, scale in bounds
    ]
    good = [p.copy() for p in params]  # the parameters after the last good epoch
    # cross-entropy of a network that answers 0.5 everywhere is s_L * log 2 per example; a
    # running cost 100 times that means outputs confidently wrong everywhere: the steps blew up
    ceiling = 100.0 * net.sizes[-1] * np.log(2.0)
    for epoch in range(1, epochs + 1):
        if shuffle:
            np.copyto(order, identity)
            rng.shuffle(order)  # the same as rng.permutation(n), into the same array
            Y.take(order, 0, Ys, "clip")
        if cross_entropy:
            np.multiply(Ys[:n_full], lr / b, Ystep[:n_full])
            if tail is not None:
                np.multiply(Ys[n_full:], lr / (n - n_full), Ystep[n_full:])
        with np.errstate(over="ignore", invalid="ignore"):
            for idx, x, y, z, e, buf, scale in batches:
                if shuffle:  # gather the batch into a small reused array, just before its step
                    x = X.take(idx, 0, buf.x, "clip")
                step(x, y, z, e, buf, scale)
            # the epoch's cost from the outputs recorded at each step (rows in visiting order)
            J = _epoch_total(kind, Zout, Eout, Ys) / n + l2_penalty(net.weights, lam, n)
        exploded = cross_entropy and J > ceiling
        if not np.isfinite(J) or exploded or not all(np.all(np.isfinite(W)) for W in net.weights):
            for dst, src in zip(params, good):
                np.copyto(dst, src)  # in place: arrays the caller holds are restored too
            when = "from before training" if epoch == 1 else f"after epoch {epoch - 1}"
            what = (
                f"the cost rose to {J:.3g}, over 100 times the cost of always answering 0.5 "
                f"({ceiling / 100:.3g}),"
                if exploded and np.isfinite(J)
                else f"the cost became {J}"
            )
            raise TrainingDiverged(
                f"training diverged in epoch {epoch}: {what} with learning rate "
                f"lr={lr:g}. The step is too large; try lr={lr / 10:g}. The network was put back "
                f"to its weights {when}.",
                history,
            )
        acc = None
        if labels is not None:
            Lv = labels[order] if shuffle else labels
            # classes from z: argmax is the same as on sigma(z); a single unit is 1 when z >= 0
            acc = float(np.mean(predicted_classes(Zout, threshold=0.0) == Lv))
        history["epoch"].append(epoch)
        history["cost"].append(float(J))
        history["accuracy"].append(acc)
        for dst, src in zip(good, params):
            np.copyto(dst, src)
        if callback is not None:
            callback(epoch, net, history)
            now = net.weights + net.biases
            if len(now) != len(params) or any(p is not q for p, q in zip(now, params)):
                # the callback assigned new arrays: check them and train those from here on
                params = _trainable(net)
                good = [p.copy() for p in params]
                step = _make_step(net, kind, decay)
    return history


def gradient_descent(net, X, Y, epochs=100, lr=0.5, lam=0.0, kind="quadratic", callback=None):
    """Full-batch gradient descent: one step per epoch on all examples, no shuffling.

    Same parameters and return value as :func:`sgd` (without the batch options).
    """
    return sgd(net, X, Y, epochs=epochs, batch_size=None, lr=lr, lam=lam, kind=kind,
               callback=callback, shuffle=False)
