"""Browser spec for lesson 2: the chain-rule panel's w slider and its cost readout C."""
import numpy as np

import bpkit

NOTEBOOK = "lessons/02_chain_rule.ipynb"
PANEL_CSS = "bpkit-chain-rule"
READOUT_CSS = "bpkit-cost"
FIGURE = True


def expected(slider_value: float) -> float:
    """C = (a - y)**2 / 2 of the lesson's one neuron after its weight w is set to ``slider_value``.

    Rebuilt as the lesson builds the panel: ``Network([1, 1])`` with b = -0.5,
    input x = 1.5, target y = 0.2.
    """
    neuron = bpkit.Network([1, 1])
    neuron.weights[0][0, 0] = slider_value
    neuron.biases[0][0] = -0.5
    return bpkit.cost(neuron, np.array([[1.5]]), np.array([[0.2]]), kind="quadratic")
