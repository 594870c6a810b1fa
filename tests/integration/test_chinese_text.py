"""Chinese pages read as Chinese: signed in as 王芳 with active members and the demo's records,
every page a crawl from home reaches (and the pages behind their GET forms, filled in) is
rendered in Chinese and its text scanned for ASCII punctuation in Chinese prose."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.identity import parse_id_number
from app.services import staff as staff_service
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.conftest import committed, shown, sign_in
from tests.integration.test_affinity_wizard import MOTHER, _bind_mother, face
from tests.integration.test_relationship_evidence import HOLDER, _bind
from tests.passkey_device import SoftwareAuthenticator
from tests.staff_journey import enrol
from tests.unit.test_catalogues import ascii_punctuation_in_chinese

WANG_FANG = parse_id_number("110105198503140224")
FATHER = parse_id_number("110105195611200171")
SON = parse_id_number("11010520150402035X")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
# GET forms filled in as a user would: the pages behind them show results.
FILLED = (
    "/my/benefits?line=pension&year=2007",
    "/my/benefits?line=medical",
    "/my/pension?retire_at=2043-03&job=cadre&wage_growth=4&index=1.4&interest=1.5",
    "/my/pension?retire_at=2043-03&job=cadre&wage_growth=-",
    "/my/transfers?to=44&starts=2027-03-01&approved=yes",
    "/my/transfers?to=44&starts=2027-03-01",
)
SKIP = ("/static/", "/logout", "/staff")
PAGE_LIMIT = 120


BLOCKS = {
    "p",
    "div",
    "li",
    "dt",
    "dd",
    "td",
    "th",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "br",
    "section",
    "table",
    "caption",
    "label",
    "legend",
    "option",
    "button",
    "summary",
    "header",
    "footer",
    "nav",
    "main",
    "ul",
    "ol",
    "dl",
    "form",
    "fieldset",
    "details",
    "figure",
    "figcaption",
}


class _Text(HTMLParser):
    """The text a reader meets, a line per block (paragraph, cell, list item...), and the
    labels read out (aria-label, title, alt); scripts and styles left out, and codes (the QR
    credential's, shown in groups) stood for by "_". Links and GET forms are kept to crawl."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._code = 0  # depth inside an element of class "code"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if self._code:
            self._code += 1
        elif "code" in (named.get("class") or "").split():
            self._code = 1
            self.parts.append("_")
        if tag in ("script", "style"):
            self._hidden += 1
        if tag in BLOCKS:
            self.parts.append("\n")
        for attribute in ("aria-label", "title", "alt", "placeholder"):
            if named.get(attribute):
                self.parts.append(f"\n{named[attribute]}\n")
        if tag == "a" and named.get("href"):
            self.links.append(str(named["href"]))
        if tag == "form" and (named.get("method") or "get").lower() == "get":
            self.links.append(str(named.get("action") or ""))

    def handle_endtag(self, tag: str) -> None:
        if self._code:
            self._code -= 1
        if tag in ("script", "style"):
            self._hidden -= 1
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden and not self._code:
            self.parts.append(" ".join(data.split("\n")))

    def sentences(self) -> list[str]:
        """Inline pieces of one sentence joined again ("120条记录" + ", 2006至2008.")."""
        joined = "".join(self.parts)
        return [" ".join(line.split()) for line in joined.split("\n") if line.strip()]


async def _scan(client: AsyncTestClient[Litestar]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    queue = deque(["/", *FILLED])
    while queue and len(seen) < PAGE_LIMIT:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = await client.get(path, headers=ZH)
        assert response.status_code in (200, 422), f"{path} answered {response.status_code}"
        if "html" not in response.headers.get("content-type", ""):
            continue
        assert 'lang="zh-Hans"' in response.text[:300], path
        parser = _Text()
        parser.feed(response.text)
        for text in parser.sentences():
            for bit in ascii_punctuation_in_chinese(text):
                found.setdefault(bit, []).append(path)
        for target in parser.links:
            split = urlsplit(urljoin(f"http://localhost{path}", target))
            if split.netloc == "localhost" and not split.path.startswith(SKIP):
                queue.append(split.path + (f"?{split.query}" if split.query else ""))
    assert len(seen) > 20, sorted(seen)
    return found


@pytest.mark.usefixtures("histories")
async def test_signed_in_pages_use_chinese_punctuation(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    seeded: UnitOfWork,
    settings: Settings,
) -> None:
    store = DocumentStore(settings.upload_dir)
    for member, relationship in ((FATHER, "parent"), (SON, "child")):
        await committed(
            seeded,
            open_binding_directly(
                seeded,
                store,
                holder=WANG_FANG,
                member=member,
                relationship=relationship,
                proof=face(),
            ),
        )
    await sign_in(client)
    await _bind_mother(client)  # waiting for face recognition
    found = await _scan(client)
    assert not found, "ASCII punctuation in Chinese text:\n" + "\n".join(
        f"{bit!r} on {paths[0]}" for bit, paths in found.items()
    )


async def test_staff_pages_use_chinese_punctuation_and_name_the_holder(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork
) -> None:
    """Staff read the relationship as the member's to the card holder, not "to you"."""
    member_url = await _bind(client, HOLDER, MOTHER, "other", proof=face("biden.jpg"))
    binding_id = member_url.rsplit("/", 1)[1]
    client.cookies.clear()
    code = await committed(seeded, staff_service.issue_enrolment_code(seeded, "BJ0001", utcnow()))
    await enrol(client, SoftwareAuthenticator(), code)
    found: dict[str, list[str]] = {}
    for path in ("/staff/queue", f"/staff/bindings/{binding_id}", "/counter"):
        response = await client.get(path, headers=ZH)
        assert response.status_code == 200, path
        parser = _Text()
        parser.feed(response.text)
        for text in parser.sentences():
            for bit in ascii_punctuation_in_chinese(text):
                found.setdefault(bit, []).append(path)
        if path.startswith("/staff/bindings/"):
            assert "与持卡人的关系" in parser.sentences()
            assert "与您的关系" not in shown(response.text)
    assert not found, found
