"""The processes the benchmark runs: the app served the production way (gunicorn, DJANGO_DEBUG=0 with fresh
secrets, whitenoise), a Celery worker, and the bounded children it measures. Each is started by us and stopped
by its own handle."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database this process uses (the test database too), for the children."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@dataclass
class Secrets:
    secret_key: str
    audit_key: str
    webhook_user: str
    webhook_password: str

    @classmethod
    def fresh(cls) -> Secrets:
        return cls(secrets.token_urlsafe(48), secrets.token_urlsafe(36), "bench-webhooks", secrets.token_urlsafe(24))


def production_env(keys: Secrets, *, broker: str | None, redis: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": keys.secret_key,
            "AUDIT_HMAC_KEY": keys.audit_key,
            "JUSPAY_WEBHOOK_USERNAME": keys.webhook_user,
            "JUSPAY_WEBHOOK_PASSWORD": keys.webhook_password,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; everything else stays production
            "DATABASE_URL": database_url(),
            "CACHE_URL": redis,  # more than one web process: the login throttle counts in Redis
            "DATA_DIR": str(data_dir),
            "BENCH_ADMIN": "1",  # the peer: Django admin's change list over the same orders (benchmark only)
            "LOG_LEVEL": "WARNING",
        }
    )
    if broker:
        env["CELERY_BROKER_URL"] = broker
    return env


class Process:
    """A child we started, with its log; stopped by its own pid (SIGTERM, then SIGKILL)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT)  # noqa: S603

    def children(self) -> list[int]:
        """The pids of its child processes (gunicorn's workers), from /proc."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rpartition(")")[2].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return sorted(found)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def wait_until_up(url: str, process: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"{process.name} exited at start:\n{process.log_tail()}")
        try:
            httpx.get(url, timeout=10)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{process.name} did not answer at {url} within {seconds:.0f} s:\n{process.log_tail()}")


def manage(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{(done.stdout + done.stderr)[-3000:]}")


def serve(env: dict[str, str], *, port: int, workers: int, log_dir: Path, name: str) -> Process:
    """`make serve`'s gunicorn (whitenoise serves the collected static files), on 127.0.0.1:port."""
    manage(["collectstatic", "--noinput", "-v", "0"], env)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "dashboard.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
    ]
    server = Process(name, argv, env, log_dir)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server, seconds=180)
    except BaseException:
        server.stop()
        raise
    return server


def worker(env: dict[str, str], *, log_dir: Path, concurrency: int = 4) -> Process:
    """`make worker`: a Celery worker on the broker in env (threads: the refresh is I/O bound)."""
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "dashboard",
        "worker",
        "--pool=threads",
        f"--concurrency={concurrency}",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
    ]
    process = Process("celery-worker", argv, env, log_dir)
    time.sleep(4)  # ready in about 4 s here; webhooks sent before then only wait in the queue
    if process.process.poll() is not None:
        raise RuntimeError(f"the Celery worker exited at start:\n{process.log_tail()}")
    return process


def peak_rss_mib(argv: list[str], env: dict[str, str], *, seconds: float) -> tuple[float, bool]:
    """Run a child for at most `seconds`; its own peak resident set (MiB) and whether it finished on its own
    (else it was stopped with SIGTERM at the limit).

    The peak is the child's `VmHWM` (/proc/PID/status), read at every poll: wait4's `ru_maxrss` is not the
    child's own, since Linux carries the high-water mark of the memory the child had before its exec (this
    process's, copied by the fork) into it, so it read this process's own peak (304 MiB after the other
    sections, 210 MiB after writing a million ids) whatever the child did. `ru_maxrss` only where there is
    no /proc."""
    peak_kib = 0
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + seconds
        while True:
            peak_kib = max(peak_kib, _high_water_kib(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                finished = True
                break
            if time.monotonic() > deadline:
                process.send_signal(signal.SIGTERM)
                _pid, status, usage = os.wait4(process.pid, 0)
                finished = False
                break
            time.sleep(0.2)
        process.returncode = status  # reaped here: Popen must not wait for it again
    return (peak_kib or usage.ru_maxrss) / 1024, finished


def _high_water_kib(pid: int) -> int:
    """The peak resident set of a running process since its exec, in KiB (0 when unknown or exited)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_load(plan: dict[str, Any], work_dir: Path) -> dict[str, Any]:
    """The load process (fulfilment/benchmark/load.py) on `plan`; its JSON result (its progress lines go to our
    stderr as they come)."""
    import json

    path = work_dir / "plan.json"
    path.write_text(json.dumps(plan))
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "fulfilment.benchmark.load", str(path)],
        cwd=REPO,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result
