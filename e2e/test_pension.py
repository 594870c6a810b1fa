"""The pension estimate: the demo holder 王芳 looks at her own estimate (retirement age, window,
working, chart and table, print view, a wrong answer), at her husband 张伟's with a later
retirement month, and at her mother 李秀英's page, who already draws a pension.

The expected retirement months and ages come from the domain module the pages use, and the
figures of one page are checked against each other: the chart's points against the table,
the chosen point against the monthly pension, the total against its steps.

The bindings with the husband and the mother are opened directly (app.cli open-binding) and
shared by the tests of this module; afterwards they are removed again, since other journeys
count the demo holder's family members.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from app.domain.pension import divisor
from app.domain.retirement import (
    Age,
    Category,
    flexible_window,
    minimum_contribution_months,
    statutory_retirement,
    window_months,
)
from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_MOTHER,
    DEMO_NAME,
    DEMO_PASSWORD,
    FACES,
    Member,
    assert_no_horizontal_scroll,
    expect_error_summary,
    expect_field_error,
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

SPOUSE = Member("张伟", "110105198309210137", "spouse")
PROOF = FACES / "obama.jpg"  # any real photograph will do as the proof of identity

HER_BIRTH = date(1985, 3, 14)
HIS_BIRTH = date(1983, 9, 21)

YOUR_HEADING = "Your pension estimate"
SITE = "e-SSC affinity services"
WAGE_GROWTH_RANGE = "The yearly wage growth must be between −5 and 15 per cent"
MONEY = re.compile(r"CN¥(\d{1,3}(?:,\d{3})*\.\d{2})")
CENT = Decimal("0.01")


# --- set-up ------------------------------------------------------------------------------------


def _open_binding(server: LiveServer, member: Member) -> str:
    binding_id = open_binding(server, DEMO_ID, member.id_number, member.relationship, str(PROOF))
    return f"/family/{binding_id}"


@pytest.fixture(scope="module")
def family(live_server: LiveServer) -> Iterator[dict[str, str]]:
    """王芳's active bindings with her husband and her mother: each one's base path."""
    bases = {m.name: _open_binding(live_server, m) for m in (SPOUSE, DEMO_MOTHER)}
    yield bases
    remove_bindings(live_server, SPOUSE, DEMO_MOTHER)


# --- what the domain says ------------------------------------------------------------------------


def ym(year_month: tuple[int, int]) -> str:
    return f"{year_month[0]:04d}-{year_month[1]:02d}"


def age_text(age: Age) -> str:
    return f"{age.years} years {age.months} months"


def months_text(months: int) -> str:
    return f"{months} months ({months // 12} years {months % 12} months)"


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def amount_of(text: str) -> Decimal:
    """The one CNY amount in a text as the page shows it (CN¥1,234.56)."""
    found = MONEY.findall(text)
    assert len(found) == 1, f"expected one amount in {text!r}"
    return Decimal(found[0].replace(",", ""))


def grouped(amount: Decimal) -> str:
    return f"{amount:,.2f}"


# --- the pages -----------------------------------------------------------------------------------


def sign_in_as_holder(page: Page) -> None:
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)


def open_family(page: Page) -> None:
    page.goto("/family")
    visit_check(page)
    expect(page.locator("main h1")).to_have_text("My family")


def open_estimate(page: Page, subject_link: str, base: str) -> None:
    """From the family list: the subject's services, then their pension estimate."""
    follow_link(page, subject_link, base)
    follow_link(page, "Pension estimate", f"{base}/pension")


def expect_banner(page: Page, member: Member | None) -> None:
    banner = page.get_by_role("region", name="Acting for a family member", exact=True)
    if member is None:
        expect(banner).to_have_count(0)
        return
    expect(banner).to_contain_text(f"You are acting for {member.name}")
    expect(banner.get_by_role("link", name="Switch back to your family list")).to_have_attribute(
        "href", "/family"
    )


