"""The transfer pre-check at {base}/transfers: the demo family's answers against the domain
rules, the limits on the question, the cases with no pre-check, back payments that stay behind,
and the audit trail when a holder asks for a member."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import ContributionRecord, InsuranceTransfer
from app.domain.contributions import DEFAULT_RATES, balance_steps
from app.domain.identity import IdNumber, parse_id_number
from app.domain.transfer import pooled_fund_amount
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly, seed_histories
from tests.conftest import shown, sign_in
from tests.integration.test_affinity_wizard import EN, face

Client = AsyncTestClient[Litestar]
WANG_FANG = parse_id_number("110105198503140224")
ZHANG_WEI = parse_id_number("110105198309210137")
MOTHER = parse_id_number("110105195806070426")
ZHAO_LI = parse_id_number("320102199001010889")  # in no household


async def _open(seeded: UnitOfWork, settings: Settings, member: IdNumber, relation: str) -> UUID:
    binding = await open_binding_directly(
        seeded,
        DocumentStore(settings.upload_dir),
        holder=WANG_FANG,
        member=member,
        relationship=relation,
        proof=face(),
    )
    await seeded.commit()
    return binding


def _soon() -> str:
    return (utcnow().date() + timedelta(days=30)).isoformat()


def _kind(page: str) -> str:
    match = re.search(r'data-kind="([a-z_]+)"', page)
    assert match, "the answer says transfer, temporary account or same province"
    return match.group(1)


def _amount(page: str, name: str) -> Decimal:
    match = re.search(rf'data-amount="{name}">([^<]+)<', page)
    assert match, f"no {name} amount"
    return Decimal(re.sub(r"[^0-9.]", "", html.unescape(match.group(1))))


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def _expected_amounts(seeded: UnitOfWork, who: IdNumber) -> tuple[Decimal, Decimal]:
    person = await seeded.people.by_id_number(who)
    assert person
    yearly = await seeded.contributions.yearly_individual(person.id, "pension")
    rates = DEFAULT_RATES.with_overrides(rate_2025=seeded.policy.account_interest_rate_2025)
    account = balance_steps(yearly, Decimal(0), rates)[-1].closing
    bases = await seeded.contributions.paid_bases(person.id)
    pooled = pooled_fund_amount((date(y, m, 1), base) for y, m, base, _ in bases)
    return account, pooled


@pytest.mark.usefixtures("histories")
async def test_the_page_is_linked_and_opens_with_the_records(
    client: Client, seeded: UnitOfWork
) -> None:
    await sign_in(client)
    home = await client.get("/my", headers=EN)
    assert 'href="/my/transfers"' in home.text
    response = await client.get("/my/transfers", headers=EN)
    assert response.status_code == 200, response.text
    text = _text(response.text)
    assert "What happens if you take a job in another province?" in text
    assert "Hukou province Beijing" in text and "Insured now in Beijing" in text
    assert "data-kind" not in response.text  # nothing asked yet
    assert 'name="to"' in response.text and 'name="starts"' in response.text


@pytest.mark.usefixtures("histories")
async def test_wang_fang_at_41_would_get_a_temporary_account(
    client: Client, seeded: UnitOfWork
) -> None:
    await sign_in(client)
    response = await client.get(f"/my/transfers?to=44&starts={_soon()}", headers=EN)
    assert response.status_code == 200, response.text
    assert _kind(response.text) == "temporary_account"
    text = _text(response.text)
    assert "stays in Beijing" in text and "Guangdong opens a temporary contribution account" in text
    assert "data-amount" not in response.text  # nothing moves now
    # An approved official transfer moves the relationship, with the money of the rules.
    approved = await client.get(f"/my/transfers?to=44&starts={_soon()}&approved=yes", headers=EN)
    assert _kind(approved.text) == "transfer"
    account, pooled = await _expected_amounts(seeded, WANG_FANG)
    assert _amount(approved.text, "account") == account
    assert _amount(approved.text, "pooled") == pooled
    assert pooled > account  # 12 % of the bases against her own 8 %, before interest


@pytest.mark.usefixtures("histories")
async def test_zhang_wei_for_his_wife_a_transfer_and_the_ten_year_rule(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    binding = await _open(seeded, settings, ZHANG_WEI, "spouse")
    await sign_in(client)
    starts = _soon()
    response = await client.get(f"/family/{binding}/transfers?to=44&starts={starts}", headers=EN)
    assert response.status_code == 200, response.text
    assert _kind(response.text) == "transfer"
    text = _text(response.text)
    assert "What happens if 张伟 takes a job in another province?" in text
    # Guangzhou 2005-07 .. 2014-12 is 114 months: 6 more make Guangdong the place of payment.
    assert "Guangdong 114" in text
    start = date.fromisoformat(starts)
    month = (start.year * 12 + start.month - 1) + 6
    place_from = f"{month // 12:04d}-{month % 12 + 1:02d}"
    assert f"after 6 more months of contributions there, from {place_from}" in text
    assert "With the records as they are: Beijing." in text
    account, pooled = await _expected_amounts(seeded, ZHANG_WEI)
    assert _amount(response.text, "account") == account
    assert _amount(response.text, "pooled") == pooled
    # Audited for the member, with what was asked and never who.
    person = await seeded.people.by_id_number(ZHANG_WEI)
    assert person
    events = [e for e, _, _ in await seeded.audit.done_for(person.id)]
    details = [e.detail for e in events if e.action == "transfer.precheck"]
    assert f"to=44 starts={starts} approved=False" in details
    assert all("110105" not in d for d in details)


@pytest.mark.usefixtures("histories")
async def test_own_use_is_not_audited(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    await client.get(f"/my/transfers?to=44&starts={_soon()}", headers=EN)
    person = await seeded.people.by_id_number(WANG_FANG)
    assert person
    assert not [e for e, _, _ in await seeded.audit.done_for(person.id)]


@pytest.mark.usefixtures("histories")
async def test_the_same_province_moves_nothing(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    response = await client.get(f"/my/transfers?to=11&starts={_soon()}", headers=EN)
    assert _kind(response.text) == "same_province"
    assert "data-amount" not in response.text


@pytest.mark.usefixtures("histories")
async def test_wrong_answers_are_marked_and_kept(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    response = await client.get("/my/transfers?to=99&starts=2026-13-01", headers=EN)
    assert response.status_code == 422
    page = response.text
    assert 'class="error-summary"' in page
    assert page.count("Select the province of the new job") == 2  # summary and field
    assert page.count("Enter the start date as a date, for example 2026-03-01") == 2
    assert 'href="#to"' in page and 'href="#starts"' in page
    assert 'value="2026-13-01"' in page
    assert "<title>Error:" in page
    assert "data-kind" not in page


@pytest.mark.usefixtures("histories")
async def test_the_limits_of_the_question(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    today = utcnow().date()
    too_late = date(today.year + 6, 1, 1).isoformat()
    too_early = (today - timedelta(days=400)).isoformat()
    for starts in (too_late, too_early):
        response = await client.get(f"/my/transfers?to=44&starts={starts}", headers=EN)
        assert response.status_code == 422
        assert "The start date must be between" in response.text
    long = "2" * 5000
    response = await client.get(f"/my/transfers?to={long}&starts={long}", headers=EN)
    assert response.status_code == 422
    assert long[:21] not in response.text  # shown back only 20 characters far
    for bad in ("71", "81", "١١", "44 "):  # not mainland, not ASCII; spaces are trimmed
        response = await client.get(f"/my/transfers?to={bad}&starts={_soon()}", headers=EN)
        assert response.status_code == (200 if bad == "44 " else 422), bad


async def test_no_pre_check_without_records_or_for_a_pensioner(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    await sign_in(client)
    response = await client.get(f"/my/transfers?to=44&starts={_soon()}", headers=EN)
    assert response.status_code == 200
    assert "There are no employee pension contributions on record" in response.text
    assert 'name="to"' not in response.text
    await seed_histories(seeded, utcnow().date())
    mother = await _open(seeded, settings, MOTHER, "parent")
    response = await client.get(f"/family/{mother}/transfers", headers=EN)
    assert "People who already draw a pension do not transfer" in response.text


@pytest.mark.usefixtures("histories")
async def test_an_open_transfer_blocks_the_pre_check(client: Client, seeded: UnitOfWork) -> None:
    person = await seeded.people.by_id_number(WANG_FANG)
    assert person
    seeded.db.add(
        InsuranceTransfer(
            person_id=person.id,
            line="pension",
            from_region="110105",
            to_region="440106",
            state="applied",
            applied_on=utcnow().date(),
        )
    )
    await seeded.commit()
    await sign_in(client)
    response = await client.get("/my/transfers", headers=EN)
    assert "A transfer of the pension insurance is already under way" in response.text


async def test_a_lump_sum_of_three_years_without_documents_stays_behind(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    """Zhao Li: 2010-2012 back-paid at once in 2013 without the documents, then paid monthly
    2013-2014; 2015 back-paid with the documents."""
    person = await seeded.people.by_id_number(ZHAO_LI)
    assert person
    paid_on = {2010: date(2013, 3, 1), 2011: date(2013, 3, 1), 2012: date(2013, 3, 1)}
    rows = []
    for year in range(2010, 2016):
        for month in range(1, 13):
            back = paid_on.get(year) or (date(2016, 2, 1) if year == 2015 else None)
            rows.append(
                ContributionRecord(
                    person_id=person.id, line="pension", scheme="employee", year=year,
                    month=month, base=Decimal("5000.00"), employer_part=Decimal("800.00"),
                    individual_part=Decimal("400.00"), status="paid", region_code="320102",
                    back_paid_on=back, back_pay_documented=year == 2015,
                )
            )  # fmt: skip
    await seeded.contributions.add_many(rows)
    await seeded.commit()
    binding = await _open(seeded, settings, ZHAO_LI, "other")
    await sign_in(client)
    response = await client.get(f"/family/{binding}/transfers?to=44&starts={_soon()}", headers=EN)
    assert response.status_code == 200, response.text
    text = _text(response.text)
    assert (
        "36 months back-paid in one sum on 2013-03-01 (2010-01 to 2012-12), without the documents"
        in text
    )
    assert "2015-01 to 2015-12" not in text  # documented: it moves
    assert _amount(response.text, "pooled") == Decimal("21600.00")  # 36 x 5000 x 12 %
    rates = DEFAULT_RATES.with_overrides(rate_2025=seeded.policy.account_interest_rate_2025)
    yearly = [(year, Decimal("4800.00")) for year in (2013, 2014, 2015)]
    expected = balance_steps(yearly, Decimal(0), rates)[-1].closing
    assert _amount(response.text, "account") == expected


@pytest.mark.usefixtures("histories")
async def test_htmx_gets_the_page_as_a_fragment(client: Client, seeded: UnitOfWork) -> None:
    """Inside the boosted <main> the form's GET comes back as the inside of <main> only."""
    await sign_in(client)
    headers = {"HX-Request": "true", "HX-Target": "main", **EN}
    response = await client.get(f"/my/transfers?to=44&starts={_soon()}", headers=headers)
    assert response.status_code == 200
    assert "<html" not in response.text and "<title>" in response.text
    assert _kind(response.text) == "temporary_account"
    assert response.headers["hx-push-url"].startswith("/my/transfers?to=44&starts=")


@pytest.mark.usefixtures("histories")
async def test_in_chinese(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    zh = {"Accept-Language": "zh-CN"}
    response = await client.get(f"/my/transfers?to=44&starts={_soon()}", headers=zh)
    text = _text(response.text)
    assert "到外省工作，养老保险会怎样？" in text
    assert "建立临时账户。" in text and "养老保险关系保留在北京" in text
    bad = await client.get("/my/transfers?to=&starts=x", headers=zh)
    assert bad.status_code == 422
    assert "请选择新工作所在省份" in shown(bad.text) and "请按日期格式填写参保开始日期" in shown(
        bad.text
    )
