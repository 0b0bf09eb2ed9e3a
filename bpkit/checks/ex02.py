"""Exercise 2, chain rule: dC/dw of lesson 2's neuron (C = (a - y)**2 / 2), then dJ/dW2 and dJ/dW1 of the network.

* 02.1-02.3: practice (lesson 2, one neuron, then the output and hidden weights of the network).
* 02.4 ``wrong_gradients(slip)``: a prediction, graded as a value: which of dW1, db1, dW2, db2 a slip
  changes (four 0/1), asked slip by slip in an order drawn from the seed; the answers are computed by
  the core's backward pass with the slip put in (:func:`bpkit.buggy.planted`).
* 02.5 ``dJ_db1``: the transfer part, dJ/db1 of a network with tanh hidden units and a linear output
  unit (a case no lesson works out), from the core's rules.
"""
from __future__ import annotations

import numpy as np

from .. import buggy
from ..activations import sigmoid, sigmoid_prime, tanh_prime
from ..backprop import RULES, backprop, layer_sums, send_back
from ..costs import CrossEntropyCost, QuadraticCost
from ._nets import BP_FORBIDDEN, SIG_FORBIDDEN, TRANSPOSE_W, lesson_net, m_of, network, sizes
from ._records import Mistake, Part


def _sigma_as_slope(z, a):
    return a


def _z_slope(z, a):
    return z * (1 - z)


def _prime_of_a(z, a):
    """sigma'(a) = sigma(a) * (1 - sigma(a)): the derivative taken at the activation instead of at z."""
    return sigmoid_prime(a)


def _reshaped_sums(a, delta):
    """``(delta.T @ a).reshape(...)`` where ``a.T @ delta`` belongs: the shape made right by reshape, not .T."""
    return (delta.T @ a).reshape(a.shape[1], delta.shape[1]), delta.sum(axis=0)


PRIME_OF_A = ("You evaluated sigma' at a instead of at z: sigmoid_prime(a) = sigma(a) * (1 - sigma(a)) is "
              "sigma'(sigma(z)). Either call sigmoid_prime(z) on the weighted input z, or use the shortcut "
              "a * (1 - a) on the activation a.")
RESHAPED = ("The shape is right but the numbers are in the wrong places: you computed delta.T @ a and reshaped "
            "it. reshape keeps the order of the numbers; a transpose swaps rows and columns. Use a.T @ delta, "
            "which already has the shape of the weight.")


# ------------------------------------------------------------- 02.1 dC_dw
# Lesson 2's neuron: z = w a_in + b, a = sigma(z), C = (a - y)**2 / 2, so dC/dw = (a - y) * sigma'(z) * a_in.
def dC_dw_cases(rng):
    cases = [(0.8, 1.5, -0.5, 0.2)]  # lesson 2's numbers: z = 0.7, a = 0.6682, C = 0.1096
    for _ in range(5):
        w, b = (float(np.round(v, 4)) for v in rng.normal(0, 1.5, 2))
        a_in = float(np.round(rng.uniform(0.1, 0.9), 4))
        y = float(rng.choice([0.0, 1.0, np.round(rng.uniform(0, 1), 4)]))
        cases.append((w, a_in, b, y))
    return cases


def _chain(w, a_in, b, y, *, slope=None, dz_dw=True, dC_da=1.0):
    """dC/dw = dC/da * da/dz * dz/dw; ``slope(z, a)`` replaces da/dz, ``dC_da`` multiplies dC/da = a - y."""
    z = w * a_in + b
    a = sigmoid(z)
    return float(dC_da * (a - y) * (sigmoid_prime(z) if slope is None else slope(z, a)) * (a_in if dz_dw else 1.0))


def dC_dw(w, a_in, b, y):
    return _chain(w, a_in, b, y)


