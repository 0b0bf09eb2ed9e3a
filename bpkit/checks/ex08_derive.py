"""Exercise 8's last two parts: a prediction and a transfer part, built on :mod:`.ex08`'s cases.

* 08.4 ``changed_by_bug(bug, depth, layer)``: which weight gradients a bug planted at one layer
  changes, graded as a value; the reference compares :func:`bpkit.buggy.planted` with
  :func:`bpkit.backprop` on a small network, so it is computed by the core.
* 08.5 ``backprop_elu(X, Y, Ws, bs, alpha)``: the backward pass with ELU hidden layers, which no
  lesson shows; the reference is the autograd engine, each mistake the core's pass with the slope changed.
"""
from __future__ import annotations

import functools

import numpy as np

from .. import autograd as ag
from .. import buggy
from ..activations import ACTIVATIONS
from ..backprop import RULES, backprop, batch_sums, gradients
from ..costs import COSTS
from ..network import Network, Trace
from ._nets import BP_FORBIDDEN
from ._records import Mistake, Part
from .ex08 import backprop_deep, deep_case


# ------------------------------------------------------------ 08.4 changed_by_bug (predict)
#: the bugs of the prediction, planted at one layer of a deep tanh network (each changes one rule of the
#: core's backward pass, or its forward pass, at that layer only)
LAYER_BUGS = ("slope", "bias_forward", "one_over_m")
#: the prompt's question: a 784-32-32-16-10 network (4 weight layers), the slope of layer 3 wrong
PROMPT_BUG = ("slope", 4, 3)


def _bug_net(depth):
    """A tanh network of ``depth`` weight layers with random weights and biases (none of them zero), and data."""
    rng = np.random.default_rng(84)
    sizes = [3] + [4 + k % 2 for k in range(depth - 1)] + [2]
    net = Network(sizes, activation="tanh", seed=84)
    net.biases = [0.5 * rng.standard_normal(b.shape) for b in net.biases]
    return net, rng.uniform(-1.0, 1.0, (6, 3)), rng.uniform(0.1, 0.9, (6, 2))


def changed_by_bug(bug, depth, layer):
    """The reference (see :func:`_changed_by_bug`, which computes it once per question)."""
    return list(_changed_by_bug(str(bug), int(depth), int(layer)))


@functools.lru_cache(maxsize=256)
def _changed_by_bug(bug, depth, layer):
    """The reference, from the core: the indices k of ``dWs`` that a bug planted at course layer ``layer``
    changes, comparing :func:`bpkit.buggy.planted` with :func:`bpkit.backprop` on a ``depth``-layer network.

    ``"slope"``: f'(z(layer)) is doubled (layer 2 .. depth); ``"bias_forward"``: b(layer) is left out of the
    forward pass (layer 1 .. depth); ``"one_over_m"``: dW(layer) is not divided by m (layer 1 .. depth).
    """
    net, X, Y = _bug_net(depth)
    right = backprop(net, X, Y, kind="cross_entropy").dW
    if bug == "bias_forward":
        net.biases[layer - 1] = np.zeros_like(net.biases[layer - 1])
        wrong = backprop(net, X, Y, kind="cross_entropy").dW
    elif bug == "slope":
        target = net.trace(X).zs[layer - 1]

        def slope(activation, z, a):
            f = RULES.slope(activation, z, a)
            return 2.0 * f if np.array_equal(z, target) else f
        wrong = buggy.planted(net, X, Y, "cross_entropy", 0.0, slope=slope).dW
    else:
        W_bug = net.weights[layer - 1]

        def avg(Delta_W, Delta_b, W, b, lam, m):
            return RULES.average(Delta_W, Delta_b, W, b, lam, 1 if W is W_bug else m)
        wrong = buggy.planted(net, X, Y, "cross_entropy", 0.0, average=avg).dW
    return tuple(k for k, (r, w) in enumerate(zip(right, wrong)) if not np.allclose(r, w, rtol=1e-9, atol=1e-12))


def bug_cases(rng):
    """The prompt's question first, then each bug twice at random depths (3 to 5), shuffled.

    The first of each pair has a layer that tells every named prediction from the right one on every seed: a
    forward bias strictly inside the network (neither the layers below it nor those above it are all of
    them), a missing 1/m above layer 1; the second has any layer the bug can have.
    """
    cases = []
    for bug in LAYER_BUGS:
        depth = int(rng.integers(3, 6))
        high = depth - 1 if bug == "bias_forward" else depth
        cases.append((bug, depth, int(rng.integers(2, high + 1))))
        depth = int(rng.integers(3, 6))
        cases.append((bug, depth, int(rng.integers(2 if bug == "slope" else 1, depth + 1))))
    return [PROMPT_BUG] + [cases[int(i)] for i in rng.permutation(len(cases))]


def _below(layer):
    return list(range(layer - 1))


