"""A small reverse-mode autograd engine on numpy arrays (lesson 9).

Every value is a :class:`Tensor`: an array, the gradient dJ/d(value) of the one cost J the
backward pass starts from, the tensors it was computed from (``parents``) and the operation's
**backward rule**, written right beside its forward. A rule is *local*: given the gradient
arriving at a node from above ("upstream"), it returns what that node sends to each parent,
local derivative times upstream. :meth:`Tensor.backward` does the rest:

* visit every node once, in reverse **topological order** (a node only after every node that
  uses it, so its gradient is complete before it is passed on);
* **add** (``+=``) what arrives at a parent: a value used twice gets both shares (lesson 2's
  sum over paths);
* start from zero each time, so two calls give the same gradients.

Where the course already has a rule it is reused, not restated: the slopes come from
:data:`bpkit.ACTIVATIONS` (``prime_from_a``), the output error of the sigmoid costs from
:mod:`bpkit.costs`, softmax from :mod:`bpkit.activations`. :func:`network_graph` writes a
:class:`bpkit.Network` and its cost as a graph; its gradients are ``bpkit.backprop``'s, and the
gradient that lands on node ``z(l)`` is lesson 4's delta(l) / m.

Conventions: float64 everywhere; ``+ - *`` broadcast like numpy and their rules sum over the
broadcast axes (:func:`unbroadcast`); ``@`` is the 2-D matrix product. Leaves made with
``requires_grad=False`` (data such as ``X``) are constants: rules return zeros for them and
the matrix product skips that work.
"""
from __future__ import annotations

import builtins
from typing import NamedTuple

import numpy as np

from . import _validate
from .activations import ACTIVATIONS, softmax
from .backprop import Gradients, average, layer_sums
from ._params import declare
from .costs import KIND, LAM, NET, SoftmaxCrossEntropyCost, check_targets, get_cost, l2_penalty, prepare


class Tensor:
    """A node of the graph: ``data``, ``grad`` (same shape, zeros at first), ``parents``, ``op``, ``name``.

    ``Tensor(data, name=None)`` makes a leaf (data copied as float64). Operations make the other
    nodes; ``requires_grad=False`` marks a constant (its gradient is never computed), and
    ``copy=False`` keeps a float64 array that bpkit already checked instead of copying it.
    """

    def __init__(self, data, name=None, requires_grad=True, *, parents=(), op="leaf", rule=None, copy=True):
        if parents or not copy:  # made by an operation (or by bpkit from checked data): used as it is
            self.data = np.asarray(data, dtype=np.float64)
        else:
            self.data = np.array(_validate.real_array("data", data), dtype=np.float64)  # a copy
        self._grad = None  # zeros, made when first read (a graph over 8,000 digits need not allocate them)
        self.parents = tuple(parents)
        self.op = op
        self.name = name
        self.requires_grad = bool(requires_grad) or any(p.requires_grad for p in self.parents)
        self._rule = rule

    @property
    def grad(self):
        """dJ/d(this node), shaped like ``data``; zeros until a backward pass fills it."""
        if self._grad is None:
            self._grad = np.zeros(self.data.shape)
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        label = f"{self.name!r}, " if self.name else ""
        return f"Tensor({label}op={self.op!r}, shape={self.shape})"

    # ------------------------------------------------------------- the backward pass
    def backward_rule(self, upstream):
        """dJ/d(parent) through this node only, one array per parent, each shaped like that parent.

        ``upstream`` is dJ/d(self), shaped like ``self.data``. A leaf returns ``()``. No ``.grad`` is touched.
        """
        if not self.parents:
            return ()
        return tuple(self._rule(np.asarray(upstream, dtype=np.float64)))

    def zero_grad(self):
        """Set every ``.grad`` in the graph below (and at) this node to zeros."""
        for node in topological_order(self):
            node.grad = None  # read back as zeros

    def backward(self):
        """Reverse mode: dJ/d(node) for every node below this one (J = this node, a scalar cost).

        Zero every gradient, seed this node's with ones (dJ/dJ = 1), then take the nodes in reverse
        topological order and add each rule's share into its parents' ``.grad``.
        """
        order = topological_order(self)
        for node in order:
            node.grad = None  # zeros (made when first read or added to)
        self.grad = np.ones(self.data.shape)
        for node in reversed(order):  # every user of a node comes before it: its grad is complete
            if not node.parents or not node.requires_grad:
                continue
            for parent, g in zip(node.parents, node.backward_rule(node.grad)):
                if parent.requires_grad:
                    parent.grad += g  # += : a value used twice receives both shares

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return neg(self)


