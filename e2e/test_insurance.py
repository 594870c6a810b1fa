"""The family's insurance (issue 15 points 7-9): 王芳 sees each person's schemes in the matrix
on /family (on a 320 px phone it scrolls in its own focusable region, not the page), follows
her son 张浩's lapsed residents' medical insurance to enrolling him, is refused the residents'
pension for him (he is under 16) with the reason next to the field and in the summary, enrols
him in the medical insurance with her PIN and lands on his first premium's payment. Before and
after, his enrolments and payments are removed and the binding too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from app.domain.insurance import first_medical_year
from app.domain.policy import Policy
from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_PASSWORD,
    DEMO_PIN,
    FACES,
    Member,
    assert_no_horizontal_scroll,
    expect_error_summary,
    follow_link,
    open_binding,
    path_is,
    remove_bindings,
    sign_in,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e

SON = Member("张浩", "11010520150402035X", "child")
MEDICAL = "Urban and rural residents' basic medical insurance"
PENSION = "Urban and rural residents' basic pension insurance"


def _clean(live_server: LiveServer) -> None:
    live_server.run_setup("refund-payments", SON.id_number)
    live_server.run_setup("remove-enrolments", SON.id_number)


@pytest.fixture
def son_base(live_server: LiveServer) -> Iterator[str]:
    _clean(live_server)
    binding_id = open_binding(
        live_server, DEMO_ID, SON.id_number, SON.relationship, str(FACES / "biden.jpg")
    )
    yield f"/family/{binding_id}"
    _clean(live_server)
    remove_bindings(live_server, SON)


def heading(page: Page, text: str) -> None:
    expect(page.locator("main h1")).to_have_text(text)


def test_the_matrix_and_wang_fang_enrols_zhang_hao(
    open_page: Callable[..., Page], js: bool, son_base: str
) -> None:
    page = open_page(js=js, viewport={"width": 320, "height": 640})
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    page.goto("/family")
    visit_check(page)
    assert_no_horizontal_scroll(page)  # the table scrolls in its own region
    region = page.get_by_role("region", name="Insurance at a glance")
    expect(region).to_have_attribute("tabindex", "0")
    matrix = region.locator("table")
    expect(matrix.locator("caption")).to_contain_text("Each person's insurance by scheme")
    expect(matrix.locator("thead th[scope=col]")).to_have_count(5)
    expect(matrix.locator("tbody th[scope=row]")).to_have_count(2)
    son_row = matrix.locator("tbody tr", has_text=SON.name)
    expect(son_row.locator("td[data-line=medical]")).to_have_attribute("data-state", "ended")
    mine = matrix.locator("tbody tr", has_text="(you)")
    expect(mine.locator("td[data-line=pension]")).to_contain_text("Contributing")

    # His cell leads to enrolling him.
    enrol = son_row.locator("td[data-line=medical] a")
    expect(enrol).to_contain_text("Enrol")
    enrol.click()
    page.wait_for_url(path_is(f"{son_base}/insurance/enrol"))
    visit_check(page)
    heading(page, f"Enrol {SON.name} in a residents' scheme")
    expect(page.locator("main")).to_contain_text("waiting period")

    # The residents' pension is for 16 and over: refused, with the rule.
    page.get_by_label(PENSION).check()
    submit(page, "Continue")
    expect_error_summary(page, "Only people aged 16 or over")
    expect(page.locator("#scheme-error")).to_contain_text("Only people aged 16 or over")
    expect(page.get_by_label(PENSION)).to_be_checked()  # the answer is kept
    visit_check(page)

    page.get_by_label(MEDICAL).check()
    submit(page, "Continue")
    page.wait_for_url(path_is(f"{son_base}/insurance/enrol/pin"))
    visit_check(page)
    heading(page, "Enter your e-card PIN to enrol")
    year = first_medical_year(date.today(), Policy())
    expect(page.locator("main dl")).to_contain_text(str(year))
    page.locator("main input[name=pin]").fill(DEMO_PIN)
    submit(page, "Enrol and continue to the payment")

    # Straight to his first premium's payment.
    page.wait_for_url(path_is(f"{son_base}/payments/premium/{year}"))
    visit_check(page)
    heading(page, "Check your answers")
    expect(page.locator("main dl.check-list")).to_contain_text(SON.name)

    # His insurance page: enrolled, the first premium to pay.
    page.goto(f"{son_base}/insurance")
    visit_check(page)
    medical = page.locator("section", has=page.locator("#line-medical"))
    expect(medical.locator("[data-state]")).to_have_attribute("data-state", "enrolled")
    follow_link(page, f"Pay the premium ({MEDICAL})", f"{son_base}/payments/premium/{year}")
