"""A new learner's clone stays clean under autosave, and a course update keeps their edit (issue 14).

``pytest -m browser tests/browser/test_autosave_update.py``, about a minute:

1. a tmp *origin* is cloned from this repository's HEAD (the real checkout is
   never written), and the *learner* clones the origin;
2. the learner's ``course.py lab`` is called as it is (loaded from the clone),
   with only its environment step skipped and the current interpreter standing
   in for ``.venv``: it copies the course into ``workspace/`` and builds the
   ``jupyter lab`` command, which is run here in an isolated JupyterLab with the
   clone's ``bpkit`` first on the path and AUTOSAVE ON, every second;
3. in Chromium: lesson 1 opened from ``workspace/``, Run All, a Markdown cell
   typed at the end; autosave writes the edit to ``workspace/lessons/01_cost.ipynb``
   and ``git status --porcelain`` in the clone stays empty;
4. the lab is stopped, a course update to lessons 1 and 2 is committed in the
   origin, ``git pull`` in the clone succeeds, and ``course.py lab`` runs again:
   the learner's lesson 1 keeps the edit, the course's new lesson 1 is beside it
   as ``01_cost.course-update.ipynb``, the untouched lesson 2 is replaced by the
   new one, and the report says which it kept and why.
"""
import hashlib
import importlib.util
import json
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _lab  # noqa: E402

LESSON = "lessons/01_cost.ipynb"
OTHER = "lessons/02_chain_rule.ipynb"
UPDATE = "lessons/01_cost.course-update.ipynb"
AUTOSAVE_S = 1
DOCMANAGER = "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings"
NOTE = f"My note: the cost is lowest where the predictions meet the scores ({secrets.token_hex(4)})"
# options of course.py's `jupyter lab` command that the isolated server sets itself
OWN_OPTIONS = ("--ServerApp.root_dir=", "--port", "--ServerApp.port=", "--allow-root", "--no-browser")
# [type, source] of every cell of the open notebook
CELLS_JS = ("(p) => window.__bpkit.notebookPanel(p).content.widgets"
            ".map((c) => [c.model.type, c.model.sharedModel.getSource()])")
# every save of the open notebook, as its document context signals them: [{state, t (ms), dirty}]
RECORD_SAVES_JS = """
(p) => {
  const panel = window.__bpkit.notebookPanel(p);
  window.__saves = [];
  panel.context.saveState.connect((_, state) =>
    window.__saves.push({state: state, t: performance.now(), dirty: panel.context.model.dirty}));
}
"""
# true once the notebook holds nothing unsaved and its last save completed
SAVED_JS = """
(p) => {
  const panel = window.__bpkit.notebookPanel(p);
  const last = window.__saves[window.__saves.length - 1];
  return !panel.context.model.dirty && !!last && last.state === 'completed';
}
"""
IDENTITY = ["-c", "user.name=Course Maintainer", "-c", "user.email=maintainer@example.invalid"]


def git(cwd, *args, check=True):
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if check and out.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} in {cwd} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    return out


