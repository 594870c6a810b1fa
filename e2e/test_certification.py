"""Eligibility certification (待遇资格认证) for a family member, with real photographs and real
matching (dlib, in the server's worker process): the demo holder 王芳 certifies her father
王建国, a pensioner, from the family dashboard on her phone, or he does it on his own phone
through a hand-off code; a selfie of someone else is refused and counted.

The binding between them is opened directly (app.cli open-binding, with a relationship
document that shows another face) and shared by the tests of this module; the selfies are
matched against his registry portrait (obama3.jpg, seeded). Before each test
his last certification is set 13 months back (app.cli certified), so he starts overdue with
payments suspended. Every test ends with a match, which clears the binding's failure
counters, so none depends on which ran before. Afterwards the binding is removed and his
seeded date restored: the demo holder has no family members in the other journeys.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_NAME,
    DEMO_PASSWORD,
    FACES,
    Member,
    assert_no_horizontal_scroll,
    follow_link,
    js_enabled,
    open_binding,
    path_is,
    sign_in,
    submit,
    visit_check,
    wait_for_face_result,
)

pytestmark = pytest.mark.e2e

FATHER = Member("王建国", "110105195611200171", "parent")
PROOF = FACES / "biden.jpg"  # the relationship document: never the reference face

HEADING = f"Eligibility certification for {FATHER.name}"
BANNER = f"You are acting for {FATHER.name}"
OVERDUE_TODO = "Eligibility certification overdue: payments are suspended"
CONSENT = (
    f"I am {FATHER.name} and I agree to face recognition for my yearly eligibility certification"
)
NO_MATCH = "The photo does not match the reference photo."
HOLDER_RESUMED = "The suspended pension payments resume, and the missed payments are paid back."

VERIFY_HEADING = "Face recognition for your yearly eligibility certification"
VERIFY_CONSENT = "I agree to face recognition for my yearly eligibility certification"
MEMBER_RESUMED = "Your suspended pension payments resume, and the missed payments are paid back."
NOT_VALID = (
    "This code is not valid. It may have been used or be over 30 minutes old. Ask for a new one"
)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # app.domain.handoff: no 0/O, 1/I/L
SHOWN_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")
VERIFY_STATUS = re.compile(r"^https?://[^/]+/verify/status/[0-9a-f-]{36}(\?[^#]*)?$")


# --- dates, as the pages count them (UTC) ----------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Calendar months later (or earlier); a day the month lacks becomes its last day."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def today() -> date:
    return datetime.now(UTC).date()


def last_certified() -> date:
    """13 months ago: a month past the due date, so overdue with payments suspended."""
    return add_months(today(), -13)


# --- set-up ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def father_binding(live_server: LiveServer) -> Iterator[str]:
    """王芳's active binding with her father; its id."""
    seeded = live_server.run_setup("last-certified", FATHER.id_number).strip()
    binding_id = open_binding(live_server, DEMO_ID, FATHER.id_number, "parent", str(PROOF))
    yield binding_id
    live_server.run_setup("remove-bindings", DEMO_ID, FATHER.id_number)
    live_server.run_setup("restore-last-certified", FATHER.id_number, *([seeded] if seeded else []))


@pytest.fixture
def father(live_server: LiveServer, father_binding: str) -> str:
    """The father overdue again; the base path of his pages ("/family/{binding_id}")."""
    live_server.run_cli("certified", FATHER.id_number, last_certified().isoformat())
    return f"/family/{father_binding}"


# --- the holder's phone ------------------------------------------------------------------------


def sign_in_as_holder(page: Page) -> None:
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)


def expect_banner(page: Page) -> None:
    banner = page.get_by_role("region", name="Acting for a family member", exact=True)
    expect(banner).to_contain_text(BANNER)
    expect(banner.get_by_role("link", name="Switch back to your family list")).to_have_attribute(
        "href", "/family"
    )


def father_section(page: Page) -> Locator:
    """The father's part of the family dashboard."""
    return page.locator("main section").filter(
        has=page.get_by_role("heading", name=FATHER.name, exact=True)
    )


def open_family_dashboard(page: Page) -> Locator:
    page.goto("/family")
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("My family")
    expect(page.locator("main section h2")).to_have_count(2)  # 王芳 and her father
    expect(page.locator("main")).to_contain_text(f"{DEMO_NAME} (you)")
    section = father_section(page)
    expect(section).to_have_count(1)
    expect(section).to_contain_text("Parent")
    return section


def answer_of(page: Page, label: str) -> Locator:
    row = page.locator("main dl.summary-list > div").filter(
        has=page.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$"))
    )
    return row.locator("dd")


