"""Tidying: what has expired is cleared out without waiting for the user's next visit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.limit_counters import DatabaseCounters
from app.services.context import UnitOfWork
from app.services.limits import SIGN_IN_IP, Limits
from app.services.maintenance import tidy
from tests.conftest import sign_in
from tests.integration.test_affinity_wizard import _bind_mother, _through_notice

Client = AsyncTestClient[Litestar]


async def test_expired_drafts_and_stale_pending_bindings_are_cleared(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    store = DocumentStore(migrated.upload_dir)
    await sign_in(client)
    member_url = await _bind_mother(client)  # awaiting face recognition
    binding = await seeded.bindings.get(UUID(member_url.rsplit("/", 1)[1]))
    assert binding is not None
    await _through_notice(client)  # a second wizard, left unfinished
    drafts = await seeded.drafts.expired(utcnow() + timedelta(days=2))
    assert len(drafts) == 1

    nothing = await tidy(seeded, store, utcnow())
    assert (nothing.drafts, nothing.bindings) == (0, 0)

    later = utcnow() + timedelta(days=seeded.policy.awaiting_face_expiry_days, hours=1)
    done = await tidy(seeded, store, later)
    assert (done.drafts, done.bindings) == (1, 1)
    await seeded.db.refresh(binding)
    assert binding.state == "expired"
    assert not (Path(migrated.upload_dir) / binding.proof_file).exists()  # reference gone
    assert await seeded.drafts.expired(later) == []


async def test_limit_counters_past_their_memory_are_forgotten(
    seeded: UnitOfWork, migrated: Settings
) -> None:
    limits = Limits(DatabaseCounters(seeded.db), seeded.policy)
    now = utcnow()
    await limits.count(now, (SIGN_IN_IP, "203.0.113.9"))
    await limits.count(now + timedelta(hours=20), (SIGN_IN_IP, "198.51.100.7"))
    store = DocumentStore(migrated.upload_dir)
    done = await tidy(seeded, store, now + timedelta(hours=seeded.policy.limit_memory_hours))
    assert done.counters == 1
    left = await seeded.db.scalars(text("SELECT key FROM limit_counters"))
    assert list(left) == ["signin:ip:198.51.100.7"]
