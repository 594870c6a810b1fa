"""Helpers shared by the end-to-end journeys: ID numbers, axe, common steps, the set-up that
several modules need, and service-centre staff."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
import uuid
import weakref
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import CDPSession, Locator, Page, expect

if TYPE_CHECKING:
    from e2e.conftest import LiveServer

# GB 11643-1999 check character (ISO 7064 MOD 11-2).
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]

DEMO_ID = "110105198503140224"
DEMO_NAME = "王芳"
DEMO_PASSWORD = "family-demo-2025"
DEMO_PIN = "258369"
DEMO_MASKED_ID = "1101**********0224"
DEMO_CARD_NUMBER = "A11010500001"
# The journeys' server refreshes an open transfer's timeline this often (15 s in service), so
# that a journey sees a refresh without waiting for one.
TRANSFER_REFRESH_SECONDS = 2

_sequence = itertools.count(101)


# --- ID numbers ------------------------------------------------------------------------


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def id_number(birth: str = "19900101", sequence: int | None = None, region: str = "110105") -> str:
    """A valid ID number: region + birth date (YYYYMMDD) + 3-digit sequence + check character."""
    seq = next(_sequence) if sequence is None else sequence
    first17 = f"{region}{birth}{seq % 1000:03d}"
    return first17 + check_char(first17)


def with_wrong_check_char(number: str) -> str:
    """The same number with a check character that does not match."""
    wrong = next(c for c in CHECK_CHARS if c != number[-1])
    return number[:-1] + wrong


def mask(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


@dataclass(frozen=True)
class Holder:
    name: str
    id_number: str
    password: str
    pin: str | None

    @property
    def masked_id(self) -> str:
        return mask(self.id_number)


@dataclass(frozen=True)
class Member:
    """A registry person to add as a family member."""

    name: str
    id_number: str
    relationship: str  # the QA contract's value: what the member is to the holder

    @property
    def masked_id(self) -> str:
        return mask(self.id_number)

    @property
    def age(self) -> int:
        born = date(
            int(self.id_number[6:10]), int(self.id_number[10:12]), int(self.id_number[12:14])
        )
        today = date.today()
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class Family:
    """A holder and three people of the same registry household (see conftest.make_family)."""

    holder: Holder
    mother: Member
    father: Member
    son: Member  # under 16: the documents step asks for a face photo


# --- the demo family's bindings ---------------------------------------------------------

# 王芳's mother in the demo data: the pension and benefits journeys bind her directly.
DEMO_MOTHER = Member("李秀英", "110105195806070426", "parent")


def open_binding(
    server: LiveServer, holder_id: str, member_id: str, relationship: str, *photos: str
) -> str:
    """An active binding, opened by the test-only command with its evidence (the journeys that
    start from one); its id."""
    out = server.run_cli("open-binding", holder_id, member_id, relationship, *photos)
    binding_id = out.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f-]{36}", binding_id), out
    return binding_id


def remove_bindings(server: LiveServer, *members: Member) -> None:
    """Delete the demo holder's bindings with each member given (and their checks and codes):
    other journeys count her family members."""
    server.run_setup("remove-bindings", DEMO_ID, *(m.id_number for m in members))


# --- axe ---------------------------------------------------------------------------------

_axe = Axe()

# With JavaScript off (Playwright's java_script_enabled=False, i.e. CDP
# Emulation.setScriptExecutionDisabled), Chromium still runs page.evaluate() and settles its
# promises (microtasks), but never fires timer tasks or event listeners, so axe.run(), which
# schedules its steps with setTimeout, never finishes (page.evaluate hangs). Turning scripts back
# on from a second CDP session does not help. What works: on JS-off pages, run setTimeout
# callbacks as microtasks. Checked by experiment on the same markup: axe then reports exactly the
# violations it reports with JS on. The page's own scripts stay off (they were skipped at parse
# time). One difference remains: axe's "preload" of style sheets uses XMLHttpRequest events, which
# never fire, so it is turned off there and the one rule that needs it (css-orientation-lock)
# comes out "incomplete" instead; the same pages and style sheet are checked with JS on.
_TIMER_SHIM = """() => {
  if (window.__e2eTimerShim) return;
  window.__e2eTimerShim = true;
  window.setTimeout = function (fn) {
    var args = Array.prototype.slice.call(arguments, 2);
    Promise.resolve().then(function () { if (typeof fn === "function") fn.apply(null, args); });
    return 0;
  };
  window.clearTimeout = function () {};
}"""
_JS_OFF_PAGES: weakref.WeakSet[Page] = weakref.WeakSet()
_SETTLED = """() => document.readyState === "complete"
  && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")"""


