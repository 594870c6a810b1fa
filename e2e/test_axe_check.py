"""The journeys' axe check: a page checked once is not checked again unless it changed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from e2e.helpers import axe_check, path_is, visit_check

pytestmark = pytest.mark.e2e

_ADD_IMAGE = """() => document.querySelector("main").insertAdjacentHTML(
  "beforeend", '<img id="no-alt" src="data:,">')"""
_REMOVE_IMAGE = '() => document.getElementById("no-alt").remove()'


def test_a_page_that_changes_after_passing_is_checked_again(page: Page) -> None:
    page.goto("/accessibility")
    page.wait_for_url(path_is("/accessibility"))
    visit_check(page)
    axe_check(page)  # the same markup: passes as it did

    page.evaluate(_ADD_IMAGE)  # an image with no text alternative
    with pytest.raises(AssertionError, match="image-alt"):
        axe_check(page)

    page.evaluate(_REMOVE_IMAGE)
    axe_check(page)
