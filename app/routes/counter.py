"""Placeholder: replaced by the real page."""

from __future__ import annotations

from litestar import Controller, get


class CounterController(Controller):
    path = "/counter"

    @get("/")
    async def placeholder(self) -> str:
        return ""
