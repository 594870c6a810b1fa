"""Security headers on every response, and a session backend whose id can be rotated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty, Message, Scope

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'; img-src 'self' data:"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(self), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}
_ROTATE_FLAG = "essc.rotate_session"
_NEW_ID = "essc.new_session_id"
_LOADED = "essc.session_loaded"


def security_headers(*, hsts: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """A before_send hook: it sees every response, including the router's own 404s."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value
        if hsts:
            headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
        handler = scope.get("route_handler")
        if handler is None or not handler.opt.get("static"):  # static files are cached
            headers["cache-control"] = "no-store"

    return add_headers


def rotate_session(request: Request[Any, Any, Any]) -> None:
    """Give the session a new id when the response is sent (sign-in, step-up)."""
    request.scope[_ROTATE_FLAG] = True  # type: ignore[literal-required]


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, plus id rotation (the old id is deleted from the store)
    and no store write when a request leaves the session as it found it."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        new_id = connection.scope.get(_NEW_ID)
        if isinstance(new_id, str):
            return new_id
        return super().get_session_id(connection)

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        """One store read and one decode per request; the bytes read are kept to tell at the
        end whether the session changed."""
        session_id = connection.cookies.get(self.config.key)
        if not session_id:
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        raw = await self.get(session_id, store=store)
        if raw is None:
            return {}
        connection.scope[_LOADED] = raw  # type: ignore[literal-required]
        return self.deserialize_data(raw)

    async def store_in_message(
        self, scope_session: Any, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        scope = connection.scope
        loaded = scope.get(_LOADED)
        if scope_session is Empty or not scope_session:
            if loaded is not None:  # signed out: forget it in the store and in the browser
                await super().store_in_message(Empty, message, connection)
            return  # never store an empty session
        rotating = bool(scope.get(_ROTATE_FLAG))
        if not rotating and loaded == self.serialize_data(scope_session, scope):
            return  # unchanged: no store write, the cookie stands
        if rotating and _NEW_ID not in scope:
            old_id = connection.cookies.get(self.config.key)
            if old_id:
                store = self.config.get_store_from_app(scope["app"])
                await self.delete(old_id, store=store)
            scope[_NEW_ID] = self.generate_session_id()  # type: ignore[literal-required]
        await super().store_in_message(scope_session, message, connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend
