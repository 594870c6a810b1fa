"""Health, security headers, CSRF, language and the pages a signed-in holder sees."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import csrf_token, shown, sign_in

Client = AsyncTestClient[Litestar]
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


async def test_health_check(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "set-cookie" not in response.headers


async def _assets(client: Client) -> list[str]:
    """The style sheet and scripts the sign-in page links, by their hashed names."""
    page = (await client.get("/login")).text
    found = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(found) >= 3, found  # the style sheet, htmx, ours (and the passkeys' script)
    return found


async def test_security_headers_on_pages_and_errors(client: Client) -> None:
    for path in ("/login", "/no-such-page", *await _assets(client)):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "object-src 'none'" in csp
        assert "base-uri 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


async def test_cookies_are_httponly_and_lax(client: Client) -> None:
    response = await client.get("/login")
    cookies = response.headers.get_list("set-cookie")
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


async def test_static_files_get_no_session(client: Client) -> None:
    for path in await _assets(client):
        response = await client.get(path)
        assert response.status_code == 200
        assert "set-cookie" not in response.headers


async def test_static_files_have_hashed_names_cached_for_a_year(client: Client) -> None:
    for path in await _assets(client):
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", path), path
        response = await client.get(path)
        cache = response.headers["cache-control"]
        assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache, path
        assert "no-store" not in cache
        again = await client.get(path, headers={"if-none-match": response.headers["etag"]})
        assert again.status_code == 304, path
        assert again.content == b""
    assert (await client.get("/static/css/site.css")).status_code == 404  # only hashed names


async def test_the_passkeys_script_is_loaded_only_where_passkeys_are_used(client: Client) -> None:
    assert any("passkey" in path for path in await _assets(client))  # sign-in with a passkey
    home = (await client.get("/accessibility")).text
    assert "passkey" not in home


async def test_a_post_without_a_csrf_token_is_refused(client: Client) -> None:
    await client.get("/login")
    response = await client.post(
        "/login", data={"id_number": "110105198503140224", "password": "family-demo-2025"}
    )
    assert response.status_code == 403


async def test_a_post_with_a_wrong_csrf_token_is_refused(client: Client) -> None:
    await client.get("/login")
    response = await client.post("/logout", data={"_csrf_token": "forged"})
    assert response.status_code == 403


async def test_pages_need_sign_in(client: Client) -> None:
    for path in ("/", "/card", "/card/services", "/affinity", "/account", "/account/pin"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


async def test_signed_in_pages_render(client: Client) -> None:
    await sign_in(client)
    home = await client.get("/")
    assert "王芳" in shown(home.text)
    assert "1101**********0224" in home.text
    assert "110105198503140224" not in home.text
    assert "A11010500001" in home.text
    assert 'href="/affinity"' in home.text
    card = await client.get("/card")
    assert 'href="/card/services"' in card.text
    services = await client.get("/card/services")
    assert 'href="/affinity"' in services.text
    affinity = await client.get("/affinity")
    assert 'href="/affinity/add"' in affinity.text


async def test_htmx_requests_get_only_the_main_fragment(client: Client) -> None:
    await sign_in(client)
    full = await client.get("/card")
    fragment = await client.get("/card", headers={"HX-Request": "true"})
    assert "<html" in full.text
    assert "<html" not in fragment.text
    assert "<title>" in fragment.text
    assert fragment.headers["hx-push-url"] == "/card"


async def test_chinese_by_default_and_english_on_request(client: Client) -> None:
    chinese = await client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-Hans">' in chinese.text
    no_header = await client.get("/login")
    assert '<html lang="zh-Hans">' in no_header.text
    english = await client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english.text


async def test_the_language_choice_is_kept_in_a_cookie(client: Client) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/language",
        data={"_csrf_token": token, "lang": "en", "next": "/login"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    page = await client.get("/login", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.text


async def test_the_language_switch_keeps_the_filters(client: Client) -> None:
    await sign_in(client)
    filtered = "/my/benefits?line=pension&year=2010"
    page = await client.get(filtered)
    kept = re.search(r'lang-switch">.*?name="next" value="([^"]*)"', page.text, re.S)
    assert kept and html.unescape(kept.group(1)) == filtered
    token = await csrf_token(client, filtered)
    response = await client.post(
        "/language",
        data={"_csrf_token": token, "lang": "en", "next": html.unescape(kept.group(1))},
        follow_redirects=False,
    )
    assert response.headers["location"] == filtered
    # A query too long to keep whole is dropped, never cut short.
    long = await client.get("/my/benefits?line=" + "x" * 300)
    kept = re.search(r'lang-switch">.*?name="next" value="([^"]*)"', long.text, re.S)
    assert kept and kept.group(1) == "/my/benefits"


async def test_every_page_offers_help_by_phone(client: Client) -> None:
    for language, text in (
        ("en", "Help: call the 12333 social security hotline"),
        ("zh-CN", "帮助：拨打12333社会保障服务热线"),
    ):
        page = await client.get("/login", headers={"Accept-Language": language})
        footer = page.text.split("<footer", 1)[1]
        assert f'<a href="tel:12333">{text}</a>' in footer


async def test_language_next_cannot_leave_the_site(client: Client) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/language",
        data={"_csrf_token": token, "lang": "en", "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_htmx_is_the_pinned_release() -> None:
    vendor = Path(__file__).resolve().parents[2] / "static" / "vendor"
    digest = hashlib.sha256((vendor / "htmx.min.js").read_bytes()).hexdigest()
    assert digest == HTMX_SHA256
    assert "Zero-Clause BSD" in (vendor / "htmx.LICENSE").read_text()


async def test_an_htmx_request_without_a_session_redirects_the_whole_page(client: Client) -> None:
    response = await client.get("/card", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.headers["hx-redirect"] == "/login?next=/card"


async def test_exclusions_are_anchored_to_the_start_of_the_path(client) -> None:  # type: ignore[no-untyped-def]
    """Sessions and CSRF skip /static/ and /healthz only, not any path that contains them."""
    assert (await client.get("/affinity/add/healthz", follow_redirects=False)).status_code in {
        302,
        303,
        404,
    }
    assert (await client.post("/affinity/add/healthz")).status_code in {403, 404, 405}
    assert (await client.get("/healthz")).json() == {"status": "ok"}


def test_the_api_schema_is_not_published_in_production(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from app.main import create_app
    from tests.conftest import make_settings, migrations

    url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    migrations(make_settings(url, tmp_path)).upgrade("head")
    production = make_settings(
        url, tmp_path, PORTAL_ENV="production", ARGON2_PROFILE="rfc9106-low-memory"
    )
    with TestClient(app=create_app(production), base_url="https://localhost") as client:
        assert client.get("/schema/openapi.json").status_code == 404
    with TestClient(
        app=create_app(make_settings(url, tmp_path)), base_url="http://localhost"
    ) as client:
        assert client.get("/schema/openapi.json").status_code == 200


def test_the_sandbox_gateway_is_served_in_production_only_when_enabled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from app.main import create_app
    from tests.conftest import make_settings, migrations

    url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    migrations(make_settings(url, tmp_path)).upgrade("head")
    production = {"PORTAL_ENV": "production", "ARGON2_PROFILE": "rfc9106-low-memory"}
    paths = ("/sandbox-pay/checkout", "/sandbox-pay/api/orders/essc-portal/REF-1")

    def served(**env: str) -> set[int]:
        settings = make_settings(url, tmp_path, **env)
        app = create_app(settings)
        assert (app.state.sandbox_gateway is not None) is settings.serves_sandbox_gateway
        with TestClient(app=app, base_url="https://localhost") as client:
            return {client.get(path).status_code for path in paths}

    assert served(**production) == {404}
    assert served(**production, PAYMENT_SANDBOX="false") == {404}
    assert 404 not in served(**production, PAYMENT_SANDBOX="true")
    assert 404 not in served()  # development serves it by default
    assert served(PAYMENT_SANDBOX="false") == {404}


@pytest.mark.parametrize(("accepted", "sent"), [("gzip, deflate, br", "br"), ("gzip", "gzip")])
async def test_pages_and_static_files_are_sent_compressed(
    client: Client, accepted: str, sent: str
) -> None:
    for path in ("/login", "/accessibility", *await _assets(client)):
        response = await client.get(path, headers={"accept-encoding": accepted})
        assert response.status_code == 200
        assert response.headers["content-encoding"] == sent, path
        assert "accept-encoding" in response.headers["vary"].lower(), path
        assert "</" in response.text or "{" in response.text, path  # decoded as sent
    plain = await client.get("/login", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert 'name="id_number"' in plain.text


def test_templates_are_not_checked_for_changes_in_production(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app
    from app.routes.web import jinja_envs
    from tests.conftest import make_settings

    url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    create_app(
        make_settings(url, tmp_path, PORTAL_ENV="production", ARGON2_PROFILE="rfc9106-low-memory")
    )
    assert not any(env.auto_reload for env in jinja_envs.values())
    create_app(make_settings(url, tmp_path))
    assert all(env.auto_reload for env in jinja_envs.values())
