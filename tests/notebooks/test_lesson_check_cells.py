"""Checks that only keep a panel honest are folded, so each open code cell shows one idea (issue 22, item 6).

A lesson drives its panels from code and asserts that their readouts are bpkit's own
numbers. Those asserts guard the course, not the idea the learner reads, so a cell that
holds two or more of them is either short (``MAX_OPEN_LINES`` lines at most, right after the
cell it checks) or folded: its cell metadata has ``"jupyter": {"source_hidden": true}``,
which JupyterLab reads when it opens the notebook (``loadCollapseState``) and shows as a
collapsed bar with the cell's first line. Either way the first line is a comment saying what
the cell guards, so a folded cell's bar says it too. Its outputs (a printed "panel readout matches ...") stay visible.
"""
from __future__ import annotations

import ast
import pathlib

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]*_*.ipynb"))
#: a cell with this many assert statements or more is a check cell
MIN_ASSERTS = 2
#: a check cell this short (comment included) may stay open
MAX_OPEN_LINES = 4


def asserts(source):
    """How many ``assert`` statements a cell's code holds (magics skipped)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return sum(isinstance(node, ast.Assert) for node in ast.walk(ast.parse("\n".join(lines))))


def unfolded_checks(cells):
    """Problems (list of str) among ``(index, cell)`` pairs: check cells long and open, or with no comment on top."""
    problems = []
    for i, cell in cells:
        if cell.cell_type != "code" or asserts(cell.source) < MIN_ASSERTS:
            continue
        lines = cell.source.strip().splitlines()
        folded = cell.metadata.get("jupyter", {}).get("source_hidden")
        if not folded and len(lines) > MAX_OPEN_LINES:
            problems.append(f"cell {i}: {asserts(cell.source)} asserts in {len(lines)} lines and is not "
                            'folded (metadata "jupyter": {"source_hidden": true})')
        elif not lines[0].startswith("#") or lines[0].startswith("# NBVAL"):
            problems.append(f"cell {i}: the first line {lines[0][:50]!r} does not say what its asserts guard")
    return problems


def test_an_open_check_cell_is_found():
    open_cell = nbformat.v4.new_code_cell("panel.slider.value = 1\nassert panel.x.value == 1\n"
                                          "assert panel.y.value == 2")
    folded_bare = nbformat.v4.new_code_cell("panel.slider.value = 1\nassert a\nassert b")
    folded_bare.metadata["jupyter"] = {"source_hidden": True}
    folded = nbformat.v4.new_code_cell("# guards the panel\nassert a\nassert b")
    folded.metadata["jupyter"] = {"source_hidden": True}
    one = nbformat.v4.new_code_cell("print(x)\nassert 1 < r < 1.1")
    short = nbformat.v4.new_code_cell("# guards the panel\npanel.slider.value = 2\nassert a\nassert b")
    long_open = nbformat.v4.new_code_cell("# guards the panel\n" + "assert a\n" * 4)
    cells = [open_cell, folded_bare, folded, one, short, long_open]
    assert [p.split(":")[0] for p in unfolded_checks(list(enumerate(cells)))] == ["cell 0", "cell 1", "cell 5"]


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_panel_checks_are_folded(lesson):
    nb = nbformat.read(lesson, as_version=4)
    problems = unfolded_checks(list(enumerate(nb.cells)))
    assert not problems, f"{lesson.name}: " + "; ".join(problems)
