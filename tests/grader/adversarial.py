"""Submissions of exercise 03 that attack the grader itself, for ``tests/grader/test_grade_sandbox.py``.

Like :mod:`submissions` (whose :func:`submissions.make_notebook` builds them),
each starts from the real exercise with both parts solved, then adds what an
attacker would: delete or replace the grader's io folder, return a 2 GB
broadcast view, start children that outlive the kernel, look for the answer
key, write outside its scratch folder, use the network, eat memory, fork
without end, or be a symbolic link to a solution.

The sources are templates: ``{marker}`` (a word unique to one test run, put
into the command lines of the children and the names of the files an attack
would leave), ``{grader_cwd}``, ``{solutions}``, ``{submitted}`` and
``{port}`` (a TCP port on 127.0.0.1 the test listens on) are filled in by
:func:`write_adversarial`.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat

import submissions as subs

NOTEBOOK = subs.NOTEBOOK
PRIME = subs.PRIME
OK = subs.OK

IO_FOLDER = 'import os, shutil\n_io = os.path.join(os.getcwd(), os.pardir, "io")\n'

# -------------------------------------------------------------- without a sandbox too
PLAIN = {
    # the grader's io folder deleted after part 1 was graded: part 1 keeps its points, part 2 is graded
    "deletes_io_between_parts": {"extra": [("part1_tests", IO_FOLDER + "shutil.rmtree(_io, ignore_errors=True)\n")]},
    # ... and by the graded function itself, on every call
    "deletes_io_while_graded": {"part2": (
        "def sigmoid_prime(z):\n"
        "    import os, shutil\n"
        "    shutil.rmtree(os.path.join(os.getcwd(), os.pardir, 'io'), ignore_errors=True)\n"
        "    s = sigmoid(z)\n"
        "    return s * (1 - s)\n")},
    # ... replaced by a file of the same name
    "replaces_io_with_file": {"extra": [("part1_tests", IO_FOLDER + (
        "shutil.rmtree(_io, ignore_errors=True)\n"
        "try:\n"
        "    with open(_io, 'w') as f:\n"
        "        f.write('not a folder')\n"
        "except OSError:\n"
        "    pass\n"))]},
    # 2 GiB of float64 that cost nothing to make: refused by size before anything is copied
    "broadcast_2gb": {"part2": "def sigmoid_prime(z):\n    return np.broadcast_to(np.float64(0.25), (2 ** 28,))\n"},
    # the submission is a link to the answer key, or the student's folder is a link to the solutions
    "link_to_solution": {"link": "solution"},
    "folder_link": {"link": "folder"},
}

PLAIN_EXPECTED = {
    "deletes_io_between_parts": {"03.1": OK, "03.2": OK},
    "deletes_io_while_graded": {"03.1": OK, "03.2": OK},
    "replaces_io_with_file": {"03.1": OK, "03.2": OK},
    "broadcast_2gb": {"03.1": OK, "03.2": (0, "too large to grade")},
    "link_to_solution": {"03.1": (0, "is a symbolic link"), "03.2": (0, "is a symbolic link")},
    "folder_link": {},   # no notebook to tell the exercise by: no parts, the error says why
}
for _student, _parts in PLAIN_EXPECTED.items():   # the later parts hold the answer key's code (submissions.py)
    for _p in ([] if not _parts else subs.LATER_PARTS):
        _parts[_p.key] = _parts["03.1"] if _student == "link_to_solution" else (_p.points, "ok (")
PLAIN_ERRORS = {"link_to_solution": "symbolic link", "folder_link": "symbolic link"}

# ----------------------------------------------------------------- sandbox only
FIND_KEY = '''import glob, json, os
import bpkit
_candidates = [os.path.join({solutions!r}, "03_sigmoid_derivative_solution.ipynb")]
_candidates += glob.glob(os.path.join(os.path.dirname(os.path.dirname(bpkit.__file__)), "solutions", "03_*"))
for _pid in os.listdir("/proc"):   # the grader's command line says where the answer key is
    try:
        with open(f"/proc/{{_pid}}/cmdline", "rb") as _f:
            _args = _f.read().split(b"\\0")
    except OSError:
        continue
    if b"--solutions" in _args[:-1]:
        _candidates.append(os.path.join(_args[_args.index(b"--solutions") + 1].decode(),
                                        "03_sigmoid_derivative_solution.ipynb"))
_key = None
for _c in _candidates:
    try:
        with open(_c) as _f:
            _key = json.load(_f)
        break
    except (OSError, ValueError):
        pass
if _key is not None:   # run the answer key's own solution cell
    for _cell in _key["cells"]:
        if "def sigmoid_prime" in "".join(_cell["source"]):
            exec("".join(_cell["source"]))
else:
    def sigmoid_prime(z):
        return np.zeros(np.shape(z))
'''

ESCAPE = '''import os, subprocess, sys, time
# a child in a session of its own, and a daemon (double fork): both would outlive the kernel
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{marker}"],
                 start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 600", "{marker}"])
    os._exit(0)
time.sleep(0.5)
'''

WRITES = '''import os
for _p in [os.path.join({grader_cwd!r}, "pwned-{marker}.txt"), os.path.join({submitted!r}, "pwned-{marker}.txt"),
           "/tmp/pwned-{marker}.txt", os.path.expanduser("~/pwned-{marker}.txt"), "/var/tmp/pwned-{marker}.txt"]:
    try:
        with open(_p, "w") as _f:
            _f.write("written from a grading kernel")
    except OSError:
        pass
'''

NETWORK = '''import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
except OSError:
    pass
'''

FORKS = '''import os, time
_children = 0
for _ in range(2000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    _children += 1
print("children started:", _children)
'''

SANDBOXED = {
    "reads_answer_key": {"part2": FIND_KEY},
    "escapes_with_new_session": {"extra": [("part1_code", ESCAPE)]},
    "writes_outside_scratch": {"extra": [("part1_code", WRITES)]},
    "uses_network": {"extra": [("part1_code", NETWORK)]},
    "eats_memory": {"part2": "def sigmoid_prime(z):\n    big = np.ones(2 ** 30)\n    s = sigmoid(z)\n"
                             "    return s * (1 - s) + big[0] - 1\n"},
    "forks_without_end": {"extra": [("part1_tests", FORKS)]},
}

SANDBOXED_EXPECTED = {
    # the answer key is not in the sandbox: the learner's own (wrong) function is what is graded
    "reads_answer_key": {"03.1": OK, "03.2": (0, None)},
    "escapes_with_new_session": {"03.1": OK, "03.2": OK},
    "writes_outside_scratch": {"03.1": OK, "03.2": OK},
    "uses_network": {"03.1": OK, "03.2": OK},
    "eats_memory": {"03.1": OK, "03.2": (0, "MemoryError")},
    "forks_without_end": {"03.1": OK, "03.2": OK},
}
for _parts in SANDBOXED_EXPECTED.values():   # the later parts hold the answer key's code (submissions.py)
    _parts.update({_p.key: (_p.points, "ok (") for _p in subs.LATER_PARTS})


def write_adversarial(exercises_dir, solutions_dir, out_dir, specs, **values):
    """Write ``specs`` (name -> spec) as ``out_dir/<name>/03_sigmoid_derivative.ipynb``; return ``{name: path}``.

    ``values`` fill the templates (``marker``, ``grader_cwd``, ``solutions``, ``submitted``, ``port``).
    """
    exercise = nbformat.read(str(Path(exercises_dir) / f"{NOTEBOOK}_exercise.ipynb"), as_version=4)
    out_dir = Path(out_dir)
    values = {"solutions": str(solutions_dir), "submitted": str(out_dir), **values}
    paths = {}
    for name, spec in specs.items():
        path = out_dir / name / f"{NOTEBOOK}.ipynb"
        link = spec.get("link")
        if link == "solution":
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(Path(solutions_dir, f"{NOTEBOOK}_solution.ipynb").resolve(), path)
        elif link == "folder":
            path = out_dir / name
            os.symlink(Path(solutions_dir).resolve(), path)
        else:
            filled = {k: (v.format(**values) if isinstance(v, str) else
                          [(a, src.format(**values)) for a, src in v] if k == "extra" else v)
                      for k, v in spec.items()}
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(subs.make_notebook(exercise, filled), str(path))
        paths[name] = path
    return paths
