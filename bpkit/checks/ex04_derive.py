"""Exercise 4's prediction and transfer parts: 04.4 (which gradients a one-line slip in lesson 4's loop
changes) and 04.5 (backprop through two tanh hidden layers, which no lesson works out). Parts 04.1-04.3 are in
:mod:`.ex04`, whose mistaken rules of the backward pass these parts share; 04.5's reference is the core's
:func:`bpkit.backprop`.
"""
from __future__ import annotations

import numpy as np

from .. import buggy
from ..backprop import backprop, output_error, slope
from ..data import sleep_study
from ._compare import close
from ._nets import BP_FORBIDDEN, TRANSPOSE_W, m_of, network
from ._records import Mistake, Part
from .ex04 import bias_not_averaged, last_row


# ------------------------------------------------------ 04.4 changed_by (predict)
#: the slips of the prompt, each one line of part 1's loop changed
SLIPS = ("hidden_slope_missing", "output_slope_missing", "bias_sums_not_averaged", "z2_in_share",
         "Delta1_overwritten", "hidden_bias_left_out", "hidden_slope_at_a", "Delta_b2_overwritten")


def slipped_loop(slip, X, Y, W1, b1, W2, b2):
    """Part 1's loop over the examples with one line changed as ``slip`` says (None: the right loop)."""
    sig = lambda z: np.exp(-np.logaddexp(0.0, -z))  # noqa: E731
    m = X.shape[0]
    D1, Db1, D2, Db2 = np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)
    for i in range(m):
        x, y = X[i:i + 1], Y[i:i + 1]
        z2 = x @ W1 + (0.0 if slip == "hidden_bias_left_out" else b1)
        a2 = sig(z2)
        a3 = sig(a2 @ W2 + b2)
        d3 = (a3 - y) * (1.0 if slip == "output_slope_missing" else a3 * (1 - a3))
        s2 = {"hidden_slope_missing": 1.0, "hidden_slope_at_a": sig(a2) * (1 - sig(a2))}.get(slip, a2 * (1 - a2))
        d2 = (d3 @ W2.T) * s2
        D2 += (z2 if slip == "z2_in_share" else a2).T @ d3
        Db2 = d3[0] if slip == "Delta_b2_overwritten" else Db2 + d3[0]
        D1 = x.T @ d2 if slip == "Delta1_overwritten" else D1 + x.T @ d2
        Db1 += d2[0]
    mb = 1.0 if slip == "bias_sums_not_averaged" else m
    return D1 / m, Db1 / mb, D2 / m, Db2 / mb


def changed_by(slip):
    """The right answer, measured: which of (dW1, db1, dW2, db2) the slip changes, on a random network whose
    gradients are compared with the core's :func:`bpkit.backprop`."""
    rng = np.random.default_rng(4)
    X, Y = rng.uniform(-1, 1, (5, 2)), rng.uniform(0, 1, (5, 2))
    W1, b1, W2, b2 = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal((3, 2)), \
        rng.standard_normal(2)
    dW, db = backprop(network(W1, b1, W2, b2), X, Y)
    right = (dW[0], db[0], dW[1], db[1])
    got = slipped_loop(slip, X, Y, W1, b1, W2, b2)
    return tuple(not np.allclose(g, r, rtol=1e-9, atol=1e-12) for g, r in zip(got, right))


def slip_cases(rng):
    """The prompt's example first, then every slip in an order drawn from the seed."""
    return [("hidden_slope_missing",)] + [(str(s),) for s in rng.permutation(SLIPS)]


_TRUTH = {s: changed_by(s) for s in SLIPS}
_UPSTREAM = {"output_slope_missing": (False, False, True, True), "hidden_bias_left_out": (True, True, False, False)}


def _theory(rule):
    """A wrong theory of the whole table: ``rule(slip, truth)`` gives its answer for each slip."""
    return lambda slip: rule(slip, _TRUTH[slip])


def _on_slip(slip):
    return lambda args, ref, out: args[0] == slip


_WHY = {
    "hidden_slope_missing": "the hidden error delta(2) loses its factor sigma'(z(2)), and only dW1 and db1 are "
                            "made from delta(2); delta(3), dW2 and db2 are computed before it and never read it",
    "output_slope_missing": "delta(3) is wrong, and everything is made from it: dW2 and db2 directly, and delta(2), "
                            "so dW1 and db1 too",
    "bias_sums_not_averaged": "the bias sums stay sums, m times too large; the weight gradients are divided as "
                              "before",
    "z2_in_share": "only the share added into Delta2 reads z(2) in place of a(2); nothing else uses that share",
    "Delta1_overwritten": "Delta1 keeps only the last example's share; the bias sums and Delta2 still add up "
                          "every example",
    "hidden_bias_left_out": "a forward-pass slip: a(2) is wrong, so a(3), delta(3), delta(2) and every gradient "
                            "made from them are wrong too",
    "hidden_slope_at_a": "sigma'(a(2)) is a wrong hidden slope, so delta(2) is wrong, and only dW1 and db1 are made "
                         "from it",
    "Delta_b2_overwritten": "only the output bias's accumulator keeps just the last example",
}

