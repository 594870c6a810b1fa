"""Both agencies process a transfer: 王芳 applies for her husband 张伟's pension transfer from
Guangzhou to Beijing; staff of Beijing (the new place) send the letter of acceptance, staff of
Guangzhou (the old place) transfer out, Beijing's complete it, each in their own browser and
reached by links from the staff queue. Then his benefits list, read by 王芳 acting for him,
shows one history: the Guangzhou years once, with their place.

Staff sign in with a passkey, which needs JavaScript; with JS off the staff member's signed-in
session is carried into a browser without JavaScript, where the staff pages work as plain pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    BEIJING,
    DEMO_ID,
    DEMO_PASSWORD,
    add_virtual_authenticator,
    assert_no_horizontal_scroll,
    enrolment_code,
    expect_error_summary,
    first_staff_sign_in,
    follow_link,
    new_staff,
    path_is,
    sign_in,
    submit,
    visit_check,
)
from e2e.test_transfer_apply import DEMO_PIN, SPOUSE, spouse_base  # noqa: F401

pytestmark = pytest.mark.e2e

GUANGZHOU = "4401"  # the region prefix of Guangzhou's service centre
MASKED = "1101**********0137"
HEADING = "张伟: transfer of the Employee pension insurance"
CHOOSE = "Choose whether to record the step as done or to refuse it"


def apply_for_him(page: Page, base: str) -> str:
    """王芳's application, reached by links from the family list; returns the transfer's id."""
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/family")
    visit_check(page)
    follow_link(page, "张伟", base)
    apply = f"{base}/transfers/apply"
    follow_link(page, "Relationship transfer", f"{base}/transfers")
    page.locator("#apply-transfer").click()
    page.wait_for_url(path_is(f"{apply}/line"))
    visit_check(page)
    page.get_by_label("Employee pension insurance").check()
    submit(page, "Continue")
    expect(page).to_have_url(path_is(f"{apply}/regions"))
    visit_check(page)
    page.locator("main select[name=to_city]").select_option("1101")
    submit(page, "Continue")
    expect(page).to_have_url(path_is(f"{apply}/check"))
    visit_check(page)
    submit(page, "Continue")
    expect(page).to_have_url(path_is(f"{apply}/pin"))
    visit_check(page)
    page.locator("main input[name=pin]").fill(DEMO_PIN)
    submit(page, "Send the application")
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/transfers/[0-9a-f-]{{36}}$"))
    visit_check(page)
    return page.url.rsplit("/", 1)[1]


def staff_browser(
    open_page: Callable[..., Page], server: LiveServer, region: str, js: bool
) -> Page:
    """A fresh staff member of the region signs in (password, enrolment code, passkey); with JS
    off, their session goes on in a browser without JavaScript."""
    staff = new_staff(server, region=region)
    page = open_page(js=True)
    session, authenticator = add_virtual_authenticator(page)
    first_staff_sign_in(page, staff, session, authenticator, enrolment_code(server, staff))
    if js:
        return page
    plain = open_page(js=False, storage_state=page.context.storage_state())
    plain.goto("/staff/queue")
    visit_check(plain)
    return plain


def open_transfer(page: Page, transfer_id: str) -> None:
    """From the queue, the list of transfers waiting on the agency, then the transfer."""
    page.goto("/staff/queue")
    visit_check(page)
    follow_link(page, "Transfers waiting on your agency", "/staff/transfers")
    expect(page.locator("main h1")).to_have_text("Transfers waiting on your agency")
    row = page.locator("#staff-transfers tbody tr").filter(
        has=page.locator(f"a[href='/staff/transfers/{transfer_id}']")
    )
    expect(row).to_contain_text(MASKED)
    expect(row).to_contain_text("Guangzhou, Guangdong → Beijing")
    follow_link(page, "张伟", f"/staff/transfers/{transfer_id}")
    expect(page.locator("main h1")).to_have_text(HEADING)
    main = page.locator("main")
    expect(main).to_contain_text(f"张伟, {MASKED}")
    assert SPOUSE.id_number not in page.content(), "the full ID number must never be shown"
    expect(page.locator("#transfer-amounts")).to_contain_text("The whole personal account")
    history = page.locator("#transfer-history")
    expect(history.locator("tbody tr").first).to_contain_text("Guangzhou")
    expect(history.locator("tbody tr").first).to_contain_text("114")
    assert_no_horizontal_scroll(page)


def do_step(page: Page, transfer_id: str, step: str) -> None:
    expect(page.get_by_role("group", name=step)).to_be_visible()
    page.get_by_label("Done: record this step").check()
    submit(page, "Record")
    page.wait_for_url(path_is("/staff/transfers"))
    visit_check(page)
    expect(page.locator("main .notice")).to_have_text("Step recorded.")
    expect(page.locator(f"a[href='/staff/transfers/{transfer_id}']")).to_have_count(0)


def test_both_agencies_process_zhang_weis_transfer(
    page: Page,
    js: bool,
    live_server: LiveServer,
    open_page: Callable[..., Page],
    spouse_base: str,  # noqa: F811
) -> None:
    transfer_id = apply_for_him(page, spouse_base)
    timeline_url = page.url

    beijing = staff_browser(open_page, live_server, BEIJING, js)
    guangzhou = staff_browser(open_page, live_server, GUANGZHOU, js)

    # The new place's turn: Guangzhou's list does not have it yet.
    follow_link(guangzhou, "Transfers waiting on your agency", "/staff/transfers")
    expect(guangzhou.locator(f"a[href='/staff/transfers/{transfer_id}']")).to_have_count(0)

    open_transfer(beijing, transfer_id)
    # Sent without a choice: the error next to the choice and in the summary; the reason typed
    # is kept.
    beijing.locator("main textarea[name=reason]").fill("核对中")
    submit(beijing, "Record")
    visit_check(beijing)
    expect_error_summary(beijing, CHOOSE)
    expect(beijing.locator("#decision-error")).to_contain_text(CHOOSE)
    expect(beijing.locator("main textarea[name=reason]")).to_have_value("核对中")
    beijing.locator("main textarea[name=reason]").fill("")
    do_step(
        beijing,
        transfer_id,
        "The new place reviews the application and sends the letter of acceptance",
    )

    open_transfer(guangzhou, transfer_id)
    do_step(
        guangzhou,
        transfer_id,
        "The old place transfers the relationship and the funds, and ends it there",
    )

    open_transfer(beijing, transfer_id)
    do_step(
        beijing, transfer_id, "The new place records the relationship and the funds, and completes"
    )

    # 王芳 sees the transfer completed, and his benefits list shows one history.
    page.goto(timeline_url)
    visit_check(page)
    expect(page.locator("#transfer-state")).to_contain_text("Completed on")
    expect(page.locator("ol.timeline > li[data-status=done]")).to_have_count(3)
    page.goto(f"{spouse_base}/benefits?line=pension&year=2014")
    visit_check(page)
    rows = page.locator("main #benefits-results table.records tbody tr")
    expect(rows).to_have_count(12)  # each month once, not once per place
    expect(rows.locator("td:nth-of-type(6)")).to_have_text(
        [re.compile(r"^Guangdong \(440106\)")] * 12
    )
    expect(page.locator("main #benefits-status")).to_have_text("Pension: 12 records, 2014.")
    page.goto(f"{spouse_base}/benefits?line=pension&year=2016")
    visit_check(page)
    expect(rows).to_have_count(12)
    expect(rows.locator("td:nth-of-type(6)")).to_have_text(
        [re.compile(r"^Beijing \(110105\)")] * 12
    )
