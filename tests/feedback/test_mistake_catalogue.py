"""The catalogue of wrong implementations, part by part (issue 21, items 3 and 4).

Every entry is code a learner could write: the slips of ``test_checks.py`` and
``test_checks_exercise_8.py`` (imported from there), and the classes issue 21
names: a function that changes its inputs in place, one that calls the bpkit
function the part asks for, a network trained on a copy, the numeric edges
(|z| = 1000, float32, an empty batch), training that does not shuffle, never
moves the biases or takes steps of the wrong size, and the mistakes the checks
did not name before (sigma' at a, a reshape for a transpose, the gradient-check
threshold, CS231n's denominator, ...).

Every entry must be refused, and at least 90% must be *named*: the message is
one of the checks' mistakes, not the generic "does not match" or "raised".
``python -m pytest -s -q tests/feedback/test_mistake_catalogue.py -k count``
prints the counts (quoted in the README).

Training (08.3) is judged on its behaviour probe here (the secret cases'
32-digit run, :data:`bpkit.checks.ex08.PROBE`): the full digit runs take a
minute on a busy machine, and the probe is where its mistakes are named.
"""
from __future__ import annotations

import collections
import copy
import functools
import pathlib
import warnings

import nbformat

import numpy as np
import pytest

import bpkit
from bpkit.checks import PARTS, diagnose, ex08, run
from bpkit.checks import _engine

import test_checks as T  # noqa: E402  (the slips catalogued there, and the model answers)
import test_checks_exercise_8 as T8  # noqa: E402

S = T.SOLVED
README = pathlib.Path(__file__).resolve().parents[2] / "README.md"
sig = T.sig
UNNAMED = {"mismatch", "raised"}  # the generic messages that name no mistake
SEEDS = (21, 22)


# ------------------------------------------------------------------ helpers
def mutating(key, index, how="add"):
    """The model answer, but it changes argument ``index`` in place first (as ``X -= X.mean(0)`` would)."""
    right = S[PARTS[key].function]

    def wrong(*args):
        a = args[index]
        result = right(*copy.deepcopy(args))
        if isinstance(a, np.ndarray):
            a[...] = a * 0.5 + 0.25 if how == "add" else a[::-1]
        elif isinstance(a, list):
            if how == "pop":
                a.pop()
            else:
                a[0] = a[0] * 0.5 + 0.25
        elif isinstance(a, bpkit.Network):
            a.weights[0] *= 0.5
        return result

    return wrong


def calling(key, call):
    """The model answer, but it also calls a forbidden bpkit function (``call(*args)``), as a shortcut would."""
    right = S[PARTS[key].function]

    def wrong(*args):
        try:
            call(*copy.deepcopy(args))
        except Exception:
            pass
        return right(*args)

    return wrong


def net_of(W1, b1, W2, b2):
    net = bpkit.Network([W1.shape[0], W1.shape[1], W2.shape[1]])
    net.weights, net.biases = [W1, W2], [b1, b2]
    return net


# ------------------------------------------------------- the new classes of issue 21
def sigmoid_clipped(z):
    z = np.clip(np.asarray(z, dtype=float), -500, 500)
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_float32_naive_guard(z):
    z = np.asarray(z)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))), np.exp(z) / (1.0 + np.exp(z)))


def sigmoid_prime_exp_ratio(z):
    e = np.exp(-np.asarray(z, dtype=float))
    return e / (1.0 + e) ** 2


def sigmoid_prime_of_a(z):
    a = S["sigmoid"](z)
    return S["sigmoid"](a) * (1 - S["sigmoid"](a))


def dC_dw_prime_of_a(w, a_in, b, y):
    a = float(sig(w * a_in + b))
    s = float(sig(a))
    return (a - y) * s * (1 - s) * a_in


def dC_dw_one_element(w, a_in, b, y):
    return np.array([S["dC_dw"](w, a_in, b, y)])


def dJ_dW2_prime_of_a(a2, z3, Y):
    a3 = sig(z3)
    s = sig(a3)
    return a2.T @ ((a3 - Y) * s * (1 - s)) / a2.shape[0]


def dJ_dW2_reshaped(a2, z3, Y):
    a3 = sig(z3)
    delta3 = (a3 - Y) * a3 * (1 - a3)
    return (delta3.T @ a2).reshape(a2.shape[1], Y.shape[1]) / a2.shape[0]


def dJ_dW1_prime_of_a(X, z2, W2, delta3):
    a2 = sig(z2)
    s = sig(a2)
    return X.T @ ((delta3 @ W2.T) * s * (1 - s)) / X.shape[0]


def dJ_dW1_reshape_W2(X, z2, W2, delta3):
    a2 = sig(z2)
    return X.T @ ((delta3 @ W2.reshape(W2.shape[1], W2.shape[0])) * a2 * (1 - a2)) / X.shape[0]


def dJ_dW1_reshaped(X, z2, W2, delta3):
    a2 = sig(z2)
    d2 = (delta3 @ W2.T) * a2 * (1 - a2)
    return (d2.T @ X).reshape(X.shape[1], z2.shape[1]) / X.shape[0]


def make_backprop2(*, prime_of_a=False, reshape=False, bias_axis=1, inplace=False):
    """A learner's vectorized 2-layer backprop with the chosen slip."""

    def grads(X, Y, W1, b1, W2, b2):
        m = X.shape[0]
        a2 = sig(X @ W1 + b1)
        a3 = sig(a2 @ W2 + b2)
        p3 = sig(a3) * (1 - sig(a3)) if prime_of_a else a3 * (1 - a3)
        p2 = sig(a2) * (1 - sig(a2)) if prime_of_a else a2 * (1 - a2)
        d3 = (a3 - Y) * p3
        d2 = (d3 @ W2.T) * p2
        if reshape:
            dW1, dW2 = (d2.T @ X).reshape(W1.shape) / m, (d3.T @ a2).reshape(W2.shape) / m
        else:
            dW1, dW2 = X.T @ d2 / m, a2.T @ d3 / m
        if bias_axis == 1:
            db1, db2 = d2.sum(axis=0) / m, d3.sum(axis=0) / m
        else:
            db1, db2 = d2.mean(axis=1), d3.mean(axis=1)
        if inplace:
            W1 -= 0.0 * W1 + 1e-3  # "tidying" the weights in place
        return dW1, db1, dW2, db2

    return grads


def _theta(X, Y, Theta1, Theta2, lam, *, slope="right", reg_first=True, back="weights"):
    """04.3 vectorized, the bias in the LAST column of each Theta; ``back`` "first_dropped" sends the error back
    through Theta2[:, 1:] (lesson 4b's habit) instead of the weight columns Theta2[:, :-1]."""
    m = X.shape[0]
    A1 = np.hstack([X, np.ones((m, 1))])
    z2 = A1 @ Theta1.T
    a2 = sig(z2)
    A2 = np.hstack([a2, np.ones((m, 1))])
    a3 = sig(A2 @ Theta2.T)
    d3 = a3 - Y
    g = {"right": a2 * (1 - a2), "g": a2, "of_a": sig(a2) * (1 - sig(a2))}[slope]
    d2 = (d3 @ (Theta2[:, :-1] if back == "weights" else Theta2[:, 1:])) * g
    G1, G2 = d2.T @ A1 / m, d3.T @ A2 / m
    for l, (G, Th) in enumerate(((G1, Theta1), (G2, Theta2))):
        if l != 0 or reg_first:
            G[:, :-1] += lam / m * Th[:, :-1]
    return G1, G2


