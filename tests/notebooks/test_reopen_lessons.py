"""Reopening and restarting (issue 14, item 4): the note in every lesson, lessons that do not look run,
and nbval still comparing the checked outputs when they carry no execution count.

The browser side (a panel whose kernel restarted says so) is tests/browser/test_reopen_browser.py.
"""
import importlib.util
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]*_*.ipynb"))


def _refresh_tool():
    spec = importlib.util.spec_from_file_location("refresh_lesson_outputs", ROOT / "tools" / "refresh_lesson_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _refresh_tool()


def test_there_are_nine_lessons():
    # lesson 4 is two notebooks: 04_ (one example at a time) and 04b_ (the batch at once, cross-entropy, Theta)
    assert [p.name.split("_")[0] for p in LESSONS] == ["01", "02", "03", "04", "04b", "05", "06", "07", "08", "09"]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_tells_what_to_do_after_reopening(path):
    nb = nbformat.read(path, as_version=4)
    note = nb.cells[1]
    assert note.cell_type == "markdown" and note.get("id") == TOOL.REOPEN_NOTE_ID, \
        f"{path.name}: the second cell must be the reopen note (python tools/refresh_lesson_outputs.py --note-only)"
    assert note.source == TOOL.REOPEN_NOTE, f"{path.name}: the reopen note differs from REOPEN_NOTE"
    assert nb.cells[0].source.startswith("# Lesson"), f"{path.name}: the note sits right after the title cell"
    assert sum(c.get("id") == TOOL.REOPEN_NOTE_ID for c in nb.cells) == 1


def test_reopen_note_says_what_to_do():
    note = TOOL.REOPEN_NOTE
    for words in ("Opened this notebook again", "restarted the kernel", "Run ▸ Run All Cells",
                  "model not found", "not connected to a running kernel"):
        assert words in note
    assert len(note.split()) < 90, "the note is meant to be short"


def test_note_is_idempotent():
    nb = nbformat.read(LESSONS[0], as_version=4)
    once = nbformat.writes(TOOL.put_reopen_note(nb))
    assert nbformat.writes(TOOL.put_reopen_note(nbformat.reads(once, as_version=4))) == once


def test_panel_status_text_matches_the_note():
    """The words the note quotes are the words a dead panel shows."""
    from bpkit.widgets import _common

    assert "not connected to a running kernel" in _common.OFFLINE_TEXT
    assert "Run All Cells" in _common.OFFLINE_TEXT


def _notebook(path, printed, stored):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(f"# NBVAL_CHECK_OUTPUT\nprint({printed!r})")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored + "\n")]
    cell.execution_count = None
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), cell]
    nbformat.write(nb, path)


@pytest.mark.slow
def test_nbval_compares_checked_outputs_without_execution_counts(tmp_path):
    """nbval alone fails such cells ("Unrun reference cell has outputs"); with conftest.py (at the root) it
    compares them: a right stored output passes, a wrong one fails with "Cell outputs differ"."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    _notebook(folder / "right.ipynb", "two", "two")
    _notebook(folder / "wrong.ipynb", "two", "three")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-q", "lessons"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    out = run.stdout + run.stderr
    assert "1 failed, 3 passed" in out, out[-3000:]
    assert "FAILED lessons/wrong.ipynb::Cell 1" in out and "Cell outputs differ" in out, out[-3000:]
    assert "Unrun reference cell" not in out, out[-3000:]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_reopen_{pathlib.Path(name).name}", ROOT / "tests" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PANELS = _load("views/test_panels")  # its FACTORIES build every panel of bpkit.widgets


@pytest.mark.parametrize("name", sorted(PANELS.FACTORIES))
def test_every_panel_says_when_its_kernel_is_gone(name):
    """Each panel's outer box starts with the status child; its message is shown by CSS only while
    ipywidgets marks the box disconnected (the browser test watches that happen)."""
    panel = PANELS.build(name, use_ipympl=False)
    box = panel.widget
    status = box.children[0]
    assert "bpkit-status" in status._dom_classes, f"{name}: the first child of the box is not the status"
    assert sum("bpkit-status" in getattr(c, "_dom_classes", ()) for c in box.children) == 1
    html = status.value
    assert "not connected to a running kernel" in html
    assert ".bpkit-panel.jupyter-widgets-disconnected > .bpkit-status { display: block; }" in html
    assert ".bpkit-panel > .bpkit-status { display: none;" in html
