"""Grade exercise submissions: ``bpkit-grade SUBMISSION.ipynb`` or ``bpkit-grade FOLDER/``.

Each submission runs in its own fresh kernel, with the locked cells (prompts,
setup, checks, tests with their hidden parts) put back from ``solutions/`` by
``grade_id``, as nbgrader's ``autograde`` does. For every part the grader then
calls the learner's function on secret cases (a seed only the grader knows)
and compares the results **in the grader's own process** with
``bpkit.checks.diagnose``, so a submission that replaces ``np.allclose`` or
``bpkit.checks`` in its kernel changes nothing that counts.

A part earns its points when

1. ``diagnose`` finds the learner's results equal to the reference on every
   secret case, **and**
2. the part's test cell (visible and hidden asserts, from the solution) ran
   without an error and without writing to stderr (what nbgrader requires),
   **and**
3. the learner's function did not call the bpkit function it was asked to
   write, nor switch off the grader's tripwire or timer.

Anything a submission does wrong -- raising, looping forever, deleting or
editing cells, renaming the function, printing megabytes, not being JSON --
costs only that submission's points, with a reason; the batch goes on. The
grader only reads submission files, never writes them.

Usage::

    bpkit-grade submissions/ --out grades --jobs 4 --timeout 30
    python -m bpkit.grade alice/03_sigmoid_derivative.ipynb

Writes ``grades.json`` and ``grades.csv`` (student, notebook, part, points,
max, message) into ``--out`` and prints a table. See ``docs/INSTRUCTORS.md``.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import csv
import datetime
import importlib
import itertools
import json
import multiprocessing
import os
import pickle
import secrets
import sys
import tempfile
import time
import traceback
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._grading import codec
from ._grading.records import (
    CSV_COLUMNS,
    CSV_NAME,
    GRADER_NAME,
    JSON_NAME,
    NO_PART,
    NOTHING_TO_GRADE,
    SESSION_PREFIX,
    UNKNOWN_NOTEBOOK,
    CellStatus,
    GradeRow,
    KernelStatus,
    PartResult,
    Role,
    Status,
    SubmissionResult,
    cases_name,
)

if TYPE_CHECKING:
    from ._grading.execute import CellRun

__all__ = ["GradeConfig", "grade_file", "grade_paths", "find_submissions", "main",
           "SubmissionResult", "PartResult", "GradeRow", "Status"]

DEFAULT_TIMEOUT = 30.0
DEFAULT_OUT = "grades"
CHECKS_MODULE = "bpkit.checks"
SOLUTIONS_DIR = "solutions"
SOLUTION_SUFFIX = "_solution.ipynb"
# time limits, in units of --timeout (the limit of one call): all calls of one part together get
# BUDGET_CALLS of them; its grader cell that much plus two calls and a fixed margin
BUDGET_CALLS = 2.0
GRADER_CELL_CALLS = 2.0
GRADER_CELL_MARGIN = 5.0
POOL_ATTEMPTS = 3   # a worker killed from outside breaks the pool: start a new one, this many times in all

# messages used in several places
INTERNAL_ERROR = "internal grader error: "
TELL_INSTRUCTOR = "please tell the instructor"
RESTARTED = "it was restarted and the other parts were graded"
UNKNOWN_EXERCISE = ("cannot tell which exercise this is: name the file like 03_sigmoid_derivative.ipynb "
                    "or keep the exercise's cells")


@dataclass(frozen=True)
class GradeConfig:
    """Settings shared by every submission of one grading run (picklable).

    Parameters
    ----------
    solutions : str, folder holding ``NN_<topic>_solution.ipynb``
    seed : int, the secret seed of the cases
    timeout : float, seconds per cell, and per call of the learner's function
    checks_module : str, the module with ``PARTS``, ``parts_for`` and ``diagnose``
    """

    solutions: str
    seed: int
    timeout: float = DEFAULT_TIMEOUT
    checks_module: str = CHECKS_MODULE


# ------------------------------------------------------------------ finding things
def default_solutions_dir():
    """``./solutions`` if it exists, else the ``solutions/`` of the bpkit checkout."""
    here = Path.cwd() / SOLUTIONS_DIR
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / SOLUTIONS_DIR


def solution_files(solutions):
    """Map notebook name (``"03_sigmoid_derivative"``) -> solution path."""
    out = {}
    for p in sorted(Path(solutions).glob("*" + SOLUTION_SUFFIX)):
        out[p.name[: -len(SOLUTION_SUFFIX)]] = p
    return out


def find_submissions(paths):
    """List ``(student, path)`` for the given files and folders.

    A file given directly, or a notebook directly inside a given folder, is
    graded as student = its file stem. In ``FOLDER/<student>/.../<nb>.ipynb``
    layouts (also nbgrader's ``submitted/<student>/<assignment>/``) the
    student is the first folder below FOLDER. Checkpoint and hidden folders are
    skipped.
    """
    found = []
    for given in paths:
        given = Path(given)
        if given.is_file():
            found.append((given.stem, given))
            continue
        if not given.is_dir():
            raise FileNotFoundError(f"no such file or folder: {given}")
        for p in sorted(given.rglob("*.ipynb")):
            rel = p.relative_to(given)
            if any(part.startswith(".") for part in rel.parts):
                continue
            student = p.stem if len(rel.parts) == 1 else rel.parts[0]
            found.append((student, p))
    return found


_CACHE = {}


def _checks(config):
    """The checks module of this run (``bpkit.checks`` unless a test says otherwise)."""
    return importlib.import_module(config.checks_module)


def _solution(config, name):
    """The solution notebook of exercise ``name``, read once per process."""
    import nbformat

    key = ("solution", config.solutions, name)
    if key not in _CACHE:
        path = solution_files(config.solutions)[name]
        _CACHE[key] = nbformat.read(str(path), as_version=4)
    return _CACHE[key]


def _notebook_parts(config):
    """Map notebook name -> its parts (``checks.parts_for``), for every solution; made once per process."""
    key = ("parts", config.solutions, config.checks_module)
    if key not in _CACHE:
        checks = _checks(config)
        names = sorted(solution_files(config.solutions))
        _CACHE[key] = {n: list(checks.parts_for(n)) for n in names}
    return _CACHE[key]


# ----------------------------------------------------------------- records made here
def _zero(part, status, message):
    """A part that earns nothing, for a reason found before its cells ran (no test cell to report)."""
    return PartResult(part.key, part.function, 0, part.points, message, status)


def _result(student, path, notebook, parts, started, error=None, notes=()):
    """The SubmissionResult of one file, timed from ``started`` (``time.monotonic()``)."""
    return SubmissionResult(
        student=student,
        file=str(path),
        notebook=notebook or UNKNOWN_NOTEBOOK,
        parts=tuple(parts),
        error=error,
        notes=tuple(notes),
        seconds=round(time.monotonic() - started, 2),
    )


def _failed_result(student, path, why):
    """The result of a file whose grading failed on the grader's side."""
    return _result(student, path, None, (), time.monotonic(), error=INTERNAL_ERROR + why)


def _first_line(text, limit=200):
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(text).strip().split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------ the kernel's notebook
def _kernel_env():
    """The environment of a grading kernel: one BLAS thread, no display, no debugger warnings."""
    env = dict(os.environ)
    # one BLAS thread per kernel: --jobs already uses the cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["MPLBACKEND"] = "Agg"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    return env


def _setup_source(token, workdir, forbidden, per_call, budget, strict):
    """The grader's first cell: installs the in-kernel session before any learner code runs."""
    return (
        "# bpkit grader: setup (added by the grader, not part of the exercise)\n"
        "import bpkit._grading.inkernel as _bpkit_grader_setup\n"
        f"_bpkit_grader_setup.install({json.dumps(token)}, {json.dumps(workdir)}, {json.dumps(forbidden)}, "
        f"{per_call!r}, {budget!r}, {json.dumps(strict)})\n"
        "del _bpkit_grader_setup\n"
    )


def _grader_source(token, key, function):
    """The grader's cell of one part: calls the learner's function on the secret cases."""
    return (
        f"# bpkit grader: part {key} (added by the grader, not part of the exercise)\n"
        f"__import__('sys').modules[{json.dumps(SESSION_PREFIX + token)}].run_part("
        f"{json.dumps(key)}, {json.dumps(function)}, globals())\n"
    )


@dataclass(frozen=True)
class _Limits:
    """Seconds allowed: one call of the learner's function, all calls of a part, a grader cell."""

    per_call: float
    budget: float
    grader_cell: float

    @classmethod
    def of(cls, timeout):
        """The limits that follow from ``--timeout``."""
        per_call = float(timeout)
        budget = BUDGET_CALLS * per_call
        return cls(per_call, budget, budget + GRADER_CELL_CALLS * per_call + GRADER_CELL_MARGIN)


@dataclass(frozen=True)
class _Cases:
    """The secret cases of one submission: per part key, as tuples and pickled; parts whose cases failed."""

    of: dict
    blobs: dict
    broken: dict


def _case_rng(config, student, key):
    """The random generator of one student's cases of one part (from the secret seed)."""
    seq = np.random.SeedSequence([config.seed % (1 << 63), zlib.crc32(student.encode()), zlib.crc32(key.encode())])
    return np.random.default_rng(seq)


def _make_cases(config, student, parts):
    """Draw every part's secret cases; a part whose ``make_cases`` raises is marked broken."""
    cases = _Cases({}, {}, {})
    for p in parts:
        try:
            made = list(p.make_cases(_case_rng(config, student, p.key)))
            cases.blobs[p.key] = pickle.dumps(
                [pickle.dumps(tuple(args), protocol=pickle.HIGHEST_PROTOCOL) for args in made]
            )
            cases.of[p.key] = made
        except Exception as exc:
            cases.broken[p.key] = (f"grader error making the cases ({type(exc).__name__}: {exc}); "
                                   + TELL_INSTRUCTOR)
    return cases


def _graded_notebook(nb, solution, parts, io_dir, limits):
    """The submission with the solution's locked cells put back and the grader's cells added."""
    from ._grading.notebooks import restore

    token = secrets.token_hex(8)
    forbidden = {p.key: [str(n) for n in p.forbidden] for p in parts}
    strict = [p.key for p in parts if getattr(p, "strict_float", False)]
    setup = _setup_source(token, str(io_dir), forbidden, limits.per_call, limits.budget, strict)
    graders = {p.key: _grader_source(token, p.key, p.function) for p in parts}
    return restore(nb, solution, parts, setup, graders)


def _skipper(io_dir, cases):
    """The ``should_skip`` of :func:`.execute.run_notebook`; it also writes a part's cases just in time."""

    def should_skip(idx, role, key):
        if role is Role.GRADER:
            if key in cases.broken:
                return "the cases could not be made"
            # the secret cases appear only now, when no learner code runs but the graded function
            Path(io_dir, cases_name(key)).write_bytes(cases.blobs[key])
            return None
        if role is not Role.TESTS:
            return None
        try:
            report = codec.read_report(io_dir, key)
        except Exception:
            return None
        if report is not None and report.timed_out:
            return f"`{report.function}` already timed out in the grader's cell"
        return None

    return should_skip


@dataclass(frozen=True)
class _PartCells:
    """How one part's cells ran, and whether one of them stopped the kernel."""

    code: CellRun | None = None     # the learner's solution cell
    grader: CellRun | None = None   # the grader's cell
    tests: CellRun | None = None    # the part's test cell
    stopped: bool = False           # a cell of the part hung or killed the kernel
    stopper: CellRun | None = None  # ... that cell
    stopped_in_code: bool = False  # ... and it was the learner's solution cell (else the graded function)


@dataclass(frozen=True)
class _Executed:
    """How the graded notebook ran: a CellRun per cell index, the roles' first cells, what stopped the kernel."""

    runs: dict
    first: dict     # (Role, part key) -> index of its first cell
    blocked: dict   # part key (or None) -> index of the cell that stopped the kernel

    @classmethod
    def of(cls, roles, runs, blocked):
        """Index the cells by role."""
        first = {}
        for i, role_key in enumerate(roles):
            first.setdefault(role_key, i)
        return cls(runs, first, blocked)

    def part_cells(self, key):
        """The runs of part ``key``'s cells."""
        code_idx = self.first.get((Role.CODE, key))
        stopped = key in self.blocked
        return _PartCells(
            code=self.runs.get(code_idx),
            grader=self.runs.get(self.first.get((Role.GRADER, key))),
            tests=self.runs.get(self.first.get((Role.TESTS, key))),
            stopped=stopped,
            stopper=self.runs.get(self.blocked[key]) if stopped else None,
            stopped_in_code=stopped and self.blocked[key] == code_idx,
        )

    def notes(self):
        """What the run did that the instructor should know about (setup cell trouble, restarts)."""
        notes = []
        setup_run = self.runs.get(0)
        if setup_run is not None and setup_run.status is not CellStatus.OK:
            notes.append(f"grader setup cell: {setup_run.status.value} {setup_run.ename}: {setup_run.evalue}")
        if None in self.blocked:
            notes.append(f"cell {self.blocked[None]} stopped the kernel and was skipped after a restart")
        return notes


# ------------------------------------------------------------------- scoring a part
def _test_cell_summary(run):
    """How the part's test cell went, in a few words (recorded in grades.json)."""
    if run is None:
        return "missing"
    if run.status is CellStatus.OK:
        return "passed, but wrote to stderr" if run.stderr.strip() else "passed"
    if run.status is CellStatus.ERROR:
        return f"failed: {run.ename}: {_first_line(run.evalue, 150)}"
    if run.status is CellStatus.SKIPPED:
        return f"skipped: {run.why}"
    return run.status.value


def _kernel_stopped(f, cells, timeout):
    """A cell of the part stopped the kernel: it died, or ran on past the interrupt."""
    where = f"the cell defining {f}" if cells.stopped_in_code else f
    if cells.stopper is not None and cells.stopper.status is CellStatus.DEAD:
        return Status.CRASHED, (f"the kernel died while {where} was running (did it call os._exit() or run out of "
                                f"memory?); {RESTARTED}")
    return Status.TIMEOUT, (f"{where} ran longer than {timeout:g} s and the kernel stopped responding to the "
                            f"interrupt; {RESTARTED}")


def _no_report(f, grader_run, timeout):
    """The grader's cell wrote no report: it failed, timed out or did not run."""
    if grader_run is not None and grader_run.status is CellStatus.ERROR:
        return Status.NOT_GRADED, (f"the grader could not run this part ({grader_run.ename}: "
                                   f"{_first_line(grader_run.evalue)}); "
                                   "does the notebook change Python's builtins or sys.modules?")
    if grader_run is not None and grader_run.status.overran:
        return Status.TIMEOUT, f"{f} did not return within {timeout:g} s and ignored the interrupt"
    why = grader_run.why if grader_run is not None and grader_run.why else "the grader's cell did not run"
    return Status.NOT_GRADED, f"not graded: {why}"


def _missing(f, report, code_run, timeout):
    """The function is not in the notebook: say what happened to the cell that should define it."""
    if code_run is not None and code_run.status.overran:
        return Status.TIMEOUT, f"the cell defining {f} did not finish within {timeout:g} s, so {f} was never defined"
    if code_run is not None and code_run.status is CellStatus.ERROR:
        return Status.MISSING, (f"function {f} not found: the cell that should define it raised "
                                f"{code_run.ename}: {_first_line(code_run.evalue)}")
    hint = f" (the notebook defines: {', '.join(report.defined[:5])})" if report.defined else ""
    return Status.MISSING, f"function {f} not found: did you rename it?{hint}"


def _not_called(f, report, code_run, timeout):
    """The grader's cell could not call the function (missing, not a function, grader error); else None."""
    if report.status is KernelStatus.MISSING:
        return _missing(f, report, code_run, timeout)
    if report.status is KernelStatus.NOT_CALLABLE:
        return Status.MISSING, f"{f} is a {report.type_name}, not a function: did a later cell reuse the name?"
    if report.status is not KernelStatus.OK:
        return Status.NOT_GRADED, f"the grader could not run this part: {_first_line(report.error)}"
    return None


def _against_the_rules(f, report):
    """The function switched the grader's checks off, or called the function it should replace; else None."""
    if report.tampering:
        return Status.TAMPERING, (f"{f} calls {report.tampering} while it is graded, which switches off the "
                                  "grader's checks; no points for this part")
    if report.forbidden_call:
        return Status.FORBIDDEN_CALL, f"calls {report.forbidden_call}, the function this part asks you to write"
    return None


def _wrong_results(key, report, cases, checks):
    """The checks' diagnosis of the results on the secret cases, if they are wrong; else None."""
    outputs = list(report.values)
    if len(outputs) != len(cases):
        return Status.NOT_GRADED, f"the grader got {len(outputs)} results for {len(cases)} cases"
    try:
        msg = checks.diagnose(key, cases, outputs)
    except Exception as exc:  # diagnose must never raise; if it does, say so rather than crash
        return Status.GRADER_ERROR, (f"grader error in diagnose ({type(exc).__name__}: {_first_line(exc)}); "
                                     + TELL_INSTRUCTOR)
    if msg is not None:  # a call cut off at the time limit is one of the mistakes diagnose names
        return (Status.TIMEOUT if report.timed_out else Status.FAILED), _first_line(msg, 500)
    return None


def _test_cell_failed(test_run, timeout):
    """Why the part's test cell does not count as passed (nbgrader's rule); None if it passed."""
    if test_run is None or test_run.status is CellStatus.NOT_RUN:
        return Status.TEST_FAILED, "the test cell did not run"
    if test_run.status is CellStatus.ERROR:
        if test_run.ename == "NotImplementedError":
            return Status.TEST_FAILED, ("the test cell failed with NotImplementedError: it also uses another "
                                        "function of this notebook that is not written yet")
        return Status.TEST_FAILED, f"the test cell failed: {test_run.ename}: {_first_line(test_run.evalue)}"
    if test_run.status.overran or test_run.status is CellStatus.DEAD:
        return Status.TIMEOUT, f"the test cell did not finish within {timeout:g} s"
    if test_run.status is CellStatus.SKIPPED:
        return Status.TEST_FAILED, f"the test cell was skipped: {test_run.why}"
    if test_run.stderr.strip():
        first = next(line for line in test_run.stderr.splitlines() if line.strip())
        return Status.TEST_FAILED, ("the test cell wrote to stderr, which nbgrader scores as a failure: "
                                    f"{_first_line(first)}")
    return None


def _verdict(part, report, cells, cases, checks, timeout):
    """(Status, message) of one part: the first thing that went wrong, else ok."""
    f = f"`{part.function}`"
    if cells.stopped:
        return _kernel_stopped(f, cells, timeout)
    if report is None:
        return _no_report(f, cells.grader, timeout)
    return (_not_called(f, report, cells.code, timeout)
            or _against_the_rules(f, report)
            or _wrong_results(part.key, report, cases, checks)
            or _test_cell_failed(cells.tests, timeout)
            or (Status.PASSED, f"ok ({len(cases)} cases)"))


def _score_part(part, io_dir, cases, executed, checks, timeout):
    """The PartResult of one part, from the kernel's report and how its cells ran."""
    if part.key in cases.broken:
        return _zero(part, Status.GRADER_ERROR, cases.broken[part.key])
    try:
        report = codec.read_report(io_dir, part.key)
    except Exception as exc:
        return _zero(part, Status.NOT_GRADED, (
            f"the grader could not read this part's results ({type(exc).__name__}: {_first_line(exc)}): "
            "did the notebook write to the grader's files?"))
    cells = executed.part_cells(part.key)
    status, message = _verdict(part, report, cells, cases.of[part.key], checks, timeout)
    points = part.points if status is Status.PASSED else 0
    return PartResult(part.key, part.function, points, part.points, message, status,
                      _test_cell_summary(cells.tests))


# --------------------------------------------------------------------- one submission
def grade_file(path, student, config):
    """Grade one submission; return its :class:`SubmissionResult` (see :func:`grade_paths`).

    Never raises for a bad submission: every problem becomes a message.
    """
    started = time.monotonic()
    path = Path(path)
    try:
        return _grade_file(path, student, config, started)
    except Exception as exc:  # a grader bug must not stop the batch
        tb = traceback.format_exc(limit=5)
        return _result(student, path, None, (), started,
                       error=f"{INTERNAL_ERROR}{type(exc).__name__}: {exc}\n{tb}")


def _grade_file(path, student, config, started):
    """Read one submission, tell which exercise it is, and grade it (raises only on grader bugs)."""
    from ._grading.notebooks import InvalidNotebook, notebook_from_content, notebook_from_name, read_submission

    by_nb = _notebook_parts(config)
    data = path.read_bytes()  # the only access to the submission: read once
    name_guess = notebook_from_name(path.name, by_nb)
    try:
        nb = read_submission(data)
    except InvalidNotebook as exc:
        parts = [_zero(p, Status.INVALID, str(exc)) for p in by_nb.get(name_guess, [])]
        return _result(student, path, name_guess, parts, started, error=str(exc))
    notebook = name_guess or notebook_from_content(
        nb, {n: [(p.key, p.function) for p in ps] for n, ps in by_nb.items()}
    )
    if notebook is None:
        return _result(student, path, None, (), started, error=UNKNOWN_EXERCISE)
    parts, notes = _grade_notebook(nb, notebook, student, config)
    return _result(student, path, notebook, parts, started, notes=notes)


def _grade_notebook(nb, notebook, student, config):
    """Run a readable submission of ``notebook`` in a fresh kernel and score it: (PartResults, notes)."""
    from ._grading import execute

    parts = _notebook_parts(config)[notebook]
    limits = _Limits.of(config.timeout)
    with tempfile.TemporaryDirectory(prefix="bpkit-grade-") as workdir:
        io_dir = Path(workdir, "io")
        cwd = Path(workdir, "cwd")  # the kernel's working directory: it never holds the cases
        io_dir.mkdir()
        cwd.mkdir()
        cases = _make_cases(config, student, parts)
        restored = _graded_notebook(nb, _solution(config, notebook), parts, io_dir, limits)
        runs, blocked = execute.run_notebook(
            restored.nb, restored.roles, str(cwd),
            timeout=config.timeout,
            grader_timeout=limits.grader_cell,
            env=_kernel_env(),
            should_skip=_skipper(io_dir, cases),
        )
        executed = _Executed.of(restored.roles, runs, blocked)
        checks = _checks(config)
        scored = [_score_part(p, io_dir, cases, executed, checks, config.timeout) for p in parts]
    return scored, list(restored.notes) + executed.notes()


# ---------------------------------------------------------------------- many of them
def _grade_job(args):
    """Grade one submission in a worker process."""
    path, student, config = args
    return grade_file(path, student, config)


def grade_paths(paths, config, jobs=None, progress=None):
    """Grade every submission found under ``paths``.

    Parameters
    ----------
    paths : list of str or Path (files and folders)
    config : GradeConfig
    jobs : int, default ``os.cpu_count()``
        Submissions graded at the same time (each in its own process and kernel).
    progress : callable(k, n, result), optional
        Called as each submission finishes.

    Returns
    -------
    list of SubmissionResult, in the order of :func:`find_submissions`
        Each has ``student, file, notebook, points, max_points, parts, error,
        notes, seconds``; ``parts`` are :class:`PartResult` (``part, function,
        points, max_points, message, status, test_cell``). ``to_json()`` gives
        the entry of grades.json, and ``r["points"]`` reads that entry's keys.
    """
    subs = find_submissions(paths)
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    results = [None] * len(subs)
    done = itertools.count(1)

    def finish(i, result):
        results[i] = result
        k = next(done)
        if progress:
            progress(k, len(subs), result)

    if jobs == 1 or len(subs) <= 1:
        for i, (student, path) in enumerate(subs):
            finish(i, grade_file(path, student, config))
        return results
    pending = list(range(len(subs)))
    for _attempt in range(POOL_ATTEMPTS):
        if not pending:
            break
        _grade_in_pool(subs, pending, config, jobs, finish)
        pending = [i for i in pending if results[i] is None]
    for i in pending:
        finish(i, _failed_result(subs[i][0], subs[i][1], "the grading process was killed"))
    return results


def _grade_in_pool(subs, indices, config, jobs, finish):
    """Grade ``subs[i]``, ``i`` in ``indices``, in a pool of worker processes (a broken pool leaves some undone)."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(indices)), mp_context=ctx) as pool:
        futures = {pool.submit(_grade_job, (subs[i][1], subs[i][0], config)): i for i in indices}
        for fut in concurrent.futures.as_completed(futures):
            i = futures[fut]
            try:
                result = fut.result()
            except concurrent.futures.process.BrokenProcessPool:
                continue
            except Exception as exc:
                result = _failed_result(subs[i][0], subs[i][1], f"{type(exc).__name__}: {exc}")
            finish(i, result)


# ---------------------------------------------------------------------------- output
def _records(results):
    """The results as SubmissionResult records (entries of a grades.json read back are converted)."""
    return [r if isinstance(r, SubmissionResult) else SubmissionResult.from_json(r) for r in results]


def rows_of(results):
    """The rows of grades.csv (:class:`GradeRow`): one per part, and one for each ungradable file."""
    return [row for r in _records(results) for row in r.rows()]


def write_reports(results, out_dir, config):
    """Write ``grades.json`` and ``grades.csv`` into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = {
        "grader": GRADER_NAME,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": config.seed,
        "timeout": config.timeout,
        "solutions": str(config.solutions),
        "submissions": [r.to_json() for r in _records(results)],
    }
    jpath, cpath = out / JSON_NAME, out / CSV_NAME
    jpath.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with cpath.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(row.to_csv() for row in rows_of(results))
    return jpath, cpath


def _table_lines(r):
    """The table's lines of one submission: a line per part and its total, or one saying why there are none."""
    lines = [[r.student, r.notebook, p.part, p.function, f"{p.points}/{p.max_points}", p.message]
             for p in r.parts]
    if r.parts:
        lines.append([r.student, r.notebook, "total", "", f"{r.points}/{r.max_points}", ""])
    else:
        lines.append([r.student, r.notebook, NO_PART, "", "0/0", (r.error or NOTHING_TO_GRADE).splitlines()[0]])
    return lines


def format_table(results, width=100):
    """The per-part table printed on stdout."""
    head = ["student", "notebook", "part", "function", "points", "message"]
    lines = [line for r in _records(results) for line in _table_lines(r)]
    widths = [max([len(h)] + [len(str(l[i])) for l in lines]) for i, h in enumerate(head[:-1])]

    def fmt(cols):
        msg = str(cols[-1])
        if len(msg) > width:
            msg = msg[: width - 1] + "…"
        return "  ".join(str(c).ljust(w) for c, w in zip(cols[:-1], widths)) + "  " + msg

    out = [fmt(head), fmt(["-" * w for w in widths] + ["-" * 7])]
    out += [fmt(l).rstrip() for l in lines]
    return "\n".join(out)


# ------------------------------------------------------------------------------ CLI
def _parser():
    """The command line of ``bpkit-grade``."""
    p = argparse.ArgumentParser(
        prog="bpkit-grade",
        description="Grade bpkit exercise notebooks: each submission in its own kernel, hidden tests "
                    "from the solutions, results compared outside the submission's kernel.",
    )
    p.add_argument("paths", nargs="+", metavar="SUBMISSION",
                   help="a submitted .ipynb, or a folder of them (FOLDER/<student>.ipynb or "
                        "FOLDER/<student>/<notebook>.ipynb)")
    p.add_argument("--out", default=DEFAULT_OUT,
                   help=f"folder for {JSON_NAME} and {CSV_NAME} (default: ./{DEFAULT_OUT})")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="submissions graded at once (default: number of cores)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds allowed per cell and per call of a learner's function "
                        f"(default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--solutions", default=None,
                   help="folder of NN_<topic>_solution.ipynb (default: ./solutions, else the course's)")
    p.add_argument("--seed", type=int, default=None,
                   help=f"secret seed of the test cases (default: a random one, saved in {JSON_NAME})")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.add_argument("--checks-module", default=CHECKS_MODULE, help=argparse.SUPPRESS)
    return p


