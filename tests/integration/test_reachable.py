"""Every page a holder needs is reachable by links from the home page: signed in, with an
active family member, one waiting for an in-person check, and the demo's records, a crawl from `/` that follows only
links and GET forms reaches every GET route a holder may use. A new page nobody links to fails
here; a page that is rightly reached another way is in NOT_LINKED, with the reason."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.identity import parse_id_number
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.conftest import committed, csrf_token, sign_in
from tests.integration.test_affinity_wizard import _bind_mother, face

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
WANG_FANG = parse_id_number("110105198503140224")
FATHER = parse_id_number("110105195611200171")
SON = parse_id_number("11010520150402035X")  # under 16, no e-card yet
# Both pensions at the retirement age: his conversion page links to the application.
IN_LAW = parse_id_number("110105196308150137")

# Routes a holder's crawl is not expected to reach, each with why.
NOT_LINKED = {
    "/login": "the signed-out page; signing out is a POST",
    "/pin/set": "only for a holder who has no PIN yet, who is sent there",
    "/healthz": "for the operator's monitoring",
    "/static/{file_path:path}": "style sheets and scripts, not pages",
    "/counter": "the service hall's kiosk, not a holder's page",
    # Scan login: the screen being signed in is signed out; the phone's steps follow a code.
    "/kiosk": "a service hall's self-service machine, not a holder's page",
    "/login/scan": "the signed-out waiting screen, after the sign-in page's POST",
    "/scan/q/{payload:str}": "the link in the QR code a phone scans",
    "/scan/confirm": "the phone's confirmation, after a code is scanned or typed",
    "/scan/done": "after the confirmation's POST",
    # The member's own phone: reached by the hand-off code the holder gives them.
    "/verify": "reached on the member's phone from the hand-off code",
    "/verify/{code:str}": "reached on the member's phone from the hand-off code",
    "/verify/status/{check_id:uuid}": "a polling fragment of a face check in progress",
    # Polling fragments and steps reached after a POST.
    "/affinity/{binding_id:uuid}/face/{check_id:uuid}": "a face check in progress, after POST",
    "/my/certification/checks/{check_id:uuid}": "a face check in progress, after POST",
    "/my/card/qr": "the QR region alone, renewed by HTMX on the card page (which has it)",
    "/affinity/{binding_id:uuid}/unbind/confirm": "after the PIN step-up's POST",
    "/affinity/{binding_id:uuid}/face": "the form is on the member's page; this shows it again",
    "/affinity/{binding_id:uuid}/handoff": "the hand-off code, after its POST",
    "/my/certification/handoff": "the hand-off code, after its POST",
    "/my/card/apply/pin": "the PIN step-up, after the application's POST",
    "/my/insurance/enrol/pin": "the PIN step-up, after the enrolment form's POST",
    "/affinity/add/{step:str}": "the wizard's later steps, each after the previous one's POST",
    "/account/pin/forgotten/checks/{check_id:uuid}": "a face check in progress, after POST",
    "/account/pin/forgotten/checks/{check_id:uuid}/new": "from the page of a passed check",
    # A forgotten password's later steps, each after the previous one's POST.
    "/password/forgotten/face": "after the ID number's POST",
    "/password/forgotten/check": "a face check in progress, after POST",
    "/password/forgotten/new": "from the page of a passed check",
    "/my/transfers/apply/{step:str}": "the application's steps, each after the previous POST",
    "/my/transfers/conversion/apply/{step:str}": "the conversion's steps, after the previous POST",
    "/my/transfers/{transfer_id:uuid}/checks/{check_id:uuid}": "a face check, after its POST",
    # Linked from /family and the person's services page once a transfer exists
    # (test_transfer_apply_pages follows the dashboard's link to it).
    "/my/transfers/{transfer_id:uuid}": "a transfer's timeline",
    # A payment's page is where the provider's page sends the browser back; once one exists
    # the payment history links to it, and it to its receipt (test_payments follows both).
    "/my/payments/{payment_id:uuid}": "a payment, after the provider's page",
    # Nothing is payable in this crawl (the demo son's next year is not yet published).
    "/my/payments/premium/{year:int}/pin": "the PIN step-up, from a payable premium's check page",
    # Nobody in this crawl may pay into a pension here (test_pension_payments follows them).
    "/my/payments/pension/check": "a chosen grade's check page, from the grade form",
    "/my/payments/flexible/check": "a chosen base's check page, from the base form",
    "/my/payments/pension/check/pin": "the PIN step-up, from a chosen grade's check page",
    # Nobody in this crawl has a bill (test_medical_bills follows the payments page's link).
    "/my/payments/bills/{bill_id:uuid}": "a clinic's bill, from the payments page of its patient",
    "/my/payments/bills/{bill_id:uuid}/pin": "the PIN step-up, from a bill's check page",
    "/my/payments/flexible/check/pin": "the PIN step-up, from a chosen base's check page",
    "/my/payments/{payment_id:uuid}/receipt": "a booked payment's printable receipt",
    "/my/payments/aid/pin": "the PIN step-up of a mutual aid quota, after the quota form's POST",
    # The sandbox payment gateway: another site's page and its server's endpoint.
    "/sandbox-pay/checkout": "the provider's own page, after the PIN step-up's POST",
    "/sandbox-pay/api/orders/{merchant:str}/{reference:str}": "the provider's query, server to server",
}
# Pages for the signed out, reached from /login (a signed-in holder is sent from there to /):
# test_the_signed_out_pages_are_linked_from_the_sign_in_page crawls them.
SIGNED_OUT = {"/password/forgotten"}
NOT_A_HOLDERS = ("/staff", "/schema")
MEMBER = "/family/{binding_id:uuid}"  # the same pages as /my, for a member


def _holder_get_routes(app: Litestar) -> set[str]:
    """A page under /my and its twin under /family/{binding_id} are one page: the same
    controller mounted twice (the holder's own certification is linked only for a pensioner,
    a member's e-card application only for one without a card)."""
    pages = {
        route.path.replace(MEMBER, "/my", 1)
        for route in app.routes
        if "GET" in getattr(route, "methods", ()) and not route.path.startswith(NOT_A_HOLDERS)
    }
    return pages - set(NOT_LINKED) - SIGNED_OUT


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+:\w+\})", template)
    kinds = {"uuid": "[0-9a-f-]{36}", "str": "[^/]+", "path": ".*", "int": "[0-9]+"}
    regex = "".join(
        kinds[p[1:-1].split(":")[1]] if p.startswith("{") else re.escape(p) for p in parts
    )
    return re.compile(f"^{regex}$")


