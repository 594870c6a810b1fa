"""Command line for operators and test set-up.

python -m app.cli seed                       add the demo family (safe to run twice)
python -m app.cli add-holder NAME ID_NUMBER PASSWORD [PIN]
                                             register a person with a sign-in (no PIN: set at first sign-in)
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.config import get_settings
from app.db.pii import PiiCipher
from app.domain.identity import InvalidIdNumber, parse_id_number
from app.services.context import UnitOfWork
from app.services.seed import DEMO_PEOPLE, add_holder, seed_demo

T = TypeVar("T")


async def _with_uow(action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    settings = get_settings()
    engine = create_async_engine(settings.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            uow = UnitOfWork(db=db, cipher=PiiCipher(settings.secret_key), policy=settings.policy)
            return await action(uow)
    finally:
        await engine.dispose()


def _seed() -> int:
    added = asyncio.run(_with_uow(seed_demo))
    holder = DEMO_PEOPLE[0]
    print(f"Demo data: {added} people added.")
    print(
        f"Demo sign-in: ID number {holder.id_number}, password {holder.password}, PIN {holder.pin}"
    )
    return 0


def _add_holder(args: list[str]) -> int:
    name, raw_id, password, *rest = args
    try:
        number = parse_id_number(raw_id)
    except InvalidIdNumber as error:
        print(f"invalid ID number ({error.reason})", file=sys.stderr)
        return 2
    pin = rest[0] if rest else None
    asyncio.run(
        _with_uow(lambda uow: add_holder(uow, name=name, number=number, password=password, pin=pin))
    )
    print(f"Holder {name} ready.")
    return 0


def main(argv: list[str]) -> int:
    command, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if command == "seed" and not args:
        return _seed()
    if command == "add-holder" and len(args) in (3, 4):
        return _add_holder(args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
