"""The records the grader's two sides pass each other, and how they are written out.

* :class:`KernelReport` -- what the grader cell inside the learner's kernel
  reports for one part (``out_<part>.json``), decoded in the grader's process
  by :func:`.codec.read_report`; :class:`KernelStatus` says whether the
  function was found and called;
* :class:`PartResult` -- what one part of one submission scored, and why;
  :class:`Status` says how it came out;
* :class:`SubmissionResult` -- one submission: its parts, total, notes, error;
  one entry of ``grades.json``;
* :class:`GradeRow` -- one row of ``grades.csv`` (one per part, or one for a
  file that could not be graded).

``to_json`` / ``to_csv`` give the keys and values the grader has always
written (instructors' scripts read those files); grades.json also keeps each
part's :class:`Status` and its named mistake (``diagnosis``), which the class
report (:mod:`.class_report`) ranks. grades.csv keeps its columns.

This module imports only the standard library: :mod:`.inkernel` uses it in
the learner's kernel.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

# ------------------------------------------------------------------ file vocabulary
JSON_NAME = "grades.json"
CSV_NAME = "grades.csv"
CSV_COLUMNS = ("student", "notebook", "part", "points", "max", "message")
GRADER_NAME = "bpkit.grade"    # the "grader" entry of grades.json
UNKNOWN_NOTEBOOK = "?"         # notebook of a file the grader could not place
NO_PART = "-"                  # part of the one row of a file with nothing graded
NOTHING_TO_GRADE = "nothing to grade"

# ------------------------------------------------------- shared by both sides
GRADER_TAG = "bpkit-grader"          # tag of the cells the grader adds (they get the grader cell's time limit)
SESSION_PREFIX = "_bpkit_grader_"    # + token: the grader's module in the kernel's sys.modules
MAX_OUTPUT_CHARS = 20_000            # characters one cell may print, in the kernel and in the grader


class Status(enum.Enum):
    """How one part of one submission came out (kept in :class:`PartResult` and in grades.json)."""

    PASSED = "passed"              # right on every secret case, test cell passed: full points
    FAILED = "failed"              # the checks' diagnosis: wrong results, an exception, not written yet
    MISSING = "missing"            # the function is not defined (renamed, its cell raised, not a function)
    TIMEOUT = "timeout"            # the function or a cell of the part ran past the time limit
    CRASHED = "crashed"            # the kernel died while the part ran
    FORBIDDEN_CALL = "forbidden_call"  # called the bpkit function the part asks the learner to write
    TAMPERING = "tampering"        # switched off the grader's tripwire or timer
    NOT_GRADED = "not_graded"      # the grader's cell could not run, or its results could not be read
    INVALID = "invalid"            # the file is not a notebook the grader can read
    GRADER_ERROR = "grader_error"  # the grader's own fault (cases, diagnose): the instructor should know


class KernelStatus(enum.Enum):
    """Whether the grader cell in the kernel found the learner's function and called it."""

    OK = "ok"                      # called on every case; the outputs say what came back
    MISSING = "missing"            # no such name in the notebook's globals
    NOT_CALLABLE = "not_callable"  # the name is bound to something that is not a function
    GRADER_ERROR = "grader_error"  # the grader cell itself failed (or the report names no known status)


class CellStatus(enum.Enum):
    """How one cell of the graded notebook ran (:class:`.execute.CellRun`)."""

    OK = "ok"
    ERROR = "error"        # raised; ename and evalue say what
    TIMEOUT = "timeout"    # interrupted at the time limit, and the kernel answered again
    HUNG = "hung"          # interrupted at the time limit, and the kernel did not answer: restarted
    DEAD = "dead"          # the kernel died: restarted
    SKIPPED = "skipped"    # not run on purpose; why says why
    NOT_RUN = "not_run"    # never reached

    @property
    def stopped_kernel(self):
        """True if the kernel had to be restarted after this cell."""
        return self in (CellStatus.HUNG, CellStatus.DEAD)

    @property
    def overran(self):
        """True if the cell ran past its time limit (whether or not the kernel answered again)."""
        return self in (CellStatus.TIMEOUT, CellStatus.HUNG)


