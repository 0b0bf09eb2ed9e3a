"""The grader against submissions that attack it, the bubblewrap sandbox, and sharded runs.

* :data:`adversarial.PLAIN` -- deleting or replacing the grader's io folder,
  a 2 GB broadcast view, symbolic links to the answer key: scored right with
  and without a sandbox (``--sandbox off``);
* :data:`adversarial.SANDBOXED` -- reading the answer key, children in a new
  session, writing outside the scratch folder, the network, memory, forking:
  graded in the sandbox, after which no process of theirs is alive, no file of
  theirs exists, nothing connected to the test's port. Skipped, with the
  reason, where bwrap is missing or cannot make its namespaces;
* ``--shard K/N`` and ``bpkit-grade merge``: one run == three shards merged.
"""
from __future__ import annotations

import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from bpkit import checks, grade
from bpkit._grading import sandbox

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # submissions.py, adversarial.py
import adversarial as adv  # noqa: E402
import submissions as subs  # noqa: E402

pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="no solutions/ folder")

BOX, WHY_NOT = sandbox.probe("auto")
needs_bwrap = pytest.mark.skipif(BOX is None, reason=f"no bubblewrap sandbox here: {WHY_NOT}")


def run_grader(paths, out, *extra, cwd, timeout=600, expect=0):
    cmd = [sys.executable, "-m", "bpkit.grade", *map(str, paths), "--out", str(out),
           "--solutions", str(SOLUTIONS), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(cwd))
    assert proc.returncode == expect, proc.stderr
    return proc


def check_expected(results, expected, errors=None):
    for student, parts in expected.items():
        r = results[student]
        got = {p["part"]: p for p in r["parts"]}
        assert set(got) == set(parts), (student, r)
        for key, (points, fragment) in parts.items():
            assert got[key]["points"] == points, (student, key, got[key]["message"])
            if fragment is not None:
                assert fragment in got[key]["message"], (student, key, got[key]["message"])
            elif points == 0:  # a realistic wrong answer: diagnose's words, not a grader failure
                assert not got[key]["message"].startswith(("the grader", "not graded", "grader error",
                                                           "internal")), (student, key, got[key]["message"])
        for student_err, fragment in (errors or {}).items():
            if student_err == student:
                assert r["error"] and fragment in r["error"], r


def _orphaned_kernel(uid, cmdline):
    """A process of a sandboxed kernel's user id (grader run as root) whose kernel's files are gone.

    Other graders may run on this machine at the same time (their kernels are alive, and their
    connection files exist); a process of a finished kernel of ours -- its fork, say -- is not.
    """
    if not sandbox.UID_BASE <= uid < sandbox.UID_BASE + sandbox.UID_SPAN:
        return False
    args = cmdline.split(b"\0")
    conn = args[args.index(b"-f") + 1].decode() if b"-f" in args[:-1] else None
    return conn is None or not os.path.exists(conn)


