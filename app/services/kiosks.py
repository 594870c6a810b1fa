"""Self-service machines: which one a browser is, by the key an operator set it up with.

A machine's key is made by an operator (`python -m app.cli kiosk-key CODE`), typed once into
the machine's browser at /kiosk and kept there in a long-lived cookie; only its keyed hash is
stored. A phone shows the machine's name and hall only for a browser that holds a key, so a
page elsewhere cannot pass itself off as a service hall's machine."""

from __future__ import annotations

from datetime import datetime

from app.db.models import Kiosk
from app.domain.codes import CodeKind
from app.domain.typed import compact
from app.domain.views import KioskView
from app.services.context import UnitOfWork
from app.services.limits import KIOSK_KEY_IP, Limits

KEY = CodeKind(20, 40)  # about 99 bits, in groups of four when shown
KEY_INPUT_MAX = 60


class WrongKey(Exception):
    """No machine has this key (the attempt was counted)."""


class NoSuchKiosk(LookupError):
    pass


def _hash(uow: UnitOfWork, key: str) -> str:
    return uow.cipher.token_hash(f"kiosk-key:{compact(key)}")


async def identify(uow: UnitOfWork, key: str | None) -> KioskView | None:
    """The machine whose key the browser holds, or None."""
    if not key or len(key) > KEY_INPUT_MAX:
        return None
    return await uow.kiosks.by_key_hash(_hash(uow, key))


async def set_up(uow: UnitOfWork, limits: Limits, key: str, address: str, now: datetime) -> str:
    """Check a key typed into a browser (counted per address first: TooManyAttempts); the
    key to keep in the browser, or WrongKey."""
    counted = await limits.count(now, (KIOSK_KEY_IP, address))
    kept = compact(key)[:KEY_INPUT_MAX]
    kiosk = await identify(uow, kept)
    if kiosk is None:
        raise WrongKey
    await counted.succeeded()
    uow.audit.record("kiosk.set_up", at=now, actor=None, detail=kiosk.code)
    return kept


async def new_key(uow: UnitOfWork, code: str, now: datetime) -> str:
    """A new key for the machine (the old one stops working); returned once, in groups."""
    kiosk = await uow.kiosks.by_code(code)
    if kiosk is None:
        raise NoSuchKiosk(code)
    key = KEY.new()
    kiosk.key_hash = _hash(uow, key)
    uow.audit.record("kiosk.key_made", at=now, actor=None, detail=code)
    return KEY.display(key)


async def ensure(uow: UnitOfWork, *, code: str, name: str, hall: str, key: str | None) -> bool:
    """Add the machine if it is missing (with this key, if any); False if it was there."""
    if await uow.kiosks.by_code(code) is not None:
        return False
    await uow.kiosks.add(
        Kiosk(code=code, name=name, hall=hall, key_hash=_hash(uow, key) if key else None)
    )
    return True
