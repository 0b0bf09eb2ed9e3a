import numpy as np
import pytest

import bpkit


def test_sleep_study_scaling():
    d = bpkit.sleep_study()
    np.testing.assert_array_equal(d.X_raw, [[3, 5], [5, 1], [10, 2]])
    np.testing.assert_array_equal(d.Y_raw, [[75], [82], [93]])
    np.testing.assert_allclose(d.X, [[0.3, 1.0], [0.5, 0.2], [1.0, 0.4]])
    np.testing.assert_allclose(d.Y, [[0.75], [0.82], [0.93]])
    X, Y, *_ = d
    assert X.shape == (3, 2) and Y.shape == (3, 1)


def test_digits_bundle():
    d = bpkit.load_digits()
    assert d.X_train.shape == (8000, 784) and d.X_test.shape == (2000, 784)
    assert d.X_train.dtype == np.float64 and 0.0 <= d.X_train.min() and d.X_train.max() == 1.0
    assert set(np.unique(d.labels_train)) == set(range(10)) == set(np.unique(d.labels_test))
    assert np.all(np.bincount(d.labels_test) >= 130)  # stratified split: every class well represented
    # fixed split: no image is in both sets, and the same arrays come back every call
    train = {row.tobytes() for row in (d.X_train * 255).astype(np.uint8)}
    assert not any(row.tobytes() in train for row in (d.X_test * 255).astype(np.uint8))
    again = bpkit.load_digits(flatten=False)
    assert again.X_train.shape == (8000, 28, 28)
    np.testing.assert_array_equal(again.X_train.reshape(8000, -1), d.X_train)
    d.X_train[0, 0] = 5.0  # callers get fresh arrays: the bundle is not changed
    assert bpkit.load_digits().X_train[0, 0] != 5.0


@pytest.mark.parametrize("make", [bpkit.make_moons, bpkit.make_circles])
def test_generated_sets_are_seeded(make):
    X1, l1 = make(60, seed=3)
    X2, l2 = make(60, seed=3)
    X3, _ = make(60, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(l1, l2)
    assert not np.array_equal(X1, X3)
    assert X1.shape == (60, 2) and set(l1) == {0, 1} and np.bincount(l1).tolist() == [30, 30]


def test_noisy_sine():
    X, Y = bpkit.noisy_sine(12, seed=0)
    assert X.shape == Y.shape == (12, 1)
    assert np.all(np.diff(X[:, 0]) >= 0) and np.all((Y > 0) & (Y < 1))
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        bpkit.noisy_sine(0)


def test_one_hot_and_errors():
    np.testing.assert_array_equal(bpkit.one_hot([2, 0, 1], 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match=r"labels must lie in 0..2, got values from 0 to 3"):
        bpkit.one_hot([0, 3], 3)
    with pytest.raises(ValueError, match=r"labels must be 1-D.*got shape \(2, 1\)"):
        bpkit.one_hot([[0], [1]], 2)
    with pytest.raises(ValueError, match="whole class numbers"):
        bpkit.one_hot([0.5], 2)
    with pytest.raises(ValueError, match="k, the number of classes, must be an integer >= 1, got 0"):
        bpkit.one_hot([0], 0)


def test_accuracy():
    net = bpkit.Network([2, 3], seed=0)
    X = np.random.default_rng(0).standard_normal((50, 2))
    pred = net.predict(X).argmax(axis=1)
    assert bpkit.accuracy(net, X, pred) == 1.0
    assert bpkit.accuracy(net, X, (pred + 1) % 3) == 0.0
    with pytest.raises(ValueError, match="labels must have one entry per row of X: X has 50 rows, labels has 3"):
        bpkit.accuracy(net, X, [0, 1, 2])
    binary = bpkit.Network([2, 1], seed=0)
    labels = (binary.predict(X)[:, 0] >= 0.5).astype(int)
    assert bpkit.accuracy(binary, X, labels) == 1.0
