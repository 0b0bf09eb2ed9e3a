"""bpkit.autograd: every rule against central differences, the lesson-4 network against backprop,
softmax-cross-entropy, forks and reuse, and PyTorch where it is installed."""
import builtins
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpkit
from bpkit import autograd as ag
from bpkit.gradcheck import numerical_gradient

BP = sys.modules["bpkit.backprop"]  # the module (bpkit.backprop is the function)


def rel_err(a, b):
    a, b = np.ravel(a), np.ravel(b)
    return np.linalg.norm(a - b) / max(np.linalg.norm(a + b), 1e-300)


def check_rule(build, arrays, positive=False, tol=1e-7):
    """Leaves from ``arrays``; J = sum(build(*leaves) * R) for a fixed random R; engine vs central differences."""
    leaves = [ag.Tensor(a, name=f"x{i}") for i, a in enumerate(arrays)]
    out = build(*leaves)
    R = np.random.default_rng(7).normal(size=out.shape)

    def J():
        return float(np.sum(build(*leaves).data * R))

    root = ag.sum(out * R)
    root.backward()
    numeric = numerical_gradient(J, [leaf.data for leaf in leaves])
    for leaf, n in zip(leaves, numeric):
        assert leaf.grad.shape == leaf.data.shape
        assert rel_err(leaf.grad, n) < tol or np.max(np.abs(leaf.grad - n)) < 1e-9, (leaf.name, leaf.grad, n)


shapes = st.tuples(st.integers(1, 4), st.integers(1, 4))
seeds = st.integers(0, 2**31 - 1)


def arr(seed, shape, positive=False):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, shape) if positive else rng.normal(size=shape)


@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=seeds, op=st.sampled_from(["+", "-", "*"]),
       bshape=st.sampled_from(["same", "row", "col", "scalar", "vector"]))
def test_broadcasting_binary_ops(shape, seed, op, bshape):
    m, n = shape
    other = {"same": (m, n), "row": (1, n), "col": (m, 1), "scalar": (), "vector": (n,)}[bshape]
    f = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}[op]
    check_rule(f, [arr(seed, (m, n)), arr(seed + 1, other)])
    check_rule(lambda x, y: f(y, x), [arr(seed, (m, n)), arr(seed + 1, other)])  # broadcast on the left


@settings(max_examples=20, deadline=None)
@given(m=st.integers(1, 4), n=st.integers(1, 4), k=st.integers(1, 4), seed=seeds)
def test_matmul(m, n, k, seed):
    check_rule(lambda A, B: A @ B, [arr(seed, (m, n)), arr(seed + 1, (n, k))])


@settings(max_examples=20, deadline=None)
@given(shape=shapes, seed=seeds, name=st.sampled_from(["sigmoid", "tanh", "relu", "exp", "log", "neg"]))
def test_elementwise(shape, seed, name):
    f = {"sigmoid": ag.sigmoid, "tanh": ag.tanh, "exp": ag.exp, "log": ag.log, "neg": lambda x: -x,
         "relu": ag.relu}[name]
    x = arr(seed, shape, positive=name == "log")
    if name == "relu":
        x = np.where(np.abs(x) < 1e-3, 0.5, x)  # away from the kink, where central differences straddle it
    check_rule(f, [x])


@settings(max_examples=20, deadline=None)
@given(shape=shapes, seed=seeds, axis=st.sampled_from([None, 0, 1]), which=st.sampled_from(["sum", "mean"]))
def test_reductions(shape, seed, axis, which):
    f = getattr(ag, which)
    check_rule(lambda x: f(x, axis=axis), [arr(seed, shape)])


@settings(max_examples=20, deadline=None)
@given(m=st.integers(1, 4), k=st.integers(2, 5), seed=seeds, scale=st.sampled_from([1.0, 10.0]))
def test_softmax_cross_entropy_gradient(m, k, seed, scale):
    rng = np.random.default_rng(seed)
    Y = bpkit.one_hot(rng.integers(0, k, m), k)
    check_rule(lambda Z: ag.softmax_cross_entropy(Z, Y), [scale * arr(seed, (m, k))])
    Z = ag.Tensor(arr(seed, (m, k)))
    J = ag.softmax_cross_entropy(Z, Y)
    J.backward()
    np.testing.assert_allclose(Z.grad, (bpkit.activations.softmax(Z.data) - Y) / m, atol=1e-15)


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 4), k=st.integers(1, 3), seed=seeds, kind=st.sampled_from(["quadratic", "cross_entropy"]))
def test_sigmoid_cost_gradient(m, k, seed, kind):
    Y = np.random.default_rng(seed).uniform(size=(m, k))
    check_rule(lambda Z: ag.sigmoid_cost(Z, Y, kind), [arr(seed, (m, k))])