class Role(enum.Enum):
    """What a cell of the graded notebook is (:func:`.notebooks.restore`)."""

    SETUP = "setup"        # the grader's first cell
    GRADER = "grader"      # the grader's cell of a part (calls the learner's function)
    TESTS = "tests"        # a part's test cell, with its hidden tests, from the solution
    CHECK = "check"        # a part's check cell (feedback for learners; not run when grading)
    CODE = "code"          # the learner's solution cell of a part
    LOCKED = "locked"      # another cell restored from the solution
    STUDENT = "student"    # a cell the learner added


# ------------------------------------------------------------ kernel -> grader
# files in the work directory the grader shares with the kernel (never the kernel's working directory)
def slug(key):
    """File-name-safe form of a part key: ``"03.2"`` -> ``"03_2"``."""
    return "".join(c if c.isalnum() else "_" for c in str(key))


def part_dir_name(key):
    """The folder (inside the grader's io folder) that holds one part's files; made fresh by the grader
    just before the part's grader cell, so a notebook that deletes or replaces it costs at most that part."""
    return f"part_{slug(key)}"


def cases_name(key):
    """The file the grader writes a part's secret cases to, just before its grader cell runs."""
    return f"cases_{slug(key)}.pkl"


def report_names(key):
    """The files the kernel writes a part's report to: the JSON description and its arrays."""
    return f"out_{slug(key)}.json", f"out_{slug(key)}.npz"


@dataclass(frozen=True)
class KernelReport:
    """What the grader cell reported for one part, decoded at the boundary.

    The kernel writes plain JSON (:meth:`Session.run_part <.inkernel.Session.run_part>`);
    :meth:`from_json` reads it without trusting it: anything malformed becomes
    a status or an empty value, never an exception the learner controls.
    ``values`` are the decoded return values, one per secret case.
    """

    key: str
    function: str
    status: KernelStatus
    values: tuple = ()
    forbidden_call: str | None = None   # dotted name of the first forbidden function called
    tampering: str | None = None        # the grader switch the function flipped
    defined: tuple = ()                 # functions the notebook defines (when the one asked for is missing)
    type_name: str = "value"            # type of the name (when it is not callable)
    error: str = ""                     # what went wrong (when the status is GRADER_ERROR)

    @classmethod
    def from_json(cls, raw, values=()):
        """The record of a report dict as the kernel wrote it, with its decoded ``values``."""
        status_raw = raw.get("status")
        try:
            status = KernelStatus(status_raw)
        except (ValueError, TypeError):
            status = KernelStatus.GRADER_ERROR
        defined = raw.get("defined")
        return cls(
            key=str(raw.get("key", "")),
            function=str(raw.get("function")),
            status=status,
            values=tuple(values),
            forbidden_call=_text_or_none(raw.get("forbidden_call")),
            tampering=_text_or_none(raw.get("tampering")),
            defined=tuple(n for n in defined if isinstance(n, str)) if isinstance(defined, list) else (),
            type_name=str(raw.get("type", "value")),
            error=str(raw.get("error", status_raw)),
        )

    @property
    def timed_out(self):
        """True if a call of the function ran past its limit (the rest of the cases were not run)."""
        return any(isinstance(v, TimeoutError) for v in self.values)


def _text_or_none(value):
    return str(value) if value else None


# --------------------------------------------------------------- grader results
class _ByJsonKey:
    """Read access by the keys of grades.json: ``r["points"] == r.to_json()["points"]``.

    Results were dicts before they were records; scripts that index them keep working.
    """

    def __getitem__(self, name):
        return self.to_json()[name]


