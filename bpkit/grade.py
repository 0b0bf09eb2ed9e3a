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

import numpy as np

from ._grading import codec
from ._grading.scoring import TELL_INSTRUCTOR, Cases, Executed, score_part, zero
from ._grading.records import (
    CSV_COLUMNS,
    CSV_NAME,
    GRADER_NAME,
    JSON_NAME,
    NO_PART,
    NOTHING_TO_GRADE,
    SESSION_PREFIX,
    UNKNOWN_NOTEBOOK,
    GradeRow,
    PartResult,
    Role,
    Status,
    SubmissionResult,
    cases_name,
)

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


def _case_rng(config, student, key):
    """The random generator of one student's cases of one part (from the secret seed)."""
    seq = np.random.SeedSequence([config.seed % (1 << 63), zlib.crc32(student.encode()), zlib.crc32(key.encode())])
    return np.random.default_rng(seq)


def _make_cases(config, student, parts):
    """Draw every part's secret cases; a part whose ``make_cases`` raises is marked broken."""
    cases = Cases({}, {}, {})
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
        parts = [zero(p, Status.INVALID, str(exc)) for p in by_nb.get(name_guess, [])]
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
        executed = Executed.of(restored.roles, runs, blocked)
        checks = _checks(config)
        scored = [score_part(p, io_dir, cases, executed, checks, config.timeout) for p in parts]
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
