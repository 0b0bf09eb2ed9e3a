"""Exercise 8, the capstone: an initializer, L-layer backprop of any depth, and training the digits.

* 08.1 ``init_weights(sizes, seed, scheme)`` has no single right answer (the
  draws are random), so it is judged by the statistics of each layer: shape,
  mean, variance, range (Ng's uniform epsilon) or tails (He's normal), biases
  zero. The layers are large enough for tight bounds: a correct initializer
  fails with probability far below 1e-9 on any seed.
* 08.2 ``backprop_deep(X, Y, Ws, bs, activation)`` is compared with the core,
  :func:`bpkit.backprop` on a :class:`bpkit.Network` holding those arrays
  (cross-entropy, sigmoid output); each mistake is the core's backward pass
  with one rule of :class:`bpkit.backprop.Rules` changed
  (:func:`bpkit.buggy.planted`) or a planted bug of :data:`bpkit.buggy.BUGS`.
* 08.3 ``train_digits(...)`` is judged by the test accuracy of the returned
  parameters on the held-out digits (:func:`bpkit.load_digits`), computed by
  :func:`bpkit.accuracy` in the checker's (the grader's) process.

Its prediction (08.4 ``changed_by_bug``) and transfer part (08.5 ``backprop_elu``) are in
:mod:`.ex08_derive`, which builds on this module's cases and planted passes.

Parameters travel as two per-layer lists ``(Ws, bs)``: ``Ws[l-1]`` is W(l) of
shape ``(s_l, s_(l+1))``, ``bs[l-1]`` is b(l) (the part kind ``"params"``).
"""
from __future__ import annotations

import numpy as np

from .. import buggy
from ..activations import ACTIVATIONS
from ..backprop import average, backprop
from ..data import load_digits, sleep_study
from ..metrics import accuracy, one_hot
from ..network import Network
from ..optim import sgd
from ._compare import close
from ._nets import BP_FORBIDDEN
from ._records import Mistake, Part

THRESHOLD = 0.90  # the test accuracy 08.3 asks for
Z = 6.0           # statistics may miss by this many standard errors (a right draw fails with p < 1e-8)


def deep_net(Ws, bs, activation):
    """A Network holding float copies of the per-layer lists ``Ws``, ``bs``, hidden ``activation``."""
    sizes = [np.shape(Ws[0])[0]] + [np.shape(W)[1] for W in Ws]
    net = Network(sizes, activation=activation)
    net.weights = [np.array(W, dtype=float) for W in Ws]
    net.biases = [np.array(b, dtype=float) for b in bs]
    return net


def _split(out, n_layers):
    """``(Ws, bs)`` from a normalized ``params`` result, or None if it has the wrong number of arrays."""
    if len(out) != 2 * n_layers:
        return None
    return out[:n_layers], out[n_layers:]


def _shapes_ok(sizes, out):
    parts = _split(out, len(sizes) - 1)
    if parts is None:
        return False
    return all(W.shape == (a, b) and c.shape == (b,)
               for W, c, a, b in zip(parts[0], parts[1], sizes[:-1], sizes[1:]))


def _shape_verdict(sizes, out):
    """None when ``out`` holds one W(l) and b(l) of the right shapes per layer, else what is wrong (says "shape")."""
    L1 = len(sizes) - 1
    parts = _split(out, L1)
    if parts is None:
        return (f"expected {L1} weight matrices and {L1} bias vectors for sizes {list(sizes)}, got "
                f"{len(out)} arrays in all (wrong shape of the result)")
    for k, (W, b) in enumerate(zip(*parts)):
        want = (sizes[k], sizes[k + 1])
        if W.shape != want:
            return f"Ws[{k}] has shape {W.shape}, but W({k + 1}) has shape (s_{k + 1}, s_{k + 2}) = {want}"
        if b.shape != (sizes[k + 1],):
            return f"bs[{k}] has shape {b.shape}, but b({k + 1}) has shape ({sizes[k + 1]},)"
    return None


# ------------------------------------------------------------ 08.1 init_weights
def epsilon(s_in, s_out):
    """Ng's epsilon_init = sqrt(6) / sqrt(s_l + s_(l+1)): W(l) ~ U(-eps, eps) has variance 2 / (s_l + s_(l+1))."""
    return np.sqrt(6.0) / np.sqrt(s_in + s_out)


def he_std(s_in, s_out):
    """He's standard deviation sqrt(2 / s_l): W(l) ~ N(0, 2 / s_l), for ReLU layers."""
    return np.sqrt(2.0 / s_in)