def remember_js(page: Page, js: bool) -> None:
    """Record whether the page's context has JavaScript on (axe_check needs to know)."""
    if not js:
        _JS_OFF_PAGES.add(page)


def js_enabled(page: Page) -> bool:
    return page not in _JS_OFF_PAGES


# Pages already found free of violations, by what axe's result depends on: the markup as it
# stands (with the session's CSRF token, a random 128-hex-digit value, left out), the viewport,
# the media features emulated and whether scripts run. A journey meets the same page many
# times (the sign-in page, the hub after it); the same markup is checked once per process.
_PASSED: set[str] = set()
_STATE = """() => JSON.stringify([document.documentElement.outerHTML, innerWidth, innerHeight,
  ["(prefers-color-scheme: dark)", "(forced-colors: active)", "(prefers-reduced-motion: reduce)",
   "(prefers-contrast: more)"].map((query) => matchMedia(query).matches)])"""
_TOKEN = re.compile(r"[0-9a-f]{64,}")


def _state_of(page: Page) -> str:
    state = f"{js_enabled(page)}:" + _TOKEN.sub("#", page.evaluate(_STATE))
    return hashlib.sha256(state.encode()).hexdigest()


def axe_check(page: Page) -> None:
    """Run axe-core on the page as it is now; fail with a readable report on any violation.
    A page in a state already checked in this process (see _PASSED) passes as it did then."""
    state = _state_of(page)
    if state in _PASSED:
        return
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "resultTypes": ["violations"],
        # The same rules and violations; the rules' passes are not built into the results,
        # which took about a third of a run on a page of a hundred elements.
        "reporter": "no-passes",
    }
    if not js_enabled(page):
        page.evaluate(_TIMER_SHIM)
        options["preload"] = False
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    results = AxeResults(page.evaluate("(options) => axe.run(document, options)", options))
    assert results.violations_count == 0, (
        f"axe found {results.violations_count} violation(s) on {page.url}:\n"
        + results.generate_report()
    )
    _PASSED.add(state)


def visit_check(page: Page) -> None:
    """Call after every navigation (page load or HTMX swap): wait until it settles, run axe.

    Server errors are caught apart from this: conftest fails a test whose browser saw a 5xx
    answer, a script error or a console error.
    """
    page.wait_for_load_state("load")
    if js_enabled(page):
        page.wait_for_function(_SETTLED, polling=50)  # not "raf": background tabs get no frames
    axe_check(page)


# --- assertions and steps ------------------------------------------------------------------


def path_is(path: str) -> re.Pattern[str]:
    """A URL pattern for expect(page).to_have_url / page.wait_for_url: this path, any query."""
    return re.compile(r"^https?://[^/]+" + re.escape(path) + r"(\?[^#]*)?(#.*)?$")


def expect_error_summary(page: Page, *messages: str | re.Pattern[str]) -> Locator:
    """The error summary shows each message and the title starts with "Error:"."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    for message in messages:
        expect(summary).to_contain_text(message)
    expect(page).to_have_title(re.compile(r"^Error: "))
    if js_enabled(page):  # app.js moves focus to the summary (after a load or an HTMX swap)
        expect(summary).to_be_focused()
    return summary


def expect_field_error(page: Page, name: str, message: str | re.Pattern[str]) -> None:
    """The message is next to the field, tied to it by aria-describedby, which is marked invalid."""
    error = page.locator(f"#{name}-error")
    expect(error).to_contain_text(message)
    field = page.locator(f"input[name={name}]")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{name}-error\b"))
    # The summary's link leads to the field.
    expect(page.locator(f"[data-error-summary] a[href='#{name}']")).to_contain_text(message)


def submit(page: Page, button: str) -> None:
    """Click a form's submit button by its accessible name; wait for the page or the swap."""
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")
    if js_enabled(page):
        page.wait_for_function(_SETTLED, polling=50)


