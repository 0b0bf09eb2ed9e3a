import warnings

import numpy as np
import pytest

import bpkit
from bpkit.activations import ACTIVATIONS


def test_sigmoid_prime_known_values():
    assert bpkit.sigmoid_prime(0) == 0.25
    got = bpkit.sigmoid_prime([-1, -0.5, 0, 0.5, 1])
    np.testing.assert_allclose(got, [0.196612, 0.235004, 0.25, 0.235004, 0.196612], atol=5e-7)


def test_sigmoid_matches_definition_and_symmetry():
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(bpkit.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15, atol=0)
    np.testing.assert_allclose(bpkit.sigmoid(-z), 1 - bpkit.sigmoid(z), rtol=0, atol=3e-16)


def test_sigmoid_no_overflow_warning_for_any_finite_z():
    z = np.array([-1e308, -1e5, -745.2, -709.8, -50, 0, 50, 709.8, 1e5, 1e308, np.finfo(float).max])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = bpkit.sigmoid(z)
        d = bpkit.sigmoid_prime(z)
    assert np.all((s >= 0) & (s <= 1))
    assert s[0] == 0.0 and s[-1] == 1.0
    assert np.all(np.isfinite(d))


def test_sigmoid_keeps_tiny_values_for_log():
    # exp(-z) formulation keeps sigma(-700) positive, so log(sigma) stays finite
    assert bpkit.sigmoid(-700.0) > 0
    assert np.isclose(np.log(bpkit.sigmoid(-700.0)), -700.0)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivatives_match_central_differences(name, rng):
    act = ACTIVATIONS[name]
    z = rng.uniform(-4, 4, 200)
    z = z[np.abs(z) > 1e-3]  # keep away from relu's kink
    h = 1e-6
    numeric = (act.fn(z + h) - act.fn(z - h)) / (2 * h)
    np.testing.assert_allclose(act.prime(z), numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(act.prime_from_a(act.fn(z)), act.prime(z), rtol=1e-12, atol=1e-15)


def test_shapes_are_kept():
    z = np.zeros((3, 4, 2))
    for act in ACTIVATIONS.values():
        assert act.fn(z).shape == z.shape and act.prime(z).shape == z.shape
