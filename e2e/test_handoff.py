"""Face recognition on the family member's own phone, through a hand-off code.

The holder sends the wizard, then on the member page asks for "a code and link"; the member, in
a second browser context with no session (their own phone), opens the link (JS on) or types the
code at /verify (JS off), agrees, sends a selfie and waits for the real match (dlib, in the
server's worker process). The code then works no more, and the holder's member page says
"Active". Both contexts have JavaScript on, or both off; axe checks every page either visits.
Each test has its own family (conftest.make_family).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.helpers import (
    AWAITING_FACE,
    FACES,
    Family,
    Holder,
    Member,
    assert_no_horizontal_scroll,
    expect_error_summary,
    expect_field_error,
    expect_member_page,
    expect_wizard_step,
    follow_link,
    js_enabled,
    path_is,
    sign_in,
    submit,
    visit_check,
    wait_for_face_result,
    wizard_to_check,
)

pytestmark = pytest.mark.e2e

VERIFY_HEADING = "Face recognition for affinity services"
NOT_VALID = (
    "This code is not valid. It may have been used or be over 30 minutes old. Ask for a new one"
)
NO_CONSENT = "Confirm that you agree to face recognition"
MATCHED = "Done. The photo matches, and your family member can now act for you."
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # app.domain.handoff: no 0/O, 1/I/L
SHOWN_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")
STATUS_URL = re.compile(r"^https?://[^/]+/verify/status/[0-9a-f-]{36}(\?[^#]*)?$")


def masked_name(name: str) -> str:
    """How the member sees the holder's name: the family name, then asterisks (王*)."""
    return name[0] + "*" * max(len(name) - 1, 1)


# --- the holder's phone --------------------------------------------------------------------


def send_the_wizard(page: Page, holder: Holder, member: Member, *, proof: Path) -> str:
    """Sign in, go to the affinity services list, add the member; returns the member page."""
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    follow_link(page, "Affinity services", "/affinity")
    page.locator("main").get_by_role("link", name="Add a family member", exact=True).click()
    expect_wizard_step(page, "pin")
    wizard_to_check(page, holder, member, proof=proof)
    submit(page, "Accept and send")
    return expect_member_page(page, member)


def handoff_section(page: Page) -> Locator:
    return page.locator("main section").filter(
        has=page.get_by_role("heading", name="Or send a link to their phone", exact=True)
    )


def get_code_and_link(page: Page, member: Member, member_path: str, base_url: str) -> str:
    """On the member page, "Get a code and link"; check the hand-off page; return the link."""
    section = handoff_section(page)
    expect(section).to_be_visible()
    expect(section).to_contain_text(
        f"{member.name} can do face recognition on their own phone, without an account, "
        "with a code that works once for 30 minutes."
    )
    section.get_by_role("button", name="Get a code and link", exact=True).click()
    page.wait_for_url(path_is(f"{member_path}/handoff"))
    visit_check(page)
    h1 = page.locator("main h1")
    expect(h1).to_have_text(f"Send the link to {member.name}")
    expect(page).to_have_title(re.compile(rf"^Send the link to {member.name} – "))
    if js_enabled(page):  # after the boosted swap, app.js moves focus to the heading
        expect(h1).to_be_focused()
    main = page.locator("main")
    expect(main).to_contain_text("It works once, for 30 minutes.")
    expect(main.locator("a.back-link")).to_have_attribute("href", member_path)

    code = main.locator(".code")
    expect(code).to_have_text(SHOWN_CODE)
    shown = code.inner_text().strip()
    link = f"{base_url}/verify/{shown.replace('-', '')}"
    expect(main.get_by_role("link", name=link, exact=True)).to_have_attribute("href", link)
    qr = main.locator(".qr svg")
    expect(qr).to_have_count(1)
    expect(qr).to_have_attribute("role", "img")
    expect(qr).to_have_accessible_name(f"QR code of the link for {member.name}")
    expect(qr).to_be_visible()
    assert member.id_number not in page.content(), "the full ID number must never be shown"
    assert_no_horizontal_scroll(page)
    return link


# --- the member's phone --------------------------------------------------------------------