DC_DW = Part(
    key="02.1", notebook="02_chain_rule", grade_id="part1_tests", function="dC_dw", points=2,
    forbidden=SIG_FORBIDDEN[2:], make_cases=dC_dw_cases, reference=dC_dw, args=("w", "a_in", "b", "y"),
    kind="scalar",
    mistakes=(
        Mistake.variant("sigma_for_sigma_prime", lambda *a: _chain(*a, slope=_sigma_as_slope),
                        "You used sigma(z) where the derivative sigma'(z) = sigma(z) * (1 - sigma(z)) belongs: "
                        "da/dz is the slope of the sigmoid, not its value."),
        Mistake.variant("missing_sigma_prime", lambda *a: _chain(*a, slope=lambda z, a: 1.0),
                        "The factor da/dz = sigma'(z) is missing from your chain: dC/dw = dC/da * da/dz * dz/dw."),
        Mistake.variant("z_prime", lambda *a: _chain(*a, slope=_z_slope),
                        "You computed z * (1 - z). The shortcut sigma'(z) = a * (1 - a) needs a = sigma(z), not z."),
        Mistake.variant("prime_of_a", lambda *a: _chain(*a, slope=_prime_of_a), PRIME_OF_A),
        Mistake.variant("missing_dz_dw", lambda *a: _chain(*a, dz_dw=False),
                        "The factor dz/dw = a_in is missing: what you computed is dC/db (for z = w a_in + b, "
                        "dz/db = 1 but dz/dw = a_in)."),
        Mistake.variant("half_dropped", lambda *a: _chain(*a, dC_da=2.0),
                        "Your result is twice the right one: you differentiated (a - y)**2, but lesson 2's cost is "
                        "C = (a - y)**2 / 2, whose 1/2 cancels the 2 of the square: dC/da = a - y."),
        Mistake.variant("wrong_sign", lambda *a: -_chain(*a),
                        "Wrong sign: the derivative of (a - y)**2 / 2 with respect to a is (a - y), not (y - a)."),
    ),
)


# ------------------------------------------------------------ 02.2 dJ_dW2
def dJ_dW2_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    zs, activations = network(W1, b1, W2, b2).trace(X)
    cases = [(activations[1], zs[2], Y)]
    for i in range(4):
        n, h, k, m = sizes(rng)
        k = 2 if i == 0 else k  # one case with two outputs on every seed: a reshape then differs from a transpose
        cases.append((rng.uniform(0.05, 0.95, (m, h)), rng.normal(0, 1.5, (m, k)), rng.uniform(0, 1, (m, k))))
    return cases


def _dJ_dW2(a2, z3, Y, *, output_error=RULES.output_error, cost=QuadraticCost, mean=True, sums=layer_sums):
    """a(2).T @ delta(3) / m with the core's output error rule (or a mistaken one)."""
    delta3 = output_error(cost, z3, sigmoid(z3), Y)
    Delta, _ = sums(a2, delta3)
    return Delta / a2.shape[0] if mean else Delta


def dJ_dW2(a2, z3, Y):
    return _dJ_dW2(a2, z3, Y)


DJ_DW2 = Part(
    key="02.2", notebook="02_chain_rule", grade_id="part2_tests", function="dJ_dW2", points=3,
    forbidden=SIG_FORBIDDEN[2:] + BP_FORBIDDEN[:4], make_cases=dJ_dW2_cases, reference=dJ_dW2,
    args=("a2", "z3", "Y"), kind="array", m_of=m_of, transpose_hint=TRANSPOSE_W,
    mistakes=(
        Mistake.variant("missing_1/m", lambda *a: _dJ_dW2(*a, mean=False),
                        "Off by a factor of m = {m}: your gradient is a sum over the examples. J is a mean, so "
                        "divide a2.T @ delta3 by m."),
        Mistake.variant("sigma_for_sigma_prime",
                        lambda *a: _dJ_dW2(*a, output_error=lambda cost, z, s, Y: (s - Y) * s),
                        "You used sigma(z3) where sigma'(z3) = sigma(z3) * (1 - sigma(z3)) belongs."),
        Mistake.variant("z_prime",
                        lambda *a: _dJ_dW2(*a, output_error=lambda cost, z, s, Y: (s - Y) * _z_slope(z, s)),
                        "You computed z3 * (1 - z3). The shortcut sigma'(z) = a * (1 - a) needs a = sigma(z3), "
                        "not z3."),
        Mistake.variant("missing_output_prime", lambda *a: _dJ_dW2(*a, cost=CrossEntropyCost),
                        "Your output error is (yhat - y), the cross-entropy one. With the quadratic cost "
                        "delta3 = (yhat - y) * sigma'(z3): the factor sigma'(z3) is missing."),
        Mistake.variant("prime_of_a",
                        lambda *a: _dJ_dW2(*a, output_error=lambda cost, z, s, Y: (s - Y) * _prime_of_a(z, s)),
                        PRIME_OF_A),
        Mistake.variant("reshaped_not_transposed", lambda *a: _dJ_dW2(*a, sums=_reshaped_sums), RESHAPED),
        Mistake.variant("wrong_sign",
                        lambda *a: _dJ_dW2(*a, output_error=lambda cost, z, s, Y: -cost.delta(z, s, Y)),
                        "Wrong sign: dJ/dyhat = (yhat - y) / m, not (y - yhat) / m."),
    ),
)


