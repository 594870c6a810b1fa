"""Resident ID numbers (GB 11643-1999), their legacy 15-digit form, and masking."""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import Literal

import msgspec

from app.domain.typed import compact

Reason = Literal["format", "checksum", "birth_date", "region"]

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11 (ISO 7064 MOD 11-2)
EARLIEST_BIRTH = date(1900, 1, 1)
PROVINCE_PREFIXES = frozenset(
    {str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47))}
    | {str(n) for n in (*range(50, 55), *range(61, 66), 71, 81, 82)}
)
_SHAPE_18 = re.compile(r"[0-9]{17}[0-9X]")
_SHAPE_15 = re.compile(r"[0-9]{15}")
MAX_INPUT_LENGTH = 40  # anything longer is not an ID number, whatever it holds


class InvalidIdNumber(ValueError):
    """Raised with a reason code the web layer turns into a translated message."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


class Sex(enum.Enum):
    MALE = "male"
    FEMALE = "female"


class IdNumber(msgspec.Struct, frozen=True):
    value: str

    @property
    def region_code(self) -> str:
        return self.value[:6]

    @property
    def birth_date(self) -> date:
        v = self.value
        return date(int(v[6:10]), int(v[10:12]), int(v[12:14]))

    @property
    def sex(self) -> Sex:
        return Sex.MALE if int(self.value[16]) % 2 else Sex.FEMALE

    def age_on(self, day: date) -> int:
        """Whole years of age on ``day``."""
        born = self.birth_date
        before_birthday = (day.month, day.day) < (born.month, born.day)
        return day.year - born.year - int(before_birthday)

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def mask_id_number(value: str) -> str:
    """Keep the first four and last four characters: 1101**********0224."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Parse an 18-digit number (or upgrade a 15-digit legacy one), or raise InvalidIdNumber."""
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidIdNumber("format")
    text = compact(raw)
    if _SHAPE_15.fullmatch(text):
        body = text[:6] + "19" + text[6:]
        text = body + check_char(body)
    elif not _SHAPE_18.fullmatch(text):
        raise InvalidIdNumber("format")
    if text[:2] not in PROVINCE_PREFIXES:
        raise InvalidIdNumber("region")
    _check_birth_date(text, today or date.today())
    if check_char(text[:17]) != text[17]:
        raise InvalidIdNumber("checksum")
    return IdNumber(text)


def _check_birth_date(text: str, today: date) -> None:
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date") from None
    if not EARLIEST_BIRTH <= born <= today:
        raise InvalidIdNumber("birth_date")
