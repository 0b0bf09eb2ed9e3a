"""The exercise notebooks: solutions run clean, exercises are generated, up to date, and runnable."""
import copy
import importlib.util
import pathlib
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from bpkit import checks
from bpkit._kernels import AsyncIpcKernelManager

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("*_solution.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*_exercise.ipynb"))
NBGRADER_KEYS = {"grade", "grade_id", "locked", "schema_version", "solution", "task"}


def load_tool():
    spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def topic(path):
    return path.name.rsplit("_", 1)[0]


def execute(path, allow_errors):
    nb = nbformat.read(path, as_version=4)
    # timeout: a guard against a hung cell, not a speed limit (exercise 8 trains the digits: on a machine
    # whose two cores are busy with other work one cell has taken over 120 s)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=allow_errors,
                            kernel_manager_class=AsyncIpcKernelManager,   # no TCP port race (bpkit/_kernels.py)
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def by_id(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells}


def text_of(cell, name=None):
    """What a cell printed (stream ``name``, or all) and, unless stderr is asked for, the plain text of what it
    displayed (check() shows a verdict with a link as a display, its plain text beside the HTML)."""
    return "".join(o.get("text", "") if o.output_type == "stream" else o.get("data", {}).get("text/plain", "")
                   for o in cell.get("outputs", [])
                   if (o.output_type == "stream" and (name is None or o.name == name))
                   or (o.output_type == "display_data" and name != "stderr"))


# --------------------------------------------------------------- the sources
def test_one_solution_per_notebook_of_the_registry():
    assert [topic(p) for p in SOLUTIONS] == list(checks.NOTEBOOKS)


@pytest.mark.parametrize("path", SOLUTIONS, ids=topic)
def test_solution_metadata_matches_the_registry(path):
    nb = nbformat.read(path, as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    for cell in nb.cells:
        md = cell.metadata.get("nbgrader")
        assert md is not None and NBGRADER_KEYS <= set(md), cell.source[:60]
        assert md["schema_version"] == 3 and md["task"] is False
        assert ("points" in md) == md["grade"]
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit solutions without outputs"
    cells = by_id(nb)
    parts = checks.parts_for(topic(path))
    assert 2 <= len(parts) <= 5
    assert sum(1 for c in nb.cells if c.metadata["nbgrader"]["grade"]) == len(parts)
    for k, part in enumerate(parts, start=1):
        prompt, code, chk, tests = (cells[f"part{k}_{s}"] for s in ("prompt", "code", "check", "tests"))
        order = [nb.cells.index(c) for c in (prompt, code, chk, tests)]
        assert order == sorted(order) and order[-1] - order[0] == 3, "prompt, code, check, tests in a row"
        assert prompt.cell_type == "markdown" and prompt.metadata["nbgrader"]["locked"]
        assert code.metadata["nbgrader"]["solution"] and not code.metadata["nbgrader"]["locked"]
        assert re.search(rf"^def {part.function}\(", code.source, re.M), part.function
        assert "### BEGIN SOLUTION" in code.source and "### END SOLUTION" in code.source
        assert chk.source.strip() == f'_ = check("{part.key}", {part.function})'
        assert chk.metadata["nbgrader"]["locked"] and not chk.metadata["nbgrader"]["grade"]
        md = tests.metadata["nbgrader"]
        assert md["grade"] and md["locked"] and md["grade_id"] == part.grade_id
        assert md["points"] == part.points, f"{part.key}: notebook says {md['points']}, PARTS says {part.points}"
        assert "### BEGIN HIDDEN TESTS" in tests.source and "### END HIDDEN TESTS" in tests.source
        assert f'bpkit.checks.run("{part.key}", {part.function}' in tests.source


# ------------------------------------------------------------ generation
def test_exercises_are_up_to_date():
    stale = load_tool().stale_files()
    assert stale == [], f"exercises/ is out of date ({stale}); run `python tools/make_exercises.py`"


def test_generation_is_deterministic():
    tool = load_tool()
    for path in SOLUTIONS:
        assert tool.render(path) == tool.render(path)


def test_check_names_stale_missing_and_orphan_files(tmp_path, monkeypatch, capsys):
    tool = load_tool()
    out = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", out)
    monkeypatch.setattr(tool, "EXERCISES", out)
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "SOLUTIONS", ROOT / "solutions")
    assert tool.main(["--check"]) == 0
    edited = out / "03_sigmoid_derivative_exercise.ipynb"
    edited.write_text(edited.read_text().replace("sigmoid", "sigmoyd"))
    (out / "06_sgd_exercise.ipynb").unlink()
    (out / "99_extra_exercise.ipynb").write_text("{}")
    capsys.readouterr()
    assert tool.main(["--check"]) == 1
    report = capsys.readouterr().out
    for name in ("03_sigmoid_derivative_exercise", "06_sgd_exercise", "99_extra_exercise"):
        assert name in report
    tool.write()
    assert tool.stale_files() == []
    assert not (out / "99_extra_exercise.ipynb").exists()


