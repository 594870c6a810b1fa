"""Uploaded documents on disk, outside static/, under names the server makes."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import anyio

_NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png)")


class DocumentStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):  # only names this store made: no path tricks
            raise ValueError("not a document name")
        return self.root / name

    async def save(self, data: bytes, extension: str) -> str:
        name = f"{uuid.uuid4().hex}{extension}"
        path = anyio.Path(self._path(name))
        await path.parent.mkdir(parents=True, exist_ok=True)
        await path.write_bytes(data)
        return name

    async def read(self, name: str) -> bytes:
        return await anyio.Path(self._path(name)).read_bytes()

    async def delete(self, name: str | None) -> None:
        if name:
            await anyio.Path(self._path(name)).unlink(missing_ok=True)
