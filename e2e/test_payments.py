"""Paying for a family member (issue 14): the demo holder 王芳 pays her son 张浩's residents'
medical insurance premium for next year through the sandbox payment gateway, from his services
(and, in the collection window, from the family to-do that says it is unpaid).

Check the answers, the PIN, the gateway's own page, back to the payment's page, which says
"taken, confirming" until the gateway's server confirms (its signed notification arrives over
HTTP; the page also asks the gateway) and then "Paid", polling with JS and with "Check again"
without. A refresh pays nothing twice; the receipt names the fund. The journeys' policy
publishes next year's premium (424 yuan, e2e/conftest.py). Before and after, his payments are
refunded as staff would refund them, and the binding is removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from app.domain.premiums import in_window
from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_PASSWORD,
    DEMO_PIN,
    FACES,
    Member,
    follow_link,
    js_enabled,
    open_binding,
    path_is,
    remove_bindings,
    sign_in,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e

SON = Member("张浩", "11010520150402035X", "child")
SITE = "e-SSC affinity services"
FUND = "Urban and rural residents' basic medical insurance fund"


@pytest.fixture
def son_base(live_server: LiveServer) -> Iterator[str]:
    live_server.run_setup("refund-payments", SON.id_number)
    binding_id = open_binding(
        live_server, DEMO_ID, SON.id_number, SON.relationship, str(FACES / "biden.jpg")
    )
    yield f"/family/{binding_id}"
    live_server.run_setup("refund-payments", SON.id_number)
    remove_bindings(live_server, SON)


def heading(page: Page, text: str) -> None:
    expect(page.locator("main h1")).to_have_text(text)


def wait_until_paid(page: Page) -> None:
    """With JS the page polls by itself; without, the holder presses "Check again"."""
    state = page.locator("#payment-state")
    if js_enabled(page):
        expect(state).to_contain_text("Paid", timeout=15_000)
        return
    for _ in range(30):
        if "Paid" in (state.text_content() or ""):
            return
        submit(page, "Check again")
        page.wait_for_timeout(300)
    expect(state).to_contain_text("Paid")


def test_wang_fang_pays_zhang_haos_residents_premium(page: Page, js: bool, son_base: str) -> None:
    year = date.today().year + 1
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/family")
    visit_check(page)
    todo = page.get_by_role(
        "link", name=f"Residents' medical insurance premium for {year} not paid yet"
    )
    if in_window(year, date.today(), "09-01/12-31"):  # the to-do leads to its payment
        expect(todo).to_have_attribute("href", f"{son_base}/payments/premium/{year}")
    follow_link(page, SON.name, son_base)
    follow_link(page, "Payments", f"{son_base}/payments")
    heading(page, f"Payments for {SON.name}")
    offer = page.locator(f"main li.offer[data-year='{year}']")
    expect(offer).to_contain_text("¥424.00 for the year.")
    follow_link(page, f"Pay the {year} premium", f"{son_base}/payments/premium/{year}")
    heading(page, "Check your answers")
    check = page.locator("main dl.check-list")
    expect(check).to_contain_text(SON.name)
    expect(check).to_contain_text("¥424.00")
    expect(check).to_contain_text(FUND)
    submit(page, "Continue")
    expect(page).to_have_url(path_is(f"{son_base}/payments/premium/{year}/pin"))
    visit_check(page)
    heading(page, "Enter your e-card PIN to pay")
    page.locator("main input[name=pin]").fill(DEMO_PIN)
    page.get_by_role("button", name="Continue to the payment provider").click()

    # The gateway's own page: another site's, where the money is taken.
    page.wait_for_url(re.compile(r"^https?://[^/]+/sandbox-pay/checkout\?"))
    visit_check(page)
    expect(page).to_have_title("Confirm the payment – Sandbox payment gateway")
    expect(page.locator("main")).to_contain_text("¥424.00")
    page.get_by_role("button", name=re.compile(r"^Pay (CN)?¥424\.00$")).click()

    # Back at the portal: the payment's page, until the gateway's server confirms.
    page.wait_for_url(
        re.compile(rf"^https?://[^/]+{re.escape(son_base)}/payments/[0-9a-f-]{{36}}$")
    )
    visit_check(page)
    payment_path = re.sub(r"^https?://[^/]+", "", page.url)
    heading(page, f"Residents' medical insurance premium {year}")
    wait_until_paid(page)
    expect(page.locator("main")).to_contain_text(FUND)

    # A refresh of the return page pays nothing twice.
    page.reload()
    visit_check(page)
    expect(page.locator("#payment-state")).to_contain_text("Paid")
    follow_link(page, "All payments", f"{son_base}/payments")
    # One payment for the year stands (an earlier journey's, refunded, may be listed too).
    rows = page.locator("main table tbody tr", has_text=f"{year}")
    expect(rows.filter(has_text="Paid")).to_have_count(1)
    expect(rows.filter(has_text="Confirming")).to_have_count(0)
    expect(page.locator(f"main li.offer[data-year='{year}']")).to_contain_text("Paid.")

    # The receipt: payer, beneficiary masked, purpose, the fund, amount, provider reference.
    page.goto(payment_path)
    visit_check(page)
    follow_link(page, "Receipt", f"{payment_path}/receipt")
    heading(page, "Payment receipt")
    receipt = page.locator("main dl.receipt")
    expect(receipt).to_contain_text("王芳")
    expect(receipt).to_contain_text(f"{SON.name} ({SON.masked_id})")
    expect(receipt).to_contain_text(f"coverage year {year}")
    expect(receipt).to_contain_text(FUND)
    expect(receipt).to_contain_text("¥424.00")
    expect(receipt).to_contain_text(re.compile(r"SBX[0-9a-f]{24}"))
    assert SON.id_number not in page.content(), "the full ID number is never shown"
    expect(page).to_have_title(f"Payment receipt – {SITE}")
