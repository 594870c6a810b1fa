"""Journey: the in-person fallback. Service-centre staff sign in (password, then a passkey,
always; the first passkey only with a one-time enrolment code from the operator command), see
the bindings waiting for an in-person check in their region, and decide them.

Each test creates its own staff member (app.services.staff.add_staff, through the tests' set-up
command in the server's environment, as conftest.make_family adds people), so no test depends
on which one registered a passkey first: a virtual authenticator lives in one browser context
only, and the demo staff member BJ0001 is shared by the whole session.

A binding reaches "needs_in_person" after 20 failed face matches (a rule unit-tested apart);
here the holder sends the wizard and the test then sets that state in the database
(e2e/setup_commands.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    BEIJING,
    Family,
    StaffMember,
    add_virtual_authenticator,
    assert_no_horizontal_scroll,
    authenticator_credentials,
    enrolment_code,
    expect_error_summary,
    expect_member_page,
    expect_passkey_page,
    expect_queue,
    expect_wizard_step,
    first_staff_sign_in,
    new_staff,
    path_is,
    sign_in,
    staff_sign_in,
    submit,
    visit_check,
    wizard_to_check,
)

pytestmark = pytest.mark.e2e

NEEDS_IN_PERSON = "Needs an in-person check"
APPROVE = "Approve: open affinity services"
NO_PASSKEY_SUPPORT = "Passkeys need a browser that supports them, with JavaScript on."
CODE_REFUSED = (
    "This enrolment code is not right, or it has been used or is over 24 hours old. "
    "Ask for a new one"
)


@pytest.fixture
def make_staff(live_server: LiveServer) -> Callable[..., StaffMember]:
    """A fresh staff member of Beijing's service centre, without a passkey."""

    def make(*, region: str = BEIJING) -> StaffMember:
        return new_staff(live_server, region=region)

    return make


# --- steps ----------------------------------------------------------------------------------


def expect_staff_signed_out(page: Page) -> None:
    """Without a staff session the queue sends the browser to the staff sign-in page."""
    page.goto("/staff/queue")
    page.wait_for_url(path_is("/staff/login"))
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("Staff sign in")


def send_request_for_mother(page: Page, family: Family) -> str:
    """The holder signs in and sends the wizard for the mother; returns her member page path."""
    holder, mother = family.holder, family.mother
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/affinity/add")
    expect_wizard_step(page, "pin", swapped=False)
    wizard_to_check(page, holder, mother)
    submit(page, "Accept and send")
    return expect_member_page(page, mother)


