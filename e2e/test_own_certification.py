"""A pensioner's own account agrees with what her daughter did, and she certifies herself when
it is due: 王芳 certifies her mother 李秀英 (overdue) on her phone; 李秀英 then signs in
herself and reads that her certification is valid until its date. Once it is due again she
certifies herself on /my/certification, matched for real against her registry portrait
(obama.jpg, seeded).

The binding is opened directly (app.cli open-binding) and removed afterwards, and her seeded
date of certification is put back: other journeys count the demo holder's family members and
read her dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_MOTHER,
    DEMO_PASSWORD,
    FACES,
    assert_no_horizontal_scroll,
    follow_link,
    js_enabled,
    open_binding,
    path_is,
    remove_bindings,
    sign_in,
    sign_out,
    submit,
    visit_check,
    wait_for_face_result,
)
from e2e.test_certification import add_months, check_url, today

pytestmark = pytest.mark.e2e

MOTHER_PASSWORD = "mother-demo-2025"
PROOF = FACES / "biden.jpg"  # the relationship document: never the reference face
HEADING = "Eligibility certification"
CONSENT = "I agree to face recognition for my yearly eligibility certification"


@pytest.fixture(scope="module")
def mother_base(live_server: LiveServer) -> Iterator[str]:
    """王芳's active binding with her mother; the base path of the mother's pages."""
    seeded = live_server.run_setup("last-certified", DEMO_MOTHER.id_number).strip()
    binding_id = open_binding(
        live_server, DEMO_ID, DEMO_MOTHER.id_number, DEMO_MOTHER.relationship, str(PROOF)
    )
    yield f"/family/{binding_id}"
    remove_bindings(live_server, DEMO_MOTHER)
    live_server.run_setup(
        "restore-last-certified", DEMO_MOTHER.id_number, *([seeded] if seeded else [])
    )


def certified_on(live_server: LiveServer, months_ago: int) -> None:
    day = add_months(today(), -months_ago)
    live_server.run_cli("certified", DEMO_MOTHER.id_number, day.isoformat())


def open_own_certification(page: Page) -> None:
    """From home, by tapping: the service grid's "Eligibility certification"."""
    page.goto("/")
    visit_check(page)
    follow_link(page, "Eligibility certification", "/my/certification")
    expect(page.locator("main h1")).to_have_text(HEADING)
    expect(page).to_have_title(re.compile(rf"^{HEADING} – "))
    expect(page.get_by_text("You are acting for")).to_have_count(0)
    assert DEMO_MOTHER.id_number not in page.content(), "the full ID number must never be shown"
    assert_no_horizontal_scroll(page)


def expect_valid_until(page: Page) -> None:
    main = page.locator("main")
    expect(main.locator(".notice")).to_have_text(
        f"The certification is valid until {add_months(today(), 12).isoformat()}."
    )
    expect(main).not_to_contain_text("cannot certify")
    expect(main.get_by_label("Photo of your face")).to_have_count(0)


def daughter_certifies_her(page: Page, base: str) -> None:
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    page.goto(f"{base}/certification")
    visit_check(page)
    page.get_by_label(
        f"I am {DEMO_MOTHER.name} and I agree to face recognition for my yearly eligibility "
        "certification",
        exact=True,
    ).check()
    page.get_by_label("Photo of your face", exact=True).set_input_files(FACES / "obama2.jpg")
    submit(page, "Check the photo")
    title = f"Eligibility certification for {DEMO_MOTHER.name}"
    region, _seen = wait_for_face_result(page, check_url(base), title, title=title)
    expect(region).to_contain_text(f"The photo matches. {DEMO_MOTHER.name} is certified")
    sign_out(page)


def test_she_sees_what_her_daughter_did_and_certifies_herself_when_due(
    page: Page, js: bool, live_server: LiveServer, mother_base: str
) -> None:
    certified_on(live_server, 13)  # overdue: her daughter certifies her
    daughter_certifies_her(page, mother_base)

    # Minutes later, signed in herself: valid until its date, nothing to do.
    sign_in(page, DEMO_MOTHER.id_number, MOTHER_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    open_own_certification(page)
    expect_valid_until(page)
    page.goto("/my")
    visit_check(page)
    for todo in ("Eligibility certification due", "Eligibility certification overdue"):
        expect(page.locator("main")).not_to_contain_text(todo)

    # A year on, it is due: she certifies herself on her phone.
    certified_on(live_server, 12)
    due = today().isoformat()
    page.goto("/my")
    visit_check(page)
    todo = page.locator("main").get_by_role(
        "link", name=f"Eligibility certification due by {due}", exact=True
    )
    expect(todo).to_have_attribute("href", "/my/certification")
    open_own_certification(page)
    main = page.locator("main")
    expect(main.locator(".warning").first).to_contain_text(f"The certification is due by {due}.")
    expect(main).not_to_contain_text("cannot certify")
    expect(main).not_to_contain_text("send a link")
    section = main.locator("section").filter(
        has=page.get_by_role("heading", name="Certify now on this phone", exact=True)
    )
    expect(section).to_contain_text("Take a photo of your face.")
    box = section.get_by_label(CONSENT, exact=True)
    expect(box).not_to_be_checked()
    box.check()
    photo = section.get_by_label("Photo of your face", exact=True)
    expect(photo).to_have_attribute("capture", "user")
    photo.set_input_files(FACES / "obama2.jpg")
    submit(page, "Check the photo")

    region, _seen = wait_for_face_result(page, check_url("/my"), HEADING, title=HEADING)
    valid_until = add_months(today(), 12).isoformat()
    expect(region).to_contain_text(
        f"The photo matches. You are certified: the certification is valid until {valid_until}."
    )
    expect(region.get_by_role("link", name="Back to your services")).to_have_attribute(
        "href", "/my"
    )
    follow_link(page, "Back", "/my/certification")
    if js_enabled(page):
        expect(page.locator("main h1")).to_be_focused()
    expect_valid_until(page)
    expect(page.locator("main dl.summary-list")).to_contain_text(today().isoformat())
