"""The passkey endpoints take JSON only: any other body is refused (415) before it is read.

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
    """Use as `before_request=json_only`: the request's body is declared as JSON."""
    media_type = request.headers.get("content-type", "").partition(";")[0]
    if media_type.strip().lower() != JSON:
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=f"Send the body as {JSON}."
        )
