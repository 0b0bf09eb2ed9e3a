"""The lessons in a real JupyterLab, in headless Chromium (``pytest -m browser tests/browser``).

For every spec (the harness fixture, then ``specs/lesson_*.py``): open the
notebook in its own workspace, wait for an idle kernel, run all cells with
``notebook:run-all-cells``, require that no cell shows an error, press the arrow
key on the panel's first slider, require that the readout changes to what
``bpkit`` computes for the slider's new value after every press (and the figure
repaints, where the spec has one), and save screenshots to
``artifacts/screenshots/``. The test waits for those conditions and asserts no
duration: the latencies it measures are printed, and
``benchmarks/bench_widgets.py`` reports them against the targets.

Each notebook is opened and run once a session for every spec about it and for
``test_accessibility.py`` (``_visits.py``); the harness self-tests below make their
own visits to fixture notebooks, through the same code.
"""
import dataclasses
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _lab  # noqa: E402
import _visits  # noqa: E402

PRESSES = 15
_visits.want(presses=PRESSES)

SPEC_PATHS = _lab.discover_specs()
FIXTURE_ERROR = "tests/browser/fixture/fixture_error.ipynb"


@pytest.mark.browser
def test_kernelspec_is_this_interpreter(lab_server):
    names, default = lab_server.kernel_names()
    assert "python3" in names, f"the isolated server sees kernelspecs {names}, not python3"
    assert default == "python3"


@pytest.mark.browser
@pytest.mark.parametrize("spec_path", SPEC_PATHS, ids=[p.stem for p in SPEC_PATHS])
def test_lesson_in_jupyterlab(spec_path, lab_server, chromium, browser_specs):
    spec = _lab.load_spec(spec_path)
    visit = _visits.visit(spec.notebook, lab_server, chromium, browser_specs)
    # the accessibility test's keyboard checks ran on this page first: they must have left the panel as they found it
    before = visit["before"] if isinstance(visit["before"], dict) else {}
    moved = {key: how for key, how in before.get("disturbed", {}).items() if how["panel"] == spec.panel_css}
    assert not moved, (
        f"{spec.notebook}: the keyboard checks of test_accessibility.py, made on this same visit before the presses, "
        f"left .{spec.panel_css} changed, so the presses do not start where the lesson left the panel: {moved}"
    )
    result = _lab.spec_result(visit, spec)

    assert result["kernel"] == "python3", f"{spec.notebook} ran on kernel {result['kernel']!r}"
    assert not result["errors"], f"{spec.notebook} shows errors after run-all:\n" + "\n\n".join(
        f"--- cell:\n{src}\n--- error:\n{err}" for src, err in result["errors"]
    )

    # every figure on the page is a picture with something drawn in it, none a text repr (issue 22)
    figures = result["figures"]
    assert not figures["bare"], f"{spec.notebook} shows figures as text: {figures['bare']}"
    not_drawn = [f for f in figures["figures"] if f["state"] != "ok"]
    assert not not_drawn, f"{spec.notebook}: figures with nothing drawn: {not_drawn}"
    print(f"\n{spec.stem}: {len(figures['figures'])} figures, all drawn", end="")

    presses = result["presses"]
    assert len(presses) == PRESSES
    wrong = [p for p in presses if not p.correct]
    start = result["initial"]
    hint = "" if start.correct else (
        f" (already before the first press the readout showed {start.readout!r} for slider value "
        f"{start.slider_value!r}, where expected() gives {start.expected!r}: the notebook's state in the "
        "browser is not the one the spec assumes)"
    )
    assert not wrong, (
        f"{spec.notebook}: readout .{spec.readout_css} disagrees with bpkit for "
        + "; ".join(f"slider {p.slider_value!r}: shown {p.readout!r}, expected {p.expected!r}" for p in wrong[:3])
        + hint
    )
    values = [start.readout] + [p.readout for p in presses]
    assert all(a != b for a, b in zip(values, values[1:])), f"{spec.notebook}: the readout did not change: {values}"
    sliders = [p.slider_value for p in presses]
    assert len(set(sliders)) > 1, f"{spec.notebook}: the slider did not move: {sliders}"
    # the slider's own text agrees with the value the kernel received
    for p in presses:
        if p.slider_text:
            shown = _number(p.slider_text)
            assert math.isclose(shown, p.slider_value, abs_tol=0.51 * 10 ** -_decimals(p.slider_text)), (
                f"{spec.notebook}: slider shows {p.slider_text!r} but holds {p.slider_value!r}"
            )

    n_text, text_median, text_p95 = _lab.summarize(p.text_ms for p in presses)
    assert n_text == PRESSES, f"{spec.notebook}: the readout changed after only {n_text} of {PRESSES} presses"
    print(f"\n{spec.stem}: run-all {result['run_s']:.1f} s; cost text median {text_median:.1f} ms, "
          f"p95 {text_p95:.1f} ms", end="")
    if spec.figure:
        n_fig, fig_median, fig_p95 = _lab.summarize(p.figure_ms for p in presses)
        assert n_fig == PRESSES, f"{spec.notebook}: the figure repainted after only {n_fig} of {PRESSES} presses"
        print(f"; plot median {fig_median:.1f} ms, p95 {fig_p95:.1f} ms", end="")
    for png in result["screenshots"]:
        assert Path(png).stat().st_size > 1000


