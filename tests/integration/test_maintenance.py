"""Tidying: what has expired is cleared out without waiting for the user's next visit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.services.context import UnitOfWork
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
