"""Family mutual aid pays part of a relative's residents' premium (issue 14 points 4 and 5; §9),
on SQLite and PostgreSQL: the quota first, the rest in cash through the provider; the aid is a
statutory flow from the employee medical fund to the residents' medical fund, each fund's books
balancing; a refund reverses it all and the quota is set aside again."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from app.config import Settings
from app.db.models import ContributionRecord
from app.domain.identity import parse_id_number
from app.services import payment_refunds, payment_rounds
from app.services.context import UnitOfWork
from tests.integration.payment_steps import (
    EN,
    PREMIUM_ENV,
    WANG_FANG,
    ledger_sums,
    payments_of,
    set_quota,
    son_base,
)
from tests.integration.test_pension_payments import _pay_from_check


@pytest.fixture
def extra_env() -> dict[str, str]:
    return PREMIUM_ENV


async def _wang_fang_account(uow: UnitOfWork) -> tuple[int, int]:
    await uow.commit()
    person = await uow.people.by_id_number(parse_id_number(WANG_FANG))
    assert person is not None
    account = await uow.medical_accounts.get(person.id)
    assert account is not None
    return account.balance_fen, account.set_aside_fen


@pytest.mark.usefixtures("histories")
async def test_mutual_aid_pays_part_of_a_childs_premium(
    app: Litestar, holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await son_base(seeded, migrated, covered_this_year=True)
    quota = await set_quota(holder, base, "300")
    assert quota.status_code == 303
    check = await holder.get(f"{base}/payments/premium/2027", headers=EN)
    for shown in (
        "<dt>From family mutual aid</dt><dd>CN¥300.00",
        "<dt>To pay now</dt><dd>CN¥124.00",
    ):
        assert shown in check.text, shown
    await _pay_from_check(holder, check)
    for _ in range(100):
        [payment] = await payments_of(seeded)
        if payment.state == "paid":
            break
        await asyncio.sleep(0.05)
    assert (payment.state, payment.amount_fen, payment.aid_fen) == ("paid", 12400, 30000)
    lines = await seeded.ledger.lines_of(await seeded.ledger.posting_of(payment.id, "receipt"))  # type: ignore[arg-type]
    assert sorted(lines) == sorted(
        [
            ("res_medical", "bank", 12400, 0),
            ("res_medical", "contributions", 0, 12400),
            ("emp_medical", "personal_accounts", 30000, 0),
            ("emp_medical", "bank", 0, 30000),
            ("res_medical", "bank", 30000, 0),
            ("res_medical", "contributions", 0, 30000),
        ]
    )
    books = {line.fund: [0, 0] for line in await seeded.ledger.totals()}
    for line in await seeded.ledger.totals():
        books[line.fund][0] += line.debits
        books[line.fund][1] += line.credits
    assert books["emp_medical"] == [30000, 30000] and books["res_medical"] == [42400, 42400]
    assert await _wang_fang_account(seeded) == (290000, 0)
    covered = await seeded.db.scalar(
        select(ContributionRecord.individual_part).where(
            ContributionRecord.year == 2027, ContributionRecord.status == "paid"
        )
    )
    assert covered == 424

    # Refunded by staff: all of it reversed, the quota set aside again, the year unpaid.
    await payment_refunds.refund_by_staff(seeded, payment.id, payment.paid_at, staff_id=None)
    await seeded.commit()
    await payment_rounds.refund_due(app.state.new_uow, app.state.payment_provider, payment.paid_at)
    assert (await payments_of(seeded))[0].state == "refunded"
    assert await ledger_sums(seeded) == (72400 * 2, 72400 * 2)
    assert await _wang_fang_account(seeded) == (320000, 30000)
    still = await seeded.db.scalar(
        select(ContributionRecord.status).where(ContributionRecord.year == 2027)
    )
    assert still == "refunded"
