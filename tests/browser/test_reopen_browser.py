"""A panel whose kernel restarted says so, in a real JupyterLab (``pytest -m browser tests/browser/test_reopen_browser.py``).

Lesson 1 is run with ``notebook:run-all-cells``; while the kernel lives the
weight-nudge panel's "not connected" message is hidden. Then the kernel is
restarted (as Kernel ▸ Restart Kernel does, without its confirmation dialog), the
first slider is moved with the keyboard, and: the slider moves, the cost stays
what it was (nothing computes), and the panel shows its message. The same page
is then switched to JupyterLab's dark theme: the message's text and background,
as the browser computes them, keep a contrast of at least 4.5:1, and the
figure keeps its frame. Screenshots go to ``artifacts/screenshots/reopen_*.png``.
"""
import secrets
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _lab  # noqa: E402
from bpkit.plots import _style  # noqa: E402

NOTEBOOK = "lessons/01_cost.ipynb"
PANEL = "bpkit-weight-nudge"
READOUT = "bpkit-cost"

# what the page shows of the panel: its status element's visibility and text, the readout, the slider
STATE_JS = r"""
(panelCss) => {
  const panel = document.querySelector('.' + panelCss);
  if (!panel) return null;
  const status = panel.querySelector(':scope > .bpkit-status');
  const readout = panel.querySelector('.bpkit-cost [data-value]');
  const target = panel.querySelector('.bpkit-slider .noUi-target');
  const shown = status ? getComputedStyle(status).display !== 'none' && status.getBoundingClientRect().height > 0 : null;
  const msg = status ? status.querySelector('.bpkit-offline') : null;
  const fig = panel.querySelector('.bpkit-figure');
  return {
    textColour: msg ? getComputedStyle(msg).color : null,
    backgroundColour: msg ? getComputedStyle(msg).backgroundColor : null,
    figureShadow: fig ? getComputedStyle(fig).boxShadow : null,
    darkTheme: document.body.dataset.jpThemeLight === 'false',
    disconnectedClass: panel.classList.contains('jupyter-widgets-disconnected'),
    statusShown: shown,
    statusText: status ? status.innerText : null,
    readout: readout ? readout.getAttribute('data-value') : null,
    slider: target && target.noUiSlider ? Number(target.noUiSlider.get(true)) : null,
  };
}
"""


def _rgb(css):
    """'rgb(78, 38, 0)' -> (0.306, 0.149, 0.0)"""
    inside = css[css.index("(") + 1:css.index(")")]
    return tuple(float(v) / 255 for v in inside.split(",")[:3])


def _theme(page, name, light):
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name)
    page.wait_for_function("(l) => document.body.dataset.jpThemeLight === l", arg=str(light).lower(), timeout=30_000)
    # JupyterLab sets the flag once the theme's stylesheet has loaded; two animation frames later it is painted
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _shot(page, name):
    _lab.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = _lab.SCREENSHOT_DIR / f"reopen_{name}.png"
    page.locator(f".{PANEL}").first.screenshot(path=str(path))
    return path


@pytest.mark.browser
def test_restarted_kernel_panel_says_not_connected(lab_server, chromium):
    context, page = _lab.new_page(chromium)
    try:
        workspace = f"bpkit-reopen-{secrets.token_hex(3)}"
        _lab.open_notebook(page, lab_server, NOTEBOOK, workspace)
        _lab.run_all(page, NOTEBOOK)
        assert not _lab.notebook_errors(page, NOTEBOOK)
        page.wait_for_function(
            "(p) => { const f = window.__bpkit.find(p, 'bpkit-cost'); return !f.error; }", arg=PANEL, timeout=30_000)
        handle = page.locator(f".{PANEL} .bpkit-slider .noUi-handle").first
        handle.scroll_into_view_if_needed()

        # live: the message is hidden and a key press changes the cost
        live = page.evaluate(STATE_JS, PANEL)
        assert live["statusShown"] is False and not live["disconnectedClass"], live
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([p, v]) => document.querySelector('.' + p + ' .bpkit-cost [data-value]').getAttribute('data-value') !== v",
            arg=[PANEL, live["readout"]], timeout=10_000)
        _shot(page, "live")

        # restart the kernel (what Kernel > Restart Kernel does after its dialog)
        page.evaluate("(p) => window.__bpkit.notebookPanel(p).sessionContext.session.kernel.restart()", NOTEBOOK)
        page.wait_for_function(
            "(p) => { const s = window.__bpkit.kernelState(p); return s.status === 'idle' && s.connection === 'connected'; }",
            arg=NOTEBOOK, timeout=60_000)
        before = page.evaluate(STATE_JS, PANEL)
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        # wait for what must happen (the slider moved, the panel says it is not connected), not for a time
        page.wait_for_function(
            f"([p, s]) => {{ const st = ({STATE_JS.strip()})(p); return !!st && st.slider !== s && st.statusShown; }}",
            arg=[PANEL, before["slider"]], timeout=30_000)
        after = page.evaluate(STATE_JS, PANEL)
        png = _shot(page, "restarted")

        assert after["slider"] != before["slider"], f"the slider did not move after the restart: {before} -> {after}"
        assert after["readout"] == before["readout"], "a restarted kernel cannot have computed a new cost"
        assert after["disconnectedClass"], "ipywidgets did not mark the panel's view disconnected"
        assert after["statusShown"], f"the panel does not say it is disconnected: {after}"
        assert "not connected to a running kernel" in after["statusText"], after["statusText"]
        assert "Run All Cells" in after["statusText"]
        assert png.stat().st_size > 1000

        # dark theme: the message stays legible, the figure keeps its frame
        _theme(page, "JupyterLab Dark", light=False)
        dark = page.evaluate(STATE_JS, PANEL)
        _shot(page, "restarted_dark")
        assert dark["darkTheme"] and dark["statusShown"], dark
        ratio = _style.contrast_ratio(_rgb(dark["textColour"]), _rgb(dark["backgroundColour"]))
        assert ratio >= 4.5, f"message contrast {ratio:.2f}:1 in the dark theme ({dark})"
        assert dark["figureShadow"] and dark["figureShadow"] != "none", dark

        # running the notebook again brings a live panel back, without the message
        # (run_all may return at once: every cell still has its count from the first run)
        _lab.run_all(page, NOTEBOOK)
        page.wait_for_function(
            "(p) => { const el = document.querySelector('.' + p + ' .bpkit-slider .noUi-handle');"
            " return !!el && !el.closest('.jupyter-widgets-disconnected'); }", arg=PANEL, timeout=120_000)
        again = page.evaluate(STATE_JS, PANEL)
        assert again["statusShown"] is False and not again["disconnectedClass"], again
        page.wait_for_function(  # the screenshot shows a drawn panel: its readout and canvas are there, kernel idle
            "([p, nb]) => !!document.querySelector('.' + p + ' .bpkit-cost [data-value]')"
            " && !!document.querySelector('.' + p + ' .bpkit-figure canvas')"
            " && window.__bpkit.kernelState(nb).status === 'idle'", arg=[PANEL, NOTEBOOK], timeout=60_000)
        _shot(page, "live_dark")
    finally:
        try:
            _theme(page, "JupyterLab Light", light=True)  # the theme is a user setting of the shared server
        except Exception:  # noqa: BLE001 - the page may be gone after a failure above
            pass
        context.close()
        lab_server.shutdown_kernels()
