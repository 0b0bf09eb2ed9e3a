"""Nothing to steal in a grading kernel, results that cannot be forged there, parts scored on their own.

* :func:`bpkit._grading.kernel_package.kernel_package`: the kernel's bpkit has
  no ``bpkit.checks`` (only a stand-in that says the checks are off) and the
  functions an exercise asks for have no body; unit-tested here, then attacked
  from a real submission's kernel in every way we know (aliases, reloads,
  reading the package's files, the checks' references, a forged grader helper,
  a worker thread, a lazy result, ctypes, SIGALRM);
* the part's key never enters the kernel;
* each part is scored on its own function: a wrong ``sigmoid`` does not cost a
  right ``sigmoid_prime`` that calls it (exercises 3, 6, 7 and 8 tried), and a
  later part's stand-in never reaches an earlier part.
"""
from __future__ import annotations

import copy
import json
import pickle
import pickletools
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from bpkit import checks
from bpkit._grading import kernel_package as kp
from bpkit._grading import sandbox

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="no solutions/ folder")
BOX, WHY_NOT = sandbox.probe("auto")
ALL_FORBIDDEN = sorted({str(n) for p in checks.PARTS.values() for n in p.forbidden})


# ------------------------------------------------------------- the kernel's package
def _run_with(folder, code):
    return subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": folder, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, cwd=folder, timeout=120)


def test_the_kernel_package_has_no_checks_and_no_answers():
    folder = kp.kernel_package(ALL_FORBIDDEN)
    pkg = Path(folder, "bpkit")
    assert not (pkg / "course").exists()
    assert sorted(p.name for p in (pkg / "checks").iterdir()) == ["__init__.py"]
    proc = _run_with(folder, """
import importlib, inspect, bpkit, bpkit.checks, bpkit.activations
assert bpkit.__file__.startswith(%r), bpkit.__file__
from bpkit._grading.watch import _walk
for name in %r:
    obj = _walk(name.split("."))
    required = [q for q in inspect.signature(obj).parameters.values()
                if q.default is q.empty and q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
    # a declared argument (bpkit._params.declare) is checked before the body runs and would refuse
    # None with its own TypeError: pass a value its declaration accepts, so the call reaches the body
    declared = getattr(obj, "__declared__", {})
    args = [declared[q.name].example() if q.name in declared else None for q in required]
    try:
        obj(*args)
    except RuntimeError as e:
        assert "not available while bpkit's grader runs this notebook" in str(e), (name, e)
    except TypeError as e:
        raise AssertionError(f"{name}: {e}")
    else:
        raise AssertionError(name + " still works")
fresh = importlib.reload(bpkit.activations)
try:
    fresh.sigmoid_prime(0.0)
except RuntimeError:
    pass
else:
    raise AssertionError("a reloaded module has the answer")
src = open(bpkit.activations.__file__).read()
assert "1.0 - s" not in src and "not available while" in src
print(bpkit.relu(0.5), bpkit.Network([2, 3, 1], seed=0).sizes)
try:
    bpkit.checks.PARTS
except AttributeError as e:
    print("no PARTS:", e)
""" % (folder, ALL_FORBIDDEN))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "0.5 [2, 3, 1]" in proc.stdout and "no PARTS" in proc.stdout


def test_stub_functions_keeps_signature_decorators_and_one_liners():
    src = ("import functools\n\n"
           "def keep(x):\n    return x\n\n"
           "@functools.lru_cache\ndef gone(x, *, y=2):\n    '''doc'''\n    return x + y\n\n"
           "def short(x): return x * 2\n\n"
           "class K:\n    def m(self, a):\n        return a\n")
    out = kp.stub_functions(src, {(6, "gone"): "mod.gone", (11, "short"): "mod.short", (14, "m"): "mod.K.m"})
    ns = {}
    exec(compile(out, "<t>", "exec"), ns)
    assert ns["keep"](3) == 3
    for call in (lambda: ns["gone"](1), lambda: ns["short"](1), lambda: ns["K"]().m(1)):
        with pytest.raises(RuntimeError, match="not available while bpkit's grader"):
            call()
    with pytest.raises(ValueError, match="could not find"):
        kp.stub_functions(src, {(99, "nope"): "mod.nope"})


