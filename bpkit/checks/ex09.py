"""Exercise 9: backward rules the learner derives, the engine's backward pass, and a rule no lesson shows.

* 09.1 ``tanh_layer_backward(A, W, b, g)``: the local rule of a = tanh(A @ W + b) (a matrix product,
  a broadcast bias, tanh), upstream g = dJ/da; compared with :mod:`bpkit.autograd`'s own rules.
* 09.2 ``softmax_ce_backward(Z, Y, T)``: dJ/dZ of J = mean over rows of the cross-entropy of
  softmax(Z / T) (a temperature the lesson does not show), stable at |z| = 1000.
* 09.3 ``terms_into_grad(name)``: a prediction, graded as a value: how many shares are added into
  the ``.grad`` of each node of a small graph with a fork and a reuse.
* 09.4 ``backward(root, wrt)``: the engine's backward pass, written with ``node.parents``,
  ``node.grad`` and ``node.backward_rule(g)`` only, on secret graphs (forks, diamonds, a node used
  five times) whose ``.grad`` hold values an earlier pass left there; compared with
  :meth:`bpkit.autograd.Tensor.backward`.
* 09.5 ``silu_backward(x, g)``: the transfer part, SiLU x * sigma(x), derived by the learner.

Every reference is the engine's own rule (:mod:`bpkit.autograd`), so each formula lives once.
In 09.4 the graph's nodes refuse ``root.backward()``, ``zero_grad()`` and
:func:`bpkit.autograd.topological_order` (:class:`._graphs.GuardedTensor` raises ``ForbiddenCall``, the name
the checks give a forbidden call) in the notebook and under nbgrader; under ``bpkit-grade`` the
kernel's copy of bpkit has no body for them. A secret graph pickles as the engine calls that made
it (so the kernel needs nothing of :mod:`bpkit.checks`), with read-only ``data`` and the ``.grad``
an earlier pass left there.
"""
from __future__ import annotations

import numpy as np

from .. import autograd as ag
from ..activations import softmax
from ._graphs import WRT, _Graph, _plain, _replay, _topo  # noqa: F401  (WRT: the cases' size, read as ex09.WRT)
from ._records import Mistake, Part

# Each diagnosis links to the lesson section that teaches it through bpkit._grading.lessons (PART_SECTIONS,
# MISTAKE_SECTIONS), which check() and the grader's records read: the messages here carry no links themselves.


# ------------------------------------------------------------ 09.1 tanh_layer_backward
def _engine_grads(make_root, *arrays):
    """The gradients of leaves holding ``arrays`` after the engine's backward from ``make_root(*leaves)``."""
    leaves = [ag.Tensor(_plain(a)) for a in arrays]
    make_root(*leaves).backward()
    return tuple(t.grad.copy() for t in leaves)


def tanh_layer_backward(A, W, b, g):
    """The right answer, from the engine: the gradients of J = sum(tanh(A @ W + b) * g), i.e. upstream g."""
    G = _plain(g)
    return _engine_grads(lambda A_, W_, b_: ag.sum(ag.tanh(A_ @ W_ + b_) * G), A, W, b)


def _dims(rng):
    """m, n, k with n != k and m not in (n, k): a transposed or misplaced array shows in its shape."""
    n = int(rng.integers(2, 6))
    k = int(rng.choice([s for s in range(2, 7) if s != n]))
    m = int(rng.choice([s for s in range(3, 9) if s not in (n, k)]))
    return m, n, k


def layer_cases(rng):
    lesson = np.random.default_rng(9)
    cases = [(lesson.uniform(-1, 1, (4, 2)), lesson.uniform(-1, 1, (2, 3)), np.array([0.1, -0.2, 0.3]),
              lesson.uniform(-1, 1, (4, 3)))]
    for kind in ("plain", "single_row", "plain", "saturated"):
        m, n, k = _dims(rng)
        m = 1 if kind == "single_row" else m
        A = rng.uniform(-1, 1, (m, n))
        W = rng.standard_normal((n, k)) * (800.0 if kind == "saturated" else 1.0)
        b = 0.5 * rng.standard_normal(k)
        if kind == "saturated":  # most units at |z| ~ 1000, one column near 0 so a wrong slope still shows
            W[:, 0] /= 1000.0
        cases.append((A, W, b, rng.standard_normal((m, k))))
    return cases


