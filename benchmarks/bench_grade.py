"""Time the grading command on a class of 50 generated submissions.

Each submission is one of the seven exercises (``exercises/``) where the
learner got through the first k parts (k drawn at random, seeded; later parts
build on earlier ones, as learners work in order): those solution cells are
filled in from ``solutions/``, the rest are left unwritten. They are laid out
as ``<folder>/<student>/<nb>.ipynb``.
Then ``python -m bpkit.grade <folder> --jobs N`` runs, as an instructor
would, and the total and per-submission wall times are printed, and the
points are checked against what was filled in.

Usage::

    python benchmarks/bench_grade.py            # 50 submissions, --jobs 2
    python benchmarks/bench_grade.py --n 20 --jobs 1
    python benchmarks/bench_grade.py --sandbox off   # kernels outside the sandbox only
    python benchmarks/bench_grade.py --no-baseline   # the sandboxed run alone

By default the class is graded twice in this process: first with
``--sandbox off`` (the baseline), then in the sandbox, and the ratio of the
two per-submission times is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def make_class(folder, n, seed=0):
    """Write ``n`` submissions; return ``{student: expected points}``."""
    from bpkit import checks

    rng = np.random.default_rng(seed)
    names = sorted(p.name[: -len("_solution.ipynb")] for p in (ROOT / "solutions").glob("*_solution.ipynb"))
    expected = {}
    for i in range(n):
        nb_name = names[i % len(names)]
        sol = nbformat.read(str(ROOT / "solutions" / f"{nb_name}_solution.ipynb"), as_version=4)
        ex = nbformat.read(str(ROOT / "exercises" / f"{nb_name}_exercise.ipynb"), as_version=4)
        answers = {_gid(c): c.source for c in sol.cells if _gid(c) and _gid(c).endswith("_code")}
        parts = checks.parts_for(nb_name)
        done = int(rng.integers(0, len(parts) + 1)) if rng.random() < 0.5 else len(parts)
        points = 0
        for part in parts[:done]:
            code_id = part.grade_id.replace("_tests", "_code")
            for cell in ex.cells:
                if _gid(cell) == code_id:
                    cell.source = answers[code_id]
            points += part.points
        student = f"student{i:02d}"
        path = Path(folder) / student / f"{nb_name}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(ex, str(path))
        expected[student] = points
    return expected


def grade_once(folder, expected, jobs, sandbox, tmp):
    """Run the grader once on ``folder``; print its times; return (seconds per submission, ok)."""
    out = Path(tmp) / f"grades-{sandbox}"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bpkit.grade", str(folder), "--jobs", str(jobs), "--out", str(out),
         "--solutions", str(ROOT / "solutions"), "--quiet", "--sandbox", sandbox],
        capture_output=True, text=True,
    )
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return None, False
    doc = json.loads((out / "grades.json").read_text())
    got = {r["student"]: r["points"] for r in doc["submissions"]}
    wrong = {s: (got.get(s), e) for s, e in expected.items() if got.get(s) != e}
    each = [r["seconds"] for r in doc["submissions"]]
    sandboxed = "no sandbox" not in proc.stderr and sandbox != "off"
    print(f"--sandbox {sandbox}: graded {len(got)} submissions with --jobs {jobs} on {os.cpu_count()} cores, "
          f"{'in the bubblewrap sandbox' if sandboxed else 'without a sandbox'}")
    print(f"  total wall time      {total:7.1f} s")
    print(f"  per submission       {total / len(got):7.2f} s (wall time / count)")
    print(f"  one submission alone {np.median(each):7.2f} s median, {max(each):.2f} s max (inside a worker)")
    print(f"  points as expected   {len(got) - len(wrong)}/{len(got)}")
    if wrong:
        print(f"unexpected: {wrong}", file=sys.stderr)
    return total / len(got), not wrong


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50, help="number of submissions (default 50)")
    ap.add_argument("--jobs", type=int, default=2, help="--jobs for the grader (default 2)")
    ap.add_argument("--sandbox", default="auto", choices=("auto", "required", "off"),
                    help="--sandbox for the grader (default auto: bubblewrap where it works)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the baseline run with --sandbox off (by default it runs first, and the "
                         "ratio sandbox / baseline is printed)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submitted"
        expected = make_class(folder, args.n)
        base = None
        if not args.no_baseline and args.sandbox != "off":
            base, ok = grade_once(folder, expected, args.jobs, "off", tmp)
            if not ok:
                return 1
        each, ok = grade_once(folder, expected, args.jobs, args.sandbox, tmp)
        if not ok:
            return 1
        if base:
            print(f"ratio --sandbox {args.sandbox} / --sandbox off: {each / base:.2f}x per submission")
    return 0


if __name__ == "__main__":
    sys.exit(main())
