"""The notebook a grading kernel runs: the grader's cells around the learner's, the cases, the per-part files.

Split from :mod:`bpkit.grade`, which runs these notebooks and scores what they report.
"""
from __future__ import annotations

import dataclasses
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
from .notebooks import CODE_SUFFIX, TESTS_SUFFIX, grade_id, restore
from .scoring import TELL_INSTRUCTOR, Cases
from .records import SESSION_PREFIX, part_dir_name, Role, cases_name


SETUP_ID = "setup"   # grade_id of the solution's first code cell (imports)
# why a part's test cell is not run by bpkit-grade (see docs/INSTRUCTORS.md, "bpkit-grade and nbgrader")
TESTS_NOT_RUN = ("bpkit-grade judges the part on its secret cases in the grader's process; "
                 "test cells run only under nbgrader")
BUDGET_CALLS = 2.0
GRADER_CELL_CALLS = 2.0
GRADER_CELL_MARGIN = 5.0


def kernel_env(sandbox=None, package=None):
    """The environment of a grading kernel: one BLAS thread, no display, no debugger warnings.

    In a sandbox, only a short list of the grader's variables is kept (:meth:`.sandbox.Sandbox.env`).
    Without one, ``package`` (the folder of the kernel's bpkit, :func:`.kernel_package.kernel_package`)
    goes first on the kernel's ``PYTHONPATH``.
    """
    env = dict(os.environ)
    # one BLAS thread per kernel: --jobs already uses the cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["MPLBACKEND"] = "Agg"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    if sandbox is not None:
        return sandbox.env(env)
    if package:
        env["PYTHONPATH"] = os.pathsep.join([str(package)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def setup_source(token, workdir, forbidden, per_call, budget, strict, updates=None):
    """The grader's first cell: installs the in-kernel session before any learner code runs."""
    return (
        "# bpkit grader: setup (added by the grader, not part of the exercise)\n"
        "import bpkit._grading.inkernel as _bpkit_grader_setup\n"
        f"_bpkit_grader_setup.install({json.dumps(token)}, {json.dumps(workdir)}, {json.dumps(forbidden)}, "
        f"{per_call!r}, {budget!r}, {json.dumps(strict)}, updates={json.dumps(updates or {})})\n"
        "del _bpkit_grader_setup\n"
    )


def grader_source(token, alias, function, folder, standins=None):
    """The grader's cell of one part: calls the learner's function on the secret cases (in ``folder``).

    ``alias`` is the part's name inside the kernel (random: the kernel never
    learns which part it is); ``standins`` is a :class:`Standins` or None.
    """
    extra = ""
    if standins is not None:
        extra = f", standins={json.dumps(standins.source)}, standin_names={json.dumps(list(standins.names))}"
    return (
        "# bpkit grader: one part (added by the grader, not part of the exercise)\n"
        f"__import__('sys').modules[{json.dumps(SESSION_PREFIX + token)}].run_part("
        f"{json.dumps(alias)}, {json.dumps(function)}, globals(), {json.dumps(str(folder))}{extra})\n"
    )


@dataclass(frozen=True)
class Standins:
    """The solution's functions of the parts graded before this one, to stand in for the learner's.

    A part is scored on its own function: if ``sigmoid_prime`` calls the
    learner's ``sigmoid``, the call goes to the solution's ``sigmoid`` instead,
    so a mistake in part 1 does not cost part 2 too. Only parts whose grader cell
    ran earlier (whose results are already in) get a stand-in: the kernel sees
    the answer of a part only after that part was graded.
    """

    source: str     # the solution's setup cell and the code cells of those parts
    names: tuple    # the functions to bind in the notebook's namespace

    @classmethod
    def of(cls, solution, earlier):
        """The stand-ins for the parts in ``earlier`` (None if there are none)."""
        if not earlier:
            return None
        by_id = {grade_id(c): c.source for c in solution.cells if c.cell_type == "code" and grade_id(c)}
        sources = [by_id.get(SETUP_ID, "")]
        sources += [by_id[p.grade_id.replace(TESTS_SUFFIX, CODE_SUFFIX)] for p in earlier
                    if p.grade_id.replace(TESTS_SUFFIX, CODE_SUFFIX) in by_id]
        return cls("\n\n".join(sources), tuple(p.function for p in earlier))


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
    """The submission with the solution's locked cells put back and the grader's cells added.

    Returns ``(Restored, aliases)``: ``aliases`` maps each part key to the random
    name the kernel knows the part by (its folder and files are named after it).
    """
    token = secrets.token_hex(8)
    aliases = {p.key: "p" + secrets.token_hex(6) for p in parts}
    forbidden = {aliases[p.key]: [str(n) for n in p.forbidden] for p in parts}
    strict = [aliases[p.key] for p in parts if getattr(p, "strict_float", False)]
    updates = {aliases[p.key]: [int(i) for i in getattr(p, "updates", ())] for p in parts}
    setup = setup_source(token, str(io_dir), forbidden, limits.per_call, limits.budget, strict, updates)
    restored = restore(nb, solution, parts, setup, {p.key: "" for p in parts})
    by_key = {p.key: p for p in parts}
    earlier = []
    for cell, (role, key) in zip(restored.nb.cells, restored.roles):
        if role is Role.GRADER:
            folder = Path(io_dir, part_dir_name(aliases[key]))
            cell.source = grader_source(token, aliases[key], by_key[key].function, folder,
                                        Standins.of(solution, earlier))
            earlier.append(by_key[key])
    return restored, aliases


class PartFiles:
    """The grader's side of the io folder: one fresh folder per part, and each part's report read at once.

    Just before a part's grader cell, :meth:`should_skip` makes that part's folder
    anew (whatever the notebook left at its place is removed first, and the io
    folder itself is made again if the notebook deleted it) and writes the secret
    cases there. Right after the grader cell, :meth:`after_cell` reads the report
    into memory, so a later cell that deletes or forges the files changes nothing
    for the parts already graded. A failure here costs the part it concerns only.
    """

    def __init__(self, io_dir, cases, sandbox=None, aliases=None):
        self.io_dir = Path(io_dir)
        self.cases = cases
        self.sandbox = sandbox
        self.aliases = dict(aliases or {})   # part key -> its name in the kernel (default: the key)
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
        folder = io_dir / part_dir_name(self.alias(key))
        remove_tree(folder)
        folder.mkdir()
        self._give(folder)
        return folder

    def alias(self, key):
        """The name the kernel knows part ``key`` by."""
        return self.aliases.get(key, key)

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
                Path(folder, cases_name(self.alias(key))).write_bytes(self.cases.blobs[key])
            except OSError as exc:
                return (f"internal grader error: this part's files could not be made in the grader's io folder "
                        f"({type(exc).__name__}: {exc}); did the notebook change that folder?")
            return None
        if role is Role.TESTS:
            return TESTS_NOT_RUN
        return None

    def after_cell(self, idx, role, key, run):
        if role is not Role.GRADER or key in self.reports:
            return
        folder = self.io_dir / part_dir_name(self.alias(key))
        try:
            report = codec.read_report(folder, self.alias(key))
            self.reports[key] = None if report is None else dataclasses.replace(report, key=key)
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