def test_softmax_cross_entropy_is_stable_at_1000():
    Z = ag.Tensor([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]])
    Y = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    J = ag.softmax_cross_entropy(Z, Y)
    J.backward()
    # row 1 is right with certainty (cost 0), row 2 puts e^-1000 on its target (cost 1000): mean 500
    assert np.isfinite(J.data) and J.data == pytest.approx(500.0)
    np.testing.assert_allclose(Z.grad, np.array([[0, 0, 0], [0, 1.0, -1.0]]) / 2, atol=1e-300)
    assert np.all(np.isfinite(Z.grad))
    # the naive log(softmax) is -inf there: the reason for log-sum-exp
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        naive = -np.sum(Y * np.log(np.exp(Z.data) / np.exp(Z.data).sum(axis=1, keepdims=True))) / 2
    assert not np.isfinite(naive)


# ------------------------------------------------------------ the lesson-4 network
@pytest.mark.parametrize("kind", ["quadratic", "cross_entropy"])
@pytest.mark.parametrize("lam", [0.0, 0.7])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_network_graph_equals_backprop(kind, lam, activation, seed):
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 6, size=rng.integers(2, 5))]
    m = int(rng.integers(1, 9))
    net = bpkit.Network(sizes, seed=seed, activation=activation)
    net.biases = [rng.normal(size=b.shape) for b in net.biases]
    X, Y = rng.normal(size=(m, sizes[0])), rng.uniform(size=(m, sizes[-1]))
    before = [W.copy() for W in net.weights]
    g = ag.network_graph(net, X, Y, kind=kind, lam=lam)
    g.cost.backward()
    G, B = g.gradients(), bpkit.backprop(net, X, Y, kind=kind, lam=lam)
    for a, b in zip(G.dW + G.db, B.dW + B.db):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert float(g.cost.data) == pytest.approx(bpkit.cost(net, X, Y, kind=kind, lam=lam), rel=1e-12, abs=1e-15)
    # the gradient on node z(l), times m, is lesson 4's delta(l)
    deltas = BP.errors(net, net.trace(X), Y, bpkit.costs.get_cost(kind))
    for z, delta in zip(g.zs[1:], deltas):
        np.testing.assert_allclose(z.grad * m, delta, rtol=0, atol=1e-12)
    assert all(np.array_equal(W, W0) for W, W0 in zip(net.weights, before))  # net untouched


def test_network_graph_against_central_differences():
    net = bpkit.Network([2, 3, 2], seed=4)
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(5, 2)), rng.uniform(size=(5, 2))
    g = ag.network_graph(net, X, Y, kind="cross_entropy", lam=0.2)
    g.cost.backward()
    leaves = g.weights + g.biases

    def J():
        return float(ag.network_graph(_net_from(net, leaves), X, Y, kind="cross_entropy", lam=0.2).cost.data)
    numeric = numerical_gradient(J, [leaf.data for leaf in leaves])
    assert rel_err(np.concatenate([leaf.grad.ravel() for leaf in leaves]),
                   np.concatenate([n.ravel() for n in numeric])) < 1e-8


def _net_from(net, leaves):
    k = len(net.weights)
    new = net.copy()
    new.weights = [leaf.data for leaf in leaves[:k]]
    new.biases = [leaf.data for leaf in leaves[k:]]
    return new


# ------------------------------------------------------------ order and accumulation
def test_fork_diamond_and_reuse():
    x = ag.Tensor(0.7, name="x")
    # fork: x feeds two nodes; diamond: they meet again
    a, b = x * 3.0, ag.exp(x)
    J = a * b
    J.backward()
    assert x.grad == pytest.approx(3 * np.exp(0.7) + 3 * 0.7 * np.exp(0.7))
    # the same node used by one operation twice
    x2 = ag.Tensor(1.5)
    (x2 * x2).backward()
    assert x2.grad == pytest.approx(3.0)
    # a node reused many times: 200 additions of the same t, t = 2 x; visited once each
    x3 = ag.Tensor(0.3)
    t = x3 * 2.0
    s = t
    for _ in range(199):
        s = s + t
    s.backward()
    assert x3.grad == pytest.approx(400.0)
    order = ag.topological_order(s)
    assert len(order) == len({id(n) for n in order})
    assert builtins.sum(n is t for n in order) == 1


