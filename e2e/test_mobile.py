"""Journey 6: sign-in and the e-card on a phone-sized screen, with no sideways scrolling."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    DEMO_ID,
    DEMO_MASKED_ID,
    DEMO_NAME,
    DEMO_PASSWORD,
    PHONE,
    assert_no_horizontal_scroll,
    expect_error_summary,
    open_my_menu,
    path_is,
    sign_out,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e


def test_sign_in_and_home_on_a_phone(open_page: Callable[..., Page], js: bool) -> None:
    page = open_page(js=js, **PHONE)
    page.goto("/login")
    visit_check(page)
    assert_no_horizontal_scroll(page)

    # Errors (long messages, a bordered summary) still fit.
    submit(page, "Sign in")
    expect_error_summary(page, "Enter the ID number", "Enter your password")
    visit_check(page)
    assert_no_horizontal_scroll(page)

    page.locator("input[name=id_number]").tap()
    page.locator("input[name=id_number]").fill(DEMO_ID)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).tap()
    page.wait_for_url(path_is("/"))
    visit_check(page)
    expect(page.locator("section.ecard")).to_contain_text(DEMO_NAME)
    expect(page.locator("section.ecard")).to_contain_text(DEMO_MASKED_ID)
    assert_no_horizontal_scroll(page)

    # The "My" menu opens within the screen.
    menu = open_my_menu(page)
    box = menu.locator("ul").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"menu off screen: {box}"
    assert_no_horizontal_scroll(page)
    visit_check(page)

    page.goto("/card")
    visit_check(page)
    assert_no_horizontal_scroll(page)

    sign_out(page)
    assert_no_horizontal_scroll(page)
