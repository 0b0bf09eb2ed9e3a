"""A generated class with named mistakes planted at known rates, as the grader's records.

Grading hundreds of notebooks takes minutes, so the class is made at the level
of the grader's records: each planted mistake's message and diagnosis come
from the real :func:`bpkit.checks.diagnose` (a part's own VARIANT mistakes
return exactly what the mistaken code returns; parts without one get
``returned None`` and an exception) and from the grader's own
:func:`bpkit._grading.lessons.diagnosis_record`. Who made what is a fixed plan
(:func:`plan`), so a test can count the truth without the report's code.

Used by ``tests/grader/test_class_report.py`` and ``benchmarks/bench_report.py``.
"""
from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np

from bpkit import checks
from bpkit._grading.lessons import diagnosis_record
from bpkit._grading.records import PartResult, Status, SubmissionResult
from bpkit._grading.reports import write_reports

PREFERRED = ("sigma_for_sigma_prime", "z_prime", "forgot_1/m", "wrong_sign")  # names that travel
SKIPPED = "skipped: bpkit-grade judges the part on its secret cases"
TIMEOUT_MSG = "`{fn}` did not return within 30 s and ignored the interrupt"
INVALID_MSG = "not a valid notebook (the file is empty)"


def _said(part, outputs, cases):
    with np.errstate(all="ignore"):
        said = checks.diagnose(part.key, cases, outputs)
    return said, diagnosis_record(checks.PARTS[part.key], said)


def planted_mistakes(seed=0):
    """``{part key: {"A": (message, record), "B": ..., "stub": ...}}``, each diagnosed back to itself."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, part in checks.PARTS.items():
        cases = part.make_cases(rng)
        found = []
        own = sorted((m for m in part.mistakes if m.kind is checks.Kind.VARIANT),
                     key=lambda m: (m.name not in PREFERRED, PREFERRED.index(m.name) if m.name in PREFERRED else 0))
        for mk in own:
            try:
                with np.errstate(all="ignore"):
                    outputs = [mk.test(*copy.deepcopy(args)) for args in cases]
            except Exception:
                continue
            said, record = _said(part, outputs, cases)
            if record and record["id"] == f"{key}:{mk.name}":
                found.append((str(said), record))
            if len(found) == 2:
                break
        for outputs in ([None] * len(cases), [ValueError("planted")] * len(cases)):
            if len(found) == 2:
                break
            said, record = _said(part, outputs, cases)
            found.append((str(said), record))
        stub = _said(part, [NotImplementedError()] * len(cases), cases)
        out[key] = {"A": found[0], "B": found[1], "stub": (str(stub[0]), stub[1])}
    return out


def plan(i, j):
    """What student ``i`` did in the ``j``-th part of an exercise: "A", "B", "stub", "timeout" or None (right)."""
    r = i % 16
    if r in (0, 1):
        return "A"
    if r == 2:
        return "B"
    if r == 3:
        return "stub"
    if r == 4 and j == 0:
        return "timeout"
    return None


INVALID = {(7, "01_cost")}   # (student index, notebook) whose file was unreadable


def student_name(i):
    return f"student{i:03d}"


def make_class(n_students=64, mistakes=None):
    """``[SubmissionResult]``: every student submits every exercise, parts as :func:`plan` says."""
    mistakes = mistakes or planted_mistakes()
    results = []
    for i in range(n_students):
        for nb in checks.NOTEBOOKS:
            parts = checks.parts_for(nb)
            path = f"submitted/{student_name(i)}/{nb}.ipynb"
            if (i, nb) in INVALID:
                rows = tuple(PartResult(p.key, p.function, 0, p.points, INVALID_MSG, Status.INVALID) for p in parts)
                results.append(SubmissionResult(student_name(i), path, nb, rows, INVALID_MSG, (), 0.1))
                continue
            rows = []
            for j, p in enumerate(parts):
                what = plan(i, j)
                if what is None:
                    rows.append(PartResult(p.key, p.function, p.points, p.points, "ok (5 cases)", Status.PASSED, SKIPPED))
                elif what == "timeout":
                    rows.append(PartResult(p.key, p.function, 0, p.points, TIMEOUT_MSG.format(fn=p.function),
                                           Status.TIMEOUT, SKIPPED))
                else:
                    message, record = mistakes[p.key][what]
                    rows.append(PartResult(p.key, p.function, 0, p.points, message, Status.FAILED, SKIPPED, record))
            results.append(SubmissionResult(student_name(i), path, nb, tuple(rows), None, (), 1.0))
    return results


def write_class(out_dir, results, seed=1234):
    """Write the class's grades.json / grades.csv into ``out_dir`` as a grading run would."""
    config = SimpleNamespace(seed=seed, timeout=30.0, solutions="solutions")
    return write_reports(results, out_dir, config)
