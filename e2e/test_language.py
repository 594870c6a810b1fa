"""Journey 4: Chinese by default, switch to English and back; the choice is kept in a cookie.

The Chinese catalogue is still being written, so only the lang attribute is checked for Chinese;
English texts are checked once English is chosen.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import DEMO_ID, DEMO_PASSWORD, follow_link, path_is, sign_in, visit_check
from e2e.test_benefits import choose_pension_2007, query_of

pytestmark = pytest.mark.e2e


def _switch_language(page: Page, code: str, back_to: str) -> None:
    """Press the footer's language button (a plain form: works with and without JS)."""
    page.locator(f"footer button[name=lang][value={code}]").click()
    page.wait_for_url(path_is(back_to))
    visit_check(page)


def _expect_language(page: Page, html_lang: str, code: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator(f"footer button[name=lang][value={code}]")).to_have_attribute(
        "aria-current", "true"
    )


def _lang_cookie(page: Page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "lang"), None)


def test_chinese_by_default_then_english_and_back(open_page: Callable[..., Page], js: bool) -> None:
    page = open_page(js=js, locale="zh-CN")  # Accept-Language: zh-CN
    page.goto("/login")
    visit_check(page)
    _expect_language(page, "zh-Hans", "zh_Hans")
    expect(page.locator("footer button[name=lang][value=en]")).to_have_attribute("lang", "en")

    _switch_language(page, "en", back_to="/login")
    _expect_language(page, "en", "en")
    expect(page).to_have_title("Sign in – e-SSC affinity services")
    expect(page.locator("h1")).to_have_text("Sign in")
    assert _lang_cookie(page) == "en"

    # The choice survives navigation, beyond the browser's Accept-Language.
    page.locator("input[name=id_number]").fill(DEMO_ID)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(path_is("/"))
    visit_check(page)
    _expect_language(page, "en", "en")
    expect(page.locator("h1")).to_have_text("My e-card")
    follow_link(page, "Card details", "/card")  # an HTMX swap when JS is on
    expect(page.locator("h1")).to_have_text("Card details")
    page.goto("/account")
    visit_check(page)
    _expect_language(page, "en", "en")
    expect(page.locator("h1")).to_have_text("Account and security")

    # Back to Chinese from a page reached by a link: the switch returns to that page.
    page.goto("/card")
    visit_check(page)
    follow_link(page, "Card-face services", "/card/services")
    _switch_language(page, "zh_Hans", back_to="/card/services")
    _expect_language(page, "zh-Hans", "zh_Hans")
    assert _lang_cookie(page) == "zh_Hans"
    page.goto("/affinity")
    visit_check(page)
    _expect_language(page, "zh-Hans", "zh_Hans")


def test_english_browser_gets_english(open_page: Callable[..., Page], js: bool) -> None:
    page = open_page(js=js, locale="en-GB")
    page.goto("/login")
    visit_check(page)
    _expect_language(page, "en", "en")
    expect(page.locator("h1")).to_have_text("Sign in")


def test_the_switch_keeps_the_filters_chosen(open_page: Callable[..., Page], js: bool) -> None:
    """Filters chosen on the rights and benefits list (JS on: swapped in place, the address
    updated by HTMX) are still chosen after the language changes."""
    page = open_page(js=js)
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    page.wait_for_url(path_is("/"))
    page.goto("/my/benefits")
    visit_check(page)
    choose_pension_2007(page)
    _switch_language(page, "zh_Hans", back_to="/my/benefits")
    _expect_language(page, "zh-Hans", "zh_Hans")
    assert (query_of(page)["line"], query_of(page)["year"]) == (["pension"], ["2007"]), page.url
    expect(page.locator("main select[name=line]")).to_have_value("pension")
    expect(page.locator("main input[name=year]")).to_have_value("2007")
    _switch_language(page, "en", back_to="/my/benefits")
    assert query_of(page)["year"] == ["2007"], page.url
