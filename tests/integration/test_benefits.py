"""The rights and benefits list through HTTP: summaries, the pension account, filters, pages of
years, the HTMX fragment, bad filters, the print view, and acting for a member."""

from __future__ import annotations

import gzip
import re
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.db.models import ContributionRecord
from app.domain.identity import parse_id_number
from app.services.context import UnitOfWork
from tests.conftest import csrf_token, shown, sign_in
from tests.integration.test_affinity_wizard import _activate, _bind_mother

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}
HTMX = {**EN, "HX-Request": "true", "HX-Target": "benefits-results"}
EMPLOYER = "北京示例科技有限公司"


async def _person_id(uow: UnitOfWork, id_number: str) -> UUID:
    person = await uow.people.by_id_number(parse_id_number(id_number))
    assert person
    return person.id


def _record(person_id: UUID, line: str, year: int, month: int, **kw: object) -> ContributionRecord:
    values: dict[str, object] = {
        "scheme": "employee",
        "months_covered": 1,
        "base": Decimal("6000.00"),
        "employer_part": Decimal("960.00"),
        "individual_part": Decimal("480.00"),
        "status": "paid",
        "region_code": "110105",
        "employer": EMPLOYER,
        **kw,
    }
    return ContributionRecord(person_id=person_id, line=line, year=year, month=month, **values)


def _history(person_id: UUID) -> list[ContributionRecord]:
    """王芳: pension 2021-2024 with 2023-05..08 interrupted and 2024-11 in arrears; a residents'
    medical premium for 2020 (12 months from January), then employee medical, work injury and
    unemployment in 2024. Five years in all: two pages of three."""
    rows = []
    for year in range(2021, 2025):
        for month in range(1, 13):
            status = "paid"
            if year == 2023 and 5 <= month <= 8:
                status = "interrupted"
            if year == 2024 and month == 11:
                status = "arrears"
            rows.append(_record(person_id, "pension", year, month, status=status))
    for month in range(1, 13):
        rows.append(_record(person_id, "medical", 2024, month, individual_part=Decimal("120.00")))
        rows.append(_record(person_id, "work_injury", 2024, month, individual_part=Decimal(0)))
        rows.append(_record(person_id, "unemployment", 2024, month, individual_part=Decimal(30)))
    rows.append(
        _record(
            person_id,
            "medical",
            2020,
            1,
            scheme="resident",
            months_covered=12,
            base=Decimal(0),
            employer_part=Decimal(0),
            individual_part=Decimal(380),
            region_code="440106",
            employer="",
        )
    )
    return rows


async def _seed_history(uow: UnitOfWork) -> UUID:
    person_id = await _person_id(uow, "110105198503140224")
    await uow.contributions.add_many(_history(person_id))
    await uow.commit()
    return person_id


def _results(html: str) -> str:
    """The records region of a full page."""
    start = html.index('id="benefits-results"')
    return html[start : html.index("Personal pension account", start)]


def _summary_row(html: str, label: str) -> str:
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', html, re.S)
    assert match, label
    return re.sub(r"\s+", " ", re.sub(r' class="[^"]*"', "", match.group(1)))


def _accrue(opening: Decimal, contributions: Decimal, rate_percent: str) -> Decimal:
    """年度计算法 by hand: opening × (1 + r) + C × (1 + r × 1.083 × ½), to the fen."""
    r = Decimal(rate_percent) / 100
    closing = opening * (1 + r) + contributions * (1 + r * Decimal("1.083") / 2)
    return closing.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def test_summaries_gaps_and_arrears(client: Client, seeded: UnitOfWork) -> None:
    await _seed_history(seeded)
    await sign_in(client)
    page = await client.get("/my/benefits", headers=EN)
    assert page.status_code == 200
    assert "My rights and benefits list" in page.text
    assert 'href="/my"' in page.text  # the Back link
    # 48 months, less 4 interrupted and 1 in arrears
    pension = _summary_row(page.text, "Pension")
    assert "<td>43</td> <td>2021-01</td> <td>2024-12</td>" in pension
    assert "2023-05 to 2023-08" in pension and "2024-11" in pension
    assert pension.rstrip().endswith("<td>1</td>")  # one month in arrears
    # the residents' premium covers 2020-01..2020-12 (one record, twelve months)
    medical = _summary_row(page.text, "Medical (with maternity)")
    assert "<td>24</td> <td>2020-01</td> <td>2024-12</td>" in medical
    assert "2021-01 to 2023-12" in medical
    assert "<td>12</td> <td>2024-01</td> <td>2024-12</td> <td>None</td>" in _summary_row(
        page.text, "Unemployment"
    )
    assert "Work injury" in page.text
    assert "<caption" in page.text and 'scope="col"' in page.text


