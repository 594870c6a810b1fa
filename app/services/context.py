"""What every use case needs: the DB session, the PII cipher, the policy, and where the
request came from (for the audit trail).

A request has one unit of work, and it commits once, when the page has been made (see
app/routes/deps.provide_uow); the services only add to it. Background tasks and operator
commands commit their own. Work that must wait for the commit (a job that reads the rows this
request wrote) is registered with after_commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from app.db.insurance import Enrolments, InsuranceRecords
from app.db.medical import AidLinks, MedicalAccounts, MedicalBills
from app.db.models import Person
from app.db.payments import Ledger, PaymentKeys, Payments
from app.db.pii import PiiCipher
from app.db.reads import Reads
from app.db.repositories import (
    Accounts,
    Audit,
    Bindings,
    Cards,
    Contributions,
    ConversionDrafts,
    Drafts,
    FaceChecks,
    Handoffs,
    Passkeys,
    People,
    SignedInSessions,
    SpentCredentials,
    Staff,
    TransferDrafts,
    Transfers,
)
from app.db.sandbox_orders import SandboxOrders
from app.db.scan_logins import Kiosks, ScanLogins
from app.db.views import Members, Views
from app.domain.identity import IdNumber
from app.domain.origin import NOWHERE, Origin
from app.domain.policy import Policy
from app.domain.views import PersonView


class UnitOfWork:
    """`db`, or `make_db` to open the session when first used: most pages read only outside
    the transaction (app/db/reads.py), and a session they never use costs as much as a read."""

    __slots__ = (
        "_after_commit",
        "_db",
        "_make_db",
        "_members_read",
        "cipher",
        "origin",
        "policy",
        "reads",
    )

    def __init__(
        self,
        *,
        cipher: PiiCipher,
        policy: Policy,
        db: AsyncSession | None = None,
        make_db: Callable[[], AsyncSession] | None = None,
        reads: Reads | None = None,  # the views' reads outside the transaction; None: in it
        origin: Origin = NOWHERE,  # the request's, for the audit trail
    ) -> None:
        if (db is None) == (make_db is None):
            raise ValueError("a unit of work takes either a session or a way to open one")
        self._db = db
        self._make_db = make_db
        self.cipher = cipher
        self.policy = policy
        self.reads = reads
        self.origin = origin
        self._members_read: dict[UUID, Members] = {}
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    @property
    def db(self) -> AsyncSession:
        if self._db is None:
            assert self._make_db is not None
            self._db = self._make_db()
        return self._db

    @property
    def opened(self) -> bool:
        """Whether the session has been opened (and so may hold work, and must be closed)."""
        return self._db is not None

    def in_transaction(self) -> bool:
        return self._db is not None and self._db.in_transaction()

    @property
    def people(self) -> People:
        return People(self.db, self.cipher)

    @property
    def views(self) -> Views:
        return Views(self, self.reads, self._members_read)

    @property
    def signed_in_sessions(self) -> SignedInSessions:
        return SignedInSessions(self.db)

    @property
    def accounts(self) -> Accounts:
        return Accounts(self.db)

    @property
    def passkeys(self) -> Passkeys:
        return Passkeys(self.db)

    @property
    def cards(self) -> Cards:
        return Cards(self.db)

    @property
    def audit(self) -> Audit:
        return Audit(self.db, self.origin)

    @property
    def drafts(self) -> Drafts:
        return Drafts(self.db)

    @property
    def bindings(self) -> Bindings:
        return Bindings(self.db)

    @property
    def face_checks(self) -> FaceChecks:
        return FaceChecks(self.db)

    @property
    def handoffs(self) -> Handoffs:
        return Handoffs(self.db)

    @property
    def staff(self) -> Staff:
        return Staff(self.db)

    @property
    def contributions(self) -> Contributions:
        return Contributions(self.db)

    @property
    def spent_credentials(self) -> SpentCredentials:
        return SpentCredentials(self.db)

    @property
    def transfers(self) -> Transfers:
        return Transfers(self.db)

    @property
    def transfer_drafts(self) -> TransferDrafts:
        return TransferDrafts(self.db)

    @property
    def conversion_drafts(self) -> ConversionDrafts:
        return ConversionDrafts(self.db)

    @property
    def kiosks(self) -> Kiosks:
        return Kiosks(self.db)

    @property
    def scan_logins(self) -> ScanLogins:
        return ScanLogins(self.db)

    @property
    def payments(self) -> Payments:
        return Payments(self.db)

    @property
    def payment_keys(self) -> PaymentKeys:
        return PaymentKeys(self.db)

    @property
    def ledger(self) -> Ledger:
        return Ledger(self.db)

    @property
    def medical_bills(self) -> MedicalBills:
        return MedicalBills(self.db)

    @property
    def medical_accounts(self) -> MedicalAccounts:
        return MedicalAccounts(self.db)

    @property
    def aid_links(self) -> AidLinks:
        return AidLinks(self.db)

    @property
    def insurance_records(self) -> InsuranceRecords:
        return InsuranceRecords(self.db)

    @property
    def enrolments(self) -> Enrolments:
        return Enrolments(self.db)

    @property
    def sandbox_orders(self) -> SandboxOrders:
        return SandboxOrders(self.db)

    def id_number_of(self, person: Person | PersonView) -> IdNumber:
        """The person's ID number, decrypted: a page shows it masked, never whole."""
        return IdNumber(self.cipher.decrypt(person.id_number_cipher))

    def masked_id_of(self, person: Person | PersonView) -> str:
        """The person's ID number as a page shows it: 1101**********0224."""
        return self.cipher.masked(person.id_number_cipher)

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(action)

    @property
    def has_after_commit(self) -> bool:
        return bool(self._after_commit)

    async def commit(self) -> None:
        if self._db is not None:
            await self._db.commit()
        actions = list(self._after_commit)
        self._after_commit.clear()
        for action in actions:
            await action()

    async def rollback(self) -> None:
        self._after_commit.clear()
        if self._db is not None:
            await self._db.rollback()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()

    def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: a failed insert is undone without losing the request's work."""
        return self.db.begin_nested()
