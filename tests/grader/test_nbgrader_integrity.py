"""A submission cannot hide a forbidden call from nbgrader by replacing the grader's own functions (issue 21).

nbgrader runs a part's hidden test (``bpkit.checks.run(...)``) in the student's
kernel. Each submission below calls ``bpkit.sigmoid_prime`` in part 2 (the
function exercise 3 asks the learner to write) and replaces something the
hidden test relies on: ``bpkit.checks.run``, the module in ``sys.modules``,
``np.allclose`` / ``np.array_equal``, ``sys.setprofile``, the module's
``__dict__``, the name ``bpkit`` itself, numpy before the setup cell has run,
the guard's own module, or the checks' internals. All of them go through ONE ``nbgrader autograde`` run
(one course, a student each, beside an honest one) and through ``bpkit-grade``:

* nbgrader: part 2 scores 0 and its test cell's error names what was replaced
  (the checks' internals: a private copy of the checks is used, so the
  forbidden call itself is named); the notebook's visible check says the same;
* ``bpkit-grade`` (on the four attacks the issue names): part 2 scores 0, with
  the forbidden call as the reason, and the other parts keep their points;
* the honest student gets full marks from both.

What the guard does and does not cover: ``bpkit/checks/_integrity.py`` and
docs/INSTRUCTORS.md ("bpkit-grade and nbgrader: where they differ").
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from bpkit import checks, grade

sys.path.insert(0, str(Path(__file__).resolve().parent))
import submissions as subs  # noqa: E402
from test_nbgrader import SOLUTIONS, needs_nbgrader, nbgrader_cmd, write_config  # noqa: E402

NB = subs.NOTEBOOK
ASSIGNMENT = "ps03i"
# part 2 calls the reference through a module alias, so that replacing the name ``bpkit`` does not break it
CALLS_REFERENCE = ("import bpkit.activations as _act\n\n\n"
                   "def sigmoid_prime(z):\n    return _act.sigmoid_prime(z)\n")

# student -> (source of a cell added right after part 2's solution cell, or before the setup cell for
#             "before_setup"; what part 2's test cell error and the visible check must name)
ATTACKS = {
    "replaces_run": ("import bpkit.checks\nbpkit.checks.run = lambda *a, **k: None\n",
                     "this notebook replaces bpkit.checks.run"),
    "replaces_module": ("import sys, types\n"
                        "fake = types.ModuleType('bpkit.checks')\n"
                        "fake.run = lambda *a, **k: None\n"
                        "fake.term_seed = lambda n: n\n"
                        "fake.check = lambda *a, **k: True\n"
                        "sys.modules['bpkit.checks'] = fake\n"
                        "bpkit.checks = fake\n",
                        "this notebook replaces sys.modules['bpkit.checks'], bpkit.checks"),
    "replaces_allclose": ("np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n",
                          "this notebook replaces np.allclose, np.array_equal"),
    "replaces_setprofile": ("import sys\nsys.setprofile = lambda *a, **k: None\n",
                            "this notebook replaces sys.setprofile"),
    # the next ones: past the module's guard, the notebook's names, before the checks are imported
    "writes_module_dict": ("import bpkit.checks\n"
                           "vars(bpkit.checks)['run'] = lambda *a, **k: None\n"
                           "vars(bpkit.checks)['term_seed'] = lambda n: n\n",
                           "this notebook replaces bpkit.checks.run, bpkit.checks.term_seed"),
    "replaces_bpkit": ("import types\n"
                       "bpkit = types.SimpleNamespace(checks=types.SimpleNamespace(\n"
                       "    run=lambda *a, **k: None, term_seed=lambda n: n))\n",
                       "this notebook replaces the name bpkit"),
    "before_setup": ("import numpy\nnumpy.allclose = lambda *a, **k: True\n",
                     "this notebook replaces np.allclose"),
    # the guard's own module: its closures hold what it calls, so this changes nothing
    "edits_guard": ("import bpkit.checks._integrity as _guard\n"
                    "_guard._message = lambda found: None\n"
                    "_guard._Snapshot.problems = lambda self, own=(): []\n"
                    "np.allclose = lambda *a, **k: True\n",
                    "this notebook replaces np.allclose"),
}
# the checks' internals: the hidden test uses a private copy of the checks, so the forbidden call is named
INTERNALS = ("import bpkit.checks._engine as _engine\n"
             "class _Blind:\n"
             "    hit, tampered = None, False\n"
             "    @classmethod\n"
             "    def of(cls, names):\n"
             "        return cls()\n"
             "    def __enter__(self):\n"
             "        return self\n"
             "    def __exit__(self, *exc):\n"
             "        return False\n"
             "_engine._TRIPWIRE = _Blind\n"
             "bpkit.checks.PARTS['03.2'].forbidden.__class__  # read only: PARTS is the shared copy's\n")
FORBIDDEN = "calls bpkit.sigmoid_prime, the function this part asks you to write"
STUDENTS = ["honest", *ATTACKS, "edits_internals"]
# bpkit-grade compares in its own process, whatever the kernel holds: the four attacks of the issue are enough
BPKIT_GRADE = ["honest", "replaces_run", "replaces_module", "replaces_allclose", "replaces_setprofile"]


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def submission(released, student):
    """The released notebook, solved, with one student's attack."""
    if student == "honest":
        return subs.make_notebook(released, {})
    if student == "edits_internals":
        return subs.make_notebook(released, {"part2": CALLS_REFERENCE, "extra": [("part2_code", INTERNALS)]})
    source = ATTACKS[student][0]
    if student == "before_setup":
        nb = subs.make_notebook(released, {"part2": CALLS_REFERENCE})
        nb.cells.insert(0, nbformat.v4.new_code_cell(source))
        return nb
    return subs.make_notebook(released, {"part2": CALLS_REFERENCE, "extra": [("part2_code", source)]})


