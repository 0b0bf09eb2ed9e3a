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
import json
import multiprocessing
import os
import pickle
import re
import secrets
import sys
import tempfile
import time
import traceback
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["GradeConfig", "grade_file", "grade_paths", "find_submissions", "main"]

DEFAULT_TIMEOUT = 30.0


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
    checks_module: str = "bpkit.checks"


# ------------------------------------------------------------------ finding things
def default_solutions_dir():
    """``./solutions`` if it exists, else the ``solutions/`` of the bpkit checkout."""
    here = Path.cwd() / "solutions"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "solutions"


def solution_files(solutions):
    """Map notebook name (``"03_sigmoid_derivative"``) -> solution path."""
    out = {}
    for p in sorted(Path(solutions).glob("*_solution.ipynb")):
        out[p.name[: -len("_solution.ipynb")]] = p
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
    return importlib.import_module(config.checks_module)


def _solution(config, name):
    import nbformat

    key = ("solution", config.solutions, name)
    if key not in _CACHE:
        path = solution_files(config.solutions)[name]
        _CACHE[key] = nbformat.read(str(path), as_version=4)
    return _CACHE[key]


def _notebook_parts(config):
    key = ("parts", config.solutions, config.checks_module)
    if key not in _CACHE:
        checks = _checks(config)
        names = sorted(solution_files(config.solutions))
        _CACHE[key] = {n: list(checks.parts_for(n)) for n in names}
    return _CACHE[key]


# --------------------------------------------------------------------- one submission
def _row(part, points, message, test_cell=None):
    return {"part": part.key, "function": part.function, "points": points, "max": part.points,
            "message": message, "test_cell": test_cell}


def _test_cell_summary(run):
    """How the part's test cell went, in a few words (recorded in grades.json)."""
    if run is None:
        return "missing"
    if run.status == "ok":
        return "passed, but wrote to stderr" if run.stderr.strip() else "passed"
    if run.status == "error":
        return f"failed: {run.ename}: {_first_line(run.evalue, 150)}"
    if run.status == "skipped":
        return f"skipped: {run.why}"
    return run.status


def _result(student, path, notebook, parts_rows, started, error=None, notes=()):
    return {
        "student": student,
        "file": str(path),
        "notebook": notebook or "?",
        "points": sum(r["points"] for r in parts_rows),
        "max": sum(r["max"] for r in parts_rows),
        "parts": parts_rows,
        "error": error,
        "notes": list(notes),
        "seconds": round(time.monotonic() - started, 2),
    }


def _kernel_env():
    env = dict(os.environ)
    # one BLAS thread per kernel: --jobs already uses the cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["MPLBACKEND"] = "Agg"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    return env


def _setup_source(token, workdir, forbidden, per_call, budget, strict):
    return (
        "# bpkit grader: setup (added by the grader, not part of the exercise)\n"
        "import bpkit._grading.inkernel as _bpkit_grader_setup\n"
        f"_bpkit_grader_setup.install({json.dumps(token)}, {json.dumps(workdir)}, {json.dumps(forbidden)}, "
        f"{per_call!r}, {budget!r}, {json.dumps(strict)})\n"
        "del _bpkit_grader_setup\n"
    )


def _grader_source(token, key, function):
    return (
        f"# bpkit grader: part {key} (added by the grader, not part of the exercise)\n"
        f"__import__('sys').modules[{json.dumps('_bpkit_grader_' + token)}].run_part("
        f"{json.dumps(key)}, {json.dumps(function)}, globals())\n"
    )


def _case_rng(config, student, key):
    seq = np.random.SeedSequence([config.seed % (1 << 63), zlib.crc32(student.encode()), zlib.crc32(key.encode())])
    return np.random.default_rng(seq)


