"""Browser spec for lesson 7: the epsilon panel (relative error at eps = 10**slider)."""
import functools

NOTEBOOK = "lessons/07_gradient_checking.ipynb"
PANEL_CSS = "bpkit-epsilon"
READOUT_CSS = "bpkit-rel-error"
FIGURE = True


@functools.lru_cache(maxsize=1)
def _panel():
    # the lesson's setup: six moons, a 2-3-1 network with seed 1 and first-layer biases set
    import bpkit
    from bpkit import widgets

    X, labels = bpkit.make_moons(n=6, seed=0)
    Y = labels[:, None].astype(float)
    small = bpkit.Network([2, 3, 1], seed=1)
    small.biases[0][:] = [0.1, -0.2, 0.3]
    return widgets.epsilon_panel(small, X, Y, use_ipympl=True)


def expected(slider_value: float) -> float:
    """Relative error between backprop and central differences with eps = 10**slider_value."""
    p = _panel()
    return float(p.errors[p.index(slider_value)])
