import numpy as np
import pytest

import bpkit


def test_shapes_follow_the_course_notation():
    net = bpkit.Network([2, 3, 1])
    assert [W.shape for W in net.weights] == [(2, 3), (3, 1)]
    assert [b.shape for b in net.biases] == [(3,), (1,)]
    zs, acts = net.forward(np.ones((5, 2)))
    assert zs[0] is None
    assert [a.shape for a in acts] == [(5, 2), (5, 3), (5, 1)]
    assert [z.shape for z in zs[1:]] == [(5, 3), (5, 1)]
    assert net.num_params() == 2 * 3 + 3 + 3 * 1 + 1


def test_forward_by_hand_on_sleep_study():
    X, Y, *_ = bpkit.sleep_study()
    net = bpkit.Network([2, 3, 1], seed=3)
    a2 = bpkit.sigmoid(X @ net.weights[0] + net.biases[0])
    yhat = bpkit.sigmoid(a2 @ net.weights[1] + net.biases[1])
    np.testing.assert_array_equal(net.predict(X), yhat)
    np.testing.assert_array_equal(net.predict(X[0]), yhat[:1])  # one example as a 1-D row


def test_seeded_init_is_reproducible_and_copy_is_independent():
    a, b = bpkit.Network([4, 5, 3], seed=7), bpkit.Network([4, 5, 3], seed=7)
    for Wa, Wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(Wa, Wb)
    c = a.copy()
    c.weights[0][0, 0] += 1.0
    c.biases[1][0] += 1.0
    assert a.weights[0][0, 0] != c.weights[0][0, 0]
    assert a.biases[1][0] == 0.0


def test_theta_round_trip_and_layout(rng):
    net = bpkit.Network([3, 4, 2], seed=1)
    net.biases = [rng.standard_normal(b.shape) for b in net.biases]
    thetas = net.to_thetas()
    assert [T.shape for T in thetas] == [(4, 4), (2, 5)]
    np.testing.assert_array_equal(thetas[0][:, 0], net.biases[0])
    np.testing.assert_array_equal(thetas[0][:, 1:], net.weights[0].T)
    back = bpkit.Network.from_thetas(thetas)
    assert back.sizes == net.sizes
    X = rng.standard_normal((6, 3))
    np.testing.assert_allclose(back.predict(X), net.predict(X), rtol=0, atol=0)
    # Ng's forward: a(l+1) = g([1, a(l)] @ Theta(l).T)
    a = X
    for T in thetas:
        a = bpkit.sigmoid(np.hstack([np.ones((a.shape[0], 1)), a]) @ T.T)
    np.testing.assert_allclose(a, net.predict(X), rtol=1e-14)


@pytest.mark.parametrize(
    "sizes, exc, words",
    [
        ([3], ValueError, "at least an input and an output"),
        ([2, 0, 1], ValueError, "integer >= 1"),
        ([2, 2.5, 1], ValueError, "integer >= 1"),
        ("231", TypeError, "list of layer sizes"),
        (5, TypeError, "list of layer sizes"),
    ],
)
def test_bad_sizes(sizes, exc, words):
    with pytest.raises(exc, match=words):
        bpkit.Network(sizes)


def test_bad_activation_and_seed():
    with pytest.raises(ValueError, match=r"activation must be one of \['relu', 'sigmoid', 'tanh'\], got 'softmax'"):
        bpkit.Network([2, 1], activation="softmax")
    with pytest.raises(TypeError, match="seed"):
        bpkit.Network([2, 1], seed=1.5)


def test_forward_bad_inputs_name_expected_and_actual():
    net = bpkit.Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"X must have 2 columns \(shape \(m, 2\)\), got shape \(4, 3\)"):
        net.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"X must be 2-D with shape \(m, 2\) \(rows are examples\), or \(2,\) for one example; got shape \(2, 2, 2\)"):
        net.forward(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"NaN or inf \(first at index \(1, 0\)\)"):
        net.forward([[1.0, 2.0], [np.nan, 0.0]])
    with pytest.raises(TypeError, match="array of numbers"):
        net.forward([["a", "b"]])


def test_hand_set_weights_with_wrong_shape_are_caught():
    net = bpkit.Network([2, 3, 1])
    net.weights[0] = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"weights\[0\] \(W\(1\)\) must have shape \(2, 3\), got \(3, 2\)"):
        net.predict(np.ones((1, 2)))


def test_from_thetas_bad_chain():
    with pytest.raises(ValueError, match=r"thetas\[1\] must have 4 columns"):
        bpkit.Network.from_thetas([np.ones((3, 3)), np.ones((1, 3))])
    with pytest.raises(TypeError, match="non-empty list"):
        bpkit.Network.from_thetas(np.ones((3, 3)))


def test_trace_is_the_checked_forward_pass():
    net = bpkit.Network([2, 3, 1], seed=3)
    X = np.random.default_rng(0).normal(size=(4, 2))
    t, f = net.trace(X), net.forward(X)
    assert all(np.array_equal(a, b) for a, b in zip(t.activations, f.activations))
    assert t.zs[0] is None and all(np.array_equal(a, b) for a, b in zip(t.zs[1:], f.zs[1:]))
    net.activation = "softmax"
    with pytest.raises(ValueError, match=r"net.activation must be one of \['relu', 'sigmoid', 'tanh'\], got 'softmax'"):
        net.trace(X)
    net.activation = "tanh"
    net.weights[1] = np.ones((2, 1))
    with pytest.raises(ValueError, match=r"W\(2\)\) must have shape \(3, 1\), got \(2, 1\)"):
        net.trace(X)


def test_the_net_argument_is_checked_before_anything_else():
    X, Y = np.zeros((2, 2)), np.zeros((2, 1))
    for fn in (bpkit.cost, bpkit.backprop, bpkit.backprop_loop, bpkit.gradient_check):
        with pytest.raises(TypeError, match="net must be a bpkit.Network, got NoneType"):
            fn(None, X, Y)
    with pytest.raises(TypeError, match="net must be a bpkit.Network, got list"):
        bpkit.accuracy([np.zeros((2, 1))], X, [0, 1])
