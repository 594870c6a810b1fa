"""`/static/...`: the hashed, compressed static files (app/adapters/assets.py)."""

from __future__ import annotations

from litestar import asgi
from litestar.handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send

from app.adapters.assets import Assets

# A mount sees only the rest of the path, so the middleware's path excludes cannot match it:
# it opts out of sessions, CSRF and compression by these keys instead.
STATIC_OPT = {"static": True, "skip_session": True, "exclude_from_csrf": True}


def static_route(assets: Assets) -> ASGIRouteHandler:
    async def static_files(scope: Scope, receive: Receive, send: Send) -> None:
        await assets(scope, receive, send)

    mount = asgi("/static", name="static", is_static=True, copy_scope=True, opt=STATIC_OPT)
    return mount(static_files)