CHANGED_BY = Part(
    key="04.4", notebook="04_delta_accumulation", grade_id="part4_tests", function="changed_by", points=2,
    forbidden=(), make_cases=slip_cases, reference=changed_by, args=("slip",), kind="array",
    mistakes=(
        Mistake.variant("stays_where_it_is",
                        _theory(lambda slip, t: _UPSTREAM.get(slip, t)),
                        "You marked only the arrays of the layer where the slip is. A slip in delta(3) or in the "
                        "forward pass travels: delta(2) is computed from delta(3), and delta(3) from the forward "
                        "pass, so everything made from them changes too."),
        Mistake.variant("flows_forward",
                        _theory(lambda slip, t: (True,) * 4 if t == (True, True, False, False) else t),
                        "A slip in the hidden layer's error does not reach dW2 or db2: the backward pass computes "
                        "delta(3), dW2 and db2 first and only then sends the error back to delta(2)."),
        Mistake.variant("biases_spared",
                        _theory(lambda slip, t: (t[0], False, t[2], False)),
                        "You never marked a bias gradient: db is the sum of its layer's delta, so whatever "
                        "changes a delta changes the bias gradient with it."),
        Mistake.variant("share_feeds_back",
                        _theory(lambda slip, t: (True, True, True, False) if slip == "z2_in_share" else t),
                        "A slip in a share (what is added into Delta) changes only that Delta: the shares are "
                        "read by nothing else, and delta(2) is computed from delta(3) and W2, not from Delta2."),
    ) + tuple(Mistake.predicate(f"wrong_on_{s}", _on_slip(s),
                                f"Your answer for {s!r} is wrong (the others are right): {_WHY[s]}.")
              for s in SLIPS),
)


# ------------------------------------------------------ 04.5 backprop_tanh3 (transfer)
TANH3_ARGS = ("X", "Y", "W1", "b1", "W2", "b2", "W3", "b3")
TANH3_GRADS = ("dW1", "db1", "dW2", "db2", "dW3", "db3")


def tanh3_net(W1, b1, W2, b2, W3, b3):
    """The :class:`bpkit.Network` of the arrays: two tanh hidden layers and a sigmoid output."""
    net = network(W1, b1, W2, b2, W3, b3)
    net.activation = "tanh"
    return net


def _by_layer(dW, db):
    return tuple(g for gW, gb in zip(dW, db) for g in (gW, gb))


def backprop_tanh3(X, Y, W1, b1, W2, b2, W3, b3):
    """The right answer: the core's :func:`bpkit.backprop` on the tanh network (quadratic cost, a mean)."""
    return _by_layer(*backprop(tanh3_net(W1, b1, W2, b2, W3, b3), X, Y))


def tanh3_planted(X, Y, W1, b1, W2, b2, W3, b3, kind="quadratic", **changed):
    """The core's pass on the tanh network with the named rules changed."""
    return _by_layer(*buggy.planted(tanh3_net(W1, b1, W2, b2, W3, b3), X, Y, kind, 0.0, **changed))


def tanh3_cases(rng):
    """A 2-3-4-1 network on lesson 1's data, random ones (n, s_2, s_3, k all different, so a slip in one layer's
    slope shows by the layer's width), and one batch of a single example."""
    X, Y, *_ = sleep_study()
    r = np.random.default_rng(45)
    cases = [(X, Y, r.uniform(-1, 1, (2, 3)), np.array([0.1, -0.2, 0.3]), r.uniform(-1, 1, (3, 4)),
              np.array([0.2, 0.0, -0.1, 0.3]), r.uniform(-1, 1, (4, 1)), np.array([0.05]))]
    for kind in ("plain", "single_row", "plain", "plain"):
        n = int(rng.integers(2, 5))
        h1 = int(rng.choice([s for s in range(3, 7) if s != n]))
        h2 = int(rng.choice([s for s in range(2, 7) if s not in (n, h1)]))
        k = int(rng.choice([s for s in (1, 2, 3) if s not in (h1, h2)]))
        m = 1 if kind == "single_row" else int(rng.choice([s for s in range(4, 9) if s not in (n, k)]))
        X, Y = rng.uniform(-1, 1, (m, n)), rng.uniform(0, 1, (m, k))
        layers = []
        for a, b in ((n, h1), (h1, h2), (h2, k)):
            layers += [rng.standard_normal((a, b)) / np.sqrt(a), 0.5 * rng.standard_normal(b)]
        cases.append((X, Y, *layers))
    return cases


def _slope_missing_at(width):
    """The slope of the hidden layer ``width`` units wide taken as 1 (the others right)."""
    def rule(activation, z, a):
        return 1.0 if z.shape[1] == width else slope(activation, z, a)
    return rule