def _layer(A, W, b, g, slope=None, dA=None, dW=None, db=None, scale=1.0, upstream=True):
    """The rule with one ingredient changed: ``slope(z, a)``, ``dA(dz, W)``, ``dW(A, dz)``, ``db(dz)``."""
    A, W, b, g = (_plain(x) for x in (A, W, b, g))
    z = A @ W + b
    a = np.tanh(z)
    s = (1.0 - a * a) if slope is None else slope(z, a)
    dz = (g if upstream else 1.0) * s
    out = ((dz @ W.T) if dA is None else dA(dz, W),
           (A.T @ dz) if dW is None else dW(A, dz),
           dz.sum(axis=0) if db is None else db(dz))
    return tuple(scale * x for x in out)


_LAYER_NAMES = ("dA", "dW", "db")

LAYER = Part(
    key="09.1", notebook="09_computational_graphs", grade_id="part1_tests", function="tanh_layer_backward",
    points=3, forbidden=("bpkit.autograd.Tensor.backward", "bpkit.autograd.Tensor.zero_grad",
                         "bpkit.autograd.topological_order"),
    make_cases=layer_cases, reference=tanh_layer_backward, args=("A", "W", "b", "g"), kind="arrays",
    out_names=_LAYER_NAMES,
    transpose_hint="Each gradient has the shape of what it is the gradient of: dW like W (n, k), dA like A (m, n).",
    mistakes=(
        Mistake.variant("slope_at_output", lambda *c: _layer(*c, slope=lambda z, a: 1.0 - np.tanh(a) ** 2),
                        "Your tanh slope is taken at the output: 1 - tanh(a)**2 with a = tanh(z) is tanh'(a), "
                        "not tanh'(z). The slope belongs at the input z (from the output it is 1 - a**2)."),
        Mistake.variant("shortcut_at_z", lambda *c: _layer(*c, slope=lambda z, a: 1.0 - z * z),
                        "Your slope is 1 - z**2: the shortcut written with the output a = tanh(z), applied to "
                        "z. Either use a = tanh(z) in it, or the formula in z."),
        Mistake.variant("sigmoid_slope", lambda *c: _layer(*c, slope=lambda z, a: a * (1.0 - a)),
                        "You used the sigmoid's slope a * (1 - a) for tanh. Derive tanh's own slope."),
        Mistake.variant("no_slope", lambda *c: _layer(*c, slope=lambda z, a: 1.0),
                        "The tanh's slope is missing: you sent g straight through to the product and the "
                        "bias, as if a = z. The gradient reaching z is g times tanh'(z)."),
        Mistake.variant("no_upstream", lambda *c: _layer(*c, upstream=False),
                        "The upstream gradient g is missing: the rule must multiply the local derivative by "
                        "what arrives from above, dJ/da = g."),
        Mistake.variant("transposed_dW", lambda *c: _layer(*c, dW=lambda A, dz: dz.T @ A),
                        "dW has the shape of W transposed: you multiplied the other way round. Work out which "
                        "product of A and the gradient at z has W's shape (n, k)."),
        Mistake.variant("reshaped_dW", lambda *c: _layer(*c, dW=lambda A, dz: (dz.T @ A).reshape(A.shape[1], -1)),
                        "dW has the right shape but the numbers are in the wrong places: a reshape is not a "
                        "transpose. Find the product that has W's shape without reshaping."),
        Mistake.variant("transposed_dA", lambda *c: _layer(*c, dA=lambda dz, W: W @ dz.T),
                        "dA has the shape of A transposed: the rule of a matrix product sends the gradient "
                        "back through W on the other side. dA must have A's shape (m, n)."),
        Mistake.variant("reshaped_dA", lambda *c: _layer(*c, dA=lambda dz, W: (W @ dz.T).reshape(dz.shape[0], -1)),
                        "dA has A's shape but the numbers are in the wrong places: a reshape is not a "
                        "transpose."),
        Mistake.variant("bias_not_summed", lambda *c: _layer(*c, db=lambda dz: dz),
                        "db has one row per example: b was added to every row of A @ W, so its gradient is "
                        "the rows' gradients added up, shaped like b (k,)."),
        Mistake.variant("bias_keepdims", lambda *c: _layer(*c, db=lambda dz: dz.sum(axis=0, keepdims=True)),
                        "db has shape (1, k): the sum over the rows is right, but b has shape (k,). Sum "
                        "without keepdims."),
        Mistake.variant("bias_wrong_axis", lambda *c: _layer(*c, db=lambda dz: dz.sum(axis=1)),
                        "db is summed over the wrong axis: b is shared by the m rows (axis 0), one entry per "
                        "column."),
        Mistake.variant("bias_mean", lambda *c: _layer(*c, db=lambda dz: dz.mean(axis=0)),
                        "db is the mean of the rows: b was added to each of the m rows, so each row's share "
                        "counts in full (a sum). Any averaging is already inside g."),
        Mistake.variant("bias_total", lambda *c: _layer(*c, db=lambda dz: dz.sum()),
                        "db is one number: you summed over every entry. b has one entry per column, so sum "
                        "over the rows only."),
        Mistake.variant("divided_by_m", lambda *c: _layer(*c, scale=1.0 / c[0].shape[0]),
                        "Your gradients are m times too small (m: the rows of A): this rule has no 1/m. The cost's "
                        "averaging is already inside the upstream gradient g."),
        Mistake.variant("sign", lambda *c: _layer(*c, scale=-1.0),
                        "Wrong sign: every gradient is minus the right one. Nothing in this layer subtracts."),
    ),
)


