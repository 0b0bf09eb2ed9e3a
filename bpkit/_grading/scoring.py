"""Score one part of a submission from the kernel's report and how the part's cells ran.

:func:`score_part` turns what :func:`.execute.run_notebook` and the kernel's
report (:func:`.codec.read_report`) say into a :class:`.records.PartResult`:
the first thing that went wrong, in the order a learner would fix them (the
kernel stopped, the grader's cell wrote no report, the function is missing,
it broke the rules, its results are wrong), else full points. The part's
test cell is not run (see docs/INSTRUCTORS.md, "bpkit-grade and nbgrader"). Each step is one small function returning ``(Status, message)`` or
None.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import codec
from .lessons import diagnosis_record
from .records import CellStatus, KernelStatus, PartResult, Role, Status

if TYPE_CHECKING:
    from .execute import CellRun

TELL_INSTRUCTOR = "please tell the instructor"
RESTARTED = "it was restarted and the other parts were graded"


def first_line(text, limit=200):
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(text).strip().split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def zero(part, status, message):
    """A part that earns nothing, for a reason found before its cells ran (no test cell to report)."""
    return PartResult(part.key, part.function, 0, part.points, message, status)


@dataclass(frozen=True)
class Cases:
    """The secret cases of one submission: per part key, as tuples and pickled; parts whose cases failed."""

    of: dict
    blobs: dict
    broken: dict


@dataclass(frozen=True)
class PartCells:
    """How one part's cells ran, and whether one of them stopped the kernel."""

    code: CellRun | None = None     # the learner's solution cell
    grader: CellRun | None = None   # the grader's cell
    tests: CellRun | None = None    # the part's test cell
    stopped: bool = False           # a cell of the part hung or killed the kernel
    stopper: CellRun | None = None  # ... that cell
    stopped_in_code: bool = False  # ... and it was the learner's solution cell (else the graded function)


