"""A single-node Slurm (slurmctld + slurmd, authenticated by munge) configured in one temporary folder.

Needs Debian's ``slurm-wlm`` and ``munge`` (``.ci/run`` installs them) and
root (slurmd runs jobs as their user). Every daemon gets its own key, socket,
ports, state and log files under the folder, so nothing of the machine's own
Slurm or munge (if any) is touched; :meth:`SingleNodeSlurm.stop` ends exactly
the processes :meth:`~SingleNodeSlurm.start` began.

Used by ``tests/grader/test_slurm.py``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scontrol")
START_TIMEOUT = 60.0


class SlurmUnavailable(RuntimeError):
    """Why a Slurm cannot run here, in a sentence."""


def why_unavailable():
    """A sentence saying why a single-node Slurm cannot be started here, or None."""
    if os.name != "posix" or not hasattr(os, "geteuid"):
        return "Slurm runs on Linux only"
    missing = [p for p in DAEMONS + CLIENTS if _which(p) is None]
    if missing:
        return (f"Slurm is not installed (missing {', '.join(missing)}); on Debian/Ubuntu: "
                "apt-get install slurm-wlm munge (.ci/run does it)")
    if os.geteuid() != 0:
        return "slurmd must run as root to start jobs, and this test runs as a user"
    return None


def _which(name):
    return shutil.which(name) or next((str(Path(d, name)) for d in ("/usr/sbin", "/sbin")
                                       if Path(d, name).exists()), None)


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_for(condition, timeout, what, interval=0.5):
    """Call ``condition()`` until it is truthy (return it) or ``timeout`` seconds pass (raise TimeoutError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what}")
        time.sleep(interval)


class SingleNodeSlurm:
    """slurmctld + slurmd on this machine, one partition, configured in ``folder``."""

    def __init__(self, folder, cpus=None):
        self.dir = Path(folder)
        self.cpus = cpus or os.cpu_count() or 1
        self.node = socket.gethostname().split(".")[0]
        self.procs = {}
        self.conf = self.dir / "slurm.conf"
        self.munge_socket = self.dir / "munge" / "munge.socket"

    # -------------------------------------------------------------- environment
    def env(self, base=None):
        """The environment Slurm's client commands need (SLURM_CONF points at this cluster)."""
        env = dict(os.environ if base is None else base)
        env["SLURM_CONF"] = str(self.conf)
        return env

    def _write_config(self):
        munge = self.dir / "munge"
        for d in (munge, self.dir / "state", self.dir / "spool", self.dir / "log"):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(munge, 0o700)
        key = munge / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        ctld_port, slurmd_port = _free_ports(2)
        d = self.dir
        self.conf.write_text(f"""\
ClusterName=bpkittest
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={d / 'state'}
SlurmdSpoolDir={d / 'spool'}
SlurmctldPidFile={d / 'slurmctld.pid'}
SlurmdPidFile={d / 'slurmd.pid'}
SlurmctldLogFile={d / 'log' / 'slurmctld.log'}
SlurmdLogFile={d / 'log' / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} State=UNKNOWN
PartitionName=grading Nodes={self.node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
""")

    # ------------------------------------------------------------------- daemons
    def _spawn(self, name, argv):
        log = open(self.dir / "log" / f"{name}.stdout", "wb")
        self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env(),
                                            start_new_session=True)
        log.close()

    def _alive(self, name):
        p = self.procs.get(name)
        if p is None or p.poll() is not None:
            raise SlurmUnavailable(f"{name} exited ({p.returncode if p else '?'}): {self.log_tail(name)}")
        return True

    def log_tail(self, name, lines=15):
        """The last lines of a daemon's logs, for error messages."""
        texts = []
        for f in sorted((self.dir / "log").glob(f"{name}*")):
            texts.append(f"{f.name}: " + " | ".join(f.read_text(errors="replace").splitlines()[-lines:]))
        return "; ".join(texts) or "(no log)"

    def start(self):
        """Start munged, slurmctld and slurmd; return once the node takes jobs. Raises SlurmUnavailable."""
        self._write_config()
        m = self.dir / "munge"
        self._spawn("munged", [_which("munged"), "--foreground", "--force", f"--socket={self.munge_socket}",
                               f"--key-file={m / 'munge.key'}", f"--pid-file={m / 'munged.pid'}",
                               f"--seed-file={m / 'munged.seed'}", f"--log-file={self.dir / 'log' / 'munged.log'}"])
        try:
            wait_for(lambda: self._alive("munged") and self.munge_socket.exists(), 20, "munged's socket")
            self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(self.conf)])
            wait_for(lambda: self._alive("slurmctld") and self._ping(), START_TIMEOUT, "slurmctld to answer")
            self._spawn("slurmd", [_which("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])
            wait_for(lambda: self._alive("slurmd") and self._node_idle(), START_TIMEOUT, "the node to be idle")
        except (TimeoutError, SlurmUnavailable) as exc:
            why = f"{exc}; slurmctld: {self.log_tail('slurmctld')}; slurmd: {self.log_tail('slurmd')}"
            self.stop()
            raise SlurmUnavailable(why) from None
        return self

    def _run(self, *argv, timeout=20):
        return subprocess.run(argv, capture_output=True, text=True, env=self.env(), timeout=timeout)

    def _ping(self):
        r = self._run("scontrol", "ping")
        return r.returncode == 0 and "UP" in r.stdout

    def _node_idle(self):
        r = self._run("sinfo", "-h", "-N", "-o", "%T") if _which("sinfo") else self._run(
            "scontrol", "show", "node", self.node)
        return r.returncode == 0 and "idle" in r.stdout.lower()

    def stop(self):
        """End the daemons this object started (slurmd first), each by its own process group."""
        for name in ("slurmd", "slurmctld", "munged"):
            p = self.procs.pop(name, None)
            if p is None or p.poll() is not None:
                continue
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    # ---------------------------------------------------------------------- jobs
    def queued(self, job_ids):
        """The lines ``squeue`` prints for these jobs (array tasks included); empty once all have left."""
        r = self._run("squeue", "-h", "-j", ",".join(job_ids), "-o", "%i %T %R")
        if r.returncode != 0:  # squeue fails for ids no longer known: they are done
            return []
        return [line for line in r.stdout.splitlines() if line.strip()]

    def job_states(self, job_id):
        """``{job or task id: state}`` from ``scontrol show job`` (kept MinJobAge seconds after the end)."""
        r = self._run("scontrol", "-o", "show", "job", job_id)
        states = {}
        for line in r.stdout.splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            jid = fields.get("JobId", "?")
            if fields.get("ArrayTaskId"):
                jid = f"{fields.get('ArrayJobId')}_{fields['ArrayTaskId']}"
            states[jid] = (fields.get("JobState"), fields.get("ExitCode"))
        return states

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
