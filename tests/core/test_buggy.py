"""The planted bugs of lesson 7: gradient checking must catch every one.

On random small float64 networks the correct backprop agrees with central
differences to better than 1e-7 (relative error), and every planted bug is off
by more than 1e-3 -- a gap of four orders of magnitude that lesson 7 relies on.
"""
import inspect

import numpy as np
import pytest

import bpkit
from bpkit import buggy


def random_problem(seed, kind):
    """A random net with random (non-zero) biases and a small batch."""
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(2, 5)) for _ in range(int(rng.integers(3, 5)))]
    net = bpkit.Network(sizes, seed=seed)
    net.biases = [rng.normal(0.0, 0.5, b.shape) for b in net.biases]
    m = int(rng.integers(3, 8))
    X = rng.normal(0.0, 1.0, (m, sizes[0]))
    Y = rng.uniform(0.05, 0.95, (m, sizes[-1])) if kind == "quadratic" else \
        (rng.uniform(size=(m, sizes[-1])) < 0.5).astype(float)
    return net, X, Y


SEEDS = range(8)
KINDS = ["quadratic", "cross_entropy"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_correct_backprop_passes(seed, kind):
    net, X, Y = random_problem(seed, kind)
    report = bpkit.gradient_check(net, X, Y, kind=kind, lam=0.7)
    assert report.max_error < 1e-7, str(report)


@pytest.mark.parametrize("name", sorted(buggy.BUGS))
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_bug_is_caught(name, seed, kind):
    net, X, Y = random_problem(seed, kind)
    report = bpkit.gradient_check(net, X, Y, kind=kind, lam=0.7, grad_fn=buggy.BUGS[name])
    assert report.max_error > 1e-3, f"{name} slipped through:\n{report}"
    assert not report.passed


@pytest.mark.parametrize("name", sorted(buggy.BUGS))
def test_bugs_keep_shapes_and_do_not_change_the_network(name):
    net, X, Y = random_problem(3, "quadratic")
    before = [p.copy() for p in net.params()]
    dW, db = buggy.BUGS[name](net, X, Y, lam=0.5)
    assert [g.shape for g in dW] == [W.shape for W in net.weights]
    assert [g.shape for g in db] == [b.shape for b in net.biases]
    assert all(np.array_equal(a, b) for a, b in zip(before, net.params()))


@pytest.mark.parametrize("name", sorted(buggy.BUGS))
def test_each_bug_is_named_in_docstring_and_marked_in_code(name):
    fn = buggy.BUGS[name]
    assert fn.__doc__.startswith("Bug:")
    assert "# BUG:" in inspect.getsource(fn)
    assert list(inspect.signature(fn).parameters) == list(inspect.signature(bpkit.backprop).parameters)


def test_forgot_1_over_m_has_the_telltale_error():
    net, X, Y = random_problem(1, "quadratic")
    m = X.shape[0]
    report = bpkit.gradient_check(net, X, Y, grad_fn=buggy.backprop_forgot_1_over_m)
    for row in report.rows:
        assert row.rel_error == pytest.approx((m - 1) / (m + 1), rel=1e-6)


def test_regularized_bias_only_breaks_bias_rows_and_needs_lam():
    net, X, Y = random_problem(2, "quadratic")
    report = bpkit.gradient_check(net, X, Y, lam=1.0, grad_fn=buggy.backprop_regularized_bias)
    for row in report.rows:
        assert row.ok == row.name.startswith("W"), str(report)
    quiet = bpkit.gradient_check(net, X, Y, lam=0.0, grad_fn=buggy.backprop_regularized_bias)
    assert quiet.passed


def test_missing_sigma_prime_leaves_last_layer_right():
    net, X, Y = random_problem(4, "quadratic")
    report = bpkit.gradient_check(net, X, Y, grad_fn=buggy.backprop_missing_sigma_prime)
    L = len(net.weights)
    assert report[f"W({L})"].ok and report[f"b({L})"].ok
    assert not report["W(1)"].ok


def test_bugs_validate_inputs_like_backprop():
    net = bpkit.Network([2, 3, 1])
    with pytest.raises(ValueError, match="columns"):
        buggy.backprop_transposed(net, np.zeros((4, 3)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="kind"):
        buggy.backprop_forgot_1_over_m(net, np.zeros((4, 2)), np.zeros((4, 1)), kind="hinge")


def test_the_catalogue_names_one_changed_rule_per_bug():
    from bpkit.backprop import Rules
    assert set(buggy.CHANGED) == set(buggy.BUGS)
    assert set(buggy.CHANGED.values()) <= set(Rules._fields)


@pytest.mark.parametrize("kind", KINDS)
def test_planted_with_no_change_is_backprop_exactly(kind):
    net, X, Y = random_problem(5, kind)
    dW, db = buggy.planted(net, X, Y, kind, 0.3)
    ref = bpkit.backprop(net, X, Y, kind=kind, lam=0.3)
    assert all(np.array_equal(a, b) for a, b in zip(dW + db, ref.dW + ref.db))


@pytest.mark.parametrize("name", sorted(buggy.BUGS))
def test_each_bug_is_backprop_with_its_rule_replaced(name):
    """Putting the correct rule back into the changed slot gives backprop again: the bug is that rule only."""
    from bpkit.backprop import RULES
    net, X, Y = random_problem(6, "quadratic")
    rule = buggy.CHANGED[name]
    fixed = buggy.planted(net, X, Y, "quadratic", 0.4, **{rule: getattr(RULES, rule)})
    ref = bpkit.backprop(net, X, Y, lam=0.4)
    assert all(np.array_equal(a, b) for a, b in zip(fixed.dW + fixed.db, ref.dW + ref.db))
    src = inspect.getsource(buggy.BUGS[name])
    assert f"{rule}=" in src, f"{name} should change the rule {rule!r}"
