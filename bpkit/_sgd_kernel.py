"""The fast kernel behind :func:`bpkit.sgd`: the same epochs, in place and with few numpy calls.

:func:`bpkit.optim.sgd` reads like lesson 6 and, with ``fast=False``, runs
exactly that: per batch a forward pass for the record, ``bpkit.backprop`` and
``W -= lr * dW``. By default it hands each epoch to :class:`EpochKernel`
instead, which computes the same numbers faster. ``tests/core/test_optim.py``
proves the two give the same weights, biases and History up to rounding on
random networks, batch sizes, costs and ``lam``: the two paths round
differently, and a run amplifies that (54 steps at lr 2 grew it to 2e-9), so
they are compared at a relative 1e-9 or at the run's own sensitivity to a
1e-13 nudge of its start, whichever is larger. ``benchmarks/bench_sgd.py``
times it against an epoch's bare matrix products.

This module holds no formula. Every rule it applies is called from its home,
in the in-place form that sits beside the rule there:

* the activations and their slopes: ``ACTIVATIONS[name].fn_inplace`` and
  ``.prime_from_a_inplace``, and what the output layer keeps for its cost,
  ``OUTPUTS[name].keep_inplace``: E = 1 + e^-z for a sigmoid
  (:func:`bpkit.activations.sigmoid_denominator_inplace`), the probabilities
  for a softmax (:func:`bpkit.activations.softmax_inplace`);
* the output error and the epoch's cost: the cost class's ``delta_inplace`` and
  ``total_from_kept`` (:mod:`bpkit.costs`);
* the error sent back and the layer's sums: :func:`bpkit.backprop.send_back_inplace`
  and :func:`bpkit.backprop.layer_sums_inplace`;
* the step with the L2 term's decay: :func:`bpkit.optim.descend_inplace`, with
  ``decay = bpkit.optim.weight_decay(lr, lam, n)``.

What it decides is the schedule (a step runs thousands of times per epoch, and
at batch 10 every numpy call costs about a microsecond whatever its size):

* every array a step needs is allocated once and every result is written into
  it; views such as ``W.T`` are made once per call;
* the output error is computed already multiplied by ``lr / |B|``, so each
  product ``a.T @ delta`` is the weight step itself; for the cross-entropies
  the targets are multiplied by ``lr / |B|`` once per epoch, so the error is
  two numpy calls;
* the error is sent back through W(l) before W(l) takes its step;
* the epoch's cost comes from the z (and E = 1 + e^-z) the steps computed
  anyway: no second forward pass;
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

from .activations import ACTIVATIONS, OUTPUTS
from .backprop import layer_sums_inplace, send_back_inplace
from .costs import get_cost


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
        # the output error's work arrays (the quadratic cost's a = sigma(z) and lr / m * sigma'(z))
        self.work_out = (np.empty((m, sizes[-1])), np.empty((m, sizes[-1])))
        self.step_W = [np.empty((s_in, s_out)) for s_in, s_out in zip(sizes[:-1], outs)]
        self.step_b = [np.empty(s) for s in outs]
        self.ones = np.ones(m)


def make_step(net, kind, decay):
    """Return ``step(x, y, z_out, E_out, buf, scale)``: one in-place SGD update of ``net``.

    ``x`` (m, n_in) is the batch and ``y`` (m, n_out) its targets, for a cost with
    ``scaled_targets`` (cross-entropy) already multiplied by ``scale = lr / m``; the
    output layer's z and what it keeps for the cost (E = 1 + e^-z, or a softmax's P) are written into
    ``z_out`` and ``E_out`` (views of the epoch's record) so the epoch's cost needs
    no second forward pass. Every delta is computed already multiplied by
    ``scale``, so each product ``a.T @ delta`` is the step itself:
    ``W <- decay * W - a.T @ delta``, ``b <- b - ones @ delta``.
    """
    from .optim import descend_inplace  # (optim imports this module: import its rule at call time)

    Ws, bs = net.weights, net.biases
    Ws_T = [W.T for W in Ws]  # views: they follow the in-place updates
    last = len(Ws) - 1
    act = ACTIVATIONS[net.activation]
    forward, slope_from_a = act.fn_inplace, act.prime_from_a_inplace
    # the output layer keeps what its cost's in-place forms read: E = 1 + e^-z for a sigmoid, P for a softmax
    keep_out = OUTPUTS[getattr(net, "output", "sigmoid")].keep_inplace
    output_error = get_cost(kind).delta_inplace
    matmul, add = np.matmul, np.add
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
        keep_out(z_out, E_out)
        # the output error, times scale
        output_error(E_out, y, scale, delta[last], buf.work_out)
        # backward: send the error back through W(k) before W(k) changes, then step W(k), b(k)
        for k in backward:
            if k > 0:
                slope_from_a(a[k - 1], slope[k - 1])
                send_back_inplace(delta[k], Ws_T[k], slope[k - 1], delta[k - 1])
            layer_sums_inplace(a_T[k - 1] if k > 0 else x.T, delta[k], ones, step_W[k], step_b[k])
            descend_inplace(Ws[k], step_W[k], decay)
            descend_inplace(bs[k], step_b[k])

    return step


class EpochKernel:
    """The epochs of one ``sgd`` call on ``net``, ready to run: ``run_epoch(order)``.

    Built once per call (and again if a callback gives ``net`` new arrays):
    buffers, the batches' views and the step are made here. ``net``'s
    parameters must be writeable C-ordered float64 arrays, X and Y validated,
    ``1 <= batch_size <= n``; ``shuffle`` only when there is more than one batch;
    ``decay`` is :func:`bpkit.optim.weight_decay` ``(lr, lam, n)``.
    """

    def __init__(self, net, X, Y, batch_size, lr, decay, kind, shuffle):
        n = X.shape[0]
        b = batch_size
        self.X, self.Y, self.shuffle, self.lr = X, Y, shuffle, lr
        self.cost = get_cost(kind)
        self.step = make_step(net, kind, decay)
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
        self.Y_step = np.empty_like(Y) if self.cost.scaled_targets else self.Y_order
        # each example's output z, and what the output layer kept of it (E or P), as when it was used for a step
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
        if self.cost.scaled_targets:
            n_full, lr = self.n_full, self.lr
            np.multiply(self.Y_order[:n_full], lr / self.b, self.Y_step[:n_full])
            if self.b_tail:
                np.multiply(self.Y_order[n_full:], lr / self.b_tail, self.Y_step[n_full:])
        shuffle = self.shuffle
        for idx, x, y, z_out, E_out, buf, scale in self.batches:
            if shuffle:  # gather the batch into a small reused array, just before its step
                x = X.take(idx, 0, buf.x, "clip")
            step(x, y, z_out, E_out, buf, scale)
        return self.cost.total_from_kept(self.z_out, self.E_out, self.Y_order), self.z_out
