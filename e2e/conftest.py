"""End-to-end fixtures: one real server per session (fresh database in a temp dir), Debian's
Chromium, one browser context per test, and pages with JavaScript on or off.

Run: .venv/bin/pytest e2e -q -x
"""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response

from e2e.command_runner import CommandRunner
from e2e.helpers import (
    FAMILY_PORTRAITS,
    TRANSFER_REFRESH_SECONDS,
    Family,
    Holder,
    Member,
    id_number,
    remember_js,
)

ROOT = Path(__file__).resolve().parent.parent  # the repository root
BIN = Path(sys.executable).parent  # the virtualenv's bin directory
# Debian's build of Chromium's headless shell (`make chromium` installs it): the browser without
# its desktop UI, which Playwright also uses for headless runs. The journeys took a third less
# CPU than in the full browser's headless mode. The full browser serves where the shell is absent.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM = str(HEADLESS_SHELL if HEADLESS_SHELL.exists() else Path("/usr/bin/chromium"))
SECRET_KEY = "e2e-secret-key-not-for-production-0123456789"
DEFAULT_LOCALE = "en-GB"  # English source strings; the language journey uses zh-CN
STARTUP_TIMEOUT = 30.0


# --- the server -------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    log_path: Path
    holders: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    runner: CommandRunner | None = None

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    def run_cli(self, *args: str) -> str:
        """The operators' command line (app.cli) in the server's environment; its output."""
        return self.run_module("app.cli", *args)

    def run_setup(self, *args: str) -> str:
        """The tests' set-up command (e2e/setup_commands.py) in the server's environment."""
        return self.run_module("e2e.setup_commands", *args)

    def run_module(self, module: str, *args: str) -> str:
        """One of e2e.command_runner.COMMANDS, in the server's environment; its output."""
        done = self._commands().run(module, args)
        assert done["code"] == 0, f"{module} {args[0]} failed:\n{done['out']}\n{done['err']}"
        return str(done["out"])

    def _commands(self) -> CommandRunner:
        if self.runner is None:
            self.runner = CommandRunner(self.env, self.log_path.with_name("commands.log"))
        return self.runner


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(tmp: Path, port: int) -> dict[str, str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("POLICY_") and k not in {"REDIS_URL", "PORTAL_ENV"}
    }
    return {
        **inherited,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'e2e.db'}",
        "STATE_DIR": str(tmp),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "SECRET_KEY": SECRET_KEY,
        "WEBAUTHN_RP_ID": "localhost",
        "WEBAUTHN_ORIGIN": f"http://localhost:{port}",
        "LITESTAR_APP": "app.main:create_app",
        "PYTHONUNBUFFERED": "1",
        "ARGON2_PROFILE": "cheapest",
        # The payment gateway's server reaches the portal over HTTP, as a real one does.
        "PAYMENT_SITE_URL": f"http://127.0.0.1:{port}",
        "POLICY_TRANSFER_REFRESH_SECONDS": str(TRANSFER_REFRESH_SECONDS),
        # The journeys' policy: next year's residents' premium is published (424 yuan), and
        # this year's (an enrolment outside the collection window starts with it).
        "POLICY_RESIDENTS_MEDICAL_PREMIUMS": json.dumps(
            sorted(
                {2025: 400, 2026: 400, time.gmtime().tm_year: 400}.items()
                | {(time.gmtime().tm_year + 1, 424)}
            )
        ),
    }


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"server did not answer /healthz in {STARTUP_TIMEOUT}s:\n{log_path.read_text()}"
    )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    env = _server_env(tmp, port)
    log_path = tmp / "server.log"
    # Browse to localhost, not 127.0.0.1: it is the WebAuthn origin and RP ID.
    server = LiveServer(url=f"http://localhost:{port}", env=env, log_path=log_path)
    process: subprocess.Popen[bytes] | None = None
    try:
        # Migrated and seeded as `make run` does it, in the process that runs the journeys'
        # later commands (a Python started for each step cost seconds of CPU per test process).
        server.run_module("litestar", "database", "upgrade", "--no-prompt")
        server.run_cli("seed")
        process = _start_uvicorn(env, port, log_path)
        _wait_healthy(f"http://127.0.0.1:{port}", process, log_path)
        yield server
    finally:
        if server.runner is not None:
            server.runner.close()
        if process is not None:
            _stop(process)


