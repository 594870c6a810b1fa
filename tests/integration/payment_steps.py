"""Steps the payment tests share: 王芳 acting for her son 张浩, his premium paid through the
sandbox gateway as a browser would (check, PIN, the gateway's page, back), and notifications
signed as the gateway's server signs them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.payments import sandbox_secret, sandbox_signature
from app.config import Settings
from app.db.models import LedgerEntry, LedgerPosting, Payment
from app.domain.identity import parse_id_number
from app.services.context import UnitOfWork
from app.services.demo_histories import BEIJING, resident_medical_records
from app.services.seed import open_binding_directly
from tests.integration.test_affinity_wizard import face

Client = AsyncTestClient[Litestar] | httpx.AsyncClient
EN = {"Accept-Language": "en"}
WANG_FANG = "110105198503140224"
PIN = "258369"
SON = "11010520150402035X"
YEAR = 2027
# The coverage year the tests pay, published in their policy at this amount (CNY).
PREMIUM_ENV = {"POLICY_RESIDENTS_MEDICAL_PREMIUMS": "[[2025, 400], [2026, 400], [2027, 424]]"}
TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
CHECKED = re.compile(r'name="checked" value="([^"]+)"')


async def son_base(
    seeded: UnitOfWork, settings: Settings, *, covered_this_year: bool = False
) -> str:
    """王芳's active binding with 张浩, who paid his residents' premium every year until last
    year (the demo's: his cover lapsed this year); with `covered_this_year`, this year's too.
    The test asks for `histories`."""
    today = utcnow().date()
    if covered_this_year:
        son = await seeded.people.by_id_number(parse_id_number(SON))
        assert son is not None
        await seeded.contributions.add_many(
            resident_medical_records(son.id, today.year, today.year, BEIJING)
        )
    binding = await open_binding_directly(
        seeded,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(WANG_FANG),
        member=parse_id_number(SON),
        relationship="child",
        proof=face(),
    )
    return f"/family/{binding}"


async def token(client: Client, path: str = "/account") -> str:
    found = TOKEN.search((await client.get(path, headers=EN)).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def pin_form(client: Client, base: str, year: int = YEAR) -> dict[str, str]:
    """The PIN page's form, reached from the check page."""
    check = await client.get(f"{base}/payments/premium/{year}", headers=EN)
    assert check.status_code == 200, check.text
    checked = CHECKED.search(check.text)
    assert checked, check.text[:3000]
    pin_page = await client.get(
        f"{base}/payments/premium/{year}/pin", params={"checked": checked.group(1)}, headers=EN
    )
    assert pin_page.status_code == 200, pin_page.text[:3000]
    key = KEY.search(pin_page.text)
    csrf = TOKEN.search(pin_page.text)
    assert key and csrf
    return {
        "_csrf_token": csrf.group(1),
        "pin": PIN,
        "checked": checked.group(1),
        "idempotency_key": key.group(1),
    }


async def submit_pin(
    client: Client, base: str, form: dict[str, str], year: int = YEAR
) -> httpx.Response:
    return await client.post(
        f"{base}/payments/premium/{year}/pin", data=form, headers=EN, follow_redirects=False
    )


async def gateway_page(client: Client, checkout: str) -> tuple[str, str]:
    """The gateway's page: (its pay form's action, its CSRF token)."""
    page = await client.get(checkout, headers=EN)
    assert page.status_code == 200, page.text
    assert re.search(r'<button [^>]*id="sandbox-pay">Pay (CN)?¥[\d,]+\.\d\d</button>', page.text), (
        page.text
    )
    action = re.search(r'action="(/sandbox-pay/checkout/[^"]+/pay)"', page.text)
    csrf = TOKEN.search(page.text)
    assert action and csrf
    return action.group(1), csrf.group(1)


async def pay_at_gateway(client: Client, checkout: str) -> str:
    """Pay on the gateway's page; where it sends the browser back to."""
    action, csrf = await gateway_page(client, checkout)
    paid = await client.post(action, data={"_csrf_token": csrf}, follow_redirects=False)
    assert paid.status_code == 303, paid.text
    return str(paid.headers["location"])


async def start_payment(client: Client, base: str, year: int = YEAR) -> str:
    """Check, PIN: the gateway's checkout address."""
    answer = await submit_pin(client, base, await pin_form(client, base, year), year)
    assert answer.status_code == 303, answer.text[:3000]
    checkout = str(answer.headers["location"])
    assert urlsplit(checkout).path == "/sandbox-pay/checkout", checkout
    return checkout


def signed_notice(settings: Settings, **fields: Any) -> tuple[bytes, dict[str, str]]:
    """A notification body and headers as the gateway's server makes them."""
    body = msgspec.json.encode(fields)
    secret = sandbox_secret(settings.secret_key, settings.payment_sandbox_secret)
    return body, {
        "Pay-Signature": sandbox_signature(secret, body),
        "content-type": "application/json",
    }


def notice_fields(
    payment: Payment | Any, transaction_id: str = "SBXtest0001", **changes: Any
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "merchant": "essc-portal",
        "reference": payment.id.hex,
        "amount_fen": payment.amount_fen,
        "status": "paid",
        "transaction_id": transaction_id,
        "paid_at": utcnow().isoformat(),
    }
    fields.update(changes)
    return fields


async def payments_of(uow: UnitOfWork) -> list[Payment]:
    await uow.commit()  # a fresh look
    return list(await uow.db.scalars(select(Payment).execution_options(populate_existing=True)))


async def postings(uow: UnitOfWork, kind: str | None = None) -> int:
    await uow.commit()
    query = select(func.count()).select_from(LedgerPosting)
    if kind:
        query = query.where(LedgerPosting.kind == kind)
    return int(await uow.db.scalar(query) or 0)


async def ledger_sums(uow: UnitOfWork) -> tuple[int, int]:
    """All debits and all credits ever posted."""
    await uow.commit()
    debits, credits = (
        await uow.db.execute(
            select(func.sum(LedgerEntry.debit_fen), func.sum(LedgerEntry.credit_fen))
        )
    ).one()
    return int(debits or 0), int(credits or 0)


def payment_id_of(path: str) -> UUID:
    return UUID(urlsplit(path).path.rstrip("/").rsplit("/", 1)[1])


def later(seconds: float) -> datetime:
    from datetime import timedelta

    return utcnow() + timedelta(seconds=seconds)


async def set_quota(client: Client, base: str, quota: str, pin: str = PIN) -> httpx.Response:
    """The quota form, then its PIN step-up: the quota form's answer when it refuses, else the
    PIN step's."""
    csrf = await token(client, f"{base}/payments/aid")
    asked = await client.post(
        f"{base}/payments/aid", data={"_csrf_token": csrf, "quota": quota}, headers=EN
    )
    if asked.status_code != 303:
        return asked
    pin_page = await client.get(asked.headers["location"], headers=EN)
    assert pin_page.status_code == 200, pin_page.text[:3000]
    fields = dict(re.findall(r'name="(_csrf_token|quota)" value="([^"]+)"', pin_page.text))
    return await client.post(f"{base}/payments/aid/pin", data={**fields, "pin": pin}, headers=EN)