def _weighted2(X, Y, W1, b1, W2, b2, sample_weight, *, prime_of_a=False, reshape=False, inplace=False,
               probabilities=False):
    """04.1/04.2 vectorized with the chosen slip; ``probabilities`` turns the weights into p = w / sum(w) and
    then still takes the mean over m; ``inplace`` does so in the caller's array."""
    m = X.shape[0]
    w = sample_weight
    if inplace:
        w /= w.sum()
    elif probabilities:
        w = w / w.sum()
    a2 = sig(X @ W1 + b1)
    a3 = sig(a2 @ W2 + b2)
    p3 = sig(a3) * (1 - sig(a3)) if prime_of_a else a3 * (1 - a3)
    p2 = sig(a2) * (1 - sig(a2)) if prime_of_a else a2 * (1 - a2)
    d3 = w[:, None] * (a3 - Y) * p3
    d2 = (d3 @ W2.T) * p2
    total = m if probabilities else 1.0 if inplace else w.sum()
    if reshape:
        dW1, dW2 = (d2.T @ X).reshape(W1.shape) / total, (d3.T @ a2).reshape(W2.shape) / total
    else:
        dW1, dW2 = X.T @ d2 / total, a2.T @ d3 / total
    return dW1, d2.sum(axis=0) / total, dW2, d3.sum(axis=0) / total


def decay_squares_in_place(X, Y, W1, b1, W2, b2, lam1, lam2):
    """05.1 with the weights squared in place on the way to their sum."""
    data = S["regularized_cost"](X, Y, W1, b1, W2, b2, 0.0, 0.0)
    W1 **= 2
    W2 **= 2
    return data + lam1 / 2 * np.sum(W1) + lam2 / 2 * np.sum(W2)


def reg_gradients_inplace(X, Y, W1, b1, W2, b2, lam, W1_0, W2_0):
    m = X.shape[0]
    dW1, db1, dW2, db2 = S["regularized_gradients"](X, Y, W1, b1, W2, b2, 0.0, W1_0, W2_0)
    W1 -= W1_0  # the distance from the earlier weights, computed in the caller's array
    W2 -= W2_0
    return dW1 + lam * W1 / m, db1, dW2 + lam * W2 / m, db2


def epoch_on_a_copy(net, X, Y, lr, batch_size, seed):
    return S["sgd_epoch"](net.copy(), X, Y, lr, batch_size, seed)


def epoch_first_layer_only(net, X, Y, lr, batch_size, seed):
    for B in S["make_batches"](X.shape[0], batch_size, seed):
        dW, db = bpkit.backprop(net, X[B], Y[B])
        for k in range(len(net.weights) - 1):
            net.weights[k] = net.weights[k] - lr * dW[k]
            net.biases[k] = net.biases[k] - lr * db[k]
    return tuple(p for W, b in zip(net.weights, net.biases) for p in (W, b))


def epoch_calls_sgd(net, X, Y, lr, batch_size, seed):
    bpkit.sgd(net, X, Y, epochs=1, batch_size=batch_size, lr=lr, seed=seed)
    return tuple(p for W, b in zip(net.weights, net.biases) for p in (W, b))


def numgrad_drifts(f, theta, eps):
    """Nudges theta itself and undoes it with += / -=, which leaves rounding in theta."""
    g = np.zeros_like(theta, dtype=float)
    for j in np.ndindex(theta.shape):
        theta[j] += eps
        plus = f(theta)
        theta[j] -= 2 * eps
        minus = f(theta)
        theta[j] += eps + 1e-3  # an off-by-a-bit restore
        g[j] = (plus - minus) / (2 * eps)
    return g


def rel_max_norm(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300))


def rel_cs231n(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def hunt_pooled(J, params, candidates, eps):
    numeric = [S["numerical_gradient"](lambda t, k=k: J(params[:k] + [t] + params[k + 1:]), params[k], eps)
               for k in range(len(params))]
    flat_n = np.concatenate([n.ravel() for n in numeric])
    out = []
    for i, c in enumerate(candidates):
        g = c(params)
        if any(np.shape(a) != np.shape(b) for a, b in zip(g, numeric)):
            out.append(i)
            continue
        if S["relative_error"](np.concatenate([a.ravel() for a in g]), flat_n) >= 1e-7:
            out.append(i)
    return out


def backprop_deep_tanh_of_a(X, Y, Ws, bs, activation):
    def f(z):
        return {"sigmoid": sig, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0)}[activation](z)

    a = [X]
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = a[-1] @ W + b
        a.append(sig(z) if l == len(Ws) - 1 else f(z))
    m = X.shape[0]
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    delta = a[-1] - Y
    for k in range(len(Ws) - 1, -1, -1):
        dWs[k], dbs[k] = a[k].T @ delta / m, delta.sum(0) / m
        if k > 0:
            s = {"sigmoid": a[k] * (1 - a[k]), "tanh": 1 - np.tanh(a[k]) ** 2,
                 "relu": (a[k] > 0).astype(float)}[activation]
            delta = (delta @ Ws[k].T) * s
    return dWs, dbs


def backprop_deep_overwrites(X, Y, Ws, bs, activation):
    dWs, dbs = S["backprop_deep"](X, Y, Ws, bs, activation)
    for W, dW in zip(Ws, dWs):
        W -= dW  # "one step while we are at it"
    return dWs, dbs


def init_mutates_sizes(sizes, seed, scheme):
    out = S["init_weights"](list(sizes), seed, scheme)
    sizes.append(1)
    return out


def make_train(*, order="fresh", step=1.0, biases=True, layers="all", shuffle_X=False, sum_grads=False,
               per_example=False):
    """A learner's train_digits with the chosen slip, on its own backprop_deep and init_weights."""

    def train_digits(X, Y, sizes, activation, epochs, batch_size, lr, seed):
        Ws, bs = S["init_weights"](sizes, seed, "he" if activation == "relu" else "uniform")
        rng = np.random.default_rng(seed)
        m = X.shape[0]
        for _ in range(epochs):
            if shuffle_X:
                p = rng.permutation(m)
                X[:], Y[:] = X[p], Y[p]
                order_ = np.arange(m)
            elif order == "fresh":
                order_ = rng.permutation(m)
            elif order == "same":
                order_ = np.random.default_rng(seed).permutation(m)
            else:
                order_ = np.arange(m)
            for start in range(0, m, batch_size):
                B = order_[start:start + batch_size]
                dWs, dbs = S["backprop_deep"](X[B], Y[B], Ws, bs, activation)
                scale = len(B) if sum_grads else 1.0 / len(B) if per_example else step
                for k in range(len(Ws) - (1 if layers == "skip_last" else 0)):
                    Ws[k] -= scale * lr * dWs[k]
                    if biases:
                        bs[k] -= scale * lr * dbs[k]
        return Ws, bs

    return train_digits


def train_calls_sgd(X, Y, sizes, activation, epochs, batch_size, lr, seed):
    net = bpkit.Network(sizes, seed=seed, activation=activation)
    bpkit.sgd(net, X, Y, epochs=epochs, batch_size=batch_size, lr=lr, kind="cross_entropy", seed=seed)
    return list(net.weights), list(net.biases)


# ------------------------------------------- exercises 4-6: the predictions and the transfer parts
def make_l1(*, rule="sign", no_m=False, half=False, bias=False, pen_sign=1.0, prime=True, divide=True):
    """A learner's L1 gradient (05.4) with the chosen slip."""

    def slope(W):
        if rule == "l2":
            return W
        if rule == "abs":
            return np.abs(W)
        if rule == "ge0":
            return np.where(W >= 0, 1.0, -1.0)
        if rule == "div":
            with np.errstate(invalid="ignore"):
                return W / np.abs(W)
        return np.sign(W)

    def l1_gradients(X, Y, W1, b1, W2, b2, lam):
        m = X.shape[0]
        a2 = sig(X @ W1 + b1)
        a3 = sig(a2 @ W2 + b2)
        d3 = (a3 - Y) * a3 * (1 - a3)
        d2 = (d3 @ W2.T) * (a2 * (1 - a2) if prime else 1.0)
        k = pen_sign * lam * (0.5 if half else 1.0) / (1 if no_m else m)
        mm = m if divide else 1
        dW1 = X.T @ d2 / mm + k * slope(W1) * (m / mm)
        dW2 = a2.T @ d3 / mm + k * slope(W2) * (m / mm)
        db1, db2 = d2.sum(axis=0) / mm, d3.sum(axis=0) / mm
        if bias:
            db1, db2 = db1 + k * np.sign(b1), db2 + k * np.sign(b2)
        return dW1, db1, dW2, db2

    return l1_gradients


