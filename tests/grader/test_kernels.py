"""Kernels start over ipc sockets, so another program cannot take their ports (issue 14, item 6).

The failure this fixes: on Python 3.13 one full test run ended with nbval's
"Kernel died before replying to kernel_info" on lesson 7. The kernel had lost a
TCP port that jupyter_client had chosen for it to another program between the
choice and the kernel's bind (see bpkit/_kernels.py). The first test makes that
happen on purpose with a plain TCP kernel; the others check that every kernel
the course's tests and grader start is on ipc, and that a kernel which dies
anyway is reported with its own stderr.
"""
import json
import os
import socket
import stat
import sys

import pytest

from jupyter_client.manager import KernelManager

from bpkit._kernels import AsyncIpcKernelManager, IpcKernelManager

nbval_kernel = pytest.importorskip("nbval.kernel")


def test_a_tcp_kernel_whose_port_was_taken_dies_before_kernel_info():
    """The race itself, made certain: a port is taken after jupyter_client chose it, before the kernel binds."""
    km = KernelManager(kernel_name="python3")
    thief = socket.socket()
    try:
        km.cache_ports = False
        km.write_connection_file()          # chooses the ports as jupyter_client does: bind port 0, close
        thief.bind((km.ip, km.shell_port))  # another program takes the shell port first
        thief.listen(1)
        km.start_kernel(stderr=open(os.devnull, "w"))
        kc = km.client()
        kc.start_channels()
        with pytest.raises(RuntimeError, match="Kernel died before replying to kernel_info"):
            kc.wait_for_ready(timeout=60)
        kc.stop_channels()
    finally:
        thief.close()
        if km.has_kernel:
            km.shutdown_kernel(now=True)
        km.cleanup_connection_file()


@pytest.mark.parametrize("cls", [IpcKernelManager, AsyncIpcKernelManager])
def test_ipc_managers_use_a_private_socket_folder_that_goes_with_them(cls):
    km = cls(kernel_name="python3")
    folder = km.socket_folder
    assert km.transport == "ipc"
    assert os.path.dirname(km.ip) == folder and os.path.dirname(km.connection_file) == folder
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    del km
    import gc
    gc.collect()
    assert not os.path.exists(folder)


def test_an_ipc_kernel_starts_while_its_tcp_ports_would_be_taken():
    """nbval's kernel (through the hook in conftest.py) answers, and its sockets are files, not ports."""
    assert nbval_kernel.start_new_kernel.__name__ == "start_ipc_kernel", "conftest.py did not install its hook"
    km, kc = nbval_kernel.start_new_kernel(kernel_name=nbval_kernel.CURRENT_ENV_KERNEL_NAME,
                                           stderr=open(os.devnull, "w"))
    try:
        with open(km.connection_file) as f:
            info = json.load(f)
        assert info["transport"] == "ipc"
        for name in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
            path = f"{info['ip']}-{info[name]}"
            assert stat.S_ISSOCK(os.stat(path).st_mode), (name, path)
        msg_id = kc.execute("1 + 1")
        # replies to what was sent before (the kernel_info request of the start) may come first: skip them
        reply = kc.get_shell_msg(timeout=30)
        for _ in range(5):
            if reply["parent_header"].get("msg_id") == msg_id:
                break
            reply = kc.get_shell_msg(timeout=30)
        assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_kernel_that_dies_at_start_is_reported_with_its_stderr(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "dies-at-start"
    spec.mkdir(parents=True)
    code = "import sys; sys.stderr.write('OSError: this kernel cannot start\\n'); sys.exit(3)"
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", code, "{connection_file}"],
        "display_name": "dies at start", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with pytest.raises(RuntimeError) as err:
        nbval_kernel.start_new_kernel(kernel_name="dies-at-start", startup_timeout=30,
                                      stderr=open(os.devnull, "w"))
    message = str(err.value)
    assert "Kernel died before replying to kernel_info" in message
    assert "OSError: this kernel cannot start" in message, message


def test_the_unsandboxed_grader_starts_ipc_kernels():
    from bpkit._grading import execute

    nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    import nbformat

    client = execute._new_client(nbformat.from_dict(nb), os.getcwd(), timeout=5, grader_timeout=5)
    km = client.create_kernel_manager()
    assert km.transport == "ipc", "the grader's unsandboxed kernel must not use TCP ports"