def _alive(marker):
    """Processes whose command line holds ``marker``, and orphans of finished sandboxed kernels."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path("/proc", pid, "cmdline").read_bytes()
            uid = int(next(line for line in Path("/proc", pid, "status").read_text().splitlines()
                           if line.startswith("Uid:")).split()[1])
        except (OSError, StopIteration, ValueError):
            continue
        if marker.encode() in cmdline or _orphaned_kernel(uid, cmdline):
            found.append((pid, uid, cmdline[:120]))
    return found


# ------------------------------------------------------------ without a sandbox
@pytest.fixture(scope="module")
def plain_batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("plain")
    folder = base / "submitted"
    adv.write_adversarial(EXERCISES, SOLUTIONS, folder, adv.PLAIN, marker="x")
    proc = run_grader([folder], base / "grades", "--jobs", "2", "--timeout", "3", "--seed", "11",
                      "--sandbox", "off", cwd=base)
    doc = json.loads((base / "grades" / "grades.json").read_text())
    return {"proc": proc, "results": {r["student"]: r for r in doc["submissions"]}}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(adv.PLAIN_EXPECTED))
def test_attacks_on_the_grader_files_and_codec_are_scored_right(plain_batch, student):
    check_expected(plain_batch["results"], {student: adv.PLAIN_EXPECTED[student]}, adv.PLAIN_ERRORS)


@pytest.mark.slow
def test_sandbox_off_says_so_and_a_deleted_io_folder_is_noted(plain_batch):
    assert "no sandbox" not in plain_batch["proc"].stderr  # asked for: nothing to warn about
    notes = plain_batch["results"]["replaces_io_with_file"]["notes"]
    assert any("deleted or replaced the grader's io folder" in n for n in notes), notes
    # the broadcast view is refused by its size, not copied (its message: adv.PLAIN_EXPECTED; that nothing is
    # copied: test_a_broadcast_view_is_refused_before_it_is_copied)
    parts = {p["part"]: p for p in plain_batch["results"]["broadcast_2gb"]["parts"]}
    assert "too large to grade" in parts["03.2"]["message"], parts


def test_a_broadcast_view_is_refused_before_it_is_copied():
    import numpy as np

    from bpkit._grading import codec

    view = np.broadcast_to(np.float64(0.25), (2 ** 28,))  # 2 GiB, but a single float in memory
    arrays = {}
    tracemalloc.start()
    try:
        struct = codec.encode([view, view], arrays)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 ** 24 and not arrays, peak  # under 16 MiB allocated: the 2 GiB were never materialised
    for item in struct["items"]:
        assert item["kind"] == "unsupported"
        assert item["why"].startswith(f"too large to grade: {2 ** 31} bytes (shape [{2 ** 28}])")


def test_links_are_listed_and_refused_not_followed(tmp_path):
    folder = tmp_path / "submitted"
    paths = adv.write_adversarial(EXERCISES, SOLUTIONS, folder, {k: adv.PLAIN[k] for k in
                                                                  ("link_to_solution", "folder_link")})
    found = dict(grade.find_submissions([folder]))
    assert set(found) == {"link_to_solution", "folder_link"}
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=1, timeout=5, sandbox="off")
    for student, path in paths.items():
        r = grade.grade_file(found[student], student, cfg)
        assert r.points == 0 and "symbolic link" in r.error and "does not follow links" in r.error, r
        assert all(p.points == 0 and "symbolic link" in p.message for p in r.parts)
    assert len(grade.grade_file(paths["link_to_solution"], "x", cfg).parts) == \
        len(checks.parts_for(subs.NOTEBOOK))  # the exercise, by its name


def test_a_grader_failure_in_one_part_costs_that_part_only(tmp_path, monkeypatch):
    from bpkit._grading import codec

    real, calls = codec.read_report, []

    def broken(folder, key):  # the kernel knows parts by random names: the second report read is part 2's
        calls.append(key)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(folder, key)

    monkeypatch.setattr(codec, "read_report", broken)
    path = subs.write_submissions(EXERCISES, tmp_path, names=["correct"])["correct"]
    r = grade.grade_file(path, "correct", grade.GradeConfig(str(SOLUTIONS), seed=1, timeout=10, sandbox="off"))
    got = {p.part: p for p in r.parts}
    assert r.error is None and got["03.1"].points == 2, r
    assert got["03.2"].points == 0 and "disk on fire" in got["03.2"].message


# --------------------------------------------------------------- in the sandbox
@pytest.fixture(scope="module")
def sandboxed_batch(tmp_path_factory):
    if BOX is None:
        pytest.skip(f"no bubblewrap sandbox here: {WHY_NOT}")
    base = tmp_path_factory.mktemp("sandboxed")
    grader_cwd = base / "instructor"
    grader_cwd.mkdir()
    folder = base / "submitted"
    marker = "bpkit-escape-" + secrets.token_hex(6)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    specs = {**adv.PLAIN, **adv.SANDBOXED}
    adv.write_adversarial(EXERCISES, SOLUTIONS, folder, specs, marker=marker, grader_cwd=str(grader_cwd),
                          port=listener.getsockname()[1])
    before = {p.relative_to(base) for p in base.rglob("*")}
    proc = run_grader([folder], grader_cwd / "grades", "--jobs", "2", "--timeout", "3", "--seed", "11",
                      "--sandbox", "required", cwd=grader_cwd)
    # the kernels are killed as each submission ends: wait until none is left (at most 10 s, a guard
    # against a hang; whatever is still alive then is reported by the test)
    alive = _alive(marker)
    deadline = time.monotonic() + 10
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = _alive(marker)
    try:
        listener.accept()
        connected = True
    except BlockingIOError:
        connected = False
    listener.close()
    after = {p.relative_to(base) for p in base.rglob("*")}
    doc = json.loads((grader_cwd / "grades" / "grades.json").read_text())
    return {"proc": proc, "results": {r["student"]: r for r in doc["submissions"]}, "alive": alive,
            "connected": connected, "new_files": sorted(str(p) for p in after - before), "marker": marker}


@needs_bwrap
@pytest.mark.slow
@pytest.mark.parametrize("student", sorted({**adv.PLAIN_EXPECTED, **adv.SANDBOXED_EXPECTED}))
def test_attacks_in_the_sandbox_are_scored_right(sandboxed_batch, student):
    expected = {**adv.PLAIN_EXPECTED, **adv.SANDBOXED_EXPECTED}
    check_expected(sandboxed_batch["results"], {student: expected[student]}, adv.PLAIN_ERRORS)


@needs_bwrap
@pytest.mark.slow
def test_no_process_of_a_submission_outlives_the_batch(sandboxed_batch):
    assert sandboxed_batch["alive"] == []
    assert len(sandboxed_batch["results"]) == len(adv.PLAIN) + len(adv.SANDBOXED)  # the batch finished


@needs_bwrap
@pytest.mark.slow
def test_nothing_is_written_outside_the_scratch_folder(sandboxed_batch):
    marker = sandboxed_batch["marker"]
    # only the grader's own output appeared next to the submissions
    assert all(p.startswith("instructor/grades") for p in sandboxed_batch["new_files"]), sandboxed_batch["new_files"]
    for where in ("/tmp", "/var/tmp", os.path.expanduser("~")):
        assert not Path(where, f"pwned-{marker}.txt").exists()


@needs_bwrap
@pytest.mark.slow
def test_the_answer_key_and_the_network_are_out_of_reach(sandboxed_batch):
    key = {p["part"]: p for p in sandboxed_batch["results"]["reads_answer_key"]["parts"]}
    assert key["03.2"]["points"] == 0  # it found no solution to run: its own zeros were graded
    assert not sandboxed_batch["connected"]


@needs_bwrap
@pytest.mark.slow
def test_the_sandbox_says_nothing_when_it_works(sandboxed_batch):
    assert "no sandbox" not in sandboxed_batch["proc"].stderr


@needs_bwrap
def test_a_sandboxed_kernel_sees_only_what_it_needs(tmp_path):
    one = BOX.for_kernel()
    os.chmod(tmp_path, 0o755)
    one.give(tmp_path)
    code = ("import os, json; print(json.dumps({'root': sorted(os.listdir('/')), 'uid': os.getuid(), "
            "'solutions': os.path.exists(%r), 'checkout': os.path.exists(%r), 'home': os.environ['HOME']}))"
            % (str(SOLUTIONS), str(ROOT / "bpkit" / "grade.py")))
    proc = subprocess.run(one.argv([sys.executable, "-c", code], [str(tmp_path)], str(tmp_path)),
                          capture_output=True, text=True, timeout=60, env=one.env(dict(os.environ)))
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert not seen["solutions"] and not seen["checkout"] and seen["home"] == "/tmp"
    assert seen["uid"] != 0


# ------------------------------------------------------------------ command line
def test_sandbox_required_without_bwrap_refuses_and_auto_says_so_once(tmp_path):
    path = subs.write_submissions(EXERCISES, tmp_path / "submitted", names=["empty_file"])["empty_file"]
    env = {**os.environ, "PATH": str(tmp_path / "nothing-here")}  # no bwrap on PATH
    sandbox._PROBED.clear()
    cmd = [sys.executable, "-m", "bpkit.grade", str(path), "--solutions", str(SOLUTIONS), "--out",
           str(tmp_path / "grades"), "--jobs", "1"]
    proc = subprocess.run(cmd + ["--sandbox", "required"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "--sandbox required, but bwrap (bubblewrap) is not installed" in proc.stderr
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("no sandbox: bwrap (bubblewrap) is not installed") == 1


def test_shard_arguments():
    assert grade.parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "a/b", "3"):
        with pytest.raises(ValueError):
            grade.parse_shard(bad)
    assert grade.shard_indices(7, (1, 3)) == [0, 3, 6] and grade.shard_indices(7, (3, 3)) == [2, 5]
    assert sorted(i for k in (1, 2, 3) for i in grade.shard_indices(7, (k, 3))) == list(range(7))
    assert grade.main(["x.ipynb", "--shard", "1/2"]) == 2  # no such file; and --shard needs --seed


def _normalized(doc):
    doc = dict(doc, created="-")
    doc["submissions"] = [dict(r, seconds=0) for r in doc["submissions"]]
    return json.dumps(doc, indent=2, sort_keys=False)


@pytest.mark.slow
def test_one_run_equals_three_shards_merged(tmp_path):
    # two submissions that run in a kernel (one right, one with a part not found) and three unreadable ones:
    # every kind of record the merge must keep, in five files that split unevenly into three shards
    names = ["correct", "renamed", "empty_file", "invalid_json", "not_a_notebook"]
    subs.write_submissions(EXERCISES, tmp_path / "submitted", names=names)
    common = ["--seed", "5", "--timeout", "5", "--jobs", "2", "--quiet"]
    run_grader(["submitted"], tmp_path / "whole", *common, cwd=tmp_path)
    for k in (1, 2, 3):
        run_grader(["submitted"], tmp_path / f"shard{k}", *common, "--shard", f"{k}/3", cwd=tmp_path)
    shard_files = [tmp_path / f"shard{k}" / f"grades.shard-{k}-of-3.json" for k in (3, 1, 2)]
    sizes = [len(json.loads(f.read_text())["submissions"]) for f in shard_files]
    assert sorted(sizes) == [1, 2, 2]
    assert grade.main(["merge", str(tmp_path / "merged"), *map(str, shard_files)]) == 0
    whole = json.loads((tmp_path / "whole" / "grades.json").read_text())
    merged = json.loads((tmp_path / "merged" / "grades.json").read_text())
    assert _normalized(merged) == _normalized(whole)
    assert (tmp_path / "merged" / "grades.csv").read_bytes() == (tmp_path / "whole" / "grades.csv").read_bytes()
    with (tmp_path / "merged" / "grades.csv").open(newline="") as f:
        assert len(list(csv.DictReader(f))) == len(names) * len(checks.parts_for(subs.NOTEBOOK))
    # a missing shard, or a shard of another run, is refused with the reason
    assert grade.main(["merge", str(tmp_path / "bad"), *map(str, shard_files[:2])]) == 2
    other = json.loads(shard_files[0].read_text())
    other["seed"] = 6
    (tmp_path / "other.json").write_text(json.dumps(other))
    with pytest.raises(grade.MergeError, match="seed"):
        grade.merge_reports(tmp_path / "bad", [tmp_path / "other.json", *shard_files[1:]])
    with pytest.raises(grade.MergeError, match=r"missing \[3\]"):
        grade.merge_reports(tmp_path / "bad", [tmp_path / "shard1", tmp_path / "shard2"])


def test_grading_works_while_an_event_loop_runs(tmp_path):
    """An instructor may call grade_file from a notebook, where an event loop is already running."""
    import asyncio
    import threading

    path = subs.write_submissions(EXERCISES, tmp_path, names=["correct"])["correct"]
    cfg = grade.GradeConfig(str(SOLUTIONS), seed=1, timeout=10, sandbox="off")

    async def inside_a_loop():
        return grade.grade_file(path, "correct", cfg)

    # a thread of its own, so the test's loop is the one running there (the suite's main thread may run one)
    got = {}
    worker = threading.Thread(target=lambda: got.update(r=asyncio.run(inside_a_loop())))
    worker.start()
    worker.join(120)
    r = got["r"]
    full = sum(p.points for p in checks.parts_for(subs.NOTEBOOK))
    assert r.error is None and r.points == r.max_points == full, r
