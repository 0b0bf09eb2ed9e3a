"""nbval compares the lessons' checked outputs although they carry no execution count.

(At the repository's root, not in lessons/: that folder ships inside the wheel as a package,
and every .py file in it would go along.)

Committed lessons hold no execution counts, so a lesson nobody has run does not
show ``[3]:`` prompts beside its stored outputs as if it had run (issue 14).
nbval 0.11 reads a cell whose ``execution_count`` is None as "never run" and
fails it when it has outputs ("Unrun reference cell has outputs"). In the
lessons a stored output *is* the reference (only ``# NBVAL_CHECK_OUTPUT`` cells
keep one, see tools/refresh_lesson_outputs.py), so before the tests run every
collected cell of a notebook in this folder that stores outputs gets a count in
memory; the file is not touched, and nbval compares those outputs as before.
tests/test_reopen.py checks that a wrong stored output still fails.
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent / "lessons"


def pytest_collection_modifyitems(items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing collects the notebooks
        return
    for item in items:
        if not isinstance(item, IPyNbCell) or Path(str(item.path)).resolve().parent != HERE:
            continue
        cell = item.cell
        if cell.get("outputs") and cell.get("execution_count") is None:
            cell["execution_count"] = item.cell_num + 1
