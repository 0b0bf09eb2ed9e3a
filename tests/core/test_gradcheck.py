import numpy as np
import pytest

import bpkit
from problems import random_problem


def test_numerical_gradient_of_a_known_function():
    p = np.array([1.0, -2.0, 0.5])
    q = np.array([[3.0, 4.0]])
    g = bpkit.numerical_gradient(lambda: float(np.sum(p**3) + np.sum(np.sin(q))), [p, q])
    np.testing.assert_allclose(g[0], 3 * p**2, rtol=1e-9)
    np.testing.assert_allclose(g[1], np.cos(q), rtol=1e-8)
    np.testing.assert_array_equal(p, [1.0, -2.0, 0.5])  # put back after nudging


def test_relative_error():
    a = np.array([1.0, 2.0])
    assert bpkit.relative_error(a, a) == 0.0
    assert bpkit.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert bpkit.relative_error(a, -a) == float("inf")
    b = np.array([1.0, 2.1])
    assert bpkit.relative_error(a, b) == pytest.approx(0.1 / np.linalg.norm([2.0, 4.1]))
    assert bpkit.relative_error([a, a], [a, b]) == pytest.approx(0.1 / np.linalg.norm([2, 4, 2, 4.1]))
    with pytest.raises(ValueError, match=r"shapes differ at position 0: \(2,\) vs \(3,\)"):
        bpkit.relative_error(a, np.ones(3))


def test_gradient_check_passes_for_backprop_and_catches_a_bug():
    rng = np.random.default_rng(0)
    net, X, Y = random_problem(rng, [3, 4, 2], 5, "cross_entropy")
    report = bpkit.gradient_check(net, X, Y, kind="cross_entropy", lam=0.5)
    assert report.passed and report.max_error < 1e-7
    assert [r.name for r in report.rows] == ["W(1)", "W(2)", "b(1)", "b(2)"]
    assert "all gradients agree" in str(report)

    def forgot_one_over_m(net, X, Y, kind, lam):
        dW, db = bpkit.backprop(net, X, Y, kind=kind, lam=lam)
        return [g * len(X) for g in dW], db

    bad = bpkit.gradient_check(net, X, Y, kind="cross_entropy", lam=0.5, grad_fn=forgot_one_over_m)
    assert not bad.passed
    assert bad["W(1)"].rel_error > 1e-3 and bad["b(1)"].ok
    assert "WRONG" in str(bad)


def test_numerical_gradient_bad_inputs():
    with pytest.raises(TypeError, match="function of no arguments"):
        bpkit.numerical_gradient(3.0, [np.ones(2)])
    with pytest.raises(TypeError, match=r"params\[0\] must be a float64 ndarray"):
        bpkit.numerical_gradient(lambda: 0.0, [np.ones(2, dtype=np.int64)])
    with pytest.raises(ValueError, match="eps must be a positive number, got 0"):
        bpkit.numerical_gradient(lambda: 0.0, [np.ones(2)], eps=0)


def test_the_verdict_table_has_no_gaps():
    from bpkit.gradcheck import TOLERANCE, VERDICTS, verdict
    bounds = [b for b, _, _ in VERDICTS]
    assert bounds == sorted(bounds) and bounds[-1] == float("inf") and TOLERANCE == bounds[0] == 1e-7
    assert [verdict(x) for x in (0.0, 1e-11, 9.99e-8, 1e-7, 5e-6, 1e-5, 1e-3, 1.0, float("inf"), float("nan"))] == \
        ["right", "right", "right", "look closer", "look closer", "wrong", "wrong", "wrong", "wrong", "wrong"]
