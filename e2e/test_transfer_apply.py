"""Applying for a transfer: the demo holder 王芳 applies for her husband 张伟's pension transfer
from Guangzhou to Beijing and follows its timeline.

Reached by links only: the family list, the member, "Relationship transfer", "Apply for a transfer". She first picks
Guangzhou as the new place too (refused: the same province, with the rule's reason), then
Beijing; the check page shows his Guangzhou account and, apart, the pooled fund's 12 %; her PIN
sends it; the timeline says the Beijing agency is on the clock; the family list shows the
transfer in progress and links back to it. The binding and the transfer are removed afterwards,
since other journeys count the demo holder's family members and his open transfers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_PASSWORD,
    DEMO_PIN,
    FACES,
    TRANSFER_REFRESH_SECONDS,
    Member,
    assert_no_horizontal_scroll,
    expect_error_summary,
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
SITE = "e-SSC affinity services"


@pytest.fixture
def spouse_base(live_server: LiveServer) -> Iterator[str]:
    live_server.run_setup("remove-transfers", SPOUSE.id_number)
    binding_id = open_binding(
        live_server, DEMO_ID, SPOUSE.id_number, SPOUSE.relationship, str(FACES / "obama.jpg")
    )
    yield f"/family/{binding_id}"
    remove_bindings(live_server, SPOUSE)
    live_server.run_setup("remove-transfers", SPOUSE.id_number)


def heading(page: Page, text: str) -> None:
    expect(page.locator("main h1")).to_have_text(text)
    expect(page).to_have_title(re.compile(rf"^(Error: )?{re.escape(text)} – {SITE}$"))


def test_wang_fang_applies_for_zhang_weis_pension_transfer(
    page: Page, js: bool, spouse_base: str
) -> None:
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/family")
    visit_check(page)
    follow_link(page, "张伟", spouse_base)
    follow_link(page, "Relationship transfer", f"{spouse_base}/transfers")
    apply = f"{spouse_base}/transfers/apply"
    follow_link(page, "Apply for a transfer for 张伟", f"{apply}/line")
    heading(page, "Which insurance moves?")
    expect(page.locator("#wizard-step")).to_contain_text("Step 1 of 4")
    assert_no_horizontal_scroll(page)

    # Sent without a choice: the error next to the radios and in the summary.
    submit(page, "Continue")
    visit_check(page)
    expect_error_summary(page, "Select the insurance to transfer")
    page.get_by_label("Employee pension insurance").check()
    submit(page, "Continue")
    expect(page).to_have_url(path_is(f"{apply}/regions"))
    visit_check(page)
    heading(page, "From where to where?")
    old = page.locator("main select[name=from_city]")
    expect(old.locator("option:checked")).to_have_text("Guangzhou")  # from his records

    # The same province: refused with the rule's reason, next to the new place.
    page.locator("main select[name=to_city]").select_option("4403")  # Shenzhen
    submit(page, "Continue")
    visit_check(page)
    reason = "Both places are in the same province, where the pension is pooled"
    expect_error_summary(page, reason)
    new = page.locator("main select[name=to_city]")
    expect(new).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#to_city-error")).to_contain_text(reason)
    new.select_option("1101")
    submit(page, "Continue")
    expect(page).to_have_url(path_is(f"{apply}/check"))
    visit_check(page)
    heading(page, "Check your answers")
    assert_no_horizontal_scroll(page)
    main = page.locator("main")
    expect(main).to_contain_text("Guangzhou, Guangdong")
    amounts = page.locator("#transfer-amounts")
    expect(amounts).to_contain_text(
        re.compile(r"The whole personal account as recorded: \S*¥[\d,]+\.\d\d")
    )
    expect(amounts).to_contain_text(
        "moved from fund to fund. It is not part of the personal account"
    )
    expect(main).to_contain_text("The new place reviews the application and sends the letter")
    expect(main).to_contain_text(re.compile(r"(Due by|Expected by) \d{4}-\d{2}-\d{2}"))
    submit(page, "Continue")
    expect(page).to_have_url(path_is(f"{apply}/pin"))
    visit_check(page)
    heading(page, "Enter your e-card PIN to send the application")
    page.locator("main input[name=pin]").fill(DEMO_PIN)
    submit(page, "Send the application")

    # The timeline, the same page the member would see.
    expect(page).to_have_url(re.compile(rf"{re.escape(spouse_base)}/transfers/[0-9a-f-]{{36}}$"))
    visit_check(page)
    heading(page, "Transfer of the Employee pension insurance")
    assert_no_horizontal_scroll(page)
    timeline_url = page.url
    state = page.locator("#transfer-state")
    expect(state).to_contain_text("Waiting on: The agency in Beijing (new place)")
    steps = page.locator("ol.timeline > li")
    expect(steps).to_have_count(4)
    expect(steps.nth(1)).to_have_attribute("data-status", "current")
    expect(steps.nth(2)).to_have_attribute("data-status", "pending")
    expect(page.locator("#transfer-timeline")).to_have_attribute(
        "hx-trigger", f"every {TRANSFER_REFRESH_SECONDS}s"
    )
    if js:  # while open the page refreshes itself; the live region stays in place
        with page.expect_response(lambda r: "refresh=poll" in r.url, timeout=25_000) as poll:
            pass
        assert poll.value.status == 200
        visit_check(page)
        expect(state).to_contain_text("Waiting on: The agency in Beijing (new place)")
        expect(page.locator("#transfer-state")).to_have_count(1)
    submit(page, "Refresh")  # without JS the plain page again
    visit_check(page)
    expect(state).to_contain_text("Waiting on")

    # The family list shows it in progress and leads back to it.
    page.goto("/family")
    visit_check(page)
    in_progress = page.locator("li.todo-transfer")
    expect(in_progress).to_contain_text("Transfer of the Employee pension insurance in progress")
    in_progress.get_by_role("link").click()
    expect(page).to_have_url(timeline_url)
    visit_check(page)

    # A second application of the same line is refused on its first step.
    follow_link(page, "Back", f"{spouse_base}/transfers")
    visit_check(page)
    expect(page.locator("#transfer-list")).to_contain_text("in progress since")
    follow_link(page, "Apply for a transfer for 张伟", f"{apply}/line")
    page.get_by_label("Employee pension insurance").check()
    submit(page, "Continue")
    visit_check(page)
    expect_error_summary(page, "A transfer of this insurance is already under way")


# --- the temporary-account rule ------------------------------------------------------------------


@pytest.fixture(scope="module")
def late_mover() -> Member:
    """The demo person 周强 (seeded): a Jiangsu hukou, in Guangzhou from 2000 to 2024 and
    insured in Beijing since January 2025, at 54: the rule keeps the relationship in Guangzhou."""
    return Member("周强", LATE_ID, "")


LATE_ID, LATE_PASSWORD, LATE_PIN = "320102197003150413", "late-mover-2025", "570394"


def test_the_temporary_account_is_offered_instead(
    page: Page, js: bool, live_server: LiveServer, late_mover: Member
) -> None:
    live_server.run_setup("remove-transfers", late_mover.id_number)
    sign_in(page, late_mover.id_number, LATE_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    follow_link(page, "Relationship transfer", "/my/transfers")  # from home, the hub
    apply = "/my/transfers/apply"
    page.locator("#apply-transfer").click()
    page.wait_for_url(path_is(f"{apply}/line"))
    visit_check(page)
    page.get_by_label("Employee pension insurance").check()
    submit(page, "Continue")
    visit_check(page)
    page.locator("main select[name=to_city]").select_option("1101")
    submit(page, "Continue")
    visit_check(page)
    expect_error_summary(page, "a temporary contribution account is opened in Beijing instead")
    offer = page.locator("#temporary-offer")
    expect(offer).to_contain_text("Open the temporary account instead")
    submit(page, "Open a temporary account instead")
    expect(page).to_have_url(path_is(f"{apply}/check"))
    visit_check(page)
    expect(page.locator("main")).to_contain_text(
        "Open a temporary contribution account instead of a transfer"
    )
    expect(page.locator("#transfer-amounts")).to_contain_text("all its contributions move")
    submit(page, "Continue")
    visit_check(page)
    page.locator("main input[name=pin]").fill(LATE_PIN)
    submit(page, "Send the application")
    expect(page).to_have_url(re.compile(r"/my/transfers/[0-9a-f-]{36}$"))
    visit_check(page)
    heading(page, "Temporary account in Beijing")
    expect(page.locator("ol.timeline")).to_contain_text(
        "The new place opens the temporary contribution account"
    )
    expect(page.locator("ol.timeline")).to_contain_text("No statutory deadline.")
    live_server.run_setup("remove-transfers", late_mover.id_number)
