"""The fast kernel behind :func:`bpkit.sgd`: the same epochs, in place and with few numpy calls.

:func:`bpkit.optim.sgd` reads like lesson 6 and, with ``fast=False``, runs
exactly that: per batch a forward pass for the record, ``bpkit.backprop`` and
``W -= lr * dW``. By default it hands each epoch to :class:`EpochKernel`
instead, which computes the same numbers faster. ``tests/core/test_optim.py`` proves
the two give the same weights, biases and History to 1e-12 on random networks,
batch sizes, costs and ``lam``; ``benchmarks/bench_sgd.py`` times it against an
epoch's bare matrix products.

What it optimizes (a step runs thousands of times per epoch, and at batch 10
every numpy call costs about a microsecond whatever its size):

* every array a step needs is allocated once and every result is written into
  it (positional ``out``); views such as ``W.T`` are made once per call;
* the output error is computed already multiplied by ``lr / |B|``, so each
  product ``a.T @ delta`` is the weight step itself; for cross-entropy the
  targets are multiplied by ``lr / |B|`` once per epoch, so the error is one
  divide and one subtract;
* the weight decay of the L2 term is one multiply by ``1 - lr * lam / n``;
* a bias step (the column sums of delta) is one BLAS product ``ones @ delta``;
* ``np.divide(1, E)`` instead of ``np.reciprocal`` (which has no vectorized loop);
* the epoch's cost comes from the z and E = 1 + e^-z the steps computed anyway
  (one log per output, ``logaddexp`` only when E overflowed): no second forward pass;
* each epoch's order is copied into one array that the batches' index views
  were cut from once, and each batch is gathered just before its step into a
  small reused array with ``X.take(idx, 0, out, "clip")``, while its rows are
  still in cache; the targets, which are small, are gathered once per epoch.

Used only by :mod:`bpkit.optim`, which validates every input first and runs
the epochs under ``np.errstate(over="ignore", invalid="ignore")``: a step that
blows up makes inf and NaN quietly, and sgd's divergence check reports it.
"""
from __future__ import annotations

import numpy as np


def hidden_layer_kernels(activation):
    """In-place ``forward(z, a)``: a = f(z), and ``slope(a, out)``: out = f'(z) from a = f(z)."""
    if activation == "sigmoid":

        forward = sigmoid_inplace

        def slope(a, out):  # sigma' = a (1 - a)
            np.subtract(1.0, a, out=out)
            out *= a

    elif activation == "tanh":

        def forward(z, a):
            np.tanh(z, out=a)

        def slope(a, out):  # tanh' = 1 - a^2
            np.multiply(a, a, out=out)
            np.subtract(1.0, out, out=out)

    else:  # relu

        def forward(z, a):
            np.maximum(z, 0.0, out=a)

        def slope(a, out):
            np.sign(a, out=out)  # a >= 0, so sign(a) is exactly relu'(z)

    return forward, slope


def sigmoid_inplace(z, a):
    """a = sigma(z) = 1 / (1 + e^-z) with no temporary arrays."""
    np.negative(z, a)
    np.exp(a, a)  # may overflow to inf for z < -709: 1/inf = 0 is then exact
    np.add(a, 1.0, a)
    np.divide(1.0, a, a)  # (np.reciprocal has no vectorized loop: this is twice as fast)


def summed_cost(kind, z_out, E_out, Y):
    """Summed cost of the epoch's examples from their output z and E = 1 + e^-z.

    Cross-entropy per output unit is y log(1 + e^-z) + (1 - y) log(1 + e^z) = log E + (1 - y) z:
    one log per unit, as the steps already paid for the exponential. When some z < -709, E
    overflowed to inf and the sum is not finite: then it is recomputed with logaddexp.
    Quadratic: (1/2) sum (a - y)^2 with a = 1 / E.
    """
    if kind == "cross_entropy":
        yz = np.vdot(Y, z_out)
        total = float(np.sum(np.log(E_out)) + np.sum(z_out) - yz)
        if not np.isfinite(total):
            total = float(np.sum(np.logaddexp(0.0, z_out)) - yz)
        return total
    a_minus_y = np.divide(1.0, E_out)
    a_minus_y -= Y
    return 0.5 * float(np.vdot(a_minus_y, a_minus_y))


