"""bpkit.checks: every diagnosis fires on the mistake it names, right code passes, fixed answers fail.

Each wrong implementation below is written the way a learner would write the
mistake (not by calling the checker's own mistaken variants), so these tests
show that a real slip is recognised by its numbers.
"""
import copy
import importlib
import pathlib

import nbformat
import numpy as np
import pytest

import bpkit
from bpkit import checks
from bpkit.checks import PARTS, check, diagnose, ex06, ex07, run

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = [0, 1, 2, 3, 4]


def sig(z):
    return bpkit.sigmoid(z)


# ----------------------------------------------------------- the right answers
def solution_functions():
    """The model answers, executed from the solution notebooks' solution cells."""
    ns = {"np": np, "bpkit": bpkit}
    for path in sorted((ROOT / "solutions").glob("*_solution.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                exec(compile(cell.source, str(path), "exec"), ns)
    return ns


SOLVED = solution_functions()
TRAINS = {"08.3"}  # the parts that train on the digits: each case is trained once per session


def solved(key, trainings):
    """The model answer of part ``key`` (one that trains keeps its networks: tests/conftest.py)."""
    fn = SOLVED[PARTS[key].function]
    return trainings.wrap(fn, "solution") if key in TRAINS else fn


def reference(key, trainings):
    """The checker's own answer of part ``key`` (one that trains keeps its networks)."""
    fn = PARTS[key].reference
    return trainings.wrap(fn, "reference") if key in TRAINS else fn


@pytest.mark.parametrize("key", list(PARTS))
@pytest.mark.parametrize("seed", SEEDS)
def test_model_answers_pass(key, seed, digit_trainings):
    assert run(key, solved(key, digit_trainings), seed=seed) is None


@pytest.mark.parametrize("key", list(PARTS))
def test_reference_outputs_pass(key, digit_trainings):
    part = PARTS[key]
    cases = part.make_cases(np.random.default_rng(7))
    assert diagnose(key, cases, [reference(key, digit_trainings)(*a) for a in cases]) is None


@pytest.mark.parametrize("key", list(PARTS))
@pytest.mark.parametrize("seed", SEEDS)
def test_hard_coded_lesson_answer_fails(key, seed, digit_trainings):
    """Returning the lesson's numbers passes case 0 but not the fresh random cases."""
    part = PARTS[key]
    lesson = reference(key, digit_trainings)(*part.make_cases(np.random.default_rng(seed))[0])
    msg = run(key, lambda *args: lesson, seed=seed)
    assert msg is not None
    if key != "07.3":  # there a fixed list reads as flagging correct / missing buggy candidates
        # (a part that updates an argument in place says first that the argument was left as it was)
        assert "same answer for two different inputs" in msg or "shape" in msg or "exactly as it was" in msg, msg


# ------------------------------------------------- wrong code, expected message
def forward_no_output_sigmoid(X, W1, b1, W2, b2):
    return sig(X @ W1 + b1) @ W2 + b2


def forward_no_hidden_sigmoid(X, W1, b1, W2, b2):
    return sig((X @ W1 + b1) @ W2 + b2)


def forward_no_bias(X, W1, b1, W2, b2):
    return sig(sig(X @ W1) @ W2)


def forward_transposed(X, W1, b1, W2, b2):
    return sig(sig(X @ W1 + b1) @ W2 + b2).T


def cost_sum(Y, Yhat):
    return float(np.sum((Y - Yhat) ** 2) / 2)


def cost_no_half(Y, Yhat):
    return float(np.sum((Y - Yhat) ** 2) / Y.shape[0])


def cost_np_mean(Y, Yhat):
    return float(np.mean((Y - Yhat) ** 2) / 2)


def cost_elementwise(Y, Yhat):
    return (Y - Yhat) ** 2 / (2 * Y.shape[0])


def dC_dw_sigma_for_prime(w, a_in, b, y):
    a = float(sig(w * a_in + b))
    return (a - y) * a * a_in


def dC_dw_no_prime(w, a_in, b, y):
    return (float(sig(w * a_in + b)) - y) * a_in


def dC_dw_z_prime(w, a_in, b, y):
    z = w * a_in + b
    return (float(sig(z)) - y) * z * (1 - z) * a_in


def dC_dw_no_a_in(w, a_in, b, y):
    a = float(sig(w * a_in + b))
    return (a - y) * a * (1 - a)


def dC_dw_half_dropped(w, a_in, b, y):
    """The derivative of (a - y)**2, the cost of other sources, not of lesson 2's (a - y)**2 / 2."""
    a = float(sig(w * a_in + b))
    return 2 * (a - y) * a * (1 - a) * a_in


def dC_dw_sign(w, a_in, b, y):
    a = float(sig(w * a_in + b))
    return (y - a) * a * (1 - a) * a_in


def dJ_dW2_transposed(a2, z3, Y):
    a3 = sig(z3)
    return ((a3 - Y) * a3 * (1 - a3)).T @ a2 / a2.shape[0]


def dJ_dW2_sum(a2, z3, Y):
    a3 = sig(z3)
    return a2.T @ ((a3 - Y) * a3 * (1 - a3))


def dJ_dW2_sigma(a2, z3, Y):
    a3 = sig(z3)
    return a2.T @ ((a3 - Y) * a3) / a2.shape[0]


def dJ_dW2_cross_entropy_delta(a2, z3, Y):
    return a2.T @ (sig(z3) - Y) / a2.shape[0]


def dJ_dW2_sign(a2, z3, Y):
    a3 = sig(z3)
    return a2.T @ ((Y - a3) * a3 * (1 - a3)) / a2.shape[0]


def dJ_dW1_W2_not_transposed(X, z2, W2, delta3):
    a2 = sig(z2)
    return X.T @ ((delta3 @ W2) * a2 * (1 - a2)) / X.shape[0]


def dJ_dW1_no_prime(X, z2, W2, delta3):
    return X.T @ (delta3 @ W2.T) / X.shape[0]


def dJ_dW1_sum(X, z2, W2, delta3):
    a2 = sig(z2)
    return X.T @ ((delta3 @ W2.T) * a2 * (1 - a2))


def sigmoid_naive(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def sigmoid_where_both_branches(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def sigmoid_exp_ratio(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1 + e)


def _own_sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


def sigmoid_minus_z(z):
    return _own_sigmoid(-np.asarray(z, dtype=float))


def sigmoid_prime_returns_sigma(z):
    return bpkit.sigmoid(z)


def sigmoid_prime_of_z(z):
    z = np.asarray(z, dtype=float)
    return z * (1 - z)


def sigmoid_prime_tanh_rule(z):
    return 1 - bpkit.sigmoid(z) ** 2


def sigmoid_prime_sign(z):
    s = bpkit.sigmoid(z)
    return s * (s - 1)


def make_loop(*, weigh="error", divisor="sum", keep_last=False, divide=True, divide_bias=True, hidden_prime=True,
              output_prime=True, transpose=False, keepdims=False, use_sigma=False, sign=1.0, normalise_in_place=False):
    """A learner's backprop_loop (examples weighted by sample_weight) with the chosen slips.

    ``weigh`` says where example i's weight goes: "error" (into delta3, the right place), "none", "twice" (into
    delta3 and again into every share), "output_only" (into the output layer's shares only), "weights_only" (into
    the weight shares, not the bias shares); ``divisor`` what the sums are divided by: "sum" (the total weight),
    "m" or "one".
    """

    def backprop_loop(X, Y, W1, b1, W2, b2, sample_weight):
        m = X.shape[0]
        w_all = sample_weight
        if normalise_in_place:  # "tidy" the weights so that they add up to 1, in the caller's array
            w_all /= w_all.sum()
        D1, D2 = np.zeros_like(W1.T if transpose else W1), np.zeros_like(W2.T if transpose else W2)
        Db1, Db2 = np.zeros((1, b1.size)) if keepdims else np.zeros_like(b1), \
            np.zeros((1, b2.size)) if keepdims else np.zeros_like(b2)
        for i in range(m):
            x, y, w = X[i:i + 1], Y[i:i + 1], w_all[i]
            a2 = sig(x @ W1 + b1)
            a3 = sig(a2 @ W2 + b2)
            p3 = (a3 if use_sigma else a3 * (1 - a3)) if output_prime else 1.0
            p2 = (a2 if use_sigma else a2 * (1 - a2)) if hidden_prime else 1.0
            d3 = sign * (a3 - y) * p3 * (w if weigh in ("error", "twice") else 1.0)
            d2 = (d3 @ W2.T) * p2
            s1 = w if weigh in ("twice", "weights_only") else 1.0
            s2 = w if weigh in ("twice", "output_only", "weights_only") else 1.0
            sb2 = w if weigh in ("twice", "output_only") else 1.0
            sb1 = w if weigh == "twice" else 1.0
            g1 = s1 * (d2.T @ x if transpose else x.T @ d2)
            g2 = s2 * (d3.T @ a2 if transpose else a2.T @ d3)
            gb1 = sb1 * (d2 if keepdims else d2[0])
            gb2 = sb2 * (d3 if keepdims else d3[0])
            if keep_last:
                D1, D2, Db1, Db2 = g1, g2, gb1, gb2
            else:
                D1, D2, Db1, Db2 = D1 + g1, D2 + g2, Db1 + gb1, Db2 + gb2
        total = {"sum": w_all.sum(), "m": m, "one": 1.0}[divisor]
        if normalise_in_place:
            total = 1.0
        f, fb = (total if divide else 1), (total if divide_bias else 1)
        return D1 / f, Db1 / fb, D2 / f, Db2 / fb

    return backprop_loop


def make_vectorized(*, lam_mode=None, sign=1.0, z_prime=False):
    """A learner's backprop_vectorized / regularized_gradients with the chosen slips."""

    def grads(X, Y, W1, b1, W2, b2, lam=0.0):
        m = X.shape[0]
        z2 = X @ W1 + b1
        a2 = sig(z2)
        z3 = a2 @ W2 + b2
        a3 = sig(z3)
        d3 = sign * (a3 - Y) * (z3 * (1 - z3) if z_prime else a3 * (1 - a3))
        d2 = (d3 @ W2.T) * (z2 * (1 - z2) if z_prime else a2 * (1 - a2))
        dW1, db1, dW2, db2 = X.T @ d2 / m, d2.sum(0) / m, a2.T @ d3 / m, d3.sum(0) / m
        if lam_mode == "ok":
            dW1, dW2 = dW1 + lam * W1 / m, dW2 + lam * W2 / m
        elif lam_mode == "bias":
            dW1, dW2 = dW1 + lam * W1 / m, dW2 + lam * W2 / m
            db1, db2 = db1 + lam * b1 / m, db2 + lam * b2 / m
        elif lam_mode == "no_m":
            dW1, dW2 = dW1 + lam * W1, dW2 + lam * W2
        elif lam_mode == "half":
            dW1, dW2 = dW1 + lam * W1 / (2 * m), dW2 + lam * W2 / (2 * m)
        elif lam_mode == "sign":
            dW1, dW2 = dW1 - lam * W1 / m, dW2 - lam * W2 / m
        return dW1, db1, dW2, db2

    return grads


def make_weighted_vectorized(*, weigh="error", divisor="sum", bias="rows", z_prime=False, sign=1.0,
                             broadcast=False):
    """A learner's backprop_vectorized (examples weighted) with the chosen slips.

    ``weigh`` and ``divisor`` as for :func:`make_loop`; ``bias`` how the bias sums are taken: "rows" (axis 0,
    right), "units" (axis 1), "keepdims";
    ``broadcast`` multiplies by the (m,) weights without a new axis.
    """

    def backprop_vectorized(X, Y, W1, b1, W2, b2, sample_weight):
        m = X.shape[0]
        w = sample_weight if broadcast else sample_weight[:, None]
        z2 = X @ W1 + b1
        a2 = sig(z2)
        z3 = a2 @ W2 + b2
        a3 = sig(z3)
        d3 = sign * (a3 - Y) * (z3 * (1 - z3) if z_prime else a3 * (1 - a3))
        if weigh in ("error", "twice"):
            d3 = w * d3
        d2 = (d3 @ W2.T) * (z2 * (1 - z2) if z_prime else a2 * (1 - a2))
        e3 = w * d3 if weigh in ("twice", "output_only", "weights_only") else d3  # the error in the weight shares
        e2 = w * d2 if weigh in ("twice", "weights_only") else d2
        f3 = d3 if weigh == "weights_only" else e3  # ... and in the bias sums
        f2 = d2 if weigh == "weights_only" else e2
        total = {"sum": sample_weight.sum(), "m": m, "one": 1.0}[divisor]
        reduce = {"rows": lambda d: d.sum(axis=0), "units": lambda d: d.sum(axis=1),
                  "keepdims": lambda d: d.sum(axis=0, keepdims=True)}[bias]
        return X.T @ e2 / total, reduce(f2) / total, a2.T @ e3 / total, reduce(f3) / total

    return backprop_vectorized


def make_pull(*, toward="earlier", second="earlier", pen_sign=1.0, no_m=False, lam_times=1.0, bias=False,
              divide=True):
    """A learner's 05.2 (the gradient with a pull toward the earlier weights W1_0, W2_0) with the chosen slips."""

    def regularized_gradients(X, Y, W1, b1, W2, b2, lam, W1_0, W2_0):
        m = X.shape[0]
        a2 = sig(X @ W1 + b1)
        a3 = sig(a2 @ W2 + b2)
        d3 = (a3 - Y) * a3 * (1 - a3)
        d2 = (d3 @ W2.T) * a2 * (1 - a2)
        P1 = W1 - W1_0 if toward == "earlier" else W1
        P2 = W2 - W2_0 if toward == "earlier" and second == "earlier" else W2
        r = pen_sign * lam_times * lam / (1 if no_m or not divide else m)
        f = m if divide else 1
        dW1, dW2 = X.T @ d2 / f + r * P1, a2.T @ d3 / f + r * P2
        db1, db2 = d2.sum(0) / f, d3.sum(0) / f
        if bias:
            db1, db2 = db1 + lam * b1 / m, db2 + lam * b2 / m
        return dW1, db1, dW2, db2

    return regularized_gradients


def make_theta_loop(*, keep_bias_row=False, broadcast_bias_row=False, no_ones=False, no_ones_sliced=False,
                    one_on_top=False, drop_first=False, reg="rest", reg_layers=(0, 1), divide=True, quadratic=False,
                    transpose=False, keep_last=False, lam_no_m=False, sign=1.0, hidden_prime=True):
    """A learner's backprop_theta (Ng's per-example loop, columns, the bias in the LAST column) with the chosen
    slips. ``reg`` says which columns get the penalty: "rest" (all but the last: right), "all", "lesson" (all but
    column 0, lesson 4b's layout), "none"; ``one_on_top`` puts each 1 on top and drops row 0, as lesson 4b does."""

    def with_one(a):
        return np.vstack([[1.0], a]) if one_on_top else np.vstack([a, [1.0]])

    def backprop_theta(X, Y, Theta1, Theta2, lam):
        m = X.shape[0]
        D1 = np.zeros_like(Theta1[:, :-1] if no_ones_sliced else Theta1)
        D2 = np.zeros_like(Theta2[:, :-1] if no_ones_sliced else Theta2)
        if keep_bias_row:
            D1 = np.zeros((Theta1.shape[0] + 1, Theta1.shape[1]))
        for i in range(m):
            x, y = X[i][:, None], Y[i][:, None]
            if no_ones_sliced:  # no bias unit anywhere: the weight columns only
                a1 = x
                z2 = Theta1[:, :-1] @ a1
                a2 = sig(z2)
                a3 = sig(Theta2[:, :-1] @ a2)
            else:
                a1 = x if no_ones else with_one(x)
                z2 = Theta1 @ a1
                a2 = with_one(sig(z2))
                a3 = sig(Theta2 @ a2)
            d3 = sign * (a3 - y) * (a3 * (1 - a3) if quadratic else 1.0)
            if keep_bias_row:  # the slope of the bias unit taken from a2 (which holds the 1): its row kept
                d2 = (Theta2.T @ d3) * a2 * (1 - a2)
            elif broadcast_bias_row:
                d2 = (Theta2.T @ d3) * sig(z2) * (1 - sig(z2))
            elif no_ones_sliced:
                d2 = (Theta2[:, :-1].T @ d3) * a2 * (1 - a2)
            else:
                back = Theta2.T @ d3
                back = back[1:] if (drop_first or one_on_top) else back[:-1]
                s = sig(z2)
                d2 = back * (s * (1 - s) if hidden_prime else 1.0)
            g1, g2 = d2 @ a1.T, d3 @ a2.T
            if keep_last:
                D1, D2 = g1, g2
            else:
                D1, D2 = D1 + g1, D2 + g2
        f = m if divide else 1
        G1, G2 = D1 / f, D2 / f
        r = lam / (1 if (lam_no_m or not divide) else m)
        if keep_bias_row or no_ones_sliced:
            G2 = G2 + r * (Theta2[:, :-1] if no_ones_sliced else Theta2)
        elif reg != "none":
            cols = {"rest": slice(0, -1), "all": slice(None), "lesson": slice(1, None)}[reg]
            for layer, (G, T) in enumerate(((G1, Theta1), (G2, Theta2))):
                if layer in reg_layers:
                    G[:, cols] += r * T[:, cols]
        return (G1.T, G2.T) if transpose else (G1, G2)

    return backprop_theta


def make_reg_cost(*, bias=False, per_m=False, no_half=False, no_penalty=False, swap=False, one_lam=False,
                  first_only=False, price="sum", data_sum=False):
    """A learner's 05.1 (weight decay lam1 on W1, lam2 on W2, no m in the penalty) with the chosen slip."""

    def regularized_cost(X, Y, W1, b1, W2, b2, lam1, lam2):
        m = X.shape[0]
        Yhat = sig(sig(X @ W1 + b1) @ W2 + b2)
        if swap:
            lam1, lam2 = lam2, lam1
        if one_lam:
            lam2 = lam1
        size = {"sum": lambda A: np.sum(A ** 2), "mean": lambda A: np.mean(A ** 2),
                "norm": lambda A: np.linalg.norm(A)}[price]
        pen = lam1 * size(W1) + (0.0 if first_only else lam2 * size(W2))
        if bias:
            pen += lam1 * size(b1) + lam2 * size(b2)
        pen = pen / ((m if per_m else 1) * (1 if no_half else 2))
        data = np.sum((Y - Yhat) ** 2) / (2 if data_sum else 2 * m)
        return float(data + (0.0 if no_penalty else pen))

    return regularized_cost


def batches_unshuffled(n, batch_size, seed):
    order = np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def batches_drop_last(n, batch_size, seed):
    order = np.random.default_rng(seed).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def batches_other_rng(n, batch_size, seed):
    order = np.random.RandomState(seed % (2**32)).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def batches_with_replacement(n, batch_size, seed):
    order = np.random.default_rng(seed).integers(0, n, n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def make_epoch(*, sign=-1.0, full=False, per_batch=False, times_b=False, one_step=False, biases=True,
               shuffle=True, return_net=False, params_order=False):
    def sgd_epoch(net, X, Y, lr, batch_size, seed):
        n = X.shape[0]
        order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
        for i in range(0, n, batch_size):
            B = order[i:i + batch_size]
            dW, db = bpkit.backprop(net, X if full else X[B], Y if full else Y[B])
            step = lr / len(B) if per_batch else lr * len(B) if times_b else lr
            for k in range(len(net.weights)):
                net.weights[k] = net.weights[k] + sign * step * dW[k]
                if biases:
                    net.biases[k] = net.biases[k] + sign * step * db[k]
            if one_step:
                break
        if params_order:  # net.params(): all weights, then all biases
            return net.params()
        return net if return_net else (net.weights[0], net.biases[0], net.weights[1], net.biases[1])

    return sgd_epoch


def make_numgrad(*, forward=False, one_eps=False, restore=True, flat=False, fixed_eps=None):
    def numerical_gradient(f, theta, eps):
        eps = fixed_eps or eps
        theta = np.array(theta, dtype=float)
        g = np.zeros(theta.size)
        t = theta.reshape(-1)
        for j in range(t.size):
            old = t[j]
            t[j] = old + eps
            plus = f(theta)
            if forward:
                t[j] = old
                g[j] = (plus - f(theta)) / eps
                continue
            t[j] = old - eps
            minus = f(theta)
            if restore:
                t[j] = old
            g[j] = (plus - minus) / (eps if one_eps else 2 * eps)
        return g if flat else g.reshape(theta.shape)

    return numerical_gradient


def rel_no_denominator(a, b):
    return float(np.linalg.norm(a - b))


def rel_sum_of_norms(a, b):
    with np.errstate(invalid="ignore"):  # 0 / 0 on the all-zero case, as the learner's code would
        return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def rel_squared(a, b):
    with np.errstate(invalid="ignore"):
        return float(np.sum((a - b) ** 2) / np.sum((a + b) ** 2))


def rel_zero_over_zero(a, b):
    with np.errstate(invalid="ignore"):
        return float(np.linalg.norm(a - b) / np.linalg.norm(a + b))


def make_hunt(*, threshold=bpkit.gradcheck.TOLERANCE, first_array_only=False, mask=False):
    numerical_gradient, relative_error = SOLVED["numerical_gradient"], SOLVED["relative_error"]

    def find_buggy(J, params, candidates, eps):
        numeric = [numerical_gradient(lambda t, k=k: J(params[:k] + [t] + params[k + 1:]), params[k], eps)
                   for k in range(len(params))]
        flags = []
        for grad_fn in candidates:
            pairs = list(zip(grad_fn(params), numeric))[: 1 if first_array_only else None]
            flags.append(any(np.shape(g) != np.shape(n) or relative_error(g, n) >= threshold for g, n in pairs))
        return flags if mask else [i for i, bad in enumerate(flags) if bad]

    return find_buggy


def not_written(*args):
    raise NotImplementedError()


def forgot_return(*args):
    pass


# (key, wrong function, a phrase the message must contain)
WRONG = [
    ("01.1", forward_no_output_sigmoid, "looks like z(3)"),
    ("01.1", forward_no_hidden_sigmoid, "hidden layer is missing its sigmoid"),
    ("01.1", forward_no_bias, "left out the biases"),
    ("01.1", forward_transposed, "transpose of the right answer"),
    ("01.2", cost_sum, "is a sum over the examples"),
    ("01.2", cost_no_half, "factor 1/2 is missing"),
    ("01.2", cost_np_mean, "number of entries, m * k"),
    ("01.2", cost_elementwise, "should return a single number"),
    ("02.1", dC_dw_sigma_for_prime, "used sigma(z) where the derivative"),
    ("02.1", dC_dw_no_prime, "da/dz = sigma'(z) is missing"),
    ("02.1", dC_dw_z_prime, "z * (1 - z)"),
    ("02.1", dC_dw_no_a_in, "dC/db"),
    ("02.1", dC_dw_half_dropped, "whose 1/2 cancels the 2 of the square"),
    ("02.1", dC_dw_sign, "Wrong sign"),
    ("02.2", dJ_dW2_transposed, "delta.T @ a instead of a.T @ delta"),
    ("02.2", dJ_dW2_sum, "Off by a factor of m"),
    ("02.2", dJ_dW2_sigma, "used sigma(z3) where"),
    ("02.2", dJ_dW2_cross_entropy_delta, "sigma'(z3) is missing"),
    ("02.2", dJ_dW2_sign, "Wrong sign"),
    ("02.3", dJ_dW1_W2_not_transposed, "do not line up"),
    ("02.3", dJ_dW1_no_prime, "sigma'(z2) is missing"),
    ("02.3", dJ_dW1_sum, "Off by a factor of m"),
    ("03.1", sigmoid_naive, "overflows for large |z|"),
    ("03.1", sigmoid_where_both_branches, "overflows for large |z|"),
    ("03.1", sigmoid_exp_ratio, "overflows for large |z|"),
    ("03.1", sigmoid_minus_z, "needs a minus sign"),
    ("03.1", not_written, "not written yet"),
    ("03.1", forgot_return, "forget the `return`"),
    ("03.2", sigmoid_prime_returns_sigma, "not its derivative"),
    ("03.2", sigmoid_prime_of_z, "z * (1 - z)"),
    ("03.2", sigmoid_prime_tanh_rule, "shortcut for tanh"),
    ("03.2", sigmoid_prime_sign, "Wrong sign"),
    ("04.1", make_loop(weigh="none", divisor="m"), "the weights are missing"),
    ("04.1", make_loop(divisor="m"), "but you divided by m"),
    ("04.1", make_loop(divisor="one"), "the weighted sums themselves"),
    ("04.1", make_loop(weigh="twice"), "(w_i squared)"),
    ("04.1", make_loop(weigh="weights_only"), "bias sums add every example's delta with weight 1"),
    ("04.1", make_loop(weigh="output_only"), "only the output layer's shares are weighted"),
    ("04.1", make_loop(keep_last=True), "keeps only the last example"),
    ("04.1", make_loop(divide_bias=False), "bias gradients are weighted sums"),
    ("04.1", make_loop(divide=False), "weight gradients are weighted sums"),
    ("04.1", make_loop(hidden_prime=False), "sigma'(z(2)) is missing"),
    ("04.1", make_loop(output_prime=False), "right for the cross-entropy cost"),
    ("04.1", make_loop(use_sigma=True), "used sigma(z) (that is, a)"),
    ("04.1", make_loop(transpose=True), "delta.T @ a instead of a.T @ delta"),
    ("04.1", make_loop(keepdims=True), "numbers are right but the shape is wrong"),
    ("04.1", make_loop(sign=-1.0), "Wrong sign"),
    ("04.1", lambda *a: make_loop()(*a)[:3], "should return 4 arrays"),
    ("04.2", make_weighted_vectorized(weigh="none", divisor="m"), "the weights are missing"),
    ("04.2", make_weighted_vectorized(divisor="m"), "but you divided by m"),
    ("04.2", make_weighted_vectorized(divisor="one"), "the weighted sums themselves"),
    ("04.2", make_weighted_vectorized(weigh="twice"), "(w_i squared)"),
    ("04.2", make_weighted_vectorized(weigh="weights_only"), "bias sums add every example's delta with weight 1"),
    ("04.2", make_weighted_vectorized(weigh="output_only"), "only the output layer's shares are weighted"),
    ("04.2", make_weighted_vectorized(bias="units"), "you summed over axis=1, the units"),
    ("04.2", make_weighted_vectorized(bias="keepdims"), "numbers are right but the shape is wrong"),
    ("04.2", make_weighted_vectorized(broadcast=True), "do not line up"),
    ("04.2", make_weighted_vectorized(z_prime=True), "z * (1 - z)"),
    ("04.2", make_weighted_vectorized(sign=-1.0), "Wrong sign"),
    ("04.3", make_theta_loop(one_on_top=True, reg="lesson"), "lesson 4b's loop as it stands"),
    ("04.3", make_theta_loop(drop_first=True), "you dropped row 0 of Theta2.T @ delta3"),
    ("04.3", make_theta_loop(reg="lesson"), "you left column 0 out"),
    ("04.3", make_theta_loop(reg="all"), "the bias column too"),
    ("04.3", make_theta_loop(keep_bias_row=True), "one row too many"),
    ("04.3", make_theta_loop(broadcast_bias_row=True), "drop the last row (the bias unit's) of Theta2.T @ delta3"),
    ("04.3", make_theta_loop(no_ones=True), "put a 1 at the bottom of each activation"),
    ("04.3", make_theta_loop(no_ones_sliced=True), "has no bias column: the bias is missing"),
    ("04.3", make_theta_loop(reg_layers=(1,)), "if l != 0"),
    ("04.3", make_theta_loop(divide=False), "Off by a factor of m"),
    ("04.3", make_theta_loop(lam_no_m=True), "penalty is m = "),
    ("04.3", make_theta_loop(reg="none"), "unregularized cost"),
    ("04.3", make_theta_loop(quadratic=True), "the one of the quadratic cost"),
    ("04.3", make_theta_loop(transpose=True), "transpose of the right answer"),
    ("04.3", make_theta_loop(keep_last=True), "keeps only the last example"),
    ("04.3", make_theta_loop(sign=-1.0), "Wrong sign"),
    ("04.3", make_theta_loop(hidden_prime=False), "slope sigma'(z2). That factor is missing"),
    ("05.1", make_reg_cost(per_m=True), "lesson 5's convention"),
    ("05.1", make_reg_cost(no_half=True), "twice too large"),
    ("05.1", make_reg_cost(swap=True), "strengths are swapped"),
    ("05.1", make_reg_cost(one_lam=True), "both weight matrices with lam1"),
    ("05.1", make_reg_cost(first_only=True), "prices W1 only"),
    ("05.1", make_reg_cost(price="mean"), "averaged the squares"),
    ("05.1", make_reg_cost(price="norm"), "no root"),
    ("05.1", make_reg_cost(bias=True), "regularized the biases"),
    ("05.1", make_reg_cost(no_penalty=True), "no penalty term"),
    ("05.1", make_reg_cost(data_sum=True), "data term is a sum over the examples"),
    ("05.2", make_pull(toward="zero"), "lesson 5's pull toward 0"),
    ("05.2", make_pull(second="zero"), "dW2 is pulled toward 0"),
    ("05.2", make_pull(pen_sign=-1.0), "Wrong sign on the penalty"),
    ("05.2", make_pull(no_m=True), "missing its 1/m"),
    ("05.2", make_pull(lam_times=0.5), "half what it should be"),
    ("05.2", make_pull(lam_times=2.0), "twice what it should be"),
    ("05.2", make_pull(bias=True), "regularized the biases"),
    ("05.2", make_pull(lam_times=0.0), "data term alone"),
    ("05.2", make_pull(divide=False), "Off by a factor of m"),
    ("06.1", batches_unshuffled, "original order"),
    ("06.1", batches_drop_last, "dropped the last, smaller batch"),
    ("06.1", batches_other_rng, "not in the order the check expects"),
    ("06.1", batches_with_replacement, "appear twice and others never"),
    ("06.2", make_epoch(sign=1.0), "go uphill"),
    ("06.2", make_epoch(full=True), "ALL of X"),
    ("06.2", make_epoch(per_batch=True), "batch_size times too small"),
    ("06.2", make_epoch(times_b=True), "batch_size times too large"),
    ("06.2", make_epoch(one_step=True), "Only the first batch"),
    ("06.2", make_epoch(biases=False), "biases never changed"),
    ("06.2", make_epoch(shuffle=False), "original order"),
    ("06.2", make_epoch(params_order=True), "in the order of net.params()"),
    ("07.1", make_numgrad(forward=True), "one-sided difference"),
    ("07.1", make_numgrad(one_eps=True), "divide by 2 * eps"),
    ("07.1", make_numgrad(restore=False), "did not put it back"),
    ("07.1", make_numgrad(fixed_eps=1e-5), "ignores the eps argument"),
    ("07.1", make_numgrad(flat=True), "numbers are right but the shape is wrong"),
    ("07.2", rel_no_denominator, "absolute error"),
    ("07.2", rel_sum_of_norms, "||a|| + ||b||"),
    ("07.2", rel_squared, "without the square root"),
    ("07.2", rel_zero_over_zero, "both arrays are zero"),
    ("07.3", make_hunt(threshold=1e-20), "flagged a candidate"),
    ("07.3", make_hunt(first_array_only=True), "missed a buggy candidate"),
    ("07.3", make_hunt(mask=True), "indices of the buggy candidates"),
]


@pytest.mark.parametrize("key, wrong, phrase", WRONG, ids=[f"{k}-{p[:30]}" for k, _, p in WRONG])
@pytest.mark.parametrize("seed", [11, 12])
def test_wrong_code_gets_its_diagnosis(key, wrong, phrase, seed):
    msg = run(key, wrong, seed=seed)
    assert msg is not None, "the mistake passed the check"
    assert phrase in msg, msg


def test_many_distinct_diagnoses_are_tested():
    """The issue asks for at least 12 diagnoses, each with a test feeding the wrong code."""
    assert len({phrase for _, _, phrase in WRONG}) >= 12
    assert len(checks.diagnosis_names()) >= 12


DIAGNOSES = {
    "01.1": "no_output_sigmoid no_hidden_sigmoid no_bias",
    "01.2": "sum_not_mean missing_half mean_all_entries mean_no_half",
    "01.3": "not_a_direction opposite own_sign first_layer_still zero_biases_still",
    "01.4": "log_of_zero overflow quadratic sum_not_mean mean_all_entries extra_half log10 one_term logs_swapped "
            "clipped log_of_zero_nan",
    "02.1": "sigma_for_sigma_prime missing_sigma_prime z_prime prime_of_a missing_dz_dw half_dropped wrong_sign",
    "02.2": "missing_1/m sigma_for_sigma_prime z_prime missing_output_prime prime_of_a reshaped_not_transposed "
            "wrong_sign",
    "02.3": "missing_1/m missing_hidden_prime sigma_for_sigma_prime z_prime prime_of_a reshaped_not_transposed "
            "reshaped_W2",
    "02.4": "not_flags output_error_stays_put forward_slip_local flows_forward biases_spared "
            "weights_only_when_averaging complement",
    "02.5": "sigmoid_output output_slope_kept sigmoid_hidden sigmoid_slope_for_tanh tanh_slope_at_a "
            "tanh_shortcut_at_z no_hidden_slope missing_1/m bias_over_units bias_keepdims weight_gradient",
    "03.1": "overflow nan clipped minus_z",
    "03.2": "exp_ratio_overflow prime_of_a sigma_for_sigma_prime z_prime tanh_shortcut wrong_sign",
    "03.3": "not_a_direction valley peak_not_flat peak_falls saturated_flat",
    "03.4": "overflow nan times_beta over_beta beta_ignored sign second_derivative returned_softplus "
            "inner_slope_missing",
    "04.1": "unweighted divided_by_m not_normalised weighted_twice bias_unweighted output_layer_only last_only "
            "bias_sum weight_sum sigma_for_sigma_prime z_prime prime_of_a sigma_prime_of_a transposed "
            "missing_sigma_prime missing_output_prime output_sign",
    "04.2": "unweighted divided_by_m not_normalised weighted_twice bias_unweighted output_layer_only bias_over_units "
            "bias_sum weight_sum sigma_for_sigma_prime z_prime prime_of_a sigma_prime_of_a transposed "
            "missing_sigma_prime missing_output_prime output_sign",
    "04.3": "bias_first bias_row_kept bias_column_missing first_row_dropped regularized_bias "
            "first_column_unregularized last_only forgot_1/m penalty_no_m no_penalty quadratic_output_error "
            "first_layer_unregularized g_for_g_prime prime_of_a missing_sigma_prime output_sign",
    "04.4": "stays_where_it_is flows_forward biases_spared share_feeds_back wrong_on_hidden_slope_missing "
            "wrong_on_output_slope_missing wrong_on_bias_sums_not_averaged wrong_on_z2_in_share "
            "wrong_on_Delta1_overwritten wrong_on_hidden_bias_left_out wrong_on_hidden_slope_at_a "
            "wrong_on_Delta_b2_overwritten",
    "04.5": "weights_then_biases layers_reversed sigmoid_slope_for_tanh tanh_prime_of_a tanh_shortcut_at_z "
            "no_hidden_slope first_hidden_slope_missing second_hidden_slope_missing tanh_output_slope "
            "missing_output_prime last_only forgot_1/m bias_sum output_sign",
    "05.1": "lesson_convention penalty_no_half lams_swapped one_lam first_layer_only mean_of_squares "
            "norm_not_squared regularized_bias no_penalty sum_not_mean",
    "05.2": "lesson_gradient prior_first_layer_only pull_sign penalty_no_m penalty_half penalty_double "
            "regularized_bias no_penalty forgot_1/m bias_sum weight_sum sigma_for_sigma_prime z_prime prime_of_a "
            "sigma_prime_of_a transposed missing_sigma_prime missing_output_prime output_sign",
    "05.3": "penalty_linear gradient_quadratic swapped lam_ignored gradient_constant lam_squared",
    "05.4": "l2_gradient abs_not_slope plus_one_at_zero nan_at_zero penalty_no_m penalty_half penalty_sign "
            "regularized_bias no_penalty forgot_1/m bias_sum missing_sigma_prime output_sign",
    "06.1": "not_shuffled drop_last other_order repeats",
    "06.2": "layer_not_updated weights_then_biases ascent not_shuffled full_batch_gradient extra_1/b sum_gradient "
            "one_step no_bias_update",
    "06.3": "ratio_not_whole drop_last ceil_after_epochs plus_one rounded per_example per_epoch epochs_forgotten",
    "06.4": "layer_not_updated weights_then_biases plain_sgd velocity_from_rest dampened step_before_velocity "
            "lr_twice velocity_as_step ascent full_batch_gradient not_shuffled no_bias_update",
    "07.1": "theta_changed forward_difference eps_not_2eps wrong_sign not_restored fixed_eps",
    "07.2": "nan no_denominator sum_of_norms max_norm_denominator cs231n_elementwise squared_norms l1_norms",
    "07.3": "mask flagged_correct threshold_or_pooled missed",
    "07.4": "complex_result theta_changed float_copy real_part half no_divide sign not_restored all_at_once "
            "real_central_differences real_one_sided",
    "07.5": "weights_only units_not_parameters one_per_parameter two_per_parameter central_once one_sided_no_base "
            "one_sided_recomputed complex_like_central",
    "*": "result_count array_count not_written overflow forbidden_call checks_switched_off changed_input "
            "worked_on_a_copy shape_error name_error raised returned_none untransportable not_a_tuple not_numbers "
            "not_a_float nan transposed reshaped not_a_number wrong_shape times_m over_m sign times_2 half "
            "hard_coded mismatch",
}


def test_diagnosis_names_are_computed_from_the_registered_mistakes():
    """Exactly these for exercises 01-07 and the generic ones (a later exercise lists its own in its tests)."""
    ours = {"*"} | {f"0{k}.{p}" for k in range(1, 8) for p in range(1, 10)}
    names = [n for n in checks.diagnosis_names() if n.split(":", 1)[0] in ours]
    assert names == [f"{key}:{name}" for key, names in DIAGNOSES.items() for name in names.split()]


def test_every_mistake_has_an_explicit_kind():
    own = {checks.Kind.VARIANT, checks.Kind.PREDICATE, checks.Kind.FACTOR, checks.Kind.NAN, checks.Kind.OVERFLOW,
           checks.Kind.EXCEPTION, checks.Kind.CONTRACT}
    for part in PARTS.values():
        assert all(isinstance(mk, checks.Mistake) and mk.kind in own for mk in part.mistakes), part.key
        assert len({mk.name for mk in part.mistakes}) == len(part.mistakes), part.key
    assert all(isinstance(mk.kind, checks.Kind) for mk in checks.GENERIC)


def test_planted_bug_mistakes_are_named_as_in_the_catalogue():
    """Where a diagnosis is a planted bug of bpkit.buggy.BUGS, it carries the catalogue's name."""
    for key, phrase, name in [("04.1", "sigma'(z(2)) is missing", "missing_sigma_prime"),
                              ("04.1", "Wrong sign", "output_sign"),
                              ("05.2", "regularized the biases", "regularized_bias"),
                              ("04.3", "the bias column too", "regularized_bias"),
                              ("04.3", "Off by a factor", "forgot_1/m")]:
        [mk] = [mk for mk in PARTS[key].mistakes if phrase in mk.message]
        assert mk.name == name and name in bpkit.buggy.BUGS


def test_nan_from_an_overflowing_sigmoid_outside_strict_mode():
    """The grader may run without numpy raising: nan from inf/inf is still named."""
    part = PARTS["03.1"]
    cases = part.make_cases(np.random.default_rng(5))
    with np.errstate(all="ignore"):
        outs = [sigmoid_exp_ratio(*a) for a in cases]
    assert "returns nan for large |z|" in diagnose("03.1", cases, outs)


def test_messages_name_shapes_and_m():
    msg = run("02.2", dJ_dW2_transposed, seed=3)
    cases = PARTS["02.2"].make_cases(np.random.default_rng(3))
    a2, z3, _ = cases[0]
    assert f"should have shape {(a2.shape[1], z3.shape[1])}" in msg, msg
    msg = run("04.1", make_loop(divisor="m"), seed=3)
    first_failing_m = PARTS["04.1"].make_cases(np.random.default_rng(3))[0][0].shape[0]
    assert f"m = {first_failing_m}" in msg, msg


# ----------------------------------------------------------- check() in a notebook
def test_check_prints_tick_for_right_code(capsys):
    assert check("03.2", SOLVED["sigmoid_prime"]) is True
    assert capsys.readouterr().out.strip() == "✓ sigmoid_prime is correct (5 cases)"


def test_check_prints_diagnosis_for_wrong_code(capsys):
    assert check("03.2", sigmoid_prime_returns_sigma) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ ") and "not its derivative" in out


def test_check_uses_fresh_random_cases():
    a = PARTS["04.1"].make_cases(np.random.default_rng())
    b = PARTS["04.1"].make_cases(np.random.default_rng())
    assert not np.array_equal(a[1][0], b[1][0]) or a[1][0].shape != b[1][0].shape


def test_check_rejects_unknown_key_and_non_function(capsys):
    assert check("99.9", SOLVED["sigmoid"]) is False
    assert "no exercise part" in capsys.readouterr().out
    assert check("03.1", "sigmoid") is False
    assert "function itself" in capsys.readouterr().out


# ------------------------------------------------------------- robustness
GARBAGE = [None, "text", {"a": 1}, [1, "x"], (), [np.zeros(2)] * 9, np.full(3, np.nan), np.zeros((0,)),
           ValueError("bad"), ZeroDivisionError("x"), True, 1e300, [[1, 2], [3]]]


@pytest.mark.parametrize("key", list(PARTS))
def test_diagnose_never_raises(key):
    cases = PARTS[key].make_cases(np.random.default_rng(0))
    for junk in GARBAGE:
        msg = diagnose(key, cases, [junk] * len(cases))
        assert isinstance(msg, str) and msg, junk
    assert isinstance(diagnose(key, cases, []), str)
    assert isinstance(diagnose("nope", cases, []), str)


@pytest.mark.parametrize("key", list(PARTS))
def test_outputs_survive_lists_for_tuples_and_plain_types(key, digit_trainings):
    """What a transport without pickle gives back (lists, 0-d arrays, float) still passes."""
    part = PARTS[key]
    cases = part.make_cases(np.random.default_rng(9))

    def plain(x):
        if isinstance(x, (tuple, list)):
            return [plain(v) for v in x]
        return np.asarray(x)

    assert diagnose(key, cases, [plain(reference(key, digit_trainings)(*a)) for a in cases]) is None


@pytest.mark.parametrize("key", list(PARTS))
def test_outputs_survive_the_graders_codec(key, digit_trainings):
    codec = pytest.importorskip("bpkit._grading.codec")
    part = PARTS[key]
    cases = part.make_cases(np.random.default_rng(4))
    outs = []
    for a in cases:
        arrays = {}
        struct = codec.encode(solved(key, digit_trainings)(*copy.deepcopy(a)), arrays)
        outs.append(codec.decode(struct, arrays))
    assert diagnose(key, cases, outs) is None


# ------------------------------------------------------------- the registry
def test_parts_follow_the_contract():
    assert sorted({p.notebook for p in PARTS.values()}) == sorted(checks.NOTEBOOKS)
    for nb in checks.NOTEBOOKS:
        parts = checks.parts_for(nb)
        assert 2 <= len(parts) <= 5, nb
        for k, p in enumerate(parts, start=1):
            assert p.key == f"{nb[:2]}.{k}" and p.grade_id == f"part{k}_tests"
            assert isinstance(p.points, int) and p.points > 0
            assert p.function.isidentifier()
    with pytest.raises(ValueError, match="no exercise notebook"):
        checks.parts_for("08_nothing")


def _resolve(dotted):
    """``bpkit.backprop`` is the function (an attribute of bpkit); ``bpkit.backprop.backprop`` reaches
    the same function through its module."""
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, attr in enumerate(parts[1:], start=1):
        if hasattr(obj, attr) and not (i < len(parts) - 1 and not hasattr(getattr(obj, attr), parts[i + 1])):
            obj = getattr(obj, attr)
        else:
            obj = importlib.import_module(".".join(parts[: i + 1]))
    return obj


@pytest.mark.parametrize("key", list(PARTS))
def test_forbidden_names_exist_in_bpkit(key):
    for name in PARTS[key].forbidden:
        assert name.startswith("bpkit.")
        assert callable(_resolve(name)), name


@pytest.mark.parametrize("key", list(PARTS))
def test_cases_are_seeded_and_distinguish_mistakes(key):
    part = PARTS[key]
    if getattr(part, "judge", None) is not None:
        pytest.skip("a judged part has no single right answer to compare; its own tests cover its cases")
    a, b = part.make_cases(np.random.default_rng(3)), part.make_cases(np.random.default_rng(3))
    c = part.make_cases(np.random.default_rng(4))
    assert diagnose(key, a, [part.reference(*x) for x in b]) is None, "same seed, same cases"
    assert len(a) >= 3
    assert diagnose(key, a, [part.reference(*x) for x in c]) is not None, "another seed gives other cases"
    if part.m_of is not None:  # a missing 1/m shows on at least three cases; single-row batches may come too
        assert sum(part.m_of(x) > 1 for x in a) >= 3
    for args in a[1:]:  # random matrices are never square, so a transpose shows in the shape
        for x in args:
            if isinstance(x, np.ndarray) and x.ndim == 2 and key not in ("07.1",):
                assert x.shape[0] != x.shape[1] or x.shape[0] == 1, (key, x.shape)


def test_weight_decay_reference_keeps_its_contract():
    """05.1's penalty (its reference minus the same without decay) has the slopes lam1 * W1 and lam2 * W2 and none
    along the biases (central differences), and the same value for one example as for the whole batch."""
    ref = PARTS["05.1"].reference
    for X, Y, W1, b1, W2, b2, lam1, lam2 in PARTS["05.1"].make_cases(np.random.default_rng(5)):
        params = [np.array(p, dtype=float) for p in (W1, b1, W2, b2)]

        def penalty(X, Y):
            return ref(X, Y, *params, lam1, lam2) - ref(X, Y, *params, 0.0, 0.0)

        slopes = bpkit.numerical_gradient(lambda: penalty(X, Y), params)
        for got, want in zip(slopes, (lam1 * params[0], 0 * params[1], lam2 * params[2], 0 * params[3])):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
        assert np.isclose(penalty(X[:1], Y[:1]), penalty(X, Y), rtol=1e-12, atol=0)


def test_gradient_references_agree_with_central_differences_of_the_cost():
    """05.2's reference (the core's backprop plus the pull) is the gradient of its cost, lesson 5's data term plus
    lam/(2m) * sum((W - W0)**2) written out here, checked numerically; 04.1 and 04.2 agree."""
    for seed in range(5):
        for X, Y, W1, b1, W2, b2, lam, W1_0, W2_0 in PARTS["05.2"].make_cases(np.random.default_rng(seed)):
            params = [np.array(p, dtype=float) for p in (W1, b1, W2, b2)]
            m = X.shape[0]

            def J():
                net = bpkit.Network([W1.shape[0], W1.shape[1], W2.shape[1]])
                net.weights, net.biases = [params[0], params[2]], [params[1], params[3]]
                distance = np.sum((params[0] - W1_0) ** 2) + np.sum((params[2] - W2_0) ** 2)
                return bpkit.cost(net, X, Y) + lam / (2 * m) * distance

            numeric = bpkit.numerical_gradient(J, params)
            for got, want in zip(PARTS["05.2"].reference(X, Y, *params, lam, W1_0, W2_0), numeric):
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
            ones = np.ones(X.shape[0])  # every example of weight 1: 04.1 and 04.2 are lesson 4's gradient
            loop, vectorized = PARTS["04.1"].reference(X, Y, *params, ones), PARTS["04.2"].reference(X, Y, *params, ones)
            for x, y in zip(loop, vectorized):
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)


def weighted_cost(X, Y, W1, b1, W2, b2, w):
    """04.1's cost written out independently of the core: sum_i w_i C_i / sum_i w_i, C_i = |a3_i - y_i|**2 / 2."""
    C = np.sum((sig(sig(X @ W1 + b1) @ W2 + b2) - Y) ** 2, axis=1) / 2
    return float(np.sum(w * C) / np.sum(w))


def test_weighted_references_are_the_gradient_of_the_weighted_cost():
    """04.1's and 04.2's reference (the core's pass, layer sums of the weighted errors, over the total weight) is
    the gradient of the weighted mean cost, numerically; with every weight 1 it is bpkit.backprop's."""
    for seed in range(5):
        for X, Y, W1, b1, W2, b2, w in PARTS["04.1"].make_cases(np.random.default_rng(seed)):
            params = [np.array(p, dtype=float) for p in (W1, b1, W2, b2)]
            numeric = bpkit.numerical_gradient(lambda: weighted_cost(X, Y, *params, w), params)
            got = PARTS["04.1"].reference(X, Y, *params, w)
            for g, v, n in zip(got, PARTS["04.2"].reference(X, Y, *params, w), numeric):
                np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-9)
                np.testing.assert_array_equal(g, v)
            dW, db = bpkit.backprop(bpkit.checks._nets.network(*params), X, Y)
            for g, r in zip(PARTS["04.1"].reference(X, Y, *params, np.ones(len(X))), (dW[0], db[0], dW[1], db[1])):
                np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-15)


def ng_cost(X, Y, Theta1, Theta2, lam):
    """Ng's regularized cross-entropy cost in 04.3's Theta form (the bias in the LAST column, a 1 appended to
    each activation, the last column unpenalized), written independently of the core."""
    m = X.shape[0]
    a1 = np.hstack([X, np.ones((m, 1))])
    a2 = np.hstack([sig(a1 @ Theta1.T), np.ones((m, 1))])
    h = sig(a2 @ Theta2.T)
    data = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m
    return data + lam / (2 * m) * (np.sum(Theta1[:, :-1] ** 2) + np.sum(Theta2[:, :-1] ** 2))


def test_theta_reference_is_the_gradient_of_ngs_cost():
    """04.3's reference (the core's backprop through the Theta bridge, the bias column moved) is the gradient of
    Ng's J with the bias last, numerically."""
    for seed in range(5):
        for X, Y, Theta1, Theta2, lam in PARTS["04.3"].make_cases(np.random.default_rng(seed)):
            thetas = [np.array(Theta1, dtype=float, order="C"), np.array(Theta2, dtype=float, order="C")]
            numeric = bpkit.numerical_gradient(lambda: ng_cost(X, Y, *thetas, lam), thetas)
            for got, want in zip(PARTS["04.3"].reference(X, Y, Theta1, Theta2, lam), numeric):
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_sgd_epoch_reference_is_one_epoch_of_bpkit_sgd():
    for seed in range(3):
        for net, X, Y, lr, batch_size, seed_ in PARTS["06.2"].make_cases(np.random.default_rng(seed)):
            trained = net.copy()
            bpkit.sgd(trained, X, Y, epochs=1, batch_size=batch_size, lr=lr, seed=seed_)
            want = [p for W, b in zip(trained.weights, trained.biases) for p in (W, b)]  # W1, b1, W2, b2
            got = PARTS["06.2"].reference(net, X, Y, lr, batch_size, seed_)
            assert len(got) == len(want) == 4
            for x, y in zip(got, want):
                np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


def test_sgd_epoch_may_return_the_network_itself():
    """The check reads a returned Network layer by layer, (W1, b1, W2, b2), like the tuple."""
    assert run("06.2", make_epoch(return_net=True), seed=5) is None


def test_momentum_reference_is_the_contracts_decaying_sum():
    """06.4's reference steps by -lr times the contract's unrolled velocity, g_t + beta g_(t-1) + ... +
    beta^(t+1) v_start, written out here from every gradient kept; with beta = 0 it is bpkit.sgd's epoch."""
    for seed in range(3):
        for net, velocity, X, Y, lr, beta, bs, seed_ in PARTS["06.4"].make_cases(np.random.default_rng(seed)):
            work = net.copy()
            params = [p for W, b in zip(work.weights, work.biases) for p in (W, b)]
            grads = []
            for t, B in enumerate(ex06.batches(X.shape[0], bs, seed_)):
                dW, db = bpkit.backprop(work, X[B], Y[B])
                grads.append([g for gW, gb in zip(dW, db) for g in (gW, gb)])
                v = [beta ** (t + 1) * v0 + sum(beta ** (t - s) * grads[s][j] for s in range(t + 1))
                     for j, v0 in enumerate(velocity)]
                params = [p - lr * vj for p, vj in zip(params, v)]
                work.weights, work.biases = params[0::2], params[1::2]
            for got, want in zip(PARTS["06.4"].reference(net, velocity, X, Y, lr, beta, bs, seed_), params):
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
            trained = net.copy()
            bpkit.sgd(trained, X, Y, epochs=1, batch_size=bs, lr=lr, seed=seed_)
            rest = [np.zeros_like(v) for v in velocity]
            for got, want in zip(PARTS["06.4"].reference(net, rest, X, Y, lr, 0.0, bs, seed_),
                                 [p for W, b in zip(trained.weights, trained.biases) for p in (W, b)]):
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_the_bug_hunt_speaks_with_the_one_table():
    """Exercise 7 and its checks use bpkit.gradcheck's VERDICTS / TOLERANCE, and no other threshold."""
    from bpkit.gradcheck import TOLERANCE, VERDICTS
    assert (TOLERANCE, VERDICTS[1][0]) == (1e-7, 1e-5)
    text = " ".join(mk.message for key in ("07.1", "07.2", "07.3") for mk in PARTS[key].mistakes)
    assert "1e-7" in text and "1e-5" in text and "1e-6" not in text and "1e-07" not in text
    nb = nbformat.read(ROOT / "solutions" / "07_gradient_checking_solution.ipynb", as_version=4)
    prose = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "10^{-6}" not in prose and "1e-6" not in prose
    for row in ("below $10^{-7}$ | right", "$10^{-7}$ to $10^{-5}$ | look closer", "$10^{-5}$ or more | wrong"):
        assert row in prose, row
    assert [bpkit.gradcheck.verdict(e) for e in (9e-8, 1e-7, 9e-6, 1e-5)] == ["right", "look closer",
                                                                              "look closer", "wrong"]


def test_bug_hunt_candidates_are_the_planted_bugs_of_lesson_7():
    """One catalogue: every buggy candidate is a bug of bpkit.buggy.BUGS, by its name, and computes just that."""
    seen = set()
    for seed in range(10):
        for J, params, candidates, eps in PARTS["07.3"].make_cases(np.random.default_rng(seed)):
            net = bpkit.Network([params[0].shape[0], params[0].shape[1], params[2].shape[1]])
            net.weights, net.biases = [params[0], params[2]], [params[1], params[3]]
            for c in candidates:
                bug = ex07.bug_of(c)  # the grader's answer: the candidates carry none
                want = (bpkit.backprop if bug is None else bpkit.buggy.BUGS[bug])(net, J.X, J.Y, lam=J.lam)
                for x, y in zip(c(params), [want[0][0], want[1][0], want[0][1], want[1][1]]):
                    np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)
                seen.add(bug)
    # the five the exercise names in words: a missing sigma', a transposed matrix, a forgotten 1/m, ...
    assert seen == {None, "missing_sigma_prime", "transposed", "forgot_1/m", "regularized_bias", "output_sign"}


def _relative_errors(J, params, candidates, eps):
    """Each candidate's relative error against bpkit's central differences of J (inf for a wrong shape)."""
    work = [np.array(p, dtype=float) for p in params]
    numeric = bpkit.numerical_gradient(lambda: J(work), work, eps)
    errs = []
    for c in candidates:
        g = c([p.copy() for p in params])
        shapes_ok = all(np.shape(a) == np.shape(b) for a, b in zip(g, numeric))
        errs.append(max(bpkit.relative_error(a, b) for a, b in zip(g, numeric)) if shapes_ok else float("inf"))
    return errs


def test_planted_bugs_are_caught_and_correct_candidates_pass():
    """Array by array, every planted bug is "not right" (1e-7 or more) and every correct candidate is right;
    the subtle cases' regularized bias lies between 1e-7 and 1e-3 (a looser threshold misses it)."""
    subtle = 0
    for seed in range(10):
        for J, params, candidates, eps in PARTS["07.3"].make_cases(np.random.default_rng(seed)):
            errs = _relative_errors(J, params, candidates, eps)
            for c, e in zip(candidates, errs):
                bug = ex07.bug_of(c)
                assert (e >= 1.2e-7) if bug else (e < 1e-8), (bug, e)
                subtle += bool(bug) and e < 1e-3
    assert subtle >= 10, subtle


def test_the_lesson_bug_hunt_flags_candidates_1_3_and_4():
    J, params, candidates, eps = PARTS["07.3"].make_cases(np.random.default_rng(0))[0]
    assert PARTS["07.3"].reference(J, params, candidates, eps) == [1, 3, 4]
    assert [ex07.bug_of(c) for c in candidates] == [None, "missing_sigma_prime", None, "regularized_bias",
                                                    "forgot_1/m"]


def test_cases_pickle(digit_trainings):
    import pickle

    for key, part in PARTS.items():
        cases = part.make_cases(np.random.default_rng(0))
        back = pickle.loads(pickle.dumps(cases))
        assert diagnose(key, back, [reference(key, digit_trainings)(*a) for a in cases]) is None, key
