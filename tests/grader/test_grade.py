"""The grading command: real solutions and exercises, a batch of bad submissions, and its parts.

The two batch runs call ``python -m bpkit.grade`` as a user would, with
``--jobs 2``; each bad submission of :mod:`submissions` is then checked
against its expected points and message.
"""
from __future__ import annotations

import csv
import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

import bpkit
from bpkit import checks, grade
from bpkit._grading import codec, inkernel
from bpkit._grading.execute import CellRun
from bpkit._grading.records import (
    CSV_COLUMNS,
    CellStatus,
    GradeRow,
    KernelReport,
    KernelStatus,
    PartResult,
    Role,
    Status,
    SubmissionResult,
    cases_name,
    report_names,
)
from bpkit._grading.notebooks import (
    InvalidNotebook,
    notebook_from_content,
    notebook_from_name,
    read_submission,
    restore,
    strip_hidden_tests,
)

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # submissions.py, adversarial.py
import submissions as subs  # noqa: E402

pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="no solutions/ folder")
FULL = sum(p.points for p in checks.parts_for(subs.NOTEBOOK))  # the suite's notebook, every part right


def run_grader(paths, out, *extra, timeout=600):
    cmd = [sys.executable, "-m", "bpkit.grade", *map(str, paths), "--out", str(out),
           "--solutions", str(SOLUTIONS), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(out.parent))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "grades.json").read_text())
    return proc, doc


# ------------------------------------------------------------ solutions and exercises
@pytest.fixture(scope="module")
def reference_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "grades"
    return run_grader([SOLUTIONS, EXERCISES], out, "--jobs", "2", "--seed", "2024")


@pytest.mark.slow
def test_every_solution_scores_full_marks(reference_batch):
    _, doc = reference_batch
    sols = [r for r in doc["submissions"] if r["file"].endswith("_solution.ipynb")]
    assert len(sols) == len(list(SOLUTIONS.glob("*_solution.ipynb"))) == len(checks.NOTEBOOKS)
    for r in sols:
        assert r["error"] is None, r
        assert r["max"] == sum(p.points for p in checks.parts_for(r["notebook"])) > 0
        assert r["points"] == r["max"], (r["student"], [p["message"] for p in r["parts"]])
        assert all(p["test_cell"].startswith("skipped: bpkit-grade judges") for p in r["parts"]), r["parts"]


@pytest.mark.slow
def test_every_exercise_scores_zero_with_a_reason(reference_batch):
    _, doc = reference_batch
    exs = [r for r in doc["submissions"] if r["file"].endswith("_exercise.ipynb")]
    assert len(exs) == len(checks.NOTEBOOKS)
    for r in exs:
        assert r["error"] is None and r["parts"], r
        assert r["points"] == 0 and r["max"] > 0
        for p in r["parts"]:
            assert "not written yet" in p["message"], p


# ----------------------------------------------------------------- bad submissions
@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad") / "submitted"
    paths = subs.write_submissions(EXERCISES, folder)
    before = {s: (p.read_bytes(), p.stat().st_mtime_ns) for s, p in paths.items()}
    out = folder.parent / "grades"
    proc, doc = run_grader([folder], out, "--jobs", "2", "--timeout", "3", "--seed", "11")
    results = {r["student"]: r for r in doc["submissions"]}
    return {"proc": proc, "doc": doc, "results": results, "before": before, "paths": paths, "out": out}


def test_the_bad_suite_is_big_enough():
    assert len(subs.EXPECTED) >= 15
    assert set(subs.EXPECTED) == set(subs.SUBMISSIONS)


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(subs.EXPECTED))
def test_bad_submission_gets_expected_points_and_message(bad_batch, student):
    r = bad_batch["results"][student]
    assert r["notebook"] == subs.NOTEBOOK
    got = {p["part"]: p for p in r["parts"]}
    assert set(got) == set(subs.EXPECTED[student])
    for key, (points, fragment) in subs.EXPECTED[student].items():
        assert got[key]["points"] == points, (key, got[key]["message"])
        assert got[key]["max"] == checks.PARTS[key].points
        if fragment is not None:
            assert fragment in got[key]["message"], (key, got[key]["message"])
        elif points == 0:  # a realistic wrong answer: diagnose's words, not a grader failure
            assert not got[key]["message"].startswith(("the grader", "not graded", "grader error"))
    for note in subs.NOTES.get(student, []):
        assert note in r["notes"]


