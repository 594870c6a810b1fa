"""Steps of a scan login shared by its tests: a self-service machine (or a browser) showing a
code, a phone signed in as a holder, the QR code read as a camera would, the approval."""

from __future__ import annotations

import html
import re
from uuid import UUID

import httpx

from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.identity import parse_id_number
from app.services.context import UnitOfWork
from app.services.seed import DEMO_KIOSK, open_binding_directly
from tests.integration.test_affinity_wizard import MOTHER, face
from tests.qr_reader import read_qr

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "HX-Target": "scan-wait", **EN}  # the region's poll
WANG_FANG = ("110105198503140224", "family-demo-2025", "258369")
TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')
SVG = re.compile(r'<div class="qr-code scan-qr">(<svg.*?</svg>)</div>', re.S)
TYPED = re.compile(r'<span class="code">(\d{4}-\d{4})</span>')
NUMBER = re.compile(r'<strong class="match-number">(\d\d)</strong>')
CHOICES = re.compile(r'name="number" value="(\d\d)"')


async def token(client: httpx.AsyncClient, path: str) -> str:
    match = TOKEN.search((await client.get(path, headers=EN)).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def post(
    client: httpx.AsyncClient, path: str, data: dict[str, str], *, from_page: str | None = None
) -> httpx.Response:
    csrf = await token(client, from_page or path)
    return await client.post(path, data={"_csrf_token": csrf, **data}, headers=EN)


async def set_up_kiosk(kiosk: httpx.AsyncClient) -> None:
    answer = await post(kiosk, "/kiosk/setup", {"key": DEMO_KIOSK.key}, from_page="/kiosk")
    assert answer.status_code == 303 and answer.headers["location"] == "/kiosk", answer.text


async def sign_in(phone: httpx.AsyncClient, who: tuple[str, str, str] = WANG_FANG) -> None:
    answer = await post(phone, "/login", {"id_number": who[0], "password": who[1]})
    assert answer.status_code == 303, answer.text


async def open_mother(seeded: UnitOfWork, settings: Settings) -> UUID:
    """王芳's active binding with her mother 李秀英."""
    return await open_binding_directly(
        seeded,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(WANG_FANG[0]),
        member=parse_id_number(MOTHER[1]),
        relationship="parent",
        proof=face("biden.jpg"),
    )


class Shown:
    """What the waiting screen shows now."""

    def __init__(self, page: str) -> None:
        svg = SVG.search(page)
        assert svg, page[page.find("<main") :][:2000]
        self.svg = svg.group(1)
        self.link = read_qr(html.unescape(self.svg))
        self.typed = TYPED.search(page).group(1)  # type: ignore[union-attr]
        self.number = NUMBER.search(page).group(1)  # type: ignore[union-attr]

    @property
    def path(self) -> str:
        return httpx.URL(self.link).path


async def shown(screen: httpx.AsyncClient, base: str = "/kiosk") -> Shown:
    return Shown((await screen.get(base, headers=EN)).text)


async def claim_by_scan(phone: httpx.AsyncClient, code: Shown) -> httpx.Response:
    return await phone.get(code.path, headers=EN)


async def approve(
    phone: httpx.AsyncClient, number: str, who: str, pin: str = WANG_FANG[2]
) -> httpx.Response:
    return await post(
        phone, "/scan/confirm", {"number": number, "who": who, "pin": pin}, from_page="/scan"
    )


def choices(page: str) -> list[str]:
    return CHOICES.findall(page)
