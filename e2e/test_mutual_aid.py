"""Family mutual aid (issue 14 point 5): the demo holder 王芳 sets a quota from her personal
medical account for her mother 李秀英 (her PIN first: a wrong one sets nothing), then pays the pharmacy's bill RX-DEMO-0001 with it: her
mother's own account first (120 yuan), the quota next, and only the rest in cash through the
sandbox gateway. The receipt names the fund that paid. She then ends the aid.

Before and after, the mother's payments are refunded as staff would (the accounts get back what
they gave), any aid is ended, and the binding is removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_MOTHER,
    DEMO_PASSWORD,
    DEMO_PIN,
    FACES,
    expect_error_summary,
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

FUND = "Employee basic medical insurance fund (with maternity)"


@pytest.fixture
def mother_base(live_server: LiveServer) -> Iterator[str]:
    live_server.run_setup("refund-payments", DEMO_MOTHER.id_number)
    binding_id = open_binding(
        live_server, DEMO_ID, DEMO_MOTHER.id_number, "parent", str(FACES / "biden.jpg")
    )
    yield f"/family/{binding_id}"
    live_server.run_setup("refund-payments", DEMO_MOTHER.id_number)
    live_server.run_setup("end-aid", DEMO_ID)
    remove_bindings(live_server, DEMO_MOTHER)


def row(page: Page, label: str) -> str:
    found = page.locator("main dl.check-list div", has=page.locator("dt", has_text=label))
    return (found.locator("dd").text_content() or "").strip()


def test_wang_fang_pays_her_mothers_pharmacy_bill_with_mutual_aid(
    page: Page, js: bool, mother_base: str
) -> None:
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    visit_check(page)
    page.goto("/family")
    visit_check(page)
    follow_link(page, DEMO_MOTHER.name, mother_base)
    follow_link(page, "Payments", f"{mother_base}/payments")
    follow_link(page, f"Family mutual aid for {DEMO_MOTHER.name}", f"{mother_base}/payments/aid")
    expect(page.locator("main h1")).to_have_text("Family mutual aid")
    page.locator("main input[name=quota]").fill("300")
    submit(page, "Set the quota")
    # The quota leaves what she may spend: her PIN first.
    expect(page).to_have_url(path_is(f"{mother_base}/payments/aid/pin"))
    visit_check(page)
    expect(page.locator("#aid-pin-quota")).to_contain_text(re.compile(r"¥300\.00"))
    page.locator("main input[name=pin]").fill("000000")
    submit(page, "Set aside the quota")
    visit_check(page)
    expect_error_summary(page, "The PIN is not right")
    page.locator("main input[name=pin]").fill(DEMO_PIN)
    submit(page, "Set aside the quota")
    expect(page).to_have_url(path_is(f"{mother_base}/payments/aid"))
    visit_check(page)
    expect(page.locator("[data-notice]")).to_contain_text("The quota is set aside.")
    expect(page.locator("#aid-quota")).to_contain_text(re.compile(r"¥300\.00 left"))

    page.locator("main a.back-link").click()
    page.wait_for_url(path_is(f"{mother_base}/payments"))
    visit_check(page)
    page.locator("main").get_by_role("link", name="Pay bill RX-DEMO-0001").click()
    page.wait_for_url(re.compile(rf"{re.escape(mother_base)}/payments/bills/[0-9a-f-]{{36}}$"))
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("Check your answers")
    assert row(page, "From their own personal medical account").endswith("¥120.00")
    assert row(page, "From family mutual aid").endswith("¥300.00")
    assert row(page, "To pay now").endswith("¥60.00")
    submit(page, "Continue")
    visit_check(page)
    page.locator("main input[name=pin]").fill(DEMO_PIN)
    page.get_by_role("button", name="Continue to the payment provider").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/sandbox-pay/checkout\?"))
    visit_check(page)
    page.get_by_role("button", name=re.compile(r"^Pay (CN)?¥60\.00$")).click()
    page.wait_for_url(re.compile(rf"{re.escape(mother_base)}/payments/[0-9a-f-]{{36}}$"))
    visit_check(page)
    state = page.locator("#payment-state")
    if js_enabled(page):
        expect(state).to_contain_text("Paid", timeout=15_000)
    else:
        for _ in range(30):
            if "Paid" in (state.text_content() or ""):
                break
            submit(page, "Check again")
    expect(state).to_contain_text("Paid")
    follow_link(page, "Receipt", re.sub(r"^https?://[^/]+", "", page.url) + "/receipt")
    receipt = page.locator("main")
    expect(receipt).to_contain_text(FUND)
    expect(receipt).to_contain_text(re.compile(r"¥420\.00"))  # what the accounts paid
    expect(receipt).to_contain_text(re.compile(r"¥60\.00"))  # in cash

    # The quota is used up; she ends the aid.
    page.goto(f"{mother_base}/payments/aid")
    visit_check(page)
    expect(page.locator("#aid-quota")).to_contain_text(re.compile(r"¥0\.00 left"))
    submit(page, "End the aid")
    visit_check(page)
    expect(page.locator("[data-notice]")).to_contain_text("The aid has ended")
    expect(page.locator("#aid-quota")).to_contain_text("No quota")
