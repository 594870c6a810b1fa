"""Which city a network address is in, from an IP-to-city database in MaxMind's format
(GeoLite2-City, or a commercial one: GEOIP_CITY_DB names the file). The phone confirming a
scan login shows it beside the browser's description. Without a database, or for an address
it does not know (a private network's), the city is "" and the page says nothing of it."""

from __future__ import annotations

import ipaddress
from typing import Any

import maxminddb

# Names in the order the pages prefer them: Chinese readers first, then English.
_LANGUAGES = ("zh-CN", "en")
CITY_MAX = 60


class Cities:
    """Opens the database at once, so a wrong GEOIP_CITY_DB stops the start; closed at the
    app's shutdown, it opens again if asked once more (an app started twice, as a test's)."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._reader = self._open()

    def _open(self) -> maxminddb.Reader | None:
        return maxminddb.open_database(self._path) if self._path else None

    def city(self, address: str) -> str:
        if self._reader is None:
            self._reader = self._open()
            if self._reader is None:
                return ""
        try:
            ipaddress.ip_address(address)
            record = self._reader.get(address)
        except ValueError:  # not an address (a test client's name), or the wrong IP version
            return ""
        return _name(record)[:CITY_MAX]

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _name(record: Any) -> str:
    if not isinstance(record, dict):
        return ""
    names = (record.get("city") or {}).get("names") or {}
    return next((str(names[lang]) for lang in _LANGUAGES if names.get(lang)), "")
