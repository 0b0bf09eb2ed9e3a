"""Browser spec for lesson 5: the lambda panel (test cost of the network trained with lambda)."""
import functools

NOTEBOOK = "lessons/05_regularization.ipynb"
PANEL_CSS = "bpkit-lambda"
READOUT_CSS = "bpkit-test-cost"
FIGURE = True


@functools.lru_cache(maxsize=1)
def _panel():
    # the lesson's setup: 8 noisy sine points, inputs mapped to [-3, 3], a 1-20-1 network
    import numpy as np

    import bpkit
    from bpkit import widgets

    x_raw, y = bpkit.noisy_sine(n=8, noise=0.1, seed=0)
    x_test_raw, y_test = bpkit.noisy_sine(n=200, noise=0.1, seed=1)
    x, x_test = 6 * (x_raw - 0.5), 6 * (x_test_raw - 0.5)
    return widgets.lambda_panel(bpkit.Network([1, 20, 1], seed=0), x, y, x_test, y_test,
                                log10_lams=np.arange(-4.0, -0.999, 0.25), epochs=5000, lr=3.0,
                                use_ipympl=True)


def expected(slider_value: float) -> float:
    """Test cost (without the penalty) of the network trained with lambda = 10**slider_value."""
    p = _panel()
    return float(p.test_costs[p.index(slider_value)])
