"""Registry portraits: the photo the authorities hold for a person (in China, the public-security
ID photo), the only face reference for anyone 16 or over.

`PortraitSource` is what the portal needs of the registry; a real registry client implements it.
`FilePortraits` is the implementation the project ships: one re-encoded image per registry
person, named by the person's id, in a folder under the state directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable
from uuid import UUID

import anyio


@runtime_checkable  # routes receive it as a dependency, which Litestar checks by isinstance
class PortraitSource(Protocol):
    async def portrait(self, person_id: UUID) -> bytes | None:
        """The person's registry portrait, or None when the registry holds none."""
        ...


class FilePortraits:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, person_id: UUID) -> anyio.Path:
        return anyio.Path(self.root / person_id.hex)  # a UUID: no path tricks

    async def portrait(self, person_id: UUID) -> bytes | None:
        path = self._path(person_id)
        if not await path.is_file():
            return None
        return await path.read_bytes()

    async def save(self, person_id: UUID, image: bytes) -> None:
        """Store (or replace) a portrait: the operator's command and the demo seed."""
        path = self._path(person_id)
        await path.parent.mkdir(parents=True, exist_ok=True)
        await path.write_bytes(image)