# ------------------------------------------------------------ 09.2 softmax_ce_backward
def softmax_ce_backward(Z, Y, T):
    """The right answer, from the engine: dJ/dZ of softmax_cross_entropy(Z / T, Y) (mean over the m rows)."""
    Yp = _plain(Y)
    return _engine_grads(lambda Z_: ag.softmax_cross_entropy(Z_ * (1.0 / float(T)), Yp), Z)[0]


def _rows(rng, m, k, soft):
    if soft:
        Y = rng.uniform(0.05, 1.0, (m, k))
        return Y / Y.sum(axis=1, keepdims=True)
    Y = np.zeros((m, k))
    Y[np.arange(m), rng.integers(0, k, m)] = 1.0
    return Y


def ce_cases(rng):
    lesson = np.random.default_rng(92)
    cases = [(lesson.uniform(-2, 2, (3, 4)), _rows(lesson, 3, 4, False), 1.0)]
    for kind, T in (("plain", float(rng.choice([0.5, 2.0, 3.0]))), ("soft", float(rng.choice([0.5, 2.0]))),
                    ("single_row", 2.0), ("huge", float(rng.choice([0.5, 1.0])))):
        m, _, k = _dims(rng)
        m = 1 if kind == "single_row" else m
        Z = rng.uniform(-3, 3, (m, k))
        if kind == "huge":  # |z / T| >= 1000: e^(z/T) overflows unless the row's largest score is taken out first
            Z[0, :] = 1000.0 * np.sign(rng.standard_normal(k))
            Z[0, 0], Z[-1, -1] = 1000.0, -1000.0
            Z[1:, 1] += 997.0
        cases.append((Z, _rows(rng, m, k, kind == "soft"), T))
    return cases


