"""Exercise 1, cost: the forward pass of a 2-3-1 network, the quadratic cost, a prediction and a cost no lesson computes.

* 01.1 ``forward`` and 01.2 ``quadratic_cost``: practice (lesson 1).
* 01.3 ``cost_moves(name)``: a prediction, graded as a value: which way the cost of lesson 1's untrained
  network moves when one parameter is nudged up (-1, 0 or +1), asked parameter by parameter in an order
  drawn from the seed.
* 01.4 ``cross_entropy_cost(Y, z3)``: the transfer part, the cross-entropy cost of a sigmoid output layer
  computed from its weighted inputs, finite at |z| = 1000 (the core's :meth:`CrossEntropyCost.total`).
"""
from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ..costs import CrossEntropyCost, QuadraticCost
from ._nets import lesson_net, m_of, network, random_net_case
from ._compare import not_a_direction as _not_a_direction
from ._records import Mistake, Part


# -------------------------------------------------------------- 01.1 forward
def forward_cases(rng):
    X, _, W1, b1, W2, b2 = lesson_net()
    cases = [(X, W1, b1, W2, b2)]
    for _ in range(4):
        X, _, W1, b1, W2, b2 = random_net_case(rng)
        cases.append((X, W1, b1, W2, b2))
    return cases


def forward(X, W1, b1, W2, b2):
    return network(W1, b1, W2, b2).predict(X)


FORWARD = Part(
    key="01.1", notebook="01_cost", grade_id="part1_tests", function="forward", points=2,
    forbidden=("bpkit.Network.forward", "bpkit.Network.predict", "bpkit.network.Network.forward",
               "bpkit.network.Network.predict"),
    make_cases=forward_cases, reference=forward, args=("X", "W1", "b1", "W2", "b2"), kind="array", m_of=m_of,
    transpose_hint="With rows as examples the output has one row per example: (m, s_3).",
    mistakes=(
        Mistake.variant("no_output_sigmoid", lambda X, W1, b1, W2, b2: network(W1, b1, W2, b2).trace(X).zs[-1],
                        "Your output looks like z(3), the weighted input of the output layer. Apply the sigmoid "
                        "to it: yhat = sigma(z(3))."),
        Mistake.variant("no_hidden_sigmoid",  # z(2) fed on as if it were a(2)
                        lambda X, W1, b1, W2, b2: network(W2, b2).predict(network(W1, b1).trace(X).zs[-1]),
                        "The hidden layer is missing its sigmoid: a(2) = sigma(z(2)) must go into the next "
                        "product, not z(2)."),
        Mistake.variant("no_bias", lambda X, W1, b1, W2, b2: forward(X, W1, 0 * b1, W2, 0 * b2),
                        "You left out the biases: z(2) = X @ W1 + b1 and z(3) = a(2) @ W2 + b2."),
    ),
)


# -------------------------------------------------------- 01.2 quadratic cost
def cost_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    cases = [(Y, forward(X, W1, b1, W2, b2))]
    # k = 2 and k = 3 outputs on every seed: with k = 1 alone (the lesson's case) "np.mean without the 1/2"
    # (2/k) would read as "the 1/2 is missing" (2), and with k = 2 alone it would be right
    for k in rng.permutation([2, 3, int(rng.integers(2, 4)), int(rng.integers(2, 4))]):
        m = int(rng.integers(4, 8))
        cases.append((rng.uniform(0, 1, (m, int(k))), rng.uniform(0, 1, (m, int(k)))))
    return cases


def quadratic_cost(Y, Yhat):
    """J = sum((Y - Yhat)**2) / (2m): the core's summed cost over m."""
    return QuadraticCost.total(None, Yhat, Y) / Y.shape[0]


COST = Part(
    key="01.2", notebook="01_cost", grade_id="part2_tests", function="quadratic_cost", points=2,
    forbidden=("bpkit.cost", "bpkit.costs.cost"),
    make_cases=cost_cases, reference=quadratic_cost, args=("Y", "Yhat"), kind="scalar", m_of=m_of,
    mistakes=(
        Mistake.factor("sum_not_mean", lambda args, m: m,
                       "Your cost is m = {m} times too large: it is a sum over the examples. The course uses the "
                       "mean, J = sum((Y - Yhat)**2) / (2m): divide by m."),
        Mistake.factor("missing_half", lambda args, m: 2.0,
                       "Your cost is twice too large: the factor 1/2 is missing, J = sum((Y - Yhat)**2) / (2m)."),
        Mistake.factor("mean_all_entries", lambda args, m: 1.0 / args[0].shape[1],
                       "You divided by the number of entries, m * k, instead of the number of examples m "
                       "(np.mean averages over outputs too). Sum all the squares and divide by 2m."),
        Mistake.factor("mean_no_half", lambda args, m: 2.0 / args[0].shape[1],
                       "You used np.mean over all entries and dropped the 1/2: sum all the squares and divide "
                       "by 2m."),
    ),
)



