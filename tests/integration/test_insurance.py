"""Each person's insurance, the family matrix and enrolment (issue 15 points 7-9), on SQLite and
PostgreSQL: 王芳's own schemes; her son 张浩, whose residents' medical cover lapsed this year,
enrolled again with her PIN and sent straight to his first premium; the refusals, each with its
rule next to the field and in the error summary; one enrolment however often it is sent."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.hashing import hash_secret
from app.config import Settings
from app.db.models import AuditEvent, Enrolment, HolderAccount
from app.domain.identity import parse_id_number
from app.domain.insurance import first_medical_year
from app.routes import step_up
from app.routes.labels import action_label
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.at_once import NewClient, Overlap, clients
from tests.conftest import sign_in
from tests.integration.payment_steps import EN, PIN, PREMIUM_ENV, WANG_FANG, son_base, token
from tests.integration.test_affinity_wizard import face

Client = AsyncTestClient[Litestar]
ZHAO_LI = "320102199001010889"  # registry only: an adult with no insurance at all


@pytest.fixture
def extra_env() -> dict[str, str]:
    return PREMIUM_ENV


async def _enrolments(uow: UnitOfWork) -> list[Enrolment]:
    await uow.commit()
    return list(await uow.db.scalars(select(Enrolment)))


def _error_shown(page: str, message: str, field: str) -> None:
    """The message in the error summary and next to its field."""
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary and message in summary.group(0), page[:3000]
    beside = re.search(rf'<p class="error-message" id="{field}-error">.*?</p>', page, re.S)
    assert beside and message in beside.group(0), page[:3000]


async def _choose(client: Client | httpx.AsyncClient, base: str, **answers: str) -> httpx.Response:
    csrf = await token(client, f"{base}/insurance/enrol")  # type: ignore[arg-type]
    return await client.post(
        f"{base}/insurance/enrol",
        data={"_csrf_token": csrf, **answers},
        headers=EN,
        follow_redirects=False,
    )


async def _pin_form(client: Client | httpx.AsyncClient, pin_url: str) -> dict[str, str]:
    page = await client.get(pin_url, headers=EN)
    assert page.status_code == 200, page.text[:3000]
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert csrf
    return {"_csrf_token": csrf.group(1), "pin": PIN}


@pytest.mark.usefixtures("histories")
async def test_her_own_insurance_scheme_by_scheme(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    page = await client.get("/my/insurance", headers=EN)
    assert page.status_code == 200
    text = page.text
    for shown in (
        "Employee basic pension insurance",
        "Employee basic medical insurance, with maternity insurance",
        "Maternity insurance is part of the employee medical insurance",
        "Unemployment insurance",
        "Work injury insurance",
        "The social insurance agency",
        "The medical insurance agency",
        "The tax authority",
        "Beijing",
    ):
        assert shown in text, shown
    assert text.count('data-state="contributing"') == 4
    # Reached from her services.
    assert 'href="/my/insurance"' in (await client.get("/my", headers=EN)).text


@pytest.mark.usefixtures("histories")
async def test_the_family_matrix(client: Client, seeded: UnitOfWork, migrated: Settings) -> None:
    base = await son_base(seeded, migrated)
    await sign_in(client)
    page = (await client.get("/family", headers=EN)).text
    table = re.search(r'<table class="table insurance-matrix">.*?</table>', page, re.S)
    assert table, page[:3000]
    matrix = table.group(0)
    assert "<caption>" in matrix
    assert matrix.count('<th scope="col">') == 5 and matrix.count('<th scope="row">') == 2
    # The scroll region around it is focusable and named.
    assert re.search(
        r'<div class="table-scroll" tabindex="0" role="region" aria-labelledby="insurance-matrix">',
        page,
    )
    # 张浩's residents' medical cover lapsed: the cell leads to enrolling him.
    cell = re.search(
        r'<td data-line="medical" data-state="ended" data-action="enrol">(.*?)</td>', matrix, re.S
    )
    assert cell, matrix
    assert f'href="{base}/insurance/enrol?scheme=resident_medical"' in cell.group(1)
    assert 'data-line="pension" data-state="contributing" data-action="view"' in matrix  # hers
    # His page says the same, and when his cover was paid until.
    his = (await client.get(f"{base}/insurance", headers=EN)).text
    assert "This year&#39;s premium was not paid" in his
    assert f'href="{base}/insurance/enrol?scheme=resident_medical"' in his


@pytest.mark.usefixtures("histories")
async def test_wang_fang_enrols_her_son_and_reaches_his_first_premium(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await son_base(seeded, migrated)
    await sign_in(client)
    form = (await client.get(f"{base}/insurance/enrol?scheme=resident_medical", headers=EN)).text
    assert "waiting period" in form and 'value="resident_medical" aria-describedby' in form
    chosen = await _choose(client, base, scheme="resident_medical")
    assert chosen.status_code == 303, chosen.text[:3000]
    pin_url = chosen.headers["location"]
    assert pin_url == f"{base}/insurance/enrol/pin?scheme=resident_medical"
    pin_page = (await client.get(pin_url, headers=EN)).text
    year = first_medical_year(utcnow().date(), migrated.policy)
    assert "Enter your e-card PIN to enrol" in pin_page and str(year) in pin_page
    # A wrong PIN enrols nobody.
    wrong = await client.post(
        pin_url, data={**await _pin_form(client, pin_url), "pin": "111111"}, headers=EN
    )
    assert wrong.status_code == 422 and not await _enrolments(seeded)
    done = await client.post(
        pin_url, data=await _pin_form(client, pin_url), headers=EN, follow_redirects=False
    )
    assert done.status_code == 303, done.text[:3000]
    assert done.headers["location"] == f"{base}/payments/premium/{year}"
    payment = await client.get(done.headers["location"], headers=EN)
    assert payment.status_code == 200 and "Check your answers" in payment.text
    [row] = await _enrolments(seeded)
    son = await seeded.people.by_id_number(parse_id_number("11010520150402035X"))
    assert son and (row.person_id, row.scheme, row.first_year) == (son.id, "resident_medical", year)
    # Audited for him (what he reads under "Who acted for me"); a second submit adds nothing.
    again = await client.post(
        pin_url, data=await _pin_form(client, pin_url), headers=EN, follow_redirects=False
    )
    assert again.headers["location"] == done.headers["location"]
    assert len(await _enrolments(seeded)) == 1
    events = list(
        await seeded.db.scalars(
            select(AuditEvent).where(AuditEvent.action == "enrolment.resident_medical")
        )
    )
    assert len(events) == 1 and events[0].subject_person_id == son.id
    assert action_label("enrolment.resident_medical") != action_label("no.such_action")
    # His page now says he is enrolled, his first premium due.
    his = (await client.get(f"{base}/insurance", headers=EN)).text
    assert 'data-state="enrolled"' in his


@pytest.mark.usefixtures("histories")
async def test_double_enrolment_is_refused_with_its_reason(
    client: Client, seeded: UnitOfWork
) -> None:
    """王芳 is in the employee medical insurance: she cannot be in the residents' as well."""
    await sign_in(client)
    refused = await _choose(client, "/my", scheme="resident_medical")
    assert refused.status_code == 422
    _error_shown(refused.text, "would be a double enrolment", "scheme")
    assert 'value="resident_medical" aria-describedby="scheme-resident_medical-hint" checked' in (
        refused.text
    )
    # Nor by going to the PIN step directly.
    pin_url = "/my/insurance/enrol/pin?scheme=resident_medical"
    direct = await client.get(pin_url, headers=EN, follow_redirects=False)
    assert direct.status_code == 303
    posted = await client.post(
        pin_url, data=await _pin_form(client, "/my/insurance/enrol"), headers=EN
    )
    assert posted.status_code == 422 and "double enrolment" in posted.text
    assert not await _enrolments(seeded)