def expect_pension_page(page: Page, base: str, heading: str, member: Member | None) -> None:
    h1 = page.locator("main h1")
    expect(h1).to_have_text(heading)
    expect(page).to_have_title(f"{heading} – {SITE}")
    expect(page.locator("main a.back-link")).to_have_attribute("href", base)
    expect_banner(page, member)
    if member is not None:
        assert member.id_number not in page.content(), "the full ID number must never be shown"
    assert_no_horizontal_scroll(page)


def result(page: Page) -> Locator:
    return page.locator("main #pension-result")


def row_value(scope: Locator, list_class: str, label: str) -> Locator:
    """The <dd> of the row with this label in a summary list (pension-facts or -steps)."""
    row = scope.locator(f"dl.{list_class} > div").filter(
        has=scope.page.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$"))
    )
    expect(row).to_have_count(1)
    return row.locator("dd")


def fact(scope: Locator, label: str) -> Locator:
    return row_value(scope, "pension-facts", label)


def step(scope: Locator, label: str) -> Locator:
    return row_value(scope, "pension-steps", label)


def shown_total(scope: Locator) -> Decimal:
    """The estimate in the retirement year's money (the headline is today's money)."""
    today = scope.locator(".pension-total")
    expect(today).to_have_text(re.compile(r"^CN¥[\d,]+\.\d{2} a month, in today's money$"))
    nominal = scope.locator(".pension-nominal")
    expect(nominal).to_have_text(re.compile(r"^CN¥[\d,]+\.\d{2} a month in \d{4} money\. "))
    assert amount_of(today.inner_text()) < amount_of(nominal.inner_text())  # wages grow
    return amount_of(nominal.inner_text())


def expect_retirement_age(page: Page, birth: date, category: Category, label: str) -> None:
    """The category, statutory age and month, flexible window and minimum period shown are
    the ones the retirement rules give."""
    statutory = statutory_retirement(birth, category)
    earliest, latest = flexible_window(birth, category)
    months = window_months(birth, category)
    region = result(page)
    expect(fact(region, "Category")).to_have_text(label)
    expect(fact(region, "Statutory retirement age")).to_have_text(
        f"{age_text(statutory.age)}, reached in {ym(statutory.year_month)}"
    )
    expect(fact(region, "Flexible window")).to_have_text(
        f"From {ym(months[0])} (age {age_text(earliest)}) "
        f"to {ym(months[-1])} (age {age_text(latest)})"
    )


def expect_minimum(page: Page, year: int) -> None:
    minimum = minimum_contribution_months(year)
    expect(fact(result(page), f"Minimum contribution period for retiring in {year}")).to_have_text(
        months_text(minimum)
    )


def expect_steps(scope: Locator, total: Decimal, age: Age) -> Decimal:
    """Every step is shown and adds up to the total; returns the divisor."""
    c = amount_of(step(scope, "Local average wage of the year before retirement (C)").inner_text())
    i_text = step(scope, "Average index at retirement (I)").inner_text()
    assert re.fullmatch(r"\d\.\d{4}", i_text), i_text
    n_text = step(scope, "Contribution period (N)").inner_text()
    n_match = re.fullmatch(r"(\d+) months \(\d+ years \d+ months\) = ([\d.]+) years", n_text)
    assert n_match, n_text
    months = int(n_match[1])
    assert Decimal(n_match[2]) == money(Decimal(months) / 12)
    amount_of(step(scope, "Personal account now").inner_text())
    balance = amount_of(step(scope, "Personal account at retirement").inner_text())
    d_text = step(scope, "Divisor (months)").inner_text()
    d_match = re.fullmatch(rf"([\d.]+) \(age {age_text(age)} at retirement\)", d_text)
    assert d_match, d_text
    shown_divisor = Decimal(d_match[1])
    assert shown_divisor == divisor(age.years, age.months)  # whole ages here: any mode
    basic = amount_of(step(scope, "Basic pension").inner_text())
    account = amount_of(step(scope, "Personal account pension").inner_text())
    assert account == money(balance / shown_divisor)
    # I is shown to 4 places, so the basic pension recomputed from it may be off a little.
    assert abs(basic - (c + c * Decimal(i_text)) * months / 2400) < Decimal("0.5")
    assert basic + account == total
    expect(step(scope, "Total a month")).to_have_text(f"CN¥{grouped(total)}")
    return shown_divisor


