"""The embedded session store (no Redis): one small file per session in a directory."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from litestar.stores.base import StorageObject, Store

PATHS_KEPT = 10_000  # the file names of the sessions read most recently (a hash each)


class SessionFiles(Store):
    """Each value is a file named by a hash of its key (so no key can name a path), holding
    Litestar's StorageObject (the expiry time and the data). Reads happen in place: every
    signed-in request reads a few hundred bytes from the page cache, which costs less than a hop
    to a worker thread and back; and a session read before is kept decoded in memory, read again
    only when its file changed (another process wrote it: a new file has a new inode). Writes (sign-in, and a session's "seen" time at most every 30 s)
    go to a thread; they write a new file and rename it over the old one, so a reader never sees
    half a session."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = str(directory)
        self._cache: dict[str, tuple[tuple[int, int, int], StorageObject]] = {}
        self._path = lru_cache(maxsize=PATHS_KEPT)(self._path_of)

    def _path_of(self, key: str) -> str:
        return os.path.join(self.directory, hashlib.blake2s(key.encode()).hexdigest())

    def _load(self, path: str) -> StorageObject | None:
        try:
            stat = os.stat(path)
            signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(path)
            if cached is not None and cached[0] == signature:
                item = cached[1]
            else:
                with open(path, "rb") as file:
                    item = StorageObject.from_bytes(file.read())
                self._cache[path] = (signature, item)
        except FileNotFoundError:
            self._cache.pop(path, None)
            return None
        if item.expired:
            self._cache.pop(path, None)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            return None
        return item

    def _write(self, path: str, raw: bytes) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(raw)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        item = self._load(self._path(key))
        if item is None:
            return None
        if renew_for and item.expires_at:
            await self.set(key, item.data, expires_in=renew_for)
        return item.data

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        raw = StorageObject.new(data=data, expires_in=expires_in).to_bytes()
        await asyncio.to_thread(self._write, self._path(key), raw)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        self._cache.pop(path, None)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    async def delete_all(self) -> None:
        self._cache.clear()
        for name in os.listdir(self.directory):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self.directory, name))

    async def exists(self, key: str) -> bool:
        return self._load(self._path(key)) is not None

    async def expires_in(self, key: str) -> int | None:
        item = self._load(self._path(key))
        return item.expires_in if item is not None and item.expires_at else None

    async def delete_expired(self) -> None:
        """Forget sessions past their expiry (a read of one does so too), and the copies of
        those another process deleted."""
        present = {
            os.path.join(self.directory, name)
            for name in os.listdir(self.directory)
            if not name.startswith(".tmp-")
        }
        for path in present:
            self._load(path)
        for path in set(self._cache) - present:
            self._cache.pop(path, None)