@pytest.fixture(scope="module")
def tampered(tmp_path_factory):
    """One nbgrader course, one autograde run over every student; the autograded notebooks and the scores."""
    pytest.importorskip("nbgrader")
    from nbgrader.api import Gradebook

    course = tmp_path_factory.mktemp("integrity")
    write_config(course)
    src = course / "source" / ASSIGNMENT
    src.mkdir(parents=True)
    shutil.copy(SOLUTIONS / f"{NB}_solution.ipynb", src / f"{NB}.ipynb")
    nbgrader_cmd(course, "generate_assignment", ASSIGNMENT, "--force")
    released = nbformat.read(str(course / "release" / ASSIGNMENT / f"{NB}.ipynb"), as_version=4)
    for student in STUDENTS:
        path = course / "submitted" / student / ASSIGNMENT / f"{NB}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(submission(released, student), str(path))
    nbgrader_cmd(course, "autograde", ASSIGNMENT, "--create", "--force", env={"OMP_NUM_THREADS": "1"})
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            for part in checks.parts_for(NB):
                scores[(student, part.key)] = gb.find_grade(part.grade_id, NB, ASSIGNMENT, student).score
    graded = {s: nbformat.read(str(course / "autograded" / s / ASSIGNMENT / f"{NB}.ipynb"), as_version=4)
              for s in STUDENTS}
    return course, scores, graded


def _outputs(nb, grade_id):
    """Everything a cell showed: its stream text and its error's name and value."""
    cell = next(c for c in nb.cells if _gid(c) == grade_id)
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", "") or f"{o.get('ename', '')}: {o.get('evalue', '')}"
                   if o.get("output_type") in ("stream", "error") else str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


@needs_nbgrader
def test_the_honest_student_gets_full_marks_under_nbgrader(tampered):
    _, scores, graded = tampered
    for part in checks.parts_for(NB):
        assert scores[("honest", part.key)] == part.points, part.key
    assert "replaces" not in _outputs(graded["honest"], "part2_check")
    assert "✓ sigmoid_prime is correct" in _outputs(graded["honest"], "part2_check")


@needs_nbgrader
@pytest.mark.parametrize("student", list(ATTACKS))
def test_tampering_fails_the_hidden_test_naming_what_was_replaced(tampered, student):
    _, scores, graded = tampered
    words = ATTACKS[student][1]
    assert scores[(student, "03.2")] == 0
    assert words in _outputs(graded[student], "part2_tests"), _outputs(graded[student], "part2_tests")
    # the notebook's own check refuses as well, in the same words
    check = _outputs(graded[student], "part2_check")
    assert "✗ The check cannot run: " + words in check, check


