"""Browser spec for lesson 4: the Delta-accumulation panel."""
import functools

NOTEBOOK = "lessons/04_delta_accumulation.ipynb"
PANEL_CSS = "bpkit-delta-steps"
READOUT_CSS = "bpkit-delta-size"
FIGURE = True


@functools.lru_cache(maxsize=1)
def _totals():
    # the lesson's setup: six moons, a 2-3-1 network with seed 1, quadratic cost
    import bpkit
    from bpkit import widgets

    X, labels = bpkit.make_moons(n=6, seed=0)
    Y = labels[:, None].astype(float)
    totals, _ = widgets.delta_history(bpkit.Network([2, 3, 1], seed=1), X, Y)
    return totals


def expected(slider_value: float) -> float:
    """sqrt(sum of squares of every Delta(l)) after `slider_value` examples were added."""
    import numpy as np

    T = _totals()[int(round(slider_value)) - 1]
    return float(np.sqrt(sum(np.sum(D * D) for D in T)))
