"""The test tiers and the two workers of tests/conftest.py: the names they list exist, the groups hold.

* every ``file.py::test`` in :data:`conftest.SLOW_TESTS` names a test function that is defined in
  exactly one file of tests/ (a renamed or deleted test would otherwise drop out of the slow tier
  silently, and its replacement run in the fast one);
* every file of :data:`conftest.NOTEBOOK_FILES` exists;
* :func:`conftest.share_groups`: the tests of one module fixture share a group, a notebook's cells
  share one, the browser tests share one, and a test that shares nothing is left free for either
  worker (on stand-in items, and on a real collection in the slow tier).
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import importlib.util

import pytest

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def _load_conftest():
    # by its path: in a whole run, the name `conftest` may be another folder's (tests/browser/conftest.py)
    spec = importlib.util.spec_from_file_location("bpkit_tests_conftest", TESTS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conftest = _load_conftest()


def _test_files():
    files = {}
    for path in TESTS.rglob("test_*.py"):
        files.setdefault(path.name, []).append(path)
    return files


def _defined_tests(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")}


def test_every_slow_test_named_in_conftest_exists():
    files = _test_files()
    missing = []
    for entry in sorted(conftest.SLOW_TESTS):
        name, _, test = entry.partition("::")
        paths = files.get(name, [])
        if len(paths) != 1:
            missing.append(f"{entry}: {len(paths)} files named {name} under tests/")
        elif test not in _defined_tests(paths[0]):
            missing.append(f"{entry}: no test function {test} in {paths[0].relative_to(ROOT)}")
    assert missing == [], "tests/conftest.py SLOW_TESTS names tests that are gone:\n" + "\n".join(missing)


def test_every_notebook_file_named_in_conftest_exists():
    files = _test_files()
    assert [name for name in sorted(conftest.NOTEBOOK_FILES) if len(files.get(name, [])) != 1] == []


def test_the_existence_check_sees_a_wrong_name():
    path = TESTS / "grader" / "test_grade_sandbox.py"
    assert "test_one_run_equals_three_shards_merged" in _defined_tests(path)
    assert "test_one_run_equals_two_shards_merged" not in _defined_tests(path)


class _Def:
    def __init__(self, scope, module="conftest"):
        self.scope = scope
        self.func = type("f", (), {"__module__": module})()


class _Item:
    """What share_groups reads of a pytest item: its path, its marks and its fixtures' definitions."""

    def __init__(self, path, fixtures=(), marks=()):
        self.path = Path(path)
        self.marks = set(marks)
        self._fixtureinfo = type("info", (), {"name2fixturedefs": {n: [d] for n, d in fixtures}})()

    def get_closest_marker(self, name):
        return name if name in self.marks else None


def test_share_groups_joins_what_is_shared_and_frees_the_rest():
    batch, other = ("bad_batch", _Def("module")), ("reference_batch", _Def("module"))
    a = _Item("tests/grader/test_a.py", [batch])
    b = _Item("tests/grader/test_a.py", [batch, ("tmp_path", _Def("function"))])
    c = _Item("tests/grader/test_a.py", [batch, other])      # pulls reference_batch's tests in
    d = _Item("tests/grader/test_a.py", [other])
    e = _Item("tests/grader/test_b.py", [("bad_batch", _Def("module"))])  # same name, another module
    free = _Item("tests/grader/test_a.py", [("tmp_path_factory", _Def("session", "_pytest.tmpdir"))])
    cells = [_Item("lessons/03_x.ipynb"), _Item("lessons/03_x.ipynb")]
    browser = [_Item("tests/browser/test_lab.py", [("lab_server", _Def("session"))], ["browser"]),
               _Item("tests/grader/test_c.py", [], ["browser"])]
    digits = [_Item("tests/feedback/test_x.py", [("digit_trainings", _Def("session"))]),
              _Item("tests/feedback/test_y.py", [("digit_trainings", _Def("session"))])]
    groups = conftest.share_groups([a, b, c, d, e, free, *cells, *browser, *digits])
    assert groups[a] == groups[b] == groups[c] == groups[d] == "test_a.py"
    assert groups[e] == "test_b.py"
    assert free not in groups
    assert groups[cells[0]] == groups[cells[1]] == "03_x.ipynb"
    assert groups[browser[0]] == groups[browser[1]] == "browser"
    assert groups[digits[0]] == groups[digits[1]]


