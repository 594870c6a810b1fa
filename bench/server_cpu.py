"""The CPU time a server process and its children have used, from Linux's /proc.

Beside the requests per second: the machine's neighbours take the CPU now and then, which moves
the rate of a run but not the CPU time the server spent on each request."""

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


def cpu_seconds(pid: int) -> float | None:
    """Of `pid` and every process below it (granian's workers), or None without /proc."""
    if not (PROC / str(pid) / "stat").exists():
        return None
    stats = {int(p.name): _stat(int(p.name)) for p in PROC.iterdir() if p.name.isdigit()}
    children: dict[int, list[int]] = {}
    for child, stat in stats.items():
        if stat is not None:
            children.setdefault(stat[0], []).append(child)
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        stat = stats.get(current)
        total += stat[1] if stat else 0.0
        todo.extend(children.get(current, []))
    return total
