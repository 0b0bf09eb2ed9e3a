"""Run the grading notebook in a fresh kernel, surviving whatever the submission does.

* every code cell gets a time limit; on timeout the kernel is interrupted and
  asked (with an empty request) whether it answers again;
* a kernel that does not answer, or died, is killed and a new one started; the
  notebook is run again from the top, without the cells of the part that hung
  (and without grader and test cells that already finished);
* outputs are capped per cell, so a submission that prints 50 MB does not fill
  the grader's memory; only what grading needs (errors, stderr) is kept.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import re
import secrets
import subprocess
import traceback
import sys
from dataclasses import dataclass, field
from queue import Empty
from time import monotonic

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

from .._kernels import AsyncIpcKernelManager
from .records import GRADER_TAG, MAX_OUTPUT_CHARS, CellStatus, Role

_TIMEOUT_ENAME = "BpkitGraderCellTimeout"
MAX_STDERR_CHARS = 2000     # stderr kept per cell: enough to quote its first line
PROBE_WAIT = 5.0            # seconds a kernel has to answer after an interrupt
# cells whose run counts for a part's score, and which a restart does not run again once finished
_SCORED_ROLES = (Role.GRADER, Role.TESTS)
_SILENT = logging.getLogger("bpkit.grade.kernel")
_SILENT.addHandler(logging.NullHandler())
_SILENT.propagate = False


KERNEL_COMMAND = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


@dataclass(frozen=True)
class Launch:
    """How the kernel is started: plainly, or in a sandbox (:class:`.sandbox.Sandbox`).

    In a sandbox the kernel has no network, so it talks to the grader over
    ``ipc://`` sockets in ``conn_dir`` (bound into the sandbox, with the
    connection file); ``writable`` are the folders bound read-write.
    """

    sandbox: object = None
    conn_dir: str = ""
    writable: tuple = ()


class _ThisPythonSpecs(KernelSpecManager):
    """Always launch the kernel with the Python that runs the grader (same bpkit, same numpy)."""

    launch = None
    cwd = ""

    def get_kernel_spec(self, kernel_name):
        launch = self.launch
        if launch is None or launch.sandbox is None:
            return KernelSpec(argv=list(KERNEL_COMMAND), display_name="Python 3 (bpkit grader)",
                              language="python", resource_dir="")
        return KernelSpec(
            argv=launch.sandbox.argv(KERNEL_COMMAND, launch.writable, self.cwd),
            display_name="Python 3 (bpkit grader, sandboxed)",
            language="python",
            resource_dir="",
            # an interrupt as a message: the kernel signals itself inside the sandbox
            interrupt_mode="message",
        )


class _SandboxedKernelManager(AsyncIpcKernelManager):
    """A kernel manager whose connection file the sandboxed kernel's user can read."""

    owner = None

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.owner is not None:
            os.chown(self.connection_file, self.owner, self.owner)


@dataclass
class CellRun:
    """What happened when one cell ran."""

    status: CellStatus = CellStatus.NOT_RUN
    ename: str = ""
    evalue: str = ""
    stderr: str = ""           # the first characters written to stderr
    truncated: bool = False    # output was over the cap and dropped
    seconds: float = 0.0
    why: str = ""              # for skipped / not_run
    line: str = ""             # for an error: the line of the cell it came from (from the traceback), if shown


class _Client(NotebookClient):
    """nbclient with an output cap, a fixed kernel and the execute reply kept."""

    max_output_chars = MAX_OUTPUT_CHARS
    launch = None

    def create_kernel_manager(self):
        specs = _ThisPythonSpecs()
        specs.launch, specs.cwd = self.launch, self.resources["metadata"]["path"]
        launch = self.launch
        if launch is None or launch.sandbox is None:
            # ipc sockets in a private folder, never TCP ports another program could take first
            self.km = AsyncIpcKernelManager(kernel_name="bpkit-grader", kernel_spec_manager=specs)
            return self.km
        name = "kernel-" + secrets.token_hex(4)
        self.km = _SandboxedKernelManager(
            kernel_name="bpkit-grader", kernel_spec_manager=specs,
            ip=os.path.join(launch.conn_dir, name), connection_file=os.path.join(launch.conn_dir, name + ".json"),
        )
        self.km.owner = launch.sandbox.owner
        return self.km

    def begin_cell(self):
        self.stats = {"chars": 0, "stderr": [], "stderr_chars": 0, "truncated": False}
        self.last_reply = None

    def output(self, outs, msg, display_id, cell_index):
        stats = getattr(self, "stats", None)
        if stats is None:
            return super().output(outs, msg, display_id, cell_index)
        content = msg.get("content", {})
        kind = msg.get("msg_type")
        if kind == "stream":
            text = content.get("text", "") or ""
            size = len(text)
            if content.get("name") == "stderr" and stats["stderr_chars"] < MAX_STDERR_CHARS:
                stats["stderr"].append(text[: MAX_STDERR_CHARS - stats["stderr_chars"]])
                stats["stderr_chars"] += min(len(text), MAX_STDERR_CHARS)
        elif kind == "error":
            size = len(str(content.get("evalue", ""))) + sum(len(t) for t in content.get("traceback", []) or [])
        else:
            size = sum(len(v) if isinstance(v, str) else 1000 for v in (content.get("data") or {}).values())
        stats["chars"] += size
        if stats["chars"] > self.max_output_chars:
            stats["truncated"] = True
            return None
        return super().output(outs, msg, display_id, cell_index)


