"""Bad (and good) submissions of exercise 03, made from the real exercise notebook.

Each submission starts from ``exercises/03_sigmoid_derivative_exercise.ipynb``
(what a learner receives), fills in the two solution cells and then changes
what a learner (or a cheater) might change. :data:`EXPECTED` says what the
grader must give each one: ``{student: {part: (points, message fragment)}}``
plus ``notes`` and ``error`` fragments where they matter.

Used by ``tests/grader/test_grade.py`` and ``benchmarks/bench_grade.py``.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from bpkit import checks

NOTEBOOK = "03_sigmoid_derivative"

SIGMOID = '''def sigmoid(z):
    """sigma(z), elementwise, without overflow."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''

SIGMOID_NAIVE = '''def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
'''

PRIME = '''def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)
'''


def _prime(body, name="sigmoid_prime", pre=""):
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"{pre}def {name}(z):\n{lines}\n"


# student -> dict(part1=..., part2=..., extra=[(after grade_id, source)], drop=[grade_id],
#                 edit={grade_id: source}, raw=bytes)
SUBMISSIONS = {
    "correct": {},
    "raises": {"part2": _prime('raise ValueError("oops, not yet")')},
    "returns_none": {"part2": _prime("s = sigmoid(z)\ns * (1 - s)")},
    "sigma_for_prime": {"part2": _prime("return sigmoid(z)")},
    "z_for_a": {"part2": _prime("z = np.asarray(z, dtype=float)\nreturn z * (1 - z)")},
    "hard_coded": {"part2": _prime("return np.full(np.shape(z), 0.25)")},
    "summed": {"part2": _prime("s = sigmoid(z)\nreturn np.sum(s * (1 - s))")},
    "naive_sigmoid": {"part1": SIGMOID_NAIVE},
    "loops": {"part2": _prime("while True:\n    pass")},
    "stubborn_loop": {"part2": _prime(
        "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except BaseException:\n        pass"
    )},
    "exits_kernel": {"part2": _prime("import os\nos._exit(3)")},
    "definition_loops": {"part2": "while True:\n    pass\n\n" + PRIME},
    "renamed": {"part2": PRIME.replace("def sigmoid_prime", "def sigmoid_derivative")},
    "deleted_cells": {"drop": ["part2_tests", "part2_check", "part1_tests", "part2_prompt"]},
    "edited_tests": {
        "part2": _prime("return sigmoid(z)"),
        "edit": {"part2_tests": "pass  # all good!\n", "part1_tests": "assert True\n"},
    },
    "calls_reference": {"part2": _prime("return bpkit.sigmoid_prime(z)")},
    "alias_reference": {"part2": _prime(
        'return ACTIVATIONS["sigmoid"].prime(z)', pre="from bpkit.activations import ACTIVATIONS\n\n"
    )},
    "assigns_reference": {"part2": "from bpkit.activations import sigmoid_prime\n"},
    "reloaded_reference": {"part2": _prime(
        "return fresh.sigmoid_prime(z)",
        pre="import importlib\nimport bpkit.activations\nfresh = importlib.reload(bpkit.activations)\n\n",
    )},
    "disables_tripwire": {"part2": _prime("import sys\nsys.setprofile(None)\nreturn bpkit.sigmoid_prime(z)")},
    "tampers_checks": {
        "part2": _prime("return sigmoid(z)"),
        "extra": [("part2_code", (
            "import bpkit.checks\n"
            "bpkit.checks.diagnose = lambda *a, **k: None\n"
            "bpkit.checks.run = lambda *a, **k: None\n"
            "bpkit.checks.check = lambda *a, **k: True\n"
            "np.allclose = lambda *a, **k: True\n"
            "np.isclose = lambda *a, **k: True\n"
            "np.all = lambda *a, **k: True\n"
        ))],
    },
    "removes_grader": {"extra": [("part1_code", (
        "import sys\n"
        "for _k in [k for k in sys.modules if k.startswith('_bpkit_grader')]:\n"
        "    del sys.modules[_k]\n"
    ))]},
    "prints_50mb": {"extra": [("part1_code", 'print("x" * 50_000_000)\n')],
                    "part2": _prime('print("y" * 1_000_000)\ns = sigmoid(z)\nreturn s * (1 - s)')},
    "stderr_in_tests": {"part2": _prime(
        'import sys\nprint("debug", file=sys.stderr)\ns = sigmoid(z)\nreturn s * (1 - s)'
    )},
    "extra_cells_ok": {"extra": [("part1_code", "x = sigmoid(np.array([0.0, 1.0]))\nprint(x)\n"),
                                 ("part2_tests", "import math\nraise RuntimeError('scratch cell fails')\n")]},
    "invalid_json": {"raw": "truncate"},
    "empty_file": {"raw": b""},
    "not_a_notebook": {"raw": b'{"cells": 3, "nbformat": 4}'},
}

