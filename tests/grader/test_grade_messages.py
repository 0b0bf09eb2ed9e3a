"""The grader's messages name the problem (issue 12, item 5).

A real nbformat-3 notebook is converted and graded; the content of a notebook
wins over a misleading file name; a stray Latin-1 byte costs nothing but a
note; a test cell dragged above its code cell still tests it; a bare assert in
a test cell is named by its line; the bug hunt's secret candidates carry no
answer. Each case is a real submission, graded as ``bpkit-grade`` grades it
(a kernel per submission), beside the unit tests of the pieces.
"""
from __future__ import annotations

import copy
import json
import pickle
import pickletools
import sys
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpkit import checks, grade
from bpkit._grading.execute import CellRun, failing_line
from bpkit._grading.notebooks import (
    InvalidNotebook,
    choose_notebook,
    notebook_from_name,
    read_submission,
    read_submission_noted,
    restore,
)
from bpkit._grading.records import CellStatus, Role, Status
from bpkit._grading.scoring import _missing
from bpkit.checks import ex07

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # submissions.py, adversarial.py
import submissions as subs  # noqa: E402

pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="no solutions/ folder")
FUNCTIONS = {n: [(p.key, p.function) for p in checks.parts_for(n)] for n in checks.NOTEBOOKS}


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _solution(name):
    return nbformat.read(str(SOLUTIONS / f"{name}_solution.ipynb"), as_version=4)


def _grade(path, student="alice", seed=3):
    return grade.grade_file(path, student, grade.GradeConfig(str(SOLUTIONS), seed=seed, timeout=10))


def _full_marks(r):
    assert r.error is None, r.error
    assert r.max_points > 0 and r.points == r.max_points, [(p.part, p.message) for p in r.parts]


# ----------------------------------------------------------------- 1. nbformat 3
def _as_v3(nb):
    """The notebook as nbformat 3 writes it (cells inside worksheets), in JSON."""
    v3 = nbformat.convert(copy.deepcopy(nb), 3)
    text = json.dumps(v3)
    assert '"worksheets"' in text and '"cells"' in text and json.loads(text)["nbformat"] == 3
    return text


def test_an_nbformat_3_notebook_is_converted_with_a_note():
    ex = nbformat.read(str(EXERCISES / "03_sigmoid_derivative_exercise.ipynb"), as_version=4)
    nb, notes = read_submission_noted(_as_v3(ex).encode())
    assert [(c.cell_type, _gid(c), c.source) for c in nb.cells] == [(c.cell_type, _gid(c), c.source)
                                                                    for c in ex.cells]
    assert notes == ["converted from nbformat 3 (cells inside worksheets) to nbformat 4 before grading"]
    # a format-3 file with no worksheets is still not a notebook, and says which format it claims
    with pytest.raises(InvalidNotebook, match="nbformat 3"):
        read_submission(b'{"cells": [], "nbformat": 3}')
    with pytest.raises(InvalidNotebook, match="no list of cells"):
        read_submission(b'{"nbformat": 3, "worksheets": 7}')


@pytest.mark.slow
def test_an_nbformat_3_submission_is_graded(tmp_path):
    path = tmp_path / "03_sigmoid_derivative.ipynb"
    path.write_text(_as_v3(_solution("03_sigmoid_derivative")))
    r = _grade(path)
    _full_marks(r)
    assert r.notebook == "03_sigmoid_derivative"
    assert any("converted from nbformat 3" in n for n in r.notes), r.notes


# ------------------------------------------------- 2. content over a misleading name
def test_the_content_wins_over_a_misleading_file_name():
    sgd = _solution("06_sgd")
    name = notebook_from_name("05_sgd.ipynb", FUNCTIONS)
    assert name == "05_regularization"  # what the name alone says
    notebook, note = choose_notebook(name, sgd, FUNCTIONS)
    assert notebook == "06_sgd"
    assert note == "the file name says 05_regularization, its content is exercise 06_sgd: graded as 06"
    # the content agrees with the name: no note
    assert choose_notebook("06_sgd", sgd, FUNCTIONS) == ("06_sgd", None)
    # no name: the content decides, as before
    assert choose_notebook(None, sgd, FUNCTIONS) == ("06_sgd", None)


