"""Placeholder: replaced by the real pages."""

from __future__ import annotations

from litestar import Controller, get


class BenefitsController(Controller):
    path = "/benefits"

    @get("/")
    async def placeholder(self) -> str:
        return ""
