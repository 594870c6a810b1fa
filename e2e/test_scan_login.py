"""Journey: a service hall's self-service machine signed in by a daughter's phone, for her
mother. The machine (one browser context) is set up with its key and shows a code that changes
every second; 王芳's phone (another context, a phone's viewport) scans it (the QR code read from
the page as a camera would: JS on) or types its code (JS off), sees which machine it is,
chooses the number the machine shows, her mother 李秀英 and confirms with her PIN. The machine
is then signed in acting for 李秀英, certifies her (a real photo, matched against her registry
portrait) and finishes. 李秀英 then finds it all under "Who acted for me".

The binding is opened directly (app.cli open-binding) and removed afterwards, and her seeded
date of certification is put back: other journeys count the demo holder's family members and
read her dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_MOTHER,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_PIN,
    FACES,
    PHONE,
    Holder,
    add_virtual_authenticator,
    assert_no_horizontal_scroll,
    axe_check,
    follow_link,
    js_enabled,
    open_binding,
    path_is,
    remove_bindings,
    sign_in,
    submit,
    visit_check,
    wait_for_face_result,
)
from e2e.test_certification import add_months, check_url, today
from tests.qr_reader import read_qr

pytestmark = pytest.mark.e2e

MOTHER_PASSWORD = "mother-demo-2025"
PROOF = FACES / "biden.jpg"  # the relationship document: never the reference face
KIOSK_KEY = "KIOSK-DEMO-2025"  # the demo machine's (app.services.seed.DEMO_KIOSK)
KIOSK_NAME = "1号自助服务一体机"
KIOSK_HALL = "北京市东城区社会保险服务大厅"
PLACE = f"The self-service machine {KIOSK_NAME} at {KIOSK_HALL}"
WAITING = "Sign in by scanning with your phone"
BANNER = f"Acting for {DEMO_MOTHER.name}, signed in by {DEMO_NAME}"
CERTIFICATION = f"Eligibility certification for {DEMO_MOTHER.name}"
CONSENT = (
    f"I am {DEMO_MOTHER.name} and I agree to face recognition for my yearly eligibility "
    "certification"
)
TYPED = re.compile(r"^\d{4}-\d{4}$")


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


@pytest.fixture
def due(live_server: LiveServer, mother_base: str) -> str:
    """Her certification due in a fortnight (so she may certify now)."""
    last = add_months(today(), -12) + timedelta(days=14)
    live_server.run_cli("certified", DEMO_MOTHER.id_number, last.isoformat())
    return mother_base


# --- the machine ---------------------------------------------------------------------------------


def set_up_machine(kiosk: Page) -> None:
    """A browser becomes the machine: its key, typed once."""
    kiosk.goto("/kiosk")
    visit_check(kiosk)
    expect(kiosk.locator("main h1")).to_have_text("Set up this self-service machine")
    kiosk.get_by_label("Machine key", exact=True).fill(KIOSK_KEY)
    submit(kiosk, "Set up this machine")
    kiosk.wait_for_url(path_is("/kiosk"))


def expect_code(kiosk: Page) -> tuple[str, str]:
    """The machine's waiting screen: its name and hall, the QR code, the code to type and the
    number to choose; axe passes. Returns (typed code, number)."""
    visit_check(kiosk)
    main = kiosk.locator("main")
    expect(main.locator("h1")).to_have_text(WAITING)
    expect(kiosk.locator("body")).to_have_class("kiosk")
    expect(main.locator(".kiosk-place")).to_contain_text(f"{KIOSK_NAME} · {KIOSK_HALL}")
    expect(main.locator(".scan-qr svg")).to_have_accessible_name(
        "QR code to sign in with your phone"
    )
    typed = main.locator("#scan-wait .code")
    expect(typed).to_have_text(TYPED)
    number = main.locator(".match-number")
    expect(number).to_have_text(re.compile(r"^\d\d$"))
    expect(kiosk.locator("header details.menu")).to_have_count(0)  # nobody is signed in
    assert_no_horizontal_scroll(kiosk)
    return typed.inner_text(), number.inner_text()


def qr_link(kiosk: Page) -> str:
    """What the QR code says now, read from the page as a camera would read the screen."""
    return read_qr(kiosk.locator("main .scan-qr svg").evaluate("svg => svg.outerHTML"))


def expect_it_rotates(kiosk: Page) -> None:
    """With JS the code is drawn afresh each second, in place: no history entry, no focus
    change, the same request (its token) throughout."""
    first = qr_link(kiosk)
    history = kiosk.evaluate("() => history.length")
    kiosk.wait_for_function(
        "first => document.querySelector('main .scan-qr svg') && "
        "document.querySelector('main .scan-qr svg').outerHTML !== first",
        arg=kiosk.locator("main .scan-qr svg").evaluate("svg => svg.outerHTML"),
        timeout=5000,
    )
    second = qr_link(kiosk)
    token = first.rsplit("/", 1)[1].split(".")[0]
    assert second != first and second.rsplit("/", 1)[1].startswith(f"{token}."), (first, second)
    assert kiosk.evaluate("() => history.length") == history


# --- the daughter's phone --------------------------------------------------------------------------


def open_scan_from_home(phone: Page) -> None:
    sign_in(phone, DEMO_ID, DEMO_PASSWORD)
    expect(phone).to_have_url(path_is("/"))
    visit_check(phone)
    follow_link(phone, "Sign in on another screen", "/scan")
    expect(phone.locator("main h1")).to_have_text("Sign in on another screen")


def find_the_request(phone: Page, kiosk: Page, typed: str) -> None:
    """JS on: the QR code's link, opened as the camera would; JS off: the code typed."""
    if js_enabled(phone):
        link = qr_link(kiosk)
        assert re.fullmatch(r"http://localhost:\d+/scan/q/[A-Z2-7]{26}\.\d+\.[0-9a-f]{64}", link)
        phone.goto(link)
    else:
        phone.get_by_label("Code", exact=True).fill(typed)
        submit(phone, "Continue")
    phone.wait_for_url(path_is("/scan/confirm"))
    visit_check(phone)


