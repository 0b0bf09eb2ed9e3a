"""Accessibility of the lessons in a real JupyterLab (issue 22, item 5: WCAG 2.1 AA).

Every lesson is opened once (on the session's JupyterLab and Chromium of ``conftest.py``),
run with ``notebook:run-all-cells``, and then (on the same visit that ``test_lab.py``'s slider
presses use afterwards, see ``_visits.py``):

* audited with axe-core (the copy bundled by ``axe-playwright-python``), rules tagged
  WCAG 2.0/2.1 A and AA, on the lesson's notebook panel. Each serious or critical
  violation node is put on one side: **course content** (inside a cell's outputs or a
  rendered Markdown cell: the lesson's prose, figures and panels), which fails the test
  with rule, help, target and markup; or **JupyterLab's own** interface, which must match
  an entry of :data:`UPSTREAM` (rule + CSS selector + the upstream reason and report).
  One kind of node inside the panels is upstream too: the unnamed handle ipywidgets draws
  for every slider; its entry holds only while the course gives the slider a visible label.
  An entry that no lesson shows any more fails the test, so the list cannot outlive its
  reason; :data:`KNOWN_CONTENT` lists content violations waiting for a fix in a lesson
  this file does not own (an expected failure while exactly those remain).
* driven with the keyboard alone (:data:`KEYBOARD`): the focus goes from the panel's box
  to a control by Tab (the walk is recorded; the control is never clicked), the control
  is changed with arrow keys, Space or Enter, and the panel's readout must change to
  what ``bpkit`` computes. One control of every kind the course's panels use: slider,
  toggle buttons, dropdown, button. Each check then puts its control back by keyboard, and its
  panel (sliders, choices, readouts) must be as the check found it, so the presses of
  ``test_lab.py`` that follow on the same page start where the lesson left the panel.

The test waits for conditions (kernel idle, a readout's ``data-value`` changed) and asserts
no duration.
"""
from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _lab  # noqa: E402
import _visits  # noqa: E402

pytestmark = pytest.mark.browser

# axe-core itself (axe.min.js), as the package bundles it
AXE_SCRIPT = pytest.importorskip(
    "axe_playwright_python.base", reason="accessibility test skipped: the Python package 'axe-playwright-python' "
    "(the test extra) is not installed").AXE_SCRIPT

LESSONS = sorted(p.relative_to(_lab.REPO_ROOT).as_posix()
                 for p in (_lab.REPO_ROOT / "lessons").glob("[0-9][0-9]*_*.ipynb"))

# WCAG 2.0 and 2.1, levels A and AA: the rules axe-core tags so
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
# where the course's own content sits in a notebook panel: a cell's outputs, a rendered Markdown cell
CONTENT_CSS = ".jp-OutputArea-output, .jp-MarkdownOutput"


@dataclasses.dataclass(frozen=True)
class Upstream:
    """A serious/critical violation whose cause is upstream (JupyterLab, ipywidgets), and why it stays.

    ``where`` is ``"jupyterlab"`` for JupyterLab's own interface (outside the cells' outputs and
    rendered Markdown) or ``"output"`` for markup a widget library draws inside a panel; an
    ``"output"`` entry has a ``guard`` (a JavaScript ``(element) => bool``) that says what the course
    must still have done itself, so a node that fails it counts as course content.
    """

    rule: str
    selector: str  # CSS selector the offending element matches
    where: str
    what: str
    why: str
    issues: tuple
    guard: str = ""

    @property
    def key(self):
        return f"{self.rule} {self.selector}"


