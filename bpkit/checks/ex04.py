"""Exercise 4, Delta accumulation: backprop as a loop and vectorized on a cost whose examples are weighted,
Ng's Theta-form loop with the bias in the last column, a prediction (04.4: which gradients a one-line slip in
lesson 4's loop changes) and a transfer part (04.5: a network with two tanh hidden layers, which no lesson
works out). Parts 04.1-04.3 practise the lessons' ideas on variants no lesson works out (issue 21).

The references run the core's pass: for 04.1 and 04.2 :func:`bpkit.backprop.batch_sums` and
:func:`bpkit.backprop.gradients` with the layer sums taken of the weighted errors and the average over the
total weight; for 04.3 :func:`bpkit.backprop` through the core's bridge, :meth:`bpkit.Network.from_thetas`
(the bias column moved to the front), the gradients turned back into this Theta form; for 04.5
:func:`bpkit.backprop`. Each mistake is the core's backward pass with one or two of its rules
(:class:`bpkit.backprop.Rules`) changed, or a planted bug of :data:`bpkit.buggy.BUGS` by its name.
"""
from __future__ import annotations

import numpy as np

from .. import buggy
from ..activations import sigmoid_prime
from ..backprop import RULES, average, backprop, batch_sums, gradients, layer_sums, output_error, send_back
from ..costs import prepare
from ..network import Network
from ._compare import close
from ._nets import BP_FORBIDDEN, GRADS, NET_ARGS, TRANSPOSE_W, bug, lesson_net, m_of, network, planted, \
    random_net_case
from ._records import Mistake, Part


# --------------------------------------------- mistaken rules of the backward pass
def last_row(a, delta):
    """``Delta = ...`` where ``Delta += ...`` belongs: only the last example's outer product is kept."""
    return layer_sums(a[-1:], delta[-1:])


def not_averaged(Delta_W, Delta_b, W, b, lam, m):
    """The sums themselves: no division by m."""
    return average(Delta_W, Delta_b, W, b, lam, 1)


def bias_not_averaged(Delta_W, Delta_b, W, b, lam, m):
    """The weights averaged, the bias sums left as they are."""
    return average(Delta_W, Delta_b, W, b, lam, m)[0], Delta_b


def penalty_not_averaged(Delta_W, Delta_b, W, b, lam, m):
    """The sums averaged, the L2 term lam * W left without its 1/m."""
    return Delta_W / m + lam * W, Delta_b / m


def weights_not_averaged(Delta_W, Delta_b, W, b, lam, m):
    """The biases averaged, the weight sums left as they are (the L2 term still over m)."""
    return Delta_W + lam * W / m, Delta_b / m


def sigma_error(cost, z, a, Y):
    """The output error with sigma(z) = a where sigma'(z) belongs."""
    return (a - Y) * a


def z_error(cost, z, a, Y):
    """The output error with z * (1 - z) where sigma'(z) = a * (1 - a) belongs."""
    return (a - Y) * z * (1 - z)


def z_slope(activation, z, a):
    """z * (1 - z) where the slope sigma'(z) = a * (1 - a) belongs."""
    return z * (1 - z)


def a_error(cost, z, a, Y):
    """The output error with sigma'(a) where sigma'(z) belongs."""
    return (a - Y) * sigmoid_prime(a)


def a_slope(activation, z, a):
    """sigma'(a) = sigma(a) * (1 - sigma(a)) where sigma'(z) belongs."""
    return sigmoid_prime(a)


def _bias_over_units(args, ref, out):
    """A bias gradient of shape (m,): the sum (or mean) over axis 1, the units, instead of axis 0, the examples."""
    m = args[0].shape[0]
    return len(out) == len(ref) and any(o.shape == (m,) and r.shape != (m,) for o, r in zip(out[1::2], ref[1::2]))


def planted_bug(name, message):
    """The mistake that is the planted bug ``bpkit.buggy.BUGS[name]``, under the catalogue's own name."""
    return Mistake.variant(name, lambda *a: bug(name, *a), message)