def test_the_name_decides_when_the_content_is_ambiguous_or_unknown():
    blank = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    assert choose_notebook("05_regularization", blank, FUNCTIONS) == ("05_regularization", None)
    # one def of exercise 6 and one of exercise 3: a tie, so the name decides
    tie = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def make_batches(m, b, seed):\n    pass\n"),
                                          nbformat.v4.new_code_cell("def sigmoid(z):\n    pass\n")])
    assert choose_notebook("05_regularization", tie, FUNCTIONS) == ("05_regularization", None)
    # a single borrowed helper is too little to overrule the name
    one = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def make_batches(m, b, seed):\n    pass\n")])
    assert choose_notebook("05_regularization", one, FUNCTIONS) == ("05_regularization", None)
    # exercise 5 that also holds a pasted function of exercise 6 is exercise 5
    reg = _solution("05_regularization")
    reg.cells.append(nbformat.v4.new_code_cell("def make_batches(m, b, seed):\n    pass\n"))
    assert choose_notebook("05_regularization", reg, FUNCTIONS) == ("05_regularization", None)
    # every solution is named and read as itself
    for n in checks.NOTEBOOKS:
        assert choose_notebook(n, _solution(n), FUNCTIONS) == (n, None), n


@pytest.mark.slow
def test_exercise_6_saved_as_05_is_graded_as_6(tmp_path):
    path = tmp_path / "05_sgd.ipynb"
    path.write_bytes((SOLUTIONS / "06_sgd_solution.ipynb").read_bytes())
    r = _grade(path)
    assert r.notebook == "06_sgd"
    assert {p.part for p in r.parts} == {p.key for p in checks.parts_for("06_sgd")}
    _full_marks(r)
    assert "the file name says 05_regularization, its content is exercise 06_sgd: graded as 06" in r.notes


# ------------------------------------------------------------ 3. lenient decoding
def _with_latin1_byte(data):
    """The notebook's bytes with one Latin-1 e-acute (0xe9) typed into its first markdown cell; and its offset."""
    at = data.index(b"sigmoid", data.index(b'"markdown"'))
    return data[:at] + b"\xe9" + data[at:], at


def test_a_latin1_byte_is_replaced_and_named_by_its_offset():
    data, at = _with_latin1_byte((EXERCISES / "03_sigmoid_derivative_exercise.ipynb").read_bytes())
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    nb, notes = read_submission_noted(data)
    assert any("\ufffdsigmoid" in c.source for c in nb.cells if c.cell_type == "markdown")
    assert notes == [f"the file is not all UTF-8: byte {at} (0xe9) could not be decoded and became the "
                     "replacement character U+FFFD; the rest was graded as written"]
    # valid UTF-8 elsewhere in the file is kept exactly (no Latin-1 reading of the whole file)
    nb2, notes2 = read_submission_noted(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "source": "caf\u00e9 \u03c3'(z)", "metadata": {}}]}, ensure_ascii=False).encode()
        .replace(b"(z)", b"(z)\xe9\xe9"))
    assert nb2.cells[0].source == "caf\u00e9 \u03c3'(z)\ufffd\ufffd"
    assert "and 1 more" in notes2[0]
    # bytes that are not text at all still are refused as not UTF-8
    with pytest.raises(InvalidNotebook, match="not UTF-8"):
        read_submission(b"\xff\xfe\x00garbage")


@pytest.mark.slow
def test_a_submission_with_a_latin1_byte_is_graded(tmp_path):
    data, at = _with_latin1_byte((SOLUTIONS / "03_sigmoid_derivative_solution.ipynb").read_bytes())
    path = tmp_path / "03_sigmoid_derivative.ipynb"
    path.write_bytes(data)
    r = _grade(path)
    _full_marks(r)
    assert any(f"byte {at} (0xe9)" in n for n in r.notes), r.notes


# ---------------------------------------------------- 4. a test cell above its code
def _dragged(nb, tests="part2_tests", above="part2_prompt"):
    """The notebook with the test cell ``tests`` moved up, just above the cell ``above``."""
    nb = copy.deepcopy(nb)
    cell = next(c for c in nb.cells if _gid(c) == tests)
    nb.cells.remove(cell)
    nb.cells.insert(next(i for i, c in enumerate(nb.cells) if _gid(c) == above), cell)
    return nb