# ----------------------------------------------------- 01.3 cost_moves (predict)
#: the parameters the prompt asks about, by the names the prompt gives them
MOVE_NAMES = tuple([f"W1[{k},{j}]" for k in range(2) for j in range(3)] + [f"b1[{j}]" for j in range(3)]
                   + [f"W2[{j},0]" for j in range(3)] + ["b2[0]"])


def _lesson_slopes():
    """``{name: (dJ/dparameter, the parameter's value)}`` for lesson 1's untrained network, from the core's backprop."""
    from ..backprop import backprop
    X, Y, W1, b1, W2, b2 = lesson_net()
    dW, db = backprop(network(W1, b1, W2, b2), X, Y)
    found = {}
    for name, g, v in (("W1", dW[0], W1), ("b1", db[0], b1), ("W2", dW[1], W2), ("b2", db[1], b2)):
        for idx in np.ndindex(v.shape):
            key = f"{name}[{','.join(str(i) for i in idx)}]"
            found[key] = (float(g[idx]), float(v[idx]))
    return {n: found[n] for n in MOVE_NAMES}


def cost_moves(name):
    """The right answer: the sign of dJ/d(name) for lesson 1's untrained network (the way J moves when it goes up)."""
    return float(np.sign(_lesson_slopes()[name][0]))


def moves_cases(rng):
    """b2 first (the prompt's example), then every parameter in an order drawn from the seed."""
    return [("b2[0]",)] + [(str(n),) for n in rng.permutation(MOVE_NAMES)]


def _first_layer(name):
    return name.startswith(("W1", "b1"))


MOVES = Part(
    key="01.3", notebook="01_cost", grade_id="part3_tests", function="cost_moves", points=2, forbidden=(),
    make_cases=moves_cases, reference=cost_moves, args=("name",), kind="scalar",
    mistakes=(
        Mistake.contract("not_a_direction", _not_a_direction,
                         "{fn} should return a direction, -1 (the cost goes down), 0 (it does not move) or +1 "
                         "(it goes up), but on case {i} ({args}) it returned another number. The question is "
                         "only which way the cost moves, not by how much."),
        Mistake.variant("opposite", lambda name: -cost_moves(name),
                        "Every direction is reversed: you reasoned as if the predictions were above the targets "
                        "(or as if raising a prediction raised the cost). They are all below: a nudge that "
                        "raises the output brings it closer and lowers the cost."),
        Mistake.variant("own_sign", lambda name: cost_moves(name) * (np.sign(_lesson_slopes()[name][1]) or 1.0),
                        "Your answers flip where the weight itself is negative. Raising a weight by a little "
                        "adds the same amount whatever its sign: what decides the direction is the sign of what "
                        "it multiplies and of every weight on the way to the output, not its own sign."),
        Mistake.variant("first_layer_still", lambda name: 0.0 if _first_layer(name) else cost_moves(name),
                        "You predicted that the first layer's weights and biases do not move the cost. They "
                        "reach it through the hidden unit they feed and then W2: follow a nudge forward, layer "
                        "by layer, and its sign at every step."),
        Mistake.variant("zero_biases_still", lambda name: 0.0 if name.startswith("b") else cost_moves(name),
                        "You predicted that nudging a bias does not move the cost (perhaps because b1 and b2 "
                        "are 0). A bias is added to the weighted input whatever its value: raising it raises z "
                        "for every example, like a weight whose input is always 1."),
    ),
)


# ------------------------------------------------- 01.4 cross_entropy_cost (transfer)
def ce_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    cases = [(Y, network(W1, b1, W2, b2).trace(X).zs[-1])]
    for kind in rng.permutation(["soft", "binary", "huge", "soft"]):
        m = int(rng.integers(4, 8))
        k = 3 if kind == "huge" else int(rng.choice([2, 3]))
        z = rng.normal(0.0, 2.0, (m, k))
        Y = rng.uniform(0.0, 1.0, (m, k)) if kind == "soft" else rng.integers(0, 2, (m, k)).astype(float)
        if kind == "huge":  # sigma(z) rounds to 0 or 1: log of a probability is -inf unless taken from z
            z[0] = [1000.0, -1000.0, 800.0]
            Y[0] = [1.0, 0.0, 0.0]   # right, right, and wrong by 800
            z[1, 0], Y[1, 0] = -1000.0, 1.0
        cases.append((Y, z))
    return cases


