"""The notebook a grading kernel runs: the grader's cells around the learner's, the cases, the per-part files.

Split from :mod:`bpkit.grade`, which runs these notebooks and scores what they report.
"""
from __future__ import annotations

import json
import os
import pickle
import secrets
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import codec
from .scoring import TELL_INSTRUCTOR, Cases
from .records import SESSION_PREFIX, part_dir_name, KernelReport, Role, cases_name


BUDGET_CALLS = 2.0
GRADER_CELL_CALLS = 2.0
GRADER_CELL_MARGIN = 5.0


def kernel_env(sandbox=None):
    """The environment of a grading kernel: one BLAS thread, no display, no debugger warnings.

    In a sandbox, only a short list of the grader's variables is kept (:meth:`.sandbox.Sandbox.env`).
    """
    env = dict(os.environ)
    # one BLAS thread per kernel: --jobs already uses the cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["MPLBACKEND"] = "Agg"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    return sandbox.env(env) if sandbox is not None else env


def setup_source(token, workdir, forbidden, per_call, budget, strict):
    """The grader's first cell: installs the in-kernel session before any learner code runs."""
    return (
        "# bpkit grader: setup (added by the grader, not part of the exercise)\n"
        "import bpkit._grading.inkernel as _bpkit_grader_setup\n"
        f"_bpkit_grader_setup.install({json.dumps(token)}, {json.dumps(workdir)}, {json.dumps(forbidden)}, "
        f"{per_call!r}, {budget!r}, {json.dumps(strict)})\n"
        "del _bpkit_grader_setup\n"
    )


def grader_source(token, key, function, folder):
    """The grader's cell of one part: calls the learner's function on the secret cases (in ``folder``)."""
    return (
        f"# bpkit grader: part {key} (added by the grader, not part of the exercise)\n"
        f"__import__('sys').modules[{json.dumps(SESSION_PREFIX + token)}].run_part("
        f"{json.dumps(key)}, {json.dumps(function)}, globals(), {json.dumps(str(folder))})\n"
    )


@dataclass(frozen=True)
class Limits:
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


def case_rng(config, student, key):
    """The random generator of one student's cases of one part (from the secret seed)."""
    seq = np.random.SeedSequence([config.seed % (1 << 63), zlib.crc32(student.encode()), zlib.crc32(key.encode())])
    return np.random.default_rng(seq)


def make_cases(config, student, parts):
    """Draw every part's secret cases; a part whose ``make_cases`` raises is marked broken."""
    cases = Cases({}, {}, {})
    for p in parts:
        try:
            made = list(p.make_cases(case_rng(config, student, p.key)))
            cases.blobs[p.key] = pickle.dumps(
                [pickle.dumps(tuple(args), protocol=pickle.HIGHEST_PROTOCOL) for args in made]
            )
            cases.of[p.key] = made
        except Exception as exc:
            cases.broken[p.key] = (f"grader error making the cases ({type(exc).__name__}: {exc}); "
                                   + TELL_INSTRUCTOR)
    return cases


def graded_notebook(nb, solution, parts, io_dir, limits):
    """The submission with the solution's locked cells put back and the grader's cells added."""
    from .notebooks import restore

    token = secrets.token_hex(8)
    forbidden = {p.key: [str(n) for n in p.forbidden] for p in parts}
    strict = [p.key for p in parts if getattr(p, "strict_float", False)]
    setup = setup_source(token, str(io_dir), forbidden, limits.per_call, limits.budget, strict)
    graders = {p.key: grader_source(token, p.key, p.function, Path(io_dir, part_dir_name(p.key))) for p in parts}
    return restore(nb, solution, parts, setup, graders)


class PartFiles:
    """The grader's side of the io folder: one fresh folder per part, and each part's report read at once.

    Just before a part's grader cell, :meth:`should_skip` makes that part's folder
    anew (whatever the notebook left at its place is removed first, and the io
    folder itself is made again if the notebook deleted it) and writes the secret
    cases there. Right after the grader cell, :meth:`after_cell` reads the report
    into memory, so a later cell that deletes or forges the files changes nothing
    for the parts already graded. A failure here costs the part it concerns only.
    """

    def __init__(self, io_dir, cases, sandbox=None):
        self.io_dir = Path(io_dir)
        self.cases = cases
        self.sandbox = sandbox
        self.reports = {}     # part key -> KernelReport, or None (no report), or the exception reading it
        self.notes = []

    def _fresh(self, key):
        io_dir = self.io_dir
        if io_dir.is_symlink() or not io_dir.is_dir():
            self.notes.append(f"the notebook deleted or replaced the grader's io folder; it was made again "
                              f"for part {key}")
            remove_tree(io_dir)
            io_dir.mkdir(parents=True)
            self._give(io_dir)
        folder = io_dir / part_dir_name(key)
        remove_tree(folder)
        folder.mkdir()
        self._give(folder)
        return folder

    def _give(self, path):
        if self.sandbox is not None:
            self.sandbox.give(path)

    def should_skip(self, idx, role, key):
        if role is Role.GRADER:
            if key in self.cases.broken:
                return "the cases could not be made"
            try:
                folder = self._fresh(key)
                # the secret cases appear only now, when no learner code runs but the graded function
                Path(folder, cases_name(key)).write_bytes(self.cases.blobs[key])
            except OSError as exc:
                return (f"internal grader error: this part's files could not be made in the grader's io folder "
                        f"({type(exc).__name__}: {exc}); did the notebook change that folder?")
            return None
        if role is not Role.TESTS:
            return None
        report = self.reports.get(key)
        if isinstance(report, KernelReport) and report.timed_out:
            return f"`{report.function}` already timed out in the grader's cell"
        return None

    def after_cell(self, idx, role, key, run):
        if role is not Role.GRADER or key in self.reports:
            return
        folder = self.io_dir / part_dir_name(key)
        try:
            self.reports[key] = codec.read_report(folder, key)
        except Exception as exc:
            self.reports[key] = exc
        remove_tree(folder)

    def report(self, key):
        """The report of part ``key`` read after its grader cell (raises what reading it raised)."""
        report = self.reports.get(key)
        if isinstance(report, BaseException):
            raise report
        return report


def remove_tree(path):
    """Remove a file, link or folder the kernel may have left (or planted) at ``path``; never follows links."""
    path = Path(path)
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
