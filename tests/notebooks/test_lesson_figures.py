"""Every figure a lesson makes shows as a picture on a fresh kernel, never as ``<Figure size ...>``.

Issue 22: lessons 5 and 8 built ``matplotlib.figure.Figure`` directly in a kernel
with no inline backend, and five figures showed as the text
``<Figure size 600x320 with 1 Axes>``; every test passed, because none looked at
what a cell displays. :func:`bare_reprs` looks: an output whose only content is
the text repr of a matplotlib object (``<Figure ...>``, ``<Axes ...>``,
``<matplotlib....>``, ``Text(...)``), with no image and no live widget beside it.

Each lesson is executed once per test session. When nbval runs the lessons in
the same session (``course.py test``: ``pytest --nbval-lax tests lessons``) the
root conftest.py applies :func:`check_outputs` to every cell nbval executes, and
the nbclient run here skips that lesson rather than run it a second time. Run on
its own (``pytest tests/notebooks/test_lesson_figures.py``) it executes every
lesson, including any added later, with nbclient on a fresh ipc kernel.
"""
from __future__ import annotations

import copy
import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]*_*.ipynb"))

#: the text repr of a matplotlib object: what shows where a picture should be
BARE_REPR = re.compile(
    r"<(?:Figure size|Axes|matplotlib\.)|^\[?(?:Text|Line2D|Legend)\(",
    re.MULTILINE,
)
#: a live display: a widget view (an ipympl canvas, a panel) renders in the front end
LIVE = "application/vnd.jupyter.widget-view+json"


def bare_reprs(outputs):
    """The bare matplotlib reprs among a cell's outputs (list of str; empty when every figure is a picture).

    ``outputs`` are nbformat outputs (dicts with ``output_type``). A display or
    result counts when it has no image and no widget view and its ``text/plain``
    is a matplotlib repr; a stream counts when it prints one (``print(fig)``).
    """
    found = []
    for out in outputs:
        kind = out.get("output_type")
        if kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            if LIVE in data or any(mime.startswith("image/") for mime in data):
                continue
            text = data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            if BARE_REPR.search(text):
                found.append(text.strip())
        elif kind == "stream":
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            found.extend(m.group(0) for m in re.finditer(r"<(?:Figure size|Axes|matplotlib\.)[^>\n]*>?", text))
    return found


def check_outputs(outputs, where):
    """Raise AssertionError naming ``where`` when :func:`bare_reprs` finds anything."""
    found = bare_reprs(outputs)
    if found:
        raise AssertionError(
            f"{where} shows {found[0]!r} where a picture should be ({len(found)} bare repr(s)): "
            "build the figure with bpkit.plots.figure(...) (it displays as a PNG in any kernel), "
            "or assign the artists to _"
        )


def _run_by_nbval(session, lesson):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:
        return False
    return any(isinstance(item, IPyNbCell) and pathlib.Path(str(item.path)).resolve() == lesson
               for item in session.items)


# --- the checker itself ------------------------------------------------------------------------

def _display(data):
    return {"output_type": "display_data", "data": data, "metadata": {}}


def test_bare_figure_repr_is_caught():
    out = _display({"text/plain": "<Figure size 600x320 with 1 Axes>"})
    assert bare_reprs([out]) == ["<Figure size 600x320 with 1 Axes>"]
    result = {"output_type": "execute_result", "data": {"text/plain": "<Axes: xlabel='epoch'>"},
              "metadata": {}, "execution_count": 3}
    assert bare_reprs([result]) == ["<Axes: xlabel='epoch'>"]
    artists = _display({"text/plain": "[<matplotlib.lines.Line2D at 0x7f3a2c0>]"})
    assert len(bare_reprs([artists])) == 1
    title = _display({"text/plain": "Text(0.5, 1.0, 'cost')"})
    assert len(bare_reprs([title])) == 1
    printed = {"output_type": "stream", "name": "stdout", "text": "fig: <Figure size 640x480 with 0 Axes>\n"}
    assert bare_reprs([printed]) == ["<Figure size 640x480 with 0 Axes>"]
    with pytest.raises(AssertionError, match="cell 7 shows '<Figure size 600x320"):
        check_outputs([out], "cell 7")


def test_pictures_widgets_and_text_pass():
    png = _display({"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 600x320 with 1 Axes>"})
    canvas = _display({LIVE: {"model_id": "abc", "version_major": 2, "version_minor": 0},
                       "text/plain": "Canvas(toolbar=Toolbar(...))"})
    table = _display({"text/plain": "epoch 100: train cost 0.012, test cost 0.031"})
    printed = {"output_type": "stream", "name": "stdout", "text": "Figure 2 shows the costs\n"}
    assert bare_reprs([png, canvas, table, printed]) == []
    check_outputs([png, canvas, table, printed], "cell 1")


def test_course_figure_displays_as_png():
    """bpkit.plots.figure gives a PNG in a bare IPython shell (no backend, no pyplot)."""
    from IPython.core.formatters import DisplayFormatter

    from bpkit import plots

    fig = plots.figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    data, _ = DisplayFormatter().format(fig)
    assert isinstance(data["image/png"], bytes) and data["image/png"].startswith(b"\x89PNG")
    assert bare_reprs([_display(data)]) == []
    # the plain matplotlib Figure is what lessons 5 and 8 used: text only in the same shell
    from matplotlib.figure import Figure

    plain, _ = DisplayFormatter().format(Figure(figsize=(3, 2)))
    assert set(plain) == {"text/plain"} and bare_reprs([_display(plain)])


# --- every lesson on a fresh kernel ----------------------------------------------------------------

def test_every_lesson_is_checked():
    assert len(LESSONS) >= 8, [p.name for p in LESSONS]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_shows_every_figure(lesson, request):
    if _run_by_nbval(request.session, lesson):
        pytest.skip("nbval runs this lesson in this session; the root conftest.py checks its outputs")
    from nbclient import NotebookClient

    from bpkit._kernels import AsyncIpcKernelManager

    nb = nbformat.read(lesson, as_version=4)
    run = copy.deepcopy(nb)
    NotebookClient(run, timeout=300, kernel_name="python3", kernel_manager_class=AsyncIpcKernelManager,
                   resources={"metadata": {"path": str(lesson.parent)}}).execute()
    problems = []
    for i, cell in enumerate(run.cells):
        if cell.cell_type == "code":
            try:
                check_outputs(cell.outputs, f"{lesson.name} cell {i} ({cell.source.splitlines()[0][:60]!r})")
            except AssertionError as exc:
                problems.append(str(exc))
    assert not problems, "\n".join(problems)
