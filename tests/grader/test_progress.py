"""A learner's progress: their workspace's exercises graded, shown part by part, and left untouched."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from bpkit import checks
from bpkit._grading import progress as pg
from bpkit._grading.records import PartResult, Status, SubmissionResult

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import submissions as subs  # noqa: E402

# exercise 2, part 1 with sigma(z) where sigma'(z) belongs; exercise 3 part 2 with the same mistake
DC_DW_SIGMA = '''def dC_dw(w, a_in, b, y):
    z = w * a_in + b
    a = bpkit.sigmoid(z)
    return float((a - y) * a * a_in)
'''


def _set_code(path, sources):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in sources:
            cell.source = sources[gid]
    nbformat.write(nb, str(path))


def _snapshot(folder):
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def _workspace(tmp_path):
    ws = tmp_path / "workspace"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "bpkit.workspace", str(ws), "--course", str(ROOT)], check=True,
                   capture_output=True, env=env)
    ex = ws / "exercises"
    _set_code(ex / "02_chain_rule_exercise.ipynb", {"part1_code": DC_DW_SIGMA})
    _set_code(ex / "03_sigmoid_derivative_exercise.ipynb",
              {"part1_code": subs.SIGMOID, "part2_code": "def sigmoid_prime(z):\n    return sigmoid(z)\n"})
    return ws


@pytest.mark.slow
def test_progress_shows_done_mistaken_and_untouched_parts_and_changes_nothing(tmp_path):
    ws = _workspace(tmp_path)
    before = _snapshot(ws)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "bpkit.grade", "progress", str(ws), "--only", "02", "03", "01"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert out.returncode == 0, out.stderr
    assert _snapshot(ws) == before   # byte-identical files, same modification times, nothing added
    lines = {line.split()[0]: line for line in out.stdout.splitlines() if line.strip()[:3] in
             ("01.", "02.", "03.")}
    assert "✓ 2/2  done" in lines["03.1"]
    assert "✗ 0/2  sigma_for_sigma_prime: You returned sigma(z)" in lines["03.2"]
    assert "✗ 0/2  sigma_for_sigma_prime:" in lines["02.1"]
    for key in ("01.1", "01.2", "02.2", "02.3"):
        assert "· 0/" in lines[key] and "not started" in lines[key], lines[key]
    assert 'revisit lesson 3, "1. Deriving σ\'" (lessons/03_sigmoid_derivative.ipynb#cell-id=cell-02)' in out.stdout
    total = sum(len(checks.parts_for(nb)) for nb in ("01_cost", "02_chain_rule", "03_sigmoid_derivative"))
    assert f"1 of {total} parts done, 2 with a mistake to fix, {total - 3} not started." in out.stdout
    assert "  sigma_for_sigma_prime: 02_chain_rule, 03_sigmoid_derivative" in out.stdout


def test_finds_the_workspace_from_a_notebook_folder_inside_it(tmp_path):
    ws = tmp_path / "workspace"
    (ws / "exercises").mkdir(parents=True)
    (ws / pg.MANIFEST).write_text("{}")
    assert pg.find_workspace(ws / "exercises") == ws
    assert pg.find_workspace(tmp_path) == ws          # from the course folder: ./workspace
    assert pg.find_workspace(tmp_path / "exercises") is None or pg.find_workspace(tmp_path / "exercises") == ws
    (ws / "exercises" / "03_sigmoid_derivative_exercise.ipynb").write_text("{}")
    (ws / "exercises" / "03_sigmoid_derivative_exercise.course-update.ipynb").write_text("{}")
    (ws / "exercises" / "04_delta_accumulation_exercise.ipynb").write_text("{}")
    assert [p.name for p in pg.workspace_exercises(ws, only=["3"])] == ["03_sigmoid_derivative_exercise.ipynb"]


def test_the_table_of_records_without_grading():
    ok = PartResult("03.1", "sigmoid", 2, 2, "ok (5 cases)", Status.PASSED)
    stub = PartResult("03.2", "sigmoid_prime", 0, 2, "sigmoid_prime is not written yet", Status.FAILED,
                      diagnosis={"id": "*:not_written"})
    late = PartResult("04.1", "backprop_loop", 0, 4, "`backprop_loop` did not return within 20 s", Status.TIMEOUT)
    results = [SubmissionResult("me", "03.ipynb", "03_sigmoid_derivative", (ok, stub)),
               SubmissionResult("me", "04.ipynb", "04_delta_accumulation", (late,)),
               SubmissionResult("me", "05.ipynb", "?", (), "not a valid notebook (the file is empty)")]
    rows = pg.rows_of(results)
    assert [(r["part"], r["mark"]) for r in rows] == [("03.1", "✓"), ("03.2", "·"), ("04.1", "✗"), ("-", "✗")]
    assert rows[2]["what"].startswith("`backprop_loop` did not return") and rows[2]["revisit"].startswith("lesson 4")
    text = pg.format_progress(results)
    assert "1 of 4 parts done, 2 with a mistake to fix, 1 not started." in text
    assert "more than one exercise" not in text
