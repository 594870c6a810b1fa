"""Helpers shared by the end-to-end journeys: ID numbers, axe, and common steps."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

# GB 11643-1999 check character (ISO 7064 MOD 11-2).
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
_axe = Axe()

DEMO_ID = "110105198503140224"
DEMO_NAME = "王芳"
DEMO_PASSWORD = "family-demo-2025"
DEMO_PIN = "258369"
DEMO_MASKED_ID = "1101**********0224"

_sequence = itertools.count(101)


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def id_number(birth: str = "19900101", sequence: int | None = None, region: str = "110105") -> str:
    """A valid 18-character ID number: region + birth date (YYYYMMDD) + 3-digit sequence + check."""
    seq = next(_sequence) if sequence is None else sequence
    first17 = f"{region}{birth}{seq % 1000:03d}"
    return first17 + check_char(first17)


def with_wrong_check_char(number: str) -> str:
    """The same number with a check character that does not match."""
    right = number[-1]
    wrong = next(c for c in CHECK_CHARS if c != right)
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


def axe_check(page: Page) -> None:
    """Run axe-core on the page as it is now; fail with a readable report on any violation.

    Works with JavaScript off too: Playwright evaluates through the DevTools protocol, which
    Chromium's "scripts disabled" emulation does not block (it only stops the page's own scripts).
    """
    results = _axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, (
        f"axe found {results.violations_count} violation(s) on {page.url}:\n"
        + results.generate_report()
    )


def visit_check(page: Page) -> None:
    """Call after every navigation: wait for the page to load, then check it with axe.

    (Server errors are caught separately: conftest fails any test whose page got a 5xx answer.)
    """
    page.wait_for_load_state("load")
    axe_check(page)


def expect_error_summary(page: Page, *messages: str | re.Pattern[str]) -> None:
    """The error summary shows, the title starts with "Error:", and each message is listed."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error:"))
    for message in messages:
        expect(summary).to_contain_text(message)


def expect_summary_focused(page: Page, js: bool) -> None:
    """With JS on, app.js moves focus to the error summary."""
    if js:
        expect(page.locator("[data-error-summary]")).to_be_focused()


def field_error(page: Page, name: str):  # noqa: ANN201 - a Locator
    return page.locator(f"#{name}-error")


def sign_in(page: Page, number: str, password: str) -> None:
    """Fill and submit the sign-in form on /login (the caller checks where it lands)."""
    page.goto("/login")
    visit_check(page)
    page.locator("input[name=id_number]").fill(number)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state("load")


def open_my_menu(page: Page) -> None:
    menu = page.locator("header details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    open_my_menu(page)
    page.locator("header").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login\?signed_out=1$"))
    visit_check(page)
    expect(page.locator("[role=status]")).to_contain_text("You have signed out")
