"""Training: mini-batch stochastic gradient descent and full-batch gradient descent (lesson 6).

An epoch shuffles the n examples, slices them into mini-batches B and takes
one step of gradient descent on each, with the gradient of the batch::

    W(l) <- W(l) - lr * dJ_B/dW(l)      b(l) <- b(l) - lr * dJ_B/db(l)

where ``(dJ_B/dW, dJ_B/db) = bpkit.backprop(net, X[B], Y[B], kind, lam * |B| / n)``
is the gradient of the averaged, L2-regularized cost of :mod:`bpkit.costs`,
estimated on the batch. :func:`sgd` below is that algorithm, written as the
lesson says it.

By default (``fast=True``) each epoch runs in :mod:`bpkit._sgd_kernel` instead:
the same steps, in place, with preallocated buffers and few numpy calls, so an
epoch costs little more than its matrix products (``benchmarks/bench_sgd.py``).
``tests/core/test_optim.py`` proves both give the same weights and History up to
rounding (compared at a relative 1e-9, or at the run's own sensitivity to rounding
where a run amplifies it more). The step itself has one home here:
:func:`descend` (the lesson's ``W -= lr * dW``) and :func:`descend_inplace`, its
form for the kernel, which also folds in the L2 term's weight decay
(:func:`weight_decay`).
"""
from __future__ import annotations

import numpy as np

from . import _sgd_kernel, _validate
from .activations import OUTPUTS
from .backprop import backprop
from ._params import Flag, Function, Int, Optional, Real, Seed, declare
from .costs import KIND, LAM, NET, get_cost, l2_penalty, prepare
from .metrics import predicted_classes


#: A weight or bias beyond this in magnitude has run away: the units it feeds see |z| in the
#: thousands, every sigmoid is saturated (exactly 0 or 1 in float64 once |z| > 37) and the quadratic
#: cost's gradient through them is zero, so training is stuck, not converging. The course's good
#: runs stay below 100 (lesson 6's digits: below 10).
PARAM_LIMIT = 1e4
#: With the quadratic cost an output is saturated when |z| >= this: sigma'(z) < 1e-13, so its
#: gradient is zero to float precision. An epoch in which *every* output of *every* example is
#: saturated while the cost is still above SATURATED_COST per output unit (more than 1 output in
#: 100 answers wrong with full confidence) has stopped learning: reported as diverged.
SATURATED_Z = 30.0
SATURATED_COST = 0.005


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
    was used* for a step (the usual "training loss" of an epoch, not a second
    pass over the data after it), plus the L2 term at the end of the epoch. ``accuracy`` is
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


@declare(net=NET, epochs=Int(1), batch_size=Optional(Int(1)), lr=Real(0, closed="neither"), lam=LAM, kind=KIND,
         seed=Seed(), callback=Optional(Function("callback(epoch, net, history)")), shuffle=Flag(), fast=Flag())
