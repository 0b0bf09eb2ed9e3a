"""A learner's wrong answer, its diagnosis and its "Revisit lesson N" link, in a real JupyterLab (issue 21).

``pytest -m browser tests/browser/test_exercise_links.py``. A JupyterLab of its own, set
as a learner's (JupyterLab's default windowing mode: cells are drawn as they come into
view), serves a learner folder made by ``bpkit.workspace.sync``, as ``python3 course.py
lab`` makes ``workspace/``: ``exercises/`` and ``lessons/`` side by side. For each
mistake below, in Chromium:

1. the exercise notebook is opened from that folder, the setup cell run, a
   learner-style wrong function pasted into the part's solution cell, and the
   cell and its check cell run with Shift+Enter;
2. the check's output must show what ``bpkit.checks`` says in-process for the same
   function ("✗ <diagnosis>", "Revisit <section>") with a link whose target is
   the check's relative link;
3. the link is clicked: JupyterLab must open the lesson notebook of the learner's
   folder in a tab, scrolled so that the section's heading is at the top of the
   lesson's visible area (its first eighth), on this first click, and stay there once
   the lesson has stopped moving (its cells render and typeset after the scroll);
4. the lesson is scrolled away from the section with the mouse wheel, the exercise
   tab clicked and the link clicked again (the lesson is open now): the heading must
   be shown again.

The links are ``../lessons/NN_topic.ipynb#cell-id=<id>`` (``bpkit._grading.lessons``),
which JupyterLab 4 finds in the notebook's model whatever the heading's text. The
heading-text anchors used before (``#1.-Deriving-$%5Csigma'$``) never reached a heading
whose rendered text holds math or a non-ASCII character ("1. Deriving σ′", "Local
derivative × upstream"). JupyterLab 4.6 applies either kind of fragment as soon as the
lesson's file has loaded, before its cells are laid out, so on the click that opens the
lesson it lands at the top, or near the section, depending on how far drawing got
(measured: 02.2's heading at 249 px of 779 px without the script, the others at 20 px);
the script ``bpkit._grading.lessons.follow_script`` puts beside the link is what makes
that click land every time. Screenshots of every step go to ``artifacts/screenshots/links_<part>_<step>.png``.
"""
import html
import secrets
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _lab  # noqa: E402
from bpkit import workspace  # noqa: E402
from bpkit.checks._engine import PARTS, lesson_section, run  # noqa: E402

LEARNER = "learner-links"   # the learner's folder, under the server's root
LEARNER_WINDOWING = "contentVisibility"   # JupyterLab 4's default (its notebook tracker's settings schema)

# part, exercise notebook, the wrong function a learner might paste (its slip in the comment)
MISTAKES = [
    ("02.2", "exercises/02_chain_rule_exercise.ipynb", """
        def dJ_dW2(a2, z3, Y):
            yhat = 1 / (1 + np.exp(-z3))
            delta3 = (yhat - Y) * yhat * (1 - yhat)
            return delta3.T @ a2 / len(Y)  # the slip: delta.T @ a, the transpose of dJ/dW2
        """),
    ("03.2", "exercises/03_sigmoid_derivative_exercise.ipynb", """
        def sigmoid_prime(z):
            s = lambda v: 0.5 * (1.0 + np.tanh(0.5 * v))  # a sigmoid that cannot overflow
            a = s(z)
            return s(a) * (1 - s(a))  # the slip: sigma' taken at a instead of at z
        """),
    ("04.1", "exercises/04_delta_accumulation_exercise.ipynb", """
        def backprop_loop(X, Y, W1, b1, W2, b2, sample_weight):
            total = sample_weight.sum()
            for i in range(len(X)):
                x, y = X[i], Y[i]
                a2 = 1 / (1 + np.exp(-(x @ W1 + b1)))
                a3 = 1 / (1 + np.exp(-(a2 @ W2 + b2)))
                d3 = sample_weight[i] * (a3 - y) * a3 * (1 - a3)
                d2 = (d3 @ W2.T) * a2 * (1 - a2)
                Delta1 = np.outer(x, d2)  # the slip: = where the examples must be added, +=
                Delta_b1 = d2
                Delta2 = np.outer(a2, d3)
                Delta_b2 = d3
            return Delta1 / total, Delta_b1 / total, Delta2 / total, Delta_b2 / total
        """),
    ("09.1", "exercises/09_computational_graphs_exercise.ipynb", """
        def tanh_layer_backward(A, W, b, g):
            a = np.tanh(A @ W + b)
            gz = g * (1 - a ** 2)
            return gz @ W.T, gz.T @ A, gz.sum(axis=0)  # the slip: dW multiplied the other way round
        """),
    ("09.4", "exercises/09_computational_graphs_exercise.ipynb", """
        def backward(root, wrt):
            order, seen = [], set()

            def visit(n):
                if id(n) in seen:
                    return
                seen.add(id(n))
                for p in n.parents:
                    visit(p)
                order.append(n)

            visit(root)
            for n in order:
                n.grad = np.zeros_like(n.data, dtype=float)
            root.grad = np.ones_like(root.data, dtype=float)
            for n in reversed(order):
                if n.parents:
                    for p, share in zip(n.parents, n.backward_rule(n.grad)):
                        p.grad = share  # the slip: = for +=
            return [node.grad for node in wrt]
        """),
]