def chart_against_table(page: Page, chosen: str, total: Decimal, statutory: str) -> None:
    """Each point of the chart has the value of its row in the table; the chosen point (and
    only it) is marked, and has the monthly pension shown."""
    region = result(page)
    svg = region.locator("svg.chart")
    expect(svg).to_have_attribute("role", "img")
    points = svg.locator("circle.chart-point").evaluate_all(
        "els => els.map(e => [e.dataset.month, e.dataset.value, e.classList.contains('chart-chosen')])"
    )
    table = region.locator("table.pension-table")
    expect(table.locator("caption")).to_have_text("Monthly pension by retirement month (yuan)")
    rows = table.locator("tbody tr").evaluate_all(
        """rows => rows.map(r => [
            r.querySelector('th').textContent.trim(),
            r.querySelector('td.num').dataset.value,
            r.querySelector('td.num').textContent.trim(),
        ])"""
    )
    assert len(points) >= 3, points
    assert [p[0] for p in points] == [r[0][:7] for r in rows], "the chart and table months differ"
    for (month, value, _), (_, cell_value, cell_text) in zip(points, rows, strict=True):
        assert Decimal(value) == Decimal(cell_value), f"{month}: chart {value}, table {cell_value}"
        assert cell_text == f"CN¥{grouped(Decimal(cell_value))}", cell_text
    assert [p[0] for p in points if p[2]] == [chosen], "the chosen month is not the one marked"
    # Its text alternative: the title, and a description with the same figures.
    (first_month, first, _), (last_month, last, _) = points[0], points[-1]
    expect(svg).to_have_accessible_name(
        f"Monthly pension by retirement month From CN¥{grouped(Decimal(first))} a month if "
        f"retiring in {first_month} to CN¥{grouped(Decimal(last))} a month in {last_month}; "
        f"the chosen month {chosen} gives CN¥{grouped(total)}."
    )
    marked = next(p for p in points if p[2])
    assert Decimal(marked[1]) == total, f"the marked point says {marked[1]}, the page {total}"
    expect(svg.locator("text.chart-label")).to_have_text(grouped(total))
    marked_row = table.locator("tbody th", has_text="(chosen)")
    expect(marked_row).to_have_text(re.compile(rf"^{chosen} \(chosen\)"))
    statutory_row = table.locator("tbody th", has_text="(statutory)")
    expect(statutory_row).to_have_count(1)
    expect(statutory_row).to_contain_text(statutory)


def estimate_heading(page: Page, month: str) -> Locator:
    heading = result(page).locator("#estimate-heading")
    expect(heading).to_have_text(f"Estimated pension from {month}")
    return heading


def expect_summary(page: Page, total: Decimal, month: str) -> None:
    summary = page.locator("main #pension-summary")
    expect(summary).to_have_attribute("role", "status")
    expect(summary).to_have_text(f"Estimated pension: CN¥{grouped(total)} a month from {month}.")


# --- the journeys ------------------------------------------------------------------------------