def load_course(clone):
    """The clone's course.py as a module (its ROOT, WORKSPACE and VENV are the clone's)."""
    spec = importlib.util.spec_from_file_location(f"_bpkit_course_{secrets.token_hex(4)}", clone / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def course_lab(clone, monkeypatch, capfd):
    """Run the clone's ``course.py lab`` up to its exec; returns (jupyter command, what it printed).

    Only the environment step (``ensure_env``: make .venv, pip install) is skipped and the
    current interpreter is its Python; the workspace sync, the lab settings and the command
    are course.py's own.
    """
    course = load_course(clone)
    execs = []
    monkeypatch.setattr(course, "ensure_env", lambda extras: None)
    monkeypatch.setattr(course, "PY", Path(sys.executable))
    monkeypatch.setattr(course.os, "execv", lambda path, argv: execs.append(list(argv)))
    before = capfd.readouterr().out
    cwd = os.getcwd()
    try:
        course.lab(["--no-browser", f"--port={_lab.free_port()}"])
    finally:
        os.chdir(cwd)  # lab() changes into the workspace before its exec
    printed = capfd.readouterr().out
    sys.stdout.write(before + printed)  # all of it stays in the test's report
    assert len(execs) == 1, f"course.py lab did not exec JupyterLab once:\n{printed}"
    return execs[0], printed


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def wait_for_file(path, test, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if test(Path(path).read_text()):
                return
        except (OSError, ValueError):
            pass  # not there yet, or caught half-written
        time.sleep(0.2)
    raise AssertionError(f"{path}: {what} within {timeout_s:.0f} s")


def save_durations(saves):
    """Seconds each completed save took, from the page's record of save states."""
    out, start = [], None
    for s in saves:
        if s["state"] == "started":
            start = s["t"]
        elif s["state"] == "completed" and start is not None:
            out.append((s["t"] - start) / 1000)
            start = None
    return out


def has_note(text):
    nb = json.loads(text)
    return any(c["cell_type"] == "markdown" and NOTE in "".join(c["source"]) for c in nb["cells"])


def add_course_update(path, line):
    """What a maintainer's commit does: one new Markdown cell after the objectives."""
    nb = json.loads(path.read_text())
    cell_id = "course-update-" + secrets.token_hex(3)
    nb["cells"].insert(1, {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": [line]})
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


@pytest.mark.browser
def test_autosave_stays_in_the_workspace_and_an_update_keeps_the_edit(tmp_path, monkeypatch, capfd):
    reason = _lab.browser_unavailable()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    if git(_lab.REPO_ROOT, "rev-parse", "--is-inside-work-tree", check=False).returncode != 0:
        pytest.skip(f"browser test skipped: {_lab.REPO_ROOT} is not a git checkout (nothing to clone)")
    from playwright.sync_api import sync_playwright

    origin, clone = tmp_path / "origin", tmp_path / "learner"
    git(tmp_path, "clone", "-q", str(_lab.REPO_ROOT), str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    workspace = clone / "workspace"

    # 1. `python3 course.py lab`: the course copied into workspace/, then its JupyterLab command
    cmd, printed = course_lab(clone, monkeypatch, capfd)
    assert (workspace / LESSON).read_bytes() == (clone / LESSON).read_bytes(), printed
    assert f"workspace: copied  {LESSON}" in printed, printed
    assert cmd[1:3] == ["lab", f"--ServerApp.root_dir={workspace}"], cmd
    args = [a for a in cmd[2:] if not a.startswith(OWN_OPTIONS)]
    # the overrides course.py wrote for the clone's .venv, where that lab would read them
    args.append(f"--LabApp.app_settings_dir={clone / '.venv' / 'share' / 'jupyter' / 'lab' / 'settings'}")
    server = _lab.LabServer(
        [], root=workspace, args=args,
        settings={DOCMANAGER: {"autosave": True, "autosaveInterval": AUTOSAVE_S}},
        env={"PYTHONPATH": str(clone)},  # the kernel imports the clone's bpkit, as its own .venv would
    )
    copied = (workspace / LESSON).read_bytes()
    def drive():
        # Playwright's sync API refuses a thread whose asyncio loop runs, and the browser tests' session
        # fixture (conftest.py: chromium) keeps one running in the main thread once any test used it:
        # this test's own session runs in a worker thread, which has no loop
        with sync_playwright() as pw:
            browser = _lab.launch_chromium(pw)
            try:
                context, page = _lab.new_page(browser)
                _lab.open_notebook(page, server, LESSON, f"bpkit-autosave-{secrets.token_hex(3)}")
                page.evaluate(RECORD_SAVES_JS, LESSON)
                _lab.run_all(page, LESSON)
                assert not _lab.notebook_errors(page, LESSON)
                # autosave writes the run's outputs first; JupyterLab then waits 10x as long as
                # that save took (at least the interval) before the next one (its SaveHandler)
                page.wait_for_function(SAVED_JS, arg=LESSON, timeout=60_000, polling=100)
                after_run = save_durations(page.evaluate("() => window.__saves"))

                # 2. the learner's edit: a Markdown cell below the last one, typed and rendered
                last = page.locator(".jp-Notebook .jp-Cell").last
                last.scroll_into_view_if_needed()
                last.locator(".jp-InputPrompt").click()
                for key in ("Escape", "b", "m", "Enter"):
                    page.keyboard.press(key)
                # JupyterLab takes the notebook's content when a save starts and marks the model
                # clean when it completes, so an edit made while a save is in flight is neither on
                # disk nor dirty, and autosave never writes it: the new cell's saves settle first,
                # then the note goes in as one edit
                page.wait_for_function(SAVED_JS, arg=LESSON, timeout=60_000, polling=100)
                page.keyboard.insert_text(NOTE)
                page.keyboard.press("Shift+Enter")
                cells = page.evaluate(CELLS_JS, LESSON)
                assert ["markdown", NOTE] in cells, f"the typed note is in no Markdown cell: {cells[-3:]!r}"

                # 3. autosave writes it to the workspace's copy, and only there
                wait_s = 120  # only against a hang: the save comes AUTOSAVE_S (or 10 saves' time) later
                typed = time.monotonic()
                try:
                    wait_for_file(workspace / LESSON, has_note, wait_s,
                                  f"autosave (every {AUTOSAVE_S} s) did not write the note")
                    print(f"autosave: the run's saves took {[round(d, 2) for d in after_run]} s; "
                          f"the note was on disk {time.monotonic() - typed:.1f} s after it was typed")
                except AssertionError as exc:
                    saves = page.evaluate("() => window.__saves")
                    raise AssertionError(f"{exc}; saves took {save_durations(saves)} s; states {saves[-4:]}") from None
                console = list(page.console_errors)
                context.close()
            finally:
                browser.close()
        return console

    server.start()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            console = pool.submit(drive).result()
    finally:
        server.stop()  # the learner closes the lab before updating the course
    edited = (workspace / LESSON).read_bytes()
    assert edited != copied and has_note(edited.decode())
    assert not any("save" in line.lower() for line in console), console
    status = git(clone, "status", "--porcelain", "--untracked-files=all").stdout
    assert status == "", f"working in the lab wrote to the clone's tracked tree:\n{status}"

    # 4. a course update: lessons 1 and 2 change in the origin; the learner pulls
    add_course_update(origin / LESSON, "**Course update:** a new hint for lesson 1.")
    add_course_update(origin / OTHER, "**Course update:** a new hint for lesson 2.")
    git(origin, *IDENTITY, "commit", "-q", "-m", "course update: lessons 1 and 2", "--", LESSON, OTHER)
    untouched = {rel: digest(workspace / rel) for rel in ("lessons/03_sigmoid_derivative.ipynb", OTHER)}
    pull = git(clone, "pull")
    for rel in (LESSON, OTHER):
        assert "Course update" in (clone / rel).read_text(), f"git pull did not bring {rel}:\n{pull.stdout}"
    assert git(clone, "status", "--porcelain", "--untracked-files=all").stdout == ""

    # 5. `python3 course.py lab` again: its sync keeps the edited copy and says so
    _, printed = course_lab(clone, monkeypatch, capfd)
    lines = [line for line in printed.splitlines() if line.startswith("workspace:")]
    kept = [line for line in lines if " kept " in f" {line} " and LESSON in line]
    assert kept and "01_cost.course-update.ipynb" in kept[0], f"the sync does not say it kept {LESSON}:\n{printed}"
    assert any(" updated " in f" {line} " and OTHER in line for line in lines), printed
    assert len(lines) == 2, f"only lessons 1 and 2 changed, yet the sync reported:\n{printed}"
    assert (workspace / LESSON).read_bytes() == edited, "the learner's edited lesson 1 was overwritten"
    assert (workspace / UPDATE).read_bytes() == (clone / LESSON).read_bytes(), "the file beside is not the new lesson 1"
    assert (workspace / OTHER).read_bytes() == (clone / OTHER).read_bytes(), "the untouched lesson 2 was not replaced"
    assert digest(workspace / OTHER) != untouched[OTHER]
    assert digest(workspace / "lessons/03_sigmoid_derivative.ipynb") == untouched["lessons/03_sigmoid_derivative.ipynb"]
    assert git(clone, "status", "--porcelain", "--untracked-files=all").stdout == ""

    # and once more (the next `course.py lab`): the edit still stays, and the update is not offered again
    _, printed = course_lab(clone, monkeypatch, capfd)
    assert not [line for line in printed.splitlines() if line.startswith("workspace:") and " kept " in line], printed
    assert (workspace / LESSON).read_bytes() == edited
    assert (workspace / UPDATE).read_bytes() == (clone / LESSON).read_bytes()