def _keep_reply(client):
    def hook(cell, cell_index, execute_reply):
        client.last_reply = execute_reply

    return hook


async def _responsive(kc, wait):
    """True if the kernel answers an empty request within ``wait`` seconds."""
    msg_id = kc.execute("", silent=True, store_history=False)
    deadline = monotonic() + wait
    while True:
        left = deadline - monotonic()
        if left <= 0:
            return False
        try:
            msg = await ensure_async(kc.shell_channel.get_msg(timeout=left))
        except Empty:
            return False
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return True


async def _run_cell(client, cell, index):
    client.begin_cell()
    t0 = monotonic()
    run = CellRun()
    try:
        await client.async_execute_cell(cell, index, store_history=False)
    except DeadKernelError:
        run.status = CellStatus.DEAD
    except CellTimeoutError:  # only if interrupting is switched off
        run.status = CellStatus.TIMEOUT
    except Exception as exc:  # the grader's side failed on this cell: restart, and say why
        run.status = CellStatus.DEAD
        run.why = f"internal grader error while running the cell ({type(exc).__name__}: {exc})"
    else:
        content = (client.last_reply or {}).get("content", {})
        if content.get("status") == "error":
            if content.get("ename") == _TIMEOUT_ENAME:
                run.status = CellStatus.TIMEOUT
            else:
                run.status = CellStatus.ERROR
                run.ename = str(content.get("ename", ""))[:200]
                run.evalue = str(content.get("evalue", ""))[:1000]
                run.line = failing_line(content.get("traceback"))
        else:
            run.status = CellStatus.OK
    run.seconds = monotonic() - t0
    run.stderr = "".join(client.stats["stderr"])
    run.truncated = client.stats["truncated"]
    cell.outputs = []  # nothing downstream needs them; keeps memory small
    return run


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ARROW = re.compile(r"^-+>\s*\d+\s?(.*)$")


def failing_line(traceback):
    """The cell's line an error came from: the first ``----> 3 assert ...`` line of IPython's traceback ("" if none).

    The first frame is the cell's own (most recent call last), so an error raised
    deeper, in a function the cell called, names the cell's line that called it.
    """
    for entry in traceback if isinstance(traceback, list) else ():
        for text in _ANSI.sub("", str(entry)).splitlines():
            m = _ARROW.match(text.strip())
            if m and m.group(1).strip():
                return m.group(1).strip()[:300]
    return ""


def run_notebook(nb, roles, workdir, timeout, grader_timeout, env, should_skip=None,
                 max_restarts=None, probe_wait=PROBE_WAIT, after_cell=None, launch=None):
    """Execute the grading notebook; return one :class:`CellRun` per code cell.

    Check cells (learner feedback only) and cells after the last grader or test
    cell (they cannot change a score) are skipped.

    Parameters
    ----------
    nb : NotebookNode
        Cells as built by :func:`.notebooks.restore` (changed in place: outputs cleared).
    roles : list of (Role, part key or None), one per cell
    workdir : str, the kernel's working directory
    timeout : float, seconds per cell
    grader_timeout : float, seconds for a grader cell (it calls the function on every case)
    env : dict, the kernel's environment
    should_skip : callable(index, role, key) -> str or None, optional
        Asked before each cell; a returned reason skips the cell (e.g. a test
        cell whose function already timed out in the grader cell).
    max_restarts : int, default: number of parts + 2
    after_cell : callable(index, role, key, CellRun), optional
        Called after each cell ran (the grader reads a part's report right after its grader cell).
    launch : Launch, optional
        How to start the kernel (in a sandbox or not); default: plainly.

    A failure on the grader's side (``should_skip`` or ``after_cell`` raising,
    a kernel that cannot start) costs the cells it concerns, with the reason in
    their ``why``; the cells already run keep their results.

    Returns
    -------
    runs : dict, cell index -> CellRun
    blocked : dict, part key (or None) -> cell index that hung the kernel
    """
    hooks = _Hooks(should_skip, after_cell)
    return _run_coroutine(_run_notebook(nb, roles, workdir, timeout, grader_timeout, env, hooks,
                                        max_restarts, probe_wait, launch))


def _run_coroutine(coro):
    """``asyncio.run(coro)``, also when this thread already runs an event loop (a notebook, a test runner)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass(frozen=True)
class _Hooks:
    """The grader's callbacks, made safe: an exception in one becomes the reason of that cell only."""

    should_skip: object = None
    after_cell: object = None

    def skip(self, idx, role, key):
        if self.should_skip is None:
            return None
        try:
            return self.should_skip(idx, role, key)
        except Exception as exc:
            return f"internal grader error preparing this cell ({type(exc).__name__}: {exc})"

    def done(self, idx, role, key, run):
        if self.after_cell is None:
            return
        try:
            self.after_cell(idx, role, key, run)
        except Exception as exc:
            run.why = run.why or f"internal grader error after this cell ({type(exc).__name__}: {exc})"


