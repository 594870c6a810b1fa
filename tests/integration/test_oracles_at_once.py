"""The wizard's registry look-up is no oracle: guesses sent at once are counted before the
look-up, per holder and per address, misses are audited, and a miss reads the same whether
nobody has that ID number or the name does not match it."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from litestar import Litestar

from app.domain.identity import check_char, parse_id_number
from app.services.limits import Limits
from tests.at_once import NewClient, Overlap, audited, counted
from tests.conftest import csrf_token, sign_in

HOLDER = "110105198503140224"
MOTHER = ("李秀英", "110105195806070426")


def _valid(first17: str) -> str:
    return first17 + check_char(first17)


NOBODY = _valid("11010519580607001")  # a valid number nobody in the registry has
IP = "127.0.0.1"
EN = {"Accept-Language": "en"}


async def _to_details(client: httpx.AsyncClient) -> str:
    await sign_in(client)  # type: ignore[arg-type]
    token = await csrf_token(client, "/account")  # type: ignore[arg-type]
    for step, data in (("pin", {"pin": "258369"}), ("notice", {"accept": "yes"})):
        answer = await client.post(
            f"/affinity/add/{step}", data={"_csrf_token": token, **data}, headers=EN
        )
        assert answer.status_code == 303
    return token


async def _details(client: httpx.AsyncClient, token: str, name: str, number: str) -> httpx.Response:
    form = {"_csrf_token": token, "name": name, "id_number": number, "relationship": "parent"}
    return await client.post("/affinity/add/details", data=form, headers=EN)


def _message(page: str) -> str:
    start = page.index('class="error-summary')
    return page[start : page.index("</div>", start)]


async def test_a_miss_reads_the_same_for_nobody_and_for_a_wrong_name(
    at_once: NewClient,
) -> None:
    client = at_once()
    token = await _to_details(client)
    nobody = await _details(client, token, MOTHER[0], NOBODY)
    wrong_name = await _details(client, token, "王小明", MOTHER[1])
    assert nobody.status_code == wrong_name.status_code == 422
    assert _message(nobody.text) == _message(wrong_name.text)
    assert "do not match a social insurance record" in nobody.text


async def test_twenty_guesses_at_once_are_limited_per_holder_and_audited(
    at_once: NewClient,
    limited_app: Litestar,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = at_once()
    token = await _to_details(client)
    overlap.wrap(monkeypatch, Limits, "count")
    guesses = [_valid(f"1101051958060710{n:01d}") for n in range(10)]
    guesses += [_valid(f"110105195806071{n + 10:02d}") for n in range(10)]
    answers = await asyncio.gather(*(_details(client, token, "李秀英", g) for g in guesses))
    assert overlap.most > 1, "the requests did not overlap"
    free = seeded.policy.signin_free_failures
    assert Counter(a.status_code for a in answers) == {422: free, 429: 20 - free}
    assert "Too many details that did not match" in next(
        a.text for a in answers if a.status_code == 429
    )
    person = await seeded.people.by_id_number(parse_id_number(HOLDER))
    misses = await audited(seeded, "affinity.lookup_missed")
    assert [event.actor_person_id for event in misses] == [person.id] * free
    assert all(g not in event.detail for event in misses for g in guesses)
    account = await seeded.accounts.for_person(person.id)
    assert await counted(limited_app, seeded, f"registry-lookup:holder:{account.id}") == 20
    assert await counted(limited_app, seeded, f"registry-lookup:ip:{IP}") == 20

    # The right pair is refused too while the limit holds: the look-up is not made.
    assert (await _details(client, token, *MOTHER)).status_code == 429


async def test_a_match_gives_back_its_own_count_only(
    at_once: NewClient, limited_app: Litestar, seeded: Any
) -> None:
    client = at_once()
    token = await _to_details(client)
    assert (await _details(client, token, "李秀英", NOBODY)).status_code == 422
    assert (await _details(client, token, *MOTHER)).status_code == 303
    person = await seeded.people.by_id_number(parse_id_number(HOLDER))
    account = await seeded.accounts.for_person(person.id)
    assert await counted(limited_app, seeded, f"registry-lookup:holder:{account.id}") == 1
