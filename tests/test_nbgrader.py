"""The real nbgrader on the course's notebooks gives the same scores as ``bpkit-grade``.

Builds an nbgrader course directory in a temporary folder, runs
``nbgrader generate_assignment`` on ``solutions/03_sigmoid_derivative_solution.ipynb``,
hands the released notebook to three students (right, wrong part 2, raising
part 2), runs ``nbgrader autograde`` and compares each graded cell's score
with the grading command's points for the same files. A fourth student calls
the reference ``bpkit.sigmoid_prime``: nbgrader, which only runs the tests,
gives full marks; the grading command's tripwire does not. That difference is
asserted too, since it is the reason the command exists.

Skipped when nbgrader is not installed (``pip install ".[grading]"`` from the repository).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

nbgrader = pytest.importorskip("nbgrader")
from nbgrader.api import Gradebook  # noqa: E402

from bpkit import grade  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NB = "03_sigmoid_derivative"
sys.path.insert(0, str(Path(__file__).resolve().parent / "grading"))
import submissions as subs  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.nbgrader, pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="no solutions/")]

STUDENTS = ["correct", "sigma_for_prime", "raises", "calls_reference"]


def _env():
    # nbgrader runs the ``alembic`` script of its environment: put that environment's bin first
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def nbgrader_cmd(course, *args):
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=str(course), env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.root = r'%s'\n"
        "c.CourseDirectory.course_id = 'bpkit'\n"
        "c.CourseDirectory.db_url = 'sqlite:///%s'\n"
        "c.ExecutePreprocessor.timeout = 60\n" % (course, course / "gradebook.db")
    )
    src = course / "source" / "ps03"
    src.mkdir(parents=True)
    shutil.copy(SOLUTIONS / f"{NB}_solution.ipynb", src / f"{NB}.ipynb")
    nbgrader_cmd(course, "generate_assignment", "ps03", "--force")
    released = nbformat.read(str(course / "release" / "ps03" / f"{NB}.ipynb"), as_version=4)
    for student in STUDENTS:
        path = course / "submitted" / student / "ps03" / f"{NB}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(subs.make_notebook(released, subs.SUBMISSIONS[student]), str(path))
    nbgrader_cmd(course, "autograde", "ps03", "--create", "--force")
    return course


def nbgrader_scores(course, monkeypatch):
    monkeypatch.setenv("PATH", _env()["PATH"])
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            for k in (1, 2):
                g = gb.find_grade(f"part{k}_tests", NB, "ps03", student)
                scores[(student, f"03.{k}")] = g.score
    return scores


def test_release_is_the_generated_exercise(course):
    released = nbformat.read(str(course / "release" / "ps03" / f"{NB}.ipynb"), as_version=4)
    ours = nbformat.read(str(ROOT / "exercises" / f"{NB}_exercise.ipynb"), as_version=4)
    assert [c.source for c in released.cells] == [c.source for c in ours.cells]


def test_same_scores_as_nbgrader_autograde(course, monkeypatch):
    theirs = nbgrader_scores(course, monkeypatch)
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=99, timeout=30)
    results = grade.grade_paths([course / "submitted"], cfg, jobs=2)
    ours = {(r["student"], p["part"]): p["points"] for r in results for p in r["parts"]}
    assert {r["student"] for r in results} == set(STUDENTS)
    for student in ("correct", "sigma_for_prime", "raises"):
        for key in ("03.1", "03.2"):
            assert ours[(student, key)] == theirs[(student, key)], (student, key, ours, theirs)
    assert theirs[("correct", "03.1")] + theirs[("correct", "03.2")] == 4
    assert theirs[("raises", "03.2")] == 0 and theirs[("sigma_for_prime", "03.2")] == 0
    # nbgrader only runs the tests, so calling the reference passes; the tripwire does not
    assert theirs[("calls_reference", "03.2")] == 2
    assert ours[("calls_reference", "03.2")] == 0
