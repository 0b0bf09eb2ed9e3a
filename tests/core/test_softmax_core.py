"""softmax, log_softmax and the softmax cross-entropy cost (lesson 9): against central differences in float64."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpkit.activations import log_softmax, softmax
from bpkit.costs import SoftmaxCrossEntropyCost, check_targets

shapes = st.tuples(st.integers(1, 6), st.integers(1, 7))


def _central(f, z, eps=1e-6):
    """d f / d z by central differences, entry by entry (f returns a number)."""
    g = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        old = z[idx]
        z[idx] = old + eps
        hi = f(z)
        z[idx] = old - eps
        lo = f(z)
        z[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([0.1, 1.0, 5.0]))
def test_softmax_rows_are_distributions_and_match_the_definition(shape, seed, scale):
    z = np.random.default_rng(seed).normal(0, scale, shape)
    p = softmax(z)
    assert p.shape == z.shape
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-14)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(log_softmax(z), np.log(p), rtol=1e-12, atol=1e-14)
    # adding a constant to a row changes nothing
    np.testing.assert_allclose(softmax(z + 123.0), p, rtol=1e-12, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_softmax_jacobian_matches_central_differences(shape, seed):
    """d softmax_k / d z_j = p_k (1[j = k] - p_j), row by row, against central differences."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, shape)
    p = softmax(z)
    v = rng.normal(0, 1, shape)  # a random direction to contract the output with
    numeric = _central(lambda zz: float(np.sum(v * softmax(zz))), z.copy())
    analytic = p * (v - np.sum(v * p, axis=-1, keepdims=True))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1), one_hot=st.booleans())
def test_softmax_cross_entropy_delta_is_the_gradient(shape, seed, one_hot):
    """J(z) = total / m; its gradient by central differences is delta / m = (softmax(z) - y) / m."""
    rng = np.random.default_rng(seed)
    m, k = shape
    z = rng.normal(0, 3, shape)
    if one_hot:
        Y = np.eye(k)[rng.integers(0, k, m)]
    else:
        Y = rng.dirichlet(np.ones(k), m)
    C = SoftmaxCrossEntropyCost
    check_targets(C.name, Y)
    a = softmax(z)
    J = C.total(z, a, Y) / m
    assert J == pytest.approx(float(np.sum(C.fn(a, Y))) / m, rel=1e-12, abs=1e-15)
    assert J == pytest.approx(-float(np.sum(Y * np.log(a))) / m, rel=1e-12, abs=1e-15)
    numeric = _central(lambda zz: C.total(zz, None, Y) / m, z.copy())
    np.testing.assert_allclose(C.delta(z, a, Y) / m, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(C.delta(z, a, Y), a - Y, rtol=0, atol=0)


def test_dC_da_is_the_partial_derivative_of_fn():
    rng = np.random.default_rng(3)
    a = rng.uniform(0.05, 0.95, (4, 3))
    Y = rng.dirichlet(np.ones(3), 4)
    C = SoftmaxCrossEntropyCost
    h = 1e-6
    np.testing.assert_allclose(C.dC_da(a, Y), (C.fn(a + h, Y) - C.fn(a - h, Y)) / (2 * h), rtol=1e-6)


def test_stable_at_plus_minus_1000():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p, lp = softmax(z), log_softmax(z)
        Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
        J = SoftmaxCrossEntropyCost.total(z, p, Y)
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(lp[0], [0.0, -2000.0, -1000.0])
    np.testing.assert_allclose(p[2], [1 / 3] * 3)
    e = np.exp(-1.0)
    np.testing.assert_allclose(lp[1], [-1 - np.log(1 + 2 * e) + 0, -1 - np.log(1 + 2 * e), -np.log(1 + 2 * e)],
                               rtol=1e-14)
    # 2000 (row 0 wants the unit at -1000) + (1 + log(1 + 2/e)) + log 3
    assert J == pytest.approx(2000.0 + 1.0 + np.log(1 + 2 * e) + np.log(3.0), rel=1e-14)
    assert np.isfinite(J)


def test_one_example_and_higher_rank_work_row_by_row():
    np.testing.assert_allclose(softmax([0.0, 0.0]), [0.5, 0.5])
    np.testing.assert_allclose(softmax([[[1.0, 2.0]], [[3.0, 3.0]]])[1, 0], [0.5, 0.5])
    assert softmax([5.0]).tolist() == [1.0]  # one class: probability 1


def test_nan_in_nan_out_and_input_not_changed():
    z = np.array([[0.0, np.nan], [1.0, 2.0]])
    keep = z.copy()
    p = softmax(z)
    assert np.all(np.isnan(p[0])) and np.all(np.isfinite(p[1]))
    np.testing.assert_array_equal(z, keep)


@pytest.mark.parametrize("fn", [softmax, log_softmax])
@pytest.mark.parametrize("bad, exc, words", [
    (3.0, ValueError, r"z must have rows to normalize: .* got shape \(\)"),
    (np.zeros((2, 0)), ValueError, r"got shape \(2, 0\)"),
    ("1, 2", TypeError, "z must be an array of real numbers"),
    (None, TypeError, "z must be an array of real numbers, got NoneType"),
    ([1 + 2j, 0], TypeError, "z must be an array of real numbers"),
])
def test_bad_input_is_refused_by_name(fn, bad, exc, words):
    with pytest.raises(exc, match=words):
        fn(bad)


def test_targets_must_be_distributions():
    check_targets("softmax_cross_entropy", np.eye(3))
    with pytest.raises(ValueError, match=r"each row of Y to be a probability distribution .* row 1 summing to 2"):
        check_targets("softmax_cross_entropy", np.array([[1.0, 0.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy needs targets in \[0, 1\]"):
        check_targets("softmax_cross_entropy", np.array([[2.0, -1.0]]))
