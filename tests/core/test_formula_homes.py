"""Each backprop formula has one home: a structural test over the source of every bpkit module.

The course's rule is that the core computes each formula once and everything else calls it
(README, "Where each formula lives"). This test parses every module of ``bpkit`` (``ast``) and
fails when one of the formulas below is *written out* outside its home module:

=====================  ===============================================  =========================
fingerprint            what it looks like in code                       home
=====================  ===============================================  =========================
``sigma_prime``        ``a * (1 - a)``, ``1 - a**2``, ``1 - a * a``,     ``bpkit/activations.py``
                       ``np.subtract(1, a, out)``
``delta_recursion``    ``(delta @ W.T) * slope``,                       ``bpkit/backprop.py``
                       ``np.matmul(delta, W_T, out)``
``l2_gradient``        ``lam * W``                                      ``bpkit/backprop.py``
``l2_penalty``         ``np.sum(W ** 2)``, ``np.sum(W * W)``            ``bpkit/costs.py``
``output_error``       ``a - y``, ``np.subtract(a, y, out)``            ``bpkit/costs.py``
``layer_sums``         ``a.T @ delta``, ``np.matmul(a_T, delta, out)``  ``bpkit/backprop.py``
``central_difference`` ``(f(x + eps) - f(x - eps)) / (2 * eps)``        ``bpkit/gradcheck.py``
``sgd_update``         ``W -= lr * dW``, ``w - lr * g``,                ``bpkit/optim.py``
                       ``np.subtract(W, step, W)``
=====================  ===============================================  =========================

The detector reads expressions, not text, so comments and docstrings that *state* a formula
are fine; only code that computes it counts. :data:`DELIBERATE` names the one package that
writes formulas on purpose, with its reason: the exercise checks, whose planted mistakes are
wrong formulas written out to recognize a learner's answer. The planted bugs of lesson 7
(``bpkit/buggy.py``) are held to the rule: each calls the right rules with one thing changed.
"""
from __future__ import annotations

import ast
import pathlib
import re
import textwrap

import pytest

import bpkit

PACKAGE = pathlib.Path(bpkit.__file__).parent

HOMES = {
    "sigma_prime": "activations.py",
    "delta_recursion": "backprop.py",
    "l2_gradient": "backprop.py",
    "l2_penalty": "costs.py",
    "output_error": "costs.py",
    "layer_sums": "backprop.py",
    "central_difference": "gradcheck.py",
    "sgd_update": "optim.py",
}

#: Packages that write formulas on purpose, and why. The exercise checks hold each part's planted
#: mistakes (a *wrong* formula in the learner's own terms, e.g. ``z * (1 - z)`` or ``delta.T @ a``, to
#: recognize a learner's answer) and the references of rules no lesson computes (exercise 9's
#: tanh layer, SiLU, softmax with a temperature), so their formulas are not copies of the core's.
DELIBERATE = {
    "checks/": "the exercise checks: planted mistakes and references for rules the core does not have",
}

_WEIGHT = re.compile(r"^(W|Ws|W_\w*|W\d+|w|weights|Theta\d*|theta\d*|Thetas)$")
_BIAS = re.compile(r"^(b|bs|b_\w*|b\d+|biases)$")
_TARGET = re.compile(r"^(y|Y|y_\w*|Y_\w*|Yb|yb|targets?)$")
_RATE = re.compile(r"^(lr|eta|learning_rate|alpha|step_size)$")
_LAM = re.compile(r"lam")
_SUMS = {"sum", "vdot", "dot"}


def _ident(node):
    """The name a value is known by: ``W`` for ``W``, ``self.W``, ``W[k]``, ``Ws[k][i]``; else None."""
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _call_name(node):
    if isinstance(node, ast.Call):
        return _ident(node.func)
    return None


def _same(a, b):
    return ast.dump(a) == ast.dump(b)


def _is_one(node):
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == 1


def _is_two(node):
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == 2


def _factors(node):
    """The factors of a product ``x * y * z`` (parentheses and nesting flattened)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _factors(node.left) + _factors(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _factors(node.left)  # lam / m * W: lam is still a factor
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _factors(node.operand)
    return [node]


def _is_square(node):
    """``x ** 2`` or ``x * x``: return x, else None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _is_two(node.right):
        return node.left
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and _same(node.left, node.right):
        return node.left
    return None


def _transposed(node):
    """``x.T`` or a name ending in ``_T`` (a transposed view made once)."""
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return True
    name = _ident(node)
    return bool(name and name.endswith("_T"))


