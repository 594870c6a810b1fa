"""The bench's CPU reading counts a process and the processes below it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.server_cpu import app_thread_waits, cpu_seconds

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="Linux /proc only")

# A parent that only sleeps, above a child that works until it is stopped.
PARENT = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'while True: pass'])\n"
    "time.sleep(60)\n"
)

# A parent that only sleeps, above a child that works and waits in turn, a millisecond each.
WAITING_CHILD = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', "
    "'import time\\nwhile True:\\n end = time.process_time() + 0.001\\n"
    " while time.process_time() < end: pass\\n time.sleep(0.001)'])\n"
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


def test_the_waits_are_those_of_the_process_that_works() -> None:
    parent = subprocess.Popen([sys.executable, "-c", WAITING_CHILD], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while (cpu_seconds(parent.pid) or 0.0) < 0.2:  # the child is the busiest by then
            assert time.monotonic() < deadline, "the child did not start working"
            time.sleep(0.05)
        before = app_thread_waits(parent.pid)
        time.sleep(0.5)
        after = app_thread_waits(parent.pid)
        assert before is not None and after is not None
        assert after - before >= 50  # about 250 sleeps; the sleeping parent waits only once
    finally:
        os.killpg(parent.pid, 9)
        parent.wait()
