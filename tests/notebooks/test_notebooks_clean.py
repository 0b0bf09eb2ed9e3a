"""Committed notebooks hold no widget state, no images, no execution counts and no outputs except the checked ones.

A lesson's ``# NBVAL_CHECK_OUTPUT`` cells keep their printed text (that text is
nbval's test); every other cell is stored empty. Saved widget state would make
a reopened notebook show "Error displaying widget: model not found" and bloat
the file (tools/refresh_lesson_outputs.py drops it). No code cell and no output
keeps an execution count: a lesson nobody has run must not show ``[3]:`` beside
its stored outputs as if it had run (issue 14; conftest.py (at the root) lets nbval
compare them anyway).
"""
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MARK = "# NBVAL_CHECK_OUTPUT"
NOTEBOOKS = sorted(p for d in ("lessons", "exercises", "solutions") for p in (ROOT / d).glob("[0-9][0-9]*_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_holds_no_widget_state_or_stray_outputs(path):
    nb = json.loads(path.read_text())
    assert "widgets" not in nb.get("metadata", {}), "saved widget state: run tools/refresh_lesson_outputs.py"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            assert not cell.get("attachments"), f"cell {i} carries attachments"
            continue
        source = "".join(cell["source"])
        outputs = cell.get("outputs", [])
        assert cell.get("execution_count") is None, \
            f"cell {i} stores an execution count {cell.get('execution_count')}: run tools/refresh_lesson_outputs.py"
        assert all(o.get("execution_count") is None for o in outputs), f"an output of cell {i} stores an execution count"
        if source.startswith(MARK):
            assert all(o["output_type"] == "stream" and o["name"] == "stdout" for o in outputs), \
                f"checked cell {i} may only store printed text"
        else:
            assert outputs == [], f"cell {i} stores outputs (only {MARK} cells may)"