def backprop_mistakes(*, loop):
    """The mistakes of a 2-layer backprop of the plain mean (05.2 uses them from ``weight_sum`` on; parts 04.1 and
    04.2, whose examples are weighted, have :func:`weighted_mistakes`)."""
    ms = []
    if loop:
        ms += [
            Mistake.variant("last_only", lambda *a: planted(*a, layer_sums=last_row),
                            "Your Delta keeps only the last example: inside the loop use `Delta += ...` so every "
                            "example adds its nudges, instead of `Delta = ...`."),
            Mistake.variant("last_only_sum", lambda *a: planted(*a, layer_sums=last_row, average=not_averaged),
                            "Your Delta keeps only the last example (and is not divided by m): use "
                            "`Delta += ...` inside the loop, then divide by m after it."),
        ]
    return tuple(ms) + (
        planted_bug("forgot_1/m",
                    "Off by a factor of m = {m}: your gradients are sums over the examples (Delta itself). The "
                    "cost is a mean, so divide every Delta by m."),
        Mistake.variant("bias_sum", lambda *a: planted(*a, average=bias_not_averaged),
                        "Your weight gradients are right, but the bias gradients are a sum over the examples, "
                        "m = {m} times too large. Divide them by m as well: dJ/db is a mean."),
        Mistake.variant("weight_sum", lambda *a: planted(*a, average=weights_not_averaged),
                        "Your bias gradients are right, but the weight gradients are a sum over the examples, "
                        "m = {m} times too large. Divide Delta_W by m as well."),
        Mistake.variant("sigma_for_sigma_prime",
                        lambda *a: planted(*a, output_error=sigma_error, slope=lambda activation, z, a: a),
                        "You used sigma(z) (that is, a) where the derivative sigma'(z) = a * (1 - a) belongs."),
        Mistake.variant("z_prime", lambda *a: planted(*a, output_error=z_error, slope=z_slope),
                        "You computed z * (1 - z). The shortcut sigma'(z) = a * (1 - a) needs the activation "
                        "a = sigma(z), not z."),
        Mistake.variant("prime_of_a", lambda *a: planted(*a, output_error=a_error, slope=a_slope),
                        "You evaluated sigma' at a instead of at z: sigmoid_prime(a) = sigma(a) * (1 - sigma(a)) "
                        "is sigma'(sigma(z)). Call sigmoid_prime on z, or use the shortcut a * (1 - a) on a."),
        planted_bug("sigma_prime_of_a",
                    "dW2 and db2 are right, but the hidden layer's are not: you evaluated sigma' at a(2) instead "
                    "of at z(2). sigmoid_prime(a2) is sigma'(sigma(z2)); use sigmoid_prime(z2), or a2 * (1 - a2)."),
        planted_bug("transposed",
                    "The shapes are right but the numbers are in the wrong places: you computed delta.T @ a and "
                    "reshaped it. reshape keeps the order of the numbers; a transpose swaps rows and columns. "
                    "Use a.T @ delta, which already has the shape of W."),
        planted_bug("missing_sigma_prime",
                    "dW2 and db2 are right, but dW1 and db1 are not: when you send the error back, "
                    "delta(2) = (delta(3) @ W2.T) * sigma'(z(2)). The factor sigma'(z(2)) is missing."),
        Mistake.variant("missing_output_prime", lambda *a: planted(*a, kind="cross_entropy"),
                        "Your output error is a - y, which is right for the cross-entropy cost. With the quadratic "
                        "cost it is delta(3) = (a - y) * sigma'(z(3)): the factor sigma'(z(3)) is missing."),
        planted_bug("output_sign",
                    "Wrong sign: your gradients are minus the right ones. The output error is (a - y), not "
                    "(y - a)."),
    )


# ----------------------------------------------------- 04.1 and 04.2 backprop, each example with its weight
# The cost of parts 1 and 2 weighs the examples: J = sum_i w_i C_i / sum_i w_i, C_i lesson 4's quadratic cost of
# example i, w = sample_weight (scikit-learn's name for it). No lesson works it out: each example's shares are
# scaled by w_i, and the mean over m becomes the weighted mean, a division by sum(w). The references run the
# core's pass (:func:`bpkit.backprop.batch_sums`, :func:`bpkit.backprop.gradients`) with its layer_sums rule given
# the weighted errors, and its average rule the divisor sum(w).
WEIGHTED_ARGS = NET_ARGS + ("sample_weight",)


