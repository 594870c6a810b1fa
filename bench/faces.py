"""Face matching: time per image on one core, and how much a page slows while matches run."""

from __future__ import annotations

import io
import re
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from PIL import Image

from app.adapters.face_matcher import describe

FACES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "faces"
BUDGET_SECONDS = 1.5
MOTHER = ("李秀英", "110105195806070426")


def _two_megapixel(name: str) -> bytes:
    """A real photo scaled to about 2 MP, the size the budget names."""
    with Image.open(FACES / name) as image:
        scale = (2_000_000 / (image.width * image.height)) ** 0.5
        out = io.BytesIO()
        image.convert("RGB").resize((int(image.width * scale), int(image.height * scale))).save(
            out, "JPEG", quality=90
        )
    return out.getvalue()


def match_times() -> tuple[float, float, float]:
    """Median and p95 over the fixture photos at their own size, and one 2 MP photo."""
    photos = [p.read_bytes() for p in sorted(FACES.glob("*.jpg")) if p.name != "two_people.jpg"]
    describe(photos[0], image="warm-up", max_side=1024, min_face=80)  # loads the models
    times = []
    for data in photos * 3:
        start = time.perf_counter()
        describe(data, image="bench", max_side=1024, min_face=80)
        times.append(time.perf_counter() - start)
    big = _two_megapixel("obama.jpg")
    start = time.perf_counter()
    describe(big, image="bench", max_side=1024, min_face=80)
    two_mp = time.perf_counter() - start
    return statistics.median(times), statistics.quantiles(times, n=20)[-1], two_mp


def _token(client: httpx.Client, path: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, path
    return match.group(1)


def bind_mother(client: httpx.Client) -> str:
    """Through the real wizard; returns the member page's path."""
    token = _token(client, "/account")
    client.get("/affinity/add")
    for path, data in (
        ("pin", {"pin": "258369"}),
        ("notice", {"accept": "yes"}),
        ("details", {"name": MOTHER[0], "id_number": MOTHER[1], "relationship": "parent"}),
    ):
        client.post(f"/affinity/add/{path}", data={"_csrf_token": token, **data})
    client.post(
        "/affinity/add/documents",
        data={"_csrf_token": token},
        files={"proof": ("p.jpg", (FACES / "obama.jpg").read_bytes(), "image/jpeg")},
    )
    checked = re.search(
        r'name="checked" value="([0-9a-f]+)"', client.get("/affinity/add/check").text
    )
    assert checked, "wizard did not reach the check page"
    response = client.post(
        "/affinity/add/check",
        data={"_csrf_token": token, "checked": checked.group(1)},
        follow_redirects=False,
    )
    return str(response.headers["location"])


def slowdown_while_matching(client: httpx.Client, member: str, load: Callable[[], float]) -> float:
    """Requests per second of a page while four matches run, over the same page idle."""
    idle = load()
    token = _token(client, "/account")
    selfie = (FACES / "biden.jpg").read_bytes()  # a failing match still does all the work
    threads = [
        threading.Thread(
            target=lambda: client.post(
                f"{member}/face",
                data={"_csrf_token": token, "consent": "yes"},
                files={"selfie": ("s.jpg", selfie, "image/jpeg")},
            )
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    busy = load()
    for thread in threads:
        thread.join()
    return busy / idle
