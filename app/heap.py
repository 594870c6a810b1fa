"""The process's garbage collector, told what will live as long as the process."""

from __future__ import annotations

import gc
from typing import Any

_settled = False


async def settle_heap(_app: Any = None) -> None:
    """Once per process, after start-up: what exists then (modules, routes, compiled
    templates) lives as long as the process, so the collector stops scanning it. A full
    collection of the quarter of a million such objects took 76 ms, a pause for every request
    in flight; after this it takes well under one. Once only: an app built again in the same
    process (the tests) would otherwise pin its predecessors' leftovers for good."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()
