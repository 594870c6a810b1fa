"""The rights and benefits list: 王芳 (the demo holder) reads her mother 李秀英's list, filters
it to the pension records of 2007, types a year that is not one, and opens the print view.
Then 李秀英 signs in and finds, under "Who acted for me", that her daughter read it.

李秀英 is seeded with Beijing employee records from 1993-01 to 2008-06 (she retired in 2008).
The binding between them is opened directly (app.cli open-binding) and removed afterwards,
since other journeys count the demo holder's family members.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_MOTHER,
    DEMO_NAME,
    DEMO_PASSWORD,
    FACES,
    assert_no_horizontal_scroll,
    expect_error_summary,
    expect_field_error,
    follow_link,
    js_enabled,
    open_binding,
    path_is,
    remove_bindings,
    sign_in,
    sign_out,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e

MOTHER_PASSWORD = "mother-demo-2025"
PROOF = FACES / "obama.jpg"  # any real photograph will do as the proof of identity
HEADING = f"Rights and benefits list for {DEMO_MOTHER.name}"
SITE = "e-SSC affinity services"
YEAR_FORMAT = "Enter the year as 4 digits, for example 2024"


@pytest.fixture(scope="module")
def mother_base(live_server: LiveServer) -> Iterator[str]:
    """王芳's active binding with her mother; the base path of the mother's pages."""
    binding_id = open_binding(
        live_server, DEMO_ID, DEMO_MOTHER.id_number, DEMO_MOTHER.relationship, str(PROOF)
    )
    yield f"/family/{binding_id}"
    remove_bindings(live_server, DEMO_MOTHER)


# --- the list --------------------------------------------------------------------------------


def results(page: Page) -> Locator:
    return page.locator("main #benefits-results")


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def filter_records(page: Page, action: Callable[[], None]) -> None:
    """Change the filter (JS on: the records region is swapped in place); wait for the answer."""
    with page.expect_response(lambda answer: "/benefits?" in answer.url):
        action()
    visit_check(page)


def expect_list_page(page: Page, base: str) -> None:
    expect(page.locator("main h1")).to_have_text(HEADING)
    expect(page.locator("main a.back-link")).to_have_attribute("href", base)
    banner = page.get_by_role("region", name="Acting for a family member", exact=True)
    expect(banner).to_contain_text(f"You are acting for {DEMO_MOTHER.name}")
    assert DEMO_MOTHER.id_number not in page.content(), "the full ID number must never be shown"
    assert_no_horizontal_scroll(page)


def expect_pension_2007(page: Page) -> None:
    """Only the pension records of 2007: one a month, all paid."""
    rows = results(page).locator("table.records tbody tr")
    expect(rows).to_have_count(12)
    expect(results(page).locator("table.records caption")).to_have_text(
        ["Contribution records for 2007"]
    )
    months = [f"2007-{m:02d}" for m in range(12, 0, -1)]  # newest first
    expect(rows.locator("th")).to_have_text(months)
    expect(rows.locator("td:nth-of-type(1)")).to_have_text(["Pension"] * 12)
    expect(rows.locator("td:nth-of-type(5)")).to_have_text(["Paid"] * 12)
    expect(page.locator("main #benefits-status")).to_have_text("Pension: 12 records, 2007.")


def expect_summary_and_account(page: Page) -> None:
    """The pension ledger's whole history, and the account built year by year (with 2007)."""
    summary = page.locator("main table").filter(
        has=page.locator("caption", has_text="Months contributed to each fund")
    )
    pension = summary.locator("tbody tr").filter(
        has=page.locator("th", has_text=re.compile("^Pension$"))
    )
    expect(pension).to_have_count(1)
    expect(pension.locator("td").nth(1)).to_have_text("1993-01")
    expect(pension.locator("td").nth(2)).to_have_text("2008-06")
    steps = page.locator("main table").filter(
        has=page.locator("caption", has_text="How the balance was built, year by year")
    )
    expect(steps).to_have_count(1)
    expect(steps.locator("tbody th", has_text=re.compile("^2007$"))).to_have_count(1)