def single_row(case):
    """A case cut to its first example: a batch of one row (the contract allows m = 1)."""
    return (case[0][:1], case[1][:1]) + tuple(case[2:])


def weighted_cases(rng):
    """The lesson's network and data with weights (2, 1, 0.5), then random ones: weights in [0.2, 3], one example
    of weight 0, whole counts, a hidden unit saturated (|z| in the hundreds), every weight equal (but not 1), and
    a batch of one example whose weight is not 1."""
    X, Y, W1, b1, W2, b2 = lesson_net()
    cases = [(X, Y, W1, b1, W2, b2, np.array([2.0, 1.0, 0.5]))]
    for kind in ("plain", "zero", "counts", "saturated", "equal", "single_row"):
        X, Y, W1, b1, W2, b2 = random_net_case(rng)
        m = X.shape[0]
        w = np.round(rng.uniform(0.2, 3.0, m), 3)
        if kind == "zero":
            w[int(rng.integers(m))] = 0.0
        elif kind == "counts":
            w = rng.integers(1, 5, m).astype(float)
        elif kind == "saturated":
            W1 = W1.copy()
            W1[:, int(rng.integers(W1.shape[1]))] *= 400.0
        elif kind == "equal":
            w = np.full(m, float(rng.choice([0.5, 2.0, 3.0])))
        elif kind == "single_row":
            X, Y, w = X[:1], Y[:1], np.array([float(rng.choice([0.4, 2.5]))])
        cases.append((X, Y, W1, b1, W2, b2, w))
    return cases


def _each_weighted(a, delta, w):
    """sum_i w_i a_i.T @ delta_i and sum_i w_i delta_i: the core's layer sums of the weighted errors."""
    return layer_sums(a, w[:, None] * delta)


def weighted(X, Y, W1, b1, W2, b2, sample_weight, *, sums=_each_weighted, divisor=None, kind="quadratic",
             **changed):
    """``(dW1, db1, dW2, db2)`` of the weighted mean cost from the core's pass; ``sums(a, delta, w)`` makes a
    layer's Delta sums, ``divisor(w, m)`` what they are divided by (sum(w)), ``changed`` other rules."""
    net = network(W1, b1, W2, b2)
    X, Y, C = prepare(net, X, Y, kind)
    w = np.asarray(sample_weight, dtype=float)
    rules = RULES._replace(layer_sums=lambda a, delta: sums(a, delta, w), **changed)
    Delta_W, Delta_b = batch_sums(net, X, Y, C, rules)
    g = gradients(Delta_W, Delta_b, net, 0.0, w.sum() if divisor is None else divisor(w, X.shape[0]), rules)
    return g.dW[0], g.db[0], g.dW[1], g.db[1]


def weighted_reference(X, Y, W1, b1, W2, b2, sample_weight):
    return weighted(X, Y, W1, b1, W2, b2, sample_weight)


def _output_layer_only(k):
    """Only the output layer's shares (errors k wide) weighted; the hidden layer's added as they are."""
    def sums(a, delta, w):
        return _each_weighted(a, delta, w) if delta.shape[1] == k else layer_sums(a, delta)
    return sums


def _transposed_sums(a, delta, w):
    """delta.T @ a, the transpose of each Delta, reshaped to W's shape (reshape is not .T)."""
    Delta, Delta_b = _each_weighted(a, delta, w)
    return Delta.T.reshape(Delta.shape), Delta_b


def _w(name, message, **how):
    """A mistake that is the weighted pass with ``how`` changed."""
    return Mistake.variant(name, lambda *a: weighted(*a, **how), message)