#: Upstream violations, each with its upstream report. Every entry must still occur in some lesson
#: (test_upstream_list_is_current); a serious/critical violation that matches no entry fails its lesson.
UPSTREAM = (
    Upstream(
        "aria-input-field-name", ".cm-content[role='textbox']", "jupyterlab",
        "the code editor of every code cell (CodeMirror 6, role=textbox) has no accessible name",
        "JupyterLab 4.6 does not label its cell editors (an open pull request adds the aria-label)",
        ("https://github.com/jupyterlab/jupyterlab/issues/16890",
         "https://github.com/jupyterlab/jupyterlab/pull/18127"),
    ),
    Upstream(
        "aria-required-children", ".jp-WindowedPanel-viewport[role='feed']", "jupyterlab",
        "the notebook's list of cells has role=feed, but its cells are not role=article",
        "JupyterLab's WindowedList cannot yet give its items ARIA roles (the renderer that would is still to do)",
        ("https://github.com/jupyterlab/jupyterlab/issues/14804",
         "https://github.com/jupyterlab/jupyterlab/pull/14768"),
    ),
    Upstream(
        "aria-allowed-attr", "jp-button[aria-pressed]", "jupyterlab",
        "notebook toolbar buttons (<jp-button> of the Jupyter UI toolkit: Validate, Enable Debugger) carry "
        "aria-pressed on a host element whose role does not allow it",
        "reported upstream from an IBM Equal Access audit of JupyterLab; the fix is an open pull request",
        ("https://github.com/jupyterlab/jupyterlab/issues/16891",
         "https://github.com/jupyterlab/jupyterlab/pull/18127"),
    ),
    Upstream(
        "button-name", ".jp-collapseHeadingButton", "jupyterlab",
        "the collapse toggle JupyterLab puts beside the active Markdown heading is an empty <button>",
        "MarkdownCell.maybeCreateCollapseButton (JupyterLab 4.6.6) creates the button with no text, title "
        "or aria-label; no upstream report of this was found (the feature came with the pull request cited)",
        ("https://github.com/jupyterlab/jupyterlab/pull/10260",),
    ),
    Upstream(
        "aria-input-field-name", ".noUi-handle[role='slider']", "output",
        "the handle of an ipywidgets slider (noUiSlider, role=slider) has no accessible name",
        "ipywidgets 8.1 creates noUiSlider without its handleAttributes option and sets no aria-label or "
        "aria-labelledby on the handle, and a widget cannot set ARIA attributes from Python; the course's part, "
        "a visible label (description) beside every slider, is checked by the guard",
        ("https://github.com/jupyter-widgets/ipywidgets/issues/2650",
         "https://github.com/leongersen/noUiSlider/issues/1223"),
        guard="(el) => { const w = el.closest('.widget-slider'); const l = w && w.querySelector('.widget-label');"
              " return !!l && l.textContent.trim() !== '' && getComputedStyle(l).display !== 'none'; }",
    ),
)


#: Course-content violations that are known and wait for a fix in a lesson this test does not own,
#: by notebook stem and rule: such a lesson's content test is an expected failure while exactly these
#: rules remain, fails on any other, and fails once one of them is gone (so the entry gets removed).
KNOWN_CONTENT = {}


# ----------------------------------------------------------------- page side
AUDIT_JS = r"""
async ([path, tags, contentCss, upstream]) => {
  const panel = window.__bpkit.notebookPanel(path);
  if (!panel) return {error: 'notebook ' + path + ' is not open'};
  const res = await axe.run(panel.node, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], elementRef: true,
  });
  const cells = panel.content.widgets;
  const nodes = [];
  for (const v of res.violations) {
    for (const n of v.nodes) {
      const el = n.element;
      const cell = el && el.closest ? el.closest('.jp-Cell') : null;
      const index = cell ? cells.findIndex((c) => c.node === cell) : -1;
      nodes.push({
        rule: v.id,
        impact: n.impact || v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        target: JSON.stringify(n.target),
        html: n.html.slice(0, 300),
        summary: (n.failureSummary || '').slice(0, 400),
        content: !!(el && el.closest && el.closest(contentCss)),
        cell: index,
        cellType: index >= 0 ? cells[index].model.type : null,
        upstream: upstream.filter(([rule, sel, where, guard]) => rule === v.id && !!el && !!el.matches
            && el.matches(sel) && (where === 'output') === !!el.closest(contentCss)
            && (!guard || (0, eval)(guard)(el))).map(([r, s]) => r + ' ' + s),
      });
    }
  }
  return {nodes, version: axe.version};
}
"""