class StepBuffers:
    """Every array one step on a batch of m examples needs, allocated once."""

    def __init__(self, sizes, m, gather):
        outs, hidden = sizes[1:], sizes[1:-1]
        self.x = np.empty((m, sizes[0])) if gather else None  # the shuffled batch is gathered here
        # z and a of the hidden layers (the output layer's z and E go straight into the epoch record)
        self.z = [np.empty((m, s)) for s in hidden]
        self.a = [np.empty((m, s)) for s in hidden]
        self.a_T = [a.T for a in self.a]
        self.delta = [np.empty((m, s)) for s in outs]  # each times lr / m
        self.slope = [np.empty((m, s)) for s in hidden]  # f'(z) of each hidden layer
        self.a_out = np.empty((m, sizes[-1]))  # quadratic cost only: sigma(z) of the output layer
        self.slope_out = np.empty((m, sizes[-1]))  # quadratic cost only: lr / m * sigma'(z)
        self.step_W = [np.empty((s_in, s_out)) for s_in, s_out in zip(sizes[:-1], outs)]
        self.step_b = [np.empty(s) for s in outs]
        self.ones = np.ones(m)


def make_step(net, kind, decay):
    """Return ``step(x, y, z_out, E_out, buf, scale)``: one in-place SGD update of ``net``.

    ``x`` (m, n_in) is the batch and ``y`` (m, n_out) its targets, for
    cross-entropy already multiplied by ``scale = lr / m``; the output layer's z
    and E = 1 + e^-z are written into ``z_out`` and ``E_out`` (views of the
    epoch's record) so the epoch's cost needs no second forward pass. Every
    delta is computed already multiplied by ``scale``, so each product
    ``a.T @ delta`` is the step itself: ``W <- decay * W - a.T @ delta`` with
    ``decay = 1 - lr * lam / n``, ``b <- b - ones @ delta``.
    """
    Ws, bs = net.weights, net.biases
    Ws_T = [W.T for W in Ws]  # views: they follow the in-place updates
    last = len(Ws) - 1
    forward, slope_from_a = hidden_layer_kernels(net.activation)
    cross_entropy = kind == "cross_entropy"
    matmul, add, subtract, multiply, divide, negative, exp = (
        np.matmul, np.add, np.subtract, np.multiply, np.divide, np.negative, np.exp)
    hidden = range(last)
    backward = range(last, -1, -1)

    def step(x, y, z_out, E_out, buf, scale):
        z, a, a_T, delta, slope, step_W, step_b, ones = (
            buf.z, buf.a, buf.a_T, buf.delta, buf.slope, buf.step_W, buf.step_b, buf.ones)
        # forward
        a_prev = x
        for k in hidden:
            matmul(a_prev, Ws[k], z[k])
            add(z[k], bs[k], z[k])
            forward(z[k], a[k])
            a_prev = a[k]
        matmul(a_prev, Ws[last], z_out)
        add(z_out, bs[last], z_out)
        # output error times scale, from E = 1 + e^-z, so that sigma(z) = 1 / E
        delta_out = delta[last]
        negative(z_out, E_out)
        exp(E_out, E_out)
        add(E_out, 1.0, E_out)
        if cross_entropy:  # delta = scale * sigma(z) - scale * y
            divide(scale, E_out, delta_out)
            subtract(delta_out, y, delta_out)
        else:  # delta = (a - y) * scale * a * (1 - a)
            a_out, slope_out = buf.a_out, buf.slope_out
            divide(1.0, E_out, a_out)
            subtract(a_out, y, delta_out)
            subtract(1.0, a_out, slope_out)
            multiply(slope_out, a_out, slope_out)
            multiply(slope_out, scale, slope_out)
            multiply(delta_out, slope_out, delta_out)
        # backward: send the error back through W(k) before W(k) changes, then step W(k), b(k)
        for k in backward:
            if k > 0:
                matmul(delta[k], Ws_T[k], delta[k - 1])
                slope_from_a(a[k - 1], slope[k - 1])
                multiply(delta[k - 1], slope[k - 1], delta[k - 1])
            matmul(a_T[k - 1] if k > 0 else x.T, delta[k], step_W[k])
            if decay != 1.0:
                multiply(Ws[k], decay, Ws[k])
            subtract(Ws[k], step_W[k], Ws[k])
            matmul(ones, delta[k], step_b[k])  # column sums of delta
            subtract(bs[k], step_b[k], bs[k])

    return step


