"""Contribution records indexed by person and status (arrears and paid months)

Revision ID: 7c3e91b2d4a6
Revises: 3b9d7e20c6a1
Create Date: 2026-12-01 18:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import GUID, DateTimeUTC


sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]

revision = '7c3e91b2d4a6'
down_revision = '3b9d7e20c6a1'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('contribution_records', schema=None) as batch_op:
        batch_op.create_index('ix_contribution_person_status', ['person_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contribution_records', schema=None) as batch_op:
        batch_op.drop_index('ix_contribution_person_status')