def audit(page, notebook):
    """axe-core on the notebook panel of ``notebook``: (violation nodes of every impact, axe-core's version)."""
    page.evaluate(AXE_SCRIPT)
    upstream = [[u.rule, u.selector, u.where, u.guard] for u in UPSTREAM]
    result = page.evaluate(AUDIT_JS, [notebook, WCAG_TAGS, CONTENT_CSS, upstream])
    if "error" in result:
        raise RuntimeError(result["error"])
    return result["nodes"], result["version"]


READOUT_JS = r"""
([panelCss, readoutCss]) => {
  const panel = document.querySelector('.' + panelCss);
  const r = panel && (panel.querySelector('.' + readoutCss) || document.querySelector('.' + readoutCss));
  const el = r && (r.querySelector('[data-value]') || (r.hasAttribute('data-value') ? r : null));
  return el ? el.getAttribute('data-value') : null;
}
"""

# the focused element, described, and whether it lies inside the panel
FOCUS_JS = r"""
(panelCss) => {
  const a = document.activeElement;
  const panel = document.querySelector('.' + panelCss);
  if (!a) return {inPanel: false, tag: null};
  const label = a.getAttribute('aria-label') || a.getAttribute('title') || (a.textContent || '').trim().slice(0, 40);
  return {inPanel: !!(panel && panel.contains(a)), tag: a.tagName.toLowerCase(), role: a.getAttribute('role'),
          cls: String(a.className || '').slice(0, 80), label};
}
"""


def wait_quiet(page, notebook, ms=300, timeout_s=30.0):
    """Until the kernel is idle and no readout changed for ``ms`` (see ``__bpkit.quietFor``)."""
    page.wait_for_function("([ms, nb]) => window.__bpkit.quietFor(ms, nb)", arg=[ms, notebook],
                           timeout=timeout_s * 1000, polling=20)


def readout(page, panel_css, readout_css):
    value = page.evaluate(READOUT_JS, [panel_css, readout_css])
    return None if value is None else float(value)


def wait_readout_change(page, panel_css, readout_css, before, notebook, timeout_s=15.0):
    """Wait until the readout's data-value differs from ``before`` and the kernel is quiet; returns it."""
    page.wait_for_function(
        "([p, r, before]) => { const v = (" + READOUT_JS + ")([p, r]); return v !== null && Number(v) !== before; }",
        arg=[panel_css, readout_css, before], timeout=timeout_s * 1000, polling=20,
    )
    wait_quiet(page, notebook)
    return readout(page, panel_css, readout_css)


def tab_to(page, panel_css, is_target_js, max_tabs=25):
    """Put the focus on the panel's box (as a click on its background would), then press Tab until
    ``is_target_js(document.activeElement)`` holds. Returns the focus walk (list of descriptions).

    Raises AssertionError when the focus leaves the panel or the control is not reached.
    """
    ok = page.evaluate(
        "(css) => { const p = document.querySelector('.' + css); if (!p) return false; "
        "p.scrollIntoView({block: 'center'}); p.setAttribute('tabindex', '-1'); p.focus(); "
        "return document.activeElement === p; }", panel_css)
    assert ok, f"no .{panel_css} to start the Tab walk from"
    walk = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        where = page.evaluate(FOCUS_JS, panel_css)
        walk.append(where)
        assert where["inPanel"], f"Tab left .{panel_css} before reaching the control; focus walk: {walk}"
        if page.evaluate("(f) => { const a = document.activeElement; return !!a && (" + is_target_js + ")(a); }", None):
            return walk
    raise AssertionError(f"the control was not reached by {max_tabs} Tabs from .{panel_css}; focus walk: {walk}")


# ------------------------------------------------------------- keyboard plans
@dataclasses.dataclass(frozen=True)
class KeyCheck:
    """Reach a panel's control by Tab, operate it with keys (``run`` says which), check the readout against bpkit."""

    id: str
    notebook: str
    kind: str
    panel_css: str
    readout_css: str
    target_js: str  # (element) => bool: the control to reach
    run: object  # run(page, check) -> dict with what was seen and expected


def _slider_target(nth=0):
    return (f"(a) => a.matches('.noUi-handle') && "
            f"[...a.closest('.bpkit-panel').querySelectorAll('.bpkit-slider .noUi-handle')].indexOf(a) === {nth}")