@pytest.mark.slow
def test_wrong_answers_get_the_diagnosis_of_the_checks(bad_batch):
    res = bad_batch["results"]
    msg = {s: {p["part"]: p["message"] for p in res[s]["parts"]} for s in res}
    assert msg["sigma_for_prime"]["03.2"] == msg["edited_tests"]["03.2"] == msg["tampers_checks"]["03.2"]
    assert "sigma(z)" in msg["sigma_for_prime"]["03.2"]
    assert "z * (1 - z)" in msg["z_for_a"]["03.2"]


@pytest.mark.slow
def test_tampering_fools_the_kernel_but_not_the_grader(bad_batch):
    # the notebook replaced np.allclose and the checks in its kernel: nothing that counts runs there
    t = {p["part"]: p for p in bad_batch["results"]["tampers_checks"]["parts"]}
    assert t["03.2"]["test_cell"].startswith("skipped: bpkit-grade judges the part on its secret cases")
    # ...the grader's own comparison gives 0
    assert t["03.2"]["points"] == 0
    # calling the reference reaches a function without a body in the grading kernel, and the tripwire says why
    c = {p["part"]: p for p in bad_batch["results"]["calls_reference"]["parts"]}
    assert c["03.2"]["points"] == 0 and "calls bpkit.sigmoid_prime" in c["03.2"]["message"]


@pytest.mark.slow
def test_no_submission_gets_more_than_the_correct_one(bad_batch):
    res = bad_batch["results"]
    assert res["correct"]["points"] == res["correct"]["max"] == FULL
    total = sum(r["points"] for r in res.values())
    expected = sum(pts for parts in subs.EXPECTED.values() for pts, _ in parts.values())
    assert total == expected


