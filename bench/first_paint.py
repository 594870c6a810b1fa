"""First paint of a page on a cheap phone: Chromium with its CPU slowed 6 times and a
1.6 Mbps, 150 ms network, a first visit (nothing cached), signed in."""

from __future__ import annotations

import shutil
import statistics
from typing import Any

from playwright.sync_api import Browser, sync_playwright

BUDGET_MS = 1500.0
CPU_SLOWDOWN = 6
NETWORK = {  # bytes per second, as Chromium's DevTools protocol takes them
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
RUNS = 3
_PAINTED = "performance.getEntriesByName('first-contentful-paint').length > 0"
_FIRST_PAINT = "performance.getEntriesByName('first-contentful-paint')[0].startTime"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-headless-shell")


def _signed_in(browser: Browser, base: str, id_number: str, password: str) -> Any:
    """The cookies of a sign-in through the form (production cookies are Secure, which
    Chromium keeps for 127.0.0.1 as for HTTPS)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/login")
    page.locator("input[name=id_number]").fill(id_number)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(base + "/")
    state = context.storage_state()
    context.close()
    return state


def first_paint_ms(base: str, path: str, id_number: str, password: str) -> float:
    """The median first-contentful-paint time of `path`, in milliseconds, over RUNS first
    visits (a new browser context each: no cache)."""
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            state = _signed_in(browser, base, id_number, password)
            for _ in range(RUNS):
                context = browser.new_context(
                    viewport={"width": 375, "height": 740}, storage_state=state
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", NETWORK)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
                page.goto(base + path)
                page.wait_for_function(_PAINTED)
                times.append(float(page.evaluate(_FIRST_PAINT)))
                context.close()
        finally:
            browser.close()
    return statistics.median(times)