def confirm_for_mother(phone: Page, number: str) -> None:
    main = phone.locator("main")
    expect(main.locator("h1")).to_have_text("Confirm the sign-in")
    where = main.locator("dl.summary-list > div").filter(has=phone.locator("dt", has_text="Where"))
    expect(where.locator("dd")).to_have_text(PLACE)
    numbers = main.locator("input[name=number]")
    expect(numbers).to_have_count(3)
    expect(main.get_by_role("radio", name=number, exact=True)).to_have_count(1)
    main.get_by_role("radio", name=number, exact=True).check()
    main.get_by_role("radio", name=f"{DEMO_MOTHER.name} (Parent)", exact=True).check()
    phone.locator("input[name=pin]").fill(DEMO_PIN)
    assert_no_horizontal_scroll(phone)
    submit(phone, "Confirm the sign-in")
    phone.wait_for_url(path_is("/scan/done"))
    visit_check(phone)
    expect(main.locator(".notice")).to_contain_text(
        f"The other screen is signing in for {DEMO_MOTHER.name}."
    )


# --- the machine, signed in -------------------------------------------------------------------------


def expect_banner(kiosk: Page) -> None:
    banner = kiosk.get_by_role("region", name="Acting for a family member", exact=True)
    expect(banner).to_contain_text(BANNER)
    expect(banner.get_by_role("button", name="Finish", exact=True)).to_be_visible()
    expect(kiosk.locator("header details.menu")).to_have_count(0)


def signed_in_for_mother(kiosk: Page, base: str) -> None:
    """JS on: the waiting screen signs in by itself; JS off: "I have confirmed on my phone"."""
    if not js_enabled(kiosk):
        submit(kiosk, "I have confirmed on my phone")
    kiosk.wait_for_url(path_is(base), timeout=10_000)
    visit_check(kiosk)
    expect(kiosk.locator("main h1")).to_have_text(f"Services for {DEMO_MOTHER.name}")
    expect_banner(kiosk)
    assert DEMO_MOTHER.id_number not in kiosk.content(), "the full ID number must never be shown"


def expect_refused_there(kiosk: Page, path: str, base: str) -> None:
    """What the machine may not do for her: refused, with the way back."""
    kiosk.goto(path)
    visit_check(kiosk)
    expect(kiosk.locator("main h1")).to_have_text("Not available in this session")
    expect(kiosk.locator("main")).to_contain_text("can only view, print and certify")
    expect_banner(kiosk)
    follow_link(kiosk, "Back to the services", base)


def certify_her(kiosk: Page, base: str) -> None:
    follow_link(kiosk, "Eligibility certification", f"{base}/certification")
    expect(kiosk.locator("main h1")).to_have_text(CERTIFICATION)
    expect_banner(kiosk)
    section = kiosk.locator("main section").filter(
        has=kiosk.get_by_role("heading", name="Certify now on this phone", exact=True)
    )
    section.get_by_label(CONSENT, exact=True).check()
    section.get_by_label("Photo of your face", exact=True).set_input_files(FACES / "obama2.jpg")
    submit(kiosk, "Check the photo")
    region, _seen = wait_for_face_result(kiosk, check_url(base), CERTIFICATION, title=CERTIFICATION)
    valid_until = add_months(today(), 12).isoformat()
    expect(region).to_contain_text(
        f"The photo matches. {DEMO_MOTHER.name} is certified: the certification is valid "
        f"until {valid_until}."
    )
    expect_banner(kiosk)


