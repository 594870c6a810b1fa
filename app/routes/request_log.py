"""A request id for every request, in its log records and its X-Request-ID header; every
server error logged with its traceback under that id; secrets kept out of access logs.

Hand-off codes travel in the path of /verify/{code} (the link the QR code holds), so the
access loggers of the servers (uvicorn, granian) and this module's own records show such
paths with the code replaced.
"""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
ACCESS_LOGGERS = ("uvicorn.access", "granian.access")
_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # an id from a proxy in front, if it looks like one
# /verify/{code}, but not /verify/status/{check id}: the code is a single-use secret.
_HANDOFF_PATH = re.compile(r"(/verify/)(?!status/)[^/?\s\"']+", re.IGNORECASE)
REDACTED = "[code]"

request_id: ContextVar[str] = ContextVar("request_id", default="-")
log = logging.getLogger("app.errors")


def redact(text: str) -> str:
    return _HANDOFF_PATH.sub(rf"\g<1>{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Replace hand-off codes in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def install_log_filters() -> None:
    """Once per process: every record gets the request id of the request it was logged in
    ("-" outside one), and hand-off codes are taken out of the access logs and ours."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "adds_request_id", False):

        def with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            record.request_id = request_id.get()
            return record

        with_request_id.adds_request_id = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(with_request_id)
    for logger in (*map(logging.getLogger, ACCESS_LOGGERS), log):
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        rid = given if _ID.fullmatch(given) else secrets.token_hex(8)
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)[HEADER] = rid
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)

    return middleware


def log_server_error(request: Request[Any, Any, Any], exc: BaseException) -> str:
    """Log an error that became a 500, with its traceback; returns the request id to show."""
    rid = request_id.get()
    log.error(
        "500 on %s %s (request %s)",
        request.method,
        request.url.path,
        rid,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return rid