def test_deep_chain_does_not_recurse():
    x = ag.Tensor(0.5)
    y = x
    for _ in range(5000):  # far past Python's recursion limit
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_topological_order_puts_parents_first():
    rng = np.random.default_rng(3)
    nodes = [ag.Tensor(rng.normal(size=2), name=f"leaf{i}") for i in range(4)]
    for i in range(20):
        p, q = rng.integers(0, len(nodes), size=2)
        nodes.append(nodes[p] * nodes[q] + nodes[q])
    order = ag.topological_order(nodes[-1])
    position = {id(n): i for i, n in enumerate(order)}
    for n in order:
        assert all(position[id(p)] < position[id(n)] for p in n.parents)


def test_backward_twice_gives_the_same_grads_and_zero_grad():
    net = bpkit.Network([3, 4, 2], seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    g = ag.network_graph(net, X, Y, lam=0.1)
    g.cost.backward()
    first = [p.grad.copy() for p in g.weights + g.biases]
    g.cost.backward()
    for p, f in zip(g.weights + g.biases, first):
        np.testing.assert_array_equal(p.grad, f)
    g.cost.zero_grad()
    assert all(not np.any(n.grad) for n in ag.topological_order(g.cost))


def test_backward_rule_contract():
    A, B, b = ag.Tensor(np.ones((2, 3))), ag.Tensor(np.ones((3, 4))), ag.Tensor(np.zeros(4))
    z = A @ B + b
    g = np.arange(8.0).reshape(2, 4)
    shares = z.backward_rule(g)
    assert len(shares) == 2 and shares[0].shape == (2, 4) and shares[1].shape == (4,)
    np.testing.assert_array_equal(shares[1], g.sum(axis=0))  # the bias: summed over the broadcast rows
    assert A.backward_rule(g) == ()
    assert not np.any(z.grad) and not np.any(b.grad)  # the rule touches no .grad
    assert A.op == "leaf" and z.op == "+" and z.parents[0].op == "@"


def test_leaf_copies_its_data_and_constants_get_no_gradient():
    data = np.array([1.0, 2.0])
    x = ag.Tensor(data)
    data[0] = 99.0
    assert x.data[0] == 1.0
    c = ag.Tensor([[1.0, 2.0]], requires_grad=False)
    W = ag.Tensor([[3.0], [4.0]])
    ag.sum(c @ W).backward()
    assert not np.any(c.grad)
    np.testing.assert_array_equal(W.grad, [[1.0], [2.0]])


def test_clear_errors():
    with pytest.raises(ValueError, match=r"\(m, n\) @ \(n, k\)"):
        ag.Tensor(np.ones((2, 3))) @ ag.Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="real numbers"):
        ag.Tensor("abc")
    with pytest.raises(ValueError, match="same shape"):
        ag.softmax_cross_entropy(ag.Tensor(np.ones((2, 3))), np.ones((2, 2)))


def test_backward_steps_match_backward_and_show_the_bugs():
    s = ag.fork_example()
    s.root.backward()
    right = {id(n): n.grad.copy() for n in ag.topological_order(s.root)}
    steps = ag.backward_steps(s.root, "topological")
    assert steps[-1].grads.keys() == right.keys()
    for key, g in right.items():
        np.testing.assert_allclose(steps[-1].grads[key], g, atol=1e-15)
    # each node is taken once, after all its users
    taken = [st.node for st in steps[1:]]
    assert len(taken) == len({id(n) for n in taken})
    # the two mistakes give other numbers for the weight below the fork
    w = s.leaves["w"]
    assigned = ag.backward_steps(s.root, "assign")[-1].grads[id(w)]
    recursive_steps = ag.backward_steps(s.root, "recursive")
    recursive = recursive_steps[-1].grads[id(w)]
    assert not np.isclose(assigned, right[id(w)]) and not np.isclose(recursive, right[id(w)])
    visits = [st.node for st in recursive_steps[1:]]
    assert builtins.sum(n is s.fork for n in visits) == 2  # the forked node is visited twice
    # recursive: h passes its gradient down twice, and each node below it re-sends what it holds
    # on every visit, so the error compounds (here 4 times the right value);
    # assign: h keeps only the share that came through v h, v of its v + 1
    v = float(s.leaves["v"].data[0, 0])
    assert recursive / right[id(w)] == pytest.approx(4.0)
    assert assigned / right[id(w)] == pytest.approx(v / (v + 1))