async def test_balance_of_one_year(client: Client, seeded: UnitOfWork) -> None:
    person_id = await _person_id(seeded, "110105198503140224")
    await seeded.contributions.add_many(
        _record(person_id, "pension", 2024, month) for month in range(1, 13)
    )
    await seeded.commit()
    await sign_in(client)
    page = await client.get("/my/benefits", headers=EN)
    # 5,760 paid in 2024 at 2.62%: 5760 × (1 + 0.0262 × 1.083 × 0.5) = 5841.718848
    assert "Balance at the end of 2024:" in page.text
    assert "<strong>CN¥5,841.72</strong>" in page.text
    step = re.search(r'<th scope="row">2024</th>(.*?)</tr>', page.text, re.S)
    assert step
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", step.group(1))
    assert cells == ["CN¥0.00", "CN¥5,760.00", "2.62%", "CN¥81.72", "CN¥5,841.72"]


async def test_balance_built_year_by_year(client: Client, seeded: UnitOfWork) -> None:
    await _seed_history(seeded)
    await sign_in(client)
    page = await client.get("/my/benefits", headers=EN)
    # paid individual parts: 12, 12, 8 and 11 months of 480 (interrupted and arrears excluded)
    expected = Decimal(0)
    for contributions, rate in (
        ("5760", "6.69"),
        ("5760", "6.12"),
        ("3840", "3.97"),
        ("5280", "2.62"),
    ):
        expected = _accrue(expected, Decimal(contributions), rate)
    assert expected == Decimal("22487.41")
    assert f"<strong>CN¥{expected:,}</strong>" in page.text
    for year, rate in ((2021, "6.69%"), (2022, "6.12%"), (2023, "3.97%"), (2024, "2.62%")):
        row = re.search(rf'<th scope="row">{year}</th>(.*?)</tr>', page.text, re.S)
        assert row and rate in row.group(1)


async def test_records_show_every_column(client: Client, seeded: UnitOfWork) -> None:
    await _seed_history(seeded)
    await sign_in(client)
    page = await client.get("/my/benefits?line=medical&year=2020", headers=EN)
    region = _results(page.text)
    assert "Contribution records for 2020" in region
    assert '<th scope="row" class="nowrap">2020-01 to 2020-12</th>' in region  # a yearly premium
    assert "Guangdong (440106)" in region and "CN¥380.00" in region
    page = await client.get("/my/benefits?line=pension&year=2024", headers=EN)
    region = _results(page.text)
    assert "Beijing (110105)" in region and EMPLOYER in region
    assert "CN¥6,000.00" in region and "CN¥960.00" in region and "CN¥480.00" in region
    assert "Arrears" in region and "Paid" in region
    page = await client.get("/my/benefits?line=pension&year=2023", headers=EN)
    assert "Interrupted" in _results(page.text)


async def test_filter_by_line_and_year(client: Client, seeded: UnitOfWork) -> None:
    await _seed_history(seeded)
    await sign_in(client)
    page = await client.get("/my/benefits?line=pension&year=2024", headers=EN)
    assert page.status_code == 200
    region = _results(page.text)
    assert region.count('<tr><th scope="row" class="nowrap">2024-') == 12
    assert "Contribution records for 2023" not in region
    assert "Medical (with maternity)" not in region and "Unemployment" not in region
    assert "Pension: 12 records, 2024." in page.text  # the status line
    assert '<option value="pension" selected>' in page.text
    assert 'value="2024"' in page.text
    assert 'href="/my/benefits/print?year=2024"' in page.text
    # all types in 2024: 4 ledgers × 12 months
    page = await client.get("/my/benefits?line=all&year=2024", headers=EN)
    assert _results(page.text).count('<tr><th scope="row" class="nowrap">2024-') == 48
    page = await client.get("/my/benefits?line=unemployment&year=2021", headers=EN)
    assert "No records match" in page.text