def test_restore_puts_a_dragged_test_cell_back_below_its_code():
    sol = _solution("03_sigmoid_derivative")
    parts = checks.parts_for("03_sigmoid_derivative")
    ex = nbformat.read(str(EXERCISES / "03_sigmoid_derivative_exercise.ipynb"), as_version=4)
    r = restore(_dragged(ex), sol, parts, "SETUP", {p.key: f"GRADE {p.key}" for p in parts})
    order = [_gid(c) or c.source for c in r.nb.cells]
    code, grader, tests = order.index("part2_code"), order.index("GRADE 03.2"), order.index("part2_tests")
    assert code < grader == tests - 1  # the grader's cell and the test cell run after the function exists
    assert r.roles[tests] == (Role.TESTS, "03.2") and r.roles[grader] == (Role.GRADER, "03.2")
    assert ("the test cell of part 2 (03.2) sat above the cell that defines sigmoid_prime: the grader ran it "
            "right below that cell (move it back below in your notebook)") in r.notes
    # in its place, nothing moves and nothing is said
    r = restore(ex, sol, parts, "SETUP", {p.key: f"GRADE {p.key}" for p in parts})
    assert not any("sat above" in n for n in r.notes)
    # a function the learner defines in a cell of their own, below the test cell, counts too
    mine = _dragged(ex, "part1_tests", "part1_prompt")
    for c in mine.cells:
        if _gid(c) == "part1_code":
            c.source = "# moved below\n"
    mine.cells.append(nbformat.v4.new_code_cell(subs.SIGMOID))
    r = restore(mine, sol, parts, "SETUP", {p.key: f"GRADE {p.key}" for p in parts})
    sources = [c.source for c in r.nb.cells]
    assert sources.index(subs.SIGMOID) == sources.index("GRADE 03.1") - 1
    assert any("part 1 (03.1) sat above the cell that defines sigmoid" in n for n in r.notes)


@pytest.mark.slow
def test_a_dragged_test_cell_costs_nothing(tmp_path):
    ex = nbformat.read(str(EXERCISES / "03_sigmoid_derivative_exercise.ipynb"), as_version=4)
    path = tmp_path / "03_sigmoid_derivative.ipynb"
    nbformat.write(_dragged(subs.make_notebook(ex, {})), str(path))
    r = _grade(path)
    _full_marks(r)
    assert not any("not found" in p.message for p in r.parts)
    assert any("sat above the cell that defines sigmoid_prime" in n for n in r.notes), r.notes