@dataclass(frozen=True)
class Executed:
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
        return PartCells(
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


def summarize_test_cell(run):
    """How the part's test cell went, in a few words (recorded in grades.json)."""
    if run is None:
        return "missing"
    if run.status is CellStatus.OK:
        return "passed, but wrote to stderr" if run.stderr.strip() else "passed"
    if run.status is CellStatus.ERROR:
        return f"failed: {run.ename}: {first_line(run.evalue, 150)}"
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


_FILE_ERRORS = ("FileNotFoundError", "NotADirectoryError", "IsADirectoryError", "FileExistsError",
                "PermissionError", "OSError")


def _no_report(f, grader_run, timeout):
    """The grader's cell wrote no report: it failed, timed out or did not run."""
    if grader_run is not None and grader_run.status is CellStatus.ERROR and grader_run.ename in _FILE_ERRORS:
        return Status.NOT_GRADED, (f"the grader's files for this part were deleted or changed while {f} ran "
                                   f"({grader_run.ename}: {first_line(grader_run.evalue)}): does the notebook "
                                   "touch the grader's io folder?")
    if grader_run is not None and grader_run.status is CellStatus.ERROR:
        return Status.NOT_GRADED, (f"the grader could not run this part ({grader_run.ename}: "
                                   f"{first_line(grader_run.evalue)}); "
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
        line = first_line(getattr(code_run, "line", ""), 200)  # the cell's line it came from (the traceback)
        what = f"{code_run.ename}: {first_line(code_run.evalue)}" if code_run.evalue.strip() else code_run.ename
        if code_run.ename == "AssertionError" and not code_run.evalue.strip() and line:
            what = f"AssertionError (this assert did not hold: {line})"
        elif line:
            what += f" (at the line: {line})"
        return Status.MISSING, f"function {f} not found: the cell that should define it raised {what}"
    hint = f" (the notebook defines: {', '.join(report.defined[:5])})" if report.defined else ""
    return Status.MISSING, f"function {f} not found: did you rename it?{hint}"


def _not_called(f, report, code_run, timeout):
    """The grader's cell could not call the function (missing, not a function, grader error); else None."""
    if report.status is KernelStatus.MISSING:
        return _missing(f, report, code_run, timeout)
    if report.status is KernelStatus.NOT_CALLABLE:
        return Status.MISSING, f"{f} is a {report.type_name}, not a function: did a later cell reuse the name?"
    if report.status is not KernelStatus.OK:
        return Status.NOT_GRADED, f"the grader could not run this part: {first_line(report.error)}"
    return None


def _against_the_rules(f, report):
    """The function switched the grader's checks off, or called the function it should replace; else None."""
    if report.tampering:
        return Status.TAMPERING, (f"{f} calls {report.tampering} while it is graded, which switches off the "
                                  "grader's checks; no points for this part")
    if report.forbidden_call:  # in the checks' words, as the notebook's check and nbgrader's hidden test say it
        from ..checks._generic import BY_NAME
        return Status.FORBIDDEN_CALL, str(BY_NAME["forbidden_call"].say(fn=f.strip("`"), text=report.forbidden_call))
    return None


def _wrong_results(part, report, cases, checks):
    """The checks' diagnosis of the results on the secret cases, if they are wrong; else None.

    A wrong result gives ``(Status, message, diagnosis)``: the named mistake's record
    (:func:`.lessons.diagnosis_record`), kept in grades.json for the class report.
    """
    key = part.key
    outputs = list(report.values)
    if len(outputs) != len(cases):
        return Status.NOT_GRADED, f"the grader got {len(outputs)} results for {len(cases)} cases"
    try:
        msg = checks.diagnose(key, cases, outputs)
    except Exception as exc:  # diagnose must never raise; if it does, say so rather than crash
        return Status.GRADER_ERROR, (f"grader error in diagnose ({type(exc).__name__}: {first_line(exc)}); "
                                     + TELL_INSTRUCTOR)
    if msg is not None:  # a call cut off at the time limit is one of the mistakes diagnose names
        status = Status.TIMEOUT if report.timed_out else Status.FAILED
        return status, first_line(msg, 500), diagnosis_record(part, msg)
    return None


def _verdict(part, report, cells, cases, checks, timeout):
    """(Status, message) of one part: the first thing that went wrong, else ok."""
    f = f"`{part.function}`"
    if cells.stopped:
        return _kernel_stopped(f, cells, timeout)
    if report is None:
        return _no_report(f, cells.grader, timeout)
    # the part's test cell is not run here (it would need the answers in the kernel, and other parts'
    # functions): the secret cases, judged in this process, decide alone
    return (_not_called(f, report, cells.code, timeout)
            or _against_the_rules(f, report)
            or _wrong_results(part, report, cases, checks)
            or (Status.PASSED, f"ok ({len(cases)} cases)"))


def score_part(part, io_dir, cases, executed, checks, timeout):
    """The PartResult of one part, from the kernel's report and how its cells ran.

    ``io_dir`` is the folder holding the part's report, or a callable(part key)
    returning the report the grader already read (:class:`bpkit._grading.kernel_notebook.PartFiles`).
    """
    if part.key in cases.broken:
        return zero(part, Status.GRADER_ERROR, cases.broken[part.key])
    try:
        report = io_dir(part.key) if callable(io_dir) else codec.read_report(io_dir, part.key)
    except Exception as exc:
        return zero(part, Status.NOT_GRADED, (
            f"the grader could not read this part's results ({type(exc).__name__}: {first_line(exc)}): "
            "did the notebook write to the grader's files?"))
    cells = executed.part_cells(part.key)
    status, message, *diagnosis = _verdict(part, report, cells, cases.of[part.key], checks, timeout)
    points = part.points if status is Status.PASSED else 0
    return PartResult(part.key, part.function, points, part.points, message, status,
                      summarize_test_cell(cells.tests), diagnosis[0] if diagnosis else None)
