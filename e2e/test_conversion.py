"""The urban–rural conversion (人社部发〔2014〕17号): 张伟 applies for his father 张德明 (a demo
person with 90 employee months in Guangzhou and the residents' pension in Beijing, at the
retirement age), and the father confirms it himself by face recognition, matched for real
against his registry portrait (obama.jpg, seeded) with another photo of the same face.

Reached by links only: the family list, the member, "Relationship transfer", the conversion
page, "Apply for the conversion". The holder's timeline says it waits for his father and offers
him no face check; the father, signed in himself, finds it on his own transfers page. The
binding and the conversion are removed afterwards, so each run (JS on and off) starts afresh.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    FACES,
    Member,
    assert_no_horizontal_scroll,
    expect_error_summary,
    follow_link,
    open_binding,
    path_is,
    sign_in,
    sign_out,
    submit,
    visit_check,
    wait_for_face_result,
)

pytestmark = pytest.mark.e2e

HOLDER_ID, HOLDER_PASSWORD, HOLDER_PIN = "110105198309210137", "family-demo-2025", "731946"
FATHER = Member("张德明", "110105196308150137", "parent")
FATHER_PASSWORD = "convert-demo-2025"
SITE = "e-SSC affinity services"
CONFIRM = "Confirm the conversion"


@pytest.fixture
def father_base(live_server: LiveServer) -> Iterator[str]:
    live_server.run_setup("remove-transfers", FATHER.id_number)
    binding_id = open_binding(
        live_server, HOLDER_ID, FATHER.id_number, FATHER.relationship, str(FACES / "biden.jpg")
    )
    yield f"/family/{binding_id}"
    live_server.run_setup("remove-bindings", HOLDER_ID, FATHER.id_number)
    live_server.run_setup("remove-transfers", FATHER.id_number)


def heading(page: Page, text: str) -> None:
    expect(page.locator("main h1")).to_have_text(text)
    expect(page).to_have_title(re.compile(rf"^(Error: )?{re.escape(text)} – {SITE}$"))


def holder_applies(page: Page, base: str) -> str:
    """张伟 applies for his father; returns the timeline's path."""
    sign_in(page, HOLDER_ID, HOLDER_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/family")
    visit_check(page)
    follow_link(page, FATHER.name, base)
    follow_link(page, "Relationship transfer", f"{base}/transfers")
    follow_link(
        page, f"See which way the conversion goes for {FATHER.name}", f"{base}/transfers/conversion"
    )
    heading(page, f"Joining the employee and the residents' pension for {FATHER.name}")
    assert_no_horizontal_scroll(page)
    facts = page.locator("#conversion-facts")
    expect(facts).to_contain_text("Employee pension into the residents' pension")
    expect(facts).to_contain_text("joins the residents' personal account in Beijing")
    expect(facts).to_contain_text("21 years 0 months (252 months)")
    expect(facts).to_contain_text(re.compile(r"6 months\. .* refunded: \S*¥250\.00"))
    flow = f"{base}/transfers/conversion/apply"
    follow_link(page, f"Apply for the conversion for {FATHER.name}", f"{flow}/check")
    heading(page, "Check the conversion")
    expect(page.locator("#wizard-step")).to_contain_text("Step 1 of 2")

    # Sent without the declaration: the error next to the box and in the summary.
    submit(page, "Continue")
    visit_check(page)
    expect_error_summary(page, "Confirm that you understand that the conversion cannot be undone")
    page.get_by_label("I understand that the conversion cannot be undone").check()
    submit(page, "Continue")
    expect(page).to_have_url(path_is(f"{flow}/pin"))
    visit_check(page)
    heading(page, "Enter your e-card PIN to send the application")
    expect(page.locator("main")).to_contain_text(f"It then waits for {FATHER.name} to confirm it")
    page.locator("main input[name=pin]").fill(HOLDER_PIN)
    submit(page, "Send the application")

    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/transfers/[0-9a-f-]{{36}}$"))
    visit_check(page)
    heading(page, "Urban–rural conversion: Employee pension into the residents' pension")
    assert_no_horizontal_scroll(page)
    expect(page.locator("#transfer-state")).to_contain_text(
        f"Waiting for {FATHER.name} to confirm the conversion by face recognition."
    )
    expect(page.locator("#awaiting-member")).to_contain_text("You cannot confirm it for them.")
    expect(page.locator("main input[name=selfie]")).to_have_count(0)
    timeline = str(page.evaluate("() => location.pathname"))
    sign_out(page)
    return timeline


def test_a_holder_applies_and_the_member_confirms_by_face(
    page: Page, js: bool, father_base: str
) -> None:
    timeline = holder_applies(page, father_base)
    own = timeline.replace(father_base, "/my", 1)

    # The father signs in himself and finds it on his own transfers page.
    sign_in(page, FATHER.id_number, FATHER_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    follow_link(page, "Relationship transfer", "/my/transfers")
    expect(page.locator("#conversion-to-confirm")).to_contain_text("waits for your confirmation")
    follow_link(page, "Confirm or withdraw it", own)
    heading(page, "Urban–rural conversion: Employee pension into the residents' pension")
    section = page.locator("#conversion-confirm")
    expect(section.get_by_role("heading", name=CONFIRM, exact=True)).to_be_visible()
    submit(page, "Check the photo")  # neither consent nor photo
    visit_check(page)
    expect_error_summary(page, "Confirm that you agree to face recognition")
    box = page.get_by_label(
        "I confirm the conversion of my pension and agree to face recognition", exact=True
    )
    expect(box).not_to_be_checked()
    box.check()
    photo = page.get_by_label("Photo of your face", exact=True)
    expect(photo).to_have_attribute("capture", "user")
    photo.set_input_files(FACES / "obama2.jpg")
    submit(page, "Check the photo")

    status = re.compile(rf"^https?://[^/]+{re.escape(own)}/checks/[0-9a-f-]{{36}}(\?[^#]*)?$")
    region, _seen = wait_for_face_result(page, status, CONFIRM, title=CONFIRM)
    expect(region).to_contain_text("The photo matches. You have confirmed the conversion")
    follow_link(page, "See the progress", own)
    expect(page.locator("#transfer-state")).to_contain_text(
        "Waiting on: The residents' pension agency in Beijing."
    )
    steps = page.locator("ol.timeline > li")
    expect(steps.nth(1)).to_have_attribute("data-status", "done")
    expect(steps.nth(2)).to_have_attribute("data-status", "current")
    expect(page.locator("#conversion-confirm")).to_have_count(0)
