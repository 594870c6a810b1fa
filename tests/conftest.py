"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
the seeded demo family, and the app behind Litestar's async test client."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from advanced_alchemy.alembic.commands import AlembicCommands
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.config import Settings, load_settings
from app.db.pii import PiiCipher
from app.main import create_app, db_config
from app.services.context import UnitOfWork
from app.services.seed import seed_demo

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
DATABASES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
SECRET = "test-secret-key-not-for-production"


def make_settings(database_url: str, state_dir: Path, **extra: str) -> Settings:
    env = {
        "DATABASE_URL": database_url,
        "STATE_DIR": str(state_dir),
        "UPLOAD_DIR": str(state_dir / "uploads"),
        "SECRET_KEY": SECRET,
        **extra,
    }
    return load_settings(env)


def migrations(settings: Settings) -> AlembicCommands:
    return AlembicCommands(sqlalchemy_config=db_config(settings))


def reset_postgres(url: str) -> None:
    async def drop() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(drop())


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        assert POSTGRES_URL
        reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def migrated(settings: Settings) -> Iterator[Settings]:
    migrations(settings).upgrade("head")
    yield settings


@pytest.fixture
async def uow(migrated: Settings) -> AsyncIterator[UnitOfWork]:
    engine = create_async_engine(migrated.database_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        yield UnitOfWork(db=db, cipher=PiiCipher(migrated.secret_key), policy=migrated.policy)
    await engine.dispose()


@pytest.fixture
async def seeded(uow: UnitOfWork) -> UnitOfWork:
    """The demo people and staff; contribution histories only where a test adds them (seed_histories)."""
    await seed_demo(uow, with_histories=False)
    return uow


@pytest.fixture
def app(migrated: Settings) -> Litestar:
    return create_app(migrated)


@pytest.fixture
async def client(app: Litestar, seeded: UnitOfWork) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://localhost") as test_client:
        yield test_client


_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: AsyncTestClient[Litestar], path: str = "/login") -> str:
    response = await client.get(path)
    match = _TOKEN.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def sign_in(
    client: AsyncTestClient[Litestar],
    id_number: str = "110105198503140224",
    password: str = "family-demo-2025",
) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"_csrf_token": token, "id_number": id_number, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
