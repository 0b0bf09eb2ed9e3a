"""The code's shape, as issue "one backward pass" promises it: each formula in one place.

* no matrix product in ``bpkit/widgets/`` or ``bpkit/plots/`` (views only draw);
* at most two in the planted bugs (each is backprop with one rule changed);
* no module of ``bpkit/`` over 700 lines;
* ``benchmarks/`` times only public names of bpkit.
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PKG = ROOT / "bpkit"
PRODUCT_FUNCS = {"dot", "matmul", "einsum", "tensordot", "inner", "outer", "vdot", "kron"}


def products(path):
    """(line, what) of every matrix product in a Python file: ``@``, ``@=``, np.dot/matmul/..., ``x.dot(...)``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.MatMult):
            found.append((node.lineno, "@"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PRODUCT_FUNCS:
            found.append((node.lineno, node.func.attr))
    return found


def test_the_product_finder_finds_products(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import numpy as np\na = b @ c\nd = np.dot(a, b)\ne = a.dot(b)\nf = np.einsum('ij,jk', a, b)\ng @= h\n")
    assert sorted(w for _, w in products(f)) == ["@", "@", "dot", "dot", "einsum"]


@pytest.mark.parametrize("folder", ["widgets", "plots"])
def test_views_compute_no_matrix_products(folder):
    found = {p.name: products(p) for p in sorted((PKG / folder).glob("*.py"))}
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_planted_bugs_hold_at_most_two_products():
    found = products(PKG / "buggy.py")
    assert len(found) <= 2, found


def test_no_module_over_700_lines():
    long = {str(p.relative_to(ROOT)): n for p in PKG.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 700}
    assert not long, long


def _private_bpkit_uses(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    bpkit_names = set()
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "bpkit":
                    bpkit_names.add((a.asname or a.name).split(".")[0])
                    if any(part.startswith("_") for part in a.name.split(".")):
                        bad.append((node.lineno, a.name))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bpkit":
            if any(part.startswith("_") for part in node.module.split(".")):
                bad.append((node.lineno, node.module))
            for a in node.names:
                bpkit_names.add(a.asname or a.name)
                if a.name.startswith("_"):
                    bad.append((node.lineno, a.name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in bpkit_names:
                bad.append((node.lineno, node.attr))
    return bad


def test_benchmarks_use_only_public_bpkit_names():
    found = {p.name: _private_bpkit_uses(p) for p in sorted((ROOT / "benchmarks").glob("*.py"))}
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_the_private_name_finder_finds_them(tmp_path):
    f = tmp_path / "b.py"
    f.write_text("import bpkit\nfrom bpkit.optim import _make_step\nfrom bpkit import _validate\n"
                 "x = bpkit.optim._Buffers\nimport numpy as np\ny = np._core\n")
    assert sorted(name for _, name in _private_bpkit_uses(f)) == ["_Buffers", "_make_step", "_validate"]