@pytest.mark.browser
def test_harness_reports_cell_errors(lab_server, chromium):
    """A notebook whose second cell raises must be reported with that cell's source."""
    good = _lab.load_spec(_lab.FIXTURE_SPEC)
    spec = dataclasses.replace(good, name="fixture_error", notebook=FIXTURE_ERROR)
    result = _lab.lesson_run(chromium, lab_server, spec, presses=1, screenshots=False)
    assert len(result["errors"]) == 1, result["errors"]
    source, error = result["errors"][0]
    assert "bpkit.cost(net" in source
    assert "ValueError" in error and "2 columns" in error
    assert result["presses"] == []


@pytest.mark.browser
def test_harness_catches_a_wrong_readout(lab_server, chromium):
    """Readouts off by 1e-7 (relative) from what bpkit computes must be flagged."""
    good = _lab.load_spec(_lab.FIXTURE_SPEC)
    spec = dataclasses.replace(good, expected=lambda w: good.expected(w) * (1 + 1e-7))
    result = _lab.lesson_run(chromium, lab_server, spec, presses=2, screenshots=False)
    assert not result["errors"]
    assert [p.correct for p in result["presses"]] == [False, False]
    assert all(math.isclose(p.readout, good.expected(p.slider_value), rel_tol=_lab.REL_TOL)
               for p in result["presses"])


def _number(text):
    # d3-format, which ipywidgets uses for slider readouts, writes minus as U+2212
    return float(text.strip().replace("\u2212", "-"))


def _decimals(text):
    text = text.strip()
    return len(text.split(".")[1]) if "." in text else 0


FIXTURE_FIGURES = "tests/browser/fixture/fixture_figures.ipynb"


@pytest.mark.browser
def test_harness_catches_figures_that_show_nothing(lab_server, chromium):
    """A figure shown as '<Figure size ...>' text and a one-colour picture are flagged; a real one is not."""
    context, page = _lab.new_page(chromium)
    try:
        _lab.open_notebook(page, lab_server, FIXTURE_FIGURES, "bpkit-fixture-figures")
        _lab.run_all(page, FIXTURE_FIGURES)
        assert not _lab.notebook_errors(page, FIXTURE_FIGURES)
        report = _lab.figure_report(page, FIXTURE_FIGURES, timeout_s=3.0)
    finally:
        context.close()
        lab_server.shutdown_kernels()
    assert [b["text"] for b in report["bare"]] == ["<Figure size 300x200 with 1 Axes>"]
    assert sorted(f["state"] for f in report["figures"]) == ["blank", "ok"], report["figures"]
