"""The real nbgrader on the course's notebooks, and the hidden tests' seed per term.

Builds nbgrader course directories in a temporary folder:

* ``ps03``: ``generate_assignment`` on ``solutions/03_sigmoid_derivative_solution.ipynb``,
  the released notebook handed to four students (right, wrong part 2, raising
  part 2, calling the reference), ``autograde``, and each graded cell's score
  compared with ``bpkit-grade``'s points for the same files. The student who
  calls ``bpkit.sigmoid_prime`` gets full marks from nbgrader, which only runs
  the tests, and none from the grading command's tripwire: that difference is
  asserted too, since it is the reason the command exists.
* ``every``: all the exercises in one assignment and two students, the model
  answers pasted into the released notebooks and the same with one typical
  wrong part per notebook (:data:`WRONG`), then ONE ``autograde`` with a term
  seed set and ``generate_feedback`` for the model: full marks on every graded
  cell, a feedback page per notebook, and no warning about our metadata in any
  log (a cell with nbgrader metadata that nbgrader does not record makes
  ``autograde`` warn "Cell ... does not exist in the database" on every
  submission). The wrong student's scores agree with ``bpkit-grade``'s part by
  part: the wrong part gets nothing from either, and where a later part calls
  the wrong function (exercise 6) the documented difference is asserted.

The term seed (``bpkit.checks.term_seed``, ``BPKIT_TERM_SEED``) is tested
without nbgrader: different terms draw different hidden cases, and the
solutions pass their tests under several.

The nbgrader tests are skipped when nbgrader is not installed (``pip install ".[grading]"``
from the repository).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpkit import checks, grade
from bpkit.checks import term_seed

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
NB = "03_sigmoid_derivative"
TOPICS = sorted(p.name[: -len("_solution.ipynb")] for p in SOLUTIONS.glob("*_solution.ipynb"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # submissions.py, adversarial.py
import submissions as subs  # noqa: E402



def needs_nbgrader(test):
    """Mark a test that runs the real nbgrader (its fixtures skip it when nbgrader is not installed)."""
    for mark in (pytest.mark.slow, pytest.mark.nbgrader,
                 pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="no solutions/")):
        test = mark(test)
    return test

STUDENTS = ["correct", "sigma_for_prime", "raises", "calls_reference"]
# the one hidden line of each test cell: the part, the learner's function, the part's own number
HIDDEN = re.compile(r'^msg = bpkit\.checks\.run\("(\d\d\.\d)", (\w+), seed=bpkit\.checks\.term_seed\((\d+)\)\)$', re.M)
NOT_IN_DB = "does not exist in the database"
TERMS = [7, 20250901, 3141592653]
LOGS = {}  # course folder -> {nbgrader step: its log}


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def hidden_calls(topic):
    """``[(part key, function, part seed)]`` of the hidden tests of one solution, in order."""
    nb = nbformat.read(str(SOLUTIONS / f"{topic}_solution.ipynb"), as_version=4)
    out = []
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            found = HIDDEN.findall(cell.source)
            assert len(found) == 1, (topic, _gid(cell), cell.source)
            out += [(key, fn, int(n)) for key, fn, n in found]
    return out


# ------------------------------------------------------------ the term seed (no nbgrader needed)
def test_every_hidden_test_draws_its_cases_from_the_term_seed():
    calls = [c for t in TOPICS for c in hidden_calls(t)]
    assert [(key, fn) for key, fn, _ in calls] == [(p.key, p.function) for t in TOPICS for p in checks.parts_for(t)]
    numbers = [n for _, _, n in calls]
    assert len(set(numbers)) == len(numbers), "two parts must not share a part seed"


def test_without_a_term_seed_the_part_number_is_the_seed(monkeypatch):
    monkeypatch.delenv("BPKIT_TERM_SEED", raising=False)
    assert term_seed(1302) == 1302
    monkeypatch.setenv("BPKIT_TERM_SEED", "  ")
    assert term_seed(1302) == 1302


def test_the_term_seed_is_mixed_with_the_part(monkeypatch):
    monkeypatch.setenv("BPKIT_TERM_SEED", "20250901")
    seeds = {term_seed(n) for n in (1301, 1302, 1401)}
    assert len(seeds) == 3 and all(0 <= s < 2 ** 63 for s in seeds)
    assert term_seed(1302) == term_seed(1302, 20250901) == term_seed(1302, " 20250901 ")  # the same every run
    assert len({term_seed(1302, t) for t in TERMS} | {1302}) == len(TERMS) + 1


@pytest.mark.parametrize("bad", ["fall-2025", "-3", "1.5"])
def test_a_bad_term_seed_says_what_to_set(monkeypatch, bad):
    monkeypatch.setenv("BPKIT_TERM_SEED", bad)
    with pytest.raises(ValueError, match=r"BPKIT_TERM_SEED must be a whole number >= 0 .*got " + re.escape(repr(bad))):
        term_seed(1302)
    with pytest.raises(ValueError, match="part_seed"):
        term_seed(-1, 5)


def _numbers(case):
    """Every number in one test case (arrays, scalars, inside tuples, lists and objects), as one flat array."""
    if isinstance(case, (bool, int, float, np.ndarray, np.generic)):
        return np.ravel(np.asarray(case, dtype=float))
    if isinstance(case, str):  # a drawn name (09.3 asks node by node, in an order drawn from the seed)
        return np.frombuffer(case.encode(), dtype=np.uint8).astype(float)
    if isinstance(case, (tuple, list)):
        parts = [_numbers(c) for c in case]
        return np.concatenate(parts) if parts else np.zeros(0)
    if isinstance(case, dict):
        return _numbers([case[k] for k in sorted(case, key=str)])
    if hasattr(case, "__dict__") and not callable(case):
        return _numbers(list(vars(case).values()))
    return np.zeros(0)  # functions, names: not drawn from the seed


def _fingerprint(key, seed):
    cases = checks.PARTS[key].make_cases(np.random.default_rng(seed))
    return [_numbers(c) for c in cases]


@pytest.mark.parametrize("topic", TOPICS)
def test_different_terms_draw_different_hidden_cases(topic):
    for key, _, n in hidden_calls(topic):
        prints = [_fingerprint(key, term_seed(n, t)) for t in TERMS]
        assert _fingerprint(key, term_seed(n, TERMS[0])) is not None
        for i in range(len(TERMS)):
            for j in range(i + 1, len(TERMS)):
                a, b = prints[i], prints[j]
                same = len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))
                assert not same, f"{key}: terms {TERMS[i]} and {TERMS[j]} draw the same hidden cases"


# runs in a fresh interpreter: every solution's setup, solution and test cells (visible and hidden tests)
_RUN_SOLUTIONS = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
failures = []
for path in json.loads(sys.argv[1]):
    nb = json.load(open(path, encoding="utf-8"))
    ns = {"__name__": "__main__"}
    for cell in nb["cells"]:
        md = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] != "code" or not (md.get("grade_id") == "setup" or md.get("solution") or md.get("grade")):
            continue
        try:
            exec(compile("".join(cell["source"]), f"{path}:{md['grade_id']}", "exec"), ns)
        except Exception as exc:
            failures.append(f"{path} {md['grade_id']}: {type(exc).__name__}: {exc}")
print(json.dumps(failures))
"""