def expect_capture_page(
    page: Page, holder: Holder, member: Member, code: str, *, errors: bool = False
) -> Locator:
    """/verify/{code}: only the holder's masked name and the relationship; consent and selfie
    (with `errors`, the title starts with "Error: "). Returns the form."""
    page.wait_for_url(path_is(f"/verify/{code}"))
    visit_check(page)
    h1 = page.locator("main h1")
    expect(h1).to_have_text(VERIFY_HEADING)
    expect(page).to_have_title(re.compile(rf"^{'Error: ' if errors else ''}{VERIFY_HEADING} – "))
    masked = masked_name(holder.name)
    assert re.fullmatch(r".\*+", masked)
    main = page.locator("main")
    expect(main).to_contain_text(
        f"{masked} has asked to act for you. They added you as their: Parent."
    )
    expect(main).to_contain_text(
        "Your photo is compared with the face on your identity document, then deleted."
    )
    content = page.content()
    for secret in (holder.name, holder.id_number, holder.masked_id, member.id_number):
        assert secret not in content, f"the capture page shows {secret!r}"
    expect(page.locator("header details.menu")).to_have_count(0)  # nobody is signed in

    form = main.locator(f"form[action='/verify/{code}']")
    box = form.get_by_label(f"I agree to face recognition so that {masked} can act for me")
    expect(box).to_have_attribute("type", "checkbox")
    expect(box).to_have_attribute("name", "consent")
    expect(box).to_have_attribute("value", "yes")
    expect(box).not_to_be_checked()
    photo = form.get_by_label("Photo of your face", exact=True)
    expect(photo).to_have_attribute("type", "file")
    expect(photo).to_have_attribute("name", "selfie")
    expect(photo).to_have_attribute("accept", "image/*")
    expect(photo).to_have_attribute("capture", "user")
    expect(form.get_by_role("button", name="Check the photo", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)
    return form


def send_own_selfie(page: Page, holder: Holder, selfie: Path, *, consent: bool) -> None:
    box = page.get_by_label(
        f"I agree to face recognition so that {masked_name(holder.name)} can act for me"
    )
    expect(box).not_to_be_checked()
    if consent:
        box.check()
    page.get_by_label("Photo of your face", exact=True).set_input_files(selfie)
    submit(page, "Check the photo")


def expect_code_not_valid(page: Page) -> None:
    """The enter-code page again, with the "not valid" error (the page was checked with axe)."""
    expect(page.locator("main h1")).to_have_text(VERIFY_HEADING)
    expect_error_summary(page, NOT_VALID)
    expect_field_error(page, "code", NOT_VALID)
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    expect(page.get_by_role("button", name="Check the photo")).to_have_count(0)
    expect(page.locator("input[name=selfie]")).to_have_count(0)
    assert_no_horizontal_scroll(page)


def open_enter_code_page(page: Page) -> Locator:
    page.goto("/verify")
    visit_check(page)
    expect(page.locator("main h1")).to_have_text(VERIFY_HEADING)
    expect(page.locator("main")).to_contain_text(
        "A family member has asked to act for you. Enter the code they gave you."
    )
    field = page.get_by_label("Code", exact=True)
    expect(field).to_have_attribute("name", "code")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_accessible_description(re.compile(r"for example ABCD-2345"))
    return field


# --- the journeys -------------------------------------------------------------------------


def test_the_member_does_face_recognition_on_their_own_phone(
    open_page: Callable[..., Page], js: bool, make_family: Callable[[], Family], base_url: str
) -> None:
    family = make_family()
    holder, mother = family.holder, family.mother
    assert mother.age >= 16  # so the selfie is compared with her registry portrait

    # The holder sends the wizard with the relationship document, then gets a code.
    phone = open_page(js=js)
    member_path = send_the_wizard(phone, holder, mother, proof=FACES / "biden.jpg")
    link = get_code_and_link(phone, mother, member_path, base_url)
    code = link.rsplit("/", 1)[1]
    shown = phone.locator("main .code").inner_text().strip()
    follow_link(phone, f"Back to {mother.name}", member_path)
    expect_member_page(phone, mother)

    # The member's own phone: another browser, nobody signed in.
    own = open_page(js=js)
    assert own.context.cookies() == []
    if js:  # the link (or the QR code)
        answer = own.goto(link)
        assert answer is not None and answer.status == 200
    else:  # the code, typed in lower case with a space
        field = open_enter_code_page(own)
        typed = shown.lower().replace("-", " ")
        assert typed != shown and " " in typed
        field.fill(typed)
        submit(own, "Continue")
    expect_capture_page(own, holder, mother, code)

    # No consent: the same page (422), with the error summary and the field's error.
    with own.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/verify/{code}")
    ) as posted:
        send_own_selfie(own, holder, FACES / "obama2.jpg", consent=False)
    assert posted.value.status == 422
    expect_capture_page(own, holder, mother, code, errors=True)
    expect_error_summary(own, NO_CONSENT)
    expect_field_error(own, "consent", NO_CONSENT)
    expect(own.locator("[data-error-summary] li")).to_have_count(1)

    # With consent, another photo of the face of her registry portrait: a match.
    send_own_selfie(own, holder, FACES / "obama2.jpg", consent=True)
    result, _seen = wait_for_face_result(
        own, STATUS_URL, "Face recognition", title="Face recognition"
    )
    expect(result).to_contain_text(MATCHED)
    expect(result).to_contain_text("You can close this page.")
    assert holder.name not in own.content()

    # The code is spent: the link now says it is not valid.
    answer = own.goto(link)
    assert answer is not None and answer.status == 422
    visit_check(own)
    expect_code_not_valid(own)

    # The holder reloads the member page: affinity services are open.
    expect(phone.locator("main .tag")).to_have_text(AWAITING_FACE)
    phone.reload()
    visit_check(phone)
    main = phone.locator("main")
    expect(main.locator(".tag")).to_have_text("Active")
    expect(main.locator(".next-action")).to_have_text(f"You can act for {mother.name}")
    expect(handoff_section(phone)).to_have_count(0)
    expect(main.get_by_role("button", name="Get a code and link")).to_have_count(0)
    expect(main.get_by_role("button", name="Check the photo")).to_have_count(0)
    expect(main.get_by_role("button", name="Cancel this request")).to_have_count(0)


def test_a_made_up_or_malformed_code_is_not_valid(page: Page, js: bool) -> None:
    # Well formed (8 letters and digits of the code alphabet), but nobody was given it.
    made_up = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    field = open_enter_code_page(page)
    field.fill(f"{made_up[:4]}-{made_up[4:]}")
    with page.expect_response(lambda r: r.url.endswith(f"/verify/{made_up}")) as answer:
        submit(page, "Continue")
    assert answer.value.status == 422
    page.wait_for_url(path_is(f"/verify/{made_up}"))
    visit_check(page)
    expect_code_not_valid(page)

    # Not even the shape of a code: the same error, and what was typed is kept.
    page.get_by_label("Code", exact=True).fill("hello")
    submit(page, "Continue")
    # With JS on the address bar keeps the page the form was on (its answer is not pushed).
    page.wait_for_url(path_is(f"/verify/{made_up}" if js else "/verify"))
    visit_check(page)
    expect_code_not_valid(page)
    expect(page.get_by_label("Code", exact=True)).to_have_value("hello")
