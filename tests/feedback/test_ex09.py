"""Exercise 9: derived backward rules, the engine's backward pass, a transfer part and a prediction.

Every named mistake is triggered by wrong code written as a learner would write it (from scratch in
numpy, not the checker's own variants); inputs changed in place and forbidden calls are refused;
the solution scores full marks in the notebook's checks and under ``bpkit-grade``, the generated
exercise 0; and the secret graphs travel to a grading kernel without :mod:`bpkit.checks`.
"""
from __future__ import annotations

import copy
import itertools
import json
import pathlib
import pickle
import re

import nbformat
import numpy as np
import pytest

import bpkit
import bpkit.autograd as ag
from bpkit import checks
from bpkit.checks import PARTS, run
from bpkit.checks import ex09
from bpkit.checks._engine import lesson_section
from bpkit._grading.lessons import MISTAKE_SECTIONS, PART_SECTIONS

ROOT = pathlib.Path(__file__).resolve().parents[2]
NB = "09_computational_graphs"
SOLUTION = ROOT / "solutions" / f"{NB}_solution.ipynb"
EXERCISE = ROOT / "exercises" / f"{NB}_exercise.ipynb"
LESSON = ROOT / "lessons" / f"{NB}.ipynb"
SEEDS = (11, 12, 13)
try:  # the checks' watch on inputs (issue 21): an input changed in place, a copy worked on, short mismatches
    from bpkit._grading import watch as WATCH
except ImportError:  # pragma: no cover - before it is in the tree
    WATCH = None
needs_watch = pytest.mark.skipif(WATCH is None, reason="bpkit._grading.watch (the checks' watch on inputs) "
                                                       "is not in this tree yet")