def test_the_holder_sees_her_own_estimate(page: Page, js: bool, family: dict[str, str]) -> None:
    statutory = statutory_retirement(HER_BIRTH, Category.FEMALE_55)
    month = ym(statutory.year_month)
    sign_in_as_holder(page)
    open_family(page)
    open_estimate(page, f"{DEMO_NAME} (you)", "/my")
    expect_pension_page(page, "/my", YOUR_HEADING, None)

    # A woman is asked her post; the default is the managerial or technical one (55).
    expect(
        page.get_by_role("radio", name="Managerial or technical post (original age 55)")
    ).to_be_checked()
    select = page.locator("main select#retire_at")
    expect(select).to_have_value(month)
    expect(select.locator("option:checked")).to_have_text(
        f"{month}, age {statutory.age_years} y {statutory.age_months} m – statutory"
    )
    expect_retirement_age(
        page,
        HER_BIRTH,
        Category.FEMALE_55,
        "Woman in a managerial or technical post (original age 55)",
    )
    expect_minimum(page, statutory.year)

    region = result(page)
    estimate_heading(page, month)
    total = shown_total(region)
    expect_summary(page, total, month)
    expect_steps(region, total, statutory.age)
    chart_against_table(page, month, total, month)

    # The printable summary: the same answers and figures.
    follow_link(page, "Printable summary", "/my/pension/print")
    expect(page.locator("main h1")).to_have_text(YOUR_HEADING)
    main = page.locator("main")
    expect(fact(main, "Name")).to_have_text(DEMO_NAME)
    expect(fact(main, "ID number")).to_have_text("1101**********0224")
    expect(fact(main, "Retirement month")).to_have_text(month)
    assert shown_total(main) == total
    expect_steps(main, total, statutory.age)
    assert DEMO_ID not in page.content()
    assert_no_horizontal_scroll(page)
    follow_link(page, "Back", "/my/pension")
    expect_pension_page(page, "/my", YOUR_HEADING, None)
    assert shown_total(result(page)) == total

    # A wage growth out of range: the messages, the answer kept, no estimate.
    wage_growth = page.locator("main input#wage_growth")
    wage_growth.fill("99")
    if js_enabled(page):
        # The live update marks the field as the reader types, and leaves focus in it; no
        # alert interrupts the typing (the summary comes with Calculate).
        expect(page.locator("#wage_growth-error")).to_contain_text(WAGE_GROWTH_RANGE)
        visit_check(page)
        expect(page.locator("[data-error-summary]")).to_have_count(0)
        expect(page.locator("[role=alert]")).to_have_count(0)
        expect(page).to_have_title(f"Error: {YOUR_HEADING} – {SITE}")
        expect(wage_growth).to_be_focused()
        expect(wage_growth).to_have_value("99")
        expect(region).to_contain_text("Correct the answers marked to see the estimate.")
        expect(region.locator(".pension-total")).to_have_count(0)
        expect(page.locator("main #pension-summary")).to_have_text(
            "No estimate: correct the answers marked."
        )
    # Calculate shows the whole page again, every wrong answer marked.
    submit(page, "Calculate")
    expect(wage_growth).to_have_attribute("aria-invalid", "true")
    visit_check(page)
    expect_error_summary(page, WAGE_GROWTH_RANGE)
    expect_field_error(page, "wage_growth", WAGE_GROWTH_RANGE)
    expect(wage_growth).to_have_value("99")
    expect(result(page).locator(".pension-total")).to_have_count(0)
    expect(result(page).locator("svg.chart")).to_have_count(0)
    expect(page.locator("main h1")).to_have_text(YOUR_HEADING)


