"""One definition of a saturated unit (activations.saturated), used by lesson 6's and lesson 8's numbers."""
import numpy as np
import pytest

import bpkit
from bpkit import deep
from bpkit.activations import ACTIVATIONS, SATURATION, saturated


@pytest.mark.parametrize("name, peak", [("sigmoid", 0.25), ("tanh", 1.0), ("relu", 1.0)])
def test_saturated_means_a_slope_below_one_percent_of_the_peak(name, peak):
    act = ACTIVATIONS[name]
    assert act.max_slope == peak
    z = np.linspace(-12, 12, 2001)
    a = act.fn(z)
    np.testing.assert_array_equal(saturated(name, a), act.prime(z) < SATURATION * peak)


def test_sigmoid_threshold_is_0_0025():
    a = np.array([0.5, 0.9974, 0.9976, 0.0024, 0.0026])  # a(1 - a): 0.25, 0.002593, 0.002394, 0.002394, 0.002593
    assert saturated("sigmoid", a).tolist() == [False, False, True, True, False]


def test_saturated_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match=r"activation must be one of \['relu', 'sigmoid', 'tanh'\], got 'softmax'"):
        saturated("softmax", [0.5])
    with pytest.raises(TypeError, match="a must be an array of real numbers"):
        saturated("sigmoid", "0.5")


def test_layer_stats_counts_with_the_same_definition():
    rng = np.random.default_rng(0)
    net = bpkit.Network([4, 6, 5, 2], seed=3, activation="tanh", init="normal", init_scale=3.0)
    X, Y = rng.normal(size=(40, 4)), rng.uniform(0, 1, (40, 2))
    stats = deep.layer_stats(net, X, Y)
    hidden = net.trace(X).activations[1:-1]
    np.testing.assert_array_equal(stats.saturated, [np.mean(saturated("tanh", a)) for a in hidden])
    assert 0 < stats.saturated.max() < 1  # the scale makes some units saturate, not all