@pytest.mark.slow
@pytest.mark.parametrize("term", TERMS[:2])
def test_solutions_pass_their_hidden_tests_in_other_terms(term, tmp_path):
    paths = [str(SOLUTIONS / f"{t}_solution.ipynb") for t in TOPICS]
    env = dict(os.environ, BPKIT_TERM_SEED=str(term), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", _RUN_SOLUTIONS, json.dumps(paths)], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


# ------------------------------------------------------------ nbgrader
def _env():
    # nbgrader runs the ``alembic`` script of its environment: put that environment's bin first
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def nbgrader_cmd(course, *args, env=None):
    """Run one nbgrader command in ``course``; returns its log (stdout and stderr)."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=str(course), env={**_env(), **(env or {})},
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def write_config(course):
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.root = r'%s'\n"
        "c.CourseDirectory.course_id = 'bpkit'\n"
        "c.CourseDirectory.db_url = 'sqlite:///%s'\n"
        "c.ExecutePreprocessor.timeout = 60\n" % (course, course / "gradebook.db")
    )


# nbgrader's own warning for every test cell with hidden tests, whatever the metadata: the released cell's
# checksum is computed after the hidden tests are removed, the database's before (harmless: it takes the latter)
HIDDEN_TESTS_CHECKSUM = re.compile(r"Attribute 'checksum' for cell part\d_tests has changed!")


def warnings_in(log):
    """The WARNING lines of an nbgrader log, less the kernel's TCP notice and the hidden tests' checksum one."""
    return [line for line in log.splitlines()
            if "WARNING" in line and "without encryption" not in line and not HIDDEN_TESTS_CHECKSUM.search(line)]


def assert_no_metadata_warnings(log, what):
    """No warning in an nbgrader log that our notebooks' metadata causes (nor any other, but the two above)."""
    assert NOT_IN_DB not in log, f"{what}: {log}"
    assert warnings_in(log) == [], what


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    pytest.importorskip("nbgrader")
    course = tmp_path_factory.mktemp("course")
    write_config(course)
    src = course / "source" / "ps03"
    src.mkdir(parents=True)
    shutil.copy(SOLUTIONS / f"{NB}_solution.ipynb", src / f"{NB}.ipynb")
    logs = {"generate_assignment": nbgrader_cmd(course, "generate_assignment", "ps03", "--force")}
    released = nbformat.read(str(course / "release" / "ps03" / f"{NB}.ipynb"), as_version=4)
    for student in STUDENTS:
        path = course / "submitted" / student / "ps03" / f"{NB}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(subs.make_notebook(released, subs.SUBMISSIONS[student]), str(path))
    logs["autograde"] = nbgrader_cmd(course, "autograde", "ps03", "--create", "--force")
    LOGS[course] = logs
    return course


def nbgrader_scores(course, monkeypatch):
    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", _env()["PATH"])
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            for part in checks.parts_for(NB):
                g = gb.find_grade(part.grade_id, NB, "ps03", student)
                scores[(student, part.key)] = g.score
    return scores


@needs_nbgrader
def test_release_is_the_generated_exercise(course):
    released = nbformat.read(str(course / "release" / "ps03" / f"{NB}.ipynb"), as_version=4)
    ours = nbformat.read(str(ROOT / "exercises" / f"{NB}_exercise.ipynb"), as_version=4)
    assert [c.source for c in released.cells] == [c.source for c in ours.cells]


@needs_nbgrader
def test_same_scores_as_nbgrader_autograde(course, monkeypatch):
    theirs = nbgrader_scores(course, monkeypatch)
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=99, timeout=30)
    results = grade.grade_paths([course / "submitted"], cfg, jobs=2)
    ours = {(r["student"], p["part"]): p["points"] for r in results for p in r["parts"]}
    assert {r["student"] for r in results} == set(STUDENTS)
    for student in ("correct", "sigma_for_prime", "raises", "calls_reference"):
        for key in [p.key for p in checks.parts_for("03_sigmoid_derivative")]:
            assert ours[(student, key)] == theirs[(student, key)], (student, key, ours, theirs)
    assert sum(theirs[("correct", p.key)] for p in checks.parts_for("03_sigmoid_derivative")) == \
        sum(p.points for p in checks.parts_for("03_sigmoid_derivative"))
    assert theirs[("raises", "03.2")] == 0 and theirs[("sigma_for_prime", "03.2")] == 0
    # calling the function the part asks for costs the part in both: the hidden test's bpkit.checks.run
    # trips on it as bpkit-grade's tripwire does (issue 21)
    assert theirs[("calls_reference", "03.2")] == 0
    assert ours[("calls_reference", "03.2")] == 0


