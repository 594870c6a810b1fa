"""Scan login through the routes: a self-service machine shows a code that changes every second;
王芳's phone reads it (the QR code decoded as a camera would), sees where the sign-in happens,
picks the number and her mother, confirms with her PIN; the machine is then signed in acting
for 李秀英, until "Finish"; 李秀英 sees it under "Who acted for me". Each refusal has its own
message; a binding no longer active is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from uuid import UUID

import httpx
import pytest
from sqlalchemy import select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import AffinityBinding, Kiosk, ScanLogin
from app.services import scan_login as scan_service
from app.services.context import UnitOfWork
from app.services.maintenance import tidy
from app.services.seed import DEMO_KIOSK
from tests.at_once import NewClient
from tests.integration.scan_screens import (
    EN,
    HX,
    MOTHER,
    approve,
    choices,
    claim_by_scan,
    open_mother,
    post,
    set_up_kiosk,
    shown,
    sign_in,
)
from tests.integration.test_operator_commands import _cli


class Clock:
    """The time the routes see, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


MODULES_WITH_CLOCKS = (
    "app.routes.scan_wait",
    "app.routes.scan_phone",
    "app.routes.kiosk",
)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moved = Clock()
    for module in MODULES_WITH_CLOCKS:
        monkeypatch.setattr(f"{module}.utcnow", moved)
    yield moved


@pytest.fixture
def screens(at_once_on_the_database: NewClient) -> NewClient:
    return at_once_on_the_database


async def _kiosk(screens: NewClient) -> httpx.AsyncClient:
    kiosk = screens()
    await set_up_kiosk(kiosk)
    return kiosk


async def _phone(screens: NewClient) -> httpx.AsyncClient:
    phone = screens()
    await sign_in(phone)
    return phone


def _main(page: str) -> str:
    return page[page.find("<main") :]


async def test_the_code_changes_every_second_and_the_qr_code_says_so(
    screens: NewClient, clock: Clock
) -> None:
    kiosk = await _kiosk(screens)
    first = await shown(kiosk)
    page = (await kiosk.get("/kiosk", headers=EN)).text
    assert DEMO_KIOSK.name in page and DEMO_KIOSK.hall in page
    assert re.fullmatch(r"http://localhost:\d+/scan/q/[A-Z2-7]{26}\.0\.[0-9a-f]{64}", first.link)
    clock.tick(1)
    poll = await kiosk.get("/kiosk", headers=HX)  # the region alone, as HTMX polls it
    assert poll.status_code == 200 and "<main" not in poll.text
    second = (await shown(kiosk)).link
    token = first.link.split("/")[-1].split(".")[0]
    assert second.split("/")[-1].startswith(f"{token}.1.") and second != first.link
    # The same request: its typed code and number stay.
    again = await shown(kiosk)
    assert (again.typed, again.number) == (first.typed, first.number)


