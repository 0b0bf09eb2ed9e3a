"""The learner's workspace and the set-up command (course.py), without starting JupyterLab.

``course.py lab`` copies the course into ``workspace/`` (ignored by git) and
serves that folder, so autosave never writes a tracked file; later runs bring
course updates without overwriting what the learner changed.
"""
import importlib.util
import json
import pathlib
import shutil
import socket
import subprocess
import sys

import pytest

from bpkit import workspace

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_course_py():
    spec = importlib.util.spec_from_file_location("course_cli", ROOT / "course.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_course(root, lessons=("01_a", "02_b"), exercises=("01_a_exercise",)):
    for folder, names in (("lessons", lessons), ("exercises", exercises)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for n in names:
            (root / folder / f"{n}.ipynb").write_text(json.dumps({"cells": [], "v": 1, "name": n}))
    return root


def test_first_sync_copies_everything_and_a_second_does_nothing(tmp_path):
    course = make_course(tmp_path / "course")
    changes = workspace.sync(tmp_path / "ws", course)
    assert sorted((c.what, c.path) for c in changes) == [
        ("copied", "exercises/01_a_exercise.ipynb"), ("copied", "lessons/01_a.ipynb"), ("copied", "lessons/02_b.ipynb")]
    assert (tmp_path / "ws" / "lessons" / "01_a.ipynb").read_bytes() == (course / "lessons" / "01_a.ipynb").read_bytes()
    assert workspace.sync(tmp_path / "ws", course) == []
    assert workspace.report([]) == "workspace: up to date"


def test_an_update_replaces_untouched_copies_and_keeps_changed_ones(tmp_path):
    course = make_course(tmp_path / "course")
    ws = tmp_path / "ws"
    workspace.sync(ws, course)
    mine = ws / "lessons" / "01_a.ipynb"
    mine.write_text('{"cells": ["my notes"]}')  # the learner ran it and saved (autosave does this)
    for n in ("01_a", "02_b"):
        (course / "lessons" / f"{n}.ipynb").write_text(json.dumps({"cells": [], "v": 2, "name": n}))
    make_course(course, lessons=("03_c",), exercises=())
    changes = {c.path: c for c in workspace.sync(ws, course)}
    assert changes["lessons/02_b.ipynb"].what == "updated"
    assert json.loads((ws / "lessons" / "02_b.ipynb").read_text())["v"] == 2
    assert changes["lessons/03_c.ipynb"].what == "copied"
    assert changes["lessons/01_a.ipynb"].what == "kept"
    assert mine.read_text() == '{"cells": ["my notes"]}'  # never overwritten
    beside = ws / "lessons" / "01_a.course-update.ipynb"
    assert json.loads(beside.read_text())["v"] == 2 and beside.name in changes["lessons/01_a.ipynb"].note
    assert "kept" in workspace.report(list(changes.values()))
    # the .course-update copy is not itself treated as course material next time
    assert all(c.path != "lessons/01_a.course-update.ipynb" for c in workspace.sync(ws, course))


def test_a_kept_copy_is_offered_each_new_version_once_and_edits_beside_it_survive(tmp_path):
    course = make_course(tmp_path / "course")
    ws = tmp_path / "ws"
    workspace.sync(ws, course)
    mine = ws / "lessons" / "01_a.ipynb"
    mine.write_text('{"cells": ["my notes"]}')
    lesson = course / "lessons" / "01_a.ipynb"
    lesson.write_text(json.dumps({"cells": [], "v": 2}))
    assert [c.what for c in workspace.sync(ws, course)] == ["kept"]
    beside = ws / "lessons" / "01_a.course-update.ipynb"
    # the next start: nothing new, so nothing said and nothing written (the learner opened the update: autosave)
    beside.write_text('{"cells": ["reading the update"]}')
    assert workspace.sync(ws, course) == []
    assert beside.read_text() == '{"cells": ["reading the update"]}'
    # a newer version: offered again, beside the learner's two files, neither of which is touched
    lesson.write_text(json.dumps({"cells": [], "v": 3}))
    changes = workspace.sync(ws, course)
    assert [c.what for c in changes] == ["kept"] and "01_a.course-update-2.ipynb" in changes[0].note
    assert json.loads((ws / "lessons" / "01_a.course-update-2.ipynb").read_text())["v"] == 3
    assert beside.read_text() == '{"cells": ["reading the update"]}' and mine.read_text() == '{"cells": ["my notes"]}'
    assert workspace.sync(ws, course) == []


def test_a_deleted_copy_comes_back_and_a_lost_record_loses_nothing(tmp_path):
    course = make_course(tmp_path / "course")
    ws = tmp_path / "ws"
    workspace.sync(ws, course)
    (ws / "lessons" / "02_b.ipynb").unlink()
    (ws / "lessons" / "01_a.ipynb").write_text("mine")
    (ws / workspace.MANIFEST).write_text("not json")
    (course / "lessons" / "01_a.ipynb").write_text("new course version")
    changes = {c.path: c.what for c in workspace.sync(ws, course)}
    assert changes == {"lessons/02_b.ipynb": "copied", "lessons/01_a.ipynb": "kept"}
    assert (ws / "lessons" / "01_a.ipynb").read_text() == "mine"


def test_the_cli_needs_a_course(tmp_path, capsys):
    with pytest.raises(SystemExit):
        workspace.main([str(tmp_path / "ws"), "--course", str(tmp_path / "nothing")])
    assert "no lessons or exercises found" in capsys.readouterr().err
    assert workspace.main([str(tmp_path / "ws"), "--course", str(ROOT)]) == 0
    assert (tmp_path / "ws" / "lessons" / "01_cost.ipynb").exists()


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_working_in_the_workspace_leaves_git_status_clean(tmp_path):
    """A fresh clone, the course copied into workspace/, a notebook there saved over: git sees nothing."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run([sys.executable, "-m", "bpkit.workspace", str(clone / "workspace"), "--course", str(clone)],
                   check=True, capture_output=True)
    saved = clone / "workspace" / "lessons" / "01_cost.ipynb"
    saved.write_text(saved.read_text().replace('"cells"', '"cells"', 1) + "\n")  # what autosave does: rewrite it
    (clone / "workspace" / "lessons" / ".ipynb_checkpoints").mkdir()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == ""


def test_lab_serves_the_workspace_and_refuses_a_busy_port():
    course = load_course_py()
    cmd = course.lab_command(["--no-browser"])
    assert f"--ServerApp.root_dir={course.WORKSPACE}" in cmd and "--ServerApp.port_retries=0" in cmd
    assert course.WORKSPACE == ROOT / "workspace"
    assert course.requested_port([]) == 8888
    assert course.requested_port(["--port", "9001"]) == 9001 == course.requested_port(["--port=9001"])
    assert course.requested_port(["--ServerApp.port=9002"]) == 9002
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        assert course.port_in_use(s.getsockname()[1])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    assert not course.port_in_use(free)


def test_the_browser_line_tells_the_truth_about_minus_m():
    course = load_course_py()
    assert course.browser_deselected(["-m", "not browser"])
    assert course.browser_deselected(["-x", "-m", "not  browser and not slow"])
    assert not course.browser_deselected(["-m", "browser"])
    assert not course.browser_deselected(["-k", "not browser"])


def test_the_tests_run_on_one_worker_per_core_unless_told_otherwise():
    course = load_course_py()
    two = ["-n", "2", "--dist", "loadgroup"]
    assert course.worker_args([], 2, True) == two
    assert course.worker_args(["-m", "not slow", "-x"], 2, True) == two
    assert course.worker_args([], 64, True) == ["-n", str(course.MAX_WORKERS), "--dist", "loadgroup"]
    assert course.worker_args([], 1, True) == []           # one core: one process
    assert course.worker_args([], None, True) == []
    assert course.worker_args([], 2, False) == []          # no pytest-xdist: one process, as before
    for own in (["-n", "0"], ["-n0"], ["-n", "auto"], ["--numprocesses=3"], ["--dist", "loadfile"],
                ["-p", "no:xdist"], ["-pno:xdist"], ["--pdb"]):
        assert course.worker_args(own, 2, True) == [], own
    assert "xdist" in course.IMPORTS["test"]               # a .venv without it is completed


@pytest.fixture
def fake_venv(tmp_path, monkeypatch):
    """course.py with its .venv in tmp_path, a Python there that is this one, and pip recorded, not run."""
    course = load_course_py()
    venv_dir = tmp_path / ".venv"
    monkeypatch.setattr(course, "VENV", venv_dir)
    monkeypatch.setattr(course, "PY", venv_dir / "bin" / "python")
    made, installs = [], []

    class Builder:
        def __init__(self, **kw):
            pass

        def create(self, path):
            made.append(path)
            (path / "bin").mkdir(parents=True)
            write_python(path / "bin" / "python", f'exec "{sys.executable}" "$@"')

    monkeypatch.setattr(course.venv, "EnvBuilder", Builder)
    monkeypatch.setattr(course, "pip_install", lambda args: installs.append(args))
    return course, made, installs


def write_python(path, body):
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in Python is a shell script")
def test_set_up_installs_once_then_repairs_a_broken_or_incomplete_venv(fake_venv, capsys):
    course, made, installs = fake_venv
    course.ensure_env("test")
    assert len(made) == 1 and installs == [["--upgrade", "pip"], ["-e", ".[test]"]]
    course.ensure_env("test")                       # nothing changed: nothing installed
    assert len(installs) == 2 and "already installed" in capsys.readouterr().out

    course.IMPORTS["test"] = course.IMPORTS["test"] + ["no_such_module_for_the_test"]
    course.ensure_env("test")                       # a package went missing: installed again
    out = capsys.readouterr().out
    assert "missing no_such_module_for_the_test" in out and installs[-1] == ["-e", ".[test]"]
    assert len(made) == 1

    write_python(course.PY, "exit 1")               # the Python no longer runs (moved, upgraded)
    course.ensure_env("test")
    assert len(made) == 2 and "does not run" in capsys.readouterr().out
    assert installs[-1] == ["-e", ".[test]"]


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in Python is a shell script")
def test_pip_is_quiet_when_it_works_and_shown_when_it_fails(tmp_path, monkeypatch, capsys):
    course = load_course_py()
    monkeypatch.setattr(course, "VENV", tmp_path)
    monkeypatch.setattr(course, "PY", tmp_path / "python")
    write_python(course.PY, 'echo "WARNING: noise from pip"')
    course.pip_install(["-e", "."])
    captured = capsys.readouterr()
    assert "noise" not in captured.out + captured.err
    assert "noise from pip" in (tmp_path / course.PIP_LOG).read_text()

    write_python(course.PY, 'echo "ERROR: No matching distribution found for numpy"; exit 1')
    with pytest.raises(SystemExit) as stop:
        course.pip_install(["-e", "."])
    assert "No matching distribution" in capsys.readouterr().err
    assert "failed (exit code 1)" in str(stop.value) and course.PIP_LOG in str(stop.value)


def test_a_lesson_in_two_notebooks_is_copied_whole(tmp_path):
    """Lesson 4 is two notebooks, ``04_...`` and ``04b_...``: the workspace gets both, the real course too."""
    course = make_course(tmp_path / "course", lessons=("04_a", "04b_b", "05_c"))
    changes = workspace.sync(tmp_path / "ws", course)
    assert sorted(c.path for c in changes if c.path.startswith("lessons/")) == [
        "lessons/04_a.ipynb", "lessons/04b_b.ipynb", "lessons/05_c.ipynb"]
    real = workspace.course_notebooks(ROOT)
    assert "lessons/04_delta_accumulation.ipynb" in real and "lessons/04b_vectorized_backprop.ipynb" in real