@needs_nbgrader
def test_ps03_logs_carry_no_metadata_warning(course):
    for step, log in LOGS[course].items():
        assert_no_metadata_warnings(log, f"ps03 {step}")


def model_answer(released, solution):
    """The released notebook with the solution's code pasted into its solution cells (markers dropped)."""
    code = {_gid(c): "\n".join(line for line in c.source.splitlines() if "### " not in line)
            for c in solution.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in nb.cells:
        if _gid(cell) in code:
            cell.source = code[_gid(cell)]
    return nb


# One typical wrong part per exercise (issue 21): (the part, its solution cell, the right line, the wrong one).
# The wrong part loses its points under both graders; every other part is the answer key's.
WRONG = {
    "01_cost": ("01.4", "part4_code", "np.logaddexp(0.0, z3)) / m)", "np.logaddexp(0.0, z3)))"),  # summed
    "02_chain_rule": ("02.5", "part5_code", "return delta2.sum(axis=0) / m", "return delta2.sum(axis=0)"),
    "03_sigmoid_derivative": ("03.4", "part4_code", "sigmoid(beta * np.asarray(", "sigmoid(np.asarray("),
    "04_delta_accumulation": ("04.5", "part5_code", "delta3 = (delta4 @ W3.T) * (1 - a3 ** 2)",
                              "delta3 = (delta4 @ W3.T) * a3 * (1 - a3)"),  # the sigmoid's slope for tanh
    "05_regularization": ("05.3", "part3_code", "return k * c ** 2, k * c", "return k * c, k * c"),
    "06_sgd": ("06.1", "part1_code", "order = np.random.default_rng(seed).permutation(n)",
               "order = np.arange(n)"),  # batches in order: never shuffled
    "07_gradient_checking": ("07.5", "part5_code", "(s_in + 1) * s_out", "s_in * s_out"),  # biases forgotten
    "08_deep_networks": ("08.4", "part4_code", "return list(range(layer - 1))", "return list(range(layer))"),
    "09_computational_graphs": ("09.5", "part5_code", "return g * (s + x * s * (1.0 - s))", "return g * s"),
}
# Where the two legitimately differ (docs/INSTRUCTORS.md, "bpkit-grade and nbgrader: where they differ": a part
# that uses another part's function fails with it under nbgrader, and gets the solution's under bpkit-grade):
# sgd_epoch and momentum_epoch call the learner's make_batches.
USES_WRONG_PART = {"06_sgd": {"06.2", "06.4"}}


def wrong_answer(released, solution, topic):
    """The model answer with the one wrong line of :data:`WRONG` for this exercise."""
    nb = model_answer(released, solution)
    _, gid, right, wrong = WRONG[topic]
    cell = next(c for c in nb.cells if _gid(c) == gid)
    assert cell.source.count(right) == 1, (topic, gid, "the solution changed: update WRONG", cell.source)
    cell.source = cell.source.replace(right, wrong)
    return nb


@pytest.fixture(scope="module")
def every(tmp_path_factory):
    """All the exercises as one assignment, two students (the model answers; one wrong part in each
    notebook), one autograde with a term seed, the model's feedback."""
    pytest.importorskip("nbgrader")
    course = tmp_path_factory.mktemp("every")
    write_config(course)
    src = course / "source" / "every"
    src.mkdir(parents=True)
    for topic in TOPICS:
        shutil.copy(SOLUTIONS / f"{topic}_solution.ipynb", src / f"{topic}.ipynb")
    logs = {"generate_assignment": nbgrader_cmd(course, "generate_assignment", "every", "--force")}
    for topic in TOPICS:
        released = nbformat.read(str(course / "release" / "every" / f"{topic}.ipynb"), as_version=4)
        solution = nbformat.read(str(SOLUTIONS / f"{topic}_solution.ipynb"), as_version=4)
        for student, make in (("model", model_answer), ("wrong", lambda r, s: wrong_answer(r, s, topic))):
            path = course / "submitted" / student / "every" / f"{topic}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(make(released, solution), str(path))
    term = {"BPKIT_TERM_SEED": str(TERMS[2]), "OMP_NUM_THREADS": "1"}
    logs["autograde"] = nbgrader_cmd(course, "autograde", "every", "--create", "--force", env=term)
    logs["generate_feedback"] = nbgrader_cmd(course, "generate_feedback", "every", "--student", "model", "--force")
    LOGS[course] = logs
    return course


@needs_nbgrader
def test_every_exercise_round_trips_through_nbgrader_without_metadata_warnings(every):
    from nbgrader.api import Gradebook

    for step, log in LOGS[every].items():
        assert_no_metadata_warnings(log, step)
    with Gradebook(f"sqlite:///{every / 'gradebook.db'}") as gb:
        for topic in TOPICS:
            for part in checks.parts_for(topic):
                g = gb.find_grade(part.grade_id, topic, "every", "model")
                assert (g.score, g.max_score) == (part.points, part.points), (topic, part.key, g.score)
    for topic in TOPICS:
        html = (every / "feedback" / "model" / "every" / f"{topic}.html").read_text(encoding="utf-8")
        assert "term_seed" in html  # the hidden tests are shown, drawing this term's cases


@needs_nbgrader
def test_nbgrader_agrees_with_bpkit_grade_on_a_wrong_part_of_every_exercise(every, monkeypatch):
    from nbgrader.api import Gradebook

    assert sorted(WRONG) == TOPICS
    monkeypatch.setenv("PATH", _env()["PATH"])
    theirs = {}
    with Gradebook(f"sqlite:///{every / 'gradebook.db'}") as gb:
        for topic in TOPICS:
            for part in checks.parts_for(topic):
                theirs[part.key] = gb.find_grade(part.grade_id, topic, "every", "wrong").score
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=99, timeout=60)
    results = grade.grade_paths([every / "submitted" / "wrong"], cfg, jobs=2)
    ours = {p["part"]: p for r in results for p in r["parts"]}
    assert {r["notebook"] for r in results} == set(TOPICS), [r.get("error") for r in results]
    for topic in TOPICS:
        wrong = WRONG[topic][0]
        for part in checks.parts_for(topic):
            if part.key == wrong:  # the wrong part: no points from either
                assert (theirs[part.key], ours[part.key]["points"]) == (0, 0), (part.key, ours[part.key])
            elif part.key in USES_WRONG_PART.get(topic, ()):  # the documented difference
                assert (theirs[part.key], ours[part.key]["points"]) == (0, part.points), (part.key, ours[part.key])
            else:
                assert theirs[part.key] == ours[part.key]["points"] == part.points, (part.key, theirs, ours[part.key])