async def test_htmx_gets_only_the_records_region(client: Client, seeded: UnitOfWork) -> None:
    await _seed_history(seeded)
    await sign_in(client)
    response = await client.get("/my/benefits?line=pension&year=2023", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and "<main" not in response.text
    assert "Contribution records for 2023" in response.text
    assert "Personal pension account" not in response.text
    # the form and the status line are updated in place
    for part in ("benefits-errors", "line-field", "year-field"):
        assert f'id="{part}"' in response.text
    assert response.text.count('hx-swap-oob="true"') == 3
    assert '<p id="benefits-status" hx-swap-oob="innerHTML">' in response.text
    assert response.headers["hx-push-url"] == "/my/benefits?line=pension&year=2023"
    # a boosted navigation (target <main>) gets the whole page body, still without <html>
    boosted = await client.get(
        "/my/benefits?line=pension", headers={**EN, "HX-Request": "true", "HX-Target": "main"}
    )
    assert "<html" not in boosted.text and "Personal pension account" in boosted.text
    # the page carries the HTMX wiring; without JS it is a plain GET form
    page = await client.get("/my/benefits", headers=EN)
    assert 'method="get" action="/my/benefits"' in page.text
    assert 'hx-target="#benefits-results"' in page.text
    assert 'hx-trigger="change, submit"' in page.text and 'hx-push-url="true"' in page.text
    assert 'hx-sync="this:queue last"' in page.text
    assert '<p id="benefits-status" role="status">' in page.text


async def test_pages_of_years(client: Client, seeded: UnitOfWork) -> None:
    await _seed_history(seeded)
    await sign_in(client)
    first = await client.get("/my/benefits", headers=EN)
    region = _results(first.text)
    for year in (2024, 2023, 2022):
        assert f"Contribution records for {year}" in region
    assert "Contribution records for 2021" not in region
    assert "Page 1 of 2" in region
    assert 'href="/my/benefits?line=all&amp;year=&amp;page=2">Older years' in region
    assert "Newer years" not in region
    second = await client.get("/my/benefits?line=all&year=&page=2", headers=EN)
    region = _results(second.text)
    assert "Contribution records for 2021" in region
    assert "Contribution records for 2020" in region
    assert "Contribution records for 2022" not in region
    assert "Page 2 of 2" in region and "Newer years" in region and "Older years" not in region
    # a page past the end shows the last; odd page numbers show the first
    assert "Page 2 of 2" in _results((await client.get("/my/benefits?page=99", headers=EN)).text)
    for odd in ("-1", "0", "abc", "9" * 400):
        response = await client.get(f"/my/benefits?page={odd}", headers=EN)
        assert response.status_code == 200 and "Page 1 of 2" in response.text


async def test_bad_filters_are_explained_and_kept(client: Client, seeded: UnitOfWork) -> None:
    await _seed_history(seeded)
    await sign_in(client)
    response = await client.get("/my/benefits?line=foo&year=abc", headers=EN)
    assert response.status_code == 422
    assert "<title>Error: " in response.text
    assert "data-error-summary" in response.text
    # At the top of the page, before its heading, as on every other page.
    assert response.text.index("data-error-summary") < response.text.index("<h1")
    assert '<a href="#line">Select a type of insurance from the list</a>' in response.text
    assert '<a href="#year">Enter the year as 4 digits, for example 2024</a>' in response.text
    assert 'id="year-error"' in response.text and 'id="line-error"' in response.text
    assert 'value="abc"' in response.text and 'aria-invalid="true"' in response.text
    assert "Contribution records for 2024" in response.text  # the rest still shows
    response = await client.get("/my/benefits?year=1800", headers=EN)
    assert response.status_code == 422
    assert re.search(r"Enter a year from 1951 to 20\d\d", response.text)
    assert 'value="1800"' in response.text
    long = "9" * 5000
    response = await client.get(f"/my/benefits?year={long}&line={long}", headers=EN)
    assert response.status_code == 422 and long not in response.text
    response = await client.get("/my/benefits?year=abc", headers=HTMX)
    assert response.status_code == 422 and "<html" not in response.text
    assert "Enter the year as 4 digits" in response.text


async def test_print_view(client: Client, seeded: UnitOfWork) -> None:
    await _seed_history(seeded)
    await sign_in(client)
    page = await client.get("/my/benefits", headers=EN)
    assert 'href="/my/benefits/print"' in page.text
    printed = await client.get("/my/benefits/print", headers=EN)
    assert printed.status_code == 200
    assert "1101**********0224" in printed.text and "110105198503140224" not in printed.text
    for year in range(2020, 2025):  # every year, not a page of them
        assert f"Contribution records for {year}" in printed.text
    assert "How the balance was built, year by year" in printed.text
    assert "Medical (with maternity)" in printed.text and 'href="/my/benefits"' in printed.text
    one_year = await client.get("/my/benefits/print?year=2023", headers=EN)
    assert "Contribution records for 2023" in one_year.text
    assert "Contribution records for 2024" not in one_year.text
    bad = await client.get("/my/benefits/print?year=abc", headers=EN)
    assert bad.status_code == 200 and "Contribution records for 2020" in bad.text


async def test_a_long_history_page_stays_small(client: Client, seeded: UnitOfWork) -> None:
    person_id = await _person_id(seeded, "110105198503140224")
    rows = [
        _record(person_id, line, year, month, employer="北京某某信息技术股份有限公司")
        for year in range(1985, 2025)
        for month in range(1, 13)
        for line in ("pension", "medical", "work_injury", "unemployment")
    ]
    await seeded.contributions.add_many(rows)
    await seeded.commit()
    await sign_in(client)
    page = await client.get("/my/benefits", headers=EN)
    assert "Page 1 of 14" in page.text
    assert _results(page.text).count('<tr><th scope="row" class="nowrap">') == 3 * 4 * 12
    assert len(gzip.compress(page.content)) < 14 * 1024


async def test_acting_for_a_member(client: Client, seeded: UnitOfWork) -> None:
    member_url = await _bind_mother(client)
    await _activate(seeded, member_url)
    binding_id = member_url.rsplit("/", 1)[1]
    mother_id = await _person_id(seeded, "110105195806070426")
    await seeded.contributions.add_many(
        [_record(mother_id, "pension", 2010, 3, employer="北京第一纺织厂")]
    )
    await seeded.commit()
    base = f"/family/{binding_id}"
    page = await client.get(f"{base}/benefits", headers=EN)
    assert page.status_code == 200
    assert "You are acting for 李秀英" in shown(page.text)
    assert "Rights and benefits list for 李秀英" in shown(page.text)
    assert "北京第一纺织厂" in shown(page.text) and EMPLOYER not in page.text
    assert f'href="{base}"' in page.text and f'href="{base}/benefits/print"' in page.text
    fragment = await client.get(f"{base}/benefits?year=2010", headers=HTMX)
    assert "北京第一纺织厂" in shown(fragment.text)
    printed = await client.get(f"{base}/benefits/print", headers=EN)
    assert printed.status_code == 200 and "You are acting for 李秀英" in shown(printed.text)
    holder_id = await _person_id(seeded, "110105198503140224")
    details = [
        e.detail
        for e in await seeded.audit.for_actor(holder_id)
        if e.action == "benefits.viewed" and e.subject_person_id == mother_id
    ]
    assert len(details) == 3
    assert "print year=all" in details and "line=all year=2010 page=1" in details


async def test_own_view_is_not_audited(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    page = await client.get("/my/benefits", headers=EN)
    assert page.status_code == 200 and "There are no contribution records yet." in page.text
    assert "You are acting for" not in page.text
    holder = await _person_id(seeded, "110105198503140224")
    events = await seeded.audit.for_actor(holder)
    assert not [e for e in events if e.action == "benefits.viewed"]


async def test_an_active_binding_of_another_holder_is_not_found(
    client: Client, seeded: UnitOfWork
) -> None:
    member_url = await _bind_mother(client)
    await _activate(seeded, member_url)
    binding_id = member_url.rsplit("/", 1)[1]
    token = await csrf_token(client, "/account")
    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client, "440106199207150513", "second-demo-2025")
    assert (await client.get(f"/family/{binding_id}/benefits")).status_code == 404
    assert (await client.get(f"/family/{binding_id}/benefits/print")).status_code == 404
