"""Nothing a sender types crashes the portal, on SQLite and PostgreSQL: every POST route, with
a signed-in holder and her son's real binding in its address, gets the bodies a tester would
try; every page gets the same values in the query parameters the pages use. A refusal (4xx) is
the right answer to all of them; any 5xx fails, and so does a request still unanswered after
the test's time limit.

Each of these once found a crash: "1e309" (Decimal's own syntax, then a rounding that raised),
"²²²²" (isdigit() but not int()), an invalid PIN form with no payment asked, and a multipart
body sent to a JSON endpoint (it hung)."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar

from app.adapters.clock import utcnow
from app.config import Settings
from app.services.context import UnitOfWork
from tests.conftest import csrf_token
from tests.integration.payment_steps import son_base

HOSTILE = ["", "汉" * 2_000, "\x00", "1e309", "NaN", "²²²²", "-1", "9" * 400]
# The names the portal's forms and links use (a field a route does not read is ignored).
FIELDS = [
    "pin", "password", "id_number", "name", "relationship", "code", "number", "who", "accept",
    "consent", "quota", "base", "grade", "year", "not_student", "checked", "idempotency_key",
    "line", "from_city", "to_city", "decision", "reason", "key", "enrolment_code", "next",
    "lang", "job", "retire_at", "month", "starts", "approved",
]  # fmt: skip
QUERY = ["year", "page", "round", "state", "grade", "base", "quota", "line", "fund", "code",
         "checked", "not_student", "job", "retire_at", "next", "request"]  # fmt: skip
# Routes that end the session the rest of the test needs.
ENDS_SESSION = {"/logout", "/staff/logout"}
_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


def _filled(path: str, binding: str) -> str:
    def value(found: re.Match[str]) -> str:
        name, kind = found.groups()
        if name == "binding_id":
            return binding
        if kind == "uuid":
            return str(uuid4())
        if kind == "int":
            return str(utcnow().year)
        return "pin" if name == "step" else "x"

    return _PARAMETER.sub(value, path)


def _routes(app: Litestar, method: str) -> list[str]:
    return sorted(
        route.path
        for route in app.routes
        if method in getattr(route, "methods", ()) and route.path not in ENDS_SESSION
    )


async def _post_all(client: httpx.AsyncClient, path: str, token: str) -> list[str]:
    crashed = []
    sent: list[tuple[str, dict[str, Any]]] = [
        (repr(value[:8]), {"data": {"_csrf_token": token, **dict.fromkeys(FIELDS, value)}})
        for value in HOSTILE
    ]
    sent += [
        ("invalid UTF-8", {"content": b"_csrf_token=" + token.encode() + b"&pin=%FF&name=%C3",
                           "headers": {"content-type": "application/x-www-form-urlencoded"}}),
        ("JSON", {"content": b'{"credential": [1, {', "headers": {
            "content-type": "application/json", "x-csrftoken": token}}),
        ("multipart", {"data": {"_csrf_token": token, "quota": "1e309"},
                       "files": {"proof": ("a.jpg", b"\xff\xd8\xff not a photo", "image/jpeg")}}),
    ]  # fmt: skip
    for label, request in sent:
        response = await client.post(path, **request)
        if response.status_code >= 500:
            crashed.append(f"POST {path} {label}: {response.status_code}")
    return crashed


@pytest.mark.timeout(240)
@pytest.mark.usefixtures("histories")  # the son's binding needs the demo histories
async def test_hostile_bodies_and_queries_are_refused_without_a_crash(
    app: Litestar, holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    son = (await son_base(seeded, migrated)).rsplit("/", 1)[1]
    token = await csrf_token(holder, "/my")  # type: ignore[arg-type]
    crashed: list[str] = []
    for path in _routes(app, "GET"):
        for value in ("²²²²", "1e309", "\x00"):
            response = await holder.get(_filled(path, son), params=dict.fromkeys(QUERY, value))
            if response.status_code >= 500:
                crashed.append(f"GET {path} {value!r}: {response.status_code}")
    for path in _routes(app, "POST"):
        crashed += await _post_all(holder, _filled(path, son), token)
    assert not crashed, "\n".join(crashed)