def cross_entropy_cost(Y, z3):
    """J = -sum(Y log sigma(z3) + (1 - Y) log(1 - sigma(z3))) / m, from z3: the core's summed cost over m."""
    return CrossEntropyCost.total(z3, None, Y) / Y.shape[0]


def _ce(Y, z3, terms):
    a = sigmoid(z3)
    with np.errstate(all="ignore"):
        return float(np.sum(terms(Y, a, z3)) / Y.shape[0])


def _clipped(args, ref, out):
    """Right where no |z| is huge; at |z| = 1000 below the answer (a clipped probability caps each log)."""
    Y, z = args
    o = float(np.asarray(out[0]).reshape(()))
    return bool(np.any(np.abs(z) >= 500)) and np.isfinite(o) and o < float(ref[0]) - 1.0


CE = Part(
    key="01.4", notebook="01_cost", grade_id="part4_tests", function="cross_entropy_cost", points=3,
    forbidden=("bpkit.cost", "bpkit.costs.cost"), make_cases=ce_cases, reference=cross_entropy_cost,
    args=("Y", "z3"), kind="scalar", m_of=m_of, strict_float=True,
    mistakes=(
        Mistake.exception("log_of_zero", lambda name, full: "divide by zero" in full,
                          "{fn} took the log of 0 on case {i} ({args}): at |z| = 1000 the sigmoid rounds to "
                          "exactly 0 or 1, so log(a) or log(1 - a) is -inf. Do not compute a at all: write "
                          "each log with z itself, in a form whose exponentials never see a large positive "
                          "argument."),
        Mistake.overflow("overflow",
                         "{fn} overflowed: an exponential of a large positive number (e**1000) is not a float. "
                         "Write log(1 + e**t) so that exp only ever sees -|t|, or let numpy do it in one call."),
        Mistake.variant("quadratic", lambda Y, z: QuadraticCost.total(z, sigmoid(z), Y) / Y.shape[0],
                        "That is the quadratic cost of part 2, not the cross-entropy: each output's cost is "
                        "minus the log of the probability the network gives to its target."),
        Mistake.factor("sum_not_mean", lambda args, m: m,
                       "Your cost is m = {m} times too large: it is a sum over the examples. Like the quadratic "
                       "cost, J is a mean over the m examples."),
        Mistake.factor("mean_all_entries", lambda args, m: 1.0 / args[0].shape[1],
                       "You divided by the number of entries, m * k, instead of the number of examples m: sum "
                       "over the output units, average over the examples only."),
        Mistake.factor("extra_half", lambda args, m: 0.5,
                       "Your cost is half the right one: the 1/2 belongs to the quadratic cost (it cancels the "
                       "2 of a square); the cross-entropy has none."),
        Mistake.factor("log10", lambda args, m: 1.0 / np.log(10.0),
                       "Your logs are base 10: the cross-entropy uses the natural log (np.log, not np.log10)."),
        Mistake.variant("one_term", lambda Y, z: _ce(Y, z, lambda Y, a, z: Y * np.logaddexp(0.0, -z)),
                        "Only the targets' y log a term is there: an output whose target is 0 costs "
                        "-log(1 - a), so each output has two terms, weighted y and 1 - y."),
        Mistake.variant("logs_swapped",
                        lambda Y, z: _ce(Y, z, lambda Y, a, z: Y * np.logaddexp(0.0, z) + (1 - Y) * np.logaddexp(0.0, -z)),
                        "The two logs are swapped: y goes with log(a), the probability of a 1, and 1 - y with "
                        "log(1 - a)."),
        Mistake.predicate("clipped", _clipped,
                          "Right except where |z| is huge, and there too small: did you clip a (or z) to keep "
                          "the log finite? Then a wrong answer at z = 1000 costs only about log(1e12) instead of "
                          "1000. Do not clip: write each log with z itself, and it stays exact."),
        Mistake.nan("log_of_zero_nan", lambda args, ref, out: bool(np.any(np.abs(args[1]) >= 500)),
                    "{fn} returned nan or inf on case {i}, whose |z| reaches 1000: the sigmoid rounds to 0 or 1 "
                    "there and its log is -inf (and 0 * inf is nan). Write each log with z itself."),
    ),
)

PARTS = (FORWARD, COST, MOVES, CE)