def topological_order(root):
    """Every node reachable from ``root`` exactly once, parents before the nodes made from them.

    Iterative depth-first search (no recursion limit on deep graphs): a node is appended once
    all its parents are, and a node reached again through a second path is not visited again.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"root must be a Tensor (the node the pass starts from), got {type(root).__name__}")
    order, done, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if id(node) in done:
            continue
        if parents_done:
            done.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in done)
    return order


def tensor(x):
    """``x`` itself if it is a Tensor, else a constant leaf holding it (numbers and arrays in formulas)."""
    return _operand("x", x)


def _operand(name, x):
    # the one input check of the operations: a Tensor, or real numbers made a constant leaf (a copy)
    if isinstance(x, Tensor):
        return x
    return Tensor(_validate.real_array(name, x).copy(), requires_grad=False, copy=False)


def _pair(x, y, op):
    # two operands whose shapes broadcast (numpy's rule), refused by name before numpy's own error
    x, y = _operand("x", x), _operand("y", y)
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"x {op} y needs shapes that broadcast (equal, or 1, axis by axis from the right); "
                         f"got x {x.shape} and y {y.shape}") from None
    return x, y


def _axis(axis, x):
    # None (every entry) or one axis of x
    if axis is None:
        return None
    if x.data.ndim == 0:
        raise ValueError(f"axis must be None for an x of one number, got {axis!r}")
    return _validate.integer("axis", axis, -x.data.ndim, x.data.ndim - 1)


def unbroadcast(g, shape):
    """Sum ``g`` over the axes numpy broadcast to reach it from ``shape``: the gradient of a broadcast.

    A bias ``b`` of shape ``(s,)`` added to every row of ``(m, s)`` gets the sum of the m rows' gradients.
    """
    g = _validate.real_array("g", g)
    ok = isinstance(shape, tuple) and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
                                          for n in shape)
    if not ok:
        raise TypeError(f"shape must be a tuple of sizes (integers >= 0), got {shape!r}")
    try:
        reaches = np.broadcast_shapes(shape, g.shape) == g.shape
    except ValueError:
        reaches = False
    if not reaches:
        raise ValueError(f"g of shape {g.shape} is not shape {shape} broadcast: unbroadcast needs the shape g was "
                         "broadcast from")
    while g.ndim > len(shape):  # axes numpy added in front
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):  # axes of length 1 that were stretched
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def _zeros(t):
    # the share of a constant: zeros, as a read-only view (nothing is allocated for data such as X)
    return np.broadcast_to(0.0, t.data.shape)


# ------------------------------------------------------------------ operations
# Each one: the forward value, and right beside it the rule "upstream g -> one share per parent".
def add(x, y):
    """x + y (broadcasting): d/dx = 1, d/dy = 1, each summed back to its own shape."""
    x, y = _pair(x, y, "+")
    return Tensor(x.data + y.data, parents=(x, y), op="+",
                  rule=lambda g: (unbroadcast(g, x.shape), unbroadcast(g, y.shape)))


def sub(x, y):
    """x - y (broadcasting): d/dx = 1, d/dy = -1."""
    x, y = _pair(x, y, "-")
    return Tensor(x.data - y.data, parents=(x, y), op="-",
                  rule=lambda g: (unbroadcast(g, x.shape), unbroadcast(-g, y.shape)))


def neg(x):
    """-x: d/dx = -1."""
    x = _operand("x", x)
    return Tensor(-x.data, parents=(x,), op="neg", rule=lambda g: (-g,))


def mul(x, y):
    """x * y elementwise (broadcasting): d/dx = y, d/dy = x."""
    x, y = _pair(x, y, "*")
    return Tensor(x.data * y.data, parents=(x, y), op="*",
                  rule=lambda g: (unbroadcast(g * y.data, x.shape), unbroadcast(g * x.data, y.shape)))


def matmul(A, B):
    """A @ B for 2-D A (m, n) and B (n, k): dJ/dA = g @ B.T (m, n), dJ/dB = A.T @ g (n, k).

    With A = a(l) and B = W(l), ``A.T @ g`` is lesson 4's Delta(l) = a(l).T @ delta(l+1): the
    product sums the m examples' shares (:func:`bpkit.backprop.layer_sums`).
    """
    A, B = _operand("A", A), _operand("B", B)
    if A.data.ndim != 2 or B.data.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"A @ B needs 2-D arrays (m, n) @ (n, k), got A {A.shape} and B {B.shape}")

    def rule(g):
        return (g @ B.data.T if A.requires_grad else _zeros(A),
                layer_sums(A.data, g)[0] if B.requires_grad else _zeros(B))  # A.T @ g
    return Tensor(A.data @ B.data, parents=(A, B), op="@", rule=rule)


def _activation(name):
    f, prime_from_a = ACTIVATIONS[name].fn, ACTIVATIONS[name].prime_from_a

    def op(x):
        x = _operand("x", x)
        a = f(x.data)
        return Tensor(a, parents=(x,), op=name, rule=lambda g: (g * prime_from_a(a),))  # f'(z) from a = f(z)
    op.__name__ = name
    op.__doc__ = f"{name}(x) elementwise; rule: upstream * {name}' (bpkit.ACTIVATIONS[{name!r}].prime_from_a)."
    return op


sigmoid, tanh, relu = _activation("sigmoid"), _activation("tanh"), _activation("relu")


def exp(x):
    """e^x elementwise: d/dx = e^x (the output itself)."""
    x = _operand("x", x)
    out = np.exp(x.data)
    return Tensor(out, parents=(x,), op="exp", rule=lambda g: (g * out,))


def log(x):
    """Natural log elementwise: d/dx = 1 / x."""
    x = _operand("x", x)
    if x.data.size and not np.min(x.data) > 0:
        raise ValueError(f"log needs every entry of x above 0, got a smallest entry of {np.min(x.data):g}")
    return Tensor(np.log(x.data), parents=(x,), op="log", rule=lambda g: (g / x.data,))


def sum(x, axis=None):  # noqa: A001 - the name the lesson uses; builtins.sum is still there
    """Sum of all entries (or over one ``axis``): every entry gets the upstream gradient."""
    x = _operand("x", x)
    axis = _axis(axis, x)
    out = x.data.sum(axis=axis)
    return Tensor(out, parents=(x,), op="sum",
                  rule=lambda g: (np.broadcast_to(g if axis is None else np.expand_dims(g, axis), x.shape).copy(),))


def mean(x, axis=None):
    """Mean of all entries (or over one ``axis``): each entry gets upstream / (number averaged)."""
    x = _operand("x", x)
    axis = _axis(axis, x)
    n = x.data.size if axis is None else x.shape[axis]
    out = x.data.mean(axis=axis)
    return Tensor(out, parents=(x,), op="mean",
                  rule=lambda g: (np.broadcast_to((g if axis is None else np.expand_dims(g, axis)) / n, x.shape).copy(),))


def _targets(Z, Y, what):
    Y = Y.data if isinstance(Y, Tensor) else _validate.real_array("Y", Y)
    if Z.data.ndim != 2 or Y.shape != Z.shape:
        raise ValueError(f"{what} needs Z and Y of the same shape (m, k), one row per example; "
                         f"got Z {Z.shape} and Y {Y.shape}")
    return Y


def softmax_cross_entropy(Z, Y):
    """J = -sum(Y * log softmax(Z)) / m from the scores Z (m, k); one node, rule (softmax(Z) - Y) / m.

    Forward and rule are :class:`bpkit.costs.SoftmaxCrossEntropyCost`'s ``total`` (by log-sum-exp,
    :func:`bpkit.activations.log_softmax`: finite at |z| = 1000) and ``delta``. Rows of ``Y`` sum
    to 1; the targets are data: a constant, not a parent.
    """
    Z = _operand("Z", Z)
    Y = _targets(Z, Y, "softmax_cross_entropy")
    check_targets("softmax_cross_entropy", Y)
    C, m = SoftmaxCrossEntropyCost, Z.shape[0]
    a = softmax(Z.data)
    return Tensor(C.total(Z.data, a, Y) / m, parents=(Z,), op="softmax_cross_entropy",
                  rule=lambda g: (g * C.delta(Z.data, a, Y) / m,))


def sigmoid_cost(Z, Y, kind="quadratic"):
    """The lesson-4 output layer and its averaged cost in one node: a = sigmoid(Z), J = cost(a, Y) / m.

    Rule: upstream * delta(L) / m, with delta(L) the cost's own output error
    (:mod:`bpkit.costs`: ``(a - y) a (1 - a)`` quadratic, ``a - y`` cross-entropy). ``Y`` is data.
    """
    Z = _operand("Z", Z)
    C = get_cost(kind)
    Y = _targets(Z, Y, "sigmoid_cost")
    check_targets(kind, Y)
    m = Z.shape[0]
    a = ACTIVATIONS["sigmoid"].fn(Z.data)
    return Tensor(C.total(Z.data, a, Y) / m, parents=(Z,), op=f"{kind}_cost",
                  rule=lambda g: (g * C.delta(Z.data, a, Y) / m,))


def l2(weights, lam, m):
    """The L2 penalty lam/(2m) sum of W*W over ``weights`` (lesson 5), one node; rule: lam W / m each.

    Both sides come from the core: :func:`bpkit.costs.l2_penalty` and :func:`bpkit.backprop.average`.
    """
    if isinstance(weights, (Tensor, np.ndarray, str, bytes, dict)) or not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError(f"weights must be a non-empty list of Tensors or arrays (one per layer), got {type(weights).__name__}")
    weights = [_operand(f"weights[{i}]", W) for i, W in enumerate(weights)]
    lam = _validate.non_negative_number("lam", lam)
    m = _validate.integer("m", m, 1)
    return Tensor(l2_penalty([W.data for W in weights], lam, m), parents=tuple(weights), op="L2",
                  rule=lambda g: tuple(g * average(0.0, 0.0, W.data, None, lam, m)[0] for W in weights))


# ------------------------------------------------------------- the lesson-4 network
class NetworkGraph(NamedTuple):
    """:func:`network_graph`'s nodes: ``cost`` (J), leaves ``weights``, ``biases``; ``zs``, ``activations``.

    ``zs[l-1]`` is node z(l) (``zs[0]`` is None: the input has no z); ``activations[0]`` is X.
    """

    cost: Tensor
    weights: list
    biases: list
    zs: list
    activations: list

    def gradients(self):
        """The leaves' ``.grad`` as :class:`bpkit.Gradients` (call ``cost.backward()`` first)."""
        return Gradients([W.grad.copy() for W in self.weights], [b.grad.copy() for b in self.biases])