@pytest.mark.slow
def test_the_grader_never_writes_to_submissions(bad_batch):
    for student, path in bad_batch["paths"].items():
        data, mtime = bad_batch["before"][student]
        assert path.read_bytes() == data
        assert path.stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_progress_table_csv_and_json(bad_batch):
    proc, out, doc = bad_batch["proc"], bad_batch["out"], bad_batch["doc"]
    n = len(subs.SUBMISSIONS)
    progress = [line for line in proc.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == n
    assert f"[{n}/{n}]" in proc.stderr
    assert f"correct: {FULL}/{FULL}" in proc.stderr
    assert "student" in proc.stdout.splitlines()[0] and "message" in proc.stdout.splitlines()[0]
    assert "calls bpkit.sigmoid_prime" in proc.stdout
    with (out / "grades.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["student", "notebook", "part", "points", "max", "message"]
    assert len(rows) == len(checks.parts_for(subs.NOTEBOOK)) * n
    assert doc["seed"] == 11 and doc["timeout"] == 3.0
    assert sum(int(r["points"]) for r in rows) == sum(r["points"] for r in doc["submissions"])


@pytest.mark.slow
def test_the_slow_ones_are_stopped_at_the_time_limit_and_do_not_hold_up_the_batch(bad_batch):
    """A loop is cut off by the time limit (interrupted, or its kernel restarted when it ignores the
    interrupt), the other part of its notebook is still graded, and the batch grades everyone else in full.
    How long grading takes is measured by benchmarks/bench_grade.py, not asserted here."""
    res = bad_batch["results"]
    for student in ("loops", "stubborn_loop"):
        parts = {p["part"]: p for p in res[student]["parts"]}
        assert parts["03.2"]["status"] == "timeout", parts
        assert parts["03.1"]["status"] == "passed", parts
    for student in ("prints_50mb", "correct"):
        assert res[student]["points"] == res[student]["max"], res[student]


PEAK_RSS = textwrap.dedent("""
    import resource, sys
    from bpkit import checks, grade
    cfg = grade.GradeConfig(sys.argv[2], seed=1, timeout=10)
    r = grade.grade_file(sys.argv[1], "x", cfg)
    full = sum(p.points for p in checks.parts_for("03_sigmoid_derivative"))
    assert r.points == r.max_points == full, r
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


@pytest.mark.slow
def test_printing_50_megabytes_keeps_the_graders_memory_bounded(tmp_path):
    paths = subs.write_submissions(EXERCISES, tmp_path, names=["correct", "prints_50mb"])
    peak = {}
    for student, path in paths.items():
        proc = subprocess.run([sys.executable, "-c", PEAK_RSS, str(path), str(SOLUTIONS)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        peak[student] = int(proc.stdout.split()[-1]) / 1024  # MB
    # 50 MB printed in the kernel; the grader's peak memory grows by far less than that
    assert peak["prints_50mb"] < peak["correct"] + 20, peak


# ------------------------------------------------------------------ smaller pieces
def test_codec_round_trip_without_pickle(tmp_path):
    net = bpkit.Network([2, 3, 1], seed=4)
    value = (np.arange(6.0).reshape(2, 3), np.float64(2.5), 3, [np.array([True, False]), None],
             "text", net, {"a": 1}, np.array(["x"], dtype=object))
    arrays = {}
    struct = codec.encode(value, arrays)
    np.savez(tmp_path / "o.npz", **arrays)
    text = json.dumps(struct)
    with np.load(tmp_path / "o.npz", allow_pickle=False) as z:
        back = codec.decode(json.loads(text), {k: z[k] for k in z.files})
    assert isinstance(back, tuple) and len(back) == 8
    np.testing.assert_array_equal(back[0], value[0])
    assert back[1] == 2.5 and back[2] == 3 and isinstance(back[2], np.integer)
    assert back[3][0].dtype == bool and back[3][1] is None and back[4] == "text"
    assert isinstance(back[5], bpkit.Network) and back[5].sizes == [2, 3, 1]
    np.testing.assert_array_equal(back[5].weights[0], net.weights[0])
    assert isinstance(back[6], codec.UnsupportedResult) and back[6].type_name == "dict"
    assert isinstance(back[7], codec.UnsupportedResult) and "dtype object" in back[7].type_name


def test_codec_limits_and_errors():
    arrays = {}
    budget = codec._Budget(1000)
    big = codec.encode(np.zeros(1000), arrays, budget)
    assert big["kind"] == "unsupported" and "too large" in big["why"] and not arrays
    e = codec.decode(codec.encode_error("ZeroDivisionError", "division by zero"), {})
    assert isinstance(e, ZeroDivisionError) and str(e) == "division by zero"
    e = codec.decode(codec.encode_error("LinAlgError", "singular"), {})
    assert type(e).__name__ == "LinAlgError" and isinstance(e, Exception)
    e = codec.decode(codec.encode_error("KeyboardInterrupt", ""), {})
    assert isinstance(e, Exception)
    for forged in ({"kind": "array", "key": "a9"}, {"kind": "pickle"}, [], {"kind": "list", "items": 3}):
        with pytest.raises(codec.DecodeError):
            codec.decode(forged, {})


def test_a_diagnosis_of_transported_results_matches_the_in_kernel_check():
    part = checks.PARTS["03.2"]
    cases = part.make_cases(np.random.default_rng(5))
    outs = [np.ones(np.shape(c[0])) for c in cases] + []
    arrays = {}
    structs = [codec.encode(o, arrays) for o in outs]
    back = [codec.decode(s, arrays) for s in structs]
    assert checks.diagnose("03.2", cases, back) == checks.diagnose("03.2", cases, outs) is not None


def test_read_submission_reasons():
    with pytest.raises(InvalidNotebook, match=r"JSON error at line 2, column"):
        read_submission(b'{"cells": [\n  nope ]}')
    with pytest.raises(InvalidNotebook, match="not UTF-8"):
        read_submission(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidNotebook, match="empty"):
        read_submission(b"  \n")
    with pytest.raises(InvalidNotebook, match="nbformat 3"):
        read_submission(b'{"cells": [], "nbformat": 3}')
    nb = read_submission(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": ["a = 1\n", "b = 2"], "metadata": {}},
        {"cell_type": "bogus"}, 7,
    ]}).encode())
    assert [c.source for c in nb.cells] == ["a = 1\nb = 2"]


def test_which_exercise_a_file_is():
    known = ["03_sigmoid_derivative", "04_delta_accumulation"]
    assert notebook_from_name("03_sigmoid_derivative_exercise.ipynb", known) == "03_sigmoid_derivative"
    assert notebook_from_name("alice-03_sigmoid_derivative.ipynb", known) == "03_sigmoid_derivative"
    assert notebook_from_name("04_mine.ipynb", known) == "04_delta_accumulation"
    assert notebook_from_name("homework.ipynb", known) is None
    ex = nbformat.read(str(EXERCISES / "03_sigmoid_derivative_exercise.ipynb"), as_version=4)
    funcs = {n: [(p.key, p.function) for p in checks.parts_for(n)] for n in
             [p.stem[: -len("_solution")] for p in SOLUTIONS.glob("*_solution.ipynb")]}
    assert notebook_from_content(ex, funcs) == "03_sigmoid_derivative"
    assert notebook_from_content(nbformat.v4.new_notebook(), funcs) is None


def test_submissions_found_in_both_layouts(tmp_path):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "alice.ipynb").write_text("{}")
    (tmp_path / "flat" / "bob" / "hw").mkdir(parents=True)
    (tmp_path / "flat" / "bob" / "hw" / "03_sigmoid_derivative.ipynb").write_text("{}")
    (tmp_path / "flat" / "bob" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "flat" / "bob" / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}")
    found = grade.find_submissions([tmp_path / "flat"])
    assert [s for s, _ in found] == ["alice", "bob"]
    assert grade.find_submissions([tmp_path / "flat" / "alice.ipynb"])[0][0] == "alice"
    with pytest.raises(FileNotFoundError):
        grade.find_submissions([tmp_path / "nope"])


def test_restore_puts_locked_cells_back_in_place():
    sol = nbformat.read(str(SOLUTIONS / "03_sigmoid_derivative_solution.ipynb"), as_version=4)
    ex = nbformat.read(str(EXERCISES / "03_sigmoid_derivative_exercise.ipynb"), as_version=4)
    parts = checks.parts_for("03_sigmoid_derivative")
    ids = [c.metadata.nbgrader.grade_id for c in ex.cells]
    ex.cells = [c for c in ex.cells if c.metadata.nbgrader.grade_id not in ("part1_tests", "setup")]
    ex.cells.append(nbformat.v4.new_code_cell("print('mine')"))
    r = restore(ex, sol, parts, "SETUP", {p.key: f"GRADE {p.key}" for p in parts})
    assert r.nb.cells[0].source == "SETUP"
    gids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in r.nb.cells[1:]]
    graded = [c.source for c in r.nb.cells if c.source.startswith("GRADE")]
    assert graded == [f"GRADE {p.key}" for p in parts]
    assert [g for g in gids if g] == ids  # every cell, in the solution's order
    tests = next(c for c in r.nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "part2_tests")
    assert "### BEGIN HIDDEN TESTS" in tests.source  # hidden tests come from the solution
    assert r.nb.cells[-1].source == "print('mine')"
    assert "restored deleted cell part1_tests" in r.notes and "restored deleted cell setup" in r.notes
    assert (Role.GRADER, "03.1") in r.roles and (Role.TESTS, "03.2") in r.roles
    assert r.roles[0] == (Role.SETUP, None)
    assert strip_hidden_tests(tests.source).strip() == next(
        c.source for c in nbformat.read(str(EXERCISES / "03_sigmoid_derivative_exercise.ipynb"), 4).cells
        if c.metadata.nbgrader.grade_id == "part2_tests"
    ).strip()


def test_every_forbidden_name_resolves_to_a_function():
    for part in checks.PARTS.values():
        for name in part.forbidden:
            if name.split(".")[0] != "bpkit":
                continue
            code = inkernel._resolve(name)
            assert code.co_name == name.split(".")[-1], name
    assert inkernel._resolve("bpkit.backprop").co_name == "backprop"  # the function, not the module


def test_cli_usage_errors(tmp_path, capsys):
    assert grade.main([str(tmp_path / "missing.ipynb"), "--solutions", str(SOLUTIONS)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert grade.main([str(tmp_path), "--solutions", str(SOLUTIONS)]) == 2
    assert "no .ipynb files" in capsys.readouterr().err
    assert grade.main([str(tmp_path), "--solutions", str(tmp_path)]) == 2
    assert "no *_solution.ipynb" in capsys.readouterr().err
    assert grade.main([str(tmp_path), "--timeout", "0"]) == 2


def test_unknown_notebook_is_reported_not_crashed(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(nb, str(tmp_path / "mystery.ipynb"))
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=1, timeout=5)
    r = grade.grade_file(tmp_path / "mystery.ipynb", "mystery", cfg)
    assert isinstance(r, SubmissionResult)
    assert r.points == r.max_points == 0 and "cannot tell which exercise" in r.error
    assert r["points"] == r["max"] == 0 and r["error"] == r.error  # the keys of grades.json read as before
    rows = grade.rows_of([r])
    assert rows == [GradeRow("mystery", "?", "-", 0, 0, r.error)]
    assert [row.to_csv() for row in rows] == [{"student": "mystery", "notebook": "?", "part": "-", "points": 0,
                                               "max": 0, "message": r.error}]


# ------------------------------------------------------------------------ records
def _two_parts():
    return SubmissionResult(
        "alice", "submitted/alice/03_sigmoid_derivative.ipynb", "03_sigmoid_derivative",
        (PartResult("03.1", "sigmoid", 2, 2, "ok (5 cases)", Status.PASSED, "passed"),
         PartResult("03.2", "sigmoid_prime", 0, 2, "calls bpkit.sigmoid_prime, the function", Status.FORBIDDEN_CALL,
                    "passed, but wrote to stderr")),
        None, ("restored deleted cell part2_tests",), 1.25,
    )


def test_status_values_are_distinct_words():
    for enum in (Status, KernelStatus, CellStatus, Role):
        values = [m.value for m in enum]
        assert len(set(values)) == len(values), enum
        assert all(v.isidentifier() and v == v.lower() for v in values), enum
        assert all(enum(m.value) is m for m in enum)
    # the kernel writes these words; the grader decodes them
    assert {m.value for m in KernelStatus} == {"ok", "missing", "not_callable", "grader_error"}
    assert {m for m in CellStatus if m.stopped_kernel} == {CellStatus.HUNG, CellStatus.DEAD}
    assert {m for m in CellStatus if m.overran} == {CellStatus.TIMEOUT, CellStatus.HUNG}
    assert CellRun().status is CellStatus.NOT_RUN


def test_results_round_trip_through_grades_json():
    r = _two_parts()
    doc = r.to_json()
    assert list(doc) == ["student", "file", "notebook", "points", "max", "parts", "error", "notes", "seconds"]
    assert [list(p) for p in doc["parts"]] == [["part", "function", "points", "max", "message", "test_cell",
                                                 "status", "diagnosis"]] * 2
    assert (doc["points"], doc["max"], doc["notes"], doc["error"]) == (2, 4, ["restored deleted cell part2_tests"], None)
    assert [p["status"] for p in doc["parts"]] == ["passed", "forbidden_call"]  # kept for the class report
    back = SubmissionResult.from_json(json.loads(json.dumps(doc)))
    assert back.to_json() == doc
    assert back == r
    old = json.loads(json.dumps(doc))  # a grades.json written before status and diagnosis were kept
    for p in old["parts"]:
        del p["status"], p["diagnosis"]
    assert SubmissionResult.from_json(old) == SubmissionResult(
        r.student, r.file, r.notebook, tuple(PartResult(**{**vars(p), "status": None}) for p in r.parts),
        r.error, r.notes, r.seconds)
    assert r["points"] == r.points == 2 and r["max"] == r.max_points == 4 and r["parts"] == doc["parts"]
    assert r.parts[1]["max"] == 2 and r.parts[1]["test_cell"] == "passed, but wrote to stderr"
    with pytest.raises(ValueError, match="points must be within 0..2"):
        PartResult("03.1", "sigmoid", 3, 2, "too many", Status.PASSED)


def test_rows_round_trip_through_grades_csv(tmp_path):
    unreadable = SubmissionResult("bob", "bob.ipynb", error="not a valid notebook (the file is empty)")
    results = [_two_parts(), unreadable]
    assert unreadable.points == unreadable.max_points == 0 and unreadable.notebook == "?"
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=3, timeout=7.0)
    jpath, cpath = grade.write_reports(results, tmp_path, cfg)
    assert (jpath.name, cpath.name) == ("grades.json", "grades.csv")
    with cpath.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        back = [GradeRow.from_csv(row) for row in reader]
    assert tuple(reader.fieldnames) == CSV_COLUMNS == ("student", "notebook", "part", "points", "max", "message")
    assert back == grade.rows_of(results) == [
        GradeRow("alice", "03_sigmoid_derivative", "03.1", 2, 2, "ok (5 cases)"),
        GradeRow("alice", "03_sigmoid_derivative", "03.2", 0, 2, "calls bpkit.sigmoid_prime, the function"),
        GradeRow("bob", "?", "-", 0, 0, "not a valid notebook (the file is empty)"),
    ]
    assert cpath.read_text(encoding="utf-8").splitlines()[1] == "alice,03_sigmoid_derivative,03.1,2,2,ok (5 cases)"
    doc = json.loads(jpath.read_text(encoding="utf-8"))
    assert list(doc) == ["grader", "created", "seed", "timeout", "solutions", "submissions"]
    assert doc["submissions"] == [r.to_json() for r in results]
    assert [SubmissionResult.from_json(d).to_json() for d in doc["submissions"]] == doc["submissions"]
    table = grade.format_table(results)
    assert "alice" in table and "2/4" in table and "not a valid notebook (the file is empty)" in table
    # the entries of a grades.json read back work as well as the records
    assert grade.rows_of(doc["submissions"]) == back and grade.format_table(doc["submissions"]) == table


def test_the_kernels_report_is_decoded_into_a_record(tmp_path):
    session = inkernel.Session(tmp_path, {"03.2": []}, per_call=5.0, budget=10.0)
    cases = [(np.array([0.0, 1.0]),), (np.array([2.0]),)]
    (tmp_path / cases_name("03.2")).write_bytes(pickle.dumps([pickle.dumps(c) for c in cases]))

    def doubled(z):
        if z.size == 1:
            raise ZeroDivisionError("no")
        return 2 * z

    session.run_part("03.2", "doubled", {"doubled": doubled})
    assert not (tmp_path / cases_name("03.2")).exists()  # the cases are gone once read
    assert all((tmp_path / name).exists() for name in report_names("03.2"))
    report = codec.read_report(tmp_path, "03.2")
    assert isinstance(report, KernelReport) and report.status is KernelStatus.OK
    assert (report.key, report.function, report.forbidden_call, report.tampering) == ("03.2", "doubled", None, None)
    np.testing.assert_array_equal(report.values[0], [0.0, 2.0])
    assert isinstance(report.values[1], ZeroDivisionError) and not report.timed_out
    session.run_part("03.1", "sigmoid", {"sigmoid": 3})
    report = codec.read_report(tmp_path, "03.1")
    assert report.status is KernelStatus.NOT_CALLABLE and report.type_name == "int"
    session.run_part("03.1", "sigmoid", {})
    assert codec.read_report(tmp_path, "03.1").status is KernelStatus.MISSING
    assert codec.read_report(tmp_path, "04.1") is None  # no report written


def test_a_forged_report_decodes_to_a_status_not_a_crash(tmp_path):
    json_name, _ = report_names("03.2")
    (tmp_path / json_name).write_text(json.dumps({"status": "bogus", "defined": [1, "f"], "tampering": ""}))
    report = codec.read_report(tmp_path, "03.2")
    assert report.status is KernelStatus.GRADER_ERROR and report.error == "bogus"
    assert report.defined == ("f",) and report.tampering is None and report.values == ()
    for forged in ([1, 2], {"outputs": 3}):
        (tmp_path / json_name).write_text(json.dumps(forged))
        with pytest.raises(codec.DecodeError):
            codec.read_report(tmp_path, "03.2")


STATUSES = {  # what the records say, beyond the points and messages of grades.json
    "correct": {"03.1": Status.PASSED, "03.2": Status.PASSED},
    "sigma_for_prime": {"03.1": Status.PASSED, "03.2": Status.FAILED},
    "renamed": {"03.2": Status.MISSING},
    "calls_reference": {"03.2": Status.FORBIDDEN_CALL},
    "disables_tripwire": {"03.2": Status.TAMPERING},
    "loops": {"03.2": Status.TIMEOUT},
    "stderr_in_tests": {"03.2": Status.PASSED},  # debug output is no mistake (nbgrader would fail it)
    "removes_grader": {"03.1": Status.NOT_GRADED, "03.2": Status.NOT_GRADED},
    "empty_file": {"03.1": Status.INVALID, "03.2": Status.INVALID},
}


@pytest.mark.slow
def test_each_part_records_how_it_came_out(tmp_path):
    paths = subs.write_submissions(EXERCISES, tmp_path, names=list(STATUSES))
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=5, timeout=3)
    results = {r.student: r for r in grade.grade_paths([tmp_path], cfg, jobs=2)}
    assert set(results) == set(paths) == set(STATUSES)
    for student, expected in STATUSES.items():
        got = {p.part: p for p in results[student].parts}
        for key, status in expected.items():
            assert got[key].status is status, (student, key, got[key].message)
            assert (got[key].points == got[key].max_points) == (status is Status.PASSED)
