"""Browser spec for lesson 9: the backward-pass stepping panel (size of all gradients after k steps)."""
NOTEBOOK = "lessons/09_computational_graphs.ipynb"
PANEL_CSS = "bpkit-graph-steps"
READOUT_CSS = "bpkit-grad-size"
FIGURE = True


def expected(slider_value: float) -> float:
    """sqrt(sum of squares of every node's gradient) after ``slider_value`` steps of the right pass.

    The lesson's panel steps ``bpkit.autograd.fork_example()`` (its default values) in topological
    order; the toggle stays on the right pass when the lesson has run.
    """
    import numpy as np

    from bpkit import autograd

    steps = autograd.backward_steps(autograd.fork_example().root, "topological")
    grads = steps[int(round(slider_value))].grads
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))  # computed here, not read