def weighted_mistakes(*, loop):
    """The mistakes of parts 04.1 (``loop``) and 04.2: the weights' own, then those of any 2-layer backprop."""
    ms = [
        Mistake.variant("unweighted", lambda *a: weighted(*a, sums=lambda a_, d, w: layer_sums(a_, d),
                                                          divisor=lambda w, m: m),
                        "Your gradients are those of the plain mean over the m examples, lesson 4's cost: the "
                        "weights are missing. Example i counts w_i times in this cost, so its shares count w_i "
                        "times too, and the mean is taken over the total weight, not over m."),
        _w("divided_by_m", "Each example is weighted, but you divided by m = {m}. The cost is a weighted mean: it "
                     "divides by the total weight, sample_weight.sum(), and so does its gradient.",
           divisor=lambda w, m: m),
        _w("not_normalised", "Your gradients are the weighted sums themselves: the cost is a weighted *mean*, so "
                             "divide them by the total weight, sample_weight.sum().",
           divisor=lambda w, m: 1.0),
        _w("weighted_twice", "Each example's share is multiplied by w_i twice (w_i squared): once in its error and "
                             "once more when you add its share. The weight scales example i's cost once, so it "
                             "scales delta(3), everything sent back from it and every share exactly once.",
           sums=lambda a_, d, w: _each_weighted(a_, w[:, None] * d, w)),
        _w("bias_unweighted", "Your weight gradients are right, but the bias sums add every example's delta with "
                              "weight 1: a bias's share is example i's delta, and it is weighted like the rest.",
           sums=lambda a_, d, w: (_each_weighted(a_, d, w)[0], layer_sums(a_, d)[1])),
        Mistake.variant("output_layer_only", lambda *a: weighted(*a, sums=_output_layer_only(a[4].shape[1])),
                        "dW2 and db2 are right, but dW1 and db1 are not: only the output layer's shares are "
                        "weighted. The hidden error delta(2) is sent back from the weighted delta(3) (or weight "
                        "its shares too): example i's whole contribution is scaled by w_i."),
    ]
    if loop:
        ms.append(_w("last_only", "Your Delta keeps only the last example: inside the loop use `Delta += ...` so "
                                  "every example adds its weighted share, instead of `Delta = ...`.",
                     sums=lambda a_, d, w: _each_weighted(a_[-1:], d[-1:], w[-1:])))
    else:
        ms.append(Mistake.predicate(
            "bias_over_units", _bias_over_units,
            "A bias gradient has one entry per example (shape (m,) = ({m},)): you summed over axis=1, the units. "
            "db(l) adds up the examples' weighted errors over the rows, axis 0: one entry per unit."))
    return tuple(ms) + (
        _w("bias_sum", "Your weight gradients are right, but the bias gradients are weighted sums, not divided "
                       "by the total weight. Divide them as well: dJ/db is a weighted mean.",
           average=bias_not_averaged),
        _w("weight_sum", "Your bias gradients are right, but the weight gradients are weighted sums, not divided "
                         "by the total weight. Divide Delta_W as well.",
           average=weights_not_averaged),
        _w("sigma_for_sigma_prime", "You used sigma(z) (that is, a) where the derivative sigma'(z) = a * (1 - a) "
                                    "belongs.",
           output_error=sigma_error, slope=lambda activation, z, a: a),
        _w("z_prime", "You computed z * (1 - z). The shortcut sigma'(z) = a * (1 - a) needs the activation "
                      "a = sigma(z), not z.",
           output_error=z_error, slope=z_slope),
        _w("prime_of_a", "You evaluated sigma' at a instead of at z: sigmoid_prime(a) = sigma(a) * (1 - sigma(a)) "
                         "is sigma'(sigma(z)). Call sigmoid_prime on z, or use the shortcut a * (1 - a) on a.",
           output_error=a_error, slope=a_slope),
        _w("sigma_prime_of_a", "dW2 and db2 are right, but the hidden layer's are not: you evaluated sigma' at "
                               "a(2) instead of at z(2). sigmoid_prime(a2) is sigma'(sigma(z2)); use "
                               "sigmoid_prime(z2), or a2 * (1 - a2).",
           slope=a_slope),
        _w("transposed", "The shapes are right but the numbers are in the wrong places: you computed delta.T @ a "
                         "and reshaped it. reshape keeps the order of the numbers; a transpose swaps rows and "
                         "columns. Use a.T @ delta, which already has the shape of W.",
           sums=_transposed_sums),
        _w("missing_sigma_prime", "dW2 and db2 are right, but dW1 and db1 are not: when you send the error back, "
                                  "delta(2) = (delta(3) @ W2.T) * sigma'(z(2)). The factor sigma'(z(2)) is "
                                  "missing.",
           slope=lambda activation, z, a: 1.0),
        _w("missing_output_prime", "Your output error is a - y, which is right for the cross-entropy cost. With "
                                   "the quadratic cost it is delta(3) = (a - y) * sigma'(z(3)): the factor "
                                   "sigma'(z(3)) is missing.",
           kind="cross_entropy"),
        _w("output_sign", "Wrong sign: your gradients are minus the right ones. The output error is (a - y), not "
                          "(y - a).",
           output_error=lambda cost, z, a, Y: -output_error(cost, z, a, Y)),
    )


