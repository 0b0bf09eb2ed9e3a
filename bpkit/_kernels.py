"""Kernel managers whose kernel talks over ``ipc://`` sockets in a private folder, never over TCP.

Why: a TCP kernel can die before it ever answers. jupyter_client chooses the
kernel's five ports by binding port 0 and closing the socket again; the kernel
binds those numbers a second or so later, once Python and ipykernel are
imported. If any other program on the machine takes one of them in between (the
operating system hands the same ephemeral range to everyone), ipykernel exits
with ``ZMQError: Address already in use`` and the client only says "Kernel died
before replying to kernel_info" (jupyter/jupyter_client#487; its port cache
protects the kernels of one process from each other, not from the rest of the
machine). The race needs nothing but a busy machine: a shared JupyterHub node,
or a CI runner where other jobs start kernels and servers. Reproduced, and the
fix tested, in tests/grader/test_kernels.py.

A Unix socket in a folder of our own cannot be taken by anyone else, so the
race is gone rather than retried. The grader (bpkit.grade), the tests' nbval and
nbclient kernels (conftest.py, tests/notebooks/test_exercise_notebooks.py) and the lesson refresh
tool start their kernels with these managers.

This module is imported by the grader and the course's tools, never by a
lesson: it needs jupyter_client, which the learner's kernel does not.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref

from jupyter_client.manager import AsyncKernelManager, KernelManager

__all__ = ["IpcKernelManager", "AsyncIpcKernelManager", "socket_folder"]

# a Unix socket path is limited to 107 bytes on Linux (103 on macOS); ours end in "/kernel-N"
_MAX_SOCKET_PATH = 100


def socket_folder(prefix="bpkit-kernel-"):
    """A new private folder (mode 0700) for a kernel's sockets and connection file."""
    folder = tempfile.mkdtemp(prefix=prefix)
    if len(os.path.join(folder, "kernel-5")) > _MAX_SOCKET_PATH:
        shutil.rmtree(folder, ignore_errors=True)
        folder = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    return folder


class _IpcSockets:
    """Default to ``transport="ipc"`` with sockets in a private folder that goes when the manager goes.

    Given ``ip`` (a socket path prefix, as the grader's sandbox does, so the
    folder can be bound into it), that folder is used and left to its owner.
    """

    def __init__(self, **kwargs):
        folder = None
        if "ip" not in kwargs:
            folder = socket_folder()
            kwargs["ip"] = os.path.join(folder, "kernel")
            kwargs.setdefault("connection_file", os.path.join(folder, "kernel.json"))
        kwargs.setdefault("transport", "ipc")
        super().__init__(**kwargs)
        self.socket_folder = folder
        if folder is not None:
            weakref.finalize(self, shutil.rmtree, folder, True)


class IpcKernelManager(_IpcSockets, KernelManager):
    """:class:`jupyter_client.KernelManager` over ``ipc://`` sockets (used by nbval, see conftest.py)."""


class AsyncIpcKernelManager(_IpcSockets, AsyncKernelManager):
    """:class:`jupyter_client.AsyncKernelManager` over ``ipc://`` sockets (nbclient's kind)."""