def test_no_secret_case_needs_the_checks_to_be_unpickled():
    # the cases cross into a kernel that has no bpkit.checks: nothing in them may name it
    import numpy as np

    for part in checks.PARTS.values():
        blob = pickle.dumps(list(part.make_cases(np.random.default_rng(0))))
        modules = {arg.split(" ")[0] if isinstance(arg, str) else "" for op, arg, _ in pickletools.genops(blob)
                   if op.name in ("GLOBAL", "SHORT_BINUNICODE", "BINUNICODE", "UNICODE")}
        assert not any(m.startswith("bpkit.checks") for m in modules), (part.key, sorted(modules))


# -------------------------------------------------------------- real submissions
def _submission(notebook, replace, tmp_path, student):
    """The solution of ``notebook`` with the code cells in ``replace`` (grade_id -> source) swapped."""
    nb = nbformat.read(str(SOLUTIONS / f"{notebook}_solution.ipynb"), as_version=4)
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in replace:
            cell.source = replace[gid]
    folder = tmp_path / "submitted" / student
    folder.mkdir(parents=True)
    path = folder / f"{notebook}.ipynb"
    nbformat.write(nb, str(path))
    return path


def _grade(tmp_path):
    """Grade ``tmp_path/submitted`` as an instructor would (in the sandbox where there is one)."""
    sandbox_mode = "auto" if BOX is not None else "off"
    out = tmp_path / "grades"
    proc = subprocess.run(
        [sys.executable, "-m", "bpkit.grade", str(tmp_path / "submitted"), "--solutions", str(SOLUTIONS),
         "--out", str(out), "--jobs", "2", "--timeout", "10", "--seed", "7", "--quiet", "--sandbox", sandbox_mode],
        capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((out / "grades.json").read_text())
    return {(r["student"], p["part"]): p for r in doc["submissions"] for p in r["parts"]}, doc


PRIME = "def sigmoid_prime(z):\n{body}\n"
WRONG_SIGMOID = "def sigmoid(z):\n    return np.asarray(z, dtype=float) * 0.5\n"

# each: part2 source of exercise 3 trying to get the answer; the part must earn nothing
STEAL = {
    "checks_reference": PRIME.format(body=(
        "    from bpkit.checks import PARTS\n    return PARTS['03.2'].reference(z)")),
    "checks_private": PRIME.format(body=(
        "    from bpkit.checks.ex03 import sigmoid_prime as ref\n    return ref(z)")),
    "public_alias": "from bpkit.activations import ACTIVATIONS\n" + PRIME.format(body=(
        "    return ACTIVATIONS['sigmoid'].prime(z)")),
    "reloaded": PRIME.format(body=(
        "    import importlib, bpkit.activations\n    return importlib.reload(bpkit.activations).sigmoid_prime(z)")),
    # every bpkit folder on sys.path, read from disk and run
    "package_files": PRIME.format(body=(
        "    import os, sys\n"
        "    for d in sys.path:\n"
        "        f = os.path.join(d or '.', 'bpkit', 'activations.py')\n"
        "        if os.path.exists(f):\n"
        "            ns = {'__name__': 'x'}\n"
        "            try:\n"
        "                exec(open(f).read().replace('from .', 'from bpkit.'), ns)\n"
        "                return ns['sigmoid_prime'](z)\n"
        "            except Exception:\n"
        "                continue\n"
        "    return np.zeros(np.shape(z))")),
    # a worker thread started before the call, asked to compute the answer
    "worker_thread": (
        "import queue, threading\n_q, _a = queue.Queue(), queue.Queue()\n"
        "def _work():\n    while True:\n        z = _q.get()\n"
        "        try:\n            _a.put(bpkit.sigmoid_prime(z))\n        except Exception as e:\n            _a.put(e)\n"
        "threading.Thread(target=_work, daemon=True).start()\n"
        + PRIME.format(body="    _q.put(z)\n    r = _a.get()\n    if isinstance(r, Exception):\n        raise r\n    return r")),
    # a result that computes itself only when the grader turns it into an array
    "lazy_result": (
        "class _Lazy:\n    def __init__(self, z):\n        self.z = z\n"
        "    def __array__(self, dtype=None, copy=None):\n        return np.asarray(bpkit.sigmoid_prime(self.z))\n"
        + PRIME.format(body="    return _Lazy(z)")),
    # the grader's helper replaced by one that computes the answer itself and writes a perfect report
    "forged_helper": (
        "import sys\n"
        "for _k in [k for k in sys.modules if k.startswith('_bpkit_grader')]:\n"
        "    _real = sys.modules[_k].run_part\n"
        "    def _forged(key, fname, ns, folder=None, _real=_real, **kw):\n"
        "        ns = dict(ns)\n"
        "        ns[fname] = lambda z: bpkit.sigmoid_prime(z)\n"
        "        sys.setprofile(None)\n"
        "        return _real(key, fname, ns, folder, **kw)\n"
        "    sys.modules[_k].run_part = _forged\n"
        + PRIME.format(body="    return sigmoid(z)")),
}
TAMPER = {
    "ctypes_hook_off": PRIME.format(body=(
        "    import ctypes\n    ctypes.pythonapi.PyEval_SetProfile(None, None)\n"
        "    s = sigmoid(z)\n    return s * (1 - s)")),
    "alarm_ignored": PRIME.format(body=(
        "    import signal\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    s = sigmoid(z)\n    return s * (1 - s)")),
}


@pytest.fixture(scope="module")
def attacks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacks")
    for name, src in {**STEAL, **TAMPER}.items():
        _submission("03_sigmoid_derivative", {"part2_code": src}, tmp, name)
    return _grade(tmp)


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(STEAL))
def test_the_answer_cannot_be_reached_from_the_kernel(attacks, student):
    got, _ = attacks
    assert got[(student, "03.1")]["points"] == 2, got[(student, "03.1")]
    part = got[(student, "03.2")]
    assert part["points"] == 0, part
    msg = part["message"]
    assert not msg.startswith(("internal", "grader error")), msg
    if student == "package_files" and BOX is None:
        return  # without a sandbox the grader's own files are readable: the message may be anything
    if student not in ("forged_helper", "package_files"):  # these fall back to a wrong answer
        assert any(s in msg for s in ("not available while bpkit's grader", "calls bpkit.", "No module named",
                                      "cannot import name", "cannot be checked")), msg


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(TAMPER))
def test_switching_the_grader_off_is_seen(attacks, student):
    got, _ = attacks
    part = got[(student, "03.2")]
    assert part["points"] == 0, part
    assert "while it is graded" in part["message"] and "switches off the grader's checks" in part["message"], part


