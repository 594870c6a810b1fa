"""The bench's CPU reading counts a process and the processes below it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.server_cpu import cpu_seconds

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="Linux /proc only")

# A parent that only sleeps, above a child that works until it is stopped.
PARENT = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'while True: pass'])\n"
    "time.sleep(60)\n"
)


def test_a_process_time_grows_as_it_works() -> None:
    before = cpu_seconds(os.getpid())
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    after = cpu_seconds(os.getpid())
    assert before is not None and after is not None
    assert after - before >= 0.15


def test_a_child_is_counted_with_its_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while (cpu_seconds(parent.pid) or 0.0) < 0.5:  # only the child's work can get it there
            assert time.monotonic() < deadline, "the child's CPU time was not counted"
            time.sleep(0.05)
    finally:
        os.killpg(parent.pid, 9)
        parent.wait()
    assert cpu_seconds(parent.pid) is None  # a process that has gone has no reading
