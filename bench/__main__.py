"""`make bench`: the design's budgets, measured as ratios within one run.

For each server (uvicorn, and granian, the production server) and each store (a fresh seeded
SQLite database; and PostgreSQL + Redis when BENCH_DATABASE_URL and BENCH_REDIS_URL are set),
it starts one worker in production mode and loads, in turn, from a separate process: the public
accessibility statement (a bare Jinja page, no database) and the signed-in home page (session,
holder, person and card reads). Requests carry what a returning browser sends: its cookies and
`Accept-Encoding: gzip, deflate, br`. The budget: the signed-in page serves at least 50 % of the
bare page's requests per second, in every set-up.

Sizes are what the server sends for a page: the bytes of each response body as it came over
the wire (gzipped), for the scripts and the style sheet a page links and for the pages' HTML.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import faces, first_paint, server_cpu

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))  # bare and signed-in runs, alternated: the
# machine's neighbours take whole seconds of CPU now and then, so a median of five
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
KB = 1024
BROWSER = {"accept-encoding": "gzip, deflate, br"}
DEMO_ID, DEMO_PASSWORD = "110105198503140224", "family-demo-2025"
FIRST_PAINT_PAGE = "/my/benefits"  # the largest page
PAGES = ("/", "/card", "/account", "/family", "/my", "/my/card", "/my/benefits", "/my/pension")
SERVERS = {
    "uvicorn": ["uvicorn", "--factory", "--workers", "1", "--no-access-log"],
    "granian": ["granian", "--interface", "asgi", "--factory", "--workers", "1"],
}


@dataclass
class Run:
    server: str
    store: str
    bare: list[float]
    home: list[float]
    card: float
    # The server's CPU time per request (µs), where /proc tells it.
    bare_cpu: list[float] = field(default_factory=list)
    home_cpu: list[float] = field(default_factory=list)
    # How often per request the thread running the app waited (see server_cpu).
    bare_waits: list[float] = field(default_factory=list)
    home_waits: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Of the medians: a moment of load from elsewhere on the machine moves one run only."""
        return statistics.median(self.home) / statistics.median(self.bare)

    @property
    def cpu_ratio(self) -> float | None:
        """The same ratio by the server's CPU time per request, which neighbours do not move."""
        if not self.bare_cpu or not self.home_cpu:
            return None
        return statistics.median(self.bare_cpu) / statistics.median(self.home_cpu)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(tmp: Path, store: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        "STATE_DIR": str(tmp),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "SECRET_KEY": "bench-secret-key",
        "LITESTAR_APP": "app.main:create_app",
        "PORTAL_ENV": "development",  # seeding refuses production
    }
    env.pop("REDIS_URL", None)
    if store != "SQLite":
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


def _prepare(env: dict[str, str]) -> None:
    for step in (
        ["litestar", "database", "upgrade", "--no-prompt"],
        ["python", "-m", "app.cli", "seed"],  # safe to run twice
    ):
        subprocess.run(
            [str(BIN / step[0]), *step[1:]], cwd=ROOT, env=env, check=True, capture_output=True
        )


def _start_server(server: str, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [str(BIN / SERVERS[server][0]), *SERVERS[server][1:]]
    command += ["--port", str(port), "--log-level", "warning", "app.main:create_app"]
    process = subprocess.Popen(command, cwd=ROOT, env={**env, "PORTAL_ENV": "production"})
    for _ in range(150):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"{server} did not start")


def _signed_in_client(base: str) -> httpx.Client:
    """A browser's cookies over plain HTTP: production cookies are `Secure`, which an HTTP
    client would otherwise keep to itself."""
    client = httpx.Client(base_url=base, headers=BROWSER)

    def keep_sending(_response: httpx.Response) -> None:
        for cookie in client.cookies.jar:
            cookie.secure = False

    client.event_hooks["response"] = [keep_sending]
    token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post(
        "/login",
        data={
            "_csrf_token": token.group(1),
            "id_number": DEMO_ID,
            "password": DEMO_PASSWORD,
        },
    )
    assert "1101**********0224" in client.get("/").text, "sign-in for the benchmark failed"
    return client


def _cookie_header(client: httpx.Client, *, signed_in: bool) -> str:
    return "; ".join(
        f"{name}={value}"
        for name, value in client.cookies.items()
        if signed_in or "session" not in name
    )


