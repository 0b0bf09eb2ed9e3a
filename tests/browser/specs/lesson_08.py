"""Browser spec for lesson 8: the init panel (||dJ/dW(1)|| of a sigmoid network with `slider` hidden layers)."""
import functools

NOTEBOOK = "lessons/08_deep_networks.ipynb"
PANEL_CSS = "bpkit-init"
READOUT_CSS = "bpkit-grad-first"
FIGURE = True


@functools.lru_cache(maxsize=1)
def _batch():
    # the lesson's setup: the first 500 training digits, one-hot targets
    import bpkit

    digits = bpkit.load_digits()
    return digits.X_train[:500], bpkit.one_hot(digits.labels_train[:500], 10)


def expected(slider_value: float) -> float:
    """||dJ/dW(1)|| at initialization of 784-32x(depth)-10, sigmoid, the default init, on the batch."""
    import numpy as np

    import bpkit
    from bpkit import deep

    X, Y = _batch()
    net = deep.deep_network(784, 32, int(round(slider_value)), 10, activation="sigmoid", init="lecun")
    dW, _ = bpkit.backprop(net, X, Y, kind="cross_entropy")
    return float(np.linalg.norm(dW[0]))
