"""Exercise 4, Delta accumulation: backprop as a loop and vectorized, and Ng's Theta-form loop.

The references are :func:`bpkit.backprop_loop` and :func:`bpkit.backprop` (for
the Theta loop through the core's bridge, :meth:`bpkit.Network.from_thetas`,
the gradients turned back into Theta form); each
mistake is the core's backward pass with one or two of its rules
(:class:`bpkit.backprop.Rules`) changed, through :func:`._nets.planted`, or a
planted bug of :data:`bpkit.buggy.BUGS` by its name.
"""
from __future__ import annotations

import numpy as np

from .. import buggy
from ..activations import sigmoid_prime
from ..backprop import average, backprop, backprop_loop, layer_sums
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


BIAS_AXIS = Mistake.predicate(
    "bias_over_units", _bias_over_units,
    "A bias gradient has one entry per example (shape (m,) = ({m},)): you summed delta over axis=1, the units. "
    "db(l) sums delta(l+1) over the examples, the rows: delta.sum(axis=0) / m, one entry per unit.")


def planted_bug(name, message):
    """The mistake that is the planted bug ``bpkit.buggy.BUGS[name]``, under the catalogue's own name."""
    return Mistake.variant(name, lambda *a: bug(name, *a), message)


def backprop_mistakes(*, loop):
    """The mistakes of a 2-layer backprop (parts 04.1, 04.2 and, from ``bias_sum`` on, 05.2)."""
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


# ----------------------------------------------------- 04.1 and 04.2 backprop
def backprop_cases(rng):
    return [lesson_net()] + [random_net_case(rng) for _ in range(4)]


def loop_reference(X, Y, W1, b1, W2, b2):
    dW, db = backprop_loop(network(W1, b1, W2, b2), X, Y)
    return dW[0], db[0], dW[1], db[1]


def vectorized_reference(X, Y, W1, b1, W2, b2):
    dW, db = backprop(network(W1, b1, W2, b2), X, Y)
    return dW[0], db[0], dW[1], db[1]


_BACKPROP = dict(notebook="04_delta_accumulation", points=4, forbidden=BP_FORBIDDEN, make_cases=backprop_cases,
                 args=NET_ARGS, kind="arrays", out_names=GRADS, m_of=m_of, transpose_hint=TRANSPOSE_W)

LOOP = Part(key="04.1", grade_id="part1_tests", function="backprop_loop", reference=loop_reference,
            mistakes=backprop_mistakes(loop=True), **_BACKPROP)

VECTORIZED = Part(key="04.2", grade_id="part2_tests", function="backprop_vectorized",
                  reference=vectorized_reference, mistakes=(BIAS_AXIS,) + backprop_mistakes(loop=False), **_BACKPROP)


# ------------------------------------------------------ 04.3 backprop_theta
# Ng's convention (the bridge of :meth:`bpkit.Network.to_thetas`): Theta(l) is (s_(l+1), s_l + 1), bias in
# column 0, and its gradient is [db(l)[:, None], dW(l).T]. The cost is the cross-entropy, as in Ng's exercise.
THETA_ARGS = ("X", "Y", "Theta1", "Theta2", "lam")
THETA_GRADS = ("Theta1_grad", "Theta2_grad")


def theta_net(Theta1, Theta2):
    """The :class:`bpkit.Network` of two Theta matrices, through the core's bridge."""
    return Network.from_thetas([Theta1, Theta2])


def as_thetas(dW, db):
    """Gradients ``(dW, db)`` by layer in Theta form: ``[db(l)[:, None], dW(l).T]`` per layer."""
    return tuple(np.hstack([g_b[:, None], g_W.T]) for g_W, g_b in zip(dW, db))


def theta_cases(rng):
    X, Y, W1, _, W2, _ = lesson_net()
    net = network(W1, np.array([0.1, -0.2, 0.3]), W2, np.array([0.05]))
    cases = [(X, Y, *net.to_thetas(), 1.0)]
    while len(cases) < 5:
        X, Y, W1, b1, W2, b2, lam = random_net_case(rng, lam=True)
        if W1.shape[1] != W1.shape[0] + 1:  # Theta1 (s_2, n + 1) is never square, so a transpose shows
            cases.append((X, Y, *network(W1, b1, W2, b2).to_thetas(), lam))
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


def _bias_row_kept(args, ref, out):
    """Theta1_grad has one row too many: delta(2) kept the row of the bias unit."""
    return len(out) == 2 and out[0].shape == (ref[0].shape[0] + 1, ref[0].shape[1])


def _bias_column_missing(args, ref, out):
    """A Theta gradient lacks column 0: no 1 was prepended to the activations (the bias left out)."""
    return len(out) == 2 and any(o.shape == (r.shape[0], r.shape[1] - 1) for o, r in zip(out, ref))