def finish(kiosk: Page, base: str) -> None:
    banner = kiosk.get_by_role("region", name="Acting for a family member", exact=True)
    banner.get_by_role("button", name="Finish", exact=True).click()
    kiosk.wait_for_url(path_is("/kiosk"))
    expect(kiosk.locator("main .notice")).to_have_text(
        "The session has ended. The machine is ready for the next person."
    )
    expect_code(kiosk)  # a new code for the next person
    kiosk.goto(base)  # her pages are gone from this machine
    kiosk.wait_for_url(path_is("/kiosk"))


# --- the mother ----------------------------------------------------------------------------------


def mother_reads_who_acted(page: Page) -> None:
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
    for what in (
        f"Confirmed a sign-in for you by scanning a code: {PLACE}",
        f"Signed in for you by scanning a code: {PLACE}",
        "Certified your eligibility",
        f"Ended a session for you at a self-service machine: {PLACE}",
    ):
        expect(by_daughter.filter(has_text=what).first).to_be_visible()


# --- the journey -----------------------------------------------------------------------------------


def test_a_daughter_signs_the_machine_in_for_her_mother_who_is_certified_there(
    open_page: Callable[..., Page], js: bool, due: str
) -> None:
    phone = open_page(js=js, **PHONE)
    open_scan_from_home(phone)  # first: the machine's code lives a minute

    kiosk = open_page(js=js, viewport={"width": 1080, "height": 1600})
    set_up_machine(kiosk)
    typed, number = expect_code(kiosk)
    if js:
        expect_it_rotates(kiosk)

    find_the_request(phone, kiosk, typed)
    confirm_for_mother(phone, number)

    signed_in_for_mother(kiosk, due)
    expect_refused_there(kiosk, "/account", due)  # her daughter's PIN, password, passkeys
    certify_her(kiosk, due)
    finish(kiosk, due)

    mother_reads_who_acted(open_page(js=js, **PHONE))


def type_code(phone: Page, typed: str) -> None:
    phone.goto("/scan")
    visit_check(phone)
    phone.get_by_label("Code", exact=True).fill(typed)
    submit(phone, "Continue")
    phone.wait_for_url(path_is("/scan/confirm"))
    visit_check(phone)


def browser_code(browser: Page) -> tuple[str, str]:
    visit_check(browser)
    main = browser.locator("main")
    expect(main.locator("h1")).to_have_text(WAITING)
    expect(main.locator(".kiosk-place")).to_have_count(0)
    return main.locator("#scan-wait .code").inner_text(), main.locator(".match-number").inner_text()


def test_a_wrong_number_ends_the_request_then_the_holder_signs_in_a_browser(
    open_page: Callable[..., Page], js: bool
) -> None:
    phone = open_page(js=js, **PHONE)
    open_scan_from_home(phone)
    browser = open_page(js=js)
    browser.goto("/login")
    visit_check(browser)
    submit(browser, "Sign in by scanning with your phone")
    browser.wait_for_url(path_is("/login/scan"))
    typed, number = browser_code(browser)

    type_code(phone, typed)
    where = phone.locator("main dl.summary-list > div").filter(
        has=phone.locator("dt", has_text="Where")
    )
    expect(where.locator("dd")).to_have_text("A browser: Chrome on Linux")
    wrong = next(
        n
        for n in phone.locator("main input[name=number]").evaluate_all(
            "els => els.map(e => e.value)"
        )
        if n != number
    )
    phone.get_by_role("radio", name=wrong, exact=True).check()
    phone.get_by_role("radio", name=f"{DEMO_NAME} (Me)", exact=True).check()
    phone.locator("input[name=pin]").fill(DEMO_PIN)
    submit(phone, "Confirm the sign-in")
    visit_check(phone)
    expect(phone.locator("main h1")).to_have_text("The sign-in cannot go ahead")
    expect(phone.locator("main .warning")).to_contain_text(
        "The number chosen was not the one on the other screen"
    )

    mismatch = "The number chosen on the phone was not the one shown here"
    if not js:
        browser.reload()  # without JS, the page is reloaded to see what happened
    expect(browser.locator("main #scan-wait")).to_contain_text(mismatch)
    visit_check(browser)

    submit(browser, "Show a new code")
    typed, number = browser_code(browser)
    type_code(phone, typed)
    phone.get_by_role("radio", name=number, exact=True).check()
    phone.get_by_role("radio", name=f"{DEMO_NAME} (Me)", exact=True).check()
    phone.locator("input[name=pin]").fill(DEMO_PIN)
    submit(phone, "Confirm the sign-in")
    phone.wait_for_url(path_is("/scan/done"))
    expect(phone.locator("main .notice")).to_have_text("The other screen is signing you in.")

    if not js:
        submit(browser, "I have confirmed on my phone")
    browser.wait_for_url(path_is("/"), timeout=10_000)
    visit_check(browser)
    expect(browser.locator("main h1")).to_have_text("My e-card")
    expect(browser.locator("header details.menu")).to_have_count(1)  # her own, ordinary session


