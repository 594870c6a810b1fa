"""The phone is told the city a browser asks to be signed in from, when an IP-to-city
database (MaxMind's format; a small one is written here) knows its address; and nothing of a
city when it does not, or when no database is set."""

from __future__ import annotations

from pathlib import Path

import httpx
import msgspec
import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from app.adapters.cities import Cities
from app.config import Settings
from app.main import create_app
from app.services.context import UnitOfWork
from tests.at_once import clients
from tests.integration.scan_screens import EN, claim_by_scan, post, shown, sign_in

BEIJING_NET = "203.0.113.0/24"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _database(path: Path) -> str:
    writer = MMDBWriter(ip_version=4, database_type="GeoLite2-City", languages=["en", "zh-CN"])
    writer.insert_network(
        IPSet([BEIJING_NET]), {"city": {"names": {"en": "Beijing", "zh-CN": "北京市"}}}
    )
    writer.insert_network(IPSet(["198.51.100.0/24"]), {"country": {"iso_code": "CN"}})
    writer.to_db_file(str(path))
    return str(path)


def test_cities_from_the_database(tmp_path: Path) -> None:
    cities = Cities(_database(tmp_path / "cities.mmdb"))
    assert cities.city("203.0.113.9") == "北京市"
    assert cities.city("198.51.100.1") == ""  # known, but no city
    assert cities.city("192.0.2.1") == ""  # not in it
    assert cities.city("testclient") == ""  # not an address
    assert cities.city("2001:db8::1") == ""  # an IPv6 address in an IPv4 database
    assert Cities(None).city("203.0.113.9") == ""


def test_closed_at_shutdown_the_database_opens_again_when_asked(tmp_path: Path) -> None:
    cities = Cities(_database(tmp_path / "cities.mmdb"))
    cities.close()
    cities.close()
    assert cities.city("203.0.113.9") == "北京市"
    cities.close()
    with pytest.raises(FileNotFoundError):
        Cities(str(tmp_path / "absent.mmdb"))


async def test_the_phone_shows_the_browsers_city(
    migrated: Settings, seeded: UnitOfWork, tmp_path: Path
) -> None:
    settings = msgspec.structs.replace(migrated, geoip_city_db=_database(tmp_path / "cities.mmdb"))
    app = create_app(settings)
    async for new in clients(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as browser:
            browser.headers["user-agent"] = FIREFOX
            await post(browser, "/login/scan", {}, from_page="/login")
            code = await shown(browser, "/login/scan")
        phone = new()
        await sign_in(phone)
        await claim_by_scan(phone, code)
        page = (await phone.get("/scan/confirm", headers=EN)).text
        assert 'A browser: Firefox on Linux, in <span lang="zh-Hans">北京市</span>' in page
        # Asked from an address the database does not know: no city.
        other = new()
        await post(other, "/login/scan", {}, from_page="/login")
        code = await shown(other, "/login/scan")
        await claim_by_scan(phone, code)
        page = (await phone.get("/scan/confirm", headers=EN)).text
        assert "Where</dt><dd>A browser" in page and ", in " not in page
