"""The in-place SQLite reads convert parameters as SQLAlchemy's own types do."""

from __future__ import annotations

from uuid import UUID

import pytest
from advanced_alchemy.types import GUID
from sqlalchemy.dialects import sqlite

from app.db.reads import _bind_conversion

DIALECT = sqlite.dialect()
KEY = UUID("6f1c2d4e-8a9b-4c3d-9e8f-7a6b5c4d3e2f")


@pytest.mark.parametrize(
    "value", [KEY, str(KEY), KEY.hex, KEY.bytes], ids=["uuid", "text", "hex", "bytes"]
)
def test_a_uuid_key_is_bound_as_the_type_binds_it(value: UUID | str | bytes) -> None:
    kind = GUID(binary=True)
    general = kind.dialect_impl(DIALECT).bind_processor(DIALECT)
    fast = _bind_conversion(kind, DIALECT)
    assert general is not None and fast is not None
    assert fast(value) == general(value) == KEY.bytes


def test_a_text_uuid_column_keeps_the_types_own_conversion() -> None:
    kind = GUID(binary=False)
    general = kind.dialect_impl(DIALECT).bind_processor(DIALECT)
    fast = _bind_conversion(kind, DIALECT)
    assert fast is not None and general is not None
    assert fast(KEY) == general(KEY) == KEY.hex