def test_a_machine_left_alone_ends_its_session_by_itself(
    open_page: Callable[..., Page],
) -> None:
    """JS on (without it the server ends the session at the next touch): 王芳 signs a machine
    in for herself; nobody touches it; a warning, then the machine is ready for the next
    person. The browser's clock is Playwright's, so the minutes pass at once."""
    phone = open_page(js=True, **PHONE)
    open_scan_from_home(phone)
    kiosk = open_page(js=True, viewport={"width": 1080, "height": 1600})
    set_up_machine(kiosk)
    typed, number = expect_code(kiosk)
    type_code(phone, typed)
    phone.get_by_role("radio", name=number, exact=True).check()
    phone.get_by_role("radio", name=f"{DEMO_NAME} (Me)", exact=True).check()
    phone.locator("input[name=pin]").fill(DEMO_PIN)
    submit(phone, "Confirm the sign-in")
    phone.wait_for_url(path_is("/scan/done"))

    kiosk.wait_for_url(path_is("/my"), timeout=10_000)
    banner = kiosk.get_by_role("region", name="Signed in by scanning", exact=True)
    expect(banner).to_contain_text(f"Signed in as {DEMO_NAME}")
    kiosk.clock.install()
    kiosk.reload()
    visit_check(kiosk)
    dialog = kiosk.get_by_role("alertdialog", name="You will be signed out soon")
    expect(dialog).to_be_hidden()
    kiosk.clock.fast_forward("01:31")  # the machine's 2 idle minutes, warned 30 seconds before
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("the machine will be ready for the next person")
    axe_check(kiosk)
    with kiosk.expect_navigation():
        kiosk.clock.fast_forward("00:30")
    kiosk.wait_for_url(path_is("/kiosk"))
    expect(kiosk.locator("main .notice")).to_have_text(
        "The session ended because nothing was done for a while."
    )
    kiosk.goto("/my")
    kiosk.wait_for_url(path_is("/kiosk"))


def test_a_holder_confirms_a_browser_sign_in_with_a_passkey(
    open_page: Callable[..., Page], make_holder: Callable[..., Holder]
) -> None:
    """JS on (passkeys need it): a holder with a passkey on her phone (Chromium's virtual
    authenticator) confirms a browser's sign-in with it instead of her PIN; the same passkey
    answer cannot be used again, and a browser without passkeys still has the PIN."""
    holder = make_holder()
    phone = open_page(js=True, **PHONE)
    add_virtual_authenticator(phone)
    sign_in(phone, holder.id_number, holder.password)
    phone.goto("/account")
    visit_check(phone)
    phone.locator("[data-passkey-register]").click()
    expect(phone.locator(".notice[role=status]")).to_contain_text("Passkey added")

    browser = open_page(js=True)
    browser.goto("/login")
    visit_check(browser)
    submit(browser, "Sign in by scanning with your phone")
    browser.wait_for_url(path_is("/login/scan"))
    typed, number = browser_code(browser)

    type_code(phone, typed)
    main = phone.locator("main")
    confirm = main.get_by_role("button", name="Confirm with a passkey", exact=True)
    expect(confirm).to_be_visible()
    confirm.click()  # nothing chosen yet: said next to the button, nothing sent
    expect(main.locator("[data-passkey-error]")).to_have_text(
        "Choose the number shown on the other screen"
    )
    main.get_by_role("radio", name=number, exact=True).check()
    main.get_by_role("radio", name=f"{holder.name} (Me)", exact=True).check()
    confirm.click()
    phone.wait_for_url(path_is("/scan/done"))
    visit_check(phone)

    browser.wait_for_url(path_is("/"), timeout=10_000)
    visit_check(browser)
    expect(browser.locator("section.ecard")).to_contain_text(holder.masked_id)
