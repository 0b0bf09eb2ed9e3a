"""Time ``bpkit-grade report`` on 1,000 synthetic grade records.

The class is made as the report's test makes it (``tests/grader/planted_class.py``:
every student hands in all eight exercises, named mistakes planted from the
real diagnoses), written as a grades.json, and then timed in this process,
side by side in each repeat:

* ``read json`` -- ``json.loads`` of grades.json alone (the baseline: the
  least any report must do);
* ``load records`` -- grades.json read back as the grader's records;
* ``report`` -- ``bpkit-grade report``: read, analyse, write report.html and report.csv;
* ``report + feedback`` -- the same and one feedback page per student.

Usage::

    python benchmarks/bench_report.py              # 1,000 submissions
    python benchmarks/bench_report.py --submissions 5000 --repeats 5
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import paired_medians  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grader"))
import planted_class as pc  # noqa: E402

from bpkit.checks import NOTEBOOKS  # noqa: E402
from bpkit.grade import SubmissionResult  # noqa: E402
from bpkit.grade import main as grade_main  # noqa: E402


def load_records(jpath):
    doc = json.loads(jpath.read_text(encoding="utf-8"))
    return [SubmissionResult.from_json(s) for s in doc["submissions"]]


def report(grades, out, *more):
    """``bpkit-grade report GRADES --out OUT``, as the command runs it (its summary lines not shown)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert grade_main(["report", str(grades), "--out", str(out), *more]) == 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--submissions", type=int, default=1000, help="grade records (every student hands in "
                                                                      "every exercise; the last one fewer)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        grades = Path(tmp, "grades")
        per_student = len(NOTEBOOKS)
        results = pc.make_class(-(-args.submissions // per_student))[: args.submissions]
        jpath, _ = pc.write_class(grades, results)
        n = len(results)
        fns = {
            "read json": lambda: json.loads(jpath.read_text(encoding="utf-8")),
            "load records": lambda: load_records(jpath),
            "report": lambda: report(grades, Path(tmp, "out")),
            "report + feedback": lambda: report(grades, Path(tmp, "out_fb"), "--feedback"),
        }
        t = paired_medians(fns, args.repeats)
        size = (Path(tmp, "out") / "report.html").stat().st_size
    base = t["read json"]
    print(f"{n} submissions ({-(-n // per_student)} students, {per_student} exercises), "
          f"report.html {size / 1e6:.2f} MB; median of {args.repeats}")
    print(f"{'step':<20}{'seconds':>10}{'vs read json':>15}")
    for name, sec in t.items():
        print(f"{name:<20}{sec:>10.3f}{sec / base:>14.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
