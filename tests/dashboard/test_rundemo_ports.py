"""`make run` (the rundemo command) when a port it needs is taken: one line naming the variable, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.simulator_process import free_port, port_taken

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def occupied() -> Iterator[int]:
    """A port something listens on for the length of the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def rundemo(port: int, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "", **env}
    environment.pop("DATABASE_URL")
    return subprocess.run(  # noqa: S603 (our argv)
        [sys.executable, "manage.py", "rundemo", "--port", str(port), "--orders", "1"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_port_taken_sees_a_listening_socket(occupied: int) -> None:
    assert port_taken(occupied)
    assert not port_taken(free_port())


def test_simulator_port_taken_says_so_in_one_line(occupied: int, tmp_path: Path) -> None:
    done = rundemo(free_port(), tmp_path, JUSPAY_BASE_URL=f"http://127.0.0.1:{occupied}")
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"Port {occupied} (the Juspay simulator) is already in use" in lines[0]
    assert "JUSPAY_BASE_URL=" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout


def test_web_port_taken_says_so_in_one_line(occupied: int, tmp_path: Path) -> None:
    done = rundemo(occupied, tmp_path, JUSPAY_BASE_URL=f"http://127.0.0.1:{free_port()}")
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"Port {occupied} (the dashboard) is already in use" in lines[0]
    assert "PORT=" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
