"""Applying for a transfer through the pages (issue 13 points 2–6): for oneself and for a member,
each refusal with its rule's reason on the page, the temporary account offered instead, the PIN
step-up submitting, the timeline with its deadlines, the dashboard, and 404 for strangers."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import AuditEvent, ContributionRecord, InsuranceTransfer
from app.db.repositories import TransferDrafts
from app.domain.contributions import Period
from app.domain.identity import IdNumber, check_char, parse_id_number
from app.domain.transfer import pooled_fund_amount
from app.domain.transfer_steps import Refusal, TransferLine
from app.services import transfer_apply as applying
from app.services.context import UnitOfWork
from app.services.demo_histories import Job, employee_records, last_month
from app.services.maintenance import tidy
from app.services.seed import add_holder, open_binding_directly
from app.services.subject import Subject
from tests.at_once import NewClient, Overlap
from tests.conftest import csrf_token, sign_in
from tests.integration.test_affinity_wizard import EN, face

Client = AsyncTestClient[Litestar]
WANG_FANG = parse_id_number("110105198503140224")
ZHANG_WEI = parse_id_number("110105198309210137")
MOTHER = parse_id_number("110105195806070426")
WANG_PIN, CHEN_ID, CHEN_PASSWORD = "258369", "440106199207150513", "second-demo-2025"


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


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def _post(client: Client, path: str, data: dict[str, str]) -> object:
    token = await csrf_token(client, "/account")
    return await client.post(
        path, data={"_csrf_token": token, **data}, headers=EN, follow_redirects=False
    )


async def _step(client: Client, path: str, data: dict[str, str], status: int = 303) -> str:
    response = await _post(client, path, data)
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    if status == 303:
        return str(response.headers["location"])  # type: ignore[attr-defined]
    return _text(response.text)  # type: ignore[attr-defined]


async def _to_check(client: Client, base: str, line: str, old: str, new: str) -> str:
    assert await _step(client, f"{base}/line", {"line": line}) == f"{base}/regions"
    return await _step(client, f"{base}/regions", {"from_city": old, "to_city": new})


@pytest.mark.usefixtures("histories")
async def test_wang_fang_applies_for_zhang_weis_pension(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    binding = await _open(seeded, settings, ZHANG_WEI, "spouse")
    await sign_in(client)
    member = f"/family/{binding}"
    page = await client.get(member, headers=EN)  # the hub links the pre-check, which applies
    assert f'href="{member}/transfers"' in page.text
    precheck = await client.get(f"{member}/transfers", headers=EN)
    assert f'href="{member}/transfers/apply"' in precheck.text
    base = f"{member}/transfers/apply"
    start = await client.get(base, follow_redirects=False)
    assert start.headers["location"] == f"{base}/line"
    # The old place is filled in from his records: Guangzhou, before Beijing.
    await _step(client, f"{base}/line", {"line": "pension"})
    regions = await client.get(f"{base}/regions", headers=EN)
    assert '<option value="4401" selected>' in regions.text
    # Not insured in Shanghai: refused with the rule's reason, next to the new place.
    refused = await _step(client, f"{base}/regions", {"from_city": "4401", "to_city": "3101"}, 422)
    assert "There are no recent contributions in Shanghai" in refused
    # A temporary account asked for where the rule does not call for one: a transfer it is.
    regions = {"from_city": "4401", "to_city": "1101", "temporary": "yes"}
    assert await _step(client, f"{base}/regions", regions) == f"{base}/check"
    check = await client.get(f"{base}/check", headers=EN)
    assert "Temporary contribution account" not in check.text
    text = _text(check.text)
    # Point 3: the Guangzhou months' 12 %, shown apart from his own account.
    person = await seeded.people.by_id_number(ZHANG_WEI)
    assert person
    rows = await seeded.db.execute(
        select(ContributionRecord.year, ContributionRecord.month, ContributionRecord.base).where(
            ContributionRecord.person_id == person.id,
            ContributionRecord.line == "pension",
            ContributionRecord.status == "paid",
            ContributionRecord.region_code.startswith("44"),
        )
    )
    pooled = pooled_fund_amount((date(y, m, 1), Decimal(b)) for y, m, b in rows)
    assert f"{pooled:,.2f}" in text and "moved from fund to fund" in text
    assert "The new place reviews the application and sends the letter of acceptance" in text
    assert await _step(client, f"{base}/check", {}) == f"{base}/pin"
    pin = await client.get(f"{base}/pin", headers=EN)
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', pin.text)
    assert checked
    # A wrong PIN sends nothing.
    wrong = await _step(client, f"{base}/pin", {"pin": "111111", "checked": checked[1]}, 422)
    assert "PIN" in wrong
    target = await _step(client, f"{base}/pin", {"pin": WANG_PIN, "checked": checked[1]})
    assert re.fullmatch(rf"{member}/transfers/[0-9a-f-]{{36}}", target)
    timeline = await client.get(target, headers=EN)
    assert timeline.status_code == 200
    text = _text(timeline.text)
    assert "Waiting on: The agency in Beijing (new place)" in text
    assert "Due by" in text and 'hx-trigger="every 15s"' in timeline.text  # the policy's
    # The dashboard shows it in progress, linked to the timeline.
    family = await client.get("/family", headers=EN)
    assert f'href="{target}"' in family.text
    assert "Transfer of the Employee pension insurance in progress" in _text(family.text)
    # A second one of the same line is refused with the rule's reason.
    again = await _step(client, f"{base}/line", {"line": "pension"}, 422)
    assert "A transfer of this insurance is already under way" in again
    await seeded.commit()
    event = await seeded.db.scalar(
        select(AuditEvent).where(AuditEvent.action == "transfer.applied")
    )
    assert event and event.detail == "line=pension from=440100 to=110100"


@pytest.mark.usefixtures("histories")
async def test_refusals_say_their_rule(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    mother = await _open(seeded, settings, MOTHER, "parent")
    await sign_in(client)
    base = "/my/transfers/apply"
    await _step(client, f"{base}/line", {"line": "pension"})
    cases = {
        ("1101", "4401"): "Contributions are still being paid in Beijing",
        ("1101", "1101"): "Both places are in the same province",
        ("3101", "1101"): "There are no contributions to this insurance on record in Shanghai",
    }
    for (old, new), reason in cases.items():
        page = await _step(client, f"{base}/regions", {"from_city": old, "to_city": new}, 422)
        assert reason in page, page
    # Missing answers are said next to the fields.
    page = await _step(client, f"{base}/regions", {"from_city": "", "to_city": "9999"}, 422)
    assert "Select the city the insurance moves from" in page
    assert "Select the city the insurance moves to" in page
    # A pensioner's pension: refused on the first step.
    refused = await _step(
        client, f"/family/{mother}/transfers/apply/line", {"line": "pension"}, 422
    )
    assert "People who already draw a pension do not transfer" in refused


@pytest.mark.usefixtures("histories")
async def test_a_stranger_sees_nothing(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    binding = await _open(seeded, settings, ZHANG_WEI, "spouse")
    await sign_in(client)
    base = f"/family/{binding}/transfers/apply"
    await _to_check(client, base, "medical", "4401", "1101")
    await _step(client, f"{base}/check", {})
    pin = await client.get(f"{base}/pin", headers=EN)
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', pin.text)
    assert checked
    target = await _step(client, f"{base}/pin", {"pin": WANG_PIN, "checked": checked[1]})
    token = await csrf_token(client, "/account")
    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client, CHEN_ID, CHEN_PASSWORD)
    for path in (target, f"/family/{binding}/transfers", base, f"{base}/line"):
        response = await client.get(path, headers=EN, follow_redirects=False)
        assert response.status_code == 404, path
    transfer_id = target.rsplit("/", 1)[1]
    assert (await client.get(f"/my/transfers/{transfer_id}")).status_code == 404
    rows = await seeded.db.scalars(select(InsuranceTransfer))
    assert [t.line for t in rows] == ["medical"]


@pytest.mark.usefixtures("histories")
async def test_twenty_pin_entries_at_once_send_one_application(
    at_once_on_the_database: NewClient,
    seeded: UnitOfWork,
    settings: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twenty browsers of the holder at the PIN step of the same application: one transfer."""
    binding = await _open(seeded, settings, ZHANG_WEI, "spouse")
    base = f"/family/{binding}/transfers/apply"
    ready = []
    for _ in range(20):
        browser = at_once_on_the_database()
        await sign_in(browser)  # type: ignore[arg-type]
        token = await csrf_token(browser, "/account")  # type: ignore[arg-type]
        for step, data in (
            ("line", {"line": "pension"}),
            ("regions", {"from_city": "4401", "to_city": "1101"}),
            ("check", {}),
        ):
            answer = await browser.post(f"{base}/{step}", data={"_csrf_token": token, **data})
            assert answer.status_code == 303, answer.text
        ready.append((browser, token))
    pin_page = await ready[0][0].get(f"{base}/pin")
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', pin_page.text)
    assert checked
    overlap.wrap(monkeypatch, TransferDrafts, "of", meet=0.5)  # each loads the draft

    async def send(browser: httpx.AsyncClient, token: str) -> httpx.Response:
        form = {"_csrf_token": token, "pin": WANG_PIN, "checked": checked[1]}
        return await browser.post(f"{base}/pin", data=form, headers=EN)

    answers = await asyncio.gather(*(send(b, t) for b, t in ready))
    assert overlap.most > 1, "the requests did not overlap"
    assert {a.status_code for a in answers} <= {303, 422}
    sent = [a for a in answers if a.status_code == 303 and "/apply" not in a.headers["location"]]
    assert len(sent) == 1, [(a.status_code, a.headers.get("location")) for a in answers]
    await seeded.commit()
    rows = list(await seeded.db.scalars(select(InsuranceTransfer)))
    assert len(rows) == 1 and rows[0].line == "pension"


