"""Journeys: who may act for whom is proven against the registry.

王芳 binds her mother: the registry links them in one household, so the declared relationship
stands, and the selfie is matched against the mother's registry portrait (never against the
relationship document, which here shows another face). A relation declared as `other` waits
for staff to review the document; staff sign in with a passkey (Chromium's virtual
authenticator), see the document and approve it; then face recognition counts.

The holder's pages run with JavaScript on and off; the staff pages need it (passkeys).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    AWAITING_FACE,
    DEMO_ID,
    DEMO_MOTHER,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_PIN,
    FACES,
    PROOF_PHOTO,
    Family,
    Holder,
    Member,
    add_virtual_authenticator,
    assert_no_horizontal_scroll,
    enrolment_code,
    expect_member_page,
    expect_queue,
    expect_wizard_step,
    face_status_pattern,
    first_staff_sign_in,
    new_staff,
    open_binding,
    path_is,
    remove_bindings,
    send_selfie,
    sign_in,
    submit,
    visit_check,
    wait_for_face_result,
    wizard_to_check,
)

pytestmark = pytest.mark.e2e

DEMO_HOLDER = Holder(DEMO_NAME, DEMO_ID, DEMO_PASSWORD, DEMO_PIN)
UNDER_REVIEW = "Documents under review"
APPROVE_DOCUMENT = "Approve: the document shows the relationship"
NO_MATCH = "The photo does not match the reference photo."


def _matched(name: str) -> str:
    return f"The photo matches. Affinity services for {name} are now open."


@pytest.fixture
def no_demo_mother_binding(live_server: LiveServer) -> Iterator[None]:
    """The demo holder has no family members in the other journeys."""
    remove_bindings(live_server, DEMO_MOTHER)
    yield
    remove_bindings(live_server, DEMO_MOTHER)


def _send_wizard(page: Page, holder: Holder, member: Member) -> None:
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/affinity/add")
    expect_wizard_step(page, "pin", swapped=False)
    wizard_to_check(page, holder, member, proof=PROOF_PHOTO)
    submit(page, "Accept and send")


def _face_result(page: Page, member: Member, member_path: str, selfie: str) -> str:
    send_selfie(page, member, FACES / selfie)
    region, _seen = wait_for_face_result(
        page,
        face_status_pattern(member_path),
        f"Face recognition of {member.name}",
        title="Face recognition",
    )
    return region.inner_text()


def test_wang_fang_binds_her_mother_against_the_registry_portrait(
    page: Page, js: bool, no_demo_mother_binding: None
) -> None:
    _send_wizard(page, DEMO_HOLDER, DEMO_MOTHER)
    # One registry household: no review, face recognition straight away.
    member_path = expect_member_page(page, DEMO_MOTHER)
    main = page.locator("main")
    expect(main).to_contain_text(
        f"The photo is compared with the photo the registry holds of {DEMO_MOTHER.name}"
    )
    # The very photo uploaded as the relationship document is not a reference: no match.
    assert NO_MATCH in _face_result(page, DEMO_MOTHER, member_path, PROOF_PHOTO.name)
    page.goto(member_path)
    visit_check(page)
    # Another photo of the face of her registry portrait (obama.jpg): a match.
    assert _matched(DEMO_MOTHER.name) in _face_result(page, DEMO_MOTHER, member_path, "obama2.jpg")
    page.goto(member_path)
    visit_check(page)
    expect(main.locator(".tag")).to_have_text("Active")


def _expect_under_review(page: Page, member: Member) -> str:
    page.wait_for_url(re.compile(r"/affinity/[0-9a-f-]{36}$"))
    visit_check(page)
    main = page.locator("main")
    expect(main.locator("h1")).to_have_text(member.name)
    expect(main.locator(".tag")).to_have_text(UNDER_REVIEW)
    expect(main.locator(".next-action")).to_contain_text(
        "Staff of a social insurance service centre check the document"
    )
    expect(main.get_by_role("button", name="Check the photo")).to_have_count(0)
    expect(main.get_by_role("button", name="Get a code and link")).to_have_count(0)
    expect(main.get_by_role("button", name="Cancel this request", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)
    return str(page.evaluate("() => location.pathname"))


def test_an_other_relation_waits_for_staff_review_and_staff_approve_it(
    open_page: Callable[..., Page],
    js: bool,
    live_server: LiveServer,
    make_family: Callable[[], Family],
) -> None:
    family = make_family()
    relative = Member(family.father.name, family.father.id_number, "other")
    holder_page = open_page(js=js)
    _send_wizard(holder_page, family.holder, relative)
    member_path = _expect_under_review(holder_page, relative)
    binding_id = member_path.rsplit("/", 1)[1]

    # Staff of the member's region, in their own browser with a passkey.
    staff = new_staff(live_server)
    page = open_page(js=True)
    session, authenticator = add_virtual_authenticator(page)
    first_staff_sign_in(page, staff, session, authenticator, enrolment_code(live_server, staff))
    href = f"a[href='/staff/bindings/{binding_id}']"
    row = page.locator("main table tbody tr").filter(has=page.locator(href))
    expect(row).to_contain_text(UNDER_REVIEW)
    expect(row).to_contain_text("Other close relative")
    row.locator(href).click()
    page.wait_for_url(path_is(f"/staff/bindings/{binding_id}"))
    visit_check(page)
    heading = f"Relationship document for {relative.name}"
    expect(page.locator("main h1")).to_have_text(heading)
    expect(page).to_have_title(re.compile(rf"^{heading} – "))
    document = page.get_by_role(
        "img", name=f"Relationship document uploaded by {family.holder.name}"
    )
    expect(document).to_be_visible()
    assert page.evaluate(
        "(img) => img.complete && img.naturalWidth > 0", document.element_handle()
    ), "the document is shown to the staff member"
    assert relative.id_number not in page.content()
    page.get_by_role("radio", name=APPROVE_DOCUMENT, exact=True).check()
    page.get_by_role("textbox", name="Reason", exact=True).fill("Household register page seen.")
    submit(page, "Record the decision")
    expect_queue(page, decided=True)
    expect(page.locator(f"main {href}")).to_have_count(0)
    session.detach()

    # Now face recognition counts: the father's selfie against his registry portrait.
    holder_page.goto(member_path)
    visit_check(holder_page)
    expect(holder_page.locator("main .tag")).to_have_text(AWAITING_FACE)
    result = _face_result(holder_page, relative, member_path, "obama2.jpg")
    assert _matched(relative.name) in result


def test_the_member_ends_a_binding_from_her_account(
    page: Page, js: bool, live_server: LiveServer, no_demo_mother_binding: None
) -> None:
    binding_id = open_binding(
        live_server, DEMO_ID, DEMO_MOTHER.id_number, "parent", str(PROOF_PHOTO)
    )
    sign_in(page, DEMO_MOTHER.id_number, "mother-demo-2025")
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/account")
    visit_check(page)
    section = page.locator("main section#bound-by, main section[aria-labelledby=bound-by]")
    expect(section).to_contain_text(f"{DEMO_NAME} can act for you through affinity services")
    button = section.get_by_role("button", name=f"This was not me {DEMO_NAME}", exact=True)
    expect(button).to_be_visible()
    button.click()
    page.wait_for_url(re.compile(r"/account\?reported=1"))
    visit_check(page)
    expect(page.locator("main .notice[role=status]").first).to_contain_text(
        "Done. That card holder can no longer act for you, and the service centre has been told."
    )
    expect(page.locator(f"form[action='/account/bound-by/{binding_id}/not-me']")).to_have_count(0)
    expect(section).to_contain_text("Nobody has affinity services for you.")
