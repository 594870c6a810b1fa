"""What a limited session may reach, held in one place: a guard on every route.

A session signed in by scanning at a self-service machine, or acting for a family member
(app/domain/scan_login.SessionScope), may view, print and certify for its one subject, and end
itself. Each route that allows it says so in its opts (`opt=VIEW`, `PRINT`, `CERTIFY` or
`SESSION`); every other route, including any added later, is refused to such a session before
its handler or dependencies run: unbinding, the PIN, the password, passkeys, paying, applying,
enrolling in a scheme, approving another scan login. tests/integration/test_scan_scope.py walks every route.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app.domain.scan_login import SessionScope
from app.routes.sessions import SCAN
from app.routes.web import refuse

OPT = "scan_session"  # the route opt naming what the route does, for a limited session
VIEW = {OPT: "view"}
PRINT = {OPT: "print"}
CERTIFY = {OPT: "certify"}
SESSION = {OPT: "session"}  # ends or adjusts the session itself; no subject's data


class NotInThisSession(Exception):
    """A limited session asked for what it may not do (answered 403, with the way back)."""


def scope_of(session: Mapping[str, Any]) -> SessionScope | None:
    """The session's limits, or None for an ordinary session."""
    scan = session.get(SCAN)
    if not isinstance(scan, dict):
        return None
    binding = scan.get("binding")
    return SessionScope(UUID(binding) if binding else None, kiosk=bool(scan.get("kiosk")))


def home_of(session: Mapping[str, Any]) -> str:
    """Where a limited session's pages start: its member's services, or the holder's own."""
    scan = session.get(SCAN)
    binding = scan.get("binding") if isinstance(scan, dict) else None
    return f"/family/{binding}" if binding else "/my"


# Guards are coroutines: Litestar runs a plain function guard in a worker thread, a thread
# hop on every request.
async def limited_session_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    session = connection.scope.get("session")
    if not isinstance(session, dict):  # static files and health checks carry no session
        return
    scope = scope_of(session)
    if scope is None:
        return
    page_binding = connection.path_params.get("binding_id")
    if not scope.allows(
        handler.opt.get(OPT), page_binding if isinstance(page_binding, UUID) else None
    ):
        await refuse(connection, NotInThisSession())
