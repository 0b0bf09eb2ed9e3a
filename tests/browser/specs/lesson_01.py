"""Browser spec for lesson 1: the weight-nudge panel's first slider and its cost readout."""
import numpy as np

import bpkit

NOTEBOOK = "lessons/01_cost.ipynb"
PANEL_CSS = "bpkit-weight-nudge"
READOUT_CSS = "bpkit-cost"
FIGURE = True


def expected(slider_value: float) -> float:
    """The cost after the first slider (W(1)[0,0]) is set to ``slider_value``.

    Rebuilt as the lesson builds the panel: ``sleep_study()`` data,
    ``Network([2, 3, 1], seed=3)``, quadratic cost, nothing changed before,
    then every weight rounded to the sliders' step of 0.01 as the panel does.
    """
    X, Y, *_ = bpkit.sleep_study()
    net = bpkit.Network([2, 3, 1], seed=3)
    net.weights = [np.round(W / 0.01) * 0.01 for W in net.weights]
    net.weights[0][0, 0] = slider_value
    return bpkit.cost(net, X, Y, kind="quadratic")