@pytest.mark.parametrize("path", EXERCISES, ids=topic)
def test_exercise_hides_solutions_and_hidden_tests(path):
    nb = nbformat.read(path, as_version=4)
    sol = nbformat.read(ROOT / "solutions" / path.name.replace("_exercise", "_solution"), as_version=4)
    assert [c.metadata["nbgrader"]["grade_id"] for c in nb.cells] == \
        [c.metadata["nbgrader"]["grade_id"] for c in sol.cells]
    for cell in nb.cells:
        src = cell.source
        assert "BEGIN SOLUTION" not in src and "HIDDEN TESTS" not in src and "bpkit.checks.run" not in src
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        md = cell.metadata["nbgrader"]
        if md["solution"]:
            assert "raise NotImplementedError()" in src and "# YOUR CODE HERE" in src
        if md["grade"] or md["solution"]:
            assert "checksum" in md  # nbgrader can tell an edited graded cell
        if md["locked"]:
            assert cell.metadata.get("editable") is False and cell.metadata.get("deletable") is False


# --------------------------------------------------------------- running
@pytest.mark.parametrize("path", SOLUTIONS, ids=topic)
def test_solution_runs_with_every_check_passing(path):
    nb = execute(path, allow_errors=False)
    cells = by_id(nb)
    for part in checks.parts_for(topic(path)):
        k = part.grade_id[4]
        assert text_of(cells[f"part{k}_check"]).startswith(f"✓ {part.function} is correct"), \
            text_of(cells[f"part{k}_check"])
        tests = cells[part.grade_id]
        assert tests.outputs == [], f"{part.grade_id} must print nothing (stdout or stderr): {tests.outputs}"
    for cell in nb.cells:
        assert text_of(cell, "stderr") == "", (cell.metadata["nbgrader"]["grade_id"], text_of(cell, "stderr"))


@pytest.mark.parametrize("path", EXERCISES, ids=topic)
def test_exercise_runs_and_says_what_to_do(path):
    nb = execute(path, allow_errors=True)
    cells = by_id(nb)
    for part in checks.parts_for(topic(path)):
        k = part.grade_id[4]
        assert f"{part.function} is not written yet" in text_of(cells[f"part{k}_check"])
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                assert out.ename == "NotImplementedError", (cell.metadata["nbgrader"]["grade_id"], out.ename,
                                                            out.evalue)
    assert by_id(nb)["setup"].outputs == []


def test_filled_in_exercise_scores_like_the_solution(tmp_path):
    """Paste the model answers into the student version: every check says ✓, every visible test passes."""
    ex = nbformat.read(ROOT / "exercises" / "04_delta_accumulation_exercise.ipynb", as_version=4)
    sol = by_id(nbformat.read(ROOT / "solutions" / "04_delta_accumulation_solution.ipynb", as_version=4))
    for cell in ex.cells:
        gid = cell.metadata["nbgrader"]["grade_id"]
        if cell.metadata["nbgrader"]["solution"]:
            cell.source = "\n".join(line for line in sol[gid].source.splitlines() if "### " not in line)
    path = tmp_path / "04_filled.ipynb"
    nbformat.write(copy.deepcopy(ex), path)
    nb = execute(path, allow_errors=False)
    assert all(text_of(c).startswith("✓") for c in nb.cells if c.metadata["nbgrader"]["grade_id"].endswith("_check"))
