"""Browser spec for lesson 4's digit panel: the desired change of the right output, digit by digit."""
import functools

NOTEBOOK = "lessons/04_delta_accumulation.ipynb"
PANEL_CSS = "bpkit-digit-nudges"
READOUT_CSS = "bpkit-right-output"
FIGURE = True


@functools.lru_cache(maxsize=1)
def _nudges():
    # the lesson's setup: 784-16-16-10 after one epoch on 2,000 digits, the first 12 test digits
    import bpkit
    from bpkit import insight

    digits = bpkit.load_digits()
    guess = bpkit.Network([784, 16, 16, 10], seed=0)
    bpkit.sgd(guess, digits.X_train[:2000], bpkit.one_hot(digits.labels_train[:2000], 10),
              epochs=1, batch_size=10, lr=3.0, seed=0)
    labels = digits.labels_test[:12]
    return insight.digit_nudges(guess, digits.X_test[:12], bpkit.one_hot(labels, 10)), labels


def expected(slider_value: float) -> float:
    """y - a of the right class's output for digit number `slider_value` (1-based)."""
    n, labels = _nudges()
    i = int(round(slider_value)) - 1
    return float(n.output_change[i, labels[i]])
