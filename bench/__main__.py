"""`make bench`: the design's budgets, measured as ratios within one run.

Starts one server worker on a fresh seeded SQLite database, then loads two pages in turn from
a separate process: the public accessibility statement (a bare Jinja page, no database) and
the signed-in home page (session, account, person and card reads). The budget: the signed-in
page serves at least 50 % of the baseline's requests per second. It also reports the gzipped
sizes of the JS, the CSS and each page's HTML against their budgets.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import faces

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
KB = 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        "STATE_DIR": str(tmp),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "SECRET_KEY": "bench-secret-key",
        "LITESTAR_APP": "app.main:create_app",
    }
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    for step in (
        ["litestar", "database", "upgrade", "--no-prompt"],
        ["python", "-m", "app.cli", "seed"],
    ):
        subprocess.run(
            [str(BIN / step[0]), *step[1:]], cwd=ROOT, env=env, check=True, capture_output=True
        )
    server = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "app.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("server did not start")


def _signed_in_client(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post(
        "/login",
        data={
            "_csrf_token": token.group(1),
            "id_number": "110105198503140224",
            "password": "family-demo-2025",
        },
    )
    assert "1101**********0224" in client.get("/").text, "sign-in for the benchmark failed"
    return client


async def _python_load(base: str, path: str, cookie: str) -> float:
    """Requests per second over SECONDS with CONCURRENCY keep-alive connections."""
    done = 0
    deadline = time.perf_counter() + SECONDS
    headers = {"cookie": cookie} if cookie else {}
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


def _wrk_load(base: str, path: str, cookie: str) -> float:
    wrk = shutil.which("wrk")
    assert wrk
    args = [wrk, "-t1", f"-c{CONCURRENCY}", f"-d{int(SECONDS)}s", f"{base}{path}"]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{path} answered errors under load:\n{out}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    assert match, out
    return float(match.group(1))


def load(base: str, path: str, cookie: str = "") -> float:
    """wrk (a C load generator) when installed; a Python client would cap the baseline."""
    if shutil.which("wrk"):
        return _wrk_load(base, path, cookie)
    return asyncio.run(_python_load(base, path, cookie))


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as tmp_name:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start_server(Path(tmp_name), port)
        try:
            client = _signed_in_client(base)
            pages = {
                path: client.get(path).content
                for path in (
                    "/",
                    "/card",
                    "/account",
                    "/family",
                    "/my/card",
                    "/my/benefits",
                    "/my/pension",
                )
            }
            pages["/login"] = httpx.get(f"{base}/login").content
            cookie = f"session={client.cookies['session']}"
            load(base, "/accessibility")  # warm-up
            baseline = load(base, "/accessibility")
            signed_in = load(base, "/", cookie)
            signed_in_card = load(base, "/card", cookie)
            baseline_again = load(base, "/accessibility")
            assert "1101**********0224" in client.get("/").text, "the session ended during the run"
            member = faces.bind_mother(client)
            while_matching = faces.slowdown_while_matching(
                client, member, lambda: load(base, "/accessibility")
            )
        finally:
            server.terminate()
            server.wait(10)
    base_rps = (baseline + baseline_again) / 2
    ratio = signed_in / base_rps
    print(
        f"bare Jinja page  /accessibility : {base_rps:8.1f} req/s (runs {baseline:.1f}, {baseline_again:.1f})"
    )
    print(
        f"load generator                  : {'wrk' if shutil.which('wrk') else 'python httpx'}, {CONCURRENCY} connections, {SECONDS:.0f} s per page"
    )
    print(f"signed-in page   /              : {signed_in:8.1f} req/s")
    print(f"signed-in page   /card          : {signed_in_card:8.1f} req/s")
    verdict = "ok" if ratio >= 0.5 else "OVER BUDGET"
    ok &= ratio >= 0.5
    print(f"ratio signed-in / bare          : {ratio:8.2f}  (budget >= 0.50) {verdict}")

    js = sum(
        _gz(p.read_bytes())
        for p in [ROOT / "static/vendor/htmx.min.js", *ROOT.glob("static/js/*.js")]
    )
    css = _gz((ROOT / "static/css/site.css").read_bytes())
    for label, size, budget in (("JS per page (gz)", js, 20 * KB), ("CSS (gz)", css, 10 * KB)):
        ok &= size <= budget
        print(f"{label:32}: {size / KB:6.1f} KB (budget {budget / KB:.0f} KB)")
    for path, html in pages.items():
        size = _gz(html)
        ok &= size <= 14 * KB
        print(f"HTML {path:27}: {size / KB:6.1f} KB gz (budget 14 KB)")
    median, p95, two_mp = faces.match_times()
    print(f"face match per image (fixtures) : median {median:.2f} s, p95 {p95:.2f} s (one core)")
    verdict = "ok" if two_mp <= faces.BUDGET_SECONDS else "OVER BUDGET"
    ok &= two_mp <= faces.BUDGET_SECONDS
    print(
        f"face match, 2 MP photo          : {two_mp:8.2f} s  (budget <= {faces.BUDGET_SECONDS} s) {verdict}"
    )
    print(f"page rate while 4 matches run   : {while_matching:8.2f} of idle")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