def sign_in(page: Page, number: str, password: str) -> None:
    """Open /login (checked with axe), fill the form and submit it; the caller checks the result."""
    page.goto("/login")
    visit_check(page)
    page.locator("input[name=id_number]").fill(number)
    page.locator("input[name=password]").fill(password)
    submit(page, "Sign in")


def open_my_menu(page: Page) -> Locator:
    """Open the "My" menu in the header (a <details>: works without JS); return it."""
    menu = page.locator("header details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    return menu


def follow_menu_link(page: Page, name: str, path: str) -> None:
    open_my_menu(page).get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(path_is(path))
    visit_check(page)


def follow_link(page: Page, name: str, path: str) -> None:
    """Follow a link in <main> (an HTMX-boosted swap with JS on, a page load with JS off)."""
    page.locator("main").get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(path_is(path))
    visit_check(page)
    if js_enabled(page):  # after a swap, app.js moves focus to the new page's heading
        expect(page.locator("main h1")).to_be_focused()


def sign_out(page: Page) -> None:
    open_my_menu(page).get_by_role("button", name="Sign out").click()
    page.wait_for_url(path_is("/login"))
    visit_check(page)
    expect(page.locator(".notice[role=status]")).to_contain_text("You have signed out")
    expect(page.locator("header details.menu")).to_have_count(0)


def assert_no_horizontal_scroll(page: Page) -> None:
    sizes = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert sizes[0] <= sizes[1], (
        f"horizontal scroll on {page.url}: scrollWidth {sizes[0]} > {sizes[1]}"
    )


PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "screen": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


# --- the add-member wizard -------------------------------------------------------------------

# Real photographs, kept in the repository's test fixtures (README and licence there).
FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
# Stands in for the relationship document (a household register page, say): any real JPG. It
# shows a face unlike the members' own, so a match can only come from the registry portrait.
PROOF_PHOTO = FACES / "biden.jpg"
FACE_PHOTO = FACES / "obama.jpg"
# The registry portraits of make_family's people (none for the son, under 16): a selfie of the
# mother or father is any obama*.jpg; biden*.jpg is a stranger to them.
FAMILY_PORTRAITS: dict[str, Path] = {
    "holder": FACES / "biden2.jpg",
    "mother": FACES / "obama.jpg",
    "father": FACES / "obama3.jpg",
}

# step -> (heading, number in "Step N of 5")
WIZARD_STEPS: dict[str, tuple[str, int]] = {
    "pin": ("Enter your e-card PIN", 1),
    "notice": ("Add affinity account notice", 2),
    "details": ("The family member's details", 3),
    "documents": ("Upload documents", 4),
    "check": ("Check your answers", 5),
}

RELATIONSHIP_LABELS = {
    "spouse": "Spouse",
    "parent": "Parent",
    "child": "Child",
    "grandparent": "Grandparent",
    "grandchild": "Grandchild",
    "sibling": "Brother or sister",
    "other": "Other close relative",
}

AWAITING_FACE = "Awaiting face recognition"


def step_path(step: str) -> str:
    return f"/affinity/add/{step}"


def expect_wizard_step(page: Page, step: str, *, swapped: bool = True) -> None:
    """The page shows this step at its own URL (in the address bar too, after an HTMX swap):
    heading, "Step N of 5", a Back link; axe passes; nothing scrolls sideways. With JS on and
    after a swap (`swapped`), focus is on the new heading."""
    heading, number = WIZARD_STEPS[step]
    page.wait_for_url(path_is(step_path(step)))
    visit_check(page)
    h1 = page.locator("main h1")
    expect(h1).to_have_text(heading)
    expect(page.locator("#wizard-step")).to_have_text(
        re.compile(rf"^Step {number} of 5\b.*Add a family member")
    )
    expect(page.locator("main a.back-link")).to_have_text("Back")
    if js_enabled(page) and swapped:
        expect(h1).to_be_focused()
        assert page.evaluate("() => document.activeElement.tagName") == "H1"
        assert page.evaluate("() => location.pathname") == step_path(step)
    assert_no_horizontal_scroll(page)


def do_pin_step(page: Page, pin: str) -> None:
    page.locator("input[name=pin]").fill(pin)
    submit(page, "Continue")


def do_notice_step(page: Page) -> None:
    page.get_by_label("I have read the notice and I accept it").check()
    submit(page, "Continue")


def choose_relationship(page: Page, relationship: str) -> None:
    radio = page.locator(f"input[name=relationship][value={relationship}]")
    expect(radio).to_have_accessible_name(RELATIONSHIP_LABELS[relationship])
    radio.check()


def do_details_step(page: Page, name: str, number: str, relationship: str) -> None:
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=id_number]").fill(number)
    choose_relationship(page, relationship)
    submit(page, "Continue")