def init_cases(rng):
    cases = [([784, 32, 16, 10], 0, "he"), ([784, 32, 16, 10], 0, "uniform")]
    for scheme in ("uniform", "he", "uniform", "he"):
        sizes = [int(rng.integers(200, 401)), int(rng.integers(30, 61)), int(rng.integers(150, 301)),
                 int(rng.integers(5, 13))]
        cases.append((sizes, int(rng.integers(1, 2 ** 31)), scheme))
    return cases


def init_weights(sizes, seed, scheme):
    """One acceptable answer (the draws of the course's own contract)."""
    rng = np.random.default_rng(seed)
    Ws, bs = [], []
    for s_in, s_out in zip(sizes[:-1], sizes[1:]):
        if scheme == "uniform":
            e = epsilon(s_in, s_out)
            Ws.append(rng.uniform(-e, e, (s_in, s_out)))
        else:
            Ws.append(rng.standard_normal((s_in, s_out)) * he_std(s_in, s_out))
        bs.append(np.zeros(s_out))
    return Ws, bs


def _moments(W):
    x = W.ravel()
    mean, var = float(x.mean()), float(x.var())
    kurt = float(np.mean((x - mean) ** 4) / var ** 2 - 3.0) if var > 0 else 0.0
    return mean, var, kurt


def _variance_fits(W, var_want, scheme):
    """The sample variance of W agrees with ``var_want`` (relative sd 0.894/sqrt(n) uniform, sqrt(2/n) normal)."""
    n = W.size
    rel_sd = (0.894 if scheme == "uniform" else np.sqrt(2.0)) / np.sqrt(n)
    return abs(float(W.var()) / var_want - 1.0) <= Z * rel_sd + 1e-12


def _layer_verdict(k, W, scheme, s_in, s_out):
    n = W.size
    mean, var, kurt = _moments(W)
    name = f"Ws[{k}] ({s_in} x {s_out})"
    if scheme == "uniform":
        e = epsilon(s_in, s_out)
        big = float(np.max(np.abs(W)))
        if big > e * (1 + 1e-9):
            return f"{name} has an entry {big:.4g} outside [-eps, eps], eps = {e:.4g}"
        if big < e * (1 - min(0.5, 30.0 / n)):
            return f"{name} stays within {big:.4g}, well inside [-eps, eps] with eps = {e:.4g}"
        sd = e / np.sqrt(3.0)
        var_want = e * e / 3.0
    else:
        sd = he_std(s_in, s_out)
        var_want = sd * sd
        if n >= 2000 and kurt < -0.6:
            return f"{name} looks uniform (flat-topped), not normal: He draws from N(0, 2 / s_l)"
    if abs(mean) > Z * sd / np.sqrt(n):
        return f"{name} has mean {mean:.4g}; the weights should be centred on 0"
    if not _variance_fits(W, var_want, scheme):
        return f"{name} has variance {var:.4g}, but scheme {scheme!r} needs {var_want:.4g}"
    return None


def judge_init(args, out):
    sizes, seed, scheme = args
    bad = _shape_verdict(sizes, out)
    if bad is not None:
        return bad
    Ws, bs = _split(out, len(sizes) - 1)
    for k, b in enumerate(bs):
        if np.any(b != 0):
            return f"bs[{k}] is not all zeros"
    for k, W in enumerate(Ws):
        bad = _layer_verdict(k, W, scheme, sizes[k], sizes[k + 1])
        if bad is not None:
            return bad
    if _reseeded(args, None, out):
        return "every layer starts with the same random numbers (only scaled); each layer needs draws of its own"
    return None


def _layers(args, out):
    """``(sizes, scheme, Ws, bs)`` of a result of the right shapes, else None."""
    sizes, _, scheme = args
    if not _shapes_ok(sizes, out):
        return None
    Ws, bs = _split(out, len(sizes) - 1)
    return sizes, scheme, Ws, bs


def _all_layers(test):
    """A predicate: ``test(W, s_in, s_out, scheme)`` holds on every layer it applies to (None: it does not),
    and it applies to at least one layer of a well-shaped result."""
    def predicate(args, ref, out):
        got = _layers(args, out)
        if got is None:
            return False
        sizes, scheme, Ws, _ = got
        said = [test(W, a, b, scheme) for W, a, b in zip(Ws, sizes[:-1], sizes[1:])]
        said = [x for x in said if x is not None]
        return bool(said) and all(said)
    return predicate


