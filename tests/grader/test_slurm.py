"""Sharded grading on a real scheduler: the instructor guide's Slurm recipe, run as written.

A one-node Slurm (``slurm_cluster.py``) is started in a temporary folder; the
two recipe blocks of docs/INSTRUCTORS.md ("On Slurm: an array job, then the
merge") are read from the guide, the job script saved and the submit block run
by bash over a class of submissions; the test waits until every job has left
the queue, then checks that the merged grades equal one ``bpkit-grade`` run
over the whole folder. Skipped, with the reason, where Slurm is not installed
or cannot start (``BPKIT_REQUIRE_SLURM=1``, set by ``.ci/run`` once it has
installed Slurm, turns that skip into a failure).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "INSTRUCTORS.md"
sys.path.insert(0, str(Path(__file__).resolve().parent))
import slurm_cluster as sc  # noqa: E402
import submissions as subs  # noqa: E402

# a small class: each of the guide's 4 shards gets one or two files, right, wrong, unreadable and misnamed
# (what a shard does to each kind is tested on more kinds, without Slurm, in test_grade_sandbox.py)
STUDENTS = ["correct", "sigma_for_prime", "renamed", "invalid_json", "empty_file"]
QUEUE_TIMEOUT = 900.0   # seconds the jobs may take on a busy machine before the test gives up
RECIPE = re.compile(r"<!-- slurm-recipe: (\S+) -->\s*```bash\n(.*?)```", re.S)


def recipe():
    """The guide's recipe blocks: ``{"grade.sbatch": script, "submit": commands}``."""
    return {name: body for name, body in RECIPE.findall(GUIDE.read_text(encoding="utf-8"))}


def _unavailable(why):
    if os.environ.get("BPKIT_REQUIRE_SLURM") == "1":
        pytest.fail(f"BPKIT_REQUIRE_SLURM=1 but {why}")
    pytest.skip(f"Slurm test skipped: {why}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    why = sc.why_unavailable()
    if why:
        _unavailable(why)
    c = sc.SingleNodeSlurm(tmp_path_factory.mktemp("slurm"))
    try:
        c.start()
    except sc.SlurmUnavailable as exc:
        _unavailable(f"the one-node Slurm did not start: {exc}")
    try:
        yield c
    finally:
        c.stop()


def _env(cluster):
    env = cluster.env()
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")  # this bpkit-grade
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _without_timing(doc):
    return [{k: v for k, v in s.items() if k != "seconds"} for s in doc["submissions"]]


def test_the_guide_has_the_recipe():
    blocks = recipe()
    assert set(blocks) == {"grade.sbatch", "submit"}
    assert blocks["grade.sbatch"].startswith("#!/bin/bash\n#SBATCH")
    assert "--shard" in blocks["grade.sbatch"] and "bpkit-grade merge grades/ shards/" in blocks["submit"]


@pytest.mark.slow
def test_slurm_array_shards_merge_to_the_single_run(cluster, tmp_path):
    blocks = recipe()
    subs.write_submissions(ROOT / "exercises", tmp_path / "submitted", names=STUDENTS)
    (tmp_path / "grade.sbatch").write_text(blocks["grade.sbatch"])
    env = _env(cluster)
    seed = re.search(r"BPKIT_SEED=(\d+)", blocks["submit"]).group(1)
    shards = int(re.search(r"BPKIT_SHARDS=(\d+)", blocks["submit"]).group(1))
    assert 1 < shards < len(STUDENTS)

    submitted = subprocess.run(["bash", "-euo", "pipefail", "-c", blocks["submit"]], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=60)
    assert submitted.returncode == 0, submitted.stderr
    said = re.search(r"the shards as job (\d+), the merge as job (\d+)", submitted.stdout)
    assert said, submitted.stdout
    job_ids = list(said.groups())

    def done():
        lines = cluster.queued(job_ids)
        stuck = [line for line in lines if "DependencyNeverSatisfied" in line]
        if stuck:
            logs = {p.name: p.read_text(errors="replace")[-2000:] for p in (tmp_path / "shards").glob("*.out")}
            raise AssertionError(f"a shard failed, the merge cannot run: {stuck}; logs: {logs}")
        return not lines

    sc.wait_for(done, QUEUE_TIMEOUT, "the array and the merge job to leave the queue", interval=1.0)
    array_states = cluster.job_states(job_ids[0])
    assert sorted(array_states) == [f"{job_ids[0]}_{k}" for k in range(1, shards + 1)], array_states
    assert all(state == ("COMPLETED", "0:0") for state in array_states.values()), array_states
    assert set(cluster.job_states(job_ids[1]).values()) == {("COMPLETED", "0:0")}
    assert sorted(p.name for p in (tmp_path / "shards").glob("grades.shard-*.json")) == sorted(
        f"grades.shard-{k}-of-{shards}.json" for k in range(1, shards + 1))

    single = subprocess.run([sys.executable, "-m", "bpkit.grade", "submitted/", "--seed", seed, "--jobs", "2",
                             "--quiet", "--out", "single/"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=QUEUE_TIMEOUT)
    assert single.returncode == 0, single.stderr
    merged = json.loads((tmp_path / "grades" / "grades.json").read_text())
    one = json.loads((tmp_path / "single" / "grades.json").read_text())
    assert (merged["seed"], merged["timeout"]) == (one["seed"], one["timeout"]) == (int(seed), one["timeout"])
    assert [s["student"] for s in merged["submissions"]] == sorted(STUDENTS)
    assert _without_timing(merged) == _without_timing(one)
    assert (tmp_path / "grades" / "grades.csv").read_text() == (tmp_path / "single" / "grades.csv").read_text()