def _slider_value(page, panel_css, nth=0):
    return float(page.evaluate(
        "([css, nth]) => Number(document.querySelectorAll('.' + css + ' .bpkit-slider .noUi-target')[nth].noUiSlider.get(true))",
        [panel_css, nth]))


def _spec(name):
    return _lab.load_spec(_lab.SPECS_DIR / f"{name}.py")


def run_slider(spec_name, presses=3):
    """ArrowRight ``presses`` times on the panel's first slider (reached by Tab): readout == spec.expected."""

    def run(page, check):
        spec = _spec(spec_name)
        walk = tab_to(page, check.panel_css, check.target_js)
        seen = []
        for _ in range(presses):
            before = readout(page, check.panel_css, check.readout_css)
            page.keyboard.press("ArrowRight")
            shown = wait_readout_change(page, check.panel_css, check.readout_css, before, check.notebook)
            value = _slider_value(page, check.panel_css)
            seen.append((value, shown, float(spec.expected(value))))
        # put the slider back: as many ArrowLeft presses, the focus still on the handle
        for _ in range(presses):
            before = readout(page, check.panel_css, check.readout_css)
            page.keyboard.press("ArrowLeft")
            wait_readout_change(page, check.panel_css, check.readout_css, before, check.notebook)
        return {"walk": walk, "seen": seen}

    return run


def run_reset_button(page, check):
    """Lesson 2: move w with ArrowRight, then Tab on to 'reset w and b' and press Enter: C is back."""
    spec = _spec("lesson_02")
    start = _slider_value(page, check.panel_css)
    tab_to(page, check.panel_css, _slider_target(0))
    before = readout(page, check.panel_css, check.readout_css)
    page.keyboard.press("ArrowRight")
    moved = wait_readout_change(page, check.panel_css, check.readout_css, before, check.notebook)
    walk = []
    for _ in range(10):
        page.keyboard.press("Tab")
        walk.append(page.evaluate(FOCUS_JS, check.panel_css))
        assert walk[-1]["inPanel"], f"Tab left the panel before the reset button: {walk}"
        if page.evaluate("() => !!document.activeElement.closest('.bpkit-reset')"):
            break
    else:
        raise AssertionError(f"the reset button was not reached by Tab: {walk}")
    page.keyboard.press("Enter")
    shown = wait_readout_change(page, check.panel_css, check.readout_css, moved, check.notebook)
    value = _slider_value(page, check.panel_css)
    return {"walk": walk, "seen": [(value, shown, float(spec.expected(value)))], "start": start}


def run_toggle(page, check):
    """Lesson 9: Tab to the second pass button ('= instead of +='), Space: the size readout is that pass's."""
    import numpy as np

    from bpkit import autograd

    walk = tab_to(page, check.panel_css, check.target_js)
    before = readout(page, check.panel_css, check.readout_css)
    page.keyboard.press("Space")
    shown = wait_readout_change(page, check.panel_css, check.readout_css, before, check.notebook)
    k = int(round(_slider_value(page, check.panel_css)))
    pressed = page.evaluate("(css) => [...document.querySelectorAll('.' + css + ' .bpkit-graph-mode button')]"
                            ".map((b) => b.classList.contains('mod-active'))", check.panel_css)
    grads = autograd.backward_steps(autograd.fork_example().root, "assign")[k].grads
    expected = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
    # put the pass back: Tab to the first button, Space
    tab_to(page, check.panel_css, "(a) => a.matches('.bpkit-graph-mode button') && "
           "[...a.parentElement.querySelectorAll('button')].indexOf(a) === 0")
    page.keyboard.press("Space")
    wait_readout_change(page, check.panel_css, check.readout_css, shown, check.notebook)
    return {"walk": walk, "seen": [(k, shown, expected)], "pressed": pressed}


