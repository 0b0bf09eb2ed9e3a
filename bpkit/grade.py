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

Where bubblewrap works, each kernel runs in a sandbox (:mod:`._grading.sandbox`):
no answer key, no grader or instructor files, no network, memory and process
limits, and every process of the submission killed with its kernel
(``--sandbox auto``, the default; ``required`` refuses to grade without one,
``off`` grades as before). Symbolic links among the submissions are refused,
never followed. A large class is graded as N jobs with ``--shard K/N`` and
joined with ``bpkit-grade merge OUT SHARD_FILES...``.

Usage::

    bpkit-grade submissions/ --out grades --jobs 4 --timeout 30
    python -m bpkit.grade alice/03_sigmoid_derivative.ipynb
    bpkit-grade submissions/ --shard 2/8 --seed 123 --out shards/   # job 2 of 8
    bpkit-grade merge grades/ shards/
    bpkit-grade report grades/ --feedback    # report.html, report.csv, feedback/<student>.html
    bpkit-grade progress workspace/          # a learner's own exercises: done, mistaken, not started

Writes ``grades.json`` and ``grades.csv`` (student, notebook, part, points,
max, message) into ``--out`` and prints a table. See ``docs/INSTRUCTORS.md``.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import importlib
import itertools
import json
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path


from ._grading.sandbox import DEFAULT_MEMORY_MB, DEFAULT_NPROC, MODES, NO_SANDBOX, SandboxUnavailable
from ._grading.sandbox import probe as probe_sandbox
from ._grading.kernel_notebook import kernel_env, Limits, make_cases, graded_notebook, PartFiles
from ._grading.reports import MergeError, format_table, merge_reports, rows_of, write_reports  # noqa: F401 (public here)
from ._grading.scoring import TELL_INSTRUCTOR, Executed, score_part, zero
from ._grading.records import (CSV_NAME, JSON_NAME, UNKNOWN_NOTEBOOK, GradeRow, PartResult, Status, SubmissionResult)

__all__ = ["GradeConfig", "grade_file", "grade_paths", "find_submissions", "main", "progress",
           "SubmissionResult", "PartResult", "GradeRow", "Status"]