# ------------------------------------------------------------ 02.3 dJ_dW1
def dJ_dW1_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    zs, activations = network(W1, b1, W2, b2).trace(X)
    cases = [(X, zs[1], W2, QuadraticCost.delta(zs[2], activations[2], Y))]
    for i in range(4):
        n, h, k, m = sizes(rng)
        k = 2 if i == 0 else k  # one case with two outputs on every seed: a reshape then differs from a transpose
        X = rng.uniform(-1, 1, (m, n))
        cases.append((X, rng.normal(0, 1.5, (m, h)), rng.standard_normal((h, k)), 0.2 * rng.standard_normal((m, k))))
    return cases


def _dJ_dW1(X, z2, W2, delta3, *, slope=None, mean=True, sums=layer_sums, reshape_W2=False):
    """X.T @ delta(2) / m, delta(2) sent back by the core's rule; ``slope(z, a)`` replaces sigma'(z(2))."""
    a2 = sigmoid(z2)
    fp = RULES.slope("sigmoid", z2, a2) if slope is None else slope(z2, a2)
    if reshape_W2:  # delta3 @ W2.reshape(k, h) where W2.T belongs
        delta2 = (delta3 @ W2.reshape(W2.shape[1], W2.shape[0])) * fp
    else:
        delta2 = send_back(delta3, W2, fp)
    Delta, _ = sums(X, delta2)
    return Delta / X.shape[0] if mean else Delta


def dJ_dW1(X, z2, W2, delta3):
    return _dJ_dW1(X, z2, W2, delta3)


DJ_DW1 = Part(
    key="02.3", notebook="02_chain_rule", grade_id="part3_tests", function="dJ_dW1", points=3,
    forbidden=SIG_FORBIDDEN[2:] + BP_FORBIDDEN[:4], make_cases=dJ_dW1_cases, reference=dJ_dW1,
    args=("X", "z2", "W2", "delta3"), kind="array", m_of=m_of, transpose_hint=TRANSPOSE_W,
    mistakes=(
        Mistake.variant("missing_1/m", lambda *a: _dJ_dW1(*a, mean=False),
                        "Off by a factor of m = {m}: your gradient is a sum over the examples. Divide X.T @ delta2 "
                        "by m."),
        Mistake.variant("missing_hidden_prime", lambda *a: _dJ_dW1(*a, slope=lambda z, a: 1.0),
                        "The factor sigma'(z2) is missing: the error reaching the hidden layer is "
                        "delta2 = (delta3 @ W2.T) * sigma'(z2)."),
        Mistake.variant("sigma_for_sigma_prime", lambda *a: _dJ_dW1(*a, slope=_sigma_as_slope),
                        "You used sigma(z2) where sigma'(z2) = sigma(z2) * (1 - sigma(z2)) belongs."),
        Mistake.variant("z_prime", lambda *a: _dJ_dW1(*a, slope=_z_slope),
                        "You computed z2 * (1 - z2). The shortcut sigma'(z) = a * (1 - a) needs a = sigma(z2), "
                        "not z2."),
        Mistake.variant("prime_of_a", lambda *a: _dJ_dW1(*a, slope=_prime_of_a), PRIME_OF_A),
        Mistake.variant("reshaped_not_transposed", lambda *a: _dJ_dW1(*a, sums=_reshaped_sums), RESHAPED),
        Mistake.variant("reshaped_W2", lambda *a: _dJ_dW1(*a, reshape_W2=True),
                        "You sent the error back through W2 reshaped to (s_3, s_2) instead of transposed: "
                        "reshape keeps the order of the numbers, W2.T swaps rows and columns. "
                        "delta2 = (delta3 @ W2.T) * sigma'(z2)."),
    ),
)



