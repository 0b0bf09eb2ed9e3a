"""Exercise 6, SGD: shuffled mini-batches, and one epoch of steps.

The epoch's reference takes one step per batch with the gradient of
:func:`bpkit.backprop` (the steps of :func:`bpkit.sgd`, written out so that
each mistake is one changed line of it).
"""
from __future__ import annotations

import numpy as np

from ..backprop import backprop
from ..data import make_moons
from ..network import Network
from ._compare import close
from ._nets import sizes
from ._records import Mistake, Part


# -------------------------------------------------------- 06.1 make_batches
def batches(n, batch_size, seed, *, shuffle=True):
    """``rng.permutation(n)`` (or 0..n-1) cut into slices of ``batch_size``; the last may be smaller."""
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def batches_cases(rng):
    cases = [(10, 4, 0)]
    for _ in range(4):
        # n >= 13: indices drawn with replacement repeat one on every case (a draw of n that happens to be
        # a permutation has chance n! / n**n, 2e-5 at n = 13; at n = 5 it was 4%, and then "repeats" went unnamed)
        bs = int(rng.integers(3, 6))
        n = bs * int(rng.integers(4, 6)) + int(rng.integers(1, bs))
        cases.append((n, bs, int(rng.integers(0, 2**31))))
    return cases


def _partition_in_other_order(args, ref, out):
    n, bs, _ = args
    if [o.shape for o in out] != [r.shape for r in ref]:
        return False
    flat = np.concatenate(out) if out else np.array([])
    return np.array_equal(np.sort(flat), np.arange(n))


def _repeats_examples(args, ref, out):
    flat = np.concatenate([o.ravel() for o in out]) if out else np.array([])
    return len(np.unique(flat)) < len(flat)


MAKE_BATCHES = Part(
    key="06.1", notebook="06_sgd", grade_id="part1_tests", function="make_batches", points=3, forbidden=(),
    make_cases=batches_cases, reference=batches, args=("n", "batch_size", "seed"), kind="batches",
    mistakes=(
        Mistake.variant("not_shuffled", lambda n, bs, seed: batches(n, bs, seed, shuffle=False),
                        "Your batches are in the original order 0, 1, 2, ...: shuffle first, with "
                        "rng = np.random.default_rng(seed) and order = rng.permutation(n), then cut order into "
                        "slices of batch_size."),
        Mistake.variant("drop_last", lambda n, bs, seed: batches(n, bs, seed)[:-1],
                        "You dropped the last, smaller batch: when batch_size does not divide n, the leftover "
                        "examples form one more batch, so every example is used once per epoch."),
        Mistake.predicate("other_order", _partition_in_other_order,
                          "Every example appears exactly once, but not in the order the check expects. Draw the "
                          "order with rng = np.random.default_rng(seed) and ONE call order = rng.permutation(n), "
                          "then take consecutive slices order[i:i + batch_size]."),
        Mistake.predicate("repeats", _repeats_examples,
                          "Some examples appear twice and others never: an epoch must use every example exactly "
                          "once. Shuffle a permutation (rng.permutation(n)) instead of drawing indices at random."),
    ),
)


# ----------------------------------------------------------- 06.2 sgd_epoch
def _weights_then_biases(args, ref, out):
    """The right arrays in net.params()'s order (W1, W2, ..., b1, b2, ...) instead of layer by layer."""
    return len(ref) % 2 == 0 and close(list(out), list(ref[0::2]) + list(ref[1::2]))



def _layer_not_updated(args, ref, out):
    """Some layer's W and b came back exactly as they went in, while the right epoch moves them."""
    net = args[0]
    before = layer_by_layer(net)
    if len(out) != len(before):
        return False
    stuck = [k for k in range(len(net.weights))
             if close([out[2 * k]], [before[2 * k]]) and close([out[2 * k + 1]], [before[2 * k + 1]])
             and not close([ref[2 * k]], [before[2 * k]])]
    return bool(stuck) and len(stuck) < len(net.weights)


