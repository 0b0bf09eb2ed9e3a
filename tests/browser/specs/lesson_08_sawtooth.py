"""Browser spec for lesson 8's sawtooth panel: linear pieces of the tent composed `slider` times."""
NOTEBOOK = "lessons/08_deep_networks.ipynb"
PANEL_CSS = "bpkit-sawtooth"
READOUT_CSS = "bpkit-pieces"
FIGURE = True


def expected(slider_value: float) -> float:
    """2^k pieces for k layers of two ReLU units (the lesson checks that the grid count agrees)."""
    return float(2 ** int(round(slider_value)))