async def _python_load(base: str, path: str, cookie: str) -> float:
    """Requests per second over SECONDS with CONCURRENCY keep-alive connections."""
    done = 0
    deadline = time.perf_counter() + SECONDS
    headers = {**BROWSER, "cookie": cookie}
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return done / (time.perf_counter() - start)


def _wrk_load(base: str, path: str, cookie: str, seconds: float) -> float:
    wrk = shutil.which("wrk")
    assert wrk
    args = [wrk, "-t1", f"-c{CONCURRENCY}", f"-d{max(1, int(seconds))}s"]
    for name, value in {**BROWSER, "cookie": cookie}.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, f"{base}{path}"], capture_output=True, text=True, check=True)
    if "Non-2xx" in out.stdout:
        raise RuntimeError(f"{path} answered errors under load:\n{out.stdout}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", out.stdout)
    assert match, out.stdout
    return float(match.group(1))


def load(base: str, path: str, cookie: str = "", seconds: float = SECONDS) -> float:
    """wrk (a C load generator) when installed; a Python client would cap the baseline."""
    if shutil.which("wrk"):
        return _wrk_load(base, path, cookie, seconds)
    return asyncio.run(_python_load(base, path, cookie))


def _timed_load(
    pid: int,
    base: str,
    path: str,
    cookie: str,
    rates: list[float],
    cpu: list[float],
    waits: list[float],
) -> None:
    """Adds the run's requests per second, and the server's CPU µs per request and its app
    thread's waits per request if known."""
    waited, before, started = (
        server_cpu.app_thread_waits(pid),
        server_cpu.cpu_seconds(pid),
        time.perf_counter(),
    )
    rate = load(base, path, cookie)
    elapsed, after = time.perf_counter() - started, server_cpu.cpu_seconds(pid)
    waited_after = server_cpu.app_thread_waits(pid)
    rates.append(rate)
    if before is not None and after is not None and rate > 0:
        cpu.append((after - before) / (rate * elapsed) * 1e6)
    if waited is not None and waited_after is not None and rate > 0:
        waits.append((waited_after - waited) / (rate * elapsed))


def _measure(server: str, store: str, base: str, client: httpx.Client, pid: int) -> Run:
    """Bare and signed-in pages alternately, so a change in the machine's load hits both."""
    anonymous = _cookie_header(client, signed_in=False)
    signed_in = _cookie_header(client, signed_in=True)
    load(base, "/accessibility", anonymous, seconds=2)  # warm-up
    load(base, "/", signed_in, seconds=2)
    run = Run(server, store, [], [], 0.0)
    for _ in range(PAIRS):
        _timed_load(pid, base, "/accessibility", anonymous, run.bare, run.bare_cpu, run.bare_waits)
        _timed_load(pid, base, "/", signed_in, run.home, run.home_cpu, run.home_waits)
    run.card = load(base, "/card", signed_in)
    assert "1101**********0224" in client.get("/").text, "the session ended during the run"
    return run


def _wire_size(client: httpx.Client, path: str) -> int:
    """The body's bytes as the server sent them (before the client decompresses)."""
    with client.stream("GET", path) as response:
        assert response.status_code == 200, (path, response.status_code)
        return sum(len(chunk) for chunk in response.iter_raw())


def _sizes(client: httpx.Client) -> dict[str, int]:
    home = client.get("/").text
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', home)
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', home)
    sizes = {
        "JS": sum(_wire_size(client, src) for src in scripts),
        "CSS": sum(_wire_size(client, href) for href in sheets),
    }
    for path in PAGES:
        sizes[path] = _wire_size(client, path)
    with httpx.Client(base_url=str(client.base_url), headers=BROWSER) as anonymous:
        sizes["/login"] = _wire_size(anonymous, "/login")
    return sizes


def _bench(
    server: str, store: str, env: dict[str, str], with_faces: bool
) -> tuple[Run, dict[str, int], float | None, float | None]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start_server(server, env, port)
    try:
        client = _signed_in_client(base)
        run = _measure(server, store, base, client, process.pid)
        sizes = _sizes(client)
        while_matching = painted = None
        if with_faces and first_paint.chromium():
            painted = first_paint.first_paint_ms(base, FIRST_PAINT_PAGE, DEMO_ID, DEMO_PASSWORD)
        if with_faces:
            anonymous = _cookie_header(client, signed_in=False)
            member = faces.bind_mother(client)
            while_matching = faces.slowdown_while_matching(
                client, member, lambda: load(base, "/accessibility", anonymous)
            )
        return run, sizes, while_matching, painted
    finally:
        process.terminate()
        process.wait(10)