def solution_functions():
    ns = {"np": np, "bpkit": bpkit, "ag": ag}
    nb = nbformat.read(SOLUTION, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata["nbgrader"]["solution"]:
            exec(compile(cell.source, NB, "exec"), ns)
    return ns


SOLVED = solution_functions()


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def softmax_rows(S):
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


# ----------------------------------------------------------- the registry
DIAGNOSES_09 = {
    "09.1": "slope_at_output shortcut_at_z sigmoid_slope no_slope no_upstream transposed_dW reshaped_dW "
            "transposed_dA reshaped_dA bias_not_summed bias_keepdims bias_wrong_axis bias_mean bias_total "
            "divided_by_m sign",
    "09.2": "jacobian_diagonal diagonal_times_error missing_1/m temperature_dropped times_temperature "
            "softmax_without_T sigmoid_for_softmax sign jacobian_diagonal_over_p overflow",
    "09.3": "users_not_uses paths sent_not_received",
    "09.4": "stale_gradients seed_zero seed_shape assign visited_twice forward_order",
    "09.5": "sigma_prime_term_only sigma_term_only sigma_prime_only silu_as_sigmoid no_upstream sign overflow nan",
}


def test_the_09_diagnosis_names_exactly():
    names = [n for n in checks.diagnosis_names() if n.startswith("09.")]
    assert names == [f"{key}:{name}" for key, names in DIAGNOSES_09.items() for name in names.split()]


def test_parts_are_registered_in_order():
    assert NB in checks.NOTEBOOKS
    parts = checks.parts_for(NB)
    assert [p.key for p in parts] == ["09.1", "09.2", "09.3", "09.4", "09.5"]
    assert [p.function for p in parts] == ["tanh_layer_backward", "softmax_ce_backward", "terms_into_grad",
                                           "backward", "silu_backward"]
    assert [p.points for p in parts] == [3, 3, 2, 4, 3]
    for name in ("bpkit.autograd.Tensor.backward", "bpkit.autograd.topological_order",
                 "bpkit.autograd.Tensor.zero_grad"):
        assert name in PARTS["09.4"].forbidden


# ----------------------------------------------------------- right answers
@pytest.mark.parametrize("key", sorted(DIAGNOSES_09))
@pytest.mark.parametrize("seed", range(6))
def test_the_solution_passes_on_any_seed(key, seed):
    assert run(key, SOLVED[PARTS[key].function], seed=seed) is None


def test_the_references_are_the_engines_rules_checked_by_central_differences():
    """The engine's rules (which the references call) agree with central differences on the cases."""
    rng = np.random.default_rng(0)
    eps = 1e-6

    def numeric(f, x):
        out = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps
            xm[idx] -= eps
            out[idx] = (f(xp) - f(xm)) / (2 * eps)
        return out

    for A, W, b, g in PARTS["09.1"].make_cases(rng)[:3]:
        dA, dW, db = ex09.tanh_layer_backward(A, W, b, g)
        assert np.allclose(dW, numeric(lambda W_: np.sum(np.tanh(A @ W_ + b) * g), W), atol=1e-6)
        assert np.allclose(db, numeric(lambda b_: np.sum(np.tanh(A @ W + b_) * g), b), atol=1e-6)
        assert np.allclose(dA, numeric(lambda A_: np.sum(np.tanh(A_ @ W + b) * g), A), atol=1e-6)
    for Z, Y, T in PARTS["09.2"].make_cases(rng)[:3]:
        J = lambda Z_: -np.sum(Y * np.log(softmax_rows(Z_ / T))) / Z.shape[0]  # noqa: E731
        assert np.allclose(ex09.softmax_ce_backward(Z, Y, T), numeric(J, Z), atol=1e-6)
    for x, g in PARTS["09.5"].make_cases(rng)[:2]:
        assert np.allclose(ex09.silu_backward(x, g), numeric(lambda x_: np.sum(x_ * sigmoid(x_) * g), x), atol=1e-6)


def test_the_prediction_is_what_the_graph_does():
    G, J = ex09.predict_graph()
    counts = {id(n): 0 for n in G.nodes}
    for node in G.nodes:
        for p in node.__dict__["parents"]:
            counts[id(p)] += 1
    assert {n.name: counts[id(n)] for n in G.nodes[:-1]} == ex09.TERMS


def test_an_unknown_prediction_is_refused():
    for counts in ((1, 3, 1, 1, 1), (1, 1, 1, 1, 1)):
        msg = run("09.3", make_terms(counts), seed=0)
        assert msg is not None and "terms_into_grad" in msg, msg


# ------------------------------------------------------ 09.1: wrong code, as a learner writes it
def make_layer(slope="right", dA="right", dW="right", db="right", scale=1.0, upstream=True, mutate=False):
    def tanh_layer_backward(A, W, b, g):
        z = A @ W + b
        a = np.tanh(z)
        s = {"right": 1 - a ** 2, "at_output": 1 - np.tanh(a) ** 2, "at_z": 1 - z ** 2,
             "sigmoid": a * (1 - a), "none": 1.0}[slope]
        if mutate:
            g *= s
            dz = g
        else:
            dz = (g if upstream else 1.0) * s
        gA = {"right": dz @ W.T, "transposed": W @ dz.T, "reshaped": (W @ dz.T).reshape(A.shape)}[dA]
        gW = {"right": A.T @ dz, "transposed": dz.T @ A, "reshaped": (dz.T @ A).reshape(W.shape)}[dW]
        gb = {"right": dz.sum(axis=0), "none": dz, "keepdims": dz.sum(axis=0, keepdims=True),
              "axis1": dz.sum(axis=1), "mean": dz.mean(axis=0), "all": dz.sum()}[db]
        m = A.shape[0] if scale == "m" else 1.0
        f = -1.0 if scale == "sign" else 1.0
        return f * gA / m, f * gW / m, f * gb / m
    return tanh_layer_backward


LAYER_WRONG = [
    (make_layer(slope="at_output"), "taken at the output"),
    (make_layer(slope="at_z"), "applied to z"),
    (make_layer(slope="sigmoid"), "sigmoid's slope a * (1 - a) for tanh"),
    (make_layer(slope="none"), "The tanh's slope is missing"),
    (make_layer(upstream=False), "The upstream gradient g is missing"),
    (make_layer(dW="transposed"), "dW has the shape of W transposed"),
    (make_layer(dW="reshaped"), "dW has the right shape but the numbers are in the wrong places"),
    (make_layer(dA="transposed"), "dA has the shape of A transposed"),
    (make_layer(dA="reshaped"), "dA has A's shape but the numbers are in the wrong places"),
    (make_layer(db="none"), "db has one row per example"),
    (make_layer(db="keepdims"), "Sum without keepdims"),
    (make_layer(db="axis1"), "summed over the wrong axis"),
    (make_layer(db="mean"), "db is the mean of the rows"),
    (make_layer(db="all"), "db is one number"),
    (make_layer(scale="m"), "this rule has no 1/m"),
    (make_layer(scale="sign"), "Nothing in this layer subtracts"),
]


# ------------------------------------------------------ 09.2
def make_ce(kind="right", stable=True, mutate=False):
    def softmax_ce_backward(Z, Y, T):
        m = Z.shape[0]
        S = Z if kind == "no_T_in_softmax" else Z / T
        if mutate:
            Z -= Z.max(axis=1, keepdims=True)
            S = Z / T
        elif stable:
            S = S - S.max(axis=1, keepdims=True)
        E = np.exp(S)
        P = E / E.sum(axis=1, keepdims=True)
        if kind == "diagonal":
            with np.errstate(all="ignore"):
                dP = -Y / P / m        # dJ/dp, then the Jacobian's diagonal only
            return P * (1 - P) * dP / T
        if kind == "diagonal_simplified":
            return -(1 - P) * Y / (m * T)   # p(1 - p) * (-y / p), simplified
        if kind == "diagonal_error":
            return (P - Y) * P * (1 - P) / (m * T)
        if kind == "sigmoid":
            return (sigmoid(Z / T) - Y) / (m * T)
        if kind == "sign":
            return (Y - P) / (m * T)
        scale = {"right": 1 / (m * T), "no_m": 1 / T, "no_T": 1 / m, "times_T": T / m,
                 "no_T_in_softmax": 1 / (m * T)}[kind]
        return (P - Y) * scale
    return softmax_ce_backward


CE_WRONG = [
    (make_ce("diagonal"), "dividing by p gives nan where p rounds to 0"),
    (make_ce("diagonal_simplified"), "only the diagonal of softmax's Jacobian, p_k (1 - p_k): every"),
    (make_ce("diagonal_error"), "multiplied p - y by p (1 - p)"),
    (make_ce("no_m"), "each row's gradient carries 1/m"),
    (make_ce("no_T"), "The chain through the division by T is missing"),
    (make_ce("times_T"), "You multiplied by T where the chain rule divides"),
    (make_ce("no_T_in_softmax"), "divide the scores by T before the softmax"),
    (make_ce("sigmoid"), "sigmoid of each score on its own"),
    (make_ce("sign"), "your gradient is y - p"),
    (make_ce(stable=False), "take out each row's largest score first"),
]


# ------------------------------------------------------ 09.3
def make_terms(counts):
    return lambda name: dict(zip("xhuvw", counts))[name]


TERMS_WRONG = [
    (make_terms((1, 2, 1, 1, 1)), "You counted the nodes that use each value"),
    (make_terms((6, 6, 2, 2, 1)), "You counted the paths"),
    (make_terms((0, 1, 2, 2, 2)), "You counted the shares each node sends"),
]


# ------------------------------------------------------ 09.4
def make_backward(order="right", assign=False, zero=True, seed="ones", push=False):
    def backward(root, wrt):
        topo, seen = [], set()

        def visit(node):
            if order != "repeats":
                if id(node) in seen:
                    return
                seen.add(id(node))
            for parent in node.parents:
                visit(parent)
            topo.append(node)

        visit(root)
        if zero:
            for node in topo:
                node.grad = np.zeros_like(node.data)
        root.grad = {"ones": np.ones_like(root.data), "zeros": np.zeros_like(root.data),
                     "one_element": np.ones(1)}[seed]
        if push:
            def send(node, g):
                for parent, share in zip(node.parents, node.backward_rule(g)):
                    parent.grad += share
                    send(parent, share)
            send(root, root.grad)
            return [node.grad for node in wrt]
        for node in (topo if order == "forward" else reversed(topo)):
            for parent, share in zip(node.parents, node.backward_rule(node.grad)):
                if assign:
                    parent.grad = share
                else:
                    parent.grad += share
        return [node.grad for node in wrt]
    return backward


BACKWARD_WRONG = [
    (make_backward(assign=True), "parent.grad = ... where the shares must be added"),
    (make_backward(order="repeats"), "your order lists a node once per path"),
    (make_backward(order="forward"), "Your pass goes in the wrong direction"),
    (make_backward(zero=False), "The gradients still hold what they held before your call"),
    (make_backward(seed="zeros"), "dJ/dJ, which is 1, not 0"),
    (make_backward(seed="one_element"), "the root is a 0-d array"),
]


# ------------------------------------------------------ 09.5
def make_silu(kind="right", stable=True, mutate=False):
    def silu_backward(x, g):
        s = np.exp(-np.logaddexp(0.0, -x)) if stable else 1 / (1 + np.exp(-x))
        slope = {"right": s + x * s * (1 - s), "prime_term": x * s * (1 - s), "sigma_term": s,
                 "sigma_prime": s * (1 - s), "as_sigmoid": (x * s) * (1 - x * s), "sign": -(s + x * s * (1 - s))}[kind]
        if mutate:
            g *= slope
            return g
        return g * slope
    return silu_backward


def silu_nan_at_the_edges(x, g):
    """nan where |x| = 1000 without numpy raising (as an exp of inf - inf does on some platforms)."""
    s = np.exp(-np.logaddexp(0.0, -x))
    return np.where(np.abs(x) >= 1000, np.nan, g * (s + x * s * (1 - s)))


SILU_WRONG = [
    (make_silu("prime_term"), "You kept the one where sigma is differentiated"),
    (make_silu("sigma_term"), "you differentiated x (giving sigma(x)) but not"),
    (make_silu("sigma_prime"), "That is the derivative of sigma(x) alone"),
    (make_silu("as_sigmoid"), "that shortcut holds for the sigmoid only"),
    (lambda x, g: make_silu()(x, np.ones_like(g)), "The upstream gradient g is missing"),
    (make_silu("sign"), "your gradient is minus the right one"),
    (make_silu(stable=False), "e^(-x) = e^1000 is too large"),
    (silu_nan_at_the_edges, "returned nan or inf on case"),
]

WRONG = {"09.1": LAYER_WRONG, "09.2": CE_WRONG, "09.3": TERMS_WRONG, "09.4": BACKWARD_WRONG, "09.5": SILU_WRONG}
CATALOGUE = [(key, fn, phrase) for key, items in WRONG.items() for fn, phrase in items]


@pytest.mark.parametrize("key, wrong, phrase", CATALOGUE, ids=[f"{k}-{p[:28]}" for k, _, p in CATALOGUE])
def test_wrong_code_gets_its_diagnosis(key, wrong, phrase):
    for seed in SEEDS:
        msg = run(key, wrong, seed=seed)
        assert msg is not None and phrase in msg, (seed, msg)
        title, href = lesson_section(key, msg)  # every diagnosis links to the section that teaches it
        assert href.startswith("../lessons/") and ".ipynb#" in href, (msg, href)


@pytest.mark.parametrize("key", sorted(WRONG))
def test_every_mistake_of_the_part_is_triggered_by_wrong_code(key):
    named = set()
    for _, phrase in WRONG[key]:
        [mk] = [mk for mk in PARTS[key].mistakes if phrase in mk.message]
        named.add(mk.name)
    assert named == set(DIAGNOSES_09[key].split())


def test_the_catalogue_is_large_enough():
    assert len(CATALOGUE) / len(WRONG) >= 8


def test_no_variant_depends_on_the_secret_seed():
    """On 30 seeds, each mistaken variant differs from the right answer and from every other variant."""
    norm, close = checks._compare.norm, checks._compare.close
    for key in ("09.1", "09.2", "09.3", "09.4", "09.5"):
        part = PARTS[key]
        variants = [mk for mk in part.mistakes if mk.kind is checks.Kind.VARIANT]
        for seed in range(30):
            cases = part.make_cases(np.random.default_rng(20_000 + seed))
            refs = [norm(part.kind, part.reference(*copy.deepcopy(a))) for a in cases]
            outs = {mk.name: [norm(part.kind, mk.test(*copy.deepcopy(a))) for a in cases] for mk in variants}
            for name, out in outs.items():
                assert not all(close(o, r) for o, r in zip(out, refs)), (key, seed, name)
            for (n1, o1), (n2, o2) in itertools.combinations(outs.items(), 2):
                assert not all(close(x, y) for x, y in zip(o1, o2)), (key, seed, n1, n2)


@needs_watch
def test_an_unknown_mistake_gets_a_short_message_without_arrays():
    def tanh_layer_backward(A, W, b, g):
        dA, dW, db = SOLVED["tanh_layer_backward"](A, W, b, g)
        return dA, dW + 0.01, db
    msg = run("09.1", tanh_layer_backward, seed=3)
    assert "dW" in msg and "case" in msg and len(msg) < 400 and "[[" not in msg, msg


# ----------------------------------------------------------- inputs, forbidden calls, numeric edges
@needs_watch
@pytest.mark.parametrize("key, wrong, arg", [
    ("09.1", make_layer(mutate=True), "g"),
    ("09.2", make_ce(mutate=True), "Z"),
    ("09.5", make_silu(mutate=True), "g"),
])
def test_a_function_that_changes_its_input_is_told_so(key, wrong, arg):
    msg = run(key, wrong, seed=4)
    assert msg is not None and f"changed its input {arg}" in msg, msg


@needs_watch
def test_backward_that_never_fills_the_graph_is_told_so():
    """The right numbers, computed aside, with every .grad of the graph left as it was: refused."""
    def backward(root, wrt):
        root2, wrt2 = copy.deepcopy((root, wrt))   # the pass runs on a copy of the graph
        return SOLVED["backward"](root2, wrt2)
    msg = run("09.4", backward, seed=2)
    assert msg is not None and "left root exactly as it was" in msg, msg


def test_writing_into_a_nodes_data_is_refused():
    def backward(root, wrt):
        root.data[...] = 0.0
        return SOLVED["backward"](root, wrt)
    msg = run("09.4", backward, seed=2)
    assert msg is not None and "read-only" in msg, msg


@pytest.mark.parametrize("call, name", [
    ("root.backward()", "bpkit.autograd.Tensor.backward"),
    ("ag.Tensor.backward(root)", "bpkit.autograd."),  # Tensor.backward, or topological_order inside it
    ("root.zero_grad()", "bpkit.autograd.Tensor.zero_grad"),
    ("ag.topological_order(root)", "bpkit.autograd.topological_order"),
])
def test_the_engines_own_pass_is_refused(call, name):
    ns = {"ag": ag, "SOLVED": SOLVED}
    exec(f"def backward(root, wrt):\n    {call}\n    return SOLVED['backward'](root, wrt)\n", ns)
    msg = run("09.4", ns["backward"], seed=5)
    assert msg is not None and name in msg and "asks you to write" in msg, msg


def test_numeric_edges_are_in_the_cases():
    rng = np.random.default_rng(7)
    layer = PARTS["09.1"].make_cases(rng)
    assert any(A.shape[0] == 1 for A, *_ in layer)
    assert any(np.max(np.abs(A @ W + b)) > 500 for A, W, b, _ in layer)
    ce = PARTS["09.2"].make_cases(rng)
    assert any(Z.shape[0] == 1 for Z, *_ in ce) and any(np.max(np.abs(Z)) >= 1000 for Z, *_ in ce)
    assert any(not np.all(np.isin(Y, (0.0, 1.0))) for _, Y, _ in ce)  # soft labels too
    silu = PARTS["09.5"].make_cases(rng)
    assert any(np.min(x) <= -1000 and np.max(x) >= 1000 for x, _ in silu)
    assert any(x.dtype == np.float32 and np.max(np.abs(x)) >= 89 for x, _ in silu)  # e**89 overflows float32


def test_a_sigma_clipped_at_500_is_refused_on_float32_input():
    # right in float64 (e**500 is a float64), but the contract is any array: float32 tops out near e**88
    def clipped(x, g):
        s = 1 / (1 + np.exp(-np.clip(x, -500, 500)))
        return g * (s + x * s * (1 - s))

    for seed in SEEDS:
        cases = [c for c in ex09.silu_cases(np.random.default_rng(seed)) if c[0].dtype == np.float64]
        assert all(np.allclose(clipped(*c), ex09.silu_backward(*c), rtol=1e-6, atol=1e-9) for c in cases)
        msg = run("09.5", clipped, seed=seed)
        assert msg is not None and "clipping x at 500 does not help" in msg, (seed, msg)
    # a right float32 computation passes (the solution computes in the input's dtype)
    for seed in range(20):
        assert run("09.5", SOLVED["silu_backward"], seed=seed) is None


def test_the_secret_graphs_have_forks_diamonds_reuse_and_old_gradients():
    for seed in range(10):
        cases = PARTS["09.4"].make_cases(np.random.default_rng(seed))
        uses = []
        for root, wrt in cases:
            count = {}
            for node in ex09._topo(root):
                for p in node.__dict__["parents"]:
                    count[id(p)] = count.get(id(p), 0) + 1
            uses.append(max(count.values()))
            assert wrt[-1] is root and root.data.shape == () and len(wrt) == ex09.WRT
        assert max(uses) >= 5 and min(uses) >= 2
        assert all(any(np.any(n.grad) for n in wrt) for _, wrt in cases)  # an earlier pass left values


def test_the_cases_vary_with_the_seed():
    for key in ("09.1", "09.2", "09.4", "09.5"):
        a = PARTS[key].make_cases(np.random.default_rng(1))
        b = PARTS[key].make_cases(np.random.default_rng(2))
        ra = [checks._compare.norm(PARTS[key].kind, PARTS[key].reference(*copy.deepcopy(x))) for x in a[1:]]
        rb = [checks._compare.norm(PARTS[key].kind, PARTS[key].reference(*copy.deepcopy(x))) for x in b[1:]]
        assert not any(checks._compare.close(x, y) for x, y in zip(ra, rb)), key


def test_a_secret_graph_pickles_without_the_checks_and_keeps_its_gradients():
    for root, wrt in PARTS["09.4"].make_cases(np.random.default_rng(8)):
        blob = pickle.dumps((root, wrt), protocol=pickle.HIGHEST_PROTOCOL)
        assert b"bpkit.checks" not in blob and b"ex09" not in blob
        r2, w2 = pickle.loads(blob)
        assert type(r2) is ag.Tensor and all(type(n) is ag.Tensor for n in w2)
        assert all(not n.data.flags.writeable for n in w2)
        assert all(np.array_equal(a.grad, b.grad) for a, b in zip(wrt, w2))
        got = SOLVED["backward"](r2, w2)
        ref = ex09.backward(root, wrt)
        assert all(np.allclose(g, r, rtol=1e-12, atol=1e-15) for g, r in zip(got, ref))
        assert len({id(n) for n in w2}) == len(w2)  # shared nodes stay shared


# ----------------------------------------------------------- links into lesson 9
def test_each_part_and_some_mistakes_link_to_their_own_section():
    for key in DIAGNOSES_09:
        assert PART_SECTIONS[key], key
    assert lesson_section("09.2", run("09.2", make_ce(stable=False), seed=1)) == (
        'lesson 9, "Softmax and cross-entropy"', "../lessons/09_computational_graphs.ipynb#cell-id=softmax-cross-entropy")
    assert lesson_section("09.4", run("09.4", make_backward(assign=True), seed=1)) == (
        'lesson 9, "Order and accumulation"', "../lessons/09_computational_graphs.ipynb#cell-id=436a3460")
    title, href = lesson_section("09.5", run("09.5", make_silu(stable=False), seed=1))
    assert href.startswith("../lessons/03_sigmoid_derivative.ipynb#"), href
    assert {k for k in MISTAKE_SECTIONS if k.startswith("09.")} <= {
        f"{key}:{name}" for key, names in DIAGNOSES_09.items() for name in names.split()}


@pytest.mark.skipif(not LESSON.exists(), reason="lesson 9 is not in the tree yet")
def test_each_linked_heading_is_a_heading_of_lesson_9():
    nb = nbformat.read(LESSON, as_version=4)
    headings = {m.group(1).strip() for c in nb.cells if c.cell_type == "markdown"
                for m in re.finditer(r"^#+\s+(.*)$", c.source, re.M)}
    linked = [PART_SECTIONS[k] for k in DIAGNOSES_09] + \
        [h for k, (lesson, h) in MISTAKE_SECTIONS.items() if k.startswith("09.") and lesson == NB]
    missing = [h for h in linked if h not in headings]
    assert missing == [], f"lesson 9 lacks the headings {missing} that exercise 9 links to"


# ----------------------------------------------------------- the notebook, nbgrader's route, bpkit-grade
def hidden_test(k):
    nb = nbformat.read(SOLUTION, as_version=4)
    [cell] = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == f"part{k}_tests"]
    return cell.source