@dataclass(frozen=True)
class PartResult(_ByJsonKey):
    """What one part of one submission scored, and why (one entry of ``parts`` in grades.json)."""

    part: str                   # the part's key, e.g. "03.2"
    function: str               # the function the part asks for
    points: int
    max_points: int
    message: str
    status: Status | None = None    # None when read back from a grades.json written before it stored it
    test_cell: str | None = None    # how the part's own test cell went, in a few words
    # the named mistake the checks found: {"id", "text", "lesson", "section"} (see .lessons); not hashed
    diagnosis: dict | None = field(default=None, hash=False)

    def __post_init__(self):
        if not 0 <= self.points <= self.max_points:
            raise ValueError(f"points must be within 0..{self.max_points}, got {self.points}")

    def to_json(self):
        """The part as grades.json has it: ``part, function, points, max, message, test_cell, status, diagnosis``.

        ``status`` is the :class:`Status` value (or None) and ``diagnosis`` the named
        mistake the checks found (or None): the class report's item analysis reads them.
        """
        return {"part": self.part, "function": self.function, "points": self.points, "max": self.max_points,
                "message": self.message, "test_cell": self.test_cell,
                "status": self.status.value if self.status is not None else None,
                "diagnosis": dict(self.diagnosis) if self.diagnosis else None}

    @classmethod
    def from_json(cls, data):
        """The record of one part read back from grades.json (older files have no status nor diagnosis)."""
        try:
            status = Status(data["status"]) if data.get("status") else None
        except ValueError:
            status = None
        diagnosis = data.get("diagnosis")
        return cls(data["part"], data["function"], data["points"], data["max"], data["message"],
                   status=status, test_cell=data.get("test_cell"),
                   diagnosis=dict(diagnosis) if isinstance(diagnosis, dict) else None)


@dataclass(frozen=True)
class SubmissionResult(_ByJsonKey):
    """One graded submission (one entry of ``submissions`` in grades.json)."""

    student: str
    file: str
    notebook: str = UNKNOWN_NOTEBOOK
    parts: tuple = ()               # PartResult, in the notebook's order
    error: str | None = None        # why the file could not be graded (then every part has 0)
    notes: tuple = ()               # what the grader had to do, e.g. "restored deleted cell part2_tests"
    seconds: float = 0.0

    @property
    def points(self):
        """Points earned, over all parts."""
        return sum(p.points for p in self.parts)

    @property
    def max_points(self):
        """Points there were to earn, over all parts."""
        return sum(p.max_points for p in self.parts)

    def to_json(self):
        """The submission as grades.json has it, keys in the file's order."""
        return {
            "student": self.student,
            "file": self.file,
            "notebook": self.notebook,
            "points": self.points,
            "max": self.max_points,
            "parts": [p.to_json() for p in self.parts],
            "error": self.error,
            "notes": list(self.notes),
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data):
        """The record of one submission read back from grades.json."""
        return cls(data["student"], data["file"], data["notebook"],
                   tuple(PartResult.from_json(p) for p in data["parts"]),
                   data["error"], tuple(data["notes"]), data["seconds"])

    def rows(self):
        """Its rows of grades.csv: one per part, or one saying why nothing was graded."""
        if self.parts:
            return [GradeRow(self.student, self.notebook, p.part, p.points, p.max_points, p.message)
                    for p in self.parts]
        return [GradeRow(self.student, self.notebook, NO_PART, 0, 0, self.error or NOTHING_TO_GRADE)]


@dataclass(frozen=True)
class GradeRow:
    """One row of grades.csv (:data:`CSV_COLUMNS`)."""

    student: str
    notebook: str
    part: str
    points: int
    max_points: int
    message: str

    def to_csv(self):
        """The row as a dict keyed by :data:`CSV_COLUMNS`, for :class:`csv.DictWriter`."""
        return dict(zip(CSV_COLUMNS, (self.student, self.notebook, self.part, self.points, self.max_points,
                                      self.message)))

    @classmethod
    def from_csv(cls, row):
        """The record of a row read back with :class:`csv.DictReader` (all values are text there)."""
        student, notebook, part, points, max_points, message = (row[c] for c in CSV_COLUMNS)
        return cls(student, notebook, part, int(points), int(max_points), message)