def run_dropdown(page, check):
    """Lesson 3: Tab to the function dropdown, open it and take the next entry (sigmoid -> tanh): the slope is tanh's.

    The keys are Alt+ArrowDown (open the list), ArrowDown, Enter. A bare ArrowDown on the closed
    dropdown does not reach it in JupyterLab: the notebook's command-mode shortcut takes the key and
    moves to the next cell (measured here; upstream: ipywidgets issue 3912, "Dropdown key inputs
    stolen by JLab when the dropdown is collapsed").
    """
    from bpkit.toys import activation_at

    walk = tab_to(page, check.panel_css, check.target_js)
    before = readout(page, check.panel_css, check.readout_css)
    for key in ("Alt+ArrowDown", "ArrowDown", "Enter"):
        page.keyboard.press(key)
    shown = wait_readout_change(page, check.panel_css, check.readout_css, before, check.notebook)
    chosen = page.evaluate("(css) => document.querySelector('.' + css + ' .bpkit-activation-choice select').value",
                           check.panel_css)
    z = _slider_value(page, check.panel_css)
    # put the function back: Tab to the dropdown again, take the entry above
    tab_to(page, check.panel_css, check.target_js)
    for key in ("Alt+ArrowDown", "ArrowUp", "Enter"):
        page.keyboard.press(key)
    wait_readout_change(page, check.panel_css, check.readout_css, shown, check.notebook)
    return {"walk": walk, "seen": [(z, shown, float(activation_at("tanh", z).slope))], "chosen": chosen}


KEYBOARD = (
    # the reset check first: it needs w where the lesson left it
    KeyCheck("button-lesson02", "lessons/02_chain_rule.ipynb", "button", "bpkit-chain-rule", "bpkit-cost",
             _slider_target(0), run_reset_button),
    KeyCheck("slider-lesson02", "lessons/02_chain_rule.ipynb", "slider", "bpkit-chain-rule", "bpkit-cost",
             _slider_target(0), run_slider("lesson_02")),
    KeyCheck("dropdown-lesson03", "lessons/03_sigmoid_derivative.ipynb", "dropdown", "bpkit-sigmoid-tangent",
             "bpkit-slope", "(a) => a.matches('.bpkit-activation-choice select')", run_dropdown),
    KeyCheck("slider-lesson04", "lessons/04_delta_accumulation.ipynb", "slider", "bpkit-delta-steps",
             "bpkit-delta-size", _slider_target(0), run_slider("lesson_04", presses=2)),
    KeyCheck("toggle-lesson09", "lessons/09_computational_graphs.ipynb", "toggle buttons", "bpkit-graph-steps",
             "bpkit-grad-size",
             "(a) => a.matches('.bpkit-graph-mode button') && "
             "[...a.parentElement.querySelectorAll('button')].indexOf(a) === 1", run_toggle),
)


# ------------------------------------------------------------ one run a lesson
# the state of a panel's controls and readouts, to check that a keyboard check put everything back
PANEL_STATE_JS = r"""
(css) => {
  const p = document.querySelector('.' + css);
  if (!p) return null;
  return {
    sliders: [...p.querySelectorAll('.noUi-target')].map((t) => Number(t.noUiSlider.get(true))),
    choices: [...p.querySelectorAll('select')].map((s) => s.value),
    toggles: [...p.querySelectorAll('.widget-toggle-buttons button')].map((b) => b.classList.contains('mod-active')),
    readouts: [...p.querySelectorAll('[data-value]')].map((e) => e.getAttribute('data-value')),
  };
}
"""


def _same_state(a, b):
    if a is None or b is None or a.keys() != b.keys():
        return a == b

    def same(x, y):
        try:
            return math.isclose(float(x), float(y), rel_tol=_lab.REL_TOL, abs_tol=_lab.ABS_TOL)
        except (TypeError, ValueError):
            return x == y

    return all(len(a[k]) == len(b[k]) and all(same(x, y) for x, y in zip(a[k], b[k])) for k in a)


