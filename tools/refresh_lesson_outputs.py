"""Re-run lessons and store the outputs nbval compares, and nothing else.

    python tools/refresh_lesson_outputs.py                    # every lesson
    python tools/refresh_lesson_outputs.py lessons/01_cost.ipynb
    python tools/refresh_lesson_outputs.py --check            # exit 1 if a stored output is stale

Lessons are committed without outputs except the cells whose first line is
``# NBVAL_CHECK_OUTPUT``: their printed text is what ``pytest --nbval-lax``
compares on every run. nbval skips a cell whose ``execution_count`` is None,
so those cells keep a count; every other cell is cleared, and the notebook's
saved widget state is dropped. Run this after you
change a lesson on purpose, look at the diff, and commit it.
"""
from __future__ import annotations

import argparse
import copy
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
MARK = "# NBVAL_CHECK_OUTPUT"


def _joined(outputs):
    """One stdout stream: the kernel splits prints at flush times, which vary (nbval joins them too)."""
    return [nbformat.v4.new_output("stream", name="stdout", text="".join(o.text for o in outputs))]


def executed(path):
    nb = nbformat.read(path, as_version=4)
    run = copy.deepcopy(nb)
    NotebookClient(run, timeout=300, kernel_name="python3",
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
            cell.execution_count = done.execution_count
        else:
            cell.outputs = []
            cell.execution_count = None
    return nb


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=pathlib.Path)
    ap.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    stale = []
    for path in paths:
        path = path.resolve()
        new = nbformat.writes(executed(path)) + "\n"
        old = path.read_text()
        if new != old:
            stale.append(path.name)
            if not args.check:
                path.write_text(new)
        print(f"{path.name}: {'stale' if new != old and args.check else 'updated' if new != old else 'up to date'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