SOURCE_JS = "([p, i]) => window.__bpkit.notebookPanel(p).content.widgets[i].model.sharedModel.getSource()"
FOCUSED_JS = ("([p, i]) => { const c = window.__bpkit.notebookPanel(p).content.widgets[i];"
              " return !!c.node.querySelector('.cm-editor.cm-focused'); }")
OUTPUT_JS = """
([p, i]) => {
  const cell = window.__bpkit.notebookPanel(p).content.widgets[i];
  const outputs = cell.model.outputs.toJSON();
  const html = outputs.map((o) => (o.data && o.data['text/html']) || '').join('');
  const node = cell.node.querySelector('.jp-OutputArea');
  return {count: cell.model.executionCount, html, text: node ? node.innerText : ''};
}
"""
CURRENT_JS = """
() => {
  const w = window.jupyterapp.shell.currentWidget;
  const tab = document.querySelector('.jp-mod-current.lm-TabBar-tab .lm-TabBar-tabLabel');
  return {path: w && w.context ? w.context.path : null, tab: tab ? tab.textContent : null};
}
"""
# where the lesson shows the heading: its rendered anchor and its place in the notebook's visible area
HEADING_JS = """
([p, heading]) => {
  const panel = window.__bpkit.notebookPanel(p);
  if (!panel) return null;
  for (const cell of panel.content.widgets) {
    if (cell.model.type !== 'markdown') continue;
    // the k-th heading line of the cell is its k-th rendered heading
    const lines = cell.model.sharedModel.getSource().split('\\n').filter((l) => /^#{1,6}\\s/.test(l));
    const k = lines.findIndex((l) => l.replace(/^#+\\s*/, '').trim() === heading);
    if (k < 0) continue;
    const h = cell.node.querySelectorAll('h1, h2, h3, h4, h5, h6')[k];
    if (!h) return {found: true, rendered: false};
    const view = (panel.content.outerNode || panel.content.node).getBoundingClientRect();
    const r = h.getBoundingClientRect();
    return {found: true, rendered: true, cell: cell.model.id,
            top: r.top - view.top, bottom: r.bottom - view.top, height: view.height};
  }
  return {found: false};
}
"""

# true once the heading's place in the lesson has not changed for ``frames`` animation frames in a row
# (polled once a frame): the lesson has stopped moving after the scroll
STILL_JS = """
([p, heading, frames]) => {
  const r = (""" + HEADING_JS + """)([p, heading]);
  const key = r && r.rendered ? `${Math.round(r.top)}:${Math.round(r.height)}` : 'none';
  const s = window.__bpkitStill || (window.__bpkitStill = {key: null, n: 0});
  if (s.key === key) { s.n += 1; } else { s.key = key; s.n = 0; }
  return s.n >= frames;
}
"""
# +1 when the section lies in the lesson's first half (scroll down to leave it), else -1
AWAY_JS = """
([p, heading]) => {
  const c = window.__bpkit.notebookPanel(p).content;
  const outer = c.outerNode || c.node;
  const r = (""" + HEADING_JS + """)([p, heading]);
  return outer.scrollTop + r.top > outer.scrollHeight / 2 ? -1 : 1;
}
"""