@declare(net=NET, kind=KIND, lam=LAM)
def network_graph(net, X, Y, kind="quadratic", lam=0.0):
    """``net`` and its averaged cost on ``(X, Y)`` written as a graph, node by node (lesson 9).

    z(l+1) = a(l) @ W(l) + b(l) (two nodes: ``@``, then ``+`` broadcasting the bias), a(l+1) = f(z(l+1));
    the output layer and the cost are one node (:func:`sigmoid_cost`, or :func:`softmax_cross_entropy` for
    ``Network(..., output="softmax")`` with ``kind="softmax_cross_entropy"``), plus :func:`l2` when
    ``lam > 0``. The arguments are checked as :func:`bpkit.backprop` checks them. The weights and biases are *copies* of ``net``'s, as leaves.

    Returns
    -------
    NetworkGraph
        After ``g.cost.backward()``, ``g.gradients()`` equals ``bpkit.backprop(net, X, Y, kind, lam)``
        and ``g.zs[l-1].grad * m`` equals lesson 4's delta(l).
    """
    X, Y, _ = prepare(net, X, Y, kind)  # backprop's checks: the kind must suit net.output
    m = X.shape[0]
    last = len(net.weights) - 1
    f = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}[net.activation]
    Ws = [Tensor(W, name=f"W{l}") for l, W in enumerate(net.weights, start=1)]
    bs = [Tensor(b, name=f"b{l}") for l, b in enumerate(net.biases, start=1)]
    a = Tensor(X, name="a1", requires_grad=False, copy=False)  # data: X was checked, and is not changed
    zs, acts = [None], [a]
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        z = a @ W + b
        z.name = f"z{l + 1}"
        zs.append(z)
        if l - 1 < last:
            a = f(z)
            a.name = f"a{l + 1}"
            acts.append(a)
    if kind == "softmax_cross_entropy":  # Network(..., output="softmax"): softmax and its cost are one node
        J = softmax_cross_entropy(zs[-1], Y)
    else:
        J = sigmoid_cost(zs[-1], Y, kind)
    if lam > 0:
        J = J + l2(Ws, lam, m)
    J.name = "J"
    return NetworkGraph(J, Ws, bs, zs, acts)


