"""The pension estimate at {base}/pension: the demo family's figures against the domain rules,
the what-if answers and their limits, the live update, the chart, the print view, and a page
of its own for each reason no estimate is given."""

from __future__ import annotations

import gzip
import html
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import ContributionRecord, InsuranceTransfer
from app.domain.contributions import DEFAULT_RATES, Period, RateTable, account_balance
from app.domain.identity import IdNumber, check_char, parse_id_number
from app.domain.pension import estimate, project_balance, project_index
from app.domain.retirement import (
    Category,
    minimum_contribution_months,
    statutory_retirement,
    window_months,
)
from app.domain.wages import PaidMonth, average_index, average_wage
from app.services.context import UnitOfWork
from app.services.seed import add_holder, open_binding_directly
from tests.conftest import shown, sign_in
from tests.integration.test_affinity_wizard import EN, MOTHER, SON, face

Client = AsyncTestClient[Litestar]
WANG_FANG = parse_id_number("110105198503140224")
ZHANG_WEI = parse_id_number("110105198309210137")
ZHAO_LI = parse_id_number("320102199001010889")  # in no household; given residents' records here
HTMX = {"HX-Request": "true", "HX-Target": "pension-result", **EN}


async def _open(seeded: UnitOfWork, settings: Settings, member: IdNumber, relation: str) -> UUID:
    return await open_binding_directly(
        seeded,
        DocumentStore(settings.upload_dir),
        holder=WANG_FANG,
        member=member,
        relationship=relation,
        proof=face(),
    )