# ------------------------------------------------------- 02.4 wrong_gradients (predict)
#: the slips the prompt describes, in its order
SLIPS = ("no_hidden_slope", "no_output_slope", "W2_doubled_going_back", "no_b1_forward", "dW2_not_averaged",
         "biases_not_averaged")
GRAD_NAMES = ("dW1", "db1", "dW2", "db2")


def _slip_net():
    """A fixed 3-4-2 network with non-zero biases and a batch of 5: the slips' effects do not depend on it."""
    rng = np.random.default_rng(2024)
    X, Y = rng.uniform(-1, 1, (5, 3)), rng.uniform(0, 1, (5, 2))
    net = network(rng.standard_normal((3, 4)), 0.5 + rng.uniform(0, 1, 4),
                  rng.standard_normal((4, 2)), 0.5 + rng.uniform(0, 1, 2))
    return net, X, Y


def _slipped(slip):
    """(dW1, db1, dW2, db2) of the core's backward pass with ``slip`` put in."""
    net, X, Y = _slip_net()
    m = X.shape[0]
    if slip == "no_hidden_slope":
        dW, db = buggy.planted(net, X, Y, "quadratic", 0.0, slope=lambda activation, z, a: 1.0)
    elif slip == "no_output_slope":
        dW, db = buggy.planted(net, X, Y, "quadratic", 0.0,
                               output_error=lambda cost, z, a, Y: RULES.output_error(CrossEntropyCost, z, a, Y))
    elif slip == "W2_doubled_going_back":
        dW, db = buggy.planted(net, X, Y, "quadratic", 0.0,
                               send_back=lambda delta, W, fp: RULES.send_back(delta, 2.0 * W, fp))
    elif slip == "no_b1_forward":
        dW, db = backprop(network(net.weights[0], 0.0 * net.biases[0], net.weights[1], net.biases[1]), X, Y)
    else:
        dW, db = backprop(net, X, Y)
        dW, db = list(dW), list(db)
        if slip == "dW2_not_averaged":
            dW[1] = dW[1] * m
        else:
            db = [g * m for g in db]
    return dW[0], db[0], dW[1], db[1]


def wrong_gradients(slip):
    """The right answer: 1 for each of dW1, db1, dW2, db2 that ``slip`` changes, else 0 (the core's pass, run)."""
    net, X, Y = _slip_net()
    dW, db = backprop(net, X, Y)
    right = (dW[0], db[0], dW[1], db[1])
    return np.array([0.0 if np.allclose(a, b, rtol=1e-9, atol=1e-12) else 1.0
                     for a, b in zip(_slipped(slip), right)])


def slips_cases(rng):
    """The prompt's first slip, then every slip in an order drawn from the seed."""
    return [("no_hidden_slope",)] + [(str(s),) for s in rng.permutation(SLIPS)]


def _table(**wrong):
    """A prediction: the right answers with some slips answered otherwise."""
    def predict(slip):
        return np.array(wrong[slip], dtype=float) if slip in wrong else wrong_gradients(slip)
    return predict


def _not_flags(part, args, out):
    try:
        a = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == (4,) and bool(np.all(np.isfinite(a))) and not np.all((a == 0) | (a == 1))


