"""The benchmark scripts still run against the current bpkit (they are not timed here).

Each script is run as a user would, in a subprocess from the repo root, with the
fewest repeats; the test checks that it prints every row it promises and that
the ratios it prints are numbers, so a renamed function or a changed signature
fails here, not the next time someone measures. The benchmarks time public
names only (``bpkit.sgd``, ``bpkit.backprop``, ...), so a change inside the
kernels cannot break them, and what they time is what a learner calls.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_benchmark(*args):
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def ratios(line):
    return [float(r) for r in re.findall(r"(\d+\.\d+)x", line)]


@pytest.mark.slow
def test_bench_backprop_runs():
    out = run_benchmark("benchmarks/bench_backprop.py", "--repeats", "1", "--m", "200")
    (line,) = [ln for ln in out.splitlines() if "ratio loop / vectorized" in ln]
    assert ratios(line)[0] > 1.0  # even at m = 200 the loop is slower


@pytest.mark.slow
def test_bench_sgd_runs():
    out = run_benchmark("benchmarks/bench_sgd.py", "--repeats", "1", "--epochs", "1")
    rows = {ln.split()[0]: ln for ln in out.splitlines()[2:]}
    assert set(rows) == {"10", "100", "full"}
    for row in rows.values():
        sgd_floor, target, unshuffled, sgd_plain = ratios(row)
        assert sgd_floor > 0.5 and unshuffled > 0.5 and sgd_plain > 0.5
        assert target in (1.6, 1.15, 1.1)


@pytest.mark.slow
def test_bench_step_runs():
    out = run_benchmark("benchmarks/bench_step.py", "--repeats", "1")
    rows = [ln.split() for ln in out.splitlines()[2:]]
    assert [r[0] for r in rows] == ["10", "100", "8000"]
    for r in rows:
        assert float(r[3].rstrip("x")) > 0.5  # sgd's time per step / the step's products


@pytest.mark.slow
def test_bench_report_runs():
    out = run_benchmark("benchmarks/bench_report.py", "--repeats", "1", "--submissions", "100")
    assert out.splitlines()[0].startswith("100 submissions")
    rows = {ln.rsplit(None, 2)[0]: ratios(ln) for ln in out.splitlines()[2:]}
    assert set(rows) == {"read json", "load records", "report", "report + feedback"}
    assert rows["read json"] == [1.0] and all(len(r) == 1 and r[0] > 0 for r in rows.values())


@pytest.mark.slow
def test_bench_autograd_runs():
    out = run_benchmark("benchmarks/bench_autograd.py", "--repeats", "3", "--batches", "10,100")
    rows = [ln for ln in out.splitlines() if ln.strip().startswith("batch")]
    assert len(rows) == 2, out  # one row per batch size, each with the engine's ratio to backprop
    assert all(ratios(r)[0] > 0 for r in rows)