def _ym(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _rates(seeded: UnitOfWork) -> RateTable:
    return DEFAULT_RATES.with_overrides(rate_2025=seeded.policy.account_interest_rate_2025)


def _selected_month(page: str) -> str:
    match = re.search(r'<option value="([0-9-]+)" selected>', page)
    assert match, "a retirement month is selected"
    return match.group(1)


def _options(page: str) -> list[str]:
    return re.findall(r'<option value="([0-9]{4}-[0-9]{2})"', page)


def _chosen_value(page: str) -> Decimal:
    match = re.search(r'class="chart-point chart-chosen"[^>]*data-value="([0-9.]+)"', page)
    assert match, "the chosen month is marked on the chart"
    return Decimal(match.group(1))


def _table_values(page: str) -> list[tuple[str, Decimal, Decimal]]:
    """(month, data-value, the number as shown) of each row of the chart's table."""
    table = page.split('class="table pension-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row">([0-9]{4}-[0-9]{2}).*?data-value="([0-9.]+)">([^<]+)</td>', table
    )
    return [
        (month, Decimal(value), Decimal(re.sub(r"[^0-9.]", "", html.unescape(shown))))
        for month, value, shown in rows
    ]


def _svg_values(page: str) -> list[tuple[str, Decimal]]:
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    points = re.findall(r'data-month="([0-9-]+)" data-value="([0-9.]+)"', svg)
    return [(month, Decimal(value)) for month, value in points]


async def _viewed(seeded: UnitOfWork, member: IdNumber) -> list[str]:
    person = await seeded.people.by_id_number(member)
    assert person
    return [
        e.detail
        for e, _, _ in await seeded.audit.done_for(person.id)
        if e.action == "pension.viewed"
    ]


@pytest.mark.usefixtures("histories")
async def test_wang_fangs_estimate_follows_the_domain_rules(
    client: Client, seeded: UnitOfWork
) -> None:
    today = utcnow().date()
    await sign_in(client)
    response = await client.get("/my/pension", headers=EN)
    assert response.status_code == 200, response.text
    page = response.text

    birth = date(1985, 3, 14)
    statutory = statutory_retirement(birth, Category.FEMALE_55)
    assert (statutory.age_years, statutory.age_months) == (58, 0)
    window = window_months(birth, Category.FEMALE_55)
    assert _ym(*statutory.year_month) in page and "58 years 0 months" in page
    assert f"From {_ym(*window[0])} (age 55 years 0 months) to {_ym(*window[-1])}" in page
    assert _options(page) == [_ym(*m) for m in window]  # all still to come, minimum met
    assert _selected_month(page) == _ym(*statutory.year_month)
    minimum = minimum_contribution_months(statutory.year)
    assert f"Minimum contribution period for retiring in {statutory.year}" in page
    assert f"{minimum} months" in page

    # The same figure from the domain functions and the records.
    person = await seeded.people.by_id_number(WANG_FANG)
    assert person
    paid = [PaidMonth(*row) for row in await seeded.contributions.paid_bases(person.id)]
    yearly = await seeded.contributions.yearly_individual(person.id, "pension", "employee")
    balance = account_balance(yearly, rates=_rates(seeded))
    future = Period(statutory.year, statutory.month).index - Period(today.year, today.month).index
    # C: the average wage of the year before retirement, today's grown by 4 % a year.
    wage_then = average_wage(today.year, "110105") * Decimal("1.04") ** (
        statutory.year - 1 - today.year
    )
    expected = estimate(
        avg_wage=wage_then.quantize(Decimal("0.01"), ROUND_HALF_UP),
        index=project_index(average_index(paid), len(paid), future, Decimal("1.40")),
        months=len(paid) + future,
        balance=project_balance(balance, paid[-1].base, future, Decimal("0.04"), Decimal("0.015")),
        age_years=58,
    )
    assert expected.divisor == 152
    assert _chosen_value(page) == expected.total
    assert f"{expected.total:,.2f}" in page and f"{expected.basic:,.2f}" in page
    assert f"{expected.account:,.2f}" in page and f"{expected.balance:,.2f}" in page
    # The headline is in today's money, the retirement year's figure beside it, the deflator said.
    years = statutory.year - today.year
    todays = (expected.total / Decimal("1.04") ** years).quantize(Decimal("0.01"), ROUND_HALF_UP)
    headline = page.split('class="pension-total">', 1)[1].split("</p>", 1)[0]
    assert f"{todays:,.2f}" in headline and "a month, in today's money" in headline
    assert f"{expected.total:,.2f} a month in {statutory.year} money" in page
    assert f"the wage growth assumed, 4 % a year over {years} years" in page
    assert f'value="{average_wage(today.year, "110105")}"' in page  # C prefilled
    assert 'value="1.50"' in page  # the latest official interest rate
    assert 'id="pension-summary" class="pension-summary" role="status"' in page
    assert f'href="/my/pension/print?retire_at={_ym(*statutory.year_month)}' in page
    assert len(gzip.compress(response.content)) < 14 * 1024  # the page budget


@pytest.mark.usefixtures("histories")
async def test_the_chart_plots_the_numbers_of_its_table(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    page = (await client.get("/my/pension?retire_at=2044-08", headers=EN)).text
    table = _table_values(page)
    assert len(table) >= 10
    assert [(m, v) for m, v, _ in table] == _svg_values(page)
    assert all(value == shown for _, value, shown in table)
    assert _chosen_value(page) == dict((m, v) for m, v, _ in table)["2044-08"]
    assert 'role="img" aria-labelledby="pension-chart-title pension-chart-desc"' in page
    assert '<caption id="pension-table-caption">' in page and 'scope="col"' in page
    totals = [value for _, value, _ in table]
    assert totals == sorted(totals)  # later is higher: more months, a shorter divisor


@pytest.mark.usefixtures("histories")
async def test_a_later_month_gives_her_husband_a_higher_pension(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    husband = await _open(seeded, migrated, ZHANG_WEI, "spouse")
    await sign_in(client)
    base = f"/family/{husband}/pension"
    statutory_page = (await client.get(base, headers=EN)).text
    window = window_months(date(1983, 9, 21), Category.MALE)
    statutory = statutory_retirement(date(1983, 9, 21), Category.MALE)
    assert _selected_month(statutory_page) == _ym(*statutory.year_month) == "2046-09"
    assert 'name="job"' not in statutory_page  # a man's age does not depend on the post
    later = await client.get(f"{base}?retire_at={_ym(*window[-1])}&job=worker", headers=EN)
    assert later.status_code == 200
    assert _selected_month(later.text) == _ym(*window[-1]) == "2049-09"
    assert "66 years 0 months" in later.text
    assert _chosen_value(later.text) > _chosen_value(statutory_page)
    assert "You are acting for 张伟" in shown(later.text)
    assert len(await _viewed(seeded, ZHANG_WEI)) == 2


@pytest.mark.usefixtures("histories")
async def test_a_woman_in_a_workers_post_has_an_earlier_window(
    client: Client, seeded: UnitOfWork
) -> None:
    await sign_in(client)
    # The list was built for a cadre: with the post changed, its month is not an error.
    page = (
        await client.get("/my/pension?job=worker&window_for=cadre&retire_at=2046-03", headers=EN)
    ).text
    worker = statutory_retirement(date(1985, 3, 14), Category.FEMALE_50)
    assert (worker.age_years, worker.age_months) == (55, 0)
    assert _selected_month(page) == _ym(*worker.year_month)
    assert "Woman in a worker&#39;s post" in page or "Woman in a worker's post" in page
    assert 'value="worker" checked' in page
    assert _options(page)[0] == _ym(*window_months(date(1985, 3, 14), Category.FEMALE_50)[0])


@pytest.mark.usefixtures("histories")
async def test_wrong_answers_are_shown_back_with_messages(
    client: Client, seeded: UnitOfWork
) -> None:
    await sign_in(client)
    query = "wage_growth=20&index=abc&avg_wage=500&interest=-1&retire_at=2099-01&job=pilot"
    response = await client.get(f"/my/pension?{query}", headers=EN)
    assert response.status_code == 422
    page = response.text
    assert "<title>Error:" in page and "There is a problem" in page
    messages = {
        "wage_growth": "The yearly wage growth must be between −5 and 15 per cent",
        "index": "Enter the average contribution index as a number, for example 1.2",
        "avg_wage": "The local average wage must be between 1,000 and 100,000 yuan a month",
        "interest": "The account interest rate must be between 0 and 10 per cent",
        "retire_at": "Choose a retirement month from the list",
        "job": "Select the type of post",
    }
    for name, message in messages.items():
        assert f'<a href="#{name}">{message}' in page, name
        assert re.search(rf'id="{name}-error"[^>]*>.*?{re.escape(message)}', page), name
    for name, typed in (("wage_growth", "20"), ("index", "abc"), ("avg_wage", "500")):
        assert f'value="{typed}"' in page
    assert 'aria-invalid="true"' in page
    assert "chart-point" not in page  # no figure from wrong answers
    padded = await client.get("/my/pension?index=1.5" + "%20" * 20 + "x", headers=EN)
    assert padded.status_code == 422  # not cut down to something valid
    # Typed the way people type: full-width digits, a per cent sign, a typographic minus.
    fine = await client.get("/my/pension?wage_growth=−2%&interest=１.２", headers=EN)
    assert fine.status_code == 200
    assert 'id="wage_growth-error"></p>' in fine.text and "chart-point" in fine.text


@pytest.mark.usefixtures("histories")
async def test_a_live_update_gets_the_result_region_only(
    client: Client, seeded: UnitOfWork
) -> None:
    await sign_in(client)
    response = await client.get("/my/pension?retire_at=2044-03&wage_growth=3", headers=HTMX)
    assert response.status_code == 200
    fragment = response.text
    assert "<html" not in fragment and "<form" not in fragment
    assert '<section aria-labelledby="estimate-heading">' in fragment
    assert 'id="field-retire_at" class="field" hx-swap-oob="true"' in fragment
    assert 'id="pension-summary" hx-swap-oob="innerHTML">Estimated pension:' in fragment
    assert response.headers["hx-push-url"].startswith("/my/pension?retire_at=2044-03")

    wrong = await client.get("/my/pension?wage_growth=99", headers=HTMX)
    assert wrong.status_code == 422
    assert '<div id="pension-errors" hx-swap-oob="true"></div>' in wrong.text  # cleared
    assert 'role="alert"' not in wrong.text and "data-error-summary" not in wrong.text
    assert re.search(r'id="wage_growth-error" hx-swap-oob="true">.*between', wrong.text)
    assert "<title>Error:" in wrong.text
    typing = await client.get("/my/pension?wage_growth=-", headers=HTMX)  # "-" of "-1"
    assert typing.status_code == 422 and 'role="alert"' not in typing.text
    assert re.search(r'id="wage_growth-error" hx-swap-oob="true">.*number', typing.text)
    submitted = await client.get("/my/pension?wage_growth=-", headers=EN)  # Calculate
    assert submitted.status_code == 422
    assert 'role="alert"' in submitted.text and '<a href="#wage_growth">' in submitted.text

    full = await client.get("/my/pension", headers=EN)  # the page carries the live form
    assert 'hx-get="/my/pension" hx-target="#pension-result"' in full.text
    assert 'hx-trigger="input changed delay:500ms, change"' in full.text
    assert 'hx-target="#main" hx-include="closest form"' in full.text
    assert 'aria-live="polite"' in full.text


@pytest.mark.usefixtures("histories")
async def test_the_printable_summary(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    husband = await _open(seeded, migrated, ZHANG_WEI, "spouse")
    await sign_in(client)
    page = (
        await client.get(f"/family/{husband}/pension/print?retire_at=2047-01&index=9", headers=EN)
    ).text
    assert "1101**********0137" in page and "张伟" in page
    assert "Answers used" in page and "How it is worked out" in page
    assert "Estimated pension from 2047-01" in page
    assert "in today's money" in page and "a month in 2047 money" in page
    assert "<svg" not in page and "<form" not in page.split("<main", 1)[1].split("</main>")[0]
    assert f'href="/family/{husband}/pension?retire_at=2047-01' in page
    assert "print retire_at=2047-01" in await _viewed(seeded, ZHANG_WEI)


@pytest.mark.usefixtures("histories")
async def test_a_pensioner_sees_the_pension_in_payment(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    mother = await _open(seeded, migrated, parse_id_number(MOTHER[1]), "parent")
    await sign_in(client)
    response = await client.get(f"/family/{mother}/pension", headers=EN)
    assert response.status_code == 200
    assert "A pension is already being paid, so no estimate is given" in response.text
    assert "3,286.40" in response.text and "2008-07-01" in response.text
    assert "chart" not in response.text
    assert await _viewed(seeded, parse_id_number(MOTHER[1])) == ["estimate reason=retired"]


@pytest.mark.usefixtures("histories")
async def test_no_estimate_for_a_child(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    son = await _open(seeded, migrated, parse_id_number(SON[1]), "child")
    await sign_in(client)
    response = await client.get(f"/family/{son}/pension", headers=EN)
    assert response.status_code == 200
    assert "No estimate is given before the age of 18" in response.text
    assert "2033-04-02" in response.text


async def test_no_estimate_from_fewer_than_twelve_months(
    client: Client, seeded: UnitOfWork
) -> None:
    number = parse_id_number((first := "11010519950505123") + check_char(first))
    await add_holder(seeded, name="新人", number=number, password="fresh-holder-2025", pin="380517")
    person = await seeded.people.by_id_number(number)
    assert person
    await seeded.contributions.add_many(
        ContributionRecord(
            person_id=person.id, line="pension", scheme="employee", year=2026, month=month,
            base=Decimal("9000.00"), employer_part=Decimal("1440.00"),
            individual_part=Decimal("720.00"), status="paid", region_code="110105",
        )
        for month in range(1, 6)
    )  # fmt: skip
    await seeded.commit()
    await sign_in(client, number.value, "fresh-holder-2025")
    response = await client.get("/my/pension", headers=EN)
    assert response.status_code == 200
    assert "There are 5 months of pension contributions on record" in response.text
    assert "needs at least 12 months" in response.text


@pytest.mark.usefixtures("histories")
async def test_no_estimate_while_a_pension_transfer_is_open(
    client: Client, seeded: UnitOfWork
) -> None:
    person = await seeded.people.by_id_number(WANG_FANG)
    assert person
    for line in ("medical", "pension"):
        await seeded.transfers.add(
            InsuranceTransfer(
                person_id=person.id, line=line, from_region="440106", to_region="110105",
                state="applied", applied_on=date(2026, 10, 8),
            )
        )  # fmt: skip
    await seeded.commit()
    await sign_in(client)
    response = await client.get("/my/pension", headers=EN)
    assert response.status_code == 200
    assert "A transfer of the pension insurance between regions is in progress" in response.text
    assert "2026-10-08" in response.text


async def test_the_residents_scheme_divides_the_account_by_139(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    person = await seeded.people.by_id_number(ZHAO_LI)
    assert person
    await seeded.contributions.add_many(
        ContributionRecord(
            person_id=person.id, line="pension", scheme="resident", year=year, month=1,
            months_covered=12, base=Decimal("0.00"), employer_part=Decimal("0.00"),
            individual_part=Decimal("500.00"), status="paid", region_code="320102",
        )
        for year in range(2016, 2026)
    )  # fmt: skip
    await seeded.commit()
    binding = await _open(seeded, migrated, ZHAO_LI, "other")
    await sign_in(client)
    response = await client.get(f"/family/{binding}/pension", headers=EN)
    assert response.status_code == 200
    page = response.text
    balance = account_balance([(y, Decimal(500)) for y in range(2016, 2026)], rates=_rates(seeded))
    account = (balance / 139).quantize(Decimal("0.01"))
    assert "residents&#39; pension scheme" in page or "residents' pension scheme" in page
    assert "2050-01, at age 60" in page
    assert f"{balance:,.2f}" in page and f"{account:,.2f}" in page
    assert f"{Decimal(143) + account:,.2f}" in page
    assert "120 months (10 years 0 months)" in page and "60 months (5 years 0 months)" in page
    printed = (await client.get(f"/family/{binding}/pension/print", headers=EN)).text
    assert f"{Decimal(143) + account:,.2f}" in printed and "3201**********0889" in printed
