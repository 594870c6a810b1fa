"""Journey: an e-card for a family member, and its QR code checked at a service counter.

王芳 (the demo holder) applies for an e-card for her son 张浩 (seeded without one; the binding
is opened directly with app.cli open-binding), confirms with her own PIN and is shown the card
and its dynamic QR code. A staff member, in a second browser context with its own virtual
authenticator, signs in with a passkey and types the code at /counter: the code is accepted
once, then refused as used; a garbage code and a forged one are refused too.

Staff sign-in needs a passkey, so the staff context always has JavaScript on; in the JS-off run
its session moves to a JS-off context for the counter itself. The JS-on and JS-off runs share
the server, so each starts by removing the son's card.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_PASSWORD,
    DEMO_PIN,
    FACES,
    add_virtual_authenticator,
    assert_no_horizontal_scroll,
    enrolment_code,
    expect_error_summary,
    expect_field_error,
    first_staff_sign_in,
    js_enabled,
    mask,
    new_staff,
    open_binding,
    path_is,
    sign_in,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e

SON_NAME = "张浩"
SON_ID = "11010520150402035X"
IN_USE = "In use"  # how the card status partial shows an active card
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # app.domain.credential: the token's alphabet
TOKEN = re.compile(r"^E1\.[A-Z2-7]{45}\.[A-Z2-7]{26}$")
WRONG_PIN_MESSAGE = re.compile(
    r"The PIN is not right\. You have \d+ more tries before PIN use is locked for 24 hours"
)
MALFORMED = "This is not an e-card QR code. Scan it again, or check the code that was typed"
FORGED = "This code was not issued by the e-card service. Do not accept it"
USED = "This code has already been used. Ask for a new code"


@pytest.fixture
def son_base(live_server: LiveServer) -> str:
    """王芳's active binding with her son, who has no e-card; the base path of his pages."""
    binding_id = open_binding(
        live_server, DEMO_ID, SON_ID, "child", str(FACES / "obama.jpg"), str(FACES / "obama.jpg")
    )
    live_server.run_setup("remove-card", SON_ID)
    return f"/family/{binding_id}"


# --- the holder's phone -------------------------------------------------------------------------


def answer_of(page: Page, label: str) -> Locator:
    """The <dd> of the summary-list row with this label."""
    row = page.locator("main dl.summary-list > div").filter(
        has=page.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$"))
    )
    return row.locator("dd")


def expect_page(page: Page, path: str | re.Pattern[str], heading: str) -> None:
    """Arrived (a load, or a boosted swap with focus on the heading); axe passes."""
    page.wait_for_url(path_is(path) if isinstance(path, str) else path)
    visit_check(page)
    h1 = page.locator("main h1")
    expect(h1).to_have_text(heading)
    if js_enabled(page):
        expect(h1).to_be_focused()
    expect(page.get_by_role("region", name="Acting for a family member")).to_contain_text(
        f"You are acting for {SON_NAME}"
    )
    assert SON_ID not in page.content(), "the full ID number must never be shown"
    assert_no_horizontal_scroll(page)


def open_son_card_from_family(page: Page, base: str) -> None:
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/family")
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("My family")
    section = page.locator("main section").filter(
        has=page.get_by_role("heading", name=SON_NAME, exact=True)
    )
    expect(section).to_contain_text("Child")
    section.get_by_role("link", name="No e-card yet: apply for one", exact=True).click()
    expect_page(page, f"{base}/card", f"E-card of {SON_NAME}")
    expect(page.locator("main")).to_contain_text(f"{SON_NAME} has no e-card yet.")
    expect(page.locator("main .ecard")).to_have_count(0)


