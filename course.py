#!/usr/bin/env python3
"""Set up the course and open it, or set it up and run every test.

    python3 course.py lab     # make .venv, install bpkit and JupyterLab, copy the course into
                              # workspace/ (yours, ignored by git) and open lesson 1 there
    python3 course.py test    # make .venv, install bpkit with its test and grading tools, run all tests
    python3 course.py progress  # grade your workspace's exercises: each part done, its mistake, or not started

Needs only Python 3.10 or newer (pyproject.toml's requires-python; tested on 3.10 to 3.13) with
venv and pip; an older Python is refused with a message saying so. Both commands are idempotent: the
virtual environment in .venv is made once, and packages are installed again
only when pyproject.toml changes. Extra arguments go to JupyterLab or pytest,
e.g. `python3 course.py test -k backprop` or `python3 course.py lab --no-browser`.
"""
# no `from __future__ import annotations` and nothing newer than Python 3.6 before main()'s version
# check: an old Python must get as far as saying that it is too old
import hashlib
import re
import os
import pathlib
import shutil
import subprocess
import sys
import venv

ROOT = pathlib.Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


TESTED = ((3, 10), (3, 13))  # the oldest and newest Python the full test run has passed on


def required_python():
    """The oldest Python pyproject.toml's ``requires-python = ">=X.Y"`` allows, as ``(X, Y)``."""
    try:
        m = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)', (ROOT / "pyproject.toml").read_text(), re.M)
    except OSError:
        m = None
    return (int(m.group(1)), int(m.group(2))) if m else TESTED[0]


def python_problem(version=None):
    """Why this Python cannot run the course (a message), or None; ``version`` is ``(major, minor)``."""
    version = tuple(version or sys.version_info[:2])
    need = required_python()
    if version < need:
        return ("bpkit needs Python %d.%d or newer (pyproject.toml: requires-python), and this is %d.%d (%s). "
                "Run this script with a newer one, e.g. python3.12 course.py test"
                % (need + version + (sys.executable,)))
    return None


def say(msg):
    print(f"[course] {msg}", flush=True)