# ------------------------------------------------------------------ PyTorch
def test_network_graph_equals_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional: pip install torch)")
    rng = np.random.default_rng(5)
    net = bpkit.Network([4, 5, 3], seed=5, activation="tanh")
    X, labels = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    Y = bpkit.one_hot(labels, 3)
    g = ag.network_graph(net, X, Y, kind="cross_entropy", lam=0.3)
    g.cost.backward()
    Wt = [torch.tensor(W, requires_grad=True) for W in net.weights]
    bt = [torch.tensor(b, requires_grad=True) for b in net.biases]
    a = torch.tensor(X)
    a = torch.tanh(a @ Wt[0] + bt[0])
    z = a @ Wt[1] + bt[1]
    J = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(Y), reduction="sum") / 6
    J = J + 0.3 / 12 * builtins.sum((W * W).sum() for W in Wt)
    J.backward()
    for mine, theirs in zip(g.weights + g.biases, Wt + bt):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=0, atol=1e-12)


def test_softmax_cross_entropy_equals_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional: pip install torch)")
    rng = np.random.default_rng(6)
    Zd, labels = 50 * rng.normal(size=(5, 4)), rng.integers(0, 4, 5)
    Z = ag.Tensor(Zd)
    J = ag.softmax_cross_entropy(Z, bpkit.one_hot(labels, 4))
    J.backward()
    Zt = torch.tensor(Zd, requires_grad=True)
    Jt = torch.nn.functional.cross_entropy(Zt, torch.tensor(labels))
    Jt.backward()
    assert float(J.data) == pytest.approx(Jt.item(), rel=1e-12)
    np.testing.assert_allclose(Z.grad, Zt.grad.numpy(), rtol=0, atol=1e-14)


@pytest.mark.parametrize("lam", [0.0, 0.4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_network_graph_equals_backprop(lam, seed):
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 6, size=rng.integers(2, 5))] + [int(rng.integers(2, 5))]
    net = bpkit.Network(sizes, seed=seed, activation="tanh", output="softmax")
    net.biases = [rng.normal(size=b.shape) for b in net.biases]
    m = int(rng.integers(1, 8))
    X, Y = rng.normal(size=(m, sizes[0])), bpkit.one_hot(rng.integers(0, sizes[-1], m), sizes[-1])
    g = ag.network_graph(net, X, Y, kind="softmax_cross_entropy", lam=lam)
    g.cost.backward()
    G, B = g.gradients(), bpkit.backprop(net, X, Y, kind="softmax_cross_entropy", lam=lam)
    for a, b in zip(G.dW + G.db, B.dW + B.db):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert float(g.cost.data) == pytest.approx(bpkit.cost(net, X, Y, kind="softmax_cross_entropy", lam=lam),
                                               rel=1e-12)


def test_network_graph_refuses_a_cost_that_does_not_suit_the_output():
    X, Y = np.zeros((2, 3)), bpkit.one_hot([0, 1], 2)
    with pytest.raises(ValueError, match="softmax"):
        ag.network_graph(bpkit.Network([3, 2]), X, Y, kind="softmax_cross_entropy")
    with pytest.raises(ValueError, match="softmax"):
        ag.network_graph(bpkit.Network([3, 2], output="softmax"), X, Y, kind="cross_entropy")


def test_network_graph_with_a_softmax_output_against_central_differences():
    net = bpkit.Network([3, 4, 3], seed=8, activation="tanh", output="softmax")
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(5, 3)), bpkit.one_hot(rng.integers(0, 3, 5), 3)
    g = ag.network_graph(net, X, Y, kind="softmax_cross_entropy", lam=0.3)
    g.cost.backward()
    leaves = g.weights + g.biases

    def J():
        return float(ag.network_graph(_net_from(net, leaves), X, Y, kind="softmax_cross_entropy", lam=0.3).cost.data)
    numeric = numerical_gradient(J, [leaf.data for leaf in leaves])
    assert rel_err(np.concatenate([leaf.grad.ravel() for leaf in leaves]),
                   np.concatenate([n.ravel() for n in numeric])) < 1e-8
    # m * the gradient on z(L) is softmax(z(L)) - y, the cost's own output error
    m = X.shape[0]
    np.testing.assert_allclose(m * g.zs[-1].grad, bpkit.activations.softmax(g.zs[-1].data) - Y, atol=1e-15)


def test_step_size_is_the_root_sum_of_squares():
    steps = ag.backward_steps(ag.fork_example().root)
    for st_ in steps:
        assert st_.size == pytest.approx(np.sqrt(sum(float(np.sum(g ** 2)) for g in st_.grads.values())))
    assert all(a.size < b.size for a, b in zip(steps, steps[1:]))  # lesson 9's panel readout only grows