def do_documents_step(
    page: Page, proof: Path | None = PROOF_PHOTO, face_photo: Path | None = None
) -> None:
    if proof is not None:
        page.locator("input[name=proof]").set_input_files(proof)
    if face_photo is not None:
        page.locator("input[name=face_photo]").set_input_files(face_photo)
    submit(page, "Continue")


def wizard_to_check(
    page: Page,
    holder: Holder,
    member: Member,
    *,
    proof: Path = PROOF_PHOTO,
    face_photo: Path | None = None,
) -> None:
    """From the PIN step (already shown) through the check-answers page for this member."""
    assert holder.pin is not None
    do_pin_step(page, holder.pin)
    expect_wizard_step(page, "notice")
    do_notice_step(page)
    expect_wizard_step(page, "details")
    do_details_step(page, member.name, member.id_number, member.relationship)
    expect_wizard_step(page, "documents")
    expect(page.locator("main")).to_contain_text(f"{member.name}, {member.masked_id}")
    do_documents_step(page, proof=proof, face_photo=face_photo)
    expect_wizard_step(page, "check")


def check_answer(page: Page, label: str) -> Locator:
    """The answer (<dd>) in the check-answers row with this label."""
    row = page.locator("dl.check-list > div").filter(
        has=page.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$"))
    )
    return row.locator("dd").first


def expect_member_page(page: Page, member: Member, *, swapped: bool = True) -> str:
    """The member page of a request awaiting face recognition; returns the binding's path."""
    page.wait_for_url(re.compile(r"/affinity/[0-9a-f-]{36}$"))
    visit_check(page)
    h1 = page.locator("main h1")
    expect(h1).to_have_text(member.name)
    main = page.locator("main")
    expect(main.locator(".tag")).to_have_text(AWAITING_FACE)
    expect(main).to_contain_text(member.masked_id)
    expect(main).to_contain_text(RELATIONSHIP_LABELS[member.relationship])
    expect(main.locator(".next-action")).to_have_text(
        f"Ask {member.name} to complete face recognition"
    )
    expect(main.get_by_role("button", name="Cancel this request", exact=True)).to_be_visible()
    assert member.id_number not in page.content(), "the full ID number must never be shown"
    if js_enabled(page) and swapped:
        expect(h1).to_be_focused()
    assert_no_horizontal_scroll(page)
    return str(page.evaluate("() => location.pathname"))


# --- face recognition: the member page and the status pages of a check --------------------

CHECKING = "Checking the photo…"
FACE_RESULT_TIMEOUT = 60.0  # seconds; a match takes 0.5-2 s, the first one loads dlib's models


def consent_label(member: Member) -> str:
    return f"I am {member.name} and I agree to face recognition for this service"