_SHOW_GROUPS = '''
import json

def pytest_collection_finish(session):
    groups = {}
    for item in session.items:
        mark = item.get_closest_marker("xdist_group")
        groups[item.nodeid] = mark.args[0] if mark else None
    print("GROUPS " + json.dumps(groups))
'''


@pytest.mark.slow
def test_a_real_collection_carries_the_groups(tmp_path):
    """The hook marks real items (a module fixture's tests, a lesson's cells) before xdist reads them."""
    (tmp_path / "show_groups.py").write_text(_SHOW_GROUPS)
    files = ["tests/grader/test_grade.py", "lessons/03_sigmoid_derivative.ipynb"]
    proc = subprocess.run([sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", "-p", "show_groups",
                           "--nbval-lax", "--nbval-current-env", *files],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)})
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("GROUPS ")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    groups = json.loads(line[len("GROUPS "):])

    def of(prefix):
        return {g for node, g in groups.items() if node.startswith(prefix)}

    # the bad batch (a module fixture) is graded once: all its tests on one worker
    bad = of("tests/grader/test_grade.py::test_bad_submission_gets_expected_points_and_message")
    assert len(bad) == 1 and None not in bad
    assert of("tests/grader/test_grade.py::test_wrong_answers_get_the_diagnosis_of_the_checks") == bad
    # a test that shares nothing goes to whichever worker is free
    assert of("tests/grader/test_grade.py::test_codec_limits_and_errors") == {None}
    # a lesson's cells run in one kernel, in order
    assert of("lessons/03_sigmoid_derivative.ipynb") == {"03_sigmoid_derivative.ipynb"}


def test_ungrouped_names_grouped_tests_whose_node_id_lost_the_group():
    class Node:
        def __init__(self, nodeid, grouped):
            self.nodeid, self.grouped = nodeid, grouped

        def get_closest_marker(self, name):
            return name if self.grouped else None

    items = [Node("t.py::a@g", True), Node("t.py::b", True), Node("t.py::c[x@y]", True), Node("t.py::d", False),
             Node("t.py::e[x@y]@g", True)]
    assert conftest.ungrouped(items) == ["t.py::b", "t.py::c[x@y]"]


_GROUPED_TESTS = '''
import os, pytest

@pytest.fixture(scope="module")
def shared():
    return object()

@pytest.mark.parametrize("i", range(4))
def test_uses_the_module_fixture(shared, i, record):
    record("shared")

@pytest.mark.parametrize("i", range(4))
def test_free(i, record):
    record("free")
'''

_GROUPED_CONFTEST = '''
import importlib.util, os, pytest
spec = importlib.util.spec_from_file_location("bpkit_tests_conftest_copy", {path!r})
_ours = importlib.util.module_from_spec(spec)
spec.loader.exec_module(_ours)
pytest_collection_modifyitems = _ours.pytest_collection_modifyitems  # keeps its tryfirst mark
pytest_collection_finish = _ours.pytest_collection_finish

@pytest.fixture
def record(request):
    def write(kind):
        with open(os.path.join({out!r}, request.node.name), "w") as f:
            f.write(kind + " " + os.environ.get("PYTEST_XDIST_WORKER", "main"))
    return write
'''


@pytest.mark.slow
def test_two_workers_keep_a_group_on_one_worker(tmp_path):
    """End to end under pytest-xdist: the tests of one module fixture run on one worker. With a pytest
    whose node ids ignore xdist's group suffix (pytest-xdist issue 1386) the run stops with the reason."""
    pytest.importorskip("xdist")
    suite, out = tmp_path / "suite", tmp_path / "out"
    suite.mkdir()
    out.mkdir()
    (suite / "conftest.py").write_text(_GROUPED_CONFTEST.format(path=str(TESTS / "conftest.py"), out=str(out)))
    (suite / "test_grouped.py").write_text(_GROUPED_TESTS)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist",
                           "loadgroup", str(suite)], cwd=str(suite), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    ran = {p.name: p.read_text().split() for p in out.iterdir()}
    assert len(ran) == 8
    shared = {worker for kind, worker in ran.values() if kind == "shared"}
    assert len(shared) == 1, ran