def accessibility_checks(page, notebook):
    """This module's part of a visit (``_visits.py``), made right after Run All and the figure report.

    Audit the panel once every widget is drawn and all is quiet, then run the notebook's keyboard
    checks; each must leave its panel's controls and readouts as it found them. Returns
    ``{"nodes", "axe", "keys": {check id: result dict or exception}, "disturbed": {check id: {...}}}``.
    """
    # widget views render after their cell finished: audit once every figure is drawn and all is quiet
    wait_quiet(page, notebook, ms=500, timeout_s=60.0)
    out = {"nodes": [], "axe": None, "keys": {}, "disturbed": {}}
    out["nodes"], out["axe"] = audit(page, notebook)
    for check in KEYBOARD:
        if check.notebook != notebook:
            continue
        start = page.evaluate(PANEL_STATE_JS, check.panel_css)
        try:
            out["keys"][check.id] = check.run(page, check)
        except Exception as exc:  # noqa: BLE001 - reported by that check's test
            out["keys"][check.id] = exc
        # the next check (and test_lab.py's presses) starts from the panel's box again
        wait_quiet(page, notebook)
        end = page.evaluate(PANEL_STATE_JS, check.panel_css)
        if not _same_state(start, end):
            out["disturbed"][check.id] = {"panel": check.panel_css, "before": start, "after": end}
    return out


_visits.want(accessibility=accessibility_checks)


def lesson_session(notebook, server, browser, specs=()):
    """The session's one visit to ``notebook`` (``_visits.py``), as this module reads it.

    Returns ``{"errors", "nodes", "axe", "keys": {check id: result dict or exception}, "disturbed"}``.
    """
    visit = _visits.visit(notebook, server, browser, specs)
    out = {"errors": visit["errors"], "nodes": [], "axe": None, "keys": {}, "disturbed": {}}
    if not visit["errors"]:
        if isinstance(visit["before"], BaseException):
            raise visit["before"]
        if visit["before"] is None:
            raise AssertionError(f"{notebook}: the visit made no accessibility checks (was this module imported?)")
        out.update(visit["before"])
    return out


def _describe(nodes):
    return "\n".join(
        f"  [{n['impact']}] {n['rule']}: {n['help']} ({n['helpUrl']})\n"
        f"      cell {n['cell']} ({n['cellType']}), target {n['target']}\n      {n['html']}\n"
        f"      {n['summary'].replace(chr(10), ' ')}"
        for n in nodes
    )


def _lesson_ids():
    return [Path(n).stem for n in LESSONS]


# ---------------------------------------------------------------------- tests
@pytest.mark.parametrize("notebook", LESSONS, ids=_lesson_ids())
def test_lesson_content_has_no_serious_axe_violation(notebook, lab_server, chromium, browser_specs):
    run = lesson_session(notebook, lab_server, chromium, browser_specs)
    assert not run["errors"], f"{notebook} shows errors after run-all: {run['errors']}"
    nodes = run["nodes"]
    counts = {}
    for n in nodes:
        side = ("upstream " if n["upstream"] else "") + ("content" if n["content"] else "jupyterlab")
        key = (n["rule"], n["impact"], side)
        counts[key] = counts.get(key, 0) + 1
    print(f"\n{Path(notebook).stem} (axe-core {run['axe']}): "
          + ("; ".join(f"{r} [{i}] {w} x{c}" for (r, i, w), c in sorted(counts.items())) or "no violation"), end="")
    content = [n for n in nodes if n["content"] and n["impact"] in BLOCKING and not n["upstream"]]
    known = KNOWN_CONTENT.get(Path(notebook).stem, {})
    left = [n for n in content if n["rule"] not in known]
    assert not left, f"{notebook}: axe-core finds {len(left)} serious/critical violation(s) in the " \
                     f"lesson's own content (WCAG 2.1 A/AA):\n{_describe(left)}"
    fixed = sorted(set(known) - {n["rule"] for n in content})
    assert not fixed, f"{notebook}: KNOWN_CONTENT lists {fixed}, which axe-core no longer finds: remove them"
    if known:
        pytest.xfail(f"{notebook}: known, to be fixed in the lesson: " + "; ".join(
            f"{rule}: {why}" for rule, why in known.items()) + "\n" + _describe(content))