def apply_for_the_card(page: Page, base: str) -> None:
    """Details to confirm, then 王芳's PIN: a wrong one first, then hers."""
    page.locator("main").get_by_role("link", name="Apply for an e-card", exact=True).click()
    expect_page(page, f"{base}/card/apply", "Apply for an e-card")
    expect(answer_of(page, "Name")).to_have_text(SON_NAME)
    expect(answer_of(page, "ID number")).to_have_text(mask(SON_ID))
    expect(answer_of(page, "Relationship to you")).to_have_text("Child")

    page.locator("main").get_by_role("link", name="Continue", exact=True).click()
    expect_page(page, f"{base}/card/apply/pin", "Enter your e-card PIN")
    expect(page.locator("main")).to_contain_text(
        f"To apply for an e-card for {SON_NAME}, first confirm it is you."
    )
    wrong = "111111" if DEMO_PIN != "111111" else "222222"
    page.locator("input[name=pin]").fill(wrong)
    submit(page, "Apply for the e-card")
    expect(page).to_have_url(path_is(f"{base}/card/apply/pin"))
    expect_error_summary(page, WRONG_PIN_MESSAGE)
    expect_field_error(page, "pin", WRONG_PIN_MESSAGE)
    visit_check(page)
    expect(page.locator("input[name=pin]")).to_have_value("")  # a PIN is never sent back

    page.locator("input[name=pin]").fill(DEMO_PIN)
    submit(page, "Apply for the e-card")
    page.wait_for_url(path_is(f"{base}/card"))
    visit_check(page)


def shown_code(page: Page) -> str:
    """The code under the QR, as shown (groups of five); checks it is a whole token."""
    text = page.locator("#qr-credential .qr-text .code").inner_text().strip()
    assert TOKEN.match("".join(text.split())), f"not a token: {text!r}"
    assert re.search(r"\b[A-Z2-7]{5} [A-Z2-7]{5}\b", text), f"not in groups of five: {text!r}"
    return text


def expect_issued_card(page: Page) -> str:
    """The new card's details and its QR code; returns the code text."""
    main = page.locator("main")
    expect(main.locator(".notice[role=status]")).to_have_text("The e-card has been issued.")
    expect(main.locator("h1")).to_have_text(f"E-card of {SON_NAME}")
    expect(main.locator(".ecard h2")).to_have_text("Electronic social security card")
    expect(answer_of(page, "Name")).to_have_text(SON_NAME)
    expect(answer_of(page, "ID number")).to_have_text(mask(SON_ID))
    expect(answer_of(page, "Card number")).to_have_text(re.compile(rf"^A{SON_ID[:6]}\d{{5}}$"))
    expect(answer_of(page, "Status")).to_have_text(IN_USE)
    svg = page.locator("#qr-credential .qr-code svg")
    expect(svg).to_have_count(1)
    expect(svg).to_have_attribute("role", "img")
    expect(svg).to_have_attribute("aria-label", f"QR code of the e-card of {SON_NAME}")
    expect(page.locator("#qr-credential")).to_contain_text(
        re.compile(r"Valid until \d\d:\d\d:\d\d \(China Standard Time\)\.")
    )
    expect(main).to_contain_text(f"Only {SON_NAME} can change their e-card PIN or password.")
    assert SON_ID not in page.content(), "the full ID number must never be shown"
    assert_no_horizontal_scroll(page)
    return shown_code(page)


def new_code(page: Page, base: str, before: str) -> str:
    """Press "New code": a swap of the QR region (JS on) or the card page again (JS off)."""
    region = page.locator("#qr-credential")
    if js_enabled(page):
        # Renews itself before the code expires: a limited number of rounds, counted.
        expect(region).to_have_attribute("hx-get", f"{base}/card/qr?round=1")
        expect(region).to_have_attribute("hx-trigger", re.compile(r"^every \d+s$"))
        expect(region).to_have_attribute("hx-swap", "outerHTML")
        expect(page.locator("#qr-announce")).to_have_attribute("role", "status")
        expect(page.locator("#qr-announce")).to_have_text("")
    submit(page, "New code")
    page.wait_for_url(path_is(f"{base}/card"))
    expect(page.locator("#qr-credential .qr-text .code")).not_to_have_text(before)
    visit_check(page)
    if js_enabled(page):
        expect(page.locator("#qr-announce")).to_have_text(
            re.compile(r"^New code shown\. Valid until \d\d:\d\d:\d\d\.$")
        )
        # Asked for by hand: the renewal count starts again.
        expect(region).to_have_attribute("hx-get", f"{base}/card/qr?round=1")
    code = shown_code(page)
    assert code != before
    return code


