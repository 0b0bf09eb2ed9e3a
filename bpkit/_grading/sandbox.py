"""Run each grading kernel inside a bubblewrap (``bwrap``) sandbox, where the machine has one.

The kernel of a submission then sees

* the system read-only (``/usr``, ``/bin``, ``/lib*``, ``/sbin``, ``/etc``), the
  Python it runs on and its installed packages read-only, and the ``bpkit``
  package the grader uses, read-only, under a neutral path
  (:data:`PACKAGE_MOUNT`), never the checkout or install folder around it;
* its own scratch working directory, the grader's io folder of this
  submission (one fresh folder per part) and the folder of its connection
  file, read-write, at the same paths as outside;
* a private ``/tmp`` (also its ``HOME``), a private ``/proc`` and ``/dev``;

and nothing else: no answer key, no grader files, no instructor's folders,
no other process (its own PID namespace), no network (its own network
namespace: the kernel talks to the grader over ZeroMQ ``ipc://`` sockets in
the bound connection folder, which work across network namespaces, where
TCP on loopback would not). Its environment is rebuilt from a short list
(no tokens or credentials of the grader's session pass through).

Limits: ``prlimit`` sets the address space (``--memory``) and the number of
processes and threads (``RLIMIT_NPROC``). The kernel never runs as root:
run as root, the grader starts it under an unused user id (``setpriv``),
since Linux does not apply RLIMIT_NPROC to root; run as a normal user, bwrap
puts it in a user namespace of its own, where the count starts at zero.

At the end, killing bwrap (``--die-with-parent``) ends the PID namespace, and
the kernel takes every process of the submission with it, including children
started in a session of their own (``start_new_session=True``) or daemonised.

:func:`probe` tells whether this works here (it really starts a sandboxed
Python once). This module is imported in the grader's process only.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MODES = ("auto", "required", "off")
PACKAGE_MOUNT = "/opt/bpkit-grader"          # PYTHONPATH of the kernel: the grader's bpkit, read-only
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEFAULT_MEMORY_MB = 4096
TMP_MB = 512                                  # size of a kernel's private /tmp (a tmpfs, in memory)
DEFAULT_NPROC = 256                           # processes + threads (an ipykernel uses about ten)
UID_BASE, UID_SPAN = 1_500_000_000, 100_000_000   # the unused user ids a kernel runs as, when the grader is root
PROBE_TIMEOUT = 60.0
# the grader's environment variables a kernel keeps (everything else, tokens included, stays out)
KEEP_ENV = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "TZ", "TERM",
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND",
            "PYDEVD_DISABLE_FILE_VALIDATION", "PYTHONHASHSEED")
NO_SANDBOX = ("no sandbox: {why}. Grading kernels run with your user's rights, as without "
              "--sandbox: a submission could read your files (the answer keys, the original bpkit) or use "
              "the network. Install bubblewrap "
              "(Debian/Ubuntu: apt-get install bubblewrap) or grade in a container; --sandbox required "
              "refuses to grade without one.")


class SandboxUnavailable(RuntimeError):
    """``--sandbox required`` on a machine where bwrap cannot make its namespaces; the message says why."""


@dataclass(frozen=True)
class Sandbox:
    """How grading kernels are sandboxed in this run (picklable; made by :func:`probe`).

    ``run_as`` is the user id kernels run as when the grader is root (each
    kernel gets its own, see :meth:`for_kernel`), else None.
    """

    bwrap: str
    memory_mb: int = DEFAULT_MEMORY_MB
    nproc: int = DEFAULT_NPROC
    as_root: bool = False
    setpriv: str | None = None
    prlimit: str | None = None
    package_dir: str = ""       # the folder holding the grader's bpkit package
    run_as: int | None = None
    kernel_package: str = ""    # the folder holding the kernel's bpkit (.kernel_package); "" = the grader's

    def for_kernel(self, kernel_package=""):
        """This sandbox for one kernel: a fresh unused user id (when the grader is root), and the folder
        holding the bpkit that kernel imports (:func:`.kernel_package.kernel_package`; default the grader's)."""
        uid = UID_BASE + secrets.randbelow(UID_SPAN) if self.as_root else None
        return Sandbox(self.bwrap, self.memory_mb, self.nproc, self.as_root, self.setpriv, self.prlimit,
                       self.package_dir, uid, str(kernel_package or ""))

    @property
    def owner(self):
        """The user id the kernel runs as, to own its folders (None: the grader's own)."""
        return self.run_as

    def give(self, path):
        """Let the kernel's user write ``path`` (a folder the grader made for it)."""
        if self.run_as is not None:
            os.chown(path, self.run_as, self.run_as)

    def env(self, env):
        """The kernel's environment: the few variables of :data:`KEEP_ENV`, HOME in the private /tmp."""
        out = {k: v for k, v in env.items() if k in KEEP_ENV}
        out.update(HOME="/tmp", TMPDIR="/tmp", MPLCONFIGDIR="/tmp/matplotlib", IPYTHONDIR="/tmp/ipython",
                   PYTHONPATH=PACKAGE_MOUNT, PYTHONDONTWRITEBYTECODE="1", PYTHONNOUSERSITE="1")
        out.setdefault("PATH", "/usr/bin:/bin")
        return out

    def argv(self, command, writable, cwd):
        """The full command line: ``command`` (the kernel's) run in the sandbox.

        Parameters
        ----------
        command : list of str, e.g. ``[python, "-m", "ipykernel_launcher", "-f", conn]``
        writable : list of str, folders bound read-write at the same path (scratch, io, connection)
        cwd : str, the kernel's working directory (one of ``writable``)
        """
        args = []
        if self.prlimit:
            args += [self.prlimit, f"--as={int(self.memory_mb) * 1024 * 1024}", f"--nproc={int(self.nproc)}", "--"]
        args += [self.bwrap, "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                 "--unshare-uts", "--unshare-cgroup-try", "--hostname", "bpkit-grader"]
        if not self.as_root:
            args += ["--unshare-user", "--cap-drop", "ALL"]
        made = {"/"}

        def parents(dest):
            # the folders bwrap would make on the way to a mount point, made 0755 so the kernel's user
            # can pass through them (and they hold nothing else)
            out = []
            for p in reversed(Path(dest).parents):
                if str(p) not in made:
                    made.add(str(p))
                    out += ["--perms", "0755", "--dir", str(p)]
            made.add(str(dest))
            return out

        for d in SYSTEM_DIRS:
            if os.path.islink(d):
                args += ["--symlink", os.readlink(d), d]
            elif os.path.isdir(d):
                args += ["--ro-bind", d, d]
            made.add(d)
        # /tmp lives in memory: its size is capped too. It is mounted before the Python folders, so a
        # virtual environment that lives under /tmp (a fresh clone there, a CI folder) is bound on top of it
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(TMP_MB * 1024 * 1024),
                 "--tmpfs", "/tmp"]
        made.update({"/proc", "/dev", "/tmp"})
        python_dirs = _python_dirs()
        for d in python_dirs:
            args += parents(d) + ["--ro-bind", d, d]
        if self.package_dir:
            dest = PACKAGE_MOUNT + "/bpkit"
            real = os.path.realpath(Path(self.package_dir) / "bpkit")
            shown = str(Path(self.kernel_package) / "bpkit") if self.kernel_package else real
            args += parents(dest) + ["--ro-bind", shown, dest]
            if self.kernel_package and any(real.startswith(d + "/") for d in python_dirs):
                # an installed bpkit inside the bound site-packages: its answers are covered up too
                args += ["--ro-bind", shown, real]
        for d in writable:
            args += parents(str(d)) + ["--bind", str(d), str(d)]
        # ipykernel would watch for the grader's PID, which the PID namespace hides: bwrap ends the kernel instead
        args += ["--unsetenv", "JPY_PARENT_PID", "--chdir", str(cwd), "--"]
        if self.as_root and self.run_as is not None:
            args += [self.setpriv, f"--reuid={self.run_as}", f"--regid={self.run_as}", "--clear-groups",
                     "--no-new-privs", "--"]
        return args + list(command)


def _python_dirs():
    """The folders of the Python that runs the grader (and so the kernel): its prefixes, read-only.

    Only the prefixes, never ``sys.path`` as such: that holds the current folder
    (an instructor's checkout, with the answer key) when the grader runs as
    ``python -m bpkit.grade``.
    """
    dirs = []
    for d in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix):
        d = os.path.realpath(d)
        if d in ("/", "") or any(d == s or d.startswith(s + "/") for s in SYSTEM_DIRS):
            continue
        if os.path.isdir(d) and not any(d == x or d.startswith(x + "/") for x in dirs):
            dirs = [x for x in dirs if not x.startswith(d + "/")] + [d]
    return dirs