@pytest.mark.parametrize("notebook", LESSONS, ids=_lesson_ids())
def test_jupyterlab_violations_are_the_known_upstream_ones(notebook, lab_server, chromium, browser_specs):
    run = lesson_session(notebook, lab_server, chromium, browser_specs)
    assert not run["errors"], f"{notebook} shows errors after run-all: {run['errors']}"
    unknown = [n for n in run["nodes"] if not n["content"] and n["impact"] in BLOCKING and not n["upstream"]]
    assert not unknown, (
        f"{notebook}: JupyterLab's own interface shows serious/critical violations that UPSTREAM does not list "
        f"(find the upstream report and add an entry, or fix it if it is ours):\n{_describe(unknown)}"
    )


def test_upstream_list_is_current(lab_server, chromium, browser_specs):
    """Every UPSTREAM entry still occurs in some lesson (runs the lessons this module has not run yet)."""
    seen = set()
    for notebook in LESSONS:
        for n in lesson_session(notebook, lab_server, chromium, browser_specs)["nodes"]:
            seen.update(n["upstream"])
    gone = [u for u in UPSTREAM if u.key not in seen]
    assert not gone, "UPSTREAM lists violations that no lesson shows any more; remove them:\n" + "\n".join(
        f"  {u.key} ({', '.join(u.issues)})" for u in gone)


@pytest.mark.parametrize("check", KEYBOARD, ids=[c.id for c in KEYBOARD])
def test_panel_control_works_with_the_keyboard_alone(check, lab_server, chromium, browser_specs):
    run = lesson_session(check.notebook, lab_server, chromium, browser_specs)
    assert not run["errors"], f"{check.notebook} shows errors after run-all: {run['errors']}"
    result = run["keys"].get(check.id)
    if isinstance(result, BaseException):
        raise result
    assert result is not None, f"{check.id} did not run"
    print(f"\n{check.id}: Tab walk {[w['tag'] + ('/' + w['role'] if w['role'] else '') for w in result['walk']]}; "
          f"(control value, readout, bpkit) {result['seen']}", end="")
    for value, shown, expected in result["seen"]:
        assert math.isclose(shown, expected, rel_tol=_lab.REL_TOL, abs_tol=_lab.ABS_TOL), (
            f"{check.notebook}: after the {check.kind} was operated by keyboard (value {value!r}) the readout "
            f".{check.readout_css} shows {shown!r}, but bpkit computes {expected!r}"
        )
    if "chosen" in result:
        assert result["chosen"] == "tanh", f"ArrowDown on the dropdown chose {result['chosen']!r}, not 'tanh'"
    if "pressed" in result:
        assert result["pressed"] == [False, True, False], f"Space pressed the toggle buttons {result['pressed']}"
    if "start" in result:
        value = result["seen"][0][0]
        assert math.isclose(value, result["start"]), f"reset put w at {value!r}, not back at {result['start']!r}"
    moved = run["disturbed"].get(check.id)
    assert not moved, (
        f"{check.notebook}: after the {check.kind} check put its control back by keyboard, .{check.panel_css} is not as "
        f"the check found it (test_lab.py's presses run on this page next): before {moved['before']}, after {moved['after']}"
    )


FIXTURE = "tests/browser/fixture/fixture_a11y.ipynb"


def test_harness_tells_course_content_from_upstream(lab_server, chromium):
    """The fixture's link without text (Markdown), slider without a label and empty button (an HTML output)
    count as content; a labelled slider's unnamed handle counts as upstream (ipywidgets), and JupyterLab's
    own nodes are never content. (An <img> without alt cannot serve: JupyterLab's Markdown renderer gives
    it alt="Image".)"""
    run = lesson_session(FIXTURE, lab_server, chromium)
    assert not run["errors"], run["errors"]
    nodes = [n for n in run["nodes"] if n["impact"] in BLOCKING]
    content = {(n["rule"], n["cell"]) for n in nodes if n["content"] and not n["upstream"]}
    assert content == {("link-name", 0), ("aria-input-field-name", 1), ("button-name", 3)}, _describe(nodes)
    labelled = [n for n in nodes if n["cell"] == 2 and n["content"]]
    assert [n["upstream"] for n in labelled] == [["aria-input-field-name .noUi-handle[role='slider']"]], \
        _describe(labelled)
    editors = [n for n in nodes if "cm-content" in n["html"]]
    assert editors and not any(n["content"] for n in editors), _describe(editors)