@dataclass
class _Progress:
    """What the runs so far left behind, kept across kernel restarts."""

    runs: dict = field(default_factory=dict)       # cell index -> CellRun
    blocked: dict = field(default_factory=dict)    # part key (or None) -> the cell that stopped the kernel
    skip_cells: set = field(default_factory=set)   # cells outside any part that stopped the kernel


_PART_ROLES = (Role.CODE, Role.GRADER, Role.TESTS, Role.CHECK)


async def _run_notebook(nb, roles, workdir, timeout, grader_timeout, env, hooks, max_restarts,
                        probe_wait, launch):
    """Run the notebook top to bottom, again after each restart, until no cell stops the kernel."""
    keys = {k for _, k in roles if k}
    max_restarts = len(keys) + 2 if max_restarts is None else max_restarts
    state = _Progress()
    # cells after the last grader or test cell cannot change a score: do not run them
    last = max((i for i, (role, _) in enumerate(roles) if role in _SCORED_ROLES), default=len(roles) - 1)
    restarts = 0
    while True:
        client = _new_client(nb, workdir, timeout, grader_timeout, launch)
        try:
            # the kernel's own stderr (not the cells' output) would only print transport warnings
            async with client.async_setup_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                restart = await _one_pass(client, nb, roles, state, last, hooks, probe_wait)
        except Exception as exc:  # the kernel could not start (or stop): the cells not run yet say why
            why = f"internal grader error: the kernel could not be started ({type(exc).__name__}: {exc})"
            _SILENT.debug("kernel failure: %s", traceback.format_exc())
            for idx, cell in enumerate(nb.cells):
                if cell.cell_type == "code" and idx not in state.runs:
                    state.runs[idx] = CellRun(CellStatus.NOT_RUN, why=why)
            break
        if not restart:
            break
        restarts += 1
        if restarts > max_restarts:
            for idx, cell in enumerate(nb.cells):
                if cell.cell_type == "code" and idx not in state.runs:
                    state.runs[idx] = CellRun(CellStatus.NOT_RUN, why="the kernel was restarted too many times")
            break
    return state.runs, state.blocked


def _new_client(nb, workdir, timeout, grader_timeout, launch=None):
    """An nbclient for one kernel's life: time limit per cell (the grader's cells get theirs), errors allowed."""

    def timeout_for(cell):
        return grader_timeout if GRADER_TAG in cell.metadata.get("tags", []) else timeout

    client = _Client(
        nb,
        timeout=int(max(1, round(timeout))),
        timeout_func=lambda cell: int(max(1, round(timeout_for(cell)))),
        interrupt_on_timeout=True,
        error_on_timeout={"ename": _TIMEOUT_ENAME, "evalue": "cell timed out", "traceback": []},
        allow_errors=True,
        shutdown_kernel="immediate",
        iopub_timeout=4,
        startup_timeout=60,
        resources={"metadata": {"path": workdir}},
        log=_SILENT,
    )
    client.on_cell_executed = _keep_reply(client)
    client.launch = launch
    return client


def _not_to_run(idx, role, key, state, last, hooks):
    """``(True, CellRun saying why, or None)`` if cell ``idx`` is not to run in this pass, else ``(False, None)``."""
    if idx > last:
        return True, CellRun(CellStatus.SKIPPED, why="after the last graded cell")
    if role is Role.CHECK:
        return True, CellRun(CellStatus.SKIPPED, why="check cells give learners feedback; grading does not need them")
    if idx in state.skip_cells:
        return True, None
    if key in state.blocked and role in _PART_ROLES:
        if idx not in state.runs or not state.runs[idx].status.stopped_kernel:
            return True, CellRun(CellStatus.SKIPPED, why="an earlier cell of this part stopped the kernel")
        return True, None
    if role in _SCORED_ROLES and idx in state.runs and state.runs[idx].status is not CellStatus.NOT_RUN:
        return True, None  # already done before a restart
    why = hooks.skip(idx, role, key)
    if why:
        return True, CellRun(CellStatus.SKIPPED, why=why)
    return False, None


async def _one_pass(client, nb, roles, state, last, hooks, probe_wait):
    """Run the code cells still to run in one kernel; True if a cell stopped it (restart and go on)."""
    for idx, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        role, key = roles[idx]
        skip, record = _not_to_run(idx, role, key, state, last, hooks)
        if skip:
            if record is not None:
                state.runs[idx] = record
            continue
        run = await _run_cell(client, cell, idx)
        state.runs[idx] = run
        if run.status is CellStatus.TIMEOUT and not await _responsive(client.kc, probe_wait):
            run.status = CellStatus.HUNG
        hooks.done(idx, role, key, run)
        if run.status.stopped_kernel:
            if key:
                state.blocked[key] = idx
            else:
                state.skip_cells.add(idx)
                state.blocked.setdefault(None, idx)
            return True
    return False
