"""Health check and the language choice."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect

from app.routes.forms import read_form
from app.routes.i18n import LANG_COOKIE, LOCALES
from app.routes.scan_scope import SESSION
from app.routes.web import page, safe_next


@get("/healthz", media_type="application/json")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@post("/language", opt=SESSION)
async def set_language(request: Request[Any, Any, Any]) -> Redirect:
    values = await read_form(request)
    lang = values.get("lang", "")
    target = safe_next(values.get("next"))
    if lang not in LOCALES:
        return Redirect(target, status_code=303)
    secure = request.url.scheme == "https"
    cookie = Cookie(
        key=LANG_COOKIE,
        value=lang,
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    return Redirect(target, status_code=303, cookies=[cookie])


@get("/accessibility", opt=SESSION)
async def accessibility(request: Request[Any, Any, Any]) -> Response[str]:
    """A public page with no database reads (also the benchmark's baseline)."""
    return page(request, "pages/accessibility.html")
