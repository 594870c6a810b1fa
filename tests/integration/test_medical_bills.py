"""A pharmacy bill paid with family mutual aid (issue 14 points 1 and 5; §9), on SQLite and
PostgreSQL: 王芳 sets a quota from her personal medical account for her mother 李秀英; the bill
is met from the mother's own account first, then the quota, and only the rest in cash through
the provider; the funds' parts are spent in balanced entries; an expired payment gives back what
the accounts gave; ending the aid returns the unused quota; staff refund a bill as reversing
entries; only close relatives may be helped."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.serialization import encode_json
from sqlalchemy import select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import LedgerPosting, MedicalBill
from app.domain.identity import parse_id_number
from app.domain.views import Holder
from app.services import medical_bills, payment_rounds
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from app.services.subject import Subject
from tests.conftest import shown
from tests.integration.payment_steps import (
    EN,
    WANG_FANG,
    ledger_sums,
    payments_of,
    set_quota,
    token,
)
from tests.integration.test_affinity_wizard import face
from tests.integration.test_pension_payments import _pay_from_check

MOTHER = "110105195806070426"  # 李秀英, retired: 120 yuan left in her account
ZHAO_LI = "320102199001010889"


async def _bind(uow: UnitOfWork, settings: Settings, member: str, relationship: str) -> str:
    """王芳's active binding with the member; the test asks for `histories` (the medical
    accounts and the pharmacy's bill come with them)."""
    binding = await open_binding_directly(
        uow,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(WANG_FANG),
        member=parse_id_number(member),
        relationship=relationship,
        proof=face(),
    )
    return f"/family/{binding}"


async def _balances(uow: UnitOfWork) -> tuple[tuple[int, int], tuple[int, int]]:
    """(balance, set aside) of 王芳's and her mother's accounts."""
    await uow.commit()
    found = []
    for raw in (WANG_FANG, MOTHER):
        person = await uow.people.by_id_number(parse_id_number(raw))
        assert person is not None
        account = await uow.medical_accounts.get(person.id)
        assert account is not None
        found.append((account.balance_fen, account.set_aside_fen))
    return found[0], found[1]


async def _set_quota(client: httpx.AsyncClient, base: str, quota: str) -> httpx.Response:
    return await set_quota(client, base, quota)


async def _bill_path(uow: UnitOfWork, base: str) -> str:
    bill = await uow.db.scalar(select(MedicalBill).where(MedicalBill.reference == "RX-DEMO-0001"))
    assert bill is not None
    return f"{base}/payments/bills/{bill.id}"


def _row(page: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]+)</dd>", page)
    assert found, (label, page[page.find("<main") :][:3000])
    return found.group(1)


