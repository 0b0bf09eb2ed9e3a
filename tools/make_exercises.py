"""Generate the student notebooks ``exercises/`` from the answer keys ``solutions/``.

    python tools/make_exercises.py           # (re)write exercises/NN_<topic>_exercise.ipynb
    python tools/make_exercises.py --check   # exit 1 and name the stale files if out of date

``solutions/NN_<topic>_solution.ipynb`` is the only source. The student version
is made by nbgrader's own preprocessors, run without its course database, in
the order of nbgrader's ``generate_assignment``:

* ``LockCells``: read-only prompt, check and test cells;
* ``ClearSolutions``: code between ``### BEGIN SOLUTION`` / ``### END SOLUTION``
  becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()``;
* ``ClearOutput``; ``CheckCellMetadata`` (before and after);
* ``ComputeChecksums``: before and after ``ClearHiddenTests`` as nbgrader does,
  so nbgrader can tell whether a graded cell was edited;
* ``ClearHiddenTests``: drops the lines between ``### BEGIN HIDDEN TESTS`` /
  ``### END HIDDEN TESTS``.

A solution cell with nbgrader metadata that is neither solution, tests nor
locked is refused (:func:`untyped_cells`): nbgrader does not record such cells,
and ``autograde`` would warn about each of them on every submission.

nbgrader is needed only here (the ``grading`` extra), never by learners. The
output is deterministic: the same solutions give byte-identical exercises, so
``--check`` (and ``tests/notebooks/test_exercise_notebooks.py``, which calls :func:`stale_files`)
can tell when someone edited a solution and forgot to regenerate.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SUFFIX_IN = "_solution.ipynb"
SUFFIX_OUT = "_exercise.ipynb"


def exercise_name(solution_path):
    """``solutions/03_sigmoid_derivative_solution.ipynb`` -> ``03_sigmoid_derivative_exercise.ipynb``."""
    name = pathlib.Path(solution_path).name
    if not name.endswith(SUFFIX_IN):
        raise ValueError(f"a solution notebook must be named NN_<topic>{SUFFIX_IN}, got {name!r}")
    return name[: -len(SUFFIX_IN)] + SUFFIX_OUT


def _preprocessors():
    try:
        from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                            ClearSolutions, ComputeChecksums, LockCells)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "make_exercises needs nbgrader (pip install 'bpkit[grading]' or pip install nbgrader); "
            f"import failed: {exc}"
        ) from None
    return [LockCells(), ClearSolutions(), ClearOutput(), CheckCellMetadata(), ComputeChecksums(),
            ClearHiddenTests(), ComputeChecksums(), CheckCellMetadata()]


def untyped_cells(nb):
    """grade_ids of cells with nbgrader metadata that are neither solution, test (grade) nor locked.

    nbgrader records only those three kinds in its database, so ``autograde``
    warns "Cell '<grade_id>' does not exist in the database" on every submission
    that has such a cell. A cell the learner may edit freely carries no nbgrader
    metadata; a read-only one (the ``*_explore`` cells: they only run the
    learner's functions) is ``locked``.
    """
    out = []
    for cell in nb.cells:
        md = cell.metadata.get("nbgrader")
        if md is not None and not (md.get("solution") or md.get("grade") or md.get("locked") or md.get("task")):
            out.append(md.get("grade_id") or (cell.source.splitlines()[0][:40] if cell.source else "?"))
    return out


def render(solution_path):
    """The exercise notebook for one solution notebook, as the exact text to write."""
    import nbformat

    nb = nbformat.read(str(solution_path), as_version=4)
    untyped = untyped_cells(nb)
    if untyped:
        raise SystemExit(
            f"{pathlib.Path(solution_path).name}: cell(s) {', '.join(untyped)} carry nbgrader metadata but are "
            "neither solution, tests nor locked, so nbgrader autograde would warn \"does not exist in the "
            "database\" on every submission: mark them locked (read-only) or remove their nbgrader metadata")
    resources = {}
    for pp in _preprocessors():
        nb, resources = pp.preprocess(nb, resources)
    for cell in nb.cells:  # nothing run-dependent in the student version
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = []
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def expected():
    """Map exercise path -> text, for every solution notebook."""
    sols = sorted(SOLUTIONS.glob(f"*{SUFFIX_IN}"))
    if not sols:
        raise SystemExit(f"no solution notebooks (*{SUFFIX_IN}) in {SOLUTIONS.name}/")
    return {EXERCISES / exercise_name(p): render(p) for p in sols}


def stale_files():
    """Exercise files that are missing, differ from what the solutions give, or have no solution.

    Returns
    -------
    list of str
        Paths relative to the repository root; empty when ``exercises/`` is up to date.
    """
    want = expected()
    stale = [p for p, text in want.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    extra = [p for p in EXERCISES.glob(f"*{SUFFIX_OUT}") if p not in want]
    return sorted(str(p.relative_to(ROOT)) for p in stale + extra)


def write():
    """Regenerate ``exercises/``; remove exercises whose solution is gone. Returns the paths written."""
    EXERCISES.mkdir(exist_ok=True)
    want = expected()
    written = []
    for path, text in want.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(str(path.relative_to(ROOT)))
    for path in EXERCISES.glob(f"*{SUFFIX_OUT}"):
        if path not in want:
            path.unlink()
            written.append(f"{path.relative_to(ROOT)} (removed)")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 and list the stale files if exercises/ is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        if stale:
            print("exercises/ is out of date; run `python tools/make_exercises.py`. Stale:")
            for s in stale:
                print(f"  {s}")
            return 1
        print(f"exercises/ is up to date ({len(expected())} notebooks)")
        return 0
    written = write()
    print(f"wrote {len(written)} file(s)" + "".join(f"\n  {w}" for w in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