def _ce(Z, Y, T, grad=None, scale=None):
    """``grad(P, Y, Z, T)`` (default P - Y) times ``scale(m, T)`` (default 1 / (m T)), P = softmax(Z / T)."""
    Z, Y, T = _plain(Z), _plain(Y), float(T)
    m = Z.shape[0]
    P = softmax(Z / T)
    g = (P - Y) if grad is None else grad(P, Y, Z, T)
    return g * ((1.0 / (m * T)) if scale is None else scale(m, T))


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _nan_where_finite(args, ref, out):
    return True


def _diagonal_where_finite(args, ref, out):
    """nan where p rounds to 0 (|z| = 1000), and elsewhere the Jacobian-diagonal answer: -y/p times p(1 - p)."""
    want = _ce(*args, grad=lambda P, Y, Z, T: -(1.0 - P) * Y)
    o = out[0]
    ok = np.isfinite(o)
    if o.shape != want.shape or ok.all() or not np.allclose(o[ok], want[ok], rtol=1e-6, atol=1e-9):
        return False
    return not np.allclose(ref[0][ok], want[ok], rtol=1e-6, atol=1e-9)  # the finite entries tell the two apart


CE = Part(
    key="09.2", notebook="09_computational_graphs", grade_id="part2_tests", function="softmax_ce_backward",
    # (the cost's own delta stays callable: the engine's softmax_cross_entropy node uses it in every part)
    points=3, forbidden=("bpkit.autograd.Tensor.backward", "bpkit.autograd.Tensor.zero_grad",
                         "bpkit.autograd.topological_order"),
    make_cases=ce_cases, reference=softmax_ce_backward, args=("Z", "Y", "T"), kind="array",
    mistakes=(
        Mistake.variant("jacobian_diagonal", lambda *c: _ce(*c, grad=lambda P, Y, Z, T: -(1.0 - P) * Y),
                        "You kept only the diagonal of softmax's Jacobian, p_k (1 - p_k): every score z_j "
                        "moves every p_k, so the off-diagonal terms -p_j p_k count too. Take the whole "
                        "Jacobian (or the chain through log-sum-exp) and simplify."),
        Mistake.variant("diagonal_times_error", lambda *c: _ce(*c, grad=lambda P, Y, Z, T: P * (1.0 - P) * (P - Y)),
                        "You multiplied p - y by p (1 - p), the diagonal of softmax's Jacobian: with "
                        "cross-entropy that Jacobian is already used up in getting p - y. Nothing "
                        "multiplies it again."),
        Mistake.variant("missing_1/m", lambda *c: _ce(*c, scale=lambda m, T: 1.0 / T),
                        "Off by a factor of m, the number of rows: J is the mean over the m rows, so each row's "
                        "gradient "
                        "carries 1/m."),
        Mistake.variant("temperature_dropped", lambda *c: _ce(*c, scale=lambda m, T: 1.0 / m),
                        "The chain through the division by T is missing: the scores reach softmax as Z / T, "
                        "so dJ/dZ is dJ/d(Z/T) times d(Z/T)/dZ."),
        Mistake.variant("times_temperature", lambda *c: _ce(*c, scale=lambda m, T: T / m),
                        "You multiplied by T where the chain rule divides: d(Z/T)/dZ = 1/T."),
        Mistake.variant("softmax_without_T", lambda *c: _ce(*c, grad=lambda P, Y, Z, T: softmax(Z) - Y),
                        "Your probabilities are softmax(Z), but the forward pass is softmax(Z / T): divide "
                        "the scores by T before the softmax."),
        Mistake.variant("sigmoid_for_softmax", lambda *c: _ce(*c, grad=lambda P, Y, Z, T: _sigmoid(Z / T) - Y),
                        "You used the sigmoid of each score on its own: softmax normalizes each row, so every "
                        "p_k depends on the whole row."),
        Mistake.variant("sign", lambda *c: _ce(*c, grad=lambda P, Y, Z, T: Y - P),
                        "Wrong sign: your gradient is y - p; the cost falls when the right class's score rises, "
                        "so dJ/dz for that class is negative."),
        Mistake.nan("jacobian_diagonal_over_p", _diagonal_where_finite,
                    "You kept only the diagonal of softmax's Jacobian, p_k (1 - p_k), times dJ/dp = -y/p: "
                    "every score z_j moves every p_k, so the off-diagonal terms -p_j p_k count too (and "
                    "dividing by p gives nan where p rounds to 0, at |z| = 1000). Take the whole Jacobian and "
                    "simplify before you compute."),
        Mistake.nan("overflow", _nan_where_finite,
                    "{fn} returned nan or inf on case {i}, whose scores reach |z| = 1000: e^1000 overflows. "
                    "Softmax does not change when the same number is taken from a whole row: take out each "
                    "row's largest score first."),
    ),
)