# ------------------------------------------------- the backward pass one step at a time (lesson 9)
class ForkExample(NamedTuple):
    """:func:`fork_example`'s graph: ``root`` (J), its ``leaves`` by name, and ``fork``, the node used twice."""

    root: Tensor
    leaves: dict
    fork: Tensor


def fork_example(x=1.5, w=0.8, b=-0.3, v=0.6, y=0.2):
    """A one-neuron graph with a fork, for lesson 9's panel: h is used twice (a skip connection).

    z = w x + b,  h = tanh(z),  r = v h + h,  J = (sigmoid(r) - y)**2 / 2.
    h reaches J along two paths (through v h, and directly), so dJ/dh = dJ/dr (v + 1).
    All values are (1, 1) arrays; ``x`` and ``y`` are data (constants).
    """
    def leaf(value, name, requires_grad=True):
        return Tensor(np.full((1, 1), _validate.real_number(name, value)), name=name, requires_grad=requires_grad)

    X, W, B, V = leaf(x, "x", False), leaf(w, "w"), leaf(b, "b"), leaf(v, "v")
    wx = W * X
    z = wx + B
    h = tanh(z)
    vh = V * h
    r = vh + h
    J = sigmoid_cost(r, np.full((1, 1), _validate.real_number("y", y)), "quadratic")
    for node, name in ((wx, "wx"), (z, "z"), (h, "h"), (vh, "vh"), (r, "r"), (J, "J")):
        node.name = name
    return ForkExample(J, {"x": X, "w": W, "b": B, "v": V}, h)