@needs_nbgrader
def test_edited_internals_do_not_reach_the_hidden_tests_private_checks(tampered):
    _, scores, graded = tampered
    assert scores[("edits_internals", "03.2")] == 0
    assert FORBIDDEN in _outputs(graded["edits_internals"], "part2_tests")
    assert FORBIDDEN in _outputs(graded["edits_internals"], "part2_check")
    for part in checks.parts_for(NB):  # the other parts are the answer key's: the copy still grades them
        if part.key != "03.2":
            assert scores[("edits_internals", part.key)] == part.points, part.key


@needs_nbgrader
def test_bpkit_grade_gives_the_same_part_no_points(tampered):
    course, _, _ = tampered
    for student in BPKIT_GRADE:  # the layout bpkit-grade reads: FOLDER/<student>/<notebook>
        (course / "for_bpkit_grade" / student).mkdir(parents=True)
        shutil.copy(course / "submitted" / student / ASSIGNMENT / f"{NB}.ipynb", course / "for_bpkit_grade" / student)
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=5, timeout=30)
    results = {r["student"]: {p["part"]: p for p in r["parts"]}
               for r in grade.grade_paths([course / "for_bpkit_grade"], cfg, jobs=2)}
    assert set(results) == set(BPKIT_GRADE)
    for part in checks.parts_for(NB):
        assert results["honest"][part.key]["points"] == part.points, part.key
    for student in BPKIT_GRADE[1:]:
        assert results[student]["03.2"]["points"] == 0, (student, results[student]["03.2"])
        assert FORBIDDEN in results[student]["03.2"]["message"], (student, results[student]["03.2"])
        for part in checks.parts_for(NB):  # only the part that calls the forbidden function loses its points
            if part.key != "03.2":
                assert results[student][part.key]["points"] == part.points, (student, results[student][part.key])


# ------------------------------------------------------------ the guard without nbgrader (a pretend kernel)
_PRETEND_KERNEL = r'''
import json, sys
import IPython

class Shell:  # what the guard needs of an IPython kernel's shell
    kernel = object()
    user_ns = {}
    input_transformers_post = []

IPython.get_ipython = lambda: Shell
import numpy as np
import bpkit
import bpkit.checks
Shell.user_ns["bpkit"] = bpkit
out = {"guarded": type(bpkit.checks).__name__}

def good(z):
    s = bpkit.sigmoid(z)
    return s * (1 - s)

def hidden(fn):
    lines = Shell.input_transformers_post[0](['msg = bpkit.checks.run("03.2", fn, seed=1)\n'])
    try:
        seed = bpkit.checks.term_seed(1302)
    except RuntimeError as exc:
        seed = str(exc)
    return bpkit.checks.run("03.2", fn, seed=1), lines, seed

out["honest"] = hidden(good)
import bpkit.checks._integrity as guard
guard._message = lambda found: None
guard._Snapshot.problems = lambda self, own=(): []
out["guard_edited"] = hidden(good)
real = np.array_equal
np.array_equal = lambda *a, **k: True
out["array_equal"] = hidden(good)
np.array_equal = real
out["restored"] = hidden(good)
print(json.dumps(out))
'''


def test_the_guard_in_a_pretend_kernel(tmp_path):
    import json
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "BPKIT_TERM_SEED"}
    proc = subprocess.run([sys.executable, "-c", _PRETEND_KERNEL], cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    hidden_line = ['msg = bpkit.checks.run("03.2", fn, seed=1)\n']
    assert out["guarded"] == "GuardedChecks"
    assert out["honest"] == [None, hidden_line, 1302]
    assert out["guard_edited"] == [None, hidden_line, 1302]  # the guard's closures hold what it calls
    msg, lines, seed = out["array_equal"]
    assert msg.startswith("The hidden test refused to run: this notebook replaces np.array_equal (now a lambda")
    assert lines == [f"assert False, {msg!r}\n"]  # the transformer turns the hidden test cell into the refusal
    assert seed == msg  # and term_seed, evaluated first in the hidden line, raises with the same words
    assert out["restored"] == [None, hidden_line, 1302]


def test_outside_a_kernel_the_checks_are_the_plain_ones():
    from bpkit.checks import _engine, _term

    assert checks.run is _engine.run and checks.term_seed is _term.term_seed and checks.check is _engine.check
    assert type(checks).__name__ == "module"