@pytest.mark.usefixtures("histories")
async def test_a_pharmacy_bill_paid_with_mutual_aid(
    app: Litestar, holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _bind(seeded, migrated, MOTHER, "parent")
    listing = await holder.get(f"{base}/payments", headers=EN)
    assert "Pay bill RX-DEMO-0001" in listing.text and "Family mutual aid for 李秀英" in shown(
        listing.text
    )
    bill = await _bill_path(seeded, base)
    before = await holder.get(bill, headers=EN)
    assert _row(before.text, "From their own personal medical account") == "CN¥120.00"
    assert _row(before.text, "From family mutual aid") == "CN¥0.00"
    assert _row(before.text, "To pay now") == "CN¥360.00"

    for wrong, message in (
        ("lots", "Enter an amount in yuan"),
        ("1e309", "Enter an amount in yuan"),
        ("0", "Enter a quota of more than 0"),
        ("999999", "The quota cannot be more than you can spend"),
    ):
        refused = await _set_quota(holder, base, wrong)
        assert refused.status_code == 422 and message in refused.text, wrong
    assert (await _set_quota(holder, base, "300")).status_code == 303
    assert await _balances(seeded) == ((320000, 30000), (12000, 0))
    aid = await holder.get(f"{base}/payments/aid", headers=EN)
    assert "CN¥300.00 left of a quota of CN¥300.00" in aid.text

    check = await holder.get(bill, headers=EN)
    assert _row(check.text, "From their own personal medical account") == "CN¥120.00"
    assert _row(check.text, "From family mutual aid") == "CN¥300.00"
    assert _row(check.text, "To pay now") == "CN¥60.00"
    await _pay_from_check(holder, check)
    # The accounts gave their parts when the payment started.
    assert await _balances(seeded) == ((290000, 0), (0, 0))
    for _ in range(100):
        [payment] = await payments_of(seeded)
        if payment.state == "paid":
            break
        await asyncio.sleep(0.05)
    assert (payment.state, payment.amount_fen, payment.fund) == ("paid", 6000, "emp_medical")
    assert (payment.own_fen, payment.aid_fen) == (12000, 30000)
    # The funds spent their parts (the employee medical fund, personal accounts): 420 yuan;
    # the 60 yuan cash is not fund money.
    lines = await seeded.ledger.lines_of(await seeded.ledger.posting_of(payment.id, "spending"))  # type: ignore[arg-type]
    assert sorted(lines) == sorted(
        [
            ("emp_medical", "personal_accounts", 12000, 0),
            ("emp_medical", "personal_accounts", 30000, 0),
            ("emp_medical", "bank", 0, 42000),
        ]
    )
    assert await ledger_sums(seeded) == (42000, 42000)
    receipt = await holder.get(f"{base}/payments/{payment.id}/receipt", headers=EN)
    assert "Employee basic medical insurance fund (with maternity)" in receipt.text
    assert "CN¥60.00" in receipt.text and "CN¥420.00" in receipt.text
    settled = await holder.get(f"{base}/payments", headers=EN)
    assert "See the payment of bill RX-DEMO-0001" in settled.text

    # Staff refund it (charged in error): reversing entries, and the accounts get it back.
    staff = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost")
    member = await seeded.staff.by_number("BJ0001")
    assert member is not None
    session_id, now = secrets.token_hex(16), utcnow().timestamp()
    data = {"staff_id": str(member.id), "auth_at": now, "seen_at": now}
    await app.stores.get("sessions").set(session_id, encode_json(data), expires_in=3600)
    staff.cookies.set("session", session_id)
    path = f"/staff/payments/{payment.id}"
    csrf = await token(staff, path)
    done = await staff.post(path, data={"_csrf_token": csrf, "reason": "Charged in error"})
    assert done.status_code == 303
    for _ in range(100):
        if (await payments_of(seeded))[0].state == "refunded":
            break
        await asyncio.sleep(0.05)
    await staff.aclose()
    assert (await payments_of(seeded))[0].state == "refunded"
    kinds = list(await seeded.db.scalars(select(LedgerPosting.kind).order_by(LedgerPosting.at)))
    assert kinds == ["spending", "refund"]
    assert await ledger_sums(seeded) == (84000, 84000)
    assert await _balances(seeded) == ((320000, 30000), (12000, 0))  # the quota set aside again


@pytest.mark.usefixtures("histories")
async def test_an_expired_payment_gives_back_and_ending_the_aid_returns_the_rest(
    app: Litestar, holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _bind(seeded, migrated, MOTHER, "parent")
    await _set_quota(holder, base, "300")
    check = await holder.get(await _bill_path(seeded, base), headers=EN)
    pin, fields = await _pin_step(holder, check.text)
    started = await holder.post(pin, data={**fields, "pin": "258369"}, headers=EN)
    assert started.status_code == 303  # to the gateway, never paid there
    assert await _balances(seeded) == ((290000, 0), (0, 0))
    [payment] = await payments_of(seeded)
    late = payment.expires_at.replace(microsecond=0) + (payment.expires_at - payment.created_at)
    outcome = await payment_rounds.ask(
        app.state.new_uow, app.state.payment_provider, payment.id, late, not_since=late
    )
    assert outcome is not None and (await payments_of(seeded))[0].state == "expired"
    assert await _balances(seeded) == ((320000, 30000), (12000, 0))
    csrf = await token(holder, f"{base}/payments/aid")
    ended = await holder.post(f"{base}/payments/aid/end", data={"_csrf_token": csrf}, headers=EN)
    assert ended.status_code == 303
    shown = await holder.get(ended.headers["location"], headers=EN)
    assert "the unused quota is back in your account" in shown.text
    assert await _balances(seeded) == ((320000, 0), (12000, 0))


@pytest.mark.usefixtures("histories")
async def test_only_close_relatives_may_be_helped(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _bind(seeded, migrated, ZHAO_LI, "other")
    page = await holder.get(f"{base}/payments/aid", headers=EN)
    assert "Mutual aid is only for close relatives" in page.text and 'name="quota"' not in page.text
    refused = await _set_quota(holder, base, "100")
    assert refused.status_code == 422
    assert await _balances(seeded) == ((320000, 0), (12000, 0))
    own = await holder.get("/my/payments/aid", headers=EN)
    assert own.status_code == 200 and "from a family member's payments page" in own.text


@pytest.mark.usefixtures("histories")
async def test_what_the_accounts_no_longer_hold_is_never_paid(
    app: Litestar, holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _bind(seeded, migrated, MOTHER, "parent")
    await _set_quota(holder, base, "300")
    bill = await _bill_path(seeded, base)
    check = await holder.get(bill, headers=EN)
    pin, fields = await _pin_step(holder, check.text)
    # Meanwhile, in another tab, the aid ends: the answers checked no longer hold.
    csrf = await token(holder, f"{base}/payments/aid")
    await holder.post(f"{base}/payments/aid/end", data={"_csrf_token": csrf})
    changed = await holder.post(pin, data={**fields, "pin": "258369"}, headers=EN)
    assert changed.status_code == 422
    assert "changed after you checked them" in changed.text
    assert await payments_of(seeded) == []
    # And if the account is spent between the check and the start (a race the digest cannot
    # see), the payment is not made: nothing of it is kept.
    mother = await seeded.people.by_id_number(parse_id_number(MOTHER))
    wang_person = await seeded.people.by_id_number(parse_id_number(WANG_FANG))
    assert mother is not None and wang_person is not None
    account_row = await seeded.accounts.for_person(wang_person.id)
    assert account_row is not None
    account_id, mother_id = account_row.id, mother.id
    mother_view = await seeded.views.person(mother_id)
    wang = await seeded.views.person(wang_person.id)
    assert mother_view is not None and wang is not None
    subject = Subject(person=mother_view, holder=wang, binding=None)
    chosen = await medical_bills.choice(seeded, subject, await _bill_id(seeded))
    assert chosen is not None and chosen.own_fen == 12000
    asked = medical_bills.request_for(chosen)
    assert await seeded.medical_accounts.spend(mother_id, 5000)  # spent at a counter meanwhile
    await seeded.commit()
    payer = Holder(account_id=account_id, person=wang, has_pin=True, pin_locked_until=None)
    with pytest.raises(medical_bills.SettlementChanged):
        await medical_bills.start_payment(
            seeded, payer, subject, asked, "race-key", app.state.payment_provider, utcnow()
        )
    assert await payments_of(seeded) == []
    assert await seeded.payment_keys.get(account_id, "race-key") is None


@pytest.mark.usefixtures("histories")
async def test_an_account_spent_once_the_pin_is_in_sends_the_holder_back_to_check(
    holder: httpx.AsyncClient,
    seeded: UnitOfWork,
    migrated: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race above through the pages: spent at a counter between the PIN and the payment's
    start, the bill is not paid, and the check page says why."""
    base = await _bind(seeded, migrated, MOTHER, "parent")
    await _set_quota(holder, base, "300")
    check = await holder.get(await _bill_path(seeded, base), headers=EN)
    pin, fields = await _pin_step(holder, check.text)
    mother = await seeded.people.by_id_number(parse_id_number(MOTHER))
    assert mother is not None
    mother_id = mother.id
    start = medical_bills.start_payment

    async def spent_meanwhile(uow: UnitOfWork, *args: Any) -> Any:
        assert await uow.medical_accounts.spend(mother_id, 5000)
        return await start(uow, *args)

    monkeypatch.setattr(medical_bills, "start_payment", spent_meanwhile)
    answer = await holder.post(pin, data={**fields, "pin": "258369"}, headers=EN)
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?changed=1")
    assert await payments_of(seeded) == []
    again = await holder.get(answer.headers["location"], headers=EN)
    assert "The accounts no longer hold what was shown" in again.text


async def _pin_step(holder: httpx.AsyncClient, check: str) -> tuple[str, dict[str, str]]:
    """From a bill's check page to its PIN page: the PIN form's address and hidden fields."""
    form = re.search(r'<form method="get" action="([^"]+/pin)"', check)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', check))
    assert form
    pin_page = await holder.get(form.group(1), params=hidden, headers=EN)
    fields = re.findall(
        r'name="(_csrf_token|idempotency_key|checked)" value="([^"]+)"', pin_page.text
    )
    return form.group(1), dict(fields)


async def _bill_id(uow: UnitOfWork) -> Any:
    bill = await uow.db.scalar(select(MedicalBill).where(MedicalBill.reference == "RX-DEMO-0001"))
    assert bill is not None
    return bill.id


@pytest.mark.usefixtures("histories")
async def test_a_bill_the_accounts_meet_in_full_is_settled_without_a_provider(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _bind(seeded, migrated, MOTHER, "parent")
    assert (await _set_quota(holder, base, "400")).status_code == 303
    check = await holder.get(await _bill_path(seeded, base), headers=EN)
    assert _row(check.text, "To pay now") == "CN¥0.00"
    assert "your PIN settles the bill from the accounts" in check.text
    pin, fields = await _pin_step(holder, check.text)
    settled = await holder.post(pin, data={**fields, "pin": "258369"}, headers=EN)
    assert settled.status_code == 303
    assert settled.headers["location"].startswith(f"{base}/payments/")  # no gateway
    [payment] = await payments_of(seeded)
    assert (payment.state, payment.amount_fen, payment.transaction_id) == ("paid", 0, None)
    assert (payment.own_fen, payment.aid_fen) == (12000, 36000)
    assert await ledger_sums(seeded) == (48000, 48000)
    assert await _balances(seeded) == ((284000, 4000), (0, 0))
    receipt = await holder.get(f"{settled.headers['location']}/receipt", headers=EN)
    assert "None: settled from the accounts" in receipt.text
