"""A short name for the device a session was signed in from, read from its user agent: enough
for a holder to tell their phone from a stranger's computer (not a fingerprint)."""

from __future__ import annotations

# Order matters: a Chinese in-app browser names Safari or Chrome too, and Edge names Chrome.
_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("AlipayClient", "Alipay"),
    ("EdgA/", "Edge"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("HarmonyOS", "HarmonyOS"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe(user_agent: str) -> tuple[str | None, str | None]:
    """(browser, system), each None when not recognised."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    return browser, system