def _print_sizes(sizes: dict[str, int]) -> bool:
    ok = True
    budgets = {"JS": 20 * KB, "CSS": 10 * KB}
    for name, size in sizes.items():
        budget = budgets.get(name, 14 * KB)
        ok &= size <= budget
        label = f"{name} per page" if name in budgets else f"HTML {name}"
        print(f"{label:32}: {size / KB:6.1f} KB gzipped on the wire (budget {budget // KB} KB)")
    return ok


def main() -> int:
    stores = ["SQLite"]
    if os.environ.get("BENCH_DATABASE_URL") and os.environ.get("BENCH_REDIS_URL"):
        stores.append("PostgreSQL + Redis")
    runs: list[Run] = []
    sizes: dict[str, int] = {}
    while_matching = painted = None
    for store in stores:
        with tempfile.TemporaryDirectory() as tmp_name:
            env = _environment(Path(tmp_name), store)
            _prepare(env)
            for server in SERVERS:
                first = not runs
                run, measured, matching, paint = _bench(server, store, env, with_faces=first)
                painted = painted if paint is None else paint
                runs.append(run)
                sizes = sizes or measured
                while_matching = while_matching if matching is None else matching
    ok = True
    loader = "wrk" if shutil.which("wrk") else "python httpx"
    print(
        f"load: {loader}, {CONCURRENCY} connections, {PAIRS} pairs of {SECONDS:.0f} s runs "
        "(median req/s), one worker in production mode"
    )
    print(
        f"{'server':8} {'store':19} {'bare /accessibility':>30} {'signed-in /':>26} {'/card':>7}  ratio"
    )
    for run in runs:
        verdict = "ok" if run.ratio >= 0.5 else "OVER BUDGET"
        ok &= run.ratio >= 0.5
        bare = f"{statistics.median(run.bare):7.1f} ({', '.join(f'{r:.0f}' for r in run.bare)})"
        home = f"{statistics.median(run.home):7.1f} ({', '.join(f'{r:.0f}' for r in run.home)})"
        print(
            f"{run.server:8} {run.store:19} {bare:>30} {home:>26} {run.card:7.1f}  "
            f"{run.ratio:.2f} (budget >= 0.50) {verdict}"
        )
        if run.cpu_ratio is not None:
            print(
                f"{'':28} server CPU per request: bare {statistics.median(run.bare_cpu):.0f} µs, "
                f"signed-in {statistics.median(run.home_cpu):.0f} µs: {run.cpu_ratio:.2f}"
            )
        if run.bare_waits and run.home_waits:
            print(
                f"{'':28} app thread waits per request: bare "
                f"{statistics.median(run.bare_waits):.2f}, signed-in "
                f"{statistics.median(run.home_waits):.2f}"
            )
    ok &= _print_sizes(sizes)
    if painted is not None:
        verdict = "ok" if painted <= first_paint.BUDGET_MS else "OVER BUDGET"
        ok &= painted <= first_paint.BUDGET_MS
        print(
            f"first paint {FIRST_PAINT_PAGE:19}: {painted:6.0f} ms at {first_paint.CPU_SLOWDOWN}x CPU, "
            f"1.6 Mbps, 150 ms (budget {first_paint.BUDGET_MS:.0f} ms) {verdict}"
        )
    median, p95, two_mp = faces.match_times()
    print(f"face match per image (fixtures) : median {median:.2f} s, p95 {p95:.2f} s (one core)")
    verdict = "ok" if two_mp <= faces.BUDGET_SECONDS else "OVER BUDGET"
    ok &= two_mp <= faces.BUDGET_SECONDS
    print(
        f"face match, 2 MP photo          : {two_mp:8.2f} s  (budget <= {faces.BUDGET_SECONDS} s) {verdict}"
    )
    if while_matching is not None:
        print(f"page rate while 4 matches run   : {while_matching:8.2f} of idle")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