def epoch_cases(rng):
    X, labels = make_moons(n=20, noise=0.1, seed=0)
    net = Network([2, 4, 1], seed=0)
    cases = [(net, X, labels[:, None].astype(float), 1.0, 6, 0)]
    for _ in range(4):
        n, h, k, _ = sizes(rng)
        bs = int(rng.integers(2, 5))
        N = bs * int(rng.integers(2, 4)) + int(rng.integers(1, bs))
        net = Network([n, h, k], seed=int(rng.integers(0, 1000)))
        net.biases = [0.5 * rng.standard_normal(b.shape) for b in net.biases]
        X = rng.uniform(-1, 1, (N, n))
        Y = rng.uniform(0, 1, (N, k))
        cases.append((net, X, Y, float(np.round(rng.uniform(0.5, 3.0), 3)), bs, int(rng.integers(0, 2**31))))
    return cases


def _epoch(net, X, Y, lr, batch_size, seed, *, sign=-1.0, shuffle=True, full=False, scale=lambda b: 1.0,
           steps=None, biases=True):
    """One epoch on a copy of ``net``, returning ``(W1, b1, W2, b2, ...)``; the keywords plant one mistake each."""
    net = net.copy()
    for B in batches(X.shape[0], batch_size, seed, shuffle=shuffle)[:steps]:
        dW, db = backprop(net, X, Y) if full else backprop(net, X[B], Y[B])
        s = sign * lr * scale(len(B))
        net.weights = [W + s * g for W, g in zip(net.weights, dW)]
        if biases:
            net.biases = [b + s * g for b, g in zip(net.biases, db)]
    return layer_by_layer(net)


def layer_by_layer(net):
    """The course's one parameter order: ``(W1, b1, W2, b2, ...)``, the arrays themselves."""
    return tuple(p for W, b in zip(net.weights, net.biases) for p in (W, b))


def sgd_epoch(net, X, Y, lr, batch_size, seed):
    return _epoch(net, X, Y, lr, batch_size, seed)


SGD_EPOCH = Part(
    key="06.2", notebook="06_sgd", grade_id="part2_tests", function="sgd_epoch", points=4,
    forbidden=("bpkit.sgd", "bpkit.optim.sgd", "bpkit.gradient_descent", "bpkit.optim.gradient_descent"),
    make_cases=epoch_cases, reference=sgd_epoch, args=("net", "X", "Y", "lr", "batch_size", "seed"),
    kind="arrays", out_names=("W1", "b1", "W2", "b2"), updates=(0,),
    mistakes=(
        Mistake.predicate("layer_not_updated", _layer_not_updated,
                          "A whole layer came back exactly as it was: its W and b never moved. Does your loop over "
                          "the layers cover every one, for k in range(len(net.weights))? Each step updates every "
                          "weight matrix and every bias vector."),
        Mistake.predicate("weights_then_biases", _weights_then_biases,
                          "Your parameters are right but in the order of net.params() (all weights, then all "
                          "biases). The course returns them layer by layer: (W1, b1, W2, b2)."),
        Mistake.variant("ascent", lambda *a: _epoch(*a, sign=1.0),
                        "Your steps go uphill: subtract the gradient, W = W - lr * dW (and the same for b)."),
        Mistake.variant("not_shuffled", lambda *a: _epoch(*a, shuffle=False),
                        "Your epoch takes the batches in the original order: get them from "
                        "make_batches(n, batch_size, seed), which shuffles."),
        Mistake.variant("full_batch_gradient", lambda *a: _epoch(*a, full=True),
                        "Each step used the gradient on ALL of X, not on the batch: compute the gradient with "
                        "X[batch] and Y[batch]."),
        Mistake.variant("extra_1/b", lambda *a: _epoch(*a, scale=lambda b: 1.0 / b),
                        "Your steps are batch_size times too small: bpkit.backprop already averages over the "
                        "batch, so do not divide by the batch size again."),
        Mistake.variant("sum_gradient", lambda *a: _epoch(*a, scale=lambda b: float(b)),
                        "Your steps are batch_size times too large: use the averaged gradient of the batch (a "
                        "mean), not a sum."),
        Mistake.variant("one_step", lambda *a: _epoch(*a, steps=1),
                        "Only the first batch was used: an epoch takes one step per batch. Is your return inside "
                        "the loop?"),
        Mistake.variant("no_bias_update", lambda *a: _epoch(*a, biases=False),
                        "The weights are right but the biases never changed: update them too, b = b - lr * db."),
    ),
)

PARTS = (MAKE_BATCHES, SGD_EPOCH)
