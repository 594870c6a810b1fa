"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
the seeded demo family, and the app behind Litestar's async test client."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import TypeVar
from uuid import uuid4

import asyncpg
import msgspec
import pytest
from advanced_alchemy.alembic.commands import AlembicCommands
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.adapters import hashing
from app.adapters.portraits import FilePortraits
from app.adapters.redis_counters import RedisCounters
from app.config import Settings, load_settings
from app.db.pii import PiiCipher
from app.main import create_app, db_config
from app.services.context import UnitOfWork
from app.services.seed import seed_demo
from tests.postgres_copies import TemplateRows, read_template, refill

T = TypeVar("T")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
# Redis for the tests of the Redis store (skipped without it); each test has its own namespace.
REDIS_URL = os.environ.get("TEST_REDIS_URL")
DATABASES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
SECRET = "test-secret-key-not-for-production"
# New password and PIN hashes in tests use argon2's cheapest parameters (the settings refuse
# them in production); the seeded template below is hashed once per run, not once per test.
hashing.configure("cheapest")


def make_settings(database_url: str, state_dir: Path, **extra: str) -> Settings:
    env = {
        "DATABASE_URL": database_url,
        "STATE_DIR": str(state_dir),
        "UPLOAD_DIR": str(state_dir / "uploads"),
        "SECRET_KEY": SECRET,
        "ARGON2_PROFILE": "cheapest",
        **extra,
    }
    return load_settings(env)


def migrations(settings: Settings) -> AlembicCommands:
    return AlembicCommands(sqlalchemy_config=db_config(settings))


def _worker() -> str:
    """pytest-xdist's worker name, so parallel workers never share a database."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class Postgres:
    """Databases beside the one TEST_POSTGRES_URL names, made by its (trusted) user."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def dsn_of(self, name: str) -> str:
        """The database's address as asyncpg takes it."""
        url = self.url.set(drivername="postgresql", database=name)
        return url.render_as_string(hide_password=False)

    def name(self, suffix: str) -> str:
        return f"{self.url.database}_{_worker()}_{suffix}"

    def recreate(self, name: str, template: str | None = None) -> str:
        """An empty database, or a copy of a template (CREATE DATABASE ... TEMPLATE)."""

        async def run() -> None:
            conn = await asyncpg.connect(self.dsn_of(self.url.database or "postgres"))
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                copy = f' TEMPLATE "{template}"' if template else ""
                await conn.execute(f'CREATE DATABASE "{name}"{copy}')
            finally:
                await conn.close()

        asyncio.run(run())
        return self.url_of(name)