def _shown(where):
    """True when the heading is at the top of the lesson's visible area: its first eighth (97 px of 779)."""
    return bool(where and where.get("rendered") and where["top"] >= -1
                and where["bottom"] <= where["height"] and where["top"] <= where["height"] / 8)


@pytest.fixture(scope="module")
def learner_lab(tmp_path_factory, chromium):
    """A JupyterLab as the learner's: JupyterLab's default windowing mode, serving a learner's folder.

    The session's server keeps every cell in the DOM (windowing off) for the other browser tests;
    a learner's lab (``course.py lab`` sets no windowing mode) renders cells as they come into view,
    and that decides where a link's first click lands. The folder, ``learner-links/``, is made as
    ``course.py lab`` makes ``workspace/``.
    """
    root = tmp_path_factory.mktemp("links")
    workspace.sync(root / LEARNER, _lab.REPO_ROOT)
    server = _lab.LabServer([], root=root, settings={
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": LEARNER_WINDOWING}})
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _cell_indices(path, key):
    """(setup cell, solution cell, check cell) of part ``key`` in the exercise notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    function = PARTS[key].function
    code = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    setup = next(i for i, s in code if "from bpkit.checks import check" in s)
    solution = next(i for i, s in code if s.lstrip().startswith(f"def {function}("))
    check = next(i for i, s in code if f'check("{key}"' in s)
    return setup, solution, check


def _run_cell(page, notebook, index):
    """Click the cell's editor and press Shift+Enter, as a learner runs one cell."""
    page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content").click()
    page.wait_for_function(FOCUSED_JS, arg=[notebook, index], timeout=10_000)
    page.keyboard.press("Shift+Enter")


def _paste(page, notebook, index, code):
    """Replace the cell's text with ``code`` as a paste would (no auto-indent, no auto-closed brackets)."""
    editor = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.wait_for_function(FOCUSED_JS, arg=[notebook, index], timeout=10_000)
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)
    page.wait_for_function(f"(a) => ({SOURCE_JS})(a) === a[2]", arg=[notebook, index, code], timeout=10_000)


def _shot(page, key, step):
    _lab.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = _lab.SCREENSHOT_DIR / f"links_{key.replace('.', '_')}_{step}.png"
    page.screenshot(path=str(path))
    return path


def _landed(page, lesson, heading, what):
    """Wait until the heading is shown and the lesson has stopped moving; returns where the heading is."""
    arg = [lesson, heading]
    try:
        page.wait_for_function(f"(a) => {{ const r = ({HEADING_JS})(a); return !!r && r.rendered && "
                               "r.top >= -1 && r.bottom <= r.height && r.top <= r.height / 8; }",
                               arg=arg, timeout=60_000, polling="raf")
    except Exception:  # playwright TimeoutError: the assert below says where the heading is instead
        pass
    page.evaluate("() => { window.__bpkitStill = null; }")
    page.wait_for_function(STILL_JS, arg=[lesson, heading, 30], timeout=60_000, polling="raf")
    where = page.evaluate(HEADING_JS, arg)
    assert where and where["found"], f"{lesson} has no heading {heading!r}"
    assert _shown(where), (f"{what}: {heading!r} is at {where.get('top', 0):.0f}px of the lesson's "
                           f"{where.get('height', 0):.0f}px visible area, not at its top")
    return where


def _click_link(page, notebook, check, title):
    link = page.locator(".jp-Notebook .jp-Cell").nth(check).locator(".jp-OutputArea a", has_text=title)
    link.scroll_into_view_if_needed()
    link.click()


@pytest.mark.browser
@pytest.mark.parametrize("key, exercise, code", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_diagnosis_link_opens_the_lesson_section(key, exercise, code, learner_lab, chromium):
    code = textwrap.dedent(code).strip() + "\n"
    # what bpkit.checks says in-process for the same function, and the section it links to
    namespace = {"np": np}
    exec(code, namespace)  # noqa: S102 - the test's own source
    said = run(key, namespace[PARTS[key].function])
    assert said, f"{key}: the wrong function passes the check in-process"
    title, href = lesson_section(key, said)
    lesson_rel = href.split("#", 1)[0]          # ../lessons/NN_topic.ipynb
    anchor = href.split("#", 1)[1] if "#" in href else ""
    assert lesson_rel.startswith("../lessons/"), href
    lesson = f"{LEARNER}/{lesson_rel[3:]}"
    heading = title.split('"', 1)[1].rsplit('"', 1)[0] if '"' in title else ""
    notebook = f"{LEARNER}/{exercise}"
    setup, solution, check = _cell_indices(learner_lab.root / notebook, key)

    context, page = _lab.new_page(chromium)
    try:
        _lab.open_notebook(page, learner_lab, notebook, f"bpkit-links-{secrets.token_hex(3)}")
        # 1. run the setup, paste the wrong function, run it and its check
        _run_cell(page, notebook, setup)
        _paste(page, notebook, solution, code)
        _run_cell(page, notebook, solution)
        _run_cell(page, notebook, check)
        page.wait_for_function(f"(a) => {{ const o = ({OUTPUT_JS})(a); return o.count !== null && "
                               "o.text.includes('Revisit'); }", arg=[notebook, check], timeout=120_000)
        out = page.evaluate(OUTPUT_JS, [notebook, check])
        page.locator(".jp-Notebook .jp-Cell").nth(check).scroll_into_view_if_needed()
        shots = [_shot(page, key, "1_diagnosis")]

        # 2. the words bpkit.checks gives in-process, and the check's link
        shown = " ".join(out["text"].split())
        assert f"✗ {' '.join(str(said).split())}" in shown, f"{key}: the check cell shows {out['text']!r}"
        assert f"Revisit {title}" in shown, f"{key}: no 'Revisit {title}' in {out['text']!r}"
        assert f'href="{html.escape(href)}"' in out["html"], f"{key}: link is not {href!r}: {out['html']!r}"
        link = page.locator(".jp-Notebook .jp-Cell").nth(check).locator(".jp-OutputArea a", has_text=title)
        assert link.count() == 1, f"{key}: {link.count()} links named {title!r} in the output"

        # 3. the click opens the lesson notebook of the learner's folder in its own tab, at the section
        _click_link(page, notebook, check, title)
        page.wait_for_function(f"(p) => ({CURRENT_JS})().path === p", arg=lesson, timeout=60_000)
        current = page.evaluate(CURRENT_JS)
        assert current["tab"] == Path(lesson).name, current
        try:
            first = _landed(page, lesson, heading, f"{key}: the click that opened the lesson")
        finally:
            shots.append(_shot(page, key, "2_lesson_opened"))
        assert anchor == f"cell-id={first['cell']}", f"{key}: {href} does not name the heading's cell {first['cell']!r}"

        # 4. the lesson scrolled away, the exercise again, the same link: the lesson is open now
        direction = page.evaluate(AWAY_JS, [lesson, heading])
        box = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, direction * 5 * box["height"])   # the learner scrolls away with the wheel
        page.wait_for_function(f"(a) => {{ const r = ({HEADING_JS})(a); return !r || !r.rendered || r.top < -1 || "
                               "r.bottom > r.height || r.top > r.height / 8; }", arg=[lesson, heading], timeout=10_000)
        page.locator(".lm-TabBar-tab", has_text=Path(notebook).name).first.click()
        page.wait_for_function(f"(p) => ({CURRENT_JS})().path === p", arg=notebook, timeout=30_000)
        _click_link(page, notebook, check, title)
        page.wait_for_function(f"(p) => ({CURRENT_JS})().path === p", arg=lesson, timeout=30_000)
        try:
            second = _landed(page, lesson, heading, f"{key}: the click on the open lesson")
        finally:
            shots.append(_shot(page, key, "3_link_again"))
        print(f"\n{key}: {said}\n  link {href}\n  first click: {lesson} opened with {heading!r} at "
              f"{first['top']:.0f}px of {first['height']:.0f}px; second click: at {second['top']:.0f}px; "
              f"screenshots {[str(s) for s in shots]}", end="")
        for png in shots:
            assert png.stat().st_size > 1000
    finally:
        context.close()
        learner_lab.shutdown_kernels()