async def test_wang_fang_signs_the_kiosk_in_for_her_mother(
    screens: NewClient, seeded: UnitOfWork, settings: Settings
) -> None:
    mother = await open_mother(seeded, settings)
    kiosk, phone = await _kiosk(screens), await _phone(screens)
    code = await shown(kiosk)
    assert (await kiosk.post("/kiosk/complete", data={})).status_code == 403  # no CSRF token
    not_yet = await post(kiosk, "/kiosk/complete", {}, from_page="/kiosk")
    assert not_yet.status_code == 409 and "Nobody has confirmed on a phone yet" in not_yet.text

    found = await claim_by_scan(phone, code)
    assert found.status_code == 303 and found.headers["location"] == "/scan/confirm"
    confirm = (await phone.get("/scan/confirm", headers=EN)).text
    assert "The self-service machine" in confirm
    assert f'<span lang="zh-Hans">{DEMO_KIOSK.name}</span>' in confirm
    assert f'<span lang="zh-Hans">{DEMO_KIOSK.hall}</span>' in confirm
    offered = choices(confirm)
    assert len(set(offered)) == 3 and code.number in offered
    assert f'value="{mother}"' in confirm and 'value="self"' in confirm

    done = await approve(phone, code.number, str(mother))
    assert done.status_code == 303 and done.headers["location"] == "/scan/done"
    assert "signing in for" in (await phone.get("/scan/done", headers=EN)).text

    poll = await kiosk.get("/kiosk", headers=HX)
    assert 'hx-post="/kiosk/complete" hx-trigger="load"' in poll.text
    signed = await post(kiosk, "/kiosk/complete", {}, from_page="/kiosk")
    assert signed.status_code == 303 and signed.headers["location"] == f"/family/{mother}"
    home = (await kiosk.get(f"/family/{mother}", headers=EN)).text
    banner = re.sub(r"<[^>]+>", "", home.split('class="acting-banner"', 1)[1].split("</p>", 1)[0])
    assert "Acting for 李秀英, signed in by 王芳" in banner
    assert '<form method="post" action="/kiosk/finish"' in home
    assert 'data-idle-seconds="120"' in home  # the machine's idle limit, not the holder's
    assert 'class="kiosk"' in home and "<summary>My</summary>" not in home
    # Signed in, the machine cannot complete another sign-in.
    again = await post(kiosk, "/kiosk/complete", {}, from_page=f"/family/{mother}")
    assert again.status_code == 403

    finished = await post(
        kiosk, "/kiosk/finish", {"how": "finished"}, from_page=f"/family/{mother}"
    )
    assert finished.headers["location"] == "/kiosk?ended=finished"
    after = await kiosk.get(f"/family/{mother}", headers=EN)
    assert after.status_code == 303 and after.headers["location"].startswith("/kiosk")
    ready = (await kiosk.get("/kiosk?ended=finished", headers=EN)).text
    assert "The machine is ready for the next person" in ready
    assert (await shown(kiosk)).link != code.link  # a new request for the next person

    own = screens()
    await sign_in(own, (MOTHER[1], "mother-demo-2025", ""))
    account = (await own.get("/account", headers=EN)).text
    section = account.split('id="acted-for-me"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", section))
    place = f"The self-service machine {DEMO_KIOSK.name} at {DEMO_KIOSK.hall}"
    for action in (
        "Confirmed a sign-in for you by scanning a code",
        "Signed in for you by scanning a code",
        "Ended a session for you at a self-service machine",
    ):
        assert f"{action}: {place}" in text, text


async def test_the_phone_is_told_where_a_browser_signs_in(screens: NewClient) -> None:
    browser = screens()
    chrome = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    )
    browser.headers["user-agent"] = chrome
    start = await post(browser, "/login/scan", {"next": "/card"}, from_page="/login")
    assert start.headers["location"] == "/login/scan"
    code = await shown(browser, "/login/scan")
    phone = await _phone(screens)
    assert (await claim_by_scan(phone, code)).status_code == 303
    confirm = (await phone.get("/scan/confirm", headers=EN)).text
    assert "A browser: Chrome on Windows" in confirm and "Network address" in confirm
    assert (await approve(phone, code.number, "self")).status_code == 303
    signed = await post(browser, "/login/scan/complete", {}, from_page="/login/scan")
    assert signed.status_code == 303 and signed.headers["location"] == "/card"
    # Herself, in a browser: an ordinary session (no limits, the usual menu).
    page = (await browser.get("/account", headers=EN)).text
    assert "<summary>My</summary>" in page and "signed in by" not in page