# ------------------------------------------------------------ 09.3 terms_into_grad (predict)
#: the prompt's graph: x -> h = tanh(x) -> u = h * h -> v = u + h -> w = v * v -> J = sum(w)
NODES = ("x", "h", "u", "v", "w")
TERMS = {"x": 1, "h": 3, "u": 1, "v": 2, "w": 1}          # shares added into each node's .grad
TERMS_USERS = {"x": 1, "h": 2, "u": 1, "v": 1, "w": 1}    # one per node that uses it (h * h counted once)
TERMS_PATHS = {"x": 6, "h": 6, "u": 2, "v": 2, "w": 1}    # one per path from the node up to J
TERMS_SENT = {"x": 0, "h": 1, "u": 2, "v": 2, "w": 2}     # the shares the node sends (one per parent slot)


def terms_into_grad(name):
    """The right answer: the number of shares added into ``<name>.grad`` in one backward pass."""
    return TERMS[name]


def terms_cases(rng):
    """h first (the prompt's question), then every node in a random order."""
    return [("h",)] + [(str(n),) for n in rng.permutation(NODES)]


TERMS_PART = Part(
    key="09.3", notebook="09_computational_graphs", grade_id="part3_tests", function="terms_into_grad",
    points=2, forbidden=(), make_cases=terms_cases, reference=terms_into_grad, args=("name",), kind="scalar",
    mistakes=(
        Mistake.variant("users_not_uses", lambda name: TERMS_USERS[name],
                        "You counted the nodes that use each value. Count the uses: in u = h * h, h is both "
                        "parents of u, and u's rule sends a share to each parent, so h.grad receives two "
                        "from u alone."),
        Mistake.variant("paths", lambda name: TERMS_PATHS[name],
                        "You counted the paths from each node up to J. The backward pass adds one share per "
                        "edge into a node, each one already summing the paths above it: that is why it is "
                        "fast."),
        Mistake.variant("sent_not_received", lambda name: TERMS_SENT[name],
                        "You counted the shares each node sends to its parents. The question is what it "
                        "receives: one share from every place where it is a parent."),
    ),
)


# ------------------------------------------------------------ 09.4 backward (the engine)
def predict_graph(x=(0.5, -1.0, 2.0)):
    """The prompt's graph of 09.3 (its last node is J)."""
    G = _Graph()
    x = G.leaf(np.array(x, dtype=float), "x")
    h = G.op(ag.tanh, x, name="h")
    u = G.op(ag.mul, h, h, name="u")
    v = G.op(ag.add, u, h, name="v")
    w = G.op(ag.mul, v, v, name="w")
    return G, G.op(ag.sum, w, name="J")


