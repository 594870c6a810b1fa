"""Pension contributions paid for a family member (issue 14 point 1; §5), on SQLite and
PostgreSQL: the residents' pension at a grade, with its subsidy and the pension it buys, only
for those who may join; a flexible worker's month on a base between 60 % and 300 % of the
average wage, 8 % of it to the personal account; each booked in its fund."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import ContributionRecord
from app.domain.identity import parse_id_number
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.integration.payment_steps import (
    EN,
    PIN,
    WANG_FANG,
    pay_at_gateway,
    payments_of,
    son_base,
)
from tests.integration.test_affinity_wizard import face

ZHAO_LI = "320102199001010889"  # 36, no records: in no scheme
CHECKED = re.compile(r'name="checked" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')
ACTION = re.compile(r'<form method="post" action="([^"]+)" novalidate hx-boost="false">')


async def _zhao(seeded: UnitOfWork, settings: Settings) -> str:
    binding = await open_binding_directly(
        seeded,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(WANG_FANG),
        member=parse_id_number(ZHAO_LI),
        relationship="other",
        proof=face(),
    )
    return f"/family/{binding}"


async def _pay_from_check(client: httpx.AsyncClient, check: httpx.Response) -> None:
    """From a check page: Continue, the PIN, the gateway, back; until confirmed."""
    assert check.status_code == 200, check.text[:2000]
    form = re.search(r'<form method="get" action="([^"]+/pin)"', check.text)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', check.text))
    assert form and "checked" in hidden
    pin_page = await client.get(form.group(1), params=hidden, headers=EN)
    assert pin_page.status_code == 200, pin_page.text[:2000]
    action = ACTION.search(pin_page.text)
    key, csrf = KEY.search(pin_page.text), TOKEN.search(pin_page.text)
    assert action and key and csrf
    checked = CHECKED.search(pin_page.text)
    assert checked
    sent = await client.post(
        action.group(1).replace("&amp;", "&"),
        data={
            "_csrf_token": csrf.group(1),
            "pin": PIN,
            "checked": checked.group(1),
            "idempotency_key": key.group(1),
        },
        headers=EN,
    )
    assert sent.status_code == 303, sent.text[:2000]
    assert urlsplit(sent.headers["location"]).path == "/sandbox-pay/checkout"
    await pay_at_gateway(client, sent.headers["location"])


async def _confirmed(uow: UnitOfWork) -> Any:
    for _ in range(100):
        found = await payments_of(uow)
        if found and found[0].state == "paid":
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError("not confirmed")


async def test_a_residents_pension_contribution_at_a_grade(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _zhao(seeded, migrated)
    choose = await holder.get(f"{base}/payments/pension", headers=EN)
    assert choose.status_code == 200
    assert len(re.findall(r'type="radio" id="grade-\d+" name="grade"', choose.text)) == 12
    assert "Subsidy CN¥30.00" in choose.text and "Subsidy CN¥60.00" in choose.text
    unasked = await holder.get(f"{base}/payments/pension/check", headers=EN)
    assert unasked.status_code == 200 and "There is a problem" not in unasked.text
    nothing = await holder.get(f"{base}/payments/pension/check?grade=", headers=EN)
    assert nothing.status_code == 422
    assert "Choose a contribution grade" in nothing.text
    assert "Confirm that they are not a full-time student" in nothing.text
    assert 'href="#grade-100"' in nothing.text  # the summary leads to the first radio
    odd = await holder.get(
        f"{base}/payments/pension/check", params={"grade": "550", "not_student": "yes"}
    )
    assert odd.status_code == 422
    check = await holder.get(
        f"{base}/payments/pension/check", params={"grade": "500", "not_student": "yes"}, headers=EN
    )
    assert "CN¥60.00" in check.text  # the subsidy of the 500 grade
    # 36: 24 years to 60 at (500 + 60): 163 + 13,440 / 139 = 259.69 a month
    assert "CN¥259.69" in check.text
    assert "Urban and rural residents&#39; basic pension insurance fund" in check.text
    await _pay_from_check(holder, check)
    payment = await _confirmed(seeded)
    assert (payment.fund, payment.amount_fen, payment.grade) == ("res_pension", 50000, 500)
    record = await seeded.db.scalar(
        select(ContributionRecord).where(
            ContributionRecord.line == "pension", ContributionRecord.scheme == "resident"
        )
    )
    assert record is not None and record.year == utcnow().year
    assert record.back_paid_on is None  # this year's, not paid back
    again = await holder.get(f"{base}/payments/pension", headers=EN)
    assert (
        "This year&#39;s contribution is paid." in again.text
        or "contribution is paid" in again.text
    )


@pytest.mark.parametrize("kind", ["pension", "flexible"])
async def test_a_pin_sent_with_nothing_asked_goes_back_to_the_payment(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings, kind: str
) -> None:
    """The PIN form posted without the answers it confirms (its address cut short, or the
    payment no longer offered): back to the payment, whatever the form holds, not an error."""
    base = await _zhao(seeded, migrated)
    token = TOKEN.search((await holder.get(f"{base}/payments/{kind}", headers=EN)).text)
    assert token
    for form in ({}, {"pin": "", "idempotency_key": "x" * 500}, {"pin": PIN}):
        sent = await holder.post(
            f"{base}/payments/{kind}/check/pin",
            data={"_csrf_token": token.group(1), **form},
            headers=EN,
        )
        assert sent.status_code == 303, sent.text[:2000]
        assert urlsplit(sent.headers["location"]).path.startswith(f"{base}/payments/{kind}")


@pytest.mark.usefixtures("histories")
async def test_who_may_not_pay_the_residents_or_flexible_pension(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    son = await son_base(seeded, migrated)  # the demo histories: 王芳 is employed
    child = await holder.get(f"{son}/payments/pension", headers=EN)
    assert "Only people aged 16 or over" in child.text and 'name="grade"' not in child.text
    own = await holder.get("/my/payments/pension", headers=EN)
    assert "People in the employee pension insurance do not join" in own.text
    employed = await holder.get("/my/payments/flexible", headers=EN)
    assert "An employer pays the employee pension insurance already" in employed.text
    refused = await holder.get(
        "/my/payments/pension/check", params={"grade": "500", "not_student": "yes"}, headers=EN
    )
    assert refused.status_code == 200 and 'name="checked"' not in refused.text


async def test_a_flexible_workers_month_on_a_chosen_base(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _zhao(seeded, migrated)
    page = await holder.get(f"{base}/payments/flexible", headers=EN)
    assert page.status_code == 200 and 'name="base"' in page.text
    for typed, message in (
        ("", "Enter the contribution base"),
        ("lots", "Enter an amount in yuan"),
        ("1000", "The base must be between"),
        ("99999999", "The base must be between"),
        ("8000.001", "Enter an amount in yuan"),
        ("1e309", "Enter an amount in yuan"),
        ("NaN", "Enter an amount in yuan"),
        ("-8000", "Enter an amount in yuan"),
    ):
        wrong = await holder.get(
            f"{base}/payments/flexible/check", params={"base": typed}, headers=EN
        )
        assert wrong.status_code == 422, typed
        assert message in wrong.text, (typed, message)
        assert f'value="{typed}"' in wrong.text or not typed  # what was typed is kept
    wide = await holder.get(f"{base}/payments/flexible/check", params={"base": "８，０００"})
    assert (
        wide.status_code == 200 and 'name="checked"' in wide.text
    )  # full-width, as typed in Chinese
    check = await holder.get(f"{base}/payments/flexible/check", params={"base": "8000"}, headers=EN)
    for shown in ("CN¥1,600.00", "CN¥640.00", "CN¥960.00", "Employee basic pension insurance fund"):
        assert shown in check.text, shown
    await _pay_from_check(holder, check)
    payment = await _confirmed(seeded)
    assert (payment.fund, payment.amount_fen) == ("emp_pension", 160000)
    lines = await seeded.ledger.lines_of(await seeded.ledger.posting_of(payment.id, "receipt"))  # type: ignore[arg-type]
    assert sorted(lines) == sorted(
        [
            ("emp_pension", "bank", 160000, 0),
            ("emp_pension", "personal_accounts", 0, 64000),
            ("emp_pension", "contributions", 0, 96000),
        ]
    )
    month = await seeded.db.scalar(
        select(ContributionRecord).where(ContributionRecord.scheme == "employee")
    )
    assert month is not None and (month.month, month.base) == (utcnow().month, 8000)
    receipt = await holder.get(f"{base}/payments/{payment.id}/receipt", headers=EN)
    assert "Personal accounts" in receipt.text and "CN¥640.00" in receipt.text


async def test_a_missed_year_paid_back_without_subsidy(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _zhao(seeded, migrated)
    this_year = utcnow().year
    last = this_year - 1
    choose = await holder.get(f"{base}/payments/pension", headers=EN)
    links = re.findall(rf'href="{re.escape(base)}/payments/pension\?year=(\d+)"', choose.text)
    assert links == [str(this_year - n) for n in range(1, 6)]  # five years back (the policy)
    assert f"{this_year} (this year)" in choose.text and "Subsidy CN¥30.00" in choose.text
    for unpayable in (this_year - 6, this_year + 1, 123, "20x5", "²⁰²⁵", "２０２５"):
        gone = await holder.get(f"{base}/payments/pension", params={"year": str(unpayable)})
        assert gone.status_code == 404, unpayable

    back = await holder.get(f"{base}/payments/pension", params={"year": str(last)}, headers=EN)
    assert back.status_code == 200
    assert "Subsidy CN¥" not in back.text
    assert back.text.count("No subsidy (a year paid back)") == 12
    assert f'<input type="hidden" name="year" value="{last}">' in back.text
    assert f"Grade for {last}" in back.text
    check = await holder.get(
        f"{base}/payments/pension/check",
        params={"year": str(last), "grade": "300", "not_student": "yes"},
        headers=EN,
    )
    assert check.status_code == 200
    assert f"<dt>Year</dt><dd>{last} (paid back)</dd>" in check.text
    assert "<dt>Government subsidy</dt><dd>None (a year paid back)</dd>" in check.text
    await _pay_from_check(holder, check)
    payment = await _confirmed(seeded)
    assert (payment.amount_fen, payment.grade, payment.coverage_year) == (30000, 300, last)
    record = await seeded.db.scalar(
        select(ContributionRecord).where(
            ContributionRecord.line == "pension", ContributionRecord.scheme == "resident"
        )
    )
    assert record is not None and record.year == last
    assert record.back_paid_on == utcnow().date() and record.individual_part == 300

    paid = await holder.get(f"{base}/payments/pension", params={"year": str(last)}, headers=EN)
    assert paid.status_code == 200 and f"The contribution for {last} is paid." in paid.text
    choose = await holder.get(f"{base}/payments/pension", headers=EN)
    assert f"?year={last}" not in choose.text  # no longer offered
    # This year's contribution still has its subsidy, and is not marked as paid back.
    now = await holder.get(
        f"{base}/payments/pension/check", params={"grade": "500", "not_student": "yes"}, headers=EN
    )
    assert "<dt>Government subsidy</dt><dd>CN¥60.00</dd>" in now.text