# --- the service counter ------------------------------------------------------------------------


def forged_from(code: str) -> str:
    """The code with one character of its signature changed (same alphabet, still canonical:
    the signature's last character carries padding bits, so change one before it)."""
    token = "".join(code.split())
    at = token.rindex(".") + 3
    other = next(c for c in BASE32 if c != token[at])
    return token[:at] + other + token[at + 1 :]


def staff_counter_page(open_page: Callable[..., Page], server: LiveServer, js: bool) -> Page:
    """A staff member signed in with a passkey (JS on: passkeys need it); then /counter in
    a page with JavaScript as the run has it."""
    page = open_page(js=True)
    session, authenticator = add_virtual_authenticator(page)
    page.goto("/counter")  # no staff session yet
    page.wait_for_url(path_is("/staff/login"))
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("Staff sign in")
    staff = new_staff(server)  # of Beijing's service centre: the son's region
    first_staff_sign_in(page, staff, session, authenticator, enrolment_code(server, staff))
    session.detach()
    if not js:
        page = open_page(js=False, storage_state=page.context.storage_state())
    page.goto("/counter")
    expect(page).to_have_url(path_is("/counter"))
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("Check an e-card QR code")
    expect(page).to_have_title(re.compile(r"^Check an e-card QR code – "))
    expect(page.locator("main")).to_contain_text(f"Signed in as {staff.name} ({staff.number}).")
    expect(page.get_by_label("QR code", exact=True)).to_have_attribute("name", "code")
    assert_no_horizontal_scroll(page)
    return page


def check_code(page: Page, typed: str) -> None:
    page.get_by_label("QR code", exact=True).fill(typed)
    submit(page, "Check the code")
    expect(page).to_have_url(path_is("/counter"))
    visit_check(page)


def expect_refused(page: Page, typed: str, message: str) -> None:
    expect(page.locator("main h1")).to_have_text("Check an e-card QR code")
    expect_error_summary(page, message)
    expect_field_error(page, "code", message)
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    expect(page.locator("input[name=code]")).to_have_value(typed.strip())
    expect(page.locator("main dl.summary-list")).to_have_count(0)


def expect_accepted(page: Page) -> None:
    h1 = page.locator("main h1")
    expect(h1).to_have_text("Code accepted")
    expect(page).to_have_title(re.compile(r"^Code accepted – "))
    if js_enabled(page):
        expect(h1).to_be_focused()
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    expect(answer_of(page, "Name")).to_have_text(SON_NAME)
    expect(answer_of(page, "ID number")).to_have_text(mask(SON_ID))
    expect(answer_of(page, "Card status")).to_have_text(IN_USE)
    assert SON_ID not in page.content(), "the full ID number must never be shown"
    expect(page.get_by_role("heading", name="Check another code", exact=True)).to_be_visible()
    expect(page.locator("input[name=code]")).to_have_value("")
    assert_no_horizontal_scroll(page)


# --- the journey --------------------------------------------------------------------------------


def test_apply_for_a_members_ecard_and_check_its_code_at_the_counter(
    open_page: Callable[..., Page], live_server: LiveServer, son_base: str, js: bool
) -> None:
    page = open_page(js=js)
    open_son_card_from_family(page, son_base)
    apply_for_the_card(page, son_base)
    first = expect_issued_card(page)
    code = new_code(page, son_base, first)

    counter = staff_counter_page(open_page, live_server, js)
    # Typed back as a person would: lower case, with the spaces of the groups.
    check_code(counter, code.lower())
    expect_accepted(counter)

    # Once only: the same code again is refused, and what was typed stays in the field.
    check_code(counter, code)
    expect_refused(counter, code, USED)

    check_code(counter, "not a code at all")
    expect_refused(counter, "not a code at all", MALFORMED)

    forged = forged_from(code)
    assert TOKEN.match(forged) and forged != "".join(code.split())
    check_code(counter, forged)
    expect_refused(counter, forged, FORGED)

    # The first code, never presented, still works: each code is its own.
    check_code(counter, first)
    expect_accepted(counter)
