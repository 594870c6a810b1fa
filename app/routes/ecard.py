"""Placeholder: replaced by the real pages."""

from __future__ import annotations

from litestar import Controller, get


class SubjectCardController(Controller):
    path = "/card"

    @get("/")
    async def placeholder(self) -> str:
        return ""