def _out_arg(call):
    """The array a numpy ufunc call writes into: its third positional argument or ``out=``."""
    if len(call.args) >= 3:
        return call.args[2]
    for kw in call.keywords:
        if kw.arg == "out":
            return kw.value
    return None


def _fingerprints(node):
    """The fingerprint names one AST node matches (usually none)."""
    found = []
    if isinstance(node, ast.BinOp):
        op = node.op
        if isinstance(op, ast.Mult):
            factors = _factors(node)
            # sigma': x * (1 - x), in any order, inside any product
            for f in factors:
                if isinstance(f, ast.BinOp) and isinstance(f.op, ast.Sub) and _is_one(f.left):
                    if any(g is not f and _same(g, f.right) for g in factors):
                        found.append("sigma_prime")
                        break
            # delta recursion: (delta @ W.T) * slope
            for f in factors:
                if isinstance(f, ast.BinOp) and isinstance(f.op, ast.MatMult) and _transposed(f.right):
                    found.append("delta_recursion")
                    break
                if _call_name(f) in ("matmul", "dot") and len(f.args) >= 2 and _transposed(f.args[1]):
                    found.append("delta_recursion")
                    break
            # L2 gradient: lam * W
            names = [_ident(f) for f in factors]
            if any(n and _LAM.search(n) for n in names) and any(n and _WEIGHT.match(n) for n in names):
                found.append("l2_gradient")
        elif isinstance(op, ast.Sub):
            # tanh': 1 - a**2 or 1 - a * a
            if _is_one(node.left) and _is_square(node.right) is not None:
                found.append("sigma_prime")
            # output error: a - y
            if _TARGET.match(_ident(node.right) or "") and not isinstance(node.left, ast.Constant):
                found.append("output_error")
            # SGD update written out: w - lr * g
            if any(_RATE.match(_ident(f) or "") for f in _factors(node.right)) and isinstance(node.right, ast.BinOp):
                found.append("sgd_update")
        elif isinstance(op, ast.MatMult):
            if _transposed(node.left):
                found.append("layer_sums")
        elif isinstance(op, ast.Div):
            # central difference: (plus - minus) / (2 * eps)
            if isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Sub):
                if any(_is_two(f) for f in _factors(node.right)) and isinstance(node.right, ast.BinOp):
                    found.append("central_difference")
    elif isinstance(node, ast.AugAssign):
        if isinstance(node.op, ast.Sub) and any(_RATE.match(_ident(f) or "") for f in _factors(node.value)):
            found.append("sgd_update")
    elif isinstance(node, ast.Call):
        name = _call_name(node)
        args = node.args
        if name in _SUMS and args:
            inner = _is_square(args[0])
            if inner is not None and _WEIGHT.match(_ident(inner) or ""):
                found.append("l2_penalty")
            if name in ("vdot", "dot") and len(args) == 2 and _same(args[0], args[1]) and _WEIGHT.match(_ident(args[0]) or ""):
                found.append("l2_penalty")
        if name == "subtract" and len(args) >= 2:
            if _is_one(args[0]):
                found.append("sigma_prime")  # 1 - a in place: the sigmoid's slope
            if _TARGET.match(_ident(args[1]) or ""):
                found.append("output_error")
            out = _out_arg(node)
            target = _ident(args[0]) or ""
            if out is not None and _same(out, args[0]) and (_WEIGHT.match(target) or _BIAS.match(target)):
                found.append("sgd_update")  # W <- W - step, in place
        if name in ("matmul", "dot") and len(args) >= 2:
            if _transposed(args[0]):
                found.append("layer_sums")
            elif _transposed(args[1]) and _out_arg(node) is not None:
                found.append("delta_recursion")  # delta(l) = delta(l+1) @ W.T, in place (times the slope next)
    return found


class _Finder(ast.NodeVisitor):
    def __init__(self):
        self.stack = ["<module>"]
        self.hits = []  # (fingerprint, function, line)

    def _scope(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def generic_visit(self, node):
        for fp in _fingerprints(node):
            self.hits.append((fp, self.stack[-1], getattr(node, "lineno", 0)))
        super().generic_visit(node)


def find_formulas(source):
    """Every fingerprint in ``source``: a list of ``(fingerprint, enclosing function, line)``."""
    finder = _Finder()
    finder.visit(ast.parse(source))
    return finder.hits


def misplaced(module, source):
    """The fingerprints of ``source`` (module path relative to bpkit/) that are outside their home."""
    if any(module.startswith(package) for package in DELIBERATE):
        return []
    return [(fp, fn, line) for fp, fn, line in find_formulas(source) if HOMES[fp] != module]


def _modules():
    return sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))