# ---- the refusals that need records of their own -----------------------------------------------

ZHOU_QIANG = "32010219700315013"  # a man with a Jiangsu hukou, in Beijing from the age of 54
ZHOU_PASSWORD, ZHOU_PIN = "zhou-demo-2025", "570394"


def _record(
    person: UUID, line: str, period: Period, region: str, **kw: object
) -> ContributionRecord:
    values: dict[str, object] = {
        "scheme": "employee",
        "base": Decimal("8000.00"),
        "employer_part": Decimal("1280.00"),
        "individual_part": Decimal("640.00"),
        "status": "paid",
        **kw,
    }
    return ContributionRecord(
        person_id=person,
        line=line,
        year=period.year,
        month=period.month,
        region_code=region,
        **values,
    )


async def _zhou_qiang(seeded: UnitOfWork) -> UUID:
    number = parse_id_number(ZHOU_QIANG + check_char(ZHOU_QIANG))
    await add_holder(seeded, name="周强", number=number, password=ZHOU_PASSWORD, pin=ZHOU_PIN)
    person = await seeded.people.by_id_number(number)
    assert person
    jobs = [
        Job(Period(2000, 1), Period(2024, 12), "440106", "广州", Decimal("1.0")),
        Job(Period(2025, 1), last_month(utcnow().date()), "110105", "北京", Decimal("1.0")),
    ]
    await seeded.contributions.add_many(employee_records(person.id, jobs))
    await seeded.commit()
    return person.id