WRONG_GRADIENTS = Part(
    key="02.4", notebook="02_chain_rule", grade_id="part4_tests", function="wrong_gradients", points=2,
    forbidden=(), make_cases=slips_cases, reference=wrong_gradients, args=("slip",), kind="array",
    mistakes=(
        Mistake.contract("not_flags", _not_flags,
                         "{fn} should return four flags, 1 for a gradient the slip changes and 0 for one it "
                         "leaves right, in the order dW1, db1, dW2, db2; on case {i} ({args}) it returned other "
                         "numbers. The question is which gradients change, not by how much."),
        Mistake.variant("output_error_stays_put", _table(no_output_slope=(0, 0, 1, 1)),
                        "You predicted that a wrong output error changes only the output layer's gradients. "
                        "The output error is the first link of every chain: the hidden layer's error is made "
                        "from it, so dW1 and db1 inherit the slip too."),
        Mistake.variant("forward_slip_local", _table(no_b1_forward=(1, 1, 0, 0)),
                        "You predicted that forgetting b1 in the forward pass changes only the first layer's "
                        "gradients. Without b1 the hidden activations change, and they are the inputs of the "
                        "output layer: its prediction, its error and its weight gradient all change."),
        Mistake.variant("flows_forward", _table(no_hidden_slope=(1, 1, 1, 1), W2_doubled_going_back=(1, 1, 1, 1)),
                        "You predicted that a slip in the hidden layer's error also changes the output layer's "
                        "gradients. The backward pass runs from the output down: the output layer's gradients "
                        "are computed before anything is sent back, so what happens below cannot reach them."),
        Mistake.variant("biases_spared", lambda slip: wrong_gradients(slip) * np.array([1.0, 0.0, 1.0, 0.0]),
                        "You predicted that the biases' gradients never change. A bias gradient is the layer's "
                        "error summed over the examples: whatever changes the error changes it too."),
        Mistake.variant("weights_only_when_averaging", _table(biases_not_averaged=(1, 0, 1, 0)),
                        "You swapped weights and biases: a bias gradient left as a sum changes db1 and db2, "
                        "and the weights' gradients stay right."),
        Mistake.variant("complement", lambda slip: 1.0 - wrong_gradients(slip),
                        "Your flags are the other way round: 1 must mark a gradient the slip changes, 0 one it "
                        "leaves right."),
    ),
)


# ------------------------------------------------------------ 02.5 dJ_db1 (transfer)
def dJ_db1_cases(rng):
    X, Y, W1, b1, W2, b2 = lesson_net()
    cases = [(X, Y, W1, b1 + np.array([0.1, -0.2, 0.3]), W2, b2)]
    for i in range(4):
        n, h, k, m = sizes(rng)
        X = rng.uniform(-1, 1, (m, n))
        W1 = rng.standard_normal((n, h)) * (3.0 if i == 3 else 1.0)   # one case with some units saturated
        cases.append((X, rng.normal(0, 1.0, (m, k)), W1, 0.5 * rng.standard_normal(h),
                      rng.standard_normal((h, k)), 0.5 * rng.standard_normal(k)))
    return cases


def _db1(X, Y, W1, b1, W2, b2, *, hidden=np.tanh, slope=None, output=None, out_slope=None, sums=None,
         mean=True):
    """dJ/db1 of the tanh-hidden, linear-output network, from the core's rules; each keyword one slip."""
    z2 = X @ W1 + b1
    a2 = hidden(z2)
    z3 = a2 @ W2 + b2
    yhat = z3 if output is None else output(z3)
    delta3 = QuadraticCost.dC_da(yhat, Y) * (1.0 if out_slope is None else out_slope(z3, yhat))
    fp = RULES.slope("tanh", z2, a2) if slope is None else slope(z2, a2)
    delta2 = send_back(delta3, W2, fp)
    db = layer_sums(X, delta2)[1] if sums is None else sums(X, delta2)
    return db / X.shape[0] if mean else db


