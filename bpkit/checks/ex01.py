"""Exercise 1, cost: the forward pass of a 2-3-1 network, and the quadratic cost."""
from __future__ import annotations

from ..costs import QuadraticCost
from ._nets import lesson_net, m_of, network, random_net_case
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

PARTS = (FORWARD, COST)
