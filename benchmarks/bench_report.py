"""Time ``bpkit-grade report`` on 1,000 synthetic grade records.

The class is made as the report's test makes it (``tests/grader/planted_class.py``:
every student hands in all eight exercises, named mistakes planted from the
real diagnoses), written as a grades.json, and then timed in this process,
side by side in each repeat:

* ``read json`` -- ``json.loads`` of grades.json alone (the baseline: the
  least any report must do);
* ``load records`` -- grades.json read back as the grader's records;
* ``report`` -- ``write_class_report``: read, analyse, write report.html and report.csv;
* ``report + feedback`` -- the same and one feedback page per student.

Usage::

    python benchmarks/bench_report.py              # 1,000 submissions (125 students x 8 exercises)
    python benchmarks/bench_report.py --students 250 --repeats 5
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import paired_medians  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grader"))
import planted_class as pc  # noqa: E402

from bpkit._grading.class_report import load_grades, write_class_report  # noqa: E402
from bpkit.checks import NOTEBOOKS  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=125, help="students (each hands in every exercise)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        grades = Path(tmp, "grades")
        results = pc.make_class(args.students)
        jpath, _ = pc.write_class(grades, results)
        n = len(results)
        fns = {
            "read json": lambda: json.loads(jpath.read_text(encoding="utf-8")),
            "load records": lambda: load_grades(grades),
            "report": lambda: write_class_report(grades, Path(tmp, "out")),
            "report + feedback": lambda: write_class_report(grades, Path(tmp, "out_fb"), feedback=True),
        }
        t = paired_medians(fns, args.repeats)
        size = (Path(tmp, "out") / "report.html").stat().st_size
    base = t["read json"]
    print(f"{n} submissions ({args.students} students x {len(NOTEBOOKS)} exercises), "
          f"report.html {size / 1e6:.2f} MB; median of {args.repeats}")
    print(f"{'step':<20}{'seconds':>10}{'vs read json':>15}")
    for name, sec in t.items():
        print(f"{name:<20}{sec:>10.3f}{sec / base:>14.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