def dJ_db1(X, Y, W1, b1, W2, b2):
    """The right answer: dJ/db1 with a2 = tanh(z2), yhat = z3 (linear) and J = sum((yhat - Y)**2) / (2m)."""
    return _db1(X, Y, W1, b1, W2, b2)


DJ_DB1 = Part(
    key="02.5", notebook="02_chain_rule", grade_id="part5_tests", function="dJ_db1", points=3,
    forbidden=SIG_FORBIDDEN[2:] + BP_FORBIDDEN[:4] + ("bpkit.tanh_prime", "bpkit.activations.tanh_prime"),
    make_cases=dJ_db1_cases, reference=dJ_db1, args=("X", "Y", "W1", "b1", "W2", "b2"), kind="array",
    m_of=m_of,
    mistakes=(
        Mistake.variant("sigmoid_output", lambda *a: _db1(*a, output=sigmoid, out_slope=lambda z, s: sigmoid_prime(z)),
                        "You put a sigmoid on the output unit, as in lesson 1's network. This output is linear, "
                        "yhat = z3: the output error has no sigmoid slope in it."),
        Mistake.variant("output_slope_kept", lambda *a: _db1(*a, out_slope=lambda z, s: sigmoid_prime(z)),
                        "Your output error carries a sigmoid slope sigma'(z3), but the output unit here is "
                        "linear: d yhat / d z3 = 1."),
        Mistake.variant("sigmoid_hidden", lambda *a: _db1(*a, hidden=sigmoid,
                                                          slope=lambda z, a: sigmoid_prime(z)),
                        "Your hidden units are sigmoids: here they are tanh units, a2 = tanh(z2), with tanh's "
                        "own slope."),
        Mistake.variant("sigmoid_slope_for_tanh", lambda *a: _db1(*a, slope=lambda z, a: a * (1.0 - a)),
                        "You used the sigmoid's slope a (1 - a) with a = tanh(z2). tanh has a slope of its own: "
                        "derive it (lesson 3 compares the two)."),
        Mistake.variant("tanh_slope_at_a", lambda *a: _db1(*a, slope=lambda z, a: tanh_prime(a)),
                        "You took tanh's slope at a2 = tanh(z2) instead of at z2: 1 - tanh(a)**2 is tanh'(a). "
                        "From the output it is 1 - a**2; from the input, 1 - tanh(z)**2."),
        Mistake.variant("tanh_shortcut_at_z", lambda *a: _db1(*a, slope=lambda z, a: 1.0 - z * z),
                        "Your slope is 1 - z2**2: the shortcut written with the activation a2 = tanh(z2), "
                        "applied to z2."),
        Mistake.variant("no_hidden_slope", lambda *a: _db1(*a, slope=lambda z, a: 1.0),
                        "The hidden layer's slope is missing: the error reaching z2 is the error sent back "
                        "through W2 times tanh'(z2)."),
        Mistake.variant("missing_1/m", lambda *a: _db1(*a, mean=False),
                        "Off by a factor of m = {m}: your gradient is a sum over the examples. J is a mean, so "
                        "the bias gradient is one too."),
        Mistake.variant("bias_over_units", lambda *a: _db1(*a, sums=lambda X, d: d.sum(axis=1)),
                        "Your result has one number per example: you added up the hidden units. b1 has one "
                        "entry per hidden unit and is shared by the m examples: add up over the examples."),
        Mistake.variant("bias_keepdims", lambda *a: _db1(*a, sums=lambda X, d: d.sum(axis=0, keepdims=True)),
                        "Your result has shape (1, s_2): the sum over the examples is right, but b1 has shape "
                        "(s_2,)."),
        Mistake.variant("weight_gradient", lambda *a: _db1(*a, sums=lambda X, d: X.T @ d),
                        "You returned dJ/dW1 (shape (n, s_2)), not dJ/db1: a bias is added to z2 with a factor "
                        "of 1 for every example, so nothing multiplies its error by an input."),
    ),
)

PARTS = (DC_DW, DJ_DW2, DJ_DW1, WRONG_GRADIENTS, DJ_DB1)
