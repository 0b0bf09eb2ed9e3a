"""Where a learner stands: their workspace's exercises graded with the grader's checks, as one table.

``python3 course.py progress`` (or ``python -m bpkit.grade progress [WORKSPACE]``,
or ``from bpkit.grade import progress; progress()`` in a notebook) grades the
exercise notebooks of the learner's workspace (``workspace/exercises/``, made
by ``course.py lab``) exactly as ``bpkit-grade`` grades a submission -- each in
its own kernel, sandboxed where bubblewrap works, against the course's answer
keys -- and prints, per part: ✓, the named mistake, or "not started"; the
lesson section to revisit; and the named mistakes made in more than one
exercise. The notebooks are only read: nothing in the workspace changes (the
kernels run in a temporary folder).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from .class_report import NOT_STARTED, is_named, mistake_name, outcome_of, plain
from .lessons import section_for

MANIFEST = ".bpkit-course.json"        # bpkit.workspace's record: marks a workspace folder
EXERCISE_GLOB = "[0-9][0-9]_*_exercise.ipynb"
UPDATE_SUFFIX = ".course-update.ipynb"
PROGRESS_TIMEOUT = 20.0
DONE, TODO = "✓", "·"


def find_workspace(start=None):
    """The workspace folder: ``start`` (or the working directory) or the nearest folder above it holding
    ``.bpkit-course.json``, else ``./workspace`` if that is one; None if there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANIFEST).is_file():
            return folder
    if (here / "workspace" / MANIFEST).is_file():
        return here / "workspace"
    return None


def workspace_exercises(workspace, only=()):
    """The learner's exercise notebooks (``exercises/NN_topic_exercise.ipynb``), optionally only numbers ``only``."""
    found = sorted(p for p in (Path(workspace) / "exercises").glob(EXERCISE_GLOB)
                   if not p.name.endswith(UPDATE_SUFFIX))
    only = {str(n).zfill(2) for n in only}
    return [p for p in found if not only or p.name[:2] in only]


def rows_of(results):
    """One row per part: ``{"exercise", "part", "function", "points", "max", "mark", "what", "revisit", "link"}``."""
    rows = []
    for r in results:
        for p in r.parts:
            o = outcome_of(p)
            if o is None:
                mark, what, revisit, link = DONE, "done", "", ""
            else:
                sec = section_for(p.part, o if is_named(o) else None)
                revisit, link = plain(sec.title), sec.link()
                if o == NOT_STARTED:
                    mark, what = TODO, "not started"
                elif is_named(o):
                    mark, what = "✗", f"{mistake_name(o)}: {_short(p.message)}"
                else:
                    mark, what = "✗", _short(p.message)
            rows.append({"exercise": r.notebook, "part": p.part, "function": p.function, "points": p.points,
                         "max": p.max_points, "mark": mark, "what": what, "revisit": revisit, "link": link})
        if not r.parts:
            rows.append({"exercise": Path(r.file).name, "part": "-", "function": "", "points": 0, "max": 0,
                         "mark": "✗", "what": _short(r.error or "could not be graded"), "revisit": "", "link": ""})
    return rows


def repeated_mistakes(results):
    """``{mistake name: [exercise, ...]}`` for the named mistakes made in two or more exercises."""
    seen = {}
    for r in results:
        for p in r.parts:
            o = outcome_of(p)
            if is_named(o) and o != "*:not_written":
                seen.setdefault(mistake_name(o), set()).add(r.notebook)
    return {k: sorted(v) for k, v in sorted(seen.items()) if len(v) >= 2}


def _short(text, limit=110):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_progress(results):
    """The table the command prints (a str)."""
    rows = rows_of(results)
    lines = []
    width = max([len(r["function"]) for r in rows] + [8])
    current = None
    for r in rows:
        if r["exercise"] != current:
            current = r["exercise"]
            lines.append(f"\n{current}")
        line = f"  {r['part']:<5} {r['function']:<{width}}  {r['mark']} {r['points']}/{r['max']}  {r['what']}"
        if r["revisit"]:
            line += f"\n  {'':<5} {'':<{width}}     revisit {r['revisit']} ({r['link']})"
        lines.append(line)
    done = sum(1 for r in rows if r["mark"] == DONE)
    started = sum(1 for r in rows if r["mark"] != TODO)
    lines.append(f"\n{done} of {len(rows)} parts done, {started - done} with a mistake to fix, "
                 f"{len(rows) - started} not started.")
    again = repeated_mistakes(results)
    if again:
        lines.append("Mistakes you made in more than one exercise (worth a second look at the lesson):")
        lines += [f"  {name}: {', '.join(nbs)}" for name, nbs in again.items()]
    return "\n".join(lines).lstrip("\n")


def grade_workspace(workspace=None, only=(), timeout=PROGRESS_TIMEOUT, jobs=None, solutions=None, sandbox="auto"):
    """Grade the workspace's exercises; return ``(workspace, [SubmissionResult])``. Raises ValueError with
    what to do when there is no workspace or no answer keys."""
    from .. import grade

    if workspace is not None and not isinstance(workspace, (str, os.PathLike)):
        raise TypeError(f"workspace must be a folder (a path such as 'workspace'), got {type(workspace).__name__}")
    ws = Path(workspace) if workspace else find_workspace()
    if workspace and not (ws / "exercises").is_dir():
        why = "it does not exist" if not ws.exists() else "it has no exercises/ folder"
        raise ValueError(f"workspace {str(ws)!r} is not a course workspace ({why}): pass the folder "
                         "`python3 course.py lab` made, or nothing to use the one here")
    if ws is None or not (ws / "exercises").is_dir():
        raise ValueError("no workspace found: run `python3 course.py lab` once (it copies the course into "
                         "workspace/), or pass the workspace folder")
    files = workspace_exercises(ws, only)
    if not files:
        raise ValueError(f"no exercise notebooks (NN_topic_exercise.ipynb) in {ws / 'exercises'}"
                         + (f" for {', '.join(only)}" if only else ""))
    keys = Path(solutions) if solutions else grade.default_solutions_dir()
    if not grade.solution_files(keys):
        raise ValueError(f"progress needs the course's answer keys (solutions/), and there are none in {keys}: "
                         "run it from the course's checkout")
    config = grade.GradeConfig(str(keys.resolve()), secrets.randbits(63), timeout, sandbox=sandbox)
    results = grade.grade_paths([str(f) for f in files], config, jobs=jobs or min(4, os.cpu_count() or 1))
    return ws, results


def progress(workspace=None, only=(), timeout=PROGRESS_TIMEOUT):
    """Grade your workspace's exercises and print where you stand; returns the table's rows (dicts).

    In a notebook: ``from bpkit.grade import progress; progress()``. ``only``:
    exercise numbers, e.g. ``progress(only=[3, 4])``.
    """
    _ws, results = grade_workspace(workspace, only, timeout)
    print(format_progress(results))
    return rows_of(results)


__all__ = ["find_workspace", "format_progress", "grade_workspace", "progress", "repeated_mistakes", "rows_of"]