# ------------------------------------------------------ 5. a bare assert, by its line
IPYTHON_TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mAssertionError\x1b[0m                            Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[7], line 3\x1b[0m\n\x1b[1;32m      1\x1b[0m z \x1b[38;5;241m=\x1b[39m np\x1b[38;5;241m.\x1b[39m"
    "linspace(\x1b[38;5;241m-\x1b[39m\x1b[38;5;241m6\x1b[39m, \x1b[38;5;241m6\x1b[39m, \x1b[38;5;241m13\x1b[39m)\n"
    "\x1b[0;32m----> 3\x1b[0m \x1b[38;5;28;01massert\x1b[39;00m np\x1b[38;5;241m.\x1b[39mshape(sigmoid_prime(z)) "
    "\x1b[38;5;241m==\x1b[39m (\x1b[38;5;241m13\x1b[39m,)\n",
    "\x1b[0;31mAssertionError\x1b[0m: ",
]


def test_the_failing_line_is_read_from_the_traceback():
    assert failing_line(IPYTHON_TRACEBACK) == "assert np.shape(sigmoid_prime(z)) == (13,)"
    assert failing_line(None) == failing_line([]) == failing_line(["no arrow here"]) == ""
    # an error raised inside a function the cell called: the cell's own line, the first frame
    deeper = ["Cell In[2], line 4\n----> 4 grads = f(X)\n", "File ~/x.py:9, in f(X)\n----> 9 raise ValueError('no')\n"]
    assert failing_line(deeper) == "grads = f(X)"


def test_a_failed_code_cell_is_named_by_its_line():
    code = CellRun(CellStatus.ERROR, "AssertionError", "", line="assert n > 0")
    status, message = _missing("`f`", None, code, 5)
    assert status is Status.MISSING
    assert message == ("function `f` not found: the cell that should define it raised AssertionError "
                       "(this assert did not hold: assert n > 0)")
    code = CellRun(CellStatus.ERROR, "NameError", "name 'np2' is not defined", line="import np2 as np")
    assert _missing("`f`", None, code, 5)[1] == ("function `f` not found: the cell that should define it raised "
                                                 "NameError: name 'np2' is not defined (at the line: import np2 as np)")


@pytest.mark.slow
def test_a_kernel_run_records_the_line_of_a_bare_assert(tmp_path):
    """IPython's own traceback, from a real kernel, gives the cell's failing line to the CellRun."""
    from bpkit._grading import execute
    from bpkit._grading.kernel_notebook import kernel_env

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nz = np.linspace(-6, 6, 13)\n"),
        nbformat.v4.new_code_cell("def f(z):\n    return z\n\nassert np.shape(f(z)) == (13,)\n"
                                  "assert np.all(f(z) > 0)\nprint('not reached')\n"),
    ])
    roles = [(Role.LOCKED, None), (Role.TESTS, "03.2")]
    runs, blocked = execute.run_notebook(nb, roles, str(tmp_path), timeout=30, grader_timeout=30, env=kernel_env())
    assert blocked == {} and runs[1].status is CellStatus.ERROR and runs[1].ename == "AssertionError"
    assert runs[1].line == "assert np.all(f(z) > 0)"


# ----------------------------------------------- 7. the bug hunt's secret inputs
def _pickle_strings(blob):
    """Every string (names, attributes, text) a pickle holds."""
    return [str(arg) for op, arg, _ in pickletools.genops(blob) if isinstance(arg, str)]


def test_the_bug_hunts_candidates_carry_no_answer():
    part = checks.PARTS["07.3"]
    words = {"bug", "buggy", "correct", "right", "wrong", "none"} | {w for b in ex07.HUNTED for w in b.split("_")}
    words |= set(ex07.HUNTED) | {"planted", "BUGS"}
    for seed in range(20):
        cases = part.make_cases(np.random.default_rng(seed))
        blob = pickle.dumps([pickle.dumps(tuple(a)) for a in cases])  # what the grader writes for the kernel
        answers = [part.reference(*a) for a in cases]
        for (J, params, candidates, eps), back, answer in zip(cases, pickle.loads(blob), answers):
            J2, params2, cands2, eps2 = pickle.loads(back)
            for c in cands2:
                assert type(c) is ex07.GradientCandidate
                assert repr(c) == "GradientCandidate(...)" and str(c) == repr(c)
                assert not any(getattr(c, n, None) is not None for n in ("bug", "name", "__name__", "__wrapped__",
                                                                         "__closure__", "__code__"))
                # the cost J (shared by the five), the point and the four arrays: nothing else
                assert sorted(vars(c)) == ["_at", "_grad", "cost"] and c.cost is J2
                for v in vars(c).values():
                    assert not isinstance(v, (str, bool, types.FunctionType, types.MethodType,
                                              types.BuiltinFunctionType))
                assert all(isinstance(a, np.ndarray) for a in c._at + c._grad)
                strings = {s.lower() for s in _pickle_strings(pickle.dumps(c))}
                assert not strings & {w.lower() for w in words}, strings & words
            # what the candidates hold looks alike: the same attributes, types and shapes for all five
            layout = {(type(c.cost), len(c._at), len(c._grad), tuple(a.shape for a in c._at)) for c in cands2}
            assert len(layout) == 1, layout
            # called as the exercise calls them, they give four arrays; called elsewhere, they say why not
            assert all(len(c([p.copy() for p in params2])) == 4 for c in cands2)
            with pytest.raises(ValueError, match="at its case's params only"):
                cands2[0]([p + 1.0 for p in params2])
            # and the grader still knows the answer, from its own copy and from the round trip
            assert part.reference(J2, params2, cands2, eps2) == answer
            assert [i for i, c in enumerate(cands2) if ex07.bug_of(c) is not None] == answer
