"""Exercise 6, SGD: shuffled mini-batches, one epoch of steps, a prediction, and momentum.

* 06.1 ``make_batches`` and 06.2 ``sgd_epoch`` (practice). The epoch's reference takes one step per
  batch with the gradient of :func:`bpkit.backprop` (the steps of :func:`bpkit.sgd`, written out so
  that each mistake is one changed line of it).
* 06.3 ``updates(m, batch_size, epochs)`` (predict, then run): how many steps a run takes, counted on
  :func:`batches` (lesson 6 says m/B, which is whole only when B divides m).
* 06.4 ``momentum_epoch`` (transfer): one epoch of SGD with momentum, the network and its velocities
  changed in place. No lesson shows momentum; the contract gives the velocity as a decaying sum of
  gradients and the learner derives its recursion. Each step's gradient is :func:`bpkit.backprop`'s
  and the step itself :func:`bpkit.optim.descend`; the recursion is written here.
"""
from __future__ import annotations

import numpy as np

from ..backprop import backprop
from ..data import make_moons
from ..network import Network
from ..optim import descend
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



# ------------------------------------------------------------ 06.3 updates (predict)
def updates(m, batch_size, epochs):
    """The right answer, counted: the batches of one epoch (:func:`batches`) times the epochs."""
    return len(batches(int(m), int(batch_size), 0)) * int(epochs)


