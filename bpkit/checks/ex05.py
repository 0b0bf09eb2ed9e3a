"""Exercise 5, regularization: the L2-regularized cost and its gradients.

The references are :func:`bpkit.cost` and :func:`bpkit.backprop` with ``lam``;
the penalty's mistakes change the ``average`` rule of the backward pass (or
the penalty :func:`bpkit.costs.l2_penalty` of the cost).
"""
from __future__ import annotations

from ..backprop import average, backprop
from ..costs import cost, l2_penalty
from ._nets import BP_FORBIDDEN, GRADS, NET_ARGS, TRANSPOSE_W, lesson_net, m_of, network, planted, \
    random_net_case
from ._records import Mistake, Part
from .ex04 import backprop_mistakes, bias_not_averaged, planted_bug


def cases(rng):
    return [lesson_net() + (1.0,)] + [random_net_case(rng, lam=True) for _ in range(4)]


# ------------------------------------------------------ 05.1 regularized_cost
def regularized_cost(X, Y, W1, b1, W2, b2, lam):
    return cost(network(W1, b1, W2, b2), X, Y, lam=lam)


def _penalty(net, lam, m):
    return l2_penalty(net.weights, lam, m)


def _cost(X, Y, W1, b1, W2, b2, lam, *, data_times=1.0, penalty=_penalty):
    """The core's data term (times ``data_times``) plus ``penalty(net, lam, m)``, a mistaken one when given."""
    net = network(W1, b1, W2, b2)
    return data_times * cost(net, X, Y) + penalty(net, lam, X.shape[0])


REGULARIZED_COST = Part(
    key="05.1", notebook="05_regularization", grade_id="part1_tests", function="regularized_cost", points=3,
    forbidden=("bpkit.cost", "bpkit.costs.cost", "bpkit.costs.l2_penalty"),
    make_cases=cases, reference=regularized_cost, args=NET_ARGS + ("lam",), kind="scalar", m_of=m_of,
    mistakes=(
        Mistake.variant("regularized_bias",
                        lambda *a: _cost(*a, penalty=lambda net, lam, m: l2_penalty(net.params(), lam, m)),
                        "You regularized the biases: the penalty lam/(2m) * sum(W**2) runs over the weights W1 and "
                        "W2 only, never b1 or b2."),
        Mistake.variant("penalty_no_m",
                        lambda *a: _cost(*a, penalty=lambda net, lam, m: l2_penalty(net.weights, lam, 1)),
                        "The penalty is missing its 1/m: it is lam/(2m) * sum(W**2), averaged like the data term."),
        Mistake.variant("penalty_no_half",
                        lambda *a: _cost(*a, penalty=lambda net, lam, m: 2 * l2_penalty(net.weights, lam, m)),
                        "The penalty is twice too large: it is lam/(2m) * sum(W**2), with a 1/2."),
        Mistake.variant("no_penalty", lambda *a: _cost(*a, penalty=lambda net, lam, m: 0.0),
                        "Your cost has no penalty term: add lam/(2m) * (sum(W1**2) + sum(W2**2))."),
        Mistake.variant("sum_not_mean", lambda *a: _cost(*a, data_times=a[0].shape[0]),
                        "The data term is a sum over the examples, m = {m} times too large: the course uses the "
                        "mean, sum((Y - Yhat)**2) / (2m)."),
    ),
)


# ------------------------------------------------- 05.2 regularized_gradients
def regularized_gradients(X, Y, W1, b1, W2, b2, lam):
    dW, db = backprop(network(W1, b1, W2, b2), X, Y, lam=lam)
    return dW[0], db[0], dW[1], db[1]


def penalty_without_m(Delta_W, Delta_b, W, b, lam, m):
    return Delta_W / m + lam * W, Delta_b / m


def penalty_halved(Delta_W, Delta_b, W, b, lam, m):
    return average(Delta_W, Delta_b, W, b, lam / 2, m)


def penalty_subtracted(Delta_W, Delta_b, W, b, lam, m):
    return average(Delta_W, Delta_b, W, b, -lam, m)


REGULARIZED_GRADIENTS = Part(
    key="05.2", notebook="05_regularization", grade_id="part2_tests", function="regularized_gradients", points=4,
    forbidden=BP_FORBIDDEN, make_cases=cases, reference=regularized_gradients, args=NET_ARGS + ("lam",),
    kind="arrays", out_names=GRADS, m_of=m_of, transpose_hint=TRANSPOSE_W,
    mistakes=(
        planted_bug("regularized_bias",
                    "You regularized the biases: db1 and db2 must not get the lam * b / m term. L2 "
                    "regularization penalizes the weights only."),
        Mistake.variant("penalty_no_m", lambda *a: planted(*a, average=penalty_without_m),
                        "The penalty's gradient is missing its 1/m: the derivative of lam/(2m) * sum(W**2) is "
                        "lam * W / m, not lam * W."),
        Mistake.variant("penalty_half", lambda *a: planted(*a, average=penalty_halved),
                        "The penalty's gradient is half what it should be: the derivative of lam/(2m) * W**2 is "
                        "lam * W / m (the 2 from the square cancels the 1/2)."),
        Mistake.variant("penalty_sign", lambda *a: planted(*a, average=penalty_subtracted),
                        "Wrong sign on the penalty's gradient: add lam * W / m (the penalty grows with |W|, so its "
                        "gradient points the same way as W)."),
        Mistake.variant("no_penalty", lambda *a: planted(*a[:6]),
                        "Your gradients are those of the unregularized cost: add lam * W / m to dW1 and dW2."),
        planted_bug("forgot_1/m",
                    "Off by a factor of m = {m}: your gradients are sums over the examples. The cost is a mean, "
                    "so divide (Delta + lam * W) by m."),
        Mistake.variant("bias_sum", lambda *a: planted(*a, average=bias_not_averaged),
                        "Your weight gradients are right, but the bias gradients are a sum over the examples, "
                        "m = {m} times too large. Divide them by m as well."),
    ) + backprop_mistakes(loop=False)[2:],  # from weight_sum on (forgot_1/m and bias_sum are above)
)

PARTS = (REGULARIZED_COST, REGULARIZED_GRADIENTS)
