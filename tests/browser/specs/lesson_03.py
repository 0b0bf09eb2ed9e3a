"""Browser spec for lesson 3: the tangent panel's z slider and its slope readout sigma'(z)."""
import bpkit

NOTEBOOK = "lessons/03_sigmoid_derivative.ipynb"
PANEL_CSS = "bpkit-sigmoid-tangent"
READOUT_CSS = "bpkit-slope"
FIGURE = True


def expected(slider_value: float) -> float:
    """sigma'(z) for z = ``slider_value`` (the panel starts on the sigmoid)."""
    return float(bpkit.sigmoid_prime(slider_value))