CHANGED_BY_BUG = Part(
    key="08.4", notebook="08_deep_networks", grade_id="part4_tests", function="changed_by_bug", points=2,
    forbidden=(), make_cases=bug_cases, reference=changed_by_bug, args=("bug", "depth", "layer"), kind="indices",
    mistakes=(
        Mistake.variant("one_based", lambda bug, depth, layer: [k + 1 for k in changed_by_bug(bug, depth, layer)],
                        "Your layers are right but numbered from 1: return indices into dWs, which start at 0 "
                        "(dWs[0] is the gradient of W(1))."),
        Mistake.variant("everything", lambda bug, depth, layer: list(range(depth)),
                        "Not every bug reaches every layer: a wrong step of the backward pass changes only what "
                        "is computed after it, and the backward pass runs from the output down to W(1)."),
        Mistake.variant("only_its_layer", lambda bug, depth, layer: [layer - 1],
                        "A bug in the error of one layer does not stay there: each layer's error is computed "
                        "from the error of the layer above it, so a wrong delta(l) makes every error below it "
                        "wrong too; and a change in the forward pass changes the output and with it every "
                        "error."),
        Mistake.variant("upward", lambda bug, depth, layer: list(range(layer - 1, depth)) if bug != "one_over_m"
                        else [layer - 1],
                        "The backward pass runs from the output down to the input: a wrong error at some layer "
                        "spoils the layers below it (closer to the input), not those above."),
        Mistake.variant("slope_off_by_one", lambda bug, depth, layer: list(range(layer)) if bug == "slope" else
                        changed_by_bug(bug, depth, layer),
                        "One layer too many for the slope: f'(z(l)) is a factor of delta(l), and delta(l) "
                        "first enters dW(l-1) = a(l-1).T @ delta(l) / m. dW(l) uses delta(l+1), which is "
                        "computed before the wrong factor."),
        Mistake.variant("forward_like_backward", lambda bug, depth, layer: list(range(layer))
                        if bug == "bias_forward" else changed_by_bug(bug, depth, layer),
                        "A bias left out of the forward pass changes z and a of every layer above it, so the "
                        "output and the output error change, and with them every error on the way back: every "
                        "dW changes."),
        Mistake.variant("forward_upward", lambda bug, depth, layer: list(range(layer - 1, depth))
                        if bug == "bias_forward" else changed_by_bug(bug, depth, layer),
                        "A bias left out of the forward pass changes the output, so the output error changes "
                        "and is carried back down to W(1): the layers below it change too."),
        Mistake.variant("m_spreads", lambda bug, depth, layer: list(range(layer))
                        if bug == "one_over_m" else changed_by_bug(bug, depth, layer),
                        "Dividing dW(l) by m happens after the errors are computed: no other layer's gradient "
                        "uses dW(l), so only that one changes."),
    ),
)


# ------------------------------------------------------------ 08.5 backprop_elu (transfer)
# No lesson uses ELU: elu(z) = z for z > 0, alpha * (e^z - 1) otherwise. The core has no ELU, so the
# reference is the autograd engine's gradient of a graph built from the core's own ops (relu, exp, the
# sigmoid-cross-entropy node): elu(z) = relu(z) + alpha * (exp(-relu(-z)) - 1). The mistakes run the core's
# backward recursion (bpkit.backprop.batch_sums) through a stand-in network whose forward pass is ELU, with
# the slope rule (or the output error) changed.
def _elu(alpha):
    def f(z):
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
    return f


class _EluNet:
    """What :func:`bpkit.backprop.batch_sums` reads of a network (weights, biases, activation, trace), with a
    hidden forward pass the core does not have."""

    def __init__(self, Ws, bs, hidden):
        self.weights = [np.array(W, dtype=float) for W in Ws]
        self.biases = [np.array(b, dtype=float) for b in bs]
        self.activation, self._hidden = "elu", hidden

    def trace(self, X):
        zs, acts = [None], [np.asarray(X, dtype=float)]
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = acts[-1] @ W + b
            zs.append(z)
            acts.append(ACTIVATIONS["sigmoid"].fn(z) if l == len(self.weights) - 1 else self._hidden(z))
        return Trace(zs, acts)


def elu_planted(X, Y, Ws, bs, alpha, slope, *, hidden=None, kind="cross_entropy"):
    """``(dWs, dbs)`` of the core's backward pass through an ELU forward pass with ``slope(z, a)`` as f'."""
    net = _EluNet(Ws, bs, hidden or _elu(alpha))
    rules = RULES._replace(slope=lambda activation, z, a: slope(z, a))
    X = np.asarray(X, dtype=float)
    Delta_W, Delta_b = batch_sums(net, X, np.asarray(Y, dtype=float), COSTS[kind], rules)
    dW, db = gradients(Delta_W, Delta_b, net, 0.0, X.shape[0], rules)
    return list(dW), list(db)