DEFAULT_TIMEOUT = 30.0
DEFAULT_OUT = "grades"
CHECKS_MODULE = "bpkit.checks"
SOLUTIONS_DIR = "solutions"
SOLUTION_SUFFIX = "_solution.ipynb"
# time limits, in units of --timeout (the limit of one call): all calls of one part together get
# BUDGET_CALLS of them; its grader cell that much plus two calls and a fixed margin
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
    sandbox : str, ``"auto"`` (bwrap where it works, else as before), ``"required"`` or ``"off"``
    memory_mb, nproc : int, a sandboxed kernel's address space (MB) and processes + threads
    """

    solutions: str
    seed: int
    timeout: float = DEFAULT_TIMEOUT
    checks_module: str = CHECKS_MODULE
    sandbox: object = "auto"        # --sandbox: "auto", "required", "off", or a probed sandbox.Sandbox
    memory_mb: int = DEFAULT_MEMORY_MB
    nproc: int = DEFAULT_NPROC


# ------------------------------------------------------------------ finding things
def default_solutions_dir():
    """The answer keys used without ``--solutions``.

    ``./solutions`` if it holds any ``*_solution.ipynb``, else the ``solutions/``
    of the course checkout bpkit is imported from (a folder with
    ``pyproject.toml`` above the package). An installed package carries no
    answer keys (they never go into the wheel), so there it is ``./solutions``,
    and the command line's error says to pass ``--solutions DIR``.
    """
    here = Path.cwd() / SOLUTIONS_DIR
    if solution_files(here):
        return here
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and solution_files(checkout / SOLUTIONS_DIR):
        return checkout / SOLUTIONS_DIR
    return here


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
        if given.is_symlink() and given.suffix == ".ipynb" or given.is_file():
            found.append((given.stem, given))  # a link is listed, and refused when graded
            continue
        if not given.is_dir():
            raise FileNotFoundError(f"no such file or folder: {given}")
        for p in sorted(_walk_submissions(given)):
            rel = p.relative_to(given)
            if any(part.startswith(".") for part in rel.parts):
                continue
            student = p.stem if len(rel.parts) == 1 else rel.parts[0]
            found.append((student, p))
    return found


def _walk_submissions(folder):
    """The ``.ipynb`` files below ``folder``, and the symbolic links there (never followed).

    A link to a folder or a notebook is listed itself (and then refused with a reason by
    :func:`grade_file`), so a submission cannot point the grader at the answer key.
    """
    for root, dirs, files in os.walk(folder, followlinks=False):
        for d in list(dirs):
            if os.path.islink(os.path.join(root, d)):
                dirs.remove(d)
                yield Path(root, d)
        for f in files:
            if f.endswith(".ipynb"):
                yield Path(root, f)


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
def _link_reason(path):
    """Why a submission that is (or sits behind) a symbolic link is refused; None if it is a plain file."""
    if not os.path.islink(path):
        return None
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return (f"refused: {Path(path).name} is a symbolic link (to {target}), not a submitted file; "
            "the grader does not follow links: submit the notebook itself")


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


# --------------------------------------------------------------------- one submission
def grade_file(path, student, config):
    """Grade one submission; return its :class:`SubmissionResult` (see :func:`grade_paths`).

    Never raises for a bad submission: every problem becomes a message.
    """
    started = time.monotonic()
    path = Path(path)
    refused = _link_reason(path)
    if refused:
        return _refused(path, student, config, started, refused)
    try:
        return _grade_file(path, student, config, started)
    except Exception as exc:  # a grader bug must not stop the batch
        tb = traceback.format_exc(limit=5)
        return _result(student, path, None, (), started,
                       error=f"{INTERNAL_ERROR}{type(exc).__name__}: {exc}\n{tb}")


def _refused(path, student, config, started, why):
    """The result of a submission the grader will not open (a symbolic link): 0 on every part, with why."""
    from ._grading.notebooks import notebook_from_name

    try:
        by_nb = _notebook_parts(config)
        name = notebook_from_name(path.name, by_nb)
        parts = [zero(p, Status.INVALID, why) for p in by_nb.get(name, [])]
    except Exception:
        name, parts = None, []
    return _result(student, path, name, parts, started, error=why)


def _read_plain_file(path):
    """The bytes of a submission, refusing a symbolic link even if one appears after it was listed."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _grade_file(path, student, config, started):
    """Read one submission, tell which exercise it is, and grade it (raises only on grader bugs)."""
    from ._grading.notebooks import InvalidNotebook, choose_notebook, notebook_from_name, read_submission_noted

    by_nb = _notebook_parts(config)
    name_guess = notebook_from_name(path.name, by_nb)
    try:
        data = _read_plain_file(path)  # the only access to the submission: read once
    except OSError as exc:
        if os.path.islink(path):
            return _refused(path, student, config, started, _link_reason(path))
        why = f"the file could not be read ({type(exc).__name__}: {exc.strerror or exc})"
        parts = [zero(p, Status.INVALID, why) for p in by_nb.get(name_guess, [])]
        return _result(student, path, name_guess, parts, started, error=why)
    try:
        nb, notes = read_submission_noted(data)  # notes: what was mended to read it (nbformat 3, bad bytes)
    except InvalidNotebook as exc:
        parts = [zero(p, Status.INVALID, str(exc)) for p in by_nb.get(name_guess, [])]
        return _result(student, path, name_guess, parts, started, error=str(exc))
    # the content wins over a misleading file name; an ambiguous content leaves it to the name
    notebook, why = choose_notebook(name_guess, nb, {n: [(p.key, p.function) for p in ps] for n, ps in by_nb.items()})
    notes = notes + ([why] if why else [])
    if notebook is None:
        return _result(student, path, None, (), started, error=UNKNOWN_EXERCISE, notes=notes)
    parts, more = _grade_notebook(nb, notebook, student, config)
    return _result(student, path, notebook, parts, started, notes=notes + more)


def _sandbox(config):
    """The sandbox of this run's kernels (None: none), probed once per process."""
    from ._grading.sandbox import Sandbox, probe

    if isinstance(config.sandbox, Sandbox):  # probed already, by the command line
        return config.sandbox
    box, _why = probe(config.sandbox, config.memory_mb, config.nproc)
    return box


