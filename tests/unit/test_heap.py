"""The collector stops scanning what start-up made, once per process."""

from __future__ import annotations

import asyncio
import gc

import pytest

from app import heap


def test_start_up_objects_are_frozen_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_settled", False)
    gc.unfreeze()
    asyncio.run(heap.settle_heap())
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # this test process's modules, at the least
    assert len(gc.get_objects()) < frozen / 10  # what a collection still scans

    later = [[n] for n in range(1000)]  # made after start-up: not frozen by a second call
    asyncio.run(heap.settle_heap())
    assert gc.get_freeze_count() == frozen
    assert later