def send_selfie(page: Page, member: Member, selfie: Path | None, *, consent: bool = True) -> None:
    """On the member page, "Do it now on this phone": tick the consent (or not), choose the
    selfie and press "Check the photo"; waits for the next page (or the swap)."""
    section = page.locator("main section").filter(
        has=page.get_by_role("heading", name="Do it now on this phone", exact=True)
    )
    expect(section).to_be_visible()
    box = section.get_by_label(consent_label(member), exact=True)
    expect(box).to_have_attribute("type", "checkbox")
    expect(box).to_have_attribute("name", "consent")
    expect(box).to_have_attribute("value", "yes")
    expect(box).not_to_be_checked()
    if consent:
        box.check()
    photo = section.get_by_label("Photo of your face", exact=True)
    expect(photo).to_have_attribute("name", "selfie")
    expect(photo).to_have_attribute("accept", "image/*")
    expect(photo).to_have_attribute("capture", "user")
    if selfie is not None:
        photo.set_input_files(selfie)
    submit(page, "Check the photo")


def face_status_pattern(member_path: str) -> re.Pattern[str]:
    """The status page of a check of this binding (any query: "Check again" adds a "?")."""
    return re.compile(
        r"^https?://[^/]+" + re.escape(member_path) + r"/face/[0-9a-f-]{36}(\?[^#]*)?$"
    )