def updates_cases(rng):
    """The prompt's run first; then B not dividing m, B dividing m, B larger than m, and B = 1, drawn per term."""
    cases = [(10, 4, 3)]
    B = int(rng.integers(3, 9))
    cases.append((B * int(rng.integers(5, 40)) + int(rng.integers(1, B // 2 + 1)), B, int(rng.integers(2, 6))))
    B = int(rng.integers(3, 9))
    cases.append((B * int(rng.integers(5, 40)) + int(rng.integers(B // 2 + 1, B)), B, int(rng.integers(2, 6))))
    B = int(rng.choice([10, 16, 32]))
    cases.append((B * int(rng.integers(3, 30)), B, int(rng.integers(2, 6))))
    m = int(rng.integers(5, 30))
    cases.append((m, m + int(rng.integers(1, 20)), int(rng.integers(2, 6))))
    cases.append((int(rng.integers(5, 30)), 1, int(rng.integers(2, 4))))
    return cases


UPDATES = Part(
    key="06.3", notebook="06_sgd", grade_id="part3_tests", function="updates", points=2, forbidden=(),
    make_cases=updates_cases, reference=updates, args=("m", "batch_size", "epochs"), kind="scalar",
    mistakes=(
        Mistake.variant("ratio_not_whole", lambda m, B, E: m / B * E,
                        "Your count is m / batch_size per epoch, which is a whole number only when batch_size "
                        "divides m. The leftover examples make one more, smaller batch, and it takes a step "
                        "too."),
        Mistake.variant("drop_last", lambda m, B, E: (m // B) * E,
                        "You counted only the full batches: when batch_size does not divide m, the leftover "
                        "examples form one more, smaller batch, and it takes a step too."),
        Mistake.variant("ceil_after_epochs", lambda m, B, E: -(-m * E // B),
                        "You rounded up once for the whole run: the batches do not run on from one epoch "
                        "into the next. Every epoch is cut afresh, so every epoch has its own smaller last "
                        "batch."),
        Mistake.variant("plus_one", lambda m, B, E: (m // B + 1) * E,
                        "You always add one batch for the leftovers, even when there are none: when "
                        "batch_size divides m, no smaller batch is left over."),
        Mistake.variant("rounded", lambda m, B, E: int(np.round(m / B)) * E,
                        "You rounded m / batch_size to the nearest whole number: a leftover of even one "
                        "example makes a batch of its own, so round up."),
        Mistake.variant("per_example", lambda m, B, E: m * E,
                        "You counted one step per example: mini-batch SGD takes one step per batch, with the "
                        "batch's averaged gradient."),
        Mistake.variant("per_epoch", lambda m, B, E: E,
                        "You counted one step per epoch: that is full-batch gradient descent. SGD takes one "
                        "step per batch."),
        Mistake.variant("epochs_forgotten", lambda m, B, E: len(batches(m, B, 0)),
                        "You counted the steps of one epoch: the run has {fn}'s third argument, epochs, of "
                        "them."),
    ),
)


# ---------------------------------------------------------- 06.4 momentum_epoch (transfer)
MOMENTUM_ARGS = ("net", "velocity", "X", "Y", "lr", "beta", "batch_size", "seed")


def momentum_cases(rng):
    """The moons from rest first; then random networks with a velocity left from an earlier epoch, one with
    batches of a single example."""
    X, labels = make_moons(n=20, noise=0.1, seed=0)
    net = Network([2, 4, 1], seed=0)
    rest = [np.zeros_like(p) for p in layer_by_layer(net)]
    cases = [(net, rest, X, labels[:, None].astype(float), 1.0, 0.9, 6, 0)]
    for kind in ("plain", "plain", "single", "plain"):
        n, h, k, _ = sizes(rng)
        bs = 1 if kind == "single" else int(rng.integers(2, 5))
        N = (int(rng.integers(4, 7)) if kind == "single"
             else bs * int(rng.integers(2, 4)) + int(rng.integers(1, bs)))
        net = Network([n, h, k], seed=int(rng.integers(0, 1000)))
        net.biases = [0.5 * rng.standard_normal(b.shape) for b in net.biases]
        velocity = [0.3 * rng.standard_normal(p.shape) for p in layer_by_layer(net)]
        X = rng.uniform(-1, 1, (N, n))
        Y = rng.uniform(0, 1, (N, k))
        cases.append((net, velocity, X, Y, float(np.round(rng.uniform(0.5, 2.0), 3)),
                      float(rng.choice([0.5, 0.8, 0.9])), bs, int(rng.integers(0, 2**31))))
    return cases


def _momentum(net, velocity, X, Y, lr, beta, batch_size, seed, *, damp=False, reset=False, late=False,
              lr_inside=False, sign=1.0, full=False, shuffle=True, biases=True, step_units=False):
    """One epoch with momentum on copies, returning ``(W1, b1, W2, b2, ...)``; each keyword plants one mistake."""
    net = net.copy()
    params = [p.copy() for p in layer_by_layer(net)]
    v = [np.zeros_like(p) for p in params] if reset else [np.array(u, dtype=float) for u in velocity]
    if step_units:  # the velocity read as the step itself: p += v, v = beta v - lr g
        v = [-x / lr for x in v]
    for B in batches(X.shape[0], batch_size, seed, shuffle=shuffle):
        dW, db = backprop(net, X, Y) if full else backprop(net, X[B], Y[B])
        grads = [g for gW, gb in zip(dW, db) for g in (gW, gb)]
        old = [x.copy() for x in v]
        v = [beta * x + (1.0 - beta if damp else 1.0) * (lr if lr_inside else 1.0) * g for x, g in zip(v, grads)]
        moved = [x.copy() for x in (old if late else v)]
        if not biases:
            moved = [x if j % 2 == 0 else 0.0 * x for j, x in enumerate(moved)]
        descend(params, [sign * x for x in moved], lr)
        net.weights, net.biases = params[0::2], params[1::2]
    return tuple(params)


def momentum_epoch(net, velocity, X, Y, lr, beta, batch_size, seed):
    """The right answer: each batch's velocity is beta times the last one plus the batch's gradient, and each
    step moves a parameter by -lr times its velocity."""
    return _momentum(net, velocity, X, Y, lr, beta, batch_size, seed)


MOMENTUM = Part(
    key="06.4", notebook="06_sgd", grade_id="part4_tests", function="momentum_epoch", points=4,
    forbidden=("bpkit.sgd", "bpkit.optim.sgd", "bpkit.gradient_descent", "bpkit.optim.gradient_descent"),
    make_cases=momentum_cases, reference=momentum_epoch, args=MOMENTUM_ARGS, kind="arrays",
    out_names=("W1", "b1", "W2", "b2"), updates=(0, 1),
    mistakes=(
        Mistake.predicate("layer_not_updated", _layer_not_updated,
                          "A whole layer came back exactly as it was: its W and b never moved. Each step moves "
                          "every weight matrix and every bias vector by its own velocity."),
        Mistake.predicate("weights_then_biases", _weights_then_biases,
                          "Your parameters are right but in the order of net.params() (all weights, then all "
                          "biases). The course returns them layer by layer: (W1, b1, W2, b2)."),
        Mistake.variant("plain_sgd", lambda *a: _epoch(a[0], *a[2:5], *a[6:]),
                        "Your epoch is plain SGD: beta and the velocity play no part. Each step moves by lr "
                        "times the velocity, and the velocity remembers the earlier gradients."),
        Mistake.variant("velocity_from_rest", lambda *a: _momentum(*a, reset=True),
                        "Your velocity starts from zero: the call starts from the velocity it is given (an "
                        "earlier epoch left it there), so its first step already carries beta times it."),
        Mistake.variant("dampened", lambda *a: _momentum(*a, damp=True),
                        "Your velocity mixes beta times the old one with (1 - beta) times the gradient: that "
                        "is an average, whose newest gradient counts only (1 - beta). In the contract's sum "
                        "the newest gradient counts in full, with factor 1."),
        Mistake.variant("step_before_velocity", lambda *a: _momentum(*a, late=True),
                        "Each step used the velocity from before the current batch's gradient was added: "
                        "update the velocity first, then step with it (the contract's velocity after batch t "
                        "contains g_t)."),
        Mistake.variant("lr_twice", lambda *a: _momentum(*a, lr_inside=True),
                        "The learning rate is in your velocity and in your step: the velocity sums gradients "
                        "only; lr comes in once, when the step is taken."),
        Mistake.variant("velocity_as_step", lambda *a: _momentum(*a, step_units=True),
                        "You read the velocity as the step itself (v = beta v - lr g, p += v). The contract's "
                        "velocity is a sum of gradients, in gradient units: the step is -lr times it, and the "
                        "velocity you are given is in those units."),
        Mistake.variant("ascent", lambda *a: _momentum(*a, sign=-1.0),
                        "Your steps go uphill: the step is minus lr times the velocity."),
        Mistake.variant("full_batch_gradient", lambda *a: _momentum(*a, full=True),
                        "Each step used the gradient on ALL of X, not on the batch: compute the gradient with "
                        "X[batch] and Y[batch]."),
        Mistake.variant("not_shuffled", lambda *a: _momentum(*a, shuffle=False),
                        "Your epoch takes the batches in the original order: get them from "
                        "make_batches(m, batch_size, seed), which shuffles."),
        Mistake.variant("no_bias_update", lambda *a: _momentum(*a, biases=False),
                        "The weights are right but the biases never moved: they have velocities and steps "
                        "too."),
    ),
)

PARTS = (MAKE_BATCHES, SGD_EPOCH, UPDATES, MOMENTUM)
