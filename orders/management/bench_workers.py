"""Real Celery worker processes and child-process memory for `bench_sync` (benchmark tooling, not product code)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes `pids` have used so far (Linux's /proc; 0 elsewhere), so that a
    benchmark on a busy machine can report CPU per order, which other work disturbs far less than wall time."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of stat)
    return total


def host_busy_seconds() -> float:
    """CPU seconds the whole host has spent busy (not idle nor waiting on I/O) since boot, over all its cores
    (Linux's /proc/stat; 0 elsewhere): beside a benchmark's own CPU it says whether the cores were the limit."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    user, nice, system, _idle, _iowait, irq, softirq, *rest = (int(v) for v in first[1:])
    steal = rest[0] if rest else 0
    return (user + nice + system + irq + softirq + steal) / ticks


def cpu_share(seconds: float, elapsed: float) -> str:
    """`seconds` of CPU over `elapsed` wall seconds as a share of the host's cores, e.g. "37% of 2 cores"."""
    cores = os.cpu_count() or 1
    return f"{100 * seconds / max(elapsed * cores, 1e-9):.0f}% of {cores} cores"


@contextmanager
def celery_workers(count: int, *, log_dir: Path, ready_timeout: float = 240.0) -> Iterator[list[int]]:
    """`count` worker processes (`--pool=solo`, one task at a time each: a process is the unit that scales) on
    a queue of their own, which this process then sends its tasks to; yields their process ids."""
    from dashboard.celery import app

    queue = f"bench-sync-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue, "PYTHONUNBUFFERED": "1"}
    log_dir.mkdir(parents=True, exist_ok=True)
    names = [f"w{i}-{queue}@{os.uname().nodename}" for i in range(count)]
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    previous = app.conf.task_default_queue
    try:
        for name in names:
            log = open(log_dir / f"{name.split('@')[0]}.log", "w")  # noqa: SIM115 (closed below)
            logs.append(log)
            argv = [sys.executable, "-m", "celery", "-A", "dashboard", "worker", "--pool=solo", "--loglevel=WARNING"]
            argv += ["-Q", queue, "-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat"]
            procs.append(subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT))  # noqa: S603
        deadline, ready = time.monotonic() + ready_timeout, set[str]()
        while ready != set(names):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"celery workers not ready; see the logs in {log_dir}")
            for reply in app.control.ping(destination=names, timeout=0.5) or []:
                ready |= set(reply)
        app.conf.task_default_queue = queue
        yield [p.pid for p in procs]
    finally:
        app.conf.task_default_queue = previous
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


def purge(queue: str) -> int:
    """Drop the messages left on `queue` (the memory mode queues chunks that no worker takes)."""
    from dashboard.celery import app

    with app.connection_for_write() as conn:
        return int(conn.default_channel.queue_purge(queue) or 0)  # type: ignore[attr-defined]


def peak_rss_mib(argv: list[str], *, env: dict[str, str]) -> tuple[float, int]:
    """Run a child process to its end; its peak resident memory (MiB, from wait4's ru_maxrss) and exit code."""
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, proc.returncode