@pytest.mark.slow
def test_the_part_key_never_enters_the_kernel(tmp_path):
    spy = ("import json, sys\n"
           "def sigmoid_prime(z):\n"
           "    f = sys._getframe(1)\n"
           "    seen = []\n"
           "    while f is not None:\n"
           "        seen.append(repr(f.f_locals)[:20000])\n"
           "        f = f.f_back\n"
           "    seen.append(repr(sys.modules.keys()))\n"
           "    if any('03.2' in s or '03_2' in s for s in seen):\n"
           "        raise RuntimeError('KEY SEEN')\n"
           "    s = sigmoid(z)\n"
           "    return s * (1 - s)\n")
    _submission("03_sigmoid_derivative", {"part2_code": spy}, tmp_path, "spy")
    got, _ = _grade(tmp_path)
    assert got[("spy", "03.2")]["points"] == 2, got[("spy", "03.2")]


# ------------------------------------------------------------ parts on their own
INDEPENDENT = {
    # (notebook, {grade_id: source}, part that must keep full marks, part that must lose them)
    "ex03_wrong_sigmoid": ("03_sigmoid_derivative", {"part1_code": WRONG_SIGMOID}, "03.2", "03.1"),
    "ex06_wrong_batches": ("06_sgd", {"part1_code": (
        "def make_batches(n, batch_size, seed):\n    return [np.arange(n)]\n")}, "06.2", "06.1"),
    "ex07_wrong_numgrad": ("07_gradient_checking", {"part1_code": (
        "def numerical_gradient(f, theta, eps=1e-5):\n    return np.zeros_like(np.asarray(theta, dtype=float))\n"
    )}, "07.3", "07.1"),
    "ex08_wrong_init": ("08_deep_networks", {"part1_code": (
        "def init_weights(sizes, seed, scheme):\n"
        "    return [np.zeros((a, b)) for a, b in zip(sizes[:-1], sizes[1:])], "
        "[np.zeros(b) for b in sizes[1:]]\n")}, "08.3", "08.1"),
}