_WEIGHTED = dict(notebook="04_delta_accumulation", points=4, forbidden=BP_FORBIDDEN, make_cases=weighted_cases,
                 reference=weighted_reference, args=WEIGHTED_ARGS, kind="arrays", out_names=GRADS, m_of=m_of,
                 transpose_hint=TRANSPOSE_W)

LOOP = Part(key="04.1", grade_id="part1_tests", function="backprop_loop", mistakes=weighted_mistakes(loop=True),
            **_WEIGHTED)

VECTORIZED = Part(key="04.2", grade_id="part2_tests", function="backprop_vectorized",
                  mistakes=weighted_mistakes(loop=False), **_WEIGHTED)


# ------------------------------------------------------ 04.3 backprop_theta, the bias in the last column
# Ng's Theta form (lesson 4b, section 4.7) with one change no lesson works out: the bias sits in the LAST column,
# Theta(l) = [W(l).T | b(l)] of shape (s_(l+1), s_l + 1), and a 1 is appended at the bottom of each activation
# column. The cost is Ng's: the mean cross-entropy plus lam/(2m) times the squares of every column but the bias
# column. The reference moves the bias column to the front (Ng's layout), builds the network through the core's
# bridge, :meth:`bpkit.Network.from_thetas`, and turns the core's gradients back into this layout,
# [dW(l).T | db(l)].
THETA_ARGS = ("X", "Y", "Theta1", "Theta2", "lam")
THETA_GRADS = ("Theta1_grad", "Theta2_grad")


def bias_first(Theta):
    """This part's Theta (bias last) in Ng's layout, the bias column moved to the front."""
    return np.hstack([Theta[:, -1:], Theta[:, :-1]])


def bias_last(Theta):
    """Ng's Theta (bias first) in this part's layout, the bias column moved to the end."""
    return np.hstack([Theta[:, 1:], Theta[:, :1]])


def theta_net(Theta1, Theta2):
    """The :class:`bpkit.Network` of two bias-last Theta matrices, through the core's bridge."""
    return Network.from_thetas([bias_first(Theta1), bias_first(Theta2)])


def as_thetas(dW, db):
    """Gradients ``(dW, db)`` by layer in this part's Theta form: ``[dW(l).T | db(l)]`` per layer."""
    return tuple(bias_last(np.hstack([g_b[:, None], g_W.T])) for g_W, g_b in zip(dW, db))


def theta_cases(rng):
    """The lesson's 2-3-1 network with non-zero biases and lam = 1, then random ones (Theta1 never square, so a
    transpose shows), one of them a batch of a single example."""
    X, Y, W1, _, W2, _ = lesson_net()
    net = network(W1, np.array([0.1, -0.2, 0.3]), W2, np.array([0.05]))
    cases = [(X, Y, *(bias_last(T) for T in net.to_thetas()), 1.0)]
    while len(cases) < 6:
        X, Y, W1, b1, W2, b2, lam = random_net_case(rng, lam=True)
        if W1.shape[1] != W1.shape[0] + 1:  # Theta1 (s_2, n + 1) is never square, so a transpose shows
            if len(cases) == 5:
                X, Y = X[:1], Y[:1]
            cases.append((X, Y, *(bias_last(T) for T in network(W1, b1, W2, b2).to_thetas()), lam))
    return cases


def theta_planted(X, Y, Theta1, Theta2, lam, kind="cross_entropy", **changed):
    """Theta gradients of the core's backward pass with the named rules changed (none: the right ones)."""
    return as_thetas(*buggy.planted(theta_net(Theta1, Theta2), X, Y, kind, lam, **changed))


def theta_bug(name, X, Y, Theta1, Theta2, lam):
    """Theta gradients of the planted bug ``bpkit.buggy.BUGS[name]`` on the cross-entropy cost."""
    return as_thetas(*buggy.BUGS[name](theta_net(Theta1, Theta2), X, Y, "cross_entropy", lam))


