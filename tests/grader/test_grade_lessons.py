"""Realistic wrong answers in exercises 04 and 05, graded end to end by ``python -m bpkit.grade``.

``tests/grader/test_grade.py`` covers the failure modes on exercise 03; these check that
the same machinery gives the right points and the checks' diagnoses on the
matrix-shaped exercises, where the classic backprop mistakes live.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="no solutions/")]


def solution_code(notebook):
    nb = nbformat.read(SOLUTIONS / f"{notebook}_solution.ipynb", as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [ln for ln in cell.source.splitlines() if "### BEGIN SOLUTION" not in ln
                     and "### END SOLUTION" not in ln]
            out[meta["grade_id"]] = "\n".join(lines) + "\n"
    return out


def submission(tmp, notebook, student, changes):
    """The exercise a learner receives, filled in with the solution, then ``changes`` applied:
    {grade_id: (old, new)} text replacements in that solution cell."""
    code = solution_code(notebook)
    nb = nbformat.read(EXERCISES / f"{notebook}_exercise.ipynb", as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in code:
            src = code[gid]
            if gid in changes:
                old, new = changes[gid]
                assert old in src, (gid, old)
                src = src.replace(old, new)
            cell.source = src
    folder = tmp / "submitted" / student
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{notebook}.ipynb")


CASES = {
    # student: (notebook, changes, {part: (points, message fragment)})
    "divided_by_m": (
        "04_delta_accumulation",
        {"part2_code": ("    total = sample_weight.sum()\n", "    total = X.shape[0]\n")},
        {"04.1": (4, "ok"), "04.2": (0, "you divided by m"), "04.3": (4, "ok")},
    ),
    "theta_bias_regularized": (
        "04_delta_accumulation",
        {"part3_code": ("Theta1_grad[:, :-1] += lam / m * Theta1[:, :-1]", "Theta1_grad += lam / m * Theta1")},
        {"04.1": (4, "ok"), "04.2": (4, "ok"), "04.3": (0, "the bias column too")},
    ),
    "theta_bias_row_kept": (
        "04_delta_accumulation",
        {"part3_code": ("(Theta2.T @ delta3)[:-1] * s2 * (1 - s2)", "(Theta2.T @ delta3) * s2 * (1 - s2)")},
        {"04.1": (4, "ok"), "04.2": (4, "ok"), "04.3": (0, "drop the last row")},
    ),
    "regularized_bias": (
        "05_regularization",
        {"part2_code": ("return dW1, delta2.sum(axis=0) / m, dW2, delta3.sum(axis=0) / m",
                        "return dW1, (delta2.sum(axis=0) + lam * b1) / m, dW2, (delta3.sum(axis=0) + lam * b2) / m")},
        {"05.1": (3, "ok"), "05.2": (0, "bias")},
    ),
    "lesson_convention": (
        "05_regularization",
        {"part1_code": ("penalty = lam1 / 2 * np.sum(W1 ** 2) + lam2 / 2 * np.sum(W2 ** 2)",
                        "penalty = (lam1 * np.sum(W1 ** 2) + lam2 * np.sum(W2 ** 2)) / (2 * m)")},
        {"05.1": (0, "lesson 5's convention"), "05.2": (4, "ok")},
    ),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lessons")
    for student, (notebook, changes, _) in CASES.items():
        submission(tmp, notebook, student, changes)
    out = tmp / "grades"
    proc = subprocess.run(
        [sys.executable, "-m", "bpkit.grade", str(tmp / "submitted"), "--out", str(out),
         "--solutions", str(SOLUTIONS), "--jobs", "2", "--seed", "77"],
        capture_output=True, text=True, timeout=600, cwd=str(tmp),
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "grades.json").read_text())


@pytest.mark.parametrize("student", sorted(CASES))
def test_wrong_answer_gets_its_points_and_diagnosis(graded, student):
    result = next(r for r in graded["submissions"] if r["student"] == student)
    parts = {p["part"]: p for p in result["parts"]}
    for key, (points, fragment) in CASES[student][2].items():
        assert parts[key]["points"] == points, (key, parts[key])
        assert fragment.lower() in parts[key]["message"].lower(), (key, parts[key]["message"])