def expect_certification_page(page: Page, base: str, *, swapped: bool) -> None:
    """The father's certification page: heading, banner, Back link; axe passes. With JS on
    and after a swap (`swapped`), focus is on the heading."""
    page.wait_for_url(path_is(f"{base}/certification"))
    visit_check(page)
    h1 = page.locator("main h1")
    expect(h1).to_have_text(HEADING)
    expect(page).to_have_title(re.compile(rf"^{re.escape(HEADING)} – "))
    if js_enabled(page) and swapped:
        expect(h1).to_be_focused()
    expect_banner(page)
    expect(page.locator("main a.back-link")).to_have_attribute("href", base)
    assert FATHER.id_number not in page.content(), "the full ID number must never be shown"
    assert_no_horizontal_scroll(page)


def expect_overdue(page: Page) -> None:
    last = last_certified()
    main = page.locator("main")
    expect(main.locator(".warning").first).to_have_text(
        f"The certification is overdue (it was due by {add_months(last, 12).isoformat()}): "
        "payments are suspended. They resume once it is done, and the missed payments are "
        "paid back."
    )
    expect(answer_of(page, "Last certified")).to_have_text(last.isoformat())
    expect(main.get_by_role("heading", name="Certify now on this phone")).to_be_visible()
    expect(main.get_by_role("heading", name="Or send a link to their phone")).to_be_visible()


def expect_valid(page: Page) -> None:
    main = page.locator("main")
    expect(main.locator(".notice")).to_have_text(
        f"The certification is valid until {add_months(today(), 12).isoformat()}."
    )
    expect(main).not_to_contain_text("overdue")
    expect(answer_of(page, "Last certified")).to_have_text(today().isoformat())


def open_certification_from_dashboard(page: Page, base: str) -> None:
    """The dashboard shows the father's overdue certification; its link leads to the page."""
    section = open_family_dashboard(page)
    todo = section.get_by_role("link", name=OVERDUE_TODO, exact=True)
    expect(todo).to_have_attribute("href", f"{base}/certification")
    todo.click()
    expect_certification_page(page, base, swapped=True)
    expect_overdue(page)


def open_certification(page: Page, base: str) -> None:
    page.goto(f"{base}/certification")
    expect_certification_page(page, base, swapped=False)


def send_certification_selfie(page: Page, selfie: Path) -> None:
    """ "Certify now on this phone": tick the consent, choose the selfie, "Check the photo"."""
    section = page.locator("main section").filter(
        has=page.get_by_role("heading", name="Certify now on this phone", exact=True)
    )
    expect(section).to_contain_text(f"Hand the phone to {FATHER.name}.")
    box = section.get_by_label(CONSENT, exact=True)
    expect(box).to_have_attribute("type", "checkbox")
    expect(box).not_to_be_checked()
    box.check()
    photo = section.get_by_label("Photo of your face", exact=True)
    expect(photo).to_have_attribute("accept", "image/*")
    expect(photo).to_have_attribute("capture", "user")
    photo.set_input_files(selfie)
    submit(page, "Check the photo")


def check_url(base: str) -> re.Pattern[str]:
    """A check's status page (any query: "Check again" adds a "?")."""
    return re.compile(
        r"^https?://[^/]+"
        + re.escape(f"{base}/certification/checks/")
        + r"[0-9a-f-]{36}(\?[^#]*)?$"
    )


def certify_on_this_phone(page: Page, base: str, selfie: Path) -> Locator:
    send_certification_selfie(page, selfie)
    region, _seen = wait_for_face_result(page, check_url(base), HEADING, title=HEADING)
    expect_banner(page)
    return region


def expect_certified(region: Locator) -> None:
    valid_until = add_months(today(), 12).isoformat()
    expect(region).to_contain_text(
        f"The photo matches. {FATHER.name} is certified: the certification is valid until "
        f"{valid_until}."
    )
    expect(region).to_contain_text(HOLDER_RESUMED)


def get_code_and_link(page: Page, base: str, base_url: str) -> str:
    """On the certification page, "Get a code and link"; check the page; return the link."""
    section = page.locator("main section").filter(
        has=page.get_by_role("heading", name="Or send a link to their phone", exact=True)
    )
    expect(section).to_contain_text(
        f"{FATHER.name} can certify on their own phone, without an account, with a code that "
        "works once for 30 minutes."
    )
    section.get_by_role("button", name="Get a code and link", exact=True).click()
    page.wait_for_url(path_is(f"{base}/certification/handoff"))
    visit_check(page)
    h1 = page.locator("main h1")
    expect(h1).to_have_text(f"Send the link to {FATHER.name}")
    if js_enabled(page):
        expect(h1).to_be_focused()
    expect_banner(page)
    main = page.locator("main")
    expect(main).to_contain_text("yearly eligibility certification. It works once, for 30 minutes.")
    code = main.locator(".code")
    expect(code).to_have_text(SHOWN_CODE)
    link = f"{base_url}/verify/{code.inner_text().strip().replace('-', '')}"
    expect(main.get_by_role("link", name=link, exact=True)).to_have_attribute("href", link)
    expect(main.locator(".qr svg")).to_have_accessible_name(
        f"QR code of the link for {FATHER.name}"
    )
    assert_no_horizontal_scroll(page)
    return link