def backprop_theta(X, Y, Theta1, Theta2, lam):
    dW, db = backprop(theta_net(Theta1, Theta2), X, Y, kind="cross_entropy", lam=lam)
    return as_thetas(dW, db)


def _bias_first_loop(X, Y, Theta1, Theta2, lam):
    """Lesson 4b's loop as it stands, run on these matrices: column 0 read as the bias (a 1 on top of each
    activation, row 0 dropped, column 0 left out of the penalty)."""
    dW, db = backprop(Network.from_thetas([Theta1, Theta2]), X, Y, kind="cross_entropy", lam=lam)
    return tuple(np.hstack([g_b[:, None], g_W.T]) for g_W, g_b in zip(dW, db))


def _first_row_dropped(X, Y, Theta1, Theta2, lam):
    """Row 0 of Theta2.T @ delta3 dropped (lesson 4b's habit) where the bias row is the last: the hidden error of
    unit j is sent back through row j + 1 of Theta2.T, and the last unit's through the bias row."""
    b2 = Theta2[:, -1]
    return theta_planted(X, Y, Theta1, Theta2, lam,
                         send_back=lambda delta, W, f_prime: send_back(delta, np.vstack([W[1:], b2[None, :]]),
                                                                       f_prime))


def _penalty_moved(keep):
    """The penalty lam/m * Theta added to the columns ``keep(Theta)`` selects instead of all but the last."""
    def mistake(X, Y, Theta1, Theta2, lam):
        m = X.shape[0]
        out = []
        for G, T in zip(backprop_theta(X, Y, Theta1, Theta2, 0.0), (Theta1, Theta2)):
            P = np.zeros_like(T)
            cols = keep(T.shape[1])
            P[:, cols] = T[:, cols]
            out.append(G + lam / m * P)
        return tuple(out)
    return mistake


def _bias_column_regularized(args, ref, out):
    """The last column of one or both gradients got lam / m * Theta[:, -1] too (the bias regularized, per layer)."""
    X, _, Theta1, Theta2, lam = args
    m, hit = X.shape[0], False
    for o, r, T in zip(out, ref, (Theta1, Theta2)):
        if o.shape != r.shape:
            return False
        if close([o], [r]):
            continue
        r = r.copy()
        r[:, -1] += lam / m * T[:, -1]
        if not close([o], [r]):
            return False
        hit = True
    return hit


def _bias_row_kept(args, ref, out):
    """Theta1_grad has one row too many: delta(2) kept the row of the bias unit."""
    return len(out) == 2 and out[0].shape == (ref[0].shape[0] + 1, ref[0].shape[1])


def _bias_column_missing(args, ref, out):
    """A Theta gradient lacks the bias column: no 1 was appended to the activations (the bias left out)."""
    return len(out) == 2 and any(o.shape == (r.shape[0], r.shape[1] - 1) for o, r in zip(out, ref))


def _first_layer_unregularized(X, Y, Theta1, Theta2, lam):
    """Theta1_grad without its penalty, Theta2_grad with it: "regularize if l != 0" skipped layer 1."""
    return backprop_theta(X, Y, Theta1, Theta2, 0.0)[0], backprop_theta(X, Y, Theta1, Theta2, lam)[1]


def _theta_bug(name, message):
    return Mistake.variant(name, lambda *a: theta_bug(name, *a), message)