def run(cmd, **kw):
    say(" ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, **kw)


# what each environment must be able to import; a .venv that cannot is repaired
IMPORTS = {"": ["bpkit", "numpy", "matplotlib", "ipywidgets", "ipympl", "jupyterlab"],
           "test": ["pytest", "hypothesis", "nbval", "nbformat", "nbclient", "playwright", "xdist",
                    "axe_playwright_python"],
           "grading": ["nbformat", "nbclient", "nbgrader"]}


def missing_imports(extras):
    """The modules of ``extras`` that .venv's Python cannot import (all of them if it cannot run)."""
    names = list(IMPORTS[""])
    for extra in filter(None, extras.split(",")):
        names += [n for n in IMPORTS[extra] if n not in names]
    code = ("import importlib.util, sys; "
            f"print(' '.join(n for n in {names!r} if importlib.util.find_spec(n) is None))")
    try:
        # run from .venv/, not the checkout: `python -c` would find the bpkit/ folder in the cwd
        out = subprocess.run([str(PY), "-c", code], capture_output=True, text=True, timeout=120, cwd=str(VENV))
    except (OSError, subprocess.TimeoutExpired):
        return names
    return names if out.returncode != 0 else out.stdout.split()


def _runs(python):
    try:
        return subprocess.run([str(python), "-c", "pass"], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_env(extras):
    """Create .venv if needed and install the repo with ``extras``, unless already done and working."""
    problem = python_problem()
    if problem:
        sys.exit(f"[course] {problem}")
    if PY.exists() and not _runs(PY):
        say(f"the Python in {VENV.name}/ does not run (moved or upgraded?): making a new environment")
        shutil.rmtree(VENV)
    if not PY.exists():
        say(f"creating a virtual environment in {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extras}]" if extras else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()[:16]
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        missing = missing_imports(extras)
        if not missing:
            say(f"packages already installed for {spec} (delete {VENV.name}/ to start over)")
            return
        say(f"{VENV.name}/ is missing {', '.join(missing)}: installing again")
        stamp.unlink()
    say(f"installing {spec} into {VENV.name}/ (the first time takes a few minutes; pip's output goes to "
        f"{VENV.name}/{PIP_LOG} and is shown here only if it fails)")
    (VENV / PIP_LOG).unlink(missing_ok=True)
    pip_install(["--upgrade", "pip"])
    pip_install(["-e", spec])
    stamp.write_text(digest)
    say("installed")


PIP_LOG = "pip-install.log"
PIP_TAIL = 40   # lines of pip's output shown when an install fails


def pip_install(args):
    """``pip install ARGS`` in .venv with its output in .venv/pip-install.log; on failure, show it and stop.

    pip's own lines on success are noise for a learner: the machine's pip configuration, and
    setuptools' note that an editable install reads the package from this folder (every
    editable mode of a project with a mapped package folder prints one).
    """
    log = VENV / PIP_LOG
    with open(log, "a", encoding="utf-8") as out:
        out.write("$ pip install %s\n" % " ".join(args))
        out.flush()
        rc = subprocess.run([str(PY), "-m", "pip", "install", "--quiet", *args], cwd=ROOT,
                            stdout=out, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        print("\n".join(lines[-PIP_TAIL:]), file=sys.stderr)
        sys.exit(f"[course] pip install {' '.join(args)} failed (exit code {rc}); its whole output is in "
                 f"{log}. Check your network or proxy, then run the same command again.")


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


WORKSPACE = ROOT / "workspace"  # the learner's copies; ignored by git (see .gitignore)
DEFAULT_PORT = 8888
# JupyterLab's own settings for the course: no news or update pop-ups over lesson 1
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def requested_port(args):
    """The port the lab will use: ``--port N``, ``--port=N`` or ``--ServerApp.port=N`` in ``args``, else 8888."""
    for i, a in enumerate(args):
        for flag in ("--port", "--ServerApp.port"):
            if a == flag and i + 1 < len(args):
                return int(args[i + 1])
            if a.startswith(flag + "="):
                return int(a.split("=", 1)[1])
    return DEFAULT_PORT


def port_in_use(port, host="127.0.0.1"):
    """True when something already listens on ``host:port``."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def lab_command(args):
    """The `jupyter lab` command line that serves the learner's workspace and opens lesson 1."""
    cmd = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={WORKSPACE}"]
    if (WORKSPACE / "lessons" / "01_cost.ipynb").exists():
        cmd.append("--LabApp.default_url=/lab/tree/lessons/01_cost.ipynb")
    # kernel websockets without Nagle's delay: widget readouts arrive ~40 ms sooner (bpkit/labserver.py)
    cmd.append("--ServerApp.kernel_websocket_connection_class=bpkit.labserver.NoDelayKernelWebsocketConnection")
    # a busy port is an error (with the port to pass instead), never a silent second server
    cmd += ["--ServerApp.port_retries=0", "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        cmd.append("--allow-root")
    return cmd + list(args)


def write_lab_overrides():
    """Settings every JupyterLab started from .venv reads (share/jupyter/lab/settings/overrides.json)."""
    import json

    target = VENV / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    current = {}
    if target.exists():
        try:
            current = json.loads(target.read_text())
        except ValueError:
            current = {}
    for plugin, values in LAB_OVERRIDES.items():
        current.setdefault(plugin, {}).update(values)
    target.write_text(json.dumps(current, indent=2) + "\n")


def lab(args):
    port = requested_port(args)
    if port_in_use(port):
        sys.exit(f"[course] port {port} is already in use (another JupyterLab?). Stop it, or pass a free "
                 f"port: python3 course.py lab --port {port + 1}")
    ensure_env("")
    # the learner works on copies in workspace/: autosave never touches the tracked lessons, and a
    # course update brings new notebooks without overwriting the learner's (it says what it kept)
    rc = run([PY, "-m", "bpkit.workspace", WORKSPACE, "--course", ROOT]).returncode
    if rc != 0:
        sys.exit(rc)
    write_lab_overrides()
    os.chdir(WORKSPACE)
    cmd = lab_command(args)
    say(" ".join(cmd))
    if os.name == "nt":
        sys.exit(subprocess.call(cmd))
    os.execv(cmd[0], cmd)


def _marker_expressions(args):
    """The ``-m`` expressions in pytest's ``args`` (``-m EXPR`` and ``-mEXPR``)."""
    out = []
    for i, a in enumerate(args):
        if a == "-m" and i + 1 < len(args):
            out.append(args[i + 1])
        elif a.startswith("-m") and len(a) > 2 and not a.startswith("--"):
            out.append(a[2:])
    return out


def _matches(expr, marks):
    """pytest's ``-m`` rule for a test carrying ``marks``: and, or, not, parentheses and mark names."""
    if not re.fullmatch(r"[\w\s()]*", expr):
        return True  # not a plain expression: let pytest judge (and say the browser tests may run)
    words = {w for w in re.findall(r"\w+", expr) if w not in ("and", "or", "not", "True", "False")}
    try:
        return bool(eval(expr, {"__builtins__": {}}, {w: w in marks for w in words}))
    except Exception:
        return True


def browser_deselected(args):
    """True when pytest's ``-m`` expression(s) in ``args`` leave the browser tests out (``-m "not browser"``,
    but also ``-m slow``); pytest's last ``-m`` wins."""
    exprs = _marker_expressions(args)
    if not exprs:
        return False
    # the browser tests (tests/browser/) carry the one mark `browser`
    return not _matches(exprs[-1], {"browser"})


MAX_WORKERS = 4  # each grading test runs its own pool of kernels: more workers only crowd the cores


def worker_args(args, cpus, have_xdist):
    """pytest's ``-n N --dist loadgroup`` for ``course.py test`` (one worker per core, at most
    :data:`MAX_WORKERS`), or ``[]``: without pytest-xdist, on one core, or when ``args`` choose
    themselves (``-n``, ``--numprocesses``, ``--dist``, ``-p no:xdist``, ``--pdb``)."""
    own = ("-n", "--numprocesses", "--dist", "--pdb", "--trace")
    chosen = any(a in own or a.startswith(tuple(o + "=" for o in own)) or (a.startswith("-n") and a[2:].isdigit())
                 for a in args)
    chosen = chosen or any(a == "no:xdist" and i and args[i - 1] == "-p" for i, a in enumerate(args))
    chosen = chosen or "-pno:xdist" in args
    n = min(int(cpus or 1), MAX_WORKERS)
    if chosen or not have_xdist or n < 2:
        return []
    return ["-n", str(n), "--dist", "loadgroup"]


def _has_xdist():
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('xdist') is None)"
    return subprocess.run([str(PY), "-c", code], cwd=str(VENV)).returncode == 0


def test(args):
    # grading brings nbgrader: exercises are generated with its preprocessors (the staleness test
    # regenerates them) and the grader is compared with its autograde
    ensure_env("test,grading")
    browser = find_chromium()
    env = dict(os.environ)
    if browser_deselected(args):
        say(f"browser tests: DESELECTED by -m {_marker_expressions(args)[-1]!r} (they do not run)")
    elif browser:
        env["BPKIT_CHROMIUM"] = browser
        say(f"browser tests: ON, they run in headless Chromium ({browser})")
    else:
        say("browser tests: SKIPPED -- no Chromium found. Install it (Debian/Ubuntu: "
            "`apt-get install chromium`) to run the JupyterLab tests in a real browser.")
    paths = [d for d in ("tests", "lessons") if (ROOT / d).is_dir()]
    # one worker per core (pytest-xdist, --dist loadgroup; tests/conftest.py keeps a notebook's cells, a module
    # fixture's tests and the browser tests on one worker); BPKIT_XDIST=0 runs everything in this process
    workers = [] if os.environ.get("BPKIT_XDIST") == "0" else worker_args(args, os.cpu_count(), _has_xdist())
    if workers:
        say(f"{workers[1]} pytest workers (pytest-xdist; BPKIT_XDIST=0 for one process)")
    cmd = [PY, "-m", "pytest", "--nbval-lax", "--nbval-current-env", *workers, *paths, *args]
    rc = run(cmd, env=env).returncode
    if not browser and not browser_deselected(args):
        say("reminder: the browser tests were skipped (no Chromium)")
    sys.exit(rc)


def progress(args):
    """Grade the learner's workspace/exercises with the grader's checks and print where they stand (read only)."""
    ensure_env("")
    if not (WORKSPACE / "exercises").is_dir():
        sys.exit("[course] no workspace yet: run `python3 course.py lab` first (it copies the exercises into "
                 "workspace/, where you work on them)")
    sys.exit(run([PY, "-m", "bpkit.grade", "progress", WORKSPACE, *args]).returncode)


def main(argv):
    problem = python_problem()
    if problem:
        print(f"[course] {problem}", file=sys.stderr)
        return 2
    if sys.version_info[:2] > TESTED[1]:
        say("Python %d.%d is newer than any the course is tested on (%d.%d to %d.%d): trying anyway"
            % (sys.version_info[:2] + TESTED[0] + TESTED[1]))
    commands = {"lab": lab, "test": test, "progress": progress}
    if len(argv) < 2 or argv[1] not in commands:
        print(__doc__)
        return 2
    commands[argv[1]](argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