def sgd(net, X, Y, epochs=10, batch_size=10, lr=0.5, lam=0.0, kind="quadratic", seed=0,
        callback=None, shuffle=True, fast=True):
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
    kind : {"quadratic", "cross_entropy", "softmax_cross_entropy"}
        The last one for a softmax output layer (``Network(..., output="softmax")``), the
        first two for the default sigmoid output.
    seed : int >= 0, seeds the shuffling
    callback : callable, optional
        ``callback(epoch, net, history)`` after each epoch (epochs count from 1).
        It may change ``net``'s weights and biases, in place or by assigning
        new arrays; the next epoch trains from what it left.
    shuffle : bool, default True
    fast : bool, default True
        Run each epoch in the optimized kernel (:mod:`bpkit._sgd_kernel`).
        ``False`` runs the readable loop of this function, one ``bpkit.backprop``
        per batch: the same weights and History up to rounding, several times slower.

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
        the cost of always answering 0.5 (a softmax output: 1/s_L), or a weight or bias runs beyond
        :data:`PARAM_LIMIT` (1e4), or (quadratic) every output is saturated
        (:data:`SATURATED_Z`) while the cost is still high; or if the callback
        leaves NaN or inf in the network. The message names the cause -- the
        learning rate ``lr``, the weight decay ``lr * lam / n`` (>= 1 overshoots),
        or the callback -- and a fix; ``net`` is put back to the weights and biases
        of the last good epoch (in place: arrays the caller holds are restored too).
    """
    X, Y, _ = prepare(net, X, Y, kind)
    params = _trainable(net)
    n = X.shape[0]
    b = n if batch_size is None else min(batch_size, n)
    shuffle = shuffle and b < n  # one batch of everything: the order changes nothing
    labels = _class_labels(Y)
    rng = np.random.default_rng(seed)
    kernel = _sgd_kernel.EpochKernel(net, X, Y, b, lr, weight_decay(lr, lam, n), kind, shuffle) if fast else None
    last_good = [p.copy() for p in params]
    history = History()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n) if shuffle else np.arange(n)  # shuffle (seeded)
        with np.errstate(over="ignore", invalid="ignore"):  # a step that blows up is reported below
            if fast:
                total, z_out = kernel.run_epoch(order)  # the same epoch as below, optimized
            else:
                batches = [order[i : i + b] for i in range(0, n, b)]  # slice into mini-batches
                z_out = []  # each batch's output z from before its step, for the epoch's record
                for B in batches:
                    # one step with the gradient of the batch. backprop's L2 term on |B| examples is
                    # lam' / (2|B|) * sum(W^2); lam' = lam * |B| / n makes it lam / (2n) * sum(W^2),
                    # the full cost's, so every step decays W by lr * lam * W / n, as a step on the
                    # full cost would, and the batch's gradient estimates the full cost's gradient
                    z_out.append(_step(net, X[B], Y[B], lr, lam * len(B) / n, kind))
                z_out = np.concatenate(z_out)
                total = get_cost(kind).total(z_out, OUTPUTS[getattr(net, "output", "sigmoid")].fn(z_out), Y[order])
            # each example's cost when it was used for its step, plus the L2 term now (see History)
            J = total / n + l2_penalty(net.weights, lam, n)
        diverged = _divergence(J, net, kind, epoch, lr, lam, n, z_out)
        if diverged:
            _restore(net, params, last_good)
            raise TrainingDiverged(diverged, history)
        _record(history, epoch, J, _accuracy(z_out, labels, order))
        for p_good, p in zip(last_good, params):
            np.copyto(p_good, p)
        if callback is not None:
            callback(epoch, net, history)
            broken = _callback_damage(net)
            if broken:
                _restore(net, params, last_good)
                raise TrainingDiverged(
                    f"the callback left {broken} after epoch {epoch}: the cause is the callback, not the "
                    f"learning rate; make it write finite values. The network was put back to its "
                    f"weights after epoch {epoch}, before the callback.", history)
            if _replaced(net, params):  # the callback assigned new arrays: train those from here on
                try:
                    _validate.network(net)
                except (TypeError, ValueError):
                    _restore(net, params, last_good)  # what the callback set is not usable: say so, as it was
                    raise
                params = _trainable(net)
                last_good = [p.copy() for p in params]
                kernel = _sgd_kernel.EpochKernel(net, X, Y, b, lr, weight_decay(lr, lam, n), kind, shuffle) if fast else None
    return history


def descend(params, grads, lr):
    """One step of gradient descent, in place: ``p -= lr * g`` for each parameter array and its gradient.

    ``params`` and ``grads`` are matching lists of arrays (e.g. ``net.weights`` and ``dW``);
    each ``p`` is changed in place (lesson 6).
    """
    for p, g in zip(params, grads):
        p -= lr * g


def weight_decay(lr, lam, n):
    """``1 - lr * lam / n``: a step on the L2 term alone multiplies W by this (lessons 5 and 6).

    The penalty ``lam/(2n) * sum(W**2)`` has gradient ``lam * W / n``, so
    ``W - lr * lam * W / n = (1 - lr * lam / n) W``; ``lr * lam / n`` must stay below 1
    or each step overshoots zero.
    """
    return 1.0 - lr * lam / n


def descend_inplace(p, step, decay=1.0):
    """``p <- decay * p - step`` in place: :func:`descend` for the fast trainer (lesson 6).

    ``step`` is the data term's step, ``lr * dJ_B/dp`` (the kernel computes it already
    scaled); ``decay`` is :func:`weight_decay` for weights with L2, 1 for biases.
    """
    if decay != 1.0:
        np.multiply(p, decay, p)
    np.subtract(p, step, p)


def _step(net, Xb, Yb, lr, lam_B, kind):
    """One step of gradient descent on the batch ``(Xb, Yb)``, in place.

    Returns the batch's output z from before the step, shape (|B|, sizes[-1]):
    the epoch's cost and accuracy record each example as it was when used.
    """
    if not _finite(net.weights + net.biases):
        # an earlier step of this epoch blew up: nothing more can be measured (sgd reports it)
        return np.full((Xb.shape[0], net.sizes[-1]), np.nan)
    z_out = net.forward(Xb).zs[-1]
    dW, db = backprop(net, Xb, Yb, kind, lam_B)
    descend(net.weights, dW, lr)
    descend(net.biases, db, lr)
    return z_out


def _trainable(net):
    """``net``'s parameters as one list, weights then biases, each ready to be updated in place.

    Each becomes a writeable C-ordered float64 array; one that already is stays
    the same object, so references the caller holds stay live.
    """
    net.weights = [_writeable_f64(W) for W in net.weights]
    net.biases = [_writeable_f64(b) for b in net.biases]
    return net.weights + net.biases


def _writeable_f64(p):
    if isinstance(p, np.ndarray) and p.dtype == np.float64 and p.flags.c_contiguous and p.flags.writeable:
        return p
    return np.array(p, dtype=np.float64, order="C")


def _restore(net, params, last_good):
    """Put ``net`` back to ``last_good``: into the arrays of ``params`` (in place), which it holds again."""
    for p, p_good in zip(params, last_good):
        np.copyto(p, p_good)  # in place: arrays the caller holds are restored too
    L = len(params) // 2
    net.weights, net.biases = list(params[:L]), list(params[L:])


def _callback_damage(net):
    """What is wrong with ``net`` after a callback ("NaN or inf in W(2)"), or None: cheap sums first."""
    try:
        for kind, arrays in (("W", net.weights), ("b", net.biases)):
            for l, p in enumerate(arrays, start=1):
                if not np.isfinite(np.sum(p)) and not np.all(np.isfinite(p)):
                    return f"NaN or inf in {kind}({l})"
    except TypeError:  # not arrays of numbers: _validate.network says what it is below
        return None
    return None


def _replaced(net, params):
    """True if ``net``'s weights or biases are no longer the arrays in ``params``."""
    now = net.weights + net.biases
    return len(now) != len(params) or any(p is not q for p, q in zip(now, params))