def _grade_notebook(nb, notebook, student, config):
    """Run a readable submission of ``notebook`` in a fresh kernel and score it: (PartResults, notes)."""
    from ._grading import execute

    from ._grading.kernel_package import kernel_package

    parts = _notebook_parts(config)[notebook]
    limits = Limits.of(config.timeout)
    # the bpkit the kernel imports: no checks, and the functions this exercise asks for have no body
    package = kernel_package(str(n) for p in parts for n in p.forbidden)
    box = _sandbox(config)
    box = box.for_kernel(package) if box is not None else None
    with tempfile.TemporaryDirectory(prefix="bpkit-grade-", ignore_cleanup_errors=True) as workdir:
        io_dir = Path(workdir, "io")    # the grader's files: one fresh folder per part
        cwd = Path(workdir, "cwd")      # the kernel's working directory: it never holds the cases
        conn = Path(workdir, "conn")    # the connection file (and, sandboxed, the ipc sockets)
        for d in (io_dir, cwd, conn):
            d.mkdir()
            if box is not None:
                box.give(d)
        cases = make_cases(config, student, parts)
        restored, aliases = graded_notebook(nb, _solution(config, notebook), parts, io_dir, limits)
        files = PartFiles(io_dir, cases, box, aliases)
        launch = execute.Launch(box, str(conn), (str(cwd), str(io_dir), str(conn))) if box is not None else None
        runs, blocked = execute.run_notebook(
            restored.nb, restored.roles, str(cwd),
            timeout=config.timeout,
            grader_timeout=limits.grader_cell,
            env=kernel_env(box, package),
            should_skip=files.should_skip,
            after_cell=files.after_cell,
            launch=launch,
        )
        executed = Executed.of(restored.roles, runs, blocked)
        checks = _checks(config)
        scored = [_score_safely(p, files, cases, executed, checks, config.timeout) for p in parts]
    return scored, list(restored.notes) + executed.notes() + files.notes


def _score_safely(part, files, cases, executed, checks, timeout):
    """:func:`.scoring.score_part`, and if the grader fails there, 0 for this part only, with the reason."""
    try:
        return score_part(part, files.report, cases, executed, checks, timeout)
    except Exception as exc:
        return zero(part, Status.GRADER_ERROR, f"{INTERNAL_ERROR}{type(exc).__name__}: {exc}; {TELL_INSTRUCTOR}")


# ---------------------------------------------------------------------- many of them
def _grade_job(args):
    """Grade one submission in a worker process."""
    path, student, config = args
    return grade_file(path, student, config)


# ----------------------------------------------------------------------- shards
def parse_shard(text):
    """``"K/N"`` -> ``(K, N)`` with ``1 <= K <= N``; raises ValueError with the rule otherwise."""
    try:
        k, n = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise ValueError(f"--shard must look like K/N (e.g. 2/8), got {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard K/N needs 1 <= K <= N, got {text!r}")
    return k, n


def shard_indices(count, shard):
    """The positions (in :func:`find_submissions` order) that shard ``(K, N)`` grades: every N-th from K-1.

    Round robin over the sorted list: shard K of N takes positions K-1, K-1+N,
    K-1+2N, ... The same folder always splits the same way, every submission is
    in exactly one shard, and neighbours (often the same exercise) spread evenly
    over the shards. ``shard=None`` is all of them.
    """
    if shard is None:
        return list(range(count))
    k, n = shard
    return list(range(k - 1, count, n))


