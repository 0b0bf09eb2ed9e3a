"""Browser spec for lesson 8's depth-vs-width panel: test accuracy of the network the slider picks."""
import functools

NOTEBOOK = "lessons/08_deep_networks.ipynb"
PANEL_CSS = "bpkit-shapes"
READOUT_CSS = "bpkit-test-acc"
FIGURE = True


@functools.lru_cache(maxsize=1)
def _results():
    # the lesson's setup: a spiral centred to [-2, 2], five ReLU/He shapes of at most 150 parameters
    import bpkit
    from bpkit import deep

    X, labels = bpkit.make_spiral(n=300, seed=0)
    X_test, labels_test = bpkit.make_spiral(n=1000, seed=1)
    X, X_test = 4 * (X - 0.5), 4 * (X_test - 0.5)
    return deep.train_shapes(X, labels, X_test, labels_test, depths=(1, 2, 3, 4, 6), budget=150, epochs=150,
                             batch_size=10, lr=0.1, activation="relu", init="he")


def expected(slider_value: float) -> float:
    """Test accuracy of network number `slider_value` (0 = one hidden layer), trained as the lesson trains it."""
    return float(_results()[int(round(slider_value))].test_accuracy)
