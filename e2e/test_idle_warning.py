"""The idle warning (WCAG 2.2.1 and 2.4.11): two minutes before an idle session ends, a modal
dialog takes focus; "Stay signed in" extends the session in place, and what was typed stays.
Without JavaScript the dialog never shows (the page states the limit instead).

The browser's clock is Playwright's, so thirteen minutes pass at once.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import Holder, axe_check, path_is, sign_in, visit_check

pytestmark = pytest.mark.e2e

IDLE_WARNING_AFTER = "13:01"  # 15 idle minutes, warned 2 minutes before


def test_stay_signed_in_keeps_what_was_typed(
    open_page: Callable[..., Page], make_holder: Callable[..., Holder]
) -> None:
    holder = make_holder()
    page = open_page(js=True)
    page.clock.install()
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    page.goto("/affinity/add")
    visit_check(page)
    page.locator("input[name=pin]").fill("70")  # half typed
    dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(dialog).to_be_hidden()

    page.clock.fast_forward(IDLE_WARNING_AFTER)
    expect(dialog).to_be_visible()
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    axe_check(page)
    with page.expect_response(lambda r: r.url.endswith("/session/extend")) as answer:
        stay.click()
    assert answer.value.status == 204
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(path_is("/affinity/add/pin"))
    expect(page.locator("input[name=pin]")).to_have_value("70")

    page.clock.fast_forward(IDLE_WARNING_AFTER)  # the clock started again
    expect(dialog).to_be_visible()


def test_without_javascript_no_dialog_shows(
    open_page: Callable[..., Page], make_holder: Callable[..., Holder]
) -> None:
    holder = make_holder()
    page = open_page(js=False)
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    expect(page.get_by_role("alertdialog")).to_have_count(0)