async def _seed(settings: Settings, *, with_histories: bool) -> None:
    engine = create_async_engine(settings.database_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        uow = UnitOfWork(db=db, cipher=PiiCipher(settings.secret_key), policy=settings.policy)
        portraits = FilePortraits(settings.portrait_dir)
        await seed_demo(uow, portraits, with_histories=with_histories)
    await engine.dispose()


class Templates:
    """A migrated, a seeded and a seeded-with-histories database ("migrated", "seeded",
    "histories"), each made once per run and database kind when a test first needs it,
    then copied for each test: a file copy on SQLite; on PostgreSQL, CREATE DATABASE ...
    TEMPLATE the first time, then the template's rows put back (tests/postgres_copies.py)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: dict[tuple[str, str], str] = {}
        self.rows: dict[str, TemplateRows] = {}
        # The PostgreSQL databases that hold the templates' schema, as a copy left them.
        self.schema_in: set[str] = set()

    def _make(self, kind: str, content: str) -> str:
        if kind == "postgres":
            assert POSTGRES_URL
            name = Postgres(POSTGRES_URL).name(f"tpl_{content}")
            url = Postgres(POSTGRES_URL).recreate(name)
        else:
            name = str(self.root / f"{content}.db")
            url = f"sqlite+aiosqlite:///{name}"
        settings = make_settings(url, self.root / content)
        migrations(settings).upgrade("head")
        if content != "migrated":
            asyncio.run(_seed(settings, with_histories=content == "histories"))
        if kind == "postgres":
            self.rows[content] = asyncio.run(read_template(Postgres(POSTGRES_URL).dsn_of(name)))
        return name

    def copy_into(self, kind: str, content: str, database_url: str, state_dir: Path) -> None:
        key = (kind, content)
        if key not in self.made:
            self.made[key] = self._make(kind, content)
        # The seeded people's registry portraits, keyed by their ids (the same in the copy).
        portraits = self.root / content / "portraits"
        if portraits.is_dir():
            shutil.copytree(portraits, state_dir / "portraits", dirs_exist_ok=True)
        if kind == "postgres":
            self._copy_on_postgres(content, make_url(database_url).database or "")
        else:
            path = Path(make_url(database_url).database or "")
            _remove_sqlite(path)  # an earlier test's, log files included
            shutil.copyfile(self.made[key], path)

    def _copy_on_postgres(self, content: str, name: str) -> None:
        assert POSTGRES_URL
        postgres = Postgres(POSTGRES_URL)
        if name in self.schema_in:
            asyncio.run(refill(postgres.dsn_of(name), self.rows[content]))
            return
        postgres.recreate(name, self.made[("postgres", content)])
        self.schema_in.add(name)

    def forget(self, name: str) -> None:
        """The database was made again, empty: its next copy starts from CREATE DATABASE."""
        self.schema_in.discard(name)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory.mktemp("templates"))


def _remove_sqlite(path: Path) -> None:
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        path.with_name(name).unlink(missing_ok=True)


def _emptied(directory: Path) -> Path:
    """The directory with every file under it removed and its folders kept: an app built for
    an earlier test goes on using them."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in sorted(directory.rglob("*"), reverse=True):
        if not path.is_dir():
            path.unlink()
    return directory


@pytest.fixture(scope="session")
def worker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test process's own folder for the database and state of the test it runs: the same
    names for every test, so that an app built once serves them all (see `built_app`)."""
    return tmp_path_factory.mktemp("worker")


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, worker_dir: Path, templates: Templates) -> str:
    """An empty database of the kind the test runs on; on PostgreSQL, when the test asks for
    `migrated`, the database that `migrated` fills with a copy."""
    if request.param == "postgres":
        assert POSTGRES_URL
        postgres = Postgres(POSTGRES_URL)
        name = postgres.name("test")
        if "migrated" in request.fixturenames:
            return postgres.url_of(name)
        templates.forget(name)
        return postgres.recreate(name)
    _remove_sqlite(worker_dir / "test.db")
    return f"sqlite+aiosqlite:///{worker_dir / 'test.db'}"


@pytest.fixture
def extra_env() -> dict[str, str]:
    """More environment for the settings of the app under test (e.g. POLICY_* overrides);
    a test module or a parametrised test replaces it."""
    return {}


@pytest.fixture
def settings(database_url: str, worker_dir: Path, extra_env: dict[str, str]) -> Settings:
    return make_settings(database_url, _emptied(worker_dir / "state"), **extra_env)


@pytest.fixture
def migrated(settings: Settings, templates: Templates, request: pytest.FixtureRequest) -> Settings:
    """The schema at head; with the demo people already in it when the test also asks for
    `seeded` (directly or through `client`), and their histories with `histories`."""
    kind = "postgres" if settings.database_url.startswith("postgresql") else "sqlite"
    asked = request.fixturenames
    content = next((name for name in ("histories", "seeded") if name in asked), "migrated")
    templates.copy_into(kind, content, settings.database_url, Path(settings.state_dir))
    return settings


@pytest.fixture
async def uow(migrated: Settings) -> AsyncIterator[UnitOfWork]:
    engine = create_async_engine(migrated.database_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        yield UnitOfWork(db=db, cipher=PiiCipher(migrated.secret_key), policy=migrated.policy)
    await engine.dispose()


@pytest.fixture
async def seeded(uow: UnitOfWork) -> UnitOfWork:
    """The demo people and staff (copied from the seeded template by `migrated`); contribution
    histories only where a test adds them (seed_histories)."""
    return uow


@pytest.fixture
async def histories(seeded: UnitOfWork) -> UnitOfWork:
    """The demo people with their contribution records, pensions in payment, medical accounts
    and bills, as `make run` seeds them (seed_histories), copied from a template: seeding them
    takes about a second a test."""
    return seeded


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A namespace of its own in TEST_REDIS_URL's database, deleted afterwards."""
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set")
    namespace = f"test-{uuid4().hex}"
    yield namespace
    client = SyncRedis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
async def redis_counters(redis_namespace: str) -> AsyncIterator[RedisCounters]:
    assert REDIS_URL
    client = Redis.from_url(REDIS_URL)
    yield RedisCounters(client, f"{redis_namespace}:limits")
    await client.aclose()


# Apps built, by their settings, most recently used last. Building one costs about a third of
# a second (Litestar registering some 400 handlers), more than most tests take.
_APPS: OrderedDict[bytes, Litestar] = OrderedDict()
APPS_KEPT = 4


def built_app(settings: Settings) -> Litestar:
    """The app for these settings, built once per test process for each set of them. Each
    test's client starts and stops it on the test's own event loop, as a server restart would,
    over a fresh database and state folder under the same names. Apps on Redis are not kept:
    each test's namespace is its own."""
    if settings.redis_url:
        return create_app(settings)
    key = msgspec.json.encode(settings)
    built = _APPS.pop(key, None) or create_app(settings)
    _APPS[key] = built
    while len(_APPS) > APPS_KEPT:
        _APPS.popitem(last=False)
    return built


@pytest.fixture
def app(migrated: Settings) -> Litestar:
    return built_app(migrated)


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


_MARKED = re.compile(r'<span lang="zh-Hans">([^<]*)</span>')


def shown(html: str) -> str:
    """A page's HTML with the Chinese names on an English page unwrapped from the element
    that marks their language, so a sentence reads as it does on screen."""
    return _MARKED.sub(r"\1", html)


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


async def committed(uow: UnitOfWork, work: Awaitable[T]) -> T:
    """A service called directly, then committed as a request's unit of work would be."""
    result = await work
    await uow.commit()
    return result