# --- the father's own phone --------------------------------------------------------------------


def open_capture_page(page: Page, link: str) -> None:
    """With JS on, the link (or the QR code); with it off, the code typed at /verify."""
    code = link.rsplit("/", 1)[1]
    if js_enabled(page):
        answer = page.goto(link)
        assert answer is not None and answer.status == 200
    else:
        page.goto("/verify")
        visit_check(page)
        page.get_by_label("Code", exact=True).fill(f"{code[:4]}-{code[4:]}")
        submit(page, "Continue")
    page.wait_for_url(path_is(f"/verify/{code}"))
    visit_check(page)
    expect(page.locator("main h1")).to_have_text(VERIFY_HEADING)
    expect(page).to_have_title(re.compile(rf"^{VERIFY_HEADING} – "))
    main = page.locator("main")
    expect(main).to_contain_text(
        "王* acts for you through affinity services. They added you as their: Parent."
    )
    expect(main).to_contain_text("it confirms that you still receive your pension.")
    content = page.content()
    for secret in (DEMO_NAME, DEMO_ID, FATHER.id_number):
        assert secret not in content, f"the capture page shows {secret!r}"
    expect(page.locator("header details.menu")).to_have_count(0)  # nobody is signed in
    assert_no_horizontal_scroll(page)


def send_own_selfie(page: Page, selfie: Path) -> None:
    box = page.get_by_label(VERIFY_CONSENT, exact=True)
    expect(box).not_to_be_checked()
    box.check()
    page.get_by_label("Photo of your face", exact=True).set_input_files(selfie)
    submit(page, "Check the photo")


# --- the journeys ------------------------------------------------------------------------------


def test_the_holder_certifies_her_father_from_the_family_dashboard(
    page: Page, js: bool, father: str
) -> None:
    sign_in_as_holder(page)
    open_certification_from_dashboard(page, father)

    region = certify_on_this_phone(page, father, FACES / "obama2.jpg")
    expect_certified(region)
    expect(region.get_by_role("link", name=f"Back to {FATHER.name}'s services")).to_have_attribute(
        "href", father
    )

    # The certification page now says until when it is valid, and the dashboard has nothing
    # overdue for him.
    follow_link(page, "Back", f"{father}/certification")
    expect_certification_page(page, father, swapped=True)
    expect_valid(page)
    section = open_family_dashboard(page)
    expect(section.get_by_role("link", name=OVERDUE_TODO)).to_have_count(0)


def test_the_father_certifies_on_his_own_phone_with_a_code(
    open_page: Callable[..., Page], js: bool, father: str, base_url: str
) -> None:
    phone = open_page(js=js)
    sign_in_as_holder(phone)
    open_certification(phone, father)
    expect_overdue(phone)
    link = get_code_and_link(phone, father, base_url)
    follow_link(phone, "Back to the certification", f"{father}/certification")
    expect_certification_page(phone, father, swapped=True)
    expect_overdue(phone)

    # His own phone: another browser, nobody signed in.
    own = open_page(js=js)
    assert own.context.cookies() == []
    open_capture_page(own, link)
    send_own_selfie(own, FACES / "obama2.jpg")
    region, _seen = wait_for_face_result(
        own, VERIFY_STATUS, "Face recognition", title="Face recognition"
    )
    expect(region).to_contain_text(
        "Done. The photo matches, and your yearly eligibility certification is valid until "
        f"{add_months(today(), 12).isoformat()}. You can close this page."
    )
    expect(region).to_contain_text(MEMBER_RESUMED)
    assert DEMO_NAME not in own.content()

    # The code is spent.
    answer = own.goto(link)
    assert answer is not None and answer.status == 422
    visit_check(own)
    expect(own.locator("[data-error-summary]")).to_contain_text(NOT_VALID)

    # 王芳 reloads the certification page: valid.
    phone.reload()
    expect_certification_page(phone, father, swapped=False)
    expect_valid(phone)


def test_a_selfie_of_someone_else_does_not_certify_and_counts(
    page: Page, js: bool, father: str
) -> None:
    sign_in_as_holder(page)
    open_certification(page, father)
    expect_overdue(page)

    region = certify_on_this_phone(page, father, FACES / "biden.jpg")
    expect(region).to_contain_text(NO_MATCH)
    expect(region).to_contain_text("You can try 4 more times before a 30-minute wait.")
    expect(region).not_to_contain_text("certified")
    follow_link(page, "Back to the certification", f"{father}/certification")
    expect_certification_page(page, father, swapped=True)
    expect_overdue(page)  # still suspended; the form is offered again

    # His own face: certified, and the failure is forgotten.
    region = certify_on_this_phone(page, father, FACES / "obama3.jpg")
    expect_certified(region)