def choose_pension_2007(page: Page) -> None:
    line = page.locator("main select[name=line]")
    year = page.locator("main input[name=year]")
    if js_enabled(page):  # each change swaps the records in place
        filter_records(page, lambda: line.select_option("pension"))
        expect(line).to_have_value("pension")
        year.fill("2007")
        filter_records(page, lambda: year.press("Tab"))
    else:
        line.select_option("pension")
        year.fill("2007")
        submit(page, "Show")
        visit_check(page)
    query = query_of(page)
    assert (query["line"], query["year"]) == (["pension"], ["2007"]), page.url


def try_bad_year(page: Page) -> None:
    year = page.locator("main input[name=year]")
    year.fill("20x7")
    submit(page, "Show")
    expect_error_summary(page, YEAR_FORMAT)
    visit_check(page)
    expect_field_error(page, "year", YEAR_FORMAT)
    expect(year).to_have_value("20x7")
    expect(page.locator("main select[name=line]")).to_have_value("pension")
    assert query_of(page)["year"] == ["20x7"], page.url


def correct_the_year(page: Page) -> None:
    """The errors go, from the title too (JS on: the records region is swapped in place)."""
    page.locator("main input[name=year]").fill("2007")
    submit(page, "Show")
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    visit_check(page)
    expect(page).to_have_title(f"{HEADING} – {SITE}")
    expect(page.locator("main input[name=year]")).not_to_have_attribute("aria-invalid", "true")


# --- the journey -----------------------------------------------------------------------------


def test_holder_reads_her_mothers_list_and_the_mother_sees_it(page: Page, mother_base: str) -> None:
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/family")
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("My family")

    follow_link(page, DEMO_MOTHER.name, mother_base)
    expect(page.locator("main h1")).to_have_text(f"Services for {DEMO_MOTHER.name}")
    expect(page.get_by_role("region", name="Acting for a family member")).to_contain_text(
        f"You are acting for {DEMO_MOTHER.name}"
    )
    follow_link(page, "Rights and benefits list", f"{mother_base}/benefits")
    expect_list_page(page, mother_base)
    expect(page).to_have_title(f"{HEADING} – {SITE}")

    choose_pension_2007(page)
    expect(page).to_have_url(path_is(f"{mother_base}/benefits"))
    expect_list_page(page, mother_base)
    expect_pension_2007(page)
    expect_summary_and_account(page)

    try_bad_year(page)
    expect_list_page(page, mother_base)
    correct_the_year(page)
    expect_pension_2007(page)

    # The print view: every type of insurance, of the year chosen.
    follow_link(page, "Print view", f"{mother_base}/benefits/print")
    assert query_of(page)["year"] == ["2007"], page.url
    expect(page.locator("main h1")).to_have_text("Rights and benefits list")
    expect(page.locator("main table.records caption")).to_have_text(
        ["Contribution records for 2007"]
    )
    expect(page.locator("main")).to_contain_text(DEMO_MOTHER.masked_id)
    assert DEMO_MOTHER.id_number not in page.content()
    expect_summary_and_account(page)

    # The mother signs in on the same browser and sees who read her list.
    sign_out(page)
    sign_in(page, DEMO_MOTHER.id_number, MOTHER_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/account")
    visit_check(page)
    acted = page.locator("main section").filter(
        has=page.get_by_role("heading", name="Who acted for me", exact=True)
    )
    by_daughter = acted.locator("tbody tr").filter(
        has=page.locator("td:first-child", has_text=re.compile(f"^{DEMO_NAME}$"))
    )
    for action in ("Viewed your rights and benefits list", "Opened your services"):
        expect(by_daughter.filter(has_text=action).first).to_be_visible()
