"""Browser specs: one module ``lesson_NN.py`` per lesson, read by ``tests/browser/test_lab.py``.

Each module defines::

    NOTEBOOK = "lessons/01_cost.ipynb"   # path from the repository root
    PANEL_CSS = "bpkit-weight-nudge"     # CSS class of the panel whose FIRST .bpkit-slider is moved
    READOUT_CSS = "bpkit-cost"           # CSS class of the Readout that must change (looked up
                                         # inside the panel first, then in the whole notebook)
    FIGURE = True                        # the panel holds a LiveFigure (.bpkit-figure) to time
    def expected(slider_value: float) -> float: ...   # what bpkit computes for the readout

The harness runs the notebook top to bottom in JupyterLab, presses ArrowRight
(or ArrowLeft near the slider's maximum) on the slider, and compares the
readout's ``data-value`` with ``expected(value)`` for the exact value the slider
sent, within rel 1e-9 + abs 1e-12. ``expected`` must therefore reproduce the
notebook's state at the end of "run all" (same seeds, same data, same other
weights), with only the slider's parameter changed.

A trap to know when writing ``expected``: when JupyterLab renders a FloatSlider whose
value is not on its step grid (``min + k * step``), the slider snaps it to the grid
and sends the snapped value back to the kernel (measured: value 1.44314775 with
step 0.01 comes back as 1.4400000000000004). A panel that observes its sliders
therefore changes its model as soon as it is displayed in a browser, which never
happens under nbclient/nbval. Keep slider start values on the grid.

Modules are loaded by file path, so this folder does not need to be a package;
this file only documents the contract.
"""
