"""Browser spec for lesson 6: the descent panel (its first slider is the learning rate)."""
import functools

NOTEBOOK = "lessons/06_sgd.ipynb"
PANEL_CSS = "bpkit-descent"
READOUT_CSS = "bpkit-final-cost"
FIGURE = True


@functools.lru_cache(maxsize=1)
def _data():
    # the lesson's setup: 40 points around y = 1.5 x - 1, full batch, 20 epochs from (-1, 3)
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 3, 40)
    y = 1.5 * x - 1 + 0.3 * rng.standard_normal(40)
    return x, y


def expected(slider_value: float) -> float:
    """Cost at the end of 20 full-batch epochs with learning rate `slider_value`."""
    from bpkit import widgets

    x, y = _data()
    _, costs, _ = widgets.sgd_path(x, y, (-1.0, 3.0), float(slider_value), x.size, 20)
    return float(costs[-1])
