"""The passkey endpoints take JSON: a body declared as anything else is refused (415) unread.

Why before: a POST without the CSRF header has its token looked up in the form. For
multipart/form-data, Litestar's CSRF middleware streams the form on a request object of its own
and keeps no copy of the bytes, so a handler that then reads the body as JSON would wait for
bytes that never come, until the client gave up.

A `before_request` hook rather than a guard: Litestar closes a parsed form's uploaded files
after the hook and the handler, but not after a guard that refuses.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

JSON = "application/json"


async def json_only(request: Request[Any, Any, Any]) -> None:
    """Use as `before_request=json_only`: a body declared as anything but JSON is refused. One
    declared as nothing is read as JSON (an options request may send no body at all)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type and media_type != JSON:
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=f"Send the body as {JSON}."
        )