def _tanh_output_error(cost, z, a, Y):
    """The output error with tanh's slope 1 - a**2, as if the output unit were tanh too."""
    return output_error(cost, z, a, Y) / (a * (1 - a)) * (1 - a * a)


def _wrong_order(order):
    def test(args, ref, out):
        return len(out) == 6 and close(list(out), [ref[j] for j in order])
    return test


TANH3 = Part(
    key="04.5", notebook="04_delta_accumulation", grade_id="part5_tests", function="backprop_tanh3", points=4,
    forbidden=BP_FORBIDDEN, make_cases=tanh3_cases, reference=backprop_tanh3, args=TANH3_ARGS, kind="arrays",
    out_names=TANH3_GRADS, m_of=m_of, transpose_hint=TRANSPOSE_W,
    mistakes=(
        Mistake.predicate("weights_then_biases", _wrong_order((0, 2, 4, 1, 3, 5)),
                          "Your gradients are right but in the order weights first, then biases. The course "
                          "returns them layer by layer: (dW1, db1, dW2, db2, dW3, db3)."),
        Mistake.predicate("layers_reversed", _wrong_order((4, 5, 2, 3, 0, 1)),
                          "Your gradients are right but from the output back: the backward pass finds dW3 first, "
                          "but the result goes layer by layer from the input, (dW1, db1, dW2, db2, dW3, db3)."),
        Mistake.variant("sigmoid_slope_for_tanh",
                        lambda *a: tanh3_planted(*a, slope=lambda activation, z, a_: a_ * (1 - a_)),
                        "dW3 and db3 are right, but the hidden layers' are not: you used the sigmoid's slope "
                        "a * (1 - a) for the tanh units. Derive tanh's slope and write it with tanh's output."),
        Mistake.variant("tanh_prime_of_a",
                        lambda *a: tanh3_planted(*a, slope=lambda activation, z, a_: 1 - np.tanh(a_) ** 2),
                        "The hidden slopes are taken at the output: 1 - tanh(a)**2 with a = tanh(z) is tanh'(a), "
                        "not tanh'(z). Evaluate the slope at z (or write it with a itself)."),
        Mistake.variant("tanh_shortcut_at_z",
                        lambda *a: tanh3_planted(*a, slope=lambda activation, z, a_: 1 - z * z),
                        "Your hidden slope is 1 - z**2: tanh's shortcut is written with the output a = tanh(z), "
                        "not with z."),
        Mistake.variant("no_hidden_slope", lambda *a: tanh3_planted(*a, slope=lambda activation, z, a_: 1.0),
                        "dW3 and db3 are right, but neither hidden layer multiplies by its slope: each time the "
                        "error is sent back through a weight matrix, it is multiplied by tanh'(z) of the layer "
                        "it arrives at."),
        Mistake.variant("first_hidden_slope_missing",
                        lambda *a: tanh3_planted(*a, slope=_slope_missing_at(a[2].shape[1])),
                        "dW3, db3, dW2 and db2 are right, but dW1 and db1 are not: the error sent back to the "
                        "first hidden layer (layer 2) is not multiplied by its slope tanh'(z(2)). The recursion "
                        "applies at every hidden layer, not only the last one."),
        Mistake.variant("second_hidden_slope_missing",
                        lambda *a: tanh3_planted(*a, slope=_slope_missing_at(a[4].shape[1])),
                        "dW3 and db3 are right, but the error sent back to the second hidden layer (layer 3) "
                        "is not multiplied by its slope tanh'(z(3)); everything below it inherits the slip."),
        Mistake.variant("tanh_output_slope", lambda *a: tanh3_planted(*a, output_error=_tanh_output_error),
                        "Your output error uses tanh's slope, but the output unit is a sigmoid: its slope is the "
                        "sigmoid's, whatever the hidden layers use."),
        Mistake.variant("missing_output_prime", lambda *a: tanh3_planted(*a, kind="cross_entropy"),
                        "Your output error is a - y, which is right for the cross-entropy cost. This part's cost is "
                        "the quadratic one: its output error keeps the output sigmoid's slope."),
        Mistake.variant("last_only", lambda *a: tanh3_planted(*a, layer_sums=last_row),
                        "Your Deltas keep only the last example: each example adds its shares with `+=`."),
        Mistake.variant("forgot_1/m", lambda *a: tuple(g * a[0].shape[0] for g in backprop_tanh3(*a)),
                        "Off by a factor of m = {m}: your gradients are sums over the examples. The cost is a mean, "
                        "so divide every Delta by m."),
        Mistake.variant("bias_sum", lambda *a: tanh3_planted(*a, average=bias_not_averaged),
                        "Your weight gradients are right, but the bias gradients are a sum over the examples, "
                        "m = {m} times too large. Divide them by m as well."),
        Mistake.variant("output_sign", lambda *a: tuple(-g for g in backprop_tanh3(*a)),
                        "Wrong sign: your gradients are minus the right ones. The output error starts from "
                        "(a - y), not (y - a)."),
    ),
)


PARTS = (CHANGED_BY, TANH3)
