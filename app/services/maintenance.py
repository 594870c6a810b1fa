"""Clearing out what has expired, so nothing waits for a user's next visit to be deleted:
unfinished wizards (and their uploads), pending bindings nobody completed, selfies past their
retention, spent QR credentials past their validity, scan-login requests past their use, limit
counters past their memory; and family mutual aid whose giver or relative is no longer insured
ends by itself, its unused quota returned."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.db.limit_counters import DatabaseCounters
from app.domain.affinity import BindingEvent, BindingState, IllegalTransition
from app.services import mutual_aid
from app.services.affinity import discard_draft, discard_references
from app.services.context import UnitOfWork
from app.services.face import purge_selfies

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Tidied:
    drafts: int
    bindings: int
    selfies: int
    credentials: int
    counters: int = 0
    aid_links: int = 0


async def tidy(uow: UnitOfWork, store: DocumentStore, now: datetime) -> Tidied:
    drafts = await uow.drafts.expired(now)
    for draft in drafts:
        await discard_draft(uow, draft, store)
    transfer_drafts = await uow.transfer_drafts.purge(now)  # they hold no files
    transfer_drafts += await uow.conversion_drafts.purge(now)
    cutoff = now - timedelta(days=uow.policy.awaiting_face_expiry_days)
    stale = await uow.bindings.in_state_since(BindingState.AWAITING_FACE.value, cutoff)
    expired = 0
    for binding in stale:
        try:
            await uow.bindings.apply(binding, BindingEvent.EXPIRED, now)
        except IllegalTransition:
            continue  # matched, cancelled or expired by another process meanwhile
        expired += 1
        binding.ended_at = now
        await discard_references(store, binding)
        uow.audit.record(
            "affinity.expired",
            at=now,
            actor=None,
            subject=binding.member_person_id,
            detail="no face recognition",
        )
    credentials = await uow.spent_credentials.purge(now)
    # Scan-login requests (and their secrets) once neither a phone nor the screen can use them:
    # an approval just before the end leaves the screen one more lifetime to sign in.
    await uow.scan_logins.purge(now - timedelta(seconds=uow.policy.scan_login_seconds))
    counters = await DatabaseCounters(uow.db).forget_expired(now)  # none when Redis counts
    # Sign-ins past the absolute session limit can no longer be used or listed.
    await uow.signed_in_sessions.purge(now - timedelta(hours=uow.policy.session_absolute_hours))
    await uow.commit()
    selfies = await purge_selfies(uow, store, now)
    await uow.commit()
    aid_links = await mutual_aid.sweep(uow, now)
    await uow.commit()
    return Tidied(len(drafts) + transfer_drafts, expired, selfies, credentials, counters, aid_links)


async def _stopped_within(stopping: asyncio.Event, seconds: int) -> bool:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def keep_tidy(
    new_uow: Callable[[], UnitOfWork],
    store: DocumentStore,
    interval_seconds: int,
    stopping: asyncio.Event,
    *,
    sweep: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Tidy every interval until `stopping` is set (each process does it; it is
    idempotent), then `sweep` (expired sessions). A failure is logged and retried at the
    next interval. A round is never cancelled half-way: a database driver's thread
    finishing a query after the server closed would fail."""
    while not await _stopped_within(stopping, interval_seconds):
        uow = new_uow()
        try:
            if sweep is not None:
                await sweep()
            done = await tidy(uow, store, utcnow())
            if any(astuple(done)):
                log.info("tidied: %s", done)
        except Exception:
            log.exception("tidying failed; retrying at the next interval")
        finally:
            await uow.db.close()