def grade_paths(paths, config, jobs=None, progress=None, shard=None):
    """Grade every submission found under ``paths``.

    Parameters
    ----------
    paths : list of str or Path (files and folders)
    config : GradeConfig
    jobs : int, default ``os.cpu_count()``
        Submissions graded at the same time (each in its own process and kernel).
    progress : callable(k, n, result), optional
        Called as each submission finishes.
    shard : (K, N), optional
        Grade only shard K of N (:func:`shard_indices`); :func:`merge_reports` joins the shards.

    Returns
    -------
    list of SubmissionResult, in the order of :func:`find_submissions`
        Each has ``student, file, notebook, points, max_points, parts, error,
        notes, seconds``; ``parts`` are :class:`PartResult` (``part, function,
        points, max_points, message, status, test_cell``). ``to_json()`` gives
        the entry of grades.json, and ``r["points"]`` reads that entry's keys.
    """
    everything = find_submissions(paths)
    subs = [everything[i] for i in shard_indices(len(everything), shard)]
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    if isinstance(config.sandbox, str) and config.sandbox != "off":
        # probe once here rather than in every worker (raises SandboxUnavailable for "required")
        config = dataclasses.replace(config, sandbox=_sandbox(config) or "off")
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
    p.add_argument("--sandbox", choices=MODES, default="auto",
                   help="run each kernel in a bubblewrap sandbox: auto (where it works; says so once if not), "
                        "required (refuse to grade without one), off (default: auto)")
    p.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                   help=f"address space of a sandboxed kernel (default: {DEFAULT_MEMORY_MB} MB)")
    p.add_argument("--shard", default=None, metavar="K/N",
                   help="grade only shard K of N of the sorted submissions (every N-th, from the K-th); "
                        "needs --seed; join the shards with: bpkit-grade merge OUT SHARD_FILES...")
    p.add_argument("--checks-module", default=CHECKS_MODULE, help=argparse.SUPPRESS)
    return p


def _merge_parser():
    p = argparse.ArgumentParser(
        prog="bpkit-grade merge",
        description="Join the shard files of one run (bpkit-grade --shard K/N) into grades.json and grades.csv, "
                    "the same files one run over the whole folder writes.",
    )
    p.add_argument("out", metavar="OUT", help=f"folder for the merged {JSON_NAME} and {CSV_NAME}")
    p.add_argument("shards", nargs="+", metavar="SHARD",
                   help="grades.shard-K-of-N.json files, or folders holding them")
    return p


def _merge_main(argv):
    args = _merge_parser().parse_args(argv)
    try:
        jpath, cpath = merge_reports(args.out, args.shards)
    except MergeError as exc:
        print(f"bpkit-grade merge: {exc}", file=sys.stderr)
        return 2
    doc = json.loads(jpath.read_text(encoding="utf-8"))
    print(format_table(doc["submissions"]))
    print(f"merged {len(doc['submissions'])} submission(s); wrote {jpath} and {cpath}", file=sys.stderr)
    return 0


def _report_parser():
    p = argparse.ArgumentParser(
        prog="bpkit-grade report",
        description="What the class got wrong: report.html (self-contained: score distributions, each part's "
                    "named mistakes ranked, mistakes that travel, students to follow up) and report.csv, "
                    "from the grades.json of a run or of merged shards.",
    )
    p.add_argument("grades", metavar="GRADES", help=f"the folder holding {JSON_NAME} (or that file)")
    p.add_argument("--out", default=None, help="folder for the report (default: the grades folder)")
    p.add_argument("--feedback", action="store_true",
                   help="also write feedback/<student>.html: one page per student with only their own parts, "
                        "mistakes and lesson links, for handing back")
    p.add_argument("--lessons-url", default="", metavar="URL",
                   help="prefix of the lesson links, e.g. https://hub.example.edu/user-redirect/lab/tree/ "
                        "(default: relative links lessons/NN_topic.ipynb#section)")
    return p


def _report_main(argv):
    from ._grading.class_report import ReportError, analyse, load_grades, summary_lines, write_report

    args = _report_parser().parse_args(argv)
    try:
        header, results = load_grades(args.grades)
    except ReportError as exc:
        print(f"bpkit-grade report: {exc}", file=sys.stderr)
        return 2
    report = analyse(results, header)
    grades = Path(args.grades)
    out = Path(args.out) if args.out else (grades if grades.is_dir() else grades.parent)
    written = write_report(report, out, feedback=args.feedback, lessons_url=args.lessons_url)
    print("\n".join(summary_lines(report)))
    extra = f" and {len(written) - 2} feedback page(s)" if args.feedback else ""
    print(f"wrote {written[0]} and {written[1]}{extra}", file=sys.stderr)
    return 0


