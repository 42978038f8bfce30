"""bench_sync's CPU shares: what the host's cores did while a step ran, beside the workers' and the simulator's."""

import os
import sys
import time

import pytest

from orders.management.bench_workers import cpu_seconds, cpu_share, host_busy_seconds
from orders.management.commands.bench_sync import _shares

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_a_share_is_of_all_the_cores():
    cores = os.cpu_count() or 1
    assert cpu_share(cores * 2.0, 4.0) == f"50% of {cores} cores"
    assert cpu_share(0.0, 0.0) == f"0% of {cores} cores"


def test_the_line_names_each_party():
    line = _shares(10.0, 1.0, 0.5, 4.0, "workers")
    assert line.startswith("workers ") and ", simulator " in line and ", whole host busy " in line


@linux_only
def test_the_host_was_busy_at_least_as_long_as_this_process():
    host, ours = host_busy_seconds(), cpu_seconds([os.getpid()])
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:  # burn a little CPU
        pass
    assert host_busy_seconds() - host >= (cpu_seconds([os.getpid()]) - ours) * 0.9 > 0