def backprop_elu(X, Y, Ws, bs, alpha):
    """The reference: the engine's gradient of the mean cross-entropy of an ELU network, ``(dWs, dbs)``."""
    Wt = [ag.Tensor(W) for W in Ws]
    bt = [ag.Tensor(b) for b in bs]
    a = ag.Tensor(X, requires_grad=False)
    for k, (W, b) in enumerate(zip(Wt, bt)):
        z = a @ W + b
        if k == len(Wt) - 1:
            J = ag.sigmoid_cost(z, np.asarray(Y, dtype=float), kind="cross_entropy")
        else:
            a = ag.relu(z) + float(alpha) * (ag.exp(-ag.relu(-z)) - 1.0)
    J.backward()
    return [W.grad.copy() for W in Wt], [b.grad.copy() for b in bt]


#: a few units of every hidden layer sit on each side of 0 (biases 0.6 N(0, 1)); alpha is never 1
def elu_cases(rng):
    X, Y, Ws, bs, _ = deep_case(np.random.default_rng(85), "elu")
    cases = [(X, Y, Ws, bs, 0.5)]
    for _ in range(4):
        X, Y, Ws, bs, _ = deep_case(rng, "elu")
        cases.append((X, Y, Ws, bs, float(rng.choice([0.3, 0.5, 0.7, 1.5, 2.0, 2.5]))))
    return cases


def _neg(alpha, neg):
    """A slope rule: 1 where a > 0, ``neg(z, a, alpha)`` elsewhere."""
    return lambda z, a: np.where(a > 0, 1.0, neg(z, a, alpha))


def _elu_mistake(slope_neg=None, *, slope=None, **kw):
    def wrong(X, Y, Ws, bs, alpha):
        rule = slope(alpha) if slope is not None else _neg(alpha, slope_neg)
        return elu_planted(X, Y, Ws, bs, alpha, rule, **kw)
    return wrong


ELU = Part(
    key="08.5", notebook="08_deep_networks", grade_id="part5_tests", function="backprop_elu", points=4,
    forbidden=BP_FORBIDDEN + ("bpkit.autograd.Tensor.backward", "bpkit.autograd.Tensor.zero_grad",
                              "bpkit.autograd.topological_order"),
    make_cases=elu_cases, reference=backprop_elu, args=("X", "Y", "Ws", "bs", "alpha"), kind="params",
    out_names=("dWs", "dbs"), m_of=lambda args: args[0].shape[0],
    transpose_hint="dWs[l-1] must have the shape of Ws[l-1], (s_l, s_(l+1)).",
    mistakes=(
        Mistake.variant("relu_network", lambda X, Y, Ws, bs, alpha: backprop_deep(X, Y, Ws, bs, "relu"),
                        "That is the gradient of a ReLU network: below 0, ELU is not 0 but alpha * (e^z - 1), "
                        "in the forward pass and in its slope."),
        Mistake.variant("relu_slope", _elu_mistake(lambda z, a, alpha: 0.0),
                        "Your forward pass is ELU but the slope is ReLU's, 0 below zero: ELU keeps a slope "
                        "there. Differentiate alpha * (e^z - 1) with respect to z."),
        Mistake.variant("leaky_slope", _elu_mistake(lambda z, a, alpha: alpha),
                        "Below zero you used the constant slope alpha (leaky ReLU's): ELU's slope there changes "
                        "with z. Differentiate alpha * (e^z - 1)."),
        Mistake.variant("slope_is_a", _elu_mistake(lambda z, a, alpha: a),
                        "Below zero your slope is a = alpha * (e^z - 1), the activation itself: its derivative "
                        "is alpha * e^z, which from the stored a is a plus something."),
        Mistake.variant("slope_at_a", _elu_mistake(lambda z, a, alpha: alpha * np.exp(a)),
                        "Below zero you evaluated the slope alpha * e^(.) at a instead of at z: the slope is a "
                        "function of z (or, written with a, a + alpha)."),
        Mistake.variant("slope_without_alpha", _elu_mistake(lambda z, a, alpha: np.exp(z)),
                        "Below zero your slope is e^z: alpha multiplies the whole negative branch, so it "
                        "multiplies its slope too."),
        Mistake.variant("exp_slope_everywhere", _elu_mistake(slope=lambda alpha: lambda z, a: alpha * np.exp(z)),
                        "You used alpha * e^z as the slope on both sides of 0: above 0, ELU is z itself, with "
                        "slope 1."),
        Mistake.variant("no_slope", _elu_mistake(slope=lambda alpha: lambda z, a: 1.0),
                        "The hidden layers' slope f'(z) is missing: the error sent back through W(l).T must be "
                        "multiplied by ELU's slope at each unit."),
        Mistake.variant("alpha_ignored", lambda X, Y, Ws, bs, alpha: backprop_elu(X, Y, Ws, bs, 1.0),
                        "You used alpha = 1 whatever alpha you were given: it belongs in the forward pass "
                        "and in the slope below 0."),
        Mistake.variant("quadratic_output_error", _elu_mistake(lambda z, a, alpha: a + alpha, kind="quadratic"),
                        "Your output error is the quadratic cost's, (a - y) * a * (1 - a). For the sigmoid "
                        "output with the cross-entropy cost the sigmoid's slope cancels."),
    ),
)


PARTS = (CHANGED_BY_BUG, ELU)