def _layer_graph(rng, stale):
    """A two-layer tanh network with a softmax cost and a penalty on h: a fork (h) and a diamond."""
    G = _Graph()
    m, n, k = _dims(rng)
    h_ = int(rng.integers(3, 6))
    X = G.leaf(rng.uniform(-1, 1, (m, n)), "X")
    W1 = G.leaf(rng.standard_normal((n, h_)), "W1")
    b1 = G.leaf(0.3 * rng.standard_normal(h_), "b1")
    W2 = G.leaf(rng.standard_normal((h_, k)), "W2")
    b2 = G.leaf(0.3 * rng.standard_normal(k), "b2")
    Y = _rows(rng, m, k, False)
    z1 = G.op(ag.add, G.op(ag.matmul, X, W1, name="XW1"), b1, name="z1")
    h = G.op(ag.tanh, z1, name="h")
    z2 = G.op(ag.add, G.op(ag.matmul, h, W2, name="hW2"), b2, name="z2")
    ce = G.op(ag.softmax_cross_entropy, z2, Y, name="ce")
    pen = G.op(ag.mean, G.op(ag.mul, h, h, name="hh"), name="penalty")
    return G.case(G.op(ag.add, ce, pen, name="J"), rng if stale else None, wrt=("W1", "b1", "W2", "b2", "h"))


def _reuse_graph(rng, stale):
    """A node used five times (s), and a diamond from a back to the cost."""
    G = _Graph()
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    a = G.leaf(rng.uniform(-1.5, 1.5, shape), "a")
    c = G.leaf(rng.uniform(-1, 1, shape[1:]), "c")
    s = G.op(ag.sigmoid, G.op(ag.add, a, c, name="ac"), name="s")
    t = G.op(ag.mul, s, s, name="s2")
    t = G.op(ag.mul, t, s, name="s3")
    t = G.op(ag.sub, t, s, name="t")
    t = G.op(ag.add, G.op(ag.mul, t, s, name="ts"), a, name="u")
    return G.case(G.op(ag.mean, G.op(ag.mul, t, a, name="ua"), name="J"), rng if stale else None)


_UNARY = (ag.tanh, ag.sigmoid)
_BINARY = (ag.add, ag.sub, ag.mul)


def _random_graph(rng, stale):
    """A random DAG of elementwise operations (inputs picked with repeats: forks, diamonds, x * x)."""
    G = _Graph()
    shape = (int(rng.integers(1, 4)), int(rng.integers(2, 5)))
    pool = [G.leaf(rng.uniform(-1, 1, shape), f"x{i}") for i in range(int(rng.integers(2, 4)))]
    for i in range(int(rng.integers(6, 10))):
        if rng.random() < 0.35:
            node = G.op(_UNARY[int(rng.integers(len(_UNARY)))], pool[int(rng.integers(len(pool)))], name=f"n{i}")
        else:
            p, q = (pool[int(j)] for j in rng.integers(len(pool), size=2))
            node = G.op(_BINARY[int(rng.integers(len(_BINARY)))], p, q, name=f"n{i}")
        pool.append(node)
    used = {id(p) for t in pool for p in t.__dict__["parents"]}
    ends = [t for t in pool if id(t) not in used]
    top = ends[0]
    for j, t in enumerate(ends[1:]):
        top = G.op(ag.add, top, t, name=f"end{j}")
    return G.case(G.op(ag.sum, G.op(ag.mul, top, pool[-1], name="sq"), name="J"), rng if stale else None)


def backward_cases(rng):
    G, J = predict_graph()
    cases = [G.case(J, rng, wrt=("x", "h", "u", "v", "w"))]
    for make in (_layer_graph, _reuse_graph, _random_graph, _random_graph):
        cases.append(make(rng, stale=True))
    return cases



def _with_repeats(root):
    """A recursive order with no memory of what it visited: a node reached twice is listed twice."""
    order = []

    def visit(node):
        for p in node.__dict__["parents"]:
            visit(p)
        order.append(node)
    visit(root)
    return order


def _pass(root, order, assign=False, zero=True, seed=1.0, rev=True):
    if zero:
        for node in order:
            node.grad = np.zeros(node.data.shape)
    root.grad = np.full(root.data.shape, seed)
    for node in (reversed(order) if rev else order):
        for parent, g in zip(node.__dict__["parents"], node.backward_rule(node.grad)):
            if assign:
                parent.grad = np.array(g, dtype=float)
            else:
                parent.grad = parent.grad + g



