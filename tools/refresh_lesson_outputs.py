"""Re-run lessons and store the outputs nbval compares, and nothing else.

    python tools/refresh_lesson_outputs.py                    # every lesson
    python tools/refresh_lesson_outputs.py lessons/01_cost.ipynb
    python tools/refresh_lesson_outputs.py --check            # exit 1 if a stored output is stale
    python tools/refresh_lesson_outputs.py --note-only        # only (re)write the reopen note, run nothing

Lessons are committed without outputs except the cells whose first line is
``# NBVAL_CHECK_OUTPUT``: their printed text is what ``pytest --nbval-lax``
compares on every run. Every other cell is cleared, the notebook's saved widget
state is dropped, and no cell keeps an execution count, so a lesson nobody has
run does not look as if it had run (nbval 0.11 would skip, or fail, a stored
output without a count; ``conftest.py (at the root)`` gives those cells one in memory
while the tests run). The second cell of every lesson is the note on reopening
and restarting, ``REOPEN_NOTE``, written here. Run this after you change a
lesson on purpose, look at the diff, and commit it.
"""
from __future__ import annotations

import argparse
import copy
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

from bpkit._kernels import AsyncIpcKernelManager

ROOT = pathlib.Path(__file__).resolve().parents[1]
MARK = "# NBVAL_CHECK_OUTPUT"

#: the note every lesson carries as its second cell (right after the title and objectives)
REOPEN_NOTE_ID = "reopen-note"
REOPEN_NOTE = (
    "> **Opened this notebook again, or restarted the kernel?** The panels (sliders and their plots)\n"
    "> from the last session are dead: they show *Error displaying widget: model not found*, or they say\n"
    "> *not connected to a running kernel* and no longer compute anything. Choose **Run ▸ Run All Cells**\n"
    "> (or run the cells in order from the first one) to bring them back. Printed results you see before\n"
    "> running a cell were stored with the lesson."
)


def put_reopen_note(nb):
    """Make the notebook's second cell the reopen note (inserted, or rewritten if it is there already)."""
    cells = nb.cells
    for i, cell in enumerate(cells):
        if cell.get("id") == REOPEN_NOTE_ID:
            del cells[i]
            break
    note = nbformat.v4.new_markdown_cell(REOPEN_NOTE)
    note["id"] = REOPEN_NOTE_ID
    cells.insert(1, note)
    return nb


def _joined(outputs):
    """One stdout stream: the kernel splits prints at flush times, which vary (nbval joins them too)."""
    return [nbformat.v4.new_output("stream", name="stdout", text="".join(o.text for o in outputs))]


def executed(path):
    nb = nbformat.read(path, as_version=4)
    run = copy.deepcopy(nb)
    NotebookClient(run, timeout=300, kernel_name="python3",
                   kernel_manager_class=AsyncIpcKernelManager,   # no TCP port race (bpkit/_kernels.py)
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("widgets", None)  # widget state is never committed (views would show stale models)
    for cell, done in zip(nb.cells, run.cells):
        if cell.cell_type != "code":
            continue
        if cell.source.startswith(MARK):
            bad = [o for o in done.outputs if not (o.output_type == "stream" and o.name == "stdout")]
            if bad or not done.outputs:
                raise SystemExit(f"{path.name}: a checked cell must print to stdout only: {cell.source[:70]!r}")
            cell.outputs = _joined(done.outputs)
        else:
            cell.outputs = []
        cell.execution_count = None  # an unrun lesson must not look run (stream outputs carry no count)
    return put_reopen_note(nb)


def noted(path):
    """The notebook with the reopen note in place and no execution counts, without running it."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] = None
    return put_reopen_note(nb)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=pathlib.Path)
    ap.add_argument("--check", action="store_true", help="only report stale notebooks")
    ap.add_argument("--note-only", action="store_true",
                    help="only write the reopen note and drop execution counts; run no kernel")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "lessons").glob("[0-9][0-9]*_*.ipynb"))
    stale = []
    for path in paths:
        path = path.resolve()
        new = nbformat.writes(noted(path) if args.note_only else executed(path)) + "\n"
        old = path.read_text()
        if new != old:
            stale.append(path.name)
            if not args.check:
                path.write_text(new)
        print(f"{path.name}: {'stale' if new != old and args.check else 'updated' if new != old else 'up to date'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