def make_momentum(*, beta_used=True, damp=False, reset=False, late=False, lr_inside=False, sign=1.0, full=False,
                  shuffle=True, biases=True, step_units=False, copy_velocity=False, last_layer=True):
    """A learner's momentum epoch (06.4) with the chosen slip."""

    def momentum_epoch(net, velocity, X, Y, lr, beta, batch_size, seed):
        v = velocity
        if reset:  # "start from rest", in place
            for j in range(len(v)):
                v[j] = np.zeros_like(v[j])
        if copy_velocity:
            v = [u.copy() for u in velocity]
        b_ = beta if beta_used else 0.0
        n = X.shape[0]
        order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
        for i in range(0, n, batch_size):
            B = order[i:i + batch_size]
            dW, db = bpkit.backprop(net, X if full else X[B], Y if full else Y[B])
            layers = len(net.weights) if last_layer else len(net.weights) - 1
            for k in range(layers):
                for j, g, p in ((2 * k, dW[k], net.weights), (2 * k + 1, db[k], net.biases)):
                    old = v[j]
                    if step_units:
                        v[j] = b_ * v[j] - lr * g
                        p[k] = p[k] + v[j]
                        continue
                    v[j] = b_ * v[j] + (1 - b_ if damp else 1.0) * (lr if lr_inside else 1.0) * g
                    if j % 2 == 1 and not biases:
                        continue
                    p[k] = p[k] - sign * lr * (old if late else v[j])
        return tuple(p for W, b in zip(net.weights, net.biases) for p in (W, b))

    return momentum_epoch


RIGHT_SLIPS = {"hidden_slope_missing": (1, 1, 0, 0), "output_slope_missing": (1, 1, 1, 1),
               "bias_sums_not_averaged": (0, 1, 0, 1), "z2_in_share": (0, 0, 1, 0), "Delta1_overwritten": (1, 0, 0, 0),
               "hidden_bias_left_out": (1, 1, 1, 1), "hidden_slope_at_a": (1, 1, 0, 0),
               "Delta_b2_overwritten": (0, 0, 0, 1)}


def slips_answer(**changed):
    """A learner's table for 04.4: the right one with the given rows changed."""
    table = {**RIGHT_SLIPS, **changed}
    return lambda slip: tuple(bool(v) for v in table[slip])


def make_tanh3(*, slope="tanh", hidden=(True, True), out="sigmoid", divide=True, divide_bias=True, order="layers",
               sign=1.0):
    """A learner's 04.5 (two tanh hidden layers, a sigmoid output) with the chosen slip."""

    def backprop_tanh3(X, Y, W1, b1, W2, b2, W3, b3):
        m = X.shape[0]
        z2 = X @ W1 + b1
        a2 = np.tanh(z2)
        z3 = a2 @ W2 + b2
        a3 = np.tanh(z3)
        a4 = sig(a3 @ W3 + b3)
        f = {"tanh": lambda z, a: 1 - a ** 2, "sigmoid": lambda z, a: a * (1 - a),
             "of_a": lambda z, a: 1 - np.tanh(a) ** 2, "z": lambda z, a: 1 - z ** 2}[slope]
        d4 = sign * (a4 - Y) * {"sigmoid": a4 * (1 - a4), "tanh": 1 - a4 ** 2, "none": 1.0}[out]
        d3 = (d4 @ W3.T) * (f(z3, a3) if hidden[1] else 1.0)
        d2 = (d3 @ W2.T) * (f(z2, a2) if hidden[0] else 1.0)
        mw, mb = (m if divide else 1), (m if divide and divide_bias else 1)
        g = [X.T @ d2 / mw, d2.sum(axis=0) / mb, a2.T @ d3 / mw, d3.sum(axis=0) / mb, a3.T @ d4 / mw,
             d4.sum(axis=0) / mb]
        if order == "weights_first":
            return g[0::2] + g[1::2]
        if order == "reversed":
            return g[4:] + g[2:4] + g[:2]
        return tuple(g)

    return backprop_tanh3