def _finite(arrays):
    # a sum is NaN or inf when any entry is (one pass, no temporary); only then look closer
    return all(np.isfinite(np.sum(p)) or np.all(np.isfinite(p)) for p in arrays)


def _divergence(J, net, kind, epoch, lr, lam, n, z_out):
    """The message of TrainingDiverged if the epoch with cost ``J`` blew up or got stuck, else None.

    Blew up: the cost is NaN or inf, some weight or bias is (or runs beyond :data:`PARAM_LIMIT`),
    or the cross-entropy is over 100 times that of always answering 0.5. Stuck (quadratic cost):
    every output z of the epoch saturated (:data:`SATURATED_Z`) while the cost is still high.
    The cause named is the weight decay when ``lr * lam / n >= 1`` (each step multiplies W by
    ``1 - lr * lam / n``, which then overshoots zero), else the learning rate.
    """
    # cross-entropy of a network that answers 0.5 everywhere is s_L * log 2 per example (a softmax
    # answering 1/s_L everywhere: log s_L); a running cost 100 times that means outputs confidently
    # wrong everywhere: the steps blew up
    s_L = net.sizes[-1]
    softmax = kind == "softmax_cross_entropy"
    guess = f"1/{s_L}" if softmax else "0.5"
    ceiling = 100.0 * (np.log(max(s_L, 2)) if softmax else s_L * np.log(2.0))  # (one class: its cost is 0)
    exploded = kind in ("cross_entropy", "softmax_cross_entropy") and J > ceiling
    # two reductions per array answer both questions: the largest |p| is NaN if any entry is
    # NaN (so "not <= PARAM_LIMIT" is True for NaN, inf and runaway alike); look closer only then
    calm = all(p.max() <= PARAM_LIMIT and p.min() >= -PARAM_LIMIT for p in net.weights + net.biases)
    finite = calm or _finite(net.weights + net.biases)
    runaway = not calm and finite
    saturated = (kind == "quadratic" and J > SATURATED_COST * s_L
                 and np.abs(z_out).min() >= SATURATED_Z)
    if calm and not exploded and not saturated and np.isfinite(J):
        return None
    when = "from before training" if epoch == 1 else f"after epoch {epoch - 1}"
    if exploded and np.isfinite(J):
        what = (f"the cost rose to {J:.3g}, over 100 times the cost of always answering {guess} "
                f"({ceiling / 100:.3g}),")
    elif not np.isfinite(J) or not finite:
        what = f"the cost became {J}" if not np.isfinite(J) else "a weight or bias became NaN or inf"
    elif runaway:
        what = (f"a weight or bias ran beyond {PARAM_LIMIT:g} in size (every sigmoid it feeds is "
                "saturated, so the gradient through it is zero: training is stuck)")
    else:
        what = (f"every output saturated (|z| >= {SATURATED_Z:g}, sigma' < 1e-13) while the cost is "
                f"still {J:.3g}: the quadratic cost's gradient is zero, so training is stuck,")
    decay = lr * lam / n
    if decay >= 1.0:
        cause = (f"with learning rate lr={lr:g} and lam={lam:g}: the weight decay of each step, "
                 f"W <- (1 - lr*lam/n) W, has lr*lam/n = {decay:.3g} (n={n}), so it overshoots zero "
                 f"(it must stay below 1). The cause is lam; try lam={0.1 * n / lr:.3g} or less.")
    else:
        hint = "" if lr / 10 <= 3 else ", or rather lr=0.5 (the course trains with lr between 0.05 and 3)"
        cause = f"with learning rate lr={lr:g}. The step is too large; try lr={lr / 10:g}{hint}."
    return (
        f"training diverged in epoch {epoch}: {what} {cause} The network was put back "
        f"to its weights {when}."
    )


def _accuracy(z_out, labels, order):
    """Fraction of the epoch's examples classified right when used; None if Y holds no classes.

    Classes come from the output z (``z_out[i]`` belongs to example ``order[i]``):
    the argmax of z is that of sigma(z), and a single unit says 1 when z >= 0.
    """
    if labels is None:
        return None
    return float(np.mean(predicted_classes(z_out, threshold=0.0) == labels[order]))


def _record(history, epoch, J, acc):
    history["epoch"].append(epoch)
    history["cost"].append(float(J))
    history["accuracy"].append(acc)


def gradient_descent(net, X, Y, epochs=100, lr=0.5, lam=0.0, kind="quadratic", callback=None, fast=True):
    """Full-batch gradient descent: one step per epoch on all examples, no shuffling.

    Same parameters and return value as :func:`sgd` (without the batch options).
    """
    return sgd(net, X, Y, epochs=epochs, batch_size=None, lr=lr, lam=lam, kind=kind,
               callback=callback, shuffle=False, fast=fast)
