"""Only the provider's server confirms money, once (issue 14 point 2), on SQLite and
PostgreSQL: forged or mismatched notices change nothing and are logged; a late payment and a
second payment of one bill are booked and refunded with reversing entries; a lost notification
is made up for by the query round; states only move forward; one key, one content."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import AuditEvent, ContributionRecord, LedgerPosting, SandboxOrder
from app.domain.identity import parse_id_number
from app.routes import payments as payment_routes
from app.services import payment_rounds, sandbox_gateway
from app.services import payments as payment_service
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.at_once import NewClient, clients
from tests.conftest import sign_in
from tests.integration.payment_steps import (
    EN,
    PREMIUM_ENV,
    WANG_FANG,
    gateway_page,
    ledger_sums,
    notice_fields,
    pay_at_gateway,
    payments_of,
    pin_form,
    postings,
    signed_notice,
    son_base,
    start_payment,
    submit_pin,
)
from tests.integration.test_affinity_wizard import face

ZHAO_LI = "320102199001010889"  # registry only, no records: not in any medical scheme


@pytest.fixture
def extra_env() -> dict[str, str]:
    return PREMIUM_ENV


@pytest.fixture
async def holder_client(
    app: Litestar, seeded: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, NewClient]]:
    async for new in clients(app):
        first = new()
        await sign_in(first)  # type: ignore[arg-type]
        yield first, new


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(100):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def _state(uow: UnitOfWork) -> str:
    [payment] = await payments_of(uow)
    return payment.state


async def _notify(new: NewClient, body: bytes, headers: dict[str, str]) -> int:
    answer = await new().post("/payments/notify/sandbox", content=body, headers=headers)
    return answer.status_code


@pytest.mark.usefixtures("histories")
async def test_forged_and_mismatched_notices_change_nothing_and_are_logged(
    holder_client: tuple[httpx.AsyncClient, NewClient],
    seeded: UnitOfWork,
    migrated: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, new = holder_client
    await start_payment(client, await son_base(seeded, migrated))
    [payment] = await payments_of(seeded)
    genuine, headers = signed_notice(migrated, **notice_fields(payment))
    other_secret = Settings(secret_key="another", payment_sandbox_secret="not the gateway's")
    forged, forged_headers = signed_notice(other_secret, **notice_fields(payment))
    cheap, cheap_headers = signed_notice(migrated, **notice_fields(payment, amount_fen=1))
    elsewhere, elsewhere_headers = signed_notice(
        migrated, **notice_fields(payment, merchant="someone-else")
    )
    tries = [
        (genuine, {"content-type": "application/json"}),  # unsigned
        (genuine, {**headers, "Pay-Signature": "0" * 64}),  # a made-up signature
        (forged, forged_headers),  # signed with another secret
        (genuine.replace(b"42400", b"00001"), headers),  # tampered after signing
        (cheap, cheap_headers),  # signed, but not the payment's amount
        (elsewhere, elsewhere_headers),  # signed, but another merchant
    ]
    with caplog.at_level(logging.WARNING):
        answers = [await _notify(new, body, h) for body, h in tries]
    assert answers == [400] * len(tries)
    assert await _state(seeded) == "created"
    assert await postings(seeded) == 0
    refused = await seeded.db.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "payment.notice_refused")
    )
    reasons = sorted(detail.split()[0] for detail in refused)
    assert reasons == sorted(["reason=forged"] * 4 + ["reason=amount", "reason=merchant"])
    assert caplog.text.count("payment notice refused") == len(tries)
    # The genuine one still counts afterwards.
    assert await _notify(new, genuine, headers) == 200
    assert await _state(seeded) == "paid"


@pytest.mark.usefixtures("histories")
async def test_a_late_payment_is_booked_and_refunded(
    app: Litestar,
    holder_client: tuple[httpx.AsyncClient, NewClient],
    seeded: UnitOfWork,
    migrated: Settings,
) -> None:
    client, _ = holder_client
    base = await son_base(seeded, migrated)
    checkout = await start_payment(client, base)
    action, csrf = await gateway_page(client, checkout)  # the order is at the gateway
    [payment] = await payments_of(seeded)
    # The portal's round, after the payment's time: the gateway has no payment, so it expires.
    past_time = payment.expires_at + timedelta(seconds=1)
    outcome = await payment_rounds.ask(
        app.state.new_uow, app.state.payment_provider, payment.id, past_time, not_since=past_time
    )
    assert outcome is not None and await _state(seeded) == "expired"
    # Then the money arrives at the gateway after all (its own clock still lets it through).
    paid = await client.post(action, data={"_csrf_token": csrf}, follow_redirects=False)
    assert paid.status_code == 303

    async def refunded() -> bool:
        return await _state(seeded) == "refunded"

    await _until(refunded, "the late payment refunded")
    [late] = await payments_of(seeded)
    assert late.refund_reason == "late" and late.transaction_id
    # Booked, then reversed: two postings, the second naming the first; every account at zero.
    rows = list(await seeded.db.scalars(select(LedgerPosting).order_by(LedgerPosting.at)))
    assert [p.kind for p in rows] == ["receipt", "refund"]
    assert rows[1].reverses_id == rows[0].id
    assert await ledger_sums(seeded) == (84800, 84800)
    totals = await seeded.ledger.totals()
    assert all(line.debits == line.credits for line in totals)
    order = await seeded.db.scalar(select(SandboxOrder))
    assert order is not None and order.state == "refunded"
    # Nothing was covered by it, and the page says why the money went back.
    covered = await seeded.db.scalars(
        select(ContributionRecord.year).where(ContributionRecord.year == 2027)
    )
    assert list(covered) == []
    page = await client.get(f"{base}/payments/{late.id}", headers=EN)
    assert "Refunded" in page.text and "after the payment&#39;s time was up" in page.text


@pytest.mark.usefixtures("histories")
async def test_a_second_payment_of_a_paid_bill_is_refunded(
    app: Litestar,
    holder_client: tuple[httpx.AsyncClient, NewClient],
    seeded: UnitOfWork,
    migrated: Settings,
) -> None:
    client, _ = holder_client
    base = await son_base(seeded, migrated)
    await pay_at_gateway(client, await start_payment(client, base))

    async def first_paid() -> bool:
        return [p.state for p in await payments_of(seeded)] == ["paid"]

    await _until(first_paid, "the first payment confirmed")
    [first] = await payments_of(seeded)
    # A second order for the same bill (opened elsewhere before the first was paid), paid too.
    second_id = await seeded.payments.add_open(
        {
            "id": uuid4(),
            "holder_account_id": first.holder_account_id,
            "payer_person_id": first.payer_person_id,
            "beneficiary_person_id": first.beneficiary_person_id,
            "purpose": first.purpose,
            "bill": first.bill,
            "fund": first.fund,
            "amount_fen": first.amount_fen,
            "coverage_year": first.coverage_year,
            "content_digest": first.content_digest,
            "state": "created",
            "provider": "sandbox",
            "expires_at": utcnow() + timedelta(minutes=30),
        }
    )
    await seeded.commit()
    second = await seeded.payments.view(second_id)  # type: ignore[arg-type]
    assert second is not None
    provider = app.state.payment_provider
    order = payment_service.order_for(second, base, "http://localhost", provider)
    await pay_at_gateway(client, provider.checkout_url(order))

    async def second_refunded() -> bool:
        found = await seeded.payments.get(second.id)
        await seeded.commit()
        return found is not None and found.state == "refunded"

    await _until(second_refunded, "the second payment refunded")
    states = {p.id: (p.state, p.refund_reason) for p in await payments_of(seeded)}
    assert states == {first.id: ("paid", None), second.id: ("refunded", "duplicate")}
    assert await ledger_sums(seeded) == (42400 * 3, 42400 * 3)  # two receipts, one reversal


@pytest.mark.usefixtures("histories")
async def test_a_lost_notification_is_made_up_for_by_the_query_round(
    app: Litestar,
    holder_client: tuple[httpx.AsyncClient, NewClient],
    seeded: UnitOfWork,
    migrated: Settings,
) -> None:
    client, _ = holder_client
    checkout = await start_payment(client, await son_base(seeded, migrated))
    await gateway_page(client, checkout)
    # Paid at the gateway, but its notification never arrives (not sent here).
    order = await seeded.db.scalar(select(SandboxOrder))
    assert order is not None
    gateway = app.state.sandbox_gateway
    await sandbox_gateway.pay(seeded, gateway, order.id, utcnow())
    await seeded.commit()
    assert await _state(seeded) == "created"
    done = await payment_rounds.run_round(
        app.state.new_uow, app.state.payment_provider, utcnow() + timedelta(seconds=10)
    )
    assert (done.asked, done.confirmed) == (1, 1)
    assert await _state(seeded) == "paid"
    assert await postings(seeded, "receipt") == 1
    confirmed = await seeded.db.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == "payment.confirmed")
    )
    assert confirmed is not None and confirmed.startswith("via=query")


@pytest.mark.usefixtures("histories")
async def test_states_only_move_forward(
    holder_client: tuple[httpx.AsyncClient, NewClient], seeded: UnitOfWork, migrated: Settings
) -> None:
    client, new = holder_client
    await start_payment(client, await son_base(seeded, migrated))
    [payment] = await payments_of(seeded)
    paid, paid_headers = signed_notice(migrated, **notice_fields(payment))
    assert await _notify(new, paid, paid_headers) == 200
    closed, closed_headers = signed_notice(
        migrated, **notice_fields(payment, status="closed", transaction_id=None)
    )
    pending, pending_headers = signed_notice(
        migrated, **notice_fields(payment, status="pending", transaction_id=None)
    )
    # Out of order: a "closed" and a "pending" arriving after the "paid" change nothing.
    assert await _notify(new, closed, closed_headers) == 200
    assert await _notify(new, pending, pending_headers) == 200
    assert await _state(seeded) == "paid"
    assert await postings(seeded) == 1


@pytest.mark.usefixtures("histories")
async def test_until_confirmed_the_page_says_taken_confirming_and_pays_nothing_again(
    holder_client: tuple[httpx.AsyncClient, NewClient],
    seeded: UnitOfWork,
    migrated: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, _ = holder_client
    monkeypatch.setattr(payment_routes, "QUERY_GAP", timedelta(seconds=0.2))  # 2 s in service
    base = await son_base(seeded, migrated)
    await start_payment(client, base)  # the browser never pays at the gateway
    [payment] = await payments_of(seeded)
    path = f"{base}/payments/{payment.id}"
    for _ in range(3):  # refreshes
        page = await client.get(path, headers=EN)
        assert page.status_code == 200
        assert "Payment taken, confirming" in page.text
        assert f'hx-get="{path}?refresh=poll"' in page.text  # polled with JS
        assert f'<form method="get" action="{path}">' in page.text  # "Check again" without
        main = page.text[page.text.find("<main") :]
        assert "Go to the payment provider's page" in page.text, main[:3000]
        await asyncio.sleep(0.25)  # past the gap between two queries of the provider
    assert await _state(seeded) == "created"
    assert len(await payments_of(seeded)) == 1
    history = await client.get(f"{base}/payments", headers=EN)
    assert f'href="{path}"' in history.text and "Confirming" in history.text


@pytest.mark.usefixtures("histories")
async def test_one_key_one_content(
    holder_client: tuple[httpx.AsyncClient, NewClient], seeded: UnitOfWork, migrated: Settings
) -> None:
    client, _ = holder_client
    son = await son_base(seeded, migrated)
    zhao = await open_binding_directly(
        seeded,
        DocumentStore(migrated.upload_dir),
        holder=parse_id_number(WANG_FANG),
        member=parse_id_number(ZHAO_LI),
        relationship="other",
        proof=face(),
    )
    his = await pin_form(client, son)
    assert (await submit_pin(client, son, his)).status_code == 303
    again = await submit_pin(client, son, {**his, "_csrf_token": his["_csrf_token"]})
    assert again.status_code == 303  # the same key and content: the same payment
    hers = await pin_form(client, f"/family/{zhao}")
    reused = {**hers, "idempotency_key": his["idempotency_key"]}
    conflict = await submit_pin(client, f"/family/{zhao}", reused)
    assert conflict.status_code == 409
    assert "already used for a different payment" in conflict.text
    assert len(await payments_of(seeded)) == 1
    too_long = {**hers, "idempotency_key": "k" * 256}
    assert (await submit_pin(client, f"/family/{zhao}", too_long)).status_code == 400
    assert len(await payments_of(seeded)) == 1
