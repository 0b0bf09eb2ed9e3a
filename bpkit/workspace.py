"""The learner's own copies of the lessons and exercises, kept up to date without losing their work.

    python -m bpkit.workspace DEST                 # copy (or update) the course into DEST
    python -m bpkit.workspace DEST --course REPO   # from a checkout instead of the installed package

``python3 course.py lab`` runs this into ``workspace/`` (ignored by git) and
serves that folder, so JupyterLab's autosave never writes a tracked file and a
``git pull`` of course updates never conflicts with the learner's notebooks.

Each run compares three versions of every course notebook: the course's now,
the course's when it was last copied (its SHA-256 is kept in
``DEST/.bpkit-course.json``) and the learner's copy:

* no copy yet: copied;
* the learner's copy is untouched and the course changed: replaced by the new
  version ("updated");
* the learner changed their copy and the course changed too: their copy is
  kept, and the course's new version is written beside it as
  ``NAME.course-update.ipynb`` ("kept"), once per new version: a later run
  neither says it again nor writes over that file (if the learner changed
  it, the next new version goes to ``NAME.course-update-2.ipynb``);
* otherwise nothing happens.

This module needs only the standard library (``import bpkit`` aside).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pathlib
import shutil
import sys
from typing import NamedTuple

FOLDERS = ("lessons", "exercises")
MANIFEST = ".bpkit-course.json"
UPDATE_SUFFIX = ".course-update.ipynb"
OFFERED = "_offered"   # the manifest's record of the versions written beside kept copies


class Change(NamedTuple):
    """What one run did to one notebook: ``what`` is "copied", "updated" or "kept"."""

    what: str
    path: str
    note: str = ""


def _digest(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def course_notebooks(course):
    """``{relative path: file}`` of the course's lesson and exercise notebooks under ``course``.

    Names start with the lesson's number: ``NN_topic.ipynb``, or ``NNb_topic.ipynb`` for the second
    notebook of a lesson in two parts (``lessons/04b_vectorized_backprop.ipynb``).
    """
    course = pathlib.Path(course)
    found = {}
    for folder in FOLDERS:
        for nb in sorted((course / folder).glob("[0-9][0-9]*_*.ipynb")):
            if not nb.name.endswith(UPDATE_SUFFIX):
                found[f"{folder}/{nb.name}"] = nb
    return found


def installed_course():
    """The folder holding the course notebooks shipped with the installed package, or None."""
    here = pathlib.Path(__file__).resolve().parent
    for root in (here / "course", here.parent):  # a wheel ships bpkit/course/; a checkout has them beside bpkit/
        if all((root / f).is_dir() for f in FOLDERS) and course_notebooks(root):
            return root
    return None


def sync(dest, course):
    """Bring the course's notebooks into ``dest`` without overwriting the learner's changes.

    Parameters
    ----------
    dest : path, the learner's folder (created if missing)
    course : path, a folder with ``lessons/`` and ``exercises/`` (a checkout or the package's copy)

    Returns
    -------
    list of Change, one per notebook copied, updated or kept (nothing for notebooks left as they were)
    """
    dest, course = pathlib.Path(dest), pathlib.Path(course)
    notebooks = course_notebooks(course)
    if not notebooks:
        raise FileNotFoundError(f"no lessons or exercises found under {course} (expected lessons/NN_*.ipynb)")
    manifest_path = dest / MANIFEST
    try:
        copied = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        if not isinstance(copied, dict):
            raise ValueError("not an object")
    except (OSError, ValueError):
        copied = {}  # an unreadable record: treat every existing copy as the learner's own
    offered = copied.pop(OFFERED, None)
    offered = offered if isinstance(offered, dict) else {}  # rel -> the version last written beside a kept copy
    changes = []
    for rel, src in notebooks.items():
        target = dest / rel
        new = _digest(src)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            copied[rel] = new
            changes.append(Change("copied", rel))
            continue
        if copied.get(rel) == new:
            continue  # the course has not changed since it was copied
        mine = _digest(target)
        if mine == new:
            copied[rel] = new  # already the same as the course's (e.g. the record was lost)
        elif mine == copied.get(rel):
            shutil.copyfile(src, target)  # untouched by the learner: take the new version
            copied[rel] = new
            changes.append(Change("updated", rel))
        elif offered.get(rel) != new:  # a version not offered yet (else: offered already, said already)
            beside = _beside(target, offered.get(rel))
            shutil.copyfile(src, beside)
            offered[rel] = new
            changes.append(Change("kept", rel, f"your copy has changes; the course's new version is {beside.name}"))
    dest.mkdir(parents=True, exist_ok=True)
    if offered:
        copied[OFFERED] = offered
    manifest_path.write_text(json.dumps(copied, indent=1, sort_keys=True) + "\n")
    return changes


def _beside(target, last_offered):
    """Where the course's new version of ``target`` goes: ``NAME.course-update.ipynb``, unless the learner
    changed that file (it is not the version offered last time): then ``NAME.course-update-2.ipynb``, ..."""
    stem = target.name[: -len(".ipynb")]
    beside = target.with_name(stem + UPDATE_SUFFIX)
    k = 2
    while beside.exists() and _digest(beside) != last_offered:
        beside = target.with_name(f"{stem}.course-update-{k}.ipynb")
        k += 1
    return beside


def report(changes):
    """One line per change, for the terminal."""
    if not changes:
        return "workspace: up to date"
    lines = []
    for c in changes:
        lines.append(f"workspace: {c.what:7s} {c.path}" + (f" -- {c.note}" if c.note else ""))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bpkit.workspace", description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=pathlib.Path, help="the folder to copy the course into")
    ap.add_argument("--course", type=pathlib.Path, default=None,
                    help="a course checkout (default: the notebooks that came with the installed package)")
    args = ap.parse_args(argv)
    course = args.course or installed_course()
    if course is None:
        ap.error("this installation carries no course notebooks; pass --course with a checkout of the course")
    try:
        print(report(sync(args.dest, course)))
    except FileNotFoundError as exc:
        ap.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
