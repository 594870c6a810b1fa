"""Work started after a request's commit (a notification sent at once, a refund) that must not
hold up the response, and is awaited at shutdown so none is cut off half-way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Background:
    """The tasks under way."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[object]] = set()

    def start(self, work: Callable[[], Awaitable[object]]) -> None:
        task = asyncio.ensure_future(self._logged(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @staticmethod
    async def _logged(work: Callable[[], Awaitable[object]]) -> object:
        try:
            return await work()
        except Exception:
            log.exception("background work failed; the next round tries again")
            return None

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