async def test_each_refusal_has_its_own_message(
    screens: NewClient, seeded: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    messages: dict[str, str] = {}
    kiosk, phone = await _kiosk(screens), await _phone(screens)

    # unknown: a code nobody was shown, a link nobody drew
    typed = await post(phone, "/scan", {"code": "0000-0000"})
    assert typed.status_code == 422
    messages["unknown"] = re.search(r'id="code-error">.*?</span> (.*?)</p>', typed.text).group(1)  # type: ignore[union-attr]
    forged = await phone.get(f"/scan/q/{'A' * 26}.3.{'0' * 64}", headers=EN)
    assert forged.status_code == 409 and messages["unknown"] in forged.text

    # stale: the QR code of some seconds ago (a photo relayed elsewhere)
    old = await shown(kiosk)
    clock.tick(settings.policy.scan_code_tolerance_seconds + 1)
    stale = await claim_by_scan(phone, old)
    assert stale.status_code == 409 and 'data-scan-refused="stale"' in stale.text
    messages["stale"] = _refusal(stale.text)
    # ... while the code typed by hand still works, and the number still counts
    code = await shown(kiosk)
    assert code.typed == old.typed
    assert (await post(phone, "/scan", {"code": code.typed})).status_code == 303

    # mismatched: a wrong number ends the request, on the phone and on the screen
    wrong = next(n for n in choices((await phone.get("/scan/confirm")).text) if n != code.number)
    refused = await approve(phone, wrong, "self")
    assert refused.status_code == 409 and 'data-scan-refused="mismatched"' in refused.text
    messages["mismatched"] = _refusal(refused.text)
    screen = (await kiosk.get("/kiosk", headers=EN)).text
    assert 'data-scan-refused="mismatched"' in screen
    assert (await post(phone, "/scan", {"code": code.typed})).status_code == 422  # ended

    # used: approved once, then again
    await post(kiosk, "/kiosk", {})
    code = await shown(kiosk)
    assert (await post(phone, "/scan", {"code": code.typed})).status_code == 303
    assert (await approve(phone, code.number, "self")).status_code == 303
    again = await post(phone, "/scan", {"code": code.typed})
    assert again.status_code == 422
    messages["used"] = re.search(r'id="code-error">.*?</span> (.*?)</p>', again.text).group(1)  # type: ignore[union-attr]

    # expired: the request's time is over before the phone confirms
    await post(kiosk, "/kiosk", {})
    code = await shown(kiosk)
    assert (await post(phone, "/scan", {"code": code.typed})).status_code == 303
    clock.tick(settings.policy.scan_login_seconds)
    late = await approve(phone, code.number, "self")
    assert late.status_code == 409 and 'data-scan-refused="expired"' in late.text
    messages["expired"] = _refusal(late.text)
    assert 'data-scan-refused="expired"' in (await kiosk.get("/kiosk", headers=EN)).text

    assert len(set(messages.values())) == len(messages) == 5, messages


def _refusal(page: str) -> str:
    return re.search(r'data-scan-refused="\w+"><p>(.*?)</p>', page, re.S).group(1)  # type: ignore[union-attr]


async def test_a_binding_no_longer_active_is_refused(
    screens: NewClient, seeded: UnitOfWork, settings: Settings
) -> None:
    mother = await open_mother(seeded, settings)
    kiosk, phone = await _kiosk(screens), await _phone(screens)
    code = await shown(kiosk)
    assert (await claim_by_scan(phone, code)).status_code == 303
    await _revoke(seeded, mother)
    refused = await approve(phone, code.number, str(mother))
    assert refused.status_code == 422
    assert "You can no longer act for this family member" in refused.text
    assert f'value="{mother}"' not in refused.text  # no longer offered

    # Approved while active, then revoked before the machine signs in: nobody is signed in.
    other = await open_mother(seeded, settings)
    assert (await approve(phone, code.number, str(other))).status_code == 303
    await _revoke(seeded, other)
    withdrawn = await post(kiosk, "/kiosk/complete", {}, from_page="/kiosk")
    assert withdrawn.status_code == 409 and 'data-scan-refused="withdrawn"' in withdrawn.text
    assert "signed in by" not in withdrawn.text
    await seeded.commit()
    signed = await seeded.db.scalar(select(ScanLogin.state).where(ScanLogin.binding_id == other))
    assert signed == "approved"  # never used


async def _revoke(seeded: UnitOfWork, binding_id: UUID) -> None:
    await seeded.commit()
    binding = await seeded.db.get(AffinityBinding, binding_id)
    assert binding is not None
    binding.state = "revoked"
    binding.ended_at = utcnow()
    await seeded.commit()


async def test_a_kiosk_key_is_needed_and_wrong_keys_are_counted(screens: NewClient) -> None:
    machine = screens()
    first = (await machine.get("/kiosk", headers=EN)).text
    assert "Set up this self-service machine" in first and "scan-qr" not in first
    wrong = await post(machine, "/kiosk/setup", {"key": "NOT-A-KEY"}, from_page="/kiosk")
    assert (
        wrong.status_code == 422 and "This is not the key of any self-service machine" in wrong.text
    )
    await set_up_kiosk(machine)
    assert "scan-qr" in (await machine.get("/kiosk", headers=EN)).text


async def test_an_idle_kiosk_session_ends_for_the_next_person(
    screens: NewClient, seeded: UnitOfWork, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    mother = await open_mother(seeded, settings)
    kiosk, phone = await _kiosk(screens), await _phone(screens)
    code = await shown(kiosk)
    await claim_by_scan(phone, code)
    await approve(phone, code.number, str(mother))
    await post(kiosk, "/kiosk/complete", {}, from_page="/kiosk")
    assert (await kiosk.get(f"/family/{mother}")).status_code == 200
    later = utcnow() + timedelta(seconds=settings.policy.kiosk_idle_seconds + 1)
    monkeypatch.setattr("app.routes.deps.utcnow", lambda: later)
    idle = await kiosk.get(f"/family/{mother}")
    assert idle.status_code == 303 and idle.headers["location"] == "/kiosk?ended=timed_out"
    monkeypatch.undo()
    assert (await kiosk.get(f"/family/{mother}")).status_code == 303  # for good


async def test_an_operator_gives_a_machine_a_new_key_and_the_old_one_stops_working(
    screens: NewClient, seeded: UnitOfWork, settings: Settings
) -> None:
    status, out, _ = await _cli(settings, "kiosk-key", DEMO_KIOSK.code)
    assert status == 0
    key = out.splitlines()[0]
    assert re.fullmatch(r"([A-Z2-9]{4}-){4}[A-Z2-9]{4}", key), key
    stored = await seeded.db.scalar(select(Kiosk.key_hash).where(Kiosk.code == DEMO_KIOSK.code))
    assert stored and key not in stored and key.replace("-", "") not in stored  # only a hash
    old = screens()
    refused = await post(old, "/kiosk/setup", {"key": DEMO_KIOSK.key}, from_page="/kiosk")
    assert refused.status_code == 422
    new = screens()
    assert (await post(new, "/kiosk/setup", {"key": key}, from_page="/kiosk")).status_code == 303
    assert "scan-qr" in (await new.get("/kiosk", headers=EN)).text
    status, _, err = await _cli(settings, "kiosk-key", "NO-SUCH")
    assert status == 1 and "no self-service machine NO-SUCH" in err


async def test_requests_and_their_secrets_are_purged_once_of_no_use(
    seeded: UnitOfWork, settings: Settings
) -> None:
    lifetime = seeded.policy.scan_login_seconds
    now = utcnow()
    old = await scan_service.ask(seeded, now - timedelta(seconds=2 * lifetime + 1))
    # Expired, but an approval near its end may still be signing its screen in.
    recent = await scan_service.ask(seeded, now - timedelta(seconds=lifetime + 1))
    await seeded.commit()
    await tidy(seeded, DocumentStore(settings.upload_dir), now)
    left = set(await seeded.db.scalars(select(ScanLogin.id)))
    assert old.id not in left and recent.id in left