def _column_0_regularized(args, ref, out):
    """Column 0 of one or both gradients got lam / m * Theta[:, 0] too (the planted bug regularized_bias, per layer)."""
    X, _, Theta1, Theta2, lam = args
    m, hit = X.shape[0], False
    for o, r, T in zip(out, ref, (Theta1, Theta2)):
        if o.shape != r.shape:
            return False
        if close([o], [r]):
            continue
        r = r.copy()
        r[:, 0] += lam / m * T[:, 0]
        if not close([o], [r]):
            return False
        hit = True
    return hit


def _first_layer_unregularized(X, Y, Theta1, Theta2, lam):
    """Theta1_grad without its penalty, Theta2_grad with it: "regularize if l != 0" skipped layer 1."""
    return backprop_theta(X, Y, Theta1, Theta2, 0.0)[0], backprop_theta(X, Y, Theta1, Theta2, lam)[1]


def _theta_bug(name, message):
    return Mistake.variant(name, lambda *a: theta_bug(name, *a), message)


THETA = Part(
    key="04.3", notebook="04_delta_accumulation", grade_id="part3_tests", function="backprop_theta", points=4,
    forbidden=BP_FORBIDDEN, make_cases=theta_cases, reference=backprop_theta, args=THETA_ARGS, kind="arrays",
    out_names=THETA_GRADS, m_of=m_of,
    transpose_hint="In Theta form: did you drop row 0 (the bias unit's) of Theta2.T @ delta3 before multiplying by "
                   "sigma'(z2), and put a 1 on top of each activation?",
    mistakes=(
        Mistake.predicate("bias_row_kept", _bias_row_kept,
                          "Theta1_grad has one row too many: delta(2) still holds the row of the bias unit. The "
                          "bias unit of layer 2 has no input from Theta1, so drop row 0 of Theta2.T @ delta3 "
                          "(or use Theta2[:, 1:].T) before multiplying by sigma'(z2)."),
        Mistake.predicate("bias_column_missing", _bias_column_missing,
                          "A Theta gradient has no column 0: the bias is missing. Prepend a 1 to each activation "
                          "(a1 = [1; x], a2 = [1; sigma(z2)]) so that delta @ a.T has a column for the bias."),
        Mistake.variant("last_only", lambda *a: theta_planted(*a, layer_sums=last_row),
                        "Your Delta keeps only the last example: inside the loop use `Delta += ...` so every "
                        "example adds its delta @ a.T, instead of `Delta = ...`."),
        Mistake.predicate("regularized_bias", _column_0_regularized,
                          "Column 0 of each Theta gradient is the bias, and the bias is not regularized: add lam / m "
                          "* Theta only to columns 1 and up (Theta[:, 1:]), never to column 0."),
        _theta_bug("forgot_1/m",
                   "Off by a factor of m = {m}: your gradients are the sums Delta (and lam * Theta) themselves. "
                   "The cost is a mean, so divide by m: Delta / m + lam / m * Theta, column 0 unregularized."),
        Mistake.variant("penalty_no_m", lambda *a: theta_planted(*a, average=penalty_not_averaged),
                        "The data part is right, but the penalty is m = {m} times too large: the regularization "
                        "gradient is lam / m * Theta, not lam * Theta."),
        Mistake.variant("no_penalty", lambda X, Y, T1, T2, lam: backprop_theta(X, Y, T1, T2, 0.0),
                        "Your gradients are those of the unregularized cost: add lam / m * Theta to columns 1 and "
                        "up of each gradient (column 0, the bias, stays as it is)."),
        Mistake.variant("quadratic_output_error", lambda *a: theta_planted(*a, kind="quadratic"),
                        "Your output error is (a3 - y) * sigma'(z3), the one of the quadratic cost. This part uses "
                        "the cross-entropy cost, whose output error is simply delta3 = a3 - y: drop the "
                        "sigma'(z3)."),
        Mistake.variant("first_layer_unregularized", _first_layer_unregularized,
                        "Theta2_grad is right, but Theta1_grad has no penalty: did you regularize only "
                        "`if l != 0`? The rule is about columns, not layers: every Theta gets lam / m * Theta on "
                        "columns 1 and up; only column 0, the bias, of each is left alone."),
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
                   "(Theta2[:, 1:].T @ delta3) * sigma'(z2). The factor sigma'(z2) is missing."),
        _theta_bug("output_sign",
                   "Wrong sign: your gradients are minus the right ones. The output error is a3 - y, not y - a3."),
    ),
)

PARTS = (LOOP, VECTORIZED, THETA)