class Share(NamedTuple):
    """What one step sends to one parent: ``local * upstream = share``, and that parent's gradient
    ``before`` and ``after`` it was stored (``slot``: the parent's place in ``node.parents``).

    ``local`` is the node's rule applied to an upstream of ones: the local derivative
    d(node)/d(parent) when the node holds one number.
    """

    slot: int
    parent: "Tensor"
    local: np.ndarray
    share: np.ndarray
    before: np.ndarray
    after: np.ndarray


class Step(NamedTuple):
    """One step of a stepped backward pass (:func:`backward_steps`).

    ``node`` passes ``upstream`` (its gradient when taken) on; ``shares`` holds one :class:`Share`
    per parent that needs a gradient. ``grads`` maps ``id(node)`` to every node's gradient after
    the step. Step 0 is the seed: ``node`` is the root, ``upstream`` 1, no shares.
    """

    node: Tensor
    upstream: np.ndarray
    shares: tuple
    grads: dict

    @property
    def size(self):
        """sqrt of the sum of squares of every gradient after this step (what lesson 9's panel reads out)."""
        return float(np.sqrt(builtins.sum(float(np.sum(g * g)) for g in self.grads.values())))


MODES = ("topological", "assign", "recursive")


def backward_steps(root, mode="topological"):
    """The backward pass from ``root`` recorded step by step; the graph's ``.grad`` are not touched.

    ``mode``: ``"topological"`` (the right pass: reverse topological order, ``+=``);
    ``"assign"`` (the same order, ``=`` in place of ``+=``: a value used twice keeps only its last share);
    ``"recursive"`` (``+=``, but each node passes its gradient on and then visits its parents,
    depth first: a node reached along two paths is visited, and passes its gradient on, twice).
    Returns a list of :class:`Step`, the seed first.
    """
    mode = _validate.choice("mode", mode, MODES)
    order = topological_order(root)
    grads = {id(n): np.zeros(n.data.shape) for n in order}
    grads[id(root)] = np.ones(root.data.shape)
    steps = [Step(root, grads[id(root)].copy(), (), dict(grads))]

    def take(node):
        shares = []
        upstream = grads[id(node)]
        locals_ = node.backward_rule(np.ones(upstream.shape))
        for slot, (parent, share) in enumerate(zip(node.parents, node.backward_rule(upstream))):
            if not parent.requires_grad:
                continue
            before = grads[id(parent)]
            grads[id(parent)] = share.copy() if mode == "assign" else before + share
            shares.append(Share(slot, parent, locals_[slot], share, before, grads[id(parent)]))
        steps.append(Step(node, upstream.copy(), tuple(shares), dict(grads)))

    if mode == "recursive":
        def visit(node):  # the naive recursion: no record of which nodes were done
            if node.parents and node.requires_grad:
                take(node)
                for parent in node.parents:
                    visit(parent)
        visit(root)
    else:
        for node in reversed(order):
            if node.parents and node.requires_grad:
                take(node)
    return steps