def backward(root, wrt):
    """The right answer: the engine's :meth:`bpkit.autograd.Tensor.backward`, then ``[n.grad for n in wrt]``."""
    return _replay(root, wrt, ag.Tensor.backward)


def _mistaken(algorithm):
    """A VARIANT: ``algorithm(root)`` run on the graph it is given, in place, as the learner's code runs."""
    def variant(root, wrt):
        algorithm(root)
        return [np.array(n.grad, dtype=float) for n in wrt]
    return variant


def _all_zero(args, ref, out):
    return len(out) == len(ref) and all(not np.any(o) for o in out)


def _seed_shape(args, ref, out):
    """Right everywhere but the root, whose gradient is a one-element array of another shape than the 0-d root."""
    root, wrt = args
    if len(out) != len(ref):
        return False
    j = next(i for i, n in enumerate(wrt) if n is root)
    o, r = out[j], ref[j]
    rest = all(i == j or (a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9))
               for i, (a, b) in enumerate(zip(out, ref)))
    return rest and o.shape != r.shape and o.size == 1


#: backward fills in .grad of the graph it is given: its two arguments change in place, on purpose
_UPDATES = {"updates": (0, 1)} if "updates" in getattr(Part, "__dataclass_fields__", {}) else {}

BACKWARD = Part(
    key="09.4", notebook="09_computational_graphs", grade_id="part4_tests", function="backward", points=4,
    forbidden=("bpkit.autograd.Tensor.backward", "bpkit.autograd.Tensor.zero_grad",
               "bpkit.autograd.topological_order"),
    make_cases=backward_cases, reference=backward, args=("root", "wrt"), kind="arrays", **_UPDATES,
    mistakes=(
        Mistake.variant("stale_gradients",
                        _mistaken(lambda r: _pass(r, _topo(r), zero=False)),
                        "The gradients still hold what they held before your call: on a graph that went "
                        "through a backward pass before (or when backward is called twice) every .grad "
                        "must start again from zero before the shares are added, not only the root's."),
        Mistake.predicate("seed_zero", _all_zero,
                          "Every gradient is zero: the pass starts from the root's own gradient, dJ/dJ, which "
                          "is 1, not 0. Nothing reaches the other nodes from a zero seed."),
        Mistake.predicate("seed_shape", _seed_shape,
                          "Every gradient is right except the root's, which is a one-element array of another "
                          "shape: the root is a 0-d array (a scalar cost), so its seed must have its shape, "
                          "e.g. np.ones_like(root.data)."),
        Mistake.variant("assign", _mistaken(lambda r: _pass(r, _topo(r), assign=True)),
                        "A value used in several places keeps only the last share it received: you wrote "
                        "parent.grad = ... where the shares must be added, parent.grad += ...."),
        Mistake.variant("visited_twice", _mistaken(lambda r: _pass(r, _with_repeats(r))),
                        "Gradients come out too large where paths join (a diamond): your order lists a node "
                        "once per path that reaches it, so it passes its gradient on more than once. Visit "
                        "each node once (remember the ones you have seen)."),
        Mistake.variant("forward_order", _mistaken(lambda r: _pass(r, _topo(r), rev=False)),
                        "Your pass goes in the wrong direction: it takes the parents before the nodes made "
                        "from them, so each node passes on its gradient before it has received it. Walk the "
                        "topological order backwards, from the root."),
    ),
)


# ------------------------------------------------------------ 09.5 silu_backward (transfer)
def silu_backward(x, g):
    """The right answer, from the engine: the gradient of J = sum(x * sigmoid(x) * g), i.e. upstream g."""
    G = _plain(g)
    return _engine_grads(lambda x_: ag.sum(x_ * ag.sigmoid(x_) * G), x)[0]