@pytest.mark.usefixtures("histories")
async def test_the_residents_pension_refusals_and_an_adult_enrolled(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await son_base(seeded, migrated)
    await sign_in(client)
    young = await _choose(client, base, scheme="resident_pension", not_student="yes")
    assert young.status_code == 422
    _error_shown(young.text, "Only people aged 16 or over", "scheme")
    missing = await _choose(client, base)
    assert missing.status_code == 422
    _error_shown(missing.text, "Choose the insurance to enrol in", "scheme")
    # 赵丽, an adult with no insurance, enrolled at her hukou place (Nanjing, Jiangsu).
    binding = await open_binding_directly(
        seeded,
        DocumentStore(migrated.upload_dir),
        holder=parse_id_number(WANG_FANG),
        member=parse_id_number(ZHAO_LI),
        relationship="other",
        proof=face(),
    )
    adult = f"/family/{binding}"
    student = await _choose(client, adult, scheme="resident_pension")
    assert student.status_code == 422
    _error_shown(student.text, "A full-time student cannot join", "not_student")
    chosen = await _choose(client, adult, scheme="resident_pension", not_student="yes")
    assert chosen.status_code == 303
    pin_url = chosen.headers["location"]
    assert "Jiangsu" in (await client.get(pin_url, headers=EN)).text
    done = await client.post(
        pin_url, data=await _pin_form(client, pin_url), headers=EN, follow_redirects=False
    )
    assert done.headers["location"] == f"{adult}/payments/pension"
    [row] = await _enrolments(seeded)
    assert (row.scheme, row.region_code, row.first_year) == (
        "resident_pension",
        "320102",
        utcnow().year,
    )
    # She reads it under "Who acted for me" once she has a sign-in of her own.
    her = await seeded.people.by_id_number(parse_id_number(ZHAO_LI))
    assert her is not None
    await seeded.accounts.add(
        HolderAccount(
            person_id=her.id,
            password_hash=hash_secret("zhao-li-demo-2025"),
            pin_hash=hash_secret("357924"),
            webauthn_user_id=secrets.token_bytes(32),
        )
    )
    await seeded.commit()
    client.cookies.clear()  # another browser: hers
    await sign_in(client, ZHAO_LI, "zhao-li-demo-2025")
    account = (await client.get("/account", headers=EN)).text
    acted = account[account.index('id="acted-for-me"') :]
    assert "Enrolled you in the residents&#39; pension insurance" in acted
    assert "王芳" in acted


@pytest.fixture
async def browsers(app: Litestar, seeded: Any) -> AsyncIterator[NewClient]:
    async for new in clients(app):
        yield new


@pytest.mark.usefixtures("histories")
async def test_twenty_enrolments_at_once_make_one(
    browsers: NewClient,
    seeded: UnitOfWork,
    migrated: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = await son_base(seeded, migrated)
    first = browsers()
    await sign_in(first)  # type: ignore[arg-type]
    pin_url = f"{base}/insurance/enrol/pin?scheme=resident_medical"
    form = await _pin_form(first, pin_url)
    tabs = [first]
    for _ in range(19):
        twin = browsers()
        for cookie in first.cookies.jar:
            twin.cookies.set(cookie.name, cookie.value or "")
        tabs.append(twin)

    async def submit(tab: httpx.AsyncClient) -> tuple[int, str]:
        answer = await tab.post(pin_url, data=form, headers=EN)
        return answer.status_code, answer.headers.get("location", "")

    overlap.wrap(monkeypatch, step_up, "verify", meet=1.0)
    answers = await asyncio.gather(*(submit(tab) for tab in tabs))
    assert overlap.most > 1, "the requests did not overlap"
    statuses = Counter(status for status, _ in answers)
    # 303: to the first premium; 422: PIN use locked for a moment by twenty PINs at once.
    assert set(statuses) <= {303, 422}, answers
    assert statuses[303] >= 1
    assert len({where for status, where in answers if status == 303}) == 1
    assert len(await _enrolments(seeded)) == 1
    audited = await seeded.db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "enrolment.resident_medical")
    )
    assert audited == 1
