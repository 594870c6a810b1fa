"""A self-service machine signed in for 李秀英 by 王芳 may view, print and certify for her and
nothing else: every registered route is walked with its session, each one it may not use answers
403 before its handler runs, and afterwards nothing of either of them has changed (the binding,
the PIN, the password, the passkeys). The routes it may use are exactly the ones listed here: a
new route is refused until it says otherwise."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import httpx
from litestar import Litestar
from sqlalchemy import func, select

from app.config import Settings
from app.db.models import (
    AffinityBinding,
    AuditEvent,
    Enrolment,
    HolderAccount,
    PasskeyCredential,
)
from app.services.context import UnitOfWork
from app.services.insurance import ENROLLED
from tests.at_once import NewClient
from tests.integration.scan_screens import (
    EN,
    approve,
    claim_by_scan,
    open_mother,
    post,
    set_up_kiosk,
    shown,
    sign_in,
    token,
)

MEMBER = "/family/{binding_id:uuid}"
# (method, path) a machine session acting for a member may use, and why.
MAY = {
    ("GET", MEMBER): "view: her services",
    ("GET", f"{MEMBER}/card"): "view: her e-card",
    ("GET", f"{MEMBER}/card/qr"): "view: her e-card's QR code",
    ("GET", f"{MEMBER}/benefits"): "view: her rights and benefits list",
    ("GET", f"{MEMBER}/benefits/print"): "print it",
    ("GET", f"{MEMBER}/pension"): "view: her pension estimate",
    ("GET", f"{MEMBER}/pension/print"): "print it",
    ("GET", f"{MEMBER}/transfers"): "view: her transfers",
    ("GET", f"{MEMBER}/insurance"): "view: her insurance, scheme by scheme",
    ("GET", f"{MEMBER}/transfers/{{transfer_id:uuid}}"): "view: one transfer",
    ("GET", f"{MEMBER}/certification"): "view: her certification",
    ("POST", f"{MEMBER}/certification"): "certify her",
    ("GET", f"{MEMBER}/certification/checks/{{check_id:uuid}}"): "certify: the check's result",
    ("GET", "/kiosk"): "the machine's own page (back to her services)",
    ("POST", "/kiosk/finish"): "end the session",
    ("POST", "/logout"): "end the session",
    ("POST", "/session/extend"): "stay signed in",
    ("POST", "/language"): "change the language",
    ("GET", "/accessibility"): "the accessibility statement",
}
# No session at all: nothing to limit (the payment provider's notices, and the sandbox
# gateway, which stands for the provider's own site, included).
NO_SESSION = ("/static/", "/healthz", "/payments/notify/", "/sandbox-pay/")
# Walked last: they end the session.
ENDING = {("POST", "/kiosk/finish"), ("POST", "/logout")}


def _routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if route.path.startswith(NO_SESSION):
            continue
        for method in sorted(getattr(route, "methods", {"GET"}) - {"HEAD", "OPTIONS"}):
            found.append((method, route.path))
    return sorted(found, key=lambda r: r in ENDING)


def _path(template: str, binding: UUID) -> str:
    path = re.sub(
        r"\{(\w+):uuid\}",
        lambda m: str(binding) if m[1] == "binding_id" else str(uuid4()),
        template,
    )
    path = re.sub(r"\{\w+:int\}", "2026", path)  # a number, so the route itself matches
    return re.sub(r"\{\w+(:\w+)?\}", "x", path)


async def _state(seeded: UnitOfWork) -> tuple[object, ...]:
    """What a refused route could have changed."""
    await seeded.commit()
    bindings = (
        await seeded.db.execute(select(AffinityBinding.state, AffinityBinding.ended_at))
    ).all()
    accounts = (
        await seeded.db.execute(
            select(HolderAccount.password_hash, HolderAccount.pin_hash, HolderAccount.pin_failures)
        )
    ).all()
    passkeys = await seeded.db.scalar(select(func.count()).select_from(PasskeyCredential))
    return (
        tuple(sorted(map(tuple, bindings), key=str)),
        tuple(sorted(map(tuple, accounts))),
        passkeys,
    )


async def _machine_for_mother(
    screens: NewClient, seeded: UnitOfWork, settings: Settings
) -> tuple[httpx.AsyncClient, UUID]:
    mother = await open_mother(seeded, settings)
    kiosk, phone = screens(), screens()
    await set_up_kiosk(kiosk)
    await sign_in(phone)
    code = await shown(kiosk)
    await claim_by_scan(phone, code)
    assert (await approve(phone, code.number, str(mother))).status_code == 303
    signed = await post(kiosk, "/kiosk/complete", {}, from_page="/kiosk")
    assert signed.headers["location"] == f"/family/{mother}"
    return kiosk, mother


async def test_a_machine_session_for_a_member_reaches_only_view_print_and_certify(
    app: Litestar,
    at_once_on_the_database: NewClient,
    seeded: UnitOfWork,
    settings: Settings,
) -> None:
    kiosk, mother = await _machine_for_mother(at_once_on_the_database, seeded, settings)
    before = await _state(seeded)
    csrf = await token(kiosk, f"/family/{mother}")
    routes = _routes(app)
    assert len(routes) > 60, "the walk sees the whole app"
    assert set(MAY) <= set(routes), sorted(set(MAY) - set(routes))
    reached: dict[tuple[str, str], int] = {}
    for method, template in routes:
        path = _path(template, mother)
        if method == "GET":
            answer = await kiosk.get(path, headers=EN)
        else:
            answer = await kiosk.request(
                method, path, data={"_csrf_token": csrf, "pin": "258369"}, headers=EN
            )
        reached[(method, template)] = answer.status_code
        if (method, template) not in MAY:
            assert answer.status_code == 403, f"{method} {path} answered {answer.status_code}"
            assert "can only view, print and certify" in answer.text
        elif (method, template) not in ENDING:
            assert answer.status_code != 403, f"{method} {path} was refused"
    allowed = {route for route, status in reached.items() if status != 403}
    assert allowed == set(MAY), sorted(allowed ^ set(MAY))
    assert await _state(seeded) == before
    # Nothing was done for anyone by the refused routes either: no enrolment among them.
    for enrol in ("GET", f"{MEMBER}/insurance/enrol"), ("POST", f"{MEMBER}/insurance/enrol/pin"):
        assert reached[enrol] == 403, enrol
    refused = await seeded.db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.action.in_(
                ("affinity.revoked", "pin.changed", "password.changed", *ENROLLED.values())
            )
        )
    )
    assert not list(refused)
    assert not await seeded.db.scalar(select(func.count()).select_from(Enrolment))


async def test_its_own_pages_only_for_its_member(
    at_once_on_the_database: NewClient, seeded: UnitOfWork, settings: Settings
) -> None:
    """Even the pages it may view: not the holder's own (/my), and not another member's."""
    kiosk, mother = await _machine_for_mother(at_once_on_the_database, seeded, settings)
    for path in ("/my", "/my/card", "/my/benefits", "/", "/family", f"/family/{uuid4()}"):
        answer = await kiosk.get(path, headers=EN)
        assert answer.status_code == 403, (path, answer.status_code)
        assert f'href="/family/{mother}"' in answer.text  # the way back
    page = (await kiosk.get(f"/family/{mother}/certification", headers=EN)).text
    assert "Certify now on this phone" in page
