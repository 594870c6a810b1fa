"""The operator commands that touch sign-in: a staff member's enrolment code, and seeding
(which must never run in production)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from app.adapters.portraits import FilePortraits
from app.config import Settings
from app.db.models import StaffEnrolmentCode
from app.domain.identity import parse_id_number
from app.domain.staff_enrolment import normalise_code
from app.services.context import UnitOfWork
from e2e.command_runner import CommandRunner
from tests.conftest import SECRET

Commands = Callable[..., Awaitable[tuple[int, str, str]]]

ROOT = Path(__file__).resolve().parents[2]


def _environment(settings: Settings, **env: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "STATE_DIR": settings.state_dir,
        "UPLOAD_DIR": settings.upload_dir,
        "SECRET_KEY": SECRET,
        "ARGON2_PROFILE": "cheapest",
        **env,
    }


async def _cli(settings: Settings, *args: str, **env: str) -> tuple[int, str, str]:
    """The command as an operator types it: a process of its own."""
    environment = _environment(settings, **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_enrolment_code_is_printed_once_and_kept_only_hashed(
    seeded: UnitOfWork, settings: Settings
) -> None:
    status, out, _ = await _cli(settings, "staff-enrolment-code", "BJ0001")
    assert status == 0
    code = normalise_code(out.splitlines()[0])
    assert code is not None
    stored = list(await seeded.db.scalars(select(StaffEnrolmentCode.code_hash)))
    assert stored == [seeded.cipher.token_hash(code)]

    status, _, err = await _cli(settings, "staff-enrolment-code", "NOBODY")
    assert status == 1 and "no staff member NOBODY" in err


async def test_seed_refuses_to_run_in_production(settings: Settings, tmp_path: Path) -> None:
    database = tmp_path / "production.db"
    status, _, err = await _cli(
        settings,
        "seed",
        PORTAL_ENV="production",
        ARGON2_PROFILE="rfc9106-low-memory",
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
    )
    assert status == 1 and "refused" in err
    assert not database.exists()


@pytest.fixture
def commands(settings: Settings, tmp_path: Path) -> Iterator[Commands]:
    """The commands run one after another in one process (e2e/command_runner.py), as each
    would on its own: starting Python and loading the face models once, not for each."""
    runner = CommandRunner(_environment(settings), tmp_path / "commands.log")

    async def run(*args: str) -> tuple[int, str, str]:
        done = await asyncio.to_thread(runner.run, "app.cli", args)
        log = (tmp_path / "commands.log").read_text(encoding="utf-8", errors="replace")
        return int(done["code"]), str(done["out"]), str(done["err"]) + log

    yield run
    runner.close()


async def test_add_person_registers_a_portrait_and_a_household_link(
    seeded: UnitOfWork, settings: Settings, commands: Commands
) -> None:
    portrait = ROOT / "tests" / "fixtures" / "faces" / "obama3.jpg"
    status, out, err = await commands(
        "add-person",
        "王秀兰",
        "110105196002020022",
        "--portrait",
        str(portrait),
        "--household-of",
        "320102199001010889",  # 赵丽, who has no household yet: one is made for both
    )
    assert status == 0, err
    person_id = UUID(out.strip())
    person = await seeded.people.get(person_id)
    zhao = await seeded.people.by_id_number(parse_id_number("320102199001010889"))
    assert person and zhao
    await seeded.db.refresh(zhao)
    assert person.name == "王秀兰" and person.household_code
    assert person.household_code == zhao.household_code
    stored = await FilePortraits(settings.portrait_dir).portrait(person_id)
    assert stored and stored[:2] == b"\xff\xd8"  # re-encoded, kept as the registry's photo
    assert "110105196002020022" not in out + err

    two = ROOT / "tests" / "fixtures" / "faces" / "two_people.jpg"
    status, _, err = await commands(
        "add-person", "王小红", "110105198001010024", "--portrait", str(two)
    )
    assert status == 1 and "not one usable face (several_faces)" in err
    assert await seeded.people.by_id_number(parse_id_number("110105198001010024")) is None

    status, _, err = await commands(
        "open-binding",
        "110105198503140224",
        "11010520150402035X",
        "child",
        str(two),
        str(two),
    )
    assert status == 1 and "FACE_PHOTO: not one usable face (several_faces)" in err

    status, out, _ = await commands("add-person", "王小明", "110105198001010016")
    assert status == 0
    assert await FilePortraits(settings.portrait_dir).portrait(UUID(out.strip())) is None

    status, _, err = await commands("add-person", "王秀兰", "110105196002020022")
    assert status == 1 and "already in the registry" in err
    status, _, err = await commands(
        "add-person", "某人", "110105199001010010", "--household-of", "110105200001010016"
    )
    assert status == 1 and "no such person" in err