THETA = Part(
    key="04.3", notebook="04_delta_accumulation", grade_id="part3_tests", function="backprop_theta", points=4,
    forbidden=BP_FORBIDDEN, make_cases=theta_cases, reference=backprop_theta, args=THETA_ARGS, kind="arrays",
    out_names=THETA_GRADS, m_of=m_of,
    transpose_hint="In this Theta form: did you drop the last row (the bias unit's) of Theta2.T @ delta3 before "
                   "multiplying by sigma'(z2), and put a 1 at the bottom of each activation?",
    mistakes=(
        Mistake.variant("bias_first", _bias_first_loop,
                        "This is lesson 4b's loop as it stands, with the bias in column 0: a 1 on top of each "
                        "activation, row 0 dropped, column 0 left out of the penalty. Here the bias is the LAST "
                        "column of each Theta, so all three move to the end."),
        Mistake.predicate("bias_row_kept", _bias_row_kept,
                          "Theta1_grad has one row too many: delta(2) still holds the row of the bias unit. The "
                          "bias unit of layer 2 has no input from Theta1, so drop its row of Theta2.T @ delta3 "
                          "(here the last one) before multiplying by sigma'(z2)."),
        Mistake.predicate("bias_column_missing", _bias_column_missing,
                          "A Theta gradient has no bias column: the bias is missing. Append a 1 to each "
                          "activation column (at the bottom: the bias is Theta's last column), so that "
                          "delta @ a.T has a column for the bias."),
        Mistake.variant("first_row_dropped", _first_row_dropped,
                        "The shapes are right, but you dropped row 0 of Theta2.T @ delta3, as lesson 4b does. Here "
                        "the bias is the last column of Theta2, so the bias unit's row is the LAST row: you threw "
                        "away hidden unit 1's error and kept the bias unit's."),
        Mistake.predicate("regularized_bias", _bias_column_regularized,
                          "You added the penalty to every column, the bias column too. The bias is not "
                          "regularized: lam / m * Theta goes on every column but the last one."),
        Mistake.variant("first_column_unregularized", _penalty_moved(lambda n: slice(1, n)),
                        "The penalty is on the wrong columns: you left column 0 out, as lesson 4b does, and "
                        "regularized the last. In this layout column 0 holds weights and the LAST column the "
                        "biases, so the penalty goes on every column but the last."),
        Mistake.variant("last_only", lambda *a: theta_planted(*a, layer_sums=last_row),
                        "Your Delta keeps only the last example: inside the loop use `Delta += ...` so every "
                        "example adds its delta @ a.T, instead of `Delta = ...`."),
        _theta_bug("forgot_1/m",
                   "Off by a factor of m = {m}: your gradients are the sums Delta (and lam * Theta) themselves. "
                   "The cost is a mean, so divide by m, the penalty's slope included."),
        Mistake.variant("penalty_no_m", lambda *a: theta_planted(*a, average=penalty_not_averaged),
                        "The data part is right, but the penalty is m = {m} times too large: the regularization "
                        "gradient is lam / m * Theta, not lam * Theta."),
        Mistake.variant("no_penalty", lambda X, Y, T1, T2, lam: backprop_theta(X, Y, T1, T2, 0.0),
                        "Your gradients are those of the unregularized cost: add the penalty's slope to every "
                        "column of each gradient but the last (the bias column stays as it is)."),
        Mistake.variant("quadratic_output_error", lambda *a: theta_planted(*a, kind="quadratic"),
                        "Your output error is (a3 - y) * sigma'(z3), the one of the quadratic cost. This part uses "
                        "the cross-entropy cost, whose output error has no sigma'(z3): lesson 4b, section 4.6, "
                        "derives it."),
        Mistake.variant("first_layer_unregularized", _first_layer_unregularized,
                        "Theta2_grad is right, but Theta1_grad has no penalty: did you regularize only "
                        "`if l != 0`? The rule is about columns, not layers: every Theta gets lam / m * Theta on "
                        "all its columns but the bias column."),
        Mistake.variant("g_for_g_prime",
                        lambda *a: theta_planted(*a, slope=lambda activation, z, a: a),
                        "Theta2_grad is right, but Theta1_grad is not: you multiplied by g(z2) = sigmoid(z2), the "
                        "activation, where its slope g'(z2) = a2 * (1 - a2) belongs."),
        Mistake.variant("prime_of_a",
                        lambda *a: theta_planted(*a, slope=lambda activation, z, a: sigmoid_prime(a)),
                        "Theta2_grad is right, but Theta1_grad is not: you evaluated g' at a2 instead of at z2. "
                        "sigmoid_prime(a2) is g'(g(z2)); use sigmoid_prime(z2), or a2 * (1 - a2)."),
        _theta_bug("missing_sigma_prime",
                   "Theta2_grad is right, but Theta1_grad is not: the error sent back to the hidden layer is "
                   "multiplied by the hidden units' slope sigma'(z2). That factor is missing."),
        _theta_bug("output_sign",
                   "Wrong sign: your gradients are minus the right ones. The output error is a3 - y, not y - a3."),
    ),
)


PARTS = (LOOP, VECTORIZED, THETA)  # 04.4 and 04.5 are in ex04_derive.py