def _package_dir():
    """The folder that holds the ``bpkit`` package the grader runs (a checkout, site-packages, ...)."""
    import bpkit

    return str(Path(bpkit.__file__).resolve().parent.parent)


_PROBED = {}


def probe(mode="auto", memory_mb=DEFAULT_MEMORY_MB, nproc=DEFAULT_NPROC):
    """``(Sandbox or None, why not)`` for ``--sandbox MODE`` on this machine.

    ``"off"`` gives ``(None, "switched off")``; ``"auto"`` a Sandbox if bwrap
    is installed and a sandboxed Python starts and imports bpkit and ipykernel,
    else ``(None, the reason)``; ``"required"`` the same but raises
    :class:`SandboxUnavailable` instead of returning None. The answer is kept
    for the life of the process.
    """
    if mode not in MODES:
        raise ValueError(f"--sandbox must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "off":
        return None, "switched off with --sandbox off"
    key = (memory_mb, nproc)
    if key not in _PROBED:
        _PROBED[key] = _try(memory_mb, nproc)
    box, why = _PROBED[key]
    if box is None and mode == "required":
        raise SandboxUnavailable(f"--sandbox required, but {why}")
    return box, why


def _try(memory_mb, nproc):
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None, "bwrap (bubblewrap) is not installed"
    as_root = os.geteuid() == 0
    setpriv = shutil.which("setpriv")
    if as_root and setpriv is None:
        return None, "the grader runs as root and setpriv (util-linux) is missing, so kernels would run as root"
    box = Sandbox(bwrap, int(memory_mb), int(nproc), as_root, setpriv, shutil.which("prlimit"), _package_dir())
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bpkit-sandbox-probe-") as tmp:
        one = box.for_kernel()
        os.chmod(tmp, 0o755)
        one.give(tmp)
        code = "import bpkit, ipykernel, numpy; open('ok', 'w').write(bpkit.__file__)"
        cmd = one.argv([sys.executable, "-c", code], [tmp], tmp)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PROBE_TIMEOUT,
                                  env=one.env(dict(os.environ)))
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"bwrap could not start a sandboxed Python ({type(exc).__name__}: {exc})"
        if proc.returncode != 0 or not Path(tmp, "ok").exists():
            err = " ".join((proc.stderr or "").strip().splitlines()[-1:]) or f"exit code {proc.returncode}"
            return None, f"bwrap cannot make its sandbox here ({err[:300]})"
    if box.prlimit is None:
        return box, "prlimit is missing: no memory or process limit"
    return box, ""