@pytest.mark.slow
def test_each_part_is_scored_on_its_own_function(tmp_path):
    for student, (notebook, replace, _, _) in INDEPENDENT.items():
        _submission(notebook, replace, tmp_path, student)
    got, _ = _grade(tmp_path)
    for student, (notebook, _, keeps, loses) in INDEPENDENT.items():
        assert got[(student, loses)]["points"] == 0, (student, got[(student, loses)])
        kept = got[(student, keeps)]
        assert kept["points"] == kept["max"], (student, kept)


@pytest.mark.slow
def test_a_stand_in_never_reaches_an_earlier_part(tmp_path):
    # part 2's test cell dragged above part 1's cells: part 2 is graded first, and part 1 gets no stand-in
    nb = nbformat.read(str(SOLUTIONS / "03_sigmoid_derivative_solution.ipynb"), as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    cells = list(nb.cells)
    moved = cells.pop(ids.index("part2_tests"))
    cells.insert(ids.index("part1_code"), moved)
    for c in cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == "part1_code":
            c.source = WRONG_SIGMOID
    nb.cells = cells
    folder = tmp_path / "submitted" / "dragged"
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / "03_sigmoid_derivative.ipynb"))
    got, _ = _grade(tmp_path)
    assert got[("dragged", "03.1")]["points"] == 0, got[("dragged", "03.1")]


# ------------------------------------------------ every exercise: the references are out of reach
def _steal_all(notebook):
    """Every part's function of ``notebook`` replaced by one that asks bpkit.checks for the reference."""
    replace = {}
    for part in checks.parts_for(notebook):
        replace[part.grade_id.replace("_tests", "_code")] = (
            f"def {part.function}(*args, **kwargs):\n"
            "    import bpkit.checks\n"
            f"    return bpkit.checks.PARTS[{part.key!r}].reference(*args, **kwargs)\n")
    return replace


@pytest.mark.slow
def test_no_exercise_lets_a_kernel_use_the_checks_references(tmp_path):
    for notebook in checks.NOTEBOOKS:
        _submission(notebook, _steal_all(notebook), tmp_path, f"thief_{notebook[:2]}")
    got, doc = _grade(tmp_path)
    assert len(doc["submissions"]) == len(checks.NOTEBOOKS)
    for notebook in checks.NOTEBOOKS:
        for part in checks.parts_for(notebook):
            res = got[(f"thief_{notebook[:2]}", part.key)]
            assert res["points"] == 0, res
            assert "bpkit.checks.PARTS is not available while bpkit's grader runs" in res["message"], res
