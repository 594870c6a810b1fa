"""The transfer pre-check: the demo holder 王芳 asks what happens if her husband 张伟 takes a
job in Guangdong (a transfer; 114 months there already, so 6 more make it the place of
payment), sends the form empty first (the errors), then asks the same for herself (at 41 a
woman gets a temporary account, unless the move is an approved official transfer).

Reached by links from the family list: the subject, "Relationship transfer". The
binding with the husband is opened directly and removed afterwards, since other journeys count
the demo holder's family members.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from app.domain.contributions import Period
from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_NAME,
    DEMO_PASSWORD,
    FACES,
    Member,
    assert_no_horizontal_scroll,
    expect_error_summary,
    expect_field_error,
    follow_link,
    open_binding,
    path_is,
    remove_bindings,
    sign_in,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e

SPOUSE = Member("张伟", "110105198309210137", "spouse")
PROOF = FACES / "obama.jpg"
SITE = "e-SSC affinity services"
LINK = "Relationship transfer"


@pytest.fixture(scope="module")
def spouse_base(live_server: LiveServer) -> Iterator[str]:
    binding_id = open_binding(
        live_server, DEMO_ID, SPOUSE.id_number, SPOUSE.relationship, str(PROOF)
    )
    yield f"/family/{binding_id}"
    remove_bindings(live_server, SPOUSE)


def open_precheck(page: Page, subject_link: str, base: str, heading: str) -> None:
    """From the family list (as the other journeys open it): the subject, then the pre-check."""
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/family")
    visit_check(page)
    follow_link(page, subject_link, base)
    follow_link(page, LINK, f"{base}/transfers")
    expect(page.locator("main h1")).to_have_text(heading)
    expect(page).to_have_title(f"{heading} – {SITE}")
    expect(page.locator("main a.back-link")).to_have_attribute("href", base)
    assert_no_horizontal_scroll(page)


def ask(page: Page, province: str, starts: date, *, approved: bool = False) -> None:
    page.locator("main select[name=to]").select_option(label=province)
    page.locator("main input[name=starts]").fill(starts.isoformat())
    box = page.locator("main input[name=approved]")
    if approved:
        box.check()
    else:
        box.uncheck()
    submit(page, "Check")
    visit_check(page)


def answer(page: Page) -> str:
    kind = page.locator("main [data-kind]")
    expect(kind).to_have_count(1)
    return kind.get_attribute("data-kind") or ""


def test_for_her_husband_a_transfer_and_the_ten_year_rule(
    page: Page, js: bool, spouse_base: str
) -> None:
    heading = "What happens if 张伟 takes a job in another province?"
    open_precheck(page, "张伟", spouse_base, heading)
    banner = page.get_by_role("region", name="Acting for a family member", exact=True)
    expect(banner).to_contain_text("You are acting for 张伟")
    history = page.locator("main table").first
    expect(history.locator("tbody tr").first).to_contain_text("Guangdong")
    expect(history.locator("tbody tr").first).to_contain_text("114")

    # Sent empty: both questions are marked, in the summary and at the field.
    submit(page, "Check")
    visit_check(page)
    expect_error_summary(
        page,
        "Select the province of the new job",
        "Enter the start date as a date, for example 2026-03-01",
    )
    expect_field_error(page, "starts", "Enter the start date as a date")
    select = page.locator("main select[name=to]")
    expect(select).to_have_attribute("aria-invalid", "true")
    expect(select).to_have_attribute("aria-describedby", "to-error")
    expect(page.locator("#to-error")).to_contain_text("Select the province of the new job")

    starts = date.today() + timedelta(days=30)
    ask(page, "Guangdong", starts)
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    assert answer(page) == "transfer"
    main = page.locator("main")
    expect(main).to_contain_text("would move from Beijing to Guangdong")
    place_from = Period.from_index(Period(starts.year, starts.month).index + 6)
    expect(main).to_contain_text(
        f"Guangdong would become the place of payment after 6 more months of contributions "
        f"there, from {place_from}"
    )
    expect(main.locator("[data-amount=account]")).to_have_text(re.compile(r"^CN¥[\d,]+\.\d{2}$"))
    expect(main.locator("[data-amount=pooled]")).to_have_text(re.compile(r"^CN¥[\d,]+\.\d{2}$"))
    expect(page).to_have_url(re.compile(r"/transfers\?to=44&starts="))  # the answer has an address
    assert SPOUSE.id_number not in page.content()


def test_for_herself_a_temporary_account_unless_approved(page: Page, js: bool) -> None:
    heading = "What happens if you take a job in another province?"
    open_precheck(page, f"{DEMO_NAME} (you)", "/my", heading)
    starts = date.today() + timedelta(days=30)
    ask(page, "Guangdong", starts)
    assert answer(page) == "temporary_account"
    main = page.locator("main")
    expect(main).to_contain_text("stays in Beijing")
    expect(main).to_contain_text("On the start day the age would be 41.")
    expect(main.locator("[data-amount]")).to_have_count(0)
    # What was asked is kept in the form.
    expect(page.locator("main select[name=to]")).to_have_value("44")
    expect(page.locator("main input[name=starts]")).to_have_value(starts.isoformat())

    ask(page, "Guangdong", starts, approved=True)
    assert answer(page) == "transfer"
    expect(page.locator("main input[name=approved]")).to_be_checked()

    ask(page, "Beijing", starts)
    assert answer(page) == "same_province"