def _start_uvicorn(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "app.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def make_holder(live_server: LiveServer) -> Callable[..., Holder]:
    """Register a fresh holder (own ID number, password; a PIN unless pin=None)."""

    def make(*, pin: str | None = "702418", password: str = "e2e-holder-pass-2025") -> Holder:
        n = next(live_server.holders)
        holder = Holder(name=f"测试{n:02d}号", id_number=id_number(), password=password, pin=pin)
        args = ["add-holder", holder.name, holder.id_number, holder.password]
        live_server.run_cli(*args, *([pin] if pin else []))
        return holder

    return make


@pytest.fixture
def make_family(live_server: LiveServer) -> Callable[[], Family]:
    """A fresh holder (password, PIN) and three registry people of the same household: a
    mother and a father (older than the holder, no sign-in) and a son born in 2015 (under 16).
    Registry portraits (helpers.FAMILY_PORTRAITS): the mother's and father's are photos of
    one face, the holder's of another; the son, under 16, has none.

    Each test gets its own family, so the holder's wizard draft and the binding rules (no
    member twice, at most 5 holders per member) do not depend on which tests ran before.
    """

    def make() -> Family:
        n = next(live_server.holders)
        household = f"e2e-family-{n:03d}"
        holder = Holder(
            name=f"测试{n:02d}号",
            id_number=id_number("19900101"),
            password="e2e-holder-pass-2025",
            pin="702418",
        )
        family = Family(
            holder=holder,
            mother=Member("刘淑兰", id_number("19600607"), "parent"),
            father=Member("陈国强", id_number("19581120"), "parent"),
            son=Member("陈子轩", id_number("20150402"), "child"),
        )
        members = (family.mother, family.father, family.son)  # no sign-in
        people = [
            {
                "name": p.name,
                "id_number": p.id_number,
                "household": household,
                "password": "",
                "pin": None,
            }
            for p in (holder, *members)
        ]
        people[0].update(password=holder.password, pin=holder.pin)
        for person, role in zip(people, ("holder", "mother", "father", "son"), strict=True):
            portrait = FAMILY_PORTRAITS.get(role)
            person["portrait"] = str(portrait) if portrait else None
        live_server.run_setup("add-people", json.dumps(people))
        return family

    return make


# --- pytest-playwright overrides ---------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # A headless browser has no tab strip or side panel, yet each window preloaded
            # their web UI in a renderer of its own: a tenth of the browser's CPU time.
            "--disable-features=PreloadTopChromeWebUI",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


# --- pages with JavaScript on and off ----------------------------------------------------


_CLIENT_ERROR_LOG = re.compile(
    r"Failed to load resource: the server responded with a status of 4\d\d\b"
)


class BrowserProblems:
    """What a test's browser contexts saw go wrong: 5xx answers, script and console errors."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        def on_response(response: Response) -> None:
            if response.status >= 500:
                self.items.append(
                    f"HTTP {response.status} from {response.request.method} {response.url}"
                )

        def on_console(msg: ConsoleMessage) -> None:
            # Chromium logs every 4xx answer as a console error; a 422 for a form with errors
            # (or the /favicon.ico the site does not have) is expected. 5xx are caught above.
            if msg.type == "error" and not _CLIENT_ERROR_LOG.match(msg.text):
                self.items.append(f"console error: {msg.text} ({msg.location.get('url')})")

        context.on("response", on_response)
        context.on("console", on_console)
        context.on("weberror", lambda error: self.items.append(f"page error: {error.error}"))


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def js(request: pytest.FixtureRequest) -> bool:
    """Parametrises a journey: once with JavaScript on, once with it off."""
    return bool(request.param)


@pytest.fixture
def open_page(new_context: Callable[..., BrowserContext]) -> Iterator[Callable[..., Page]]:
    """A new browser context and page (English unless a locale is given).

    The test fails if the browser saw a 5xx answer, a script error or a console error.
    """
    problems = BrowserProblems()

    def open_(*, js: bool = True, locale: str = DEFAULT_LOCALE, **context_args: Any) -> Page:
        context = new_context(java_script_enabled=js, locale=locale, **context_args)
        context.set_default_timeout(10_000)
        context.on("page", lambda page: remember_js(page, js))  # tabs the test opens later
        problems.watch(context)
        page = context.new_page()
        remember_js(page, js)
        return page

    yield open_
    assert not problems.items, "the browser saw problems:\n" + "\n".join(problems.items)


@pytest.fixture
def page(open_page: Callable[..., Page], js: bool) -> Page:
    """The journey's page, with JavaScript on or off (see the `js` fixture)."""
    return open_page(js=js)


# --- the server log in failure reports ---------------------------------------------------


_LOG_START = pytest.StashKey[tuple[LiveServer, int]]()


@pytest.fixture(autouse=True)
def _server_log_on_failure(request: pytest.FixtureRequest) -> None:
    """Remember where the server log stood, so a failure report can show this test's part."""
    if "live_server" in request.fixturenames:
        server: LiveServer = request.getfixturevalue("live_server")
        request.node.stash[_LOG_START] = (server, server.log_size())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    started = item.stash.get(_LOG_START, None)
    if report.failed and started is not None:
        server, offset = started
        excerpt = server.log_since(offset)[-8000:]
        report.sections.append((f"server log ({report.when})", excerpt or "(empty)"))
    return report
