"""Command line: `python -m app.cli seed` adds the demo family (safe to run twice)."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.config import get_settings
from app.db.pii import PiiCipher
from app.services.context import UnitOfWork
from app.services.seed import seed_demo


async def seed() -> int:
    settings = get_settings()
    engine = create_async_engine(settings.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            uow = UnitOfWork(db=db, cipher=PiiCipher(settings.secret_key), policy=settings.policy)
            return await seed_demo(uow)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    if argv[1:] != ["seed"]:
        print("usage: python -m app.cli seed", file=sys.stderr)
        return 2
    added = asyncio.run(seed())
    print(f"Demo data: {added} people added.")
    print("Demo sign-in: ID number 110105198503140224, password family-demo-2025, PIN 258369")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