NEW_4_6 = [
    # 04.4 changed_by (predict)
    ("04.4", slips_answer(output_slope_missing=(0, 0, 1, 1), hidden_bias_left_out=(1, 1, 0, 0)),
     "only the arrays of the layer where the slip is"),
    ("04.4", slips_answer(hidden_slope_missing=(1, 1, 1, 1), hidden_slope_at_a=(1, 1, 1, 1)),
     "does not reach dW2 or db2"),
    ("04.4", lambda slip: (RIGHT_SLIPS[slip][0] == 1, False, RIGHT_SLIPS[slip][2] == 1, False),
     "never marked a bias gradient"),
    ("04.4", slips_answer(z2_in_share=(1, 1, 1, 0)), "read by nothing else"),
    ("04.4", slips_answer(Delta1_overwritten=(1, 1, 0, 0)), "'Delta1_overwritten' is wrong"),
    ("04.4", slips_answer(bias_sums_not_averaged=(1, 1, 1, 1)), "'bias_sums_not_averaged' is wrong"),
    ("04.4", slips_answer(hidden_slope_at_a=(0, 0, 0, 0)), "'hidden_slope_at_a' is wrong"),
    ("04.4", slips_answer(Delta_b2_overwritten=(0, 0, 1, 1)), "'Delta_b2_overwritten' is wrong"),
    ("04.4", slips_answer(hidden_slope_missing=(1, 1, 1, 1)), "'hidden_slope_missing' is wrong"),
    ("04.4", slips_answer(output_slope_missing=(0, 0, 1, 1)), "'output_slope_missing' is wrong"),
    ("04.4", slips_answer(z2_in_share=(1, 0, 1, 0)), "'z2_in_share' is wrong"),
    ("04.4", slips_answer(hidden_bias_left_out=(1, 1, 0, 0)), "'hidden_bias_left_out' is wrong"),
    ("04.4", lambda slip: (True, True, True, True), "same answer for two different inputs"),
    ("04.4", lambda slip: ["dW1", "db1"], "numbers"),
    # 04.5 backprop_tanh3 (transfer)
    ("04.5", make_tanh3(slope="sigmoid"), "the sigmoid's slope a * (1 - a) for the tanh units"),
    ("04.5", make_tanh3(slope="of_a"), "taken at the output"),
    ("04.5", make_tanh3(slope="z"), "1 - z**2"),
    ("04.5", make_tanh3(hidden=(False, False)), "neither hidden layer"),
    ("04.5", make_tanh3(hidden=(False, True)), "first hidden layer (layer 2)"),
    ("04.5", make_tanh3(hidden=(True, False)), "second hidden layer (layer 3)"),
    ("04.5", make_tanh3(out="tanh"), "the output unit is a sigmoid"),
    ("04.5", make_tanh3(out="none"), "right for the cross-entropy cost"),
    ("04.5", make_tanh3(divide=False), "Off by a factor of m"),
    ("04.5", make_tanh3(divide_bias=False), "bias gradients are a sum"),
    ("04.5", make_tanh3(order="weights_first"), "weights first, then biases"),
    ("04.5", make_tanh3(order="reversed"), "from the output back"),
    ("04.5", make_tanh3(sign=-1.0), "Wrong sign"),
    ("04.5", mutating("04.5", 0), "changed its input X in place"),
    ("04.5", calling("04.5", lambda X, Y, *p: bpkit.backprop(net_of(*p[:4]), X, Y)), "calls bpkit.backprop"),
    # 05.3 penalty_factors (predict)
    ("05.3", lambda c, k: (k * c, k * c), "sum of squared weights"),
    ("05.3", lambda c, k: (k * c * c, k * c * c), "grows more slowly than the"),
    ("05.3", lambda c, k: (k * c, k * c * c), "swapped"),
    ("05.3", lambda c, k: (c * c, c), "left out lambda"),
    ("05.3", lambda c, k: (k * c * c, k), "ignores c"),
    ("05.3", lambda c, k: (k * k * c * c, k * k * c), "squared lambda"),
    ("05.3", lambda c, k: (4.0, 2.0), "same answer for two different inputs"),
    ("05.3", lambda c, k: k * c * c, "shape"),
    # 05.4 l1_gradients (transfer)
    ("05.4", make_l1(rule="l2"), "gradient of L2's squares"),
    ("05.4", make_l1(rule="abs"), "that is the penalty, not its slope"),
    ("05.4", make_l1(rule="ge0"), "exactly 0"),
    ("05.4", make_l1(rule="div"), "0 / 0"),
    ("05.4", make_l1(no_m=True), "missing its 1/m"),
    ("05.4", make_l1(half=True), "half what it should be"),
    ("05.4", make_l1(bias=True), "penalized the biases"),
    ("05.4", make_l1(pen_sign=-1.0), "Wrong sign on the penalty"),
    ("05.4", make_l1(prime=False), "That factor is missing"),
    ("05.4", make_l1(divide=False), "Off by a factor of m"),
    ("05.4", lambda X, Y, W1, b1, W2, b2, lam: make_l1()(X, Y, W1, b1, W2, b2, 0.0), "unpenalized cost"),
    ("05.4", mutating("05.4", 2), "changed its input W1 in place"),
    ("05.4", calling("05.4", lambda X, Y, *p: bpkit.backprop(net_of(*p[:4]), X, Y)), "calls bpkit.backprop"),
    # 06.3 updates (predict)
    ("06.3", lambda m, B, E: m / B * E, "whole number only when"),
    ("06.3", lambda m, B, E: (m // B) * E, "only the full batches"),
    ("06.3", lambda m, B, E: -(-m * E // B), "rounded up once for the whole run"),
    ("06.3", lambda m, B, E: (m // B + 1) * E, "even when there are none"),
    ("06.3", lambda m, B, E: round(m / B) * E, "nearest whole number"),
    ("06.3", lambda m, B, E: m * E, "one step per example"),
    ("06.3", lambda m, B, E: E, "one step per epoch"),
    ("06.3", lambda m, B, E: -(-m // B), "steps of one epoch"),
    ("06.3", lambda m, B, E: 9, "same answer for two different inputs"),
    # 06.4 momentum_epoch (transfer)
    ("06.4", make_momentum(beta_used=False), "plain SGD"),
    ("06.4", make_momentum(reset=True), "starts from zero"),
    ("06.4", make_momentum(damp=True), "(1 - beta)"),
    ("06.4", make_momentum(late=True), "before the current batch"),
    ("06.4", make_momentum(lr_inside=True), "in your velocity and in your step"),
    ("06.4", make_momentum(step_units=True), "as the step itself"),
    ("06.4", make_momentum(sign=-1.0), "uphill"),
    ("06.4", make_momentum(full=True), "ALL of X"),
    ("06.4", make_momentum(shuffle=False), "original order"),
    ("06.4", make_momentum(biases=False), "biases never moved"),
    ("06.4", make_momentum(copy_velocity=True), "left velocity exactly as it was"),
    ("06.4", make_momentum(last_layer=False), "never moved"),
    ("06.4", lambda *a: (lambda p: p[0::2] + p[1::2])(list(make_momentum()(*a))), "in the order of net.params()"),
    ("06.4", calling("06.4", lambda net, v, X, Y, lr, beta, bs, seed: bpkit.sgd(net, X, Y, epochs=1, batch_size=bs,
                                                                                 lr=lr, seed=seed)), "calls bpkit.sgd"),
]


# ------------------------------------------------ exercises 7 and 8: the transfer and prediction parts
def make_complex_step(*, dtype=complex, part="imag", denom=1.0, step=1j, divide=True, restore=True, at_once=False,
                      real_central=False, real_one_sided=False, complex_out=False, in_place=False):
    """A learner's complex_step_gradient with the chosen slip."""

    def complex_step_gradient(f, theta, h):
        if real_central or real_one_sided:
            t = np.array(theta, dtype=float)
            g, f0 = np.zeros_like(t), f(t)
            for j in np.ndindex(t.shape):
                old = t[j]
                t[j] = old + h
                plus = f(t)
                t[j] = old - h
                minus = f(t)
                t[j] = old
                g[j] = np.real((plus - minus) / (2 * h) if real_central else (plus - f0) / h)
            return g
        work = theta if in_place else np.array(theta, dtype=dtype)
        if at_once:
            return np.full(np.shape(theta), np.imag(f(work + 1j * h)) / h)
        g = np.zeros(np.shape(theta), dtype=complex if complex_out else float)
        for j in np.ndindex(work.shape):
            old = work[j]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the ComplexWarning of a float copy
                work[j] = old + step * h
            v = f(work)
            if complex_out:
                g[j] = (v - f(np.real(work))) / (1j * h)
            else:
                g[j] = (np.imag(v) if part == "imag" else np.real(v)) / (denom * h if divide else 1.0)
            if restore:
                work[j] = old
        return g

    return complex_step_gradient


def _n(sizes, biases=True):
    return sum((a + int(biases)) * b for a, b in zip(sizes[:-1], sizes[1:]))


def make_evaluations(*, central=2, one_sided=(1, 1), complex_=1, biases=True, units=False):
    """A learner's evaluations(method, sizes) with the chosen slip."""

    def evaluations(method, sizes):
        n = sum(sizes) if units else _n(sizes, biases)
        return {"central": central * n, "one_sided": one_sided[0] * n + one_sided[1],
                "complex_step": complex_ * n}[method]

    return evaluations


def evaluations_mutates(method, sizes):
    out = S["evaluations"](method, list(sizes))
    sizes.pop()
    return out


def make_changed_by_bug(*, base=0, slope="below", forward="all", m="own"):
    """A learner's changed_by_bug(bug, depth, layer) with the chosen slip."""

    def changed_by_bug(bug, depth, layer):
        if bug == "slope":
            ks = {"below": range(layer - 1), "below_and_own": range(layer), "own": [layer - 1],
                  "above": range(layer - 1, depth), "all": range(depth)}[slope]
        elif bug == "bias_forward":
            ks = {"all": range(depth), "below_and_own": range(layer), "above": range(layer - 1, depth),
                  "own": [layer - 1]}[forward]
        else:
            ks = {"own": [layer - 1], "below_and_own": range(layer), "all": range(depth)}[m]
        return [k + base for k in ks]

    return changed_by_bug


def make_elu(*, slope="right", alpha_used=True, relu_forward=False, quadratic=False, divide=True, sign=1.0,
             inplace=False):
    """A learner's backprop_elu with the chosen slip (written from scratch, as in part 2)."""

    def backprop_elu(X, Y, Ws, bs, alpha):
        al = alpha if alpha_used else 1.0
        a, zs = [X], [None]
        for l, (W, b) in enumerate(zip(Ws, bs)):
            z = a[-1] @ W + b
            zs.append(z)
            if l == len(Ws) - 1:
                a.append(sig(z))
            elif relu_forward:
                a.append(np.maximum(z, 0.0))
            else:
                a.append(np.where(z > 0, z, al * (np.exp(np.minimum(z, 0.0)) - 1)))
        m = X.shape[0]
        dWs, dbs = [None] * len(Ws), [None] * len(Ws)
        delta = sign * (a[-1] - Y) * (a[-1] * (1 - a[-1]) if quadratic else 1.0)
        for k in range(len(Ws) - 1, -1, -1):
            dWs[k] = a[k].T @ delta / (m if divide else 1)
            dbs[k] = delta.sum(axis=0) / (m if divide else 1)
            if k > 0:
                ak, zk = a[k], zs[k]
                if slope == "none":
                    f_prime = 1.0
                elif slope == "exp_both":
                    f_prime = al * np.exp(zk)
                else:
                    neg = {"right": ak + al, "relu": 0.0 * ak, "leaky": al + 0.0 * ak, "a": ak,
                           "exp_of_a": al * np.exp(ak), "no_alpha": np.exp(zk)}[slope]
                    f_prime = np.where(ak > 0, 1.0, neg)
                delta = (delta @ Ws[k].T) * f_prime
        if inplace:
            Ws[0] -= 0.1 * dWs[0]
        return dWs, dbs

    return backprop_elu


def elu_with_autograd(X, Y, Ws, bs, alpha):
    import bpkit.autograd as ag
    Wt, bt = [ag.Tensor(W) for W in Ws], [ag.Tensor(b) for b in bs]
    a = ag.Tensor(X, requires_grad=False)
    for k, (W, b) in enumerate(zip(Wt, bt)):
        z = a @ W + b
        if k == len(Wt) - 1:
            J = ag.sigmoid_cost(z, Y, kind="cross_entropy")
        else:
            a = ag.relu(z) + alpha * (ag.exp(-ag.relu(-z)) - 1.0)
    J.backward()
    return [W.grad for W in Wt], [b.grad for b in bt]


NEW_7_8 = [
    # 07.4 the complex step (transfer)
    ("07.4", make_complex_step(dtype=float), "all 0"),
    ("07.4", make_complex_step(part="real"), "real part"),
    ("07.4", make_complex_step(denom=2.0), "divided by 2h"),
    ("07.4", make_complex_step(divide=False), "divide by h"),
    ("07.4", make_complex_step(step=-1j), "Wrong sign"),
    ("07.4", make_complex_step(restore=False), "did not put it back"),
    ("07.4", make_complex_step(at_once=True), "all entries of theta at once"),
    ("07.4", make_complex_step(real_central=True), "central differences with a real step"),
    ("07.4", make_complex_step(real_one_sided=True), "one-sided difference with a real step"),
    ("07.4", make_complex_step(complex_out=True), "returned complex numbers"),
    ("07.4", mutating("07.4", 1), "changed theta in place"),
    ("07.4", calling("07.4", lambda f, t, h: bpkit.numerical_gradient(lambda: float(np.real(f(t))), [t], h)),
     "calls bpkit.numerical_gradient"),
    # 07.5 evaluations (predict)
    ("07.5", make_evaluations(biases=False), "weights only"),
    ("07.5", make_evaluations(units=True), "counted units"),
    ("07.5", make_evaluations(central=1, one_sided=(1, 0)), "One call per parameter"),
    ("07.5", make_evaluations(one_sided=(2, 0), complex_=2), "Two calls per parameter"),
    ("07.5", make_evaluations(central=1), "twice per parameter"),
    ("07.5", make_evaluations(one_sided=(1, 0)), "needs J at the point itself"),
    ("07.5", make_evaluations(one_sided=(2, 0)), "recomputes J at the point"),
    ("07.5", make_evaluations(complex_=2), "one evaluation per parameter, not two"),
    ("07.5", lambda method, sizes: 47720, "same answer for two different inputs"),
    ("07.5", evaluations_mutates, "changed its input sizes in place"),
    # 08.4 changed_by_bug (predict)
    ("08.4", make_changed_by_bug(base=1), "numbered from 1"),
    ("08.4", make_changed_by_bug(slope="all", m="all"), "Not every bug reaches every layer"),
    ("08.4", make_changed_by_bug(slope="own", forward="own"), "does not stay there"),
    ("08.4", make_changed_by_bug(slope="above", forward="above"), "spoils the layers below"),
    ("08.4", make_changed_by_bug(slope="below_and_own"), "One layer too many for the slope"),
    ("08.4", make_changed_by_bug(forward="below_and_own"), "every dW changes"),
    ("08.4", make_changed_by_bug(forward="above"), "the layers below it change too"),
    ("08.4", make_changed_by_bug(m="below_and_own"), "only that one changes"),
    ("08.4", lambda bug, depth, layer: [0, 1], "Wrong shape"),
    # 08.5 backprop_elu (transfer)
    ("08.5", make_elu(relu_forward=True, slope="relu"), "gradient of a ReLU network"),
    ("08.5", make_elu(slope="relu"), "the slope is ReLU's"),
    ("08.5", make_elu(slope="leaky"), "constant slope alpha"),
    ("08.5", make_elu(slope="a"), "the activation itself"),
    ("08.5", make_elu(slope="exp_of_a"), "at a instead of at z"),
    ("08.5", make_elu(slope="no_alpha"), "your slope is e^z"),
    ("08.5", make_elu(slope="exp_both"), "on both sides of 0"),
    ("08.5", make_elu(slope="none"), "slope f'(z) is missing"),
    ("08.5", make_elu(alpha_used=False), "alpha = 1 whatever alpha"),
    ("08.5", make_elu(quadratic=True), "quadratic cost's"),
    ("08.5", make_elu(divide=False), "factor"),
    ("08.5", make_elu(sign=-1.0), "sign"),
    ("08.5", make_elu(inplace=True), "changed its input Ws[0] in place"),
    ("08.5", elu_with_autograd, "bpkit.autograd.Tensor.backward"),
]


# ------------------------------------- exercises 1-3: the predictions and the transfer parts (issue 21, items 1-2)
def _ce_by_definition(Y, z, clip=None, sigmoid=sig, log=np.log):
    a = sigmoid(z)
    if clip is not None:
        a = np.clip(a, clip, 1 - clip)
    return float(-np.sum(Y * log(a) + (1 - Y) * log(1 - a)) / Y.shape[0])


def _naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def ce_cost_quadratic(Y, z3):
    return float(np.sum((Y - sig(z3)) ** 2) / (2 * Y.shape[0]))


def ce_cost_summed(Y, z3):
    return float(np.sum(Y * np.logaddexp(0, -z3) + (1 - Y) * np.logaddexp(0, z3)))


def ce_cost_np_mean(Y, z3):
    return float(np.mean(Y * np.logaddexp(0, -z3) + (1 - Y) * np.logaddexp(0, z3)))


def ce_cost_half(Y, z3):
    return S["cross_entropy_cost"](Y, z3) / 2


def ce_cost_one_term(Y, z3):
    return float(np.sum(Y * np.logaddexp(0, -z3)) / Y.shape[0])


def ce_cost_stable_swapped(Y, z3):
    return float(np.sum(Y * np.logaddexp(0, z3) + (1 - Y) * np.logaddexp(0, -z3)) / Y.shape[0])


def ce_cost_per_example(Y, z3):
    return np.sum(Y * np.logaddexp(0, -z3) + (1 - Y) * np.logaddexp(0, z3), axis=1) / Y.shape[0]


def db1_linear(X, Y, W1, b1, W2, b2, *, out="linear", hidden="tanh", slope="right", reduce="right", back="right"):
    """A learner's dJ_db1 for the tanh-hidden, linear-output network, with the chosen slip."""
    m = X.shape[0]
    z2 = X @ W1 + b1
    a2 = sig(z2) if hidden == "sigmoid" else np.tanh(z2)
    z3 = a2 @ W2 + b2
    if out == "sigmoid":
        yhat = sig(z3)
        d3 = (yhat - Y) * yhat * (1 - yhat)
    elif out == "sigmoid_slope":
        d3 = (z3 - Y) * sig(z3) * (1 - sig(z3))
    else:
        d3 = z3 - Y
    s = {"right": a2 * (1 - a2) if hidden == "sigmoid" else 1 - a2 ** 2, "sigmoid": a2 * (1 - a2),
         "at_a": 1 - np.tanh(a2) ** 2, "at_z": 1 - z2 ** 2, "none": 1.0}[slope]
    d2 = (d3 @ (W2 if back == "untransposed" else W2.T)) * s
    if reduce == "units":
        return d2.sum(axis=1) / m
    if reduce == "keepdims":
        return d2.sum(axis=0, keepdims=True) / m
    if reduce == "weights":
        return X.T @ d2 / m
    return d2.sum(axis=0) / (1 if reduce == "sum" else m)


def db1_calls_tanh_prime(X, Y, W1, b1, W2, b2):
    z2 = X @ W1 + b1
    d2 = ((np.tanh(z2) @ W2 + b2 - Y) @ W2.T) * bpkit.tanh_prime(z2)
    return d2.sum(axis=0) / X.shape[0]


def softplus_prime_naive(z, beta):
    e = np.exp(beta * np.asarray(z, dtype=float))
    return e / (1 + e)


def softplus_prime_naive_sigmoid(z, beta):
    return 1.0 / (1.0 + np.exp(-beta * np.asarray(z, dtype=float)))


def _flags(**wrong):
    def predict(slip):
        return wrong.get(slip, S["wrong_gradients"](slip))
    return predict


MOVES_RIGHT = {"W1[0,0]": -1, "W1[0,1]": -1, "W1[0,2]": 1, "W1[1,0]": -1, "W1[1,1]": -1, "W1[1,2]": 1,
               "b1[0]": -1, "b1[1]": -1, "b1[2]": 1, "W2[0,0]": -1, "W2[1,0]": -1, "W2[2,0]": -1, "b2[0]": -1}
MOVES_VALUE = {"W1": bpkit.Network([2, 3, 1], seed=0).weights[0], "W2": bpkit.Network([2, 3, 1], seed=0).weights[1]}


def moves_own_sign(name):
    kind, idx = name[:2], tuple(int(i) for i in name[3:-1].split(","))
    own = np.sign(MOVES_VALUE[kind][idx]) if kind in MOVES_VALUE else 1.0
    return MOVES_RIGHT[name] * own


def moves_slope_value(name):
    """The slope itself, measured, instead of its sign."""
    net = bpkit.Network([2, 3, 1], seed=0)
    X, Y, *_ = bpkit.sleep_study()
    dW, db = bpkit.backprop(net, X, Y)
    grads = {"W1": dW[0], "b1": db[0], "W2": dW[1], "b2": db[1]}
    return float(grads[name[:2]][tuple(int(i) for i in name[3:-1].split(","))])


def slope_value(z):
    s = sig(z)
    return float(s * (1 - s))


def slope_curvature(z):
    s = sig(z)
    return float(s * (1 - s) * (1 - 2 * s))


EXERCISES_1_3 = [
    # 01.3 cost_moves (predict)
    ("01.3", lambda name: 1, "same answer for two different inputs"),
    ("01.3", lambda name: -MOVES_RIGHT[name], "Every direction is reversed"),
    ("01.3", moves_own_sign, "flip where the weight itself is negative"),
    ("01.3", lambda name: -1, "same answer for two different inputs"),
    ("01.3", lambda name: 0 if name[0] == "W" and name[1] == "1" or name.startswith("b1") else MOVES_RIGHT[name],
     "first layer's weights and biases do not move"),
    ("01.3", lambda name: 0 if name.startswith("b") else MOVES_RIGHT[name], "nudging a bias does not move"),
    ("01.3", moves_slope_value, "should return a direction"),
    ("01.3", lambda name: "down" if MOVES_RIGHT[name] < 0 else "up", "not a number"),
    ("01.3", lambda name: MOVES_RIGHT[name] if name.startswith("W") else 1, "minus the right answer"),
    # 01.4 cross_entropy_cost (transfer)
    ("01.4", lambda Y, z3: _ce_by_definition(Y, z3, sigmoid=_naive_sigmoid), "overflowed"),
    ("01.4", lambda Y, z3: _ce_by_definition(Y, z3), "took the log of 0"),
    ("01.4", lambda Y, z3: _ce_by_definition(Y, z3, clip=1e-12), "did you clip"),
    ("01.4", lambda Y, z3: _ce_by_definition(Y, np.clip(z3, -30, 30)), "did you clip"),
    ("01.4", ce_cost_quadratic, "That is the quadratic cost"),
    ("01.4", ce_cost_summed, "times too large"),
    ("01.4", ce_cost_np_mean, "number of entries"),
    ("01.4", ce_cost_half, "half the right one"),
    ("01.4", lambda Y, z3: S["cross_entropy_cost"](Y, z3) / np.log(10), "base 10"),
    ("01.4", ce_cost_one_term, "Only the targets'"),
    ("01.4", ce_cost_stable_swapped, "swapped"),
    ("01.4", ce_cost_per_example, "single number"),
    ("01.4", mutating("01.4", 1), "changed its input z3 in place"),
    # 02.4 wrong_gradients (predict)
    ("02.4", lambda slip: (1, 1, 1, 1), "same answer for two different inputs"),
    ("02.4", _flags(no_output_slope=(0, 0, 1, 1)), "changes only the output layer's gradients"),
    ("02.4", _flags(no_b1_forward=(1, 1, 0, 0)), "forgetting b1 in the forward pass"),
    ("02.4", _flags(no_hidden_slope=(1, 1, 1, 1), W2_doubled_going_back=(1, 1, 1, 1)),
     "also changes the output layer's gradients"),
    ("02.4", lambda slip: np.array(S["wrong_gradients"](slip)) * [1, 0, 1, 0], "biases' gradients never change"),
    ("02.4", _flags(biases_not_averaged=(1, 0, 1, 0)), "swapped weights and biases"),
    ("02.4", lambda slip: 1 - np.array(S["wrong_gradients"](slip)), "the other way round"),
    ("02.4", lambda slip: np.array(S["wrong_gradients"](slip)) * 0.5, "four flags"),
    ("02.4", lambda slip: [n for n, f in zip(("dW1", "db1", "dW2", "db2"), S["wrong_gradients"](slip)) if f],
     "not a number"),
    # 02.5 dJ_db1 (transfer)
    ("02.5", lambda *a: db1_linear(*a, out="sigmoid"), "sigmoid on the output unit"),
    ("02.5", lambda *a: db1_linear(*a, out="sigmoid_slope"), "carries a sigmoid slope"),
    ("02.5", lambda *a: db1_linear(*a, hidden="sigmoid"), "hidden units are sigmoids"),
    ("02.5", lambda *a: db1_linear(*a, slope="sigmoid"), "sigmoid's slope a (1 - a)"),
    ("02.5", lambda *a: db1_linear(*a, slope="at_a"), "instead of at z2"),
    ("02.5", lambda *a: db1_linear(*a, slope="at_z"), "1 - z2**2"),
    ("02.5", lambda *a: db1_linear(*a, slope="none"), "slope is missing"),
    ("02.5", lambda *a: db1_linear(*a, reduce="sum"), "Off by a factor of m"),
    ("02.5", lambda *a: db1_linear(*a, reduce="units"), "one number per example"),
    ("02.5", lambda *a: db1_linear(*a, reduce="keepdims"), "shape (1, s_2)"),
    ("02.5", lambda *a: db1_linear(*a, reduce="weights"), "You returned dJ/dW1"),
    ("02.5", lambda *a: db1_linear(*a, back="untransposed"), "do not line up"),
    ("02.5", db1_calls_tanh_prime, "calls bpkit.tanh_prime"),
    ("02.5", mutating("02.5", 0), "changed its input X in place"),
    # 03.3 slope_moves (predict)
    ("03.3", lambda z: 1, "same answer for two different inputs"),
    ("03.3", lambda z: -1, "same answer for two different inputs"),
    ("03.3", lambda z: np.sign(z), "Every answer is reversed"),
    ("03.3", lambda z: 1 if z == 0 else -np.sign(z), "a peak is flat"),
    ("03.3", lambda z: -1 if z >= 0 else 1, "a peak is flat"),
    ("03.3", lambda z: 0 if abs(z) >= 4 else -np.sign(z), "tiny is not constant"),
    ("03.3", slope_value, "should return a direction"),
    ("03.3", slope_curvature, "should return a direction"),
    ("03.3", lambda z: "up" if z < 0 else "down", "not a number"),
    # 03.4 softplus_prime (transfer)
    ("03.4", softplus_prime_naive, "overflows for large |z|"),
    ("03.4", softplus_prime_naive_sigmoid, "overflows for large |z|"),
    ("03.4", lambda z, beta: beta * S["sigmoid"](beta * np.asarray(z)), "beta times too large"),
    ("03.4", lambda z, beta: S["sigmoid"](beta * np.asarray(z)) / beta, "divided by beta"),
    ("03.4", lambda z, beta: S["sigmoid"](z), "does not depend on beta"),
    ("03.4", lambda z, beta: S["sigmoid"](-beta * np.asarray(z)), "exponent's sign is flipped"),
    ("03.4", lambda z, beta: S["sigmoid_prime"](beta * np.asarray(z)), "differentiated once too often"),
    ("03.4", lambda z, beta: np.logaddexp(0, beta * np.asarray(z)) / beta, "returned softplus itself"),
    ("03.4", lambda z, beta: S["sigmoid"](-beta * np.asarray(z)) / beta, "stopped after the log"),
    ("03.4", lambda z, beta: bpkit.sigmoid(beta * np.asarray(z)), "calls bpkit.sigmoid"),
    ("03.4", mutating("03.4", 0), "changed its input z in place"),
]


NEW = [
    # 01.1 forward
    ("01.1", mutating("01.1", 0), "changed its input X in place"),
    ("01.1", calling("01.1", lambda X, W1, b1, W2, b2: net_of(W1, b1, W2, b2).predict(X)), "calls bpkit"),
    ("01.1", lambda X, W1, b1, W2, b2: sig(sig(X @ W1 + b1) @ W2 + b2).ravel(), "shape"),
    # 01.2 cost
    ("01.2", mutating("01.2", 1), "changed its input Yhat in place"),
    ("01.2", calling("01.2", lambda Y, Yhat: bpkit.cost(bpkit.Network([1, 1]), Yhat[:, :1], Y[:, :1])), "calls bpkit"),
    ("01.2", lambda Y, Yhat: np.array([[S["quadratic_cost"](Y, Yhat)]]), "should return a single number"),
    # 02.1
    ("02.1", dC_dw_prime_of_a, "at a instead of at z"),
    ("02.1", dC_dw_one_element, "should return a single number"),
    ("02.1", calling("02.1", lambda w, a_in, b, y: bpkit.sigmoid_prime(w * a_in + b)), "calls bpkit.sigmoid_prime"),
    # 02.2
    ("02.2", dJ_dW2_prime_of_a, "at a instead of at z"),
    ("02.2", dJ_dW2_reshaped, "reshaped it"),
    ("02.2", calling("02.2", lambda a2, z3, Y: bpkit.sigmoid_prime(z3)), "calls bpkit.sigmoid_prime"),
    ("02.2", mutating("02.2", 1), "changed its input z3 in place"),
    # 02.3
    ("02.3", dJ_dW1_prime_of_a, "at a instead of at z"),
    ("02.3", dJ_dW1_reshape_W2, "reshaped to (s_3, s_2)"),
    ("02.3", dJ_dW1_reshaped, "reshaped it"),
    ("02.3", mutating("02.3", 3), "changed its input delta3 in place"),
    ("02.3", calling("02.3", lambda X, z2, W2, d3: bpkit.sigmoid_prime(z2)), "calls bpkit.sigmoid_prime"),
    # 03.1
    ("03.1", sigmoid_clipped, "did you clip z"),
    ("03.1", sigmoid_float32_naive_guard, "overflow"),
    ("03.1", mutating("03.1", 0), "changed its input z in place"),
    ("03.1", calling("03.1", lambda z: bpkit.sigmoid(z)), "calls bpkit.sigmoid"),
    # 03.2
    ("03.2", sigmoid_prime_exp_ratio, "inf / inf"),
    ("03.2", sigmoid_prime_of_a, "at a = sigma(z) instead of at z"),
    ("03.2", calling("03.2", lambda z: bpkit.sigmoid_prime(z)), "calls bpkit.sigmoid_prime"),
    ("03.2", mutating("03.2", 0), "changed its input z in place"),
    *EXERCISES_1_3,
    # 04.1
    ("04.1", lambda *a: _weighted2(*a, prime_of_a=True), "at a instead of at z"),
    ("04.1", lambda *a: _weighted2(*a, reshape=True), "reshaped it"),
    ("04.1", lambda *a: _weighted2(*a, probabilities=True), "m times too small"),
    ("04.1", lambda *a: _weighted2(*a, inplace=True), "changed its input sample_weight in place"),
    ("04.1", T.make_loop(normalise_in_place=True), "changed its input sample_weight in place"),
    ("04.1", mutating("04.1", 2), "changed its input W1 in place"),
    ("04.1", calling("04.1", lambda X, Y, *p: bpkit.backprop(net_of(*p[:4]), X, Y)), "calls bpkit.backprop"),
    ("04.1", calling("04.1", lambda X, Y, *p: bpkit.backprop_loop(net_of(*p[:4]), X, Y)),
     "calls bpkit.backprop_loop"),
    # 04.2
    ("04.2", lambda *a: _weighted2(*a, prime_of_a=True), "at a instead of at z"),
    ("04.2", lambda *a: _weighted2(*a, reshape=True), "reshaped it"),
    ("04.2", lambda *a: _weighted2(*a, probabilities=True), "m times too small"),
    ("04.2", mutating("04.2", 6), "changed its input sample_weight in place"),
    ("04.2", mutating("04.2", 0), "changed its input X in place"),
    ("04.2", calling("04.2", lambda X, Y, *p: bpkit.backprop(net_of(*p[:4]), X, Y)), "calls bpkit.backprop"),
    # 04.3
    ("04.3", lambda X, Y, T1, T2, lam: _theta(X, Y, T1, T2, lam, slope="g"), "g(z2) = sigmoid(z2)"),
    ("04.3", lambda X, Y, T1, T2, lam: _theta(X, Y, T1, T2, lam, slope="of_a"), "at a2 instead of at z2"),
    ("04.3", lambda X, Y, T1, T2, lam: _theta(X, Y, T1, T2, lam, reg_first=False), "if l != 0"),
    ("04.3", lambda X, Y, T1, T2, lam: _theta(X, Y, T1, T2, lam, back="first_dropped"), "you dropped row 0"),
    ("04.3", mutating("04.3", 2), "changed its input Theta1 in place"),
    ("04.3", calling("04.3", lambda X, Y, T1, T2, lam: bpkit.backprop(bpkit.Network.from_thetas([T1, T2]), X, Y)),
     "calls bpkit.backprop"),
    # 05.1
    ("05.1", mutating("05.1", 2), "changed its input W1 in place"),
    ("05.1", calling("05.1", lambda X, Y, *p: bpkit.cost(net_of(*p[:4]), X, Y)), "calls bpkit.cost"),
    ("05.1", lambda *a: np.array([S["regularized_cost"](*a)]), "should return a single number"),
    ("05.1", decay_squares_in_place, "changed its input W1 in place"),
    # 05.2
    ("05.2", reg_gradients_inplace, "changed its input W1 in place"),
    ("05.2", calling("05.2", lambda X, Y, *p: bpkit.backprop(net_of(*p[:4]), X, Y)), "calls bpkit.backprop"),
    ("05.2", lambda *a: _vec_prime_of_a(*a), "at a instead of at z"),
    ("05.2", mutating("05.2", 7), "changed its input W1_0 in place"),
    # 06.1
    ("06.1", lambda n, bs, seed: [np.asarray(b) for b in np.array_split(np.random.default_rng(seed).permutation(n),
                                                                       -(-n // bs))], "shape"),
    ("06.1", lambda n, bs, seed: [np.random.default_rng(seed).permutation(n)], "batch"),
    # 06.2
    ("06.2", epoch_on_a_copy, "changed a copy of it"),
    ("06.2", epoch_first_layer_only, "never moved"),
    ("06.2", epoch_calls_sgd, "calls bpkit.sgd"),
    ("06.2", mutating("06.2", 1), "changed its input X in place"),
    # 07.1
    ("07.1", numgrad_drifts, "changed theta in place"),
    ("07.1", calling("07.1", lambda f, t, e: bpkit.numerical_gradient(lambda: f(t), [t], e)),
     "calls bpkit.numerical_gradient"),
    # 07.2
    ("07.2", rel_max_norm, "max(||a||, ||b||)"),
    ("07.2", rel_cs231n, "entry by entry"),
    ("07.2", mutating("07.2", 0), "changed its input a in place"),
    ("07.2", calling("07.2", lambda a, b: bpkit.relative_error(a, b)), "calls bpkit.relative_error"),
    ("07.2", lambda a, b: np.array([S["relative_error"](a, b)]), "should return a single number"),
    # 07.3
    ("07.3", T.make_hunt(threshold=1e-5), "looser threshold"),
    ("07.3", T.make_hunt(threshold=1e-3), "looser threshold"),
    ("07.3", hunt_pooled, "all arrays together"),
    ("07.3", mutating("07.3", 1, how="pop"), "changed its input params in place"),
    ("07.3", calling("07.3", lambda J, p, c, e: bpkit.backprop(net_of(*p), J.X, J.Y, lam=J.lam)),
     "calls bpkit.backprop"),
    # 08.1
    ("08.1", init_mutates_sizes, "changed its input sizes in place"),
    # 08.2
    ("08.2", backprop_deep_tanh_of_a, "wrong for tanh"),
    ("08.2", backprop_deep_overwrites, "changed its input Ws[0] in place"),
    ("08.2", calling("08.2", lambda X, Y, Ws, bs, act: bpkit.backprop(ex08.deep_net(Ws, bs, act), X, Y)),
     "calls bpkit.backprop"),
    # 08.3, judged on the probe
    ("08.3", make_train(order="none"), "original order"),
    ("08.3", make_train(order="same"), "same order"),
    ("08.3", make_train(sum_grads=True), "steps are too large"),
    ("08.3", make_train(step=-1.0), "uphill"),
    ("08.3", make_train(biases=False), "biases never moved"),
    ("08.3", make_train(layers="skip_last"), "never moved from its initial values"),
    ("08.3", make_train(per_example=True), "steps are too small"),
    ("08.3", make_train(shuffle_X=True), "shuffle X or Y"),
    ("08.3", train_calls_sgd, "calls bpkit"),
] + NEW_4_6 + NEW_7_8


def _vec_prime_of_a(X, Y, W1, b1, W2, b2, lam, W1_0, W2_0):
    dW1, db1, dW2, db2 = make_backprop2(prime_of_a=True)(X, Y, W1, b1, W2, b2)
    m = X.shape[0]
    return dW1 + lam * (W1 - W1_0) / m, db1, dW2 + lam * (W2 - W2_0) / m, db2


CATALOGUE = ([(k, f, p) for k, f, p in T.WRONG]
             + [("08.2", f, p) for f, p in T8.BACKPROP_WRONG]
             + [("08.1", f, p) for f, p in T8.INIT_WRONG]
             + NEW)


def verdict(key, fn, seed):
    """The check's verdict on ``fn``: the engine's own calls; for 08.3 on its behaviour probe only."""
    if key != "08.3":
        return run(key, fn, seed=seed)
    part = PARTS[key]
    cases = [c for c in part.make_cases(np.random.default_rng(seed)) if ex08.is_probe(c)]
    return diagnose(key, cases, [_engine._call(part, fn, args) for args in cases])


ROOT = pathlib.Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=None)
def _opening_headings(lesson):
    """{cell id: the heading a Markdown cell of the lesson opens with} (cells opening with a heading only)."""
    nb = nbformat.read(str(ROOT / "lessons" / f"{lesson}.ipynb"), as_version=4)
    firsts = {c.id: c.source.lstrip().split("\n", 1)[0] for c in nb.cells if c.cell_type == "markdown"}
    return {cid: line.lstrip("#").strip() for cid, line in firsts.items() if line.startswith("#")}


def link_problem(key, msg):
    """None if check()'s link for this diagnosis opens the lesson cell that starts with the heading it names."""
    section = _engine.lesson_section(key, msg)
    if section is None:
        return "no link"
    title, href = section
    if not href.startswith("../lessons/") or "#cell-id=" not in href:
        return f"not a relative link to a lesson cell: {href}"
    path, cell = href[len("../"):].split("#cell-id=", 1)
    if not (ROOT / path).is_file():
        return f"no notebook {path}"
    heading = title.split('"', 1)[1].rsplit('"', 1)[0] if '"' in title else None
    if _opening_headings(pathlib.Path(path).stem).get(cell) != heading:
        return f"cell {cell!r} of {path} does not open with the heading {heading!r}"
    return None


def name_of(msg):
    mistake = getattr(msg, "mistake", None)
    return None if mistake is None or mistake.name in UNNAMED else mistake.name


@pytest.mark.parametrize("key, wrong, phrase", NEW, ids=[f"{k}-{p[:30]}" for k, _, p in NEW])
@pytest.mark.parametrize("seed", SEEDS)
def test_new_classes_are_refused_and_named(key, wrong, phrase, seed):
    msg = verdict(key, wrong, seed)
    assert msg is not None, "the mistake passed the check"
    assert phrase in msg, msg
    assert name_of(msg), msg


def test_model_training_passes_its_probe():
    for seed in SEEDS:
        assert verdict("08.3", S["train_digits"], seed) is None


def test_count_of_the_catalogue():
    """Every wrong implementation refused, at least 90% named, at least 8 per part on average; prints the counts."""
    per_part = collections.Counter(k for k, _, _ in CATALOGUE)
    named, unnamed, passed, links = collections.Counter(), [], [], []
    for key, wrong, phrase in CATALOGUE:
        msg = verdict(key, wrong, SEEDS[0])
        if msg is not None and link_problem(key, msg):
            links.append((key, phrase, link_problem(key, msg)))
        if msg is None:
            passed.append((key, phrase))
        elif name_of(msg):
            named[key] += 1
        else:
            unnamed.append((key, phrase, str(msg)[:120]))
    total, n_named = len(CATALOGUE), sum(named.values())
    print(f"\nmistake catalogue: {total} wrong implementations over {len(per_part)} parts "
          f"({total / len(per_part):.1f} per part), {total - len(passed)} refused, {n_named} named "
          f"({100 * n_named / total:.0f}%); {len(_engine.PARTS)} parts, "
          f"{len(bpkit.checks.diagnosis_names())} named mistakes the checks know")
    for key in sorted(per_part):
        print(f"  {key}: {per_part[key]} wrong, {named[key]} named")
    assert not passed, passed
    assert not links, links  # every diagnosis links to a heading that exists in its lesson
    assert set(per_part) >= {k for k in PARTS if k[:2] <= "08"}
    assert total / len(per_part) >= 8
    assert n_named >= 0.9 * total, unnamed
    # the README quotes these counts: they must be today's
    import test_ex09
    quoted = " ".join(README.read_text(encoding="utf-8").split())
    named_claim = "all named" if n_named == total else f"{n_named} named"
    claim = (f"{total} wrong implementations over the {len(per_part)} parts of exercises 1–8, all refused, "
             f"{named_claim} (the checks know {len(bpkit.checks.diagnosis_names())} named mistakes over "
             f"{len(_engine.PARTS)} parts); exercise 9 adds {len(test_ex09.CATALOGUE)}")
    assert claim in quoted, f"README.md should say: {claim!r}"


@pytest.mark.slow
def test_steps_32_times_too_large_are_named_on_the_full_cases():
    """On all the secret cases (two digit trainings and the probe), summed steps are told so, not "untrained"."""
    msg = run("08.3", make_train(sum_grads=True), seed=SEEDS[0])
    assert msg is not None and "steps are too large" in msg, msg
