import pytest
from e2e.helpers import axe_check

def test_probe(page, js):
    page.goto("/login")
    print("title", page.title(), "js", js)
    print(page.evaluate("() => navigator.userAgent"))
    axe_check(page)
    print("passkey visible", page.locator("[data-passkey-login]").is_visible())