# (points, message fragment) per part; None = any message
OK = (2, "ok (")
EXPECTED = {
    "correct": {"03.1": OK, "03.2": OK},
    "raises": {"03.1": OK, "03.2": (0, "ValueError: oops, not yet")},
    "returns_none": {"03.1": OK, "03.2": (0, "returned None")},
    "sigma_for_prime": {"03.1": OK, "03.2": (0, None)},
    "z_for_a": {"03.1": OK, "03.2": (0, None)},
    "hard_coded": {"03.1": OK, "03.2": (0, None)},
    "summed": {"03.1": OK, "03.2": (0, "shape")},
    "naive_sigmoid": {"03.1": (0, "overflow"), "03.2": OK},
    "loops": {"03.1": OK, "03.2": (0, "did not return within")},
    "stubborn_loop": {"03.1": OK, "03.2": (0, "the kernel stopped responding")},
    "exits_kernel": {"03.1": OK, "03.2": (0, "the kernel died")},
    "definition_loops": {"03.1": OK, "03.2": (0, "the cell defining `sigmoid_prime` did not finish")},
    "renamed": {"03.1": OK, "03.2": (0, "function `sigmoid_prime` not found: did you rename it? "
                                        "(the notebook defines: sigmoid_derivative)")},
    "deleted_cells": {"03.1": OK, "03.2": OK},
    "edited_tests": {"03.1": OK, "03.2": (0, None)},
    "calls_reference": {"03.1": OK, "03.2": (0, "calls bpkit.sigmoid_prime, the function this part asks you to write")},
    "alias_reference": {"03.1": OK, "03.2": (0, "calls bpkit.sigmoid_prime, the function")},
    "assigns_reference": {"03.1": OK, "03.2": (0, "calls bpkit.sigmoid_prime, the function")},
    "reloaded_reference": {"03.1": OK, "03.2": (0, "calls bpkit.sigmoid_prime, the function")},
    "disables_tripwire": {"03.1": OK, "03.2": (0, "calls sys.setprofile while it is graded")},
    "tampers_checks": {"03.1": OK, "03.2": (0, None)},
    "removes_grader": {"03.1": (0, "the grader could not run this part"),
                       "03.2": (0, "the grader could not run this part")},
    "prints_50mb": {"03.1": OK, "03.2": OK},
    "stderr_in_tests": {"03.1": OK, "03.2": OK},  # bpkit-grade runs no test cell: debug output costs nothing
    "extra_cells_ok": {"03.1": OK, "03.2": OK},
    "invalid_json": {"03.1": (0, "not a valid notebook (JSON error at line"),
                     "03.2": (0, "not a valid notebook (JSON error at line")},
    "empty_file": {"03.1": (0, "not a valid notebook (the file is empty)"),
                   "03.2": (0, "not a valid notebook (the file is empty)")},
    "not_a_notebook": {"03.1": (0, "not a valid notebook (no list of cells"),
                       "03.2": (0, "not a valid notebook (no list of cells")},
}

# The parts after the two this suite varies (a prediction and a transfer part, issue 21) hold the answer key's
# code in every submission: full points, unless what goes wrong stops the whole notebook (computed from PARTS).
LATER_PARTS = [p for p in checks.parts_for(NOTEBOOK) if p.key not in ("03.1", "03.2")]
_WHOLE_NOTEBOOK = {"removes_grader", "invalid_json", "empty_file", "not_a_notebook"}
for _student, _parts in EXPECTED.items():
    for _p in LATER_PARTS:
        _parts[_p.key] = _parts["03.1"] if _student in _WHOLE_NOTEBOOK else (_p.points, "ok (")

NOTES = {
    "deleted_cells": ["restored deleted cell part2_tests", "restored deleted cell part1_tests"],
    "edited_tests": ["restored edited cell part2_tests", "restored edited cell part1_tests"],
}


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def model_code():
    """``{grade_id: source}`` of the answer key's solution cells after part 2 (markers dropped)."""
    key = nbformat.read(str(Path(__file__).resolve().parents[2] / "solutions" / f"{NOTEBOOK}_solution.ipynb"),
                        as_version=4)
    return {_gid(c): "\n".join(line for line in c.source.splitlines() if "### " not in line) + "\n"
            for c in key.cells if c.metadata.get("nbgrader", {}).get("solution")
            and _gid(c) not in ("part1_code", "part2_code")}


def make_notebook(exercise, spec):
    """The submitted notebook for one spec (a NotebookNode), or None for raw-bytes specs."""
    nb = copy.deepcopy(exercise)
    code = {**model_code(), "part1_code": spec.get("part1", SIGMOID), "part2_code": spec.get("part2", PRIME)}
    for cell in nb.cells:
        gid = _gid(cell)
        if gid in code:
            cell.source = code[gid]
        if gid in spec.get("edit", {}):
            cell.source = spec["edit"][gid]
    nb.cells = [c for c in nb.cells if _gid(c) not in spec.get("drop", [])]
    for after, source in spec.get("extra", []):
        pos = next(i for i, c in enumerate(nb.cells) if _gid(c) == after)
        nb.cells.insert(pos + 1, nbformat.v4.new_code_cell(source))
    return nb


def write_submissions(exercises_dir, out_dir, names=None, layout="folders"):
    """Write the submissions into ``out_dir``; return ``{student: path}``.

    ``layout="folders"`` writes ``out_dir/<student>/03_sigmoid_derivative.ipynb``
    (the grader takes the folder name as the student); ``"flat"`` writes
    ``out_dir/<student>_03_sigmoid_derivative.ipynb`` (the student is the file stem).
    """
    exercise = nbformat.read(str(Path(exercises_dir) / f"{NOTEBOOK}_exercise.ipynb"), as_version=4)
    out_dir = Path(out_dir)
    paths = {}
    for student, spec in SUBMISSIONS.items():
        if names is not None and student not in names:
            continue
        if layout == "folders":
            path = out_dir / student / f"{NOTEBOOK}.ipynb"
        else:
            path = out_dir / f"{student}_{NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = spec.get("raw")
        if raw is None:
            nbformat.write(make_notebook(exercise, spec), str(path))
        elif raw == "truncate":
            text = json.dumps(nbformat.v4.new_notebook(cells=make_notebook(exercise, {}).cells), indent=1)
            path.write_text(text[: len(text) // 2])
        else:
            path.write_bytes(raw)
        paths[student] = path
    return paths