async def test_the_temporary_account_is_offered_and_opened_instead(
    client: Client, seeded: UnitOfWork
) -> None:
    await _zhou_qiang(seeded)
    await sign_in(client, ZHOU_QIANG + check_char(ZHOU_QIANG), ZHOU_PASSWORD)
    base = "/my/transfers/apply"
    await _step(client, f"{base}/line", {"line": "pension"})
    regions = {"from_city": "4401", "to_city": "1101"}
    response = await _post(client, f"{base}/regions", regions)
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = response.text  # type: ignore[attr-defined]
    assert "a temporary contribution account is opened in Beijing instead" in _text(page)
    assert 'name="temporary" value="yes"' in page
    target = await _step(client, f"{base}/regions", {**regions, "temporary": "yes"})
    assert target == f"{base}/check"
    check = _text((await client.get(f"{base}/check", headers=EN)).text)
    assert "all its contributions move, the employer's and the individual's, with interest" in check
    assert "From the pooled fund" not in check
    await _step(client, f"{base}/check", {})
    pin = await client.get(f"{base}/pin", headers=EN)
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', pin.text)
    assert checked
    target = await _step(client, f"{base}/pin", {"pin": ZHOU_PIN, "checked": checked[1]})
    timeline = _text((await client.get(target, headers=EN)).text)
    assert "The new place opens the temporary contribution account" in timeline
    assert "No statutory deadline." in timeline
    row = await seeded.db.scalar(select(InsuranceTransfer))
    assert row and row.kind == "temporary_account" and row.pooled_amount is None