def _var_is(var_of):
    """The layer's variance equals ``var_of(s_in, s_out, scheme)`` (None: this mistake does not apply there);
    for scheme "uniform" its range fits that variance too (a uniform draw on [-e, e] has variance e**2 / 3)."""
    def test(W, a, b, scheme):
        v = var_of(a, b, scheme)
        if v is None:
            return None
        if scheme == "uniform":
            e, big = np.sqrt(3.0 * v), float(np.max(np.abs(W)))
            if not e * (1 - min(0.5, 30.0 / W.size)) <= big <= e * (1 + 1e-9):
                return False
        return _variance_fits(W, v, scheme)
    return test


def _scheme(which, var_of):
    return lambda a, b, scheme: var_of(a, b) if scheme == which else None


def _only(which, test):
    """``test`` on the layers of scheme ``which`` only."""
    def one(W, a, b, scheme):
        said = test(W, a, b) if scheme == which else None
        return None if said is None else bool(said)
    return one


def _biases_not_zero(args, ref, out):
    got = _layers(args, out)
    return got is not None and any(np.any(b != 0) for b in got[3])


def _reseeded(args, ref, out):
    """Every layer starts with the same numbers, up to scale: a fresh generator made with ``seed`` per layer."""
    got = _layers(args, out)
    if got is None or len(got[2]) < 2:
        return False
    first = got[2][0].ravel()
    for W in got[2][1:]:
        x = W.ravel()
        n = min(x.size, first.size)
        if np.std(x[:n]) == 0 or np.std(first[:n]) == 0 or np.corrcoef(first[:n], x[:n])[0, 1] < 0.999:
            return False
    return True


def _constant(W, a, b, scheme):
    return W.size > 1 and bool(np.all(W == W.flat[0]))


def _not_centred(W, a, b):
    return np.min(W) >= 0 and np.max(W) > 0


def _normal_for_uniform(W, a, b):
    return float(np.max(np.abs(W))) > epsilon(a, b) * (1 + 1e-9)


def _uniform_for_he(W, a, b):
    return None if W.size < 2000 else _moments(W)[2] < -0.6


INIT = Part(
    key="08.1", notebook="08_deep_networks", grade_id="part1_tests", function="init_weights", points=3,
    forbidden=(), make_cases=init_cases, reference=init_weights, args=("sizes", "seed", "scheme"), kind="params",
    out_names=("Ws", "bs"), judge=judge_init,
    mistakes=(
        Mistake.predicate("zeros", _all_layers(lambda W, a, b, s: not np.any(W)),
                          "All your weights are 0. Then every unit of a layer computes the same thing and gets the "
                          "same gradient, so they stay identical forever: draw them at random."),
        Mistake.predicate("constant", _all_layers(_constant),
                          "Every weight of a layer has the same value: the units stay identical (symmetry is never "
                          "broken). Draw each weight at random."),
        Mistake.predicate("nonzero_biases", _biases_not_zero,
                          "The biases should start at 0 (the random weights already break the symmetry): "
                          "bs[l] = np.zeros(s_(l+1))."),
        Mistake.predicate("reseeded", _reseeded,
                          "Every layer starts with the same random numbers (only scaled): you made a new generator "
                          "with the same seed for each layer. Make one rng = np.random.default_rng(seed) before "
                          "the loop and draw every layer from it."),
        Mistake.predicate("eps_fan_in", _all_layers(_var_is(_scheme("uniform", lambda a, b: 2.0 / a))),
                          "Your epsilon is sqrt(6) / sqrt(s_l): Ng's epsilon_init uses both layers, "
                          "sqrt(6) / sqrt(s_l + s_(l+1))."),
        Mistake.predicate("eps_no_sqrt", _all_layers(_var_is(_scheme("uniform", lambda a, b: (6.0 / (a + b)) ** 2 / 3))),
                          "Your epsilon is 6 / (s_l + s_(l+1)): the square root is missing, "
                          "epsilon = sqrt(6) / sqrt(s_l + s_(l+1))."),
        Mistake.predicate("fixed_eps", _all_layers(_var_is(_scheme("uniform", lambda a, b: 0.12 ** 2 / 3))),
                          "You used epsilon = 0.12 for every layer (the value of Ng's 400-25-10 network). Compute it "
                          "per layer: epsilon = sqrt(6) / sqrt(s_l + s_(l+1))."),
        Mistake.predicate("not_centred", _all_layers(_only("uniform", _not_centred)),
                          "Your uniform weights are all positive: draw from [-epsilon, epsilon], not [0, epsilon]."),
        Mistake.predicate("normal_for_uniform", _all_layers(_only("uniform", _normal_for_uniform)),
                          "For scheme 'uniform' some weights lie outside [-epsilon, epsilon]: draw them with "
                          "rng.uniform(-epsilon, epsilon, shape), not from a normal distribution."),
        Mistake.predicate("variance_as_std", _all_layers(_var_is(_scheme("he", lambda a, b: (2.0 / a) ** 2))),
                          "Your He weights have standard deviation 2 / s_l: that is the variance. The standard "
                          "deviation is its square root, sqrt(2 / s_l)."),
        Mistake.predicate("missing_2", _all_layers(_var_is(_scheme("he", lambda a, b: 1.0 / a))),
                          "Your He weights have variance 1 / s_l: He's is 2 / s_l (the 2 makes up for ReLU "
                          "zeroing half of its inputs)."),
        Mistake.predicate("fan_out", _all_layers(_var_is(_scheme("he", lambda a, b: 2.0 / b))),
                          "Your He weights have variance 2 / s_(l+1): He divides by the number of inputs of a "
                          "unit, s_l (the rows of W(l)), not by s_(l+1)."),
        Mistake.predicate("uniform_for_he", _all_layers(_only("he", _uniform_for_he)),
                          "For scheme 'he' your weights are uniform: He draws from a normal distribution, "
                          "rng.standard_normal(shape) * sqrt(2 / s_l)."),
    ),
)