class EpochKernel:
    """The epochs of one ``sgd`` call on ``net``, ready to run: ``run_epoch(order)``.

    Built once per call (and again if a callback gives ``net`` new arrays):
    buffers, the batches' views and the step are made here. ``net``'s
    parameters must be writeable C-ordered float64 arrays, X and Y validated,
    ``1 <= batch_size <= n``; ``shuffle`` only when there is more than one batch.
    """

    def __init__(self, net, X, Y, batch_size, lr, lam, kind, shuffle):
        n = X.shape[0]
        b = batch_size
        self.X, self.Y, self.kind, self.shuffle, self.lr = X, Y, kind, shuffle, lr
        self.step = make_step(net, kind, decay=1.0 - lr * lam / n)
        # the epoch's batches: all of size b but the last, which may be smaller
        self.n_full = n - n % b
        self.b, self.b_tail = b, n - self.n_full
        full = StepBuffers(net.sizes, b, gather=shuffle)
        tail = StepBuffers(net.sizes, self.b_tail, gather=shuffle) if self.b_tail else None
        bounds = [(i, i + b, full, lr / b) for i in range(0, self.n_full, b)]
        if tail is not None:
            bounds.append((self.n_full, n, tail, lr / self.b_tail))
        # targets in the epoch's order (Y is small: gathered all at once), and for cross-entropy
        # already multiplied by each batch's lr / size, as the step wants them
        self.Y_order = np.empty_like(Y) if shuffle else Y
        self.Y_step = np.empty_like(Y) if kind == "cross_entropy" else self.Y_order
        # each example's output z, and E = 1 + e^-z, as they were when it was used for a step
        self.z_out = np.empty((n, net.sizes[-1]))
        self.E_out = np.empty_like(self.z_out)
        # each epoch's order is copied into this one array, so every view below is made once
        self.order = np.arange(n)
        self.batches = [
            (self.order[i:j], X[i:j], self.Y_step[i:j], self.z_out[i:j], self.E_out[i:j], buf, scale)
            for i, j, buf, scale in bounds
        ]

    def run_epoch(self, order):
        """Take every batch's step, visiting the examples in ``order``; return ``(total, z_out)``.

        ``order`` is ignored without ``shuffle`` (the examples are visited as
        they come). ``z_out[i]`` is the output z of the i-th example visited, as
        it was when used for its step, and ``total`` the summed cost of those
        outputs (no L2 term). ``z_out`` is this kernel's own array: the next
        epoch overwrites it.
        """
        X, step = self.X, self.step
        if self.shuffle:
            np.copyto(self.order, order)  # into the array the batches' index views look at
            self.Y.take(self.order, 0, self.Y_order, "clip")
        if self.kind == "cross_entropy":
            n_full, lr = self.n_full, self.lr
            np.multiply(self.Y_order[:n_full], lr / self.b, self.Y_step[:n_full])
            if self.b_tail:
                np.multiply(self.Y_order[n_full:], lr / self.b_tail, self.Y_step[n_full:])
        shuffle = self.shuffle
        for idx, x, y, z_out, E_out, buf, scale in self.batches:
            if shuffle:  # gather the batch into a small reused array, just before its step
                x = X.take(idx, 0, buf.x, "clip")
            step(x, y, z_out, E_out, buf, scale)
        return summed_cost(self.kind, self.z_out, self.E_out, self.Y_order), self.z_out
