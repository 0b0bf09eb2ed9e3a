#!/usr/bin/env python3
"""Set up the course and open it, or set it up and run every test.

    python3 course.py lab     # make .venv, install bpkit and JupyterLab, open lesson 1
    python3 course.py test    # make .venv, install bpkit with its test and grading tools, run all tests

Needs only Python 3.10+ with venv and pip. Both commands are idempotent: the
virtual environment in .venv is made once, and packages are installed again
only when pyproject.toml changes. Extra arguments go to JupyterLab or pytest,
e.g. `python3 course.py test -k backprop` or `python3 course.py lab --no-browser`.
"""
from __future__ import annotations

import hashlib
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


def say(msg):
    print(f"[course] {msg}", flush=True)


def run(cmd, **kw):
    say(" ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, **kw)


def ensure_env(extras):
    """Create .venv if needed and install the repo with ``extras``, unless already done."""
    if sys.version_info < (3, 10):
        sys.exit(f"bpkit needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        say(f"creating a virtual environment in {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extras}]" if extras else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()[:16]
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        say(f"packages already installed for {spec} (delete {VENV.name}/ to start over)")
        return
    run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    run([PY, "-m", "pip", "install", "--quiet", "-e", spec], check=True)
    stamp.write_text(digest)


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def lab(args):
    ensure_env("")
    first = ROOT / "lessons" / "01_cost.ipynb"
    # serve the whole repo (lessons/ and exercises/ both visible) and open lesson 1
    target = [f"--ServerApp.root_dir={ROOT}"]
    if first.exists():
        target.append("--LabApp.default_url=/lab/tree/lessons/01_cost.ipynb")
    os.chdir(ROOT)
    # kernel websockets without Nagle's delay: widget readouts arrive ~40 ms sooner (bpkit/labserver.py)
    target.append("--ServerApp.kernel_websocket_connection_class=bpkit.labserver.NoDelayKernelWebsocketConnection")
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args else []
    cmd = [str(BIN / "jupyter"), "lab", *target, *root, *args]
    say(" ".join(cmd))
    if os.name == "nt":
        sys.exit(subprocess.call(cmd))
    os.execv(cmd[0], cmd)


def test(args):
    # grading brings nbgrader: exercises are generated with its preprocessors (the staleness test
    # regenerates them) and the grader is compared with its autograde
    ensure_env("test,grading")
    browser = find_chromium()
    env = dict(os.environ)
    if browser:
        env["BPKIT_CHROMIUM"] = browser
        say(f"browser tests: ON (using {browser})")
    else:
        say("browser tests: SKIPPED -- no Chromium found. Install it (Debian/Ubuntu: "
            "`apt-get install chromium`) to run the JupyterLab tests in a real browser.")
    paths = [d for d in ("tests", "lessons") if (ROOT / d).is_dir()]
    cmd = [PY, "-m", "pytest", "--nbval-lax", "--nbval-current-env", *paths, *args]
    rc = run(cmd, env=env).returncode
    if not browser:
        say("reminder: the browser tests were skipped (no Chromium)")
    sys.exit(rc)


def main(argv):
    if len(argv) < 2 or argv[1] not in {"lab", "test"}:
        print(__doc__)
        return 2
    {"lab": lab, "test": test}[argv[1]](argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