def _read_outputs(workdir, key):
    """The kernel's result for one part, or None if it wrote none."""
    from ._grading import codec, inkernel

    s = inkernel.slug(key)
    jpath, npath = Path(workdir, f"out_{s}.json"), Path(workdir, f"out_{s}.npz")
    if not jpath.exists():
        return None
    if jpath.stat().st_size > 8 * 1024 * 1024:
        raise codec.DecodeError("result description is too large")
    result = json.loads(jpath.read_text())
    if not isinstance(result, dict):
        raise codec.DecodeError("result description is not an object")
    arrays = {}
    if npath.exists():
        with np.load(npath, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    outs = result.get("outputs") or []
    if not isinstance(outs, list):
        raise codec.DecodeError("outputs is not a list")
    result["decoded"] = [codec.decode(o, arrays) for o in outs]
    return result


def _first_line(text, limit=200):
    text = " ".join(str(text).strip().split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _part_message(part, res, runs, idx_of, blocked, cases, checks, timeout):
    """(points, message) of one part."""
    f = f"`{part.function}`"
    code_run = runs.get(idx_of.get(("code", part.key)))
    test_run = runs.get(idx_of.get(("tests", part.key)))
    grader_run = runs.get(idx_of.get(("grader", part.key)))

    if part.key in blocked:
        hung_idx = blocked[part.key]
        hung = runs.get(hung_idx)
        died = hung is not None and hung.status == "dead"
        where = (f"the cell defining {f}" if hung_idx == idx_of.get(("code", part.key))
                 else f"{f}")
        if died:
            return 0, (f"the kernel died while {where} was running (did it call os._exit() or run out of "
                       "memory?); it was restarted and the other parts were graded")
        return 0, (f"{where} ran longer than {timeout:g} s and the kernel stopped responding to the "
                   "interrupt; it was restarted and the other parts were graded")
    if res is None:
        if grader_run is not None and grader_run.status == "error":
            return 0, (f"the grader could not run this part ({grader_run.ename}: {_first_line(grader_run.evalue)}); "
                       "does the notebook change Python's builtins or sys.modules?")
        if grader_run is not None and grader_run.status in ("timeout", "hung"):
            return 0, f"{f} did not return within {timeout:g} s and ignored the interrupt"
        why = grader_run.why if grader_run is not None and grader_run.why else "the grader's cell did not run"
        return 0, f"not graded: {why}"
    status = res.get("status")
    if status == "missing":
        if code_run is not None and code_run.status in ("timeout", "hung"):
            return 0, f"the cell defining {f} did not finish within {timeout:g} s, so {f} was never defined"
        if code_run is not None and code_run.status == "error":
            return 0, (f"function {f} not found: the cell that should define it raised "
                       f"{code_run.ename}: {_first_line(code_run.evalue)}")
        found = [n for n in res.get("defined", []) if isinstance(n, str)]
        hint = f" (the notebook defines: {', '.join(found[:5])})" if found else ""
        return 0, f"function {f} not found: did you rename it?{hint}"
    if status == "not_callable":
        return 0, f"{f} is a {res.get('type', 'value')}, not a function: did a later cell reuse the name?"
    if status != "ok":
        return 0, f"the grader could not run this part: {_first_line(res.get('error', status))}"
    if res.get("tampering"):
        return 0, (f"{f} calls {res['tampering']} while it is graded, which switches off the grader's "
                   "checks; no points for this part")
    if res.get("forbidden_call"):
        return 0, f"calls {res['forbidden_call']}, the function this part asks you to write"
    outputs = res["decoded"]
    if len(outputs) != len(cases):
        return 0, f"the grader got {len(outputs)} results for {len(cases)} cases"
    try:
        msg = checks.diagnose(part.key, cases, outputs)
    except Exception as exc:  # diagnose must never raise; if it does, say so rather than crash
        return 0, f"grader error in diagnose ({type(exc).__name__}: {_first_line(exc)}); please tell the instructor"
    if msg is not None:
        return 0, _first_line(msg, 500)
    if test_run is None or test_run.status == "not_run":
        return 0, "the test cell did not run"
    if test_run.status == "error":
        if test_run.ename == "NotImplementedError":
            return 0, ("the test cell failed with NotImplementedError: it also uses another function of "
                       "this notebook that is not written yet")
        return 0, f"the test cell failed: {test_run.ename}: {_first_line(test_run.evalue)}"
    if test_run.status in ("timeout", "hung", "dead"):
        return 0, f"the test cell did not finish within {timeout:g} s"
    if test_run.status == "skipped":
        return 0, f"the test cell was skipped: {test_run.why}"
    if test_run.stderr.strip():
        first = next(line for line in test_run.stderr.splitlines() if line.strip())
        return 0, f"the test cell wrote to stderr, which nbgrader scores as a failure: {_first_line(first)}"
    return part.points, f"ok ({len(cases)} cases)"


def grade_file(path, student, config):
    """Grade one submission; return its result dict (see :func:`grade_paths`).

    Never raises for a bad submission: every problem becomes a message.
    """
    started = time.monotonic()
    path = Path(path)
    try:
        return _grade_file(path, student, config, started)
    except Exception as exc:  # a grader bug must not stop the batch
        tb = traceback.format_exc(limit=5)
        return _result(student, path, None, [], started,
                       error=f"internal grader error: {type(exc).__name__}: {exc}\n{tb}")


def _grade_file(path, student, config, started):
    from ._grading import execute, inkernel
    from ._grading.notebooks import InvalidNotebook, notebook_from_content, notebook_from_name, read_submission, restore

    by_nb = _notebook_parts(config)
    checks = _checks(config)
    data = path.read_bytes()  # the only access to the submission: read once
    name_guess = notebook_from_name(path.name, by_nb)
    try:
        nb = read_submission(data)
    except InvalidNotebook as exc:
        parts = by_nb.get(name_guess, [])
        rows = [_row(p, 0, str(exc)) for p in parts]
        return _result(student, path, name_guess, rows, started, error=str(exc))
    notebook = name_guess or notebook_from_content(
        nb, {n: [(p.key, p.function) for p in ps] for n, ps in by_nb.items()}
    )
    if notebook is None:
        msg = ("cannot tell which exercise this is: name the file like 03_sigmoid_derivative.ipynb "
               "or keep the exercise's cells")
        return _result(student, path, None, [], started, error=msg)
    parts = by_nb[notebook]
    solution = _solution(config, notebook)

    with tempfile.TemporaryDirectory(prefix="bpkit-grade-") as workdir:
        token = secrets.token_hex(8)
        io_dir = Path(workdir, "io")
        cwd = Path(workdir, "cwd")  # the kernel's working directory: it never holds the cases
        io_dir.mkdir()
        cwd.mkdir()
        cases_of, blobs_of, broken = {}, {}, {}
        for p in parts:
            try:
                cases = list(p.make_cases(_case_rng(config, student, p.key)))
                blobs_of[p.key] = pickle.dumps(
                    [pickle.dumps(tuple(args), protocol=pickle.HIGHEST_PROTOCOL) for args in cases]
                )
                cases_of[p.key] = cases
            except Exception as exc:
                broken[p.key] = f"grader error making the cases ({type(exc).__name__}: {exc}); please tell the instructor"
        forbidden = {p.key: [str(n) for n in p.forbidden] for p in parts}
        per_call = float(config.timeout)
        budget = 2.0 * per_call
        strict = [p.key for p in parts if getattr(p, "strict_float", False)]
        setup = _setup_source(token, str(io_dir), forbidden, per_call, budget, strict)
        graders = {p.key: _grader_source(token, p.key, p.function) for p in parts}
        restored = restore(nb, solution, parts, setup, graders)
        idx_of = {}
        for i, (role, key) in enumerate(restored.roles):
            idx_of.setdefault((role, key), i)

        def should_skip(idx, role, key):
            if role == "grader":
                if key in broken:
                    return "the cases could not be made"
                # the secret cases appear only now, when no learner code runs but the graded function
                Path(io_dir, f"cases_{inkernel.slug(key)}.pkl").write_bytes(blobs_of[key])
                return None
            if role != "tests":
                return None
            try:
                res = _read_outputs(io_dir, key)
            except Exception:
                return None
            if res and any(isinstance(o, TimeoutError) for o in res.get("decoded", [])):
                return f"`{res.get('function')}` already timed out in the grader's cell"
            return None

        runs, blocked = execute.run_notebook(
            restored.nb, restored.roles, str(cwd),
            timeout=config.timeout,
            grader_timeout=budget + 2 * per_call + 5.0,
            env=_kernel_env(),
            should_skip=should_skip,
        )
        notes = list(restored.notes)
        setup_run = runs.get(0)
        if setup_run is not None and setup_run.status != "ok":
            notes.append(f"grader setup cell: {setup_run.status} {setup_run.ename}: {setup_run.evalue}")
        if None in blocked:
            notes.append(f"cell {blocked[None]} stopped the kernel and was skipped after a restart")
        rows = []
        for p in parts:
            if p.key in broken:
                rows.append(_row(p, 0, broken[p.key]))
                continue
            try:
                res = _read_outputs(io_dir, p.key)
            except Exception as exc:
                rows.append(_row(p, 0, f"the grader could not read this part's results ({type(exc).__name__}: "
                                       f"{_first_line(exc)}): did the notebook write to the grader's files?"))
                continue
            points, message = _part_message(p, res, runs, idx_of, blocked, cases_of[p.key], checks, config.timeout)
            rows.append(_row(p, points, message, _test_cell_summary(runs.get(idx_of.get(("tests", p.key))))))
    return _result(student, path, notebook, rows, started, notes=notes)


# ---------------------------------------------------------------------- many of them
def _grade_job(args):
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
    list of dict, in the order of :func:`find_submissions`
        Each has ``student, file, notebook, points, max, parts, error, notes,
        seconds``; ``parts`` is a list of ``{part, function, points, max, message}``.
    """
    subs = find_submissions(paths)
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    results = [None] * len(subs)
    done = 0
    if jobs == 1 or len(subs) <= 1:
        for i, (student, path) in enumerate(subs):
            results[i] = grade_file(path, student, config)
            done += 1
            if progress:
                progress(done, len(subs), results[i])
        return results
    pending = list(range(len(subs)))
    for _attempt in range(3):  # a worker killed from outside breaks the pool: start a new one
        if not pending:
            break
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=ctx) as pool:
            futures = {pool.submit(_grade_job, (subs[i][1], subs[i][0], config)): i for i in pending}
            for fut in concurrent.futures.as_completed(futures):
                i = futures[fut]
                try:
                    results[i] = fut.result()
                except concurrent.futures.process.BrokenProcessPool:
                    continue
                except Exception as exc:
                    results[i] = _result(subs[i][0], subs[i][1], None, [], time.monotonic(),
                                         error=f"internal grader error: {type(exc).__name__}: {exc}")
                done += 1
                if progress:
                    progress(done, len(subs), results[i])
        pending = [i for i in pending if results[i] is None]
    for i in pending:
        results[i] = _result(subs[i][0], subs[i][1], None, [], time.monotonic(),
                             error="internal grader error: the grading process was killed")
        done += 1
        if progress:
            progress(done, len(subs), results[i])
    return results


# ---------------------------------------------------------------------------- output
CSV_COLUMNS = ["student", "notebook", "part", "points", "max", "message"]


def rows_of(results):
    """Flat rows (dicts with :data:`CSV_COLUMNS`), one per part; one row for an ungradable file."""
    rows = []
    for r in results:
        if r["parts"]:
            for p in r["parts"]:
                rows.append({"student": r["student"], "notebook": r["notebook"], "part": p["part"],
                             "points": p["points"], "max": p["max"], "message": p["message"]})
        else:
            rows.append({"student": r["student"], "notebook": r["notebook"], "part": "-",
                         "points": 0, "max": 0, "message": r["error"] or "nothing to grade"})
    return rows


def write_reports(results, out_dir, config):
    """Write ``grades.json`` and ``grades.csv`` into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = {
        "grader": "bpkit.grade",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": config.seed,
        "timeout": config.timeout,
        "solutions": str(config.solutions),
        "submissions": results,
    }
    jpath, cpath = out / "grades.json", out / "grades.csv"
    jpath.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with cpath.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(rows_of(results))
    return jpath, cpath


def format_table(results, width=100):
    """The per-part table printed on stdout."""
    head = ["student", "notebook", "part", "function", "points", "message"]
    lines = []
    for r in results:
        for p in r["parts"]:
            lines.append([r["student"], r["notebook"], p["part"], p["function"],
                          f"{p['points']}/{p['max']}", p["message"]])
        if r["parts"]:
            lines.append([r["student"], r["notebook"], "total", "", f"{r['points']}/{r['max']}", ""])
        else:
            lines.append([r["student"], r["notebook"], "-", "", "0/0", (r["error"] or "").splitlines()[0]])
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
    p = argparse.ArgumentParser(
        prog="bpkit-grade",
        description="Grade bpkit exercise notebooks: each submission in its own kernel, hidden tests "
                    "from the solutions, results compared outside the submission's kernel.",
    )
    p.add_argument("paths", nargs="+", metavar="SUBMISSION",
                   help="a submitted .ipynb, or a folder of them (FOLDER/<student>.ipynb or "
                        "FOLDER/<student>/<notebook>.ipynb)")
    p.add_argument("--out", default="grades", help="folder for grades.json and grades.csv (default: ./grades)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="submissions graded at once (default: number of cores)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds allowed per cell and per call of a learner's function (default: 30)")
    p.add_argument("--solutions", default=None,
                   help="folder of NN_<topic>_solution.ipynb (default: ./solutions, else the course's)")
    p.add_argument("--seed", type=int, default=None,
                   help="secret seed of the test cases (default: a random one, saved in grades.json)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.add_argument("--checks-module", default="bpkit.checks", help=argparse.SUPPRESS)
    return p


def main(argv=None):
    """Entry point of ``bpkit-grade`` and ``python -m bpkit.grade``; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.timeout <= 0:
        print(f"bpkit-grade: --timeout must be > 0, got {args.timeout}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"bpkit-grade: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    solutions = Path(args.solutions) if args.solutions else default_solutions_dir()
    if not solution_files(solutions):
        print(f"bpkit-grade: no *_solution.ipynb in {solutions}; pass --solutions DIR", file=sys.stderr)
        return 2
    try:
        subs = find_submissions(args.paths)
    except FileNotFoundError as exc:
        print(f"bpkit-grade: {exc}", file=sys.stderr)
        return 2
    if not subs:
        print("bpkit-grade: no .ipynb files found in " + ", ".join(args.paths), file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    config = GradeConfig(str(solutions.resolve()), seed, args.timeout, args.checks_module)

    def progress(k, n, r):
        if not args.quiet:
            print(f"[{k}/{n}] {r['student']}: {r['points']}/{r['max']} ({r['notebook']}, {r['seconds']:.1f} s)",
                  file=sys.stderr, flush=True)

    t0 = time.monotonic()
    results = grade_paths(args.paths, config, jobs=args.jobs, progress=progress)
    jpath, cpath = write_reports(results, args.out, config)
    print(format_table(results))
    for r in results:
        for note in r["notes"]:
            print(f"note: {r['student']}: {note}")
    if not args.quiet:
        print(f"graded {len(results)} submission(s) in {time.monotonic() - t0:.1f} s with --jobs {args.jobs}; "
              f"wrote {jpath} and {cpath}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    # run the copy imported as bpkit.grade, so worker processes can pickle its functions
    from bpkit.grade import main as _main

    sys.exit(_main())
