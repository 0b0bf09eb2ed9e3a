"""Two adjustments to nbval, which runs the lessons: its kernels, and execution counts.

**Kernels over ipc.** nbval starts each notebook's kernel over TCP, with its
stderr thrown away; on a busy machine a kernel can lose its ports to another
program before it binds them, exit with "Address already in use", and nbval only
reports "Kernel died before replying to kernel_info" (the failure seen on
Python 3.13 in issue 14; the cause is explained in bpkit/_kernels.py and shown in
tests/grader/test_kernels.py). Here nbval's kernels use ``ipc://`` sockets in a private
folder instead, and keep their stderr in a file there: if a kernel still dies
before it answers, the error quotes what it wrote.

**Execution counts.** Committed lessons hold no execution counts, so a lesson nobody has run does not
show ``[3]:`` prompts beside its stored outputs as if it had run (issue 14).
nbval 0.11 reads a cell whose ``execution_count`` is None as "never run" and
fails it when it has outputs ("Unrun reference cell has outputs"). In the
lessons a stored output *is* the reference (only ``# NBVAL_CHECK_OUTPUT`` cells
keep one, see tools/refresh_lesson_outputs.py), so before the tests run every
collected cell of a notebook in this folder that stores outputs gets a count in
memory; the file is not touched, and nbval compares those outputs as before.
tests/notebooks/test_reopen_lessons.py checks that a wrong stored output still fails.

(This file is at the repository's root, not in lessons/: that folder ships inside the wheel as a
package, and every .py file in it would go along.)
"""
import os
import weakref
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "lessons"
STDERR_TAIL = 3000   # characters of a dead kernel's stderr quoted in the error


def start_ipc_kernel(startup_timeout=60, kernel_name="python", **kwargs):
    """nbval's ``start_new_kernel``, with the kernel on ipc sockets and its stderr kept."""
    from nbval.kernel import NbvalKernelspecManager, logger

    from bpkit._kernels import IpcKernelManager

    km = IpcKernelManager(kernel_name=kernel_name, kernel_spec_manager=NbvalKernelspecManager())
    given = kwargs.pop("stderr", None)   # nbval passes an open os.devnull
    if given is not None and given.name == os.devnull:
        given.close()
    log_path = os.path.join(km.socket_folder, "kernel-stderr.log")
    log = open(log_path, "w+", encoding="utf-8", errors="replace")
    km.start_kernel(stderr=log, **kwargs)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=startup_timeout)
    except RuntimeError as exc:
        logger.exception("Failure starting kernel %r", kernel_name)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        log.flush()
        log.seek(0)
        tail = log.read()[-STDERR_TAIL:].strip() or "(nothing)"
        log.close()
        raise RuntimeError(f"{exc}. The kernel's stderr ({kernel_name}) ended with:\n{tail}") from None
    weakref.finalize(km, log.close)
    return km, kc


def pytest_configure(config):
    try:
        import nbval.kernel
    except ImportError:  # nbval not installed: nothing starts notebook kernels
        return
    nbval.kernel.start_new_kernel = start_ipc_kernel


def pytest_collection_modifyitems(items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing collects the notebooks
        return
    for item in items:
        if not isinstance(item, IPyNbCell) or Path(str(item.path)).resolve().parent != HERE:
            continue
        cell = item.cell
        if cell.get("outputs") and cell.get("execution_count") is None:
            cell["execution_count"] = item.cell_num + 1


# issue 22: a lesson cell nbval runs must not show a bare matplotlib repr (<Figure size ...>) where a
# picture belongs; the check lives in tests/notebooks/test_lesson_figures.py, which skips its own run
# of a lesson that nbval runs in the same session
FIGURE_CHECK = Path(__file__).resolve().parent / "tests" / "notebooks" / "test_lesson_figures.py"


def _figure_check():
    import importlib.util
    import sys

    module = sys.modules.get("_bpkit_lesson_figures")
    if module is None:
        spec = importlib.util.spec_from_file_location("_bpkit_lesson_figures", FIGURE_CHECK)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module.check_outputs


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After nbval ran a lesson cell, check what the cell displayed."""
    result = yield
    outputs = getattr(item, "test_outputs", None)
    # FIGURE_CHECK is missing only where this file was copied on its own (tests/notebooks/test_reopen_lessons.py)
    if outputs and Path(str(item.path)).resolve().parent == HERE and FIGURE_CHECK.exists():
        _figure_check()(outputs, f"{Path(str(item.path)).name} cell {item.cell_num}")
    return result