def test_the_holder_tries_a_later_retirement_for_her_husband(
    page: Page, js: bool, family: dict[str, str]
) -> None:
    base = family[SPOUSE.name]
    heading = f"Pension estimate for {SPOUSE.name}"
    statutory = statutory_retirement(HIS_BIRTH, Category.MALE)
    month = ym(statutory.year_month)
    last = window_months(HIS_BIRTH, Category.MALE)[-1]
    sign_in_as_holder(page)
    open_family(page)
    open_estimate(page, SPOUSE.name, base)
    expect_pension_page(page, base, heading, SPOUSE)

    # A man is not asked his post.
    expect(page.locator("main input[name=job]")).to_have_count(0)
    expect_retirement_age(page, HIS_BIRTH, Category.MALE, "Man (original retirement age 60)")
    region = result(page)
    estimate_heading(page, month)
    at_statutory = shown_total(region)
    statutory_divisor = expect_steps(region, at_statutory, statutory.age)
    chart_against_table(page, month, at_statutory, month)

    # The last month of the flexible window.
    select = page.locator("main select#retire_at")
    expect(select.locator("option").last).to_have_attribute("value", ym(last))
    if js_enabled(page):
        # The result updates on its own, in place: the live region stays the same element.
        page.evaluate("() => { document.getElementById('pension-result').e2eKept = true; }")
        select.focus()  # as when the reader chooses with the keyboard
        select.select_option(ym(last))
        estimate_heading(page, ym(last))
        visit_check(page)
        # The month list is replaced with the result (it depends on the post); the reader
        # stays on it.
        expect(select).to_be_focused()
        assert page.evaluate("() => document.getElementById('pension-result').e2eKept"), (
            "the result region was replaced, not updated"
        )
        expect(page).to_have_url(path_is(f"{base}/pension"))
    else:
        select.select_option(ym(last))
        submit(page, "Calculate")
        page.wait_for_url(path_is(f"{base}/pension"))
        visit_check(page)
        estimate_heading(page, ym(last))
    expect_pension_page(page, base, heading, SPOUSE)
    expect(select).to_have_value(ym(last))

    later = shown_total(region)
    assert later > at_statutory, f"retiring in {ym(last)}: {later}, at {month}: {at_statutory}"
    expect_summary(page, later, ym(last))
    later_age = flexible_window(HIS_BIRTH, Category.MALE)[1]
    later_divisor = expect_steps(region, later, later_age)
    assert later_divisor < statutory_divisor
    chart_against_table(page, ym(last), later, month)
    # The statutory month's row still says what the page said for it before.
    statutory_cell = (
        region.locator("table.pension-table tbody tr")
        .filter(has=page.locator("th", has_text="(statutory)"))
        .locator("td.num")
    )
    assert Decimal(statutory_cell.get_attribute("data-value") or "") == at_statutory


def test_the_mothers_pension_is_already_paid(page: Page, js: bool, family: dict[str, str]) -> None:
    base = family[DEMO_MOTHER.name]
    heading = f"Pension estimate for {DEMO_MOTHER.name}"
    sign_in_as_holder(page)
    open_family(page)
    open_estimate(page, DEMO_MOTHER.name, base)
    expect_pension_page(page, base, heading, DEMO_MOTHER)

    main = page.locator("main")
    expect(main).to_contain_text(
        "A pension is already being paid, so no estimate is given. This is the pension in payment:"
    )
    expect(fact(main, "Pension a month")).to_have_text("CN¥3,286.40")
    expect(fact(main, "Paid since")).to_have_text("2008-07-01")
    expect(main.get_by_role("link", name="Eligibility certification")).to_have_attribute(
        "href", f"{base}/certification"
    )
    expect(main.get_by_role("link", name="See the contribution records")).to_have_attribute(
        "href", f"{base}/benefits"
    )
    # No estimate: no form, no figures, no chart.
    for nothing in ("form", "#pension-result", ".pension-total", ".pension-steps", "svg", "table"):
        expect(main.locator(nothing)).to_have_count(0)
    expect(main).not_to_contain_text("Estimated pension")
    expect(main).not_to_contain_text("Retirement month")


def test_the_chart_labels_are_legible_on_a_small_phone(open_page: Callable[..., Page]) -> None:
    """At 320 px the chart is drawn narrower than its units: its labels stay 12 px or more."""
    page = open_page(js=False, viewport={"width": 320, "height": 640})
    sign_in_as_holder(page)
    page.goto("/my/pension")
    visit_check(page)
    assert_no_horizontal_scroll(page)
    for label in page.locator("svg.chart text").all():
        box = label.bounding_box()
        assert box is not None and box["height"] >= 12, (label.inner_text(), box)