def test_no_prompt_or_hint_holds_a_solution_line():
    """Nothing the solution computes stands in the exercise's prompts, hints or unlocked cells."""
    ex = nbformat.read(EXERCISE, as_version=4)
    text = "\n".join(c.source for c in ex.cells if c.metadata["nbgrader"]["grade_id"] != "part3_run")
    for needle in ("1 - a", "1.0 - a", "P - Y", "p - y", "s * (1 - s)", "s + x", "A.T @", "@ W.T",
                   "sum(axis=0)", '"h": 3', "reversed(", "+= share"):
        assert needle not in text, needle


def submission(changes):
    """The exercise with the solution's code pasted in, then some parts' code replaced by ``changes``."""
    ex = nbformat.read(EXERCISE, as_version=4)
    sol = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nbformat.read(SOLUTION, as_version=4).cells}
    for cell in ex.cells:
        gid = cell.metadata["nbgrader"]["grade_id"]
        if cell.metadata["nbgrader"]["solution"]:
            cell.source = changes.get(gid) or "\n".join(l for l in sol[gid].splitlines() if "### " not in l)
    return ex


BAD = {
    "part1_code": "def tanh_layer_backward(A, W, b, g):\n    a = np.tanh(A @ W + b)\n    g *= 1 - a ** 2\n"
                  "    return g @ W.T, A.T @ g, g.sum(axis=0)\n",
    "part2_code": "def softmax_ce_backward(Z, Y, T):\n    E = np.exp(Z / T)\n    P = E / E.sum(axis=1, keepdims=True)\n"
                  "    return (P - Y) / (Z.shape[0] * T)\n",
    "part3_code": "def terms_into_grad(name):\n    return {'x': 1, 'h': 2, 'u': 1, 'v': 1, 'w': 1}[name]\n",
    "part4_code": "def backward(root, wrt):\n    root.backward()\n    return [node.grad for node in wrt]\n",
    "part5_code": "def silu_backward(x, g):\n    s = 1 / (1 + np.exp(-x))\n    return g * (s + x * s * (1 - s))\n",
}
BAD_WORDS = {"09.1": "changed its input g", "09.2": "largest score", "09.3": "nodes that use each value",
             "09.4": "bpkit.autograd.Tensor.backward", "09.5": "overflowed"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from bpkit import grade

    folder = tmp_path_factory.mktemp("ex09")
    for student, nb in (("model", submission({})), ("wrong", submission(BAD))):
        (folder / student).mkdir()
        nbformat.write(nb, str(folder / student / f"{NB}.ipynb"))
    cfg = grade.GradeConfig(str(ROOT / "solutions"), seed=909, timeout=30)
    return {r["student"]: {p["part"]: p for p in r["parts"]} for r in grade.grade_paths([folder], cfg, jobs=1)}


def test_bpkit_grade_gives_the_model_answer_full_marks(graded):
    assert {k: p["points"] for k, p in graded["model"].items()} == {p.key: p.points for p in checks.parts_for(NB)}


def test_bpkit_grade_refuses_each_wrong_part_with_the_checks_words(graded):
    for key, words in BAD_WORDS.items():
        if key == "09.1" and WATCH is None:
            continue  # an input changed in place is seen by the watch only
        part = graded["wrong"][key]
        assert part["points"] == 0 and words in part["message"], (key, part)


def test_nbgraders_route_agrees_with_bpkit_grade(graded):
    """nbgrader runs each test cell in the notebook's kernel: the same wrong code fails it, the model passes."""
    for k, key in enumerate(sorted(BAD_WORDS), start=1):
        for student, changes in (("model", {}), ("wrong", BAD)):
            ns = {"np": np, "bpkit": bpkit, "ag": ag}
            nb = submission(changes)
            for cell in nb.cells:
                if cell.metadata["nbgrader"]["solution"]:
                    exec(compile(cell.source, NB, "exec"), ns)
            try:
                exec(compile(hidden_test(k), NB, "exec"), ns)
                passed = True
            except AssertionError:
                passed = False
            assert passed == (graded[student][key]["points"] > 0), (student, key)


def test_the_generated_exercise_scores_zero(tmp_path):
    from bpkit import grade

    (tmp_path / "blank").mkdir()
    nbformat.write(nbformat.read(EXERCISE, as_version=4), str(tmp_path / "blank" / f"{NB}.ipynb"))
    cfg = grade.GradeConfig(str(ROOT / "solutions"), seed=910, timeout=30)
    [result] = grade.grade_paths([tmp_path], cfg, jobs=1)
    assert [p["points"] for p in result["parts"]] == [0] * 5
    assert all("not written yet" in p["message"] for p in result["parts"]), json.dumps(result["parts"])[:500]


def test_a_pass_that_pushes_each_share_at_once_is_slow_but_right():
    """Pushing every share down every path at once sums the same products (each rule is linear in its
    upstream gradient): it takes time exponential in the diamonds, but it is not a wrong answer."""
    for seed in SEEDS:
        assert run("09.4", make_backward(push=True), seed=seed) is None
