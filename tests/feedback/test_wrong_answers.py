"""Wrong answers are refused the same way on the three routes (issue 21, item 3).

* the notebook's check cell: ``check("03.2", fn)`` (through :func:`bpkit.checks.run`);
* nbgrader: the part's hidden test cell, executed as it stands in the solution;
* ``bpkit-grade``: the submission run in its own kernel, its results judged in the grader's process.

A function that changes its input in place, or calls the bpkit function the part
asks for, gets the same words on each route; hiding the call (an alias, a
wrapper, switching the profile hook off) does not help.
"""
from __future__ import annotations

import copy
import pathlib
import sys

import nbformat
import numpy as np
import pytest

import bpkit
from bpkit.checks import PARTS, run
from bpkit._grading import watch

ROOT = pathlib.Path(__file__).resolve().parents[2]
NB = "03_sigmoid_derivative"


def _cells(folder, suffix):
    nb = nbformat.read(ROOT / folder / f"{NB}_{suffix}.ipynb", as_version=4)
    return nb, {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


def _solution_ns():
    ns = {"np": np, "bpkit": bpkit}
    _, cells = _cells("solutions", "solution")
    for gid in ("part1_code", "part2_code"):
        exec(compile(cells[gid].source, NB, "exec"), ns)
    return ns


SOLVED = _solution_ns()

MUTATES = '''def sigmoid_prime(z):
    s = sigmoid(z)
    if isinstance(z, np.ndarray):
        z *= 0.0  # "tidy up" the caller's array
    return s * (1.0 - s)
'''
CALLS = '''def sigmoid_prime(z):
    return bpkit.sigmoid_prime(z)
'''
WRAPS = '''_original = bpkit.sigmoid_prime
bpkit.sigmoid_prime = lambda z: 1.0 * _original(z)  # a wrapper of its own, under the same name

def sigmoid_prime(z):
    return bpkit.sigmoid_prime(z)
'''


def _define(source):
    ns = dict(SOLVED)
    exec(compile(source, "<learner>", "exec"), ns)
    return ns


def _hidden_test_message(ns):
    """Run part 2's test cell as nbgrader does (same kernel namespace); the assertion's message, or None."""
    _, cells = _cells("solutions", "solution")
    hidden = cells["part2_tests"].source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS")[0]
    try:
        exec(compile(hidden, "<hidden tests>", "exec"), ns)
    except AssertionError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("source, phrase", [(MUTATES, "changed its input z in place"),
                                            (CALLS, "calls bpkit.sigmoid_prime, the function this part asks"),
                                            (WRAPS, "calls bpkit.sigmoid_prime, the function this part asks")])
def test_notebook_check_and_hidden_test_say_the_same(source, phrase):
    try:
        ns = _define(source)
        fn = ns["sigmoid_prime"]
        mine = run("03.2", fn, seed=bpkit.checks.term_seed(1302))
        assert mine is not None and phrase in mine, mine
        assert _hidden_test_message(ns) == mine
    finally:
        bpkit.sigmoid_prime = bpkit.activations.sigmoid_prime


def test_an_alias_imported_early_still_trips():
    from bpkit.activations import sigmoid_prime as sp

    msg = run("03.2", lambda z: sp(z), seed=1)
    assert msg is not None and "calls bpkit" in msg and "sigmoid_prime" in msg, msg


def test_switching_the_hook_off_is_refused():
    def sneaky(z):
        sys.setprofile(None)
        return bpkit.sigmoid_prime(z)

    msg = run("03.2", sneaky, seed=1)
    assert msg is not None and "switched off the checks" in msg, msg


def test_replacing_sys_setprofile_before_the_check_does_not_hide_the_call(monkeypatch):
    monkeypatch.setattr(sys, "setprofile", lambda *a: None)
    monkeypatch.setattr(sys, "getprofile", lambda: None)
    msg = run("03.2", lambda z: bpkit.sigmoid_prime(z), seed=1)
    assert msg is not None and "calls bpkit.sigmoid_prime" in msg, msg


def test_input_problems_are_told_by_argument_and_place():
    before = (np.zeros((2, 3)), [np.ones(2), np.ones(3)])
    after = copy.deepcopy(before)
    after[1][1][2] = 5.0
    assert watch.input_problem(before, after) == (watch.CHANGED, "#1[1]: entry (2,) went from 1 to 5")
    assert watch.input_problem(before, copy.deepcopy(before), updates=(0,)) == (watch.NOT_UPDATED, "#0: unchanged")
    assert watch.input_problem(before, copy.deepcopy(before)) is None
    after = copy.deepcopy(before)
    after[1].pop()
    name, text = watch.input_problem(before, after)
    assert name == watch.CHANGED and text.startswith("#1"), text


def test_rounding_left_by_a_restored_nudge_is_not_a_change():
    theta = np.array([0.3, -1.7, 2.9])
    work = theta.copy()
    for j in range(3):
        work[j] += 1e-4
        work[j] -= 2e-4
        work[j] += 1e-4
    assert watch.input_problem((theta,), (work,)) is None


def test_every_part_states_its_in_place_arguments():
    """Only an SGD epoch updates arguments in place (the network, and momentum's velocities); every other part
    must leave them all."""
    assert {k: p.updates for k, p in PARTS.items() if p.updates and k[:2] <= "08"} == {"06.2": (0,), "06.4": (0, 1)}


# ------------------------------------------------------------------ bpkit-grade
def _submission(tmp_path, student, part2):
    nb, _ = _cells("exercises", "exercise")
    nb = copy.deepcopy(nb)
    _, sol = _cells("solutions", "solution")
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "part1_code":
            cell.source = sol["part1_code"].source
        elif gid == "part2_code":
            cell.source = part2
    path = tmp_path / "submitted" / student / f"{NB}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, str(path))


@pytest.mark.slow
def test_bpkit_grade_refuses_them_in_the_same_words(tmp_path, monkeypatch):
    from bpkit import grade

    for student, part2 in (("mutates", MUTATES), ("calls", CALLS), ("wraps", WRAPS)):
        _submission(tmp_path, student, part2)
    cfg = grade.GradeConfig(str(ROOT / "solutions"), seed=5, timeout=30)
    monkeypatch.chdir(tmp_path)
    results = grade.grade_paths([tmp_path / "submitted"], cfg, jobs=1)
    got = {r["student"]: {p["part"]: p for p in r["parts"]} for r in results}
    assert got["mutates"]["03.1"]["points"] == 2
    for student, source in (("mutates", MUTATES), ("calls", CALLS), ("wraps", WRAPS)):
        part = got[student]["03.2"]
        assert part["points"] == 0, part
        try:
            notebook = run("03.2", _define(source)["sigmoid_prime"], seed=0)
        finally:
            bpkit.sigmoid_prime = bpkit.activations.sigmoid_prime
        # the same words: a change in place shows first on the lesson's case 0, the same on every seed, and a
        # forbidden call is found by the kernel's own tripwire, then said in the checks' words
        assert part["message"] == notebook, (part["message"], notebook)