def _check_args(args):
    """``(solutions folder, None)`` for a usable command line, else ``(None, what is wrong)``."""
    if args.timeout <= 0:
        return None, f"--timeout must be > 0, got {args.timeout}"
    if args.jobs < 1:
        return None, f"--jobs must be >= 1, got {args.jobs}"
    solutions = Path(args.solutions) if args.solutions else default_solutions_dir()
    if not solution_files(solutions):
        return None, f"no *{SOLUTION_SUFFIX} in {solutions}; pass --solutions DIR"
    try:
        subs = find_submissions(args.paths)
    except FileNotFoundError as exc:
        return None, str(exc)
    if not subs:
        return None, "no .ipynb files found in " + ", ".join(args.paths)
    return solutions, None


def main(argv=None):
    """Entry point of ``bpkit-grade`` and ``python -m bpkit.grade``; returns the exit code."""
    args = _parser().parse_args(argv)
    solutions, error = _check_args(args)
    if error:
        print(f"bpkit-grade: {error}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    config = GradeConfig(str(solutions.resolve()), seed, args.timeout, args.checks_module)

    def progress(k, n, r):
        if not args.quiet:
            print(f"[{k}/{n}] {r.student}: {r.points}/{r.max_points} ({r.notebook}, {r.seconds:.1f} s)",
                  file=sys.stderr, flush=True)

    t0 = time.monotonic()
    results = grade_paths(args.paths, config, jobs=args.jobs, progress=progress)
    jpath, cpath = write_reports(results, args.out, config)
    print(format_table(results))
    for r in results:
        for note in r.notes:
            print(f"note: {r.student}: {note}")
    if not args.quiet:
        print(f"graded {len(results)} submission(s) in {time.monotonic() - t0:.1f} s with --jobs {args.jobs}; "
              f"wrote {jpath} and {cpath}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    # run the copy imported as bpkit.grade, so worker processes can pickle its functions
    from bpkit.grade import main as _main

    sys.exit(_main())
