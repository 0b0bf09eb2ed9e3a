"""An installed package is a course too: the built wheel in a fresh virtual environment.

The wheel is built from a copy of the repository, installed (not editable) into
a new virtual environment without the system's site-packages, and used from
there: ``python -m bpkit.workspace DEST`` hands out the lessons and exercises
it carries, and ``bpkit-grade`` grades the answer keys given by path
(``--solutions``) with full marks for each, while without them it says what to
pass. The answer keys never travel in the wheel.

To stay fast the new environment gets its dependencies (numpy, nbclient,
ipykernel, ...) from this test run's environment through a ``.pth`` file; the
package itself comes only from the wheel (the test checks where ``bpkit`` is
imported from).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"

pytestmark = [pytest.mark.slow]

# what a build of the repository must not see: environments, caches, outputs, earlier builds
_NOT_BUILT = shutil.ignore_patterns(".git", ".venv", "venv", "workspace", "artifacts", "build", "dist", "grades",
                                    "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints")


def _run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    return subprocess.run([str(c) for c in cmd], **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built from a copy of the repository (so the build writes nothing into the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_BUILT)
    out = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", src])
    assert out.returncode == 0, out.stdout + out.stderr
    return next((tmp / "dist").glob("backprop_by_hand-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh virtual environment (no system site-packages) with the wheel installed: its bin/ folder."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=False, system_site_packages=False, symlinks=os.name != "nt").create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    # the dependencies: this run's environment's site-packages, appended to sys.path (its own .pth
    # files, among them the checkout's editable install, are not processed, so bpkit is not among them)
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     check=True).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_bpkit_test_deps.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    out = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel])
    assert out.returncode == 0, out.stdout + out.stderr
    return bin_dir


def _env(bin_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "BPKIT_TERM_SEED")}
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def test_the_wheel_carries_the_course_but_no_answer_keys(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("[0-9][0-9]*_*.ipynb"))
    exercises = sorted(p.name for p in (ROOT / "exercises").glob("[0-9][0-9]*_*.ipynb"))
    # setuptools would pack any .py file of those folders too (so the nbval conftest.py lives at the root)
    assert all(n.endswith(".ipynb") for n in names if n.startswith("bpkit/course/")), \
        [n for n in names if n.startswith("bpkit/course/") and not n.endswith(".ipynb")]
    for folder, want in (("lessons", lessons), ("exercises", exercises)):
        got = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith(f"bpkit/course/{folder}/") and n.endswith(".ipynb"))
        assert got == want, folder
    assert not any("solution" in n.lower() for n in names), [n for n in names if "solution" in n.lower()]
    with zipfile.ZipFile(wheel) as z:
        for n in names:
            if n.endswith(".ipynb"):
                text = z.read(n).decode("utf-8")
                for marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "bpkit.checks.run("):
                    assert marker not in text, f"{n} holds {marker!r}: an answer key must not ship in the wheel"


def test_bpkit_comes_from_the_wheel_not_the_checkout(installed, tmp_path):
    out = _run([installed / "python", "-c", "import bpkit, sys; print(bpkit.__file__); print(sys.prefix)"],
               cwd=tmp_path, env=_env(installed))
    assert out.returncode == 0, out.stderr
    where, prefix = out.stdout.split()
    assert Path(where).is_relative_to(Path(prefix)) and "site-packages" in where, where
    assert not Path(where).is_relative_to(ROOT), where


def test_the_installed_package_hands_out_the_course(installed, tmp_path):
    out = _run([installed / "python", "-m", "bpkit.workspace", tmp_path / "mine"], cwd=tmp_path, env=_env(installed))
    assert out.returncode == 0, out.stdout + out.stderr
    for folder in ("lessons", "exercises"):
        want = sorted(p.name for p in (ROOT / folder).glob("[0-9][0-9]*_*.ipynb"))
        assert sorted(p.name for p in (tmp_path / "mine" / folder).glob("*.ipynb")) == want
    assert not (tmp_path / "mine" / "solutions").exists()


def test_installed_grader_without_answer_keys_says_what_to_pass(installed, tmp_path):
    sub = tmp_path / "submitted"
    sub.mkdir()
    shutil.copy(ROOT / "exercises" / "03_sigmoid_derivative_exercise.ipynb", sub / "alice.ipynb")
    out = _run([installed / "bpkit-grade", sub, "--out", tmp_path / "grades"], cwd=tmp_path, env=_env(installed))
    assert out.returncode == 2, out.stdout + out.stderr
    assert "--solutions DIR" in out.stderr and "installed package does not carry them" in out.stderr, out.stderr
    assert str(tmp_path / "solutions") in out.stderr  # where it looked: here, not inside site-packages
    assert not (tmp_path / "grades").exists()


@pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="no solutions/")
def test_installed_grader_gives_every_solution_full_marks(installed, tmp_path):
    sub = tmp_path / "submitted"
    sub.mkdir()
    topics = sorted(p.name[: -len("_solution.ipynb")] for p in SOLUTIONS.glob("*_solution.ipynb"))
    for topic in topics:
        shutil.copy(SOLUTIONS / f"{topic}_solution.ipynb", sub / f"{topic}.ipynb")
    out = _run([installed / "bpkit-grade", sub, "--solutions", SOLUTIONS, "--out", tmp_path / "grades",
                "--jobs", "2", "--seed", "20250901", "--quiet"], cwd=tmp_path, env=_env(installed), timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads((tmp_path / "grades" / "grades.json").read_text(encoding="utf-8"))
    got = {s["student"]: (s["points"], s["max"]) for s in doc["submissions"]}
    assert sorted(got) == topics
    for topic, (points, most) in got.items():
        assert most > 0 and points == most, (topic, points, most, out.stdout)