# ------------------------------------------------------------------ the package
def test_every_formula_lives_in_its_home():
    wrong = []
    for module in _modules():
        for fp, fn, line in misplaced(module, (PACKAGE / module).read_text()):
            wrong.append(f"bpkit/{module}:{line} in {fn}(): {fp} is written out here; call it from "
                         f"bpkit/{HOMES[fp]} instead")
    assert not wrong, "\n".join(wrong)


def test_each_home_holds_its_formulas():
    """The detector is not blind: every fingerprint is found in its home module."""
    seen = {fp for module in set(HOMES.values())
            for fp, _, _ in find_formulas((PACKAGE / module).read_text())}
    assert seen == set(HOMES), f"not found in their homes: {sorted(set(HOMES) - seen)}"


def test_deliberate_packages_still_write_formulas():
    """Each DELIBERATE package really holds written-out formulas: a stale exemption would hide future copies."""
    for package in DELIBERATE:
        found = [fp for p in sorted((PACKAGE / package).rglob("*.py")) for fp, _, _ in find_formulas(p.read_text())]
        assert found, f"bpkit/{package} writes no formula any more: remove it from DELIBERATE"


# ----------------------------------------------- the detector on pasted copies
PASTED = {
    "sigma_prime": ["s = a * (1 - a)", "s = a * (1.0 - a)", "d = (a - y) * a * (1 - a)", "s = 1 - a ** 2",
                    "s = 1.0 - a * a", "np.subtract(1.0, a, out=s)", "s = sigmoid(z) * (1 - sigmoid(z))"],
    "delta_recursion": ["d = (delta @ W.T) * f_prime", "d = slope * (delta @ net.weights[k].T)",
                        "d = np.dot(delta, W.T) * s", "np.matmul(delta, Ws_T[k], out)"],
    "l2_gradient": ["g = (Delta + lam * W) / m", "g = Delta / m + lam / m * W", "g = lam * net.weights[k] / m"],
    "l2_penalty": ["p = lam / (2 * m) * sum(np.sum(W ** 2) for W in net.weights)", "p = np.sum(W * W)",
                   "p = np.vdot(W, W)"],
    "output_error": ["delta = a - y", "delta = yhat - Y", "np.subtract(a_out, y, delta)",
                     "delta = trace.activations[-1] - Y"],
    "layer_sums": ["dW = a.T @ delta", "dW = np.dot(a.T, delta)", "np.matmul(a_T[k], delta[k], out)"],
    "central_difference": ["g = (f(x + eps) - f(x - eps)) / (2 * eps)", "g = (hi - lo) / (2.0 * h)"],
    "sgd_update": ["W -= lr * dW", "w, b = w - lr * gw, b - lr * gb", "net.weights[k] -= eta * g[k]",
                   "np.subtract(W, step_W, W)", "np.subtract(bs[k], step_b[k], out=bs[k])"],
}


@pytest.mark.parametrize("fp, line", [(fp, line) for fp, lines in PASTED.items() for line in lines])
def test_a_pasted_copy_is_caught_in_another_module(fp, line):
    source = textwrap.dedent(f"""
        import numpy as np

        def helper(net, X, a, y, Y, yhat, z, delta, Delta, W, Ws_T, a_T, a_out, lam, m, lr, eta, f, x, eps, h):
            {line}
    """)
    hits = misplaced("widgets/pasted.py", source)
    assert fp in {h[0] for h in hits}, f"{line!r} was not recognized as {fp}: {hits}"
    home = HOMES[fp]
    assert fp not in {h[0] for h in misplaced(home, source)}, "in its home the same line is fine"


def test_the_package_fails_when_a_copy_is_pasted_into_a_real_module():
    """The real check on a real module's source with one line pasted in: it fails, naming the line."""
    module = "deep.py"
    source = (PACKAGE / module).read_text() + "\n\ndef _slope(a):\n    return a * (1 - a)\n"
    hits = misplaced(module, source)
    assert [h[:2] for h in hits] == [("sigma_prime", "_slope")]


@pytest.mark.parametrize("line", [
    "s = sigmoid_prime(z)", "d = send_back(delta, W, slope(act, z, a))", "x = 1 - p",
    "r = a - b", "J = (hi + lo) / 2", "g = average(DW, Db, W, b, lam, m)", "n = lr * lam / n",
    "q = x.T", "v = np.subtract(a, b, out)", "total = np.sum(g * g)", "s = 1 - min(0.5, 30 / n)",
    "y = 2 * x - 1",
])
def test_calls_and_lookalikes_are_not_flagged(line):
    assert find_formulas(f"def f():\n    {line}\n") == []