@pytest.mark.usefixtures("histories")
async def test_arrears_and_a_retired_members_medical_insurance(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    husband = await _open(seeded, settings, ZHANG_WEI, "spouse")
    mother = await _open(seeded, settings, MOTHER, "parent")
    he = await seeded.people.by_id_number(ZHANG_WEI)
    she = await seeded.people.by_id_number(MOTHER)
    assert he and she
    recent = last_month(utcnow().date())
    await seeded.contributions.add_many(
        [
            _record(he.id, "pension", Period(2014, 6), "440106", status="arrears"),
            _record(she.id, "medical", recent, "440106"),
        ]
    )
    await seeded.commit()
    await sign_in(client)
    base = f"/family/{husband}/transfers/apply"
    await _step(client, f"{base}/line", {"line": "pension"})
    page = await _step(client, f"{base}/regions", {"from_city": "4401", "to_city": "1101"}, 422)
    assert "The account in Guangzhou, Guangdong has unpaid contributions" in page
    base = f"/family/{mother}/transfers/apply"
    await _step(client, f"{base}/line", {"line": "medical"})
    page = await _step(client, f"{base}/regions", {"from_city": "1101", "to_city": "4401"}, 422)
    assert "The employee medical insurance of someone who has retired is not transferred" in page


async def test_residents_medical_insurance_not_within_the_same_year(
    seeded: UnitOfWork,
) -> None:
    """On a fixed day: residents' premiums are yearly, so "recent" is read a year at a time."""
    person_id = await _zhou_qiang(seeded)
    await seeded.contributions.remove_for(person_id)
    resident = {"scheme": "resident", "base": Decimal(0), "employer_part": Decimal(0)}
    await seeded.contributions.add_many(
        [
            _record(person_id, "medical", Period(2026, 1), "110105", months_covered=12, **resident),
            _record(person_id, "medical", Period(2026, 10), "440106", months_covered=3, **resident),
        ]
    )
    await seeded.commit()
    view = await seeded.views.person(person_id)
    assert view
    subject = Subject(person=view, holder=view)
    asked = applying.Request(TransferLine.MEDICAL, "110100", "440100")
    found = await applying.check(seeded, subject, asked, date(2026, 12, 6))
    assert found is Refusal.RESIDENT_SAME_YEAR
    # Enrolled at the new place for the next year: then it may be applied for.
    await seeded.contributions.remove_for(person_id)
    await seeded.contributions.add_many(
        [
            _record(person_id, "medical", Period(2026, 1), "110105", months_covered=12, **resident),
            _record(person_id, "medical", Period(2027, 1), "440106", months_covered=12, **resident),
        ]
    )
    found = await applying.check(seeded, subject, asked, date(2027, 2, 6))
    assert found is None


@pytest.mark.usefixtures("histories")
async def test_an_unfinished_application_expires_and_is_tidied_away(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    await sign_in(client)
    await _step(client, "/my/transfers/apply/line", {"line": "pension"})  # then left
    she = await seeded.people.by_id_number(WANG_FANG)
    assert she
    account = await seeded.accounts.for_person(she.id)
    assert account
    assert await seeded.transfer_drafts.of(account.id, she.id) is not None
    store = DocumentStore(settings.upload_dir)
    assert (await tidy(seeded, store, utcnow())).drafts == 0
    later = utcnow() + timedelta(hours=seeded.policy.draft_expiry_hours, minutes=1)
    assert (await tidy(seeded, store, later)).drafts == 1
    assert await seeded.transfer_drafts.of(account.id, she.id) is None