class _Links(HTMLParser):
    """The targets a user can reach by tapping: links, and GET forms' actions."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "a" and named.get("href"):
            self.found.append(str(named["href"]))
        if tag == "form" and (named.get("method") or "get").lower() == "get":
            self.found.append(str(named.get("action") or ""))


class _UnmarkedChinese(HTMLParser):
    """Chinese text on the page outside any element marked lang="zh-…" (WCAG 3.1.2)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str | None]] = []  # each open element and its lang
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1][0] == "title" and "<" in data:
            self.found.append(f"markup in the title: {data.strip()}")
        if self.open and self.open[-1][0] in ("script", "style", "title"):
            return  # not text the page shows (a title cannot hold a marked part)
        langs = [lang for _, lang in self.open if lang]
        if HAN.search(data) and not (langs and langs[-1].startswith("zh")):
            self.found.append(data.strip())


async def _crawl(
    client: AsyncTestClient[Litestar],
    check: Callable[[str, str], None] | None = None,
    start: str = "/",
) -> set[str]:
    seen: set[str] = set()
    queue = deque([start])
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = await client.get(path)
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        if "html" not in response.headers.get("content-type", ""):
            continue
        if check is not None:
            check(path, response.text)
        parser = _Links()
        parser.feed(response.text)
        for target in parser.found:
            split = urlsplit(urljoin(f"http://localhost{path}", target))
            if split.netloc == "localhost" and not split.path.startswith("/static/"):
                queue.append(split.path)
    return seen


async def _signed_in_with_family(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork, settings: Settings
) -> None:
    """王芳, signed in, with the demo's records (the test asks for `histories`, as `make run`
    has them), her father, son and 张德明 active, and her mother waiting for an in-person
    check."""
    for member, relationship in ((FATHER, "parent"), (SON, "child"), (IN_LAW, "other")):
        await committed(
            seeded,
            open_binding_directly(
                seeded,
                DocumentStore(settings.upload_dir),
                holder=WANG_FANG,
                member=member,
                relationship=relationship,
                proof=face(),
            ),
        )
    await sign_in(client)
    mother = await _bind_mother(client)  # waiting for face recognition, then in person
    token = await csrf_token(client, mother)
    await client.post(f"{mother}/in-person", data={"_csrf_token": token})


@pytest.mark.usefixtures("histories")
async def test_every_page_a_holder_uses_is_linked_from_home(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    seeded: UnitOfWork,
    settings: Settings,
) -> None:
    await _signed_in_with_family(client, seeded, settings)
    reached = await _crawl(client)
    routes = _holder_get_routes(app)
    pages = set(reached) | {re.sub(r"^/family/[0-9a-f-]{36}", "/my", p) for p in reached}
    unreached = {r for r in routes if not any(_pattern(r).match(p) for p in pages)}
    assert not unreached, f"no link from home reaches: {sorted(unreached)}"


@pytest.mark.usefixtures("histories")
async def test_chinese_on_english_pages_is_marked_as_chinese(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork, settings: Settings
) -> None:
    """Names and other Chinese text on every page reached from home, in English, sit in an
    element with lang="zh-Hans", so a screen reader reads them in Chinese."""
    await _signed_in_with_family(client, seeded, settings)
    token = await csrf_token(client, "/")
    await client.post("/language", data={"_csrf_token": token, "lang": "en", "next": "/"})
    unmarked: dict[str, list[str]] = {}

    def check(path: str, html: str) -> None:
        parser = _UnmarkedChinese()
        parser.feed(html)
        if parser.found:
            unmarked[path] = parser.found

    reached = await _crawl(client, check)
    assert len(reached) > 20
    assert not unmarked, "\n".join(f"{path}: {texts}" for path, texts in unmarked.items())


async def test_the_signed_out_pages_are_linked_from_the_sign_in_page(
    client: AsyncTestClient[Litestar],
) -> None:
    reached = await _crawl(client, start="/login")
    assert reached >= SIGNED_OUT, f"not reached from /login: {sorted(SIGNED_OUT - reached)}"
