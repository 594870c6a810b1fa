"""The CPU time a server process and its children have used, from Linux's /proc; and how often
the thread that runs the app's Python code had to wait.

Beside the requests per second: the machine's neighbours take the CPU now and then, which moves
the rate of a run but not the CPU time the server spent on each request. The waits tell when a
server's own threads take turns at the interpreter lock: granian hands each request over from
its Rust threads, which take the lock whenever the app releases it (a SQLite statement does),
and the app's thread then waits to have it back."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, float] | None:
    """Parent pid, and user + system seconds."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks


def _tree(pid: int) -> dict[int, float] | None:
    """The CPU seconds of `pid` and of every process below it, or None without /proc."""
    if not (PROC / str(pid) / "stat").exists():
        return None
    stats = {int(p.name): _stat(int(p.name)) for p in PROC.iterdir() if p.name.isdigit()}
    children: dict[int, list[int]] = {}
    for child, stat in stats.items():
        if stat is not None:
            children.setdefault(stat[0], []).append(child)
    seconds, todo = {}, [pid]
    while todo:
        current = todo.pop()
        stat = stats.get(current)
        seconds[current] = stat[1] if stat else 0.0
        todo.extend(children.get(current, []))
    return seconds


def cpu_seconds(pid: int) -> float | None:
    """Of `pid` and every process below it (granian's workers), or None without /proc."""
    tree = _tree(pid)
    return None if tree is None else sum(tree.values())


def app_thread_waits(pid: int) -> int | None:
    """How many times the main thread of the busiest process under `pid` (the one serving the
    app: granian's worker, uvicorn itself) has stopped to wait (its voluntary context
    switches), or None without /proc."""
    tree = _tree(pid)
    if not tree:
        return None
    busiest = max(tree, key=lambda process: tree[process])
    try:
        status = (PROC / str(busiest) / "task" / str(busiest) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    return None