def wait_for_face_result(
    page: Page, status_url: re.Pattern[str], heading: str, *, title: str
) -> tuple[Locator, bool]:
    """On a face check's status page just reached (its URL matches `status_url`; its heading
    is `heading` and its title starts with `title`, on arrival and with the result): axe it;
    while it says "Checking the photo…", let HTMX poll (JS on) or press "Check again" (JS off,
    axe after each load); then axe the result.

    With JS on, polling must keep the role=status region (the same element, or screen readers
    do not announce the result), add nothing to the browser history, leave focus on the
    heading and stop with the result. Nothing scrolls sideways, before or after.

    Returns the result region and whether the page was seen (and checked) while checking.
    """
    h1 = page.locator("main h1")
    title_pattern = re.compile(rf"^{re.escape(title)} – ")
    page.wait_for_url(status_url)
    status_path = str(page.evaluate("() => location.pathname"))
    visit_check(page)
    expect(h1).to_have_text(heading)
    expect(page).to_have_title(title_pattern)
    if js_enabled(page):  # after the boosted swap, app.js moves focus to the heading
        expect(h1).to_be_focused()
    region = page.locator("main #face-result")
    expect(region).to_have_attribute("role", "status")
    assert_no_horizontal_scroll(page)
    # axe has just run; the check only ever moves on from "pending", so if the page still says
    # "Checking" now, it said so while axe ran.
    seen_checking = CHECKING in region.inner_text()
    deadline = time.monotonic() + FACE_RESULT_TIMEOUT
    if js_enabled(page):
        if seen_checking:
            # HTMX polls every second. Mark the live region: it must stay the same element,
            # or screen readers will not announce the result.
            page.evaluate("() => { document.getElementById('face-result').e2eKept = true; }")
            history_length = page.evaluate("() => history.length")
        expect(region).not_to_contain_text(CHECKING, timeout=FACE_RESULT_TIMEOUT * 1000)
        visit_check(page)
        if seen_checking:
            assert page.evaluate("() => document.getElementById('face-result').e2eKept"), (
                "the role=status region was replaced, not updated: the result is not announced"
            )
            assert page.evaluate("() => history.length") == history_length, (
                "polling added entries to the browser history"
            )
        expect(h1).to_be_focused()  # polling does not move focus
        expect(page.locator("main [hx-trigger]")).to_have_count(0)  # and it has stopped
    else:
        while CHECKING in region.inner_text():
            assert time.monotonic() < deadline, f"no result after {FACE_RESULT_TIMEOUT} s"
            again = region.get_by_role("button", name="Check again", exact=True)
            expect(again).to_be_visible()
            page.wait_for_timeout(400)
            again.click()
            page.wait_for_url(status_url)
            visit_check(page)
    assert page.evaluate("() => location.pathname") == status_path
    expect(h1).to_have_text(heading)
    expect(page).to_have_title(title_pattern)
    expect(region.get_by_role("button", name="Check again")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    return region, seen_checking


# --- passkeys: Chromium's virtual authenticator ------------------------------------------

# A platform authenticator (through CDP) that always says yes.
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def add_virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return session, added["authenticatorId"]


def authenticator_credentials(
    session: CDPSession, authenticator_id: str
) -> list[dict[str, object]]:
    answer = session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    return list(answer["credentials"])


# --- service-centre staff ------------------------------------------------------------------

STAFF_PASSWORD = "e2e-staff-pass-2025"
BEIJING = "11"  # the region prefix of Beijing's service centre, and of the demo family
PASSKEY_NEEDED = "Staff accounts always need a passkey"


@dataclass(frozen=True)
class StaffMember:
    number: str
    name: str
    password: str


def new_staff(server: LiveServer, *, region: str = BEIJING) -> StaffMember:
    """A fresh staff member of a service centre (Beijing's unless another region is given),
    without a passkey."""
    staff = StaffMember(
        number=f"E2E{uuid.uuid4().hex[:8].upper()}", name="赵敏", password=STAFF_PASSWORD
    )
    spec = {"number": staff.number, "name": staff.name, "region": region}
    server.run_setup("add-staff", json.dumps({**spec, "password": staff.password}))
    return staff


def staff_sign_in(page: Page, number: str, password: str) -> None:
    """Open /staff/login (checked with axe), fill the form and submit it."""
    page.goto("/staff/login")
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("Staff sign in")
    page.locator("input[name=staff_number]").fill(number)
    page.locator("input[name=password]").fill(password)
    submit(page, "Continue")


def expect_passkey_page(page: Page, *, register: bool) -> None:
    """The page after the password: add a passkey (first sign-in) or confirm with one."""
    page.wait_for_url(path_is("/staff/passkey/new" if register else "/staff/passkey"))
    visit_check(page)
    heading = "Add your staff passkey" if register else "Confirm with your passkey"
    expect(page.locator("main h1")).to_have_text(heading)
    expect(page).to_have_title(re.compile(rf"^{heading} – "))
    expect(page.locator("main")).to_contain_text(PASSKEY_NEEDED)
    assert_no_horizontal_scroll(page)


def expect_queue(page: Page, *, decided: bool = False) -> None:
    page.wait_for_url(path_is("/staff/queue"))
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("In-person checks")
    expect(page).to_have_title(re.compile(r"^In-person checks – "))
    notice = page.locator("main .notice[role=status]")
    if decided:
        expect(notice).to_have_text("Decision recorded.")
    else:
        expect(notice).to_have_count(0)
    assert_no_horizontal_scroll(page)


def enrolment_code(server: LiveServer, staff: StaffMember) -> str:
    """What the operator hands over: `python -m app.cli staff-enrolment-code` prints the code
    on its first line."""
    return server.run_cli("staff-enrolment-code", staff.number).splitlines()[0]


def first_staff_sign_in(
    page: Page, staff: StaffMember, session: CDPSession, authenticator: str, code: str
) -> None:
    """The password, then a passkey must be added, with the enrolment code, before anything
    else; then the queue."""
    staff_sign_in(page, staff.number, staff.password)
    expect_passkey_page(page, register=True)
    page.get_by_role("textbox", name="Enrolment code").fill(code)
    add = page.locator("[data-passkey-add]")
    expect(add).to_be_visible()
    expect(add).to_contain_text(f"This is your first sign-in, {staff.name}.")
    expect(page.locator("[data-passkey-unsupported]")).to_be_hidden()
    expect(page.locator("[data-passkey-error]")).to_be_hidden()
    register = page.locator("[data-passkey-register]")
    expect(register).to_have_accessible_name("Add a passkey")
    register.click()
    expect_queue(page)
    assert len(authenticator_credentials(session, authenticator)) == 1, (
        "the authenticator holds the passkey"
    )
    expect(page.locator("main")).to_contain_text(f"Signed in as {staff.name} ({staff.number}).")