# ------------------------------------------------------------ 08.2 backprop_deep
#: hidden activations of the random cases, in order: every case set has each one (so no diagnosis depends on the seed)
CASE_ACTIVATIONS = ("tanh", "relu", "sigmoid", "relu", "tanh")


def deep_sizes(rng):
    """Layer sizes of a random case: 2 to 5 hidden layers, neighbours of different sizes (a transpose shows)."""
    depth = int(rng.integers(2, 6))
    sizes = [int(rng.integers(2, 6))]
    for _ in range(depth):
        sizes.append(int(rng.choice([s for s in range(3, 8) if s != sizes[-1]])))
    sizes.append(int(rng.choice([s for s in (1, 2) if s != sizes[-1]])))
    return sizes


def deep_case(rng, activation):
    sizes = deep_sizes(rng)
    m = int(rng.choice([s for s in range(5, 10) if s not in sizes]))
    X = rng.uniform(-1.0, 1.0, (m, sizes[0]))
    Y = rng.uniform(0.0, 1.0, (m, sizes[-1]))
    Ws = [rng.standard_normal((a, b)) * 1.2 / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [0.5 * rng.standard_normal(b) for b in sizes[1:]]
    return X, Y, Ws, bs, activation


def backprop_cases(rng):
    X, Y, *_ = sleep_study()
    net = Network([2, 3, 3, 1], seed=0)
    lesson = (X, Y, [W.copy() for W in net.weights], [np.full(b.shape, 0.1) for b in net.biases], "sigmoid")
    return [lesson] + [deep_case(rng, a) for a in CASE_ACTIVATIONS]


def backprop_deep(X, Y, Ws, bs, activation):
    """The core's gradient of the cross-entropy cost, averaged over m: ``(dWs, dbs)``."""
    dW, db = backprop(deep_net(Ws, bs, activation), X, Y, kind="cross_entropy")
    return list(dW), list(db)


def planted(X, Y, Ws, bs, activation, kind="cross_entropy", **changed):
    """``(dWs, dbs)`` of the core's backward pass with the named rules changed."""
    dW, db = buggy.planted(deep_net(Ws, bs, activation), X, Y, kind, 0.0, **changed)
    return list(dW), list(db)


def bug(name, X, Y, Ws, bs, activation):
    """``(dWs, dbs)`` of the planted bug ``bpkit.buggy.BUGS[name]`` on the cross-entropy cost."""
    dW, db = buggy.BUGS[name](deep_net(Ws, bs, activation), X, Y, "cross_entropy", 0.0)
    return list(dW), list(db)


def sigmoid_slope(activation, z, a):
    """a * (1 - a), the sigmoid's slope, whatever the hidden activation."""
    return a * (1 - a)


def sigmoid_slope_for_relu(activation, z, a):
    """The sigmoid's slope a * (1 - a) where the activation is ReLU; the right slope otherwise."""
    return a * (1 - a) if activation == "relu" else ACTIVATIONS[activation].prime_from_a(a)


def z_slope(activation, z, a):
    """The shortcut in terms of a, applied to z: z * (1 - z), 1 - z**2, z > 0."""
    return ACTIVATIONS[activation].prime_from_a(z)


def prime_of_a(activation, z, a):
    """f'(a) where f'(z) belongs: the derivative formula in terms of z, evaluated at a."""
    return ACTIVATIONS[activation].prime(a)


def tanh_prime_of_a(activation, z, a):
    """1 - tanh(a)**2 in the tanh layers (tanh' evaluated at a), the right slope elsewhere."""
    return ACTIVATIONS[activation].prime(a) if activation == "tanh" else ACTIVATIONS[activation].prime_from_a(a)


def bias_not_averaged(Delta_W, Delta_b, W, b, lam, m):
    return average(Delta_W, Delta_b, W, b, lam, m)[0], Delta_b


def first_layer_skipped(X, Y, Ws, bs, activation):
    """The right gradient, except the first layer's, left at zero: the backward loop stopped one layer early."""
    dWs, dbs = backprop_deep(X, Y, Ws, bs, activation)
    return [np.zeros_like(dWs[0])] + dWs[1:], [np.zeros_like(dbs[0])] + dbs[1:]


def _first_layer_skipped(args, ref, out):
    """Every layer right but the first: dWs[0] and dbs[0] wrong (zeros, or whatever the loop started them as).

    Whatever the first layer holds, the loop stopped one layer early; telling it by the other layers
    rather than by zeros names the mistake on every seed, and for any starting value.
    """
    depth = len(args[2])
    if depth < 2 or len(out) != len(ref) or len(ref) != 2 * depth:
        return False
    first = {0, depth}  # dWs[0] and dbs[0] in the Ws + bs order
    return all(close([o], [r]) != (j in first) for j, (o, r) in enumerate(zip(out, ref)))


def _layer_missing(args, ref, out):
    return len(out) == 2 * len(args[2]) - 2


BACKPROP = Part(
    key="08.2", notebook="08_deep_networks", grade_id="part2_tests", function="backprop_deep", points=5,
    forbidden=BP_FORBIDDEN + ("bpkit.sgd", "bpkit.optim.sgd", "bpkit.Network.trace", "bpkit.network.Network.trace"),
    make_cases=backprop_cases, reference=backprop_deep, args=("X", "Y", "Ws", "bs", "activation"), kind="params",
    out_names=("dWs", "dbs"), m_of=lambda args: args[0].shape[0],
    transpose_hint="dWs[l-1] must have the shape of Ws[l-1], (s_l, s_(l+1)): a(l).T @ delta(l+1), not "
                   "delta(l+1).T @ a(l).",
    mistakes=(
        Mistake.variant("no_hidden_slope", lambda *a: planted(*a, slope=lambda activation, z, a: 1.0),
                        "The output layer's error rule was used in the hidden layers: delta(L) = a(L) - y needs no "
                        "f' (the cross-entropy cancels the sigmoid's slope), but a hidden layer does: "
                        "delta(l) = (delta(l+1) @ W(l).T) * f'(z(l)). The factor f'(z(l)) is missing."),
        Mistake.variant("sigmoid_slope_for_relu", lambda *a: planted(*a, slope=sigmoid_slope_for_relu),
                        "Right for sigmoid and tanh, wrong for ReLU: you used the sigmoid's slope a * (1 - a) in "
                        "the ReLU layers. ReLU's slope is 1 where z > 0 and 0 elsewhere, (a > 0)."),
        Mistake.variant("sigmoid_slope_everywhere", lambda *a: planted(*a, slope=sigmoid_slope),
                        "You used the sigmoid's slope a * (1 - a) for every hidden activation. Use the one of the "
                        "activation you are given: tanh's is 1 - a**2, ReLU's is (a > 0)."),
        Mistake.variant("z_slope", lambda *a: planted(*a, slope=z_slope),
                        "You took the derivative of z instead of the activation form: the shortcuts a * (1 - a) "
                        "(sigmoid) and 1 - a**2 (tanh) need the activation a(l) = f(z(l)), not z(l)."),
        Mistake.variant("prime_of_a", lambda *a: planted(*a, slope=prime_of_a),
                        "You evaluated f' at a instead of at z: sigmoid_prime(a) or 1 - tanh(a)**2 is f'(f(z)). "
                        "Either apply the z-formula to z, or the a-formula (a * (1 - a), 1 - a**2) to a."),
        Mistake.variant("tanh_prime_of_a", lambda *a: planted(*a, slope=tanh_prime_of_a),
                        "Right for sigmoid and ReLU, wrong for tanh: you evaluated tanh' at a instead of at z. "
                        "1 - np.tanh(a)**2 is tanh'(tanh(z)); the shortcut on the stored activation is 1 - a**2."),
        Mistake.variant("quadratic_output_error", lambda *a: planted(*a, kind="quadratic"),
                        "Your output error is (a - y) * a * (1 - a), the quadratic cost's. For the cross-entropy "
                        "cost the sigmoid's slope cancels: delta(L) = a(L) - y."),
        Mistake.variant("output_sign", lambda *a: bug("output_sign", *a),
                        "Wrong sign: your gradients are minus the right ones. The output error is a - y, not y - a."),
        Mistake.variant("forgot_1/m", lambda *a: bug("forgot_1/m", *a),
                        "Off by a factor of m = {m}: your gradients are sums over the examples. The cost is a mean "
                        "over the m examples, so divide every Delta by m."),
        Mistake.variant("bias_sum", lambda *a: planted(*a, average=bias_not_averaged),
                        "Your weight gradients are right, but the bias gradients are sums over the examples, "
                        "m = {m} times too large: dJ/db(l) is delta(l+1) summed over the rows, divided by m."),
        Mistake.predicate("first_layer_skipped", _first_layer_skipped,
                          "Every layer is right except the first: dWs[0] and dbs[0] are wrong (zeros, or what they "
                          "started as). Your backward loop stops one layer early; it must go down to W(1), whose "
                          "gradient is a(1).T @ delta(2) / m with a(1) = X."),
        Mistake.variant("transposed", lambda *a: bug("transposed", *a),
                        "The shapes are right but the numbers are in the wrong places: you computed "
                        "delta.T @ a and reshaped it. Use a(l).T @ delta(l+1), which already has the shape of W(l)."),
        Mistake.predicate("layer_missing", _layer_missing,
                          "You returned gradients for one layer too few: there is one dW and one db per weight "
                          "matrix, len(dWs) == len(Ws), from the first layer (a(1) = X) to the last."),
    ),
)


# ------------------------------------------------------------ 08.3 train_digits
#: the architectures of the secret second case: (sizes, activation, epochs, batch_size, lr)
#: each gave a test accuracy of at least 0.917 with the solution on 30 seeds (mean 0.93), in 1-2 s on one core.
#: No layer is wider than 32: wider products make OpenBLAS start threads, which on a busy machine run 30x slower.
TRAINING = (([784, 32, 32, 16, 10], "relu", 8, 32, 0.05), ([784, 32, 16, 10], "tanh", 6, 32, 0.1))
LESSON_TRAINING = ([784, 32, 16, 10], "relu", 8, 32, 0.1)


#: the behaviour probe: a few steps on a few digits, small enough to follow step by step (m, batch_size, epochs)
PROBE = (32, 16, 2)


def train_cases(rng):
    d = load_digits()
    Y = one_hot(d.labels_train, 10)
    cases = [(d.X_train, Y) + LESSON_TRAINING + (0,)]
    sizes, activation, epochs, batch_size, lr = TRAINING[int(rng.integers(len(TRAINING)))]
    cases.append((d.X_train, Y, list(sizes), activation, epochs, batch_size, lr, int(rng.integers(1, 2 ** 31))))
    # the probe: 2 epochs of 2 batches on 32 digits; judged on its steps (order, size, every parameter), not accuracy
    m, batch_size, epochs = PROBE
    start = int(rng.integers(0, d.X_train.shape[0] - m))
    activation = str(rng.choice(["sigmoid", "tanh", "relu"]))
    cases.append((d.X_train[start:start + m].copy(), Y[start:start + m].copy(), [784, 8, 10], activation, epochs,
                  batch_size, float(np.round(rng.uniform(0.3, 0.8), 3)), int(rng.integers(1, 2 ** 31))))
    return cases


def is_probe(args):
    return args[0].shape[0] <= PROBE[0]


def _trajectory(X, Y, sizes, activation, epochs, batch_size, lr, seed, *, order="fresh", step=1.0, biases=True):
    """``(Ws, bs)`` of the contract's training (``order="fresh"``), or of one way of getting it wrong.

    ``order``: "fresh" (one rng, a permutation per epoch), "none" (no shuffle), "same" (the same permutation
    every epoch); ``step`` multiplies each step; ``biases=False`` never moves the biases.
    """
    Ws, bs = init_weights(sizes, seed, "he" if activation == "relu" else "uniform")
    rng = np.random.default_rng(seed)
    m = X.shape[0]
    for _ in range(epochs):
        if order == "fresh":
            perm = rng.permutation(m)
        elif order == "same":
            perm = np.random.default_rng(seed).permutation(m)
        else:
            perm = np.arange(m)
        for start in range(0, m, batch_size):
            B = perm[start:start + batch_size]
            dWs, dbs = backprop_deep(X[B], Y[B], Ws, bs, activation)
            Ws = [W - step * lr * g for W, g in zip(Ws, dWs)]
            if biases:
                bs = [b - step * lr * g for b, g in zip(bs, dbs)]
    return list(Ws) + list(bs)


def _as_result(arrays):
    return [np.asarray(a, dtype=float) for a in arrays]


def probe_verdict(args, out):
    """What the probe's steps show: None (the contract's steps, or none of the mistakes below can be told),
    else ``(name, words)``. The steps can be followed only from the contract's own initial weights
    (``init_weights`` of part 1, drawn as its contract says); other draws leave only the biases to look at."""
    X, Y, sizes, activation, epochs, batch_size, lr, seed = args
    L1 = len(sizes) - 1
    if _shape_verdict(sizes, out) is not None or not all(np.all(np.isfinite(a)) for a in out):
        return None  # the shapes' and the diverged run's own words say it
    ref = _as_result(_trajectory(*args))
    if close(out, ref):
        return None
    Ws0, bs0 = init_weights(sizes, seed, "he" if activation == "relu" else "uniform")
    init = _as_result(list(Ws0) + list(bs0))
    if close(out, init):
        return "never_trained", "no parameter moved from its initial values"
    if all(not np.any(b) for b in out[L1:]):
        return "biases_never_updated", "the biases are still all zero after training: every step must move them too"
    variants = (("not_shuffled", dict(order="none"), "the steps took the examples in their original order"),
                ("same_order", dict(order="same"), "every epoch visited the examples in the same order"),
                ("summed_steps", dict(step=float(batch_size)), f"every step was batch_size = {batch_size} "
                                                               "times too large"),
                ("steps_too_small", dict(step=1.0 / batch_size), f"every step was batch_size = {batch_size} "
                                                                 "times too small"),
                ("uphill", dict(step=-1.0), "every step went uphill"))
    for name, how, words in variants:
        if close(out, _as_result(_trajectory(*args, **how))):
            return name, words
    stuck = [k for k in range(L1) if np.array_equal(out[k], init[k])]
    if stuck and len(stuck) < L1:  # exactly the contract's initial values: the update loop skipped that layer
        return "layer_never_updated", f"Ws[{stuck[0]}] never moved from its initial values"
    return None


def train_digits(X, Y, sizes, activation, epochs, batch_size, lr, seed):
    """One acceptable answer: the core's :func:`bpkit.sgd` on the cross-entropy cost, ``(Ws, bs)``."""
    net = Network(sizes, seed=seed, activation=activation)
    sgd(net, X, Y, epochs=epochs, batch_size=batch_size, lr=lr, kind="cross_entropy", seed=seed)
    return list(net.weights), list(net.biases)


def test_accuracy(sizes, activation, out):
    """Accuracy on the 2,000 held-out digits of the parameters in a normalized result."""
    d = load_digits()
    Ws, bs = _split(out, len(sizes) - 1)
    return accuracy(deep_net(Ws, bs, activation), d.X_test, d.labels_test)


def judge_training(args, out):
    sizes, activation = args[2], args[3]
    bad = _shape_verdict(sizes, out)
    if bad is not None:
        return bad
    if not all(np.all(np.isfinite(a)) for a in out):
        return "the returned parameters hold nan or inf"
    if is_probe(args):
        said = probe_verdict(args, out)
        return None if said is None else f"on a short run of {args[0].shape[0]} digits, {said[1]}"
    acc = test_accuracy(sizes, activation, out)
    if acc < THRESHOLD:
        return (f"test accuracy {acc:.3f}, below {THRESHOLD:.2f}. Use your init_weights (he for relu, "
                f"uniform otherwise), a fresh shuffle of the examples every epoch, every mini-batch, and "
                f"W(l) -= lr * dW(l) for every layer")
    return None


def _chance(args, ref, out):
    sizes, activation = args[2], args[3]
    return _shapes_ok(sizes, out) and all(np.all(np.isfinite(a)) for a in out) and \
        test_accuracy(sizes, activation, out) < 0.2


def _untrained(args, ref, out):
    """No better than guessing, or still a fresh initialization (zero biases, the init's statistics).

    An untrained network's accuracy is about 0.1 but now and then, by the draw, over 0.2; that its
    parameters still pass :func:`judge_init` (he for relu, uniform otherwise) tells it on every seed.
    """
    sizes, activation, seed = args[2], args[3], args[7]
    if _chance(args, ref, out):
        return True
    scheme = "he" if activation == "relu" else "uniform"
    return _shapes_ok(sizes, out) and judge_init((list(sizes), seed, scheme), out) is None


def _probe_shows(name):
    """A PREDICATE: the probe's steps show mistake ``name``; it is named for every failing case when the
    probe among the cases (``ref``, the engine's :class:`Judged`) shows it."""
    def test(args, ref, out):
        cases, outs = (ref.cases, ref.outs) if ref is not None else ([args], [out])
        for c, o in zip(cases, outs):
            if is_probe(c):
                said = probe_verdict(c, o)
                return said is not None and said[0] == name
        return False
    return test


def _diverged(args, ref, out):
    return _shapes_ok(args[2], out) and not all(np.all(np.isfinite(a)) for a in out)


TRAIN = Part(
    key="08.3", notebook="08_deep_networks", grade_id="part3_tests", function="train_digits", points=4,
    # bpkit's forward pass stays allowed here: a learner may print the setup cell's test_accuracy while training
    forbidden=BP_FORBIDDEN + ("bpkit.sgd", "bpkit.optim.sgd", "bpkit.gradient_descent", "bpkit.optim.gradient_descent"),
    make_cases=train_cases, reference=train_digits,
    args=("X", "Y", "sizes", "activation", "epochs", "batch_size", "lr", "seed"), kind="params",
    out_names=("Ws", "bs"), judge=judge_training,
    mistakes=(
        Mistake.exception("shuffled_X_in_place",
                          lambda name, full: name == "InputChanged" and full.startswith(("InputChanged: #0",
                                                                                        "InputChanged: #1")),
                          "{fn} changed its input {arg} in place ({where}, case {i}): did you shuffle X or Y "
                          "themselves (np.random.shuffle(X))? Leave them as they are and index them with a "
                          "permutation instead: order = rng.permutation(m), then X[order[start:start + "
                          "batch_size]]."),
        Mistake.predicate("biases_never_updated", _probe_shows("biases_never_updated"),
                          "The biases never moved: after training they are still all zero. Every step updates "
                          "every parameter, bs[k] -= lr * dbs[k] as well as Ws[k] -= lr * dWs[k]."),
        Mistake.predicate("layer_never_updated", _probe_shows("layer_never_updated"),
                          "One weight matrix never moved from its initial values ({verdict}): does your update "
                          "loop cover every layer, for k in range(len(Ws))?"),
        Mistake.predicate("not_shuffled", _probe_shows("not_shuffled"),
                          "Your training takes the examples in their original order ({verdict}): shuffle them "
                          "afresh every epoch, order = rng.permutation(m) with one rng = "
                          "np.random.default_rng(seed) made before the first epoch."),
        Mistake.predicate("same_order", _probe_shows("same_order"),
                          "Every epoch visits the examples in the same order ({verdict}): you made the generator "
                          "anew each epoch. Make rng = np.random.default_rng(seed) once, before the loop, and draw "
                          "a fresh rng.permutation(m) from it every epoch."),
        Mistake.predicate("summed_steps", _probe_shows("summed_steps"),
                          "Your steps are too large ({verdict}): the gradient of a batch is a mean over its "
                          "examples (backprop_deep already divides by the batch's m), so step by lr * dW, without "
                          "multiplying by the batch size or summing the examples' gradients."),
        Mistake.predicate("steps_too_small", _probe_shows("steps_too_small"),
                          "Your steps are too small ({verdict}): backprop_deep already averages over the batch, "
                          "so do not divide by batch_size again: W -= lr * dW."),
        Mistake.predicate("uphill", _probe_shows("uphill"),
                          "Your steps go uphill ({verdict}): subtract the gradient, Ws[k] -= lr * dWs[k]."),
        Mistake.nan("diverged", _diverged,
                    "Training diverged: the weights hold nan or inf. Check the sign of the step "
                    "(W -= lr * dW, downhill) and that your gradients are means over the batch, not sums."),
        Mistake.predicate("untrained", _untrained,
                          "The returned network looks untrained, no better than guessing ({verdict}). Did the "
                          "weights change? "
                          "Update the arrays you return (Ws[l] -= lr * dWs[l] for every layer), step downhill, and "
                          "return the trained Ws, bs, not the initial ones."),
    ),
)


PARTS = (INIT, BACKPROP, TRAIN)  # 08.4 and 08.5 are in ex08_derive.py
