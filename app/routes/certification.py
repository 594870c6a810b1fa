"""Placeholder: replaced by the real pages."""

from __future__ import annotations

from litestar import Controller, get


class CertificationController(Controller):
    path = "/certification"

    @get("/")
    async def placeholder(self) -> str:
        return ""