def progress(workspace=None, only=(), timeout=20.0):
    """Grade the learner's own workspace exercises and print a table: each part ✓, its named mistake, or
    not started; the lesson section to revisit; mistakes made in several exercises. Returns the rows.

    In a notebook: ``from bpkit.grade import progress; progress()``. Only reads the
    notebooks (see :mod:`bpkit._grading.progress`).
    """
    from ._grading.progress import progress as _progress

    return _progress(workspace, only, timeout)


def _progress_main(argv):
    from ._grading.progress import format_progress, grade_workspace

    p = argparse.ArgumentParser(prog="bpkit-grade progress",
                                description="Grade your workspace's exercises with the grader's checks and show "
                                            "where you stand; the notebooks are only read.")
    p.add_argument("workspace", nargs="?", default=None,
                   help="the workspace folder (default: the one here or above, else ./workspace)")
    p.add_argument("--only", nargs="+", default=(), metavar="NN", help="only these exercise numbers, e.g. 03 04")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per cell and per call (default: 20)")
    args = p.parse_args(argv)
    try:
        _ws, results = grade_workspace(args.workspace, args.only, args.timeout)
    except (ValueError, SandboxUnavailable) as exc:
        print(f"progress: {exc}", file=sys.stderr)
        return 2
    print(format_progress(results))
    return 0


def _check_args(args):
    """``(solutions folder, None)`` for a usable command line, else ``(None, what is wrong)``."""
    if args.timeout <= 0:
        return None, f"--timeout must be > 0, got {args.timeout}"
    if args.jobs < 1:
        return None, f"--jobs must be >= 1, got {args.jobs}"
    solutions = Path(args.solutions) if args.solutions else default_solutions_dir()
    if not solution_files(solutions):
        return None, (f"no *{SOLUTION_SUFFIX} in {solutions}: pass --solutions DIR, the folder with the "
                      f"answer keys (the solutions/ folder of the course's repository; an installed package "
                      f"does not carry them), e.g. bpkit-grade submitted/ --solutions path/to/solutions")
    try:
        subs = find_submissions(args.paths)
    except FileNotFoundError as exc:
        return None, str(exc)
    if not subs:
        return None, "no .ipynb files found in " + ", ".join(args.paths)
    if args.shard is not None:
        try:
            parse_shard(args.shard)
        except ValueError as exc:
            return None, str(exc)
        if args.seed is None:
            return None, "--shard needs --seed: every shard must draw the same secret cases"
    if args.memory < 256:
        return None, f"--memory must be >= 256 (MB), got {args.memory}"
    return solutions, None


def main(argv=None):
    """Entry point of ``bpkit-grade`` and ``python -m bpkit.grade``; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["merge"]:
        return _merge_main(argv[1:])
    if argv[:1] == ["report"]:
        return _report_main(argv[1:])
    if argv[:1] == ["progress"]:
        return _progress_main(argv[1:])
    args = _parser().parse_args(argv)
    solutions, error = _check_args(args)
    if error:
        print(f"bpkit-grade: {error}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    try:
        box, why = probe_sandbox(args.sandbox, args.memory, DEFAULT_NPROC)
    except SandboxUnavailable as exc:
        print(f"bpkit-grade: {exc}", file=sys.stderr)
        return 2
    if box is None and args.sandbox == "auto":
        print(f"bpkit-grade: {NO_SANDBOX.format(why=why)}", file=sys.stderr)
    elif why and box is not None:
        print(f"bpkit-grade: sandbox: {why}", file=sys.stderr)
    # what the probe found holds for the workers too: they do not probe again
    config = GradeConfig(str(solutions.resolve()), seed, args.timeout, args.checks_module,
                         sandbox=box if box is not None else "off", memory_mb=args.memory)
    shard = parse_shard(args.shard) if args.shard else None

    def progress(k, n, r):
        if not args.quiet:
            print(f"[{k}/{n}] {r.student}: {r.points}/{r.max_points} ({r.notebook}, {r.seconds:.1f} s)",
                  file=sys.stderr, flush=True)

    t0 = time.monotonic()
    results = grade_paths(args.paths, config, jobs=args.jobs, progress=progress, shard=shard)
    if shard is None:
        jpath, cpath = write_reports(results, args.out, config)
    else:
        total = len(find_submissions(args.paths))
        jpath, cpath = write_reports(results, args.out, config, shard, shard_indices(total, shard), total)
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