def silu_cases(rng):
    cases = [(np.array([-2.0, -0.5, 0.0, 0.5, 2.0]), np.ones(5))]
    shape = (int(rng.integers(2, 6)), int(rng.integers(2, 5)))
    cases.append((rng.uniform(-4, 4, shape), rng.standard_normal(shape)))
    x = rng.uniform(-6, 6, int(rng.integers(5, 9)))
    x[:2] = (-1000.0, 1000.0)
    cases.append((x, rng.standard_normal(x.shape)))
    x = rng.uniform(-3, 3, (1, int(rng.integers(3, 6))))
    cases.append((x, rng.standard_normal(x.shape)))
    # float32 in (the contract: any array). e**100 already overflows there, so a sigma that clips x at
    # +-500 before exp (fine in float64) is caught. No x where float32 rounding shows at the check's
    # rtol 1e-6: not near -1.28 (the slope crosses 0) nor 1.28 (x sigma(x) = 1), nor 3 < x < 30 (1 - sigma(x)
    # is lost to rounding but larger than atol 1e-9). Right answers and every named mistake, computed in
    # float32, stay within 0.38 of the tolerance over 5000 draws, whichever way sigma is written
    x = np.array([-100.0, -20.0, -3.0, 0.0, 0.5, 100.0], dtype=np.float32) * np.float32(rng.uniform(0.9, 1.0))
    cases.append((x, rng.standard_normal(x.shape).astype(np.float32)))
    return cases


def _silu(x, g, rule):
    x, g = _plain(x), _plain(g)
    s = _sigmoid(x)
    return rule(x, s, g)


SILU = Part(
    key="09.5", notebook="09_computational_graphs", grade_id="part5_tests", function="silu_backward", points=3,
    forbidden=("bpkit.autograd.Tensor.backward", "bpkit.autograd.Tensor.zero_grad",
               "bpkit.autograd.topological_order"),
    make_cases=silu_cases, reference=silu_backward, args=("x", "g"), kind="array", strict_float=True,
    mistakes=(
        Mistake.variant("sigma_prime_term_only", lambda *c: _silu(*c, lambda x, s, g: g * x * s * (1 - s)),
                        "Only half of the product rule: x * sigma(x) has two factors that both depend on x, "
                        "so its derivative has two terms. You kept the one where sigma is differentiated."),
        Mistake.variant("sigma_term_only", lambda *c: _silu(*c, lambda x, s, g: g * s),
                        "Only half of the product rule: you differentiated x (giving sigma(x)) but not "
                        "sigma(x). x * sigma(x) has two factors that both depend on x."),
        Mistake.variant("sigma_prime_only", lambda *c: _silu(*c, lambda x, s, g: g * s * (1 - s)),
                        "That is the derivative of sigma(x) alone: SiLU is x * sigma(x), a product; "
                        "differentiate both factors."),
        Mistake.variant("silu_as_sigmoid", lambda *c: _silu(*c, lambda x, s, g: g * (x * s) * (1 - x * s)),
                        "You used the sigmoid's shortcut f(1 - f) with f = SiLU(x): that shortcut holds for "
                        "the sigmoid only. Derive SiLU's slope from its two factors."),
        Mistake.variant("no_upstream", lambda *c: _silu(*c, lambda x, s, g: s + x * s * (1 - s)),
                        "The upstream gradient g is missing: the rule returns the local slope times g."),
        Mistake.variant("sign", lambda *c: _silu(*c, lambda x, s, g: -g * (s + x * s * (1 - s))),
                        "Wrong sign: your gradient is minus the right one."),
        Mistake.overflow("overflow",
                         "{fn} overflowed: at x = -1000, e^(-x) = e^1000 is too large for a float (in float32, "
                         "whose largest number is about e^88, so is e^100; clipping x at 500 does not help "
                         "there). Write sigma so that exp never sees a large positive argument."),
        Mistake.nan("nan", lambda args, ref, out: True,
                    "{fn} returned nan or inf on case {i}, which has x as large as 1000 (100 in float32): an "
                    "exp overflowed somewhere (inf / inf is nan). Write sigma so that exp never sees a large "
                    "positive argument."),
    ),
)

PARTS = (LAYER, CE, TERMS_PART, BACKWARD, SILU)