def mother_needs_in_person(server: LiveServer, page: Page, family: Family) -> tuple[str, str, str]:
    """The holder asks for affinity services for the mother, then face recognition fails 20
    times (set in the database). Returns her member page path, the number of failures and the
    reference code on the holder's slip."""
    for person in (family.holder, family.mother):  # the staff here are Beijing's
        assert person.id_number.startswith(BEIJING), person.id_number
    member_path = send_request_for_mother(page, family)
    binding_id = member_path.rsplit("/", 1)[1]
    failures = server.run_setup("mark-needs-in-person", binding_id).strip()
    page.goto(member_path)
    visit_check(page)
    expect(page.locator("main .tag")).to_have_text(NEEDS_IN_PERSON)
    expect(page.locator("main .next-action")).to_contain_text(
        f"Staff at a social insurance service centre check {family.mother.name} in person"
    )
    reference = page.locator("main .slip .code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reference), reference
    return member_path, failures, reference


def open_from_queue(
    page: Page, family: Family, binding_id: str, failures: str, reference: str | None = None
) -> None:
    """On the queue: the mother's row (other tests' Beijing requests may be listed too); her
    link, or the slip's reference code typed in, leads to the decision page (a boosted swap:
    focus moves to the heading)."""
    holder, mother = family.holder, family.mother
    href = f"a[href='/staff/bindings/{binding_id}']"
    row = page.locator("main table tbody tr").filter(has=page.locator(href))
    link = row.locator(href)
    expect(link).to_have_text(mother.name)
    expect(row).to_contain_text(mother.masked_id)
    expect(row).to_contain_text(holder.name)
    expect(row).to_contain_text("Parent")
    assert mother.id_number not in page.content(), "the full ID number must never be shown"

    if reference is None:
        link.click()
    else:
        page.get_by_role("textbox", name="Reference code on the card holder's slip").fill(
            reference.lower().replace("-", " ")  # as someone might type it
        )
        submit(page, "Find")
    page.wait_for_url(path_is(f"/staff/bindings/{binding_id}"))
    visit_check(page)
    h1 = page.locator("main h1")
    expect(h1).to_have_text(f"In-person check of {mother.name}")
    expect(page).to_have_title(re.compile(rf"^In-person check of {mother.name} – "))
    expect(h1).to_be_focused()
    main = page.locator("main")
    expect(main).to_contain_text(f"{mother.name}, {mother.masked_id}")
    expect(main).to_contain_text(f"{holder.name}, {holder.masked_id}")
    expect(main).to_contain_text(NEEDS_IN_PERSON)
    failed = main.locator("dl div").filter(has=page.locator("dt", has_text="Failed face matches"))
    expect(failed.locator("dd")).to_have_text(failures)
    for number in (mother.id_number, holder.id_number):
        assert number not in page.content(), "the full ID number must never be shown"
    expect(main.get_by_role("group", name="Decision")).to_be_visible()
    expect(page.get_by_role("radio", name=APPROVE)).not_to_be_checked()
    expect(page.get_by_role("radio", name="Reject", exact=True)).not_to_be_checked()
    expect(page.get_by_role("textbox", name="Reason", exact=True)).to_have_value("")
    assert_no_horizontal_scroll(page)


def record_decision(page: Page, choice: str, reason: str, binding_id: str) -> None:
    """Choose, give the reason, submit: back on the queue, which no longer lists the binding."""
    page.get_by_role("radio", name=choice, exact=True).check()
    page.get_by_role("textbox", name="Reason", exact=True).fill(reason)
    submit(page, "Record the decision")
    expect_queue(page, decided=True)
    expect(page.locator(f"main a[href='/staff/bindings/{binding_id}']")).to_have_count(0)
    # Decided: its page has left the queue too.
    answer = page.goto(f"/staff/bindings/{binding_id}")
    assert answer is not None and answer.status == 404
    visit_check(page)


# --- the journeys ---------------------------------------------------------------------------


def test_staff_check_a_member_in_person_and_approve(
    open_page: Callable[..., Page],
    live_server: LiveServer,
    make_family: Callable[[], Family],
    make_staff: Callable[..., StaffMember],
) -> None:
    family = make_family()
    mother = family.mother
    staff = make_staff()
    holder_page = open_page(js=True)
    member_path, failures, reference = mother_needs_in_person(live_server, holder_page, family)
    binding_id = member_path.rsplit("/", 1)[1]

    # Staff, in their own browser, with a platform authenticator (Chromium's virtual one).
    page = open_page(js=True)
    session, authenticator = add_virtual_authenticator(page)
    expect_staff_signed_out(page)

    # A wrong password: the error summary, and no passkey page.
    staff_sign_in(page, staff.number, "not-the-password")
    expect(page).to_have_url(path_is("/staff/login"))
    expect_error_summary(page, "The staff number or password is not right")
    visit_check(page)
    expect(page.locator("input[name=staff_number]")).to_have_value(staff.number)

    # The first passkey needs the enrolment code: none, or a wrong one, and the browser is
    # not even asked to make a passkey.
    staff_sign_in(page, staff.number, staff.password)
    expect_passkey_page(page, register=True)
    register = page.locator("[data-passkey-register]")
    error = page.locator("[data-passkey-error]")
    register.click()
    expect(error).to_have_text("Enter the enrolment code you were given")
    page.get_by_role("textbox", name="Enrolment code").fill("AAAA-BBBB-CCCC")
    register.click()
    expect(error).to_have_text(CODE_REFUSED)
    visit_check(page)
    assert authenticator_credentials(session, authenticator) == []

    first_staff_sign_in(page, staff, session, authenticator, enrolment_code(live_server, staff))
    open_from_queue(page, family, binding_id, failures, reference)
    reason = page.get_by_role("textbox", name="Reason", exact=True)

    # Nothing chosen: both errors, each next to its field and linked from the summary.
    submit(page, "Record the decision")
    expect(page).to_have_url(path_is(f"/staff/bindings/{binding_id}"))
    summary = expect_error_summary(
        page, "Choose whether to approve or reject", "Give the reason for the decision"
    )
    visit_check(page)
    expect(summary.locator("a[href='#decision-approve']")).to_have_text(
        "Choose whether to approve or reject"
    )
    expect(summary.locator("a[href='#reason']")).to_have_text("Give the reason for the decision")
    expect(page.locator("#decision-error")).to_contain_text("Choose whether to approve or reject")
    expect(page.locator("fieldset#decision")).to_have_attribute(
        "aria-describedby", "decision-error"
    )
    expect(page.locator("#reason-error")).to_contain_text("Give the reason for the decision")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_attribute("aria-describedby", re.compile(r"\breason-error\b"))

    # A reason over 200 characters (the textarea's maxlength stops typing it; the server checks
    # too): the choice and the text are kept, the error is the reason's only.
    page.get_by_role("radio", name=APPROVE).check()
    reason.evaluate("(box) => { box.value = 'x'.repeat(201); }")
    submit(page, "Record the decision")
    expect_error_summary(page, "This must be 200 characters or fewer")
    visit_check(page)
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    expect(page.get_by_role("radio", name=APPROVE)).to_be_checked()
    expect(reason).to_have_value("x" * 201)

    # Approve, with the reason.
    record_decision(page, APPROVE, "ID card checked at the service centre; she agrees.", binding_id)

    # Sign out: the queue needs signing in again.
    page.goto("/staff/queue")
    expect_queue(page)
    page.locator("main").get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(path_is("/staff/login"))
    visit_check(page)
    expect_staff_signed_out(page)

    # Later sign-ins: the password, then the passkey (no second one is added).
    staff_sign_in(page, staff.number, staff.password)
    expect_passkey_page(page, register=False)
    expect(page.locator("[data-passkey-add]")).to_have_count(0)
    expect(page.locator("[data-passkey-unsupported]")).to_be_hidden()
    confirm = page.locator("[data-passkey-login]")
    expect(confirm).to_be_visible()
    expect(confirm).to_have_accessible_name("Confirm with your passkey")
    confirm.click()
    expect_queue(page)
    assert len(authenticator_credentials(session, authenticator)) == 1
    session.detach()

    # The holder now sees the mother's affinity services as active.
    holder_page.goto(member_path)
    visit_check(holder_page)
    expect(holder_page.locator("main .tag")).to_have_text("Active")
    expect(holder_page.locator("main .next-action")).to_have_text(f"You can act for {mother.name}")


def test_staff_reject_after_the_in_person_check(
    open_page: Callable[..., Page],
    live_server: LiveServer,
    make_family: Callable[[], Family],
    make_staff: Callable[..., StaffMember],
) -> None:
    family = make_family()
    mother = family.mother
    staff = make_staff()
    holder_page = open_page(js=True)
    member_path, failures, _ = mother_needs_in_person(live_server, holder_page, family)
    binding_id = member_path.rsplit("/", 1)[1]

    page = open_page(js=True)
    session, authenticator = add_virtual_authenticator(page)
    first_staff_sign_in(page, staff, session, authenticator, enrolment_code(live_server, staff))
    open_from_queue(page, family, binding_id, failures)
    record_decision(
        page, "Reject", "The person present was not the one on the ID card.", binding_id
    )
    session.detach()

    # The holder's page: the request has ended; nothing is left to do but add her again.
    holder_page.goto(member_path)
    visit_check(holder_page)
    main = holder_page.locator("main")
    expect(main.locator(".next-action")).to_have_text(
        f"Nothing to do. You can add {mother.name} again if you need to"
    )
    expect(main.get_by_role("button", name="Cancel this request")).to_have_count(0)
    expect(main.get_by_role("link", name=re.compile(r"^End affinity services"))).to_have_count(0)
    tag = main.locator(".tag")
    expect(tag).to_have_class(re.compile(r"\btag-rejected\b"))
    expect(tag).to_have_text("Refused by the service centre")


@pytest.mark.parametrize("has_passkey", [False, True], ids=["first-sign-in", "later-sign-in"])
def test_without_javascript_staff_cannot_sign_in(
    open_page: Callable[..., Page],
    live_server: LiveServer,
    make_staff: Callable[..., StaffMember],
    has_passkey: bool,
) -> None:
    staff = make_staff()
    if has_passkey:
        live_server.run_setup("add-stored-passkey", staff.number)
    page = open_page(js=False)
    expect_staff_signed_out(page)

    # Empty form: both errors.
    page.goto("/staff/login")
    visit_check(page)
    submit(page, "Continue")
    expect_error_summary(page, "Enter your staff number", "Enter your password")
    visit_check(page)

    # The right password leads to the passkey page, which says a passkey is needed and offers
    # no way on without one.
    staff_sign_in(page, staff.number, staff.password)
    expect_passkey_page(page, register=not has_passkey)
    expect(page.locator("[data-passkey-unsupported]")).to_be_visible()
    expect(page.locator("[data-passkey-unsupported]")).to_have_text(NO_PASSKEY_SUPPORT)
    expect(page.locator("[data-passkey-add], [data-passkey-signin]")).to_be_hidden()
    expect(page.get_by_role("button", name="Add a passkey")).to_have_count(0)
    expect(page.get_by_role("button", name="Confirm with your passkey")).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)

    # The password alone does not open the queue.
    expect_staff_signed_out(page)
