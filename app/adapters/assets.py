"""Static files as a cheap phone should get them: content-hashed names cached for a year
(`immutable`), brotli and gzip made once ahead of time instead of on every request, and 304
answers to conditional requests. ServeStatic serves them; its build step makes the hashed,
compressed copies and their manifest.

A build lives in a directory named by a digest of the sources, so processes starting at once
(several workers, parallel tests) share one: each builds into a directory of its own and
renames it into place, and a rename that finds the place taken keeps the other's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from litestar.types import Receive, Scope, Send
from servestatic import ServeStaticASGI
from servestatic.cli import main as servestatic_build

PREFIX = "/static/"
YEAR = 365 * 24 * 3600
MANIFEST = "staticfiles.json"


def _digest(source: Path) -> str:
    hasher = hashlib.blake2s()
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        hasher.update(path.relative_to(source).as_posix().encode() + b"\0")
        hasher.update(path.read_bytes())
    return hasher.hexdigest()[:16]


def build(source: Path, builds: Path) -> Path:
    """The build of `source`'s current contents, made if there is none yet."""
    target = builds / _digest(source)
    if (target / MANIFEST).exists():
        return target
    builds.mkdir(parents=True, exist_ok=True)
    working = Path(tempfile.mkdtemp(dir=builds, prefix=".build-"))
    servestatic_build(["--all", "--clear", "--quiet", str(source), str(working)])
    try:
        os.rename(working, target)
    except OSError:  # another process's build of the same sources is in place
        shutil.rmtree(working, ignore_errors=True)
    _forget_older(builds, keep=target)
    return target


def _forget_older(builds: Path, keep: Path) -> None:
    for old in builds.iterdir():
        if old != keep and not old.name.startswith("."):
            with contextlib.suppress(OSError):
                shutil.rmtree(old)


class Assets:
    """The hashed URL of each static file, and the ASGI app that serves them."""

    def __init__(self, built: Path) -> None:
        manifest = json.loads((built / MANIFEST).read_text(encoding="utf-8"))
        self._paths: dict[str, str] = manifest["paths"]
        self._files = ServeStaticASGI(
            None,
            root=built,
            prefix="/",  # what the mount at PREFIX leaves of the path
            max_age=YEAR,
            immutable_file_test=lambda _path, _url: True,  # every name carries its hash
            allow_all_origins=False,
        )

    def url(self, name: str) -> str:
        """`css/site.css` -> `/static/css/site.<hash>.css`."""
        return PREFIX + self._paths[name]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._files(scope, receive, send)
